"""Bit-sliced evaluation kernels: a netlist run 64 test vectors to a machine word.

Layout. A *tile* holds ``nw`` words of every net it needs: row ``k`` (a net, or a
"slot" that several short-lived nets share in turn) is ``nw`` consecutive uint64
words, and bit ``r`` of word ``w`` is vector ``64 w + r`` of the tile. Every gate is
then ``nw`` word instructions; with ``nw`` a run-time value the compiler keeps the
word loop (instead of unrolling it) and vectorises it (AVX2: four words per
instruction), checking once per gate that the rows do not overlap.

Slots. Most nets of an adder live for a few levels only, so :func:`program` gives
each net a slot from a free list as it is driven and frees it after its last reader
(linear-scan register allocation over the levelised order; a 2-input AND read only by
a 2-input OR is fused into it). A 64-bit Kogge-Stone adder needs a few hundred slots;
with ``nw = 64`` its working set stays in the core's L2 cache during a tile.

Operands. Integers arrive one per vector and are turned sideways: 64 vectors x 64 bits
is a 64x64 bit-matrix transpose, six swap stages of ever smaller sub-blocks (Warren,
*Hacker's Delight*, 7-3) on whole tile rows; the first stage also gathers the operands.
:func:`run_words` does it all, operands in and sums out, tile by tile, in cache.

Cost per 64 vectors: ``gates`` word operations (fewer when fused), plus one transpose
per bus wider than 8 bits (narrow buses are gathered bit by bit). Threads take
contiguous runs of tiles and write disjoint parts of the output. The kernels are held
to the plain references of :mod:`adders.reference` by the tests.
"""
from __future__ import annotations

import weakref
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from . import _numba_cache, gates  # noqa: F401  _numba_cache first: per-user Numba cache
from .errors import CarrylabValueError

__all__ = ["Program", "program", "tile_words", "run_rows", "run_words",
           "pack_words", "unpack_words", "pack_bits", "unpack_bits"]

_AND, _OR, _XOR, _NOT, _NAND, _NOR, _XNOR, _BUF = (gates.OPCODES[k] for k in gates.KINDS)
_ANDOR = len(gates.KINDS)   # fused (a & b) | c: an AND read only by one OR
_ZERO = np.uint64(0)
_ONE = np.uint64(1)
_ALL = ~np.uint64(0)
_NARROW = 8        # buses up to this width are gathered bit by bit, not transposed
_TILE_BYTES = 192 * 1024  # working set of one tile (slots x nw x 8 B): within L2


# ---------------------------------------------------------------------- the program
class Program(NamedTuple):
    """A levelised netlist compiled to slot operations.

    ``op[g]`` is gate g's opcode (:data:`adders.gates.OPCODES`, or 8 for a fused
    AND-OR, ``(a & b) | c``, made of a 2-input AND whose only reader is a 2-input OR);
    it reads slots ``src[ptr[g]:ptr[g + 1]]`` and writes slot ``dst[g]``. Input net k
    (bus order) is slot k. ``out`` holds the slot of every requested net; those slots
    are never reused.
    """

    op: np.ndarray         # (gates,) int8
    ptr: np.ndarray        # (gates + 1,) uint64
    src: np.ndarray        # (pins,) uint64
    dst: np.ndarray        # (gates,) uint64
    n_slots: int
    out: np.ndarray        # (requested nets,) uint64


def program(circuit, rows) -> Program:
    """Compile ``circuit`` to slot operations that keep the nets ``rows`` to the end.

    Remembered per compiled form of the circuit (:meth:`Circuit.compiled`, new after
    every edit) and tuple of rows. Raises ValueError for a net the circuit does not have.
    """
    rows = tuple(rows)
    form = circuit.compiled()
    cache = _PROGRAMS.setdefault(form, {})
    if rows not in cache:
        missing = [r for r in rows if r not in form.index]
        if missing:
            raise CarrylabValueError(f"unknown nets {missing[:5]} in circuit {circuit.name!r}")
        keep = np.array([form.index[r] for r in rows], dtype=np.int64)
        op, ptr, pins, nets = _fuse(form, keep)
        slot, n_slots = _allocate(ptr, pins, nets, form.n_inputs, len(form.names), keep)
        if len(cache) >= 16:          # a few probe sets per circuit are plenty
            cache.pop(next(iter(cache)))
        cache[rows] = Program(op, ptr.astype(np.uint64), slot[pins].astype(np.uint64),
                              slot[nets].astype(np.uint64), n_slots, slot[keep].astype(np.uint64))
    return cache[rows]


