"""``carrylab warmup``: compile the Numba kernels once, before the first notebook needs them.

carrylab's kernels are ``@njit(cache=True)``. The first call of a kernel with a new
*signature* (the dtype, number of dimensions, memory layout and writability of each
argument) compiles it, from a fraction of a second to several seconds each; Numba then
keeps the machine code in a per-user cache (:mod:`adders._numba_cache`:
``$NUMBA_CACHE_DIR`` or ``~/.cache/carrylab/numba``, one entry per source file and
signature), and every later process loads it in milliseconds. Without this command a
student pays that price in the middle of a notebook, 25-40 s at the first cell that
touches a kernel.

:func:`run` calls the public API on tiny inputs, once for every path and dtype that
the course notebooks, ``carrylab tour`` and the other commands take, so that every
signature they use is compiled into the cache. The steps:

* **adders**: ``Circuit.simulate`` on uint64 operands (the fused kernel, with probes),
  on 0/1 bit matrices, with ``as_bits`` either way, and ``run_packed``. One-vector
  ``evaluate`` and the event-driven timing are plain Python and compile nothing.
* **scans**: ``affine_scan`` (serial and channel-parallel kernels, diagonal and dense),
  ``linear_recurrence_loop``, ``affine_scan_blocked`` (serial and two-pass),
  ``carry_scan`` and DEER, in float64 and float32.
* **models**: every model of :data:`rnn.train.MODELS` in float32 and float64, forward
  (training and evaluation), loss, backward, clipping and an Adam and an SGD step,
  with dropout, under each head (music/BCE, regression, classification at every step
  and at the last step only, character model); the hand-wired adders of
  :mod:`rnn.wiring`; and one tiny :func:`rnn.train.fit` with its checkpoint reload.

The ``viz`` widgets draw with matplotlib and simulate with the Python timing engine:
they use no kernel. That nothing is missing is measured, not assumed:
``benchmarks/bench_startup.py`` runs every notebook's code, the commands and the tour
after a warm-up and counts the kernels Numba compiles (none).

The command is idempotent: a second run loads every kernel from the cache and
compiles nothing (3-4 s, mostly importing Numba and NumPy's friends). Cold, on a busy
2-core machine: 2-4 minutes, nearly all of it LLVM compiling about 75 kernel signatures.
"""
from __future__ import annotations

import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

__all__ = ["STEPS", "run", "compiled_kernels"]


# ---------------------------------------------------------------------- counting
@contextmanager
def compiled_kernels():
    """Collect the names of carrylab's kernels that Numba compiles inside the block
    (loads from the cache are not compilations): ``with compiled_kernels() as names:``.
    """
    from numba.core import event

    from adders._numba_cache import PACKAGES
    names: list[str] = []

    class _Listener(event.Listener):
        def on_start(self, ev):
            func = getattr(ev.data["dispatcher"], "py_func", None)
            module = getattr(func, "__module__", "") or ""
            if module.split(".")[0] in PACKAGES:
                names.append(f"{module}.{func.__qualname__}")

        def on_end(self, ev):
            pass

    listener = _Listener()
    event.register("numba:compile", listener)
    try:
        yield names
    finally:
        event.unregister("numba:compile", listener)


# ---------------------------------------------------------------------- steps
def _adders() -> None:
    """Circuit.simulate in each of its forms, and run_packed."""
    import numpy as np

    from adders import build
    from adders.logic import pack, run_packed

    circuit = build("kogge-stone", 8)
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, 100, dtype=np.uint64)
    b = rng.integers(0, 256, 100, dtype=np.uint64)
    circuit.simulate(a=a, b=b)                                   # fused uint64 kernel
    circuit.simulate(a=a, b=b, cin=a & np.uint64(1), probe=["c4"])
    circuit.simulate(a=a, b=b, as_bits=True)                     # pack, run, unpack bits
    bits = ((a[:, None] >> np.arange(8, dtype=np.uint64)) & np.uint64(1)).astype(np.uint8)
    circuit.simulate(a=bits, b=bits)                             # bit matrices in and out
    circuit.simulate(a=bits.astype(bool), b=bits, as_bits=False)  # bits in, uint64 out
    packed, _ = pack(circuit, a=a, b=b)
    run_packed(circuit, packed, circuit.outputs["s"])


