"""Challenge 1: a prefix network under depth and fanout limits, with the fewest cells.

The task. Design a prefix network on n positions (:class:`adders.prefix.PrefixNetwork`)
whose depth and fanout stay within the limits, with as few cells as you can. It must
serve both algebras of the course: as the carry network of an adder (the carry operator
``(g, p)``) and as the scan of a linear RNN (affine maps ``h -> a h + b``).

Submission format (one JSON object)::

    {"challenge": "prefix-16", "student": "ada", "n": 16,
     "levels": [[[1, 0], [3, 2], [5, 4]], [[2, 1], [3, 1]], ...]}

* ``levels``: the levels of the network, first level first; each level a list of cells
  ``[i, j]`` with ``0 <= j < i < n``, meaning *position i absorbs the group that ends at
  position j*: ``X[i] <- X[i] o X[j]``, every cell of a level reading the values the
  level before left. At most one cell per position in a level. Empty levels are ignored.
  This is exactly what ``PrefixNetwork(n, levels)`` takes;
  :func:`prefix_submission` writes it from a network.
* ``n`` (optional): the width; if given it must be the challenge's.

What the checker does, each an ``ok`` or ``FAIL`` line:

1. *Structure*: the level-by-level walk of :meth:`PrefixNetwork.check`: every output i
   must hold exactly the group i..0, and no cell may leave a gap.
2. *Adder*, independently: :func:`adders.build.prefix_adder` builds the adder on the
   network and :meth:`Circuit.simulate` adds, bit-parallel, every input (a, b, cin)
   where there are at most 2^17 of them (n <= 8), else every carry chain (for each bit
   i and each start j < i: bit j generates or kills, the bits between propagate) plus
   4,096 random sums, each against Python's ``+``. The first wrong sum is shown, with
   the carries it got wrong. Where n <= 8 the network also runs
   :func:`rnn.scan.carry_scan` on all 4^n (g, p) inputs against the ripple loop.
3. *Limits*: depth, max fanout (each node's continuation plus its lateral uses in one
   level, as :attr:`PrefixNetwork.max_fanout` counts) and, where set, cells. A broken
   limit names the level and position at fault.
4. *Scan*: :func:`rnn.scan.affine_scan` runs the network over random affine maps and is
   compared with the sequential loop :func:`rnn.scan.linear_recurrence_loop`. A network
   with a cell that joins two *overlapping* groups fails here: the carry operator is
   idempotent (``x o x = x``), so an adder does not mind a bit counted twice, but an
   affine map is not (``a o a != a``). The feedback names the cell and shows the damage
   with every map ``h -> h + 1``, whose exact prefix at t is t + 1.

Score: the number of cells (fewer is better); ties go to fewer wiring tracks, then to the
lower max fanout. A network that is not correct is not scored; one that breaks a limit
is scored but does not pass.

Registered: ``prefix-16`` (depth <= 5 = log2 16 + 1, max fanout <= 4) and ``prefix-32``
(depth <= 6, max fanout <= 4). The textbook networks show the trade-off:

>>> from adders import prefix
>>> from carrylab.challenges import check
>>> for name in ("sklansky", "brent-kung", "han-carlson", "ladner-fischer", "knowles"):
...     result = check(prefix_submission(prefix.network(name, 16), "staff"))
...     print(f"{name:<15} {result.passed!s:<5} {result.score} cells; {result.note}")
sklansky        False 32 cells; max fanout 9 > 4
brent-kung      False 26 cells; depth 7 > 5
han-carlson     True  32 cells; tracks 4, max fanout 2, depth 5
ladner-fischer  False 27 cells; max fanout 5 > 4
knowles         False 49 cells; an overlapping cell: not a linear-RNN scan
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass

from adders.checks import check_int
from adders.errors import CarrylabTypeError, CarrylabValueError, InternalError
from adders.prefix import MAX_BITS, PrefixNetwork, PrefixNetworkError

from .registry import (
    CHALLENGES,
    Challenge,
    Result,
    SubmissionError,
    fail,
    info,
    ok,
    read_int,
    read_student,
    shorten,
)

__all__ = ["PrefixChallenge", "prefix_submission"]

#: Mistake lines shown for one submission at most (a network typed by hand can have many).
_MAX_MISTAKES = 12
#: Random sums added on top of the carry chains when the inputs are too many to try all.
_RANDOM_SUMS = 4096


@dataclass(frozen=True)
class PrefixChallenge(Challenge):
    """Design an ``n``-position prefix network within ``max_depth`` and ``max_fanout``
    (and ``max_cells`` if given) with the fewest cells. ``n`` is 2 to 64."""

    n: int = 16
    max_depth: int = 5
    max_fanout: int = 4
    max_cells: int | None = None

    fields = {"levels": "the levels of the network, each a list of cells [i, j] (j < i)",
              "n": "optional: the width, which must be the challenge's"}
    unit = "cells"
    better = "lower"

    def __post_init__(self):
        check_int(self.n, "n", 2, 64)
        check_int(self.max_depth, "max_depth", 1)
        check_int(self.max_fanout, "max_fanout", 2)
        if self.max_cells is not None:
            check_int(self.max_cells, "max_cells", 1)

    def _limits(self) -> str:
        limits = f"depth <= {self.max_depth}, max fanout <= {self.max_fanout}"
        return limits + (f", cells <= {self.max_cells}" if self.max_cells is not None else "")

    @property
    def title(self) -> str:
        return f"{self.n}-bit prefix network, {self._limits()}: fewest cells"

    def goal(self) -> list[str]:
        return [f"Design a prefix network on n = {self.n} positions: levels of cells [i, j], "
                f"position i absorbing the group that ends at j.",
                f"Limits: {self._limits()}.",
                "It must compute every carry of an adder and every state of a linear RNN "
                "(an affine scan), so no cell may join overlapping groups.",
                "Score: cells, fewer is better; ties: fewer wiring tracks, then lower fanout."]

    # ------------------------------------------------------------------ reading
    def parse(self, submission: dict, mistakes: list):
        if "n" in submission:
            n = read_int(submission, "n", mistakes, 1, MAX_BITS)
            if n is not None and n != self.n:
                mistakes.append(f"n: {n}, but {self.id} is for n = {self.n}")
        if "levels" not in submission:
            mistakes.append("levels: missing; a list of levels, each a list of cells [i, j]")
            return None
        levels = submission["levels"]
        if not isinstance(levels, (list, tuple)):
            mistakes.append(f"levels: must be a list of levels, got a {_kind(levels)}")
            return None
        if len(levels) > 4 * self.n:
            mistakes.append(f"levels: {len(levels)} levels; at most {4 * self.n} for n = {self.n}")
            return None
        found: list[str] = []
        cleaned = [self._parse_level(k, level, found) for k, level in enumerate(levels)]
        if found:
            mistakes.extend(found[:_MAX_MISTAKES])
            if len(found) > _MAX_MISTAKES:
                mistakes.append(f"... and {len(found) - _MAX_MISTAKES} more mistakes in levels")
            return None
        return tuple(cleaned)

    def _parse_level(self, k: int, level, found: list) -> tuple:
        if not isinstance(level, (list, tuple)):
            found.append(f"levels[{k}]: must be a list of cells [i, j], got a {_kind(level)}")
            return ()
        cells, first = [], {}
        for m, cell in enumerate(level):
            where = f"levels[{k}][{m}]"
            if (not isinstance(cell, (list, tuple)) or len(cell) != 2
                    or any(isinstance(v, bool) or not isinstance(v, int) for v in cell)):
                found.append(f"{where}: a cell is a pair [i, j] of integers, got "
                             f"{_shown(cell)}")
                continue
            i, j = cell
            if not 0 <= j < i < self.n:
                found.append(f"{where}: cell [{i}, {j}] needs 0 <= j < i < {self.n} (position "
                             f"i absorbs the group that ends at j, below it)")
            elif i in first:
                found.append(f"{where}: position {i} already has a cell in level {k} "
                             f"(levels[{k}][{first[i]}]); one cell per position a level")
            else:
                first[i] = m
                cells.append((i, j))
        return tuple(cells)

    def canonical(self, design) -> str:
        return repr(tuple(tuple(sorted(level)) for level in design if level))

    # ------------------------------------------------------------------ judging
    def judge(self, design, student: str) -> Result:
        network = PrefixNetwork(self.n, design, name=f"{self.id}:{student}")
        stats = network.stats()
        tracks = stats["tracks"]
        feedback = [info(f"n = {self.n}: depth {stats['depth']}, {stats['cells']} cells, max "
                         f"fanout {stats['max_fanout']}, {tracks} track{'s' * (tracks != 1)}")]
        empty = sum(1 for level in design if not level)
        if empty:
            feedback.append(info(f"{empty} empty level(s) ignored; the levels named below are "
                                 f"counted without them"))
        structure = _structure_problem(network)
        feedback.append(ok("structure: every output i holds exactly the group i..0")
                        if structure is None else fail(f"structure: {structure}"))
        adder, vectors = _adder_problem(network)
        feedback.append(ok(f"adder: the prefix adder on this network adds {vectors} exactly")
                        if adder is None else fail(f"adder: {adder}"))
        small = 4 ** self.n <= 1 << 16
        gp = _carry_scan_problem(network) if small else None
        if small:
            feedback.append(ok(f"carries: carry_scan matches the ripple loop on all "
                               f"{4 ** self.n:,} (g, p) inputs") if gp is None
                            else fail(f"carries: {gp}"))
        correct = structure is None and adder is None and gp is None
        if structure is None and not correct:
            raise InternalError(f"{self.id}: a network that passes the structure check fails "
                                f"the adder or carry check: {adder or gp}")
        limits = self._limit_lines(network)
        feedback.extend(line for line, _ in limits)
        failures = [line for line, met in limits if not met]
        if correct:
            scan = _scan_problem(network)
            feedback.append(ok(f"scan: {_SCAN_OK}") if scan is None else fail(f"scan: {scan}"))
        else:
            scan = "not run"
            feedback.append(info("scan: not run, since the network does not compute every "
                                 "prefix"))
        passed = correct and not failures and scan is None
        if passed:
            note = (f"tracks {stats['tracks']}, max fanout {stats['max_fanout']}, "
                    f"depth {stats['depth']}")
        elif not correct:
            note = shorten("not a prefix network: " + (structure or adder or gp))
        elif failures:
            note = "; ".join(line[6:].split(":")[0] for line in failures)
        else:
            note = "an overlapping cell: not a linear-RNN scan"
        return self.result(student, passed, stats["cells"] if correct else None, feedback,
                           key=(stats["cells"], stats["tracks"], stats["max_fanout"]), note=note)

    def _limit_lines(self, network: PrefixNetwork) -> list[tuple[str, bool]]:
        lines = []
        depth, fanout = network.depth, network.max_fanout
        if depth <= self.max_depth:
            lines.append((ok(f"depth {depth} <= {self.max_depth}"), True))
        else:
            lines.append((fail(f"depth {depth} > {self.max_depth}: {depth} levels of cells; "
                               f"fold some of them into earlier levels"), False))
        if fanout <= self.max_fanout:
            lines.append((ok(f"max fanout {fanout} <= {self.max_fanout}"), True))
        else:
            k, j, users = _worst_fanout(network)
            lines.append((fail(f"max fanout {fanout} > {self.max_fanout}: at level {k} position "
                               f"{j} feeds the cells at {', '.join(map(str, users))} besides "
                               f"itself"), False))
        if self.max_cells is not None:
            cells = network.size
            lines.append((ok(f"cells {cells} <= {self.max_cells}"), True) if cells <= self.max_cells
                         else (fail(f"cells {cells} > {self.max_cells}"), False))
        return lines


_SCAN_OK = ("affine_scan over random maps h -> a h + b matches the sequential loop (no cell "
            "joins overlapping groups)")


def _kind(value) -> str:
    return {dict: "JSON object", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number" if isinstance(value, (int, float)) else type(value).__name__)


def _shown(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _worst_fanout(network: PrefixNetwork) -> tuple[int, int, list[int]]:
    """(level, source position, the cells it feeds) of the largest fanout, first found."""
    best = (0, 0, [])
    for k, level in enumerate(network.levels):
        users: dict[int, list[int]] = {}
        for i, j in level:
            users.setdefault(j, []).append(i)
        for j, targets in users.items():
            if len(targets) > len(best[2]):
                best = (k, j, targets)
    return best


# ---------------------------------------------------------------------- the checks
def _structure_problem(network: PrefixNetwork) -> str | None:
    """PrefixNetwork's own group walk: None, or its message."""
    try:
        network.check()
    except PrefixNetworkError as err:
        return str(err)
    return None


