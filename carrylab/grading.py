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
from __future__ import annotations

import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adders.checks import check_choice, check_int
from adders.errors import CarrylabTypeError, CarrylabValueError

__all__ = ["SPECS", "LIMITS", "EXHAUSTIVE_INPUT_BITS", "RANDOM_VECTORS", "CIRCUIT_SUFFIXES",
           "LAB_SHEET", "GradeError", "Mismatch", "TransitionResult", "GradeReport",
           "load_circuit", "adder_vectors", "adder_transitions", "grade_circuit", "draw_report",
           "run_grade_command", "lab_sheet_blocks", "refresh_lab_sheet"]

#: Specifications a circuit can be graded against.
SPECS = ("adder",)

#: Largest jobs :func:`grade_circuit` takes: operand width in bits (operands are uint64
#: words), gates, random vectors and random transitions.
LIMITS = {"bits": 64, "gates": 20_000, "vectors": 1_000_000, "transitions": 5_000}

#: Up to this many input bits (``2 * bits + 1``) correctness is checked exhaustively.
EXHAUSTIVE_INPUT_BITS = 16

#: Random vectors tried (after the corner cases) when exhaustive checking is too big.
RANDOM_VECTORS = 65_536

#: File suffix -> (module, function, tool) that reads it.
CIRCUIT_SUFFIXES = {
    ".circ": ("adders.logisim", "from_logisim", "Logisim-evolution"),
    ".dig": ("adders.digital", "from_digital", "Digital"),
    ".graphml": ("adders.export", "from_graphml", "carrylab GraphML"),
}

#: The lab sheet whose example reports :func:`refresh_lab_sheet` regenerates.
LAB_SHEET = Path(__file__).resolve().parent.parent / "docs" / "labs" / "draw_and_grade.md"


class GradeError(CarrylabValueError):
    """A circuit whose interface does not fit the spec: a bus missing, of the wrong width,
    an unexpected input, or ``bits`` other than the circuit's width."""


# ---------------------------------------------------------------------- loading
def load_circuit(path):
    """Read a circuit file, by its suffix: ``.circ`` (Logisim-evolution), ``.dig`` (Digital),
    ``.graphml`` (:func:`adders.export.to_graphml`). Returns an :class:`adders.Circuit`.

    Raises
    ------
    OSError
        No such file (FileNotFoundError), or one that cannot be opened.
    CarrylabValueError
        Another suffix; the readers raise their own errors for files they cannot use.
    """
    import importlib
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CIRCUIT_SUFFIXES:
        known = ", ".join(f"{s} ({tool})" for s, (_, _, tool) in CIRCUIT_SUFFIXES.items())
        raise CarrylabValueError(f"{path}: cannot grade a {suffix or 'suffix-less'!r} file; "
                                 f"circuit files are {known}")
    path.open("rb").close()       # a missing file: the OS's own error, naming the file
    module, function, _ = CIRCUIT_SUFFIXES[suffix]
    # Imported here: the readers are only needed for their own file type.
    return getattr(importlib.import_module(module), function)(path)


# ---------------------------------------------------------------------- the spec
def _adder_buses(bits: int) -> tuple[dict, dict]:
    """({input bus: width}, {output bus: width}) of a ``bits``-bit adder."""
    return {"a": bits, "b": bits, "cin": 1}, {"s": bits, "cout": 1}


def _buses_text(buses: dict) -> str:
    return ", ".join(f"{bus}[{w}]" for bus, w in buses.items()) or "none"


def _an(bits: int) -> str:
    """The article of "a 4-bit", "an 8-bit", "an 11-bit"."""
    return "an" if str(bits).startswith("8") or bits in (11, 18) else "a"


