"""Drawing a carrylab Circuit as one Logisim sheet (the XML of a ``<circuit>``): pins,
gates in levels, wires, splitters and tunnels. See :mod:`adders.logisim`."""
from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

from .errors import CarrylabValueError
from .logisim_geometry import GATE_NAMES, MAX_INPUTS, gate_axis, gate_input_offsets

__all__ = ["clean_label", "Labels", "pin_label", "Sheet", "draw_circuit"]


# ====================================================================== names
def clean_label(name: str) -> str:
    """``name`` as a label Logisim-evolution keeps as it is: a letter, then letters,
    digits and single underscores, no trailing underscore (else it renames it)."""
    text = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_]", "_", str(name))).strip("_")
    if not text or not text[0].isalpha():
        text = "n" + text if text else "n"
    return text


class Labels:
    """Net or bus -> unique clean label (a collision gets ``_2``, ``_3``, ...)."""

    def __init__(self, taken=()):
        self.of: dict[str, str] = {}
        self.used = set(taken)

    def __call__(self, name: str, wanted: str | None = None) -> str:
        if name not in self.of:
            base = clean_label(name if wanted is None else wanted)
            label, k = base, 2
            while label in self.used:
                label, k = f"{base}_{k}", k + 1
            self.used.add(label)
            self.of[name] = label
        return self.of[name]


def pin_label(bus: str) -> str:
    """Pin label of a bus: an all-lower-case name gets a capital first letter (``cin`` ->
    ``Cin``), the way adders are labelled in textbooks; the importer lower-cases it back."""
    return bus[:1].upper() + bus[1:] if bus.islower() else bus


# ====================================================================== drawing
def _xml_attrs(attrs: dict) -> str:
    return "".join(f"\n      <a name={quoteattr(str(k))} val={quoteattr(str(v))}/>" for k, v in attrs.items())


class Sheet:
    """One ``<circuit>`` being drawn: components and wires, as XML lines."""

    def __init__(self, name: str):
        self.name = name
        self.lines: list[str] = []
        # (location, facing, is input, label, width, bus) of each pin
        self.pins: list[tuple[tuple[int, int], str, bool, str, int, str]] = []

    def comp(self, lib, name: str, loc, attrs: dict | None = None) -> None:
        """Add component ``name`` of library ``lib`` at ``loc`` with ``attrs``."""
        lib_text = "" if lib is None else f" lib={quoteattr(str(lib))}"
        body = _xml_attrs(attrs or {})
        end = f">{body}\n    </comp>" if body else "/>"
        self.lines.append(f"    <comp{lib_text} loc=\"({loc[0]},{loc[1]})\" name={quoteattr(name)}{end}")

    def wire(self, a, b) -> None:
        """Add a wire from ``a`` to ``b`` (none if they are one point)."""
        if a != b:
            self.lines.append(f"    <wire from=\"({a[0]},{a[1]})\" to=\"({b[0]},{b[1]})\"/>")

    def tunnel(self, loc, label: str, facing: str) -> None:
        """Add a tunnel named ``label`` at ``loc``."""
        self.comp(0, "Tunnel", loc, {"facing": facing, "label": label})

    def pin(self, loc, bus: str, label: str, width: int, is_input: bool) -> None:
        """Add an input or output pin of ``width`` bits for ``bus``, and remember it."""
        facing = "east" if is_input else "west"
        self.comp(0, "Pin", loc, {"facing": facing, "output": "false" if is_input else "true",
                                  "width": width, "tristate": "false", "label": label})
        self.pins.append((loc, facing, is_input, label, width, bus))

    def xml(self) -> str:
        """The ``<circuit>`` element, as text."""
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
        while len(ins) > MAX_INPUTS:
            base = "AND" if kind in ("AND", "NAND") else "OR"
            parts = []
            for j in range(0, len(ins), MAX_INPUTS):
                group = ins[j:j + MAX_INPUTS]
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


def draw_circuit(circuit, name: str) -> Sheet:
    """Lay out ``circuit`` as a Logisim circuit named ``name`` (see the module notes)."""
    sheet = Sheet(name)
    circuit.validate()
    labels = Labels()
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
    pin_labels = Labels()
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
        sheet.pin((x_pin, y), bus, pin_labels(bus, pin_label(bus)), len(nets), True)
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
            offsets = gate_input_offsets(len(ins), 50, gate_axis(kind, 50))
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
            sheet.comp(1, GATE_NAMES[kind], (x, y), attrs)
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
        label = pin_labels(bus, pin_label(bus))
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
