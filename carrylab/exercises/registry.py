"""The exercises and the two calls a notebook makes: :func:`check` and :func:`hint`.

An :class:`Exercise` is a small spec: how to judge an answer, hints from gentle to
specific (none gives the answer away), a right and a typical wrong answer, and the
library shortcuts it must refuse (the tests submit each). Some exercises come in
variants: :func:`variant` draws the numbers of the question from a student id (set
with :func:`set_student`, or the ``CARRYLAB_STUDENT`` environment variable), so two
students do not share answers; without an id everyone gets the notebook's numbers.

:func:`check` prints ✓, or what went in, what came back, what was expected and why,
plus the next hint; a wrong answer never raises and never shows the answer itself.
The n-th failed check of an exercise shows its n-th hint (the last one repeats).
:func:`grade` is the same for a graded (nbgrader) test cell: it prints only to standard
output and raises :class:`WrongAnswer` instead of returning False. Both record each
attempt (:mod:`.progress`).
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

from adders.errors import CarrylabError, CarrylabValueError

from .judging import VERDICTS, NotAttempted
from .progress import record

__all__ = ["Exercise", "EXERCISES", "register", "check", "grade", "hint", "exercises", "variant",
           "set_student", "reset_attempts", "UnknownExercise", "WrongAnswer", "exercise_spec"]


class UnknownExercise(CarrylabError, KeyError):
    """An exercise id that is not registered; the message lists the known ids."""

    def __str__(self) -> str:                    # a KeyError would print its repr
        return str(self.args[0])


@dataclass(frozen=True)
class Exercise:
    """One exercise.

    ``judge(answer, params)`` returns None when the answer is right, else a sentence
    (or raises :class:`~carrylab.exercises.judging.Problem` /
    :class:`~carrylab.exercises.judging.NotAttempted`); ``params`` is the variant's
    dict (``{}`` for exercises without variants). ``hints`` go from gentle to specific.
    ``reference`` and ``wrong`` are example answers for ``params = defaults``;
    ``shortcuts`` are zero-argument functions returning library answers the judge must
    refuse (the tests submit them). ``draw(rng)`` returns a variant's params from a
    NumPy generator; ``defaults`` are the notebook's own numbers.
    """

    id: str
    title: str
    judge: Callable[[Any, dict], str | None]
    success: str
    hints: tuple[str, ...]
    reference: Any
    wrong: Any
    shortcuts: tuple[Callable[[], Any], ...] = ()
    defaults: dict = field(default_factory=dict)
    draw: Callable | None = None

    def __post_init__(self):
        if not self.hints:
            raise CarrylabValueError(f"exercise {self.id}: give at least one hint")


EXERCISES: dict[str, Exercise] = {}
_attempts: dict[str, int] = {}        # failed checks per exercise, this session
_hints_shown: dict[str, int] = {}
_student: list[str | None] = [None]


def register(ex: Exercise) -> Exercise:
    """Add ``ex`` to :data:`EXERCISES` (an id registered twice is refused); return it."""
    if ex.id in EXERCISES:
        raise CarrylabValueError(f"exercise id {ex.id!r} registered twice")
    EXERCISES[ex.id] = ex
    return ex


def exercises(prefix: str = "") -> list[str]:
    """Ids of the registered exercises, optionally only those starting with ``prefix``."""
    return sorted(k for k in EXERCISES if k.startswith(prefix))


def exercise_spec(exercise_id: str) -> Exercise:
    """The registered exercise ``exercise_id``; UnknownExercise names the known ids."""
    if not isinstance(exercise_id, str) or exercise_id not in EXERCISES:
        known = ", ".join(sorted(EXERCISES))
        raise UnknownExercise(f"unknown exercise id {exercise_id!r}; known ids: {known}")
    return EXERCISES[exercise_id]


def set_student(student_id: str | None) -> None:
    """Draw every exercise's variant from ``student_id`` from now on (None: the
    notebook's own numbers, unless ``CARRYLAB_STUDENT`` is set)."""
    if student_id is not None and (not isinstance(student_id, str) or not student_id.strip()):
        raise CarrylabValueError(f"student_id must be a non-empty string or None, got {student_id!r}")
    _student[0] = student_id


def _current_student(student: str | None) -> str | None:
    return student or _student[0] or os.environ.get("CARRYLAB_STUDENT") or None


