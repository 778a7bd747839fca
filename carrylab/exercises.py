"""Exercises that check themselves: the checker behind the course notebooks.

Every exercise is a small spec in :data:`EXERCISES`, keyed by an id such as
``"01.full_adder"`` (notebook number, dot, name). A spec knows how to judge an answer
against a reference, what a plausible wrong answer looks like (the tests use it), and
a hint. In a notebook::

    >>> from carrylab.exercises import check
    >>> def full_adder(a, b, cin):
    ...     s = a ^ b ^ cin
    ...     return s, (a & b) | ((a ^ b) & cin)
    >>> check("01.full_adder", full_adder)
    ✓ 01.full_adder: all 8 input combinations give the right (s, cout).
    True

:func:`check` prints ✓ or a precise message (what went in, what came back, what was
expected, a hint) and returns True or False. A wrong answer never raises; an answer
still holding the placeholder ``...`` (or a function that raises
``NotImplementedError``) is reported as "not attempted yet". An unknown id raises
:class:`UnknownExercise` (a KeyError) naming the known ids. A student's function that
runs longer than :data:`TIME_LIMIT` seconds is stopped and reported (an endless loop
cannot hang the notebook).
"""
from __future__ import annotations

import itertools
import math
import signal
import threading
from dataclasses import dataclass
from typing import Any, Callable

from adders.errors import CarrylabError, CarrylabTypeError, CarrylabValueError

__all__ = ["Exercise", "EXERCISES", "check", "hint", "exercises", "NotAttempted", "TIME_LIMIT",
           "UnknownExercise"]

#: Seconds a student's function may run for one call before the checker stops it.
TIME_LIMIT = 20.0


class UnknownExercise(CarrylabError, KeyError):
    """An exercise id that is not registered; the message lists the known ids."""

    def __str__(self) -> str:                    # a KeyError would print its repr
        return str(self.args[0])


class NotAttempted(Exception):
    """The answer still holds the notebook's placeholder."""


class _TimedOut(Exception):
    """A student's function ran past TIME_LIMIT (the message says which call)."""


class _Alarm(BaseException):
    """Raised inside the student's code by the timer; a BaseException so that an
    ``except Exception`` in their code cannot swallow it."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: how to judge an answer, plus a right and a wrong example.

    ``judge(answer)`` returns None when the answer is right, else a message saying
    what was expected and what came back; it raises :class:`NotAttempted` for the
    placeholder. ``reference`` and ``wrong`` are example answers (the tests use them).
    """

    id: str
    title: str
    judge: Callable[[Any], str | None]
    success: str
    hint: str
    reference: Any
    wrong: Any


EXERCISES: dict[str, Exercise] = {}


def _register(ex: Exercise) -> Exercise:
    if ex.id in EXERCISES:
        raise CarrylabValueError(f"exercise id {ex.id!r} registered twice")
    EXERCISES[ex.id] = ex
    return ex


def exercises(prefix: str = "") -> list[str]:
    """Ids of the registered exercises, optionally only those starting with ``prefix``."""
    return sorted(k for k in EXERCISES if k.startswith(prefix))


def _spec(exercise_id: str) -> Exercise:
    if not isinstance(exercise_id, str) or exercise_id not in EXERCISES:
        known = ", ".join(sorted(EXERCISES))
        raise UnknownExercise(f"unknown exercise id {exercise_id!r}; known ids: {known}")
    return EXERCISES[exercise_id]


def hint(exercise_id: str) -> str:
    """Print and return the hint of an exercise."""
    text = _spec(exercise_id).hint
    print(f"Hint for {exercise_id}: {text}")
    return text


def check(exercise_id: str, answer) -> bool:
    """Judge ``answer`` to exercise ``exercise_id``; print ✓ or what is wrong; return a bool.

    Raises
    ------
    UnknownExercise
        ``exercise_id`` is not a registered exercise (a KeyError; the message lists them).
    """
    ex = _spec(exercise_id)
    try:
        if answer is ... or answer is None:
            raise NotAttempted
        problem = ex.judge(answer)
    except NotAttempted:
        print(f"… {ex.id}: not attempted yet. Replace the `...` in the cell above with "
              f"your answer and run it again, then this cell.")
        return False
    except _TimedOut as err:
        print(f"✗ {ex.id}: {err}\n  Hint: {ex.hint}")
        return False
    except Exception as err:  # the student's code failed: report it, never raise
        print(f"✗ {ex.id}: checking your answer raised {type(err).__name__}: {err}\n"
              f"  Hint: {ex.hint}")
        return False
    if problem is None:
        print(f"✓ {ex.id}: {ex.success}")
        return True
    print(f"✗ {ex.id}: {problem}\n  Hint: {ex.hint}")
    return False