def _test_vectors(n: int) -> tuple[list[int], list[int], list[int], str]:
    """(a, b, cin) lists and a description: every input where there are at most 2^17,
    else every carry chain plus random sums (seeded, so every run tries the same)."""
    if 2 * n + 1 <= 17:
        total = 1 << (2 * n + 1)
        a = [v & ((1 << n) - 1) for v in range(total)]
        b = [(v >> n) & ((1 << n) - 1) for v in range(total)]
        cin = [v >> (2 * n) for v in range(total)]
        return a, b, cin, f"all {total:,} inputs (a, b, cin)"
    rng = random.Random(0)
    mask = (1 << n) - 1
    a, b, cin = [], [], []
    for i in range(n):                    # the carry into bit i + 1 ...
        for j in range(-1, i):            # ... decided at bit j (-1: cin), propagated above
            for decides in (0, 1):        # kill or generate
                x, y = rng.getrandbits(n), rng.getrandbits(n)
                for bit in range(j + 1, i + 1):
                    x, y = x | (1 << bit), y & ~(1 << bit)
                if j >= 0:
                    x = (x | (1 << j)) if decides else (x & ~(1 << j))
                    y = (y | (1 << j)) if decides else (y & ~(1 << j))
                a.append(x & mask)
                b.append(y & mask)
                cin.append(decides if j < 0 else rng.getrandbits(1))
    chains = len(a)
    for _ in range(_RANDOM_SUMS):
        a.append(rng.getrandbits(n))
        b.append(rng.getrandbits(n))
        cin.append(rng.getrandbits(1))
    return a, b, cin, f"{chains:,} carry-chain sums and {_RANDOM_SUMS:,} random ones"


