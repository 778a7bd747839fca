"""Binary addition: what a receptive field can and cannot carry.

Run:  OPENBLAS_NUM_THREADS=1 python benchmarks/binary_addition.py [--out docs] [--quick]

(one BLAS thread: these matrices are small, and two threads fighting for two cores make
training many times slower)

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

Writes ``binary_addition.png`` (whole-number accuracy against longest carry chain) and
``binary_addition.json`` into --out, and prints a table.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from rnn import tasks
from rnn.train import TrainConfig, evaluate_checkpoint, fit

EXPERIMENTS = {
    "clrnn_R29": dict(model="clrnn", hidden=32, levels=3, kernel_size=5, lr=3e-3, clip=1.0, batch_size=64),
    "clrnn_R8": dict(model="clrnn", hidden=32, levels=3, kernel_size=2, lr=3e-3, clip=1.0, batch_size=64),
    "rnn": dict(model="rnn", hidden=16, lr=1e-2, batch_size=64),
}


def run(out_dir: Path, quick: bool = False, seed: int = 0) -> dict:
    n_train = 4000 if quick else 20000
    epochs = 4 if quick else 30
    train16 = tasks.binary_addition(16, n_train=n_train, n_valid=1000, n_test=4000, seed=seed)
    wide64 = tasks.binary_addition(64, n_train=1, n_valid=1, n_test=2000, seed=seed + 1)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, kw in EXPERIMENTS.items():
            config = TrainConfig(task="binary-add", task_args={"n_bits": 16, "n_train": n_train},
                                 epochs=epochs, seed=seed, plateau=True, **kw)
            t0 = time.perf_counter()
            fit(config, Path(tmp) / name, progress=False, task=train16, log=None)
            seconds = time.perf_counter() - t0
            scores = evaluate_checkpoint(Path(tmp) / name, task=train16, splits=("test",))["test"]
            results[name] = {"config": kw, "seconds": seconds, "test16": scores}
            if name == "rnn":
                results[name]["test64"] = evaluate_checkpoint(Path(tmp) / name, task=wide64,
                                                              splits=("test",))["test"]
    return results


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    labels = {"clrnn_R29": "CL-RNN, k = 5, L = 3: R = 29", "clrnn_R8": "CL-RNN, k = 2, L = 3: R = 8",
              "rnn": "Elman RNN"}
    for name, style in (("clrnn_R29", "o-"), ("clrnn_R8", "s-"), ("rnn", "^--")):
        chains = results[name]["test16"]["accuracy_by_chain"]
        xs = [int(c) for c in chains]
        ax.plot(xs, [chains[c]["accuracy"] for c in chains], style, label=labels[name], ms=4)
    ax.axvline(7.5, color="grey", ls=":", lw=1)
    ax.text(7.6, 0.05, "R - 1 = 7", color="grey", fontsize=8)
    ax.set_xlabel("longest carry chain in the example (bits)")
    ax.set_ylabel("whole-number accuracy (16-bit test set)")
    ax.set_ylim(-0.02, 1.02)
    ax.legend()
    ax.set_title("A CL-RNN adds correctly only the carries its receptive field can see")
    fig.savefig(path, dpi=120)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs", help="folder for the figure and JSON (default docs)")
    parser.add_argument("--quick", action="store_true", help="smaller data and fewer epochs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = run(out, args.quick, args.seed)
    (out / "binary_addition.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, out / "binary_addition.png")
    print(f"{'experiment':<12}{'bit acc':>9}{'number acc':>12}{'time s':>8}")
    for name, r in results.items():
        t = r["test16"]
        print(f"{name:<12}{t['bit_accuracy']:>9.4f}{t['number_accuracy']:>12.4f}{r['seconds']:>8.1f}")
    print(f"Elman RNN trained on 16 bits, tested on 64-bit numbers: whole-number accuracy "
          f"{results['rnn']['test64']['number_accuracy']:.4f}")
    r8 = results["clrnn_R8"]["test16"]["accuracy_by_chain"]
    inside = [v["accuracy"] for c, v in r8.items() if int(c) <= 7]
    outside = [v["accuracy"] for c, v in r8.items() if int(c) >= 8]
    print(f"CL-RNN R = 8: accuracy on chains <= 7: min {min(inside):.3f}; on chains >= 8: "
          f"mean {sum(outside) / max(len(outside), 1):.3f}")
    print(f"wrote {out / 'binary_addition.png'} and {out / 'binary_addition.json'}")


if __name__ == "__main__":
    main()
