"""Bit-parallel logic simulation speed beside its peers: vectors per second.

Run:  python benchmarks/bench_logic.py [--quick] [--peers pyrtl,icarus,verilator|all|none]

For 32- and 64-bit ripple, CLA and Kogge-Stone adders on the same random vectors
(led by carry-chain corner cases) it measures:

* ours, end to end: uint64 operands in, uint64 sums out (``circuit.simulate`` with the
  generated engine, transposes included), and ours, core: the interpreter on already
  bit-sliced words (``logic.run_packed``), also as gate-word-operations per second;
* the memory floor: a loop that only reads a, b, cin and writes s, cout (what any
  simulator of these arrays must stream), NumPy's ``a + b + c``, and the ALU peak
  (word operations per second on registers); beside it, for the 64-bit ripple, CLA and
  Kogge-Stone adders, ours end to end with each engine (generated and interpreter) on
  1 and 2 threads, each timed in alternation with the floor on the same operands and
  threads, as a share of that floor (target: the generated engine >= 70% of the floor
  on one thread), and the engines' compile times in fresh processes, cold (empty
  cache) and warm (second process);
* the raw rate of a plain uint64 AND/XOR loop (cache-resident, all threads), the
  physical limit a gate-level simulator can approach;
* peers (see :mod:`benchmarks.peers`): PyRTL's own adders in its ``Simulation``,
  ``FastSimulation`` and ``CompiledSimulation``; our exported Verilog of the same
  netlist under Icarus Verilog and under Verilator;
* the ratios ours / peer, and the targets for the 64-bit Kogge-Stone adder: ours
  (core) >= 100 M vectors/s on 2 cores, >= 1000 x PyRTL CompiledSimulation and
  >= 10 x Verilator;
* where ours spends its time on that adder (load and store, gates, Python), and its
  rates on 1 thread;
* two fresh processes sharing one empty Numba cache, per engine: the second must load
  the compiled kernels instead of compiling them again.

Every result is checked before its time is trusted: ours against NumPy and Python
integer addition on every vector, each peer against ours. A peer that disagrees is
reported loudly and its times are dropped; a peer that is not installed is skipped
with the reason. Nothing is installed. Figures are the median of several runs
(5; 3 for peers in ``--quick`` mode) with the minimum and maximum. Ours uses all Numba
threads; every peer runs on one thread.

:func:`run` returns the results as a dict and :func:`markdown` renders them; the
runner ``python -m benchmarks`` writes them to ``benchmarks/RESULTS.md``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

if __package__ in (None, ""):               # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numba
import numpy as np

from adders import bitslice, build, logic
from benchmarks.bench_floor import (FLOOR_DESIGNS, FLOOR_VECTORS, THREADS, beside_floor,
                                    floor_lines, floor_targets, memory_floor, raw_word_ops)
from benchmarks.peers import (PeerDisagreement, PeerSkipped, Workload, figure, fmt_figure,
                              warm_runs)

__all__ = ["ARCHS", "WIDTHS", "PEERS", "TARGET_DESIGN", "Settings", "settings",
           "raw_word_ops", "make_workload", "measure_ours", "profile_ours",
           "measure_peers", "targets", "cold_and_warm_start", "run", "markdown", "peer_list",
           "memory_floor", "measure_engines", "main"]

ARCHS = ("ripple", "cla", "kogge-stone")
WIDTHS = (32, 64)
PEERS = ("pyrtl", "icarus", "verilator")
TARGET_DESIGN = ("kogge-stone", 64)
#: vectors/s that TARGET_DESIGN's core must reach on 2 cores (the foundation issue)
TARGET_RATE = 100e6
#: (peer figure, required ratio ours / peer) for TARGET_DESIGN
TARGETS = (("PyRTL CompiledSimulation", 1000.0), ("Verilator", 10.0))
ENGINES = ("compiled", "interpreter")


# ---------------------------------------------------------------------- settings
@dataclass
class Settings:
    """Sizes of one benchmark run. ``peer_designs[peer]``: designs it runs on (None: all)."""

    quick: bool
    vectors: int                      # ours, per design
    runs: int                         # timed runs of ours (and of peers in full mode)
    peer_runs: int
    pyrtl_vectors: dict = field(default_factory=dict)
    icarus_vectors: int = 0
    verilator_vectors: int = 0
    peers: tuple = PEERS
    peer_designs: dict = field(default_factory=dict)
    start: bool = True                # the cold/warm process test


def settings(quick: bool = False, peers=PEERS, vectors: int | None = None,
             runs: int | None = None, start: bool | None = None) -> Settings:
    """Sizes for a full run, or for ``quick`` (fewer vectors, 3 peer runs, Verilator only
    on the target design since each Verilator build takes tens of seconds)."""
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        raise ValueError(f"unknown peer(s) {unknown}; choose from {', '.join(PEERS)}")
    if quick:
        s = Settings(True, 1 << 18, 5, 3,
                     {"Simulation": 100, "FastSimulation": 2000, "CompiledSimulation": 20000},
                     icarus_vectors=1000, verilator_vectors=100_000, peers=tuple(peers),
                     peer_designs={"verilator": {TARGET_DESIGN}})
    else:
        s = Settings(False, 1 << 20, 7, 5,
                     {"Simulation": 2000, "FastSimulation": 20000, "CompiledSimulation": 200_000},
                     icarus_vectors=10_000, verilator_vectors=1_000_000, peers=tuple(peers))
    if vectors is not None:
        s.vectors = vectors
    if runs is not None:
        s.runs = s.peer_runs = runs
    if start is not None:
        s.start = start
    return s


def _sums_with_carry(a, b, cin) -> tuple[np.ndarray, np.ndarray]:
    """(s, cout) of 64-bit a + b + cin, wrapping as uint64 does."""
    t = a + b
    s = t + cin
    return s, ((t < a) | (s < t)).astype(np.uint64)


def measure_engines(work: Workload, runs: int) -> tuple[dict, dict]:
    """Ours end to end per engine and thread count, each timed in alternation with the
    stream floor on the same operands (a, b, and a random 0/1 cin, as uint64 arrays):
    ``({engine: {threads: figure}}, {engine: {threads: floor figure}})``. The results
    are checked against Python's sums first."""
    saved = numba.get_num_threads()
    n = len(work.a)
    cin = np.random.default_rng(2).integers(0, 2, n, dtype=np.uint64)
    s, cout = _sums_with_carry(work.a, work.b, cin)
    out: dict = {}
    floors: dict = {}
    try:
        for engine in ENGINES:
            for threads in THREADS:
                numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
                got = logic.simulate(work.circuit, a=work.a, b=work.b, cin=cin, engine=engine)
                if not (np.array_equal(got["s"], s) and np.array_equal(got["cout"], cout)):
                    raise RuntimeError(f"{work.label}: the {engine} engine disagrees")
                ours, floor = beside_floor(
                    lambda e=engine: logic.simulate(work.circuit, a=work.a, b=work.b, cin=cin,
                                                    engine=e), work.a, work.b, cin, threads, runs)
                out.setdefault(engine, {})[threads] = figure(ours, n)
                floors.setdefault(engine, {})[threads] = figure(floor, n)
    finally:
        numba.set_num_threads(saved)
    return out, floors