def _adder_problem(network: PrefixNetwork) -> tuple[str | None, str]:
    """Simulate the prefix adder on the test vectors against Python's +: (None or the
    first wrong sum, what was tried)."""
    import numpy as np

    from adders.build import prefix_adder
    from adders.errors import NetlistError
    n = network.n
    a, b, cin, tried = _test_vectors(n)
    try:
        adder = prefix_adder(network)
    except NetlistError as err:       # two cells would drive one group's net: no adder at all
        return f"its cells do not make an adder: {err}", tried
    out = adder.simulate(a=np.array(a, np.uint64), b=np.array(b, np.uint64),
                         cin=np.array(cin, np.uint64))
    s, cout = out["s"].tolist(), out["cout"].tolist()
    for k in range(len(a)):
        total = a[k] + b[k] + cin[k]
        if s[k] != total & ((1 << n) - 1) or cout[k] != total >> n:
            got = (s[k] ^ a[k] ^ b[k]) | (cout[k] << n)       # carries into bits 0..n
            want = total ^ a[k] ^ b[k]
            wrong = [bit for bit in range(1, n + 1) if (got ^ want) >> bit & 1]
            digits = (n + 3) // 4
            return (f"it gets 0x{a[k]:0{digits}x} + 0x{b[k]:0{digits}x} + cin {cin[k]} wrong: "
                    f"s = 0x{s[k]:0{digits}x}, cout = {cout[k]}, but the sum is "
                    f"0x{total & ((1 << n) - 1):0{digits}x}, cout = {total >> n}; the carries "
                    f"into bit(s) {', '.join(map(str, wrong[:8]))} are wrong (network "
                    f"output(s) {', '.join(str(w - 1) for w in wrong[:8])})"), tried
    return None, tried


