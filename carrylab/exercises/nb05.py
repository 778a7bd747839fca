"""Exercises of notebook 05: the sequential linear recurrence and its associative step,
any prefix network run with any combine, networks that count an element twice, and the
linearised Elman step DEER scans."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .judging import (
    Problem,
    as_array,
    as_int,
    as_number,
    as_pair,
    call,
    describe,
    network_label,
    own_work,
    student_function,
)
from .registry import Exercise, register

__all__ = []


def _judge_loop(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    rng = np.random.default_rng(5)
    for T in (1, 3, 8, 50):
        a, b = rng.uniform(-1, 1, T).round(2), rng.uniform(-1, 1, T).round(2)
        want = np.empty(T)
        h = 0.0
        for t in range(T):
            h = a[t] * h + b[t]
            want[t] = h
        got = as_array(np.ravel(call(fn, a.tolist(), b.tolist(), name="linear_loop")),
                       f"linear_loop's result for T = {T}", (T,))
        if not np.allclose(got, want):
            t = int(np.argmax(~np.isclose(got, want)))
            return (f"for T = {T} steps, h[{t}] is {got[t]:.4f}; expected {want[t]:.4f} = "
                    f"a[{t}] * h[{t - 1}] + b[{t}]" + (" (h before step 0 is 0)" if t == 0 else "")
                    + f"; a = {a[:4].tolist()}..., b = {b[:4].tolist()}...")
    return None


register(Exercise(
    "05.linear_loop", "The sequential linear recurrence", _judge_loop,
    "your loop gives every h[t].",
    ("one pass over t = 0 .. T - 1, keeping the current state; before step 0 it is 0.",
     "each step applies h -> a[t] * h + b[t] to the state of the step before.",
     "collect every new h in a list and return the list (T entries)."),
    student_function("def linear_loop(a, b):\n"
                     "    h, out = 0.0, []\n"
                     "    for at, bt in zip(a, b):\n"
                     "        h = at * h + bt\n"
                     "        out.append(h)\n"
                     "    return out", "linear_loop"),
    student_function("def linear_loop(a, b):\n    return list(b)", "linear_loop"),
    shortcuts=(lambda: __import__("rnn").linear_recurrence_loop,
               lambda: student_function(
                   "def linear_loop(a, b):\n"
                   "    return linear_recurrence_loop(np.array(a), np.array(b))",
                   "linear_loop", np=np,
                   linear_recurrence_loop=__import__("rnn").linear_recurrence_loop))))


def _judge_affine(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    cases = [((2.0, 3.0), (5.0, 7.0)), ((0.5, -1.0), (4.0, 2.0)), ((1.0, 0.0), (3.0, 1.5)),
             ((-2.0, 1.0), (0.0, 9.0)), ((3.0, 0.5), (1.0, 0.0))]
    for hi, lo in cases:
        A, B = as_pair(call(fn, hi, lo, name="affine_combine"), f"affine_combine({hi}, {lo})")
        got = (as_number(A, "A"), as_number(B, "B"))
        want = (hi[0] * lo[0], hi[0] * lo[1] + hi[1])
        if not all(math.isclose(g, w) for g, w in zip(got, want)):
            return (f"affine_combine(hi={hi}, lo={lo}) returned (A, B) = {got}; expected {want}. "
                    f"Apply lo first, h -> a1 h + b1, then hi, h -> a2 h + b2, and read off the "
                    f"factor of h and the constant.")
    return None


register(Exercise(
    "05.affine_combine", "Composing two affine steps", _judge_affine,
    "(a2, b2) o (a1, b1) = (a2 a1, a2 b1 + b2) on every case.",
    ("the combined step must do what lo does and then what hi does, to any h.",
     "write h' = a1 h + b1 and h'' = a2 h' + b2, and substitute h' into h''.",
     "h'' is again (something) * h + (something): those two somethings are A and B."),
    student_function("def affine_combine(hi, lo):\n"
                     "    (a2, b2), (a1, b1) = hi, lo\n"
                     "    return a2 * a1, a2 * b1 + b2", "affine_combine"),
    student_function("def affine_combine(hi, lo):\n"
                     "    return hi[0] * lo[0], hi[1] + lo[1]", "affine_combine"),
    shortcuts=(lambda: __import__("rnn").scan.affine_combine,
               lambda: student_function("def affine_combine(hi, lo):\n"
                                        "    import rnn\n"
                                        "    return rnn.scan.affine_combine(hi, lo)",
                                        "affine_combine"))))


# ---------------------------------------------------------------------------- 05.network_scan
@lru_cache(maxsize=None)
def _scan_networks():
    from adders import prefix
    nets = [prefix.kogge_stone(8), prefix.brent_kung(8), prefix.sklansky(7), prefix.serial(5),
            prefix.han_carlson(16), prefix.ladner_fischer(10), prefix.kogge_stone(1),
            prefix.brent_kung(13)]
    return tuple(nets)


def _in_place(net, values, combine):
    """The usual mistake: cells of a level update the list they read."""
    x = list(values)
    for level in net.levels:
        for i, j in level:
            x[i] = combine(x[i], x[j])
    return x


def _prefixes(out, net, what):
    """The student's result as a list of n entries (any sequence type)."""
    if isinstance(out, (str, bytes, dict)) or not hasattr(out, "__len__"):
        raise Problem(f"{what} should return a list of {net.n} prefixes, got {describe(out)}")
    if len(out) != net.n:
        raise Problem(f"{what} returned {len(out)} values; the network has n = {net.n} "
                      f"positions, one prefix each")
    return list(out)


