"""Run the benchmarks and write ``benchmarks/RESULTS.md``.

    python -m benchmarks [--quick] [--only logic,timing,rnn,scan,interactive] [--out PATH]
                         [--peers pyrtl,icarus,verilator|all|none]

Runs each benchmark module present, in order: ``logic`` in this process through
:func:`benchmarks.bench_logic.run` (structured results), the others (``timing``,
``rnn``, ``scan``, ``interactive``) as child processes ``python benchmarks/bench_<name>.py [--quick]``
with their output captured, or, when a module defines ``run(quick)``, through that
function in a child process. A missing module is skipped with the reason; a failing one
is reported in the file and does not stop the others. Nothing is installed.

The file lists the date, CPU, core count and tool versions, then every benchmark's
figures (median with min and max), ratios against peers, and each target with
"met" or "MISSED". ``--quick`` aims at under three minutes in all on a quiet two-core
machine.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

__all__ = ["BENCHMARKS", "DEFAULT_OUT", "environment", "run_logic", "run_module", "render",
           "main"]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BENCHMARKS = ("logic", "timing", "rnn", "scan", "interactive")
DEFAULT_OUT = HERE / "RESULTS.md"
_TIMEOUT = {True: 600, False: 3 * 3600}          # seconds per child benchmark: quick, full


# ---------------------------------------------------------------------- environment
def _first_line(args: list[str]) -> str | None:
    try:
        res = subprocess.run(args, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (res.stdout or res.stderr).strip()
    return text.splitlines()[0] if text else None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment() -> dict:
    """Date, machine and versions of everything the benchmarks may use (None: absent)."""
    from benchmarks.peers import icarus, verilator
    versions = {"Python": platform.python_version()}
    for package in ("numpy", "numba", "pyrtl", "torch", "networkx"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    versions["verilator"] = verilator.version()
    versions["iverilog"] = icarus.version()
    versions["gcc"] = _first_line(["gcc", "--version"])
    commit = _first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cpu": _cpu_model(), "cores": os.cpu_count(),
            "load": os.getloadavg() if hasattr(os, "getloadavg") else None,
            "platform": platform.platform(), "commit": commit, "versions": versions}


# ---------------------------------------------------------------------- runs
def run_logic(quick: bool, peers) -> dict:
    """The logic benchmark in this process; a section dict for :func:`render`."""
    t0 = time.perf_counter()
    try:
        from benchmarks import bench_logic
        result = bench_logic.run(quick=quick, peers=peers)
        text = bench_logic.markdown(result)
    except Exception as exc:                   # reported in the file, never fatal
        return {"name": "logic", "status": "failed", "seconds": time.perf_counter() - t0,
                "reason": f"{type(exc).__name__}: {exc}", "log": traceback.format_exc()}
    return {"name": "logic", "status": "ok", "seconds": time.perf_counter() - t0,
            "markdown": text, "targets": result["targets"]}


def _defines_run(path: Path) -> bool:
    """Whether the module at ``path`` defines a top-level function ``run`` (not imported)."""
    try:
        tree = ast.parse(path.read_text(), filename=str(path))
    except (OSError, SyntaxError):
        return False
    return any(isinstance(node, ast.FunctionDef) and node.name == "run" for node in tree.body)


_CHILD_RUN = """
import json, sys
sys.path.insert(0, {repo!r})
from benchmarks import bench_{name} as module
result = module.run(quick={quick!r})
with open({out!r}, "w") as f:
    json.dump(result, f, default=str)
"""


def _child(args: list[str], timeout: float) -> tuple[int | None, str, str, float]:
    """Run a child Python in the checkout: (exit code or None on timeout, stdout,
    stderr, wall seconds)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    t0 = time.perf_counter()
    try:
        res = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return None, out, f"timed out after {timeout:.0f} s", time.perf_counter() - t0
    return res.returncode, res.stdout, res.stderr, time.perf_counter() - t0


