"""Test vectors: which input vectors exercise a circuit, and what it should answer.

Used by every exporter that writes a self-checking test (:mod:`adders.verilog`,
:mod:`adders.logisim`, :mod:`adders.digital`): the corner cases of :func:`edge_vectors`
(for an adder, the longest carry chains), random vectors from a seed, and the expected
outputs computed by :meth:`Circuit.simulate`.
"""
from __future__ import annotations

import random

import numpy as np

from .errors import CarrylabTypeError, CarrylabValueError, carrylab_kind
from .operands import check_operand, resolve_operands

__all__ = ["edge_vectors", "choose_vectors", "expected_outputs"]


def edge_vectors(circuit) -> list[dict]:
    """Corner-case input vectors: all zeros, all ones, alternating bit patterns, and for
    every ordered pair of buses (B, C) the vector B = max, C = 1, others 0 (for an adder:
    ``a = 2^n - 1, b = 1`` and ``a = 2^n - 1, cin = 1``, the longest carry chains)."""
    full = {bus: (1 << len(n)) - 1 for bus, n in circuit.inputs.items()}
    alt = {bus: int("01" * len(n), 2) & full[bus] for bus, n in circuit.inputs.items()}
    out = [{b: 0 for b in full}, dict(full), dict(alt), {b: alt[b] ^ full[b] for b in full}]
    for b in full:
        for c in full:
            if b != c:
                vec = {x: 0 for x in full}
                vec[b], vec[c] = full[b], 1
                out.append(vec)
    unique = {tuple(sorted(v.items())): v for v in out}
    return list(unique.values())


def choose_vectors(circuit, vectors, seed) -> list[dict]:
    """Input vectors for a test: ``vectors`` checked (a list of ``{input bus: int}``,
    defaults filled in), or for an int N the :func:`edge_vectors` plus N random vectors
    drawn with ``random.Random(seed)``. Raises TypeError/ValueError naming the vector."""
    if isinstance(vectors, bool):
        raise CarrylabTypeError(f"vectors must be an int (random count) or a list of dicts, got {vectors!r}")
    if isinstance(vectors, int):
        if vectors < 0:
            raise CarrylabValueError(f"vectors must be >= 0 random vectors, got {vectors}")
        rng = random.Random(seed)
        rand = [{bus: rng.getrandbits(len(n)) for bus, n in circuit.inputs.items()}
                for _ in range(vectors)]
        return edge_vectors(circuit) + rand
    out = []
    for k, vec in enumerate(vectors):
        if not isinstance(vec, dict):
            raise CarrylabTypeError(f"vectors[{k}] must be a dict of input bus -> int, got {vec!r}")
        try:
            full = resolve_operands(circuit, vec)
            out.append({b: check_operand(b, v, circuit.width(b)) for b, v in full.items()})
        except (TypeError, ValueError) as exc:
            raise carrylab_kind(exc)(f"vectors[{k}]: {exc}") from None
    if not out:
        raise CarrylabValueError("vectors is empty: give at least one vector (or an int count)")
    return out


def _to_bits(values: list[int], width: int) -> np.ndarray:
    """Python ints -> (vectors, width) uint8 bit matrix, LSB first."""
    rows = np.zeros((len(values), width), dtype=np.uint8)
    for r, v in enumerate(values):
        for i in range(width):
            rows[r, i] = (v >> i) & 1
    return rows


def _from_bits(bits: np.ndarray) -> list[int]:
    """(vectors, width) bit matrix, LSB first -> Python ints."""
    weights = [1 << i for i in range(bits.shape[1])]
    return [sum(w for w, bit in zip(weights, row) if bit) for row in bits.tolist()]


def expected_outputs(circuit, vectors: list[dict]) -> list[dict]:
    """``{output bus: int}`` for every vector of ``vectors`` (full ``{input bus: int}``
    dicts, as :func:`choose_vectors` returns), by the bit-parallel logic simulator."""
    operands = {bus: _to_bits([v[bus] for v in vectors], len(nets))
                for bus, nets in circuit.inputs.items()}
    result = circuit.simulate(as_bits=True, **operands)
    columns = {bus: _from_bits(result[bus]) for bus in circuit.outputs}
    return [{bus: columns[bus][k] for bus in circuit.outputs} for k in range(len(vectors))]
