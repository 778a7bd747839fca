"""Exercises of notebook 04: a causal dilated convolution, the inputs the carry module
sees (which ones and how many), and the levels an n-bit addition needs."""
from __future__ import annotations

import numpy as np

from .judging import as_array, as_int, call, describe, first_difference, own_work, student_function
from .registry import Exercise, register

__all__ = []


def field_size(k: int, L: int) -> int:
    """R = 1 + (k - 1)(2^L - 1): inputs one output of the L-level module sees."""
    return 1 + (k - 1) * (2**L - 1)


def _judge_R(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    return first_difference(
        [(2, 1), (2, 2), (2, 4), (3, 3), (5, 4), (2, 0), (4, 2), (7, 5), (1, 3)],
        lambda kL: as_int(call(fn, *kL), f"receptive_field{kL}"), lambda kL: field_size(*kL),
        lambda kL, got, want: (f"receptive_field(k={kL[0]}, L={kL[1]}) returned {got}; expected "
                               f"{want} inputs. Check how far back each level reaches, and "
                               f"whether step t itself counts."))


register(Exercise(
    "04.receptive_field", "The receptive field of the carry module", _judge_R,
    "R is right for every (k, L) tried, including k = 1 and L = 0.",
    ("start from one output at step t and walk down the levels: how much further back "
     "does each level reach?",
     "level i has dilation 2^i: its kernel of k taps spans (k - 1) * 2^i steps.",
     "add the spans of all L levels, and count step t itself once."),
    student_function("def receptive_field(k, L):\n"
                     "    return 1 + (k - 1) * (2**L - 1)", "receptive_field"),
    student_function("def receptive_field(k, L):\n    return k * 2**L", "receptive_field"),
    shortcuts=(lambda: __import__("viz").receptive_field_size,
               lambda: student_function("def receptive_field(k, L):\n"
                                        "    from viz import receptive_field_size\n"
                                        "    return receptive_field_size(k, L)",
                                        "receptive_field"))))


def levels_for(n_bits: int, k: int = 2) -> int:
    """The fewest levels whose field covers all n + 1 steps of an n-bit addition."""
    L = 0
    while field_size(k, L) < n_bits + 1:
        L += 1
    return L


def _judge_levels(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    for n in (16, 1, 2, 3, 7, 8, 15, 31, 32, 64, 100):
        got = as_int(call(fn, n), f"levels_needed({n})")
        want = levels_for(n)
        if got != want:
            side = "too few: the carry out at the last step would not see bit 0" if got < want \
                else "more than needed: one level fewer already covers every step"
            return (f"levels_needed({n}) returned {got}; that is {side} (a {n}-bit addition "
                    f"has {n + 1} steps; with k = 2 the field is R = 2^L).")
    return None


register(Exercise(
    "04.levels_needed", "Levels a kernel-2 CL-RNN needs for n-bit addition", _judge_levels,
    "the fewest levels that cover every step, for every width tried.",
    ("the last output (the carry out, step n) must see back to bit 0: how many steps is "
     "that, counting both ends?",
     "with k = 2 each level doubles the field: R = 2^L.",
     "find the smallest L with 2^L >= n + 1; a loop or a logarithm (mind rounding) works."),
    student_function("def levels_needed(n_bits):\n"
                     "    L = 0\n"
                     "    while 2**L < n_bits + 1:\n"
                     "        L += 1\n"
                     "    return L", "levels_needed"),
    student_function("def levels_needed(n_bits):\n"
                     "    L = 0\n"
                     "    while 2**L < n_bits:\n"
                     "        L += 1\n"
                     "    return L", "levels_needed"),
    shortcuts=(lambda: student_function("def levels_needed(n_bits):\n    return 5",
                                        "levels_needed"),
               lambda: student_function(
                   "def levels_needed(n_bits):\n"
                   "    import viz\n"
                   "    L = 0\n"
                   "    while viz.receptive_field_size(2, L) < n_bits + 1:\n"
                   "        L += 1\n"
                   "    return L", "levels_needed"))))


# ---------------------------------------------------------------------------- 04.causal_conv
def dilated_conv(x, w, d) -> list[float]:
    """y[t] = sum_m w[m] x[t - m d], x before step 0 read as 0 (the checker's reference,
    plain Python; rnn's layers store the same taps in PyTorch's order, w reversed)."""
    return [sum(w[m] * x[t - m * d] for m in range(len(w)) if t - m * d >= 0)
            for t in range(len(x))]


def _conv_cases():
    rng = np.random.default_rng(4)
    cases = [([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 10.0], 1),
             ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 10.0], 2)]
    for T, k, d in ((10, 3, 2), (5, 2, 8), (1, 1, 1), (12, 4, 3), (16, 5, 1), (9, 2, 4)):
        cases.append((rng.integers(-4, 5, T).astype(float).tolist(),
                      rng.integers(-3, 4, k).astype(float).tolist(), d))
    return cases