def run_module(name: str, quick: bool) -> dict:
    """Run ``benchmarks/bench_<name>.py`` in a child process; a section dict."""
    path = HERE / f"bench_{name}.py"
    if not path.exists():
        return {"name": name, "status": "skipped", "seconds": 0.0,
                "reason": f"{path.relative_to(REPO)} does not exist"}
    timeout = _TIMEOUT[quick]
    section = {"name": name, "notes": []}
    if _defines_run(path):
        with tempfile.TemporaryDirectory(prefix="carrylab-bench-") as tmp:
            out = Path(tmp) / "result.json"
            code = _CHILD_RUN.format(repo=str(REPO), name=name, quick=quick, out=str(out))
            rc, stdout, stderr, seconds = _child([sys.executable, "-c", code], timeout)
            data = json.loads(out.read_text()) if rc == 0 and out.exists() else None
        section["data"] = data
    else:
        args = [sys.executable, str(path)] + (["--quick"] if quick else [])
        rc, stdout, stderr, seconds = _child(args, timeout)
        if quick and rc == 2 and "unrecognized arguments: --quick" in stderr:
            section["notes"].append("it does not accept --quick; ran in full")
            rc, stdout, stderr, seconds = _child(args[:-1], timeout)
    section.update(seconds=seconds, stdout=stdout)
    if rc == 0:
        section["status"] = "ok"
    else:
        section["status"] = "failed"
        why = stderr.strip().splitlines()[-1] if stderr.strip() else "no message"
        section["reason"] = f"exit code {rc}: {why}" if rc is not None else stderr
        section["log"] = stderr[-4000:]
    return section


# ---------------------------------------------------------------------- report
def _is_figure(value) -> bool:
    return isinstance(value, dict) and {"median", "min", "max"} <= set(value)


def _cell(value) -> str:
    if _is_figure(value):
        return f"{value['median']:.4g} ({value['min']:.4g} - {value['max']:.4g})"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "/").replace("\n", " ")


def _generic(data, depth: int = 0) -> list[str]:
    """Markdown for a benchmark's ``run()`` result of unknown shape."""
    pad = "  " * depth
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        keys = list(dict.fromkeys(k for r in data for k in r))
        lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
        lines += ["| " + " | ".join(_cell(r.get(k, "")) for k in keys) + " |" for r in data]
        return [""] + lines + [""]
    if isinstance(data, dict) and not _is_figure(data):
        lines = []
        for key, value in data.items():
            if isinstance(value, (dict, list)) and not _is_figure(value) and value:
                lines.append(f"{pad}- {key}:")
                lines += _generic(value, depth + 1)
            else:
                lines.append(f"{pad}- {key}: {_cell(value)}")
        return lines
    return [f"{pad}- {_cell(data)}"]


def _target_lines(section: dict) -> list[str]:
    """Lines stating each target of a section and whether it was met."""
    if section.get("targets"):
        out = []
        for t in section["targets"]:
            head = f"{section['name']}: {t['design']}, {t['claim']}"
            if t["met"] is None:
                out.append(f"- {head}: NOT MEASURED ({t['reason']})")
            else:
                out.append(f"- {head}: {t['measured']}, {'met' if t['met'] else 'MISSED'}")
        return out
    words = ("target", "met", "missed")
    lines = [f"- {section['name']} (its own words): {line.strip()}"
             for line in section.get("stdout", "").splitlines()
             if any(w in line.lower().split() or w + ":" in line.lower() for w in words)]
    return lines + [f"- {section['name']}: {key}: {_cell(value)}"
                    for key, value in _target_items(section.get("data"))]


def _target_items(data, path: str = ""):
    """(key path, value) of every entry of a run() result whose key mentions a target."""
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            if "target" in str(key).lower():
                yield name, value
            else:
                yield from _target_items(value, name)
    elif isinstance(data, list):
        for k, value in enumerate(data):
            yield from _target_items(value, f"{path}[{k}]")


