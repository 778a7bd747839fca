"""Event-driven simulation of one input transition, its :class:`Trace`, and a :class:`Stepper`.

Logic simulation (:mod:`adders.logic`) answers *what* an adder computes. Timing answers
*when*: every gate takes a delay ``d`` (:class:`adders.delays.Delays`) to react, so after
the inputs switch at ``t = 0`` a change travels through the netlist as a wave of *events*
``(time, net, old, new)``. Nets on reconvergent paths may change several times before
they settle: a *glitch* (a hazard pulse).

Two delay semantics, as in VHDL and Verilog:

* **transport**: a gate re-evaluated at time t schedules its new output for t + d, and
  every scheduled change happens; pulses of any width pass.
* **inertial**: a scheduled change is cancelled when the gate re-evaluates to the old
  value before the change matures, so a pulse shorter than the gate's delay is
  swallowed. These are the semantics of Verilog's gate primitives.

Zero delays are allowed: such gates settle in delta rounds within one instant, and a net
that flips and flips back within one instant is not reported (a zero-width pulse).

Cost: :func:`simulate_transition` does one heap operation per scheduled change and one
gate evaluation per (gate, time step) with a changed input: O(events x fanout x log).
"""
from __future__ import annotations

import heapq
import numbers
from bisect import bisect_right
from typing import Mapping, NamedTuple

from . import gates
from .delays import Delays, as_delays, gate_delays
from .errors import CarrylabTypeError, CarrylabValueError, InternalError, carrylab_kind
from .operands import check_operand, resolve_operands

__all__ = ["MODES", "Event", "Trace", "simulate_transition", "Stepper"]

#: Delay semantics of :func:`simulate_transition`.
MODES = ("transport", "inertial")

_AND, _OR, _XOR, _NOT, _NAND, _NOR, _XNOR, _BUF = (gates.OPCODES[k] for k in gates.KINDS)


def _eval(op, pins, vals):
    """Output (0/1) of a gate with opcode ``op`` reading net indices ``pins``."""
    if op == _XOR:
        return vals[pins[0]] ^ vals[pins[1]]
    if op == _AND:
        for i in pins:
            if not vals[i]:
                return 0
        return 1
    if op == _OR:
        for i in pins:
            if vals[i]:
                return 1
        return 0
    if op == _NOT:
        return 1 - vals[pins[0]]
    if op == _BUF:
        return vals[pins[0]]
    if op == _NAND:
        return 1 - _eval(_AND, pins, vals)
    if op == _NOR:
        return 1 - _eval(_OR, pins, vals)
    return 1 - (vals[pins[0]] ^ vals[pins[1]])        # XNOR


def _settled(circuit, operands: dict, argname: str) -> tuple[list[int], dict]:
    """Every net's settled value (net numbers of :meth:`Circuit.compiled`) for one input
    vector, and the vector as ``{input bus: int}`` with defaults filled in."""
    try:
        values = resolve_operands(circuit, operands)
    except ValueError as exc:
        raise CarrylabValueError(f"{argname}: {exc}") from None
    form = circuit.compiled()
    index, n_in, ops, ins = form.index, form.n_inputs, form.opcodes, form.gate_inputs
    vals = [0] * len(form.names)
    for bus, value in values.items():
        try:
            value = values[bus] = check_operand(bus, value, circuit.width(bus))
        except (TypeError, ValueError) as exc:
            raise carrylab_kind(exc)(f"{argname}: {exc}") from None
        for i, net in enumerate(circuit.inputs[bus]):
            vals[index[net]] = (value >> i) & 1
    for gi in range(len(ops)):
        vals[n_in + gi] = _eval(ops[gi], ins[gi], vals)
    return vals, values


class Event(NamedTuple):
    """Net ``net`` changed from ``old`` to ``new`` at ``time``."""

    time: numbers.Real
    net: str
    old: int
    new: int


