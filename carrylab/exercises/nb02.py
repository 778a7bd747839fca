"""Exercises of notebook 02: generate and propagate, two-level lookahead, the carry operator,
Kogge-Stone's depth and size, the wiring tracks of any prefix network."""
from __future__ import annotations

import itertools

from adders.errors import CarrylabTypeError

from .judging import Problem, as_bits, as_int, as_pair, call, own_work, student_function
from .nb00 import bit_list, bits_of, ripple_carries
from .registry import Exercise, register

__all__ = []


def gp_table(a: int, b: int, n: int = 4) -> dict:
    """g, p (n bits) and the carries c[0..n] of a + b, LSB first."""
    ab, bb = bits_of(a, n), bits_of(b, n)
    return {"g": [x & y for x, y in zip(ab, bb)], "p": [x ^ y for x, y in zip(ab, bb)],
            "c": ripple_carries(ab, bb)}


def _draw_operands(rng) -> dict:
    while True:
        a, b = (int(v) for v in rng.integers(1, 16, 2))
        c = gp_table(a, b)["c"]
        if sum(c) >= 2:                            # a carry that travels: worth doing
            return {"a": a, "b": b}


def _judge_gp(answer, params):
    a, b = params["a"], params["b"]
    if not isinstance(answer, dict):
        return (f"expected a dict with keys 'g', 'p' and 'c' (lists LSB first), got "
                f"{type(answer).__name__}")
    want = gp_table(a, b)
    rules = {"g": "g_i = a_i AND b_i", "p": "p_i = a_i XOR b_i",
             "c": "c_0 = 0 and c_(i+1) = g_i OR (p_i AND c_i)"}
    for key in ("g", "p", "c"):
        if key not in answer:
            return f"the dict has no key {key!r}"
        got = as_bits(answer[key], key, length=len(want[key]))
        if got != want[key]:
            if got == want[key][::-1]:
                return (f"{key} looks reversed: lists are LSB first, so {key}[0] belongs to "
                        f"bit 0 (the 1s bit) of a = {a} and b = {b}.")
            k = next(i for i in range(len(got)) if got[i] != want[key][i])
            return (f"{key}[{k}] is not right for a = {a}, b = {b}: recompute it with "
                    f"{rules[key]} from the bits of position {k if key != 'c' else k - 1}.")
    return None


register(Exercise(
    "02.gp_carries", "Generate, propagate and carries by hand", _judge_gp,
    "g, p and every carry are right.",
    ("write a and b as 4 bits, LSB first, one above the other; then work column by column.",
     "g_i needs both bits of column i to be 1; p_i needs exactly one of them.",
     "the carries go from c_0 = 0 upwards: column i passes c_i on if p_i, and makes one "
     "itself if g_i. c has 5 entries."),
    gp_table(11, 6),
    {"g": [0, 1, 0, 0], "p": [1, 0, 1, 1], "c": [0, 0, 1, 0, 0]},    # the carry not passed on
    shortcuts=(lambda: __import__("adders").build("ripple", 4),
               lambda: __import__("adders").build("ripple", 4).evaluate(a=11, b=6)),
    defaults={"a": 11, "b": 6}, draw=_draw_operands))


