"""Grade a drawn adder: is it right, how deep is it, how fast does it settle, how it glitches.

``carrylab grade FILE --spec adder --bits N`` reads a student's circuit (a Logisim-evolution
``.circ``, a Digital ``.dig`` or carrylab's own ``.graphml``) as an :class:`adders.Circuit`
and reports what a teacher grades:

1. **Correctness.** Every output must equal ``a + b + cin``: ``s`` its low ``bits`` bits and
   ``cout`` the bit above. With ``2 * bits + 1 <= 16`` input bits every vector is tried, in
   the order ``cin``, then ``a``, then ``b`` (``b`` fastest); wider adders get carry-chain
   corner cases (:func:`adder_vectors`) and then random vectors. All run bit-parallel
   (:meth:`adders.Circuit.simulate`), and the first failing vector is reported.
2. **Structure.** Gates by kind, depth in gate levels, the largest fan-out.
3. **Critical path** under unit delay (:func:`adders.timing.critical_path`), net by net.
4. **Timing.** Event-driven simulation (:func:`adders.timing.simulate_transition`, transport
   delay, one gate delay per gate) of corner-case transitions (:func:`adder_transitions`:
   carry chains rippling up, falling back, a carry-in toggling under all-propagate bits)
   and random ones: the worst settle time and the *glitches*, pulses on an output beyond
   the one change it needs (:attr:`adders.timing.Trace.glitches`). Logisim and Digital
   give gates no delay, so their simulators never show these.
5. **Schematic** with the critical path in red (:func:`draw_report`).

A wrong interface (a bus missing, of the wrong width, an extra input, ``bits`` other than
the circuit's width) raises :class:`GradeError` with one line naming what was found and
what the spec needs.

Cost is bounded by :data:`LIMITS`: at most 64 bits (operands travel as uint64 words),
20,000 gates, 1,000,000 random vectors and 5,000 random transitions. A 64-bit
Kogge-Stone adder (1,094 gates) grades in about a second on 2 cores.

Examples
--------
>>> from adders import build
>>> report = grade_circuit(build("ripple", 4), bits=4, transitions=20)
>>> report.passed, report.depth, report.critical.delay
(True, 9, 9)
"""
from .grade import draw_report, grade_circuit, run_grade_command
from .labsheet import LAB_SHEET, lab_sheet_blocks, refresh_lab_sheet
from .report import GradeReport, Mismatch, TransitionResult
from .spec import (
    CIRCUIT_SUFFIXES,
    EXHAUSTIVE_INPUT_BITS,
    LIMITS,
    RANDOM_VECTORS,
    SPECS,
    GradeError,
    adder_transitions,
    adder_vectors,
    load_circuit,
)

__all__ = ["SPECS", "LIMITS", "EXHAUSTIVE_INPUT_BITS", "RANDOM_VECTORS", "CIRCUIT_SUFFIXES",
           "LAB_SHEET", "GradeError", "Mismatch", "TransitionResult", "GradeReport",
           "load_circuit", "adder_vectors", "adder_transitions", "grade_circuit", "draw_report",
           "run_grade_command", "lab_sheet_blocks", "refresh_lab_sheet"]
