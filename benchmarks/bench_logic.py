"""Bit-parallel logic simulation speed: vectors per second, and the machine's raw limit.

Run:  python benchmarks/bench_logic.py [--vectors 1048576] [--repeat 5]

Prints, for 32- and 64-bit ripple, CLA and Kogge-Stone adders on random vectors:

* end to end: uint64 operands in, uint64 sums out (transposes included);
* core: the levelised netlist on already bit-sliced words (what a gate-level
  simulator's inner loop costs), as vectors/s and as gate-word-operations/s;

and, from the same run, the raw rate of a plain uint64 AND/XOR loop (cache-resident,
all threads): the physical limit a gate-level simulator can approach. Every result is
checked against NumPy's own addition before its time is trusted. Finally it starts two
fresh processes sharing one empty Numba cache folder and reports their first-call
times: the second must load the compiled kernels instead of compiling them again.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numba
import numpy as np
from numba import njit, prange

from adders import build
from adders import logic


@njit(cache=True, parallel=True)
def _raw_and_xor(a, b, c, out, repeats, n_threads):
    """out = (a & b) ^ c over cache-resident arrays, 2 word-ops a word, `repeats` times.

    One parallel region: each thread loops over its own slice, so the figure is the
    arithmetic rate, not the cost of starting threads.
    """
    per = a.shape[0] // n_threads
    for t in prange(n_threads):
        lo, hi = t * per, (t + 1) * per
        for _ in range(repeats):
            for i in range(lo, hi):
                out[i] = (a[i] & b[i]) ^ c[i]
            c[lo] ^= out[hi - 1]    # a dependency between repeats, so none is skipped


def raw_word_ops(repeat: int) -> float:
    threads = numba.get_num_threads()
    n = 4096 * threads              # 4 arrays x 32 KiB a thread: stays in L1/L2
    rng = np.random.default_rng(0)
    a, b, c = (rng.integers(0, 2**63, n, dtype=np.uint64) for _ in range(3))
    out = np.empty_like(a)
    _raw_and_xor(a, b, c, out, 1, threads)
    reps = 20000
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        _raw_and_xor(a, b, c, out, reps, threads)
        times.append(time.perf_counter() - t0)
    return 2 * n * reps / np.median(times)


def median_time(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def bench_adders(n_vectors: int, repeat: int) -> list[dict]:
    rng = np.random.default_rng(1)
    rows = []
    for bits in (32, 64):
        hi = np.uint64((1 << bits) - 1)
        a = rng.integers(0, 2**63, n_vectors, dtype=np.uint64) * np.uint64(2) & hi
        b = (rng.integers(0, 2**63, n_vectors, dtype=np.uint64) ^ np.uint64(12345)) & hi
        total = a + b
        expect_s = total & hi
        expect_c = (total < a).astype(np.uint64) if bits == 64 else total >> np.uint64(bits)
        for arch in ("ripple", "cla", "kogge-stone"):
            circuit = build(arch, bits)
            out = circuit.simulate(a=a, b=b)
            if not (np.array_equal(out["s"], expect_s) and np.array_equal(out["cout"], expect_c)):
                raise SystemExit(f"{arch} {bits}: simulation disagrees with NumPy; timing not trusted")
            t_end = median_time(lambda: circuit.simulate(a=a, b=b), repeat)
            n_words = (n_vectors + 63) // 64
            packed = np.concatenate([logic._pack_words(a, bits, n_words, numba.get_num_threads()),
                                     logic._pack_words(b, bits, n_words, numba.get_num_threads()),
                                     np.zeros((1, n_words), dtype=np.uint64)])
            rows_out = circuit.outputs["s"] + circuit.outputs["cout"]
            t_core = median_time(lambda: logic.run_packed(circuit, packed, rows_out), repeat)
            gates = circuit.stats()["gates"]
            rows.append({"arch": arch, "bits": bits, "gates": gates,
                         "end_to_end_Mvec_s": n_vectors / t_end / 1e6,
                         "core_Mvec_s": n_vectors / t_core / 1e6,
                         "core_Gwordops_s": gates * n_words / t_core / 1e9})
    return rows


_CHILD = r"""
import time, numpy as np
t0 = time.perf_counter()
from adders import build, logic
c = build("kogge-stone", 64)
c.simulate(a=np.arange(100, dtype=np.uint64), b=np.arange(100, dtype=np.uint64))
print(time.perf_counter() - t0, logic._run.stats.cache_hits and sum(logic._run.stats.cache_hits.values()),
      sum(logic._run.stats.cache_misses.values()))
"""


def cold_and_warm_start() -> tuple[str, str]:
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        runs = []
        for _ in range(2):
            res = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True)
            if res.returncode:
                raise SystemExit(res.stderr)
            runs.append(res.stdout.split())
    return runs[0], runs[1]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=1 << 20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-start", action="store_true", help="skip the cold/warm process test")
    args = parser.parse_args(argv)

    print(f"threads: {numba.get_num_threads()}, vectors: {args.vectors:,}, median of {args.repeat}")
    raw = raw_word_ops(args.repeat)
    print(f"raw uint64 AND/XOR loop: {raw / 1e9:.2f} G word-ops/s "
          f"({raw * 64 / 1e9:.0f} G bit-ops/s)")
    print(f"{'adder':<16}{'gates':>6}{'end-to-end':>14}{'core':>12}{'core':>16}{'of raw':>8}")
    print(f"{'':<16}{'':>6}{'M vectors/s':>14}{'M vec/s':>12}{'G word-ops/s':>16}{'':>8}")
    for r in bench_adders(args.vectors, args.repeat):
        print(f"{r['arch'] + ' ' + str(r['bits']):<16}{r['gates']:>6}{r['end_to_end_Mvec_s']:>14.1f}"
              f"{r['core_Mvec_s']:>12.1f}{r['core_Gwordops_s']:>16.2f}"
              f"{r['core_Gwordops_s'] * 1e9 / raw:>8.0%}")
    if not args.no_start:
        cold, warm = cold_and_warm_start()
        print(f"new process, empty Numba cache: first simulate after {float(cold[0]):.2f} s "
              f"(compiled {cold[2]} time(s))")
        print(f"new process, same cache:        first simulate after {float(warm[0]):.2f} s "
              f"(compiled {warm[2]} time(s), loaded from cache {warm[1]})")


if __name__ == "__main__":
    main()