def _check_interface(circuit, bits) -> tuple[int, list[str]]:
    """Check the buses against the adder spec; return (bits, extra output buses).
    ``bits`` None takes the width of ``a``."""
    found_in = {bus: len(nets) for bus, nets in circuit.inputs.items()}
    found_out = {bus: len(nets) for bus, nets in circuit.outputs.items()}
    found = f"found inputs {_buses_text(found_in)} and outputs {_buses_text(found_out)}"
    if bits is None:
        if "a" not in found_in:
            raise GradeError(f"circuit {circuit.name!r}: no input bus 'a' to take the width from "
                             f"({found}); name the pins a, b, cin, s, cout, or give bits")
        bits = found_in["a"]
    _check_bits(bits)
    width = found_in.get("a")
    if width is not None and width != bits and not _problems(found_in, found_out, width):
        raise GradeError(f"circuit {circuit.name!r} is {_an(width)} {width}-bit adder ({found}), "
                         f"but bits = {bits} asks for {_an(bits)} {bits}-bit one")
    problems = _problems(found_in, found_out, bits)
    if problems:
        want_in, want_out = _adder_buses(bits)
        raise GradeError(f"circuit {circuit.name!r} is not {_an(bits)} {bits}-bit adder: "
                         f"{'; '.join(problems)} ({found}; the spec needs inputs "
                         f"{_buses_text(want_in)} and outputs {_buses_text(want_out)})")
    return bits, [bus for bus in found_out if bus not in _adder_buses(bits)[1]]


def _problems(found_in: dict, found_out: dict, bits: int) -> list[str]:
    """What keeps buses ``found_in`` / ``found_out`` from a ``bits``-bit adder's."""
    want_in, want_out = _adder_buses(bits)
    problems = []
    for kind, want, have in (("input", want_in, found_in), ("output", want_out, found_out)):
        for bus, width in want.items():
            if bus not in have:
                text = f"{kind} bus {bus!r} is missing"
                other = found_out if kind == "input" else found_in
                if bus in other:
                    text += f" (it is an {'output' if kind == 'input' else 'input'})"
                else:
                    near = [b for b in have if b.lower() == bus and b != bus]
                    if near:
                        text += f" (there is {near[0]!r}: bus names are lower case)"
                problems.append(text)
            elif have[bus] != width:
                problems.append(f"{kind} bus {bus!r} is {have[bus]} bit{'s' * (have[bus] != 1)} "
                                f"wide, not {width}")
    extra_in = [bus for bus in found_in if bus not in want_in]
    if extra_in:
        problems.append(f"unexpected input bus{'es' * (len(extra_in) > 1)} "
                        f"{', '.join(map(repr, extra_in))}")
    return problems


def _check_bits(bits) -> int:
    if isinstance(bits, (int, np.integer)) and not isinstance(bits, bool) and bits > LIMITS["bits"]:
        raise CarrylabValueError(f"bits = {bits} is too wide to grade: at most {LIMITS['bits']} bits "
                                 f"(operands travel as 64-bit words)")
    return check_int(bits, "bits", 1, LIMITS["bits"])


# ---------------------------------------------------------------------- vectors
def adder_vectors(bits: int, vectors: int = RANDOM_VECTORS, seed: int = 0):
    """The input vectors a ``bits``-bit adder is checked on, in order.

    Exhaustive when ``2 * bits + 1 <= EXHAUSTIVE_INPUT_BITS``: vector k has
    ``cin = k >> (2 * bits)``, ``a = (k >> bits) & mask``, ``b = k & mask``. Otherwise the
    corner cases of :func:`adders.export.edge_vectors`, carry chains of every length from
    every bit, single bits, then ``vectors`` uniform random vectors (NumPy, ``seed``).

    Returns
    -------
    (a, b, cin, exhaustive, corners) : three (vectors,) uint64 arrays, a bool, and how many
        of the vectors are corner cases (0 when exhaustive).
    """
    bits = _check_bits(bits)
    seed = check_int(seed, "seed", 0)
    if 2 * bits + 1 <= EXHAUSTIVE_INPUT_BITS:
        k = np.arange(1 << (2 * bits + 1), dtype=np.uint64)
        mask = np.uint64((1 << bits) - 1)
        return (k >> np.uint64(bits)) & mask, k & mask, k >> np.uint64(2 * bits), True, 0
    vectors = check_int(vectors, "vectors", 0, LIMITS["vectors"])
    corners = _corner_vectors(bits)
    rng = np.random.default_rng(seed)
    # (vectors,) uint64 each; the high end 2**bits is exclusive and fits uint64 at 64 bits.
    ra = rng.integers(0, 1 << bits, size=vectors, dtype=np.uint64)
    rb = rng.integers(0, 1 << bits, size=vectors, dtype=np.uint64)
    rc = rng.integers(0, 2, size=vectors, dtype=np.uint64)
    ca, cb, cc = (np.array([v[i] for v in corners], dtype=np.uint64) for i in range(3))
    return (np.concatenate([ca, ra]), np.concatenate([cb, rb]), np.concatenate([cc, rc]),
            False, len(corners))


