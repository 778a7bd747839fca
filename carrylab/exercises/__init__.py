"""Exercises that check themselves: the checker behind the course notebooks.

Every exercise is a small spec in :data:`EXERCISES`, keyed by an id such as
``"01.full_adder"`` (notebook number, dot, name); the judges of notebook NN live in
``carrylab/exercises/nbNN.py``, the tools they share in :mod:`.judging`. A notebook
defines the function an exercise asks for in one cell and checks it in the next, e.g.
``check("01.full_adder", full_adder)``, which prints ``✓ 01.full_adder: all 8 input
combinations give the right (s, cout).`` and returns True. Before that:

    >>> from carrylab.exercises import check
    >>> check("01.full_adder", ...)          # the notebook's placeholder, still there
    … 01.full_adder: not attempted yet. Replace the `...` in the cell above with your answer and run it again, then this cell.
    False

:func:`check` prints ✓ or what went in, what came back, what was expected and why,
with a hint that grows more specific with each failed try; it never prints the answer
and never raises for a wrong answer. Where the student is asked to build something,
an answer that calls carrylab's own version (or uses operators the exercise rules out)
is refused with the reason, and so is the checker's own example function of an
exercise (``EXERCISES[id].reference``: it ships with carrylab; :func:`copy_of` gives a
fresh copy, as tests and the teacher's guide use). An answer still holding the placeholder ``...`` (or a
function that raises ``NotImplementedError``) is "not attempted yet". A function that
runs longer than :data:`TIME_LIMIT` seconds is stopped and reported. An unknown id
raises :class:`UnknownExercise` (a KeyError) naming the known ids. :func:`variant`
gives a student's own numbers for exercises that have variants (:func:`set_student`).

For graded notebooks (nbgrader), :func:`grade` judges like :func:`check` but raises
:class:`WrongAnswer` (an AssertionError) for a wrong or missing answer and writes only
to standard output; :func:`check_form` looks only at the form of a value answer whose
real test is hidden. Every check and grade is recorded: :func:`progress`, and one JSON
line per attempt in the file named by ``CARRYLAB_PROGRESS`` (:mod:`.progress`).
"""
from . import nb00, nb01, nb02, nb03, nb04, nb05, nb06  # noqa: F401  (they register)
from .form import check_form
from .judging import TIME_LIMIT, NotAttempted, copy_of
from .progress import PROGRESS_ENV, progress
from .registry import (
                       EXERCISES,
                       Exercise,
                       UnknownExercise,
                       WrongAnswer,
                       check,
                       exercises,
                       grade,
                       hint,
                       reset_attempts,
                       set_student,
                       variant,
)

__all__ = ["Exercise", "EXERCISES", "check", "hint", "exercises", "variant", "set_student",
           "reset_attempts", "NotAttempted", "TIME_LIMIT", "UnknownExercise",
           "grade", "WrongAnswer", "check_form", "progress", "PROGRESS_ENV", "copy_of"]
