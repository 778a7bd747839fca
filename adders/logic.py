"""Logic simulation: one vector in Python, or millions, 64 to a machine word, in Numba.

Bit-parallel ("bit-sliced") simulation stores one *net* per row and one *test vector per
bit*: word ``w`` of row ``r`` holds the value of net ``r`` for vectors ``64w .. 64w+63``.
A gate is then one bitwise instruction for 64 vectors at once, and the levelised netlist
(gates in topological order) runs as a straight list of word operations. Operands arrive
as one integer per vector (bit i = bus bit i), so they are turned sideways first: each
block of 64 vectors x 64 bits is a 64x64 bit-matrix transpose (six swap stages, as in
Warren's *Hacker's Delight*, section 7-3).

Cost: gates x ceil(vectors / 64) word operations, plus the transposes; no per-vector
Python work. Threads split the words; each thread owns its slice (no shared writes).

Array forms accepted by :func:`simulate`, per input bus:

* a Python int: the same value for every vector;
* a 1-D ``uint64`` array of shape (vectors,), one operand per vector (bus width <= 64);
* a 2-D ``uint8`` array of 0/1 of shape (vectors, width), LSB first (any width).
"""
from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from . import gates

__all__ = ["evaluate", "net_values", "simulate", "pack", "run_packed", "resolve_operands"]

_AND, _OR, _XOR, _NOT, _NAND, _NOR, _XNOR, _BUF = (gates.OPCODES[k] for k in gates.KINDS)
_BLOCK = 64            # words per thread-local block: 64 words x 8 B x ~1000 nets fits in L2


# ---------------------------------------------------------------------- operands
def resolve_operands(circuit, operands: dict) -> dict:
    """Check bus names and fill defaults; return ``{input bus: value}`` in bus order.

    Raises ValueError for an unknown bus (listing the known ones) or a missing one.
    """
    unknown = [bus for bus in operands if bus not in circuit.inputs]
    if unknown:
        raise ValueError(f"unknown input bus {unknown[0]!r} for circuit {circuit.name!r}; "
                         f"its inputs are {list(circuit.inputs)}")
    values = {}
    for bus in circuit.inputs:
        if bus in operands:
            values[bus] = operands[bus]
        elif bus in circuit.input_defaults:
            values[bus] = circuit.input_defaults[bus]
        else:
            missing = [b for b in circuit.inputs if b not in operands and b not in circuit.input_defaults]
            raise ValueError(f"missing input bus(es) {missing} for circuit {circuit.name!r}; "
                             f"give every one of {list(circuit.inputs)}")
    return values


def evaluate(circuit, **operands) -> dict[str, int]:
    """Evaluate one vector of Python ints of any width; returns ``{output bus: int}``.

    Plain Python, gate by gate in topological order: the obvious reference the fast
    simulator is tested against.

    >>> from adders import build
    >>> build("ripple", 8).evaluate(a=200, b=100, cin=1)
    {'s': 45, 'cout': 1}
    """
    values = net_values(circuit, **operands)
    return {bus: sum(values[net] << i for i, net in enumerate(nets))
            for bus, nets in circuit.outputs.items()}


def net_values(circuit, **operands) -> dict[str, int]:
    """Value (0 or 1) of every net for one vector of Python ints; see :func:`evaluate`."""
    from .netlist import _check_operand
    values = {}
    for bus, value in resolve_operands(circuit, operands).items():
        nets = circuit.inputs[bus]
        value = _check_operand(bus, value, len(nets))
        for i, net in enumerate(nets):
            values[net] = (value >> i) & 1
    nodes = circuit.graph.nodes
    for net in circuit.gates():
        node = nodes[net]
        values[net] = gates.truth(node["kind"], [values[i] for i in node["inputs"]])
    return values


# ---------------------------------------------------------------------- compiled form
def _compiled(circuit):
    """Arrays the kernel runs on: input nets first, then gates in topological order."""
    cache = circuit._cache
    if "compiled" not in cache:
        order = circuit.gates()
        input_nets = [net for nets in circuit.inputs.values() for net in nets]
        index = {net: k for k, net in enumerate(input_nets + order)}
        nodes = circuit.graph.nodes
        op = np.array([gates.OPCODES[nodes[g]["kind"]] for g in order], dtype=np.int8)
        ptr = np.zeros(len(order) + 1, dtype=np.int64)
        flat = []
        for k, g in enumerate(order):
            flat.extend(index[i] for i in nodes[g]["inputs"])
            ptr[k + 1] = len(flat)
        cache["compiled"] = (op, ptr, np.array(flat, dtype=np.int64), len(input_nets), index)
    return cache["compiled"]


