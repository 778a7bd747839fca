"""Peers of the logic benchmark: other simulators run on the same adders and vectors.

Each peer module (:mod:`.pyrtl_sims`, :mod:`.icarus`, :mod:`.verilator`) takes a
:class:`Workload` (one adder, its random operand vectors and the sums both carrylab and
Python's own integers give) and returns measured rates. The rules they share live here:

* a peer that cannot run on this machine raises :class:`PeerSkipped` with the reason
  (tool not installed, build failed); nothing is ever installed;
* a peer's outputs are compared with the agreed sums before its times are used;
  a difference raises :class:`PeerDisagreement`, naming the first differing vector;
* every figure is a rate in vectors per second over several runs, reported as median,
  minimum and maximum (:func:`figure`).
"""
from __future__ import annotations

import statistics
import subprocess
import time
from dataclasses import dataclass

import numpy as np

__all__ = ["PeerSkipped", "PeerDisagreement", "Workload", "figure", "timed_runs", "warm_runs",
           "fmt_figure",
           "check_outputs", "run_tool"]


class PeerSkipped(Exception):
    """The peer cannot run here; the message says why (shown in the results)."""


class PeerDisagreement(Exception):
    """The peer's outputs differ from carrylab's and Python's; its times are void."""


@dataclass
class Workload:
    """One adder and the vectors every simulator runs on it.

    ``s`` and ``cout`` are the expected outputs: carrylab's simulation of ``circuit``,
    already checked equal to Python integer addition on these vectors.
    """

    arch: str                 # carrylab architecture name: ripple, cla, kogge-stone
    bits: int
    circuit: object           # adders.Circuit
    a: np.ndarray             # (vectors,) uint64
    b: np.ndarray             # (vectors,) uint64
    s: np.ndarray             # (vectors,) uint64, expected sum bits
    cout: np.ndarray          # (vectors,) uint64, expected carry out

    @property
    def label(self) -> str:
        return f"{self.arch} {self.bits}"

    def first(self, n: int) -> "Workload":
        """The same adder on the first ``n`` vectors only."""
        if not 1 <= n <= len(self.a):
            raise ValueError(f"n must be in 1..{len(self.a)}, got {n}")
        return Workload(self.arch, self.bits, self.circuit, self.a[:n], self.b[:n],
                        self.s[:n], self.cout[:n])


def figure(seconds: list[float], vectors: int) -> dict:
    """Rates of ``vectors`` vectors done in each of ``seconds``: median, min and max.

    The median rate is ``vectors / median(seconds)``; min and max come from the slowest
    and fastest run.
    """
    if not seconds or min(seconds) <= 0:
        raise ValueError(f"seconds must be a non-empty list of positive times, got {seconds}")
    return {"median": vectors / statistics.median(seconds), "min": vectors / max(seconds),
            "max": vectors / min(seconds), "runs": len(seconds), "vectors": vectors}


def timed_runs(fn, runs: int) -> list[float]:
    """Wall seconds of ``runs`` calls of ``fn()`` (no warm-up: callers warm up first)."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def check_outputs(peer: str, work: Workload, s, cout) -> None:
    """Raise :class:`PeerDisagreement` unless ``s``, ``cout`` equal the expected sums.

    ``s`` and ``cout`` are sequences of ints (or uint64 arrays), one per vector of
    ``work``; the message names the first differing vector and all three answers.
    """
    s = np.asarray(s, dtype=np.uint64)
    cout = np.asarray(cout, dtype=np.uint64)
    n = len(work.a)
    if s.shape != (n,) or cout.shape != (n,):
        raise PeerDisagreement(f"{peer} on {work.label}: returned {s.shape[0]} sums and "
                               f"{cout.shape[0]} carries for {n} vectors")
    bad = np.flatnonzero((s != work.s) | (cout != work.cout))
    if bad.size:
        k = int(bad[0])
        raise PeerDisagreement(
            f"{peer} on {work.label}: {bad.size} of {n} vectors differ; first at {k}: "
            f"a={int(work.a[k]):#x} b={int(work.b[k]):#x} -> {peer} s={int(s[k]):#x} "
            f"cout={int(cout[k])}, carrylab and Python s={int(work.s[k]):#x} "
            f"cout={int(work.cout[k])}")


def run_tool(args: list[str], cwd, what: str, timeout: float = 900) -> tuple[str, float]:
    """Run an external program; return (stdout, wall seconds).

    Raises :class:`PeerSkipped` (with the tail of its output) when it fails or times out.
    """
    t0 = time.perf_counter()
    try:
        res = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise PeerSkipped(f"{what} timed out after {timeout:.0f} s") from None
    except OSError as exc:
        raise PeerSkipped(f"{what} could not start: {exc}") from None
    wall = time.perf_counter() - t0
    if res.returncode:
        tail = (res.stderr or res.stdout).strip().splitlines()[-6:]
        raise PeerSkipped(f"{what} failed (exit {res.returncode}): " + " | ".join(tail))
    return res.stdout, wall


def warm_runs(fn, runs: int) -> list[float]:
    """One warm-up call of ``fn`` (compiles if needed), then ``runs`` timed calls."""
    fn()
    return timed_runs(fn, runs)


def fmt_figure(fig: dict | None, unit: float, digits: str = ".3g") -> str:
    """``median (min - max)`` of a :func:`figure`, divided by ``unit``; "-" for none."""
    if not fig:
        return "-"
    return (f"{fig['median'] / unit:{digits}} ({fig['min'] / unit:{digits}} - "
            f"{fig['max'] / unit:{digits}})")
