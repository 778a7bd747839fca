"""Digital ``.dig`` files: export a circuit, import a drawn one, run the tests inside.

`Digital <https://github.com/hneemann/Digital>`_ (H. Neemann) is a logic simulator used
in teaching. Its circuit files are XML::

    <circuit><version>2</version><attributes/>
      <visualElements>
        <visualElement><elementName>And</elementName>
          <elementAttributes><entry><string>Inputs</string><int>3</int></entry></elementAttributes>
          <pos x="340" y="200"/></visualElement> ...
      </visualElements>
      <wires><wire><p1 x="320" y="200"/><p2 x="340" y="200"/></wire> ...</wires>
    </circuit>

* :func:`to_digital` draws a carrylab circuit: multi-bit pins ``A``, ``B``, ``Cin`` and
  ``S``, ``Cout`` with splitters, one column of gates per logic level, and every net
  joined by *tunnels* named after carrylab's nets (``g3``, ``p3``, ``G7_4``, ``c4``), so
  no wire has to be routed. An embedded ``Testcase`` checks the adder in Digital.
* :func:`from_digital` reads a drawn circuit back into a :class:`~adders.Circuit`.
* :func:`digital_testcases` and :func:`parse_testdata` read the ``Testcase`` elements;
  :func:`run_digital_tests` runs their rows against any circuit.

Geometry, in Digital's units (grid 20, y pointing down), as its shapes define it:

* gates ``And Or XOr NAnd NOr XNOr`` with k inputs: input i at (0, 20 i), the lower half
  moved down by 20 when k is even (k = 2: y = 0 and 40); output at (60, 20 (k // 2)),
  x = 80 for the inverting gates, 20 more with ``wideShape``; an input listed in
  ``inverterConfig`` (``In_1``, ``In_2``, ...) sits at x = -20 behind its bubble;
* ``Not``: input (0, 0), output (40, 0), (60, 0) with ``wideShape``;
* ``In``, ``Out``, ``Tunnel``, ``Const``, ``Ground``, ``VDD``, ``Probe``: the pin is at pos;
* ``Splitter``: input port i at (0, 20 i s), output port j at (20, 20 j s), s =
  ``splitterSpreading``; ports are defined as in ``"4,4"``, ``"1*8"``, ``"0-3"``, bit 0
  first;
* an embedded circuit ``X.dig`` in Digital's default box: its ``In`` elements (file order)
  at (0, 20 i), its ``Out`` elements at (20 W, 20 j), W = its ``Width`` (3); with a single
  output, that output sits at y = 20 (inputs // 2) and an even number of inputs leaves a
  gap of one grid step in the middle, as for gates;
* ``rotation`` r (quarter turns) and ``mirror`` move every pin offset (x, y): mirror
  first, (x, -y), then (x cos + y sin, -x sin + y cos) with (sin, cos) = (0, 1), (1, 0),
  (0, -1), (-1, 0) for r = 0, 1, 2, 3.

Connectivity is Digital's: wires meet only at their *end points*; a pin joins the wire
that ends on it, or another pin at the same point; tunnels with equal ``NetName`` join
their nets. A wire that ends on the middle of another wire does not connect in Digital's
simulator (its editor splits the other wire there whenever a circuit is edited, so saved
files carry the junction as a wire end); carrylab reports such an end as dangling, as it
does any wire end that touches nothing (``strict=False`` ignores those, as Digital does).

Pin labels ``A``, ``B``, ``Cin``, ``S``, ``Cout`` (any case) become the buses ``a``,
``b``, ``cin``, ``s``, ``cout``; one-bit pins ``A0, A1, ...`` (also ``a_0``, ``B3``,
``S2``) with indices 0..n-1 become the bits of bus ``a`` (``b``, ``s``); other labels
keep their name. Net names come from tunnel labels, else from the output pin they feed
(``s0``, ``cout``), else from the gate (``xor_340_200``); nets inside an embedded circuit
are prefixed with the instance (``FullAdder2.c``). Constants are ``XOR(x, x)`` (0) and
``XNOR(x, x)`` (1) of the first input net, since carrylab has no constant gate; an
``XOr``/``XNOr`` of k > 2 inputs (parity) becomes a chain of two-input gates (nets
``y_x1``, ...), an inverted input a NOT gate (``y_n1``), and a gate of ``Bits`` = w one
gate per bit. A carrylab ``BUF`` is drawn as an ``And`` with both inputs on one net and
read back as BUF (as is any ``And`` or ``Or`` whose inputs all share one net).

Tests are written in Digital's test language, read by :mod:`adders.digital_testdata`
(:func:`parse_testdata` is re-exported here).

Limits: combinational circuits only (no clocks, flip-flops, tri-state, Z values); buses
of at most 64 bits (Digital's limit for pins and splitters); embedded circuits in
Digital's default shape, found beside the file that uses them (or in its subfolders).

>>> from adders import build
>>> text = to_digital(build("ripple", 4))
>>> back = from_digital(text)
>>> back.evaluate(a=9, b=8, cin=1)
{'s': 2, 'cout': 1}
>>> print(run_digital_tests(back, text))
PASS 512 FAIL 0
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .checks import check_int
from .digital_testdata import DigitalTest, parse_testdata
from .errors import CarrylabTypeError, CarrylabValueError, CircuitFileError, NetlistError
from .export import _vectors
from .netlist import Circuit

__all__ = ["to_digital", "from_digital", "digital_testcases", "parse_testdata",
           "run_digital_tests", "DigitalTest", "DigitalTestReport", "bus_for_label",
           "EXHAUSTIVE_BITS", "MAX_BITS", "RANDOM_VECTORS"]

#: Adders with at most this many input bits in total get an exhaustive embedded test.
EXHAUSTIVE_BITS = 12
#: Widest pin or splitter Digital allows.
MAX_BITS = 64
#: Random vectors added to the corner cases when the test cannot be exhaustive.
RANDOM_VECTORS = 100

GRID = 20
_GATE_KIND = {"And": "AND", "Or": "OR", "XOr": "XOR", "NAnd": "NAND", "NOr": "NOR",
              "XNOr": "XNOR", "Not": "NOT"}
_ELEMENT = {"AND": "And", "OR": "Or", "XOR": "XOr", "NAND": "NAnd", "NOR": "NOr",
            "XNOR": "XNOr", "NOT": "Not", "BUF": "And"}
_INVERTING = frozenset({"NAnd", "NOr", "XNOr"})
_DECORATION = frozenset({"Testcase", "Text", "Rectangle"})
_PIN_LABEL = {"a": "A", "b": "B", "cin": "Cin", "s": "S", "cout": "Cout"}
_PER_BIT = re.compile(r"([abs])_?(\d+)\Z", re.IGNORECASE)
_ROTATION = {0: (0, 1), 1: (1, 0), 2: (0, -1), 3: (-1, 0)}        # (sin, cos)


# ---------------------------------------------------------------------- geometry
def _gate_pins(element: str, inputs: int = 2, wide: bool = False, inverted=frozenset()):
    """Pin offsets of a gate shape: ``([(x, y) of each input], (x, y) of the output)``."""
    if element == "Not":
        return [(0, 0)], ((3 if wide else 2) * GRID, 0)
    ins = []
    for i in range(inputs):
        y = i * GRID + (GRID if inputs % 2 == 0 and i >= inputs // 2 else 0)
        ins.append((-GRID if f"In_{i + 1}" in inverted else 0, y))
    width = (4 if wide else 3) + (1 if element in _INVERTING else 0)
    return ins, (width * GRID, inputs // 2 * GRID)


def _box_pins(n_in: int, n_out: int, width: int = 3):
    """Pin offsets of Digital's default box (an embedded circuit): inputs, outputs."""
    symmetric = n_out == 1
    ins = [(0, i * GRID + (GRID if symmetric and n_in % 2 == 0 and i >= n_in // 2 else 0))
           for i in range(n_in)]
    offset = n_in // 2 * GRID if symmetric else 0
    return ins, [(width * GRID, j * GRID + offset) for j in range(n_out)]


def _place(offset, pos, rotation: int = 0, mirror: bool = False):
    """Absolute position of a pin ``offset`` of an element at ``pos``."""
    x, y = offset
    if mirror:
        y = -y
    sin, cos = _ROTATION[rotation % 4]
    return (x * cos + y * sin + pos[0], -x * sin + y * cos + pos[1])


def _java_int(text: str) -> int:
    """Java's ``Integer.decode``: decimal, ``0x``/``#`` hex, a leading 0 for octal."""
    t = text.strip()
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    if t[:2].lower() == "0x" or t[:1] == "#":
        return sign * int(t[2:] if t[0] == "0" else t[1:], 16)
    if len(t) > 1 and t[0] == "0":
        return sign * int(t[1:], 8)
    return sign * int(t, 10)


def _splitter_ports(definition: str):
    """Ports ``[(first bit, bits)]`` of a splitter definition like ``"4,4"``, ``"1*8"``,
    ``"0-3,4-7"``: a plain number is a port of that many bits after the previous ones,
    ``b*k`` k such ports, ``i-j`` bits i to j. None if it does not parse."""
    ports, total = [], 0
    try:
        for token in definition.split(","):
            token = token.strip()
            if not token:
                continue
            if "*" in token:
                bits, count = (_java_int(t) for t in token.split("*", 1))
                for _ in range(count):
                    ports.append((total, bits))
                    total += bits
            elif "-" in token:
                lo, hi = sorted(_java_int(t) for t in token.split("-", 1))
                ports.append((lo, hi - lo + 1))
            else:
                ports.append((total, _java_int(token)))
            total = max(p + b for p, b in ports)
    except ValueError:
        return None
    if any(b < 1 for _, b in ports):
        return None
    return ports or [(0, 1)]


# ---------------------------------------------------------------------- labels
def bus_for_label(label: str) -> tuple[str, int | None]:
    """Bus (and bit, for a one-bit pin like ``A3``) that a Digital pin label stands for.

    >>> bus_for_label("Cin"), bus_for_label("a_2"), bus_for_label("Y")
    (('cin', None), ('a', 2), ('Y', None))
    """
    if label.lower() in _PIN_LABEL:
        return label.lower(), None
    match = _PER_BIT.match(label)
    if match:
        return match.group(1).lower(), int(match.group(2))
    return label, None


def _pin_labels(circuit) -> dict[str, str]:
    """Digital pin label of every bus of ``circuit``."""
    labels = {bus: _PIN_LABEL.get(bus, bus) for bus in list(circuit.inputs) + list(circuit.outputs)}
    seen: dict[str, str] = {}
    for bus, label in labels.items():
        if not label.strip() or re.search(r"\s", label):
            raise CarrylabValueError(f"bus {bus!r} of circuit {circuit.name!r} cannot name a Digital "
                                     f"pin or test signal: rename it without spaces")
        if label in seen:
            raise CarrylabValueError(f"buses {seen[label]!r} and {bus!r} of circuit {circuit.name!r} "
                                     f"would both be Digital pin {label!r}: rename one")
        seen[label] = bus
    return labels


# ---------------------------------------------------------------------- export
def _adder_width(circuit) -> int | None:
    """n if ``circuit`` has the ports of an n-bit adder (a, b[, cin] -> s, cout)."""
    ins, outs = circuit.inputs, circuit.outputs
    if list(outs) != ["s", "cout"] or list(ins) not in (["a", "b"], ["a", "b", "cin"]):
        return None
    n = len(ins["a"])
    if len(ins["b"]) != n or len(outs["s"]) != n or len(outs["cout"]) != 1 or len(ins.get("cin", [0])) != 1:
        return None
    return n


def _value_text(value: int, width: int) -> str:
    return str(value) if width <= 16 else f"0x{value:x}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max([len(h)] + [len(r[k]) for r in rows]) for k, h in enumerate(header)]
    return [" ".join(v.rjust(w) for v, w in zip(row, widths)).rstrip() for row in rows]


def _testdata(circuit, labels: dict, vectors, seed: int) -> str:
    """Digital test text for ``circuit`` (see :func:`to_digital`)."""
    ins, outs = circuit.inputs, circuit.outputs
    header = [labels[b] for b in list(ins) + list(outs)]
    total = sum(len(n) for n in ins.values())
    n = _adder_width(circuit)
    lines = [" ".join(header)]
    if vectors is None and total <= EXHAUSTIVE_BITS and n is not None:
        # Exhaustive, in Digital's loop syntax: short whatever the width.
        names = {"a": "a", "b": "b", "cin": "c"}
        total_expr = " + ".join(names[b] for b in ins)
        lines.append(f"# every input combination; {labels['s']}, {labels['cout']} from "
                     f"{' + '.join(labels[b] for b in ins)}")
        for depth, bus in enumerate(ins):
            lines.append(" " * depth + f"loop({names[bus]}, {1 << len(ins[bus])})")
        values = [f"({names[b]})" for b in ins]
        values += [f"(({total_expr}) & {(1 << n) - 1})", f"(({total_expr}) >> {n})"]
        lines.append(" " * len(ins) + " ".join(values))
        lines += [" " * depth + "end loop" for depth in reversed(range(len(ins)))]
        return "\n".join(lines) + "\n"
    if vectors is None and total <= EXHAUSTIVE_BITS:
        vecs, note = [], f"every input combination ({1 << total} rows)"
        for k in range(1 << total):
            vec, shift = {}, 0
            for bus, nets in ins.items():
                vec[bus] = (k >> shift) & ((1 << len(nets)) - 1)
                shift += len(nets)
            vecs.append(vec)
    else:
        count = RANDOM_VECTORS if vectors is None else vectors
        vecs = _vectors(circuit, count, seed)
        if isinstance(count, int):
            note = f"corner cases and {count} random vectors (seed {seed})"
        else:
            note = f"{len(vecs)} given vectors"
    if n is not None:
        note += f"; {labels['s']}, {labels['cout']} from {' + '.join(labels[b] for b in ins)}"
        want = []
        for v in vecs:
            t = sum(v[b] for b in ins)
            want.append({"s": t & ((1 << n) - 1), "cout": t >> n})
    else:
        note += "; outputs as this circuit computes them"
        want = _evaluate_rows(circuit, {b: [v[b] for v in vecs] for b in ins}, len(vecs))
        want = [{b: want[b][k] for b in outs} for k in range(len(vecs))]
    rows = [[_value_text(v[b], len(ins[b])) for b in ins] + [_value_text(w[b], len(outs[b])) for b in outs]
            for v, w in zip(vecs, want)]
    lines.append(f"# {note}")
    lines += _table(header, rows)
    return "\n".join(lines) + "\n"


class _Writer:
    """An XML document of visual elements and wires being written."""

    def __init__(self, description: str):
        self.root = ET.Element("circuit")
        ET.SubElement(self.root, "version").text = "2"
        attrs = ET.SubElement(self.root, "attributes")
        self._entry(attrs, "Description", "string", description)
        self.elements = ET.SubElement(self.root, "visualElements")
        self.wires = ET.SubElement(self.root, "wires")
        ET.SubElement(self.root, "measurementOrdering")

    @staticmethod
    def _entry(parent, key, tag, value):
        entry = ET.SubElement(parent, "entry")
        ET.SubElement(entry, "string").text = key
        node = ET.SubElement(entry, tag)
        if tag == "rotation":
            node.set("rotation", str(value))
        elif tag == "testData":
            ET.SubElement(node, "dataString").text = value
        elif tag == "boolean":
            node.text = "true" if value else "false"
        else:
            node.text = str(value)

    def element(self, name: str, x: int, y: int, **attrs):
        """Add an element; each attribute is ``key=(xml tag, value)``."""
        ve = ET.SubElement(self.elements, "visualElement")
        ET.SubElement(ve, "elementName").text = name
        ea = ET.SubElement(ve, "elementAttributes")
        for key, (tag, value) in attrs.items():
            self._entry(ea, key.replace("_", " "), tag, value)
        ET.SubElement(ve, "pos", x=str(x), y=str(y))

    def wire(self, p1, p2):
        w = ET.SubElement(self.wires, "wire")
        ET.SubElement(w, "p1", x=str(p1[0]), y=str(p1[1]))
        ET.SubElement(w, "p2", x=str(p2[0]), y=str(p2[1]))

    def tunnel(self, name: str, x: int, y: int, left: bool = False):
        """A tunnel whose tip (its pin) is at (x, y), body pointing right (or left)."""
        if left:
            self.element("Tunnel", x, y, rotation=("rotation", 2), NetName=("string", name))
        else:
            self.element("Tunnel", x, y, NetName=("string", name))

    def text(self) -> str:
        ET.indent(self.root, space="  ")
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(self.root, encoding="unicode") + "\n"


def _round_up(value: int) -> int:
    return -(-value // GRID) * GRID


def _bit_of_nets(circuit) -> dict[str, int]:
    """Highest input bit each net depends on: sorts each column of gates by bit."""
    bit = {}
    for nets in circuit.inputs.values():
        for i, net in enumerate(nets):
            bit[net] = i
    for net in circuit.gates():
        bit[net] = max(bit[i] for i in circuit.graph.nodes[net]["inputs"])
    return bit


def to_digital(circuit, vectors=None, seed: int = 0, path=None) -> str:
    """A Digital ``.dig`` drawing of ``circuit``, with an embedded test.

    Inputs are multi-bit ``In`` pins (``A``, ``B``, ``Cin`` for an adder; other buses keep
    their names) split into bits, outputs ``Out`` pins (``S``, ``Cout``) merged from bits;
    gates stand in one column per logic level, sorted by bit; each gate pin reaches a
    tunnel named after its carrylab net through a wire of one grid step.

    Parameters
    ----------
    circuit : Circuit
        Any validated circuit whose buses have at most 64 bits.
    vectors : None, int or list of dict
        Rows of the embedded ``Testcase``. None: every input combination when the inputs
        have at most :data:`EXHAUSTIVE_BITS` bits in total (as ``loop`` statements for an
        adder), else the corner cases of :func:`adders.export.edge_vectors` plus
        :data:`RANDOM_VECTORS` random vectors. An int N: the corner cases and N random
        vectors; a list: those input vectors.
    seed : int
        Seed of the random vectors.
    path : str or Path, optional
        Also write the text there.

    Returns
    -------
    str
        The XML text. For an adder (buses a, b[, cin] -> s, cout) the test rows state
        ``S + 2^n Cout = A + B + Cin``, the specification; for any other circuit they
        record the circuit's own outputs.

    Raises
    ------
    CarrylabValueError
        A bus wider than 64 bits, or bus names that cannot be Digital pin labels.
    NetlistError
        A malformed circuit.
    """
    if not isinstance(circuit, Circuit):
        raise CarrylabTypeError(f"circuit must be a Circuit, got {type(circuit).__name__}")
    seed = check_int(seed, "seed")
    circuit.validate()
    for bus, nets in list(circuit.inputs.items()) + list(circuit.outputs.items()):
        if len(nets) > MAX_BITS:
            raise CarrylabValueError(f"bus {bus!r} of circuit {circuit.name!r} has {len(nets)} bits; "
                                     f"Digital's pins and splitters carry at most {MAX_BITS}")
    labels = _pin_labels(circuit)
    tests = _testdata(circuit, labels, vectors, seed)
    stats = circuit.stats()
    sheet = _Writer(f"{circuit.name}: {stats['gates']} gates, depth {stats['depth']}. Drawn by "
                   f"carrylab: tunnels named after the nets join each gate to its inputs.")
    nodes = circuit.graph.nodes
    longest = max(len(n) for n in circuit.graph.nodes)
    reach = _round_up(19 + 10 * longest)         # tunnel body + its label, 18 px font
    gap = 2 * GRID
    pitch = _round_up(4 * GRID + 2 * (GRID + reach) + gap)
    top = 6 * GRID
    sheet.element("Testcase", GRID, 0, Label=("string", "carrylab"), Testdata=("testData", tests))

    # Inputs: In pin, splitter into bits, one tunnel per bit.
    y = top
    for bus, nets in circuit.inputs.items():
        w = len(nets)
        sheet.element("In", 2 * GRID, y, Label=("string", labels[bus]), Bits=("int", w))
        if w == 1:
            sheet.wire((2 * GRID, y), (6 * GRID, y))
        else:
            sheet.wire((2 * GRID, y), (4 * GRID, y))
            sheet.element("Splitter", 4 * GRID, y, Input_Splitting=("string", str(w)),
                          Output_Splitting=("string", f"1*{w}"))
            for i in range(w):
                sheet.wire((5 * GRID, y + i * GRID), (6 * GRID, y + i * GRID))
        for i, net in enumerate(nets):
            sheet.tunnel(net, 6 * GRID, y + i * GRID)
        y += w * GRID + 2 * GRID

    # Gates: one column per level.
    x0 = _round_up(7 * GRID + 2 * reach + gap)
    level = circuit.levels()
    bit = _bit_of_nets(circuit)
    order = {net: k for k, net in enumerate(circuit.gates())}
    columns: dict[int, list[str]] = {}
    for net in circuit.gates():
        columns.setdefault(level[net], []).append(net)
    depth = max(columns, default=0)
    for lv, members in columns.items():
        x = x0 + (lv - 1) * pitch
        y = top
        for net in sorted(members, key=lambda n: (bit[n], order[n])):
            kind, ins = nodes[net]["kind"], list(nodes[net]["inputs"])
            element = _ELEMENT[kind]
            if kind == "BUF":
                ins = ins * 2
            attrs = {"Inputs": ("int", len(ins))} if element != "Not" and len(ins) != 2 else {}
            sheet.element(element, x, y, **attrs)
            pins_in, pin_out = _gate_pins(element, len(ins))
            for (dx, dy), src in zip(pins_in, ins):
                sheet.wire((x + dx - GRID, y + dy), (x + dx, y + dy))
                sheet.tunnel(src, x + dx - GRID, y + dy, left=True)
            ox, oy = x + pin_out[0], y + pin_out[1]
            sheet.wire((ox, oy), (ox + GRID, oy))
            sheet.tunnel(net, ox + GRID, oy)
            y += max(dy for _, dy in pins_in) + 2 * GRID

    # Outputs: one tunnel per bit, splitter merging them, Out pin.
    sx = x0 + depth * pitch
    y = top
    for bus, nets in circuit.outputs.items():
        w = len(nets)
        for i, net in enumerate(nets):
            sheet.tunnel(net, sx - GRID, y + i * GRID, left=True)
        if w == 1:
            sheet.wire((sx - GRID, y), (sx + 3 * GRID, y))
        else:
            for i in range(w):
                sheet.wire((sx - GRID, y + i * GRID), (sx, y + i * GRID))
            sheet.element("Splitter", sx, y, Input_Splitting=("string", f"1*{w}"),
                          Output_Splitting=("string", str(w)))
            sheet.wire((sx + GRID, y), (sx + 3 * GRID, y))
        sheet.element("Out", sx + 3 * GRID, y, Label=("string", labels[bus]), Bits=("int", w))
        y += w * GRID + 2 * GRID
    text = sheet.text()
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


# ---------------------------------------------------------------------- reading XML
def _is_xml(source) -> bool:
    return isinstance(source, str) and source.lstrip().startswith("<")


def _read_xml(source, name: str | None = None):
    """``(root element, file name for messages, folder or None)`` of a path or XML text."""
    if _is_xml(source):
        text, shown, folder = source, name or "<dig text>", None
    elif isinstance(source, (str, Path)):
        path = Path(source)
        shown, folder = name or path.name, path.resolve().parent
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CircuitFileError(f"{path}: cannot read the Digital file ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise CircuitFileError(f"{path}: not a Digital file (not UTF-8 text)") from None
    else:
        raise CarrylabTypeError(f"source must be a path or the XML text of a .dig file, got "
                                f"{type(source).__name__}")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise CircuitFileError(f"{shown}: malformed XML ({exc})") from None
    if root.tag != "circuit":
        raise CircuitFileError(f"{shown}: not a Digital circuit: the XML root is <{root.tag}>, "
                               f"expected <circuit>")
    return root, shown, folder


def _deref(node, parents: dict, shown: str):
    """The element an XStream ``reference="../../x[2]/y"`` attribute points to."""
    for _ in range(8):
        ref = node.get("reference")
        if ref is None:
            return node
        target = node
        for step in ref.split("/"):
            if step in ("", "."):
                continue
            if step == "..":
                target = parents.get(target)
            else:
                m = re.match(r"([^\[]+)(?:\[(\d+)\])?\Z", step)
                kids = [c for c in target if m and c.tag == m.group(1)] if target is not None else []
                k = int(m.group(2)) if m and m.group(2) else 1
                target = kids[k - 1] if len(kids) >= k else None
            if target is None:
                raise CircuitFileError(f"{shown}: broken XStream reference {ref!r}")
        node = target
    raise CircuitFileError(f"{shown}: XStream references form a loop")


def _attributes(node, parents, shown) -> dict:
    """Digital's ``<entry><string>key</string><value/></entry>`` list as a dict."""
    out = {}
    if node is None:
        return out
    for entry in node.findall("entry"):
        kids = list(entry)
        if len(kids) != 2 or kids[0].tag != "string":
            continue
        value = _deref(kids[1], parents, shown)
        tag, text = value.tag, (value.text or "").strip()
        if tag in ("int", "long", "short", "byte"):
            try:
                out[kids[0].text or ""] = int(text)
            except ValueError:
                raise CircuitFileError(f"{shown}: attribute {kids[0].text!r} is not an integer: "
                                       f"{text!r}") from None
        elif tag == "string":
            out[kids[0].text or ""] = value.text or ""
        elif tag == "boolean":
            out[kids[0].text or ""] = text == "true"
        elif tag == "rotation":
            out[kids[0].text or ""] = int(value.get("rotation", "0"))
        elif tag == "testData":
            out[kids[0].text or ""] = value.findtext("dataString") or ""
        elif tag == "inverterConfig":
            out[kids[0].text or ""] = frozenset((s.text or "").strip() for s in value.findall("string"))
        else:
            out[kids[0].text or ""] = text
    return out


@dataclass
class _Pin:
    name: str
    output: bool | None          # None: a tunnel, joins nets without driving them
    pos: tuple
    bits: int | None
    net: int | None = None


@dataclass
class _Element:
    name: str
    attrs: dict
    pos: tuple
    shown: str
    pins: list = field(default_factory=list)
    sub: "_Drawing | None" = None

    def what(self) -> str:
        """``Name 'label' at (x, y)``."""
        label = (self.attrs.get("Label") or self.attrs.get("NetName") or "").strip()
        label = f" {label!r}" if label else ""
        return f"{self.name}{label} at ({self.pos[0]}, {self.pos[1]})"

    def where(self) -> str:
        """``file: Name 'label' at (x, y)``, the start of every message about it."""
        return f"{self.shown}: {self.what()}"

    def bits(self) -> int:
        bits = self.attrs.get("Bits", 1)
        if not isinstance(bits, int) or not 1 <= bits <= MAX_BITS:
            raise CircuitFileError(f"{self.where()}: Bits must be an int in [1, {MAX_BITS}], got {bits!r}")
        return bits


@dataclass
class _Drawing:
    """One ``.dig`` file: its elements with pins on numbered nets, and net widths."""
    shown: str
    attrs: dict
    elements: list
    widths: dict
    labels: dict                 # net -> tunnel labels
    ports_in: list               # (label, bits) of In elements, file order
    ports_out: list


class _UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        parent = self.parent
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _inside(p, wire) -> bool:
    """True if point p lies strictly between the ends of the straight wire."""
    (x1, y1), (x2, y2) = wire
    if (x2 - x1) * (p[1] - y1) != (y2 - y1) * (p[0] - x1):
        return False
    return (min(x1, x2) <= p[0] <= max(x1, x2) and min(y1, y2) <= p[1] <= max(y1, y2)
            and p not in wire)


def _on_wire_hint(p, wires) -> str:
    for w in wires:
        if _inside(p, w):
            (x1, y1), (x2, y2) = w
            return (f" (it lies on the middle of the wire from ({x1}, {y1}) to ({x2}, {y2}); "
                    f"Digital joins wires only at their end points: split that wire there)")
    return ""


def _pins_of(el: _Element, folder, cache, stack, strict: bool):
    """Fill ``el.pins`` (absolute positions) from Digital's shape of the element."""
    a, name = el.attrs, el.name
    rotation, mirror = a.get("rotation", 0), bool(a.get("mirror", False))
    rotation = rotation if isinstance(rotation, int) else 0

    def pin(pname, output, offset, bits):
        el.pins.append(_Pin(pname, output, _place(offset, el.pos, rotation, mirror), bits))

    if name in _GATE_KIND:
        bits, k = el.bits(), 1
        if name != "Not":
            k = a.get("Inputs", 2)
            if not isinstance(k, int) or k < 2:
                raise CircuitFileError(f"{el.where()}: Inputs must be an int >= 2, got {k!r}")
        inverted = a.get("inverterConfig", frozenset()) if name != "Not" else frozenset()
        ins, out = _gate_pins(name, k, bool(a.get("wideShape", False)), inverted)
        for i, offset in enumerate(ins):
            pin("in" if name == "Not" else f"In_{i + 1}", False, offset, bits)
        pin("out", True, out, bits)
    elif name in ("In", "Const", "Ground", "VDD"):
        pin("out", True, (0, 0), el.bits())
    elif name == "Out":
        pin("in", False, (0, 0), el.bits())
    elif name == "Tunnel":
        pin("tunnel", None, (0, 0), None)
    elif name == "Probe":
        pin("in", False, (0, 0), None)
    elif name == "Splitter":
        spread = a.get("splitterSpreading", 1)
        spread = spread if isinstance(spread, int) and spread >= 1 else 1
        ins = _splitter_ports(a.get("Input Splitting", "4,4"))
        outs = _splitter_ports(a.get("Output Splitting", "8"))
        if ins is None or outs is None:
            raise CircuitFileError(f"{el.where()}: cannot read its splitting "
                                   f"{a.get('Input Splitting', '4,4')!r} / "
                                   f"{a.get('Output Splitting', '8')!r}")
        total = max(p + b for p, b in ins)
        covered = sorted(bit for p, b in ins for bit in range(p, p + b))
        if covered != list(range(total)) or max(p + b for p, b in outs) > total or total > MAX_BITS:
            raise CircuitFileError(f"{el.where()}: input splitting {a.get('Input Splitting', '4,4')!r} "
                                   f"must give every bit once and output splitting "
                                   f"{a.get('Output Splitting', '8')!r} may use only those bits")
        el.attrs = {**a, "_ports": (ins, outs)}
        for i, (p, b) in enumerate(ins):
            pin(f"in {p}" + (f"-{p + b - 1}" if b > 1 else ""), False, (0, i * spread * GRID), b)
        for j, (p, b) in enumerate(outs):
            pin(f"out {p}" + (f"-{p + b - 1}" if b > 1 else ""), True, (GRID, j * spread * GRID), b)
    elif name.endswith(".dig"):
        el.sub = _load_drawing(_find_sub(el, folder), None, cache, stack, strict=strict)
        shape = str(el.sub.attrs.get("shapeType", "DEFAULT")).strip() or "DEFAULT"
        local = str(a.get("shapeType", "DEFAULT")).strip() or "DEFAULT"
        if shape not in ("DEFAULT", "SIMPLE") or local != "DEFAULT":
            raise CircuitFileError(f"{el.where()}: embedded circuit drawn with shape "
                                   f"{local if local != 'DEFAULT' else shape}; carrylab reads only "
                                   f"Digital's default box shape")
        width = el.sub.attrs.get("Width", 3)
        ins, outs = _box_pins(len(el.sub.ports_in), len(el.sub.ports_out),
                              width if isinstance(width, int) else 3)
        for offset, (label, bits) in zip(ins, el.sub.ports_in):
            pin(label, False, offset, bits)
        for offset, (label, bits) in zip(outs, el.sub.ports_out):
            pin(label, True, offset, bits)
    elif name not in _DECORATION:
        raise CircuitFileError(f"{el.where()}: unsupported element {name!r}; carrylab reads "
                               f"And, Or, XOr, NAnd, NOr, XNOr, Not, In, Out, Tunnel, Const, Ground, "
                               f"VDD, Splitter, Probe and embedded .dig circuits")


def _find_sub(el: _Element, folder):
    if folder is None:
        raise CircuitFileError(f"{el.where()}: an embedded circuit needs the folder of its file: "
                               f"read the .dig from a path, or pass folder=")
    direct = folder / el.name
    if direct.is_file():
        return direct
    found = sorted(p for p in folder.rglob(Path(el.name).name) if p.is_file())
    if len(found) == 1:
        return found[0]
    if found:
        raise CircuitFileError(f"{el.where()}: {el.name} is ambiguous: "
                               f"{', '.join(str(p.relative_to(folder)) for p in found[:4])}")
    raise CircuitFileError(f"{el.where()}: embedded circuit {el.name} not found in {folder}")


def _load_drawing(source, name, cache, stack, folder=None, strict=True) -> _Drawing:
    """Read one ``.dig`` (and, recursively, the circuits it embeds) into a _Drawing."""
    key = None if _is_xml(source) else Path(source).resolve()
    if key is not None and key in cache:
        return cache[key]
    if key is not None and key in stack:
        raise CircuitFileError(f"{Path(source).name}: embeds itself (through "
                               f"{' -> '.join(p.name for p in stack)})")
    root, shown, own_folder = _read_xml(source, name)
    folder = own_folder if own_folder is not None else (Path(folder) if folder is not None else None)
    parents = {child: parent for parent in root.iter() for child in parent}
    try:
        version = int((root.findtext("version") or "0").strip())
    except ValueError:
        version = 2
    scale = 2 if version == 0 else 1                 # version 0 files used a grid of 10

    def point(node, what):
        node = _deref(node, parents, shown) if node is not None else None
        try:
            return (int(node.get("x")) * scale, int(node.get("y")) * scale)
        except (AttributeError, TypeError, ValueError):
            raise CircuitFileError(f"{shown}: {what} without integer x and y") from None

    elements = []
    ve_list = root.find("visualElements")
    for k, ve in enumerate(list(ve_list) if ve_list is not None else []):
        el_name = (ve.findtext("elementName") or "").strip()
        pos = point(ve.find("pos"), f"element {k + 1} ({el_name or 'no elementName'})")
        el = _Element(el_name, _attributes(ve.find("elementAttributes"), parents, shown), pos, shown)
        elements.append(el)
    wires = []
    w_list = root.find("wires")
    for w in list(w_list) if w_list is not None else []:
        p1, p2 = point(w.find("p1"), "a wire end"), point(w.find("p2"), "a wire end")
        if p1 != p2:                                  # Digital drops zero-length wires
            wires.append((p1, p2))
    stack = stack + ([key] if key is not None else [])
    for el in elements:
        _pins_of(el, folder, cache, stack, strict)

    # Nets: wire end points joined by wires, pins on those points, pins on pins.
    ends = Counter(p for w in wires for p in w)
    pin_at = Counter(p.pos for el in elements for p in el.pins)
    uf = _UnionFind()
    for p1, p2 in wires:
        uf.union(p1, p2)
    for p1, p2 in wires:
        for p in (p1, p2):
            if strict and ends[p] == 1 and pin_at[p] == 0:
                raise CircuitFileError(f"{shown}: dangling wire from ({p1[0]}, {p1[1]}) to "
                                       f"({p2[0]}, {p2[1]}): its end ({p[0]}, {p[1]}) touches no pin "
                                       f"and no other wire{_on_wire_hint(p, wires)}")
    for el in elements:
        if el.name == "Tunnel":
            label = (el.attrs.get("NetName") or "").strip()
            if not label:
                continue
            p = el.pins[0].pos
            if not ends[p] and pin_at[p] < 2:
                raise CircuitFileError(f"{el.where()}: tunnel is not connected to any wire or pin"
                                       f"{_on_wire_hint(p, wires)}")
            uf.union(p, ("tunnel", label))
    net_id: dict = {}
    for el in elements:
        for p in el.pins:
            if ends[p.pos] or pin_at[p.pos] > 1:
                p.net = net_id.setdefault(uf.find(p.pos), len(net_id))
            elif p.output is False and el.name != "Probe":
                raise CircuitFileError(f"{el.where()}: input {p.name} at ({p.pos[0]}, {p.pos[1]}) is "
                                       f"not connected to any wire or pin{_on_wire_hint(p.pos, wires)}")

    # Widths: every pin on a net must carry as many bits.
    widths, first = {}, {}
    for el in elements:
        for p in el.pins:
            if p.net is None or p.bits is None:
                continue
            if p.net in widths and widths[p.net] != p.bits:
                other, opin = first[p.net]
                raise CircuitFileError(f"{el.where()}: pin {p.name} has {p.bits} bit(s) but is "
                                       f"wired to pin {opin.name} of {other.what()} with {opin.bits}")
            widths[p.net], first[p.net] = p.bits, (el, p)
    labels: dict = {}
    for el in elements:
        if el.name == "Tunnel" and el.pins[0].net is not None:
            label = (el.attrs.get("NetName") or "").strip()
            if label and label not in labels.setdefault(el.pins[0].net, []):
                labels[el.pins[0].net].append(label)
    ports = {"In": [], "Out": []}
    for el in elements:
        if el.name in ports:
            label = (el.attrs.get("Label") or "").strip()
            if not label:
                raise CircuitFileError(f"{el.where()}: pin without a Label")
            if any(label == seen for seen, _ in ports["In"] + ports["Out"]):
                raise CircuitFileError(f"{el.where()}: the label {label!r} is used twice")
            ports[el.name].append((label, el.pins[0].bits))
    drawing = _Drawing(shown, _attributes(root.find("attributes"), parents, shown), elements,
                       widths, labels, ports["In"], ports["Out"])
    if key is not None:
        cache[key] = drawing
    return drawing


# ---------------------------------------------------------------------- flattening
@dataclass
class _Gate:
    kind: str
    inputs: list
    output: object
    hint: str


class _Flat:
    """Bit-level nets of a drawing and everything it embeds, joined by a union-find."""

    def __init__(self):
        self.uf = _UnionFind()
        self.gates: list[_Gate] = []
        self.drivers: list = []        # (key, element, pin description)
        self.readers: list = []
        self.consts: list = []         # (key, value, hint)
        self.labels: list = []         # (key, priority, name)
        self.inputs: list = []         # (label, keys, element)
        self.outputs: list = []

    def add(self, drawing: _Drawing, prefix: str, ports: dict | None):
        top = ports is None
        counts: Counter = Counter()
        used: set = set()

        def keys(el, k, p):
            if p.net is None:            # an unconnected pin: bits of its own
                return [(prefix, ("pin", id(el), k), b) for b in range(p.bits)]
            return [(prefix, p.net, b) for b in range(p.bits)]

        for el in drawing.elements:
            name, x, y = el.name, el.pos[0], el.pos[1]
            if name in _GATE_KIND:
                pins_in = [keys(el, k, p) for k, p in enumerate(el.pins[:-1])]
                out = keys(el, len(el.pins) - 1, el.pins[-1])
                inverted = el.attrs.get("inverterConfig", frozenset()) if name != "Not" else ()
                bits = len(out)
                for b in range(bits):
                    hint = f"{prefix}{name.lower()}_{x}_{y}" + (f"_{b}" if bits > 1 else "")
                    ins = []
                    for k, p in enumerate(el.pins[:-1]):
                        self.readers.append((pins_in[k][b], el, f"input {p.name}"))
                        if p.name in inverted:
                            aux = ("aux", out[b], f"_n{k + 1}")
                            self.gates.append(_Gate("NOT", [pins_in[k][b]], aux, ""))
                            ins.append(aux)
                        else:
                            ins.append(pins_in[k][b])
                    self.drivers.append((out[b], el, "output"))
                    kind = _GATE_KIND[name]
                    if kind in ("XOR", "XNOR") and len(ins) > 2:        # parity: a chain of XORs
                        acc = ins[0]
                        for j in range(1, len(ins) - 1):
                            aux = ("aux", out[b], f"_x{j}")
                            self.gates.append(_Gate("XOR", [acc, ins[j]], aux, ""))
                            acc = aux
                        ins = [acc, ins[-1]]
                    self.gates.append(_Gate(kind, ins, out[b], hint))
            elif name == "In" or name == "Out":
                p = el.pins[0]
                bit_keys = keys(el, 0, p)
                label = el.attrs["Label"].strip()
                if top:
                    if name == "In":
                        self.inputs.append((label, bit_keys, el))
                        self.drivers += [(k, el, "pin") for k in bit_keys]
                    else:
                        self.outputs.append((label, bit_keys, el))
                        self.readers += [(k, el, "pin") for k in bit_keys]
                        bus, index = bus_for_label(label)
                        for b, k in enumerate(bit_keys):
                            bit = index if index is not None else b
                            self.labels.append((k, 2, bus if len(bit_keys) == 1 and index is None
                                                else f"{bus}{bit}"))
                else:
                    for b, k in enumerate(bit_keys):
                        self.uf.union(k, ports[label][b])
                        self.labels.append((k, 4, f"{prefix}{label}" + (f"{b}" if len(bit_keys) > 1 else "")))
                    if name == "Out":
                        self.readers += [(k, el, "pin") for k in bit_keys]
            elif name in ("Const", "Ground", "VDD"):
                bit_keys = keys(el, 0, el.pins[0])
                value = {"Ground": 0, "VDD": -1}.get(name, el.attrs.get("Value", 1))
                value = value if isinstance(value, int) else 1
                for b, k in enumerate(bit_keys):
                    self.drivers.append((k, el, "output"))
                    self.consts.append((k, (value >> b) & 1,
                                        f"{prefix}const_{x}_{y}" + (f"_{b}" if len(bit_keys) > 1 else "")))
            elif name == "Splitter":
                ins_ports, outs_ports = el.attrs["_ports"]
                n_in = len(ins_ports)
                in_keys = [keys(el, k, el.pins[k]) for k in range(n_in)]
                for j, (pos, bits) in enumerate(outs_ports):
                    out_keys = keys(el, n_in + j, el.pins[n_in + j])
                    for b in range(bits):
                        for k, (ipos, ibits) in enumerate(ins_ports):
                            if ipos <= pos + b < ipos + ibits:
                                self.uf.union(out_keys[b], in_keys[k][pos + b - ipos])
            elif el.sub is not None:
                stem = Path(name).stem
                inst = (el.attrs.get("Label") or "").strip()
                if not inst:
                    inst = f"{stem}{counts[stem]}"
                    counts[stem] += 1
                base, k = inst, 2
                while inst in used:
                    inst, k = f"{base}_{k}", k + 1
                used.add(inst)
                child = {p.name: keys(el, k, p) for k, p in enumerate(el.pins)}
                self.add(el.sub, f"{prefix}{inst}.", child)
        for net, names in drawing.labels.items():
            w = drawing.widths.get(net)
            for label in names if w else ():
                for b in range(w):
                    self.labels.append(((prefix, net, b), 1 if top else 3,
                                        f"{prefix}{label}" + (f"{b}" if w > 1 else "")))

    def circuit(self, name: str, shown: str) -> Circuit:
        """Check drivers, name every net and build the Circuit."""
        find = self.uf.find
        driver: dict = {}
        for key, el, pin in self.drivers:
            root = find(key)
            if root in driver:
                other, other_pin = driver[root]
                there = other.what() if other.shown == el.shown else other.where()
                raise CircuitFileError(f"{el.where()}: short: its {pin} and the {other_pin} of {there} "
                                       f"drive the same net")
            driver[root] = (el, pin)
        for key, el, pin in self.readers:
            if find(key) not in driver:
                raise CircuitFileError(f"{el.where()}: {pin} is not driven: no output is connected "
                                       f"to its net")
        buses = self._buses(self.inputs, shown, "input")
        outputs = self._buses(self.outputs, shown, "output")
        names: dict = {}
        taken: set = set()
        for bus, bit_keys in buses.items():
            nets = [bus] if len(bit_keys) == 1 else [f"{bus}{i}" for i in range(len(bit_keys))]
            for key, net in zip(bit_keys, nets):
                names[find(key)] = net
                taken.add(net)
        hints = {find(g.output): g.hint for g in self.gates if g.hint}
        hints.update({find(k): hint for k, _, hint in self.consts})
        wanted: dict = {}
        for seq, (key, priority, label) in enumerate(self.labels):
            root = find(key)
            if root not in driver or root in names:
                continue
            if root not in wanted or wanted[root][:2] > (priority, seq):
                wanted[root] = (priority, seq, label)
        for root, hint in hints.items():
            wanted.setdefault(root, (9, 0, hint))
        for root, (_, _, label) in sorted(wanted.items(), key=lambda item: item[1][:2]):
            names[root] = _unique(label, taken)

        def net(key):
            if isinstance(key, tuple) and key[0] == "aux":
                if key not in names:
                    names[key] = _unique(net(key[1]) + key[2], taken)
                return names[key]
            return names[find(key)]

        circuit = Circuit(name)
        try:
            for bus, bit_keys in buses.items():
                circuit.add_input(bus, len(bit_keys), default=0 if bus == "cin" else None)
            first = next(iter(circuit.inputs.values()), [None])[0]
            for key, value, _ in self.consts:
                if first is None:
                    raise CircuitFileError(f"{shown}: a circuit with constants needs an input pin")
                circuit.add_gate("XNOR" if value else "XOR", [first, first], net(key))
            for g in self.gates:
                ins = [net(k) for k in g.inputs]
                kind = "BUF" if g.kind in ("AND", "OR") and len(set(ins)) == 1 else g.kind
                circuit.add_gate(kind, ins[:1] if kind == "BUF" else ins, net(g.output))
            for bus, bit_keys in outputs.items():
                circuit.set_output(bus, [net(k) for k in bit_keys])
            return circuit.validate()
        except NetlistError as exc:
            raise CircuitFileError(f"{shown}: {exc}") from None

    @staticmethod
    def _buses(pins, shown: str, what: str) -> dict:
        """Bus -> bit keys of the top-level pins, one-bit ``A0, A1, ...`` grouped."""
        whole, per_bit = {}, {}
        for label, bit_keys, el in pins:
            bus, index = bus_for_label(label)
            if index is None or len(bit_keys) != 1:
                if bus in whole:
                    raise CircuitFileError(f"{el.where()}: a second {what} for bus {bus!r}")
                whole[bus] = (bit_keys, el)
            else:
                per_bit.setdefault(bus, {})
                if index in per_bit[bus]:
                    raise CircuitFileError(f"{el.where()}: a second {what} for bit {index} of bus {bus!r}")
                per_bit[bus][index] = (bit_keys[0], el)
        order = {id(el): k for k, (_, _, el) in enumerate(pins)}
        buses = {bus: (keys, order[id(el)]) for bus, (keys, el) in whole.items()}
        for bus, bits in per_bit.items():
            first = min(order[id(el)] for _, el in bits.values())
            if sorted(bits) == list(range(len(bits))) and bus not in whole:
                buses[bus] = ([bits[i][0] for i in range(len(bits))], first)
            else:                         # not a complete bus: keep each pin as it is named
                for i, (key, el) in bits.items():
                    buses[el.attrs["Label"].strip()] = ([key], order[id(el)])
        return {bus: keys for bus, (keys, _) in sorted(buses.items(), key=lambda item: item[1][1])}


def _unique(name: str, taken: set) -> str:
    out, k = name, 2
    while out in taken:
        out, k = f"{name}_{k}", k + 1
    taken.add(out)
    return out


def from_digital(source, name: str | None = None, folder=None, strict: bool = True) -> Circuit:
    """Read a Digital circuit (a ``.dig`` path or its XML text) as a :class:`Circuit`.

    Embedded circuits (``elementName`` ``X.dig``) are read from beside the file and
    flattened; their nets are prefixed with the instance label (or ``X0``, ``X1``, ...
    in file order) and a dot. See the module docstring for the pins, buses and net names.

    Parameters
    ----------
    source : str or Path
        A path to a ``.dig`` file, or its XML text (starting with ``<``).
    name : str, optional
        Circuit name (and the file name in messages); default: the file's stem, or
        ``"digital"`` for text.
    folder : str or Path, optional
        Where embedded circuits of XML *text* are found.
    strict : bool
        Refuse a wire with an end that touches nothing (default). Digital itself ignores
        such stubs; ``strict=False`` does too.

    Raises
    ------
    CircuitFileError
        One line naming the file, the element and its (x, y): malformed XML, an
        unsupported element, a dangling wire, an unconnected or undriven input, two
        outputs on one net (a short), mismatched bit widths, a combinational loop.
    """
    drawing = _load_drawing(source, name, {}, [], folder, strict)
    if name is None:
        name = "digital" if _is_xml(source) else Path(source).stem
    flat = _Flat()
    flat.add(drawing, "", None)
    return flat.circuit(name, drawing.shown)


def digital_testcases(source, name: str | None = None) -> list[DigitalTest]:
    """Every ``Testcase`` of a Digital file (path or XML text), in file order; only the
    top-level file's tests, not those of embedded circuits."""
    root, shown, _ = _read_xml(source, name)
    parents = {child: parent for parent in root.iter() for child in parent}
    tests = []
    ve_list = root.find("visualElements")
    for ve in list(ve_list) if ve_list is not None else []:
        if (ve.findtext("elementName") or "").strip() != "Testcase":
            continue
        attrs = _attributes(ve.find("elementAttributes"), parents, shown)
        if attrs.get("enabled", True) is False:
            continue
        pos = ve.find("pos")
        x, y = (pos.get("x"), pos.get("y")) if pos is not None else ("?", "?")
        label = (attrs.get("Label") or "").strip()
        shown_label = f" {label!r}" if label else ""
        tests.append(parse_testdata(attrs.get("Testdata", ""), label,
                                    f"{shown}: Testcase{shown_label} at ({x}, {y})"))
    return tests


# ---------------------------------------------------------------------- running tests
@dataclass
class DigitalTestReport:
    """Outcome of :func:`run_digital_tests`: rows passed and failed (after expanding
    ``X`` inputs as Digital does), and the first failures, one line each."""
    passed: int = 0
    failed: int = 0
    failures: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if at least one row ran and none failed."""
        return self.passed > 0 and self.failed == 0

    def __str__(self) -> str:
        return "\n".join([f"PASS {self.passed} FAIL {self.failed}"] + self.failures)


def _evaluate_rows(circuit, operands: dict, count: int) -> dict:
    """Outputs of ``count`` vectors (``{input bus: [int per vector]}``), by the
    bit-parallel simulator; ``{output bus: [int per vector]}``. Digital's buses are at
    most 64 bits wide, so every value fits a uint64."""
    widest = max(len(nets) for nets in [*circuit.inputs.values(), *circuit.outputs.values()])
    if widest > MAX_BITS:
        raise CarrylabValueError(f"circuit {circuit.name!r} has a {widest}-bit bus; Digital's "
                                 f"tests drive at most {MAX_BITS} bits")
    columns = {bus: np.array(operands[bus], dtype=np.uint64).reshape(count) for bus in circuit.inputs}
    out = circuit.simulate(as_bits=False, **columns)
    return {bus: [int(v) for v in out[bus].tolist()] for bus in circuit.outputs}


def _signal(circuit, name: str):
    """``(bus, first bit, bits, is input)`` of a test signal name, or None."""
    for candidate in (name, bus_for_label(name)[0] if bus_for_label(name)[1] is None else None):
        if candidate in circuit.inputs:
            return candidate, 0, len(circuit.inputs[candidate]), True
        if candidate in circuit.outputs:
            return candidate, 0, len(circuit.outputs[candidate]), False
    bus, index = bus_for_label(name)
    if index is not None:
        for table, is_input in ((circuit.inputs, True), (circuit.outputs, False)):
            if bus in table and index < len(table[bus]):
                return bus, index, 1, is_input
    return None


def run_digital_tests(circuit, tests, max_failures: int = 10) -> DigitalTestReport:
    """Run Digital test rows against ``circuit``.

    Parameters
    ----------
    circuit : Circuit
    tests : str, Path, DigitalTest or list of DigitalTest
        A ``.dig`` file (path or XML text, every ``Testcase`` in it) or parsed tests.
        Header names are matched to buses as pins are (``A`` -> ``a``, ``S3`` -> bit 3
        of ``s``); inputs left out of a test keep their default (0).
    max_failures : int
        How many failing rows to describe.

    Returns
    -------
    DigitalTestReport
        As Digital counts: an input ``X`` runs the row once per 0/1 assignment, an output
        ``X`` is not checked, values compare within the signal's bits.

    Raises
    ------
    CircuitFileError
        A test names a signal the circuit lacks, uses ``Z`` or clocks, or is malformed.
    """
    if not isinstance(circuit, Circuit):
        raise CarrylabTypeError(f"circuit must be a Circuit, got {type(circuit).__name__}")
    max_failures = check_int(max_failures, "max_failures", 0)
    if isinstance(tests, DigitalTest):
        tests = [tests]
    elif isinstance(tests, (str, Path)):
        tests = digital_testcases(tests)
    elif not (isinstance(tests, (list, tuple)) and all(isinstance(t, DigitalTest) for t in tests)):
        raise CarrylabTypeError(f"tests must be a .dig path or text, a DigitalTest or a list of them, "
                                f"got {type(tests).__name__}")
    circuit.validate()
    report = DigitalTestReport()
    for test in tests:
        signals = []
        for name in test.names:
            sig = _signal(circuit, name)
            if sig is None:
                raise CircuitFileError(f"{test.origin}: test signal {name!r} is no pin of circuit "
                                       f"{circuit.name!r} (inputs {list(circuit.inputs)}, outputs "
                                       f"{list(circuit.outputs)})")
            signals.append(sig)
        if not any(s[3] for s in signals) or all(s[3] for s in signals):
            raise CircuitFileError(f"{test.origin}: a test needs at least one input and one output signal")
        rows, origin = [], []
        for r, row in enumerate(test.rows):
            dc = [k for k, s in enumerate(signals) if s[3] and row[k] == "X"]
            for k, s in enumerate(signals):
                if row[k] in ("Z", "C"):
                    raise CircuitFileError(f"{test.origin}: row {r + 1}: {row[k]!r} for {test.names[k]} "
                                           f"(high impedance and clocks are not supported)")
            for n in range(1 << len(dc)):
                filled = list(row)
                for j, k in enumerate(dc):
                    filled[k] = (n >> j) & 1
                rows.append(filled)
                origin.append(r)
        if not rows:
            continue
        operands = {}
        for bus, nets in circuit.inputs.items():
            default = circuit.input_defaults.get(bus, 0)
            column = [default] * len(rows)
            for k, (sbus, lo, bits, is_in) in enumerate(signals):
                if is_in and sbus == bus:
                    m = ((1 << bits) - 1) << lo
                    column = [(c & ~m) | ((row[k] << lo) & m) for c, row in zip(column, rows)]
            operands[bus] = [c & ((1 << len(nets)) - 1) for c in column]
        result = _evaluate_rows(circuit, operands, len(rows))
        for r, row in enumerate(rows):
            bad = []
            for k, (sbus, lo, bits, is_in) in enumerate(signals):
                if is_in or row[k] == "X":
                    continue
                got = (result[sbus][r] >> lo) & ((1 << bits) - 1)
                if got != row[k] & ((1 << bits) - 1):
                    bad.append(f"{test.names[k]} = {got}, expected {row[k] & ((1 << bits) - 1)}")
            if bad:
                report.failed += 1
                if len(report.failures) < max_failures:
                    given = ", ".join(f"{n}={row[k]}" for k, n in enumerate(test.names) if signals[k][3])
                    label = f"{test.label!r} " if test.label else ""
                    report.failures.append(f"{label}row {origin[r] + 1} ({given}): {'; '.join(bad)}")
            else:
                report.passed += 1
    return report
