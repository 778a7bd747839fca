"""The teacher's guide (``docs/teaching.md``): the sections written from the course itself.

The guide is hand-written prose with generated sections between marker lines::

    <!-- generated: misconceptions -->
    ...
    <!-- end generated -->

:func:`update` rewrites every generated section in place from

* the notebook sources: the learning objectives (the bullets under
  ``**You will be able to:**`` in each first Markdown cell, each ending with the ids of
  the exercises that practise it), the Goal's "About N minutes", words and cells;
* the exercise registry: titles, the typical wrong answer of every exercise
  (``Exercise.wrong``), the message its judge gives that answer, the hints in order, and
  which exercises draw each student's own numbers;
* :mod:`carrylab.demos`: the training demos' settings and the thresholds of their
  sentences;
* the measured numbers in ``benchmarks/course_timing.json``, written by
  ``benchmarks/course_timing.py`` (times, memory, spreads over seeds and runs, the
  Numba cache), each table saying when, where and under what load it was measured.

``carrylab course guide`` runs :func:`update` on ``docs/teaching.md``; with ``--check``
it changes nothing and exits 1 when a section is stale (:func:`stale`).

The student's time is a model, not a measurement (:func:`student_minutes`, in
:mod:`carrylab.course.objectives`): reading at
:data:`READING_WPM` words a minute, :data:`CELL_MINUTES` per code cell to read and run,
per exercise :data:`EXERCISE_MINUTES` plus :data:`LINE_MINUTES` per line of its worked
solution, and the machine time of the notebook.
"""
from __future__ import annotations

import json
import math
import re
import statistics
import textwrap
from pathlib import Path

from adders.errors import CarrylabValueError

from .catalog import sources
from .objectives import (
    CELL_MINUTES,
    EXERCISE_MINUTES,
    LINE_MINUTES,
    OBJECTIVE_IDS,
    OBJECTIVES_HEADING,
    READING_WPM,
    exercise_lines,
    goal_minutes,
    objectives,
    student_minutes,
    title,
)

__all__ = ["SECTIONS", "OBJECTIVES_HEADING", "READING_WPM", "CELL_MINUTES", "EXERCISE_MINUTES",
           "LINE_MINUTES", "objectives", "goal_minutes", "student_minutes", "wrong_answer",
           "md_escape", "render_section", "updated", "update", "stale", "MEASURED"]

#: The generated sections, in the order the guide has them.
SECTIONS = ("objectives", "times", "demos", "misconceptions", "deployment", "variants")
#: Where the measured numbers are kept, relative to the repository.
MEASURED = Path("benchmarks") / "course_timing.json"

_BEGIN = re.compile(r"^<!-- generated: (\w+) -->$", re.M)
_END = "<!-- end generated -->"


# ---------------------------------------------------------------------- the registry
def wrong_answer(exercise_id: str) -> tuple[str, str]:
    """``(shown, message)``: the typical wrong answer of an exercise as text (a function's
    source, a value's repr) and what its judge says about it, for the notebook's own
    numbers (no student id), as :func:`~carrylab.exercises.check` words it after ✗."""
    from carrylab.exercises import EXERCISES
    from carrylab.exercises.judging import VERDICTS
    ex = EXERCISES[exercise_id]
    shown = getattr(ex.wrong, "source", None)
    if shown is None:
        shown = f"answer = {ex.wrong!r}"
    try:
        problem = ex.judge(ex.wrong, dict(ex.defaults))
    except VERDICTS as err:
        problem = str(err)
    if problem is None:
        raise CarrylabValueError(f"{exercise_id}: the judge accepts its own typical wrong answer")
    return shown.strip(), problem


def md_escape(text: str) -> str:
    """``text`` with Markdown's inline specials escaped, so it shows as typed."""
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", text)


# ---------------------------------------------------------------------- sections
def _objectives_section(measured: dict) -> str:
    from carrylab.exercises import EXERCISES
    out = []
    for src in sources():
        name = src.stem
        out.append(f"**{name}: {title(name)}**\n")
        for text, ids in objectives(name):
            plain = OBJECTIVE_IDS.sub("", text).strip()
            named = "; ".join(f"`{i}` ({md_escape(EXERCISES[i].title)})" for i in ids)
            out.append(f"- {plain}: {named}")
        out.append("")
    return "\n".join(out).rstrip()


