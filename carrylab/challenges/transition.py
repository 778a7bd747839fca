"""Challenge 3: the input transition that makes an adder glitch the most, or settle last.

The task. An adder settles at one input (a, b, cin); at t = 0 its inputs switch to
another. Event-driven simulation with gate delays (:func:`adders.timing.simulate_transition`)
shows every change of every net. Find the transition that makes the given adder

* ``glitches`` challenges: *glitch the most*: the most hazard pulses summed over all nets
  (:attr:`adders.timing.Trace.glitches`: a net that changes more often than it must,
  each extra pair of changes one pulse);
* ``settle`` challenges: *settle last*: the latest time at which an output bit changes
  (:attr:`adders.timing.Trace.settle_time`). No transition can settle after the static
  critical path (:func:`adders.timing.critical_path`), so that bound is the target.

Submission format (one JSON object)::

    {"challenge": "glitch-ripple-16", "student": "ada",
     "before": {"a": 0, "b": 0, "cin": 0}, "after": {"a": "0xffff", "b": 1}}

* ``before``, ``after``: the adder's inputs before and after the switch: ``a`` and
  ``b`` from 0 to 2^n - 1, ``cin`` 0 or 1 (0 if left out). Numbers may be written as
  JSON integers or as strings in decimal, ``0x..`` hex or ``0b..`` binary.

Score: the pulse count (``glitches``) or the settle time in gd (``settle``), higher is
better; ties go to the other figure (the later settle time, or more pulses). It passes
at the challenge's target. The feedback names the nets that glitch (sum bits, carries,
other nets, most pulses first) and the static bound.

Registered (unit delay, transport: every pulse passes):

* ``glitch-ripple-16``: a 16-bit ripple-carry adder; target 150 pulses.
* ``glitch-kogge-stone-16``: a 16-bit Kogge-Stone adder; target 50 pulses.
* ``settle-carry-skip-16``: a 16-bit carry-skip adder; target: its critical path, 37 gd.

The classic transition, a carry rippling through every bit, is far from the most:

>>> from carrylab.challenges import check
>>> result = check({"challenge": "glitch-ripple-16", "student": "ada",
...                 "before": {"a": 0, "b": 0}, "after": {"a": "0xffff", "b": 1}})
>>> result.score, result.passed
(15, False)
>>> for line in result.feedback[1:3]:
...     print(line)
info  15 pulses on 15 nets: sum bits s1 x1, s2 x1, s3 x1, s4 x1, s5 x1, s6 x1, +9 more
FAIL  15 pulses, below the target of 150: look for a switch that sends many changes down paths of different lengths to the same gates
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from adders.checks import check_choice, check_int
from adders.errors import CarrylabValueError

from .registry import Challenge, Result, fail, info, ok, read_int

__all__ = ["TransitionChallenge"]

_OBJECTIVES = ("glitches", "settle")
_INPUTS = ("a", "b", "cin")


@dataclass(frozen=True)
class TransitionChallenge(Challenge):
    """Find the transition of the ``n``-bit ``arch`` adder with the most glitch pulses
    (``objective="glitches"``) or the latest settle time (``"settle"``), under unit delay
    with XOR gates taking ``xor_delay`` gd, in ``mode`` (transport or inertial).
    ``target``: the score that passes (None for ``settle``: the static critical path).
    ``record``: the best score the course staff found, shown in the feedback (or None).
    """

    arch: str = "ripple"
    n: int = 16
    objective: str = "glitches"
    xor_delay: int = 1
    mode: str = "transport"
    target: int | None = None
    record: int | None = None

    fields = {"before": 'the inputs before the switch: {"a": ..., "b": ..., "cin": 0 or 1}',
              "after": 'the inputs after the switch, likewise'}
    better = "higher"

    def __post_init__(self):
        from adders.build import ARCHITECTURES
        check_choice("arch", self.arch, tuple(ARCHITECTURES))
        check_int(self.n, "n", 1, 256)
        check_choice("objective", self.objective, _OBJECTIVES)
        check_int(self.xor_delay, "xor_delay", 1, 100)
        check_choice("mode", self.mode, ("transport", "inertial"))
        if self.target is None and self.objective == "glitches":
            raise CarrylabValueError("a glitches challenge needs a target")
        for name in ("target", "record"):
            if getattr(self, name) is not None:
                check_int(getattr(self, name), name, 1)

    @property
    def unit(self) -> str:
        """What the score counts: output pulses, or gate delays (gd) until settled."""
        return "pulses" if self.objective == "glitches" else "gd"

    @property
    def title(self) -> str:
        want = "most glitch pulses" if self.objective == "glitches" else "latest settle time"
        return f"{self.n}-bit {self.arch} adder, {self._model()}: the transition with the {want}"

    def _model(self) -> str:
        delay = "unit delay" if self.xor_delay == 1 else f"XOR = {self.xor_delay} gd, others 1 gd"
        return f"{delay}, {self.mode}"

    def goal(self) -> list[str]:
        want = ("glitch the most (hazard pulses over all nets)" if self.objective == "glitches"
                else "settle last (the time its last output bit changes)")
        return [f"Find an input switch (before a, b, cin -> after a, b, cin) that makes the "
                f"{self.n}-bit {self.arch} adder {want}.",
                f"Delays: {self._model()}.",
                f"Score: {self.unit}, higher is better; ties go to "
                f"{'the later settle time' if self.objective == 'glitches' else 'more pulses'}. "
                f"Passes at {self.passing()} {self.unit}."]

    def passing(self) -> int:
        """The score that passes: the target, or for ``settle`` the critical path."""
        return self.target if self.target is not None else self._bound()

    def _circuit(self):
        return _adder(self.arch, self.n)

    def _delays(self):
        from adders.timing import Delays
        return Delays(per_kind={"XOR": self.xor_delay}) if self.xor_delay != 1 else None

    def _bound(self):
        from adders.timing import critical_path
        return critical_path(self._circuit(), self._delays()).delay

    # ------------------------------------------------------------------ reading
    def parse(self, submission: dict, mistakes: list):
        sides = [self._inputs(submission, name, mistakes) for name in ("before", "after")]
        return None if None in sides else tuple(sides)

    def _inputs(self, submission: dict, name: str, mistakes: list):
        if name not in submission:
            mistakes.append(f'{name}: missing; an object {{"a": ..., "b": ..., "cin": 0 or 1}}')
            return None
        given = submission[name]
        if not isinstance(given, dict):
            mistakes.append(f'{name}: must be an object {{"a": ..., "b": ..., "cin": 0 or 1}}')
            return None
        found = []
        for key in given:
            if key not in _INPUTS:
                found.append(f"{name}.{key}: not an input of the adder; its inputs are a, b, cin")
        top = (1 << self.n) - 1
        a = read_int(given, "a", found, 0, top, where=f"{name}.a", literals=True)
        b = read_int(given, "b", found, 0, top, where=f"{name}.b", literals=True)
        cin = (read_int(given, "cin", found, 0, 1, where=f"{name}.cin", literals=True)
               if "cin" in given else 0)
        mistakes.extend(found)
        return None if found else (a, b, cin)

    # ------------------------------------------------------------------ judging
    def judge(self, design, student: str) -> Result:
        from adders.timing import simulate_transition
        (a0, b0, c0), (a1, b1, c1) = design
        circuit = self._circuit()
        trace = simulate_transition(circuit, {"a": a0, "b": b0, "cin": c0},
                                    {"a": a1, "b": b1, "cin": c1}, self._delays(), mode=self.mode)
        glitches = trace.glitches
        pulses, settle, bound = sum(glitches.values()), trace.settle_time, self._bound()
        feedback = [info(f"{a0} + {b0} + {c0} -> {a1} + {b1} + {c1}: {len(trace.events)} events; "
                         f"the result settles at {settle} gd (static bound, the critical path: "
                         f"{bound} gd)")]
        feedback.append(info(_where(glitches) if glitches else "no net glitches"))
        score, other = (pulses, settle) if self.objective == "glitches" else (settle, pulses)
        target = self.passing()
        passed = score >= target
        if self.objective == "glitches":
            feedback.append(ok(f"{pulses} pulses, at least the target of {target}") if passed else
                            fail(f"{pulses} pulses, below the target of {target}: look for a switch "
                                 f"that sends many changes down paths of different lengths to "
                                 f"the same gates"))
        elif settle >= bound:
            feedback.append(ok(f"settles at {settle} gd: the static bound, later than which no "
                               f"transition can settle"))
        else:
            feedback.append(fail(f"settles at {settle} gd, before the target of {target} gd: some "
                                 f"transition sends a change along the whole critical path"))
        if self.record is not None:
            feedback.append(info(f"the best the course staff found: {self.record} {self.unit}"))
        if not passed:
            note = f"below the target of {target} {self.unit}"
        else:
            note = (f"settles at {settle} gd" if self.objective == "glitches"
                    else f"{pulses} glitch pulses")
        return self.result(student, passed, score, feedback, key=(-score, -other), note=note)


@lru_cache(maxsize=8)
def _adder(arch: str, n: int):
    from adders import build
    return build(arch, n)


def _where(glitches: dict[str, int]) -> str:
    """The glitching nets in words, sum bits first, then carries, then the rest; most
    pulses first within each group."""
    groups = {"sum bits": [], "carries": [], "other nets": []}
    for net, count in glitches.items():
        kind = ("sum bits" if re.fullmatch(r"s\d+", net) else
                "carries" if re.fullmatch(r"c\d+", net) else "other nets")
        groups[kind].append((net, count))
    parts = []
    for kind, nets in groups.items():
        if not nets:
            continue
        nets.sort(key=lambda item: (-item[1], int(re.sub(r"\D", "", item[0]) or 0), item[0]))
        shown = ", ".join(f"{net} x{count}" for net, count in nets[:6])
        more = f", +{len(nets) - 6} more" if len(nets) > 6 else ""
        parts.append(f"{kind} {shown}{more}")
    total = sum(glitches.values())
    return f"{total} pulses on {len(glitches)} nets: " + "; ".join(parts)
