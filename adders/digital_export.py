"""Writing a carrylab Circuit as a Digital ``.dig`` file, with its test cases
(:func:`to_digital`). See :mod:`adders.digital`."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from .checks import check_int
from .digital_format import ELEMENT, EXHAUSTIVE_BITS, GRID, MAX_BITS, RANDOM_VECTORS, gate_pins, pin_labels
from .errors import CarrylabTypeError, CarrylabValueError
from .netlist import Circuit
from .vectors import choose_vectors

__all__ = ["to_digital", "evaluate_rows"]


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
        vecs = choose_vectors(circuit, count, seed)
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
        want = evaluate_rows(circuit, {b: [v[b] for v in vecs] for b in ins}, len(vecs))
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
        """Add a wire from ``p1`` to ``p2``."""
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
        """The ``.dig`` file as text."""
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
    labels = pin_labels(circuit)
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
            element = ELEMENT[kind]
            if kind == "BUF":
                ins = ins * 2
            attrs = {"Inputs": ("int", len(ins))} if element != "Not" and len(ins) != 2 else {}
            sheet.element(element, x, y, **attrs)
            pins_in, pin_out = gate_pins(element, len(ins))
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


def evaluate_rows(circuit, operands: dict, count: int) -> dict:
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