# ---------------------------------------------------------------------- ours
def _corner_cases(bits: int) -> list[tuple[int, int]]:
    """Operand pairs with the longest carry chains and all-0/all-1 patterns."""
    top = (1 << bits) - 1
    alt = int("01" * bits, 2) & top
    return [(top, 1), (1, top), (top, top), (0, 0), (alt, alt ^ top), (alt, alt),
            (top ^ 1, 1), (1 << (bits - 1), 1 << (bits - 1))]


def _python_sums(a: np.ndarray, b: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum and carry out of every vector, by Python's own integer addition."""
    totals = [x + y for x, y in zip(a.tolist(), b.tolist())]
    mask = (1 << bits) - 1
    return (np.array([t & mask for t in totals], dtype=np.uint64),
            np.array([t >> bits for t in totals], dtype=np.uint64))


def make_workload(arch: str, bits: int, n_vectors: int, agreement: list) -> Workload:
    """Build the adder, draw the vectors, simulate them once and check the sums.

    Ours must equal Python integer addition on every vector (each check is appended to
    ``agreement``); the result is the :class:`Workload` all peers are checked against.
    Raises RuntimeError when ours disagrees: then nothing of this adder is timed.
    """
    circuit = build(arch, bits)
    rng = np.random.default_rng(bits)               # same vectors for every architecture
    hi = np.uint64((1 << bits) - 1)
    a = rng.integers(0, 2**64, n_vectors, dtype=np.uint64) & hi
    b = rng.integers(0, 2**64, n_vectors, dtype=np.uint64) & hi
    corners = np.array(_corner_cases(bits), dtype=np.uint64)[:n_vectors]   # (k, 2)
    a[:len(corners)], b[:len(corners)] = corners[:, 0], corners[:, 1]
    out = circuit.simulate(a=a, b=b)
    want_s, want_c = _python_sums(a, b, bits)
    ok = np.array_equal(out["s"], want_s) and np.array_equal(out["cout"], want_c)
    agreement.append({"design": f"{arch} {bits}", "check": "ours = Python integer addition",
                      "vectors": n_vectors, "result": "agree" if ok else "DISAGREE"})
    if not ok:
        raise RuntimeError(f"{arch} {bits}: carrylab's simulation disagrees with Python "
                           f"integer addition; no timing of this adder can be trusted")
    return Workload(arch, bits, circuit, a, b, out["s"], out["cout"])


def measure_ours(work: Workload, runs: int) -> dict:
    """End-to-end and core rates of our simulator on ``work`` (figures, vectors/s)."""
    circuit, n = work.circuit, len(work.a)
    end = warm_runs(lambda: logic.simulate(circuit, a=work.a, b=work.b, engine="compiled"), runs)
    packed, _ = logic.pack(circuit, a=work.a, b=work.b)
    rows = circuit.outputs["s"] + circuit.outputs["cout"]
    core = warm_runs(lambda: logic.run_packed(circuit, packed, rows), runs)
    gates = circuit.stats()["gates"]
    word_ops = gates * ((n + 63) // 64)
    return {"gates": gates, "end_to_end": figure(end, n), "core": figure(core, n),
            "core_word_ops": figure(core, word_ops)}


_STAGES = ("checks and glue", "load and store", "gates")


def _fused_call(circuit, a, b, with_gates: bool = True):
    """A call of the fused kernel exactly as ``simulate(a=a, b=b)`` makes it; without
    gates it only turns the operands sideways and the (undefined) sums back."""
    prog = bitslice.program(circuit, circuit.outputs["s"] + circuit.outputs["cout"])
    op, ptr, dst = (prog.op, prog.ptr, prog.dst) if with_gates else \
        (prog.op[:0], prog.ptr[:1], prog.dst[:0])
    n, bits = len(a), circuit.width("a")
    args = (op, ptr, prog.src, dst, prog.n_slots, a, b, np.empty((0, n), np.uint64),
            np.array([bits, bits, 1]), np.array([0, 1, -1]), np.zeros(3, np.uint64), prog.out,
            np.array([bits, 1]), n, numba.get_num_threads(),
            bitslice.tile_words(prog.n_slots, (n + 63) // 64))
    return lambda: bitslice.run_words(*args)


def profile_ours(work: Workload, runs: int) -> dict:
    """Where the interpreter spends an end-to-end call on ``work``: median seconds of
    each stage.

    ``simulate`` checks its arguments in Python, then runs one kernel that, tile by
    tile, loads the operands (64x64 transposes), evaluates the gates and stores the
    sums (transposes back). Stages: checks and glue (simulate minus the kernel), load
    and store (the kernel with no gates), gates (the kernel minus load and store).
    Also the end-to-end and core rates on one thread, since every peer runs on one.
    """
    circuit = work.circuit
    rows = circuit.outputs["s"] + circuit.outputs["cout"]
    threads = numba.get_num_threads()
    packed, n = logic.pack(circuit, a=work.a, b=work.b)

    def med(fn):
        return statistics.median(warm_runs(fn, runs))

    end = med(lambda: logic.simulate(circuit, a=work.a, b=work.b, engine="interpreter"))
    kernel = med(_fused_call(circuit, work.a, work.b))
    io = med(_fused_call(circuit, work.a, work.b, with_gates=False))
    stages = {"end_to_end": end, "checks and glue": end - kernel, "load and store": io,
              "gates": kernel - io}
    numba.set_num_threads(1)
    try:
        one = {"end_to_end": figure(warm_runs(lambda: logic.simulate(
                   circuit, a=work.a, b=work.b, engine="interpreter"), runs), n),
               "core": figure(warm_runs(lambda: logic.run_packed(circuit, packed, rows),
                                           runs), n)}
    finally:
        numba.set_num_threads(threads)
    return {"design": work.label, "vectors": n, "threads": threads, "seconds": stages,
            "one_thread": one}


# ---------------------------------------------------------------------- peers
def _loud(message: str) -> None:
    banner = "!" * 78
    for stream in (sys.stdout, sys.stderr):
        print(f"{banner}\n!!! DISAGREEMENT, timing discarded: {message}\n{banner}", file=stream,
              flush=True)


def _record(peers: dict, agreement: list, work: Workload, name: str, outcome: dict,
            extra: tuple = ()) -> None:
    """File one peer outcome under ``name`` (and derived figures under ``extra``)."""
    if "disagrees" in outcome:
        _loud(outcome["disagrees"])
        agreement.append({"design": work.label, "check": f"{name} = ours",
                          "vectors": None, "result": "DISAGREE", "detail": outcome["disagrees"]})
        peers[name] = {"status": "disagrees", "reason": outcome["disagrees"]}
        return
    if "skipped" in outcome:
        peers[name] = {"status": "skipped", "reason": outcome["skipped"]}
        return
    agreement.append({"design": work.label, "check": f"{name} = ours",
                      "vectors": outcome["agreed_vectors"], "result": "agree"})
    info = {k: v for k, v in outcome.items() if k not in ("rate", "agreed_vectors")
            and not k.endswith("_rate")}
    peers[name] = {"status": "ok", "rate": outcome["rate"], **info}
    for label, key in extra:
        if outcome.get(key) is not None:
            peers[label] = {"status": "ok", "rate": outcome[key]}


def _attempt(fn, *args) -> dict:
    """``fn(*args)``, or ``{"skipped": reason}`` / ``{"disagrees": reason}``.

    A peer's unexpected error skips that peer (with the error as the reason) rather than
    stopping the benchmark.
    """
    try:
        return fn(*args)
    except PeerSkipped as exc:
        return {"skipped": str(exc)}
    except PeerDisagreement as exc:
        return {"disagrees": str(exc)}
    except Exception as exc:                     # a peer's own failure: report, go on
        return {"skipped": f"failed with {type(exc).__name__}: {exc}"}


def measure_peers(work: Workload, cfg: Settings, scratch: Path, agreement: list) -> dict:
    """Every selected peer on ``work``: ``{figure name: {status, rate | reason, ...}}``."""
    from benchmarks.peers import icarus, pyrtl_sims, verilator
    peers: dict = {}
    design = (work.arch, work.bits)

    def wanted(peer: str, names: list[str]) -> bool:
        if peer not in cfg.peers:
            reason = "not selected (--peers)"
        elif cfg.peer_designs.get(peer) is not None and design not in cfg.peer_designs[peer]:
            reason = "not run in quick mode (only on the target design)"
        else:
            return True
        for name in names:
            peers[name] = {"status": "not run", "reason": reason}
        return False

    sims = [f"PyRTL {s}" for s in pyrtl_sims.SIMULATORS]
    if wanted("pyrtl", sims):
        outcome = _attempt(pyrtl_sims.run_pyrtl, work, cfg.pyrtl_vectors, cfg.peer_runs)
        if "skipped" in outcome:
            outcome = {s: outcome for s in pyrtl_sims.SIMULATORS}
        for sim, result in outcome.items():
            extra = (("PyRTL compiled C loop alone", "kernel_rate"),) \
                if sim == "CompiledSimulation" else ()
            _record(peers, agreement, work, f"PyRTL {sim}", result, extra)
    if wanted("icarus", ["Icarus Verilog"]):
        outcome = _attempt(icarus.run_icarus, work.first(min(cfg.icarus_vectors, len(work.a))),
                           cfg.peer_runs, scratch / "icarus")
        _record(peers, agreement, work, "Icarus Verilog", outcome,
                (("Icarus Verilog, net of start-up", "net_rate"),))
    if wanted("verilator", ["Verilator"]):
        outcome = _attempt(verilator.run_verilator,
                           work.first(min(cfg.verilator_vectors, len(work.a))),
                           cfg.peer_runs, scratch / "verilator")
        _record(peers, agreement, work, "Verilator", outcome,
                (("Verilator, whole process", "process_rate"),))
    return peers


def targets(designs: list[dict], floor: dict | None = None) -> list[dict]:
    """The targets, each met or missed: on :data:`TARGET_DESIGN` ours at least
    :data:`TARGET_RATE` vectors/s and at least a given multiple of a peer; on each of
    :data:`FLOOR_DESIGNS` the generated engine at least :data:`FLOOR_SHARE` of the
    stream floor (``floor``, from :func:`memory_floor`).

    Each target is a dict with ``claim`` (what must hold), ``measured`` (text) and
    ``met`` (True, False, or None with a ``reason`` when it could not be measured).
    """
    label = f"{TARGET_DESIGN[0]} {TARGET_DESIGN[1]}"
    row = next((d for d in designs if d["design"] == label), None)
    out = []
    # The rate target is on the core, the gates on bit-sliced words, as the issue
    # states it ("about a third of the raw [AND/XOR word-op] limit"); the end-to-end
    # rate, transposes of the operands included, is reported beside it.
    item = {"design": label, "ours": "core",
            "claim": f"ours core >= {TARGET_RATE / 1e6:,.0f} M vectors/s"}
    if row is None:
        item.update(measured=None, met=None, reason="design not measured")
    else:
        rate = row["ours"]["core"]["median"]
        end = row["ours"]["end_to_end"]["median"]
        item.update(measured=f"{rate / 1e6:,.1f} M vectors/s (end to end {end / 1e6:,.1f})",
                    met=rate >= TARGET_RATE)
    out.append(item)
    for peer, need in TARGETS:
        for kind in ("end_to_end", "core"):
            item = {"design": label, "ours": kind, "claim": f"ours {kind} >= {need:,.0f}x {peer}"}
            theirs = row["peers"].get(peer) if row else None
            if not theirs or theirs["status"] != "ok":
                item.update(measured=None, met=None,
                            reason=theirs["reason"] if theirs else "design not measured")
            else:
                ratio = row["ours"][kind]["median"] / theirs["rate"]["median"]
                item.update(measured=f"{ratio:,.1f}x", met=ratio >= need)
            out.append(item)
    return out + floor_targets(designs, floor)


# ---------------------------------------------------------------------- process start
_CHILD = r"""
import sys, time, numpy as np
t0 = time.perf_counter()
from adders import build, bitslice, codegen, logic
c = build("kogge-stone", 64)
logic.simulate(c, a=np.arange(100, dtype=np.uint64), b=np.arange(100, dtype=np.uint64),
               engine=sys.argv[1])
if sys.argv[1] == "interpreter":
    stats = bitslice.run_words.stats
    hits, misses = sum(stats.cache_hits.values()), sum(stats.cache_misses.values())
else:
    hits, misses = codegen.stats()["loaded"], codegen.stats()["compiled"]
print(time.perf_counter() - t0, hits, misses)
"""


def cold_and_warm_start() -> dict:
    """Per engine, first-call seconds (imports included) of a 64-bit Kogge-Stone adder in
    two fresh processes sharing one new Numba cache folder: cold, then warm."""
    out = {}
    for engine in ENGINES:
        with tempfile.TemporaryDirectory(prefix="carrylab-numba-") as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache)
            runs = []
            for _ in range(2):
                res = subprocess.run([sys.executable, "-c", _CHILD, engine], env=env,
                                     capture_output=True, text=True)
                if res.returncode:
                    raise RuntimeError(f"start-up child failed: {res.stderr.strip()[-500:]}")
                seconds, hits, misses = res.stdout.split()
                runs.append({"seconds": float(seconds), "cache_hits": int(hits),
                             "compiled": int(misses)})
        out[engine] = {"cold": runs[0], "warm": runs[1]}
    return out


# ---------------------------------------------------------------------- run
def _rate(fig: dict | None, what: str = "vectors/s") -> str:
    """``12.3 M vectors/s (11.9 - 12.8)``: median with min - max, in a readable unit."""
    if not fig:
        return "-"
    scales = ((1e9, "G"), (1e6, "M"), (1e3, "k"))
    unit, prefix = next(((u, p) for u, p in scales if fig["median"] >= u), (1, ""))
    label = f"{prefix} {what}" if prefix else what
    return (f"{fig['median'] / unit:.3g} {label} ({fig['min'] / unit:.3g} - "
            f"{fig['max'] / unit:.3g})")


def run(quick: bool = False, peers=PEERS, cfg: Settings | None = None) -> dict:
    """Run the whole logic benchmark; return the results as a dict (see :func:`markdown`).

    Prints progress and each design's figures as it goes. ``peers`` selects among
    :data:`PEERS`; ``cfg`` overrides all sizes.
    """
    cfg = cfg or settings(quick, peers)
    threads = numba.get_num_threads()
    print(f"logic benchmark ({'quick' if cfg.quick else 'full'}): {threads} Numba threads, "
          f"{cfg.vectors:,} vectors for ours, median of {cfg.runs} (peers {cfg.peer_runs}); "
          f"peers: {', '.join(cfg.peers) or 'none'}", flush=True)
    result = {"settings": asdict(cfg), "threads": threads, "agreement": [], "designs": []}
    result["settings"]["peer_designs"] = {k: sorted(f"{a} {b}" for a, b in v)
                                          for k, v in cfg.peer_designs.items()}
    result["raw"] = raw_word_ops(cfg.runs)
    print(f"raw uint64 AND/XOR loop: {_rate(result['raw'], 'word-ops/s')}", flush=True)
    result["floor"] = memory_floor(FLOOR_VECTORS, cfg.runs)
    print(f"stream floor: {_rate(result['floor']['stream'][1])} (1 thread), "
          f"{_rate(result['floor']['stream'][2])} (2); NumPy a + b + c: "
          f"{_rate(result['floor']['numpy'])}", flush=True)
    with tempfile.TemporaryDirectory(prefix="carrylab-bench-") as scratch:
        for bits in WIDTHS:
            for arch in ARCHS:
                work = make_workload(arch, bits, cfg.vectors, result["agreement"])
                ours = measure_ours(work, cfg.runs)
                print(f"{work.label:<16} ours end-to-end {_rate(ours['end_to_end'])}, "
                      f"core {_rate(ours['core'])}", flush=True)
                found = measure_peers(work, cfg, Path(scratch), result["agreement"])
                for name, p in found.items():
                    text = _rate(p["rate"]) if p["status"] == "ok" \
                        else f"{p['status']}: {p['reason']}"
                    print(f"{'':<16} {name}: {text}", flush=True)
                row = {"design": work.label, "arch": arch, "bits": bits,
                       "gates": ours.pop("gates"), "ours": ours, "peers": found}
                if (arch, bits) in FLOOR_DESIGNS:
                    big = work if len(work.a) == FLOOR_VECTORS else make_workload(
                        arch, bits, FLOOR_VECTORS, result["agreement"])
                    row["engines"], row["engine_floors"] = measure_engines(big, cfg.runs)
                    print(f"{'':<16} " + ", ".join(
                        f"{e} {t} thread(s) {_rate(row['engines'][e][t])}"
                        for e in ENGINES for t in THREADS), flush=True)
                result["designs"].append(row)
                if (arch, bits) == TARGET_DESIGN:
                    result["profile"] = profile_ours(work, cfg.runs)
    result["raw_end"] = raw_word_ops(cfg.runs)        # again: the load may have changed
    print(f"raw uint64 AND/XOR loop at the end: {_rate(result['raw_end'], 'word-ops/s')}",
          flush=True)
    result["floor_end"] = memory_floor(FLOOR_VECTORS, cfg.runs)  # the load may have changed
    result["targets"] = targets(result["designs"], result["floor"])
    if cfg.start:
        try:
            result["start"] = cold_and_warm_start()
        except RuntimeError as exc:
            result["start"] = {"error": str(exc)}
    return result


# ---------------------------------------------------------------------- report
def _ratio(ours: dict, theirs: dict) -> str:
    if theirs.get("status") != "ok":
        return "-"
    r = ours["median"] / theirs["rate"]["median"]
    return f"{r:,.0f}x" if r >= 10 else f"{r:.3g}x"


def _peer_table(rows: list[dict]) -> list[str]:
    """The peers table; long notes become numbered footnotes printed once below it."""
    lines = ["| adder | peer | vectors/s: median (min - max) | vectors x runs | "
             "ours end-to-end / peer | ours core / peer | notes |",
             "|---|---|---|---|---|---|---|"]
    footnotes: list[str] = []
    for row in rows:
        for name, p in row["peers"].items():
            if p["status"] != "ok":
                lines.append(f"| {row['design']} | {name} | {p['status'].upper()} | - | - | - | "
                             f"{p['reason']} |")
                continue
            size = f"{p['rate']['vectors']:,} x {p['rate']['runs']}"
            notes = [f"{label} {p[key]:.2f} s" for key, label in
                     (("setup_s", "setup"), ("build_s", "build"), ("compile_s", "compile"),
                      ("baseline_s", "empty run")) if key in p]
            for note in p.get("notes", []):
                if note not in footnotes:
                    footnotes.append(note)
                notes.append(f"[{footnotes.index(note) + 1}]")
            lines.append(f"| {row['design']} | {name} | {fmt_figure(p['rate'], 1, ',.0f')} | {size} "
                         f"| {_ratio(row['ours']['end_to_end'], p)} | "
                         f"{_ratio(row['ours']['core'], p)} | {'; '.join(notes)} |")
    if footnotes:
        lines.append("")
        lines += [f"[{k}] {note}" for k, note in enumerate(footnotes, start=1)]
    return lines


def markdown(result: dict) -> str:
    """The results of :func:`run` as a Markdown section (headed ``## Logic simulation``)."""
    cfg = result["settings"]
    out = ["## Logic simulation (bench_logic)", "",
           f"Mode: {'quick' if cfg['quick'] else 'full'}. Ours: {cfg['vectors']:,} random "
           f"vectors per adder (carry-chain corner cases first), {result['threads']} Numba "
           f"threads, median of {cfg['runs']} runs (min - max in brackets). Peers: one thread "
           f"each, median of {cfg['peer_runs']} runs; selected: "
           f"{', '.join(cfg['peers']) or 'none'}."]
    if cfg["quick"]:
        out.append("Quick mode: fewer vectors, 3 peer runs, Verilator built only for the "
                   "target design (each build takes tens of seconds).")
    raw = max(result["raw"], result.get("raw_end") or result["raw"], key=lambda f: f["median"])
    out += ["", f"Raw uint64 AND/XOR loop (all threads), at the start: {fmt_figure(result['raw'], 1e9)}"
            f" G word-ops/s; at the end: {fmt_figure(result.get('raw_end'), 1e9)}. The 'core / raw'"
            f" column uses the faster of the two (the load of a shared machine varies).",
            "", "### Ours", "",
            "| adder | gates | end-to-end M vectors/s | core M vectors/s | core G word-ops/s | "
            "core / raw |", "|---|---|---|---|---|---|"]
    for row in result["designs"]:
        o = row["ours"]
        share = o["core_word_ops"]["median"] / raw["median"]
        out.append(f"| {row['design']} | {row['gates']} | {fmt_figure(o['end_to_end'], 1e6)} | "
                   f"{fmt_figure(o['core'], 1e6)} | {fmt_figure(o['core_word_ops'], 1e9)} | {share:.0%} |")
    out += ["", "### Peers", "",
            "PyRTL runs its own adders (`pyrtl.rtllib.adders`); Icarus Verilog and Verilator "
            "run our exported Verilog of the same netlist. Icarus rates are whole `vvp` "
            "processes (and net of an empty run's start-up); Verilator rates are the "
            "harness's drive loop (timed inside the process) and the whole process. "
            "PyRTL CompiledSimulation is its `run()` on a list of input dicts; the "
            "'compiled C loop alone' line times only its generated C (inputs already in "
            "arrays), the most favourable figure PyRTL could reach.", ""]
    out += _peer_table(result["designs"])
    out += ["", "### Targets (64-bit Kogge-Stone)", "",
            "| target | measured | result |", "|---|---|---|"]
    for t in result["targets"]:
        if t["met"] is None:
            out.append(f"| {t['design']}: {t['claim']} | - | NOT MEASURED ({t['reason']}) |")
        else:
            out.append(f"| {t['design']}: {t['claim']} | {t['measured']} | "
                       f"{'met' if t['met'] else 'MISSED'} |")
    missed = [t for t in result["targets"] if t["met"] is False]
    if missed:
        out += ["", "Missed: " + "; ".join(
            f"{t['design']}: {t['claim']} (measured {t['measured']})" for t in missed) + "."]
    out += floor_lines(result)
    out += _profile_lines(result.get("profile"))
    out += ["", "### Agreement checks", "",
            "Every timing above was taken only after these checks passed.", "",
            "| adder | check | vectors | result |", "|---|---|---|---|"]
    for a in result["agreement"]:
        n = f"{a['vectors']:,}" if a["vectors"] else "-"
        detail = f": {a['detail']}" if a.get("detail") else ""
        out.append(f"| {a['design']} | {a['check']} | {n} | {a['result']}{detail} |")
    start = result.get("start")
    if start and "error" in start:
        out += ["", f"Process start test failed: {start['error']}"]
    elif start:
        out += ["", "### Process start (Numba cache, 64-bit Kogge-Stone)", "",
                "| engine | new process, empty cache | same cache, second process |",
                "|---|---|---|"]
        for engine, st in start.items():
            out.append(f"| {engine} | {st['cold']['seconds']:.2f} s (compiled "
                       f"{st['cold']['compiled']}) | {st['warm']['seconds']:.2f} s (compiled "
                       f"{st['warm']['compiled']}, loaded {st['warm']['cache_hits']}) |")
    return "\n".join(out) + "\n"


def _profile_lines(prof: dict | None) -> list[str]:
    if not prof:
        return []
    sec = prof["seconds"]
    total = sec["end_to_end"]
    lines = ["", f"### Where ours spends its time ({prof['design']}, {prof['vectors']:,} vectors)",
             "", "| stage | median ms | share of end-to-end |", "|---|---|---|"]
    for stage in (s for s in _STAGES if s in sec):
        lines.append(f"| {stage} | {sec[stage] * 1e3:.2f} | {sec[stage] / total:.0%} |")
    lines.append(f"| end-to-end | {total * 1e3:.2f} | 100% |")
    one = prof["one_thread"]
    lines += ["", f"Stages of the one fused kernel: load and store = operands turned "
              f"sideways into bit-sliced tiles and the sums back (64x64 transposes; "
              f"cin and cout bit by bit), gates = the netlist on those tiles, checks and "
              f"glue = argument checks, allocation and Python. "
              f"On 1 thread (peers use one): end-to-end {fmt_figure(one['end_to_end'], 1e6)} M "
              f"vectors/s, core {fmt_figure(one['core'], 1e6)} M vectors/s ({prof['threads']} "
              f"threads in the tables)."]
    return lines


# ---------------------------------------------------------------------- command line
def peer_list(text: str) -> tuple:
    """Parse ``--peers``: a comma-separated subset of :data:`PEERS`, ``all`` or ``none``."""
    names = [p.strip() for p in text.split(",") if p.strip()]
    if names == ["all"]:
        return PEERS
    if names == ["none"]:
        return ()
    unknown = [p for p in names if p not in PEERS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown peer(s) {unknown}; use a comma-separated "
                                         f"list of {', '.join(PEERS)}, or all, or none")
    return tuple(names)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer vectors and runs")
    parser.add_argument("--peers", type=peer_list, default=PEERS,
                        help="comma-separated peers to run: pyrtl, icarus, verilator; "
                             "or all (default), or none")
    parser.add_argument("--vectors", type=int, help="vectors per adder for ours")
    parser.add_argument("--repeat", type=int, help="timed runs per figure (>= 3)")
    parser.add_argument("--no-start", action="store_true", help="skip the cold/warm process test")
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 3:
        parser.error(f"--repeat must be >= 3, got {args.repeat}")
    if args.vectors is not None and args.vectors < 1:
        parser.error(f"--vectors must be >= 1, got {args.vectors}")
    cfg = settings(args.quick, args.peers, vectors=args.vectors, runs=args.repeat,
                   start=False if args.no_start else None)
    print(markdown(run(cfg=cfg)))


if __name__ == "__main__":
    main()
