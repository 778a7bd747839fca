"""The tools judges use: calling a student's function safely, reading answers of any
reasonable type, and seeing what a student's code is made of.

* :func:`call` runs a student's function with a time limit (:data:`TIME_LIMIT`
  seconds per call) and turns the placeholder into :class:`NotAttempted`.
* ``as_int``, ``as_number``, ``as_bits``, ``as_pair`` and ``as_array`` accept Python and
  NumPy numbers, lists, tuples and arrays, and answer a wrong type with one sentence
  (returned, never raised), so no answer makes the checker crash or dump an array.
* :func:`own_work` reads a student's function (its bytecode, nested functions and the
  helper functions it calls from the notebook) and reports a call into carrylab's
  packages, or an operator outside an allowed set, so a build-it-yourself exercise can
  refuse the library's own answer.
"""
from __future__ import annotations

import dis
import numbers
import signal
import threading
import types

import numpy as np

__all__ = ["TIME_LIMIT", "NotAttempted", "Problem", "call", "as_int", "as_number", "as_bits",
           "as_pair", "as_array", "own_work", "student_function", "copy_of", "first_difference",
           "describe", "LIBRARY", "VERDICTS", "network_label"]

#: Seconds a student's function may run for one call before the checker stops it.
TIME_LIMIT = 20.0
#: carrylab's top-level packages: a student's code that reaches into them for the very
#: thing an exercise asks for is not the student's own work.
LIBRARY = ("adders", "rnn", "viz", "carrylab")


class NotAttempted(Exception):
    """The answer still holds the notebook's placeholder."""


class Problem(Exception):
    """A judged answer that is wrong; the message says what went in, what came back and
    what was expected (judges may raise it from deep inside a helper)."""


class _TimedOut(Exception):
    """A student's function ran past TIME_LIMIT (the message says which call)."""


#: What a judge's verdict against an answer may be raised as: a Problem, or the answer
#: running past TIME_LIMIT. Its message is what the student reads.
VERDICTS = (Problem, _TimedOut)


class _Alarm(BaseException):
    """Raised inside the student's code by the timer; a BaseException so that an
    ``except Exception`` in their code cannot swallow it."""


# ---------------------------------------------------------------------------- calling
def call(fn, *args, name: str | None = None):
    """``fn(*args)`` within :data:`TIME_LIMIT`; the placeholder (``...`` returned or
    NotImplementedError raised) becomes :class:`NotAttempted`; a crash becomes a
    :class:`Problem` naming the call."""
    if fn is ... or fn is None:
        raise NotAttempted
    if not callable(fn):
        raise Problem(f"expected a function, got {describe(fn)}")
    label = f"{name or getattr(fn, '__name__', 'your function')}({', '.join(_short(a) for a in args)})"
    try:
        out = _within_time_limit(fn, args)
    except NotImplementedError:
        raise NotAttempted from None
    except _Alarm:
        raise _TimedOut(f"{label} was stopped after {TIME_LIMIT:g} s without returning: "
                        f"does a loop never end?") from None
    except Exception as err:
        raise Problem(f"{label} raised {type(err).__name__}: {_first_line(err)}") from None
    if out is ...:
        raise NotAttempted
    return out


def _within_time_limit(fn, args):
    """``fn(*args)``, interrupted with :class:`_Alarm` after TIME_LIMIT seconds.

    In the main thread (where notebook cells run) a SIGALRM timer interrupts the
    function itself, and any timer already set (a test runner's) is put back after.
    Elsewhere, or without SIGALRM, the call runs in a helper thread that is abandoned
    when time is up (it may go on in the background; restarting the kernel stops it).
    """
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        def ring(signum, frame):
            raise _Alarm
        previous = signal.signal(signal.SIGALRM, ring)
        old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
        try:
            return fn(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if old_delay:
                signal.setitimer(signal.ITIMER_REAL, old_delay, old_interval)
    box: dict = {}

    def work():
        try:
            box["out"] = fn(*args)
        except BaseException as err:             # handed over to the caller below
            box["err"] = err
    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(TIME_LIMIT)
    if worker.is_alive():
        raise _Alarm
    if "err" in box:
        raise box["err"]
    return box["out"]


# ---------------------------------------------------------------------------- reading answers
def describe(value) -> str:
    """A short description of any value: small ones shown, large ones summarised."""
    if isinstance(value, np.ndarray):
        if value.size <= 8:
            return f"the array {np.array2string(value, precision=4, separator=', ')}"
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 80:
        return f"a {type(value).__name__} ({text[:60]}...)"
    return f"{text} (a {type(value).__name__})" if not isinstance(value, str) else text


def _short(value) -> str:
    if isinstance(value, np.ndarray):
        return f"<array {value.shape}>" if value.size > 8 else np.array2string(value, separator=", ")
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__


def _placeholder(value) -> None:
    if value is ...:
        raise NotAttempted


def as_int(value, what: str) -> int:
    """An integer from an int, a NumPy integer, a bool-free whole float or a 0-d array."""
    _placeholder(value)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)):
        raise Problem(f"{what} should be a whole number, got the bool {value}")
    if isinstance(value, (numbers.Integral, np.integer)):
        return int(value)
    if isinstance(value, (numbers.Real, np.floating)) and float(value).is_integer():
        return int(value)
    raise Problem(f"{what} should be a whole number, got {describe(value)}")


