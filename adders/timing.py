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

import heapq
import math
import numbers
from bisect import bisect_right
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Mapping, NamedTuple

from . import gates
from .errors import CarrylabTypeError, CarrylabValueError, InternalError, carrylab_kind
from .netlist import resolve_operands

__all__ = ["UNITS", "MODES", "MAX_DELAY", "Delays", "Event", "Trace", "simulate_transition", "Stepper",
           "CriticalPath", "critical_path"]

#: Delay units: abstract gate delays, or picoseconds.
UNITS = ("gd", "ps")

#: Delay semantics of :func:`simulate_transition`.
MODES = ("transport", "inertial")

_AND, _OR, _XOR, _NOT, _NAND, _NOR, _XNOR, _BUF = (gates.OPCODES[k] for k in gates.KINDS)


# ---------------------------------------------------------------------- delay model
#: The largest delay of one gate, in the delay unit (gate delays or ps): path sums of
#: the widest adders stay far inside a float's exact range.
MAX_DELAY = 10**9


def _check_delay(value, where: str):
    """Return ``value`` if it is a usable delay (a real number >= 0), else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise CarrylabTypeError(f"{where} must be a number (int, float or Fraction) >= 0, "
                        f"got {value!r} of type {type(value).__name__}")
    if isinstance(value, numbers.Integral):
        value = int(value)
    elif not isinstance(value, numbers.Rational):
        value = float(value)
        if not math.isfinite(value):
            raise CarrylabValueError(f"{where} must be a finite number >= 0, got {value!r}")
    if value < 0:
        raise CarrylabValueError(f"{where} must be >= 0 (a gate cannot react before its input "
                                 f"changes), got {value!r}")
    if value > MAX_DELAY:
        raise CarrylabValueError(f"{where} must be at most {MAX_DELAY:,} (in the delay unit; sums "
                                 f"along a path must stay exact), got {value!r}")
    return value


@dataclass(frozen=True)
class Delays:
    """Gate delays: a default, a per-kind table and per-gate overrides, in one unit.

    The delay of gate ``x`` (the gate driving net ``x``) is ``per_gate[x]`` if given,
    else ``per_kind[kind of x]`` if given, else ``default``.

    Parameters
    ----------
    per_kind : mapping of str to number, optional
        Delay per gate kind (keys from :data:`adders.gates.KINDS`), e.g. ``{"XOR": 2}``.
    per_gate : mapping of str to number, optional
        Delay of individual gates, keyed by the net each drives, e.g. ``{"c4": 3}``.
        Checked against a circuit when used: unknown gates raise ValueError.
    unit : {"gd", "ps"}
        Gate delays (abstract) or picoseconds. Exported Verilog and VCD write 1 gd as 1 ns.
    default : number
        Delay of every gate not otherwise named (1).

    Raises
    ------
    TypeError
        A delay that is not a real number, or a table that is not a mapping.
    ValueError
        Negative, infinite or NaN delays, delays above :data:`MAX_DELAY` (10**9), unknown
        kinds, or an unknown unit.

    Examples
    --------
    >>> d = Delays(per_kind={"XOR": 2}, per_gate={"c4": 3})
    >>> d.delay_of("c4", "OR"), d.delay_of("p0", "XOR"), d.delay_of("g0", "AND")
    (3, 2, 1)
    """

    per_kind: Mapping[str, numbers.Real] = field(default_factory=dict)
    per_gate: Mapping[str, numbers.Real] = field(default_factory=dict)
    unit: str = "gd"
    default: numbers.Real = 1

    def __post_init__(self):
        for name in ("per_kind", "per_gate"):
            table = getattr(self, name)
            if not isinstance(table, Mapping):
                raise CarrylabTypeError(f"Delays {name} must be a mapping (dict) of name -> delay, "
                                f"got {table!r} of type {type(table).__name__}")
        unknown = [k for k in self.per_kind if k not in gates.KINDS]
        if unknown:
            raise CarrylabValueError(f"Delays per_kind: unknown gate kind {unknown[0]!r}; "
                             f"allowed kinds: {', '.join(gates.KINDS)}")
        bad_names = [k for k in self.per_gate if not isinstance(k, str) or not k]
        if bad_names:
            raise CarrylabTypeError(f"Delays per_gate keys must be gate (net) names as strings, "
                            f"got {bad_names[0]!r}")
        if self.unit not in UNITS:
            raise CarrylabValueError(f"Delays unit must be one of {UNITS}, got {self.unit!r}")
        # Read-only copies: edits of the caller's dicts cannot change a Delays, so a
        # Delays can be resolved against a circuit once and the result cached.
        object.__setattr__(self, "per_kind", MappingProxyType(
            {k: _check_delay(v, f"Delays per_kind[{k!r}]") for k, v in self.per_kind.items()}))
        object.__setattr__(self, "per_gate", MappingProxyType(
            {k: _check_delay(v, f"Delays per_gate[{k!r}]") for k, v in self.per_gate.items()}))
        object.__setattr__(self, "default", _check_delay(self.default, "Delays default"))

    def __repr__(self) -> str:
        return (f"Delays(per_kind={dict(self.per_kind)}, per_gate={dict(self.per_gate)}, "
                f"unit={self.unit!r}, default={self.default!r})")

    def delay_of(self, gate: str, kind: str):
        """Delay of the gate driving net ``gate``, of kind ``kind``, in :attr:`unit`."""
        if gate in self.per_gate:
            return self.per_gate[gate]
        return self.per_kind.get(kind, self.default)

    def for_circuit(self, circuit) -> dict:
        """``{gate: delay}`` for every gate of ``circuit``, in topological order.

        Raises
        ------
        ValueError
            ``per_gate`` names a net that is not a gate of the circuit.
        """
        nodes = circuit.graph.nodes
        for net in self.per_gate:
            kind = nodes[net].get("kind") if net in nodes else None
            if kind is None or kind == "INPUT":
                what = "an input net, not a gate" if kind == "INPUT" else "not a net of the circuit"
                order = circuit.gates()
                raise CarrylabValueError(f"Delays per_gate[{net!r}]: {net!r} is {what} in circuit "
                                 f"{circuit.name!r}; gates are named after the nets they drive, "
                                 f"e.g. {order[:4]}")
        return {g: self.delay_of(g, nodes[g]["kind"]) for g in circuit.gates()}


def _as_delays(delays) -> Delays:
    if delays is None:
        return _UNIT_DELAY
    if not isinstance(delays, Delays):
        raise CarrylabTypeError(f"delays must be a Delays instance or None (unit delay), got {delays!r} "
                        f"of type {type(delays).__name__}; e.g. Delays(per_kind={{'XOR': 2}})")
    return delays


_UNIT_DELAY = Delays()


def _gate_delays(circuit, delays: Delays):
    """Delays of the gates in topological order, exact, and the function that turns
    exact times back into the caller's number type. Cached on the circuit for the last
    Delays used (a Delays cannot change, and any edit of the circuit clears the cache)."""
    cached = circuit._cache.get("timing_delays")
    if cached is not None and cached[0] is delays:
        return cached[1], cached[2]
    values, report = _exact(delays.for_circuit(circuit).values())
    circuit._cache["timing_delays"] = (delays, values, report)
    return values, report


def _exact(values):
    """Map delays to exact numbers and return (values, convert back for reporting).

    All ints: unchanged, identity. Otherwise Fractions (floats via their decimal repr),
    reported back as floats if any delay was a float and as Fractions otherwise.
    """
    if all(isinstance(v, int) for v in values):
        return list(values), _identity
    any_float = any(isinstance(v, float) for v in values)
    exact = [Fraction(repr(v)) if isinstance(v, float) else Fraction(v) for v in values]
    return exact, (float if any_float else _identity)


def _identity(x):
    return x


# ---------------------------------------------------------------------- compiled form
def _compiled(circuit):
    """Index form of the netlist: nets (inputs, then gates in topological order), each
    gate's opcode and input indices, and each net's fanout gates (deduplicated, in
    topological order). Cached on the circuit; any edit of the circuit clears it."""
    cache = circuit._cache
    if "timing" not in cache:
        order = circuit.gates()
        input_nets = [net for nets in circuit.inputs.values() for net in nets]
        names = input_nets + order
        index = {net: k for k, net in enumerate(names)}
        nodes = circuit.graph.nodes
        n_in = len(input_nets)
        ops = [gates.OPCODES[nodes[g]["kind"]] for g in order]
        ins = [tuple(index[i] for i in nodes[g]["inputs"]) for g in order]
        fanout = [[] for _ in names]
        for gi, pins in enumerate(ins):
            for i in dict.fromkeys(pins):
                fanout[i].append(gi)
        cache["timing"] = (names, index, n_in, ops, ins, fanout)
    return cache["timing"]


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
    """Every net's settled value (index order of :func:`_compiled`) for one input
    vector, and the vector as ``{input bus: int}`` with defaults filled in."""
    from .netlist import _check_operand
    try:
        values = resolve_operands(circuit, operands)
    except ValueError as exc:
        raise CarrylabValueError(f"{argname}: {exc}") from None
    names, index, n_in, ops, ins, _ = _compiled(circuit)
    vals = [0] * len(names)
    for bus, value in values.items():
        try:
            value = values[bus] = _check_operand(bus, value, circuit.width(bus))
        except (TypeError, ValueError) as exc:
            raise carrylab_kind(exc)(f"{argname}: {exc}") from None
        for i, net in enumerate(circuit.inputs[bus]):
            vals[index[net]] = (value >> i) & 1
    for gi in range(len(ops)):
        vals[n_in + gi] = _eval(ops[gi], ins[gi], vals)
    return vals, values


# ---------------------------------------------------------------------- traces
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
    delays = _as_delays(delays)
    delay, report = _gate_delays(circuit, delays)  # delay[gi], in gate (topological) order
    names, index, n_in, ops, ins, fanout = _compiled(circuit)
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


# ---------------------------------------------------------------------- static timing
@dataclass(frozen=True)
class CriticalPath:
    """Static timing of a circuit under a delay model (from :func:`critical_path`).

    Attributes
    ----------
    delay : number
        Worst arrival time over all output nets, in ``unit``.
    path : list of str
        Nets from a primary input to the slowest output, each driving the next's gate.
    output : tuple of (str, int)
        The slowest output as (bus, bit).
    arrival : dict
        ``{net: latest arrival time}``; 0 for inputs.
    slack : dict
        ``{net: delay - (arrival + longest delay from the net to any output)}``; 0 on
        the critical path. Nets that reach no output have slack None.
    unit : str
    """

    delay: numbers.Real
    path: list
    output: tuple
    arrival: dict
    slack: dict
    unit: str

    @property
    def gates(self) -> list[str]:
        """Gates along the path (named after the nets they drive): ``path[1:]``."""
        return self.path[1:]

    def output_arrival(self, circuit) -> dict[str, list]:
        """``{output bus: [arrival of each bit, LSB first]}`` for ``circuit``."""
        return {bus: [self.arrival[n] for n in nets] for bus, nets in circuit.outputs.items()}

    def describe(self, circuit) -> str:
        """The path as one line per net: net, gate kind, arrival time."""
        kinds = circuit.graph.nodes
        return "\n".join(f"  {net:>12}  {kinds[net]['kind']:<6} {self.arrival[net]} {self.unit}"
                         for net in self.path)


def critical_path(circuit, delays: Delays | None = None) -> CriticalPath:
    """Static (vector-independent) timing: arrival times and the critical path.

    ``arrival[input] = 0``, ``arrival[gate] = max(arrival of its inputs) + delay``; the
    critical path ends at the output net with the latest arrival and steps back through
    the latest input of each gate. Ties go to the first output (in ``circuit.outputs``
    order, LSB first) and to the first input pin. One pass in topological order:
    O(gates + pins).

    Under unit delay the delay equals ``circuit.stats()["depth"]``.

    Raises
    ------
    TypeError
        ``delays`` is not a Delays.
    ValueError
        ``delays.per_gate`` names a net that is not a gate.
    """
    delays = _as_delays(delays)
    delay, report = _gate_delays(circuit, delays)
    names, index, n_in, ops, ins, fanout = _compiled(circuit)
    arrival = [0] * len(names)
    worst_pin = [-1] * len(names)
    for gi, pins in enumerate(ins):
        best = pins[0]
        for i in pins[1:]:
            if arrival[i] > arrival[best]:
                best = i
        arrival[n_in + gi] = arrival[best] + delay[gi]
        worst_pin[n_in + gi] = best
    out_k, out_at = None, None
    for bus, nets in circuit.outputs.items():
        for bit, net in enumerate(nets):
            if out_k is None or arrival[index[net]] > arrival[out_k]:
                out_k, out_at = index[net], (bus, bit)
    path = [out_k]
    while worst_pin[path[-1]] >= 0:
        path.append(worst_pin[path[-1]])
    worst = arrival[out_k]
    # Longest delay from each net to any output, in reverse topological order.
    outputs = {index[n] for nets in circuit.outputs.values() for n in nets}
    tail: list = [None] * len(names)
    for k in range(len(names) - 1, -1, -1):
        best = 0 if k in outputs else None
        for gi in fanout[k]:
            if tail[n_in + gi] is not None:
                cand = tail[n_in + gi] + delay[gi]
                best = cand if best is None or cand > best else best
        tail[k] = best
    return CriticalPath(
        delay=report(worst),
        path=[names[k] for k in reversed(path)],
        output=out_at,
        arrival={names[k]: report(a) for k, a in enumerate(arrival)},
        slack={names[k]: (None if tail[k] is None else report(worst - arrival[k] - tail[k]))
               for k in range(len(names))},
        unit=delays.unit,
    )
