"""Speed of event-driven timing: input transitions through wide adders, beside Icarus
Verilog.

Run:  python benchmarks/bench_timing.py [--quick]

Two parts:

* **One transition**: the median wall time of RUNS runs after a warm-up, per case
  (64-bit Kogge-Stone, 256-bit ripple and 256-bit Kogge-Stone; the worst-case transition
  ``0,0 -> max,1``, whose carry crosses every bit, and a random one; transport delay with
  unit delays and inertial delay with XOR 2 gd), with the number of events simulated, and
  the static critical path. Target: a 64-bit Kogge-Stone transition under 10 ms.
* **Beside Icarus Verilog** (:mod:`benchmarks.peers.icarus_timing`): a sequence of
  transitions per case (worst-case transitions alternating ``0,0 <-> max,1``, or random
  vectors) through carrylab's engine and through the exported netlist with ``#delay``
  gates, in one ``vvp`` process. Verilog gate delays are inertial, so both run inertial
  delay (XOR 2 gd, other gates 1 gd). Their events, ``(time, net, new value)`` per
  transition, are compared first; a disagreement is reported loudly and its times are
  dropped. Rates are events per second: carrylab's events counted by its engine, Icarus's
  the same changes read from its VCD dump (equal in number when they agree), over the net
  time of a run without dumping (the median of full runs minus the median of empty runs
  of the same testbench: start-up, elaboration, loading the vectors). Each sequence is
  closed (it ends where it began), so a full Icarus run replays it R times (5; 10 in
  ``--quick`` mode): the same transitions from the same settled state, R times the
  events, and a net time well above the start-up's noise.

:func:`run` returns the results as a dict (the runner ``python -m benchmarks`` writes it
to ``benchmarks/RESULTS.md``); :func:`markdown` renders it.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from adders import build
from adders.errors import CarrylabValueError
from adders.timing import Delays, critical_path, simulate_transition

if __package__ in (None, ""):                 # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.peers import PeerSkipped      # noqa: E402
from benchmarks.peers import icarus_timing    # noqa: E402

__all__ = ["RUNS", "CASES", "INERTIAL", "TARGET_MS", "median_time", "transitions",
           "one_transition", "target_line", "beside_icarus", "agreement_line", "run",
           "markdown", "main"]

RUNS = 9
#: (architecture, bits) of every case.
CASES = (("kogge-stone", 64), ("ripple", 256), ("kogge-stone", 256))
#: The inertial delays of both parts: XOR 2 gd, every other gate 1 gd.
INERTIAL = Delays(per_kind={"XOR": 2})
#: Target: one 64-bit Kogge-Stone transition, any case of the first part, in ms.
TARGET_MS = 10.0
#: (transitions, timed runs, Icarus replays of the sequence per run): full, quick.
#: Replays make Icarus's net time long beside its start-up (tens to hundreds of ms).
_SEQUENCE = {False: (200, 5, 5), True: (40, 3, 10)}


def median_time(fn, runs: int = RUNS) -> float:
    """Median seconds of ``runs`` calls of ``fn()`` after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def transitions(n: int, kind: str, count: int, seed: int = 0) -> list[dict]:
    """``count + 1`` input vectors ``{a, b, cin}`` of an n-bit adder, so ``count``
    transitions: ``"worst"`` alternates ``0,0`` and ``max,1`` (the carry crosses every
    bit, there and back), ``"random"`` draws ``count`` vectors at random and returns to
    the first. With an even ``count`` both sequences are closed (last vector = first),
    so they can be replayed end to end."""
    if kind == "worst":
        ends = ({"a": 0, "b": 0, "cin": 0}, {"a": (1 << n) - 1, "b": 1, "cin": 0})
        return [dict(ends[k % 2]) for k in range(count + 1)]
    if kind == "random":
        rng = random.Random(seed)
        drawn = [{"a": rng.getrandbits(n), "b": rng.getrandbits(n), "cin": rng.getrandbits(1)}
                 for _ in range(count)]
        return drawn + [dict(drawn[0])]
    raise CarrylabValueError(f"kind must be 'worst' or 'random', got {kind!r}")