def _scans() -> None:
    """The prefix scans and sequential loops of rnn.scan, and DEER."""
    import numpy as np

    from adders.prefix import brent_kung, kogge_stone
    from rnn import scan
    from rnn.deer import deer_elman, elman_serial

    rng = np.random.default_rng(0)
    scan.carry_scan(kogge_stone(8), rng.integers(0, 2, 8), rng.integers(0, 2, 8))
    for dtype in (np.float64, np.float32):
        for T, D in ((8, 1), (8, 3), (64, 256)):    # serial kernel; channel-parallel kernel
            a = rng.uniform(0.5, 1.0, (T, D)).astype(dtype)
            b = rng.normal(size=(T, D)).astype(dtype)
            scan.affine_scan(kogge_stone(T), a, b)
            a1, b1 = np.ascontiguousarray(a[:, 0]), np.ascontiguousarray(b[:, 0])  # (T,)
            scan.affine_scan(brent_kung(T), a1, b1, h0=np.zeros(1, dtype))
            scan.linear_recurrence_loop(a, b)
            scan.linear_recurrence_loop(a1, b1, h0=np.ones(1, dtype))
        a = rng.uniform(0.5, 1.0, (1 << 14, 2)).astype(dtype)
        b = rng.normal(size=a.shape).astype(dtype)
        scan.affine_scan_blocked(a, b, n_threads=2, block=4096)     # two-pass kernel
        scan.affine_scan_blocked(a[:64], b[:64])                    # sequential fallback
        dense = np.broadcast_to(np.eye(3, dtype=dtype) * 0.5, (8, 3, 3)).copy()
        scan.affine_scan(kogge_stone(8), dense, b[:8, :1].repeat(3, axis=1))
        scan.linear_recurrence_loop(dense, np.ones((8, 3), dtype))
    x = rng.normal(size=(16, 2))
    W_ih, W_hh, bias = rng.normal(size=(4, 2)), 0.3 * rng.normal(size=(4, 4)), np.zeros(4)
    deer_elman(x, W_ih, W_hh, bias)
    elman_serial(x, W_ih, W_hh, bias)


def _wiring() -> None:
    """The hand-wired adders (an Elman RNN and a CL-RNN with set weights)."""
    from rnn.wiring import clrnn_add, rnn_add, run_kogge_stone

    rnn_add(200, 100, 8)
    clrnn_add(200, 100, 8)
    run_kogge_stone([[1, 0, 1, 1]], [[0, 1, 1, 0]])


def _tiny_tasks():
    """Tiny tasks, one per head and loss form, in the dtypes the real loaders produce."""
    import numpy as np

    from rnn import tasks

    rng = np.random.default_rng(0)

    def split(x, y):
        return tasks.Split([(x, y)])

    found = [tasks.binary_addition(3, n_train=4, n_valid=2, n_test=2, seed=0),      # music
             tasks.adding_problem(T=5, n_train=4, n_valid=2, n_test=2, seed=0),     # regression
             tasks.copy_memory(T=3, n_train=4, n_valid=2, n_test=2, seed=0)]        # classes
    x = rng.random((4, 6, 1)).astype(np.float32)                  # smnist: label at the end
    y = rng.integers(0, 10, (4, 1)).astype(np.int64)
    found.append(tasks.Task("pixels", "classification", 1, 10, split(x, y), split(x, y),
                            split(x, y), loss_steps="last", batch_size=4,
                            head_kwargs={"out_features": 10}))
    tokens = rng.integers(0, 5, (4, 7)).astype(np.int64)         # character model
    found.append(tasks.Task("chars", "charlm", 5, 5, split(tokens[:, :-1], tokens[:, 1:]),
                            split(tokens[:, :-1], tokens[:, 1:]),
                            split(tokens[:, :-1], tokens[:, 1:]), batch_size=4,
                            head_kwargs={"vocab_size": 5}))
    return found


