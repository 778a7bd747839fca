"""The compiled form of a netlist: nets numbered, gates in levelised order, as arrays.

Simulators do not walk the networkx graph: they read a :class:`Compiled`, built by
:meth:`adders.netlist.Circuit.compiled` once per version of the circuit (any edit
makes a new one). Nets are numbered inputs first (bus order, LSB first), then gate
outputs in levelised order, so gate ``g`` drives net ``n_inputs + g`` and reads only
nets with smaller numbers.

Two views of the same gate list: NumPy arrays in CSR form (``op``, ``ptr``, ``pins``)
for the compiled kernels of :mod:`adders.bitslice`, and tuples of Python ints
(``opcodes``, ``gate_inputs``, ``fanout``) for the Python loops of :mod:`adders.events`
and :mod:`adders.static_timing`, where NumPy scalars would be slow.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import numpy as np

from . import gates

__all__ = ["Compiled", "compile_circuit"]


@dataclass(frozen=True, eq=False)
class Compiled:
    """A validated circuit as numbered nets; read-only (arrays are not writeable).

    Attributes
    ----------
    names : tuple of str
        Net names by number: input nets (bus order), then gates in levelised order.
    index : mapping of str to int
        Net name -> number.
    n_inputs : int
        Number of input nets.
    kinds : tuple of str
        Kind of each gate (:data:`adders.gates.KINDS`), gate order.
    op : (gates,) int8
        Opcode of each gate (:data:`adders.gates.OPCODES`).
    ptr : (gates + 1,) int64
        Gate ``g`` reads nets ``pins[ptr[g]:ptr[g + 1]]``, in pin order.
    pins : (total pins,) int64
    levels : (nets,) int64
        Logic level of each net (0 for inputs; see :meth:`Circuit.levels`).
    opcodes : tuple of int
        ``op`` as Python ints.
    gate_inputs : tuple of tuple of int
        Input nets of each gate, in pin order.
    fanout : tuple of tuple of int
        Gates reading each net (each once, ascending), by net number.
    inputs, outputs : mapping of str to tuple of int
        Net numbers of each input and output bus, LSB first.
    """

    names: tuple
    index: Mapping[str, int]
    n_inputs: int
    kinds: tuple
    op: np.ndarray
    ptr: np.ndarray
    pins: np.ndarray
    levels: np.ndarray
    opcodes: tuple
    gate_inputs: tuple
    fanout: tuple
    inputs: Mapping[str, tuple]
    outputs: Mapping[str, tuple]

    @property
    def n_gates(self) -> int:
        """Number of gates."""
        return len(self.kinds)


def compile_circuit(circuit) -> Compiled:
    """Build the :class:`Compiled` form of ``circuit`` (validating it).

    Use :meth:`Circuit.compiled`, which remembers the result until the circuit changes.
    Cost: O(nets + pins).
    """
    order = circuit.gates()                   # validates; levelised order
    level = circuit.levels()
    input_nets = [net for nets in circuit.inputs.values() for net in nets]
    names = tuple(input_nets + order)
    index = {net: k for k, net in enumerate(names)}
    nodes = circuit.node_data
    kinds = tuple(nodes[g]["kind"] for g in order)
    opcodes = tuple(gates.OPCODES[k] for k in kinds)
    gate_inputs = tuple(tuple(index[i] for i in nodes[g]["inputs"]) for g in order)
    ptr = np.zeros(len(order) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(ins) for ins in gate_inputs], dtype=np.int64)
    pins = np.array([i for ins in gate_inputs for i in ins], dtype=np.int64)
    fanout = [[] for _ in names]
    for g, ins in enumerate(gate_inputs):
        for i in dict.fromkeys(ins):
            fanout[i].append(g)
    op = np.array(opcodes, dtype=np.int8)
    levels = np.array([level[net] for net in names], dtype=np.int64)
    for array in (op, ptr, pins, levels):
        array.flags.writeable = False
    return Compiled(
        names=names, index=MappingProxyType(index), n_inputs=len(input_nets), kinds=kinds,
        op=op, ptr=ptr, pins=pins, levels=levels, opcodes=opcodes, gate_inputs=gate_inputs,
        fanout=tuple(tuple(f) for f in fanout),
        inputs=MappingProxyType({bus: tuple(index[n] for n in nets) for bus, nets in circuit.inputs.items()}),
        outputs=MappingProxyType({bus: tuple(index[n] for n in nets) for bus, nets in circuit.outputs.items()}),
    )
