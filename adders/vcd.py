"""Value Change Dump: a :class:`~adders.events.Trace` as a waveform file.

:func:`to_vcd` writes the format of IEEE 1364 section 18, which GTKWave and other
waveform viewers open: one scalar wire per net, a vector per multi-bit bus, the settled
``before`` state first and then every event. Time units: a gate delay (``unit="gd"``)
is written as 1 ns; picoseconds as ps; the timescale is the coarsest that writes every
time as an integer.
"""
from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

from .errors import CarrylabTypeError, CarrylabValueError
from .events import Trace

__all__ = ["to_vcd", "vcd_text"]

# Timescale of VCD files: (power of ten of one unit, name).
_BASE_EXP = {"gd": -9, "ps": -12}
_EXP_NAME = {0: "s", -3: "ms", -6: "us", -9: "ns", -12: "ps", -15: "fs"}


def _vcd_id(k: int) -> str:
    """Short identifier code k in base 94 over the printable ASCII characters ! .. ~."""
    chars = []
    while True:
        k, r = divmod(k, 94)
        chars.append(chr(33 + r))
        if k == 0:
            return "".join(chars)
        k -= 1


def _vcd_ref(name: str) -> str:
    """``name`` made a legal VCD reference."""
    # Whitespace ends a VCD token and brackets read as a bit range: replace both.
    return re.sub(r"[\s\[\]]", "_", name)


def _timescale(times, unit):
    """The coarsest VCD timescale that writes every time as an integer, and the factor.

    Returns ``(text, factor)``; a time t is written as ``round(t * factor)``. Times that
    never become integers (1/3 gd) are rounded at femtoseconds.
    """
    base = _BASE_EXP[unit]
    exact = [Fraction(repr(t)) if isinstance(t, float) else Fraction(t) for t in times]
    for k in range(base + 15 + 1):
        if all((t * 10 ** k).denominator == 1 for t in exact):
            break
    exp = base - k
    unit_exp = 3 * (exp // 3)
    return f"{10 ** (exp - unit_exp)} {_EXP_NAME[unit_exp]}", 10 ** k


def vcd_text(trace, buses: bool = True, lead=None) -> str:
    """The VCD of ``trace`` as a string (see :func:`to_vcd`)."""
    if not isinstance(trace, Trace):
        raise CarrylabTypeError(f"trace must be a Trace (from simulate_transition), got {type(trace).__name__}")
    circuit = trace.circuit
    if lead is None:
        positive = [d for d in trace.delays.for_circuit(circuit).values() if d > 0]
        lead = min(positive) if positive else 1
    elif isinstance(lead, bool) or not isinstance(lead, (int, float, Fraction)) or lead < 0:
        raise CarrylabValueError(f"lead must be a number >= 0 (time shown before the switch), got {lead!r}")
    times = sorted(set([0] + [e.time for e in trace.events]))
    shifted = [Fraction(repr(t)) if isinstance(t, float) else Fraction(t) for t in times]
    lead_f = Fraction(repr(lead)) if isinstance(lead, float) else Fraction(lead)
    scale_text, factor = _timescale([t + lead_f for t in shifted] + [lead_f], trace.unit)

    def stamp(t):
        exact = (Fraction(repr(t)) if isinstance(t, float) else Fraction(t)) + lead_f
        return round(exact * factor)

    nets = list(trace.initial)
    code = {net: _vcd_id(k) for k, net in enumerate(nets)}
    bus_code, bus_nets = {}, {}
    aliases = []
    if buses:
        k = len(nets)
        for bus, members in list(circuit.inputs.items()) + list(circuit.outputs.items()):
            if len(members) == 1:
                if members[0] != bus:
                    aliases.append((bus, code[members[0]]))
                continue
            bus_code[bus], bus_nets[bus] = _vcd_id(k), members
            k += 1
    unit_note = "1 gate delay = 1 ns" if trace.unit == "gd" else "times in ps"
    out = ["$version carrylab adders.export.to_vcd $end",
           f"$comment {circuit.name}: {trace.mode} delays, {unit_note}; inputs switch at "
           f"#{stamp(0)} $end",
           f"$timescale {scale_text} $end",
           f"$scope module {_vcd_ref(circuit.name)} $end"]
    out += [f"$var wire 1 {code[n]} {_vcd_ref(n)} $end" for n in nets]
    out += [f"$var wire 1 {c} {_vcd_ref(b)} $end" for b, c in aliases]
    out += [f"$var wire {len(m)} {bus_code[b]} {_vcd_ref(b)} [{len(m) - 1}:0] $end"
            for b, m in bus_nets.items()]
    out += ["$upscope $end", "$enddefinitions $end", "#0", "$dumpvars"]
    state = dict(trace.initial)

    def vector(bus):
        return "b" + "".join(str(state[n]) for n in reversed(bus_nets[bus])) + " " + bus_code[bus]

    out += [f"{state[n]}{code[n]}" for n in nets]
    out += [vector(b) for b in bus_nets]
    out.append("$end")
    member_of: dict[str, list] = {}
    for bus, members in bus_nets.items():
        for n in members:
            member_of.setdefault(n, []).append(bus)
    events = trace.events
    i = 0
    while i < len(events):
        t = events[i].time
        stamp_t = stamp(t)
        if stamp_t != 0:
            out.append(f"#{stamp_t}")
        touched = {}
        while i < len(events) and events[i].time == t:
            e = events[i]
            state[e.net] = e.new
            out.append(f"{e.new}{code[e.net]}")
            touched.update(dict.fromkeys(member_of.get(e.net, ())))
            i += 1
        out += [vector(b) for b in touched]
    # A last stamp after the final event, so viewers show the settled values too.
    tail = stamp(trace.end_time) + round(lead_f * factor)
    if tail > stamp(trace.end_time):
        out.append(f"#{tail}")
    return "\n".join(out) + "\n"


def to_vcd(trace, path, buses: bool = True, lead=None) -> Path:
    """Write ``trace`` as a VCD file for a waveform viewer (GTKWave).

    One scalar wire per net (in the scope named after the circuit) and, with ``buses``,
    one vector per multi-bit bus (``a [7:0]``) and an alias per 1-bit bus. The settled
    ``before`` state is dumped at ``#0`` and shown for ``lead`` time units before the
    inputs switch, so VCD time = trace time + ``lead``.

    Parameters
    ----------
    trace : Trace
    path : str or Path
    buses : bool
        Also write bus vectors.
    lead : number, optional
        Time shown before the switch, in the trace's unit; default: the smallest
        positive gate delay (1 under unit delay).

    Returns
    -------
    Path
        The file written. The timescale is the coarsest power of ten that writes every
        time as an integer (1 ns per gate delay, 1 ps for ps, finer for fractions).
    """
    path = Path(path)
    text = vcd_text(trace, buses=buses, lead=lead)
    path.write_text(text)
    return path