def _corner_vectors(bits: int) -> list[tuple[int, int, int]]:
    """(a, b, cin) corner cases, deduplicated in order of first appearance."""
    from adders.export import edge_vectors
    full = (1 << bits) - 1
    # From the spec's buses, not the student's circuit: every submission gets the same.
    out = [(v["a"], v["b"], v["cin"]) for v in edge_vectors(_spec_shell(bits))]
    for j in range(bits):
        above = full & ~((1 << j) - 1)              # ones from bit j up
        out += [(above, 1 << j, 0), (1 << j, above, 0),  # carry made at bit j, rippling to cout
                ((1 << (j + 1)) - 1, 0, 1),          # cin rippling through j + 1 bits
                (1 << j, 0, 0), (0, 1 << j, 0), (1 << j, 1 << j, 0)]
    return list(dict.fromkeys(out))


def _spec_shell(bits: int):
    """A gate-less circuit with the adder's input buses, for :func:`edge_vectors`."""
    from adders import Circuit
    shell = Circuit("adder_spec")
    for bus, width in _adder_buses(bits)[0].items():
        shell.add_input(bus, width)
    return shell


def adder_transitions(bits: int, transitions: int = 200, seed: int = 0) -> list[tuple[dict, dict]]:
    """The input transitions a ``bits``-bit adder is timed on: corner cases, then
    ``transitions`` random ones (``random.Random(seed)``). Each is ``(before, after)``,
    dicts of a, b, cin.

    Corners: a carry made at bit 0 rippling to cout (0 -> a = all ones, b = 1) and falling
    back; cin rippling through all-propagate bits; a0 switching while cin ripples (the
    ripple adder's critical path); both operands full with cin; alternating bits.
    """
    bits = _check_bits(bits)
    transitions = check_int(transitions, "transitions", 0, LIMITS["transitions"])
    seed = check_int(seed, "seed", 0)
    full = (1 << bits) - 1
    alt = int("01" * bits, 2) & full
    zero = (0, 0, 0)
    corners = [
        (zero, (full, 1, 0)), ((full, 1, 0), zero),
        (zero, (full, 0, 1)), ((full, 0, 0), (full, 0, 1)), ((full, 0, 1), (full, 0, 0)),
        ((full ^ 1, 0, 1), (full, 0, 1)), ((0, full ^ 1, 1), (0, full, 1)),
        (zero, (full, full, 1)), ((full, full, 1), zero),
        ((alt, alt ^ full, 0), (alt, alt ^ full, 1)), ((alt, 0, 0), (alt ^ full, 0, 0)),
    ]
    rng = random.Random(seed)

    def rand():
        return rng.getrandbits(bits), rng.getrandbits(bits), rng.getrandbits(1)

    pairs = list(dict.fromkeys(corners)) + [(rand(), rand()) for _ in range(transitions)]
    names = ("a", "b", "cin")
    return [(dict(zip(names, x)), dict(zip(names, y))) for x, y in pairs]


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class Mismatch:
    """One input vector on which the circuit is wrong: ``got`` and ``want`` are
    ``{"s": int, "cout": int}``."""

    a: int
    b: int
    cin: int
    got: dict
    want: dict