def as_number(value, what: str) -> float:
    """A float from any real number (Python or NumPy) or a 0-d array."""
    _placeholder(value)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        raise Problem(f"{what} should be a number, got {describe(value)}")
    return float(value)


def as_bits(value, what: str, length: int | None = None) -> list[int]:
    """A list of 0/1 from a list, tuple or 1-d array of ints, bools or whole floats."""
    _placeholder(value)
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise Problem(f"{what} should be a list of 0s and 1s, got {describe(value)}")
    if isinstance(value, np.ndarray) and value.ndim != 1:
        raise Problem(f"{what} should be a list of 0s and 1s, got {describe(value)}")
    items = list(value)
    bits = []
    for k, item in enumerate(items):
        _placeholder(item)
        try:
            bit = as_int(item, f"{what}[{k}]") if not isinstance(item, (bool, np.bool_)) else int(item)
        except Problem:
            raise Problem(f"{what} should hold only 0s and 1s; item {k} is {describe(item)}") from None
        if bit not in (0, 1):
            raise Problem(f"{what} should hold only 0s and 1s; item {k} is {bit}")
        bits.append(bit)
    if length is not None and len(bits) != length:
        raise Problem(f"{what} has {len(bits)} entries; it needs exactly {length}")
    return bits


def as_pair(value, what: str) -> tuple:
    """Two values from a tuple, list or length-2 array (not a dict or a string)."""
    _placeholder(value)
    if isinstance(value, (dict, str, bytes)):
        raise Problem(f"{what} should be a pair (two values), got {describe(value)}")
    try:
        first, second = value
    except (TypeError, ValueError):
        raise Problem(f"{what} should be a pair (two values), got {describe(value)}") from None
    _placeholder(first)
    _placeholder(second)
    return first, second


def as_array(value, what: str, shape: tuple) -> np.ndarray:
    """A float array of exactly ``shape`` from an array, list or number."""
    _placeholder(value)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Problem(f"{what} should be an array of numbers, got {describe(value)}") from None
    if arr.shape != shape:
        raise Problem(f"{what} should have shape {shape}, got shape {arr.shape}")
    return arr


# ---------------------------------------------------------------------------- own work
_OPERATORS = {"BINARY_ADD": "+", "BINARY_SUBTRACT": "-", "BINARY_MULTIPLY": "*",
              "BINARY_TRUE_DIVIDE": "/", "BINARY_FLOOR_DIVIDE": "//", "BINARY_MODULO": "%",
              "BINARY_POWER": "**", "BINARY_LSHIFT": "<<", "BINARY_RSHIFT": ">>",
              "BINARY_AND": "&", "BINARY_OR": "|", "BINARY_XOR": "^",
              "BINARY_MATRIX_MULTIPLY": "@", "UNARY_INVERT": "~", "UNARY_NEGATIVE": "-"}


def _operators(code: types.CodeType) -> set[str]:
    """The arithmetic and bitwise operators one code object uses (augmented too)."""
    found = set()
    for ins in dis.get_instructions(code):
        if ins.opname == "BINARY_OP":                      # Python >= 3.11
            found.add(ins.argrepr.rstrip("="))
        elif ins.opname.startswith("INPLACE_"):
            found.add(_OPERATORS.get("BINARY_" + ins.opname[len("INPLACE_"):], ins.opname))
        elif ins.opname in _OPERATORS:
            found.add(_OPERATORS[ins.opname])
    return found


