"""LLVM IR for the generated kernels of :mod:`adders.codegen`, written as Numba intrinsics.

A generated kernel's hot parts are long straight lines of word operations: one per gate,
and some thousand per 64x64 transpose. Written as Python statements, Numba's front end
would spend seconds on every one of them; here they go straight to LLVM as vector
instructions on ``<4 x i64>`` values (four words, 256 vectors), inside one loop over the
``nw`` words of a tile row. LLVM keeps the values in registers and spills the rest to the
stack (L1); no Python-level statement exists per gate.

Tile rows are ``nw`` consecutive words of a (rows * nw,) uint64 buffer ``v``. An operand
tile is ``64 * nw`` consecutive vectors, seen as 64 rows of ``nw`` words; the transpose
turns row-lane ``(r, w)`` = vector ``nw * r + w`` into bit ``r`` of word ``w`` of every
bus row (Warren, *Hacker's Delight*, 7-3: six swap stages, here on whole registers).

Program format for :func:`gates_kernel` (plain tuples, so that a generated module can hold it
as a literal): ``(0, net, row)`` loads row ``row`` into ``net``; ``(1, net, row)``
stores ``net`` into ``row``; ``(2 + opcode, net, input, ...)`` is a gate of
:data:`adders.gates.OPCODES` kind.
"""
from __future__ import annotations

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from . import gates

__all__ = ["LANES", "PREFETCH", "MASKS", "gates_kernel", "transpose_in", "transpose_out",
           "bits_in", "bits_out"]

LANES = 4                                   #: words per LLVM vector value
PREFETCH = 2                                #: tiles ahead the operand loads ask for
#: (shift, mask) of the six transpose stages
MASKS = ((32, 0x00000000FFFFFFFF), (16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF),
         (4, 0x0F0F0F0F0F0F0F0F), (2, 0x3333333333333333), (1, 0x5555555555555555))

_I64 = ir.IntType(64)
_VEC = ir.VectorType(_I64, LANES)
_OPS = {gates.OPCODES[k]: k for k in gates.KINDS}


def _splat(value: int) -> ir.Constant:
    return ir.Constant(_VEC, [value] * LANES)


def _is_words(t) -> bool:
    return isinstance(t, types.Array) and t.dtype == types.uint64 and t.ndim == 1


def _typed(arrays, integers) -> bool:
    """Whether an intrinsic's arguments are word arrays and integers where expected."""
    return all(_is_words(a) for a in arrays) and all(isinstance(i, types.Integer) for i in integers)


def _int64(context, builder, sig, args, k):
    """Argument ``k`` of an intrinsic as an int64 value."""
    return context.cast(builder, args[k], sig.args[k], types.int64)


def _row_words(context, builder, sig, args, k, nw):
    """Argument ``k`` (a row number) as the offset of that row in words: row * nw."""
    return builder.mul(_int64(context, builder, sig, args, k), ir.Constant(_I64, nw))


def _data(context, builder, array_type, value):
    """i64* to the first element of a 1-D uint64 array."""
    return context.make_array(array_type)(context, builder, value).data


def _vector_at(builder, data, index):
    """<4 x i64>* at element ``index`` (an i64 value) of ``data``."""
    return builder.bitcast(builder.gep(data, [index]), _VEC.as_pointer())


def _load(builder, data, index):
    return builder.load(_vector_at(builder, data, index), align=8)


def _store(builder, value, data, index):
    return builder.store(value, _vector_at(builder, data, index), align=8)


def _gate(builder, code, args):
    """One gate on <4 x i64> values."""
    kind = _OPS[code]
    if kind in ("NOT", "BUF"):
        out = args[0]
    else:
        fold = {"AND": builder.and_, "NAND": builder.and_, "OR": builder.or_,
                "NOR": builder.or_, "XOR": builder.xor, "XNOR": builder.xor}[kind]
        out = args[0]
        for a in args[1:]:
            out = fold(out, a)
    if kind in ("NOT", "NAND", "NOR", "XNOR"):
        out = builder.not_(out)
    return out


def gates_kernel(nw: int, program: tuple):
    """Intrinsic ``_gates(v)``: run ``program`` (see the module docstring) on every
    group of 4 words of the tile rows of ``v``, a (rows * nw,) uint64 buffer."""
    @intrinsic
    def _gates(typingctx, v):
        if not _is_words(v):
            return None

        def codegen(context, builder, sig, args):
            data = _data(context, builder, sig.args[0], args[0])
            zero, stop, step = (ir.Constant(_I64, x) for x in (0, nw, LANES))
            with cgutils.for_range_slice(builder, zero, stop, step) as (w, _):
                value = {}
                for item in program:
                    if item[0] == 0:
                        at = builder.add(w, ir.Constant(_I64, item[2] * nw))
                        value[item[1]] = _load(builder, data, at)
                    elif item[0] == 1:
                        _store(builder, value[item[1]], data,
                               builder.add(w, ir.Constant(_I64, item[2] * nw)))
                    else:
                        value[item[1]] = _gate(builder, item[0] - 2, [value[i] for i in item[2:]])
            return context.get_dummy_value()
        return types.void(v), codegen
    return _gates


