"""Grade a circuit (:func:`grade_circuit`), draw its schematic (:func:`draw_report`) and
run ``carrylab grade`` (:func:`run_grade_command`)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from adders.checks import check_choice, check_int
from adders.errors import CarrylabTypeError, CarrylabValueError

from .report import GradeReport, Mismatch, TransitionResult
from .spec import (
    LIMITS,
    RANDOM_VECTORS,
    SPECS,
    adder_transitions,
    adder_vectors,
    check_interface,
    load_circuit,
)

__all__ = ["grade_circuit", "draw_report", "run_grade_command"]


# ---------------------------------------------------------------------- grading
def grade_circuit(circuit, spec: str = "adder", bits: int | None = None, transitions: int = 200,
                  seed: int = 0, vectors: int = RANDOM_VECTORS) -> GradeReport:
    """Grade ``circuit`` against ``spec``; see the module docstring for what is checked.

    Parameters
    ----------
    circuit : adders.Circuit
        Input buses a, b (``bits`` each) and cin (1); output buses s (``bits``) and cout
        (1). Other output buses are ignored.
    spec : {"adder"}
    bits : int, optional
        Operand width, 1..64; None takes the width of ``a``.
    transitions : int
        Random input transitions timed after the corner ones, 0..5,000.
    seed : int
        Seeds the random vectors and transitions.
    vectors : int
        Random vectors after the corner cases when not exhaustive, 0..1,000,000.

    Returns
    -------
    GradeReport

    Raises
    ------
    GradeError
        The interface does not fit the spec.
    CarrylabValueError
        Unknown spec, bits outside 1..64, too many gates, transitions or vectors.
    NetlistError
        A malformed circuit (undriven nets, cycles).
    """
    from adders import Circuit
    from adders.timing import critical_path, simulate_transition
    check_choice("spec", spec, SPECS)
    if not isinstance(circuit, Circuit):
        raise CarrylabTypeError(f"circuit must be an adders.Circuit, got {type(circuit).__name__}")
    seed = check_int(seed, "seed", 0)
    transitions = check_int(transitions, "transitions", 0, LIMITS["transitions"])
    vectors = check_int(vectors, "vectors", 0, LIMITS["vectors"])
    bits, extra_outputs = check_interface(circuit, bits)
    circuit.validate()
    n_gates = len(circuit.gates())
    if n_gates > LIMITS["gates"]:
        raise CarrylabValueError(f"circuit {circuit.name!r} has {n_gates:,} gates; grading takes at "
                                 f"most {LIMITS['gates']:,}")
    pairs = adder_transitions(bits, transitions, seed)

    # 1. correctness, bit-parallel
    a, b, cin, exhaustive, corners = adder_vectors(bits, vectors, seed)
    out = circuit.simulate(a=a, b=b, cin=cin)
    want_s, want_c = _add(a, b, cin, bits)
    wrong_s = out["s"] ^ want_s                              # (vectors,) uint64
    wrong_c = out["cout"] ^ want_c
    bad = np.flatnonzero((wrong_s | wrong_c) != 0)
    first = None
    wrong_outputs = []
    if bad.size:
        k = bad[0]
        total = int(a[k]) + int(b[k]) + int(cin[k])          # the reference, in Python ints
        first = Mismatch(int(a[k]), int(b[k]), int(cin[k]),
                         {"s": int(out["s"][k]), "cout": int(out["cout"][k])},
                         {"s": total & ((1 << bits) - 1), "cout": total >> bits})
        ever_s = int(np.bitwise_or.reduce(wrong_s[bad]))
        wrong_outputs = [f"s[{i}]" for i in range(bits) if ever_s >> i & 1]
        if np.any(wrong_c[bad]):
            wrong_outputs.append("cout")

    # 2. structure: depth of the graded outputs only (an extra probe must not count)
    level = circuit.levels()
    graded = [net for bus in ("s", "cout") for net in circuit.outputs[bus]]
    by_kind: dict = {}
    for net in circuit.gates():
        kind = circuit.graph.nodes[net]["kind"]
        by_kind[kind] = by_kind.get(kind, 0) + 1
    fanout = {net: circuit.fanout(net) for net in circuit.graph}
    top = max(fanout, key=fanout.get, default=None)

    # 3. critical path, unit delay, over the graded outputs
    critical = critical_path(_graded_view(circuit, extra_outputs))

    # 4. timing, transport delay
    graded_set = set(graded)
    results = []
    for before, after in pairs:
        trace = simulate_transition(circuit, before, after, mode="transport")
        glitches = trace.glitches
        out_g = {net: k for net, k in glitches.items() if net in graded_set}
        settle = max([trace.settle_bus[bus] for bus in ("s", "cout")])
        results.append(TransitionResult(before, after, settle, out_g,
                                        sum(glitches.values()) - sum(out_g.values())))
    return GradeReport(
        circuit=circuit, spec=spec, bits=bits, extra_outputs=extra_outputs, vectors=int(a.size),
        corners=corners, exhaustive=exhaustive, failures=int(bad.size), first_failure=first,
        wrong_outputs=wrong_outputs, gates=n_gates, by_kind=dict(sorted(by_kind.items())),
        depth=max(level[n] for n in graded), max_fanout=fanout[top] if top is not None else 0,
        max_fanout_net=top, critical=critical, transitions=results,
        random_transitions=transitions, seed=seed)


def _add(a, b, cin, bits: int):
    """(s, cout) of a + b + cin for (vectors,) uint64 operands below 2**bits."""
    with np.errstate(over="ignore"):
        t = a + b                                            # wraps modulo 2**64
        s = t + cin
    if bits == 64:
        return s, ((t < a) | (s < t)).astype(np.uint64)      # a wrap is the carry out
    return s & np.uint64((1 << bits) - 1), s >> np.uint64(bits)


def _graded_view(circuit, extra_outputs):
    """``circuit`` itself, or a copy without the extra output buses (so the critical path
    ends at s or cout). The copy shares nothing mutable with the original."""
    if not extra_outputs:
        return circuit
    from adders import Circuit
    view = Circuit(circuit.name)
    for bus, nets in circuit.inputs.items():
        view.inputs[bus] = list(nets)
    view.input_defaults = dict(circuit.input_defaults)
    view.graph = circuit.graph.copy()
    view.outputs = {bus: list(circuit.outputs[bus]) for bus in ("s", "cout")}
    return view


# ---------------------------------------------------------------------- picture, command
def draw_report(report: GradeReport, path) -> Path:
    """Write the schematic of the graded circuit with its critical path in red to ``path``
    (PNG, 120 dpi); return the path. Up to :data:`viz.circuit.MAX_GATES` gates and
    :data:`viz.circuit.MAX_BITS` bits gate by gate, beyond that one block per bit."""
    import matplotlib.pyplot as plt

    from viz.circuit import MAX_BITS, MAX_GATES, draw_circuit, draw_circuit_blocks
    if not isinstance(report, GradeReport):
        raise CarrylabTypeError(f"report must be a GradeReport (from grade_circuit), "
                                f"got {type(report).__name__}")
    circuit = _graded_view(report.circuit, report.extra_outputs)
    widest = max(len(nets) for nets in [*circuit.inputs.values(), *circuit.outputs.values()])
    if report.gates <= MAX_GATES and widest <= MAX_BITS:
        fig = draw_circuit(circuit, highlight_path=report.critical)
    else:
        fig = draw_circuit_blocks(circuit, highlight_path=True)
    path = Path(path)
    try:
        fig.savefig(path, dpi=120, facecolor="white")
    finally:
        plt.close(fig)
    return path


def run_grade_command(path, spec: str = "adder", bits: int | None = None, out=None,
                      transitions: int = 200, seed: int = 0, file=None) -> int:
    """``carrylab grade``: load ``path``, grade it, draw to ``out`` (a PNG, optional),
    print the report to ``file`` (stdout). Returns 0 if the circuit passed, 1 if not;
    a file or interface problem raises (the CLI prints it on one line)."""
    report = grade_circuit(load_circuit(path), spec=spec, bits=bits, transitions=transitions,
                           seed=seed)
    schematic = draw_report(report, out) if out is not None else None
    print(report.text(schematic), file=file if file is not None else sys.stdout)
    return 0 if report.passed else 1
