"""Measure rnn.scan's blocked two-pass scan and rnn.deer. Prints numbers; not a test.

    python benchmarks/bench_scan.py            # T = 2^10 .. 2^22 (a few minutes)
    python benchmarks/bench_scan.py --quick    # T = 2^10 .. 2^20, fewer DEER sizes (< 60 s)

(a) The diagonal linear recurrence h[t] = a[t] * h[t-1] + b[t], D = 16 channels,
    float64: the sequential Numba loop against the blocked two-pass scan
    (:func:`rnn.scan.affine_scan_blocked`) on 1 and on 2 threads
    (``numba.set_num_threads``), for T = 2^10 .. 2^22. The kernels are timed on
    validated arrays, so input checks (which both public functions share) do not
    dilute the ratio. With 1 thread the blocked scan still does its two passes:
    that row shows the price of the extra work.
(b) DEER (:func:`rnn.deer.deer_elman`): Newton iterations and time against T for an
    Elman RNN with H = 16, beside the serial loop.

Every time is the median of at least 5 runs. The machine's load average is printed
with the results: other processes on the same cores distort threaded timings.
"""
import argparse
import os
import time

import numba
import numpy as np
from numba import njit, prange

from rnn.deer import deer_elman, elman_serial
from rnn.scan_blocked import _blocked_kernel, _default_block
from rnn.scan_loop import diag_loop as _diag_loop


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


@njit(parallel=True, cache=True)
def _stream(a, b, out, P):
    """out = a * b + 1 over P equal slices of time: the same memory traffic as one
    scan step (read a, b; write out) without its dependency chain. Each thread loops
    over flat views of its slice, so the loop vectorises and only memory limits it."""
    T = a.shape[0]
    for k in prange(P):
        lo, hi = k * T // P, (k + 1) * T // P
        x, y, z = a[lo:hi].ravel(), b[lo:hi].ravel(), out[lo:hi].ravel()
        for i in range(z.shape[0]):
            z[i] = x[i] * y[i] + 1.0


@njit(cache=True)
def _loop_in_registers(a, b, out):
    """The sequential recurrence with all 16 states in registers (D = 16 only, h0 = 0):
    no store and reload between steps, so at large T it runs as fast as memory allows.
    It shows what the best sequential code costs; the library loop keeps h in an array
    for any D."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    s8 = s9 = s10 = s11 = s12 = s13 = s14 = s15 = 0.0
    for t in range(a.shape[0]):
        x, y, z = a[t], b[t], out[t]
        s0, s1, s2, s3 = x[0] * s0 + y[0], x[1] * s1 + y[1], x[2] * s2 + y[2], x[3] * s3 + y[3]
        s4, s5, s6, s7 = x[4] * s4 + y[4], x[5] * s5 + y[5], x[6] * s6 + y[6], x[7] * s7 + y[7]
        s8, s9, s10, s11 = (x[8] * s8 + y[8], x[9] * s9 + y[9], x[10] * s10 + y[10],
                            x[11] * s11 + y[11])
        s12, s13, s14, s15 = (x[12] * s12 + y[12], x[13] * s13 + y[13], x[14] * s14 + y[14],
                              x[15] * s15 + y[15])
        z[0], z[1], z[2], z[3], z[4], z[5], z[6], z[7] = s0, s1, s2, s3, s4, s5, s6, s7
        z[8], z[9], z[10], z[11], z[12], z[13], z[14], z[15] = s8, s9, s10, s11, s12, s13, s14, s15


def interleaved(runs, repeat):
    """Median seconds of each ``name: (threads, fn)`` in ``runs``, timed in turn round
    after round so that a change in the machine's load hits all of them alike."""
    saved = numba.get_num_threads()
    times = {name: [] for name in runs}
    try:
        for threads, fn in runs.values():       # warm up (and compile)
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            fn()
        for _ in range(repeat):
            for name, (threads, fn) in runs.items():
                numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
                t = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t)
    finally:
        numba.set_num_threads(saved)
    return {name: float(np.median(v)) for name, v in times.items()}


def bench_ceiling(T, D, repeat):
    """How much more memory bandwidth do two threads get than one, and how fast is
    the best sequential code? Returns the bandwidth ratio."""
    rng = np.random.default_rng(2)
    a = rng.uniform(-1.0, 1.0, (T, D))
    b = rng.normal(size=(T, D))
    out = np.empty_like(a)
    runs = {"1 thread": (1, lambda: _stream(a, b, out, 1)),
            "2 threads": (2, lambda: _stream(a, b, out, 2))}
    if D == 16:
        runs["registers"] = (1, lambda: _loop_in_registers(a, b, out))
    t = interleaved(runs, repeat)
    ratio = t["1 thread"] / t["2 threads"]
    print(f"    memory ceiling: out = a * b + 1 at T = {T}, D = {D}: 1 thread "
          f"{1e3 * t['1 thread']:.2f} ms, 2 threads {1e3 * t['2 threads']:.2f} ms, "
          f"ratio {ratio:.2f}")
    if "registers" in t:
        best = t["registers"]
        print(f"    the recurrence with its 16 states in registers (the best sequential "
              f"code): {1e3 * best:.2f} ms; every scan reads a, b and writes h as it does, "
              f"so on 2 threads none can beat it by more than {best / t['2 threads']:.2f}x "
              f"here")
    return ratio