@njit(cache=True, inline="always")
def _swap_stage(x, j, m):
    """One stage of the transpose: swap the j x j off-diagonal sub-blocks."""
    sj = np.uint64(j)
    for k0 in range(0, 64, 2 * j):
        for k in range(k0, k0 + j):
            t = ((x[k] >> sj) ^ x[k + j]) & m
            x[k + j] ^= t
            x[k] ^= t << sj


@njit(cache=True, inline="always")
def _transpose64(x):
    """Transpose a 64x64 bit matrix in place: bit c of x[r] <-> bit r of x[c].

    Six stages swap ever smaller sub-blocks (32, 16, ..., 1); written out with constant
    spans so the compiler can unroll them.
    """
    _swap_stage(x, 32, np.uint64(0x00000000FFFFFFFF))
    _swap_stage(x, 16, np.uint64(0x0000FFFF0000FFFF))
    _swap_stage(x, 8, np.uint64(0x00FF00FF00FF00FF))
    _swap_stage(x, 4, np.uint64(0x0F0F0F0F0F0F0F0F))
    _swap_stage(x, 2, np.uint64(0x3333333333333333))
    _swap_stage(x, 1, np.uint64(0x5555555555555555))


@njit(cache=True)
def _thread_range(t, n_threads, n_items):
    """Items [start, stop) of thread t when n_items are split into n_threads runs."""
    per = (n_items + n_threads - 1) // n_threads
    return t * per, min(n_items, (t + 1) * per)


@njit(cache=True, parallel=True)
def _pack_words(x, out, n_threads):
    """(vectors,) uint64 operands -> out: (width, n_words) bit-sliced rows.

    Narrow buses (<= 8 bits, such as cin) gather their bits directly; wider ones go
    through the 64x64 transpose, whose cost does not depend on the width.
    """
    width, n_words = out.shape
    n = x.shape[0]
    for t in prange(n_threads):
        tile = np.empty(64, dtype=np.uint64)
        start, stop = _thread_range(t, n_threads, n_words)
        for w in range(start, stop):
            base = 64 * w
            m = min(64, n - base)
            if width <= 8:
                for i in range(width):
                    word = np.uint64(0)
                    for r in range(m):
                        word |= ((x[base + r] >> np.uint64(i)) & np.uint64(1)) << np.uint64(r)
                    out[i, w] = word
                continue
            for r in range(m):
                tile[r] = x[base + r]
            for r in range(m, 64):
                tile[r] = 0
            _transpose64(tile)
            for i in range(width):
                out[i, w] = tile[i]


@njit(cache=True, parallel=True)
def _unpack_words(rows, n, n_threads):
    """(width, n_words) bit-sliced rows -> (n,) uint64 operands."""
    width, n_words = rows.shape
    out = np.empty(n, dtype=np.uint64)
    for t in prange(n_threads):
        tile = np.empty(64, dtype=np.uint64)
        start, stop = _thread_range(t, n_threads, n_words)
        for w in range(start, stop):
            base = 64 * w
            m = min(64, n - base)
            if width <= 8:
                for r in range(m):
                    v = np.uint64(0)
                    for i in range(width):
                        v |= ((rows[i, w] >> np.uint64(r)) & np.uint64(1)) << np.uint64(i)
                    out[base + r] = v
                continue
            for i in range(width):
                tile[i] = rows[i, w]
            for i in range(width, 64):
                tile[i] = 0
            _transpose64(tile)
            for r in range(m):
                out[base + r] = tile[r]
    return out


@njit(cache=True, parallel=True)
def _pack_bits(bits, out):
    """(vectors, width) 0/1 uint8 -> out: (width, n_words) bit-sliced rows."""
    n, width = bits.shape
    n_words = out.shape[1]
    for w in prange(n_words):
        base = 64 * w
        for i in range(width):
            out[i, w] = 0
        for r in range(min(64, n - base)):
            for i in range(width):
                out[i, w] |= np.uint64(bits[base + r, i] & 1) << np.uint64(r)


@njit(cache=True, parallel=True)
def _unpack_bits(rows, n):
    """(width, n_words) bit-sliced rows -> (n, width) 0/1 uint8."""
    width, n_words = rows.shape
    out = np.empty((n, width), dtype=np.uint8)
    for w in prange(n_words):
        base = 64 * w
        for r in range(min(64, n - base)):
            for i in range(width):
                out[base + r, i] = np.uint8((rows[i, w] >> np.uint64(r)) & np.uint64(1))
    return out


