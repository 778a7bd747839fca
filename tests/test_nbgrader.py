"""The nbgrader version of the course, checked against nbgrader's rules and run through
nbgrader itself.

Without nbgrader: every source notebook of ``carrylab course nbgrader`` keeps to the
schema-3 cell metadata rules as nbgrader's documentation states them (written out here,
not taken from carrylab), with its solution and hidden-test markers where they belong.

With nbgrader (the ``teach`` extra), a small class, end to end: ``carrylab course
nbgrader`` writes a course folder, ``nbgrader generate_assignment`` releases all seven
notebooks (no solution text may be left in any released file), the test writes
submissions from the released notebooks (all correct, all blank, one wrong answer per
exercise, and the library shortcuts the checker refuses, as the students' code) for two
assignments, ``nbgrader autograde`` runs them (``CARRYLAB_FAST=1``, after ``carrylab
warmup``), and the gradebook must hold exactly the score each submission deserves, with
no graded test cell writing to standard error.
"""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from carrylab import course
from carrylab.cli import main
from carrylab.exercises import EXERCISES
from tests.test_course import _cell_lines, _solution_lines

ROOT = Path(__file__).resolve().parents[1]
NAMES = course.names()
#: Autograded in the pipeline test: ten exercises, two of them (03's hand-set weights)
#: judged in hidden tests, on notebooks that run in seconds.
GRADED = ("03_rnn_serial_adder", "05_parallel_scans")
VALUE_IDS = sorted(i for i, ex in EXERCISES.items() if not callable(ex.reference))
ALLOWED_KEYS = {"schema_version", "grade", "solution", "locked", "task", "grade_id", "points"}
GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]*$")
NO_NBGRADER = 'nbgrader is in the teach extra: pip install -e ".[teach]"'
TEST_CALL = re.compile(r'(?m)^grade\("(?P<id>\d\d\.\w+)", (?P<name>\w+)\)$')


def _meta(cell: dict) -> dict:
    return cell["metadata"]["nbgrader"]