def _train_once(model: str, dtype: str, task, optimizer: str = "adam") -> None:
    """One training step (dropout on, clipped, one optimiser step) and one evaluation."""
    from rnn.optim import clip_grad_norm, make_optimizer
    from rnn.train import TrainConfig, build_model, evaluate, train_step

    config = TrainConfig(model=model, hidden=5 if task.head == "charlm" else 4, levels=2,
                         kernel_size=2, dropout=0.25, emb_dropout=0.25, dtype=dtype,
                         optimizer=optimizer)
    net = build_model(config, task)
    opt = make_optimizer(optimizer, net.params(), 1e-3)
    for x, y in task.train.batches(task.batch_size):
        train_step(net, task, x, y)
        grads = net.grads()
        clip_grad_norm(grads, 1.0)
        opt.step(grads)
    evaluate(net, task, task.valid)


def _models(dtype: str) -> Callable[[], None]:
    def step() -> None:
        from rnn.train import MODELS
        music, *heads = _tiny_tasks()
        for model in MODELS:
            _train_once(model, dtype, music)
        for task in heads:
            _train_once("clrnn", dtype, task)
        _train_once("rnn", dtype, music, optimizer="sgd")
    step.__doc__ = f"Every model and head in {dtype}: train step, optimiser, evaluation."
    return step


def _fit() -> None:
    """fit() itself, as the notebooks and ``carrylab train`` call it, and a reload."""
    from rnn import tasks
    from rnn.train import TrainConfig, evaluate_checkpoint, fit

    task = tasks.binary_addition(3, n_train=8, n_valid=4, n_test=4, seed=0)
    with tempfile.TemporaryDirectory(prefix="carrylab-warmup-") as tmp:
        for model in ("clrnn", "rnn"):
            config = TrainConfig(model=model, hidden=4, levels=2, kernel_size=2, epochs=1,
                                 clip=1.0, batch_size=4, plateau=True)
            fit(config, Path(tmp) / model, progress=False, task=task, log=None)
            evaluate_checkpoint(Path(tmp) / model, task=task, splits=("test",))


#: (label, step) in the order :func:`run` takes them.
STEPS: tuple[tuple[str, Callable[[], None]], ...] = (
    ("adders: bit-parallel simulation", _adders),
    ("rnn: prefix scans, loops and DEER", _scans),
    ("rnn: hand-wired adders", _wiring),
    ("rnn: models and heads, float32", _models("float32")),
    ("rnn: models and heads, float64", _models("float64")),
    ("rnn: fit and checkpoint reload", _fit),
)


# ---------------------------------------------------------------------- run
def run(quiet: bool = False, out=print, steps=None) -> dict:
    """Run the steps of :data:`STEPS`; compile what the cache lacks.

    Parameters
    ----------
    quiet : print nothing
    out : where the report lines go (``print`` by default)
    steps : labels of the steps to run (default: all of them)

    Returns
    -------
    dict with ``steps`` (a list of ``{"step", "compiled", "seconds"}``), ``compiled``
    (the names of the kernels compiled, one entry per new signature), ``seconds`` (the
    total, imports included) and ``cache`` (the cache folder).

    Raises
    ------
    CarrylabValueError
        ``steps`` names a step that does not exist.
    """
    from adders.errors import CarrylabValueError
    known = dict(STEPS)
    chosen = list(known) if steps is None else list(steps)
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise CarrylabValueError(f"steps: unknown warm-up step(s) {unknown}; known: {list(known)}")
    say = (lambda *a, **k: None) if quiet else out
    start = time.perf_counter()
    from numba.core import config

    from adders._numba_cache import cache_root
    root = cache_root()
    if config.DISABLE_JIT:
        say("NUMBA_DISABLE_JIT is set: nothing is compiled, so there is nothing to warm up")
        return {"steps": [], "compiled": [], "seconds": time.perf_counter() - start,
                "cache": str(root)}
    say(f"Compiling carrylab's Numba kernels into {root} (only what is not cached yet)")
    done, compiled = [], []
    for label in chosen:
        t0 = time.perf_counter()
        with compiled_kernels() as names:
            known[label]()
        seconds = time.perf_counter() - t0
        done.append({"step": label, "compiled": len(names), "seconds": seconds})
        compiled += names
        say(f"  {label:<36} {len(names):3d} compiled  {seconds:6.1f} s")
    total = time.perf_counter() - start
    kernels = len(set(compiled))
    say(f"{len(compiled)} signature(s) of {kernels} kernel(s) compiled in {total:.1f} s"
        if compiled else f"Everything was cached already: nothing compiled ({total:.1f} s)")
    return {"steps": done, "compiled": compiled, "seconds": total, "cache": str(root)}
