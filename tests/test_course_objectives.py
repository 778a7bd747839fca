"""Every notebook says what a student will be able to do, and its exercises practise it.

The first Markdown cell of a notebook source holds, after its **Goal.** paragraph, a
paragraph ``**You will be able to:**`` and a bullet list of 3-5 objectives; each bullet
ends with the ids of the exercises that practise it, in parentheses. Every exercise of the
notebook is named by some bullet, every bullet names at least one exercise, and every
exercise named is checked in that notebook.
"""
from __future__ import annotations

import re

import pytest

from carrylab import course
from carrylab.course import guide, parse
from carrylab.exercises import exercises

SOURCES = {src.stem[:2]: src for src in course.sources()}
#: The notebooks whose objectives are written: all seven.
WITH_OBJECTIVES = ("00", "01", "02", "03", "04", "05", "06")
HEADING = guide.OBJECTIVES_HEADING


def _first_markdown(nb: str) -> str:
    src = SOURCES[nb]
    cells = parse(src.read_text(encoding="utf-8"), src.name)
    return next(c.source for c in cells if c.kind == "markdown")


def objectives(nb: str) -> list[tuple[str, list[str]]]:
    """(text, exercise ids) of each bullet under the heading (the teacher's guide reads
    them with the same parser)."""
    return guide.objectives(SOURCES[nb].stem)


def _checked(nb: str) -> set[str]:
    """Exercise ids the notebook's source checks."""
    return set(re.findall(r'check\("(\d\d\.\w+)"', SOURCES[nb].read_text(encoding="utf-8")))


@pytest.mark.parametrize("nb", WITH_OBJECTIVES)
def test_objectives_follow_the_goal(nb):
    text = _first_markdown(nb)
    assert HEADING in text.splitlines(), f"{nb}: no line {HEADING!r} in the first Markdown cell"
    assert "**Goal.**" in text and text.index("**Goal.**") < text.index(HEADING), nb


@pytest.mark.parametrize("nb", WITH_OBJECTIVES)
def test_three_to_five_objectives_each_naming_its_exercises(nb):
    bullets = objectives(nb)
    assert 3 <= len(bullets) <= 5, f"{nb}: {len(bullets)} objectives, want 3-5"
    for text, ids in bullets:
        assert ids, f"{nb}: the objective {text!r} names no exercise id in parentheses at its end"
        for ex_id in ids:
            assert ex_id.startswith(nb + "."), f"{nb}: {text!r} names {ex_id}, of another notebook"


@pytest.mark.parametrize("nb", WITH_OBJECTIVES)
def test_objectives_cover_exactly_the_notebooks_exercises(nb):
    named = {ex_id for _, ids in objectives(nb) for ex_id in ids}
    registered = set(exercises(nb + "."))
    assert named - registered == set(), f"{nb}: objectives name unknown exercises"
    assert registered - named == set(), f"{nb}: exercises no objective names"
    assert _checked(nb) == registered, f"{nb}: the notebook checks {sorted(_checked(nb))}"


@pytest.mark.parametrize("nb", sorted(SOURCES))
def test_any_objectives_written_are_well_formed(nb):
    """A notebook not yet in WITH_OBJECTIVES may already have its list: hold it to the rules."""
    if HEADING not in _first_markdown(nb).splitlines():
        pytest.skip(f"{nb} has no objectives yet")
    test_three_to_five_objectives_each_naming_its_exercises(nb)
    test_objectives_cover_exactly_the_notebooks_exercises(nb)


def test_the_course_has_thirty_exercises():
    assert len(exercises()) >= 30
