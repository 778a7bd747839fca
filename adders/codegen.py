"""Generated simulation kernels: one straight-line kernel per circuit structure.

The interpreter of :mod:`adders.bitslice` walks the gate list at run time, streaming
every net's words through a slot array. Here the gate list becomes a program fixed
when the kernel is compiled, one vector instruction per gate::

    (2 + AND, 130, 0, 64)      ->   %n130 = and <4 x i64> %n0, %n64
    (2 + XOR, 131, 0, 64)      ->   %n131 = xor <4 x i64> %n0, %n64

written straight to LLVM IR (:mod:`adders.codegen_ir`; as Python statements, Numba's
front end would take seconds per thousand gates), with the nets held in registers or,
when too many are alive, on the stack in the L1 cache. Gates are emitted depth-first
from each output bit (fewer nets alive at once than the levelised order), and only the
gates some requested net depends on. A tile is ``TILE`` = 256 vectors: 64 rows of
``NW`` = 4 words per bus. Operands are turned sideways by the register transposes of
:mod:`adders.codegen_ir` and loaded and stored by :mod:`adders.codegen_runtime`
(compiled once for all circuits), inline for every whole tile (no call per tile);
operand arrays are range-checked as they are loaded; tiles start on cache lines (the
vectors before the first line run as a partial tile, and :func:`outputs` places the
results to match); outputs larger than the caches are written with non-temporal stores.

Cache. A kernel is keyed by a hash of the levelised netlist (the arrays of
:meth:`Circuit.compiled`), the widths of its buses, the nets read out and the
generator's own source. Its module is written once to ``<cache root>/codegen/`` (the
folder of :func:`adders._numba_cache.cache_root`: ``$NUMBA_CACHE_DIR`` or
``~/.cache/carrylab/numba``, never beside the sources) and its functions are
``cache=True``, so Numba keeps the machine code beside it: a second process with the
same circuit loads instead of compiling. :func:`stats` counts both.

Cost: compiling a 64-bit adder's kernel takes seconds (the first kernel of a cache
folder also compiles the shared loads and stores); running it costs ``gates`` vector
instructions per 256 vectors plus three transposes of 64 x 64 bits.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from . import codegen_ir, codegen_runtime
from ._numba_cache import cache_root
from .errors import CarrylabValueError

__all__ = ["NW", "TILE", "MAX_GATES", "Kernel", "key", "choose", "source", "kernel", "on_disk",
           "outputs", "run", "stats"]

NW = codegen_runtime.NW        #: words per tile row
TILE = codegen_runtime.TILE    #: vectors per tile
MAX_GATES = 20_000     #: larger circuits stay with the interpreter (compile time)
_NARROW = 8            # buses up to this width are gathered bit by bit, not transposed

_LOADED_MIN = 1 << 12      # auto: vectors a call needs to use a kernel already loaded
_DISK_MIN = 1 << 16        # ... to load one from the cache folder
_WORTH_COMPILING = 1 << 26  # ... vectors of one circuit, this process, before compiling
_STREAM_BYTES = 4 << 20    # outputs larger than this are written past the caches

_lock = threading.Lock()
_SEEN: dict = {}                      # key -> vectors simulated (calls >= _LOADED_MIN)
_GENERATOR: list = []                 # [hash of the generator], computed once
#: Compiled netlist -> {(rows, out_widths): key}; entries go when the compiled form does.
_KEYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOADED: dict = {}                    # key -> Kernel, this process
_STATS = {"generated": 0, "imported": 0, "compiled": 0, "loaded": 0}
_POOL: list = []                      # [(workers, ThreadPoolExecutor)], made when first needed


class Kernel:
    """A generated kernel for one circuit structure and one set of read-out nets.

    ``run(*inputs, *outputs, start, stop, stream)`` simulates vectors ``start .. stop -
    1``: one (n,) or (1,) uint64 array per input bus (a length-1 array is a constant),
    one (n,) uint64 array per output bus, filled in place; ``stream``: write the wide
    outputs with non-temporal stores (when every output's whole tiles start on 32 bytes,
    as :func:`run` arranges; else regular stores). It returns the OR of the operand bits above their
    buses (not zero: some operand is out of range, and the outputs mean nothing).
    """

    def __init__(self, key: str, module, n_inputs: int, n_outputs: int):
        self.key = key
        self.module = module
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs

    @property
    def run(self):
        """The compiled Numba dispatcher."""
        return self.module.run

    @property
    def ready(self) -> bool:
        """Whether machine code is loaded in this process (no compile on the next call)."""
        return bool(self.module.run.signatures)


def _generator_hash() -> bytes:
    """Hash of everything that shapes a generated module besides the circuit."""
    if not _GENERATOR:
        h = hashlib.sha256(f"{codegen_runtime.VERSION}|{NW}|".encode())
        for module in (codegen_ir, codegen_runtime):
            h.update(Path(module.__file__).read_bytes())
        h.update(Path(__file__).read_bytes())
        _GENERATOR.append(h.digest())
    return _GENERATOR[0]


def key(circuit, rows, out_widths) -> str:
    """Hex cache key of the kernel for ``circuit`` reading out ``rows`` grouped into buses
    of ``out_widths`` bits: a hash of the levelised netlist and the generator.
    Remembered per compiled form of the circuit (new after every edit)."""
    form = circuit.compiled()
    rows, out_widths = tuple(rows), tuple(out_widths)
    known = _KEYS.setdefault(form, {})
    if (rows, out_widths) not in known:
        if len(known) >= 16:                # a few probe sets per circuit are plenty
            known.pop(next(iter(known)))
        missing = [r for r in rows if r not in form.index]
        if missing:
            raise CarrylabValueError(f"unknown nets {missing[:5]} in circuit {circuit.name!r}")
        known[rows, out_widths] = _key(form, rows, out_widths)
    return known[rows, out_widths]


def _key(form, rows, out_widths) -> str:
    h = hashlib.sha256(_generator_hash())
    h.update(f"{form.n_inputs}|".encode())
    for array in (form.op, form.ptr, form.pins):
        h.update(np.ascontiguousarray(array).tobytes())
        h.update(b"|")
    widths = [len(nets) for nets in form.inputs.values()]
    h.update(repr((widths, [form.index[r] for r in rows], list(out_widths))).encode())
    return h.hexdigest()[:32]


def choose(circuit, rows, out_widths, n: int, engine: str = "auto") -> str:
    """"interpreter" or "compiled" for simulating ``n`` vectors (see
    :func:`adders.logic.simulate` for the rule ``engine="auto"`` follows)."""
    if engine != "auto":
        return engine
    if n < _LOADED_MIN or circuit.compiled().n_gates > MAX_GATES:
        return "interpreter"
    k = key(circuit, rows, out_widths)
    with _lock:
        seen = _SEEN[k] = _SEEN.get(k, 0) + n
        kern = _LOADED.get(k)
    if (kern is not None and kern.ready) or (n >= _DISK_MIN and on_disk(k)) \
            or seen >= _WORTH_COMPILING:
        return "compiled"
    return "interpreter"


def _depth_first(form, targets) -> list[int]:
    """Gates (numbers) that ``targets`` (net numbers) depend on, each after its inputs,
    in depth-first order from the first target on (an iterative post-order walk)."""
    n_in = form.n_inputs
    done = bytearray(len(form.names))
    order = []
    for target in targets:
        stack = [(target, 0)]
        while stack:
            net, pin = stack.pop()
            if done[net] or net < n_in:
                continue
            ins = form.gate_inputs[net - n_in]
            while pin < len(ins) and (done[ins[pin]] or ins[pin] < n_in):
                pin += 1
            if pin < len(ins):
                stack.append((net, pin + 1))
                stack.append((ins[pin], 0))
            else:
                done[net] = 1
                order.append(net - n_in)
    return order


def _transposed(width: int) -> bool:
    """Whether an input bus of ``width`` bits is turned sideways by a transpose (else
    gathered bit by bit, or, wider than 64 bits, only ever a constant)."""
    return _NARROW < width <= 64


def source(circuit, rows, out_widths) -> str:
    """Python source of the kernel (see :class:`Kernel`) for ``circuit`` reading out the
    nets ``rows``, in buses of ``out_widths`` bits (each <= 64)."""
    form = circuit.compiled()
    n_in = form.n_inputs
    in_widths = [len(nets) for nets in form.inputs.values()]
    # rows of the tile buffer v: a transposed bus owns 64 rows (a whole transpose); a
    # bus wider than 64 bits can only be a constant (uint64 arrays hold 64), so is filled
    row_of, first_in, r = {}, [], 0
    for nets in form.inputs.values():
        first_in.append(r)
        for i, net in enumerate(nets):
            row_of[net] = r + i
        r += 64 if _transposed(len(nets)) else len(nets)
    first_out, targets = [], []
    k = 0
    for width in out_widths:
        first_out.append(r)
        for i in range(width):
            targets.append((form.index[rows[k]], r + i))
            k += 1
        r += width
    n_rows = r
    program = []
    wanted: dict[int, list[int]] = {}
    for net, out_row in targets:
        wanted.setdefault(net, []).append(out_row)
    loaded = set()

    def use(net):
        if net < n_in and net not in loaded:
            loaded.add(net)
            program.append((0, net, row_of[net]))
        return net

    def store(net):
        for out_row in wanted.pop(net, ()):
            program.append((1, use(net), out_row))

    for net, _ in targets:                  # outputs that are input nets
        if net < n_in:
            store(net)
    for g in _depth_first(form, [net for net, _ in targets]):
        program.append((2 + form.opcodes[g], n_in + g, *(use(i) for i in form.gate_inputs[g])))
        store(n_in + g)
    xs = [f"x{k}" for k in range(len(in_widths))]
    outs = [f"o{k}" for k in range(len(out_widths))]
    firsts = first_in + first_out
    lines = [f'"""Generated by adders.codegen for circuit {circuit.name!r}: do not edit."""',
             "import numpy as np", "from numba import njit", "",
             "from adders import codegen_ir",
             "from adders.codegen_runtime import (NW, TILE, aligned_zeros, bits_in, bits_out, "
             "bits_stream,", "                                     check_high, flagged, load_narrow, "
             "load_wide, store_narrow,", "                                     streamable, tin, unpad)",
             "", f"PROGRAM = {tuple(program)!r}", "_gates = codegen_ir.gates_kernel(NW, PROGRAM)"]
    for width in sorted({w for w in out_widths if w > _NARROW}):
        lines += [f"_tout{width} = codegen_ir.transpose_out(NW, {width})",
                  f"_stream{width} = codegen_ir.transpose_out(NW, {width}, stream=True)"]
    lines += ["", "", "@njit(cache=True, nogil=True)",
              f"def run({', '.join(xs + outs + ['start', 'stop', 'stream'])}):",
              f"    v = aligned_zeros({n_rows + 1} * NW)    # row {n_rows}: operand bits above their bus",
              "    t = aligned_zeros(TILE)",
              "    # first rows and widths of the buses, as run-time values: literals would make Numba",
              "    # compile one copy of each helper per bus",
              f"    rows = np.array({firsts!r}, dtype=np.int64)",
              f"    widths = np.array({in_widths + list(out_widths)!r}, dtype=np.int64)"]
    if outs:
        lines += ["    # streaming stores write whole aligned vectors: only when every output's tiles",
                  "    # start on such a boundary (else regular stores, never a misaligned one)",
                  f"    stream = stream and {' and '.join(f'streamable({o}, start)' for o in outs)}"]
    lines.append("    # a constant bus is filled once: the gates never write the input rows")
    body = lines.append
    check = n_rows

    def loader(k, x, count):
        if _transposed(in_widths[k]):
            return f"load_wide({x}, base, {count}, t, v, rows[{k}], widths[{k}], {check})"
        return f"load_narrow({x}, base, {count}, v, rows[{k}], widths[{k}], {check})"

    for k, x in enumerate(xs):
        body(f"    if {x}.shape[0] == 1:")
        body("        " + loader(k, x, "TILE").replace("base", "0"))
    body("    for base in range(start, stop, TILE):")
    body("        count = min(TILE, stop - base)")
    body("        if count == TILE:        # a whole tile: loads inline, no call per tile")
    for k, (x, width) in enumerate(zip(xs, in_widths)):
        load = (f"tin({x}, base, v, rows[{k}])" if _transposed(width) else
                f"bits_in({x}, base, v, rows[{k}], {check})" if width == 1 else
                loader(k, x, "TILE"))
        body(f"            if {x}.shape[0] != 1:")
        body(f"                {load}")
        if _transposed(width) and width < 64:
            body(f"                check_high(v, rows[{k}], widths[{k}], {check})")
    body("        else:")
    for k, x in enumerate(xs):
        body("            " + loader(k, x, "count"))
    body(f"        _gates(v, base, ({', '.join(xs)},))    # also asks for the next tile's operands")
    body("        if count < TILE:")
    for k, (o, width) in enumerate(zip(outs, out_widths), start=len(xs)):
        if width > _NARROW:
            body(f"            _tout{width}(v, rows[{k}], t, t, 0)")
            body(f"            unpad(t, {o}, base, count)")
        else:
            body(f"            store_narrow(v, rows[{k}], widths[{k}], {o}, base, count, stream)")
    body("        elif stream:")
    for k, (o, width) in enumerate(zip(outs, out_widths), start=len(xs)):
        body(f"            _stream{width}(v, rows[{k}], t, {o}, base)" if width > _NARROW else
             f"            bits_stream(v, rows[{k}], {o}, base)" if width == 1 else
             f"            store_narrow(v, rows[{k}], widths[{k}], {o}, base, TILE, stream)")
    body("        else:")
    for k, (o, width) in enumerate(zip(outs, out_widths), start=len(xs)):
        body(f"            _tout{width}(v, rows[{k}], t, {o}, base)" if width > _NARROW else
             f"            bits_out(v, rows[{k}], {o}, base)" if width == 1 else
             f"            store_narrow(v, rows[{k}], widths[{k}], {o}, base, TILE, stream)")
    body(f"    return flagged(v, {check})")
    return "\n".join(lines) + "\n"


def _folder() -> Path:
    return cache_root() / "codegen"


def _path(k: str) -> Path:
    return _folder() / f"carrylab_kernel_{k}.py"


def on_disk(k: str) -> bool:
    """Whether kernel ``k``'s source and compiled code are in the cache folder."""
    return _path(k).with_suffix(".ready").exists()


