"""How long the course's widgets and drawings take to answer. Prints numbers; not a test.

    python benchmarks/bench_interactive.py            # 7 moves per widget, 3 runs per command
    python benchmarks/bench_interactive.py --quick    # 5 moves, 2 runs (about a minute)
    python benchmarks/bench_interactive.py --json out.json

Each widget is built at the sizes the course uses (and the largest it allows), then
driven through its own update path: setting ``slider.value`` (which calls the observer
that re-renders the PNG) or the editor's ``toggle``, exactly what a move in the browser
triggers in the kernel. The first move is not timed (it warms the text and font
caches); the table gives the median and the worst of the moves after it (wall time:
the targets), and the median CPU time of this process and its children, which shows
the work itself when other jobs share the cores.

Also timed: ``viz.draw_prefix`` of 64 positions (figure built and rendered to PNG at the
command's 120 dpi), ``build`` and the first ``stats()`` of 4096-bit prefix adders, and
two commands as child processes (wall time, start-up included, after one warming run):
``carrylab draw prefix --bits 64`` and ``carrylab add --bits 4096``; and where the first
of them spends its time (Python's start-up, then each of its steps timed inside fresh
processes: imports, the figure, the PNG).

The browser's side (slider event to changed picture in JupyterLab) is measured by
``tests/e2e/test_jupyterlab.py``, which writes ``artifacts/e2e_timing.json``; its figures
are quoted when that file exists.

Each row of the table ends in ``met`` or ``MISSED``: the runner (``python -m
benchmarks``) collects the rows as this benchmark's target lines.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import matplotlib

matplotlib.use("Agg")

WIDGET_MS = 150.0          # a step or slider move, kernel side
E2E_JSON = REPO / "artifacts" / "e2e_timing.json"


def _row(what: str, size: str, times_s: list[tuple[float, float]], target_ms: float) -> dict:
    """A table row from (wall, cpu) seconds per run; the target applies to the wall median."""
    ms = [1e3 * wall for wall, _ in times_s]
    median = statistics.median(ms)
    return {"what": what, "size": size, "median_ms": median, "worst_ms": max(ms),
            "cpu_ms": statistics.median(1e3 * cpu for _, cpu in times_s),
            "runs": len(ms), "target_ms": target_ms, "met": median <= target_ms}


def _cpu() -> float:
    """CPU seconds of this process and its finished children (user + system)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _moves(setter, positions) -> list[tuple[float, float]]:
    """Call ``setter(p)`` for each position; (wall, cpu) seconds of every call but the
    first. CPU time shows the work itself when other jobs share the cores."""
    times = []
    for k, p in enumerate(positions):
        t, c = time.perf_counter(), _cpu()
        setter(p)
        if k:
            times.append((time.perf_counter() - t, _cpu() - c))
    return times


def _cycle(top: int, moves: int) -> list[int]:
    """``moves + 1`` slider positions going 1, 2, ..., top, top - 1, ... (each a change)."""
    seq = list(range(1, top + 1)) + list(range(top - 1, -1, -1))
    out = []
    while len(out) < moves + 1:
        out += seq
    return out[:moves + 1]


