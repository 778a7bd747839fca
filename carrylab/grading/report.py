"""What grading found (:class:`GradeReport` and its parts) and the text ``carrylab grade``
prints of it."""
from __future__ import annotations

from dataclasses import dataclass

from .spec import a_or_an, buses_text

__all__ = ["Mismatch", "TransitionResult", "GradeReport"]


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
    ins = buses_text({bus: len(nets) for bus, nets in c.inputs.items()})
    outs = buses_text({bus: len(c.outputs[bus]) for bus in ("s", "cout")})
    lines = [f"carrylab grade: circuit {c.name!r} as {a_or_an(bits)} {bits}-bit {r.spec}",
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
