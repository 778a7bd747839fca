"""The course as an nbgrader course folder: answer cells, locked graded tests, hidden tests.

One assignment per notebook, named like it::

    DIR/nbgrader_config.py                       course id, stub, time limit per cell
    DIR/source/01_gates_ripple/01_gates_ripple.ipynb
    ...

Each source notebook is built from the course source (:mod:`carrylab.course.cells`)
with nbgrader's cell metadata, schema version 3 (``{"schema_version": 3, "grade",
"solution", "locked", "grade_id", "points"}``, ``grade_id`` of ``[A-Za-z0-9_-]``, unique
in the notebook):

* an exercise's solution and stub become one **answer cell** (``solution``): the stub's
  lines down to its ``# YOUR CODE HERE`` comment, then the solution between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION``, which ``nbgrader generate_assignment``
  replaces with ``raise NotImplementedError()`` (the stub set in the generated
  ``nbgrader_config.py``). The grade id is ``answer_<exercise id>`` with ``_`` for ``.``.
* the ``check(...)`` cell after it becomes a **graded test cell** (``grade``,
  ``locked``, :data:`POINTS` points, ``test_<exercise id>``) calling
  :func:`carrylab.exercises.grade`, which prints the checker's verdict to standard
  output and raises on a wrong or missing answer. A value worked out by hand (a stub
  that defines no function) could be found by trying values against a judge in sight,
  so its test checks only the answer's form in sight
  (:func:`carrylab.exercises.check_form`) and judges the values between ``### BEGIN
  HIDDEN TESTS`` and ``### END HIDDEN TESTS``, which nbgrader removes from the students'
  copy and puts back to grade.
* every other cell, text or code, is **read-only** (``locked``, ``cell_<NN>_<k>``);
  the first code cell also imports ``grade`` and ``check_form``.

Exercises are graded on the notebook's own numbers (:func:`carrylab.exercises.variant`
without a student id), so do not set ``CARRYLAB_STUDENT`` for an nbgrader class.

>>> nb = nbgrader_notebook("02_lookahead_prefix")
>>> [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
...  if c["metadata"]["nbgrader"]["grade"]][:2]
['test_02_gp_carries', 'test_02_lookahead_carries']
"""
from __future__ import annotations

import re
from pathlib import Path

from adders.errors import CarrylabValueError

from .catalog import SOURCE_DIR, cells_of, sources
from .cells import STUB_MARK, Cell, SourceError
from .ipynb import cell_id, document, new_cell, render
from .release import Written, write_files

__all__ = ["POINTS", "BEGIN_SOLUTION", "END_SOLUTION", "BEGIN_HIDDEN", "END_HIDDEN",
           "CODE_STUB", "CELL_TIMEOUT", "nbgrader_notebook", "config_text",
           "write_nbgrader_course"]

#: Points of each graded test cell (one per exercise).
POINTS = 1
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
#: What generate_assignment puts where a solution was (the line above it already says
#: ``# YOUR CODE HERE: ...``).
CODE_STUB = "raise NotImplementedError()"
#: Seconds nbgrader gives each cell when it runs a notebook, instead of its default 30:
#: room for the slow demonstration cells (circuit steppers, short trainings) on a busy
#: small machine. The graded test cells are the quick ones.
CELL_TIMEOUT = 120
_CHECK = re.compile(r'^check\("(?P<id>\d\d\.\w+)", (?P<answer>[^\n]+)\)$')
_SETUP = "from carrylab.exercises import grade, check_form   # the graded test cells call these"
_COURSE_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def nbgrader_notebook(name: str, src_dir: Path | str = SOURCE_DIR) -> dict:
    """The nbgrader source notebook of the course source ``name`` (e.g.
    ``"01_gates_ripple"``): answer, graded test and read-only cells as described above.

    Raises
    ------
    SourceError
        A solution that does not begin with its stub's lines above ``# YOUR CODE HERE``,
        or a solution not followed (after its stub) by a one-line ``check("id", answer)``.
    """
    cells, where = cells_of(name, src_dir), f"{name}.py"
    nn, out, k, setup_done = name[:2], [], 0, False
    while k < len(cells):
        cell = cells[k]
        if "solution" in cell.tags:
            solution, stub = cell, cells[k + 1]
            test = cells[k + 2] if k + 2 < len(cells) else None
            m = _CHECK.match(test.source) if test is not None and test.kind == "code" else None
            if m is None:
                raise SourceError(f"{where}: cell at line {stub.line}: a stub must be "
                                  f"followed by a one-line check(\"NN.name\", answer) cell")
            grade_id = m["id"].replace(".", "_")
            source = _answer_source(solution, stub, where)
            out.append(_cell("code", nn, len(out), source, f"answer_{grade_id}",
                             solution=True, tags=["exercise"]))
            out.append(_cell("code", nn, len(out), _test_source(m["id"], m["answer"], stub),
                             f"test_{grade_id}", grade=True))
            k += 3
            continue
        source = cell.source
        if cell.kind == "code" and not setup_done:
            source, setup_done = f"{source}\n{_SETUP}", True
        out.append(_cell(cell.kind, nn, len(out), source, f"cell_{nn}_{len(out) + 1:03d}"))
        k += 1
    return document(out)