def widget_rows(moves: int) -> list[dict]:
    """One row per widget and size: a slider move (or an editor click) re-rendered."""
    from adders.build import build, ripple_carry
    from adders.prefix import kogge_stone
    from viz.editor import prefix_editor
    from viz.widgets import circuit_stepper, scan_stepper, sequence_stepper

    rows = []

    def slider(name, size, widget, top):
        def move(p):
            widget.slider.value = p
        rows.append(_row(name, size, _moves(move, _cycle(top, moves)), WIDGET_MS))

    for label, circuit, n in (("ripple", ripple_carry(4), 4), ("ripple", ripple_carry(16), 16),
                              ("kogge-stone", build("kogge-stone", 16), 16)):
        top = (1 << n) - 1
        st = circuit_stepper(circuit, {"a": 0, "b": 0, "cin": 0}, {"a": top, "b": 1, "cin": 0})
        slider("CircuitStepper (step)", f"{label} {n} bits, {st.slider.max} steps", st,
               st.slider.max)
    for n, labels in ((8, "rnn"), (16, "adder"), (32, "adder")):
        st = scan_stepper(kogge_stone(n), labels=labels)
        slider("ScanStepper (level)", f"kogge-stone {n}, {labels}", st, st.slider.max)
    for T, levels in ((8, 3), (16, 4)):
        st = sequence_stepper(T=T, kernel_size=2, levels=levels)
        slider("SequenceStepper (step)", f"T = {T}, L = {levels}", st, T)
    for n in (8, 16):
        ed = prefix_editor(n, start="serial")
        top = (1 << n) - 1
        values = [(37 * k + 5) & top for k in range(moves + 1)]

        def move_a(v, ed=ed):
            ed.a_slider.value = v
        rows.append(_row("PrefixEditor (a slider)", f"{n} positions", _moves(move_a, values),
                         WIDGET_MS))
        # Click slot (row 1, i) on and off again: add a cell, then remove it.
        clicks = [(1, 2 + k // 2 % (n - 2)) for k in range(moves + 1)]
        rows.append(_row("PrefixEditor (click a slot)", f"{n} positions",
                         _moves(lambda rc, ed=ed: ed.toggle(*rc), clicks), WIDGET_MS))
    return rows


def drawing_rows(repeat: int) -> list[dict]:
    """``viz.draw_prefix`` at 64 positions, built and rendered to PNG at 120 dpi."""
    import io

    import matplotlib.pyplot as plt

    import viz
    from adders.prefix import kogge_stone
    net = kogge_stone(64)

    def once():
        fig = viz.draw_prefix(net)
        fig.savefig(io.BytesIO(), format="png", dpi=120)
        plt.close(fig)
    times = _moves(lambda _: once(), range(repeat + 1))
    return [_row("viz.draw_prefix + PNG", "kogge-stone 64", times, 1000.0)]


def build_rows(repeat: int, archs=("kogge-stone", "brent-kung", "sklansky")) -> list[dict]:
    """``build`` and the first ``stats()`` of a fresh 4096-bit adder, per architecture."""
    from adders.build import build
    rows = []
    for arch in archs:
        b, s = [], []
        for _ in range(repeat):
            t, cpu = time.perf_counter(), _cpu()
            c = build(arch, 4096)
            b.append((time.perf_counter() - t, _cpu() - cpu))
            t, cpu = time.perf_counter(), _cpu()
            c.stats()
            s.append((time.perf_counter() - t, _cpu() - cpu))
        rows.append(_row("build", f"{arch} 4096", b, 1000.0))
        rows.append(_row("first stats()", f"{arch} 4096", s, 1000.0))
    return rows


def _command(args: list[str]) -> None:
    subprocess.run([sys.executable, "-m", "carrylab", *args], cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL, env=dict(os.environ, PYTHONPATH=str(REPO)))


def command_rows(repeat: int) -> list[dict]:
    """The two commands as child processes, wall time, after one warming run."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="carrylab-bench-") as tmp:
        draw = ["draw", "prefix", "--bits", "64", "-o", str(Path(tmp) / "p.png")]
        add = ["add", "0x" + "f" * 1024, "1", "--bits", "4096"]
        for name, args, target in (("carrylab draw prefix --bits 64", draw, 2000.0),
                                   ("carrylab add --bits 4096", add, 2000.0)):
            times = _moves(lambda _, args=args: _command(args), range(repeat + 1))
            rows.append(_row(name, "warm cache, child process", times, target))
    return rows


#: The steps of ``carrylab draw prefix --bits 64``, timed inside a fresh process
_DRAW_STEPS = """
import json, sys, time
t = [time.perf_counter()]
import numpy, adders
t.append(time.perf_counter())
import matplotlib.figure, matplotlib.backends.backend_agg
t.append(time.perf_counter())
import viz.prefix
from adders.prefix import network
from carrylab.commands.drawing import _DPI, _PNG
t.append(time.perf_counter())
fig = viz.prefix.draw_prefix(network("kogge-stone", 64), pyplot=False)
t.append(time.perf_counter())
fig.savefig(sys.argv[1], dpi=_DPI, facecolor="white", pil_kwargs=_PNG)
t.append(time.perf_counter())
print(json.dumps([b - a for a, b in zip(t, t[1:])]))
"""
_DRAW_PHASES = ("NumPy and adders", "matplotlib", "viz.prefix and the command's module",
                "the figure", "the PNG (render and encode)")


def draw_profile(repeat: int) -> dict:
    """Where ``carrylab draw prefix --bits 64`` spends its time: median ms of Python's
    start-up (``python -c pass``) and of each step of the command, timed inside fresh
    processes (after one warming run of each)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    start, steps = [], []
    with tempfile.TemporaryDirectory(prefix="carrylab-bench-") as tmp:
        for k in range(repeat + 1):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True, env=env)
            wall = time.perf_counter() - t
            out = subprocess.run([sys.executable, "-c", _DRAW_STEPS, str(Path(tmp) / "p.png")],
                                 cwd=REPO, check=True, env=env, capture_output=True, text=True)
            if k:                                   # the first run warms the caches
                start.append(wall)
                steps.append(json.loads(out.stdout))
    phases = {"Python start-up": statistics.median(start)}
    for k, name in enumerate(_DRAW_PHASES):
        phases[name] = statistics.median(s[k] for s in steps)
    return {name: 1e3 * sec for name, sec in phases.items()}


def profile_lines(profile: dict, rows: list[dict]) -> list[str]:
    """The command's profile as one sentence, beside its row's median."""
    row = next((r for r in rows if r["what"] == "carrylab draw prefix --bits 64"), None)
    parts = ", ".join(f"{name} {ms:.0f}" for name, ms in profile.items())
    total = sum(profile.values())
    whole = f" (the command itself: {row['median_ms']:.0f} ms)" if row else ""
    return [f"Where `carrylab draw prefix --bits 64` spends its time (its steps timed inside "
            f"fresh processes, median ms): {parts}; {total:.0f} ms in all{whole}."]


def markdown(rows: list[dict]) -> str:
    """The table of every row."""
    # Header words avoid "target" and "met" as whole words: the runner collects every
    # line with one as a target line, and each row below is one.
    lines = [("| widget / drawing | size | median ms | worst ms | CPU ms (median) | target(ms) "
              "| met/MISSED |"), "|---|---|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['what']} | {r['size']} | {r['median_ms']:.0f} | {r['worst_ms']:.0f} "
                     f"| {r['cpu_ms']:.0f} | {r['target_ms']:.0f} "
                     f"| {'met' if r['met'] else 'MISSED'} |")
    return "\n".join(lines)


def e2e_lines() -> list[str]:
    """The browser's figures from the last end-to-end run, when there is one."""
    try:
        data = json.loads(E2E_JSON.read_text())
    except (OSError, ValueError):
        return [(f"browser (slider event to changed picture): not measured; run "
                 f"tests/e2e/test_jupyterlab.py to write {E2E_JSON.relative_to(REPO)}")]
    return [f"browser, {k}: {v}" for k, v in data.items()]


def main(argv=None) -> int:
    """Run every part, print the table and one target line per row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer moves and runs")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    parser.add_argument("--only", default="widgets,drawing,build,commands",
                        help="comma-separated parts (default all)")
    args = parser.parse_args(argv)
    moves, repeat = (5, 2) if args.quick else (7, 3)
    parts = {"widgets": lambda: widget_rows(moves), "drawing": lambda: drawing_rows(repeat),
             "build": lambda: build_rows(repeat), "commands": lambda: command_rows(repeat)}
    rows = []
    chosen = [name.strip() for name in args.only.split(",")]
    for name in chosen:
        rows += parts[name]()
    profile = draw_profile(repeat) if "commands" in chosen else None
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Interactive speed ({'quick' if args.quick else 'full'}; load average {load}; "
          f"{os.cpu_count()} cores)\n")
    print(markdown(rows))
    print()
    for line in (profile_lines(profile, rows) if profile else []) + e2e_lines():
        print(f"    {line}")
    if args.json:
        args.json.write_text(json.dumps({"load": load, "rows": rows, "draw_profile": profile},
                                        indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
