"""One error family, NumPy integers wherever Python ints go, and limits before work.

The family is checked from the source: every ``raise`` in the four packages raises a
carrylab class (no bare built-in), and every exception class they define derives from
:class:`CarrylabError` (the checker's private control-flow signals aside)."""
from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import numpy as np
import pytest

import adders
import carrylab
import rnn
import viz
from adders.errors import CarrylabError, CarrylabTypeError, CarrylabValueError

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("adders", "rnn", "viz", "carrylab")
BUILTINS = {"ValueError", "TypeError", "RuntimeError", "KeyError", "IndexError", "OSError",
            "Exception", "AssertionError", "ArithmeticError", "LookupError"}
# The exercise checker's signals between its own functions, never seen by a caller.
CONTROL_FLOW = {"NotAttempted", "Problem", "_TimedOut", "_Alarm"}


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "course/src" not in path.as_posix():    # notebook sources, not modules
                yield path


def test_no_bare_builtin_exception_is_raised():
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) \
                    and isinstance(node.exc.func, ast.Name) and node.exc.func.id in BUILTINS:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} raises {node.exc.func.id}")
    # The one exception: the checker reports a student's crash as RuntimeError to check(),
    # which prints it (it never leaves carrylab.exercises).
    offenders = [o for o in offenders if not o.startswith("carrylab/exercises/")
                 or "RuntimeError" not in o]
    assert not offenders, "raise carrylab's classes instead:\n" + "\n".join(offenders)


def _modules():
    for package in (adders, rnn, viz, carrylab):
        yield package
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if info.name.startswith("viz.widgets") or ".course.src" in info.name \
                    or info.name.endswith("__main__"):
                continue
            yield importlib.import_module(info.name)


def test_every_exception_class_is_a_carrylab_error():
    found = {}
    for module in _modules():
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, BaseException) \
                    and obj.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = obj
    assert len(found) >= 10
    strays = [k for k, c in found.items()
              if not issubclass(c, CarrylabError) and k.rsplit(".", 1)[1] not in CONTROL_FLOW]
    assert not strays, f"derive these from CarrylabError: {strays}"
    # ... and from the matching built-in, so code catching those keeps working
    from rnn.checkpoint import CheckpointError
    from rnn.runs import RunFolderError
    from rnn.tasks import TaskError
    from rnn.train import TrainingDiverged
    assert issubclass(adders.PrefixNetworkError, ValueError)
    assert issubclass(CheckpointError, ValueError) and issubclass(TaskError, ValueError)
    assert issubclass(RunFolderError, OSError) and issubclass(TrainingDiverged, RuntimeError)


# ------------------------------------------------------------------ NumPy integers
@pytest.mark.parametrize("kind", [np.int64, np.int32, np.uint8])
def test_numpy_integers_are_ints_everywhere(kind):
    from adders.prefix import from_taxonomy, knowles, kogge_stone
    from rnn.tasks import binary_addition
    from rnn.train import TrainConfig
    assert adders.build("ripple", kind(8)).evaluate(a=kind(200), b=kind(100)) == {"s": 44, "cout": 1}
    assert adders.build("carry-skip", kind(8), block=kind(4)).stats()["gates"] > 0
    assert kogge_stone(kind(8)).n == 8 and isinstance(kogge_stone(kind(8)).n, int)
    assert knowles(kind(8), [kind(1), kind(1), kind(1)]).depth == 3
    assert from_taxonomy(kind(8), kind(1), kind(1), kind(0)).n == 8
    config = TrainConfig(hidden=kind(8), levels=kind(2), epochs=kind(1), seed=kind(3))
    assert config.hidden == 8 and type(config.hidden) is int      # JSON-safe in checkpoints
    assert binary_addition(kind(4), n_train=kind(8), n_valid=kind(4), n_test=kind(4)).input_size == 2
    assert viz.receptive_field_size(kind(2), kind(4)) == 16


