"""How many BLAS threads should training use? Short trainings timed both ways, interleaved.

Trains the course's small models (notebook 03's Elman RNN, notebook 04's CL-RNN, an
LSTM) for a few epochs with the BLAS thread pool limited to 1 thread and left at its
default (one per core), alternating the order every round so that a busy machine slows
both alike. Prints the median seconds per setting and the ratio. rnn.train.fit's
``blas_threads`` default was chosen from this table.

    python benchmarks/bench_blas_threads.py [--rounds 5] [--epochs 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

__all__ = ["CASES", "main"]

#: label -> (TrainConfig fields, binary_addition arguments)
CASES = {
    "CL-RNN (nb 04: 8 bits, H 32, L 4, k 2)":
        (dict(model="clrnn", hidden=32, levels=4, kernel_size=2, lr=5e-3, clip=1.0,
              batch_size=32, plateau=True, seed=1),
         dict(n_bits=8, n_train=4000, n_valid=300, n_test=1000)),
    "Elman RNN (nb 03: 8 bits, H 8)":
        (dict(model="rnn", hidden=8, lr=1e-2, clip=1.0, batch_size=32, seed=1),
         dict(n_bits=8, n_train=3000, n_valid=300, n_test=1000)),
    "LSTM (16 bits, H 32)":
        (dict(model="lstm", hidden=32, lr=3e-3, seed=0),
         dict(n_bits=16, n_train=2000, n_valid=300, n_test=300)),
    "CL-RNN, the paper's size (16 bits, H 150, L 4, k 5)":
        (dict(model="clrnn", hidden=150, levels=4, kernel_size=5, lr=1e-3, seed=0),
         dict(n_bits=16, n_train=1000, n_valid=200, n_test=200)),
}


#: The paper's music setting (one JSB chorale per step), run when the data file is there.
JSB = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "JSB_Chorales.mat"
JSB_CASE = ("CL-RNN on JSB, the paper's setting (H 150, L 4, k 5, batch 1; 60 steps)",
            dict(model="clrnn", hidden=150, levels=4, kernel_size=5, dropout=0.25, lr=1e-2,
                 max_batches=60, eval_batches=20, seed=0))


def _time_fit(fields: dict, task_args: dict, task, epochs: int, threads) -> float:
    from rnn.train import TrainConfig, fit
    task_name = "jsb" if task.head == "music" and task.input_size == 88 else "binary-add"
    config = TrainConfig(task=task_name, task_args=task_args, epochs=epochs, **fields)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        fit(config, Path(tmp) / "run", progress=False, task=task, log=None, blas_threads=threads)
        return time.perf_counter() - t0


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_info

    from rnn.tasks import binary_addition
    pools = [f"{p['internal_api']} {p['num_threads']} threads" for p in threadpool_info()
             if p["user_api"] == "blas"]
    print(f"BLAS: {', '.join(pools) or 'none found'}; cores: {os.cpu_count()}; "
          f"load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"median of {args.rounds} rounds, {args.epochs} epochs each, order alternating\n")
    print("| model | 1 BLAS thread (s) | default BLAS threads (s) | default / 1 |")
    print("|---|---:|---:|---:|")
    cases = [(label, fields, task_args, binary_addition(seed=0, **task_args))
             for label, (fields, task_args) in CASES.items()]
    if JSB.is_file():
        from rnn.tasks import polyphonic
        cases.append((*JSB_CASE, {}, polyphonic(JSB)))
    else:
        print(f"(no {JSB}: the JSB case is left out)")
    for label, fields, task_args, task in cases:
        _time_fit(fields, task_args, task, 1, 1)                    # compile, warm caches
        times = {1: [], None: []}
        for r in range(args.rounds):
            for threads in ((1, None) if r % 2 == 0 else (None, 1)):
                times[threads].append(_time_fit(fields, task_args, task, args.epochs, threads))
        one, default = statistics.median(times[1]), statistics.median(times[None])
        print(f"| {label} | {one:.2f} | {default:.2f} | {default / one:.2f} |")
    print(f"\nload average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
