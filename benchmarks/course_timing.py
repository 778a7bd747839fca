"""What a class costs: the measured numbers of the teacher's guide (``docs/teaching.md``).

Writes ``benchmarks/course_timing.json``, which ``carrylab course guide`` turns into the
guide's tables. Each section records when, where and under what load it was measured:

* ``notebooks``: every solutions notebook run headless from top to bottom as
  ``tests/test_notebooks.py`` runs it (nbclient, a python3 kernel of this interpreter,
  kernel start included), with Numba's cache warm (``carrylab warmup`` first), in three
  modes: ``full`` (the students' sizes, ``--runs`` times, the runs of all notebooks
  interleaved), ``fast`` (``CARRYLAB_FAST=1``, what the test suite runs) and ``one-thread``
  (full sizes with ``NUMBA_NUM_THREADS``, ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``
  and ``MKL_NUM_THREADS`` at 1, as under a one-CPU limit per student). For each run: the
  wall time, the kernel's peak resident memory (``ru_maxrss``, read by a cell appended
  at the end) and the numbers notebooks 03, 04 and 06 print (training times, seed-0
  accuracies, speeds).
* ``demos``: the training demos of :mod:`carrylab.demos` over seeds 0-9, exactly as
  ``tests/test_claims.py`` sweeps them: accuracies, the carry unit's gap, seconds.
* ``cache``: ``carrylab warmup`` into an empty ``NUMBA_CACHE_DIR`` (seconds, signatures
  compiled, size on disk); that cache copied to another folder and used from there; and
  that cache mounted read-only (needs root and ``unshare``, otherwise not measured).
* ``server``: the resident memory of an idle JupyterLab server (a student's own server
  on JupyterHub), before any kernel starts.

    python benchmarks/course_timing.py [--only notebooks,demos,cache,server] [--runs 3]
                                       [--out benchmarks/course_timing.json]

A section not asked for keeps its stored numbers. About 25 minutes on a 2-core machine
with the default three runs. Nothing here is a test: ``tests/test_teaching_guide.py``
only checks that the guide shows what the file holds.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))                 # this checkout's packages, installed or not

__all__ = ["SECTIONS", "DEFAULT_OUT", "printed_numbers", "main"]

SECTIONS = ("notebooks", "demos", "cache", "server")
DEFAULT_OUT = HERE / "course_timing.json"
MODES = {"full": {},
         "fast": {"CARRYLAB_FAST": "1"},
         "one-thread": {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                        "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}}
_PEAK_CELL = ("import resource as _r\n"
              "print('CARRYLAB-PEAK-KIB', _r.getrusage(_r.RUSAGE_SELF).ru_maxrss)")
_CELL_TIMEOUT = 900
_SEEDS = range(10)


# ---------------------------------------------------------------------- where and when
def _stamp() -> dict:
    """When, on what, under what load: recorded at the start of every section."""
    from benchmarks.__main__ import environment
    env = environment()
    return {"date": env["date"], "cpu": env["cpu"], "cores": env["cores"],
            "memory_gib": _memory_gib(), "python": env["versions"]["Python"],
            "numpy": env["versions"]["numpy"], "numba": env["versions"]["numba"],
            "commit": env["commit"] + ("+changes" if _changed() else ""),
            "load_before": _load()}


def _changed() -> bool:
    """Whether the checkout differs from its commit (then the commit alone is not the code)."""
    out = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                         capture_output=True, text=True)
    return out.returncode == 0 and bool(out.stdout.strip())


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


@contextmanager
def _environ(**changes):
    """Set (value) or remove (None) environment variables inside the block."""
    def put(values: dict) -> None:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    old = {k: os.environ.get(k) for k in changes}
    try:
        put(changes)
        yield
    finally:
        put(old)


# ---------------------------------------------------------------------- notebooks
def _run_notebook(name: str, mode: str, tmp: Path) -> dict:
    """Run the solutions notebook ``name``, built from its source into ``tmp``, in a fresh
    kernel there; seconds, peak memory, checks failed, the numbers it printed."""
    import nbclient
    import nbformat
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    from carrylab import course
    from carrylab.course.ipynb import outputs_text

    class _Here(KernelSpecManager):
        def get_kernel_spec(self, name):
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f",
                                    "{connection_file}"],
                              display_name="Python 3", language="python", name="python3")

    path = tmp / f"{name}.ipynb"
    path.write_text(course.render(course.solutions_notebook(name)), encoding="utf-8")
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_PEAK_CELL))
    unset = {k: None for k in ("CARRYLAB_FAST", "NUMBA_NUM_THREADS", "OMP_NUM_THREADS",
                               "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "CARRYLAB_STUDENT")}
    pythonpath = os.pathsep.join([str(REPO)] + [p for p in os.environ.get("PYTHONPATH", "")
                                                .split(os.pathsep) if p])
    with _environ(**{**unset, **MODES[mode], "TMPDIR": str(tmp), "PYTHONPATH": pythonpath,
                     "MPLBACKEND": "module://matplotlib_inline.backend_inline"}):
        km = nbclient.NotebookClient(nb).kernel_manager_class(
            kernel_name="python3", kernel_spec_manager=_Here())
        client = nbclient.NotebookClient(nb, timeout=_CELL_TIMEOUT, kernel_name="python3",
                                         km=km, resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    text = outputs_text(nb)
    peak = re.search(r"CARRYLAB-PEAK-KIB (\d+)", text)
    failed = "✗" in text or "not attempted" in text
    return {"seconds": round(seconds, 2),
            "peak_mib": round(int(peak.group(1)) / 1024, 1) if peak else None,
            "checks_failed": failed, "printed": printed_numbers(name, text)}


def _seconds(phrase: str) -> float:
    """The seconds of :func:`carrylab.demos.seconds_phrase`'s '1.8 s' or '2 min 5 s'."""
    m = re.fullmatch(r"(?:(\d+) min )?([\d.]+) s", phrase.strip())
    if not m:
        raise ValueError(f"not a duration: {phrase!r}")
    return 60 * int(m.group(1) or 0) + float(m.group(2))


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def printed_numbers(name: str, text: str) -> dict[str, float]:
    """The numbers a notebook's demos print, by key (notebooks 03, 04 and 06; others: {})."""
    found: dict[str, float] = {}
    if name.startswith("03"):
        if m := re.search(r"Trained and tested in (.+?) on this machine", text):
            found["elman_seconds"] = _seconds(m.group(1))
        if m := re.search(r"got ([\d.]+)% of the 8-bit and ([\d.]+)% of the 32-bit", text):
            found["elman_acc"], found["elman_wide_acc"] = (float(v) for v in m.groups())
        if m := re.search(r"Unit \d+ \(correlation ([+-][\d.]+)\)", text):
            found["carry_corr"] = float(m.group(1))
    elif name.startswith("04"):
        for m in re.finditer(r"L = (\d) \(R = +\d+\): whole-number accuracy ([\d.]+), trained "
                             r"and tested in (.+)", text):
            found[f"clrnn_L{m.group(1)}_acc"] = float(m.group(2))
            found[f"clrnn_L{m.group(1)}_seconds"] = _seconds(m.group(3))
    elif name.startswith("06"):
        if m := re.search(r"evaluate \(one vector at a time\):\s+([\d,]+) vectors/s", text):
            found["evaluate_vps"] = _number(m.group(1))
        if m := re.search(r"simulate \(bit-sliced, compiled\):\s+([\d,]+) vectors/s\s+"
                          r"\(([\d,]+)x\)", text):
            found["simulate_vps"], found["simulate_speedup"] = (_number(v) for v in m.groups())
        for m in re.finditer(r"T =\s*(\d+)\s+(elman|clrnn)\s+([\d.]+) ms", text):
            found[f"forward_ms_{m.group(2)}_T{m.group(1)}"] = float(m.group(3))
        if m := re.search(r"loop ([\d.]+) ms, Brent-Kung scan ([\d.]+) ms", text):
            found["loop_ms"], found["scan_ms"] = (float(v) for v in m.groups())
    return found