def _concat(hi, lo):
    return hi + lo


def _judge_network_scan(fn, params):
    if (why := own_work(fn, banned_names=("evaluate",))) is not None:
        return why
    letters = "abcdefghijklmnop"
    for net in _scan_networks():
        # 1. words: the prefix at i must read x_i ... x_0, each element once, in order
        values = list(letters[:net.n])
        what = f"run_network({network_label(net)}, {values[:4]}..., concatenate)"
        got = [str(v) for v in _prefixes(call(fn, net, list(values), _concat, name="run_network"),
                                         net, what)]
        want = [letters[:i + 1][::-1] for i in range(net.n)]
        if got != want:
            i = next(k for k in range(net.n) if got[k] != want[k])
            extra = ""
            if got == [str(v) for v in _in_place(net, values, _concat)]:
                extra = (" Some cells read a value that a cell of the same level had already "
                         "changed: every cell of a level reads the values left by the level "
                         "before.")
            elif got == [str(v) for v in _in_place(net, values, lambda hi, lo: lo + hi)] or \
                    got == [str(v) for v in net.evaluate(values, lambda hi, lo: lo + hi)]:
                extra = " The two sides are swapped: combine(x[i], x[j]), the later one first."
            return (f"with string concatenation as the combine on {network_label(net)} ('a' is "
                    f"element 0, 'b' element 1, ...), position {i} ends with {got[i]!r}; expected "
                    f"{want[i]!r}: every element from {i} down to 0 exactly once, the latest "
                    f"first.{extra}")
        # 2. the two algebras of the notebook on the same network
        rng = np.random.default_rng(net.n)
        a, b = rng.uniform(-1, 1, net.n).round(2), rng.uniform(-1, 1, net.n).round(2)
        steps = [(float(x), float(y)) for x, y in zip(a, b)]
        out = _prefixes(call(fn, net, list(steps), _affine, name="run_network"), net,
                        f"run_network({network_label(net)}, affine steps, affine_combine)")
        h, want_h = 0.0, []
        for at, bt in steps:
            h = at * h + bt
            want_h.append(h)
        for t, pair in enumerate(out):
            _, B = as_pair(pair, f"prefix {t} of the affine scan")
            if not math.isclose(as_number(B, f"prefix {t}'s b"), want_h[t], abs_tol=1e-9):
                return (f"with affine_combine on {network_label(net)}, prefix {t} has b = "
                        f"{float(B):.4f}; expected h[{t}] = {want_h[t]:.4f} from the loop.")
        g_bits, p_bits = rng.integers(0, 2, net.n), rng.integers(0, 2, net.n)
        gp = [(int(g), int(p) & (1 - int(g))) for g, p in zip(g_bits, p_bits)]   # never both 1
        out = _prefixes(call(fn, net, list(gp), _carry, name="run_network"), net,
                        f"run_network({network_label(net)}, (g, p) pairs, carry_combine)")
        c = 0
        for t, pair in enumerate(out):
            G, _ = as_pair(pair, f"prefix {t} of the carry scan")
            c = gp[t][0] | (gp[t][1] & c)
            if as_int(G, f"prefix {t}'s G") != c:
                return (f"with the carry operator on {network_label(net)}, prefix {t} has G = "
                        f"{int(G)}; expected the carry out of bit {t}, {c}.")
    return None


