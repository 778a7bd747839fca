"""The model commands: ``train``, ``eval``, ``compare`` (``add_<name>`` declares one,
``run_<name>`` runs it through :mod:`rnn`).

What the parser shows of rnn (choices, ranges, defaults) is copied here, so that building
the parser imports no rnn and no Numba; tests/test_imports.py checks every copy."""
from __future__ import annotations

import argparse
from pathlib import Path

from .flags import (
    LIMITS,
    fraction_flag,
    int_flag,
    int_list_flag,
    output_folder,
    real_flag,
    text_table,
)

__all__ = ["add_train", "run_train", "add_eval", "run_eval", "add_compare", "run_compare",
           "MODELS", "SIZES", "TRAIN_DEFAULTS", "TASKS", "TASK_OPTIONS", "TASK_FLAGS", "PROTOCOLS",
           "CHOICES"]


# rnn's names, sizes and defaults (copies: building the parser imports no rnn and no
# Numba, so `carrylab add` starts in about half the time).
MODELS = ("clrnn", "rnn", "lstm", "gru", "tcn", "linear")                 # rnn.train.MODELS
SIZES = {"hidden": 4096, "levels": 30, "kernel_size": 64, "epochs": 100_000}  # rnn.train.LIMITS
TRAIN_DEFAULTS = {"model": "clrnn", "hidden": 32, "levels": 4, "kernel_size": 5,  # TrainConfig's
                  "dropout": 0.0, "epochs": 10, "lr": 1e-3, "optimizer": "adam", "seed": 0,
                  "conv_init": "pytorch", "initial_state": "zeros", "loss_reduction": "mean-frame",
                  "plateau_start": 10, "loss_window": 0, "embedding_init": "normal", "readout": "last",
                  "lr_step": 0}
PROTOCOLS = ("carrylab", "paper")                                         # rnn.protocol.PROTOCOLS
CHOICES = {"conv_init": ("pytorch", "as-written"),                        # rnn.layers.CONV_INITS
           "initial_state": ("zeros", "random"),                          # rnn.models.INITIAL_STATES
           "loss_reduction": ("mean-frame", "sum-sequence"),              # rnn.trainconfig.LOSS_REDUCTIONS
           "embedding_init": ("normal", "uniform"),                       # rnn.layers.EMBEDDING_INITS
           "readout": ("last", "all")}                                    # rnn.trainconfig.READOUTS
# rnn.tasks.TASKS, and for each task option the tasks whose constructor takes it
TASKS = ("binary-add", "adding", "copy", "jsb", "nottingham", "polyphonic", "smnist", "char")
TASK_OPTIONS = {"n_bits": ("binary-add",), "T": ("adding", "copy"),
                "n_train": ("binary-add", "adding", "copy"), "seq_len": ("char",), "stride": ("char",)}


def _add_model_options(p, defaults: dict):
    """--model/--hidden/--levels/--kernel-size/--dropout; ``defaults`` fills the help."""
    p.add_argument("--model", default=None, choices=MODELS, help=f"model (default {defaults['model']})")
    p.add_argument("--hidden", type=int_flag("--hidden", 1, SIZES["hidden"]), default=None,
                   help=f"hidden size / TCN channels, 1 to {SIZES['hidden']:,} (default {defaults['hidden']})")
    p.add_argument("--levels", type=int_flag("--levels", 1, SIZES["levels"]), default=None,
                   help=f"TCN levels of CL-RNN and TCN, 1 to {SIZES['levels']} (default {defaults['levels']})")
    p.add_argument("--kernel-size", type=int_flag("--kernel-size", 1, SIZES["kernel_size"]), default=None,
                   help=f"TCN kernel size, 1 to {SIZES['kernel_size']} (default {defaults['kernel_size']})")
    p.add_argument("--dropout", type=fraction_flag("--dropout"), default=None,
                   help=f"dropout after each TCN level, in [0, 1) (default {defaults['dropout']})")