def measure_notebooks(runs: int) -> dict:
    from carrylab import course
    from carrylab.warmup import run as warmup
    section = _stamp()
    warmup(quiet=True)                           # the students' state after a warm-up
    names = course.names()
    rows: dict = {name: {mode: [] for mode in MODES} for name in names}
    plan = [(mode, k) for k in range(runs) for mode in ("full",)] + \
           [("fast", 0), ("one-thread", 0)]
    with tempfile.TemporaryDirectory(prefix="carrylab-course-timing-") as tmp:
        for mode, k in plan:
            for name in names:
                res = _run_notebook(name, mode, Path(tmp))
                rows[name][mode].append(res)
                print(f"  {name} {mode} run {k + 1}: {res['seconds']:.1f} s, peak "
                      f"{res['peak_mib']} MiB{'  CHECKS FAILED' if res['checks_failed'] else ''}",
                      flush=True)
    section.update(load_after=_load(), runs=runs, notebooks=rows)
    return section


# ---------------------------------------------------------------------- demos
def measure_demos() -> dict:
    """The seed sweeps of tests/test_claims.py, every number kept."""
    from carrylab import demos
    section = _stamp()
    rows = []
    with tempfile.TemporaryDirectory(prefix="carrylab-demos-") as tmp:
        tmp = Path(tmp)
        for seed in _SEEDS:
            task = demos.make_task(demos.ELMAN, seed)
            elman = demos.train(demos.ELMAN, tmp / f"rnn{seed}", seed=seed, task=task)
            wide = demos.wide_accuracy(tmp / f"rnn{seed}", seed)
            _, corr, gap = demos.carry_unit(tmp / f"rnn{seed}", task)
            task = demos.make_task(demos.CLRNN, seed)
            full = demos.train(demos.CLRNN, tmp / f"l4_{seed}", seed=seed, task=task)
            short = demos.train(demos.CLRNN_SHORT, tmp / f"l2_{seed}", seed=seed, task=task)
            inside, outside = demos.window_accuracy(
                short["test"], demos.receptive_field(demos.CLRNN_SHORT),
                demos.CLRNN_SHORT.task_args["n_bits"])
            row = {"seed": seed,
                   "elman_acc": elman["test"]["number_accuracy"], "elman_wide_acc": wide,
                   "elman_carry_corr": corr, "elman_carry_gap": gap,
                   "elman_seconds": elman["seconds"],
                   "clrnn_acc": full["test"]["number_accuracy"], "clrnn_seconds": full["seconds"],
                   "short_acc": short["test"]["number_accuracy"], "short_inside": inside,
                   "short_outside": outside, "short_seconds": short["seconds"]}
            rows.append({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()})
            print("  " + ", ".join(f"{k} {v}" for k, v in rows[-1].items()), flush=True)
    section.update(load_after=_load(), seeds=rows)
    return section