@dataclass(frozen=True)
class TransitionResult:
    """One timed transition: settle time (gate delays) and glitch pulses, on the graded
    outputs (``output_glitches``, ``{net: pulses}``) and on every other net
    (``internal_glitches``, a count)."""

    before: dict
    after: dict
    settle_time: int
    output_glitches: dict
    internal_glitches: int

    @property
    def output_pulses(self) -> int:
        """Glitch pulses on the graded outputs, all nets together."""
        return sum(self.output_glitches.values())


@dataclass(frozen=True)
class GradeReport:
    """What :func:`grade_circuit` found. :meth:`text` prints it; :attr:`passed` is the verdict.

    Attributes
    ----------
    circuit : Circuit
    spec : str
    bits : int
    extra_outputs : list of str
        Output buses the spec does not grade.
    vectors, corners : int
        Input vectors checked, and how many of them were corner cases.
    exhaustive : bool
    failures : int
        Vectors with a wrong output.
    first_failure : Mismatch or None
    wrong_outputs : list of str
        Output bits wrong on some vector, ``"s[1]"``, ``"cout"``.
    gates : int
    by_kind : dict
        ``{kind: count}``.
    depth : int
        Gate levels to the deepest graded output.
    max_fanout : int
    max_fanout_net : str or None
    critical : CriticalPath
        Unit-delay critical path.
    transitions : list of TransitionResult
        Corner transitions first, then random ones.
    random_transitions : int
    seed : int
    """

    circuit: object
    spec: str
    bits: int
    extra_outputs: list
    vectors: int
    corners: int
    exhaustive: bool
    failures: int
    first_failure: Mismatch | None
    wrong_outputs: list
    gates: int
    by_kind: dict
    depth: int
    max_fanout: int
    max_fanout_net: str | None
    critical: object
    transitions: list
    random_transitions: int
    seed: int

    @property
    def passed(self) -> bool:
        """True when every vector checked gave ``a + b + cin``."""
        return self.failures == 0

    @property
    def worst_settle(self) -> TransitionResult | None:
        """The first transition with the latest settle time (None without transitions)."""
        return max(self.transitions, key=lambda t: t.settle_time, default=None)

    @property
    def worst_glitches(self) -> TransitionResult | None:
        """The first transition with the most output glitch pulses."""
        return max(self.transitions, key=lambda t: t.output_pulses, default=None)

    @property
    def output_glitches(self) -> int:
        """Output glitch pulses over all transitions."""
        return sum(t.output_pulses for t in self.transitions)

    @property
    def internal_glitches(self) -> int:
        """Glitch pulses on nets other than the graded outputs, over all transitions."""
        return sum(t.internal_glitches for t in self.transitions)

    def __repr__(self) -> str:
        return (f"GradeReport({self.circuit.name!r}, {self.spec}, {self.bits} bits, "
                f"{'PASS' if self.passed else 'FAIL'}, {self.gates} gates, depth {self.depth}, "
                f"{len(self.transitions)} transitions)")

    def text(self, schematic=None) -> str:
        """The report as printed by ``carrylab grade``: deterministic for a seed.
        ``schematic``: the PNG written by :func:`draw_report`, named in a last section."""
        return "\n".join(_report_lines(self, schematic))


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
    bits, extra_outputs = _check_interface(circuit, bits)
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


# ---------------------------------------------------------------------- the text
_WIDTH = 88


def _num(value: int, width: int) -> str:
    """``5 (0101)`` up to 16 bits, ``5 (0x0005)`` beyond."""
    if width == 1:
        return str(value)
    if width <= 16:
        return f"{value} ({value:0{width}b})"
    return f"{value} (0x{value:0{(width + 3) // 4}x})"


def _vector(v: dict, bits: int) -> str:
    return f"a={_num(v['a'], bits)}, b={_num(v['b'], bits)}, cin={v['cin']}"


def _wrap(items: list[str], indent: str, sep: str = " ") -> list[str]:
    lines, line = [], indent
    for item in items:
        if line.strip() and len(line) + len(sep) + len(item) > _WIDTH:
            lines.append(line)
            line = indent + "  " + item
        else:
            line = line + sep + item if line.strip() else line + item
    return lines + [line]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _output_name(circuit, net: str) -> str:
    """The graded output a net drives, ``s[2]`` or ``cout`` (the net's name otherwise)."""
    for bus in ("s", "cout"):
        nets = circuit.outputs[bus]
        if net in nets:
            return bus if len(nets) == 1 else f"{bus}[{nets.index(net)}]"
    return net


