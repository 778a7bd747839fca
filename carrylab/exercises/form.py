"""Is a value answer complete and of the right form? The visible test of a graded question
whose real test is hidden.

A question whose answer is a value worked out by hand (``02.gp_carries``: three lists of
bits) would be answered by its own checker if a student could ask it again and again,
flipping one bit at a time. In a graded (nbgrader) notebook its visible test therefore
calls :func:`check_form`, which compares only the *shape* of the answer with the
exercise's reference (the same keys, the same lengths, numbers where numbers belong)
and never its values; :func:`~carrylab.exercises.grade` judges the values in the hidden
part of the test.

>>> from carrylab.exercises import check_form
>>> check_form("03.running_or", {"w_x": 2.0, "w_h": 0.5, "b": 1})
✓ 03.running_or: complete and of the right form; its values are graded when you hand it in.
>>> check_form("03.running_or", {"w_x": 2.0, "b": 1})
Traceback (most recent call last):
...
carrylab.exercises.registry.WrongAnswer: 03.running_or: not of the right form yet (the message is printed above)
"""
from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

from .judging import NotAttempted, describe
from .registry import WrongAnswer, exercise_spec

__all__ = ["check_form"]


def check_form(exercise_id: str, answer) -> None:
    """Print ✓ when ``answer`` has the form of the exercise's reference answer, else say
    what is missing and raise :class:`~carrylab.exercises.WrongAnswer` (the values are
    not looked at). Output goes to standard output only.

    Raises
    ------
    WrongAnswer
        A placeholder ``...`` is left, or the form differs (a key, a length, a type).
    UnknownExercise
        ``exercise_id`` is not a registered exercise.
    """
    ex = exercise_spec(exercise_id)
    try:
        problem = _form_problem(answer, ex.reference, "the answer")
    except NotAttempted:
        print(f"… {ex.id}: not attempted yet. Replace every `...` in the cell above with "
              f"your answer and run it again, then this cell.")
        raise WrongAnswer(f"{ex.id}: not attempted yet") from None
    if problem is not None:
        print(f"✗ {ex.id}: {problem}")
        raise WrongAnswer(f"{ex.id}: not of the right form yet (the message is printed above)")
    print(f"✓ {ex.id}: complete and of the right form; its values are graded when you "
          f"hand it in.")


def _form_problem(answer, reference, what: str) -> str | None:
    """None if ``answer`` has the form of ``reference``, else one sentence; raises
    NotAttempted for a placeholder anywhere inside."""
    if answer is ... or answer is None:
        raise NotAttempted
    if isinstance(reference, Mapping):
        if not isinstance(answer, Mapping):
            return f"{what} should be a dict, got {describe(answer)}"
        if set(answer) != set(reference):
            return (f"{what} should have exactly the keys {_keys(reference)}; "
                    f"it has {_keys(answer)}")
        for key in reference:
            if (problem := _form_problem(answer[key], reference[key], f"{what}[{key!r}]")):
                return problem
    elif isinstance(reference, (list, tuple)):
        flat = isinstance(answer, (list, tuple)) or (isinstance(answer, np.ndarray)
                                                     and answer.ndim == 1)
        if not flat:
            return f"{what} should be a list of {len(reference)} entries, got {describe(answer)}"
        if len(answer) != len(reference):
            return f"{what} should have {len(reference)} entries; it has {len(answer)}"
        for k, (item, ref) in enumerate(zip(answer, reference)):
            if (problem := _form_problem(item, ref, f"{what}[{k}]")):
                return problem
    elif isinstance(reference, numbers.Real):
        if isinstance(answer, np.ndarray) and answer.ndim == 0:
            answer = answer.item()
        if not isinstance(answer, (numbers.Real, np.number, np.bool_)):
            return f"{what} should be a number, got {describe(answer)}"
    return None


def _keys(mapping: Mapping) -> str:
    return ", ".join(repr(k) for k in sorted(mapping, key=str))