class Trace:
    """What happened after the inputs switched: returned by :func:`simulate_transition`.

    Attributes
    ----------
    circuit : Circuit
    delays : Delays
    mode : str
        ``"transport"`` or ``"inertial"``.
    unit : str
        Unit of every time (``delays.unit``).
    before, after : dict
        ``{input bus: int}``, defaults filled in.
    events : list of Event
        Every change, in time order (ties in the order the simulator made them).
    initial : dict
        ``{net: 0/1}``: the circuit settled at ``before`` (valid for t < 0).
    final_nets : dict
        ``{net: 0/1}`` after the last event.
    final : dict
        ``{output bus: int}`` after the last event; equals ``circuit.evaluate(**after)``.
    """

    def __init__(self, circuit, delays, mode, before, after, initial, final_nets, events):
        self.circuit = circuit
        self.delays = delays
        self.mode = mode
        self.unit = delays.unit
        self.before = before
        self.after = after
        self.initial = initial
        self.final_nets = final_nets
        self.events = events
        self.final = {bus: sum(final_nets[net] << i for i, net in enumerate(nets))
                      for bus, nets in circuit.outputs.items()}

    def __repr__(self) -> str:
        return (f"Trace({self.circuit.name!r}, {self.mode}, {len(self.events)} events, "
                f"settles at {self.settle_time} {self.unit})")

    @property
    def times(self) -> list:
        """Distinct event times, ascending."""
        return sorted(set(e.time for e in self.events))

    @property
    def end_time(self):
        """Time of the last event anywhere (0 if nothing changed)."""
        return self.events[-1].time if self.events else 0

    @property
    def transitions(self) -> dict[str, int]:
        """``{net: number of changes}`` for every net that changed."""
        count: dict[str, int] = {}
        for e in self.events:
            count[e.net] = count.get(e.net, 0) + 1
        return count

    @property
    def glitches(self) -> dict[str, int]:
        """``{net: hazard pulses}`` for nets that changed more often than needed.

        A net that must change (initial != final) needs one transition, one that must
        not needs none; each pulse on top costs two more. So a net seen to go 0 -> 1 -> 0
        has 1 pulse, and 0 -> 1 -> 0 -> 1 also 1.
        """
        out = {}
        for net, k in self.transitions.items():
            extra = (k - (self.initial[net] != self.final_nets[net])) // 2
            if extra:
                out[net] = extra
        return out

    @property
    def waveforms(self) -> dict[str, list]:
        """``{net: [(None, initial value), (t1, v1), (t2, v2), ...]}`` for every net.

        Each pair gives the value from that time on; the first pair, at time None, is the
        settled value before the switch at t = 0.
        """
        wave = {net: [(None, v)] for net, v in self.initial.items()}
        for e in self.events:
            wave[e.net].append((e.time, e.new))
        return wave

    def settle(self, bus: str | None = None):
        """Settle time of each bit of output ``bus`` (list, LSB first), or of every
        output bus (dict) when ``bus`` is None. A bit that never changes settles at 0."""
        last = {}
        for e in self.events:
            last[e.net] = e.time
        if bus is None:
            return {b: self.settle(b) for b in self.circuit.outputs}
        if bus not in self.circuit.outputs:
            raise CarrylabValueError(f"bus must be an output bus of {self.circuit.name!r}: "
                             f"{list(self.circuit.outputs)}, got {bus!r}")
        return [last.get(net, 0) for net in self.circuit.outputs[bus]]

    @property
    def settle_bus(self) -> dict:
        """``{output bus: time its last bit settles}``."""
        return {bus: max(bits) for bus, bits in self.settle().items()}

    @property
    def settle_time(self):
        """Time the whole result (every output bit) is final."""
        return max(self.settle_bus.values())

    def summary(self) -> str:
        """A few lines for a terminal: settle times per output bus and the glitches."""
        lines = [f"{self.circuit.name}: {len(self.events)} events ({self.mode}), "
                 f"result settles at {self.settle_time} {self.unit}"]
        for bus, t in self.settle_bus.items():
            lines.append(f"  {bus:>6} = {self.final[bus]} settles at {t} {self.unit}")
        glitches = self.glitches
        if glitches:
            lines.append("  glitches: " + ", ".join(f"{n} x{k}" for n, k in glitches.items()))
        return "\n".join(lines)