# ---------------------------------------------------------------------- cache
_PROBE = """
import json, sys, warnings
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    from carrylab.warmup import run
    steps = json.loads(sys.argv[1])
    result = run(quiet=True, steps=steps)
print(json.dumps({"compiled": len(result["compiled"]), "seconds": result["seconds"],
                  "warnings": sum("cannot use the Numba cache folder" in str(w.message)
                                  for w in caught)}))
"""


def _probe(cache: Path, home: Path, steps=None, wrap=()) -> dict:
    """Run (some) warm-up steps in a fresh interpreter with NUMBA_CACHE_DIR=cache."""
    env = {k: v for k, v in os.environ.items() if k not in ("CARRYLAB_FAST", "XDG_CACHE_HOME")}
    env.update(NUMBA_CACHE_DIR=str(cache), HOME=str(home), MPLBACKEND="Agg",
               PYTHONPATH=str(REPO))
    t0 = time.perf_counter()
    out = subprocess.run([*wrap, sys.executable, "-c", _PROBE, json.dumps(steps)],
                         capture_output=True, text=True, env=env, cwd=home, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"probe failed: {out.stderr[-2000:]}")
    found = json.loads(out.stdout.strip().splitlines()[-1])
    return dict(found, seconds=round(found["seconds"], 1), wall=round(time.perf_counter() - t0, 1))


