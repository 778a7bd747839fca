"""The exercise checker: right answers pass in any reasonable type, wrong ones get one
clear explanation and a hint that grows more specific, the library's own answers and
constant answers are refused, and no value question is answered by its checker."""
from __future__ import annotations

import re

import numpy as np
import pytest

from carrylab import exercises
from carrylab.exercises import EXERCISES, check, copy_of, hint, reset_attempts, set_student, variant
from carrylab.exercises.judging import student_function

IDS = sorted(EXERCISES)
NOTEBOOKS = ("00", "01", "02", "03", "04", "05", "06")


@pytest.fixture(autouse=True)
def fresh_attempts():
    reset_attempts()
    set_student(None)
    yield
    reset_attempts()
    set_student(None)


def one_verdict(out: str, ex_id: str, mark: str) -> str:
    """The checker's first line, after checking it is the only verdict and is short."""
    lines = out.strip().splitlines()
    assert lines and lines[0].startswith(f"{mark} {ex_id}:"), out
    assert "Traceback" not in out and len(out) < 700, out
    return lines[0]


def test_registry_covers_every_notebook():
    assert {i.split(".")[0] for i in IDS} == set(NOTEBOOKS)
    for nb in NOTEBOOKS:
        assert len(exercises.exercises(nb + ".")) >= 2, nb


@pytest.mark.parametrize("ex_id", IDS)
def test_accepts_the_reference(ex_id, capsys):
    assert check(ex_id, copy_of(EXERCISES[ex_id].reference)) is True
    one_verdict(capsys.readouterr().out, ex_id, "✓")


FUNCTION_IDS = [i for i in IDS if callable(EXERCISES[i].reference)]


@pytest.mark.parametrize("ex_id", FUNCTION_IDS)
def test_refuses_the_checkers_own_example_function(ex_id, capsys):
    """The reference ships with carrylab: handing it in (or a function sharing its code)
    is not the student's work, whichever exercise it is handed in for."""
    reference = EXERCISES[ex_id].reference
    assert check(ex_id, reference) is False
    line = one_verdict(capsys.readouterr().out, ex_id, "✗")
    assert f"checker's own example answer to {ex_id}" in line
    alias = type(reference)(reference.__code__, reference.__globals__, "renamed")
    assert check(ex_id, alias) is False
    other = next(i for i in FUNCTION_IDS if i != ex_id)
    assert check(other, reference) is False
    assert f"example answer to {ex_id}" in capsys.readouterr().out


def _numpy_kind(value):
    """The same answer in NumPy types: numbers as NumPy scalars, lists as arrays."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return np.int64(value)
    if isinstance(value, float):
        return np.float64(value)
    if isinstance(value, list):
        return np.asarray(value)
    if isinstance(value, tuple):
        return tuple(_numpy_kind(v) for v in value)
    if isinstance(value, dict):
        return {k: _numpy_kind(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("ex_id", IDS)
def test_accepts_the_reference_in_numpy_types(ex_id, capsys):
    reference = EXERCISES[ex_id].reference
    if callable(reference):
        answer = student_function(
            "def answer(*args):\n    return numpy_kind(reference(*args))", "answer",
            numpy_kind=_numpy_kind, reference=reference)
        answer.__name__ = reference.__name__
        if ex_id in ("01.full_adder", "06.word_full_adder"):    # operators are checked too
            answer = copy_of(reference)
    else:
        answer = _numpy_kind(reference)
    assert check(ex_id, answer) is True, capsys.readouterr().out


@pytest.mark.parametrize("ex_id", IDS)
def test_rejects_a_wrong_answer_with_an_explanation_and_a_hint(ex_id, capsys):
    assert check(ex_id, copy_of(EXERCISES[ex_id].wrong)) is False
    out = capsys.readouterr().out
    first = one_verdict(out, ex_id, "✗")
    assert "Hint:" in out
    assert re.search(r"expected|should|not right|is off|too|not that|different|wrong", first), first


@pytest.mark.parametrize("ex_id", IDS)
def test_refuses_the_librarys_own_answer_and_constant_answers(ex_id, capsys):
    ex = EXERCISES[ex_id]
    assert ex.shortcuts, f"{ex_id}: name at least one shortcut the checker must refuse"
    for make in ex.shortcuts:
        assert check(ex_id, make()) is False, f"{ex_id} accepted a shortcut"
        one_verdict(capsys.readouterr().out, ex_id, "✗")
    constant = (student_function("def answer(*args):\n    return 0", "answer")
                if callable(ex.reference) else 0)
    assert check(ex_id, constant) is False
    one_verdict(capsys.readouterr().out, ex_id, "✗")


ODD_ANSWERS = ["eight", 3.5, {"x": 1}, np.zeros((40, 40)), [1, "a"], object(),
               student_function("def answer(*args):\n    return {'s': 1}", "answer"),
               student_function("def answer(*args):\n    import numpy as np\n"
                                "    return np.zeros((50, 50))", "answer"),
               student_function("def answer(*args):\n    return 'text'", "answer")]


@pytest.mark.parametrize("ex_id", IDS)
def test_every_wrong_type_gets_one_clear_line(ex_id, capsys):
    for odd in ODD_ANSWERS:
        assert check(ex_id, odd) is False
        line = one_verdict(capsys.readouterr().out, ex_id, "✗")
        assert "0.   0.   0." not in line                       # no array dumped


VALUE_QUESTIONS = [i for i in IDS if not callable(EXERCISES[i].reference)]


@pytest.mark.parametrize("ex_id", VALUE_QUESTIONS)
def test_value_questions_never_print_their_answer(ex_id, capsys):
    """Three wrong tries (hints at every level) and the answer's values never appear."""
    ex = EXERCISES[ex_id]
    for _ in range(3):
        check(ex_id, copy_of(ex.wrong))
    out = capsys.readouterr().out
    hints = [line for line in out.splitlines() if "Hint:" in line]
    assert len({h for h in hints}) == min(3, len(ex.hints))       # they escalate
    if isinstance(ex.reference, dict):
        for key, value in ex.reference.items():
            if isinstance(value, list):
                assert str(value) not in out, (key, out)


