"""Speed of event-driven timing: one input transition through a wide adder.

Prints the median wall time of RUNS runs after a warm-up, per case, with the number of
events simulated. Target: a 64-bit Kogge-Stone transition under 10 ms.

    python benchmarks/bench_timing.py
"""
from __future__ import annotations

import random
import statistics
import time

from adders import build
from adders.timing import Delays, critical_path, simulate_transition

__all__ = ["median_time", "main"]

RUNS = 9


def median_time(fn, runs: int = RUNS) -> float:
    """Median seconds of ``runs`` calls of ``fn()`` after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    rng = random.Random(0)
    cases = []
    for arch, n in (("kogge-stone", 64), ("ripple", 256), ("kogge-stone", 256)):
        circuit = build(arch, n)
        top = (1 << n) - 1
        worst = ({"a": 0, "b": 0}, {"a": top, "b": 1})          # carry through every bit
        rand = ({"a": rng.getrandbits(n), "b": rng.getrandbits(n)},
                {"a": rng.getrandbits(n), "b": rng.getrandbits(n)})
        for label, (before, after) in (("0,0 -> max,1", worst), ("random", rand)):
            for mode, delays in (("transport", None), ("inertial", Delays(per_kind={"XOR": 2}))):
                trace = simulate_transition(circuit, before, after, delays, mode)
                sec = median_time(lambda: simulate_transition(circuit, before, after, delays, mode))
                cases.append((f"{arch} {n}", label, mode, len(circuit.gates()), len(trace.events), sec))
        sec = median_time(lambda: critical_path(circuit))
        cases.append((f"{arch} {n}", "critical_path", "static", len(circuit.gates()), 0, sec))
    print(f"median of {RUNS} runs after warm-up")
    print(f"{'circuit':<16} {'transition':<14} {'mode':<10} {'gates':>6} {'events':>7} {'ms':>8} {'us/event':>9}")
    for name, label, mode, n_gates, n_events, sec in cases:
        per = f"{1e6 * sec / n_events:9.2f}" if n_events else " " * 9
        print(f"{name:<16} {label:<14} {mode:<10} {n_gates:>6} {n_events:>7} {1e3 * sec:8.2f} {per}")


if __name__ == "__main__":
    main()