# Task flags: (flag, dest, task_args key, argparse type, help).
TASK_FLAGS = (
    ("--bits", "bits", "n_bits", int_flag("--bits", 1, LIMITS["task_bits"]),
     f"operand width, 1 to {LIMITS['task_bits']:,} (default 16)"),
    ("--T", "T", "T", int_flag("--T", 1), "sequence length"),
    ("--train-size", "train_size", "n_train", int_flag("--train-size", 1), "training examples"),
    ("--seq-len", "seq_len", "seq_len", int_flag("--seq-len", 1), "characters per sequence (default 100)"),
    ("--stride", "stride", "stride", int_flag("--stride", 1),
     "a window starts every N characters, <= --seq-len (default --seq-len: no overlap)"),
)

_PROTOCOL_HELP = (
    "training protocol (default carrylab: carrylab's defaults). paper: the CL-RNN authors' "
    "settings for the task (see rnn.protocol): jsb/nottingham: hidden 150; clrnn/tcn 4 levels, "
    "kernel 5, dropout 0.25, conv init pytorch; rnn/lstm/gru random initial states; Adam lr 1e-2 "
    "(jsb) or 1e-3 (nottingham); batch 1; sum-sequence loss; plateau rule from epoch > 10; 100 "
    "epochs. char: clrnn/tcn channels 450,450,100, kernel 3, dropout 0.1; hidden 100; "
    "embedding uniform, dropout 0.1; windows of 400 every 320, loss window 320; SGD lr 4, clip "
    "0.15; batch 32; plateau from epoch > 5; 100 epochs. smnist: clrnn hidden 1 with 8 levels of "
    "1 channel, kernel 7, dropout 0.05; rnn/lstm hidden 1, random initial states; readout all; "
    "Adam lr 2e-3, lr-step 10; batch 64; 12 epochs. Every flag given explicitly overrides the protocol.")


def _add_protocol_options(p, d: dict):
    """--protocol and the protocol options; ``d`` fills the help."""
    p.add_argument("--protocol", default=None, choices=PROTOCOLS, help=_PROTOCOL_HELP)
    p.add_argument("--conv-init", default=None, choices=CHOICES["conv_init"],
                   help=f"clrnn/tcn: convolution start; pytorch = PyTorch's default for a weight-normed "
                        f"Conv1d (the authors' effective start), as-written = v ~ N(0, 0.01) as their "
                        f"code reads (default {d['conv_init']})")
    p.add_argument("--initial-state", default=None, choices=CHOICES["initial_state"],
                   help=f"rnn/lstm/gru: h0 (and c0) zero, or drawn from N(0, 1) at every forward call "
                        f"as the authors (default {d['initial_state']})")
    p.add_argument("--loss-reduction", default=None, choices=CHOICES["loss_reduction"],
                   help=f"backpropagate the loss averaged over frames, or summed over them (music: the "
                        f"NLL summed over frames and notes, as the authors); the reported loss is "
                        f"per frame either way (default {d['loss_reduction']})")
    p.add_argument("--plateau-start", type=int_flag("--plateau-start", 0, SIZES["epochs"]), default=None,
                   help=f"--plateau acts when epoch > N (default {d['plateau_start']}; the authors' "
                        f"character model: 5)")
    p.add_argument("--channels", type=int_list_flag("--channels", 1, SIZES["hidden"]), default=None,
                   help="clrnn/tcn: channels per level, comma-separated, the last = --hidden (e.g. "
                        "450,450,100; default --hidden at every level)")
    p.add_argument("--loss-window", type=int_flag("--loss-window", 0), default=None,
                   help=f"score only each sequence's last N steps, 0 = all (default {d['loss_window']}; "
                        f"the authors' character model: 320 of 400)")
    p.add_argument("--embedding-init", default=None, choices=CHOICES["embedding_init"],
                   help=f"char: embedding start, normal N(0, 0.01) or uniform U(-0.1, 0.1) as the "
                        f"authors (default {d['embedding_init']})")
    p.add_argument("--readout", default=None, choices=CHOICES["readout"],
                   help=f"smnist: classify from the last step, or through Linear(T*hidden, 10) over "
                        f"all steps as the authors (default {d['readout']})")
    p.add_argument("--lr-step", type=int_flag("--lr-step", 0, SIZES["epochs"]), default=None,
                   help=f"divide the learning rate by 10 after every N epochs, 0 = never (default "
                        f"{d['lr_step']}; the authors' sequential MNIST: 10)")


