"""The ``sweep`` command: a grid of training runs on dask.distributed
(:mod:`carrylab.sweeps`). Building its parser imports neither rnn nor dask."""
from __future__ import annotations

import argparse
import functools
import sys

from .flags import int_flag, output_folder

__all__ = ["add_sweep", "run_sweep", "SPEC_HELP"]

#: The spec format, as ``carrylab sweep --help`` shows it.
SPEC_HELP = """\
SPEC is a TOML (.toml) or YAML (.yaml) file. Its keys are the fields of a training
config (those of `carrylab train`: model, task, data, task_args, hidden, levels,
kernel_size, dropout, epochs, lr, optimizer, clip, batch_size, plateau, max_batches,
eval_batches, seed, dtype, ...). A list crosses with the other lists; a field whose
value is itself a list takes a list of lists to cross. Two keys of its own:
[models.NAME] holds per-model overrides (lists there cross for that model only), and
protocol = "paper" starts each run from that named protocol's settings (the fields
the spec gives override them). data is relative to the spec file, or absolute.

  # binary.toml: 2 models x 3 seeds, the CL-RNN at two kernel sizes: 9 runs
  task = "binary-add"
  task_args = {n_bits = 8, n_train = 2000}
  hidden = 16
  epochs = 5
  lr = 5e-3
  batch_size = 32
  model = ["clrnn", "rnn"]
  seed = [0, 1, 2]

  [models.clrnn]
  levels = 4
  kernel_size = [2, 3]

Each run trains in its own folder under --out (default runs/<spec stem> beside the
spec), named by its model, the crossed values and its seed (clrnn-kernel_size2-seed0).
A finished run is scored, not trained again; an interrupted one resumes from its last
epoch; a folder that holds a run of another config is refused, never overwritten, so
after Ctrl-C or a lost worker the same command continues the sweep. --out also gets
sweep.json (the expanded spec), results.csv (one row per run), summary.csv and
summary.md (mean, std, min and max of each score per cell, i.e. over the seeds) and
summary.png (the --metric per cell over the seeds).
"""


def add_sweep(sub):
    """Declare ``carrylab sweep`` and its arguments on the subparsers ``sub``."""
    p = sub.add_parser("sweep", help="train a grid of configs and seeds on dask.distributed, one table",
                       description="Run every training of a grid (configs x seeds) as a task on "
                                   "dask.distributed and tabulate the results over seeds.",
                       epilog=SPEC_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec", metavar="SPEC", help="the sweep spec, .toml or .yaml (format below)")
    p.add_argument("--out", type=output_folder, default=None,
                   help="folder of the runs and tables (default runs/<spec stem> beside SPEC)")
    p.add_argument("--workers", type=int_flag("--workers", 1, 1024), default=None,
                   help="worker processes of the embedded cluster, one thread each (default: "
                        "the number of CPUs)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="use the dask scheduler at ADDRESS (tcp://host:port) instead of an embedded "
                        "cluster; its workers must see --out at the same path")
    p.add_argument("--metric", default="test_loss",
                   help="the score summary.png shows (default test_loss; any valid_* or test_* column)")
    p.add_argument("--dry-run", action="store_true",
                   help="list the runs and what each folder holds, train nothing")
    p.add_argument("--quiet", action="store_true", help="no progress lines")


def run_sweep(args) -> int:
    """Run ``carrylab sweep`` on the parsed ``args``; return the exit status."""
    from adders.errors import CarrylabValueError
    from carrylab import sweeps
    if args.scheduler is not None and args.workers is not None:
        raise CarrylabValueError("--workers sizes the embedded cluster and --scheduler names another "
                                 "one: give one of them")
    sweep = sweeps.load_spec(args.spec, out=args.out)
    if args.dry_run:
        return _dry_run(sweep)
    sweeps.run.check_distributed()
    log = None if args.quiet else functools.partial(print, flush=True)
    where = f"the scheduler at {args.scheduler}" if args.scheduler else "an embedded cluster"
    print(f"{len(sweep.runs)} runs of {args.spec} on {where}, into {sweep.out}", flush=True)
    try:
        rows = sweeps.run_sweep(sweep, scheduler=args.scheduler, workers=args.workers, log=log)
    except KeyboardInterrupt:
        print(f"carrylab sweep: interrupted; every run keeps its last finished epoch: run the "
              f"same command again to continue", file=sys.stderr)
        return 130
    paths = sweeps.write_tables(rows, sweep.cell_keys, sweep.out, metric=args.metric)
    print()
    print(paths["summary_md"].read_text(encoding="utf-8"), end="")
    print(f"\nruns in {sweep.out}; tables: " + ", ".join(p.name for p in paths.values()))
    failed = [r for r in rows if r["status"] in ("diverged", "failed")]
    for r in failed:
        print(f"carrylab sweep: run {r['run']} {r['status']}: {r['error']}", file=sys.stderr)
    return 1 if failed else 0


def _dry_run(sweep) -> int:
    from adders.errors import CarrylabValueError
    from carrylab import sweeps
    rows = sweeps.plan(sweep)
    width = max(len(run.name) for run, *_ in rows)
    print(f"{len(rows)} runs into {sweep.out}:")
    for run, state, epoch, error in rows:
        what = {"new": "new", "resume": f"resume after epoch {epoch} of {run.config.epochs}",
                "finished": f"finished ({epoch} epochs): scored, not trained",
                "refused": "refused"}[state]
        print(f"  {run.name:<{width}}  {what}")
    refused = [(run, err) for run, state, _, err in rows if state == "refused"]
    if refused:
        raise CarrylabValueError(f"run {refused[0][0].name}: {refused[0][1]}")
    return 0