def _fuse(form, keep):
    """The gate list with AND-OR pairs fused (one word operation less, one net never
    stored): ``(op, ptr, pins, nets)``, ``nets[g]`` being the net gate g drives. An AND
    is absorbed when it has 2 inputs, is not kept and its one reader is a 2-input OR."""
    n_in, op, ptr, pins = form.n_inputs, form.op, form.ptr, form.pins
    readers = np.bincount(pins, minlength=len(form.names))
    readers[keep] += 1
    new_op, new_pins, absorbed = [], [], set()
    for h in range(len(op)):
        ins = [int(i) for i in pins[ptr[h]:ptr[h + 1]]]
        code = int(op[h])
        if code == _OR and len(ins) == 2:
            for k in (0, 1):
                g = ins[k] - n_in
                if g >= 0 and op[g] == _AND and ptr[g + 1] - ptr[g] == 2 and readers[ins[k]] == 1:
                    absorbed.add(g)
                    code, ins = _ANDOR, [int(pins[ptr[g]]), int(pins[ptr[g] + 1]), ins[1 - k]]
                    break
        new_op.append(code)
        new_pins.append(ins)
    kept = [g for g in range(len(op)) if g not in absorbed]
    new_ptr = np.cumsum([0] + [len(new_pins[g]) for g in kept], dtype=np.int64)
    return (np.array([new_op[g] for g in kept], dtype=np.int8), new_ptr,
            np.array([i for g in kept for i in new_pins[g]], dtype=np.int64),
            np.array(kept, dtype=np.int64) + n_in)


#: Compiled netlist -> {rows: Program}; entries go when the compiled form does.
_PROGRAMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _allocate(ptr, flat, nets, n_inputs, n_nets, keep):
    """Slot of every net by linear scan: a gate's slot is taken from the free list
    (most recently freed first: still in cache), and each net's slot is freed after
    its last reader. Nets in ``keep`` are never freed; gate g drives net ``nets[g]``.
    Returns (slot (nets,), n_slots); nets no gate drives any more (fused) get slot 0.

    A gate's inputs are freed only after its output got a slot, so a multi-input gate
    never overwrites an input it has yet to read.
    """
    n_gates = len(ptr) - 1
    last = np.full(n_nets, -1, dtype=np.int64)          # last reader, -1: none
    for g in range(n_gates):
        last[flat[ptr[g]:ptr[g + 1]]] = g
    last[keep] = n_gates                                 # read "after the end"
    dying = [[] for _ in range(n_gates)]                 # nets whose last reader is g
    for net in np.flatnonzero((last >= 0) & (last < n_gates)):
        dying[last[net]].append(net)
    slot = np.zeros(n_nets, dtype=np.int64)
    slot[:n_inputs] = np.arange(n_inputs)
    free = [int(i) for i in np.flatnonzero(last[:n_inputs] < 0)[::-1]]
    n_slots = n_inputs
    for g in range(n_gates):
        net = nets[g]
        if free:
            slot[net] = free.pop()
        else:
            slot[net] = n_slots
            n_slots += 1
        if last[net] < 0:                                # nobody reads it
            free.append(int(slot[net]))
        free.extend(int(slot[d]) for d in dying[g])
    return slot, n_slots


def tile_words(n_slots: int, n_words: int) -> int:
    """Words per tile: 64 (best measured on a 64-bit Kogge-Stone adder) unless the slots
    would overflow the cache budget, and never more than the vectors need."""
    nw = 64
    while nw > 4 and n_slots * nw * 8 > _TILE_BYTES:
        nw //= 2
    return max(1, min(nw, n_words))