def _import(k: str, text: str):
    """Write the source for key ``k`` once (atomically) and import it as a module."""
    path = _path(k)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        if not path.exists():                # another process may have won the race
            os.replace(tmp, path)
        else:
            os.unlink(tmp)
        _STATS["generated"] += 1
    name = f"carrylab_kernel_{k}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    _STATS["imported"] += 1
    return module


def kernel(circuit, rows, out_widths) -> Kernel:
    """The kernel for ``circuit`` reading out ``rows`` in buses of ``out_widths`` bits:
    from this process's table, else imported from the cache folder (written first if
    absent). Machine code is made (compiled, or loaded from Numba's cache) on first run."""
    rows, out_widths = tuple(rows), tuple(out_widths)
    k = key(circuit, rows, out_widths)
    with _lock:
        found = _LOADED.get(k)
        if found is None:
            text = "" if _path(k).exists() else source(circuit, rows, out_widths)
            module = _import(k, text)
            found = _LOADED[k] = Kernel(k, module, len(circuit.inputs), len(out_widths))
    return found


def _prepare(kern: Kernel, args) -> None:
    """Make ``kern``'s machine code for the argument types (compile or load), count which."""
    with _lock:
        if kern.ready:
            return
        dispatcher = kern.run
        dispatcher.compile(tuple(dispatcher.typeof_pyval(a) for a in args))
        hits = sum(dispatcher.stats.cache_hits.values())
        _STATS["loaded" if hits else "compiled"] += 1
        _path(kern.key).with_suffix(".ready").touch()