def _affine(hi, lo):
    (a2, b2), (a1, b1) = hi, lo
    return a2 * a1, a2 * b1 + b2


def _carry(hi, lo):
    (g1, p1), (g0, p0) = hi, lo
    return g1 | (p1 & g0), p1 & p0


register(Exercise(
    "05.network_scan", "Run any prefix network with any combine", _judge_network_scan,
    "one network, any associative combine: concatenation, affine maps and carries all come "
    "out right.",
    ("keep a list x, starting as a copy of values; each level changes some of its entries.",
     "a cell (i, j) sets position i to combine(x[i], x[j]): i's own group is the later "
     "(hi) one.",
     "all cells of a level must read the list as the previous level left it: build the new "
     "list from a copy, then replace x by it after the level."),
    student_function("def run_network(network, values, combine):\n"
                     "    x = list(values)\n"
                     "    for level in network.levels:\n"
                     "        new = list(x)\n"
                     "        for i, j in level:\n"
                     "            new[i] = combine(x[i], x[j])\n"
                     "        x = new\n"
                     "    return x", "run_network"),
    student_function("def run_network(network, values, combine):\n"
                     "    x = list(values)\n"
                     "    for level in network.levels:\n"
                     "        for i, j in level:\n"
                     "            x[i] = combine(x[i], x[j])\n"
                     "    return x", "run_network"),
    shortcuts=(lambda: __import__("rnn").scan.scan,
               lambda: student_function("def run_network(network, values, combine):\n"
                                        "    return network.evaluate(list(values), combine)",
                                        "run_network"),
               lambda: student_function("def run_network(network, values, combine):\n"
                                        "    return scans.scan(network, values, combine)",
                                        "run_network", scans=__import__("rnn").scan))))


# ---------------------------------------------------------------------------- 05.overlap
@lru_cache(maxsize=None)
def _overlap_networks():
    """(how the message names it, network): every library network at a few widths,
    Knowles with other lanes, and small hand-made ones (overlapping early, late, or not)."""
    from adders.prefix import NETWORKS, PrefixNetwork, knowles
    nets = [(network_label(NETWORKS[name](n)), NETWORKS[name](n))
            for n in (4, 8, 5, 16, 13) for name in NETWORKS]
    for n, lanes in ((16, [4, 2, 1, 1]), (16, [2, 2, 2, 1]), (32, [2, 2, 1, 1, 1])):
        nets.append((f"knowles({n}, lanes={lanes})", knowles(n, lanes)))
    for n, levels in ((3, [[(1, 0), (2, 1)], [(2, 1)]]),
                      (4, [[(1, 0), (3, 2)], [(2, 1), (3, 1)]]),
                      (4, [[(1, 0), (3, 2)], [(2, 1), (3, 1)], [(3, 0)]]),
                      (5, [[(1, 0), (2, 1), (4, 3)], [(3, 2), (4, 2)], [(2, 0), (3, 0), (4, 1)]]),
                      (1, [])):
        nets.append((f"a hand-made network with n = {n}", PrefixNetwork(n, levels).check()))
    return tuple(nets)