def _glitch_text(circuit, glitches: dict) -> str:
    """``s[0] 1, s[2] 2, cout 1`` bit by bit for buses up to 8 bits, else per bus."""
    parts = []
    for bus in ("s", "cout"):
        nets = circuit.outputs[bus]
        hit = [(i, glitches[net]) for i, net in enumerate(dict.fromkeys(nets)) if net in glitches]
        if not hit:
            continue
        if len(nets) == 1:
            parts.append(f"{bus} {hit[0][1]}")
        elif len(nets) <= 8:
            parts += [f"{bus}[{i}] {k}" for i, k in hit]
        else:
            parts.append(f"{bus}: {sum(k for _, k in hit)} on {_plural(len(hit), 'bit')}")
    return ", ".join(parts)


def _report_lines(r: GradeReport, schematic) -> list[str]:
    c, bits = r.circuit, r.bits
    ins = _buses_text({bus: len(nets) for bus, nets in c.inputs.items()})
    outs = _buses_text({bus: len(c.outputs[bus]) for bus in ("s", "cout")})
    lines = [f"carrylab grade: circuit {c.name!r} as {_an(bits)} {bits}-bit {r.spec}",
             f"  inputs {ins}; outputs {outs}"]
    if r.extra_outputs:
        lines.append(f"  not graded: output bus{'es' * (len(r.extra_outputs) > 1)} "
                     + ", ".join(r.extra_outputs))
    lines.append("")
    # 1. correctness
    how = ("exhaustive: every a, b and cin" if r.exhaustive else
           f"{r.corners:,} carry-chain corner cases, then {r.vectors - r.corners:,} random, "
           f"seed {r.seed}")
    if r.passed:
        lines += ["1. Correctness: PASS",
                  f"   s + 2^{bits} * cout = a + b + cin on all {_plural(r.vectors, 'input vector')}",
                  f"   ({how})"]
    else:
        f = r.first_failure
        total = f.a + f.b + f.cin
        lines += ["1. Correctness: FAIL",
                  f"   wrong on {r.failures:,} of {_plural(r.vectors, 'input vector')} ({how})",
                  f"   first failing vector: {_vector({'a': f.a, 'b': f.b, 'cin': f.cin}, bits)}",
                  f"     circuit gave:  s={_num(f.got['s'], bits)}, cout={f.got['cout']}",
                  f"     a + b + cin = {total}: s={_num(f.want['s'], bits)}, cout={f.want['cout']}",
                  f"   outputs wrong on some vector: {', '.join(r.wrong_outputs)}"]
    # 2. structure
    kinds = ", ".join(f"{kind} {n}" for kind, n in r.by_kind.items())
    fan = f" (net {r.max_fanout_net})" if r.max_fanout_net is not None else ""
    lines += [f"2. Structure: {_plural(r.gates, 'gate')}" + (f" ({kinds})" if kinds else ""),
              f"   depth {_plural(r.depth, 'gate level')}; largest fan-out {r.max_fanout}{fan}"]
    # 3. critical path
    cp = r.critical
    nodes = c.graph.nodes
    lines.append(f"3. Critical path: {_plural(cp.delay, 'gate delay')} (1 per gate), from input "
                 f"{cp.path[0]} to output {_output_name(c, cp.path[-1])}:")
    steps = [cp.path[0]] + [f"-> {net} {nodes[net]['kind']}" for net in cp.path[1:]]
    if _output_name(c, cp.path[-1]) != cp.path[-1]:
        steps[-1] += f" (= {_output_name(c, cp.path[-1])})"
    lines += _wrap(steps, "   ")
    # 4. timing
    n_t = len(r.transitions)
    lines += [f"4. Timing: {_plural(n_t, 'input transition')} ({n_t - r.random_transitions:,} corner "
              f"cases, {r.random_transitions:,} random, seed {r.seed}),",
              "   transport delay, 1 per gate:"]
    if n_t:
        w = r.worst_settle
        note = ("= the critical path" if w.settle_time == cp.delay else
                f"the critical path allows up to {cp.delay}")
        lines += [f"   worst settle time: {_plural(w.settle_time, 'gate delay')} ({note}), on",
                  f"     from {_vector(w.before, bits)}",
                  f"       to {_vector(w.after, bits)}"]
        g = r.worst_glitches
        lines.append(f"   output glitches (extra pulses before an output settles): "
                     f"{r.output_glitches:,} in all")
        if g.output_pulses:
            lines += [f"   most in one transition: {g.output_pulses} "
                      f"({_glitch_text(c, g.output_glitches)}), on",
                      f"     from {_vector(g.before, bits)}",
                      f"       to {_vector(g.after, bits)}"]
        lines += [f"   glitches on internal nets: {r.internal_glitches:,}",
                  "   (Logisim-evolution and Digital give gates no delay: their simulators "
                  "hide these.)"]
    if schematic is not None:
        lines.append(f"5. Schematic: {schematic} (critical path in red)")
    lines += ["", f"Result: {'PASS' if r.passed else 'FAIL'}"]
    return lines