# ---------------------------------------------------------------------- part 1
def one_transition(runs: int = RUNS) -> list[dict]:
    """Per case: median ms of one transition (or of the static critical path), events."""
    rng = random.Random(0)
    rows = []
    for arch, n in CASES:
        circuit = build(arch, n)
        top = (1 << n) - 1
        worst = ({"a": 0, "b": 0}, {"a": top, "b": 1})          # carry through every bit
        rand = ({"a": rng.getrandbits(n), "b": rng.getrandbits(n)},
                {"a": rng.getrandbits(n), "b": rng.getrandbits(n)})
        for label, (before, after) in (("0,0 -> max,1", worst), ("random", rand)):
            for mode, delays in (("transport", None), ("inertial", INERTIAL)):
                trace = simulate_transition(circuit, before, after, delays, mode)
                sec = median_time(lambda c=circuit, u=before, v=after, d=delays, m=mode:
                                  simulate_transition(c, u, v, d, m), runs)
                rows.append({"circuit": f"{arch} {n}", "transition": label, "mode": mode,
                             "gates": len(circuit.gates()), "events": len(trace.events),
                             "ms": 1e3 * sec,
                             "us/event": 1e6 * sec / len(trace.events) if trace.events else ""})
        sec = median_time(lambda c=circuit: critical_path(c), runs)
        rows.append({"circuit": f"{arch} {n}", "transition": "critical_path", "mode": "static",
                     "gates": len(circuit.gates()), "events": 0, "ms": 1e3 * sec,
                     "us/event": ""})
    return rows


def target_line(rows: list[dict]) -> str:
    """The target line: the slowest 64-bit Kogge-Stone transition against TARGET_MS."""
    ks = [r for r in rows if r["circuit"] == "kogge-stone 64" and r["mode"] != "static"]
    slow = max(ks, key=lambda r: r["ms"])
    verdict = "met" if slow["ms"] < TARGET_MS else "MISSED"
    return (f"a 64-bit Kogge-Stone transition under {TARGET_MS:g} ms: slowest case "
            f"{slow['ms']:.2f} ms ({slow['transition']}, {slow['mode']}), {verdict}")


# ---------------------------------------------------------------------- part 2
def _rates(events: int, seconds: list[float]) -> dict:
    """Thousands of events per second: median over the median time, min and max over
    the extremes (k events/s keeps the runner's generic table readable)."""
    return {"median": 1e-3 * events / statistics.median(seconds),
            "min": 1e-3 * events / max(seconds), "max": 1e-3 * events / min(seconds),
            "runs": len(seconds)}


def _time_carrylab(circuit, vectors, runs: int) -> list[float]:
    """Wall seconds of ``runs`` passes over every transition (after one warm-up pass)."""
    pairs = list(zip(vectors, vectors[1:]))

    def sequence():
        for before, after in pairs:
            simulate_transition(circuit, before, after, INERTIAL, "inertial")

    sequence()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        sequence()
        times.append(time.perf_counter() - t0)
    return times


def beside_icarus(quick: bool, folder: Path) -> tuple[list[dict], list[str]]:
    """Per case: agreement with Icarus Verilog and both engines' events per second.

    Returns (rows, disagreements): a row per case (see :func:`markdown`), and a
    sentence per case whose events differ."""
    count, runs, reps = _SEQUENCE[quick]
    rows, disagreements = [], []
    for arch, n in CASES:
        circuit = build(arch, n)
        for kind in ("worst", "random"):
            label = f"{arch} {n}, {'0,0 <-> max,1' if kind == 'worst' else 'random'}"
            vectors = transitions(n, kind, count, seed=n)
            ours = icarus_timing.carrylab_events(circuit, INERTIAL, vectors)
            events = sum(map(len, ours))
            row = {"case": label, "transitions": count, "events": events}
            row["carrylab k events/s"] = _rates(events, _time_carrylab(circuit, vectors, runs))
            try:
                peer = icarus_timing.IcarusTiming(circuit, INERTIAL, vectors,
                                                  folder / f"{arch}_{n}_{kind}")
                check = icarus_timing.compare(ours, peer.events(), vectors)
            except PeerSkipped as exc:
                row.update({"Icarus k events/s (net of start-up)": "-", "Icarus start-up ms": "-",
                            "Icarus / carrylab": "-", "agreement": f"SKIPPED: {exc}"})
                rows.append(row)
                print(f"{label}: Icarus skipped: {exc}", flush=True)
                continue
            except CarrylabValueError as exc:      # its netlist or dump could not be read
                check = {"agree": False, "differ": count, "first": f"unreadable: {exc}"}
            if not check["agree"]:
                why = (f"{label}: Icarus DISAGREES with carrylab on {check['differ']} of "
                       f"{count} transitions; its times are dropped. First: {check['first']}")
                disagreements.append(why)
                print(f"DISAGREEMENT: {why}", flush=True)
                print(f"DISAGREEMENT: {why}", file=sys.stderr, flush=True)
                row.update({"Icarus k events/s (net of start-up)": "dropped",
                            "Icarus start-up ms": "-", "Icarus / carrylab": "-",
                            "agreement": f"DISAGREE ({check['differ']} of {count})"})
                rows.append(row)
                continue
            timing = peer.time(runs, reps)
            empty = timing["empty_s"]["median"]
            net = [t - empty for t in timing["full_runs"]]
            if min(net) <= 0:
                theirs, ratio = "not measurable (a full run no slower than an empty one)", "-"
            else:
                theirs = _rates(reps * events, net)
                ratio = theirs["median"] / row["carrylab k events/s"]["median"]
            row.update({"Icarus k events/s (net of start-up)": theirs,
                        "Icarus start-up ms": 1e3 * empty, "Icarus / carrylab": ratio,
                        "agreement": f"agree ({events} events)"})
            rows.append(row)
            icarus = f"{theirs['median']:,.0f}" if isinstance(theirs, dict) else theirs
            print(f"{label}: {events} events agree; k events/s: carrylab "
                  f"{row['carrylab k events/s']['median']:,.0f}, Icarus {icarus}", flush=True)
    return rows, disagreements