# ----------------------------------------------------------------------------- helpers
def _call(fn, *args):
    """Call a student's function; the placeholder (``...`` or NotImplementedError)
    becomes :class:`NotAttempted`; any other exception is reported with the call."""
    if not callable(fn):
        raise CarrylabTypeError(f"expected a function, got {type(fn).__name__} {fn!r}")
    shown = ", ".join(repr(a) for a in args)
    try:
        out = _within_time_limit(fn, args)
    except NotImplementedError:
        raise NotAttempted from None
    except _Alarm:
        raise _TimedOut(f"{getattr(fn, '__name__', 'your function')}({shown}) was stopped after "
                        f"{TIME_LIMIT:g} s without returning: does a loop never end?") from None
    except Exception as err:
        raise RuntimeError(f"{getattr(fn, '__name__', 'your function')}({shown}) raised "
                           f"{type(err).__name__}: {err}") from None
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


def _as_int_list(value, what: str) -> list[int] | str:
    if value is ...:
        raise NotAttempted
    try:
        items = list(value)
    except TypeError:
        return f"{what} should be a list of 0s and 1s, got {value!r}"
    out = []
    for v in items:
        if v is ...:
            raise NotAttempted
        try:
            iv = int(v)
        except (TypeError, ValueError):
            return f"{what} should hold only 0s and 1s, found {v!r}"
        if iv != v:
            return f"{what} should hold only whole numbers, found {v!r}"
        out.append(iv)
    return out


def _pair(value, what: str):
    if value is ...:
        raise NotAttempted
    try:
        first, second = value
    except (TypeError, ValueError):
        return None, f"{what} should be a pair (two values), got {value!r}"
    if first is ... or second is ...:
        raise NotAttempted
    return (first, second), None


def _bits(x: int, n: int) -> list[int]:
    return [(x >> i) & 1 for i in range(n)]


# ------------------------------------------------------------------- 00: the tour
def _ref_to_bits(x, n):
    return [(x >> i) & 1 for i in range(n)]


def _judge_to_bits(fn):
    for x, n in [(6, 4), (1, 3), (0, 2), (13, 4), (255, 8), (5, 6), (2**40 + 3, 42)]:
        got = _call(fn, x, n)
        want = _ref_to_bits(x, n)
        lst = _as_int_list(got, f"to_bits({x}, {n})")
        if isinstance(lst, str):
            return lst
        if lst != want:
            extra = ""
            if lst == want[::-1]:
                extra = " (that is the right bits in the wrong order: bit 0, the LSB, comes first)"
            elif len(lst) != n:
                extra = f" (length {len(lst)}; it must have exactly n = {n} bits)"
            return f"to_bits({x}, {n}) returned {lst}; expected {want}{extra}."
    return None


_register(Exercise(
    "00.to_bits", "Numbers to bit lists, LSB first", _judge_to_bits,
    "bits come out LSB first, with the right length.",
    "bit i of x is (x >> i) & 1; build [bit 0, bit 1, ..., bit n-1].",
    _ref_to_bits, lambda x, n: [int(c) for c in format(x, f"0{n}b")]))


def _ref_carries(a_bits, b_bits):
    c = [0]
    for a, b in zip(a_bits, b_bits):
        c.append((a & b) | ((a ^ b) & c[-1]))
    return c


def _judge_carries(fn):
    cases = [([1, 1, 0, 1], [1, 0, 1, 0]), ([1, 1, 1, 1], [1, 0, 0, 0]),
             ([0, 0, 0, 0], [0, 0, 0, 0]), ([1, 0], [1, 0]), ([1, 1, 1], [1, 1, 1])]
    for n in (3, 5):
        for a, b in itertools.product(range(2**n), repeat=2):
            if (a * 7 + b * 3) % 11 == 0:
                cases.append((_bits(a, n), _bits(b, n)))
    for a_bits, b_bits in cases:
        got = _call(fn, list(a_bits), list(b_bits))
        lst = _as_int_list(got, f"carries({a_bits}, {b_bits})")
        if isinstance(lst, str):
            return lst
        want = _ref_carries(a_bits, b_bits)
        if lst != want:
            extra = ""
            if len(lst) != len(want):
                extra = (f" The list must have n + 1 = {len(want)} entries: c[0] = 0 (no carry "
                         f"into bit 0), then the carry out of every bit.")
            return (f"carries(a_bits={a_bits}, b_bits={b_bits}) returned {lst}; "
                    f"expected {want}.{extra}")
    return None