def _swap(builder, rows, stages):
    """Apply the swap ``stages`` ((shift, mask) pairs) to ``rows`` ({row: value}, changed
    in place) for every pair of rows both present."""
    for j, mask in stages:
        s, m = _splat(j), _splat(mask)
        for k in sorted(rows):
            if k & j or k + j not in rows:
                continue
            lo, hi = rows[k], rows[k + j]
            y = builder.and_(builder.xor(builder.lshr(lo, s), hi), m)
            rows[k] = builder.xor(lo, builder.shl(y, s))
            rows[k + j] = builder.xor(hi, y)


def _prefetch(builder, data, index, lines: int) -> None:
    """Ask for the ``lines`` cache lines from element ``index`` of ``data`` on (a hint:
    no fault past the end of the array)."""
    i8p = ir.IntType(8).as_pointer()
    fn = builder.module.declare_intrinsic("llvm.prefetch", (i8p,), ir.FunctionType(
        ir.VoidType(), (i8p, ir.IntType(32), ir.IntType(32), ir.IntType(32))))
    for line in range(lines):
        at = builder.add(index, ir.Constant(_I64, 8 * line))
        ptr = builder.bitcast(builder.gep(data, [at]), i8p)
        builder.call(fn, (ptr, ir.Constant(ir.IntType(32), 0), ir.Constant(ir.IntType(32), 2),
                          ir.Constant(ir.IntType(32), 1)))


def _operand_row(builder, src, start, r: int, nw: int):
    """Row ``r`` of the operand tile at element ``start`` (an i64 value) of ``src``. Rows
    are read in address order; each group of eight (four cache lines) asks for its lines
    PREFETCH tiles ahead: spread out, the requests overlap the memory's latency with the
    work on this tile (all of a tile's requests at once measured slower than none)."""
    at = builder.add(start, ir.Constant(_I64, r * nw))
    if PREFETCH and r % 8 == 0:
        _prefetch(builder, src, builder.add(at, ir.Constant(_I64, PREFETCH * 64 * nw)), nw)
    return _load(builder, src, at)


def _nontemporal(builder, store) -> None:
    """Mark a store as streaming (no read of the line first, not kept in cache)."""
    store.set_metadata("nontemporal", builder.module.add_metadata([ir.Constant(ir.IntType(32), 1)]))


def _transpose(builder, read, write, reread, final=None, near_first=False):
    """A 64x64 transpose in two passes of eight rows at a time, so the rows of a pass fit
    in the 16 vector registers (all 64 at once would spill): stages 32, 16, 8 on rows
    k, k + 8, ..., k + 56 and stages 4, 2, 1 on rows 8g .. 8g + 7 (the stages commute).
    ``read(r)`` gives row r's first value, ``write(r, value)`` stores a row after the
    first pass and ``reread(r)`` loads it back for the second. ``near_first``: the pass
    on neighbouring rows first, so the first pass reads its source in address order
    (which the hardware prefetcher follows); else the second pass writes in that order."""
    far = [(list(range(k, 64, 8)), MASKS[:3]) for k in range(8)]
    near = [(list(range(g, g + 8)), MASKS[3:]) for g in range(0, 64, 8)]
    first, second = (near, far) if near_first else (far, near)
    for group, stages in first:
        rows = {r: read(r) for r in group}
        _swap(builder, rows, stages)
        for r, value in rows.items():
            write(r, value)
    for group, stages in second:
        rows = {r: reread(r) for r in group}
        _swap(builder, rows, stages)
        for r, value in rows.items():
            (final or write)(r, value)


def transpose_in(nw: int):
    """Intrinsic ``_tin(x, base, v, first)``: vectors ``x[base : base + 64 nw]`` turned
    sideways into rows ``first .. first + 63`` of ``v`` (row i = bit i of the bus)."""
    @intrinsic
    def _tin(typingctx, x, base, v, first):
        if not _typed((x, v), (base, first)):
            return None

        def codegen(context, builder, sig, args):
            src = _data(context, builder, sig.args[0], args[0])
            dst = _data(context, builder, sig.args[2], args[2])
            b = _int64(context, builder, sig, args, 1)
            f = _row_words(context, builder, sig, args, 3, nw)
            # the first pass reads the tile in address order (see _operand_row)
            zero, stop, step = (ir.Constant(_I64, x) for x in (0, nw, LANES))
            with cgutils.for_range_slice(builder, zero, stop, step) as (w, _):
                at_src, at_dst = builder.add(b, w), builder.add(f, w)

                def read(r):
                    return _operand_row(builder, src, at_src, r, nw)

                def write(r, value):
                    _store(builder, value, dst, builder.add(at_dst, ir.Constant(_I64, r * nw)))

                def reread(r):
                    return _load(builder, dst, builder.add(at_dst, ir.Constant(_I64, r * nw)))

                _transpose(builder, read, write, reread, near_first=True)
            return context.get_dummy_value()
        return types.void(x, base, v, first), codegen
    return _tin