def _line_offset(x: np.ndarray) -> int:
    """Where ``x``'s data starts inside its 64-byte cache line, in bytes."""
    return x.ctypes.data % 64


def outputs(count: int, n: int, like=None) -> list[np.ndarray]:
    """``count`` new (n,) uint64 arrays for a kernel's results, each starting at the same
    place in its cache line as ``like`` (an operand array; default: on a line), so that
    :func:`run` can start every tile of operands and results on a line."""
    stride = -(-n // 8) * 8                 # whole lines per array
    buf = np.empty(count * stride + 8, dtype=np.uint64)
    want = 0 if like is None else _line_offset(like)
    skip = (want - _line_offset(buf)) % 64 // 8
    return [buf[skip + k * stride: skip + k * stride + n] for k in range(count)]


def run(kern: Kernel, inputs, outputs, n: int, n_threads: int) -> bool:
    """Simulate ``n`` vectors: ``inputs`` one uint64 array per input bus ((n,) or (1,)),
    ``outputs`` one (n,) uint64 array per output bus, written in place. Returns whether
    some operand had bits above its bus (the outputs are then meaningless). Threads take
    contiguous runs of whole tiles (disjoint parts of every output). The vectors before
    the first operand array reaches a cache line go first, as a partial tile: the whole
    tiles then load (and, with :func:`outputs`, store) whole lines, never two halves."""
    args = (*inputs, *outputs)
    # streaming (non-temporal) stores once the outputs outgrow the caches: the lines are
    # then not read before being written
    stream = n * len(outputs) * 8 > _STREAM_BYTES
    _prepare(kern, (*args, 0, n, stream))
    arrays = [x for x in inputs if x.shape[0] > 1]
    head = min(n, (64 - _line_offset(arrays[0])) % 64 // 8) if arrays else 0
    flag = kern.run(*args, 0, head, stream) if head else 0
    n_tiles = (n - head + TILE - 1) // TILE
    n_threads = max(1, min(n_threads, n_tiles))
    if n_threads == 1:
        return bool(flag | kern.run(*args, head, n, stream))
    per = (n_tiles + n_threads - 1) // n_threads * TILE
    with _lock:
        if not _POOL or _POOL[0][0] < n_threads:
            _POOL[:] = [(n_threads, ThreadPoolExecutor(max_workers=n_threads,
                                                       thread_name_prefix="carrylab-sim"))]
        pool = _POOL[0][1]
    jobs = [pool.submit(kern.run, *args, lo, min(n, lo + per), stream)
            for lo in range(head, n, per)]
    for job in jobs:
        flag |= job.result()
    return bool(flag)


def stats() -> dict:
    """Counts in this process: kernel sources ``generated`` (written), modules
    ``imported``, kernels ``compiled`` and kernels ``loaded`` from Numba's cache."""
    return dict(_STATS)