def _codes(code: types.CodeType):
    """``code`` and every function, lambda and comprehension defined inside it."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _library_name(obj) -> str | None:
    """``adders.build`` for an object of carrylab's packages, else None."""
    if isinstance(obj, types.ModuleType):
        name = obj.__name__
    else:
        name = getattr(obj, "__module__", None) or ""
        if name:
            name = f"{name}.{getattr(obj, '__qualname__', getattr(obj, '__name__', ''))}"
    return name if name.split(".")[0] in LIBRARY else None


def own_work(fn, allowed_library=(), allowed_operators=None, banned_names=()) -> str | None:
    """None if ``fn`` is the student's own work, else one sentence saying why not.

    Looks at ``fn``'s code, every function nested in it and every plain function of the
    notebook it calls (by global name, any depth): a reference to a module or object of
    carrylab's packages not in ``allowed_library`` (names like ``"Circuit"``), a name in
    ``banned_names`` (built-ins such as ``"sum"``) or, when ``allowed_operators`` is given,
    an operator outside it, is reported. A function of carrylab itself is refused too.
    """
    library = _library_name(fn)
    if library is not None:
        return f"that is carrylab's own {library}; the exercise asks you to write it yourself"
    seen, todo = set(), [fn]
    while todo:
        f = todo.pop()
        code = getattr(f, "__code__", None)
        if code is None or id(code) in seen:
            continue
        seen.add(id(code))
        scope = getattr(f, "__globals__", {})
        for c in _codes(code):
            for name in c.co_names:
                if name in banned_names:
                    return f"{f.__name__} uses {name}(), which the exercise rules out"
                if name.split(".")[0] in LIBRARY and name not in allowed_library:
                    return (f"{f.__name__} imports or uses carrylab's package {name!r}; the exercise "
                            f"asks you to do it yourself (allowed from carrylab: "
                            f"{', '.join(allowed_library) or 'nothing'})")
                if name not in scope:
                    continue
                obj = scope[name]
                owner = _library_name(obj)
                if owner is not None and name not in allowed_library:
                    return (f"{f.__name__} calls carrylab's own {owner}; the exercise asks you to "
                            f"do that part yourself (allowed from carrylab: "
                            f"{', '.join(allowed_library) or 'nothing'})")
                if isinstance(obj, types.FunctionType) and owner is None:
                    todo.append(obj)                      # a helper the student wrote
            if allowed_operators is not None:
                extra = sorted(_operators(c) - set(allowed_operators))
                if extra:
                    return (f"{f.__name__} uses the operator{'s' if len(extra) > 1 else ''} "
                            f"{' '.join(extra)}; the exercise allows only "
                            f"{' '.join(sorted(allowed_operators))}")
    return None


def student_function(source: str, name: str, **names):
    """The function ``name`` defined by ``source`` as a notebook cell would define it
    (module ``__main__``, ``names`` as the notebook's globals). Used to write the
    shortcuts a student might try, and by hidden tests. The function keeps its text in
    its ``source`` attribute (the teacher's guide shows the typical wrong answers)."""
    scope = {"__name__": "__main__", **names}
    exec(compile(source, f"<cell defining {name}>", "exec"), scope)
    scope[name].source = source
    return scope[name]


def first_difference(cases, got_of, want_of, explain) -> str | None:
    """The loop at the heart of most judges: try each case in order and return
    ``explain(case, got, want)`` for the first where ``got_of(case) != want_of(case)``,
    or None when every case agrees."""
    for case in cases:
        got, want = got_of(case), want_of(case)
        if got != want:
            return explain(case, got, want)
    return None


def copy_of(answer):
    """A student's own copy of one of the checker's example answers: the same source run
    again (a new function), or a deep copy of a value. The checker refuses its example
    objects themselves, since those ship with carrylab; tests and the teacher's guide
    judge copies."""
    import copy
    source = getattr(answer, "source", None)
    if source is None:
        return copy.deepcopy(answer)
    names = {k: v for k, v in answer.__globals__.items() if k not in ("__builtins__", "__name__")}
    return student_function(source, answer.__name__, **names)


def network_label(net) -> str:
    """A prefix network as the call that builds it, e.g. ``kogge_stone(8)``."""
    return f"{net.name.replace('-', '_')}({net.n})"