def _carry_scan_problem(network: PrefixNetwork) -> str | None:
    """carry_scan over all 4^n (g, p) inputs against the ripple loop."""
    import numpy as np

    from rnn.scan import carry_scan
    n = network.n
    codes = np.arange(4 ** n)
    g = ((codes[:, None] >> (2 * np.arange(n))) & 1).astype(bool)        # (4^n, n)
    p = ((codes[:, None] >> (2 * np.arange(n) + 1)) & 1).astype(bool)    # (4^n, n)
    want = np.zeros_like(g)
    carry = np.zeros(len(g), dtype=bool)
    for i in range(n):
        carry = g[:, i] | (p[:, i] & carry)
        want[:, i] = carry
    got = carry_scan(network, g, p)
    bad = np.nonzero((got != want).any(axis=1))[0]
    if not len(bad):
        return None
    k = int(bad[0])
    outputs = np.nonzero(got[k] != want[k])[0].tolist()
    return (f"with g = {g[k].astype(int).tolist()}, p = {p[k].astype(int).tolist()} (bit 0 "
            f"first) output(s) {outputs[:8]} are wrong")


def _scan_problem(network: PrefixNetwork) -> str | None:
    """Run the network as an affine scan against the sequential loop; for an overlapping
    network say which cell overlaps and what it does to h -> h + 1."""
    import numpy as np

    from rnn.scan import affine_combine, affine_scan, linear_recurrence_loop, scan
    n = network.n
    if not network.overlapping:
        rng = np.random.default_rng(0)
        a = rng.uniform(0.5, 1.0, (n, 4))                # (T, D)
        b = rng.standard_normal((n, 4))                  # (T, D)
        h0 = rng.standard_normal(4)                      # (D,)
        got, want = affine_scan(network, a, b, h0), linear_recurrence_loop(a, b, h0)
        error = float(np.abs(got - want).max())
        if error <= 1e-9 * (1.0 + float(np.abs(want).max())):
            return None
        raise InternalError(f"affine_scan differs from the loop by {error:g} on a valid "
                            f"network without overlapping cells")
    try:
        affine_scan(network, np.ones(n), np.ones(n))
    except CarrylabValueError:
        pass
    else:
        raise InternalError("affine_scan ran an overlapping network")
    lo = list(range(n))
    where = None
    for k, level in enumerate(network.levels):
        new = lo[:]
        for i, j in level:
            if where is None and j >= lo[i]:
                where = (k, i, j, lo[i], lo[j])
            new[i] = lo[j]
        lo = new
    k, i, j, lo_i, lo_j = where
    counts = [int(v) for _, v in scan(network, [(1, 1)] * n, affine_combine, idempotent=True)]
    t = next(t for t in range(n) if counts[t] != t + 1)
    overlap = f"{lo_i}..{j}" if j > lo_i else f"{j}"
    return (f"the cell [{i}, {j}] at level {k} joins the groups {i}..{lo_i} and {j}..{lo_j}, "
            f"which overlap at position(s) {overlap}. The carry operator forgives that, being "
            f"idempotent (x o x = x); an affine map does not (a o a != a), so affine_scan "
            f"refuses the network. With every map h -> h + 1 (exact prefix at t: t + 1) it "
            f"would give h[{t}] = {counts[t]}, not {t + 1}: {counts[t] - t - 1} step(s) "
            f"counted twice")