def _source(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _role(cell: dict) -> str:
    m = _meta(cell)
    return {(False, True, False): "answer", (True, False, True): "test",
            (False, False, True): "read-only"}.get((m["grade"], m["solution"], m["locked"]), "?")


# ---------------------------------------------------------------------- the source folder
@pytest.fixture(scope="module")
def source_notebooks(tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("nbgrader-source")
    assert main(["course", "nbgrader", str(out)]) == 0
    assert (out / "nbgrader_config.py").is_file()
    found = sorted(p.relative_to(out / "source").as_posix()
                   for p in (out / "source").rglob("*") if p.is_file())
    assert found == [f"{n}/{n}.ipynb" for n in NAMES]         # one assignment per notebook
    return {n: json.loads((out / "source" / n / f"{n}.ipynb").read_text(encoding="utf-8"))
            for n in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_cell_metadata_keeps_to_schema_3(source_notebooks, name):
    nb = source_notebooks[name]
    ids = []
    for cell in nb["cells"]:
        m = _meta(cell)
        assert set(m) <= ALLOWED_KEYS, f"{name}: keys {set(m) - ALLOWED_KEYS} not allowed"
        assert m["schema_version"] == 3
        assert all(isinstance(m[k], bool) for k in ("grade", "solution", "locked"))
        assert isinstance(m["grade_id"], str) and m["grade_id"] and GRADE_ID.match(m["grade_id"])
        ids.append(m["grade_id"])
        assert _role(cell) != "?", f"{name}: {m} is no answer, test or read-only cell"
        if m["grade"]:
            assert isinstance(m["points"], (int, float)) and m["points"] == 1   # as the README says
            assert cell["cell_type"] == "code"
        else:
            assert "points" not in m
    assert len(ids) == len(set(ids)), f"{name}: grade ids repeat"


@pytest.mark.parametrize("name", NAMES)
def test_answers_hold_marked_solutions_and_tests_follow_them(source_notebooks, name):
    cells = source_notebooks[name]["cells"]
    for k, cell in enumerate(cells):
        src = _source(cell)
        if _role(cell) != "answer":
            assert "BEGIN SOLUTION" not in src and "END SOLUTION" not in src
            continue
        lines = [line.strip() for line in src.splitlines()]
        assert lines.count("### BEGIN SOLUTION") == 1 and lines.count("### END SOLUTION") == 1
        begin, end = lines.index("### BEGIN SOLUTION"), lines.index("### END SOLUTION")
        assert begin + 1 < end, f"{name}: an empty solution"
        assert any("# YOUR CODE HERE" in line for line in lines[:begin])
        test = cells[k + 1]                                     # its graded test, next
        assert _role(test) == "test"
        assert _meta(test)["grade_id"] == _meta(cell)["grade_id"].replace("answer_", "test_")
        compile(src, f"{name} answer", "exec")                 # the markers are comments


def test_every_exercise_is_graded_once_and_values_are_judged_in_hidden_tests(source_notebooks):
    graded = {}
    for name, nb in source_notebooks.items():
        for cell in nb["cells"]:
            if _role(cell) != "test":
                continue
            src = _source(cell)
            (ex_id, _), = {(m["id"], m["name"]) for m in TEST_CALL.finditer(src)}
            assert ex_id.startswith(name[:2]) and ex_id not in graded
            graded[ex_id] = src
    assert sorted(graded) == sorted(EXERCISES)
    assert "02.gp_carries" in VALUE_IDS
    for ex_id, src in graded.items():
        hidden = "### BEGIN HIDDEN TESTS" in src
        assert hidden == (ex_id in VALUE_IDS), ex_id
        if hidden:          # in sight: the form only; the judgement inside the markers
            shown, rest = src.split("### BEGIN HIDDEN TESTS")
            assert f'check_form("{ex_id}"' in shown and "grade(" not in shown
            assert rest.rstrip().endswith("### END HIDDEN TESTS") and f'grade("{ex_id}"' in rest


@pytest.mark.parametrize("text, fragment", [
    ('# %% tags=["solution"]\ndef f():\n    return 1\n'
     '# %% tags=["stub"]\ndef f():\n    # YOUR CODE HERE\n    return ...\n'
     '# %%\nprint(f())\n', 'a one-line check("NN.name", answer) cell'),
    ('# %% tags=["solution"]\ndef g():\n    return 1\n'
     '# %% tags=["stub"]\ndef f():\n    # YOUR CODE HERE\n    return ...\n'
     '# %%\ncheck("07.f", f)\n', "must begin with the 1 line(s) of its stub"),
])
def test_a_source_that_cannot_be_graded_is_refused_with_file_and_line(tmp_path, text, fragment):
    (tmp_path / "07_bad.py").write_text(text, encoding="utf-8")
    with pytest.raises(course.SourceError, match=re.escape(fragment)) as info:
        course.nbgrader_notebook("07_bad", src_dir=tmp_path)
    assert str(info.value).startswith("07_bad.py: cell at line ")


def test_the_validator_of_nbgrader_itself_accepts_every_notebook(source_notebooks):
    pytest.importorskip("nbgrader", reason=NO_NBGRADER)
    import nbformat
    from nbgrader.nbgraderformat import MetadataValidator
    validator = MetadataValidator()
    for name, nb in source_notebooks.items():
        validator.validate_nb(nbformat.from_dict(nb))


def test_the_source_notebooks_carry_the_solutions(source_notebooks):
    """The teacher's source is complete: every solution line is in it (the releases are
    checked for the opposite)."""
    stored = set().union(*(_cell_lines(nb) for nb in source_notebooks.values()))
    for key, lines in _solution_lines().items():
        assert lines <= stored, key


# ---------------------------------------------------------------------- nbgrader, end to end
def _nbgrader(args: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}"
    return out


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """A course folder with all seven assignments generated; (folder, environment)."""
    pytest.importorskip("nbgrader", reason=NO_NBGRADER)
    root = tmp_path_factory.mktemp("class")
    home = tmp_path_factory.mktemp("jupyter")
    bindir = str(Path(sys.executable).parent)          # nbgrader runs alembic from PATH
    env = dict(os.environ, CARRYLAB_FAST="1", TMPDIR=str(home),
               MPLBACKEND="module://matplotlib_inline.backend_inline",
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "run"),
               PATH=os.pathsep.join([bindir, os.environ.get("PATH", "")]),
               PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in os.environ.get(
                   "PYTHONPATH", "").split(os.pathsep) if p]))
    env.pop("CARRYLAB_STUDENT", None)
    warm = subprocess.run([sys.executable, "-m", "carrylab", "warmup", "--quiet"], env=env,
                          capture_output=True, text=True, timeout=1800)
    assert warm.returncode == 0, warm.stderr
    assert main(["course", "nbgrader", str(root)]) == 0
    start = time.perf_counter()
    _nbgrader(["generate_assignment", "*"], root, env)                 # every assignment
    print(f"\ngenerate_assignment, {len(NAMES)} notebooks: {time.perf_counter() - start:.1f} s")
    return root, env