# ---------------------------------------------------------------------- gates
@njit(cache=True, inline="always")
def _gates(op, ptr, src, dst, v, nw):
    """Evaluate every gate on one tile. v: (n_slots * nw,) uint64, nw: uint64."""
    for g in range(op.shape[0]):
        code = op[g]
        d = dst[g] * nw
        a = src[ptr[g]] * nw
        if code == _NOT:
            for w in range(nw):
                v[d + w] = ~v[a + w]
            continue
        if code == _BUF:
            for w in range(nw):
                v[d + w] = v[a + w]
            continue
        b = src[ptr[g] + _ONE] * nw
        if code == _ANDOR:
            c = src[ptr[g] + np.uint64(2)] * nw
            for w in range(nw):
                v[d + w] = (v[a + w] & v[b + w]) | v[c + w]
            continue
        if code == _AND or code == _NAND:
            for w in range(nw):
                v[d + w] = v[a + w] & v[b + w]
            for k in range(ptr[g] + np.uint64(2), ptr[g + 1]):
                c = src[k] * nw
                for w in range(nw):
                    v[d + w] &= v[c + w]
        elif code == _OR or code == _NOR:
            for w in range(nw):
                v[d + w] = v[a + w] | v[b + w]
            for k in range(ptr[g] + np.uint64(2), ptr[g + 1]):
                c = src[k] * nw
                for w in range(nw):
                    v[d + w] |= v[c + w]
        else:                     # XOR, XNOR: exactly two inputs
            for w in range(nw):
                v[d + w] = v[a + w] ^ v[b + w]
        if code == _NAND or code == _NOR or code == _XNOR:
            for w in range(nw):
                v[d + w] = ~v[d + w]


# ---------------------------------------------------------------------- transposes
@njit(cache=True, inline="always")
def _swap_pair(lo, hi, s, mask):
    """Swap the bits of ``hi`` selected by mask with those of ``lo`` s places up:
    the one step of every transpose stage. Returns (new lo, new hi)."""
    y = ((lo >> s) ^ hi) & mask
    return lo ^ (y << s), hi ^ y


@njit(cache=True, inline="always")
def _swap_rows(t, j, mask, nw):
    """One transpose stage on a (64, nw) tile t: for every row k with bit j clear, swap
    the j-bit sub-blocks of rows k and k + j, word by word.

    Rows k0 .. k0 + j - 1 are contiguous, and so are their partners, so each group of
    2 j rows is one long loop of j * nw words (few loop set-ups, long vector runs).
    """
    s = np.uint64(j)
    span = np.uint64(j) * nw
    for k0 in range(0, 64, 2 * j):
        p = np.uint64(k0) * nw
        q = p + span
        for u in range(span):
            t[p + u], t[q + u] = _swap_pair(t[p + u], t[q + u], s, mask)


@njit(cache=True, inline="always")
def _later_stages(t, nw):
    """Stages 16, 8, 4, 2, 1 of the transpose (stage 32 is fused with the load/store)."""
    _swap_rows(t, 16, np.uint64(0x0000FFFF0000FFFF), nw)
    _swap_rows(t, 8, np.uint64(0x00FF00FF00FF00FF), nw)
    _swap_rows(t, 4, np.uint64(0x0F0F0F0F0F0F0F0F), nw)
    _swap_rows(t, 2, np.uint64(0x3333333333333333), nw)
    _swap_rows(t, 1, np.uint64(0x5555555555555555), nw)


@njit(cache=True, inline="always")
def _load_tile(x, base, count, t, nw):
    """t (64 * nw,) <- operands x[base : base + count] turned sideways: afterwards
    bit r of word w of row i is bit i of x[base + 64 w + r]. Missing vectors read as 0.

    Stage 32 of the transpose is done while gathering, so the operands are read once.
    """
    mask = np.uint64(0x00000000FFFFFFFF)
    s = np.uint64(32)
    ub = np.uint64(base)
    if count == 64 * nw:
        for k in range(np.uint64(32)):
            p = k * nw
            q = (k + s) * nw
            for w in range(nw):
                t[p + w], t[q + w] = _swap_pair(x[ub + np.uint64(64) * w + k],
                                                x[ub + np.uint64(64) * w + k + s], s, mask)
    else:
        for w in range(np.int64(nw)):
            for r in range(64):
                i = 64 * w + r
                t[np.uint64(r) * nw + np.uint64(w)] = x[base + i] if i < count else _ZERO
        _swap_rows(t, 32, mask, nw)
    _later_stages(t, nw)


@njit(cache=True, inline="always")
def _store_tile(t, out, base, count, nw):
    """Inverse of :func:`_load_tile`: t holds 64 bit-sliced rows (row i = bus bit i);
    write vectors out[base : base + count]. t is destroyed."""
    _later_stages(t, nw)
    mask = np.uint64(0x00000000FFFFFFFF)
    s = np.uint64(32)
    ub = np.uint64(base)
    if count == 64 * nw:
        for k in range(np.uint64(32)):
            p = k * nw
            q = (k + s) * nw
            for w in range(nw):
                first = ub + np.uint64(64) * w + k
                out[first], out[first + s] = _swap_pair(t[p + w], t[q + w], s, mask)
    else:
        _swap_rows(t, 32, mask, nw)
        for w in range(np.int64(nw)):
            for r in range(64):
                i = 64 * w + r
                if i < count:
                    out[base + i] = t[np.uint64(r) * nw + np.uint64(w)]