def _overlap_in_place(net) -> bool:
    """The usual mistake: group ends updated while the level still reads them."""
    lo = list(range(net.n))
    found = False
    for level in net.levels:
        for i, j in level:
            found |= j >= lo[i]
            lo[i] = lo[j]
    return found


def _as_bool(value, what) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return bool(value)
    raise Problem(f"{what} should be True or False, got {describe(value)}")


def _judge_overlap(fn, params):
    if (why := own_work(fn, banned_names=("overlapping", "groups", "_walk", "low_ends"))) \
            is not None:
        return why
    in_place = True                   # every answer so far as if groups changed mid-level
    for label, net in _overlap_networks():
        got = _as_bool(call(fn, net, name="has_overlap"), f"has_overlap on {label}")
        want = net.overlapping
        in_place = in_place and got == _overlap_in_place(net)
        if got != want:
            cells = "; ".join(", ".join(f"({i}, {j})" for i, j in level) for level in net.levels)
            if want:
                why = ("some cell joins two groups that share a position: the element there "
                       "would be combined twice")
            else:
                why = ("every cell joins two groups that meet end to end: position j's group "
                       "ends just below where position i's starts")
            extra = (" Your groups are updated while the level still reads them: a level reads "
                     "the groups the level before left." if in_place else "")
            shown = f" (levels: {cells})" if net.size <= 8 else ""
            return f"has_overlap on {label} returned {got}; expected {want}{shown}: {why}.{extra}"
    return None


register(Exercise(
    "05.overlap", "Does a network count some element twice?", _judge_overlap,
    "you find every network whose cells join overlapping groups, and only those.",
    ("keep a list lo, one entry per position, starting with lo[i] = i, and update it level "
     "by level as the cells say.",
     "after a cell (i, j), position i holds elements i down to lo[j]: its new lo is j's.",
     "compare the top of j's run (j itself) with the bottom of i's run (lo[i]): where must "
     "j lie for the two runs to share an element? Update lo from a copy, so that every cell "
     "of a level reads the lo of the level before."),
    student_function("def has_overlap(network):\n"
                     "    lo = list(range(network.n))\n"
                     "    for level in network.levels:\n"
                     "        new = list(lo)\n"
                     "        for i, j in level:\n"
                     "            if j >= lo[i]:\n"
                     "                return True\n"
                     "            new[i] = lo[j]\n"
                     "        lo = new\n"
                     "    return False", "has_overlap"),
    student_function("def has_overlap(network):\n"
                     "    lo = list(range(network.n))\n"
                     "    for level in network.levels:\n"
                     "        for i, j in level:\n"
                     "            if j >= lo[i]:\n"
                     "                return True\n"
                     "            lo[i] = lo[j]\n"
                     "    return False", "has_overlap"),
    shortcuts=(lambda: __import__("rnn.scan_operands").scan_operands.overlapping,
               lambda: student_function("def has_overlap(network):\n"
                                        "    return network.overlapping", "has_overlap"),
               lambda: student_function("def has_overlap(network):\n"
                                        "    return network.name == 'knowles'", "has_overlap"))))


# ---------------------------------------------------------------------------- 05.deer_linearise
def linearised(x, h_prev, W_ih, W_hh, b):
    """(J, r) of f(h) = tanh(W_ih x + W_hh h + b) around h_prev: J = diag(1 - f^2) W_hh,
    r = f - J h_prev (the checker's reference)."""
    f = np.tanh(W_ih @ x + W_hh @ h_prev + b)     # (H,)
    J = (1.0 - f * f)[:, None] * W_hh             # (H, 1) * (H, H): row k scaled
    return J, f - J @ h_prev


