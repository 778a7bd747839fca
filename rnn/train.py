"""Training: fit a model to a task, keep the best checkpoint, survive interruptions.

:func:`fit` runs epochs of minibatch training with progress bars (tqdm), evaluates on the
validation split after every epoch, and writes into its output folder:

* ``last.npz`` / ``last.json``: the state after the latest epoch (model, optimiser,
  learning-rate rule, random generators, history): :func:`fit` with ``resume=True``
  continues from it and gives exactly the same parameters as an uninterrupted run;
* ``best.npz`` / ``best.json``: the parameters of the epoch with the lowest validation
  loss (what :func:`evaluate_checkpoint` and ``carrylab eval`` read);
* ``metrics.csv`` and ``metrics.json``: one row per epoch, and the test scores of the
  best checkpoint at the end.

All files are written atomically (see :mod:`rnn.checkpoint`). A loss or gradient that is
not finite stops training with :class:`TrainingDiverged`, leaving the last good
checkpoint in place.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import math
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from adders.checks import check_int
from adders.errors import CarrylabError, CarrylabValueError

from . import tasks as _tasks
from .checkpoint import CheckpointError, atomic_write_bytes, load_checkpoint, save_checkpoint
from .heads import make_model
from .layers import Dropout
from .optim import PlateauRule, clip_grad_norm, make_optimizer
from .registry import REGISTRY
from .runs import RunFolderError, open_run
from .trainconfig import LIMITS, MODELS, TrainConfig

__all__ = ["TrainConfig", "MODELS", "LIMITS", "make_task", "build_model", "train_step", "evaluate", "fit",
           "load_model", "evaluate_checkpoint", "saved_config", "TrainingDiverged", "BLAS_THREADS",
           "blas_threads_limited"]


class TrainingDiverged(CarrylabError, RuntimeError):
    """The loss or a gradient became NaN or infinite."""


#: BLAS threads while :func:`fit`, :func:`evaluate` and :func:`evaluate_checkpoint` run
#: (their ``blas_threads`` argument; None leaves the BLAS thread pool as it is). The
#: products of these models are small, so a second BLAS thread costs more to wake and
#: synchronise than it saves, and on a busy machine it waits for a core. Measured with
#: benchmarks/bench_blas_threads.py on 2 busy cores (load 2.5-3), one BLAS thread
#: against the default two: notebook 04's CL-RNN trained 3.7-6x faster, the paper's
#: JSB setting 4.7x, an LSTM (H 32) 1.2-2.4x; a tiny Elman RNN and a batch-64 CL-RNN
#: of 150 channels came out between 8 % slower and 2.4x faster.
BLAS_THREADS = 1


@contextmanager
def blas_threads_limited(threads: int | None):
    """Run the block with the BLAS thread pool limited to ``threads`` (None: unchanged).

    Uses threadpoolctl, so it works whatever BLAS NumPy was built with, and restores the
    previous setting afterwards; no environment variable is involved.
    """
    if threads is None:
        yield
        return
    threads = check_int(threads, "blas_threads", 1)
    from threadpoolctl import threadpool_limits  # only when a limit is asked for: saves its import
    with threadpool_limits(limits=threads, user_api="blas"):
        yield


def make_task(config: TrainConfig) -> _tasks.Task:
    """Build the task a config names (files read from ``config.data``)."""
    maker = _tasks.TASKS[config.task]
    if maker in (_tasks.polyphonic, _tasks.sequential_mnist, _tasks.char_lm):
        if not config.data:
            raise CarrylabValueError(f"task {config.task!r} reads a file: give its path (--data PATH)")
        return maker(config.data, **config.task_args)
    return maker(**config.task_args, **({"seed": config.seed} if "seed" not in config.task_args else {}))


def build_model(config: TrainConfig, task: _tasks.Task):
    """A fresh model for ``task``: the body ``config.body`` describes (see
    :mod:`rnn.registry`) wrapped in the task's head (``config.readout == "all"``: the
    "sequence-classification" head over every step, for last-step classification)."""
    dtype = np.dtype(config.dtype).type
    inputs = config.hidden if task.head == "charlm" else task.input_size
    body = config.body.make(inputs, dtype=dtype, seed=config.seed)
    kwargs = dict(task.head_kwargs)
    head = task.head or REGISTRY[config.model].head
    if task.head == "charlm":
        kwargs.update(emb_dropout=config.emb_dropout, embedding_init=config.embedding_init)
    if config.readout == "all":
        lengths = {x.shape[1] for x, _ in task.train.groups}
        if head != "classification" or task.loss_steps != "last" or len(lengths) != 1:
            raise CarrylabValueError(f"readout 'all' needs a task classified once per sequence "
                                     f"of one length (smnist); {config.task!r} is not")
        head, kwargs["steps"] = "sequence-classification", lengths.pop()
    return make_model(body, head, seed=config.seed + 1, **kwargs)


def _state_rngs(model) -> list:
    """The generators that draw random initial states (serial bodies with
    ``initial_state="random"``); their state is part of an exact resume."""
    rng = getattr(getattr(model, "body", None), "state_rng", None)
    return [] if rng is None else [rng]


def _dropout_rngs(model) -> list:
    """The distinct random generators of every Dropout layer inside ``model``, in a
    fixed order (their state is part of an exact resume)."""
    found, seen, gens = [], set(), []

    def walk(obj):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, Dropout):
            found.append(obj)
        elif isinstance(obj, (list, tuple)):
            for item in obj:
                walk(item)
        elif hasattr(obj, "__dict__") and type(obj).__module__.startswith("rnn"):
            for value in vars(obj).values():
                walk(value)

    walk(model)
    for layer in found:
        if all(layer.rng is not g for g in gens):
            gens.append(layer.rng)
    return gens


def train_step(model, task: _tasks.Task, x, y, train: bool = True,
               loss_reduction: str = "mean-frame", loss_window: int = 0):
    """Forward, loss and backward on one batch; returns (loss, outputs).

    The loss is the mean over the scored frames: every step, the final one for
    ``loss_steps == "last"``, or the last ``loss_window`` steps when > 0; other steps get
    zero gradient. ``loss_reduction="sum-sequence"`` backpropagates that loss times the
    number of scored frames, i.e. the loss summed over them (for music: the NLL summed
    over frames and notes, BCE with reduction "sum"); the returned value stays the mean.
    """
    out = model.forward(x, train)
    steps = _scored_steps(task, x, loss_window)
    if steps < out.shape[1]:
        value, d_part = model.loss(out[:, -steps:], y if task.loss_steps == "last" else y[:, -steps:])
        dout = np.zeros_like(out)
        dout[:, -steps:] = d_part
    else:
        value, dout = model.loss(out, y)
    if train:
        if loss_reduction == "sum-sequence":
            dout *= _weight(task, x, loss_window)
        model.backward(dout)
    return value, out


def _scored_steps(task, x, loss_window) -> int:
    """How many final steps of x meet a target (1 for last-step tasks)."""
    if task.loss_steps == "last":
        return 1
    if loss_window > x.shape[1]:
        raise CarrylabValueError(f"loss_window {loss_window} exceeds the sequence length "
                                 f"{x.shape[1]} of task {task.name!r}")
    return loss_window or x.shape[1]


def _weight(task, x, loss_window=0) -> int:
    """How much a batch counts in a split average: scored frames, or sequences for
    last-step tasks."""
    return x.shape[0] * _scored_steps(task, x, loss_window)


def evaluate(model, task: _tasks.Task, split: _tasks.Split, batch_size: int = 0,
             max_batches: int = 0, blas_threads: int | None = BLAS_THREADS,
             loss_window: int = 0) -> dict:
    """Loss (and the task's metrics) over a split, without dropout.

    Losses are averaged over frames (the per-frame NLL for music) or over sequences for
    last-step tasks; ``bpc`` = loss / ln 2 for character models. ``max_batches`` > 0
    scores only the split's first batches (in order, so always the same ones).
    ``loss_window`` > 0 scores only each sequence's last ``loss_window`` steps.
    ``blas_threads``: see :data:`BLAS_THREADS`.
    """
    loss_window = check_int(loss_window, "loss_window", 0)
    with blas_threads_limited(blas_threads):
        return _evaluate(model, task, split, batch_size, max_batches, loss_window)


def _evaluate(model, task, split, batch_size, max_batches, loss_window=0) -> dict:
    total, weight = 0.0, 0
    sums: dict = {}
    by_chain: dict = {}
    batches = split.batches(batch_size or task.batch_size)
    for x, y in itertools.islice(batches, max_batches or None):
        value, out = train_step(model, task, x, y, train=False, loss_window=loss_window)
        w = _weight(task, x, loss_window)
        total += value * w
        weight += w
        if task.metrics is not None:
            if loss_window and task.loss_steps != "last":
                out, y, x = out[:, -loss_window:], y[:, -loss_window:], x[:, -loss_window:]
            for name, result in task.metrics(out, y, x).items():
                if name == "by_chain":
                    for chain, (ok, n) in result.items():
                        a, b = by_chain.get(chain, (0, 0))
                        by_chain[chain] = (a + ok, b + n)
                else:
                    v, n = result
                    a, b = sums.get(name, (0.0, 0))
                    sums[name] = (a + v * n, b + n)
    result = {"loss": total / weight}
    if task.head == "charlm":
        result["bpc"] = result["loss"] / math.log(2)
    result.update({name: a / b for name, (a, b) in sums.items()})
    if by_chain:
        result["accuracy_by_chain"] = {str(c): {"accuracy": ok / n, "count": n}
                                       for c, (ok, n) in sorted(by_chain.items())}
    return result


def _params_finite(grads: dict) -> bool:
    return all(np.isfinite(g).all() for g in grads.values())


def _save_state(out: Path, name: str, model, opt, plateau, rng, config, epoch, history, best) -> None:
    gens = _dropout_rngs(model)
    meta = {"config": config.to_dict(), "epoch": epoch, "history": history,
            "best": best, "lr": opt.lr,
            "rng": {"batches": rng.bit_generator.state,
                    "dropout": [g.bit_generator.state for g in gens]},
            "format": "carrylab-checkpoint-1"}
    states = _state_rngs(model)
    if states:  # only runs with random initial states have (and need) this entry
        meta["rng"]["states"] = [g.bit_generator.state for g in states]
    extra = plateau.state_dict() if plateau is not None else {}
    save_checkpoint(out, name, model.params(), meta, opt.state_dict(), extra)


def _write_metrics(out: Path, history: list[dict], test: dict | None, config) -> None:
    columns = sorted({k for row in history for k, v in row.items() if not isinstance(v, dict)},
                     key=lambda k: (k != "epoch", k))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(history)
    atomic_write_bytes(out / "metrics.csv", buffer.getvalue().encode())
    doc = {"config": config.to_dict(), "epochs": history, "test": test}
    atomic_write_bytes(out / "metrics.json", (json.dumps(doc, indent=2) + "\n").encode())


def _check_compatible(saved: TrainConfig, config: TrainConfig, path) -> None:
    fixed = ("model", "body", "task", "data", "task_args", "emb_dropout", "lr", "optimizer", "clip",
             "batch_size", "plateau", "max_batches", "seed", "dtype", "loss_reduction", "plateau_start",
             "loss_window", "embedding_init", "readout", "lr_step")
    diff = {k: (getattr(saved, k), getattr(config, k)) for k in fixed
            if getattr(saved, k) != getattr(config, k)}
    if diff:
        raise CheckpointError(f"checkpoint {path} was trained with a different setup: "
                              + ", ".join(f"{k} {a!r} there vs {b!r} here" for k, (a, b) in diff.items()))


def _load_params(model, params: dict, path) -> None:
    mine = model.params()
    missing = sorted(set(mine) - set(params))
    unexpected = sorted(set(params) - set(mine))
    if missing or unexpected:
        raise CheckpointError(f"checkpoint {path} does not fit this model: missing {missing[:5]}, "
                              f"unexpected {unexpected[:5]}")
    for k, p in mine.items():
        if params[k].shape != p.shape:
            raise CheckpointError(f"checkpoint {path}: {k} has shape {params[k].shape}, "
                                  f"the model needs {p.shape}")
        p[...] = params[k]


def fit(config: TrainConfig, out_dir, resume: bool = False, progress: bool = True,
        task: _tasks.Task | None = None, log=print, overwrite: bool = False,
        blas_threads: int | None = BLAS_THREADS) -> dict:
    """Train ``config.model`` on ``config.task`` for ``config.epochs`` epochs.

    The task and model are built before the output folder is touched; the folder is
    then opened with :func:`rnn.runs.open_run` (locked for the run; a fresh run needs
    a missing or empty folder, or ``overwrite``, which renames the old one aside).

    Parameters
    ----------
    config : TrainConfig
    out_dir : folder for checkpoints and metrics (created if needed)
    resume : continue from ``out_dir/last.npz`` (the config must match, except
        ``epochs``, which may grow, and ``eval_batches``)
    progress : show tqdm progress bars
    task : an already built task (default: :func:`make_task`)
    log : where one-line epoch summaries go (``print`` by default; None for silence)
    overwrite : start afresh even if ``out_dir`` holds a run (it is kept, renamed aside)
    blas_threads : BLAS threads while training and scoring (default :data:`BLAS_THREADS`,
        1; None leaves the BLAS thread pool as NumPy set it up)

    Returns
    -------
    dict with ``history`` (a dict per epoch), ``best`` (epoch and validation loss),
    ``test`` (scores of the best checkpoint), ``out_dir`` and ``moved_aside`` (where
    an overwritten run went, or None).

    Raises
    ------
    TrainingDiverged
        When a loss or gradient is NaN/Inf; ``last.npz`` then holds the last good epoch.
    RunFolderError
        ``out_dir`` is busy (another process trains there), holds a run and neither
        ``resume`` nor ``overwrite`` is given, or ``resume`` finds no run.
    CheckpointError
        ``resume`` meets a damaged ``last.npz`` or one from another setup.
    """
    with blas_threads_limited(blas_threads):
        return _fit(config, out_dir, resume, progress, task, log, overwrite)


def _fit(config, out_dir, resume, progress, task, log, overwrite) -> dict:
    from tqdm.auto import tqdm  # at training time only: importing rnn stays light
    log = log or (lambda *a, **k: None)
    task = task or make_task(config)
    model = build_model(config, task)
    opt = make_optimizer(config.optimizer, model.params(), config.lr)
    plateau = PlateauRule(start_epoch=config.plateau_start) if config.plateau else None
    rng = np.random.default_rng(config.seed)
    with open_run(out_dir, resume=resume, overwrite=overwrite) as run:
        out = run.path
        if run.moved_aside is not None:
            log(f"the old contents of {out} are now in {run.moved_aside}")
        if resume:
            history, best, start = _restore(out / "last.npz", config, model, opt, plateau, rng)
            log(f"resuming {out} after epoch {start - 1}")
        else:
            history, best, start = [], {"epoch": 0, "valid_loss": math.inf}, 1
            _save_state(out, "last", model, opt, plateau, rng, config, 0, history, best)
        run.started()
        batch_size = config.batch_size or task.batch_size
        for epoch in range(start, config.epochs + 1):
            t0 = time.perf_counter()
            total, weight, steps = 0.0, 0, 0
            batches = list(task.train.batches(batch_size, rng))
            if config.max_batches:
                batches = batches[:config.max_batches]
            bar = tqdm(batches, desc=f"epoch {epoch}/{config.epochs}", disable=not progress, leave=False)
            for x, y in bar:
                value, _ = train_step(model, task, x, y, loss_reduction=config.loss_reduction,
                                      loss_window=config.loss_window)
                grads = model.grads()
                if not math.isfinite(value) or not _params_finite(grads):
                    raise TrainingDiverged(
                        f"epoch {epoch}, step {steps + 1}: the "
                        f"{'loss' if not math.isfinite(value) else 'gradient'} is not finite "
                        f"(loss = {value}); lr = {opt.lr:g} may be too large. The last good "
                        f"state (epoch {epoch - 1}) is in {out / 'last.npz'}")
                if config.clip > 0:
                    clip_grad_norm(grads, config.clip)
                opt.step(grads)
                total += value * _weight(task, x, config.loss_window)
                weight += _weight(task, x, config.loss_window)
                steps += 1
                if steps % 10 == 0:
                    bar.set_postfix(loss=f"{total / weight:.4f}", lr=f"{opt.lr:.2g}")
            seconds = time.perf_counter() - t0
            valid = _evaluate(model, task, task.valid, 0, config.eval_batches, config.loss_window)
            lowered = plateau.update(opt, epoch, valid["loss"]) if plateau is not None else False
            if config.lr_step and epoch % config.lr_step == 0:  # the authors' MNIST schedule
                opt.lr /= 10.0
                lowered = True
            row = {"epoch": epoch, "train_loss": total / weight, "lr": opt.lr, "seconds": seconds,
                   "steps_per_s": steps / seconds}
            row.update({f"valid_{k}": v for k, v in valid.items()})
            history.append(row)
            if valid["loss"] < best["valid_loss"]:
                best = {"epoch": epoch, "valid_loss": valid["loss"]}
                _save_state(out, "best", model, opt, plateau, rng, config, epoch, history, best)
            _save_state(out, "last", model, opt, plateau, rng, config, epoch, history, best)
            _write_metrics(out, history, None, config)
            log(f"epoch {epoch:>3}  train {row['train_loss']:.4f}  valid {valid['loss']:.4f}"
                + "".join(f"  {k} {v:.4f}" for k, v in valid.items()
                          if k not in ("loss",) and not isinstance(v, dict))
                + f"  lr {opt.lr:.2g}{' (lowered)' if lowered else ''}  {seconds:.1f}s")
        test = (evaluate_checkpoint(out / "best.npz", task=task, splits=("test",),
                                    max_batches=config.eval_batches, blas_threads=None)["test"]
                if best["epoch"] else None)
        _write_metrics(out, history, test, config)
    return {"history": history, "best": best, "test": test, "out_dir": str(out),
            "moved_aside": None if run.moved_aside is None else str(run.moved_aside)}


def _restore(path: Path, config: TrainConfig, model, opt, plateau, rng) -> tuple[list, dict, int]:
    """Load the state ``fit`` saved in ``path`` into the fresh objects; return
    ``(history, best, first epoch to run)``."""
    params, optim_state, extra, meta = load_checkpoint(path)
    missing = [k for k in ("config", "epoch", "history", "best", "rng") if k not in meta]
    if missing:
        raise CheckpointError(f"{path} lacks {', '.join(missing)} in its metadata: not a "
                              f"training checkpoint fit() can resume")
    _check_compatible(TrainConfig.from_dict(meta["config"], path), config, path)
    _load_params(model, params, path)
    try:
        opt.load_state_dict(optim_state)
        if plateau is not None:
            plateau.load_state_dict(extra)
        rng.bit_generator.state = meta["rng"]["batches"]
        gens = _dropout_rngs(model)
        states = meta["rng"]["dropout"]
        if len(states) != len(gens):
            raise CheckpointError(f"{path} stores {len(states)} dropout generator state(s), "
                                  f"the model has {len(gens)}")
        for g, state in zip(gens, states):
            g.bit_generator.state = state
        gens, states = _state_rngs(model), meta["rng"].get("states", [])
        if len(states) != len(gens):
            raise CheckpointError(f"{path} stores {len(states)} initial-state generator state(s), "
                                  f"the model has {len(gens)}")
        for g, state in zip(gens, states):
            g.bit_generator.state = state
        return list(meta["history"]), dict(meta["best"]), int(meta["epoch"]) + 1
    except (KeyError, TypeError, ValueError) as err:
        if isinstance(err, CheckpointError):
            raise
        raise CheckpointError(f"{path}: its optimiser, learning-rate or random-generator state "
                              f"is damaged ({type(err).__name__}: {err})") from None


def saved_config(run_dir) -> TrainConfig:
    """The config of the run in ``run_dir``, read from its ``last.npz`` (the JSON twin
    ``last.json`` is for people; editing it changes nothing).

    Raises
    ------
    RunFolderError
        No ``last.npz`` in ``run_dir``.
    CheckpointError
        ``last.npz`` is damaged, or its stored config is not a valid one.
    """
    path = Path(run_dir) / "last.npz"
    if not path.is_file():
        raise RunFolderError(f"there is no run to resume in {run_dir} (no last.npz there)")
    _, _, _, meta = load_checkpoint(path)
    if "config" not in meta:
        raise CheckpointError(f"{path} has no config in its metadata: not a training checkpoint")
    return TrainConfig.from_dict(meta["config"], path)


def load_model(path, task: _tasks.Task | None = None):
    """Rebuild the model a checkpoint describes and load its parameters.

    ``path`` is a checkpoint file or a training folder (its ``best.npz``). ``task``
    (default: the checkpoint's own) fixes the head's sizes. Returns
    ``(model, config, task, meta)``.
    """
    params, _, _, meta = load_checkpoint(path)
    if meta.get("format") != "carrylab-checkpoint-1" or "config" not in meta:
        raise CheckpointError(f"{path} is not a carrylab training checkpoint (its metadata "
                              f"lacks the format tag or the config)")
    config = TrainConfig.from_dict(meta["config"], path)
    task = task or make_task(config)
    model = build_model(config, task)
    _load_params(model, params, path)
    return model, config, task, meta


def evaluate_checkpoint(path, task: _tasks.Task | None = None, splits=("valid", "test"),
                        max_batches: int = 0, blas_threads: int | None = BLAS_THREADS) -> dict:
    """Rebuild the model a checkpoint describes, load it, and score the given splits.

    ``path`` is a checkpoint file or a training folder (its ``best.npz``); ``task``
    may replace the checkpoint's own (e.g. binary addition at another width);
    ``max_batches`` > 0 scores only each split's first batches; ``blas_threads``: see
    :data:`BLAS_THREADS`.
    Returns ``{"config": ..., "epoch": ..., split: scores, ...}``.
    """
    max_batches = check_int(max_batches, "max_batches", 0)
    model, config, task, meta = load_model(path, task)
    result = {"config": meta["config"], "epoch": meta.get("epoch")}
    for name in splits:
        result[name] = evaluate(model, task, getattr(task, name), max_batches=max_batches,
                                blas_threads=blas_threads, loss_window=config.loss_window)
    return result