def simulate_transition(circuit, before: Mapping[str, int], after: Mapping[str, int],
                        delays: Delays | None = None, mode: str = "transport") -> Trace:
    """Event-driven simulation of one input transition.

    The circuit settles at ``before``; at t = 0 the inputs switch to ``after``; gates
    react after their delays until nothing changes.

    Parameters
    ----------
    circuit : Circuit
    before, after : mapping of str to int
        ``{input bus: value}``; buses with a default (an adder's ``cin``) may be left out.
    delays : Delays, optional
        Unit delay when None.
    mode : {"transport", "inertial"}
        Transport passes every pulse; inertial swallows pulses shorter than the delay of
        the gate they reach.

    Returns
    -------
    Trace

    Raises
    ------
    TypeError, ValueError
        Bad ``before`` / ``after`` (missing or unknown buses, out-of-range values; the
        message starts with the argument's name), ``delays`` or ``mode``.
    NetlistError
        A malformed circuit.
    """
    if mode not in MODES:
        raise CarrylabValueError(f"mode must be one of {MODES}, got {mode!r}")
    for argname, operands in (("before", before), ("after", after)):
        if not isinstance(operands, Mapping):
            raise CarrylabTypeError(f"{argname} must be a dict of input bus -> int, got {operands!r}")
    delays = as_delays(delays)
    delay, report = gate_delays(circuit, delays)  # delay[gi], in gate (levelised) order
    form = circuit.compiled()
    names, n_in, ops, ins, fanout = form.names, form.n_inputs, form.opcodes, form.gate_inputs, form.fanout
    start, before = _settled(circuit, before, "before")
    goal, after = _settled(circuit, after, "after")

    vals = start[:]
    raw = []                                      # (time, net index, old, new)
    inertial = mode == "inertial"
    # Transport: projected[k] is the value net k will have once its queue drains, so a
    # re-evaluation that would not change it schedules nothing. Inertial: pending[k] is
    # the sequence number of the one change waiting on gate k (or -1).
    projected = vals[:]
    pending = [-1] * len(names)
    heap: list = []
    seq = 0
    # Inputs switch at t = 0, delta 0; (time, delta, seq) orders the queue, the delta
    # counter separating zero-delay rounds within one time.
    for k in range(n_in):
        if goal[k] != vals[k]:
            heap.append((0, 0, seq, k, goal[k]))
            pending[k] = seq
            seq += 1
    heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        t, delta = heap[0][0], heap[0][1]
        touched = set()
        while heap and heap[0][0] == t and heap[0][1] == delta:
            _, _, s, k, v = pop(heap)
            if inertial:
                if pending[k] != s:
                    continue                      # cancelled: the pulse was too short
                pending[k] = -1
            old = vals[k]
            if old != v:
                vals[k] = v
                raw.append((t, k, old, v))
                touched.update(fanout[k])
        # Every gate whose inputs changed in this round evaluates once, after all of
        # this round's changes are in, so simultaneous input changes do not race.
        for gi in sorted(touched):
            k = n_in + gi
            v = _eval(ops[gi], ins[gi], vals)
            d = delay[gi]
            when, dd = t + d, (delta + 1 if d == 0 else 0)
            if inertial:
                if pending[k] >= 0:
                    if v == 1 - vals[k]:
                        continue                  # confirms the change already waiting
                    pending[k] = -1               # input reverted before output moved
                elif v != vals[k]:
                    pending[k] = seq
                    push(heap, (when, dd, seq, k, v))
                    seq += 1
            elif v != projected[k]:
                projected[k] = v
                push(heap, (when, dd, seq, k, v))
                seq += 1
    if vals != goal:
        wrong = [names[k] for k in range(len(names)) if vals[k] != goal[k]]
        raise InternalError(f"event simulation of {circuit.name!r} settled to values that differ "
                            f"from logic simulation on nets {wrong[:8]}")
    if 0 in delay:
        raw = _collapse_instants(raw)
    events = [Event(report(t), names[k], old, new) for t, k, old, new in raw]
    return Trace(circuit, delays, mode, before, after,
                 dict(zip(names, start)), dict(zip(names, vals)), events)