def transpose_out(nw: int, width: int, stream: bool = False):
    """Intrinsic ``_tout(v, first, t, out, base)``: rows ``first .. first + width - 1`` of
    ``v`` (the bits of a ``width``-bit bus; the missing high bits read as 0) turned back
    into vectors ``out[base : base + 64 nw]``, by way of the (64 nw,) scratch tile ``t``
    (``out`` may be ``t`` itself). ``stream``: write ``out`` with non-temporal stores
    (no read of each line before it is written; for outputs much larger than the cache)."""
    @intrinsic
    def _tout(typingctx, v, first, t, out, base):
        if not _typed((v, t, out), (base, first)):
            return None

        def codegen(context, builder, sig, args):
            src = _data(context, builder, sig.args[0], args[0])
            tmp = _data(context, builder, sig.args[2], args[2])
            dst = _data(context, builder, sig.args[3], args[3])
            f = _row_words(context, builder, sig, args, 1, nw)
            b = _int64(context, builder, sig, args, 4)
            zero, stop, step = (ir.Constant(_I64, x) for x in (0, nw, LANES))
            with cgutils.for_range_slice(builder, zero, stop, step) as (w, _):
                at_src, at_dst = builder.add(f, w), builder.add(b, w)

                def read(i):
                    if i >= width:                   # bits above the bus: 0
                        return _splat(0)
                    return _load(builder, src, builder.add(at_src, ir.Constant(_I64, i * nw)))

                def write(r, value):
                    _store(builder, value, tmp, builder.add(w, ir.Constant(_I64, r * nw)))

                def reread(r):
                    return _load(builder, tmp, builder.add(w, ir.Constant(_I64, r * nw)))

                def final(r, value):
                    store = _store(builder, value, dst, builder.add(at_dst, ir.Constant(_I64, r * nw)))
                    if stream:
                        _nontemporal(builder, store)

                _transpose(builder, read, write, reread, final)
            return context.get_dummy_value()
        return types.void(v, first, t, out, base), codegen
    return _tout


def bits_in(nw: int):
    """Intrinsic ``_bits_in(x, base, v, row)``: row ``row`` of ``v`` <- bit 0 of the
    vectors ``x[base : base + 64 nw]`` (a 1-bit bus such as ``cin``), gathered with
    vector shifts."""
    @intrinsic
    def _bits_in(typingctx, x, base, v, row):
        if not _typed((x, v), (base, row)):
            return None

        def codegen(context, builder, sig, args):
            src = _data(context, builder, sig.args[0], args[0])
            dst = _data(context, builder, sig.args[2], args[2])
            b = _int64(context, builder, sig, args, 1)
            f = _row_words(context, builder, sig, args, 3, nw)
            zero, stop, step = (ir.Constant(_I64, x) for x in (0, nw, LANES))
            with cgutils.for_range_slice(builder, zero, stop, step) as (w, _):
                at = builder.add(b, w)
                word = _splat(0)
                for r in range(64):
                    bit = builder.and_(_operand_row(builder, src, at, r, nw), _splat(1))
                    word = builder.or_(word, builder.shl(bit, _splat(r)))
                _store(builder, word, dst, builder.add(f, w))
            return context.get_dummy_value()
        return types.void(x, base, v, row), codegen
    return _bits_in


def bits_out(nw: int, stream: bool = False):
    """Intrinsic ``_bits_out(v, row, out, base)``: ``out[base : base + 64 nw]`` <- the
    1-bit bus in row ``row`` of ``v`` (0 or 1 per vector), scattered with vector shifts.
    ``stream``: non-temporal stores, as in :func:`transpose_out`."""
    @intrinsic
    def _bits_out(typingctx, v, row, out, base):
        if not _typed((v, out), (base, row)):
            return None

        def codegen(context, builder, sig, args):
            src = _data(context, builder, sig.args[0], args[0])
            dst = _data(context, builder, sig.args[2], args[2])
            f = _row_words(context, builder, sig, args, 1, nw)
            b = _int64(context, builder, sig, args, 3)
            zero, stop, step = (ir.Constant(_I64, x) for x in (0, nw, LANES))
            with cgutils.for_range_slice(builder, zero, stop, step) as (w, _):
                word = _load(builder, src, builder.add(f, w))
                at = builder.add(b, w)
                for r in range(64):
                    bit = builder.and_(builder.lshr(word, _splat(r)), _splat(1))
                    store = _store(builder, bit, dst, builder.add(at, ir.Constant(_I64, r * nw)))
                    if stream:
                        _nontemporal(builder, store)
            return context.get_dummy_value()
        return types.void(v, row, out, base), codegen
    return _bits_out