@pytest.mark.slow
def test_the_released_assignments_hold_no_solution_text(klass):
    root, _ = klass
    files = sorted(p for p in (root / "release").rglob("*") if p.is_file())
    assert sorted(p.relative_to(root / "release").as_posix() for p in files) == \
        [f"{n}/{n}.ipynb" for n in NAMES]
    solutions = _solution_lines()
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
        nb = json.loads(text)
        for cell in nb["cells"]:          # the stub of nbgrader_config.py, under our comment
            if "nbgrader" in cell["metadata"] and _role(cell) == "answer":
                lines = [line.strip() for line in _source(cell).splitlines()]
                assert sum("# YOUR CODE HERE" in line for line in lines) == 1
                assert lines[-1] == "raise NotImplementedError()", lines
        stored = _cell_lines(nb)
        for (stem, line), lines in solutions.items():
            leaked = lines & stored
            assert not leaked, f"{path.name} holds solution code of {stem}.py:{line}: {leaked}"


def _student_code(name: str, ex_id: str, value, expr: str) -> str:
    """A student's answer cell making ``name`` the registry's answer ``value``: written out
    when it is plain data, else a copy of ``EXERCISES[id].<expr>`` (the checker refuses
    its own example functions themselves)."""
    try:
        if not callable(value) and ast.literal_eval(repr(value)) == value:
            return f"{name} = {value!r}"
    except (ValueError, SyntaxError):
        pass
    return (f"from carrylab.exercises import EXERCISES, copy_of\n"
            f"{name} = copy_of(EXERCISES[{ex_id!r}].{expr})")


