"""Plain references: what every simulator must compute, written to be read, not to be fast.

The fast simulators (:mod:`adders.logic`, the kernels of :mod:`adders.bitslice`, the
event simulation of :mod:`adders.events`) are checked against these, which share no code
with them beyond the netlist itself:

* :data:`TRUTH_TABLES`: each gate kind as the table a textbook prints, for 1 and 2 inputs,
  and :func:`gate` for any fan-in (AND of many = all ones, OR = any one, ...);
* :func:`evaluate_nets`: one vector, Python ints, net by net in topological order
  (networkx's order, not the circuit's levelised one);
* :func:`simulate_arrays`: many vectors, one NumPy bool array per net, gate by gate;
* :func:`ripple_add`: binary addition bit by bit, ``c[i+1] = g[i] | p[i] & c[i]``, the
  schoolbook algorithm every adder must agree with (and with Python's ``+``).
"""
from __future__ import annotations

import networkx as nx
import numpy as np

from .errors import CarrylabValueError

__all__ = ["TRUTH_TABLES", "gate", "evaluate_nets", "evaluate", "simulate_arrays", "ripple_add"]

#: ``{kind: {input bits: output bit}}`` for the one- or two-input form of every kind.
TRUTH_TABLES = {
    "AND":  {(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 1},
    "OR":   {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 1},
    "XOR":  {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 0},
    "NAND": {(0, 0): 1, (0, 1): 1, (1, 0): 1, (1, 1): 0},
    "NOR":  {(0, 0): 1, (0, 1): 0, (1, 0): 0, (1, 1): 0},
    "XNOR": {(0, 0): 1, (0, 1): 0, (1, 0): 0, (1, 1): 1},
    "NOT":  {(0,): 1, (1,): 0},
    "BUF":  {(0,): 0, (1,): 1},
}


def gate(kind: str, bits) -> int:
    """Output bit of a gate of ``kind`` reading ``bits`` (0/1 ints, any fan-in the kind takes).

    Many-input AND/OR/NAND/NOR fold the two-input table left to right, and so does a
    NAND/NOR through its base AND/OR: ``NAND(x, y, z) = NOT(AND(AND(x, y), z))``.
    """
    bits = tuple(bits)
    if kind not in TRUTH_TABLES:
        raise CarrylabValueError(f"kind must be one of {list(TRUTH_TABLES)}, got {kind!r}")
    if len(bits) <= 2:
        return TRUTH_TABLES[kind][bits]
    base = {"NAND": "AND", "NOR": "OR"}.get(kind, kind)
    out = bits[0]
    for bit in bits[1:]:
        out = TRUTH_TABLES[base][(out, bit)]
    return TRUTH_TABLES["NOT"][(out,)] if base != kind else out


def evaluate_nets(circuit, **operands: int) -> dict[str, int]:
    """Value (0/1) of every net for one vector ``{input bus: int}``; every bus given.

    Bit i of an operand drives ``circuit.inputs[bus][i]``. Gates are visited in
    networkx's topological order, so every input is known before its gate is evaluated.
    """
    values = {}
    for bus, nets in circuit.inputs.items():
        for i, net in enumerate(nets):
            values[net] = (operands[bus] >> i) & 1
    for net in nx.topological_sort(circuit.graph):
        node = circuit.graph.nodes[net]
        if node["kind"] != "INPUT":
            values[net] = gate(node["kind"], [values[i] for i in node["inputs"]])
    return values


def evaluate(circuit, **operands: int) -> dict[str, int]:
    """``{output bus: int}`` for one vector ``{input bus: int}`` (every bus given)."""
    values = evaluate_nets(circuit, **operands)
    return {bus: sum(values[net] << i for i, net in enumerate(nets))
            for bus, nets in circuit.outputs.items()}


def simulate_arrays(circuit, inputs: dict) -> dict[str, np.ndarray]:
    """Every net as a (vectors,) bool array, gate by gate in the circuit's levelised order.

    ``inputs`` maps each input bus to a (vectors, width) 0/1 array, LSB first.
    """
    values = {}
    for bus, nets in circuit.inputs.items():
        for i, net in enumerate(nets):
            values[net] = inputs[bus][:, i].astype(bool)
    funcs = {"AND": np.logical_and.reduce, "OR": np.logical_or.reduce,
             "XOR": np.logical_xor.reduce}
    for net in circuit.gates():
        kind, ins = circuit.graph.nodes[net]["kind"], circuit.graph.nodes[net]["inputs"]
        stack = np.array([values[i] for i in ins])                 # (fan-in, vectors)
        base = kind.replace("N", "", 1) if kind in ("NAND", "NOR", "XNOR") else kind
        if base in ("NOT", "BUF"):
            out = stack[0]
        else:
            out = funcs[base](stack, axis=0)
        values[net] = ~out if kind in ("NOT", "NAND", "NOR", "XNOR") else out
    return values


def ripple_add(a: int, b: int, cin: int, n: int) -> tuple[int, int]:
    """``(s, cout)`` of n-bit ``a + b + cin``, bit by bit: ``g = a & b``, ``p = a ^ b``,
    ``s[i] = p[i] ^ c[i]``, ``c[i+1] = g[i] | p[i] & c[i]``, ``c[0] = cin``. O(n)."""
    c, s = cin, 0
    for i in range(n):
        ai, bi = (a >> i) & 1, (b >> i) & 1
        g, p = ai & bi, ai ^ bi
        s |= (p ^ c) << i
        c = g | (p & c)
    return s, c