@njit(cache=True, inline="always")
def _load_narrow(x, base, count, width, v, first, nw):
    """Rows first .. first + width - 1 of v <- bits 0 .. width - 1 of x[base:base+count],
    gathered bit by bit (cheaper than a transpose for a few bits)."""
    for i in range(width):
        row = (first + np.uint64(i)) * nw
        for w in range(np.int64(nw)):
            word = _ZERO
            for r in range(min(64, max(0, count - 64 * w))):
                word |= ((x[base + 64 * w + r] >> np.uint64(i)) & _ONE) << np.uint64(r)
            v[row + np.uint64(w)] = word


@njit(cache=True, inline="always")
def _store_narrow(v, slots, width, out, base, count, nw):
    """out[base:base+count] <- the bus whose bit i is slot slots[i] of v (width <= 8)."""
    for w in range(np.int64(nw)):
        first = base + 64 * w
        if width == 1:            # carry-out, probes: one shift a vector
            word = v[slots[0] * nw + np.uint64(w)]
            for r in range(min(64, max(0, count - 64 * w))):
                out[first + r] = (word >> np.uint64(r)) & _ONE
            continue
        for r in range(min(64, max(0, count - 64 * w))):
            value = _ZERO
            for i in range(width):
                value |= ((v[slots[i] * nw + np.uint64(w)] >> np.uint64(r)) & _ONE) << np.uint64(i)
            out[first + r] = value


@njit(cache=True)
def _schedule(n_words, block, n_threads):
    """(threads worth starting, tiles) for n_words words in tiles of ``block`` words."""
    n_tiles = (n_words + block - 1) // block
    return max(1, min(n_threads, n_tiles)), n_tiles


@njit(cache=True)
def _thread_range(t, n_threads, n_items):
    """Items [start, stop) of thread t when n_items are split into n_threads runs."""
    per = (n_items + n_threads - 1) // n_threads
    return min(n_items, t * per), min(n_items, (t + 1) * per)


# ---------------------------------------------------------------------- kernels
@njit(cache=True, parallel=True)
def run_rows(op, ptr, src, dst, n_slots, out_slots, packed_in, n_threads, block):
    """Run the program on bit-sliced rows.

    packed_in: (inputs, n_words) uint64, row k = input net k. Returns
    (len(out_slots), n_words) uint64. ``block``: words per tile.
    """
    n_inputs, n_words = packed_in.shape
    out = np.empty((out_slots.shape[0], n_words), dtype=np.uint64)
    n_threads, n_tiles = _schedule(n_words, block, n_threads)
    nw = np.uint64(block)
    for t in prange(n_threads):
        v = np.zeros(n_slots * block, dtype=np.uint64)
        start, stop = _thread_range(t, n_threads, n_tiles)
        for tile in range(start, stop):
            w0 = tile * block
            m = min(block, n_words - w0)
            for i in range(n_inputs):       # slices: the copies vectorise
                v[i * block:i * block + m] = packed_in[i, w0:w0 + m]
            _gates(op, ptr, src, dst, v, nw)
            for o in range(out_slots.shape[0]):
                row = np.int64(out_slots[o]) * block
                out[o, w0:w0 + m] = v[row:row + m]
    return out


@njit(cache=True, inline="always")
def _operand(first, second, rest, k):
    """Operand array k: ``first``, ``second``, then the rows of ``rest``."""
    if k == 0:
        return first
    if k == 1:
        return second
    return rest[k - 2]


