"""The teacher's guide (docs/teaching.md): up to date, complete, and true to what it cites.

The generated sections must equal what ``carrylab course guide`` writes now (from the
sources, the checker and benchmarks/course_timing.json); the misconceptions must match
what :func:`carrylab.exercises.check` itself prints; every command the guide shows must
parse; every exercise and challenge it names must exist; the notebooks' Goal minutes must
agree with the guide's model; and the two Numba cache behaviours the deployment advice
rests on (a read-only cache is not used, a copied one is) are checked in fresh
interpreters. No measurement runs here: the measured numbers are only read.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from carrylab import cli, course
from carrylab.course import guide
from carrylab.exercises import EXERCISES, check, copy_of, reset_attempts, set_student

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "teaching.md"
MEASURED = ROOT / "benchmarks" / "course_timing.json"
TEXT = GUIDE.read_text(encoding="utf-8")
DATA = json.loads(MEASURED.read_text(encoding="utf-8"))
NAMES = course.names()


def _section(name: str) -> str:
    start = TEXT.index(f"<!-- generated: {name} -->")
    return TEXT[start:TEXT.index("<!-- end generated -->", start)]


# ------------------------------------------------------------------ up to date, all parts
def test_every_generated_section_is_up_to_date():
    assert guide.stale(GUIDE, MEASURED) == [], "run: carrylab course guide"


def test_the_check_command_reports_a_stale_section_and_the_update_repairs_it(tmp_path, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    copy = docs / "teaching.md"
    copy.write_text(TEXT.replace("<!-- generated: variants -->\n",
                                 "<!-- generated: variants -->\nan old line\n"), encoding="utf-8")
    args = ["course", "guide", "--guide", str(copy), "--measured", str(MEASURED)]
    assert cli.main(args + ["--check"]) == 1
    assert "'variants'" in capsys.readouterr().out
    assert cli.main(args) == 0 and copy.read_text(encoding="utf-8") == TEXT
    assert cli.main(args + ["--check"]) == 0


def test_a_guide_without_a_section_is_refused(tmp_path, capsys):
    copy = tmp_path / "teaching.md"
    copy.write_text(TEXT.replace("<!-- generated: demos -->", "<!-- demos -->"), encoding="utf-8")
    assert cli.main(["course", "guide", "--check", "--guide", str(copy)]) == 2
    assert "missing: ['demos']" in capsys.readouterr().err


def test_the_guide_has_every_part():
    headings = re.findall(r"^## (.+)$", TEXT, re.M)
    for words in ("what each notebook teaches", "six-week plan", "how long it takes",
                  "what the demos print", "typical mistakes", "deploying for a class"):
        assert any(words in h.lower() for h in headings), f"no part {words!r} in {headings}"
    deploy = TEXT[TEXT.index("## 6."):]
    for words in ("JupyterHub", "pip install", "carrylab course release", "NUMBA_CACHE_DIR",
                  "carrylab warmup", "BLAS_THREADS", "NUMBA_NUM_THREADS", "Memory",
                  "set_student", "CARRYLAB_STUDENT"):
        assert words in deploy, words
    for name in NAMES:                                     # objectives and times per notebook
        assert f"**{name}:" in _section("objectives") and f"| {name} |" in _section("times")
    assert "Measured" in _section("times") and "Measured" in _section("deployment")


def test_every_measured_section_says_where_and_when():
    for name in ("notebooks", "demos", "cache", "server"):
        section = DATA[name]
        for key in ("date", "cpu", "cores", "load_before", "load_after", "commit"):
            assert section.get(key) not in (None, ""), (name, key)
    assert len(DATA["demos"]["seeds"]) == 10
    full = {name: runs["full"] for name, runs in DATA["notebooks"]["notebooks"].items()}
    assert set(full) == set(NAMES) and all(len(r) == DATA["notebooks"]["runs"] for r in full.values())
    assert not any(r["checks_failed"] for runs in DATA["notebooks"]["notebooks"].values()
                   for mode in runs.values() for r in mode)
    for name, key, _, _ in guide._PRINTED:                 # every printed number was found
        assert all(key in run["printed"] for run in full[name]), (name, key)


# ------------------------------------------------------------------ misconceptions
def _blocks(section: str) -> dict[str, str]:
    """Exercise id -> the text block under its heading in the misconceptions section."""
    found = {}
    for m in re.finditer(r"^#### (\d\d\.\w+):.*?```text\n(.*?)```", section, re.M | re.S):
        found[m.group(1)] = m.group(2)
    return found


def test_misconceptions_show_what_check_prints_and_every_hint_in_order(monkeypatch):
    monkeypatch.delenv("CARRYLAB_STUDENT", raising=False)
    monkeypatch.delenv("CARRYLAB_PROGRESS", raising=False)
    set_student(None)
    blocks = _blocks(_section("misconceptions"))
    assert set(blocks) == set(EXERCISES)
    flat = lambda s: " ".join(s.split())
    for ex_id, ex in EXERCISES.items():
        reset_attempts()
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert check(ex_id, copy_of(ex.wrong)) is False
        said = out.getvalue().split("\n  Hint: ")[0]
        block = flat(blocks[ex_id])
        assert block.startswith(flat(said)), ex_id
        positions = [block.index(flat(f"{k}. {h}")) for k, h in enumerate(ex.hints, 1)]
        assert positions == sorted(positions), ex_id
    reset_attempts()


def test_wrong_answers_are_shown_as_written():
    section = _section("misconceptions")
    for ex_id, ex in EXERCISES.items():
        shown = getattr(ex.wrong, "source", None) or f"answer = {ex.wrong!r}"
        assert shown.strip() in section, ex_id


# ------------------------------------------------------------------ the plan and the prose
def _commands() -> list[str]:
    """Every `carrylab ...` the guide shows, inline or in a shell block."""
    fenced = re.findall(r"```bash\n(.*?)```", TEXT, re.S)
    prose = re.sub(r"```.*?```", "", TEXT, flags=re.S)
    found = [" ".join(c.split()) for c in re.findall(r"`(carrylab [^`]+)`", prose)]
    for block in fenced:
        found += [line.split("#")[0].strip() for line in block.splitlines()
                  if line.startswith("carrylab ")]
    return found


def test_every_command_in_the_guide_parses():
    commands = _commands()
    assert len(commands) >= 20
    parser = cli.build_parser()
    for command in commands:
        argv = shlex.split(command)[1:]
        if argv[-1] == "...":                    # "carrylab ..." in the prose
            continue
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            try:
                parser.parse_args(argv)
            except SystemExit:
                pytest.fail(f"`{command}` does not parse: {err.getvalue().strip()}")


def test_the_plan_has_six_weeks_using_every_notebook():
    plan = TEXT[TEXT.index("## 2."):TEXT.index("## 3.")]
    rows = [line for line in plan.splitlines() if re.match(r"^\| \d \|", line)]
    assert [int(r.split("|")[1]) for r in rows] == [1, 2, 3, 4, 5, 6]
    for name in NAMES:
        assert f"notebook {name[:2]}" in plan.lower() or f"notebook {int(name[:2])}" in plan, name
    assert "carrylab tour" in plan


def test_every_exercise_and_challenge_named_exists():
    named = set(re.findall(r"\b(\d\d\.[a-z]\w*)\b", TEXT))
    assert named <= set(EXERCISES), named - set(EXERCISES)
    from carrylab.challenges import CHALLENGES
    prose = re.sub(r"<!-- generated.*?<!-- end generated -->", "", TEXT, flags=re.S)
    for challenge in re.findall(r"challenge `([\w-]+)`", prose, flags=re.I):
        assert challenge in CHALLENGES, challenge
    if "editor" in prose:
        assert "prefix_editor" in (course.SOURCE_DIR / "02_lookahead_prefix.py").read_text()


def test_goal_minutes_agree_with_the_model_and_the_readme():
    machine = {name: runs["full"] for name, runs in DATA["notebooks"]["notebooks"].items()}
    rounded = []
    for name in NAMES:
        seconds = sorted(r["seconds"] for r in machine[name])[len(machine[name]) // 2]
        model = guide.student_minutes(name, seconds)["total"]
        said = guide.goal_minutes(name)
        if said is not None:
            assert abs(said - model) <= 5, f"{name}: the Goal says {said} min, the model {model:.0f}"
        rounded.append(said if said is not None else 5 * round(model / 5))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    low, high = (int(v) for v in re.search(r"Seven notebooks, each (\d+)–(\d+) minutes",
                                           readme).groups())
    assert (low, high) == (min(rounded), max(rounded))
    assert "docs/teaching.md" in readme


def test_the_model_counts_what_the_sources_hold():
    est = guide.student_minutes("00_tour", 60)
    assert est["exercises"] == len([e for e in EXERCISES if e.startswith("00.")])
    assert est["machine"] == 1.0
    parts = est["reading"] + est["running"] + est["exercising"] + est["machine"]
    assert abs(est["total"] - parts) < 1e-9
    assert est["exercising"] == (guide.EXERCISE_MINUTES * est["exercises"]
                                 + guide.LINE_MINUTES * est["solution_lines"])


def test_the_facts_the_prose_cites():
    from carrylab.exercises import TIME_LIMIT
    from rnn.train import BLAS_THREADS
    assert f"longer than {TIME_LIMIT:g} seconds" in TEXT
    assert BLAS_THREADS == 1 and "`rnn.train.BLAS_THREADS` = 1" in TEXT
    tour = (ROOT / "carrylab" / "tour.py").read_text()
    assert all(name in tour for name in ("ELMAN", "CLRNN", "CLRNN_SHORT"))  # "the same three"
    analogy = tour[tour.index("def chapter_analogy"):]                 # week 6's lecture
    assert all(f"{name}(" in analogy for name in ("carry_scan", "affine_scan", "clrnn_add"))
    assert "prints its settings, one line per epoch" in TEXT
    assert "log=print" in (course.SOURCE_DIR / "03_rnn_serial_adder.py").read_text()
    assert "log=print" not in (course.SOURCE_DIR / "04_clrnn.py").read_text()
    from carrylab.course import nbgrader  # "leave CARRYLAB_STUDENT unset there"
    assert "CARRYLAB_STUDENT" in nbgrader.__doc__ and "the `teach` extra" in TEXT
    assert "\nteach = [" in (ROOT / "pyproject.toml").read_text()
    # "the machine's seconds are small, even with one thread"
    for name, runs in DATA["notebooks"]["notebooks"].items():
        slowest = max(r["seconds"] for mode in runs.values() for r in mode)
        assert slowest / 60 < 0.1 * guide.student_minutes(name)["total"], name


def test_numba_threads_default_to_the_cores_the_machine_reports():
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", "import multiprocessing, numba; "
                          "print(numba.config.NUMBA_NUM_THREADS, multiprocessing.cpu_count())"],
                         capture_output=True, text=True, env=env, timeout=120)
    threads, cores = out.stdout.split()
    assert threads == cores


# ------------------------------------------------------------------ Numba's cache
_PROBE = """
import json, warnings
warnings.simplefilter("always")
import numpy as np
from carrylab.warmup import compiled_kernels
with warnings.catch_warnings(record=True) as caught, compiled_kernels() as names:
    from adders.bitslice import _schedule
    from rnn.kernels.elementwise import _mul
    _schedule(10, 4, 2)
    _mul(np.ones(3), np.ones(3), np.empty(3))
