"""Binary addition: what a receptive field can and cannot carry.

Run:  python benchmarks/binary_addition.py [--out docs] [--quick] [--seeds 0,1,2]
                                          [--workers N | --scheduler tcp://host:port]

The runs go through ``carrylab sweep`` (:mod:`carrylab.sweeps`): each (experiment, seed)
is a task on dask.distributed, on one single-threaded worker process (one BLAS and one
Numba thread: these matrices are small, and threads fighting for the cores make
training many times slower).

Three seeded experiments on the serial-adder task (rnn.tasks.binary_addition, 16-bit
operands, a quarter of the examples with a planted carry chain of random length):

1. A CL-RNN whose receptive field R = 1 + (k-1)(2^L - 1) covers every step
   (k = 5, L = 3: R = 29 >= 17) should add held-out 16-bit numbers exactly.
2. A CL-RNN with R = 8 (k = 2, L = 3: the same depth) sees only 8 steps: the carry into bit t is right
   only when the bit that decides it (the nearest one below that generates or kills,
   see rnn.tasks.longest_carry_chain) lies at most R - 1 = 7 bits below. So it stays
   accurate on examples whose longest carry chain is <= 7 and drops beyond.
3. An Elman RNN trained on 16-bit numbers keeps its carry in the hidden state, so it
   adds 64-bit numbers too.

Writes ``binary_addition.png`` (whole-number accuracy against longest carry chain, the
mean over the seeds) and ``binary_addition.json`` (per experiment and seed) into --out,
and prints a table; the runs and the sweep's tables stay in --runs (default: a
temporary folder).
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from carrylab.sweeps import from_configs, run_sweep, write_tables
from rnn import tasks
from rnn.train import TrainConfig, evaluate_checkpoint

EXPERIMENTS = {
    "clrnn_R29": dict(model="clrnn", hidden=32, levels=3, kernel_size=5, lr=3e-3, clip=1.0, batch_size=64),
    "clrnn_R8": dict(model="clrnn", hidden=32, levels=3, kernel_size=2, lr=3e-3, clip=1.0, batch_size=64),
    "rnn": dict(model="rnn", hidden=16, lr=1e-2, batch_size=64),
}


def configs(quick: bool = False) -> dict[str, TrainConfig]:
    """The experiments as TrainConfigs: 16-bit sums, 1000 validation and 4000 test sums."""
    n_train = 4000 if quick else 20000
    task_args = {"n_bits": 16, "n_train": n_train, "n_valid": 1000, "n_test": 4000}
    return {name: TrainConfig(task="binary-add", task_args=task_args, epochs=4 if quick else 30,
                              plateau=True, **kw) for name, kw in EXPERIMENTS.items()}


def run(runs: Path, quick: bool = False, seeds=(0,), scheduler=None, workers=None) -> dict:
    """Train every experiment over ``seeds`` as one sweep into ``runs``; score each on its
    16-bit test split (and the Elman RNN on 64-bit sums). Returns, per experiment, its
    settings and per seed the scores and seconds."""
    sweep = from_configs(configs(quick), seeds, runs)
    rows = run_sweep(sweep, scheduler=scheduler, workers=workers, log=lambda line: print(line, flush=True))
    write_tables(rows, sweep.cell_keys, sweep.out, metric="test_number_accuracy")
    results = {name: {"config": kw, "seeds": [], "seconds": [], "test16": []} for name, kw in EXPERIMENTS.items()}
    for run_, row in zip(sweep.runs, rows):
        name, seed = run_.coords["variant"], run_.config.seed
        r = results[name]
        r["seeds"].append(seed)
        r["seconds"].append(row["seconds"])
        # the test split of the run's own task (its seed), with accuracy by carry chain
        r["test16"].append(evaluate_checkpoint(sweep.folder(run_), splits=("test",))["test"])
        if name == "rnn":
            wide64 = tasks.binary_addition(64, n_train=1, n_valid=1, n_test=2000, seed=seed + 1)
            r.setdefault("test64", []).append(
                evaluate_checkpoint(sweep.folder(run_), task=wide64, splits=("test",))["test"])
    return results


def _mean(values) -> float:
    values = list(values)
    return sum(values) / max(len(values), 1)


def _by_chain(tests: list[dict]) -> dict[int, float]:
    """Whole-number accuracy per longest carry chain, pooled over the seeds' test sets."""
    pooled: dict[int, list] = {}
    for test in tests:
        for c, v in test["accuracy_by_chain"].items():
            ok, n = pooled.get(int(c), (0.0, 0))
            pooled[int(c)] = (ok + v["accuracy"] * v["count"], n + v["count"])
    return {c: ok / n for c, (ok, n) in sorted(pooled.items())}


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    labels = {"clrnn_R29": "CL-RNN, k = 5, L = 3: R = 29", "clrnn_R8": "CL-RNN, k = 2, L = 3: R = 8",
              "rnn": "Elman RNN"}
    for name, style in (("clrnn_R29", "o-"), ("clrnn_R8", "s-"), ("rnn", "^--")):
        chains = _by_chain(results[name]["test16"])
        ax.plot(list(chains), list(chains.values()), style, label=labels[name], ms=4)
    ax.axvline(7.5, color="grey", ls=":", lw=1)
    ax.text(7.6, 0.05, "R - 1 = 7", color="grey", fontsize=8)
    ax.set_xlabel("longest carry chain in the example (bits)")
    ax.set_ylabel("whole-number accuracy (16-bit test set)")
    ax.set_ylim(-0.02, 1.02)
    ax.legend()
    ax.set_title("A CL-RNN adds correctly only the carries its receptive field can see")
    fig.savefig(path, dpi=120)


def main(argv=None) -> None:
    """Run the three experiments through the sweep; write the figure and the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs", help="folder for the figure and JSON (default docs)")
    parser.add_argument("--quick", action="store_true", help="smaller data and fewer epochs")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    parser.add_argument("--runs", default=None, help="keep the runs here (default: a temporary folder)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: CPUs)")
    parser.add_argument("--scheduler", default=None, help="a dask scheduler address instead")
    args = parser.parse_args(argv)
    seeds = [int(t) for t in args.seeds.split(",") if t.strip()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        results = run(Path(args.runs or tmp), args.quick, seeds, args.scheduler, args.workers)
    (out / "binary_addition.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, out / "binary_addition.png")
    print(f"mean over seeds {', '.join(map(str, seeds))}")
    print(f"{'experiment':<12}{'bit acc':>9}{'number acc':>12}{'time s':>8}")
    for name, r in results.items():
        t = r["test16"]
        print(f"{name:<12}{_mean(x['bit_accuracy'] for x in t):>9.4f}"
              f"{_mean(x['number_accuracy'] for x in t):>12.4f}{_mean(r['seconds']):>8.1f}")
    print(f"Elman RNN trained on 16 bits, tested on 64-bit numbers: whole-number accuracy "
          f"{_mean(x['number_accuracy'] for x in results['rnn']['test64']):.4f}")
    r8 = _by_chain(results["clrnn_R8"]["test16"])
    inside = [v for c, v in r8.items() if c <= 7]
    outside = [v for c, v in r8.items() if c >= 8]
    print(f"CL-RNN R = 8: accuracy on chains <= 7: min {min(inside):.3f}; on chains >= 8: "
          f"mean {_mean(outside):.3f}")
    print(f"wrote {out / 'binary_addition.png'} and {out / 'binary_addition.json'}")


if __name__ == "__main__":
    main()
