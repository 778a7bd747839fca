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

from dataclasses import dataclass, field
from pathlib import Path

from .checks import check_int
from .digital_drawing import element_attributes, is_xml, load_drawing, read_xml
from .digital_export import evaluate_rows, to_digital
from .digital_flatten import Flat
from .digital_format import EXHAUSTIVE_BITS, GRID, MAX_BITS, RANDOM_VECTORS, bus_for_label  # noqa: F401  GRID: still public here
from .digital_testdata import DigitalTest, parse_testdata
from .errors import CarrylabTypeError, CircuitFileError
from .netlist import Circuit

__all__ = ["to_digital", "from_digital", "digital_testcases", "parse_testdata",
           "run_digital_tests", "DigitalTest", "DigitalTestReport", "bus_for_label",
           "EXHAUSTIVE_BITS", "MAX_BITS", "RANDOM_VECTORS"]


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
    drawing = load_drawing(source, name, {}, [], folder, strict)
    if name is None:
        name = "digital" if is_xml(source) else Path(source).stem
    flat = Flat()
    flat.add(drawing, "", None)
    return flat.circuit(name, drawing.shown)


def digital_testcases(source, name: str | None = None) -> list[DigitalTest]:
    """Every ``Testcase`` of a Digital file (path or XML text), in file order; only the
    top-level file's tests, not those of embedded circuits."""
    root, shown, _ = read_xml(source, name)
    parents = {child: parent for parent in root.iter() for child in parent}
    tests = []
    ve_list = root.find("visualElements")
    for ve in list(ve_list) if ve_list is not None else []:
        if (ve.findtext("elementName") or "").strip() != "Testcase":
            continue
        attrs = element_attributes(ve.find("elementAttributes"), parents, shown)
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
        result = evaluate_rows(circuit, operands, len(rows))
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