def _judge_combine(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    for hi, lo in itertools.product(itertools.product((0, 1), repeat=2), repeat=2):
        G, P = as_pair(call(fn, hi, lo, name="combine"), f"combine({hi}, {lo})")
        got = (as_int(G, "G"), as_int(P, "P"))
        want = (hi[0] | (hi[1] & lo[0]), hi[1] & lo[1])
        if got != want:
            return (f"combine(hi={hi}, lo={lo}) returned (G, P) = {got}; expected {want}. The "
                    f"joined group generates if the upper one does, or if the upper one "
                    f"propagates what the lower one generates; it propagates if both do.")
    return None


register(Exercise(
    "02.carry_combine", "The carry operator", _judge_combine,
    "all 16 input pairs combine correctly.",
    ("think of two neighbouring groups of bits: when does the pair of them make a carry by "
     "itself, and when does it pass one through?",
     "the upper group's carry out is 1 if it generates, or if it propagates and the lower "
     "group generates.",
     "G combines g1, p1 and g0 with | and &; P needs both groups to propagate."),
    student_function("def combine(hi, lo):\n"
                     "    (g1, p1), (g0, p0) = hi, lo\n"
                     "    return g1 | (p1 & g0), p1 & p0", "combine"),
    student_function("def combine(hi, lo):\n    return hi[0] | lo[0], hi[1] & lo[1]", "combine"),
    shortcuts=(lambda: __import__("rnn").scan.carry_combine,
               lambda: student_function("def combine(hi, lo):\n"
                                        "    from rnn.scan import carry_combine\n"
                                        "    return carry_combine(hi, lo)", "combine"))))


def _ks_stats(n: int) -> tuple[int, int]:
    from adders.prefix import kogge_stone
    st = kogge_stone(n).stats()
    return st["depth"], st["cells"]


def _judge_ks(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    for n in (32, 2, 4, 8, 16, 64, 1024, 1):
        depth, cells = as_pair(call(fn, n, name="ks_stats"), f"ks_stats({n})")
        got = (as_int(depth, "depth"), as_int(cells, "cells"))
        want = _ks_stats(n)
        if got != want:
            part = "depth" if got[0] != want[0] else "cell count"
            why = ("each level doubles the distance a position looks back, until it reaches "
                   "position 0" if part == "depth" else
                   "at level k every position i >= 2^k gets a cell")
            return (f"ks_stats({n}) returned (depth, cells) = {got}; adders.prefix.kogge_stone"
                    f"({n}) has {want}. The {part} is off: {why}.")
    return None


register(Exercise(
    "02.kogge_stone_stats", "Depth and cells of Kogge-Stone for any power of two",
    _judge_ks, "depth log2 n and the cell count match the library's networks up to n = 1024.",
    ("draw (or look at) the 8-bit network: count the levels and the dots in each level.",
     "level k (k = 0, 1, ...) joins every position i with position i - 2^k, if that exists.",
     "so level k has n - 2^k cells; add them over the log2(n) levels."),
    student_function("def ks_stats(n):\n"
                     "    depth = n.bit_length() - 1\n"
                     "    return depth, sum(n - 2**k for k in range(depth))", "ks_stats"),
    student_function("def ks_stats(n):\n"
                     "    depth = n.bit_length() - 1\n"
                     "    return depth, n * depth", "ks_stats"),
    shortcuts=(lambda: student_function(
        "def ks_stats(n):\n"
        "    s = kogge_stone(n).stats()\n"
        "    return s['depth'], s['cells']", "ks_stats",
        kogge_stone=__import__("adders.prefix", fromlist=["kogge_stone"]).kogge_stone),
        lambda: student_function("def ks_stats(n):\n    return 5, 129", "ks_stats"))))


# ---------------------------------------------------------------------- 02.lookahead_carries
def carries_from_gp(g, p, c0) -> list[int]:
    """c_1 .. c_n by the recurrence c_(i+1) = g_i | (p_i & c_i) (the checker's reference)."""
    c, out = c0, []
    for gi, pi in zip(g, p):
        c = gi | (pi & c)
        out.append(c)
    return out


_NOT_A_FORMULA = ("the flags are symbols here: combine them with & and | only (no if, and, "
                  "or, not, any, all, ^, ~ or arithmetic on them)")


class _Flag:
    """A formula over the flags g_i, p_i and c0, built by a student's & and |, that knows
    its shape: "name", "and" (an AND of names), "or" (an OR of names and ANDs of names)
    or "deep" (an OR feeds an AND somewhere: more than two gate levels). The constants
    0 and 1 fold away (1 & x = x, 0 | x = x, ...)."""

    __slots__ = ("shape", "text")

    def __init__(self, shape: str, text: str):
        self.shape, self.text = shape, text

    def __repr__(self) -> str:
        return self.text

    @staticmethod
    def _join(op, x, y):
        for const, other in ((x, y), (y, x)):
            if not isinstance(const, _Flag):
                if isinstance(const, (bool, int)) and const in (0, 1):
                    if op == "&":
                        return other if const else 0
                    return 1 if const else other
                raise CarrylabTypeError(_NOT_A_FORMULA)
        parts = {x.shape, y.shape}
        if op == "&":
            shape = "and" if parts <= {"name", "and"} else "deep"
        else:
            shape = "deep" if "deep" in parts else "or"
        text = f"({x.text} {op} {y.text})" if len(x.text) + len(y.text) < 200 else "(...)"
        return _Flag(shape, text)

    def __and__(self, other):
        return self._join("&", self, other)

    def __or__(self, other):
        return self._join("|", self, other)

    __rand__, __ror__ = __and__, __or__

    def _refuse(self, *args):
        raise CarrylabTypeError(_NOT_A_FORMULA)

    __bool__ = __int__ = __index__ = __float__ = __xor__ = __rxor__ = __invert__ = _refuse
    __add__ = __radd__ = __mul__ = __rmul__ = __sub__ = __rsub__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __hash__ = object.__hash__


def _symbols(n: int):
    return ([_Flag("name", f"g{i}") for i in range(n)], [_Flag("name", f"p{i}") for i in range(n)],
            _Flag("name", "c0"))


def _judge_lookahead(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    for n in range(1, 5):                          # every input up to 4 bits
        for bits in itertools.product((0, 1), repeat=2 * n + 1):
            g, p, c0 = list(bits[:n]), list(bits[n:2 * n]), bits[-1]
            want = carries_from_gp(g, p, c0)
            got = bit_list(call(fn, list(g), list(p), c0, name="lookahead_carries"),
                           f"lookahead_carries(g={g}, p={p}, c0={c0})", n,
                           f"{'c_1' if n == 1 else f'c_1 ... c_{n}'}, the carry out of each "
                           f"bit (c0 is given, not returned)")
            if got != want:
                k = next(i for i in range(n) if got[i] != want[i])
                rule = ("bit 0 generates, or propagates c0" if k == 0 else
                        f"some bit j from 0 to {k} generates and every bit above j up to bit "
                        f"{k} propagates, or when bits 0 to {k} all propagate c0")
                return (f"lookahead_carries(g={g}, p={p}, c0={c0}) returned {got}; expected "
                        f"{want}. c_{k + 1} is off: it is 1 when {rule}.")
    for n in range(1, 9):                          # the formulas themselves
        g, p, c0 = _symbols(n)
        try:
            out = call(fn, g, p, c0, name="lookahead_carries")
        except Problem as err:
            raise Problem(f"the checker also calls your function with symbols g0, p0, ... in "
                          f"place of the flags, to read each carry's formula, and then {err}"
                          ) from None
        if isinstance(out, (str, dict)) or not hasattr(out, "__len__") or len(out) != n:
            return (f"with symbols for n = {n} bits your function returned {type(out).__name__} "
                    f"{'of length ' + str(len(out)) if hasattr(out, '__len__') else ''}; "
                    f"it should return a list of the {n} carries")
        for k, c in enumerate(out):
            if isinstance(c, _Flag) and c.shape == "deep":
                return (f"with symbols for n = {n} bits, your c_{k + 1} is {c.text}: an OR "
                        f"feeds an AND, so it waits for a carry below it, as in the ripple "
                        f"chain. Every carry should be one OR of AND terms of g, p and c0 "
                        f"only (two gate levels), as in the formulas above.")
    return None


register(Exercise(
    "02.lookahead_carries", "Carry lookahead: every carry in two levels", _judge_lookahead,
    "every carry is right and is one OR of AND terms: no carry waits for another.",
    ("look at the four formulas above: what does the term list of c_(i+1) have that the "
     "one of c_i lacks?",
     "c_(i+1) has one term per bit j <= i that could generate, g_j AND every p above j up "
     "to p_i, plus one last term: all of p_i ... p_0 AND c0.",
     "for each i, build those terms with a loop over j from i down to 0, keeping the AND of "
     "the p's seen so far; OR the terms together and never use an earlier carry."),
    student_function("def lookahead_carries(g, p, c0):\n"
                     "    carries = []\n"
                     "    for i in range(len(g)):\n"
                     "        c, run = g[i], p[i]\n"
                     "        for j in range(i - 1, -1, -1):\n"
                     "            c = c | (run & g[j])\n"
                     "            run = run & p[j]\n"
                     "        carries.append(c | (run & c0))\n"
                     "    return carries", "lookahead_carries"),
    student_function("def lookahead_carries(g, p, c0):\n"
                     "    c, carries = c0, []\n"
                     "    for gi, pi in zip(g, p):\n"
                     "        c = gi | (pi & c)\n"
                     "        carries.append(c)\n"
                     "    return carries", "lookahead_carries"),
    shortcuts=(
        lambda: student_function(
            "def lookahead_carries(g, p, c0):\n"
            "    import rnn\n"
            "    g = [g[0] | (p[0] & c0)] + list(g[1:])\n"
            "    return list(rnn.carry_scan(rnn.EXACT_NETWORKS['sklansky'](len(g)), g, p))",
            "lookahead_carries"),
        lambda: student_function(
            "def lookahead_carries(g, p, c0):\n"
            "    a = sum(1 << i for i in range(len(g)) if g[i] or p[i])\n"
            "    b = sum(1 << i for i in range(len(g)) if g[i])\n"
            "    low = [(1 << (i + 1)) - 1 for i in range(len(g))]\n"
            "    return [((a & m) + (b & m) + c0) >> (i + 1) for i, m in enumerate(low)]",
            "lookahead_carries"),
    )))


# ---------------------------------------------------------------------- 02.tracks
def _per_cell_tracks(levels) -> int:
    """The typical slip: a wire per cell, none shared."""
    best = 0
    for level in levels:
        cuts: dict[int, int] = {}
        for i, j in level:
            for x in range(j, i):
                cuts[x] = cuts.get(x, 0) + 1
        best = max(best, *cuts.values()) if cuts else best
    return best


def _tracks_cases():
    """(label, n, levels): the classic networks at several widths, Harris's hybrids and a
    level whose shared wire overlaps another."""
    from adders import prefix
    for n in (16, 8, 4, 5, 12, 1, 2, 3, 32):
        for name in prefix.NETWORKS:
            yield f"{name}({n})", n, prefix.network(name, n).levels
    for l, f, t in ((0, 1, 2), (1, 1, 1), (1, 0, 2), (0, 2, 1)):
        yield f"from_taxonomy(16, {l}, {f}, {t})", 16, prefix.from_taxonomy(16, l, f, t).levels
    yield "a hand-made level", 6, (((2, 0), (3, 1), (5, 1)),)


def _judge_tracks(fn, params):
    from adders.prefix import PrefixNetwork
    if (why := own_work(fn)) is not None:
        return why
    for label, n, levels in _tracks_cases():
        want = PrefixNetwork(n, levels).tracks
        got = as_int(call(fn, [list(level) for level in levels], name="tracks"),
                     f"tracks(levels of {label})")
        if got != want:
            worst = max(range(len(levels)), key=lambda k: PrefixNetwork(n, levels[k:k + 1]).tracks)
            why = (" You gave every cell a wire of its own: the cells of one level that read "
                   "the same position share one wire, from it to the farthest of them."
                   if got == _per_cell_tracks(levels) else
                   f" The most wires cross one cut at level {worst}; a wire from j to i "
                   f"crosses the cuts j|j+1 up to i-1|i." if levels else
                   " This network has no cells, so no lateral wires.")
            return f"tracks(levels of {label}) returned {got}; expected {want}.{why}"
    return None


register(Exercise(
    "02.tracks", "Wiring tracks of a prefix network", _judge_tracks,
    "your track count matches the library's for every network tried.",
    ("work level by level: first find the wires of the level, then count how many pass over "
     "each gap between two neighbouring positions.",
     "a position j read by cells (i1, j), (i2, j), ... of one level sends one wire, from j to "
     "the largest of those i.",
     "a wire from j to i crosses the cuts x | x+1 for x = j, ..., i - 1; count wires per cut, "
     "and return the largest count over all cuts and levels (0 without cells)."),
    student_function("def tracks(levels):\n"
                     "    best = 0\n"
                     "    for level in levels:\n"
                     "        reach = {}\n"
                     "        for i, j in level:\n"
                     "            reach[j] = max(reach.get(j, j), i)\n"
                     "        for x in range(max(reach.values(), default=0)):\n"
                     "            best = max(best, sum(1 for j, i in reach.items() if j <= x < i))\n"
                     "    return best", "tracks"),
    student_function("def tracks(levels):\n"
                     "    best = 0\n"
                     "    for level in levels:\n"
                     "        for x in range(max((i for i, j in level), default=0)):\n"
                     "            best = max(best, sum(1 for i, j in level if j <= x < i))\n"
                     "    return best", "tracks"),
    shortcuts=(
        lambda: student_function(
            "def tracks(levels):\n"
            "    n = 1 + max((i for level in levels for i, j in level), default=0)\n"
            "    return PrefixNetwork(n, levels).tracks", "tracks",
            PrefixNetwork=__import__("adders.prefix", fromlist=["x"]).PrefixNetwork),
        lambda: student_function("def tracks(levels):\n    return 8", "tracks"),
    )))