@njit(cache=True, parallel=True)
def _run(op, ptr, flat, n_inputs, packed_in, out_rows, n_threads, block):
    """Evaluate every gate on every word.

    packed_in: (n_inputs, n_words) uint64; out_rows: net indices to return.
    Returns (len(out_rows), n_words) uint64. Each of n_threads threads takes a
    contiguous range of blocks of ``block`` words and keeps its own scratch copy of all
    nets for one block, small enough to stay in cache.
    """
    n_words = packed_in.shape[1]
    n_gates = op.shape[0]
    n_nets = n_inputs + n_gates
    out = np.empty((out_rows.shape[0], n_words), dtype=np.uint64)
    n_blocks = (n_words + block - 1) // block
    n_threads = max(1, min(n_threads, n_blocks))
    for t in prange(n_threads):
        v = np.empty((n_nets, block), dtype=np.uint64)
        start, stop = _thread_range(t, n_threads, n_blocks)
        for blk in range(start, stop):
            w0 = blk * block
            nw = min(block, n_words - w0)
            for i in range(n_inputs):
                for w in range(nw):
                    v[i, w] = packed_in[i, w0 + w]
            for g in range(n_gates):
                d = n_inputs + g
                code = op[g]
                a = flat[ptr[g]]
                if code == _NOT:
                    for w in range(nw):
                        v[d, w] = ~v[a, w]
                    continue
                if code == _BUF:
                    for w in range(nw):
                        v[d, w] = v[a, w]
                    continue
                b = flat[ptr[g] + 1]
                if code == _AND or code == _NAND:
                    for w in range(nw):
                        v[d, w] = v[a, w] & v[b, w]
                    for k in range(ptr[g] + 2, ptr[g + 1]):
                        c = flat[k]
                        for w in range(nw):
                            v[d, w] &= v[c, w]
                elif code == _OR or code == _NOR:
                    for w in range(nw):
                        v[d, w] = v[a, w] | v[b, w]
                    for k in range(ptr[g] + 2, ptr[g + 1]):
                        c = flat[k]
                        for w in range(nw):
                            v[d, w] |= v[c, w]
                else:       # XOR, XNOR: exactly two inputs
                    for w in range(nw):
                        v[d, w] = v[a, w] ^ v[b, w]
                if code == _NAND or code == _NOR or code == _XNOR:
                    for w in range(nw):
                        v[d, w] = ~v[d, w]
            for o in range(out_rows.shape[0]):
                src = out_rows[o]
                for w in range(nw):
                    out[o, w0 + w] = v[src, w]
    return out


def run_packed(circuit, packed_in: np.ndarray, rows: list[str]) -> np.ndarray:
    """Run the compiled netlist on bit-sliced inputs.

    Parameters
    ----------
    packed_in : (n_input_nets, n_words) uint64
        One row per input net, in :attr:`Circuit.inputs` order; bit k of word w is vector
        64 w + k.
    rows : list of net names to return.

    Returns
    -------
    (len(rows), n_words) uint64
    """
    op, ptr, flat, n_inputs, index = _compiled(circuit)
    if packed_in.dtype != np.uint64 or packed_in.ndim != 2 or packed_in.shape[0] != n_inputs:
        raise ValueError(f"packed_in must be a ({n_inputs}, n_words) uint64 array, "
                         f"got {packed_in.dtype} {packed_in.shape}")
    missing = [r for r in rows if r not in index]
    if missing:
        raise ValueError(f"unknown nets {missing[:5]} in circuit {circuit.name!r}")
    out_rows = np.array([index[r] for r in rows], dtype=np.int64)
    return _run(op, ptr, flat, n_inputs, np.ascontiguousarray(packed_in), out_rows,
                numba.get_num_threads(), _BLOCK)


# ---------------------------------------------------------------------- public batch API
def _fill_rows(out, bus, value, n_vectors):
    """Write one bus's operand, in any accepted form, into its (width, n_words) rows."""
    width, n_words = out.shape
    if isinstance(value, np.ndarray):
        if value.ndim == 1:
            if value.dtype != np.uint64:
                raise TypeError(f"operand {bus!r}: a 1-D array must have dtype uint64, got {value.dtype}"
                                f" (use np.asarray(x, dtype=np.uint64), or a (vectors, {width}) uint8 bit matrix)")
            if width > 64:
                raise ValueError(f"operand {bus!r}: the bus is {width} bits wide, too wide for uint64; "
                                 f"pass a (vectors, {width}) uint8 bit matrix")
            if width < 64 and np.any(value >> np.uint64(width)):
                bad = int(value[np.argmax(value >> np.uint64(width) != 0)])
                raise ValueError(f"operand {bus!r} holds {bad}, out of range for a {width}-bit bus "
                                 f"(0 <= {bus} <= {(1 << width) - 1})")
            return _pack_words(np.ascontiguousarray(value), out, numba.get_num_threads())
        if value.ndim == 2:
            if value.dtype not in (np.uint8, np.bool_):
                raise TypeError(f"operand {bus!r}: a bit matrix must have dtype uint8 (0/1), got {value.dtype}")
            if value.shape[1] != width:
                raise ValueError(f"operand {bus!r}: bit matrix has {value.shape[1]} columns; "
                                 f"the bus is {width} bits wide, so the shape must be (vectors, {width})")
            bits = np.ascontiguousarray(value.view(np.uint8))
            if bits.size and bits.max() > 1:
                raise ValueError(f"operand {bus!r}: a bit matrix may hold only 0 and 1, found {int(bits.max())}")
            return _pack_bits(bits, out)
        raise ValueError(f"operand {bus!r}: arrays must be 1-D (vectors,) uint64 or 2-D (vectors, {width}) "
                         f"uint8, got {value.ndim} dimensions")
    from .netlist import _check_operand
    value = _check_operand(bus, value, width)
    last = n_vectors - 64 * (n_words - 1)          # vectors in the last word
    for i in range(width):
        out[i, :] = 0
        if (value >> i) & 1:
            out[i, :] = ~np.uint64(0)
            out[i, -1] = np.uint64((1 << last) - 1) if last < 64 else ~np.uint64(0)