@njit(cache=True, parallel=True)
def run_words(op, ptr, src, dst, n_slots, first, second, rest, in_width, in_source, in_value,
              out_slots, out_width, n, n_threads, block):
    """Operands in, bus values out, for n vectors: load, evaluate, store, tile by tile.

    The operand arrays, each (n,) uint64, are ``first``, ``second`` and the rows of
    ``rest`` (arrays - 2, n): adders have two, which then need no copying. Input bus k
    is ``in_width[k]`` bits wide; it reads operand array ``in_source[k]``, or, when that
    is -1, holds the constant ``in_value[k]`` (any bits beyond 64 are zero). Output bus
    j is ``out_width[j]`` (<= 64) bits wide, read from the next out_width[j] entries of
    out_slots. Returns (output buses, n) uint64.
    """
    n_out = out_width.shape[0]
    out = np.empty((n_out, n), dtype=np.uint64)
    n_threads, n_tiles = _schedule((n + 63) // 64, block, n_threads)
    nw = np.uint64(block)
    for t in prange(n_threads):
        v = np.zeros(n_slots * block, dtype=np.uint64)
        tile = np.empty(64 * block, dtype=np.uint64)
        start, stop = _thread_range(t, n_threads, n_tiles)
        for k in range(start, stop):
            base = k * block * 64
            count = min(block * 64, n - base)
            lowest = np.uint64(0)                    # slot of the bus's bit 0
            for bus in range(in_width.shape[0]):
                width = in_width[bus]
                row = in_source[bus]
                if row < 0:
                    value = in_value[bus]
                    for i in range(width):
                        word = _ALL if i < 64 and (value >> np.uint64(i)) & _ONE else _ZERO
                        for w in range(nw):
                            v[(lowest + np.uint64(i)) * nw + w] = word
                elif width <= _NARROW:
                    _load_narrow(_operand(first, second, rest, row), base, count, width, v,
                                 lowest, nw)
                else:
                    _load_tile(_operand(first, second, rest, row), base, count, tile, nw)
                    for i in range(np.uint64(width)):
                        for w in range(nw):
                            v[(lowest + i) * nw + w] = tile[i * nw + w]
                lowest += np.uint64(width)
            _gates(op, ptr, src, dst, v, nw)
            o = 0
            for bus in range(n_out):
                width = out_width[bus]
                if width <= _NARROW:
                    _store_narrow(v, out_slots[o:o + width], width, out[bus], base, count, nw)
                else:
                    for i in range(64):
                        row = np.uint64(i) * nw
                        if i < width:
                            s = out_slots[o + i] * nw
                            for w in range(nw):
                                tile[row + w] = v[s + w]
                        else:
                            for w in range(nw):
                                tile[row + w] = _ZERO
                    _store_tile(tile, out[bus], base, count, nw)
                o += width
    return out


@njit(cache=True, parallel=True)
def pack_words(x, out, n_threads, block):
    """(vectors,) uint64 operands -> out: (width <= 64, n_words) bit-sliced rows."""
    width, n_words = out.shape
    n_threads, n_tiles = _schedule(n_words, block, n_threads)
    for t in prange(n_threads):
        tile = np.empty(64 * block, dtype=np.uint64)
        start, stop = _thread_range(t, n_threads, n_tiles)
        for k in range(start, stop):
            w0 = k * block
            m = min(block, n_words - w0)
            _load_tile(x, w0 * 64, min(block * 64, x.shape[0] - w0 * 64), tile, np.uint64(block))
            for i in range(width):
                out[i, w0:w0 + m] = tile[i * block:i * block + m]


@njit(cache=True, parallel=True)
def unpack_words(rows, n, n_threads, block):
    """(width <= 64, n_words) bit-sliced rows -> (n,) uint64 values."""
    width, n_words = rows.shape
    out = np.empty(n, dtype=np.uint64)
    n_threads, n_tiles = _schedule(n_words, block, n_threads)
    for t in prange(n_threads):
        tile = np.empty(64 * block, dtype=np.uint64)
        start, stop = _thread_range(t, n_threads, n_tiles)
        for k in range(start, stop):
            w0 = k * block
            m = min(block, n_words - w0)
            tile[:] = 0
            for i in range(width):
                tile[i * block:i * block + m] = rows[i, w0:w0 + m]
            _store_tile(tile, out, w0 * 64, min(block * 64, n - w0 * 64), np.uint64(block))
    return out


@njit(cache=True, parallel=True)
def pack_bits(bits, out):
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
def unpack_bits(rows, n):
    """(width, n_words) bit-sliced rows -> (n, width) 0/1 uint8."""
    width, n_words = rows.shape
    out = np.empty((n, width), dtype=np.uint8)
    for w in prange(n_words):
        base = 64 * w
        for r in range(min(64, n - base)):
            for i in range(width):
                out[base + r, i] = np.uint8((rows[i, w] >> np.uint64(r)) & np.uint64(1))
    return out
