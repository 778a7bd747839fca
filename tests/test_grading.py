"""Grading calls for nbgrader test cells, and the record of attempts.

``grade`` judges exactly as ``check`` does and prints the same message, but only to
standard output (whatever the student's code writes to stderr or warns included) and
fails the cell with a one-line ``WrongAnswer``; ``check_form`` looks at the form of a
value answer, never at its values; every check and grade is recorded in memory and, with
``CARRYLAB_PROGRESS`` set, as one JSON line in that file.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from adders.errors import CarrylabError
from carrylab.exercises import (
    EXERCISES,
    UnknownExercise,
    WrongAnswer,
    check,
    check_form,
    copy_of,
    grade,
    progress,
    reset_attempts,
)
from carrylab.exercises.judging import student_function

IDS = sorted(EXERCISES)
VALUE_IDS = [i for i in IDS if not callable(EXERCISES[i].reference)]


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.delenv("CARRYLAB_PROGRESS", raising=False)
    monkeypatch.delenv("CARRYLAB_STUDENT", raising=False)
    reset_attempts()
    yield
    reset_attempts()


@pytest.mark.parametrize("ex_id", IDS)
def test_grade_passes_the_reference_silently_and_prints_what_check_prints(ex_id, capsys):
    ex = EXERCISES[ex_id]
    assert check(ex_id, copy_of(ex.reference)) is True
    said = capsys.readouterr()
    assert grade(ex_id, copy_of(ex.reference)) is None
    graded = capsys.readouterr()
    assert graded.out == said.out and graded.out.startswith(f"✓ {ex_id}:")
    assert graded.err == ""


@pytest.mark.parametrize("ex_id", IDS)
def test_grade_fails_a_wrong_answer_with_checks_message_and_a_one_line_error(ex_id, capsys):
    ex = EXERCISES[ex_id]
    check(ex_id, copy_of(ex.wrong))
    said = capsys.readouterr().out
    reset_attempts()                                   # the same hint level again
    with pytest.raises(WrongAnswer) as info:
        grade(ex_id, copy_of(ex.wrong))
    graded = capsys.readouterr()
    assert graded.out == said and graded.out.startswith(f"✗ {ex_id}:") and graded.err == ""
    err = info.value
    assert isinstance(err, AssertionError) and isinstance(err, CarrylabError)
    assert str(err) == f"{ex_id}: not right yet (the checker's message is printed above)"
    for make in ex.shortcuts:                          # the library's own answers too
        with pytest.raises(WrongAnswer):
            grade(ex_id, make())
    assert capsys.readouterr().err == ""


def test_grade_fails_a_placeholder_as_not_attempted(capsys):
    def full_adder(a, b, cin):
        raise NotImplementedError()                    # what nbgrader's release leaves
    for answer in (..., None, full_adder):
        with pytest.raises(WrongAnswer, match="01.full_adder: not attempted yet"):
            grade("01.full_adder", answer)
        assert capsys.readouterr().out.startswith("… 01.full_adder: not attempted yet")
    with pytest.raises(UnknownExercise):
        grade("01.nothing", full_adder)


NOISY = ("def to_bits(x, n):\n"
         "    import sys, warnings\n"
         "    print('debugging', file=sys.stderr)\n"
         "    warnings.warn('careful', RuntimeWarning)\n"
         "    return [(x >> i) & 1 for i in range(n)]")


def test_what_the_students_code_writes_to_stderr_goes_to_stdout(capsys):
    noisy = student_function(NOISY, "to_bits")
    with pytest.warns(RuntimeWarning):                 # (pytest keeps warnings to itself)
        grade("00.to_bits", noisy)
    out = capsys.readouterr()
    assert out.err == "" and "debugging" in out.out
    assert out.out.rstrip().endswith(EXERCISES["00.to_bits"].success)


def test_a_warning_during_grading_is_shown_on_stdout_as_python_shows_it():
    """In a fresh interpreter, as in a kernel: the warning is printed, on stdout."""
    code = ("import warnings; warnings.simplefilter('always')\n"
            "from carrylab.exercises import grade\n"
            "from carrylab.exercises.judging import student_function\n"
            f"grade('00.to_bits', student_function({NOISY!r}, 'to_bits'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0 and out.stderr == "", out.stderr
    assert "RuntimeWarning: careful" in out.stdout and "debugging" in out.stdout
    assert out.stdout.rstrip().splitlines()[-1].startswith("✓ 00.to_bits")


# ---------------------------------------------------------------------- check_form
@pytest.mark.parametrize("ex_id", VALUE_IDS)
def test_check_form_accepts_the_reference_and_other_values_of_that_form(ex_id, capsys):
    reference = EXERCISES[ex_id].reference
    check_form(ex_id, reference)
    assert capsys.readouterr().out.startswith(f"✓ {ex_id}: complete and of the right form")
    other = json.loads(json.dumps(reference))          # same form, other values
    for key, value in other.items():
        other[key] = [1 - v for v in value] if isinstance(value, list) else value + 7
    check_form(ex_id, other)
    check_form(ex_id, {k: np.asarray(v) if isinstance(v, list) else np.float32(v)
                       for k, v in reference.items()})
    assert capsys.readouterr().err == ""


def _bad_forms(reference: dict):
    """Answers of the wrong form, with a fragment of the sentence each must get."""
    first, value = next(iter(reference.items()))
    yield [1, 2], "should be a dict"
    yield {k: v for k, v in reference.items() if k != first}, "exactly the keys"
    yield {**reference, "extra": 1}, "exactly the keys"
    yield {**reference, first: "1"}, "should be"
    if isinstance(value, list):
        yield {**reference, first: value[:-1]}, f"should have {len(value)} entries"
        yield {**reference, first: np.zeros((2, 2))}, "should be a list"


@pytest.mark.parametrize("ex_id", VALUE_IDS)
def test_check_form_names_what_is_missing_without_judging_values(ex_id, capsys):
    reference = EXERCISES[ex_id].reference
    for answer, fragment in _bad_forms(reference):
        with pytest.raises(WrongAnswer, match="not of the right form yet"):
            check_form(ex_id, answer)
        out = capsys.readouterr().out
        assert out.startswith(f"✗ {ex_id}:") and fragment in out, (answer, out)
    with pytest.raises(WrongAnswer, match="not attempted yet"):
        check_form(ex_id, {k: ... for k in reference})
    assert capsys.readouterr().out.startswith(f"… {ex_id}: not attempted yet")


# ---------------------------------------------------------------------- progress
def test_every_check_and_grade_is_recorded_in_order():
    before = len(progress())
    start = datetime.now(timezone.utc).replace(microsecond=0)
    check("01.full_adder", copy_of(EXERCISES["01.full_adder"].reference))
    check("01.full_adder", ...)
    with pytest.raises(WrongAnswer):
        grade("02.carry_combine", copy_of(EXERCISES["02.carry_combine"].wrong))
    new = progress()[before:]
    assert [(e["exercise"], e["passed"]) for e in new] == [
        ("01.full_adder", True), ("01.full_adder", False), ("02.carry_combine", False)]
    for e in new:
        when = datetime.fromisoformat(e["time"])
        assert when.tzinfo is not None and start <= when <= start + timedelta(minutes=5)
    new[0]["passed"] = "edited"                            # a copy: the record stays
    assert progress()[before]["passed"] is True


def test_the_progress_file_gets_one_json_line_per_attempt(tmp_path, monkeypatch, capsys):
    path = tmp_path / "ada.jsonl"
    monkeypatch.setenv("CARRYLAB_PROGRESS", str(path))
    before = len(progress())
    check("00.to_bits", copy_of(EXERCISES["00.to_bits"].wrong))
    grade("00.to_bits", copy_of(EXERCISES["00.to_bits"].reference))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == progress()[before:]
    assert [json.loads(line)["passed"] for line in lines] == [False, True]
    check("00.to_bits", ...)                               # appended, never rewritten
    assert path.read_text(encoding="utf-8").splitlines()[:2] == lines
    assert len(path.read_text(encoding="utf-8").splitlines()) == 3
    assert capsys.readouterr().err == ""


def test_a_progress_file_that_cannot_be_written_never_stops_a_check(tmp_path, monkeypatch,
                                                                    capsys):
    monkeypatch.setenv("CARRYLAB_PROGRESS", str(tmp_path / "no-such-folder" / "p.jsonl"))
    assert check("00.to_bits", copy_of(EXERCISES["00.to_bits"].reference)) is True
    grade("00.to_bits", copy_of(EXERCISES["00.to_bits"].reference))
    out = capsys.readouterr()
    assert out.err == ""
    notes = [line for line in out.out.splitlines() if line.startswith("(progress not saved")]
    assert len(notes) == 2 and "no-such-folder" in notes[0]