_register(Exercise(
    "00.ripple_carries", "The carry chain as a loop", _judge_carries,
    "your loop carries exactly like a ripple adder.",
    "start with c = [0]; for each bit pair, the carry out is 1 when at least two of "
    "a, b and the incoming carry c[-1] are 1: (a & b) | ((a ^ b) & c[-1]).",
    _ref_carries, lambda a, b: [0] + [x & y for x, y in zip(a, b)]))


# ------------------------------------------------------- 01: gates and ripple carry
def _ref_full_adder(a, b, cin):
    return a ^ b ^ cin, (a & b) | ((a ^ b) & cin)


def _judge_full_adder(fn):
    for a, b, cin in itertools.product((0, 1), repeat=3):
        got = _call(fn, a, b, cin)
        pair, err = _pair(got, f"full_adder({a}, {b}, {cin})")
        if err:
            return err + "; return a tuple (s, cout)."
        want = _ref_full_adder(a, b, cin)
        if tuple(int(v) for v in pair) != want:
            return (f"full_adder(a={a}, b={b}, cin={cin}) returned (s, cout) = {tuple(pair)}; "
                    f"expected {want}: {a} + {b} + {cin} = {a + b + cin} = binary "
                    f"{want[1]}{want[0]}.")
    return None


_register(Exercise(
    "01.full_adder", "A full adder from Python bit operators", _judge_full_adder,
    "all 8 input combinations give the right (s, cout).",
    "s is 1 when an odd number of inputs is 1 (XOR of all three); cout is 1 when at "
    "least two are 1: (a & b) | ((a ^ b) & cin).",
    _ref_full_adder, lambda a, b, cin: (a ^ b ^ cin, a & b)))


def _ref_ripple4():
    from adders import ripple_carry
    return ripple_carry(4)          # the library's own ripple adder: five gates a bit


def _wrong_ripple4():
    from adders import Circuit
    c = Circuit("no_carry")
    a, b = c.add_input("a", 4), c.add_input("b", 4)
    c.add_input("cin", 1)
    for i in range(4):
        c.add_gate("XOR", [a[i], b[i]], f"s{i}")
    c.add_gate("AND", [a[3], b[3]], "cout")
    c.set_output("s", [f"s{i}" for i in range(4)])
    c.set_output("cout", ["cout"])
    return c


def _judge_ripple4(fn):
    from adders import Circuit
    circuit = _call(fn) if callable(fn) and not isinstance(fn, Circuit) else fn
    if not isinstance(circuit, Circuit):
        return f"expected an adders.Circuit (return it from your function), got {circuit!r}"
    try:
        circuit.validate()
    except Exception as err:
        return f"the circuit is not complete yet: {err}"
    widths = {}
    for bus in ("a", "b", "cin", "s", "cout"):
        try:
            widths[bus] = circuit.width(bus)
        except Exception:
            return (f"the circuit has no bus {bus!r}: it needs inputs a[4], b[4], cin[1] "
                    f"(add_input) and outputs s[4], cout[1] (set_output)")
    want_w = {"a": 4, "b": 4, "cin": 1, "s": 4, "cout": 1}
    if widths != want_w:
        return f"bus widths are {widths}; expected {want_w}"
    for a, b, cin in itertools.product(range(16), range(16), range(2)):
        got = circuit.evaluate(a=a, b=b, cin=cin)
        total = a + b + cin
        want = {"s": total & 15, "cout": total >> 4}
        if got != want:
            return (f"for a={a}, b={b}, cin={cin} your circuit gives {got}; expected {want} "
                    f"({a} + {b} + {cin} = {total}).")
    gates = circuit.stats()["gates"]
    if gates > 20:
        return (f"it adds correctly, but uses {gates} gates; a ripple-carry adder needs only "
                f"5 per bit (20). Reuse p = a ^ b for both the sum and the carry.")
    return None


