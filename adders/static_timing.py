"""Static timing: arrival times, slack and the critical path, with no input vectors.

The arrival time of a net is ``max(arrival of its inputs) + delay``; the slowest output
and the path that made it are the *critical path*. Under unit delay it equals the logic
depth. It is an upper bound on every settle time event-driven simulation
(:mod:`adders.events`) can show, and pessimistic when the longest path is a *false
path*, one that no input change makes a signal travel. (The carry-skip adder's long
ripple path is not one: see :func:`adders.build.carry_skip`.)
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

from .delays import Delays, as_delays, gate_delays

__all__ = ["CriticalPath", "critical_path"]


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
    delays = as_delays(delays)
    delay, report = gate_delays(circuit, delays)
    form = circuit.compiled()
    names, index, n_in, ins, fanout = form.names, form.index, form.n_inputs, form.gate_inputs, form.fanout
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
