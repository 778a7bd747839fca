"""Exercises of notebook 03: one Elman step, threshold units that remember and carry, a
serial adder made of them, and finding the carry in a trained network's hidden state."""
from __future__ import annotations

import itertools

import numpy as np

from .judging import (
    Problem,
    as_array,
    as_int,
    as_number,
    as_pair,
    call,
    first_difference,
    own_work,
    student_function,
)
from .nb00 import bits_of, judge_sum_bits, library_sum_bits, ripple_carries
from .registry import EXERCISES, Exercise, register

__all__ = []


def _judge_elman_step(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    rng = np.random.default_rng(3)
    for H, I in ((1, 1), (3, 2), (5, 4)):
        x, h = rng.normal(size=I), rng.normal(size=H)
        W_ih, W_hh, b = rng.normal(size=(H, I)), rng.normal(size=(H, H)), rng.normal(size=H)
        want = np.tanh(W_ih @ x + W_hh @ h + b)
        got = as_array(call(fn, x, h, W_ih, W_hh, b, name="elman_step"),
                       f"elman_step's result for H = {H} hidden units and I = {I} inputs",
                       want.shape)
        if not np.allclose(got, want, atol=1e-9):
            worst = int(np.argmax(np.abs(got - want)))
            return (f"with H = {H}, I = {I}: unit {worst} of the new state is {got[worst]:.4f}; "
                    f"expected {want[worst]:.4f} = tanh of (W_ih @ x + W_hh @ h + b)[{worst}] "
                    f"(largest error {np.abs(got - want).max():.3g}).")
    return None


register(Exercise(
    "03.elman_step", "One step of an Elman RNN", _judge_elman_step,
    "matches tanh(W_ih x + W_hh h + b) for several sizes.",
    ("the new state mixes what comes in (x, through W_ih) with what was there (h, through "
     "W_hh), adds a bias, and squashes the sum.",
     "W_ih has shape (H, I) and x shape (I,): W_ih @ x has shape (H,), like W_hh @ h and b.",
     "np.tanh squashes every unit at once."),
    student_function("def elman_step(x, h, W_ih, W_hh, b):\n"
                     "    return np.tanh(W_ih @ x + W_hh @ h + b)", "elman_step", np=np),
    student_function("def elman_step(x, h, W_ih, W_hh, b):\n"
                     "    return W_ih @ x + W_hh @ h + b", "elman_step"),
    shortcuts=(lambda: student_function(
        "def elman_step(x, h, W_ih, W_hh, b):\n"
        "    from rnn.deer import elman_serial\n"
        "    return elman_serial(x[None], W_ih, W_hh, b, h)[-1]", "elman_step"),)))


def _weights(answer, keys) -> dict:
    if not isinstance(answer, dict) or set(answer) != set(keys):
        got = sorted(answer) if isinstance(answer, dict) else type(answer).__name__
        raise Problem(f"expected a dict with exactly the keys {sorted(keys)}, got {got}")
    return {k: as_number(answer[k], f"weight {k!r}") for k in keys}


def _threshold_run(w: dict, inputs) -> list[int]:
    h, out = 0, []
    for x in inputs:
        total = sum(w[k] * v for k, v in x.items()) + w["w_h"] * h + w["b"]
        h = 1 if total > 0 else 0
        out.append(h)
    return out


def _judge_running_or(answer, params):
    w = _weights(answer, ("w_x", "w_h", "b"))
    return first_difference(
        (xs for n in range(1, 7) for xs in itertools.product((0, 1), repeat=n)),
        lambda xs: _threshold_run(w, [{"w_x": x} for x in xs]),
        lambda xs: list(itertools.accumulate(xs, max)),
        lambda xs, got, want: (f"on the input {list(xs)} your unit's states are {got}; expected "
                               f"the running OR {want}: 0 until the first 1, then 1 for ever."))


register(Exercise(
    "03.running_or", "One threshold unit that remembers a 1", _judge_running_or,
    "the unit turns on at the first 1 and stays on.",
    ("the unit fires when w_x * x + w_h * h + b > 0; list the four cases of (x, h) and the "
     "state you want after each.",
     "it must fire when x = 1 or h = 1, and stay off only when both are 0.",
     "with w_x = w_h = 1, the sum x + h is 0, 1 or 2: pick the bias so that only 0 stays "
     "off."),
    {"w_x": 1, "w_h": 1, "b": -0.5}, {"w_x": 1, "w_h": 0, "b": -0.5},
    shortcuts=(lambda: __import__("rnn").wiring.serial_adder_rnn(),
               lambda: {"w_x": 1, "w_h": 0, "b": 0})))


def _judge_carry_unit(answer, params):
    w = _weights(answer, ("w_a", "w_b", "w_h", "b"))
    cases = ((bits_of(a, n), bits_of(b, n)) for n in (1, 2, 3, 4)
             for a, b in itertools.product(range(2**n), repeat=2))
    return first_difference(
        cases, lambda ab: _threshold_run(w, [{"w_a": x, "w_b": y} for x, y in zip(*ab)]),
        lambda ab: ripple_carries(*ab)[1:],
        lambda ab, got, want: (f"adding a = {ab[0]} and b = {ab[1]} (LSB first) your unit's "
                               f"states are {got}; expected the carries out of each bit, {want}."))


register(Exercise(
    "03.carry_unit", "One threshold unit that is the carry", _judge_carry_unit,
    "the unit's state is the carry at every step, for every 1- to 4-bit addition.",
    ("the carry out of a bit is a majority vote of three bits: a[t], b[t] and the carry "
     "in, h[t-1].",
     "give the three inputs the same weight: then the sum counts how many of them are 1.",
     "the unit must fire for a count of 2 or 3 and stay off for 0 or 1: place the bias "
     "between."),
    {"w_a": 1, "w_b": 1, "w_h": 1, "b": -1.5}, {"w_a": 1, "w_b": 1, "w_h": 1, "b": -0.5},
    shortcuts=(lambda: __import__("rnn").wiring.serial_adder_rnn(),
               lambda: {"w_a": 1, "w_b": 1, "w_h": 0, "b": -1.5})))


def _judge_serial_add(fn, params):
    return judge_sum_bits(fn, "serial_add", allowed_operators=_UNIT_OPERATORS)


#: What a threshold unit and a linear readout need: weighted sums (and comparisons).
_UNIT_OPERATORS = ("+", "-", "*", "/", "@")

register(Exercise(
    "03.serial_add", "A serial adder from threshold units", _judge_serial_add,
    "three threshold units a step add numbers of any width.",
    ("one pass over t keeps one number from step to step, the carry h; before bit 0 it is 0.",
     "at step t the three units see the count a_t + b_t + h: unit k fires when that count is "
     "at least k, i.e. when count - k + 0.5 > 0.",
     "the sum bit is u1 - u2 + u3, the new h is u2; after the last step append h, the carry "
     "out."),
    student_function("def serial_add(a_bits, b_bits):\n"
                     "    h, out = 0, []\n"
                     "    for a, b in zip(a_bits, b_bits):\n"
                     "        u1, u2, u3 = (int(a + b + h - k + 0.5 > 0) for k in (1, 2, 3))\n"
                     "        out.append(u1 - u2 + u3)\n"
                     "        h = u2\n"
                     "    return out + [h]", "serial_add"),
    student_function("def serial_add(a_bits, b_bits):\n"
                     "    h, out = 0, []\n"
                     "    for a, b in zip(a_bits, b_bits):\n"
                     "        u1, u2 = int(a + b + h > 0.5), int(a + b + h > 1.5)\n"
                     "        out.append(u1 - u2)\n"
                     "        h = u2\n"
                     "    return out + [h]", "serial_add"),
    shortcuts=(
        lambda: library_sum_bits("serial_add"),
        lambda: student_function(
            "def serial_add(a_bits, b_bits):\n"
            "    from rnn.wiring import rnn_add\n"
            "    n = len(a_bits)\n"
            "    total = rnn_add(sum(x << i for i, x in enumerate(a_bits)),\n"
            "                    sum(x << i for i, x in enumerate(b_bits)), n)\n"
            "    return [(total >> i) & 1 for i in range(n + 1)]", "serial_add"),
        lambda: EXERCISES["00.add_bits"].reference,       # bit operators, not units
    )))


# ---------------------------------------------------------------------- 03.find_carry_unit
def _correlations(hs: np.ndarray, carry: np.ndarray) -> np.ndarray:
    hc, cc = hs - hs.mean(axis=0), carry - carry.mean()
    return (hc * cc[:, None]).sum(axis=0) / np.sqrt((hc**2).sum(axis=0) * (cc**2).sum())


def _carry_unit_cases():
    """(what, hs, carry, unit, sign): made-up hidden states with one carry unit."""
    rng = np.random.default_rng(11)
    N = 400

    def states(H, unit, sign, scale=1.0, extra=None):
        carry = (rng.random(N) < 0.4).astype(np.int64)
        hs = rng.normal(size=(N, H))
        hs[:, unit] = scale * (sign * (2 * carry - 1) + 0.3 * rng.normal(size=N))
        if extra is not None:                  # a unit that follows the carry less closely
            k, s, spread = extra
            hs[:, k] = spread * (s * 0.5 * (2 * carry - 1) + rng.normal(size=N))
        return hs, carry

    yield "a carry unit among noise", *states(5, 3, +1), 3, +1
    yield "a negated carry unit", *states(8, 1, -1, extra=(6, +1, 1.0)), 1, -1
    yield "units of very different sizes", *states(6, 4, +1, scale=0.01, extra=(0, +1, 100.0)), 4, +1
    hs, carry = states(3, 0, -1)
    yield "tanh-squashed states", np.tanh(2 * hs), carry, 0, -1
    yield "a single unit", *states(1, 0, +1), 0, +1


def _judge_carry_unit_finder(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    for what, hs, carry, unit, sign in _carry_unit_cases():
        N, H = hs.shape
        out = as_pair(call(fn, hs.copy(), carry.copy(), name="find_carry_unit"),
                      f"find_carry_unit's result for {what}")
        got_unit = as_int(out[0], "the unit")
        got_sign = as_number(out[1], "the sign")
        corr = _correlations(hs, carry)
        if got_sign not in (1.0, -1.0):
            return (f"for {what} (hs of shape {hs.shape}) the sign is {got_sign:g}; it should "
                    f"be +1 or -1, the direction in which the unit follows the carry.")
        if got_unit != unit:
            theirs = (f"unit {got_unit} has correlation {corr[got_unit]:+.2f}"
                      if 0 <= got_unit < H else f"there is no unit {got_unit} among {H}")
            spread = (" It also has by far the largest spread, which is not what counts."
                      if 0 <= got_unit < H and hs[:, got_unit].std() > 10 * hs[:, unit].std()
                      else "")
            return (f"for {what} (hs of shape {hs.shape}) you found unit {got_unit}; expected "
                    f"unit {unit}, whose correlation with the carry is {corr[unit]:+.2f}, while "
                    f"{theirs}.{spread}")
        if got_sign != sign:
            return (f"for {what} you found the right unit, {unit}, but the sign {got_sign:+g}; "
                    f"expected {sign:+d}: its correlation with the carry is {corr[unit]:+.2f}.")
    return None


def _carry_unit_finder(score: str):
    """A student's find_carry_unit that picks the unit with the largest ``score``."""
    return student_function("def find_carry_unit(hs, carry):\n"
                            "    corr = [np.corrcoef(hs[:, j], carry)[0, 1]\n"
                            "            for j in range(hs.shape[1])]\n"
                            f"    best = int(np.argmax({score}))\n"
                            "    return best, int(np.sign(corr[best]))", "find_carry_unit", np=np)


register(Exercise(
    "03.find_carry_unit", "Which hidden unit holds the carry", _judge_carry_unit_finder,
    "the carry unit and its sign are found in every set of states.",
    ("compare each unit's column hs[:, j] with the carry, one number per unit, and pick the "
     "unit whose number says it follows the carry most closely.",
     "that number is the correlation coefficient (np.corrcoef); it ignores how large a "
     "unit's values are, unlike a covariance or a difference of means.",
     "a unit with correlation -0.95 follows the carry as closely as one with +0.95: compare "
     "sizes with abs(), and take the sign from the correlation itself."),
    _carry_unit_finder("np.abs(corr)"),
    _carry_unit_finder("corr"),                    # forgets that -0.95 is as close as +0.95
    shortcuts=(
        lambda: student_function("def find_carry_unit(hs, carry):\n"
                                 "    return int(np.argmax(hs.std(axis=0))), 1",
                                 "find_carry_unit", np=np),
        lambda: student_function("def find_carry_unit(hs, carry):\n"
                                 "    diff = hs[carry == 1].mean(axis=0) - hs[carry == 0].mean(axis=0)\n"
                                 "    best = int(np.argmax(np.abs(diff)))\n"
                                 "    return best, int(np.sign(diff[best]))",
                                 "find_carry_unit", np=np),
    )))
