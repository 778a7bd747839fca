"""The exercise checker: every exercise accepts its reference answer, rejects a typical
wrong one with a specific message and a hint, and reports the placeholder as not attempted."""
from __future__ import annotations

import pytest

from carrylab import exercises
from carrylab.exercises import EXERCISES, check, hint

IDS = sorted(EXERCISES)


def test_registry_covers_every_notebook():
    notebooks = {i.split(".")[0] for i in IDS}
    assert notebooks == {"00", "01", "02", "03", "04", "05", "06"}
    for nb in notebooks:
        assert 2 <= len(exercises.exercises(nb + ".")) <= 4, nb


@pytest.mark.parametrize("ex_id", IDS)
def test_accepts_the_reference(ex_id, capsys):
    assert check(ex_id, EXERCISES[ex_id].reference) is True
    out = capsys.readouterr().out
    assert out.startswith(f"✓ {ex_id}:")


@pytest.mark.parametrize("ex_id", IDS)
def test_rejects_a_wrong_answer_with_a_helpful_message(ex_id, capsys):
    assert check(ex_id, EXERCISES[ex_id].wrong) is False
    out = capsys.readouterr().out
    assert out.startswith(f"✗ {ex_id}:")
    assert "Hint:" in out
    first = out.splitlines()[0]
    # says what was expected (and, for values, what came back)
    assert "expected" in first or "the right answer is" in first or "says" in first, first


@pytest.mark.parametrize("ex_id", IDS)
def test_placeholder_is_not_attempted(ex_id, capsys):
    assert check(ex_id, ...) is False
    assert "not attempted yet" in capsys.readouterr().out


def test_stub_functions_are_not_attempted(capsys):
    def full_adder(a, b, cin):
        return ...

    unfinished = NotImplementedError          # what a student's placeholder raises

    def combine(hi, lo):
        raise unfinished("to do")

    assert check("01.full_adder", full_adder) is False
    assert check("02.carry_combine", combine) is False
    assert capsys.readouterr().out.count("not attempted yet") == 2


def test_partly_filled_dict_is_not_attempted(capsys):
    assert check("02.gp_carries", {"g": [0, 1, 0, 0], "p": ..., "c": ...}) is False
    assert "not attempted yet" in capsys.readouterr().out


def test_crashing_answer_is_reported_not_raised(capsys):
    def full_adder(a, b, cin):
        return a / 0

    assert check("01.full_adder", full_adder) is False
    out = capsys.readouterr().out
    assert "ZeroDivisionError" in out and "full_adder(0, 0, 0)" in out and "Hint:" in out


def test_wrong_type_is_explained(capsys):
    assert check("01.settle_time", "eight") is False
    assert "should be a number" in capsys.readouterr().out
    assert check("04.receptive_field", 7) is False
    assert "expected a function" in capsys.readouterr().out


def test_wrong_bit_order_is_named(capsys):
    assert check("00.to_bits", lambda x, n: [int(c) for c in format(x, f"0{n}b")]) is False
    assert "wrong order" in capsys.readouterr().out


def test_unknown_id_raises_with_the_known_ids():
    with pytest.raises(KeyError, match="01.full_adder"):
        check("01.no_such_exercise", 1)
    with pytest.raises(KeyError):
        hint("99.nothing")


def test_hint_prints_and_returns(capsys):
    text = hint("01.full_adder")
    assert text and text in capsys.readouterr().out