def test_bools_and_floats_are_not_widths():
    with pytest.raises(CarrylabTypeError, match="n must be an int in .*got the bool True"):
        adders.build("ripple", True)
    with pytest.raises(CarrylabTypeError, match="n must be an int .*got 8.0 of type float"):
        adders.build("ripple", 8.0)


# ------------------------------------------------------------------ limits
def test_limits_are_checked_before_any_work():
    from adders.prefix import MAX_BITS, kogge_stone
    from adders.timing import MAX_DELAY, Delays
    from rnn.tasks import MAX_VALUES, adding_problem, binary_addition
    from rnn.train import LIMITS, TrainConfig
    from viz.rnn import MAX_DRAWN_FIELD
    with pytest.raises(CarrylabValueError, match=f"n must be an int in \\[1, {MAX_BITS:,}\\], got 1000000"):
        kogge_stone(10**6)
    with pytest.raises(CarrylabValueError, match=f"must be at most {MAX_DELAY:,}"):
        Delays(default=1e308)
    with pytest.raises(CarrylabValueError, match="Delays per_kind\\['XOR'\\] must be at most"):
        Delays(per_kind={"XOR": 10**12})
    with pytest.raises(CarrylabValueError, match=f"above the limit of {MAX_VALUES:,}"):
        adding_problem(T=100_000, n_train=10_000)
    with pytest.raises(CarrylabValueError, match="binary addition: .*values, above the limit"):
        binary_addition(n_bits=4096, n_train=10**6)
    with pytest.raises(CarrylabValueError, match=f"hidden must be an int in \\[1, {LIMITS['hidden']:,}\\]"):
        TrainConfig(hidden=LIMITS["hidden"] + 1)
    with pytest.raises(CarrylabValueError, match=f"draws at most {MAX_DRAWN_FIELD:,}"):
        viz.receptive_field(2, 40)
    assert viz.receptive_field_size(2, 40) == 2 ** 40     # the size itself is pure arithmetic


def test_limits_let_the_largest_allowed_sizes_through():
    import matplotlib.pyplot as plt

    from viz.rnn import MAX_DRAWN_FIELD
    fig = viz.receptive_field(2, 10)                        # R = 1,024 = the limit
    assert viz.receptive_field_size(2, 10) == MAX_DRAWN_FIELD
    plt.close(fig)


# ------------------------------------------------------------------ the checker's time limit
def test_an_endless_student_function_is_stopped(capsys, monkeypatch):
    import time

    from carrylab import exercises
    monkeypatch.setattr(exercises.judging, "TIME_LIMIT", 0.5)

    def full_adder(a, b, cin):
        while True:
            try:
                time.sleep(0.01)
            except Exception:                  # a student's blanket except cannot swallow it
                pass
    t0 = time.perf_counter()
    assert exercises.check("01.full_adder", full_adder) is False
    assert time.perf_counter() - t0 < 5
    out = capsys.readouterr().out
    assert "full_adder(0, 0, 0) was stopped after 0.5 s without returning" in out


def test_the_time_limit_works_off_the_main_thread_and_restores_timers(capsys, monkeypatch):
    import signal
    import threading
    import time

    from carrylab import exercises
    monkeypatch.setattr(exercises.judging, "TIME_LIMIT", 0.3)

    released = threading.Event()

    def loops(a, b, cin):                # endless for the checker; ends with the test
        while not released.is_set():
            time.sleep(0.01)
    results = []
    worker = threading.Thread(target=lambda: results.append(exercises.check("01.full_adder", loops)))
    worker.start()
    worker.join(10)
    released.set()                       # the abandoned call must not outlive the test
    assert results == [False] and "was stopped after 0.3 s" in capsys.readouterr().out
    # a timer someone else had set survives a check
    signal.signal(signal.SIGALRM, lambda *a: None)
    signal.setitimer(signal.ITIMER_REAL, 100.0)
    try:
        exercises.check("01.full_adder", lambda a, b, c: (a ^ b ^ c, (a & b) | (c & (a ^ b))))
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 90 < remaining <= 100
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
