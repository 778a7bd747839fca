"""The limits a logic simulator of uint64 operands is measured against, on this machine.

* the memory floor: a loop that only reads a, b, cin and writes s, cout, the five arrays
  any simulator of these operands must stream (:func:`memory_floor`, 1 and 2 threads);
* NumPy's ``a + b + c`` on the same arrays;
* the ALU peak: word operations per second on registers, per thread count;
* the raw rate of a plain uint64 AND/XOR loop on cache-resident arrays
  (:func:`raw_word_ops`).

:mod:`benchmarks.bench_logic` measures carrylab's engines beside them;
:func:`floor_targets` and :func:`floor_lines` are its targets and its report section.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):               # imported from a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numba
import numpy as np
from numba import njit, prange

from benchmarks.peers import figure, fmt_figure, timed_runs, warm_runs

__all__ = ["FLOOR_DESIGNS", "FLOOR_SHARE", "FLOOR_VECTORS", "THREADS", "raw_word_ops",
           "memory_floor", "beside_floor", "floor_targets", "floor_lines"]

#: adders measured against the memory floor, and the share of it the generated engine
#: must reach end to end on one thread
FLOOR_DESIGNS = (("kogge-stone", 64), ("ripple", 64), ("cla", 64))
FLOOR_SHARE = 0.70
#: vectors of the floor comparison in every mode: 8 MiB an array, five arrays beyond the
#: last-level cache, so the floor is the speed of memory
FLOOR_VECTORS = 1 << 20
THREADS = (1, 2)


# ---------------------------------------------------------------------- raw limit
@njit(cache=True, parallel=True)
def _raw_and_xor(a, b, c, out, repeats, n_threads):
    """out = (a & b) ^ c over cache-resident arrays, 2 word-ops a word, `repeats` times.

    One parallel region: each thread loops over its own slice, so the figure is the
    arithmetic rate, not the cost of starting threads. Each thread works on views of its
    slice, so the loop index is known to be >= 0 and the compiler vectorises the loop
    (with a signed index it must handle negative wrap-around and stays scalar).
    """
    per = a.shape[0] // n_threads
    for t in prange(n_threads):
        lo, hi = t * per, (t + 1) * per
        aa, bb, cc, oo = a[lo:hi], b[lo:hi], c[lo:hi], out[lo:hi]
        for _ in range(repeats):
            for i in range(oo.shape[0]):
                oo[i] = (aa[i] & bb[i]) ^ cc[i]
            cc[0] ^= oo[oo.shape[0] - 1]    # a dependency between repeats, so none is skipped


def raw_word_ops(runs: int, repeats: int = 20000) -> dict:
    """Rate of the plain AND/XOR loop in word-ops/s: median, min, max over ``runs``."""
    threads = numba.get_num_threads()
    n = 4096 * threads              # 4 arrays x 32 KiB a thread: stays in L1/L2
    rng = np.random.default_rng(0)
    a, b, c = (rng.integers(0, 2**63, n, dtype=np.uint64) for _ in range(3))
    out = np.empty_like(a)
    _raw_and_xor(a, b, c, out, 1, threads)
    seconds = timed_runs(lambda: _raw_and_xor(a, b, c, out, repeats, threads), runs)
    return figure(seconds, 2 * n * repeats)


@njit(cache=True)
def _stream_slice(a, b, c, s, cout):
    """The memory floor: read a, b, c and write s, cout, one XOR so both reads count."""
    for i in range(s.shape[0]):
        s[i] = a[i] ^ b[i]
        cout[i] = c[i]


@njit(cache=True, parallel=True)
def _stream_threads(a, b, c, s, cout, n_threads):
    """:func:`_stream_slice` on ``n_threads`` contiguous slices at once."""
    per = (a.shape[0] + n_threads - 1) // n_threads
    for t in prange(n_threads):
        lo, hi = min(a.shape[0], t * per), min(a.shape[0], (t + 1) * per)
        _stream_slice(a[lo:hi], b[lo:hi], c[lo:hi], s[lo:hi], cout[lo:hi])


def _stream(a, b, c, s, cout, n_threads):
    """The floor on ``n_threads`` threads (one: no parallel region to start)."""
    if n_threads == 1:
        _stream_slice(a, b, c, s, cout)
    else:
        _stream_threads(a, b, c, s, cout, n_threads)


@njit(cache=True, parallel=True)
def _alu(seed, repeats, out):
    """Eight independent chains of two word-ops each on registers, per thread."""
    for t in prange(out.shape[0]):
        r0, r1, r2, r3 = seed[0] + np.uint64(t), seed[1], seed[2], seed[3]
        r4, r5, r6, r7 = seed[4], seed[5], seed[6], seed[7]
        for _ in range(repeats):
            r0 = (r0 & r1) ^ r7
            r1 = (r1 | r2) ^ r0
            r2 = (r2 & r3) ^ r1
            r3 = (r3 | r4) ^ r2
            r4 = (r4 & r5) ^ r3
            r5 = (r5 | r6) ^ r4
            r6 = (r6 & r7) ^ r5
            r7 = (r7 | r0) ^ r6
        out[t] = r0 ^ r1 ^ r2 ^ r3 ^ r4 ^ r5 ^ r6 ^ r7


def memory_floor(n: int, runs: int) -> dict:
    """Stream floor (vectors/s) per thread count, NumPy ``a + b + c`` and the ALU peak
    (word-ops/s) per thread count, on ``n`` random uint64 vectors."""
    rng = np.random.default_rng(1)
    a, b = (rng.integers(0, 2**64, n, dtype=np.uint64) for _ in range(2))
    c = rng.integers(0, 2, n, dtype=np.uint64)
    s, cout = np.empty_like(a), np.empty_like(a)
    seed = rng.integers(0, 2**63, 8, dtype=np.uint64)
    result = {"numpy": figure(warm_runs(lambda: a + b + c, runs), n), "stream": {}, "alu": {}}
    for threads in THREADS:
        result["stream"][threads] = figure(
            warm_runs(lambda t=threads: _stream(a, b, c, s, cout, t), runs), n)
        out, repeats = np.empty(threads, np.uint64), 10_000_000
        result["alu"][threads] = figure(
            warm_runs(lambda o=out, r=repeats: _alu(seed, r, o), runs), 16 * repeats * threads)
    return result



def beside_floor(fn, a, b, c, threads: int, runs: int) -> tuple[list[float], list[float]]:
    """Wall seconds of ``runs`` calls of ``fn`` and of the stream floor on the same
    operands (``threads`` threads), in alternation after one warm-up of each, so that
    both see the same load: ``(fn's seconds, the floor's seconds)``."""
    s, cout = np.empty_like(a), np.empty_like(a)

    def floor():
        _stream(a, b, c, s, cout, threads)
    fn()
    floor()
    ours, theirs = [], []
    for _ in range(runs):
        ours += timed_runs(fn, 1)
        theirs += timed_runs(floor, 1)
    return ours, theirs


def _beside(row: dict, engine: str, threads: int, floor: dict | None) -> dict | None:
    """The floor timed beside ``row``'s engine (else the run's own floor measurement)."""
    found = row.get("engine_floors", {}).get(engine, {}).get(threads)
    return found or (floor["stream"][threads] if floor else None)


def floor_targets(designs: list[dict], floor: dict | None) -> list[dict]:
    """One target per FLOOR_DESIGNS adder: the generated engine, end to end on one
    thread, at least FLOOR_SHARE of the one-thread stream floor."""
    out = []
    for arch, bits in FLOOR_DESIGNS:
        label = f"{arch} {bits}"
        item = {"design": label, "ours": "end_to_end",
                "claim": f"ours end to end (generated, 1 thread) >= {FLOOR_SHARE:.0%} of the "
                         f"stream floor"}
        row = next((d for d in designs if d["design"] == label and "engines" in d), None)
        beside = _beside(row, "compiled", 1, floor) if row is not None else None
        if row is None or not beside:
            item.update(measured=None, met=None, reason="not measured")
        else:
            share = row["engines"]["compiled"][1]["median"] / beside["median"]
            item.update(measured=f"{share:.0%}", met=share >= FLOOR_SHARE)
        out.append(item)
    return out



def floor_lines(result: dict) -> list[str]:
    """The memory-floor section: floor, NumPy, ALU peak, and ours as shares of the floor."""
    floor = result.get("floor")
    if not floor:
        return []
    end = result.get("floor_end") or floor
    out = ["", "### Against the memory floor", "",
           f"{FLOOR_VECTORS:,} vectors, a, b and cin as uint64 arrays. Stream floor "
           f"(read a, b, cin; write s, cout; nothing computed): "
           f"{fmt_figure(floor['stream'][1], 1e6)} M vectors/s on 1 thread, "
           f"{fmt_figure(floor['stream'][2], 1e6)} on 2 (at the end: "
           f"{end['stream'][1]['median'] / 1e6:.0f} and {end['stream'][2]['median'] / 1e6:.0f}). "
           f"NumPy `a + b + c`: {fmt_figure(floor['numpy'], 1e6)} M vectors/s. ALU peak on "
           f"registers: {fmt_figure(floor['alu'][1], 1e9)} G word-ops/s on 1 thread, "
           f"{fmt_figure(floor['alu'][2], 1e9)} on 2.", "",
           "Each engine below was timed in alternation with the stream floor on the same "
           "operands and thread count (cin random 0/1 in both), so that both saw the same "
           "load; its share is of that floor.", "",
           "| adder | engine | threads | end to end M vectors/s | floor beside it M vectors/s "
           "| share of the floor |",
           "|---|---|---|---|---|---|"]
    for row in result["designs"]:
        for engine, by_threads in row.get("engines", {}).items():
            for threads, fig in by_threads.items():
                beside = _beside(row, engine, threads, floor)
                out.append(f"| {row['design']} | {engine} | {threads} | {fmt_figure(fig, 1e6)} | "
                           f"{fmt_figure(beside, 1e6)} | {fig['median'] / beside['median']:.0%} |")
    return out