print(json.dumps({"compiled": sorted(set(names)),
                  "warned": sum("cannot use the Numba cache folder" in str(w.message)
                                for w in caught)}))
"""


def _probe(cache: Path, home: Path, wrap=()) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CACHE_HOME", "CARRYLAB_FAST")}
    env.update(NUMBA_CACHE_DIR=str(cache), HOME=str(home),
               PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]))
    out = subprocess.run([*wrap, sys.executable, "-c", _PROBE], capture_output=True, text=True,
                         env=env, cwd=home, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _read_only(paths: list[Path]) -> list[str] | None:
    """A prefix running a command with ``paths`` mounted read-only, or None."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return None
    mounts = " && ".join(f"mount --bind {p} {p} && mount -o remount,ro,bind {p}" for p in paths)
    wrap = ["unshare", "-m", "sh", "-c", f'{mounts} && exec "$@"', "sh"]
    return wrap if subprocess.run([*wrap, "true"], capture_output=True).returncode == 0 else None


@pytest.mark.slow
def test_a_copied_cache_is_used_and_a_read_only_one_is_not(tmp_path):
    """The deployment advice: copy a warmed cache to each student; do not share a
    read-only one (Numba needs to write where it caches, and falls back to compiling)."""
    import adders
    import carrylab
    import rnn
    import viz
    home, filled, copied = tmp_path / "home", tmp_path / "filled", tmp_path / "copied"
    home.mkdir()
    first = _probe(filled, home)
    assert len(first["compiled"]) == 2 and first["warned"] == 0
    shutil.copytree(filled, copied)
    assert _probe(copied, home)["compiled"] == []                  # a copy compiles nothing
    # read-only: the cache, and the installed sources (so nothing lands beside them)
    packages = [Path(m.__file__).parent for m in (adders, rnn, viz, carrylab)]
    wrap = _read_only([filled, *packages])
    if wrap is None:
        pytest.skip("a read-only mount needs root and unshare (the copy case was checked)")
    before = sorted(p.relative_to(filled) for p in filled.rglob("*"))
    again = _probe(filled, home, wrap)
    assert again["compiled"] == first["compiled"], "a read-only cache was used"
    assert again["warned"] >= 1
    assert sorted(p.relative_to(filled) for p in filled.rglob("*")) == before
    assert list((home / ".cache" / "numba").rglob("*.nbi")), "Numba's own per-user folder"