# ---------------------------------------------------------------------- run, report
def run(quick: bool = False) -> dict:
    """Both parts; a dict of tables (lists of row dicts), the target line and any
    disagreement with Icarus. Prints a line per case of the second part."""
    rows = one_transition(3 if quick else RUNS)
    with tempfile.TemporaryDirectory(prefix="carrylab-timing-") as tmp:
        peers, disagreements = beside_icarus(quick, Path(tmp))
    count, runs, reps = _SEQUENCE[quick]
    return {"mode": "quick" if quick else "full",
            "one transition (median of runs after a warm-up)": rows,
            "runs": 3 if quick else RUNS,
            "beside Icarus Verilog (inertial delay, XOR 2 gd, other gates 1 gd)": peers,
            "sequence": (f"{count} transitions per case (a closed sequence), median of "
                         f"{runs} runs (min - max); each Icarus run replays the sequence "
                         f"{reps} times"),
            "disagreements": disagreements or "none",
            "target": target_line(rows),
            "agreement target": agreement_line(peers)}


def agreement_line(rows: list[dict]) -> str:
    """The agreement line: every case's events equal Icarus Verilog's (listed with the
    targets, so that a disagreement shows at the top of the results)."""
    agree = sum(r["agreement"].startswith("agree") for r in rows)
    skipped = sum(r["agreement"].startswith("SKIPPED") for r in rows)
    head = (f"carrylab's inertial events equal Icarus Verilog's in every case: "
            f"{agree} of {len(rows)}")
    if skipped == len(rows):
        return f"{head}; NOT MEASURED ({rows[0]['agreement']})"
    return f"{head} agree, {'met' if agree == len(rows) else 'MISSED'}"


def _num(value, fmt: str = ",.0f") -> str:
    if isinstance(value, dict):
        return f"{value['median']:{fmt}} ({value['min']:{fmt}} - {value['max']:{fmt}})"
    if isinstance(value, float):
        return f"{value:{fmt}}"
    return str(value)


def markdown(result: dict) -> str:
    """The results of :func:`run` as a Markdown section (headed ``## Timing``)."""
    rows = result["one transition (median of runs after a warm-up)"]
    peers = result["beside Icarus Verilog (inertial delay, XOR 2 gd, other gates 1 gd)"]
    out = ["## Timing (bench_timing)", "",
           f"Mode: {result['mode']}. One transition: median of {result['runs']} runs after "
           f"a warm-up.", "",
           "| circuit | transition | mode | gates | events | ms | us/event |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        per = f"{r['us/event']:.2f}" if r["us/event"] != "" else ""
        out.append(f"| {r['circuit']} | {r['transition']} | {r['mode']} | {r['gates']} | "
                   f"{r['events']} | {r['ms']:.2f} | {per} |")
    out += ["", f"Target: {result['target']}", "",
            f"Agreement: {result['agreement target']}", "",
            "### Beside Icarus Verilog", "",
            "Inertial delay in both (Verilog gate primitives are inertial): XOR 2 gd, other "
            f"gates 1 gd. {result['sequence']}; Icarus net of its empty run.", "",
            "| case | transitions | events | carrylab k events/s | Icarus k events/s (net) | "
            "Icarus start-up ms | Icarus / carrylab | agreement |",
            "|---|---|---|---|---|---|---|---|"]
    for r in peers:
        out.append(f"| {r['case']} | {r['transitions']} | {r['events']:,} | "
                   f"{_num(r['carrylab k events/s'])} | "
                   f"{_num(r['Icarus k events/s (net of start-up)'])} | "
                   f"{_num(r['Icarus start-up ms'], '.1f')} | "
                   f"{_num(r['Icarus / carrylab'], '.3g')} | {r['agreement']} |")
    if result["disagreements"] != "none":
        out += ["", "**DISAGREEMENTS** (times dropped):", ""]
        out += [f"- {d}" for d in result["disagreements"]]
    return "\n".join(out) + "\n"


def main(argv=None) -> None:
    """Command line: run both parts and print the Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and transitions")
    args = parser.parse_args(argv)
    print(markdown(run(args.quick)))


if __name__ == "__main__":
    main()