def _judge_linearise(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    rng = np.random.default_rng(11)
    for H, I in ((1, 1), (3, 2), (4, 3), (6, 1)):
        x = rng.normal(size=I)
        h = rng.uniform(0.3, 0.9, H) * rng.choice([-1.0, 1.0], H)   # a guess well away from 0
        W_ih, W_hh, b = rng.normal(size=(H, I)), rng.normal(size=(H, H)), rng.normal(size=H)
        J_want, r_want = linearised(x, h, W_ih, W_hh, b)
        J, r = as_pair(call(fn, x.copy(), h.copy(), W_ih.copy(), W_hh.copy(), b.copy(),
                            name="linearise"), f"linearise's result for H = {H}")
        J = as_array(J, f"J for H = {H} hidden units", (H, H))
        r = as_array(np.ravel(r) if np.size(r) == H else r, f"r for H = {H} hidden units", (H,))
        if not np.allclose(J, J_want, atol=1e-9):
            f = np.tanh(W_ih @ x + W_hh @ h + b)
            if np.allclose(J, W_hh):
                why = (" That is W_hh alone: the step also passes through tanh, whose slope "
                       "at this step is 1 - tanh(z)^2.")
            elif np.allclose(J, W_hh * (1.0 - f * f)[None, :]):
                why = (" Your slopes scale the columns of W_hh; row k of J is unit k's "
                       "derivative, so unit k's slope scales row k.")
            elif np.allclose(J, (1.0 - h * h)[:, None] * W_hh):
                why = (" The slope is taken at the guess h_prev; it belongs to this step's "
                       "output, tanh of this step's pre-activation.")
            else:
                why = (" Entry (k, m) is the derivative of unit k's output with respect to "
                       "h_prev[m].")
            k, m = np.unravel_index(int(np.argmax(np.abs(J - J_want))), J.shape)
            return (f"with H = {H}, I = {I}: J[{k}, {m}] is {J[k, m]:.4f}; expected "
                    f"{J_want[k, m]:.4f}.{why}")
        if not np.allclose(r, r_want, atol=1e-9):
            k = int(np.argmax(np.abs(r - r_want)))
            why = (" r must make the line pass through the guess: J @ h_prev + r has to equal "
                   "the true step f(h_prev).")
            return (f"with H = {H}, I = {I}, J is right but r[{k}] is {r[k]:.4f}; expected "
                    f"{r_want[k]:.4f}.{why}")
    return None


register(Exercise(
    "05.deer_linearise", "One Elman step made linear around a guess", _judge_linearise,
    "J and r match the step's tangent line for several sizes: this is what DEER scans.",
    ("first compute the step itself at the guess, f = tanh(W_ih x + W_hh h_prev + b), as in "
     "03.elman_step.",
     "by the chain rule, unit k's output changes with h[m] by tanh'(z_k) times W_hh[k, m], "
     "and tanh'(z_k) = 1 - f_k^2.",
     "J is W_hh with row k multiplied by 1 - f_k^2 (broadcast a column, shape (H, 1)); "
     "then choose r so that J @ h_prev + r equals f."),
    student_function("def linearise(x, h_prev, W_ih, W_hh, b):\n"
                     "    f = np.tanh(W_ih @ x + W_hh @ h_prev + b)\n"
                     "    J = (1 - f**2)[:, None] * W_hh\n"
                     "    return J, f - J @ h_prev", "linearise", np=np),
    student_function("def linearise(x, h_prev, W_ih, W_hh, b):\n"
                     "    f = np.tanh(W_ih @ x + W_hh @ h_prev + b)\n"
                     "    J = (1 - f**2) * W_hh\n"
                     "    return J, f - J @ h_prev", "linearise", np=np),
    shortcuts=(lambda: student_function(
        "def linearise(x, h_prev, W_ih, W_hh, b):\n"
        "    f = elman_serial(x[None], W_ih, W_hh, b, h_prev)[0]\n"
        "    J = (1 - f**2)[:, None] * W_hh\n"
        "    return J, f - J @ h_prev", "linearise",
        elman_serial=__import__("rnn.deer", fromlist=["x"]).elman_serial),)))