def pack(circuit, **operands) -> tuple[np.ndarray, int]:
    """Turn operands (forms as in :func:`simulate`) into bit-sliced rows.

    Returns ``(packed, n_vectors)``: ``packed`` is (input nets, ceil(n_vectors / 64))
    uint64, one row per input net in bus order, ready for :func:`run_packed`.
    """
    values = resolve_operands(circuit, operands)
    lengths = {bus: v.shape[0] for bus, v in values.items() if isinstance(v, np.ndarray)}
    if not lengths:
        raise ValueError("simulate needs at least one operand given as an array; "
                         "for a single vector use circuit.evaluate(...)")
    if len(set(lengths.values())) > 1:
        raise ValueError(f"operand arrays differ in length (vectors): {lengths}; they must match")
    n_vectors = next(iter(lengths.values()))
    if n_vectors == 0:
        raise ValueError("operand arrays are empty: give at least one vector")
    n_words = (n_vectors + 63) // 64
    packed = np.empty((sum(circuit.width(bus) for bus in values), n_words), dtype=np.uint64)
    row = 0
    for bus, v in values.items():
        width = circuit.width(bus)
        _fill_rows(packed[row:row + width], bus, v, n_vectors)
        row += width
    return packed, n_vectors


def simulate(circuit, probe=None, as_bits: bool | None = None, **operands) -> dict:
    """Simulate many input vectors at once, bit-parallel.

    Parameters
    ----------
    circuit : Circuit
    probe : list of str, optional
        Internal nets to return as well, each as a (vectors,) uint8 array of 0/1.
    as_bits : bool, optional
        Force outputs as (vectors, width) uint8 bit matrices (True) or uint64 (False).
        By default, outputs are uint64 when no input was given as a bit matrix and the
        output bus is at most 64 bits wide; otherwise bit matrices.
    **operands
        One per input bus: an int, a (vectors,) uint64 array, or a (vectors, width)
        uint8 bit matrix. Buses with a default (``cin``) may be left out.

    Returns
    -------
    dict
        ``{output bus: array}`` plus ``{net: (vectors,) uint8}`` for each probe.

    Examples
    --------
    >>> import numpy as np
    >>> from adders import build
    >>> out = build("kogge-stone", 8).simulate(a=np.array([200, 7], np.uint64),
    ...                                        b=np.array([100, 9], np.uint64))
    >>> out["s"].tolist(), out["cout"].tolist()
    ([44, 16], [1, 0])
    """
    values = resolve_operands(circuit, operands)
    packed, n_vectors = pack(circuit, **values)
    if as_bits is None:
        any_bits = any(isinstance(v, np.ndarray) and v.ndim == 2 for v in values.values())
    probe = list(probe or [])
    rows = [net for nets in circuit.outputs.values() for net in nets] + probe
    out_rows = run_packed(circuit, packed, rows)
    result, k = {}, 0
    for bus, nets in circuit.outputs.items():
        part = out_rows[k:k + len(nets)]
        k += len(nets)
        bits = as_bits if as_bits is not None else (any_bits or len(nets) > 64)
        if not bits and len(nets) > 64:
            raise ValueError(f"output bus {bus!r} is {len(nets)} bits wide, too wide for uint64; "
                             f"use as_bits=True")
        result[bus] = _unpack_bits(part, n_vectors) if bits else _unpack_words(part, n_vectors, numba.get_num_threads())
    for net in probe:
        result[net] = _unpack_bits(out_rows[k:k + 1], n_vectors)[:, 0]
        k += 1
    return result