def _where(section: dict) -> str:
    """One sentence: when, on what and under what load a section was measured."""
    load = lambda v: ", ".join(f"{x:.2f}" for x in v)
    return (f"Measured {section['date']} on {section['cpu']} ({section['cores']} cores, "
            f"{section['memory_gib']} GiB), Python {section['python']}, NumPy "
            f"{section['numpy']}, Numba {section['numba']}, commit {section['commit']}; load "
            f"average (1, 5, 15 min) {load(section['load_before'])} before and "
            f"{load(section['load_after'])} after.")


def _spread(values: list[float], fmt: str = "{:.1f}") -> str:
    """'median (min-max)' of ``values``."""
    if not values:
        return "-"
    med, lo, hi = statistics.median(values), min(values), max(values)
    return fmt.format(med) if lo == hi else f"{fmt.format(med)} ({fmt.format(lo)}-{fmt.format(hi)})"


_NOT_MEASURED = ("Not measured yet: run `python benchmarks/course_timing.py --only {part}`, "
                 "then `carrylab course guide`.")


def _times_section(measured: dict) -> str:
    nbs = measured.get("notebooks")
    runs = (nbs or {}).get("notebooks", {})
    rows = ["| notebook | exercises | words | code cells | solution lines | model: minutes "
            "| Goal says | machine, full size: s | test suite (fast): s | one thread: s "
            "| peak memory: MiB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    total = 0.0
    for src in sources():
        name = src.stem
        mine = runs.get(name, {})
        full = [r["seconds"] for r in mine.get("full", [])]
        est = student_minutes(name, statistics.median(full) if full else 0.0)
        total += est["total"]
        peak = [r["peak_mib"] for mode in mine.values() for r in mode if r.get("peak_mib")]
        said = goal_minutes(name)
        rows.append(
            f"| {name} | {est['exercises']} | {est['words']} | {est['cells']} "
            f"| {est['solution_lines']} | {est['total']:.0f} | "
            f"{said if said is not None else 'no time given'} | {_spread(full)} | "
            f"{_spread([r['seconds'] for r in mine.get('fast', [])])} | "
            f"{_spread([r['seconds'] for r in mine.get('one-thread', [])])} | "
            f"{f'{max(peak):.0f}' if peak else '-'} |")
    text = "\n".join(rows)
    text += (f"\n\nThe model: reading at {READING_WPM} words a minute, {CELL_MINUTES:g} min per "
             f"code cell, {EXERCISE_MINUTES:g} min per exercise plus {LINE_MINUTES:g} min per "
             f"line of its worked solution, plus the machine time; the whole course comes to "
             f"{total:.0f} minutes ({total / 60:.1f} hours). A Goal sentence's time is the "
             f"model's to the nearest 5 minutes.")
    if nbs is None:
        return text + "\n\n" + _NOT_MEASURED.format(part="notebooks")
    return text + (
        f"\n\nMachine times: seconds to run the solutions notebook headless from top to "
        f"bottom, kernel start included, with Numba's cache warm; median (min-max) of "
        f"{nbs['runs']} full-size runs, one run each with `CARRYLAB_FAST=1` (the test "
        f"suite's sizes) and with one thread (`NUMBA_NUM_THREADS=1` and the BLAS thread "
        f"variables at 1). Peak memory: the largest resident size of the notebook's kernel "
        f"over all those runs. " + _where(nbs))


def _demos_section(measured: dict) -> str:
    from carrylab import demos
    out = ["| demo | model | hidden | levels, k: R | training sums | epochs | lr |",
           "|---|---|---:|---|---:|---:|---:|"]
    for label, demo in (("ELMAN (03, tour)", demos.ELMAN), ("CLRNN (04, tour)", demos.CLRNN),
                        ("CLRNN_SHORT (04, tour)", demos.CLRNN_SHORT)):
        R = demos.receptive_field(demo)
        shape = f"{demo.levels}, {demo.kernel_size}: R = {R}" if R else "-"
        out.append(f"| {label} | {demo.model} | {demo.hidden} | {shape} | "
                   f"{demo.task_args['n_train']} | {demo.epochs} | {demo.lr:g} |")
    sweep = measured.get("demos")
    if sweep is None:
        out += ["", _NOT_MEASURED.format(part="demos")]
    else:
        seeds = sweep["seeds"]
        col = lambda key: [row[key] for row in seeds]
        pct = lambda key: _spread([100 * v for v in col(key) if not math.isnan(v)], "{:.1f}%")
        adds = lambda v: v >= demos.ADDS
        earn = {
            "elman": sum(adds(r["elman_acc"]) and adds(r["elman_wide_acc"]) for r in seeds),
            "unit": sum(r["elman_carry_gap"] > 0 for r in seeds),
            "clrnn": sum(adds(r["clrnn_acc"]) for r in seeds),
            "short": sum(adds(r["short_inside"]) and r["short_outside"] <= demos.GUESS
                         for r in seeds)}
        n = len(seeds)
        out += ["", f"Over seeds {seeds[0]['seed']}-{seeds[-1]['seed']} (median (min-max); "
                f"the last column counts the seeds whose run earns the sentence the demo was "
                f"written to print):", "",
                "| printed number | over seeds | seeds earning the sentence |", "|---|---|---:|",
                f"| Elman: {demos.ELMAN.task_args['n_bits']}-bit test sums right | "
                f"{pct('elman_acc')} | {earn['elman']} of {n} (both at least {demos.ADDS:.0%}) |",
                f"| Elman: {demos.WIDE_BITS}-bit test sums right | {pct('elman_wide_acc')} | |",
                f"| Elman: correlation of the carry unit | "
                f"{_spread([abs(v) for v in col('elman_carry_corr')], '{:.3f}')} (absolute) | |",
                f"| Elman: gap between the carry unit's histograms | "
                f"{_spread(col('elman_carry_gap'), '{:.2f}')} | {earn['unit']} of {n} (gap > 0) |",
                f"| Elman: seconds to train and test | {_spread(col('elman_seconds'))} | |",
                f"| CL-RNN R = {demos.receptive_field(demos.CLRNN)}: test sums right | "
                f"{pct('clrnn_acc')} | {earn['clrnn']} of {n} (at least {demos.ADDS:.0%}) |",
                f"| CL-RNN R = {demos.receptive_field(demos.CLRNN)}: seconds | "
                f"{_spread(col('clrnn_seconds'))} | |",
                f"| CL-RNN R = {demos.receptive_field(demos.CLRNN_SHORT)}: sums whose carries "
                f"fit the window | {pct('short_inside')} | {earn['short']} of {n} (inside at "
                f"least {demos.ADDS:.0%}, beyond at most {demos.GUESS:.0%}) |",
                f"| CL-RNN R = {demos.receptive_field(demos.CLRNN_SHORT)}: sums with a longer "
                f"chain | {pct('short_outside')} | |",
                f"| CL-RNN R = {demos.receptive_field(demos.CLRNN_SHORT)}: seconds | "
                f"{_spread(col('short_seconds'))} | |",
                "", _where(sweep)]
    nbs = measured.get("notebooks")
    if nbs is None:
        return "\n".join(out + ["", _NOT_MEASURED.format(part="notebooks")])
    out += ["", f"What the notebooks print, over their {nbs['runs']} full-size runs (seed 0 "
            f"every time; median (min-max), and the largest over the smallest), and in the "
            f"one-thread run:", "",
            "| notebook | printed number | full-size runs | max / min | one thread |",
            "|---|---|---|---:|---|"]
    for name, key, label, fmt in _PRINTED:
        runs = nbs["notebooks"].get(name, {})
        values, single = ([r["printed"][key] for r in runs.get(mode, []) if key in r["printed"]]
                          for mode in ("full", "one-thread"))
        if values:
            ratio = max(values) / min(values) if min(values) > 0 else float("nan")
            out.append(f"| {name[:2]} | {label} | {_spread(values, fmt)} | {ratio:.2f} | "
                       f"{_spread(single, fmt)} |")
    return "\n".join(out + ["", *_repeats(nbs)])


def _repeats(nbs: dict) -> list[str]:
    """Sentences on what repeated over the notebooks' full-size runs: the seed-0
    accuracies, and which RNN of notebook 06 was faster at each T."""
    runs = lambda name: [r["printed"] for r in nbs["notebooks"].get(name, {}).get("full", [])]
    changed = [label for name, key, label, _ in _PRINTED if "acc" in key
               and len({r.get(key) for r in runs(name)}) > 1]
    out = [f"The accuracies were the same in all {nbs['runs']} runs." if not changed else
           f"Accuracies that changed between runs: {'; '.join(changed)}."]
    flips = []
    for T in (32, 128, 512, 2048):
        keys = (f"forward_ms_elman_T{T}", f"forward_ms_clrnn_T{T}")
        winners = {min(keys, key=r.get).split("_")[2] for r in runs("06_performance_lab")
                   if all(k in r for k in keys)}
        if len(winners) > 1:
            flips.append(f"T = {T}")
    out.append("In notebook 06 the faster of the two RNNs was the same in every run at every T."
               if not flips else f"In notebook 06 the faster of the two RNNs changed between "
               f"runs at {', '.join(flips)}.")
    return [" ".join(out)]


#: (notebook, key, label, format) of the printed numbers the demos table shows.
_PRINTED = [
    ("03_rnn_serial_adder", "elman_acc", "Elman: 8-bit test sums right (%)", "{:.1f}"),
    ("03_rnn_serial_adder", "elman_wide_acc", "Elman: 32-bit test sums right (%)", "{:.1f}"),
    ("03_rnn_serial_adder", "carry_corr", "Elman: carry unit's correlation", "{:+.3f}"),
    ("03_rnn_serial_adder", "elman_seconds", "Elman: seconds to train and test", "{:.1f}"),
    ("04_clrnn", "clrnn_L4_acc", "CL-RNN L = 4: whole-number accuracy", "{:.3f}"),
    ("04_clrnn", "clrnn_L4_seconds", "CL-RNN L = 4: seconds", "{:.1f}"),
    ("04_clrnn", "clrnn_L2_acc", "CL-RNN L = 2: whole-number accuracy", "{:.3f}"),
    ("04_clrnn", "clrnn_L2_seconds", "CL-RNN L = 2: seconds", "{:.1f}"),
    ("06_performance_lab", "evaluate_vps", "`evaluate`: vectors/s", "{:,.0f}"),
    ("06_performance_lab", "simulate_vps", "`simulate`: vectors/s", "{:,.0f}"),
    ("06_performance_lab", "simulate_speedup", "`simulate` over `evaluate`", "{:,.0f}x"),
    *[("06_performance_lab", f"forward_ms_{m}_T{T}", f"{label} forward, T = {T}: ms", "{:.2f}")
      for T in (32, 128, 512, 2048) for m, label in (("elman", "Elman"), ("clrnn", "CL-RNN"))],
    ("06_performance_lab", "loop_ms", "affine loop (T = 1024, D = 256): ms", "{:.2f}"),
    ("06_performance_lab", "scan_ms", "Brent-Kung scan (T = 1024, D = 256): ms", "{:.2f}"),
]


def _fill(text: str, indent: str) -> str:
    """``text`` wrapped at 92 columns, later lines indented, words never split."""
    return textwrap.fill(text, 92, subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False)


def _misconceptions_section(measured: dict) -> str:
    from carrylab.exercises import EXERCISES
    out = []
    for src in sources():
        out += [f"### {src.stem}: {title(src.stem)}", ""]
        for ex_id in exercise_lines(src.stem):
            ex = EXERCISES[ex_id]
            shown, message = wrong_answer(ex_id)
            said = _fill(f"✗ {ex_id}: {' '.join(message.split())}", "  ")
            hints = [_fill(f"{k}. {h}", "   ") for k, h in enumerate(ex.hints, 1)]
            out += [f"#### {ex_id}: {md_escape(ex.title)}", "", "A typical wrong answer:", "",
                    "```python", shown, "```", "", "The checker's answer, then the hints in "
                    "the order it gives them (one more with each failed check):", "",
                    "```text", said, "", *hints, "```", ""]
    return "\n".join(out).rstrip()


def _deployment_section(measured: dict) -> str:
    out = []
    cache, server, nbs = measured.get("cache"), measured.get("server"), measured.get("notebooks")
    if cache is None:
        out.append(_NOT_MEASURED.format(part="cache"))
    else:
        cold, copied, ro = cache["cold"], cache["copied"], cache["read_only"]
        out += ["| Numba cache | seconds | kernel signatures compiled |", "|---|---:|---:|",
                f"| `carrylab warmup` into an empty cache ({cold['size_mib']:.1f} MiB "
                f"written) | {cold['seconds']:.0f} | {cold['compiled']} |",
                f"| the same warm-up with that cache copied to another folder | "
                f"{copied['seconds']:.0f} | {copied['compiled']} |"]
        if ro:
            out.append(f"| its first step (\"{ro['step']}\") with that cache mounted "
                       f"read-only | {ro['seconds']:.0f} | {ro['compiled']} (writable: "
                       f"{ro['warm_compiled']}) |")
            out += ["", f"With the cache read-only, that step printed {ro['warnings']} "
                    f"RuntimeWarnings saying the cache folder cannot be used, and Numba wrote "
                    f"{ro['user_wide_files']} index files into its own per-user folder "
                    f"(`~/.cache/numba`) instead."]
        else:
            out += ["", "The read-only case was not measured (it needs root and `unshare`)."]
        out += ["", _where(cache)]
    if nbs is not None and server is not None:
        peak = max(r["peak_mib"] for runs in nbs["notebooks"].values() for mode in runs.values()
                   for r in mode if r.get("peak_mib"))
        out += ["", f"Memory per student: an idle JupyterLab server held "
                f"{server['idle_rss_mib']:.0f} MiB, and the largest notebook kernel peaked at "
                f"{peak:.0f} MiB, so one student with one notebook running needs about "
                f"{server['idle_rss_mib'] + peak:.0f} MiB. " + _where(server)]
    elif server is None:
        out += ["", _NOT_MEASURED.format(part="server")]
    return "\n".join(out).strip()


def _variants_section(measured: dict) -> str:
    from carrylab.exercises import EXERCISES, variant
    rows = ["| exercise | the notebook's numbers | `set_student(\"ada\")` | "
            "`set_student(\"grace\")` |", "|---|---|---|---|"]
    fmt = lambda d: ", ".join(f"{k} = {v}" for k, v in sorted(d.items()))
    for ex_id in sorted(EXERCISES):
        ex = EXERCISES[ex_id]
        if ex.draw is not None:
            rows.append(f"| `{ex_id}` | {fmt(ex.defaults)} | {fmt(variant(ex_id, 'ada'))} | "
                        f"{fmt(variant(ex_id, 'grace'))} |")
    if len(rows) == 2:
        return "No exercise draws its numbers from the student id yet."
    return "\n".join(rows)


_RENDER = {"objectives": _objectives_section, "times": _times_section,
           "demos": _demos_section, "misconceptions": _misconceptions_section,
           "deployment": _deployment_section, "variants": _variants_section}


def render_section(name: str, measured: dict) -> str:
    """The text of generated section ``name`` (one of :data:`SECTIONS`)."""
    if name not in _RENDER:
        raise CarrylabValueError(f"unknown guide section {name!r}; known: {', '.join(SECTIONS)}")
    return _RENDER[name](measured)


# ---------------------------------------------------------------------- the file
def _load(measured_path: Path | str | None) -> dict:
    if measured_path is None or not Path(measured_path).is_file():
        return {}
    return json.loads(Path(measured_path).read_text(encoding="utf-8"))


def _spans(text: str) -> list[tuple[str, int, int]]:
    """(section, start of its body, end of its body) for every generated section."""
    spans = []
    for m in _BEGIN.finditer(text):
        end = text.find(_END, m.end())
        if end < 0:
            raise CarrylabValueError(f"the generated section {m.group(1)!r} has no "
                                     f"{_END!r} line after it")
        spans.append((m.group(1), m.end() + 1, end))
    names = [s[0] for s in spans]
    missing = [s for s in SECTIONS if s not in names]
    unknown = [s for s in names if s not in SECTIONS]
    if missing or unknown or len(set(names)) != len(names):
        raise CarrylabValueError(
            f"the guide's generated sections are {names}; it needs each of "
            f"{list(SECTIONS)} exactly once (missing: {missing or 'none'}, unknown: "
            f"{unknown or 'none'})")
    return spans


def updated(text: str, measured: dict) -> str:
    """``text`` with every generated section rewritten."""
    out, pos = [], 0
    for name, start, end in _spans(text):
        out += [text[pos:start], render_section(name, measured), "\n"]
        pos = end
    return "".join(out) + text[pos:]


def _paths(guide: Path | str, measured: Path | str | None) -> tuple[Path, Path]:
    guide = Path(guide)
    if not guide.is_file():
        raise CarrylabValueError(f"guide: no file {guide}; run from the carrylab checkout or "
                                 f"give the path of docs/teaching.md")
    return guide, Path(measured) if measured is not None else guide.parent.parent / MEASURED


def stale(guide: Path | str, measured: Path | str | None = None) -> list[str]:
    """Names of the generated sections of ``guide`` that differ from what they would be
    now (``measured``: the numbers file, by default ``benchmarks/course_timing.json``
    beside the guide's ``docs/`` folder)."""
    guide, measured = _paths(guide, measured)
    text = guide.read_text(encoding="utf-8")
    data = _load(measured)
    return [name for name, start, end in _spans(text)
            if text[start:end] != render_section(name, data) + "\n"]


def update(guide: Path | str, measured: Path | str | None = None) -> list[str]:
    """Rewrite the generated sections of ``guide`` in place; return the names of those
    that changed."""
    changed = stale(guide, measured)
    guide, measured = _paths(guide, measured)
    if changed:
        text = guide.read_text(encoding="utf-8")
        guide.write_text(updated(text, _load(measured)), encoding="utf-8")
    return changed