_register(Exercise(
    "01.ripple4", "A 4-bit ripple-carry adder gate by gate", _judge_ripple4,
    "all 512 inputs add correctly with at most 20 gates.",
    "per bit i: p = XOR(a_i, b_i), g = AND(a_i, b_i), s_i = XOR(p, c_i), "
    "t = AND(p, c_i), c_(i+1) = OR(g, t); start with c_0 = cin and declare the outputs "
    "with set_output('s', [...]) and set_output('cout', [...]).",
    _ref_ripple4, _wrong_ripple4))


def _settle_reference():
    from adders import ripple_carry, simulate_transition
    trace = simulate_transition(ripple_carry(4), {"a": 0, "b": 0, "cin": 0},
                                {"a": 15, "b": 1, "cin": 0})
    return trace.settle("cout")[0]


def _judge_number(value, want, what, explain="", source="the right answer is"):
    if value is ...:
        raise NotAttempted
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{what} should be a number, got {value!r}"
    if value != want:
        return f"you said {value}; {source} {want}. {explain}".rstrip()
    return None


_register(Exercise(
    "01.settle_time", "Predict when cout settles", lambda v: _judge_number(
        v, _settle_reference(), "the settle time",
        "Count the gates on the longest chain from an input that changes to cout, one "
        "delay unit each.", source="the event-driven simulation says"),
    "that is exactly when the simulator sees cout settle.",
    "the carry starts at bit 0 (g0 = a0 & b0 rises after 1 gate), then every bit adds an "
    "AND and an OR: c1 at 2, t1 at 3, c2 at 4, ... count up to c4 = cout.",
    8, 4))


# --------------------------------------------------------- 02: carry lookahead
_GP_A, _GP_B = 0b1011, 0b0110


def _ref_gp():
    g = [(_GP_A >> i) & (_GP_B >> i) & 1 for i in range(4)]
    p = [((_GP_A ^ _GP_B) >> i) & 1 for i in range(4)]
    c = [0]
    for i in range(4):
        c.append(g[i] | (p[i] & c[i]))
    return {"g": g, "p": p, "c": c}


def _judge_gp(answer):
    if answer is ...:
        raise NotAttempted
    if not isinstance(answer, dict):
        return f"expected a dict with keys 'g', 'p', 'c', got {answer!r}"
    want = _ref_gp()
    for key, explain in (("g", "g_i = a_i AND b_i"), ("p", "p_i = a_i XOR b_i"),
                         ("c", "c_0 = 0, c_(i+1) = g_i OR (p_i AND c_i); 5 entries")):
        if key not in answer:
            return f"the dict has no key {key!r}"
        got = _as_int_list(answer[key], key)
        if isinstance(got, str):
            return got
        if got != want[key]:
            rev = " (reversed? lists are LSB first)" if got == want[key][::-1] else ""
            return f"{key} = {got}; expected {want[key]}{rev}. Rule: {explain}."
    return None


_register(Exercise(
    "02.gp_carries", "Generate, propagate and carries of 11 + 6 by hand", _judge_gp,
    "g, p and every carry are right.",
    "write a = 11 and b = 6 as 4 bits LSB first (a = [1, 1, 0, 1], b = [0, 1, 1, 0]) and "
    "apply the rules bit by bit.",
    _ref_gp(), {"g": [0, 1, 0, 0], "p": [1, 0, 1, 1], "c": [0, 0, 1, 0, 0]}))


def _ref_carry_combine(hi, lo):
    (g1, p1), (g0, p0) = hi, lo
    return g1 | (p1 & g0), p1 & p0


def _judge_combine(fn):
    for hi in itertools.product((0, 1), repeat=2):
        for lo in itertools.product((0, 1), repeat=2):
            got = _call(fn, hi, lo)
            pair, err = _pair(got, f"combine({hi}, {lo})")
            if err:
                return err + "; return (G, P)."
            want = _ref_carry_combine(hi, lo)
            if tuple(int(v) for v in pair) != want:
                return (f"combine(hi={hi}, lo={lo}) returned {tuple(pair)}; expected (G, P) = "
                        f"{want}. The upper group generates a carry if it generates one "
                        f"itself, or propagates one the lower group generates.")
    return None


