"""Gate delays: a default, a per-kind table and per-gate overrides, in one unit.

The delay model of :mod:`adders.events` (event-driven simulation), :mod:`adders.static_timing`
(critical paths) and the exported Verilog. Unit delay by default; a per-kind table
(``{"XOR": 2}``; kinds left out take ``default``); per-gate overrides keyed by the gate's
name (= the net it drives). Delays are in ``unit``: ``"gd"`` (gate delays, abstract) or
``"ps"`` (picoseconds).

Times are exact: when every delay is an int, times are ints; otherwise they are summed
as fractions (a float delay is read as the decimal it prints as, ``0.1`` -> 1/10) and
reported as floats if any delay was a float, as Fractions otherwise (:func:`exact`).
"""
from __future__ import annotations

import math
import numbers
import weakref
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Mapping

from . import gates
from .errors import CarrylabTypeError, CarrylabValueError

__all__ = ["UNITS", "MAX_DELAY", "UNIT_DELAY", "Delays", "as_delays", "gate_delays", "exact"]

#: Delay units: abstract gate delays, or picoseconds.
UNITS = ("gd", "ps")

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


def as_delays(delays) -> Delays:
    """``delays`` itself if a :class:`Delays`, unit delay if None; else TypeError."""
    if delays is None:
        return UNIT_DELAY
    if not isinstance(delays, Delays):
        raise CarrylabTypeError(f"delays must be a Delays instance or None (unit delay), got {delays!r} "
                        f"of type {type(delays).__name__}; e.g. Delays(per_kind={{'XOR': 2}})")
    return delays


#: Unit delay: every gate takes 1 gd.
UNIT_DELAY = Delays()


def gate_delays(circuit, delays: Delays):
    """``(values, report)``: the delays of the gates in levelised order
    (:meth:`Circuit.compiled` gate order), as exact numbers, and the function that turns
    exact times back into the caller's number type (see :func:`exact`).

    Remembered for the last Delays used per compiled form of the circuit (a Delays
    cannot change, and any edit of the circuit makes a new compiled form).
    """
    form = circuit.compiled()
    cached = _LAST.get(form)
    if cached is not None and cached[0] is delays:
        return cached[1], cached[2]
    values, report = exact(delays.for_circuit(circuit).values())
    _LAST[form] = (delays, values, report)
    return values, report


#: Compiled netlist -> (the last Delays used, its exact values, report function).
_LAST: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def exact(values):
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
    """Report exact int times as they are."""
    return x