def _conv_mistake(x, w, d, got) -> str:
    """A sentence naming the usual mistake ``got`` matches, or ''."""
    T = len(x)
    wrapped = [sum(w[m] * x[t - m * d] for m in range(len(w)) if t - m * d >= -T)
               for t in range(T)]
    if np.allclose(got, dilated_conv(x, w[::-1], d)):
        return (" That is the kernel the other way round: w[0] multiplies x[t], w[1] "
                "x[t - d], and so on.")
    if d > 1 and np.allclose(got, dilated_conv(x, w, 1)):
        return " That is the result for dilation 1: the taps are d steps apart."
    if np.allclose(got, wrapped):
        return (" Before step 0 your function reads the end of x (a negative index wraps "
                "around in Python and NumPy); there the input is 0.")
    ahead = [sum(w[m] * x[t + m * d] for m in range(len(w)) if t + m * d < T) for t in range(T)]
    if np.allclose(got, ahead):
        return " That reads later inputs, x[t + m d]; a causal convolution looks back only."
    return ""


def _judge_conv(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    for x, w, d in _conv_cases():
        want = np.array(dilated_conv(x, w, d))
        got = as_array(np.ravel(call(fn, np.array(x), np.array(w), d, name="causal_conv")),
                       f"causal_conv's result for T = {len(x)} steps", want.shape)
        if not np.allclose(got, want):
            t = int(np.argmax(~np.isclose(got, want)))
            shown = f"x = {x}, w = {w}" if len(x) <= 8 else f"T = {len(x)}, w = {w}"
            return (f"causal_conv with {shown}, d = {d}: y[{t}] is {got[t]:g}; expected "
                    f"{want[t]:g} = the sum of w[m] * x[{t} - m * {d}] over m = 0..{len(w) - 1}, "
                    f"with x = 0 before step 0.{_conv_mistake(x, w, d, got)}")
    return None


register(Exercise(
    "04.causal_conv", "A causal dilated convolution", _judge_conv,
    "every output sums the right k inputs, d steps apart, with zeros before the start.",
    ("write out y[t] for a small case by hand first, say T = 5, k = 2, d = 2: which inputs "
     "does each output use?",
     "loop over the taps m = 0..k-1: tap m adds w[m] times the input m * d steps back.",
     "the input m * d steps back from t exists only when t - m * d >= 0; for NumPy slices, "
     "y[s:] += w[m] * x[:T - s] with s = m * d does one tap for every t at once."),
    student_function("def causal_conv(x, w, d):\n"
                     "    T = len(x)\n"
                     "    y = np.zeros(T)\n"
                     "    for m in range(len(w)):\n"
                     "        s = m * d\n"
                     "        if s < T:\n"
                     "            y[s:] += w[m] * np.asarray(x[:T - s], dtype=float)\n"
                     "    return y", "causal_conv", np=np),
    student_function("def causal_conv(x, w, d):\n"
                     "    return [sum(w[m] * x[t - m * d] for m in range(len(w)))\n"
                     "            for t in range(len(x))]", "causal_conv"),
    shortcuts=(
        lambda: student_function(
            "def causal_conv(x, w, d):\n"
            "    from rnn.kernels.conv import causal_conv1d_forward\n"
            "    x3 = np.asarray(x, dtype=float).reshape(1, -1, 1)\n"
            "    w3 = np.asarray(w, dtype=float)[::-1].reshape(1, 1, -1).copy()\n"
            "    return causal_conv1d_forward(x3, w3, np.zeros(1), d)[0, :, 0]",
            "causal_conv", np=np),
        lambda: student_function(
            "def causal_conv(x, w, d):\n"
            "    layer = CausalConv1d(1, 1, len(w), dilation=d, dtype=np.float64)\n"
            "    w3 = np.asarray(w, dtype=float)[::-1].reshape(1, 1, -1)\n"
            "    layer.params()['v'][...] = w3\n"
            "    layer.params()['g'][...] = np.sqrt((w3 ** 2).sum())\n"
            "    layer.params()['b'][...] = 0\n"
            "    return layer.forward(np.asarray(x, dtype=float).reshape(1, -1, 1))[0, :, 0]",
            "causal_conv", np=np,
            CausalConv1d=__import__("rnn.layers", fromlist=["x"]).CausalConv1d),
    )))


# ---------------------------------------------------------------------------- 04.receptive_cone
def cone(t: int, k: int, dilations) -> set[int]:
    """The input steps c[t] depends on: t - sum_l m_l d_l for taps m_l = 0..k-1 of every
    level, steps below 0 (the zero padding) left out (the checker's reference)."""
    reach = {0}
    for d in dilations:
        reach = {r + m * d for r in reach for m in range(k)}
    return {t - r for r in reach if t - r >= 0}


_CONE_CASES = ((7, 2, (1, 2, 4)), (20, 2, (1, 2, 4)), (10, 2, (1, 4)), (12, 3, (1, 3)),
               (3, 2, (1, 2, 4)), (9, 2, (3,)), (5, 1, (1, 2)), (4, 2, ()), (30, 2, (1, 1, 2, 4)),
               (25, 3, (1, 2, 4)), (16, 2, (2, 4, 8)), (0, 2, (1, 2)), (40, 4, (1, 5)))


def _steps(values) -> str:
    shown = sorted(values)
    return ", ".join(map(str, shown[:6])) + (", ..." if len(shown) > 6 else "")


def _judge_cone(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    for t, k, dilations in _CONE_CASES:
        what = f"inputs_seen(t={t}, k={k}, dilations={list(dilations)})"
        out = call(fn, t, k, list(dilations), name="inputs_seen")
        if isinstance(out, (str, bytes, dict)) or not hasattr(out, "__iter__"):
            return f"{what} should return a set of steps, got {describe(out)}"
        got = {as_int(v, f"a step in the result of {what}") for v in out}
        want = cone(t, k, dilations)
        if got != want:
            extra, missing = sorted(got - want), sorted(want - got)
            if extra and min(extra) < 0:
                part = (f"it holds step {min(extra)}: steps before 0 are the zero padding, "
                        f"not inputs, so leave them out")
            elif extra:
                part = (f"it holds step{'s' if len(extra) > 1 else ''} {_steps(extra)}, which "
                        f"c[{t}] does not depend on")
            else:
                part = (f"it misses step{'s' if len(missing) > 1 else ''} {_steps(missing)}, "
                        f"which c[{t}] depends on")
            gaps = (" With these dilations the window has holes: not every step between the "
                    "oldest and t is reached." if extra and min(extra) >= 0 and got ==
                    set(range(max(0, min(want)), t + 1)) else "")
            return f"{what} returned a wrong set of {len(got)} steps: {part}.{gaps}"
    return None


register(Exercise(
    "04.receptive_cone", "Which inputs the carry sees", _judge_cone,
    "the set of input steps is right for every kernel, dilation list and t tried, holes and "
    "padding included.",
    ("walk down from c[t], level by level from the last: which steps of the level below "
     "does one unit at step tau read?",
     "a level with dilation d reads tau, tau - d, ..., tau - (k - 1) d; start from the set "
     "{t} and replace every step by the k steps it reads, once per level.",
     "go through the dilations from the last level to the first (the order does not change "
     "the final set), and at the end drop the steps below 0: they are padding."),
    student_function("def inputs_seen(t, k, dilations):\n"
                     "    steps = {t}\n"
                     "    for d in reversed(dilations):\n"
                     "        steps = {s - m * d for s in steps for m in range(k)}\n"
                     "    return {s for s in steps if s >= 0}", "inputs_seen"),
    student_function("def inputs_seen(t, k, dilations):\n"
                     "    R = 1 + (k - 1) * sum(dilations)\n"
                     "    return set(range(max(0, t - R + 1), t + 1))", "inputs_seen"),
    shortcuts=(
        lambda: __import__("viz").receptive_cone,
        lambda: student_function(
            "def inputs_seen(t, k, dilations):\n"
            "    return receptive_cone(k, len(dilations), t, dilations)[0]", "inputs_seen",
            receptive_cone=__import__("viz").receptive_cone),
    )))