# ---------------------------------------------------------------------- picture, command
def draw_report(report: GradeReport, path) -> Path:
    """Write the schematic of the graded circuit with its critical path in red to ``path``
    (PNG, 120 dpi); return the path. Up to :data:`viz.circuit.MAX_GATES` gates and
    :data:`viz.circuit.MAX_BITS` bits gate by gate, beyond that one block per bit."""
    import matplotlib
    matplotlib.use("Agg")                 # files only: never open a window
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


# ---------------------------------------------------------------------- the lab sheet
def _with_gate_kind(circuit, net: str, kind: str, name: str):
    """A copy of ``circuit`` with the gate driving ``net`` made a ``kind`` gate."""
    from adders import Circuit
    copy = Circuit(name)
    for bus, nets in circuit.inputs.items():
        copy.add_input(bus, len(nets), default=circuit.input_defaults.get(bus))
    for gate in circuit.gates():
        data = circuit.graph.nodes[gate]
        copy.add_gate(kind if gate == net else data["kind"], data["inputs"], gate)
    for bus, nets in circuit.outputs.items():
        copy.set_output(bus, nets)
    return copy


def lab_sheet_blocks() -> dict[str, str]:
    """``{marker: text}`` of the generated blocks of :data:`LAB_SHEET`: ``report`` (a
    correct ripple-carry 4-bit adder) and ``broken`` (the same with gate t1 an OR)."""
    from adders import build
    ripple = build("ripple", 4)
    broken = _with_gate_kind(ripple, "t1", "OR", "ripple_4_t1_or")
    return {"report": grade_circuit(ripple, bits=4).text(),
            "broken": grade_circuit(broken, bits=4).text()}


_BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n)(.*?)(<!-- end generated -->)", re.S)


def refresh_lab_sheet(path=LAB_SHEET) -> list[str]:
    """Rewrite the generated blocks (``<!-- generated: NAME -->`` ... ``<!-- end generated
    -->``, the markers of docs/teaching.md) of the lab sheet with fresh reports; return the
    names of the blocks that changed.

    Raises
    ------
    CarrylabValueError
        A block is missing from the sheet, or the sheet names an unknown block.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    blocks = lab_sheet_blocks()
    found = [m.group(2) for m in _BLOCK.finditer(text)]
    unknown = [b for b in found if b not in blocks]
    missing = [b for b in blocks if b not in found]
    if unknown or missing:
        raise CarrylabValueError(f"{path}: generated blocks {found}, expected {list(blocks)} "
                                 f"(each as '<!-- generated: NAME -->' ... '<!-- end generated -->')")
    changed = []

    def fill(m):
        body = f"```text\n{blocks[m.group(2)]}\n```\n"
        if body != m.group(3):
            changed.append(m.group(2))
        return m.group(1) + body + m.group(4)

    new = _BLOCK.sub(fill, text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return changed
