"""Timing: gate delays, event-driven simulation, step-through and critical paths.

Logic simulation (:mod:`adders.logic`) answers *what* an adder computes. Timing answers
*when*: every gate takes a delay ``d`` to react, so after the inputs switch at ``t = 0`` a
change travels through the netlist as a wave of *events* ``(time, net, old, new)``.
Nets on reconvergent paths may change several times before they settle: a *glitch* (a
hazard pulse). The ripple-carry adder is the classic case: each sum bit first reacts to
its own ``p[i]``, then flips back when the rippling carry ``c[i]`` arrives.

Delay model (:class:`Delays`): unit delay by default; a per-kind table
(``{"XOR": 2}``; kinds left out take ``default``); per-gate overrides keyed by the gate's
name (= the net it drives). Delays are in ``unit``: ``"gd"`` (gate delays, abstract) or
``"ps"`` (picoseconds).

Two delay semantics, as in VHDL and Verilog:

* **transport**: a gate re-evaluated at time t schedules its new output for t + d, and
  every scheduled change happens; pulses of any width pass.
* **inertial**: a scheduled change is cancelled when the gate re-evaluates to the old
  value before the change matures, so a pulse shorter than the gate's delay is
  swallowed (real gates have inertia: a pulse too short cannot charge the output).
  These are the semantics of Verilog's gate primitives: the events equal those of a
  Verilog simulator running :func:`adders.export.to_verilog` with the same delays.

Zero delays are allowed: such gates settle in delta rounds within one instant, and a net
that flips and flips back within one instant is not reported (a zero-width pulse).

Times are exact: when every delay is an int, times are ints; otherwise they are summed
as fractions (a float delay is read as the decimal it prints as, ``0.1`` -> 1/10) and
reported as floats if any delay was a float, as Fractions otherwise. So two paths of
equal length always arrive at the same time, and no glitch is an artefact of rounding.

Static timing (:func:`critical_path`) needs no input vectors: the arrival time of a net is
``max(arrival of its inputs) + delay``; the slowest output and the path that made it are
the *critical path*. Under unit delay it equals the logic depth. It is an upper bound on
every settle time event-driven simulation can show, and pessimistic when the longest path
is a *false path*, one that no input change makes a signal travel. (The carry-skip
adder's long ripple path is not one: see :func:`adders.build.carry_skip`.)

Cost: :func:`simulate_transition` does one heap operation per scheduled change and one
gate evaluation per (gate, time step) with a changed input: O(events x fanout x log).

Examples
--------
>>> from adders import build
>>> trace = simulate_transition(build("ripple", 4), before={"a": 0, "b": 0},
...                             after={"a": 15, "b": 1})
>>> trace.final, trace.settle_time
({'s': 0, 'cout': 1}, 8)
>>> critical_path(build("ripple", 4)).delay
9
"""
from __future__ import annotations

# The model lives in three modules, one idea each; this module gathers their public
# names, as it always has, for callers that want the whole of timing in one import.
from .delays import MAX_DELAY, UNITS, Delays
from .events import MODES, Event, Stepper, Trace, simulate_transition
from .static_timing import CriticalPath, critical_path

__all__ = ["UNITS", "MODES", "MAX_DELAY", "Delays", "Event", "Trace", "simulate_transition", "Stepper",
           "CriticalPath", "critical_path"]
