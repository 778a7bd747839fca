"""What every generated simulation module (:mod:`adders.codegen`) calls besides its
gates: operand loads and result stores, compiled once and cached like any kernel.

The transposes and the gates themselves are LLVM IR (:mod:`adders.codegen_ir`).

Tile layout. A tile holds ``TILE = 64 * NW`` consecutive vectors. Row ``i`` of a bus
is ``NW`` words; bit ``r`` of word ``w`` is bit ``i`` of vector ``NW * r + w`` of the
tile. With this order the operands of a tile are one contiguous copy, seen as a
(64, NW) word matrix with one vector per row-lane, and turning them sideways is a 64x64
bit-matrix transpose done lane-parallel, four lanes to a vector register, with no
gathers. Any order of the vectors inside a tile works, as long as loads and stores
agree (the interpreter, :func:`adders.bitslice.run_words`, uses ``64 w + r``).

An operand array of length 1 holds one value for every vector (a constant bus).
Buses up to 8 bits wide are gathered and scattered bit by bit instead of transposed
(1-bit buses such as ``cin`` and ``cout`` by the vector shifts of
:mod:`adders.codegen_ir`).

Range checks. The bits of an operand above its bus (say a cin of 2) are ORed into a
check row of the tile buffer as the operands are loaded, and the kernel returns that
row's OR: the caller raises when it is not zero, with no separate pass over the arrays.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from . import _numba_cache, codegen_ir  # noqa: F401  _numba_cache first: per-user Numba cache

__all__ = ["NW", "TILE", "VERSION", "tin", "bits_in", "bits_out", "bits_stream", "aligned_zeros",
           "streamable", "check_high", "load_wide", "load_narrow", "flagged", "store_narrow", "unpad"]

#: Bumped with any change to the generated code; part of every kernel's cache key.
VERSION = "7"
NW = 4                     #: words per tile row: one 256-bit vector

TILE = 64 * NW             #: vectors per tile
_NW = np.uint64(NW)
_TILE = np.uint64(TILE)
_ZERO = np.uint64(0)
_ONE = np.uint64(1)
_ALL = ~np.uint64(0)
_STREAM_ALIGN = codegen_ir.STREAM_ALIGN
#: the register transposes and bit gathers of :mod:`adders.codegen_ir` at NW words a row
tin = codegen_ir.transpose_in(NW)
bits_in = codegen_ir.bits_in(NW)
bits_out = codegen_ir.bits_out(NW)
bits_stream = codegen_ir.bits_out(NW, stream=True)


@njit(cache=True, nogil=True)
def aligned_zeros(n):
    """(n,) zero uint64 words starting on a 64-byte cache line, so that no 32-byte
    vector load or store of a tile buffer straddles two lines (NumPy aligns to 16)."""
    buf = np.zeros(n + 8, dtype=np.uint64)
    skip = (64 - buf.ctypes.data % 64) % 64 // 8
    return buf[skip:skip + n]


@njit(cache=True, nogil=True)
def _fill(v, row0, width, value):
    """Rows row0 .. row0 + width - 1 of v <- the bits of one constant (all 0s or all 1s)."""
    for i in range(np.uint64(width)):
        word = _ALL if i < 64 and (value >> i) & _ONE else _ZERO
        o = (np.uint64(row0) + i) * _NW
        for w in range(_NW):
            v[o + w] = word


@njit(cache=True, nogil=True)
def _pad(x, base, count, t):
    """t (TILE,) <- x[base : base + count], then zeros: a partial last tile."""
    ub = np.uint64(base)
    uc = np.uint64(count)
    for j in range(uc):
        t[j] = x[ub + j]
    for j in range(uc, _TILE):
        t[j] = _ZERO


@njit(cache=True, nogil=True)
def unpad(t, out, base, count):
    """out[base : base + count] <- t[:count]: the vectors of a partial last tile."""
    ub = np.uint64(base)
    for j in range(np.uint64(count)):
        out[ub + j] = t[j]


@njit(cache=True, nogil=True)
def _flag(v, check, high):
    """Row ``check`` of v |= ``high`` (operand bits above a bus: nonzero is out of range)."""
    v[np.uint64(check) * _NW] |= high


@njit(cache=True, nogil=True)
def check_high(v, row0, width, check):
    """Row ``check`` of v |= rows row0 + width .. row0 + 63: the bits above a bus of
    ``width`` < 64 bits that a transpose put there (nonzero: an operand out of range)."""
    c = np.uint64(check) * _NW
    for i in range(np.uint64(width), np.uint64(64)):
        o = (np.uint64(row0) + i) * _NW
        for w in range(_NW):
            v[c + w] |= v[o + w]


@njit(cache=True, nogil=True)
def load_wide(x, base, count, t, v, row0, width, check):
    """Rows row0 .. row0 + 63 of v <- operands x[base : base + count] of a ``width``-bit
    bus turned sideways (x of length 1: a constant); bits above the bus go to row
    ``check`` (see :func:`check_high`). t: a (TILE,) scratch tile for a partial tile."""
    if x.shape[0] == 1:
        _fill(v, row0, 64, x[0])
    else:
        src, at = x, base
        if count < TILE:
            _pad(x, base, count, t)
            src, at = t, 0
        tin(src, at, v, row0)
    if width < 64:
        check_high(v, row0, width, check)


@njit(cache=True, nogil=True)
def load_narrow(x, base, count, v, row0, width, check):
    """Rows row0 .. row0 + width - 1 of v <- bits 0 .. width - 1 of x[base : base + count],
    gathered bit by bit (cheaper than a transpose for a few bits; x of length 1: a
    constant); row ``check`` of v |= the bits above the bus (nonzero: out of range)."""
    if x.shape[0] == 1:
        _fill(v, row0, width, x[0])
        _flag(v, check, x[0] >> np.uint64(width))
        return
    if count == TILE and width == 1:          # cin: vector shifts, no loop per vector
        bits_in(x, base, v, row0, check)
        return
    ub = np.uint64(base)
    uc = np.uint64(count)
    high = _ZERO
    for j in range(uc):
        high |= x[ub + j] >> np.uint64(width)
    _flag(v, check, high)
    for i in range(np.uint64(width)):
        o = (np.uint64(row0) + i) * _NW
        for w in range(_NW):
            v[o + w] = _ZERO
        if uc == _TILE:
            for r in range(np.uint64(64)):
                for w in range(_NW):
                    v[o + w] |= ((x[ub + r * _NW + w] >> i) & _ONE) << r
        else:
            for j in range(uc):
                v[o + j % _NW] |= ((x[ub + j] >> i) & _ONE) << (j // _NW)


@njit(cache=True, nogil=True)
def flagged(v, check):
    """The OR of row ``check`` of v: nonzero when some operand had bits above its bus."""
    c = np.uint64(check) * _NW
    out = _ZERO
    for w in range(_NW):
        out |= v[c + w]
    return out


@njit(cache=True, nogil=True)
def streamable(out, start):
    """Whether ``out[start]`` starts on ``codegen_ir.STREAM_ALIGN`` bytes: then so does
    every whole tile from ``start`` on (a tile is a multiple of it), and the tiles can be
    written with streaming stores."""
    return (out.ctypes.data + start * 8) % _STREAM_ALIGN == 0


@njit(cache=True, nogil=True)
def store_narrow(v, row0, width, out, base, count, stream):
    """out[base : base + count] <- the bus of ``width`` bits in rows row0 .. of v,
    scattered bit by bit. ``stream``: 1-bit buses written with non-temporal stores
    (``out[base]`` on a :func:`streamable` boundary)."""
    if count == TILE and width == 1:          # cout, probes: vector shifts
        if stream:
            bits_stream(v, row0, out, base)
        else:
            bits_out(v, row0, out, base)
        return
    ub = np.uint64(base)
    uc = np.uint64(count)
    o = np.uint64(row0) * _NW
    for j in range(uc):
        r = j // _NW
        w = j % _NW
        value = _ZERO
        for i in range(np.uint64(width)):
            value |= ((v[o + i * _NW + w] >> r) & _ONE) << i
        out[ub + j] = value