def render(env: dict, sections: list[dict], quick: bool, argv: list[str]) -> str:
    """The whole RESULTS.md text."""
    v = env["versions"]
    load = ", ".join(f"{x:.2f}" for x in env["load"]) if env["load"] else "unknown"
    lines = ["# carrylab benchmark results", "",
             f"Generated by `{' '.join(['python -m benchmarks'] + argv)}` "
             f"({'quick' if quick else 'full'} mode). Do not edit by hand.", "",
             "## Machine", "",
             f"- Date: {env['date']}",
             f"- CPU: {env['cpu']}, {env['cores']} cores",
             f"- Load average at start (1, 5, 15 min): {load}",
             f"- Platform: {env['platform']}",
             f"- Commit: {env['commit'] or 'unknown'}", "",
             "| tool | version |", "|---|---|"]
    lines += [f"| {k} | {val if val else 'absent'} |" for k, val in v.items()]
    lines += ["", "## Summary", "",
              "| benchmark | status | seconds | note |", "|---|---|---|---|"]
    for s in sections:
        note = s.get("reason", "") or "; ".join(s.get("notes", []))
        lines.append(f"| {s['name']} | {s['status']} | {s['seconds']:.1f} | {_cell(note)} |")
    targets = [line for s in sections if s["status"] == "ok" for line in _target_lines(s)]
    lines += ["", "## Targets", ""]
    lines += targets or ["- No target was measured in this run."]
    missed = [t for t in targets if "MISSED" in t or "missed" in t.split()]
    if missed:
        lines += ["", f"{len(missed)} target line(s) above were missed."]
    for s in sections:
        lines.append("")
        if s["status"] == "ok" and "markdown" in s:
            lines.append(s["markdown"].rstrip())
            continue
        lines += [f"## {s['name']} (bench_{s['name']}.py)", ""]
        if s["status"] != "ok":
            lines.append(f"{s['status'].upper()}: {s.get('reason', '')}")
            if s.get("log"):
                lines += ["", "```", s["log"].rstrip()[-3000:], "```"]
        if s.get("data") is not None:
            lines += _generic(s["data"])
        if s.get("stdout", "").strip():
            lines += ["", "Its own output:", "", "```", s["stdout"].rstrip(), "```"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- command line
def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown benchmark(s) {unknown or text!r}; choose a "
                                         f"comma-separated list of {', '.join(BENCHMARKS)}")
    return names


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the benchmarks, write the results file."""
    from benchmarks.bench_logic import PEERS, peer_list
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (under 3 minutes)")
    parser.add_argument("--only", type=_names, default=list(BENCHMARKS),
                        help=f"comma-separated subset of {', '.join(BENCHMARKS)}")
    parser.add_argument("--peers", type=peer_list, default=PEERS,
                        help="peers of the logic benchmark: comma-separated pyrtl, icarus, "
                             "verilator; or all (default), or none")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"results file (default {DEFAULT_OUT.relative_to(REPO)})")
    args = parser.parse_args(argv)
    env = environment()
    print(f"{env['date']}: {env['cpu']}, {env['cores']} cores; running "
          f"{', '.join(args.only)} ({'quick' if args.quick else 'full'})", flush=True)
    sections = []
    for name in BENCHMARKS:
        if name not in args.only:
            continue
        print(f"\n== {name}", flush=True)
        if name == "logic":
            section = run_logic(args.quick, args.peers)
        else:
            section = run_module(name, args.quick)
        if section["status"] != "ok":
            print(f"{name}: {section['status']}: {section.get('reason', '')}", flush=True)
        elif name != "logic":
            print(section["stdout"].rstrip(), flush=True)
        print(f"({name}: {section['seconds']:.1f} s)", flush=True)
        sections.append(section)
    text = render(env, sections, args.quick, argv)
    out = args.out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, out)
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