def load():
    try:
        return "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "load average unknown"


def bench_blocked(exponents, D, repeat, block, rho):
    print(f"(a) diagonal scan, D = {D}, float64, medians of {repeat} interleaved runs; {load()}")
    print(f"    blocked: per block a head and 2 segments, block = {block or 'auto'} steps, "
          f"rho = {rho}")
    head = (f"{'T':>9} {'loop ms':>9} {'blk 1thr ms':>12} {'ratio':>6} "
            f"{'blk 2thr ms':>12} {'ratio':>6}  max |diff|")
    print(head)
    rng = np.random.default_rng(0)
    at_2_20 = best_2_20 = None
    for e in exponents:
        T = 1 << e
        a = rng.uniform(-1.0, 1.0, (T, D))  # (T, D)
        b = rng.normal(size=(T, D))  # (T, D)
        h0 = np.zeros(D)
        ref = np.empty_like(b)
        out = np.empty_like(b)
        blk = block or _default_block(D, 8)
        runs = {"loop": (1, lambda: _diag_loop(a, b, h0, ref)),
                "blk1": (1, lambda: _blocked_kernel(a, b, h0, out, 2, blk, rho)),
                "blk2": (2, lambda: _blocked_kernel(a, b, h0, out, 2, blk, rho))}
        if e == 20 and D == 16:  # the best sequential code, timed alongside (h0 = 0)
            runs["registers"] = (1, lambda: _loop_in_registers(a, b, np.empty_like(b)))
        t = interleaved(runs, repeat)
        diff = float(np.max(np.abs(out - ref)))
        if e == 20:
            at_2_20 = t["loop"] / t["blk2"]
            best_2_20 = t.get("registers", np.nan) / t["blk2"]
        print(f"{'2^%d' % e:>9} {1e3 * t['loop']:9.2f} {1e3 * t['blk1']:12.2f} "
              f"{t['loop'] / t['blk1']:6.2f} {1e3 * t['blk2']:12.2f} "
              f"{t['loop'] / t['blk2']:6.2f}  {diff:.1e}")
        del a, b, ref, out
    print(f"    ratio = loop time / blocked time (> 1: blocked is faster); {load()}")
    ceiling = bench_ceiling(1 << 20, D, repeat)
    if at_2_20 is not None:
        verdict = "met" if at_2_20 >= 1.6 else "MISSED"
        print(f"    target: blocked scan >= 1.6x the sequential loop on 2 threads at "
              f"T = 2^20, D = {D}: {at_2_20:.2f}x, {verdict} (memory ceiling "
              f"{ceiling:.2f}x: the loop streams 3 arrays and is bound by bandwidth)")
        if D == 16:
            print(f"    against the best sequential code (16 states in registers, timed in "
                  f"the same rounds): {best_2_20:.2f}x")


def bench_deer(lengths, H, repeat):
    print(f"\n(b) DEER on an Elman RNN, H = {H}, I = 4, gain 1, brent-kung scans, "
          f"median of {repeat}; {load()}")
    print(f"{'T':>6} {'iters':>6} {'deer ms':>10} {'serial ms':>10} {'slowdown':>9}  max |diff|")
    rng = np.random.default_rng(1)
    for T in lengths:
        W_ih = rng.normal(size=(H, 4)) / 2.0
        W_hh = rng.normal(size=(H, H)) / np.sqrt(H)
        b = 0.1 * rng.normal(size=H)
        x = rng.normal(size=(T, 4))
        res = deer_elman(x, W_ih, W_hh, b)
        ref = elman_serial(x, W_ih, W_hh, b)
        t_deer = median_time(lambda: deer_elman(x, W_ih, W_hh, b), repeat)
        t_ser = median_time(lambda: elman_serial(x, W_ih, W_hh, b), repeat)
        print(f"{T:6d} {res.iterations:6d} {1e3 * t_deer:10.2f} {1e3 * t_ser:10.2f} "
              f"{t_deer / t_ser:9.1f}  {np.max(np.abs(res.h - ref)):.1e}")
    print("    DEER does O(iterations x cells x H^3) work in O(iterations x log T) depth; "
          "on 2 cores the serial loop wins, the iteration count is the point.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under a minute")
    parser.add_argument("--repeat", type=int, default=5, help="runs per median (>= 5)")
    parser.add_argument("--block", type=int, default=None, help="steps per block (auto)")
    parser.add_argument("--rho", type=float, default=0.8, help="reduce / scan cost ratio")
    parser.add_argument("--only", choices=["blocked", "deer"], default=None)
    args = parser.parse_args(argv)
    repeat = max(5, args.repeat)
    exponents = range(10, 21, 2) if args.quick else range(10, 23)
    lengths = [64, 256, 1024] if args.quick else [64, 128, 256, 512, 1024, 2048, 4096]
    # warm the compiled kernels (Numba's cache makes this cheap after the first run)
    w = np.ones((64, 2))
    _diag_loop(w, w, np.zeros(2), np.empty_like(w))
    _blocked_kernel(w, w, np.zeros(2), np.empty_like(w), 2, 16, args.rho)
    if args.only in (None, "blocked"):
        bench_blocked(exponents, 16, repeat, args.block, args.rho)
    if args.only in (None, "deer"):
        bench_deer(lengths, 16, repeat)


if __name__ == "__main__":
    main()