def _read_only_wrap(paths: list[Path]) -> list[str] | None:
    """A command prefix that runs a program with ``paths`` mounted read-only (a private
    mount namespace: needs root and unshare), or None where that is not possible."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return None
    mounts = " && ".join(f"mount --bind {p} {p} && mount -o remount,ro,bind {p}" for p in paths)
    script = f'{mounts} && exec "$@"'
    wrap = ["unshare", "-m", "sh", "-c", script, "sh"]
    ok = subprocess.run([*wrap, "true"], capture_output=True)
    return wrap if ok.returncode == 0 else None


def _size_mib(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


def measure_cache() -> dict:
    section = _stamp()
    with tempfile.TemporaryDirectory(prefix="carrylab-cache-") as tmp:
        tmp = Path(tmp)
        filled, copied, home = tmp / "shared", tmp / "copied", tmp / "home"
        home.mkdir()
        cold = _probe(filled, home)
        section["cold"] = dict(cold, size_mib=_size_mib(filled))
        print(f"  cold warm-up: {section['cold']}", flush=True)
        shutil.copytree(filled, copied)
        section["copied"] = _probe(copied, home)
        print(f"  a copy of it: {section['copied']}", flush=True)
        packages = [REPO / p for p in ("adders", "rnn", "viz", "carrylab")]
        wrap = _read_only_wrap([filled, *packages])
        if wrap is None:
            section["read_only"] = None
        else:
            step = ["adders: bit-parallel simulation"]
            warm = _probe(filled, home, step)
            ro = _probe(filled, home, step, wrap)
            user_wide = home / ".cache" / "numba"
            section["read_only"] = dict(ro, step=step[0], warm_compiled=warm["compiled"],
                                        user_wide_files=sum(1 for _ in user_wide.rglob("*.nbi")))
        print(f"  read-only: {section['read_only']}", flush=True)
    section["load_after"] = _load()
    return section


# ---------------------------------------------------------------------- server
def measure_server() -> dict:
    """Resident memory of an idle JupyterLab server, 10 s after it answers."""
    import socket
    import urllib.request
    section = _stamp()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="carrylab-server-") as tmp:
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=f"{tmp}/runtime",
                   JUPYTER_CONFIG_DIR=f"{tmp}/config", JUPYTERLAB_WORKSPACES_DIR=f"{tmp}/ws")
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
             f"--port={port}", "--port-retries=0", "--IdentityProvider.token=t",
             f"--ServerApp.root_dir={tmp}"] + (["--allow-root"] if os.geteuid() == 0 else []),
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(120):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token=t", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            time.sleep(10)
            status = Path(f"/proc/{proc.pid}/status").read_text()
            rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    section.update(load_after=_load(), idle_rss_mib=round(rss / 1024, 1))
    print(f"  idle JupyterLab server: {section['idle_rss_mib']} MiB", flush=True)
    return section


# ---------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections (default all: {','.join(SECTIONS)})")
    parser.add_argument("--runs", type=int, default=3, help="full-size runs of each notebook")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    chosen = [s for s in args.only.split(",") if s]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown or args.runs < 1:
        parser.error(f"unknown sections {unknown}" if unknown else "--runs must be >= 1")
    data = json.loads(args.out.read_text()) if args.out.exists() else {}
    measure = {"notebooks": lambda: measure_notebooks(args.runs), "demos": measure_demos,
               "cache": measure_cache, "server": measure_server}
    started = time.perf_counter()
    for name in chosen:
        print(f"{name} (load {', '.join(map(str, _load()))})", flush=True)
        data[name] = measure[name]()
        args.out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {args.out} in {(time.perf_counter() - started) / 60:.1f} min "
          f"({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
