"""What the course's notebook sources say about themselves: the learning objectives of
each notebook, its Goal's minutes, its exercises' worked solutions, and the student's time
model (:func:`student_minutes`) built from them.

Examples
--------
>>> [ids for _, ids in objectives("00_tour")][:2]
[['00.to_bits'], ['00.ripple_carries']]
>>> goal_minutes("01_gates_ripple") > 0
True
"""
from __future__ import annotations

import re
from pathlib import Path

from adders.errors import CarrylabValueError

from .catalog import SOURCE_DIR
from .cells import parse

__all__ = ["OBJECTIVES_HEADING", "READING_WPM", "CELL_MINUTES", "EXERCISE_MINUTES",
           "LINE_MINUTES", "OBJECTIVE_IDS", "objectives", "goal_minutes", "title",
           "exercise_lines", "student_minutes"]

#: The line that starts a notebook's list of learning objectives.
OBJECTIVES_HEADING = "**You will be able to:**"
#: Words a minute for the notebooks' prose: technical text with formulas, read to be used.
READING_WPM = 120
#: Minutes per code cell (not an exercise): read the code, run it, look at what it shows.
CELL_MINUTES = 0.5
#: Minutes per exercise to read the question and think, before writing anything.
EXERCISE_MINUTES = 3.0
#: Minutes per line of an exercise's worked solution: write it, run it, fix it.
LINE_MINUTES = 0.5
#: The ids of the exercises that practise an objective, at the end of its bullet.
OBJECTIVE_IDS = re.compile(r"\((\d\d\.\w+(?:,\s*\d\d\.\w+)*)\)$")
_CHECK = re.compile(r'check\("(\d\d\.\w+)"')


def _cells(name: str):
    path = Path(SOURCE_DIR) / f"{name}.py"
    return parse(path.read_text(encoding="utf-8"), path.name)


def _first_markdown(name: str) -> str:
    return next(c.source for c in _cells(name) if c.kind == "markdown")


def objectives(name: str) -> list[tuple[str, list[str]]]:
    """``(text, exercise ids)`` of each learning objective of notebook ``name`` (the
    bullets after :data:`OBJECTIVES_HEADING`, wrapped lines joined; ids from the
    parentheses that end a bullet, [] if none)."""
    lines = _first_markdown(name).splitlines()
    if OBJECTIVES_HEADING not in lines:
        return []
    bullets: list[str] = []
    for line in lines[lines.index(OBJECTIVES_HEADING) + 1:]:
        if line.startswith("- "):
            bullets.append(line[2:].strip())
        elif line.startswith("  ") and bullets and line.strip():
            bullets[-1] += " " + line.strip()      # a bullet wrapped onto the next line
        elif line.strip() or bullets:              # the blank line after the list ends it
            break
    out = []
    for text in bullets:
        m = OBJECTIVE_IDS.search(text)
        out.append((text, [i.strip() for i in m.group(1).split(",")] if m else []))
    return out


def goal_minutes(name: str) -> int | None:
    """The N of "About N minutes." in the Goal paragraph of notebook ``name`` (None if it
    says none)."""
    goal = _first_markdown(name).split("\n\n")
    para = next((p for p in goal if p.startswith("**Goal.**")), "")
    m = re.search(r"About (\d+) minutes\.", " ".join(para.split()))
    return int(m.group(1)) if m else None


def title(name: str) -> str:
    """The title of notebook ``name``: its first heading, after the number."""
    first = _first_markdown(name).splitlines()[0]
    return first.lstrip("# ").split("·", 1)[-1].strip()


def exercise_lines(name: str) -> dict[str, int]:
    """Exercise id -> lines of its worked solution (no blank or comment-only lines)."""
    cells = _cells(name)
    found = {}
    for i, cell in enumerate(cells):
        if "solution" not in cell.tags:
            continue
        after = " ".join(c.source for c in cells[i + 1:i + 3])
        m = _CHECK.search(after)
        if m is None:
            raise CarrylabValueError(f"{name}: the solution at line {cell.line} is not "
                                     f"followed by a check(...) cell")
        found[m.group(1)] = sum(1 for line in cell.source.splitlines()
                                if line.strip() and not line.strip().startswith("#"))
    return found


def student_minutes(name: str, machine_seconds: float = 0.0) -> dict:
    """The model's minutes for a student to work through notebook ``name``.

    ``{"words", "cells", "exercises", "solution_lines", "reading", "running",
    "exercising", "machine", "total"}``: reading = words / :data:`READING_WPM`; running
    = :data:`CELL_MINUTES` per code cell that is not an exercise; exercising =
    :data:`EXERCISE_MINUTES` per exercise + :data:`LINE_MINUTES` per line of the worked
    solutions; machine = ``machine_seconds`` / 60.
    """
    cells = _cells(name)
    words = sum(len(c.source.split()) for c in cells if c.kind == "markdown")
    code = sum(1 for c in cells if c.kind == "code" and not set(c.tags) & {"solution", "stub"})
    lines = exercise_lines(name)
    parts = {"reading": words / READING_WPM, "running": code * CELL_MINUTES,
             "exercising": len(lines) * EXERCISE_MINUTES + sum(lines.values()) * LINE_MINUTES,
             "machine": machine_seconds / 60}
    return {"words": words, "cells": code, "exercises": len(lines),
            "solution_lines": sum(lines.values()), **parts, "total": sum(parts.values())}


def _five(minutes: float) -> int:
    """Minutes to the nearest 5 (a Goal sentence's precision)."""
    return int(5 * round(minutes / 5))