def _cell(kind: str, nn: str, k: int, source: str, grade_id: str, solution: bool = False,
          grade: bool = False, tags: list | None = None) -> dict:
    meta = {"schema_version": 3, "grade": grade, "solution": solution,
            "locked": not solution, "grade_id": grade_id}
    if grade:
        meta["points"] = POINTS
    metadata = {"nbgrader": meta, **({"tags": tags} if tags else {})}
    return new_cell(kind, cell_id(nn, k), source, metadata)


def _answer_source(solution: Cell, stub: Cell, where: str) -> str:
    """The stub's lines down to its ``# YOUR CODE HERE`` line, the stub's later lines
    that are no ``return ...`` (a value question's placeholder), then the solution's own
    lines between the solution markers."""
    stub_lines, sol_lines = stub.source.splitlines(), solution.source.splitlines()
    mark = next(i for i, line in enumerate(stub_lines) if STUB_MARK in line)
    head = stub_lines[:mark]
    if sol_lines[:mark] != head:
        raise SourceError(f"{where}: cell at line {solution.line}: the solution must begin "
                          f"with the {mark} line(s) of its stub above {STUB_MARK!r}")
    body = sol_lines[mark:]
    kept = [line for line in stub_lines[mark + 1:] if line.strip() != "return ..."]
    first = next(line for line in body if line.strip())
    indent = first[:len(first) - len(first.lstrip())]
    return "\n".join(head + [stub_lines[mark]] + kept + [indent + BEGIN_SOLUTION] + body
                     + [indent + END_SOLUTION])


def _test_source(exercise_id: str, answer: str, stub: Cell) -> str:
    """A function is graded in sight; a value answer's form is checked in sight and its
    values in hidden tests."""
    if any(line.startswith("def ") for line in stub.source.splitlines()):
        return f'grade("{exercise_id}", {answer})'
    return "\n".join([
        f'check_form("{exercise_id}", {answer})   # complete, and of the right form?',
        BEGIN_HIDDEN,
        f'grade("{exercise_id}", {answer})',
        END_HIDDEN])


def config_text(course_id: str = "carrylab") -> str:
    """The text of the course folder's ``nbgrader_config.py``."""
    if not isinstance(course_id, str) or not _COURSE_ID.match(course_id):
        raise CarrylabValueError(f"course_id must be letters, digits, '_' or '-', got "
                                 f"{course_id!r}")
    return (f'"""nbgrader settings of the carrylab course (written by carrylab course '
            f'nbgrader)."""\n'
            f"c = get_config()  # noqa: F821  (nbgrader defines get_config)\n\n"
            f"c.CourseDirectory.course_id = {course_id!r}\n"
            f"# An answer cell already says '# YOUR CODE HERE: <what to write>' above its "
            f"solution,\n# which generate_assignment replaces with this line alone.\n"
            f"c.ClearSolutions.code_stub = {{'python': {CODE_STUB!r}}}\n"
            f"# Seconds per cell when a notebook runs, instead of nbgrader's 30: room for the "
            f"slow\n# demonstration cells (circuit steppers, short trainings) on a busy "
            f"machine.\n"
            f"c.Execute.timeout = {CELL_TIMEOUT}\n")


def write_nbgrader_course(out_dir: Path | str, course_id: str = "carrylab",
                          overwrite: bool = False) -> list[Written]:
    """Write the nbgrader course folder: ``nbgrader_config.py`` and
    ``source/<NN_name>/<NN_name>.ipynb`` for every notebook of the course.

    Existing files are refused, or with ``overwrite`` moved into
    ``out_dir/replaced-<date-time>/`` first (never beside themselves: nbgrader would
    release every file of ``source/<assignment>/``, a backup with solutions too).

    Raises
    ------
    NotebookExistsError
        ``overwrite`` is False and one of the files exists; nothing was written.
    """
    texts = {"nbgrader_config.py": config_text(course_id)}
    for src in sources():
        texts[f"source/{src.stem}/{src.stem}.ipynb"] = render(nbgrader_notebook(src.stem))
    return write_files(out_dir, texts, overwrite, backup_folder=True)