def _submissions(source: dict, release: dict) -> tuple[dict, dict]:
    """Notebooks per student and the score each of their test cells deserves.

    ``all_correct`` (the solutions), ``all_blank`` (the release as it is), and rounds
    ``mixed_<r>`` in which exercise k answers with item (r + k) mod R of its list [the
    registry's wrong answer, its shortcuts...] when there is one, else correctly: every
    wrong answer and every shortcut once, beside correct answers of other exercises."""
    exercises = []                   # (answer cell index, exercise id, name, test grade id)
    for k, cell in enumerate(source["cells"]):
        if _role(cell) == "answer":
            m = TEST_CALL.search(_source(source["cells"][k + 1]))
            exercises.append((k, m["id"], m["name"], _meta(source["cells"][k + 1])["grade_id"]))
            assert _meta(release["cells"][k])["grade_id"] == _meta(cell)["grade_id"]
    points = {g: _meta(source["cells"][k + 1])["points"] for k, _, _, g in exercises}
    solved = {k: "\n".join(line for line in _source(source["cells"][k]).splitlines()
                           if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
              for k, _, _, _ in exercises}
    plans = {"all_correct": (solved, dict(points)),
             "all_blank": ({}, {g: 0 for g in points})}
    items = {ex_id: [(EXERCISES[ex_id].wrong, "wrong")]
             + [(make(), f"shortcuts[{j}]()") for j, make in enumerate(EXERCISES[ex_id].shortcuts)]
             for _, ex_id, _, _ in exercises}
    rounds = max(len(v) for v in items.values())
    for r in range(rounds):
        answers, deserved = dict(solved), dict(points)
        for pos, (k, ex_id, name, grade_id) in enumerate(exercises):
            j = (r + pos) % rounds
            if j < len(items[ex_id]):
                answers[k] = _student_code(name, ex_id, *items[ex_id][j])
                deserved[grade_id] = 0
        plans[f"mixed_{r}"] = (answers, deserved)

    def notebook(answers: dict) -> dict:
        nb = json.loads(json.dumps(release))
        for k, text in answers.items():
            nb["cells"][k]["source"] = text
        return nb
    return ({s: notebook(a) for s, (a, _) in plans.items()},
            {s: d for s, (_, d) in plans.items()})


@pytest.fixture(scope="module")
def autograded(klass, tmp_path_factory):
    """Every submission of the GRADED assignments, autograded in one nbgrader run; (course
    folder, {assignment: {student: deserved score per test cell}}, progress file)."""
    root, env = klass
    deserved = {}
    for name in GRADED:
        notebooks, deserved[name] = _submissions(_notebook(root, "source", name),
                                                 _notebook(root, "release", name))
        for student, nb in notebooks.items():
            folder = root / "submitted" / student / name
            folder.mkdir(parents=True)
            (folder / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    progress_file = tmp_path_factory.mktemp("progress") / "progress.jsonl"
    start = time.perf_counter()
    _nbgrader(["autograde", "*", "--create"], root, dict(env, CARRYLAB_PROGRESS=str(progress_file)))
    count = sum(len(d) for d in deserved.values())
    print(f"\nautograde, {count} submissions of {len(GRADED)} assignments: "
          f"{time.perf_counter() - start:.1f} s")
    return root, deserved, progress_file


def _notebook(root: Path, step: str, name: str, student: str = "") -> dict:
    """Notebook ``name`` of nbgrader's folder ``step`` (source, release, autograded...)."""
    path = root / step / student / name / f"{name}.ipynb"
    return json.loads(path.read_text(encoding="utf-8"))


def _graded_cells(root: Path, student: str, name: str):
    nb = _notebook(root, "autograded", name, student)
    return [c for c in nb["cells"] if "nbgrader" in c["metadata"] and _meta(c)["grade"]]


@pytest.mark.slow
@pytest.mark.parametrize("name", GRADED)
def test_autograde_gives_each_submission_exactly_its_score(autograded, name):
    root, deserved, _ = autograded
    source = _notebook(root, "source", name)
    points = {_meta(c)["grade_id"]: _meta(c)["points"] for c in source["cells"]
              if _role(c) == "test"}
    assert len(deserved[name]) >= 5                   # correct, blank and mixed rounds
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="carrylab") as gb:
        for student, want in deserved[name].items():
            sub = gb.find_submission_notebook(name, name, student)
            assert {g.name: g.max_score for g in sub.grades} == points
            got = {g.name: g.score for g in sub.grades}
            assert got == want, f"{student}: scored {got}, deserves {want}"
            assert sub.score == sum(want.values())
    assert sum(deserved[name]["all_correct"].values()) == sum(points.values()) > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", GRADED)
def test_graded_cells_print_to_stdout_only_and_fail_with_one_line(autograded, name):
    root, deserved, _ = autograded
    for student, want in deserved[name].items():
        for cell in _graded_cells(root, student, name):
            grade_id, outs = _meta(cell)["grade_id"], cell["outputs"]
            stderr = [o for o in outs if o.get("name") == "stderr"]
            assert not stderr, f"{student} {grade_id} wrote to stderr: {stderr}"
            stdout = "".join("".join(o["text"]) for o in outs if o.get("name") == "stdout")
            verdict = [line[0] for line in stdout.splitlines() if line[:1] in ("✓", "✗", "…")]
            errors = [o for o in outs if o["output_type"] == "error"]
            if want[grade_id]:
                assert not errors and verdict and set(verdict) == {"✓"}, (student, grade_id, outs)
            else:
                assert [e["ename"] for e in errors] == ["WrongAnswer"], (student, grade_id, outs)
                assert "\n" not in errors[0]["evalue"] and len(errors[0]["evalue"]) < 200
                assert verdict and verdict[-1] in "✗…", (student, grade_id, stdout)
            if grade_id[len("test_"):].replace("_", ".", 1) in VALUE_IDS:
                assert "### BEGIN HIDDEN TESTS" in _source(cell)   # put back for grading


@pytest.mark.slow
def test_each_passing_grade_is_recorded_in_the_progress_file(autograded):
    root, deserved, progress_file = autograded
    entries = [json.loads(line) for line in progress_file.read_text(encoding="utf-8").splitlines()]
    assert all(set(e) == {"exercise", "time", "passed"} for e in entries)
    for name in GRADED:
        mine = [e for e in entries if e["exercise"].startswith(name[:2] + ".")]
        passing = sum(1 for want in deserved[name].values() for score in want.values() if score)
        assert sum(e["passed"] for e in mine) == passing
        failing = len(mine) - passing                      # a blank value answer stops at
        assert 0 < failing <= sum(1 for want in deserved[name].values()   # its form check
                                  for score in want.values() if not score)
