"""The course: seven notebooks, from logic gates to the CL-RNN, built from one source each.

Each notebook has one source, ``carrylab/course/src/NN_name.py`` (the cell format is in
:mod:`carrylab.course.cells`), and two versions: the exercise notebook, where each
solution is replaced by a stub marked ``# YOUR CODE HERE``, and the solutions notebook.
The sources ship with the package, so an installed carrylab can hand out its course::

    carrylab course release my-course/   # the exercise notebooks, never the solutions
    carrylab course solutions key/       # the solutions notebooks, for the teacher
    carrylab course nbgrader class/      # an nbgrader course folder (source/, config)

Modules: :mod:`~carrylab.course.cells` (the source format),
:mod:`~carrylab.course.ipynb` (cells to nbformat-4 JSON, without nbformat),
:mod:`~carrylab.course.catalog` (a folder of one version; stale notebooks),
:mod:`~carrylab.course.release` (the releases, which never lose anyone's work),
:mod:`~carrylab.course.nbgrader` (the nbgrader version: answer, test, read-only cells),
:mod:`~carrylab.course.guide` (the generated sections of the teacher's guide,
``docs/teaching.md``: ``carrylab course guide``).

>>> names()[:2]
['00_tour', '01_gates_ripple']
>>> nb = exercise_notebook("01_gates_ripple")
>>> any("exercise" in c["metadata"].get("tags", []) for c in nb["cells"])
True
"""
from __future__ import annotations

from .catalog import SOURCE_DIR, build, notebook_of, sources, stale
from .cells import SourceError, parse
from .ipynb import notebook, render
from .nbgrader import nbgrader_notebook, write_nbgrader_course
from .release import NotebookExistsError, Written, write_solutions, write_student_release

__all__ = [
    "names", "exercise_notebook", "solutions_notebook", "write_student_release",
    "write_solutions", "nbgrader_notebook", "write_nbgrader_course",
    "SOURCE_DIR", "sources", "build", "stale", "parse", "notebook", "render",
    "SourceError", "NotebookExistsError", "Written",
]


def names() -> list[str]:
    """The course's notebook names (``"00_tour"``, ``"01_gates_ripple"``, ...), in order."""
    return [path.stem for path in sources()]


def exercise_notebook(name: str) -> dict:
    """The exercise ("student") notebook ``name``: stubs instead of solutions."""
    return notebook_of(name, "exercises")


def solutions_notebook(name: str) -> dict:
    """The solutions notebook ``name``: the worked solutions, no stubs."""
    return notebook_of(name, "solutions")