_register(Exercise(
    "02.carry_combine", "The carry operator", _judge_combine,
    "all 16 input pairs combine correctly.",
    "G = g1 | (p1 & g0), P = p1 & p0, with (g1, p1) the upper (more significant) group.",
    _ref_carry_combine, lambda hi, lo: (hi[0] | lo[0], hi[1] & lo[1])))


def _judge_ks32(answer):
    if answer is ...:
        raise NotAttempted
    from adders.prefix import kogge_stone
    st = kogge_stone(32).stats()
    if not isinstance(answer, dict) or set(answer) != {"depth", "cells"}:
        return f"expected a dict {{'depth': ..., 'cells': ...}}, got {answer!r}"
    for key in ("depth", "cells"):
        if answer[key] is ...:
            raise NotAttempted
    if answer["depth"] != st["depth"]:
        return (f"depth {answer['depth']}; expected {st['depth']}: level k combines with "
                f"the position 2^k below, so log2(32) levels.")
    if answer["cells"] != st["cells"]:
        return (f"cells {answer['cells']}; expected {st['cells']}: at level k every "
                f"position i >= 2^k has a cell, so (32 - 1) + (32 - 2) + (32 - 4) + ...")
    return None


_register(Exercise(
    "02.kogge_stone_32", "Depth and cells of a 32-bit Kogge-Stone", _judge_ks32,
    "depth log2 n and n log2 n - n + 1 cells.",
    "level k (k = 0, 1, ...) has a cell at every position i >= 2^k.",
    {"depth": 5, "cells": 129}, {"depth": 5, "cells": 160}))


# ----------------------------------------------------- 03: RNN as a serial adder
def _step_rnn(w_x, w_h, bias, xs):
    h, out = 0, []
    for x in xs:
        h = 1 if w_x * x + w_h * h + bias > 0 else 0
        out.append(h)
    return out


def _weights(answer, keys):
    if answer is ...:
        raise NotAttempted
    if not isinstance(answer, dict) or set(answer) != set(keys):
        return None, f"expected a dict with keys {sorted(keys)}, got {answer!r}"
    for k in keys:
        v = answer[k]
        if v is ...:
            raise NotAttempted
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None, f"weight {k!r} should be a number, got {v!r}"
    return answer, None


def _judge_running_or(answer):
    w, err = _weights(answer, ("w_x", "w_h", "b"))
    if err:
        return err
    for n in range(1, 7):
        for xs in itertools.product((0, 1), repeat=n):
            got = _step_rnn(w["w_x"], w["w_h"], w["b"], xs)
            want = list(itertools.accumulate(xs, max))
            if got != want:
                return (f"on the input {list(xs)} your unit outputs {got}; expected the "
                        f"running OR {want} (1 from the first 1 on).")
    return None


_register(Exercise(
    "03.running_or", "One threshold unit that remembers a 1", _judge_running_or,
    "the unit turns on at the first 1 and stays on.",
    "h[t] = 1 exactly when x[t] + h[t-1] >= 1; choose w_x = w_h = 1 and a bias between "
    "-1 and 0.",
    {"w_x": 1, "w_h": 1, "b": -0.5}, {"w_x": 1, "w_h": 0, "b": -0.5}))


def _judge_carry_unit(answer):
    w, err = _weights(answer, ("w_a", "w_b", "w_h", "b"))
    if err:
        return err
    for n in (1, 2, 3, 4):
        for a, b in itertools.product(range(2**n), repeat=2):
            ab, bb = _bits(a, n), _bits(b, n)
            h, got = 0, []
            for x, y in zip(ab, bb):
                h = 1 if w["w_a"] * x + w["w_b"] * y + w["w_h"] * h + w["b"] > 0 else 0
                got.append(h)
            want = _ref_carries(ab, bb)[1:]
            if got != want:
                return (f"adding a = {a} ({ab}, LSB first) and b = {b} ({bb}) your unit's "
                        f"states are {got}; expected the carries out of each bit, {want}.")
    return None


_register(Exercise(
    "03.carry_unit", "One threshold unit that is the carry", _judge_carry_unit,
    "the unit's state is the carry at every step, for every 1- to 4-bit addition.",
    "the carry out is 1 when at least two of a[t], b[t], h[t-1] are 1: equal weights on "
    "all three and a bias between -2 and -1.",
    {"w_a": 1, "w_b": 1, "w_h": 1, "b": -1.5}, {"w_a": 1, "w_b": 1, "w_h": 1, "b": -0.5}))