def test_hints_escalate_with_failed_tries_and_with_hint_calls(capsys):
    ex = EXERCISES["01.full_adder"]
    for k in range(4):
        check("01.full_adder", copy_of(ex.wrong))
        out = capsys.readouterr().out
        assert f"Hint: {ex.hints[min(k, len(ex.hints) - 1)]}" in out
    reset_attempts()
    assert hint("02.carry_combine") == EXERCISES["02.carry_combine"].hints[0]
    assert hint("02.carry_combine") == EXERCISES["02.carry_combine"].hints[1]
    assert "(2 of 3)" in capsys.readouterr().out
    check("02.carry_combine", copy_of(EXERCISES["02.carry_combine"].wrong))  # never behind the hints asked
    assert EXERCISES["02.carry_combine"].hints[2] in capsys.readouterr().out


def test_placeholders_are_not_attempted(capsys):
    for ex_id in IDS:
        assert check(ex_id, ...) is False
    unfinished = NotImplementedError              # what a student's placeholder raises

    def combine(hi, lo):
        raise unfinished("to do")

    def full_adder(a, b, cin):
        return ...
    assert check("01.full_adder", full_adder) is False
    assert check("02.carry_combine", combine) is False
    assert check("02.gp_carries", {"g": [0, 1, 0, 0], "p": ..., "c": ...}) is False
    out = capsys.readouterr().out
    assert out.count("not attempted yet") == len(IDS) + 3


def test_a_crash_in_the_students_code_is_reported_not_raised(capsys):
    broken = student_function("def to_bits(x, n):\n    return [x // 0]", "to_bits")
    assert check("00.to_bits", broken) is False
    out = capsys.readouterr().out
    assert "to_bits(6, 4) raised ZeroDivisionError" in out and "Hint:" in out


def test_operators_outside_the_allowed_set_are_named(capsys):
    sneaky = student_function("def full_adder(a, b, cin):\n"
                              "    t = a + b + cin\n"
                              "    return t % 2, t // 2", "full_adder")
    assert check("01.full_adder", sneaky) is False
    assert "uses the operators % + //; the exercise allows only & ^ |" in capsys.readouterr().out


def test_a_helper_that_calls_the_library_is_found(capsys):
    import adders
    helper = student_function("def helper(n):\n    return adders.ripple_carry(n)", "helper",
                              adders=adders)
    sneaky = student_function("def make_ripple4():\n    return helper(4)", "make_ripple4",
                              helper=helper)
    assert check("01.ripple4", sneaky) is False
    assert "helper imports or uses carrylab's package 'adders'" in capsys.readouterr().out


def test_variants_give_students_their_own_numbers(capsys):
    assert variant("02.gp_carries") == {"a": 11, "b": 6}
    mine = variant("02.gp_carries", student="ada")
    assert mine == variant("02.gp_carries", student="ada")          # stable
    drawn = {tuple(variant("02.gp_carries", student=f"s{k}").values()) for k in range(20)}
    assert len(drawn) > 10                                          # students differ
    other = next(f"s{k}" for k in range(20)
                 if variant("02.gp_carries", student=f"s{k}") != {"a": 11, "b": 6})
    set_student(other)
    assert check("02.gp_carries", copy_of(EXERCISES["02.gp_carries"].reference)) is False   # 11 + 6's
    from carrylab.exercises.nb02 import gp_table
    assert check("02.gp_carries", gp_table(**variant("02.gp_carries"))) is True
    capsys.readouterr()


def test_unknown_id_raises_with_the_known_ids():
    with pytest.raises(KeyError, match="01.full_adder"):
        check("01.no_such_exercise", 1)
    with pytest.raises(KeyError):
        hint("99.nothing")


def test_the_student_id_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CARRYLAB_STUDENT", "grace")
    assert variant("02.gp_carries") == variant("02.gp_carries", student="grace")
    monkeypatch.delenv("CARRYLAB_STUDENT")
    assert variant("02.gp_carries") == {"a": 11, "b": 6}