def _collapse_instants(raw: list) -> list:
    """Merge the changes of one net at one instant into one change (dropped if it ends
    where it began). Zero-delay gates settle in delta rounds within a single time, and a
    net may flip and flip back between rounds; a pulse of zero width does not exist, and
    transport delay defined as out(t) = f(in(t - d)) has none."""
    out, i = [], 0
    while i < len(raw):
        t = raw[i][0]
        first: dict = {}
        while i < len(raw) and raw[i][0] == t:
            _, k, old, new = raw[i]
            first[k] = (first[k][0], new) if k in first else (old, new)
            i += 1
        out.extend((t, k, old, new) for k, (old, new) in first.items() if old != new)
    return out


# ---------------------------------------------------------------------- step-through
class Stepper:
    """Walk through a :class:`Trace` one event time at a time.

    Before the first :meth:`step` the state is the settled ``before`` state and
    :attr:`time` is None; each step applies every event of the next event time.

    Examples
    --------
    >>> from adders import build
    >>> st = Stepper(simulate_transition(build("ripple", 2), {"a": 0, "b": 0}, {"a": 3, "b": 1}))
    >>> st.step(), st.time
    (['a0', 'a1', 'b0'], 0)
    >>> st.step(), st.time
    (['g0', 'p1'], 1)
    >>> st.back(), st.time
    (['g0', 'p1'], 0)
    """

    def __init__(self, trace: Trace):
        if not isinstance(trace, Trace):
            raise CarrylabTypeError(f"trace must be a Trace (from simulate_transition), got {type(trace).__name__}")
        self.trace = trace
        self.times = trace.times
        # Events grouped by time, in simulation order, so step/back are O(events at t).
        self._groups: list[list[Event]] = [[] for _ in self.times]
        slot = {t: i for i, t in enumerate(self.times)}
        for e in trace.events:
            self._groups[slot[e.time]].append(e)
        self.reset()

    def reset(self) -> None:
        """Back to the settled ``before`` state (time None)."""
        self._k = 0
        self.state = dict(self.trace.initial)

    @property
    def time(self):
        """Time of the last applied step; None before the first."""
        return self.times[self._k - 1] if self._k else None

    @property
    def done(self) -> bool:
        """True once every event has been applied."""
        return self._k == len(self.times)

    def step(self) -> list[str]:
        """Apply the events of the next event time; return the nets that changed then
        (each once, in order of first change). Returns [] when already done."""
        if self.done:
            return []
        group = self._groups[self._k]
        for e in group:
            self.state[e.net] = e.new
        self._k += 1
        return list(dict.fromkeys(e.net for e in group))

    def back(self) -> list[str]:
        """Undo the last step; return the nets it had changed. Returns [] at the start."""
        if self._k == 0:
            return []
        self._k -= 1
        group = self._groups[self._k]
        for e in reversed(group):
            self.state[e.net] = e.old
        return list(dict.fromkeys(e.net for e in group))

    def at(self, t) -> dict[str, int]:
        """Full state ``{net: 0/1}`` at time ``t``: every event at a time <= t applied
        (t < 0: the settled ``before`` state). Does not move the stepper."""
        if isinstance(t, bool) or not isinstance(t, numbers.Real):
            raise CarrylabTypeError(f"t must be a number, got {t!r}")
        state = dict(self.trace.initial)
        for group in self._groups[:bisect_right(self.times, t)]:
            for e in group:
                state[e.net] = e.new
        return state