def _ref_elman_step(x, h, W_ih, W_hh, b):
    import numpy as np
    return np.tanh(W_ih @ x + W_hh @ h + b)


def _judge_elman_step(fn):
    import numpy as np
    rng = np.random.default_rng(3)
    for H, I in ((1, 1), (3, 2), (5, 4)):
        x, h = rng.normal(size=I), rng.normal(size=H)
        W_ih, W_hh, b = rng.normal(size=(H, I)), rng.normal(size=(H, H)), rng.normal(size=H)
        got = _call(fn, x, h, W_ih, W_hh, b)
        want = _ref_elman_step(x, h, W_ih, W_hh, b)
        got = np.asarray(got, dtype=float)
        if got.shape != want.shape:
            return (f"with H = {H} hidden units and I = {I} inputs the new state should have "
                    f"shape {want.shape}, got {got.shape}")
        if not np.allclose(got, want, atol=1e-9):
            return (f"with H = {H}, I = {I}: got {np.round(got, 4).tolist()}; expected "
                    f"{np.round(want, 4).tolist()}")
    return None


_register(Exercise(
    "03.elman_step", "One step of an Elman RNN", _judge_elman_step,
    "matches tanh(W_ih x + W_hh h + b) for several sizes.",
    "use the matrix product @ and np.tanh: W_ih has shape (H, I), W_hh (H, H).",
    _ref_elman_step, lambda x, h, W_ih, W_hh, b: W_ih @ x + W_hh @ h + b))


# ------------------------------------------------------------------- 04: CL-RNN
def _ref_R(k, L):
    return 1 + (k - 1) * (2**L - 1)


def _judge_R(fn):
    for k, L in [(2, 1), (2, 2), (2, 4), (3, 3), (5, 4), (2, 0), (4, 2), (7, 5)]:
        got = _call(fn, k, L)
        want = _ref_R(k, L)
        if got != want:
            return (f"receptive_field(k={k}, L={L}) returned {got!r}; expected {want}: one "
                    f"step (t itself) plus (k - 1) * 2^i earlier steps per level i = 0..L-1.")
    return None


_register(Exercise(
    "04.receptive_field", "The receptive field of the carry module", _judge_R,
    "R = 1 + (k - 1)(2^L - 1) for every (k, L) tried.",
    "level i has dilation 2^i and reaches (k - 1) * 2^i steps further back; add them up "
    "and count step t itself.",
    _ref_R, lambda k, L: k * 2**L))


def _judge_levels(value):
    return _judge_number(
        value, 5, "the number of levels",
        "The output at the last step (the carry out, step 16) must see all 17 steps "
        "0..16, so R = 1 + (2^L - 1) must be at least 17.")


_register(Exercise(
    "04.levels_for_16_bits", "Levels a kernel-2 CL-RNN needs for 16 bits", _judge_levels,
    "5 levels (R = 32 >= 17).",
    "with k = 2, R = 2^L; the sequence for n bits has n + 1 steps.", 5, 4))


# ------------------------------------------------------------ 05: parallel scans
def _ref_affine_combine(hi, lo):
    (a2, b2), (a1, b1) = hi, lo
    return a2 * a1, a2 * b1 + b2


def _judge_affine(fn):
    cases = [((2.0, 3.0), (5.0, 7.0)), ((0.5, -1.0), (4.0, 2.0)), ((1.0, 0.0), (3.0, 1.5)),
             ((-2.0, 1.0), (0.0, 9.0))]
    for hi, lo in cases:
        got = _call(fn, hi, lo)
        pair, err = _pair(got, f"combine({hi}, {lo})")
        if err:
            return err + "; return (A, B)."
        want = _ref_affine_combine(hi, lo)
        if not all(math.isclose(float(g), w) for g, w in zip(pair, want)):
            return (f"combine(hi={hi}, lo={lo}) returned {tuple(pair)}; expected {want}. "
                    f"Apply lo first: h -> a1 h + b1, then hi: h -> a2 (a1 h + b1) + b2.")
    return None


_register(Exercise(
    "05.affine_combine", "Composing two affine steps", _judge_affine,
    "(a2, b2) o (a1, b1) = (a2 a1, a2 b1 + b2) on every case.",
    "substitute: a2 * (a1 * h + b1) + b2 = (a2 * a1) * h + (a2 * b1 + b2).",
    _ref_affine_combine, lambda hi, lo: (hi[0] * lo[0], hi[1] + lo[1])))


