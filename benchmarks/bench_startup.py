"""First contact: how long a student waits, with Numba's cache cold and after a warm-up.

A *cold* run starts with an empty Numba cache (a fresh ``NUMBA_CACHE_DIR``): every
kernel it touches is compiled on the spot. A *warm* run uses a cache that
``carrylab warmup`` has filled. Every run is a fresh interpreter, and the cold and warm
runs of one item follow each other, so a busy machine slows both alike. Measured:

* each course notebook (the code cells of ``carrylab/course/src/NN_*.py``, solutions
  in, ``%matplotlib inline`` replaced by the Agg backend, run in order as a script, at
  the students' sizes): the set-up cell (the first code cell), the time from the first
  cell until the first cell that runs a kernel has finished, the whole notebook, and
  the kernel signatures compiled (after a warm-up: none);
* each ``carrylab`` command on small inputs (``carrylab.cli.main`` in a fresh process;
  seconds include the interpreter's start), then ``carrylab tour`` in full;
* ``carrylab warmup`` itself, cold and warm.

Prints and writes a Markdown table (``--out``, default ``benchmarks/STARTUP.md``) with
the machine's load. Takes about 10 minutes on a 2-core machine, half of it compiling;
not part of ``python -m benchmarks``. Exits 1 when a warm run compiled a kernel (the
warm-up missed a signature) or a run failed.

    python benchmarks/bench_startup.py [--only warmup,notebooks,commands,tour] [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["command_calls", "notebook_cells", "markdown", "main"]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PACKAGES = ("adders", "rnn", "viz", "carrylab")
SECTIONS = ("warmup", "notebooks", "commands", "tour")
_TIMEOUT = 3600


def command_calls(tmp: Path, state: str) -> list[tuple[str, list[str]]]:
    """(label, argv) of the small command calls; outputs go to ``tmp``, per ``state``."""
    out = tmp / state
    return [
        ("add", ["add", "200", "100", "--bits", "8"]),
        ("adders", ["adders", "--bits", "8"]),
        ("timing", ["timing", "--bits", "8"]),
        ("verilog (with testbench)", ["verilog", "--bits", "8", "-o", f"{out}/ks.v",
                                      "--testbench", f"{out}/tb.v", "--vectors", "100"]),
        ("draw prefix", ["draw", "prefix", "--bits", "8", "-o", f"{out}/prefix.png"]),
        ("draw circuit", ["draw", "circuit", "--bits", "4", "-o", f"{out}/circuit.png"]),
        ("draw waveform", ["draw", "waveform", "--bits", "8", "-o", f"{out}/wave.png"]),
        ("draw receptive-field", ["draw", "receptive-field", "-o", f"{out}/field.png"]),
        ("train (1 epoch, 8 bits, 256 examples)",
         ["train", "--bits", "8", "--train-size", "256", "--epochs", "1", "--hidden", "16",
          "--out", f"{out}/run", "--quiet"]),
        ("eval (that run)", ["eval", "--checkpoint", f"{out}/run"]),
        ("compare (rnn,lstm,clrnn; 1 epoch, 4 bits)",
         ["compare", "--bits", "4", "--train-size", "64", "--epochs", "1", "--hidden", "8",
          "--out", f"{out}/compare"]),
        ("tour --chapters adders,timing",
         ["tour", "--chapters", "adders,timing", "--out", f"{out}/tour-short"]),
    ]


# ---------------------------------------------------------------------- notebooks
def notebook_cells(src: Path) -> list[str]:
    """The code cells of a course source as the solutions notebook has them, each a
    script: stubs left out, ``%matplotlib`` lines replaced by the Agg backend."""
    sys.path.insert(0, str(REPO))
    from carrylab.course.cells import parse
    cells = []
    for cell in parse(src.read_text(encoding="utf-8"), str(src)):
        if cell.kind != "code" or "stub" in cell.tags:
            continue
        lines = ["import matplotlib; matplotlib.use('Agg')" if line.startswith("%matplotlib")
                 else line for line in cell.source.splitlines()]
        cells.append("\n".join(lines))
    return cells


# ---------------------------------------------------------------------- child side
def _kernel_counts() -> tuple[int, int]:
    """(kernel signatures in memory, signatures compiled) over carrylab's Numba
    dispatchers so far; (0, 0) while Numba is not even imported."""
    if "numba" not in sys.modules:
        return 0, 0
    from numba.core.dispatcher import Dispatcher
    loaded = compiled = 0
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] not in PACKAGES or module is None:
            continue
        for value in list(vars(module).values()):
            if isinstance(value, Dispatcher) and value.py_func.__module__ == name:
                loaded += len(value.overloads)
                compiled += sum(value.stats.cache_misses.values())
    return loaded, compiled


def _child(spec_path: str, result_path: str) -> int:
    """Run one spec in this (fresh) interpreter; write timings and kernel counts."""
    t0 = time.perf_counter()
    spec = json.loads(Path(spec_path).read_text())
    sys.path.insert(0, str(REPO))          # this checkout's packages, installed or not
    result: dict = {"cells": []}
    try:
        if spec["kind"] == "cells":
            namespace = {"__name__": "__main__"}
            for k, source in enumerate(spec["cells"]):
                t = time.perf_counter()
                exec(compile(source, f"{spec['name']}[cell {k}]", "exec"), namespace)
                loaded, compiled = _kernel_counts()
                result["cells"].append({"seconds": time.perf_counter() - t, "loaded": loaded,
                                        "compiled": compiled})
        else:
            import contextlib
            import io

            from carrylab.cli import main as cli
            with contextlib.redirect_stdout(io.StringIO()):
                status = cli(spec["argv"])
            if status != 0:
                raise RuntimeError(f"carrylab {' '.join(spec['argv'])} exited with {status}")
    except BaseException as err:         # reported in the table, the parent goes on
        result["error"] = f"{type(err).__name__}: {err}"
    result["seconds"] = time.perf_counter() - t0
    result["loaded"], result["compiled"] = _kernel_counts()
    Path(result_path).write_text(json.dumps(result))
    return 0


# ---------------------------------------------------------------------- parent side
def _run(spec: dict, cache: Path, work: Path) -> dict:
    """Run ``spec`` in a fresh interpreter with Numba's cache at ``cache``; the result
    dict plus ``wall`` (seconds, interpreter start included)."""
    work.mkdir(parents=True, exist_ok=True)
    spec_file, result_file = work / "spec.json", work / "result.json"
    spec_file.write_text(json.dumps(spec))
    result_file.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("CARRYLAB_FAST", "NUMBA_CACHE_DIR")}
    env.update(NUMBA_CACHE_DIR=str(cache), MPLBACKEND="Agg")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", str(spec_file), str(result_file)],
                          cwd=work, env=env, capture_output=True, text=True, timeout=_TIMEOUT)
    wall = time.perf_counter() - t0
    if not result_file.exists():
        return {"wall": wall, "cells": [], "error": f"child failed: {proc.stderr[-500:]}",
                "loaded": 0, "compiled": 0}
    return dict(json.loads(result_file.read_text()), wall=wall)


def _load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def _fresh_cache(tmp: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix="cold-cache-", dir=tmp))


def _warmup(tmp: Path, warm: Path, rows: list, states=("cold", "warm")) -> None:
    for state in states:
        res = _run({"kind": "cli", "argv": ["warmup"]}, warm, tmp / f"warmup-{state}")
        rows.append(("carrylab warmup", state, res))
        _say(f"warmup {state}", res)


def _notebooks(tmp: Path, warm: Path, rows: list) -> None:
    for src in sorted((REPO / "carrylab" / "course" / "src").glob("[0-9][0-9]_*.py")):
        cells = notebook_cells(src)
        found = {}
        for state in ("cold", "warm"):
            cache = warm if state == "warm" else _fresh_cache(tmp)
            spec = {"kind": "cells", "name": src.stem, "cells": cells}
            found[state] = res = _run(spec, cache, tmp / f"{src.stem}-{state}")
            if state == "cold":
                shutil.rmtree(cache, ignore_errors=True)
            print(f"  {src.stem} {state}: set-up cell {res['cells'][0]['seconds'] if res['cells'] else float('nan'):.1f} s"
                  f"{'  ' + res['error'] if 'error' in res else ''}", flush=True)
        rows.append((src.stem, "notebook", found))


def _commands(tmp: Path, warm: Path, rows: list) -> None:
    for state in ("cold", "warm"):
        (tmp / state).mkdir(exist_ok=True)
    by_label: dict = {}
    # one command at a time, cold then warm; eval reads the run train wrote in its state
    for (label, cold_argv), (_, warm_argv) in zip(command_calls(tmp, "cold"),
                                                  command_calls(tmp, "warm")):
        for state, argv in (("cold", cold_argv), ("warm", warm_argv)):
            cache = warm if state == "warm" else _fresh_cache(tmp)
            res = _run({"kind": "cli", "argv": argv}, cache, tmp / f"cmd-{state}")
            if state == "cold":
                shutil.rmtree(cache, ignore_errors=True)
            by_label.setdefault(label, {})[state] = res
            _say(f"carrylab {label} {state}", res)
    for label, found in by_label.items():
        rows.append((f"carrylab {label}", "command", found))


def _tour(tmp: Path, warm: Path, rows: list) -> None:
    found = {}
    for state in ("cold", "warm"):
        cache = warm if state == "warm" else _fresh_cache(tmp)
        found[state] = res = _run({"kind": "cli", "argv": ["tour", "--out", str(tmp / f"tour-{state}")]},
                                  cache, tmp / f"tour-{state}-work")
        _say(f"tour {state}", res)
    rows.append(("carrylab tour (all chapters)", "command", found))


def _first_kernel(res: dict) -> tuple[int | None, float]:
    """(index of the first cell that loaded a kernel, seconds from the first cell until
    it finished); (None, whole run) when no cell did."""
    total = 0.0
    for k, cell in enumerate(res["cells"]):
        total += cell["seconds"]
        if cell["loaded"]:
            return k, total
    return None, total


def _failures(found: dict, columns: int) -> tuple[list[str], bool]:
    """Table rows quoting the errors of the runs in ``found`` (by state), and whether
    none failed and the warm one compiled nothing."""
    failed = [f"| | {res['error'][:200]} |" + " |" * (columns - 2)
              for res in found.values() if "error" in res]
    return failed, not failed and found["warm"]["compiled"] == 0


def _say(label: str, res: dict) -> None:
    print(f"  {label}: {res['wall']:.1f} s, compiled {res['compiled']}"
          f"{'  ' + res['error'] if 'error' in res else ''}", flush=True)


def markdown(rows: list, load_before: str, load_after: str, seconds: float) -> tuple[str, bool]:
    """The report, and whether every warm run compiled nothing and none failed."""
    ok = True
    out = ["# First contact: cold and warm starts", "",
           f"Measured {time.strftime('%Y-%m-%d %H:%M')} by `python benchmarks/bench_startup.py` "
           f"on {os.cpu_count()} cores; load average (1, 5, 15 min) {load_before} before and "
           f"{load_after} after; {seconds / 60:.0f} min in all. Cold: empty Numba cache; "
           f"warm: after `carrylab warmup`. Seconds of wall time; each run a fresh interpreter; "
           f"cold and warm runs of one item back to back.", ""]
    warmups = [r for r in rows if r[0] == "carrylab warmup"]
    if warmups:
        out += ["## carrylab warmup", "", "| run | seconds | kernel signatures compiled |",
                "|---|---:|---:|"]
        for _, state, res in warmups:
            out.append(f"| {state} | {res['wall']:.1f} | {res['compiled']} |")
            ok &= "error" not in res and (state == "cold" or res["compiled"] == 0)
        out.append("")
    notebooks = [r for r in rows if r[1] == "notebook"]
    if notebooks:
        out += ["## Notebooks", "",
                "Set-up cell: the first code cell. First kernel cell: the first cell that runs "
                "a compiled kernel (its number among the code cells), and the seconds from the "
                "set-up cell until it has finished. Whole notebook: every code cell, in order "
                "(the seconds a student waits for the computer, reading time aside). Compiled: "
                "kernel signatures compiled during the whole notebook.", "",
                "| notebook | set-up cell cold | warm | first kernel cell | until it finishes, "
                "cold | warm | whole notebook, cold | warm | compiled cold | warm |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for name, _, found in notebooks:
            cold, warm = found["cold"], found["warm"]
            k, cold_t = _first_kernel(cold)
            _, warm_t = _first_kernel({"cells": warm["cells"][:k + 1] if k is not None else []})
            first = lambda r: f"{r['cells'][0]['seconds']:.1f}" if r["cells"] else "failed"
            whole = lambda r: f"{sum(c['seconds'] for c in r['cells']):.1f}"
            out.append(f"| {name} | {first(cold)} | {first(warm)} | "
                       + (f"{k} | {cold_t:.1f} | {warm_t:.1f}" if k is not None else "none | - | -")
                       + f" | {whole(cold)} | {whole(warm)} | {cold['compiled']} "
                         f"| {warm['compiled']} |")
            failed, fine = _failures(found, 11)
            out += failed
            ok &= fine
        out.append("")
    commands = [r for r in rows if r[1] == "command"]
    if commands:
        out += ["## Commands", "", "| command | cold | warm | compiled cold | compiled warm |",
                "|---|---:|---:|---:|---:|"]
        for name, _, found in commands:
            cold, warm = found["cold"], found["warm"]
            out.append(f"| `{name}` | {cold['wall']:.1f} | {warm['wall']:.1f} | {cold['compiled']} "
                       f"| {warm['compiled']} |")
            failed, fine = _failures(found, 5)
            out += failed
            ok &= fine
        out.append("")
    return "\n".join(out), ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections (default all: {','.join(SECTIONS)})")
    parser.add_argument("--out", default=str(HERE / "STARTUP.md"), help="Markdown file to write")
    parser.add_argument("--warm-cache", default=None, metavar="DIR",
                        help="a Numba cache folder carrylab warmup has already filled: skips the "
                             "cold warm-up (its row then shows the warm run only)")
    parser.add_argument("--child", nargs=2, metavar=("SPEC", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(*args.child)
    only = [s for s in args.only.split(",") if s]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        parser.error(f"--only: unknown section(s) {unknown}; known: {', '.join(SECTIONS)}")
    t0, load_before = time.perf_counter(), _load()
    rows: list = []
    with tempfile.TemporaryDirectory(prefix="carrylab-startup-") as tmp:
        tmp = Path(tmp)
        warm = Path(args.warm_cache) if args.warm_cache else tmp / "warm-cache"
        print(f"load average {load_before}; warm cache {warm}", flush=True)
        _warmup(tmp, warm, rows, ("warm",) if args.warm_cache else ("cold", "warm"))
        if "warmup" not in only:
            rows = []
        for section, run in (("notebooks", _notebooks), ("commands", _commands), ("tour", _tour)):
            if section in only:
                run(tmp, warm, rows)
    text, ok = markdown(rows, load_before, _load(), time.perf_counter() - t0)
    print("\n" + text)
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
