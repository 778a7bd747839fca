"""Logisim ``.circ`` files: export a circuit, check it in Logisim, import a drawn one.

Logisim (Carl Burch's 2.7.1, the version Debian packages) and its successor
Logisim-evolution (3.x) save a project as XML::

    <project source="3.8.0" version="1.0">
      <lib desc="#Wiring" name="0"/>  <lib desc="#Gates" name="1"/>
      <main name="adder"/>
      <circuit name="adder">
        <comp lib="1" loc="(250,100)" name="AND Gate"> <a name="inputs" val="2"/> </comp>
        <wire from="(180,80)" to="(200,80)"/>
      </circuit>
    </project>

Coordinates are pixels on a 10 px grid, y pointing down. A gate's ``loc`` is its output;
its inputs sit ``size`` px to the left (XOR-family 10 px further, a negated output 10 px
more), spread vertically by the input count. A subcircuit is a ``<comp>`` without ``lib``
named after its circuit; its pins are where the circuit's appearance puts them.

Connection rule, Logisim's own (it re-splits wires whenever it loads a circuit): a wire
joins every wire end and every component pin lying on it, at its ends *or in its
middle*, so a T-junction connects and so does a pin a wire passes over; two wires that
merely cross do not. Tunnels with equal labels join their nets.

* :func:`to_logisim` draws a carrylab circuit: one multi-bit input pin per bus (``A``,
  ``B``, ``Cin``) fanned out by a splitter, gates in columns by logic level, and every
  gate pin tied by a short wire to a tunnel named after its net (``g3``, ``p3``, ``c4``,
  ``G7_4``), so the student sees the netlist's own names and no wire has to be routed.
  Given ``vectors`` it adds a main circuit ``check`` that feeds every vector from
  constants into its own copy of the adder, for a headless run.
* :func:`logisim_test_vectors` writes Logisim-evolution's test-vector file
  (*Simulate > Test Vector*): ``A[8] B[8] Cin S[8] Cout`` then one binary row per vector.
* :func:`run_logisim` runs a Logisim jar headless on that ``check`` circuit and returns
  the outputs Logisim computed, vector by vector.
* :func:`from_logisim` reads a drawn circuit back into a :class:`~adders.netlist.Circuit`.

Files are written with ``source="3.8.0"``: Logisim-evolution opens them without its
"old file format" dialog (shown for versions below 2.7.2) and Logisim 2.7.1 reads them
too, as long as no bus is wider than its 32-bit limit. Pins keep the 2.7.1-style
``output``/``tristate`` attributes, which Logisim-evolution converts on loading.

Import mapping: top-level input pins become input buses named by their label in lower
case (``A`` -> ``a``, ``Cin`` -> ``cin``; a trailing range such as ``[3:0]`` is dropped);
output pins likewise (``S`` -> ``s``, ``Cout`` -> ``cout``). One-bit pins labelled with a
running index (``A0 A1 A2 A3`` or ``a[0]`` ...) form one bus ``a``. Unlabelled pins are
``in0, in1, ...`` / ``out0, ...`` top to bottom. Nets take the name of the input pin
bit, tunnel, gate label or output pin bit on them, in that order of preference (inner
names of a subcircuit instance get the prefix ``<instance>.``, the instance being its
label or ``<circuit><k>``); other gate outputs are named ``<kind>_<x>_<y>``. Constants
(also Power and Ground) become ``XOR(x, x)`` / ``XNOR(x, x)`` of the first input net,
since a carrylab netlist has no constant gate.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from bisect import bisect_left, bisect_right
from collections import Counter
from itertools import product
from pathlib import Path
from xml.sax.saxutils import quoteattr

from .checks import check_int, check_real
from .errors import (
    CarrylabRuntimeError,
    CarrylabTypeError,
    CarrylabValueError,
    CircuitFileError,
    NetlistError,
)

__all__ = ["to_logisim", "logisim_test_vectors", "from_logisim", "find_logisim", "run_logisim",
           "SOURCE_VERSION"]

#: The ``source`` version written into exported files.
SOURCE_VERSION = "3.8.0"

#: Logisim 2.7.1 caps gate inputs and bus widths at 32 (Logisim-evolution at 64).
_MAX_INPUTS = 32
_EXHAUSTIVE_BITS = 12          # vectors=None: every input vector up to this many input bits
_DEFAULT_RANDOM = 100          # ... else the corner cases plus this many random vectors

_GATE_NAMES = {"AND": "AND Gate", "OR": "OR Gate", "NAND": "NAND Gate", "NOR": "NOR Gate",
               "XOR": "XOR Gate", "XNOR": "XNOR Gate", "NOT": "NOT Gate", "BUF": "Buffer"}
_GATE_KINDS = {name: kind for kind, name in _GATE_NAMES.items()}
_PARITY = {"Odd Parity": "XOR", "Even Parity": "XNOR"}
_DIRECTIONS = {"east": 0, "north": 90, "west": 180, "south": 270}


# ====================================================================== geometry
# Shared by the exporter and the importer, so that what one draws the other reads.

def _rotate(dx: int, dy: int, facing: str, default: str = "east") -> tuple[int, int]:
    """Offset (dx, dy) of a part drawn facing ``default``, turned to face ``facing``
    (quarter turns counter-clockwise on screen, y down)."""
    turn = (_DIRECTIONS[facing] - _DIRECTIONS[default]) % 360
    if turn == 90:
        return dy, -dx
    if turn == 180:
        return -dx, -dy
    if turn == 270:
        return -dy, dx
    return dx, dy


def _gate_axis(kind: str, size: int) -> int:
    """Distance from output to inputs along the gate: ``size``, +10 for the XOR family's
    extra curve, +10 for an output bubble."""
    return size + (10 if kind in ("XOR", "XNOR") else 0) + (10 if kind in ("NAND", "NOR", "XNOR") else 0)


def _gate_input_offsets(inputs: int, size: int, axis: int, facing: str = "east",
                        negated: int = 0, old_four: bool = False) -> list[tuple[int, int]]:
    """Input pin offsets of a multi-input gate from its output, in pin order.

    Up to three inputs spread 20 px apart (30 px on wide 70 px gates, 10 px on narrow
    30 px ones); more inputs sit 10 px apart, leaving the middle free for an even count;
    four inputs on a wide gate sit 20 px apart (shifted 10 px up since Logisim-evolution
    3.4.3, ``old_four=False``). A negated input is 10 px further out. Facing north, south
    or west keeps the pins in top-to-bottom / left-to-right order rather than rotating.
    """
    if inputs <= 3:
        if size < 40:
            start, step, lower = -5, 10, 10
        elif size < 60 or inputs <= 2:
            start, step, lower = -10, 20, 20
        else:
            start, step, lower = -15, 30, 30
    elif inputs == 4 and size >= 60:
        start, step, lower = -5, 20, 0
    else:
        start, step, lower = -5, 10, 10
    out = []
    for i in range(inputs):
        if inputs % 2:
            dy = start * (inputs - 1) + step * i
        else:
            dy = start * inputs + step * i + (lower if i >= inputs // 2 else 0)
            if inputs == 4 and size >= 60 and not old_four:
                dy -= 10
        dx = axis + (10 if (negated >> i) & 1 else 0)
        out.append({"north": (dy, dx), "south": (dy, -dx), "west": (dx, dy)}.get(facing, (-dx, dy)))
    return out


def _splitter_ends(fanout: int, facing: str, appear: str, spacing: int = 1) -> list[tuple[int, int]]:
    """Offsets of a splitter's split ends from its combined end, end 0 first."""
    justify = {"center": 0, "legacy": 0, "right": 1}.get(appear, -1)
    gap = 10 * spacing
    if facing in ("north", "south"):
        m = 1 if facing == "north" else -1
        x0 = gap * ((fanout + 1) // 2 - 1) if justify == 0 else \
            (-10 if m * justify < 0 else 10 + gap * (fanout - 1))
        return [(x0 - gap * i, -m * 20) for i in range(fanout)]
    m = -1 if facing == "west" else 1
    y0 = -gap * (fanout // 2) if justify == 0 else (10 if m * justify > 0 else -(10 + gap * (fanout - 1)))
    return [(m * 20, y0 + gap * i) for i in range(fanout)]


def _splitter_bits(fanout: int, width: int) -> list[int]:
    """End of each bit (0-based) when a splitter is made: one bit per end while they
    last, else the low bits share the first ends, the earlier ends taking one extra bit."""
    if fanout >= width:
        return list(range(width))
    per, extra = divmod(width, fanout)
    out = []
    for end in range(fanout):
        out += [end] * (per + (1 if end < extra else 0))
    return out


def _classic_ports(pins: list[tuple[tuple[int, int], str, bool]]) -> list[tuple[int, int]]:
    """Port offsets (from the anchor) of a subcircuit in Logisim's classic appearance.

    ``pins``: (location, facing, is_input) of each pin of the circuit. A pin facing east
    sits on the west edge, and so on; each edge lists its pins top to bottom (left to
    right on north/south edges) 10 px apart, centred; the anchor is the first east port
    (else north, west, south). Returns one offset per pin, in the order given.
    """
    edge_of = {"east": "west", "west": "east", "north": "south", "south": "north"}
    edges: dict[str, list[int]] = {e: [] for e in ("north", "south", "east", "west")}
    for k, (loc, facing, _) in enumerate(pins):
        edges[edge_of[facing]].append(k)
    for e, members in edges.items():
        if e in ("east", "west"):
            members.sort(key=lambda k: (pins[k][0][1], pins[k][0][0]))
        else:
            members.sort(key=lambda k: (pins[k][0][0], pins[k][0][1]))
    n = {e: len(m) for e, m in edges.items()}
    max_vert, max_horz = max(n["north"], n["south"]), max(n["east"], n["west"])

    def offset(facing_count, opposite, others):
        most = max(facing_count, opposite)
        base = (15 if others == 0 else 10) if most <= 1 else 10 if most == 2 else (5 if others == 0 else 10)
        return base + 10 * ((most - facing_count) // 2)

    def dimension(this, others):
        return 30 if this < 3 else 10 * this if others == 0 else 10 * this + 10

    offs = {"north": offset(n["north"], n["south"], max_horz),
            "south": offset(n["south"], n["north"], max_horz),
            "east": offset(n["east"], n["west"], max_vert), "west": offset(n["west"], n["east"], max_vert)}
    width, height = dimension(max_vert, max_horz), dimension(max_horz, max_vert)
    if n["east"]:
        anchor = (width, offs["east"])
    elif n["north"]:
        anchor = (offs["north"], 0)
    elif n["west"]:
        anchor = (0, offs["west"])
    elif n["south"]:
        anchor = (offs["south"], height)
    else:
        anchor = (0, 0)
    start = {"west": (0, offs["west"], 0, 10), "east": (width, offs["east"], 0, 10),
             "north": (offs["north"], 0, 10, 0), "south": (offs["south"], height, 10, 0)}
    out: list[tuple[int, int]] = [(0, 0)] * len(pins)
    for e, members in edges.items():
        x, y, dx, dy = start[e]
        for j, k in enumerate(members):
            out[k] = (x + j * dx - anchor[0], y + j * dy - anchor[1])
    return out


def _evolution_ports(pins: list[tuple[tuple[int, int], str, bool, str]], name: str,
                     fixed: bool) -> list[tuple[int, int]]:
    """Port offsets of a subcircuit in Logisim-evolution's default appearance: inputs on
    the west edge, outputs on the east, each top to bottom 20 px apart, the anchor on the
    first output; the box is as wide as the longest labels (8 px per character) or the
    circuit's name need (a fixed 220 px when ``fixed``). ``pins``: (location, facing,
    is_input, label)."""
    west = sorted((k for k, p in enumerate(pins) if p[2]), key=lambda k: (pins[k][0][1], pins[k][0][0]))
    east = sorted((k for k, p in enumerate(pins) if not p[2]), key=lambda k: (pins[k][0][1], pins[k][0][0]))
    left = max((8 * len(pins[k][3]) for k in west), default=0)
    right = max((8 * len(pins[k][3]) for k in east), default=0)
    text = 25 * 8 if fixed else max(left + right + 35, 8 * len(name) + 15)
    width = (text // 10) * 10 + 20
    ax = width if east else 0
    out: list[tuple[int, int]] = [(0, 0)] * len(pins)
    for j, k in enumerate(west):
        out[k] = (-ax, 20 * j)
    for j, k in enumerate(east):
        out[k] = (width - ax, 20 * j)
    return out


# ====================================================================== names
def _clean_label(name: str) -> str:
    """``name`` as a label Logisim-evolution keeps as it is: a letter, then letters,
    digits and single underscores, no trailing underscore (else it renames it)."""
    text = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_]", "_", str(name))).strip("_")
    if not text or not text[0].isalpha():
        text = "n" + text if text else "n"
    return text


class _Labels:
    """Net or bus -> unique clean label (a collision gets ``_2``, ``_3``, ...)."""

    def __init__(self, taken=()):
        self.of: dict[str, str] = {}
        self.used = set(taken)

    def __call__(self, name: str, wanted: str | None = None) -> str:
        if name not in self.of:
            base = _clean_label(name if wanted is None else wanted)
            label, k = base, 2
            while label in self.used:
                label, k = f"{base}_{k}", k + 1
            self.used.add(label)
            self.of[name] = label
        return self.of[name]


def _pin_label(bus: str) -> str:
    """Pin label of a bus: an all-lower-case name gets a capital first letter (``cin`` ->
    ``Cin``), the way adders are labelled in textbooks; the importer lower-cases it back."""
    return bus[:1].upper() + bus[1:] if bus.islower() else bus


# ====================================================================== drawing
def _xml_attrs(attrs: dict) -> str:
    return "".join(f"\n      <a name={quoteattr(str(k))} val={quoteattr(str(v))}/>" for k, v in attrs.items())


class _Sheet:
    """One ``<circuit>`` being drawn: components and wires, as XML lines."""

    def __init__(self, name: str):
        self.name = name
        self.lines: list[str] = []
        # (location, facing, is input, label, width, bus) of each pin
        self.pins: list[tuple[tuple[int, int], str, bool, str, int, str]] = []

    def comp(self, lib, name: str, loc, attrs: dict | None = None) -> None:
        lib_text = "" if lib is None else f" lib={quoteattr(str(lib))}"
        body = _xml_attrs(attrs or {})
        end = f">{body}\n    </comp>" if body else "/>"
        self.lines.append(f"    <comp{lib_text} loc=\"({loc[0]},{loc[1]})\" name={quoteattr(name)}{end}")

    def wire(self, a, b) -> None:
        if a != b:
            self.lines.append(f"    <wire from=\"({a[0]},{a[1]})\" to=\"({b[0]},{b[1]})\"/>")

    def tunnel(self, loc, label: str, facing: str) -> None:
        self.comp(0, "Tunnel", loc, {"facing": facing, "label": label})

    def pin(self, loc, bus: str, label: str, width: int, is_input: bool) -> None:
        facing = "east" if is_input else "west"
        self.comp(0, "Pin", loc, {"facing": facing, "output": "false" if is_input else "true",
                                  "width": width, "tristate": "false", "label": label})
        self.pins.append((loc, facing, is_input, label, width, bus))

    def xml(self) -> str:
        head = (f"  <circuit name={quoteattr(self.name)}>\n"
                f"    <a name=\"circuit\" val={quoteattr(self.name)}/>\n"
                f"    <a name=\"appearance\" val=\"classic\"/>")
        return "\n".join([head] + self.lines + ["  </circuit>"])


def _tunnel_width(label: str) -> int:
    """Rough width in px of a tunnel showing ``label`` (12 pt font, half as wide as high)."""
    return 6 * len(label) + 20


def _drawable_gates(circuit) -> list[tuple[str, list[str], str]]:
    """(kind, inputs, output) of every gate, AND/OR/NAND/NOR wider than Logisim 2.7.1's
    32 inputs split into a tree (parts named ``<net>_part<k>``)."""
    out = []
    nodes = circuit.graph.nodes
    for net in circuit.gates():
        kind, ins = nodes[net]["kind"], list(nodes[net]["inputs"])
        k = 0
        while len(ins) > _MAX_INPUTS:
            base = "AND" if kind in ("AND", "NAND") else "OR"
            parts = []
            for j in range(0, len(ins), _MAX_INPUTS):
                group = ins[j:j + _MAX_INPUTS]
                if len(group) == 1:
                    parts.append(group[0])
                    continue
                name = f"{net}_part{k}"
                k += 1
                out.append((base, group, name))
                parts.append(name)
            ins = parts
        out.append((kind, ins, net))
    return out


def _fan_routes(ports: list[tuple[int, int]], rows: list[int], x_end: int, sign: int) -> list[list[tuple]]:
    """Wires from pins at ``ports`` (x, y), one column, to rows ``rows`` at ``x_end``.

    Pins that already sit on their row get one straight wire; the others bend once,
    outer rows bending nearer the pins (``sign`` -1: the rows lie to the left), so that
    no wire end lands on another wire, which in Logisim would connect them.
    """
    routes = []
    up = [i for i, ((_, y), r) in enumerate(zip(ports, rows)) if r < y]
    down = [i for i, ((_, y), r) in enumerate(zip(ports, rows)) if r > y]
    depth = {i: j + 1 for j, i in enumerate(up)}
    depth.update({i: j + 1 for j, i in enumerate(reversed(down))})
    for i, ((x, y), r) in enumerate(zip(ports, rows)):
        if r == y:
            routes.append([(x, y), (x_end, y)])
        else:
            xb = x + sign * 10 * depth[i]
            routes.append([(x, y), (xb, y), (xb, r), (x_end, r)])
    return routes


def _draw_circuit(circuit, name: str) -> _Sheet:
    """Lay out ``circuit`` as a Logisim circuit named ``name`` (see the module notes)."""
    sheet = _Sheet(name)
    circuit.validate()
    labels = _Labels()
    gates = _drawable_gates(circuit)
    level: dict[str, int] = {n: 0 for nets in circuit.inputs.values() for n in nets}
    for _, ins, out in gates:
        level[out] = 1 + max(level[i] for i in ins)
    depth = max((level[out] for _, _, out in gates), default=0)
    columns: list[list[tuple]] = [[] for _ in range(depth + 1)]
    for order, gate in enumerate(gates):
        columns[level[gate[2]]].append((order, gate))

    def bit_key(entry):
        found = re.search(r"\d+", entry[1][2])
        return (int(found.group()) if found else 1 << 30, entry[0])

    for col in columns:
        col.sort(key=bit_key)
    pin_labels = _Labels()
    in_width = max(len(nets) for nets in circuit.inputs.values())
    out_width = max(len(nets) for nets in circuit.outputs.values())
    if max(in_width, out_width) > 64:
        raise CarrylabValueError(f"circuit {circuit.name!r} has a {max(in_width, out_width)}-bit bus; "
                                 f"Logisim pins hold at most 64 bits (32 in Logisim 2.7.1)")

    # Input buses: pin -> splitter -> one tunnel per bit, 20 px apart.
    x_pin = 150
    x_tun = x_pin + 40 + 10 * in_width + 20
    y = 100
    for bus, nets in circuit.inputs.items():
        sheet.pin((x_pin, y), bus, pin_labels(bus, _pin_label(bus)), len(nets), True)
        if len(nets) == 1:
            sheet.wire((x_pin, y), (x_tun, y))
            sheet.tunnel((x_tun, y), labels(nets[0]), "west")
            y += 40
            continue
        w = len(nets)
        sheet.wire((x_pin, y), (x_pin + 20, y))
        sheet.comp(0, "Splitter", (x_pin + 20, y), {"facing": "east", "fanout": w, "incoming": w,
                                                    "appear": "right"})
        ends = [(x_pin + 40, y + 10 + 10 * i) for i in range(w)]
        rows = [y + 10 * w + 20 + 20 * i for i in range(w)]     # below every end: no wire crosses
        for i, ((xe, ye), r) in enumerate(zip(ends, rows)):
            xb = xe + 10 * (w - i)              # the lowest bit bends furthest out
            for a, b in zip([(xe, ye), (xb, ye), (xb, r)], [(xb, ye), (xb, r), (x_tun, r)]):
                sheet.wire(a, b)
            sheet.tunnel((x_tun, r), labels(nets[i]), "west")
        y = rows[-1] + 40

    # Gate columns, one per logic level; x is the column's output line.
    def gate_plan(kind, ins):
        """Input offsets, tunnel rows (20 px apart), attributes, and how far left of the
        output the input tunnels sit."""
        if kind in ("NOT", "BUF"):
            offsets, attrs = [(-30 if kind == "NOT" else -20, 0)], {}
        else:
            offsets = _gate_input_offsets(len(ins), 50, _gate_axis(kind, 50))
            attrs = {"size": 50, "inputs": len(ins)}
        k = len(offsets)
        rows = [dy for _, dy in offsets] if k <= 3 else [20 * i - 10 * (k - 1) for i in range(k)]
        bend = 10 * sum(1 for (_, dy), r in zip(offsets, rows) if r < dy)
        return offsets, rows, attrs, max(-dx for dx, _ in offsets) + bend + 20

    x_prev_out = x_tun + max(_tunnel_width(labels(n)) for nets in circuit.inputs.values() for n in nets)
    x = x_prev_out
    for col in columns[1:]:
        plans = [(gate, gate_plan(gate[0], gate[1])) for _, gate in col]
        reach = max(p[3] for _, p in plans)
        left = max(_tunnel_width(labels(n)) for (_, ins, _), _ in plans for n in ins)
        x = x_prev_out + 30 + left + reach
        x = -(-x // 10) * 10
        y = 100
        prev_low = None
        for (kind, ins, out), (offsets, rows, attrs, gate_reach) in plans:
            top = min(min(rows), min(dy for _, dy in offsets), -20)
            if prev_low is not None:
                y = prev_low + 20 - top
            sheet.comp(1, _GATE_NAMES[kind], (x, y), attrs)
            sheet.wire((x, y), (x + 20, y))
            sheet.tunnel((x + 20, y), labels(out), "west")
            ports = [(x + dx, y + dy) for dx, dy in offsets]
            for net, route in zip(ins, _fan_routes(ports, [y + r for r in rows], x - gate_reach, -1)):
                for a, b in zip(route, route[1:]):
                    sheet.wire(a, b)
                sheet.tunnel(route[-1], labels(net), "east")
            prev_low = y + max(max(rows), max(dy for _, dy in offsets), 20)
        x_prev_out = x + 20 + max(_tunnel_width(labels(out)) for (_, _, out), _ in plans)

    # Output buses: one tunnel per bit -> splitter -> pin.
    x_otun = x_prev_out + 30 + max(_tunnel_width(labels(n))
                                   for nets in circuit.outputs.values() for n in nets)
    x_otun = -(-x_otun // 10) * 10
    x_end = x_otun + 10 * out_width + 20
    x_opin = x_end + 40
    y = 100
    for bus, nets in circuit.outputs.items():
        label = pin_labels(bus, _pin_label(bus))
        if len(nets) == 1:
            sheet.tunnel((x_otun, y), labels(nets[0]), "east")
            sheet.wire((x_otun, y), (x_opin, y))
            sheet.pin((x_opin, y), bus, label, 1, False)
            y += 40
            continue
        w = len(nets)
        sheet.comp(0, "Splitter", (x_opin - 20, y), {"facing": "west", "fanout": w, "incoming": w,
                                                     "appear": "left"})
        sheet.wire((x_opin - 20, y), (x_opin, y))
        sheet.pin((x_opin, y), bus, label, w, False)
        rows = [y + 10 * w + 20 + 20 * i for i in range(w)]
        for i, r in enumerate(rows):
            ye = y + 10 + 10 * i
            xb = x_end - 10 * (w - i)
            sheet.tunnel((x_otun, r), labels(nets[i]), "east")
            for a, b in zip([(x_otun, r), (xb, r), (xb, ye)], [(xb, r), (xb, ye), (x_end, ye)]):
                sheet.wire(a, b)
        y = rows[-1] + 40
    return sheet


def _pick_vectors(circuit, vectors, seed) -> list[dict]:
    """Input vectors: None -> every vector when the inputs total at most 12 bits, else the
    corner cases plus 100 random ones; an int or a list as for :func:`adders.export.to_testbench`."""
    from .export import _vectors
    seed = check_int(seed, "seed")
    if vectors is None:
        bits = sum(len(n) for n in circuit.inputs.values())
        if bits <= _EXHAUSTIVE_BITS:
            out = []
            buses = list(circuit.inputs.items())
            for values in product(*[range(1 << len(nets)) for _, nets in reversed(buses)]):
                out.append({bus: v for (bus, _), v in zip(reversed(buses), values)})
            return out
        return _vectors(circuit, _DEFAULT_RANDOM, seed)
    return _vectors(circuit, vectors, seed)


def _harness(entries: list[tuple[_Sheet, list[dict]]]) -> tuple[_Sheet, list[tuple[int, int, str]]]:
    """A circuit ``check`` holding, for each (sheet, vectors), one instance of the sheet per
    vector, its inputs fed by constants and its outputs ending in output pins; plus a
    ``halt`` pin held at 1, which stops ``-tty`` after the first settled state.

    Returns the sheet and the output columns (entry, vector index, bus) in the order
    Logisim's ``-tty table`` prints them: by pin position, here one column top to bottom.
    """
    check = _Sheet("check")
    check.comp(0, "Constant", (60, 40), {"facing": "east"})
    check.wire((60, 40), (100, 40))
    check.comp(0, "Pin", (100, 40), {"facing": "west", "output": "true", "tristate": "false",
                                     "label": "halt"})
    columns = []
    x, top = 300, 100
    for e, (sheet, vectors) in enumerate(entries):
        ports = _classic_ports([(loc, facing, is_in) for loc, facing, is_in, *_ in sheet.pins])
        lowest, highest = max(dy for _, dy in ports), min(dy for _, dy in ports)
        outs = sorted((dy, bus) for (_, _, is_in, _, _, bus), (dx, dy) in zip(sheet.pins, ports) if not is_in)
        for k, vec in enumerate(vectors):
            y = top - highest
            check.comp(None, sheet.name, (x, y))
            for (_, _, is_in, _, width, bus), (dx, dy) in zip(sheet.pins, ports):
                if is_in:
                    check.comp(0, "Constant", (x + dx, y + dy), {"facing": "east", "width": width,
                                                                 "value": hex(vec[bus])})
                else:                     # every output port has dx == 0: one column of pins
                    check.comp(0, "Pin", (x + dx, y + dy), {"facing": "west", "output": "true",
                                                            "width": width, "tristate": "false"})
            columns += [(e, k, bus) for _, bus in outs]
            top = y + lowest + 30
    return check, columns


def _project(sheets: list[_Sheet], main: str, comment: str) -> str:
    head = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
            f'<project source="{SOURCE_VERSION}" version="1.0">',
            f"  <!-- {comment.replace('--', '- -')} -->",               # '--' may not appear in a comment
            '  <lib desc="#Wiring" name="0"/>', '  <lib desc="#Gates" name="1"/>',
            f"  <main name={quoteattr(main)}/>"]
    return "\n".join(head + [s.xml() for s in sheets] + ["</project>"]) + "\n"


def _sheets(circuits: list, vecs: list | None):
    """(sheets, main circuit name, output columns) of circuits drawn side by side in one
    project and, given a list of vectors per circuit, their check."""
    names = _Labels(["check"])
    drawn = [_draw_circuit(c, names(str(k), c.name)) for k, c in enumerate(circuits)]
    if vecs is None:
        return drawn, drawn[0].name, None
    check, columns = _harness(list(zip(drawn, vecs)))
    return [check] + drawn, "check", columns


# ====================================================================== public: export
def to_logisim(circuit, vectors=None, seed: int = 0) -> str:
    """The circuit as a Logisim project (``.circ`` text).

    Parameters
    ----------
    circuit : Circuit
        Any width up to 64 bits per bus (Logisim 2.7.1 reads buses up to 32 bits).
    vectors : None, int or list of dict
        None: the project holds the circuit alone, as its main circuit. Otherwise a main
        circuit ``check`` is added with one instance of the circuit per vector, inputs
        from constants, outputs to output pins and a ``halt`` pin at 1, so that
        ``java -jar logisim.jar FILE -tty table`` prints every output on one line. An int
        is the number of random vectors added to the corner cases of
        :func:`adders.export.edge_vectors`; a list gives the vectors
        (``{"a": 3, "b": 5}``, missing buses at their defaults).
    seed : int
        Seed of the random vectors.

    Returns
    -------
    str
        XML text; write it to a ``.circ`` file.

    Raises
    ------
    NetlistError
        A malformed circuit.
    ValueError
        A bus wider than 64 bits, or bad vectors.

    Examples
    --------
    >>> from adders import build
    >>> text = to_logisim(build("ripple", 4))
    >>> '<comp lib="0" loc="(150,100)" name="Pin">' in text and 'val="g3"' in text
    True
    """
    vecs = None if vectors is None else [_pick_vectors(circuit, vectors, seed)]
    sheets, main, _ = _sheets([circuit], vecs)
    stats = circuit.stats()
    comment = (f"{circuit.name}: {stats['gates']} gates, depth {stats['depth']}; every gate pin is wired "
               f"to a tunnel named after its net")
    return _project(sheets, main, comment)


def logisim_test_vectors(circuit, vectors=None, seed: int = 0) -> str:
    """A Logisim-evolution test-vector file for the circuit exported by :func:`to_logisim`.

    The header names the pins with their widths (``A[8] B[8] Cin S[8] Cout``); each row
    gives one vector's inputs and expected outputs in binary, MSB first, as carrylab's
    simulator computes them. Load it with *Simulate > Test Vector*.

    Parameters
    ----------
    vectors : None, int or list of dict
        None: every input vector when the inputs total at most 12 bits, else the corner
        cases of :func:`adders.export.edge_vectors` plus 100 random vectors. An int: the
        corner cases plus that many random vectors. A list: those vectors.
    seed : int
        Seed of the random vectors.

    Examples
    --------
    >>> from adders import build
    >>> print(logisim_test_vectors(build("ripple", 2)).splitlines()[1])
    A[2] B[2] Cin S[2] Cout
    """
    from .export import _expected
    circuit.validate()
    vecs = _pick_vectors(circuit, vectors, seed)
    expected = _expected(circuit, vecs)
    pin_labels = _Labels()
    cols = [(bus, len(nets), pin_labels(bus, _pin_label(bus))) for bus, nets in
            list(circuit.inputs.items()) + list(circuit.outputs.items())]
    head = " ".join(label if w == 1 else f"{label}[{w}]" for _, w, label in cols)
    lines = [f"# {circuit.name}: {len(vecs)} vectors; inputs then expected outputs, binary, MSB first", head]
    for vec, out in zip(vecs, expected):
        values = {**vec, **out}
        lines.append(" ".join(format(values[bus], f"0{w}b") for bus, w, _ in cols))
    return "\n".join(lines) + "\n"


# ====================================================================== public: run Logisim
def find_logisim() -> Path | None:
    """Path of a Logisim jar: ``$LOGISIM_JAR``, Debian's ``/usr/share/logisim/logisim.jar``,
    or a ``logisim`` on the PATH that is itself a jar; None if there is none."""
    candidates = [os.environ.get("LOGISIM_JAR"), "/usr/share/logisim/logisim.jar"]
    found = shutil.which("logisim")
    if found:
        candidates.append(os.path.realpath(found))
    for cand in candidates:
        if cand and cand.endswith(".jar") and os.path.isfile(cand):
            return Path(cand)
    return None


def _parse_table(stdout: str, columns: list[tuple[int, int, str]], circuits, vecs) -> list[list[dict]]:
    """Outputs per circuit and vector from the one line ``-tty table`` prints: tab-separated
    values, bits MSB first in groups of four (``1 1010 0101``)."""
    rows = [line for line in stdout.splitlines() if line.strip()]
    if not rows:
        raise CarrylabRuntimeError("Logisim printed no table row; its output was empty")
    fields = rows[-1].split("\t")
    if len(fields) != len(columns):
        raise CarrylabRuntimeError(f"Logisim printed {len(fields)} values, expected {len(columns)} "
                                   f"(first line: {rows[0][:200]!r})")
    out = [[{} for _ in v] for v in vecs]
    for (e, k, bus), text in zip(columns, fields):
        bits = text.replace(" ", "")
        width = len(circuits[e].outputs[bus])
        if len(bits) != width or set(bits) - {"0", "1"}:
            raise CarrylabRuntimeError(f"Logisim gave {text!r} for output {bus!r} of circuit "
                                       f"{circuits[e].name!r}, vector {k}; expected {width} binary "
                                       f"digits (x: floating, E: error)")
        out[e][k][bus] = int(bits, 2)
    return out


def run_logisim(circuit, vectors=None, seed: int = 0, jar=None, java: str | None = None,
                timeout: float = 600.0):
    """Simulate circuits in Logisim itself, headless, on many vectors in one Java run.

    Writes the circuits and a ``check`` circuit (see :func:`to_logisim`) to a temporary
    file and runs ``java -Djava.awt.headless=true -jar JAR FILE -tty table``; Logisim
    prints the output pins of ``check``, which this function reads back. One run costs
    about a second of Java start-up plus Logisim's simulation of every copy.

    Parameters
    ----------
    circuit : Circuit or list of Circuit
        Several circuits share one run.
    vectors : None, int or list of dict
        As for :func:`logisim_test_vectors` (None: exhaustive when small), for each circuit.
    seed : int
        Seed of the random vectors.
    jar : str or Path, optional
        The Logisim jar; default :func:`find_logisim`.
    java : str, optional
        The java executable; default ``java`` on the PATH.
    timeout : float
        Seconds before giving up.

    Returns
    -------
    (vectors, outputs), or a list of them for a list of circuits
        The input vectors used and, for each, ``{output bus: int}`` as Logisim computed it.

    Raises
    ------
    CarrylabRuntimeError
        No java or jar found (install with ``apt-get install logisim``), Logisim failed,
        or its output could not be read.
    """
    from .netlist import Circuit
    single = isinstance(circuit, Circuit)
    circuits = [circuit] if single else list(circuit)
    if not circuits or not all(isinstance(c, Circuit) for c in circuits):
        raise CarrylabTypeError(f"circuit must be a Circuit or a non-empty list of them, got {circuit!r}")
    timeout = check_real(timeout, "timeout", 0.0, strict_min=True)
    jar = Path(jar) if jar is not None else find_logisim()
    java = java or shutil.which("java")
    if jar is None or not jar.is_file() or not java:
        raise CarrylabRuntimeError("Logisim needs java and a Logisim jar: install them with "
                                   "'apt-get install --no-install-recommends logisim' (Debian/Ubuntu) "
                                   "or set LOGISIM_JAR to a Logisim jar")
    vecs = [_pick_vectors(c, vectors, seed) for c in circuits]
    sheets, main, columns = _sheets(circuits, vecs)
    total = sum(len(v) for v in vecs)
    text = _project(sheets, main, f"check of {len(circuits)} circuit(s) on {total} vectors")
    with tempfile.TemporaryDirectory(prefix="carrylab-logisim-") as tmp:
        path = Path(tmp) / "check.circ"
        path.write_text(text)
        # Java's preferences go to the temporary folder, not to a home that may be read-only.
        cmd = [java, "-Djava.awt.headless=true", f"-Djava.util.prefs.userRoot={tmp}",
               f"-Djava.util.prefs.systemRoot={tmp}", "-jar", str(jar), str(path), "-tty", "table"]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CarrylabRuntimeError(f"Logisim did not finish within {timeout} s on {total} "
                                       f"vectors") from None
        except OSError as err:
            raise CarrylabRuntimeError(f"cannot start {java!r}: {err.strerror or err}") from None
    if done.returncode != 0:
        raise CarrylabRuntimeError(f"Logisim exited with code {done.returncode}: "
                                   f"{(done.stderr or done.stdout).strip()[:400]}")
    results = list(zip(vecs, _parse_table(done.stdout, columns, circuits, vecs)))
    return results[0] if single else results


# ====================================================================== import
class _UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def add(self, x):
        self.parent.setdefault(x, x)

    def find(self, x):
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _parse_loc(text) -> tuple[int, int] | None:
    """``"(x,y)"`` (or ``"x,y"``) as a point; None if it is not one."""
    found = re.fullmatch(r"\s*\(?\s*(-?\d+)\s*,\s*(-?\d+)\s*\)?\s*", text or "")
    return (int(found.group(1)), int(found.group(2))) if found else None


def _parse_version(text: str) -> tuple[int, int, int]:
    found = re.match(r"\s*(\d+)\.(\d+)\.(\d+)", text or "")
    return tuple(int(g) for g in found.groups()) if found else (3, 8, 0)


class _Comp:
    """A component read from a ``<comp>`` element, with its pins."""

    def __init__(self, index, kind, name, loc, attrs):
        self.index, self.kind, self.name, self.loc, self.attrs = index, kind, name, loc, attrs
        self.ports: list[tuple[tuple[int, int], int | None]] = []      # (location, width)
        self.extra: dict = {}

    def where(self) -> str:
        label = self.attrs.get("label", "")
        return f"{self.name}{' ' + repr(label) if label else ''} at ({self.loc[0]},{self.loc[1]})"


class _Reader:
    """Reads one project: circuits, their components and wires, and flattens one of
    them into a carrylab Circuit."""

    def __init__(self, root, where: str):
        self.where = where
        self.version = _parse_version(root.get("source", ""))
        self.libs = {lib.get("name"): lib.get("desc", "") for lib in root.findall("lib")}
        self.circuits = {}
        for elt in root.findall("circuit"):
            self.circuits.setdefault(elt.get("name", ""), elt)
        main = root.find("main")
        self.main = main.get("name") if main is not None else None
        self.sheets: dict[str, dict] = {}

    # ------------------------------------------------------------------ errors
    def fail(self, circuit: str, problem: str):
        raise CircuitFileError(f"{self.where}: circuit {circuit!r}: {problem}")

    # ------------------------------------------------------------------ reading
    def sheet(self, name: str, stack=()) -> dict:
        """Components, wires and connectivity of circuit ``name`` (cached)."""
        if name in self.sheets:
            return self.sheets[name]
        if name in stack:
            self.fail(name, f"contains itself as a subcircuit (through {' -> '.join(stack + (name,))})")
        elt = self.circuits[name]
        comps = []
        for k, ce in enumerate(elt.findall("comp")):
            attrs = {a.get("name"): a.get("val", a.text or "") for a in ce.findall("a")}
            loc_text = ce.get("loc", attrs.pop("loc", None))
            loc = _parse_loc(loc_text)
            if loc is None:
                self.fail(name, f"component {ce.get('name')!r} has no valid location (loc={loc_text!r})")
            comp = _Comp(k, None, ce.get("name", ""), loc, attrs)
            self._classify(name, comp, ce.get("lib"), stack + (name,))
            comps.append(comp)
        wires = []
        for we in elt.findall("wire"):
            a, b = _parse_loc(we.get("from")), _parse_loc(we.get("to"))
            if a is None or b is None:
                self.fail(name, f"wire with bad end points from={we.get('from')!r} to={we.get('to')!r}")
            if a == b:
                continue                       # Logisim drops zero-length wires too
            if a[0] != b[0] and a[1] != b[1]:
                self.fail(name, f"wire from {a} to {b} is diagonal; Logisim wires are horizontal or vertical")
            wires.append((a, b))
        sheet = {"name": name, "elt": elt, "comps": comps, "wires": wires}
        self._connect(sheet)
        self.sheets[name] = sheet
        return sheet

    def _int(self, circuit, comp, attr, default, lo=1, hi=64):
        text = comp.attrs.get(attr)
        if text is None or text == "":
            return default
        try:
            value = int(text)
        except ValueError:
            self.fail(circuit, f"{comp.where()}: attribute {attr}={text!r} is not a number")
        if not lo <= value <= hi:
            self.fail(circuit, f"{comp.where()}: attribute {attr}={value} is outside {lo}..{hi}")
        return value

    def _size(self, circuit, comp, default: int, named: dict) -> int:
        """A gate's ``size`` in px (also accepted by name: narrow, medium, wide)."""
        text = comp.attrs.get("size") or str(default)
        size = named.get(text, int(text) if text.isdigit() else None)
        if size not in named.values():
            self.fail(circuit, f"{comp.where()}: size {text!r} is not one of "
                               f"{', '.join(str(v) for v in named.values())}")
        return size

    def _facing(self, circuit, comp, default="east") -> str:
        facing = comp.attrs.get("facing", default) or default
        if facing not in _DIRECTIONS:
            self.fail(circuit, f"{comp.where()}: unknown facing {facing!r}")
        return facing

    def _classify(self, circuit: str, comp: _Comp, lib, stack) -> None:
        """Set ``comp.kind`` and its pins, or fail for a component carrylab cannot read."""
        desc = self.libs.get(lib) if lib is not None else None
        if lib is not None and desc is None:
            self.fail(circuit, f"{comp.where()}: library {lib!r} is not declared by any <lib>")
        name, loc = comp.name, comp.loc
        if lib is None:
            if name not in self.circuits:
                self.fail(circuit, f"{comp.where()}: unsupported component (no library and no circuit "
                                   f"of that name; circuits: {', '.join(self.circuits)})")
            comp.kind = "sub"
            sub = self.sheet(name, stack)
            pins = [c for c in sub["comps"] if c.kind == "pin"]
            offsets = self._sub_ports(sub, pins)
            facing = self._facing(circuit, comp)
            for pin, (dx, dy) in zip(pins, offsets):
                rx, ry = _rotate(dx, dy, facing)
                comp.ports.append(((loc[0] + rx, loc[1] + ry), pin.extra["width"]))
            comp.extra["pins"] = pins
            return
        # Files older than Logisim 2.6.3 kept the wiring parts in #Base, Constant in #Gates.
        wiring = desc in ("#Wiring", "#Base") or (desc == "#Gates" and name == "Constant")
        if desc == "#Base" and name == "Text":
            comp.kind = "ignore"
        elif wiring and name == "Pin":
            comp.kind = "pin"
            width = self._int(circuit, comp, "width", 1)
            is_out = comp.attrs.get("output") == "true" or comp.attrs.get("type") == "output"
            comp.extra.update(width=width, input=not is_out)
            comp.ports.append((loc, width))
        elif wiring and name in ("Constant", "Power", "Ground"):
            comp.kind = "const"
            width = self._int(circuit, comp, "width", 1)
            if name == "Constant":
                text = (comp.attrs.get("value") or "0x1").strip().lower()
                try:
                    value = int(text[2:] if text.startswith("0x") else text, 16)
                except ValueError:
                    self.fail(circuit, f"{comp.where()}: value {text!r} is not a hexadecimal number")
            else:
                value = (1 << width) - 1 if name == "Power" else 0
            comp.extra.update(width=width, value=value & ((1 << width) - 1))
            comp.ports.append((loc, width))
        elif wiring and name == "Tunnel":
            comp.kind = "tunnel"
            comp.ports.append((loc, self._int(circuit, comp, "width", 1)))
        elif wiring and name in ("Probe", "Do not connect", "NoConnect"):
            comp.kind = "ignore"
            comp.ports.append((loc, None))
        elif wiring and name == "Splitter":
            comp.kind = "splitter"
            fanout = self._int(circuit, comp, "fanout", 2)
            width = self._int(circuit, comp, "incoming", 2)
            facing = self._facing(circuit, comp)
            appear = comp.attrs.get("appear") or ("legacy" if self.version < (2, 6, 4) else "left")
            spacing = self._int(circuit, comp, "spacing", 1, 1, 9)
            ends = _splitter_bits(fanout, width)
            for i in range(width):
                text = comp.attrs.get(f"bit{i}")
                if text is None:
                    # Logisim's default for a missing bitN is end N when that end exists,
                    # else the even spread above.
                    ends[i] = i if i < fanout else ends[i]
                    continue
                if text == "none":
                    ends[i] = None
                elif text.isdigit() and int(text) < fanout:
                    ends[i] = int(text)
                else:
                    self.fail(circuit, f"{comp.where()}: bit{i}={text!r} is not an end "
                                       f"0..{fanout - 1} or 'none'")
            comp.extra["ends"] = ends
            comp.ports.append((loc, width))
            for e, (dx, dy) in enumerate(_splitter_ends(fanout, facing, appear, spacing)):
                comp.ports.append(((loc[0] + dx, loc[1] + dy), sum(1 for b in ends if b == e)))
        elif desc == "#Gates" and (name in _GATE_KINDS or name in _PARITY):
            self._gate(circuit, comp)
        else:
            self.fail(circuit, f"{comp.where()}: unsupported component {name!r} from library "
                               f"{desc!r}; carrylab reads gates, pins, constants, splitters, tunnels "
                               f"and subcircuits")

    def _gate(self, circuit: str, comp: _Comp) -> None:
        name, loc = comp.name, comp.loc
        comp.kind = "gate"
        facing = self._facing(circuit, comp)
        width = self._int(circuit, comp, "width", 1)
        if comp.attrs.get("out", "01") not in ("01", ""):
            self.fail(circuit, f"{comp.where()}: output mode {comp.attrs['out']!r} (open collector) is "
                               f"not supported; set Output Value to 0/1")
        if name in ("NOT Gate", "Buffer"):
            kind = _GATE_KINDS[name]
            size = self._size(circuit, comp, 30, {"narrow": 20, "wide": 30}) if name == "NOT Gate" else 20
            dx, dy = _rotate(-size, 0, facing)
            comp.extra.update(kind=kind, width=width, negated=0, xor="odd")
            comp.ports += [(loc, width), ((loc[0] + dx, loc[1] + dy), width)]
            return
        kind = _GATE_KINDS.get(name) or _PARITY[name]
        default_inputs = 5 if self.version < (2, 7, 2) else 2        # original Logisim drew 5
        inputs = self._int(circuit, comp, "inputs", default_inputs, 2, 64)
        size = self._size(circuit, comp, 50, {"narrow": 30, "medium": 50, "wide": 70})
        negated = sum(1 << i for i in range(inputs) if comp.attrs.get(f"negate{i}") == "true")
        axis = _gate_axis(kind, size) if name in _GATE_KINDS else size
        offsets = _gate_input_offsets(inputs, size, axis, facing, negated, self.version < (3, 4, 3))
        xor = "odd" if name in _PARITY else comp.attrs.get("xor", "1")
        if kind in ("XOR", "XNOR") and inputs > 2 and xor != "odd":
            self.fail(circuit, f"{comp.where()}: a {inputs}-input {name} that is true for exactly one "
                               f"input is not supported; set Multiple-Input Behavior to 'odd'")
        comp.extra.update(kind=kind, width=width, negated=negated, xor=xor)
        comp.ports.append((loc, width))
        comp.ports += [((loc[0] + dx, loc[1] + dy), width) for dx, dy in offsets]

    def _sub_ports(self, sub: dict, pins: list[_Comp]) -> list[tuple[int, int]]:
        """Port offsets of subcircuit ``sub``'s pins, from its appearance."""
        elt, name = sub["elt"], sub["name"]
        attrs = {a.get("name"): a.get("val", "") for a in elt.findall("a")}
        shapes = [s for appear in elt.findall("appear") for s in appear]
        anchor = None
        custom = {}
        for shape in shapes:
            tag = shape.tag
            if tag in ("circ-anchor", "circ-origin", "circ-port"):
                # The centre of the shape's box (older files) or its x, y.
                box = [shape.get(k) for k in ("x", "y", "width", "height")]
                if not all(re.fullmatch(r"-?\d+(\.\d*)?", v or "") for v in box[:2]):
                    self.fail(name, f"appearance <{tag}> without a valid x, y")
                x, y = float(box[0]), float(box[1])
                if all(re.fullmatch(r"\d+(\.\d*)?", v or "") for v in box[2:]):
                    x, y = x + float(box[2]) / 2, y + float(box[3]) / 2
                at = (round(x), round(y))
                if tag == "circ-port":
                    pin = _parse_loc(shape.get("pin"))
                    if pin is None:
                        self.fail(name, f"appearance port with bad pin {shape.get('pin')!r}")
                    custom[pin] = at
                else:
                    anchor = at
                    if shape.get("facing", "east") != "east":
                        self.fail(name, "a custom appearance whose anchor does not face east is "
                                        "not supported")
        if custom:
            ax, ay = anchor or (0, 0)
            out = []
            for pin in pins:
                if pin.loc not in custom:
                    self.fail(name, f"{pin.where()} has no port in the circuit's custom appearance")
                out.append((custom[pin.loc][0] - ax, custom[pin.loc][1] - ay))
            return out
        style = attrs.get("appearance")
        if style is None:
            style = "logisim_evolution" if "circuitnamedbox" in attrs else "classic"
        if style == "classic" or style == "custom":
            return _classic_ports([(p.loc, self._facing(name, p), p.extra["input"]) for p in pins])
        if style == "logisim_evolution":
            fixed = attrs.get("circuitnamedboxfixedsize", "false") == "true"
            return _evolution_ports([(p.loc, "east", p.extra["input"], p.attrs.get("label", ""))
                                     for p in pins], name, fixed)
        self.fail(name, f"subcircuit appearance {style!r} is not supported; use classic, "
                        f"logisim_evolution or a custom appearance")

    def _connect(self, sheet: dict) -> None:
        """Group the sheet's pin locations into bundles by Logisim's wire rule; check for
        dangling wires, unconnected gate inputs and bundles of mixed widths."""
        name, comps, wires = sheet["name"], sheet["comps"], sheet["wires"]
        ports_at: Counter = Counter(loc for c in comps for loc, _ in c.ports)
        points = set(ports_at) | {e for w in wires for e in w}
        rows: dict[int, list[int]] = {}
        cols: dict[int, list[int]] = {}
        for x, y in points:
            rows.setdefault(y, []).append(x)
            cols.setdefault(x, []).append(y)
        for line in list(rows.values()) + list(cols.values()):
            line.sort()
        uf = _UnionFind()
        for p in points:
            uf.add(p)
        cover: Counter = Counter()
        for a, b in wires:
            if a[1] == b[1]:
                xs = rows[a[1]]
                lo, hi = sorted((a[0], b[0]))
                on = [(x, a[1]) for x in xs[bisect_left(xs, lo):bisect_right(xs, hi)]]
            else:
                ys = cols[a[0]]
                lo, hi = sorted((a[1], b[1]))
                on = [(a[0], y) for y in ys[bisect_left(ys, lo):bisect_right(ys, hi)]]
            for p in on:
                uf.union(a, p)
                cover[p] += 1
        for a, b in wires:
            for end in (a, b):
                if cover[end] == 1 and not ports_at[end]:
                    self.fail(name, f"dangling wire from ({a[0]},{a[1]}) to ({b[0]},{b[1]}): its end "
                                    f"({end[0]},{end[1]}) touches no other wire and no component")
        for c in comps:
            if c.kind == "gate":
                for i, (loc, _) in enumerate(c.ports[1:]):
                    if not cover[loc] and ports_at[loc] == 1:
                        self.fail(name, f"{c.where()}: input {i} at ({loc[0]},{loc[1]}) is not "
                                        f"connected (set the gate's number of inputs to those used)")
        by_label: dict[str, tuple] = {}
        for c in comps:
            if c.kind == "tunnel" and c.attrs.get("label"):
                label = c.attrs["label"]
                if label in by_label:
                    uf.union(by_label[label], c.loc)
                else:
                    by_label[label] = c.loc
        width: dict = {}
        seen: dict = {}
        for c in comps:
            for loc, w in c.ports:
                if not w:
                    continue
                root = uf.find(loc)
                if root in width and width[root] != w:
                    other = seen[root]
                    self.fail(name, f"{c.where()}: its {w}-bit pin at ({loc[0]},{loc[1]}) is connected to "
                                    f"the {width[root]}-bit pin of {other.where()}")
                width[root], seen[root] = w, c
        sheet["bundle"] = uf.find
        sheet["width"] = width

    # ------------------------------------------------------------------ flattening
    def flatten(self, name: str):
        """The circuit ``name`` with every subcircuit expanded, as a carrylab Circuit."""
        from .netlist import Circuit
        self.uf = _UnionFind()
        self.count = 0
        self.names: dict[int, tuple] = {}        # bit id -> (rank, id, name); lowest rank wins
        self.drivers: dict[int, list] = {}       # bit id -> [(kind, value, description)]
        self.readers: list[tuple] = []           # (bit id, description of the reader)
        self.gate_list: list[tuple] = []         # (kind, input ids, output id)
        self.top_in: list[tuple] = []            # (pin, bit ids)
        self.top_out: list[tuple] = []
        self._instance(name, "", 0, None)
        ins = self._buses(name, self.top_in, "in")
        outs = self._buses(name, self.top_out, "out")
        for bus, bits, pin in ins:
            for i in bits:
                self.drivers.setdefault(i, []).append(("input", 0, f"input pin {pin.where()}"))
        for bus, bits, _ in outs:
            for j, i in enumerate(bits):
                self._name([i], 3, bus if len(bits) == 1 else f"{bus}{j}")
        classes: dict[int, list] = {}
        for ident in range(self.count):
            classes.setdefault(self.uf.find(ident), []).append(ident)
        drivers = {root: [d for i in members for d in self.drivers.get(i, ())]
                   for root, members in classes.items()}
        best = {root: min(self.names.get(i, (1 << 30, i, f"n{i}")) for i in members)
                for root, members in classes.items()}
        for root, found in drivers.items():
            if len(found) > 1:
                self.fail(name, f"short circuit: {found[0][2]} and {found[1][2]} both drive net "
                                f"{best[root][2]!r}")
        circuit = Circuit(name)
        final: dict[int, str] = {}
        try:
            for bus, bits, _ in ins:
                for net, ident in zip(circuit.add_input(bus, len(bits)), bits):
                    final[self.uf.find(ident)] = net
        except NetlistError as err:
            self.fail(name, str(err))
        used = set(final.values())
        for rank, _, base, root in sorted(v + (root,) for root, v in best.items() if root not in final):
            net, k = base, 2
            while net in used:
                net, k = f"{base}_{k}", k + 1
            used.add(net)
            final[root] = net
        for ident, what in self.readers:
            root = self.uf.find(ident)
            if not drivers[root]:
                self.fail(name, f"{what} reads net {final[root]!r}, which nothing drives")
        consts = {root: found[0][1] for root, found in drivers.items() if found and found[0][0] == "const"}
        if consts and not circuit.inputs:
            self.fail(name, "a constant needs at least one input pin: a carrylab netlist makes it as "
                            "XOR/XNOR of an input with itself")
        try:
            for root, value in consts.items():
                first = next(iter(circuit.inputs.values()))[0]
                circuit.add_gate("XNOR" if value else "XOR", [first, first], final[root])
            for kind, ids, out in self.gate_list:
                circuit.add_gate(kind, [final[self.uf.find(i)] for i in ids], final[self.uf.find(out)])
            for bus, bits, _ in outs:
                circuit.set_output(bus, [final[self.uf.find(i)] for i in bits])
            return circuit.validate()
        except NetlistError as err:
            self.fail(name, str(err))

    def _new(self, count: int) -> list[int]:
        ids = list(range(self.count, self.count + count))
        for i in ids:
            self.uf.add(i)
        self.count += count
        return ids

    def _name(self, ids, rank: int, base: str) -> None:
        """Offer ``base`` (``base0, base1, ...`` for several bits) as the name of ``ids``."""
        for b, i in enumerate(ids):
            if rank < self.names.get(i, (1 << 30,))[0]:
                self.names[i] = (rank, i, base if len(ids) == 1 else f"{base}{b}")

    def _instance(self, name: str, prefix: str, depth: int, bind) -> None:
        """Add the nets and gates of circuit ``name``; ``bind`` maps each of its pins to
        the bit ids outside (None for the top level)."""
        sheet = self.sheet(name)
        where = f" in subcircuit {name!r} (instance {prefix[:-1]})" if prefix else ""
        bundle, width = sheet["bundle"], sheet["width"]
        bits: dict = {}

        def ids_at(loc):
            root = bundle(loc)
            if root not in bits:
                bits[root] = self._new(width.get(root, 0))
            return bits[root]

        counts: Counter = Counter()
        rank = 10 * depth
        for c in sheet["comps"]:
            if c.kind == "pin":
                ids = ids_at(c.loc)
                if bind is None:
                    (self.top_in if c.extra["input"] else self.top_out).append((c, ids))
                    if not c.extra["input"]:
                        self.readers += [(i, f"output pin {c.where()}") for i in ids]
                else:
                    for a, b in zip(ids, bind[c.index]):
                        self.uf.union(a, b)
                    if c.attrs.get("label"):
                        self._name(ids, rank + 3, prefix + c.attrs["label"])
            elif c.kind == "tunnel" and c.attrs.get("label"):
                self._name(ids_at(c.loc), rank + 1, prefix + c.attrs["label"])
            elif c.kind == "const":
                for b, i in enumerate(ids_at(c.loc)):
                    self.drivers.setdefault(i, []).append(("const", (c.extra["value"] >> b) & 1,
                                                           f"{c.where()}{where}"))
            elif c.kind == "splitter":
                whole = ids_at(c.loc)
                for e, (loc, _) in enumerate(c.ports[1:]):
                    mine = [whole[b] for b, end in enumerate(c.extra["ends"]) if end == e]
                    for i, j in zip(mine, ids_at(loc) if mine else ()):
                        self.uf.union(i, j)
            elif c.kind == "gate":
                self._flatten_gate(c, ids_at, prefix, rank, where)
            elif c.kind == "sub":
                k = counts[c.name]
                counts[c.name] += 1
                inst = _clean_label(c.attrs.get("label") or f"{c.name.lower()}{k}")
                inner = {pin.index: ids_at(loc) for pin, (loc, _) in zip(c.extra["pins"], c.ports)}
                self._instance(c.name, f"{prefix}{inst}.", depth + 1, inner)

    def _flatten_gate(self, c: _Comp, ids_at, prefix: str, rank: int, where: str) -> None:
        """Gates of one Logisim gate: one per bit; a NOT per negated input; a chain of
        two-input XORs for a wider odd-parity XOR."""
        kind, width, negated = c.extra["kind"], c.extra["width"], c.extra["negated"]
        out_ids = ids_at(c.loc)
        in_ids = [ids_at(loc) for loc, _ in c.ports[1:]]
        stem = f"{prefix}{kind.lower()}_{c.loc[0]}_{c.loc[1]}"
        label = c.attrs.get("label", "")
        self._name(out_ids, rank + 2 if label else 1000 + rank, prefix + label if label else stem)
        for b in range(width):
            tail = str(b) if width > 1 else ""
            ins = []
            for i, ids in enumerate(in_ids):
                net = ids[b]
                self.readers.append((net, f"{c.where()}{where}, input {i},"))
                if (negated >> i) & 1:
                    (inv,) = self._new(1)
                    self._name([inv], 1001 + rank, f"{stem}_n{i}{tail}")
                    self.gate_list.append(("NOT", [net], inv))
                    net = inv
                ins.append(net)
            self.drivers.setdefault(out_ids[b], []).append(("gate", 0, f"{c.where()}{where}"))
            if kind in ("XOR", "XNOR") and len(ins) > 2:
                acc = ins[0]
                for j, net in enumerate(ins[1:-1]):
                    (part,) = self._new(1)
                    self._name([part], 1001 + rank, f"{stem}_x{j}{tail}")
                    self.gate_list.append(("XOR", [acc, net], part))
                    acc = part
                ins = [acc, ins[-1]]
            self.gate_list.append((kind, ins, out_ids[b]))

    def _buses(self, circuit: str, pins: list[tuple], side: str) -> list[tuple[str, list[int], _Comp]]:
        """(bus, bit ids, first pin) of the top-level pins, top to bottom: a pin per bus,
        or one-bit pins numbered 0, 1, ... (``A0 A1``, ``a[0] a[1]``) grouped into one."""
        pins = sorted(pins, key=lambda p: (p[0].loc[1], p[0].loc[0]))
        named = []
        for k, (c, ids) in enumerate(pins):
            label = re.sub(r"\[\s*\d+\s*(:|\.\.)\s*\d+\s*\]$", "", c.attrs.get("label", "").strip())
            label = re.sub(r"[^a-z0-9_\[\]]", "_", label.lower()) or f"{side}{k}"
            found = re.fullmatch(r"([a-z_][a-z0-9_]*?)_?\[?(\d+)\]?", label)
            stem = found.group(1) if found and len(ids) == 1 else None
            named.append((label, stem, int(found.group(2)) if stem else None, c, ids))
        whole = Counter(label for label, *_ in named)
        members: dict[str, list] = {}
        for entry in named:
            if entry[1] is not None:
                members.setdefault(entry[1], []).append(entry)
        grouped = {stem for stem, group in members.items() if len(group) > 1 and stem not in whole
                   and sorted(e[2] for e in group) == list(range(len(group)))}
        out = []
        for label, stem, _, c, ids in named:
            if stem in grouped:
                if stem not in [bus for bus, *_ in out]:
                    group = sorted(members[stem], key=lambda e: e[2])
                    out.append((stem, [e[4][0] for e in group], group[0][3]))
                continue
            if whole[label] > 1:
                twins = [e[3].where() for e in named if e[0] == label]
                self.fail(circuit, f"two {side}put pins are both named {label!r}: {twins[0]} and {twins[1]}")
            out.append((label.replace("[", "_").replace("]", "").strip("_") or side, ids, c))
        return out


def _read_source(source) -> tuple[str, str]:
    """(XML text, name for messages) of a path or of the text itself."""
    if isinstance(source, bytes):
        return source.decode("utf-8", errors="replace"), "<text>"
    if isinstance(source, str) and source.lstrip().startswith("<"):
        return source, "<text>"
    if not isinstance(source, (str, os.PathLike)):
        raise CarrylabTypeError(f"from_logisim needs a path or the .circ text, got {type(source).__name__}")
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8", errors="replace"), str(path)
    except OSError as err:
        raise CircuitFileError(f"{path}: cannot read the file: {err.strerror or err}") from None


def from_logisim(source, circuit: str | None = None):
    """Read a circuit drawn in Logisim or Logisim-evolution into a carrylab Circuit.

    Reads gates (AND, OR, XOR, NOT, NAND, NOR, XNOR, Buffer, odd/even parity; any input
    count, facing, size, negated inputs, bit width), input and output pins of any width,
    splitters, constants, power and ground, tunnels, probes (ignored) and subcircuits,
    which are flattened. Wires join by Logisim's rule (module notes); see there also for
    how pins become buses and how nets are named.

    Parameters
    ----------
    source : str, bytes or Path
        A ``.circ`` path, or the XML text itself.
    circuit : str, optional
        Which circuit of the project; default the main one.

    Returns
    -------
    Circuit
        Validated.

    Raises
    ------
    CircuitFileError
        One line naming the file, circuit, component and its position: malformed XML,
        a missing circuit, an unsupported component, a dangling wire, an unconnected gate
        input, two outputs driving one net, an undriven net that is read, mixed widths.
    """
    text, where = _read_source(source)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        raise CircuitFileError(f"{where}: malformed XML: {err}") from None
    if root.tag != "project":
        raise CircuitFileError(f"{where}: not a Logisim project: the root element is <{root.tag}>, "
                               f"not <project>")
    reader = _Reader(root, where)
    if not reader.circuits:
        raise CircuitFileError(f"{where}: the project holds no <circuit>")
    if circuit is None:
        circuit = reader.main if reader.main in reader.circuits else next(iter(reader.circuits))
    elif circuit not in reader.circuits:
        raise CircuitFileError(f"{where}: no circuit named {circuit!r}; the project has "
                               f"{', '.join(repr(c) for c in reader.circuits)}")
    return reader.flatten(circuit)