def _ref_loop(a, b):
    h, out = 0.0, []
    for at, bt in zip(a, b):
        h = at * h + bt
        out.append(h)
    return out


def _judge_loop(fn):
    import numpy as np
    rng = np.random.default_rng(5)
    for T in (1, 3, 8):
        a, b = rng.uniform(-1, 1, T).round(2), rng.uniform(-1, 1, T).round(2)
        got = _call(fn, a.tolist(), b.tolist())
        want = _ref_loop(a, b)
        got = np.asarray(got, dtype=float).ravel()
        if got.shape != (T,):
            return f"for T = {T} steps expected {T} states, got {got.size}"
        if not np.allclose(got, want):
            return (f"a = {a.tolist()}, b = {b.tolist()}: got {np.round(got, 4).tolist()}; "
                    f"expected {np.round(want, 4).tolist()} (h[-1] = 0).")
    return None


_register(Exercise(
    "05.linear_loop", "The sequential linear recurrence", _judge_loop,
    "your loop gives every h[t].",
    "h = 0; for each t: h = a[t] * h + b[t]; collect every h.",
    _ref_loop, lambda a, b: [bt for bt in b]))


# ------------------------------------------------------------ 06: performance
def _ref_word_full_adder(a, b, cin):
    return a ^ b ^ cin, (a & b) | ((a ^ b) & cin)


def _judge_word_fa(fn):
    import numpy as np
    rng = np.random.default_rng(7)
    a, b, c = (rng.integers(0, 2**63, 4, dtype=np.uint64) * np.uint64(2)
               + rng.integers(0, 2, 4, dtype=np.uint64) for _ in range(3))
    got = _call(fn, a, b, c)
    pair, err = _pair(got, "word_full_adder(a, b, cin)")
    if err:
        return err + "; return (s, cout) as uint64 arrays."
    s, cout = (np.asarray(v) for v in pair)
    ws, wc = _ref_word_full_adder(a, b, c)
    for name, g, w in (("s", s, ws), ("cout", cout, wc)):
        if g.shape != w.shape or g.dtype != np.uint64:
            return f"{name} should be a uint64 array of shape {w.shape}, got {g.dtype} {g.shape}"
        bad = np.nonzero(g != w)[0]
        if bad.size:
            i = int(bad[0])
            diff = int(g[i] ^ w[i])
            lane = (diff & -diff).bit_length() - 1
            return (f"{name}[{i}] is wrong in lane (bit) {lane}: inputs a, b, cin there are "
                    f"{int(a[i]) >> lane & 1}, {int(b[i]) >> lane & 1}, "
                    f"{int(c[i]) >> lane & 1}; expected {int(w[i]) >> lane & 1}.")
    return None


_register(Exercise(
    "06.word_full_adder", "64 full adders in one machine word", _judge_word_fa,
    "the same bit operators add 64 vectors per word.",
    "no loops needed: ^, & and | act on every bit of a uint64 at once; the formulas are "
    "the ones of 01.full_adder.",
    _ref_word_full_adder, lambda a, b, cin: (a + b + cin, a & b)))


def _judge_steps(answer):
    if answer is ...:
        raise NotAttempted
    want = {"elman": 1024, "clrnn": 5}
    if not isinstance(answer, dict) or set(answer) != set(want):
        return f"expected a dict {{'elman': ..., 'clrnn': ...}}, got {answer!r}"
    if any(v is ... for v in answer.values()):
        raise NotAttempted
    if answer["elman"] != want["elman"]:
        return (f"elman: you said {answer['elman']}; expected {want['elman']}: every step "
                f"waits for the one before, so T steps one after another.")
    if answer["clrnn"] != want["clrnn"]:
        return (f"clrnn: you said {answer['clrnn']}; expected {want['clrnn']}: the L = 4 "
                f"convolution levels run one after another (each over all t at once), then "
                f"the cell once over all t.")
    return None


_register(Exercise(
    "06.parallel_steps", "Steps one after another: Elman against CL-RNN", _judge_steps,
    "T sequential steps for the Elman RNN, L + 1 for the CL-RNN, whatever T is.",
    "count what must wait for what: h[t] waits for h[t-1]; a convolution level waits only "
    "for the level below it.",
    {"elman": 1024, "clrnn": 5}, {"elman": 1024, "clrnn": 1024}))