def variant(exercise_id: str, student: str | None = None) -> dict:
    """The numbers of the question for this student (a copy; the notebook's numbers
    when no student id is set or the exercise has no variants)."""
    ex = exercise_spec(exercise_id)
    who = _current_student(student)
    if ex.draw is None or who is None:
        return dict(ex.defaults)
    import numpy as np
    seed = int.from_bytes(hashlib.sha256(f"{who}|{ex.id}".encode()).digest()[:8], "little")
    return dict(ex.draw(np.random.default_rng(seed)))


def hint(exercise_id: str) -> str:
    """Print and return the next hint of an exercise (gentle first)."""
    ex = exercise_spec(exercise_id)
    level = min(_hints_shown.get(ex.id, 0), len(ex.hints) - 1)
    _hints_shown[ex.id] = level + 1
    text = ex.hints[level]
    more = f" ({level + 1} of {len(ex.hints)})" if len(ex.hints) > 1 else ""
    print(f"Hint{more} for {exercise_id}: {text}")
    return text


def check(exercise_id: str, answer, student: str | None = None) -> bool:
    """Judge ``answer`` to exercise ``exercise_id``; print ✓ or what is wrong; return a bool.

    Raises
    ------
    UnknownExercise
        ``exercise_id`` is not a registered exercise (a KeyError; the message lists them).
    """
    passed, message = _judged(exercise_id, answer, student)
    print(message)
    return passed


def grade(exercise_id: str, answer, student: str | None = None) -> None:
    """:func:`check` for a graded test cell (nbgrader): the same judge and message, but
    a wrong or missing answer raises :class:`WrongAnswer`, so the cell fails.

    Everything goes to standard output: the message, and whatever the judge or the
    student's code writes to ``sys.stderr`` while being judged (warnings included),
    since nbgrader scores any test cell with output on standard error 0.

    Raises
    ------
    WrongAnswer
        The answer is wrong or not attempted yet (an AssertionError); the message printed
        before it says what went in, what came back and what was expected.
    UnknownExercise
        ``exercise_id`` is not a registered exercise.
    """
    with contextlib.redirect_stderr(sys.stdout):
        passed, message = _judged(exercise_id, answer, student)
        print(message)
    if not passed:
        why = "not attempted yet" if message.startswith("…") else "not right yet"
        raise WrongAnswer(f"{exercise_id}: {why} (the checker's message is printed above)")


class WrongAnswer(CarrylabError, AssertionError):
    """Raised by :func:`grade` for a wrong or missing answer: fails a graded test cell."""


def _judged(exercise_id: str, answer, student: str | None) -> tuple[bool, str]:
    """Judge an answer, count a failed try, record the attempt; (passed, message)."""
    ex = exercise_spec(exercise_id)
    params = variant(exercise_id, student)
    try:
        if answer is ... or answer is None:
            raise NotAttempted
        problem = _checkers_own(answer) or ex.judge(answer, params)
    except NotAttempted:
        record(ex.id, False)
        return False, (f"… {ex.id}: not attempted yet. Replace the `...` in the cell above "
                       f"with your answer and run it again, then this cell.")
    except VERDICTS as err:
        problem = str(err)
    except Exception as err:                     # an answer no judge foresaw: still one line
        problem = f"checking your answer raised {type(err).__name__}: {str(err)[:200]}"
    record(ex.id, problem is None)
    if problem is None:
        return True, f"✓ {ex.id}: {ex.success}"
    tries = _attempts.get(ex.id, 0)
    _attempts[ex.id] = tries + 1
    level = min(max(tries, _hints_shown.get(ex.id, 0)), len(ex.hints) - 1)
    _hints_shown[ex.id] = max(_hints_shown.get(ex.id, 0), level + 1)
    return False, f"✗ {ex.id}: {problem}\n  Hint: {ex.hints[level]}"


def _checkers_own(answer) -> str | None:
    """A sentence if ``answer`` is one of the checker's own example functions (the
    reference or wrong answer of some exercise, or a function sharing its code), else
    None: those ship with carrylab, so they are not a student's work."""
    if not callable(answer):                    # a value: typing the right number is the work
        return None
    code = getattr(answer, "__code__", None)
    for other in EXERCISES.values():
        for example in (other.reference, other.wrong):
            if answer is example or (code is not None and code is getattr(example, "__code__", None)):
                return (f"that is the checker's own example answer to {other.id} (from "
                        f"carrylab.exercises); the exercise asks for yours")
    return None


def reset_attempts() -> None:
    """Forget failed checks and hints shown (the hints start gentle again)."""
    _attempts.clear()
    _hints_shown.clear()