# ---------------------------------------------------------------------- for the editor
def prefix_submission(network: PrefixNetwork, student: str, challenge: str | None = None) -> dict:
    """The submission of ``network`` to a prefix challenge, ready for ``json.dump``.

    Parameters
    ----------
    network : PrefixNetwork
        The design (it need not be valid: the checker says what is wrong with it).
    student : str
        Who submits (1 to 64 printable characters).
    challenge : str, optional
        A registered prefix challenge; default ``"prefix-<n>"``.

    Returns
    -------
    dict
        ``{"challenge", "student", "n", "levels"}``, levels as lists of ``[i, j]``.

    Raises
    ------
    CarrylabTypeError
        ``network`` is not a PrefixNetwork.
    CarrylabValueError
        No prefix challenge of that id or width, or a bad ``student``.

    Examples
    --------
    >>> from adders.prefix import kogge_stone
    >>> prefix_submission(kogge_stone(4), "ada", challenge="prefix-16")
    Traceback (most recent call last):
    ...
    adders.errors.CarrylabValueError: challenge 'prefix-16' is for n = 16; this network has n = 4
    >>> import json
    >>> print(json.dumps(prefix_submission(kogge_stone(16), "ada"))[:93])
    {"challenge": "prefix-16", "student": "ada", "n": 16, "levels": [[[1, 0], [2, 1], [3, 2], [4,
    """
    if not isinstance(network, PrefixNetwork):
        raise CarrylabTypeError(f"network must be a PrefixNetwork, got {type(network).__name__}")
    prefix = [cid for cid, c in CHALLENGES.items() if isinstance(c, PrefixChallenge)]
    challenge = challenge if challenge is not None else f"prefix-{network.n}"
    target = CHALLENGES.get(challenge)
    if not isinstance(target, PrefixChallenge):
        raise CarrylabValueError(f"no prefix challenge {challenge!r}; the prefix challenges are "
                                 f"{', '.join(prefix)}")
    if target.n != network.n:
        raise CarrylabValueError(f"challenge {challenge!r} is for n = {target.n}; this network "
                                 f"has n = {network.n}")
    mistakes: list[str] = []
    student = read_student({"student": student}, mistakes)
    if mistakes:
        raise SubmissionError(mistakes)
    return {"challenge": challenge, "student": student, "n": network.n,
            "levels": [[[i, j] for i, j in level] for level in network.levels]}