def _tasks_taking(key: str) -> list[str]:
    """The tasks whose constructor has the option ``key``."""
    return list(TASK_OPTIONS[key])


def _add_task_options(p):
    p.add_argument("--task", default=None, choices=TASKS, help="task (default binary-add)")
    p.add_argument("--data", default=None, help="data file or folder (jsb, nottingham, smnist, char)")
    for flag, dest, key, kind, text in TASK_FLAGS:
        p.add_argument(flag, dest=dest, type=kind, default=None,
                       help=f"{', '.join(_tasks_taking(key))}: {text}")


def _task_args(args) -> dict:
    """The task options the flags give; a flag the task does not take is refused."""
    from adders.errors import CarrylabValueError
    out = {}
    for flag, dest, key, _, _ in TASK_FLAGS:
        value = getattr(args, dest)
        if value is None:
            continue
        takers = _tasks_taking(key)
        if args.task not in takers:
            raise CarrylabValueError(f"{flag} does not apply to --task {args.task}; it sets the "
                                     f"{key} of: {', '.join(takers)}")
        out[key] = value
    return out


def add_train(sub):
    """Declare ``carrylab train`` and its arguments on the subparsers ``sub``."""
    d = TRAIN_DEFAULTS
    p = sub.add_parser("train", help="train a model on a task, with checkpoints and resume",
                       description="Train CL-RNN or a baseline on a task. Writes best/last checkpoints "
                                   "(.npz + .json), metrics.csv and metrics.json to --out, which must "
                                   "be new or empty (or use --resume / --overwrite); one training at a "
                                   "time per folder. Ctrl-C is safe: continue with --resume DIR.")
    _add_model_options(p, d)
    _add_task_options(p)
    p.add_argument("--epochs", type=int_flag("--epochs", 1, SIZES["epochs"]), default=None,
                   help=f"epochs, >= 1 (default {d['epochs']}; with --resume, the new total, default "
                        f"the saved one)")
    p.add_argument("--lr", type=real_flag("--lr", 0.0, strict=True), default=None,
                   help=f"learning rate, > 0 (default {d['lr']:g})")
    p.add_argument("--optimizer", default=None, choices=("adam", "sgd"),
                   help=f"optimiser (default {d['optimizer']})")
    p.add_argument("--clip", type=real_flag("--clip", 0.0), default=None,
                   help="gradient-norm clipping, >= 0 (default 0: none)")
    p.add_argument("--batch-size", type=int_flag("--batch-size", 1), default=None,
                   help="batch size, >= 1 (default: the task's)")
    p.add_argument("--plateau", action=argparse.BooleanOptionalAction, default=None,
                   help="the paper's lr /= 10 rule on plateaus (--no-plateau: off, e.g. under "
                        "--protocol paper)")
    p.add_argument("--max-batches", type=int_flag("--max-batches", 1), default=None,
                   help="at most this many training batches an epoch (default: all)")
    p.add_argument("--eval-batches", type=int_flag("--eval-batches", 1), default=None,
                   help="score validation and test on their first N batches only (default: all); "
                        "for long sequences, where a full pass takes minutes")
    p.add_argument("--seed", type=int_flag("--seed", 0), default=None, help=f"random seed (default {d['seed']})")
    _add_protocol_options(p, d)
    p.add_argument("--float64", action="store_true", default=None, help="train in float64 (default float32)")
    p.add_argument("--out", type=output_folder, default=None,
                   help="output folder, new or empty (default runs/<model>-<task>)")
    p.add_argument("--overwrite", action="store_true",
                   help="start afresh in an --out that holds a run; the old run is renamed aside "
                        "(<out>.replaced-<time>), never deleted")
    p.add_argument("--resume", default=None, metavar="DIR",
                   help="continue the run in DIR from its last checkpoint (--epochs may grow)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


# What --resume may change; every other flag is fixed by the run being continued.
_RESUME_FLAGS = {"epochs", "eval_batches", "quiet", "resume", "command"}


def _new_config(args):
    """The TrainConfig the flags ask for: the --protocol preset (none by default), then
    the flags given; TrainConfig's defaults for the rest."""
    from rnn.protocol import configure
    from rnn.train import TrainConfig
    given = {"data": args.data, "hidden": args.hidden,
             "levels": args.levels, "kernel_size": args.kernel_size, "dropout": args.dropout,
             "epochs": args.epochs, "lr": args.lr, "optimizer": args.optimizer, "clip": args.clip,
             "batch_size": args.batch_size, "plateau": args.plateau, "max_batches": args.max_batches,
             "eval_batches": args.eval_batches, "seed": args.seed,
             "dtype": "float64" if args.float64 else None, "conv_init": args.conv_init,
             "initial_state": args.initial_state, "loss_reduction": args.loss_reduction,
             "plateau_start": args.plateau_start, "channels": args.channels,
             "loss_window": args.loss_window, "embedding_init": args.embedding_init,
             "readout": args.readout, "lr_step": args.lr_step}
    config = {k: v for k, v in given.items() if v is not None}
    args.task = args.task or TrainConfig.task
    config["task_args"] = _task_args(args)
    return configure(args.protocol or "carrylab", args.model or TrainConfig.model, args.task, **config)


def run_train(args) -> int:
    """Run ``carrylab train`` on the parsed ``args``; return the exit status."""
    import dataclasses

    from adders.errors import CarrylabValueError
    from rnn.train import fit, saved_config
    if args.resume:
        if args.overwrite:
            raise CarrylabValueError("--resume continues a run and --overwrite replaces one: "
                                     "give one of them")
        fixed = sorted(k for k, v in vars(args).items()
                       if k not in _RESUME_FLAGS and v not in (None, False))
        if fixed:
            names = ", ".join("--" + k.replace("_", "-") for k in fixed)
            raise CarrylabValueError(f"{names}: not allowed with --resume (a resumed run keeps its "
                                     f"folder and settings; only --epochs, --eval-batches and "
                                     f"--quiet may change)")
        config = saved_config(args.resume)
        changes = {k: getattr(args, k) for k in ("epochs", "eval_batches") if getattr(args, k) is not None}
        config, out = dataclasses.replace(config, **changes), args.resume
    else:
        config = _new_config(args)
        out = args.out or f"runs/{config.model}-{config.task}"
    result = fit(config, out, resume=bool(args.resume), progress=not args.quiet,
                 overwrite=args.overwrite)
    print(f"best epoch {result['best']['epoch']} (valid loss {result['best']['valid_loss']:.4f}); "
          f"test{_subset(config.eval_batches)}: " + _scores(result["test"]))
    print(f"checkpoints and metrics in {out}")
    return 0


def _subset(eval_batches: int) -> str:
    return f" (first {eval_batches} batches)" if eval_batches else ""


def _scores(scores: dict | None) -> str:
    if not scores:
        return "-"
    return ", ".join(f"{k} {v:.4f}" for k, v in scores.items() if not isinstance(v, dict))


def add_eval(sub):
    """Declare ``carrylab eval`` and its arguments on the subparsers ``sub``."""
    p = sub.add_parser("eval", help="score a saved checkpoint on its task's validation and test data",
                       description="Rebuild the model a checkpoint describes and print its scores.")
    p.add_argument("--checkpoint", required=True, help="a training folder (its best.npz) or a .npz file")
    p.add_argument("--eval-batches", type=int_flag("--eval-batches", 1), default=0,
                   help="score only the first N batches of each split (default: all)")


def run_eval(args) -> int:
    """Run ``carrylab eval`` on the parsed ``args``; return the exit status."""
    from rnn.train import evaluate_checkpoint
    result = evaluate_checkpoint(args.checkpoint, max_batches=args.eval_batches)
    cfg = result["config"]
    print(f"{cfg['model']} on {cfg['task']} (hidden {cfg['hidden']}), epoch {result['epoch']}"
          f"{_subset(args.eval_batches)}")
    for split in ("valid", "test"):
        print(f"  {split:<5} {_scores(result[split])}")
        chains = result[split].get("accuracy_by_chain")
        if chains:
            print("        whole-number accuracy by longest carry chain: "
                  + ", ".join(f"{c}: {v['accuracy']:.3f} (n={v['count']})" for c, v in chains.items()))
    return 0


def add_compare(sub):
    """Declare ``carrylab compare`` and its arguments on the subparsers ``sub``."""
    p = sub.add_parser("compare", help="train several models briefly on one task and print one table",
                       description="Train each model with the same task, seed and budget, then print "
                                   "their parameter counts, test scores and time per epoch.")
    _add_task_options(p)
    p.add_argument("--models", default="rnn,lstm,clrnn", help="comma-separated (default rnn,lstm,clrnn)")
    p.add_argument("--hidden", type=int_flag("--hidden", 1, SIZES["hidden"]), default=32,
                   help="hidden size (default 32)")
    p.add_argument("--levels", type=int_flag("--levels", 1, SIZES["levels"]), default=5,
                   help="CL-RNN / TCN levels (default 5)")
    p.add_argument("--kernel-size", type=int_flag("--kernel-size", 1, SIZES["kernel_size"]), default=2,
                   help="CL-RNN / TCN kernel (default 2)")
    p.add_argument("--epochs", type=int_flag("--epochs", 1, SIZES["epochs"]), default=5,
                   help="epochs per model (default 5)")
    p.add_argument("--lr", type=real_flag("--lr", 0.0, strict=True), default=3e-3,
                   help="learning rate (default 3e-3)")
    p.add_argument("--seed", type=int_flag("--seed", 0), default=0, help="random seed (default 0)")
    p.add_argument("--out", type=output_folder, default=None,
                   help="keep the runs here, one folder per model (default: a temporary folder)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace runs already in --out (each old run is renamed aside, never deleted)")


def run_compare(args) -> int:
    """Run ``carrylab compare`` on the parsed ``args``; return the exit status."""
    import tempfile

    from adders.errors import CarrylabValueError
    from rnn.heads import count_params
    from rnn.train import MODELS, TrainConfig, build_model, fit, make_task
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in models if m not in MODELS]
    if unknown or not models:
        raise CarrylabValueError(f"--models {args.models!r}: unknown model(s) {unknown}; "
                                 f"known: {', '.join(MODELS)}")
    args.task = args.task or "binary-add"
    task_args = _task_args(args)
    if args.task == "binary-add":
        task_args.setdefault("n_bits", 16)
        task_args.setdefault("n_train", 10000)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.out or tmp)
        task = None
        for model in models:
            config = TrainConfig(model=model, task=args.task, data=args.data, task_args=task_args,
                                 hidden=args.hidden, levels=args.levels, kernel_size=args.kernel_size,
                                 epochs=args.epochs, lr=args.lr, seed=args.seed)
            task = task or make_task(config)
            print(f"training {model} ...")
            result = fit(config, root / model, progress=False, task=task, log=None,
                         overwrite=args.overwrite)
            seconds = sum(r["seconds"] for r in result["history"]) / len(result["history"])
            row = {"model": model, "params": count_params(build_model(config, task)),
                   "best_epoch": result["best"]["epoch"], "s/epoch": round(seconds, 2)}
            row.update({k: round(v, 4) for k, v in (result["test"] or {}).items() if not isinstance(v, dict)})
            rows.append(row)
    print(f"\n{args.task} {task_args}, {args.epochs} epochs, hidden {args.hidden}, seed {args.seed}; test scores")
    columns = list(dict.fromkeys(k for r in rows for k in r))
    print(text_table(rows, columns))
    return 0
