"""The course inside the package: its source format, its notebooks, the student release.

The notebooks are written without nbformat; nbformat (test extra) is the reference they
are compared with byte for byte and validated against. The student release must hold
the seven exercise notebooks and nothing of a solution, and must never lose a file a
student already has.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from adders.errors import CarrylabError, CarrylabValueError
from carrylab import course
from carrylab.cli import main
from carrylab.course import NotebookExistsError, SourceError, parse, write_student_release

ROOT = Path(__file__).resolve().parents[1]
NAMES = course.names()
VERSIONS = ("exercises", "solutions")


def _cell_lines(nb: dict) -> set[str]:
    """Every stripped line of every cell of a notebook as it is stored."""
    return {line.strip() for cell in nb["cells"] for line in "".join(cell["source"]).splitlines()}


def _solution_lines() -> dict[tuple[str, int], set[str]]:
    """Per solution cell (source, line): its lines of substance, i.e. code lines (no
    blank or comment lines) that no shared or stub cell anywhere in the course holds."""
    solutions, elsewhere = {}, set()
    for src in course.sources():
        for cell in parse(src.read_text(encoding="utf-8"), src.name):
            lines = {line.strip() for line in cell.source.splitlines()}
            if "solution" in cell.tags:
                solutions[(src.stem, cell.line)] = {x for x in lines if x and not x.startswith("#")}
            else:
                elsewhere |= lines
    return {key: lines - elsewhere for key, lines in solutions.items()}


# ---------------------------------------------------------------------- the sources
def test_the_course_has_seven_sources_inside_the_package():
    assert NAMES == ["00_tour", "01_gates_ripple", "02_lookahead_prefix", "03_rnn_serial_adder",
                     "04_clrnn", "05_parallel_scans", "06_performance_lab"]
    assert course.SOURCE_DIR == ROOT / "carrylab" / "course" / "src"


@pytest.mark.parametrize("text, fragment", [
    ("x = 1\n", "text before the first"),
    ("# %% [code]\nx = 1\n", "bad cell header"),
    ("# %% [markdown]\nnot a comment\n", "Markdown lines must start with '#'"),
    ('# %% tags=["answer"]\nx = 1\n', "unknown tags ['answer']"),
    ('# %%\nx = 1\n# %% tags=["stub"]\n# YOUR CODE HERE\nx = ...\n', "must follow its solution"),
    ('# %% tags=["solution"]\nx = 1\n', "must be followed by its stub"),
    ('# %% tags=["solution"]\nx = 1\n# %% tags=["stub"]\nx = ...\n', "must contain"),
])
def test_a_malformed_source_is_refused_with_file_and_line(text, fragment):
    with pytest.raises(SourceError, match=re.escape(fragment)) as info:
        parse(text, "07_bad.py")
    assert isinstance(info.value, CarrylabValueError)
    assert str(info.value).startswith("07_bad.py")


def test_an_unknown_notebook_name_names_the_known_ones():
    with pytest.raises(CarrylabValueError, match="known: 00_tour"):
        course.exercise_notebook("99_nothing")


# ---------------------------------------------------------------------- notebook files
def _synthetic_cells():
    text = ('# %% [markdown]\n# # Café: ünïcode ✓ and $\\alpha$\n#\n# trailing  \n\n'
            '# %%\nprint("é")\n\tx = 1\n\n\n# %% tags=["solution"]\ny = 2\n'
            '# %% tags=["stub"]\n# YOUR CODE HERE\ny = ...\n')
    return parse(text, "99_synthetic.py")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", NAMES + ["99_synthetic"])
def test_notebook_text_is_what_nbformat_writes_and_is_valid(name, version):
    nbformat = pytest.importorskip("nbformat", reason="nbformat is in the test extra")
    nb = (course.notebook(_synthetic_cells(), version, name) if name == "99_synthetic"
          else course.notebook_of(name, version))
    text = course.render(nb)
    assert text == nbformat.writes(nbformat.from_dict(nb)) + "\n"
    nbformat.validate(nbformat.from_dict(nb))
    nbformat.validate(nbformat.reads(text, as_version=4))


def test_writing_notebooks_needs_no_nbformat(tmp_path):
    code = ("import sys; sys.modules['nbformat'] = None\n"      # any import of it fails
            "from carrylab.course import write_student_release\n"
            f"print(len(write_student_release({str(tmp_path)!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(len(NAMES))


# ---------------------------------------------------------------------- the release
def test_release_holds_exactly_the_exercise_notebooks(tmp_path):
    written = write_student_release(tmp_path / "course")
    assert [w.path.name for w in written] == [f"{n}.ipynb" for n in NAMES]
    assert all(w.backup is None for w in written)
    assert sorted(p.name for p in (tmp_path / "course").iterdir()) == [f"{n}.ipynb" for n in NAMES]
    for name in NAMES:
        text = (tmp_path / "course" / f"{name}.ipynb").read_text(encoding="utf-8")
        assert text == course.render(course.exercise_notebook(name))
        assert any("exercise" in c["metadata"].get("tags", []) for c in json.loads(text)["cells"])


def test_release_contains_no_solution_code(tmp_path):
    solutions = _solution_lines()
    assert len(solutions) >= 2 * len(NAMES)
    for key, lines in solutions.items():
        assert lines, f"solution cell {key} has no line of its own to look for"
    write_student_release(tmp_path)
    for path in sorted(tmp_path.iterdir()):
        stored = _cell_lines(json.loads(path.read_text(encoding="utf-8")))
        for (stem, line), lines in solutions.items():
            leaked = lines & stored
            assert not leaked, f"{path.name} holds solution code of {stem}.py:{line}: {leaked}"


def test_release_refuses_to_overwrite_a_students_notebook(tmp_path):
    (tmp_path / "01_gates_ripple.ipynb").write_text("my work", encoding="utf-8")
    with pytest.raises(NotebookExistsError) as info:
        write_student_release(tmp_path)
    err = info.value
    assert isinstance(err, CarrylabError) and isinstance(err, FileExistsError)
    assert "01_gates_ripple.ipynb" in str(err) and "\n" not in str(err)
    assert [p.name for p in tmp_path.iterdir()] == ["01_gates_ripple.ipynb"]   # nothing written
    assert (tmp_path / "01_gates_ripple.ipynb").read_text(encoding="utf-8") == "my work"


def test_overwrite_keeps_a_backup_of_every_replaced_notebook(tmp_path):
    write_student_release(tmp_path)
    mine = tmp_path / "02_lookahead_prefix.ipynb"
    mine.write_text("my work", encoding="utf-8")
    first = write_student_release(tmp_path, overwrite=True)
    second = write_student_release(tmp_path, overwrite=True)    # maybe within the same second
    backups = [w.backup for w in first + second]
    assert all(b is not None and b.exists() for b in backups)
    assert len(set(backups)) == 2 * len(NAMES)                   # no backup replaced another
    for b in backups:
        assert re.fullmatch(r"\d\d_\w+\.ipynb\.bak-\d{8}-\d{6}(-\d+)?", b.name), b.name
    mine_backup = next(w.backup for w in first if w.path == mine)
    assert mine_backup.read_text(encoding="utf-8") == "my work"
    assert mine.read_text(encoding="utf-8") == course.render(
        course.exercise_notebook("02_lookahead_prefix"))


def _cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    return subprocess.run([sys.executable, "-m", "carrylab", *args], capture_output=True,
                          text=True, cwd=cwd, env=env)


def test_cli_course_copy(tmp_path):
    assert main(["course", "copy", str(tmp_path / "c")]) == 0
    (tmp_path / "c" / "00_tour.ipynb").write_text("my work", encoding="utf-8")

    refused = _cli("course", "copy", "c", cwd=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("carrylab course: ") and refused.stderr.count("\n") == 1
    assert "00_tour.ipynb" in refused.stderr and "refusing to overwrite" in refused.stderr
    assert (tmp_path / "c" / "00_tour.ipynb").read_text(encoding="utf-8") == "my work"

    replaced = _cli("course", "copy", "c", "--overwrite", cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    backup = [p for p in (tmp_path / "c").iterdir() if p.name.startswith("00_tour.ipynb.bak-")]
    assert len(backup) == 1 and backup[0].read_text(encoding="utf-8") == "my work"
    assert backup[0].name in replaced.stdout


# ---------------------------------------------------------------------- the teacher's releases
def test_cli_release_and_its_alias_copy_write_the_same_student_release(tmp_path):
    assert main(["course", "release", str(tmp_path / "a")]) == 0
    assert main(["course", "copy", str(tmp_path / "b")]) == 0
    for name in NAMES:
        assert (tmp_path / "a" / f"{name}.ipynb").read_bytes() == \
            (tmp_path / "b" / f"{name}.ipynb").read_bytes()


def test_the_solutions_release_holds_every_solution(tmp_path):
    assert main(["course", "solutions", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{n}.ipynb" for n in NAMES]
    stored = set().union(*(_cell_lines(json.loads(p.read_text(encoding="utf-8")))
                           for p in tmp_path.iterdir()))
    for key, lines in _solution_lines().items():
        assert lines <= stored, key
    for path in tmp_path.iterdir():                          # no stub is left
        assert not any("exercise" in c["metadata"].get("tags", [])
                       for c in json.loads(path.read_text(encoding="utf-8"))["cells"])
    with pytest.raises(NotebookExistsError):
        course.write_solutions(tmp_path)


def test_the_nbgrader_folder_is_never_overwritten_and_backups_stay_out_of_source(tmp_path):
    assert main(["course", "nbgrader", str(tmp_path), "--course-id", "cs-101"]) == 0
    assert "c.CourseDirectory.course_id = 'cs-101'" in \
        (tmp_path / "nbgrader_config.py").read_text(encoding="utf-8")
    mine = tmp_path / "source" / "01_gates_ripple" / "01_gates_ripple.ipynb"
    mine.write_text("the teacher's edits", encoding="utf-8")

    refused = _cli("course", "nbgrader", str(tmp_path), cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "source/01_gates_ripple/01_gates_ripple.ipynb" in refused.stderr
    assert mine.read_text(encoding="utf-8") == "the teacher's edits"

    assert main(["course", "nbgrader", str(tmp_path), "--overwrite"]) == 0
    backups = list(tmp_path.glob("replaced-*"))
    assert len(backups) == 1
    assert (backups[0] / "source" / "01_gates_ripple" / "01_gates_ripple.ipynb").read_text(
        encoding="utf-8") == "the teacher's edits"
    # nbgrader releases every file of source/<assignment>/: nothing but the notebook there
    for name in NAMES:
        assert [p.name for p in (tmp_path / "source" / name).iterdir()] == [f"{name}.ipynb"]
    with pytest.raises(CarrylabValueError, match="course_id"):
        course.write_nbgrader_course(tmp_path / "other", course_id="no spaces")
