"""LLVM IR for the generated kernels of :mod:`adders.codegen`, written as Numba intrinsics.

A generated kernel's hot parts are long runs of word operations: one per gate, and some
thousand per 64x64 transpose. Written as Python statements, Numba's front end would
spend seconds on every one of them; here they go straight to LLVM as vector
instructions on ``<4 x i64>`` values (four words, 256 vectors), inside one loop over the
``nw`` words of a tile row. The gates are one straight line (LLVM keeps the values in
registers and spills the rest to the stack, in L1); a transpose is a loop over groups
of eight rows, so that the code of a whole tile stays small enough for the CPU's
instruction caches. No Python-level statement exists per gate.

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

__all__ = ["LANES", "MASKS", "STREAM_ALIGN", "gates_kernel", "transpose_in", "transpose_out",
           "bits_in", "bits_out"]

LANES = 4                                   #: words per LLVM vector value
STREAM_ALIGN = 32   #: bytes: where a streaming store's vector must start (one whole vector)
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


def _stream_store(builder, value, data, index) -> None:
    """A streaming (non-temporal) store: no read of the line first, not kept in cache.

    The address must be a multiple of 32 bytes. LLVM then writes the whole vector with
    one instruction; told only of 8-byte alignment it splits the store into four 8-byte
    streaming stores (and the moves that extract them), which measured the kernel
    1.2-1.3x slower end to end from memory (64-bit Kogge-Stone)."""
    store = builder.store(value, _vector_at(builder, data, index), align=STREAM_ALIGN)
    store.set_metadata("nontemporal", builder.module.add_metadata([ir.Constant(ir.IntType(32), 1)]))


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


def _arrays(t) -> bool:
    """Whether ``t`` is a tuple of word arrays (the operands a kernel prefetches)."""
    return isinstance(t, types.BaseTuple) and all(_is_words(x) for x in t)


def gates_kernel(nw: int, program: tuple):
    """Intrinsic ``_gates(v, base, operands)``: run ``program`` (see the module docstring)
    on every group of 4 words of the tile rows of ``v``, a (rows * nw,) uint64 buffer.

    Between the gates it asks for the cache lines of the next tile of every operand
    array (a tuple of uint64 arrays; vectors ``base + 64 nw ..``), one line every few
    gates: spread over the longest stretch of work of a tile, the reads of memory run
    beside it. Asked for all at once, or from the transposes as they load (a burst
    every few dozen instructions), they measured 1.4-1.7x slower end to end from
    memory."""
    @intrinsic
    def _gates(typingctx, v, base, operands):
        if not (_is_words(v) and isinstance(base, types.Integer) and _arrays(operands)):
            return None

        def codegen(context, builder, sig, args):
            data = _data(context, builder, sig.args[0], args[0])
            ahead = builder.add(_int64(context, builder, sig, args, 1), ir.Constant(_I64, 64 * nw))
            sources = []
            for k, array_type in enumerate(sig.args[2]):
                array = context.make_array(array_type)(
                    context, builder, builder.extract_value(args[2], k))
                sources.append((array.data, builder.extract_value(array.shape, 0)))
            every = max(1, len(program) // max(1, 8 * LANES * len(sources)))
            zero, stop, step = (ir.Constant(_I64, x) for x in (0, nw, LANES))
            with cgutils.for_range_slice(builder, zero, stop, step) as (w, _):
                start = builder.add(ahead, builder.mul(w, ir.Constant(_I64, 64)))
                # the 64 LANES words of this pass over the next tile, lines interleaved
                # across the operands; past an array's end (the last tile, a constant
                # operand), its first words instead: one test per array, not per line
                last = builder.add(start, ir.Constant(_I64, 64 * LANES - 1))
                firsts = [builder.gep(src, [builder.select(builder.icmp_signed("<", last, n),
                                                           start, ir.Constant(_I64, 0))])
                          for src, n in sources]
                lines = [(first, 8 * j) for j in range(8 * LANES) for first in firsts]
                value = {}
                for i, item in enumerate(program):
                    if i % every == 0 and lines:
                        _prefetch(builder, *lines.pop(0))
                    if item[0] == 0:
                        at = builder.add(w, ir.Constant(_I64, item[2] * nw))
                        value[item[1]] = _load(builder, data, at)
                    elif item[0] == 1:
                        _store(builder, value[item[1]], data,
                               builder.add(w, ir.Constant(_I64, item[2] * nw)))
                    else:
                        value[item[1]] = _gate(builder, item[0] - 2, [value[i] for i in item[2:]])
                for line in lines:
                    _prefetch(builder, *line)
            return context.get_dummy_value()
        return types.void(v, base, operands), codegen
    return _gates


def _prefetch(builder, first, offset: int) -> None:
    """Ask for the cache line of the word ``offset`` words after ``first`` (an i64*)
    into the L2 cache: a read hint. The offset is a constant, so the instruction
    addresses it itself: no arithmetic per line."""
    i8p = ir.IntType(8).as_pointer()
    fn = builder.module.declare_intrinsic("llvm.prefetch", (i8p,), ir.FunctionType(
        ir.VoidType(), (i8p, ir.IntType(32), ir.IntType(32), ir.IntType(32))))
    ptr = builder.bitcast(builder.gep(first, [ir.Constant(_I64, offset)]), i8p)
    builder.call(fn, (ptr, ir.Constant(ir.IntType(32), 0), ir.Constant(ir.IntType(32), 2),
                      ir.Constant(ir.IntType(32), 1)))


#: The two passes of a transpose: (stride between the eight rows of a group, stride
#: between groups, swap stages). "near": rows 8g .. 8g + 7, stages 4, 2, 1; "far": rows
#: k, k + 8, ..., k + 56, stages 32, 16, 8 (the stages commute).
_NEAR = (1, 8, MASKS[3:])
_FAR = (8, 1, MASKS[:3])


def _blend_swap(builder, lo, hi, j: int):
    """The swap stage ``j`` (32, 16 or 8) on one pair of rows, as whole ``j``-bit fields:
    ``lo`` keeps its even fields and takes ``hi``'s even ones into its odd fields, ``hi``
    keeps its odd fields and takes ``lo``'s odd ones into its even fields. One shift and
    one blend a row (the masked-XOR swap takes three operations a row); the transposes
    measured 1.1-1.25x faster with these three stages so."""
    n = 256 // j
    fields = ir.VectorType(ir.IntType(j), n)
    even = ir.Constant(ir.VectorType(ir.IntType(1), n), [i % 2 == 0 for i in range(n)])
    up = builder.bitcast(builder.shl(hi, _splat(j)), fields)
    down = builder.bitcast(builder.lshr(lo, _splat(j)), fields)
    return (builder.bitcast(builder.select(even, builder.bitcast(lo, fields), up), _VEC),
            builder.bitcast(builder.select(even, down, builder.bitcast(hi, fields)), _VEC))


def _swap8(builder, rows: list, stride: int, stages) -> None:
    """The swap ``stages`` on a group of eight rows (``rows``, changed in place) whose
    row numbers are ``stride`` apart: whole bytes and wider by blends, bits within a
    byte by masked XORs."""
    for j, mask in stages:
        s, m, d = _splat(j), _splat(mask), j // stride
        for k in range(8):
            if k & d:
                continue
            lo, hi = rows[k], rows[k + d]
            if j >= 8:
                rows[k], rows[k + d] = _blend_swap(builder, lo, hi, j)
                continue
            y = builder.and_(builder.xor(builder.lshr(lo, s), hi), m)
            rows[k] = builder.xor(lo, builder.shl(y, s))
            rows[k + d] = builder.xor(hi, y)


def _transpose(builder, nw: int, read, write, reread, final=None, near_first=False):
    """A 64x64 transpose in two passes over eight groups of eight rows, so the rows of a
    group fit in the 16 vector registers (all 64 at once would spill). Each pass is a
    run-time loop over its groups: unrolled, a transpose is some 1,400 instructions, a
    tile's code outgrows the instruction caches and the kernel measured 1.3x slower with
    the tile in L1; the loop also keeps LLVM from carrying the first pass's values to
    the second in registers, spilled.

    ``read(at)`` gives the row at word offset ``at`` (an i64 value: row * nw);
    ``write(at, value)`` stores a row after the first pass and ``reread(at)`` loads it
    back for the second; ``final`` stores the second pass's rows (default: ``write``).
    ``near_first``: the pass on neighbouring rows first, so the first pass reads its
    source in address order; else the second pass writes in that order."""
    passes = (_NEAR, _FAR) if near_first else (_FAR, _NEAR)
    for number, (stride, group_stride, stages) in enumerate(passes):
        load, store = (read, write) if number == 0 else (reread, final or write)
        with cgutils.for_range(builder, ir.Constant(_I64, 8)) as loop:
            at0 = builder.mul(loop.index, ir.Constant(_I64, group_stride * nw))
            ats = [builder.add(at0, ir.Constant(_I64, j * stride * nw)) for j in range(8)]
            rows = [load(at) for at in ats]
            _swap8(builder, rows, stride, stages)
            for at, value in zip(ats, rows):
                store(at, value)


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
            zero, stop, step = (ir.Constant(_I64, x) for x in (0, nw, LANES))
            with cgutils.for_range_slice(builder, zero, stop, step) as (w, _):
                at_src, at_dst = builder.add(b, w), builder.add(f, w)
                _transpose(
                    builder, nw,
                    # the first pass reads the tile in address order
                    lambda at: _load(builder, src, builder.add(at_src, at)),
                    lambda at, value: _store(builder, value, dst, builder.add(at_dst, at)),
                    lambda at: _load(builder, dst, builder.add(at_dst, at)), near_first=True)
            return context.get_dummy_value()
        return types.void(x, base, v, first), codegen
    return _tin


def transpose_out(nw: int, width: int, stream: bool = False):
    """Intrinsic ``_tout(v, first, t, out, base)``: rows ``first .. first + width - 1`` of
    ``v`` (the bits of a ``width``-bit bus; the missing high bits read as 0) turned back
    into vectors ``out[base : base + 64 nw]``, by way of the (64 nw,) scratch tile ``t``
    (``out`` may be ``t`` itself). ``stream``: write ``out`` with non-temporal stores
    (no read of each line before it is written; for outputs much larger than the cache);
    ``out[base]`` must then start on :data:`STREAM_ALIGN` bytes."""
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

                def read(at):
                    if width >= 64:
                        return _load(builder, src, builder.add(at_src, at))
                    # bits above the bus read as 0; the load stays inside the bus
                    inside = builder.icmp_signed("<", at, ir.Constant(_I64, width * nw))
                    safe = builder.select(inside, at, ir.Constant(_I64, 0))
                    return builder.select(inside, _load(builder, src, builder.add(at_src, safe)),
                                          _splat(0))

                def final(at, value):
                    (_stream_store if stream else _store)(builder, value, dst,
                                                          builder.add(at_dst, at))

                _transpose(builder, nw, read,
                           lambda at, value: _store(builder, value, tmp, builder.add(w, at)),
                           lambda at: _load(builder, tmp, builder.add(w, at)), final)
            return context.get_dummy_value()
        return types.void(v, first, t, out, base), codegen
    return _tout


def bits_in(nw: int):
    """Intrinsic ``_bits_in(x, base, v, row, check)``: row ``row`` of ``v`` <- bit 0 of
    the vectors ``x[base : base + 64 nw]`` (a 1-bit bus such as ``cin``), gathered with
    vector shifts; row ``check`` of ``v`` |= their bits above bit 0 (nonzero: some
    vector is out of range for the bus)."""
    @intrinsic
    def _bits_in(typingctx, x, base, v, row, check):
        if not _typed((x, v), (base, row, check)):
            return None

        def codegen(context, builder, sig, args):
            src = _data(context, builder, sig.args[0], args[0])
            dst = _data(context, builder, sig.args[2], args[2])
            b = _int64(context, builder, sig, args, 1)
            f = _row_words(context, builder, sig, args, 3, nw)
            c = _row_words(context, builder, sig, args, 4, nw)
            zero, stop, step = (ir.Constant(_I64, x) for x in (0, nw, LANES))
            with cgutils.for_range_slice(builder, zero, stop, step) as (w, _):
                at = builder.add(b, w)
                word, seen = _splat(0), _splat(0)
                for r in range(64):
                    value = _load(builder, src, builder.add(at, ir.Constant(_I64, r * nw)))
                    seen = builder.or_(seen, value)
                    word = builder.or_(word, builder.shl(builder.and_(value, _splat(1)), _splat(r)))
                _store(builder, word, dst, builder.add(f, w))
                at_check = builder.add(c, w)
                high = builder.lshr(seen, _splat(1))
                _store(builder, builder.or_(_load(builder, dst, at_check), high), dst, at_check)
            return context.get_dummy_value()
        return types.void(x, base, v, row, check), codegen
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
                    (_stream_store if stream else _store)(
                        builder, bit, dst, builder.add(at, ir.Constant(_I64, r * nw)))
            return context.get_dummy_value()
        return types.void(v, row, out, base), codegen
    return _bits_out
