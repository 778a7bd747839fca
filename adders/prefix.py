"""Parallel-prefix networks: the topology shared by adders and scans.

A prefix network on ``n`` positions computes every prefix ``x[i] o x[i-1] o ... o x[0]``
of an associative operator ``o``. It knows nothing of gates or floats: it is a list of
levels, and each level a list of *cells* ``(i, j)`` with ``j < i``, meaning

    position i absorbs the group that ends at position j:  X[i] <- X[i] o X[j]

where every cell of a level reads the values left by the previous level. At the start
position ``i`` holds the group ``i:i``; a network is valid when, at the end, position ``i``
holds exactly the group ``i:0`` for every ``i`` (:meth:`PrefixNetwork.check`).

For an adder, ``x[i] = (g[i], p[i])`` and ``o`` is the carry operator
``(g_hi, p_hi) o (g_lo, p_lo) = (g_hi | p_hi & g_lo, p_hi & p_lo)``, so ``G[i:0]`` is the
carry out of bit ``i``. For a linear RNN, ``x[t] = (a[t], b[t])`` and ``o`` composes the
affine maps ``h -> a h + b``, so the prefix at ``t`` is the hidden state ``h[t]``.

The carry operator is idempotent (``x o x = x``), so adders tolerate cells whose two
groups overlap; Knowles networks rely on it. Affine maps are not idempotent: a scan
over reals needs a network whose cells only join adjacent groups
(:attr:`PrefixNetwork.overlapping` is ``False``).

Constructors (n is any width >= 1 unless stated; L = ceil(log2 n)):

=================  ==========  =======================  ===========  =========
network            depth       cells (n = 2^L)          max fanout   tracks
=================  ==========  =======================  ===========  =========
serial (ripple)    n - 1       n - 1                    2            1
sklansky           L           (n/2) L                  n/2 + 1      1
kogge_stone        L           n L - n + 1              2            n/2
brent_kung         2L - 1      2n - 2 - L               2            1
han_carlson        L + 1       (n/2) L                  2            n/4
ladner_fischer     L + 1       (n/4)(L - 1) + n - 1     n/4 + 1      1
knowles [2,1..1]   L           more than Kogge-Stone    3            n/4
=================  ==========  =======================  ===========  =========

``from_taxonomy(n, l, f, t)`` spans Harris's cube ("A taxonomy of parallel prefix
networks", Asilomar 2003): ``l`` extra logic levels, fanout ``2^f + 1``, ``2^t`` wiring
tracks, with ``l + f + t = log2 n - 1``. Brent-Kung is (L-1, 0, 0), Sklansky (0, L-1, 0),
Kogge-Stone (0, 0, L-1), Han-Carlson (1, 0, L-2), Ladner-Fischer (1, L-2, 0).

Examples
--------
>>> net = kogge_stone(8)
>>> net.depth, net.size, net.max_fanout, net.tracks
(3, 17, 2, 4)
>>> net.evaluate(list(range(1, 9)), lambda hi, lo: hi + lo)   # prefix sums
[1, 3, 6, 10, 15, 21, 28, 36]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from .checks import check_int
from .errors import CarrylabValueError

__all__ = ["PrefixNetwork", "PrefixNetworkError", "serial", "sklansky", "kogge_stone", "brent_kung",
           "han_carlson", "ladner_fischer", "knowles", "from_taxonomy", "NETWORKS", "network", "MAX_BITS",
           "low_ends", "check_width"]

#: The widest network carrylab builds: n up to 65,536 positions (a Kogge-Stone network
#: of that width has about a million cells; its adder takes minutes to build).
MAX_BITS = 1 << 16

Cell = tuple[int, int]


def low_ends(n: int, levels, start=None) -> list[list[int]]:
    """Walk the groups level by level: the low end of every position's group.

    Position ``i`` starts with the group ``i:i``; a cell ``(i, j)`` makes ``i`` hold
    ``i:lo[j]``, reading the low ends the previous level left. Returns ``lo`` with
    ``len(lo) == len(levels) + 1``: ``lo[k][i]`` is the lowest position of the group
    position ``i`` holds after ``k`` levels, i.e. before level ``k`` (``lo[0][i] == i``,
    or ``start[i]`` when the walk resumes from earlier levels' low ends ``start``).
    A network is valid when ``lo[-1]`` is all zeros and no cell leaves a gap
    (:meth:`PrefixNetwork.check`). Cost: O(n depth) time and memory.

    Examples
    --------
    >>> low_ends(4, [[(1, 0), (3, 2)], [(2, 1), (3, 1)]])
    [[0, 1, 2, 3], [0, 0, 2, 2], [0, 0, 0, 0]]
    """
    lo = list(range(n)) if start is None else list(start)
    history = [lo[:]]
    for level in levels:
        new = lo[:]
        for i, j in level:
            new[i] = lo[j]
        lo = new
        history.append(lo[:])
    return history


class PrefixNetworkError(CarrylabValueError):
    """A prefix network whose cells do not compute every prefix exactly once."""


@dataclass(frozen=True)
class PrefixNetwork:
    """A prefix network: ``n`` positions and ``levels`` of cells ``(i, j)``, ``j < i``.

    Parameters
    ----------
    n : int
        Number of positions (bits of an adder, time steps of a scan), n >= 1.
    levels : sequence of sequences of (i, j)
        Level by level, the cells. Empty levels are dropped; cells are sorted by i.
    name : str
        A label for tables and pictures.
    """

    n: int
    levels: tuple[tuple[Cell, ...], ...]
    name: str = "custom"

    def __post_init__(self):
        object.__setattr__(self, "n", check_width(self.n))
        cleaned = []
        for k, level in enumerate(self.levels):
            cells = tuple(sorted((int(i), int(j)) for i, j in level))
            seen = set()
            for i, j in cells:
                if not (0 <= j < i < self.n):
                    raise PrefixNetworkError(
                        f"level {k}: cell ({i}, {j}) needs 0 <= j < i < n = {self.n}")
                if i in seen:
                    raise PrefixNetworkError(
                        f"level {k}: position {i} has two cells; one cell per position a level")
                seen.add(i)
            if cells:
                cleaned.append(cells)
        object.__setattr__(self, "levels", tuple(cleaned))

    # ------------------------------------------------------------------ figures
    @property
    def depth(self) -> int:
        """Number of levels (cells on the longest path)."""
        return len(self.levels)

    @property
    def size(self) -> int:
        """Number of cells (operator applications)."""
        return sum(len(level) for level in self.levels)

    @property
    def max_fanout(self) -> int:
        """Largest fanout of any node: its own continuation plus each lateral use.

        A network with no cells has fanout 1 (every wire just continues).
        """
        best = 1
        for level in self.levels:
            uses: dict[int, int] = {}
            for _, j in level:
                uses[j] = uses.get(j, 0) + 1
            if uses:
                best = max(best, 1 + max(uses.values()))
        return best

    @property
    def tracks(self) -> int:
        """Most lateral wires crossing one vertical cut within one level (Harris).

        A source ``j`` used by cells ``i1 < i2 < ...`` of one level drives a single lateral
        wire from ``j`` to its farthest user, so it crosses the cuts ``j | j+1`` up to
        ``i_max - 1 | i_max``.
        """
        best = 0
        for level in self.levels:
            reach: dict[int, int] = {}
            for i, j in level:
                reach[j] = max(reach.get(j, j), i)
            crossing = [0] * (self.n + 1)      # difference array over cuts x | x+1
            for j, far in reach.items():
                crossing[j] += 1
                crossing[far] -= 1
            running = 0
            for x in range(self.n):
                running += crossing[x]
                best = max(best, running)
        return best

    @property
    def overlapping(self) -> bool:
        """True if some cell joins two overlapping groups (needs an idempotent operator)."""
        return any(overlap for _, overlap in self._walk())

    def groups(self) -> list[list[int]]:
        """Low end of each position's group after each level.

        Returns ``lo`` with ``len(lo) == depth + 1``: ``lo[k][i]`` is the lowest position
        in the group that position ``i`` holds after ``k`` levels (``lo[0][i] == i``).
        Same as :func:`low_ends` on this network.
        """
        return low_ends(self.n, self.levels)

    def _walk(self):
        """Yield ((level, i, j), overlaps) for every cell, raising on a gap."""
        history = low_ends(self.n, self.levels)
        for k, (level, lo) in enumerate(zip(self.levels, history)):
            for i, j in level:
                if j < lo[i] - 1:
                    raise PrefixNetworkError(
                        f"level {k}: cell ({i}, {j}) leaves a gap: position {i} holds "
                        f"{i}:{lo[i]}, so it must absorb a group ending at {lo[i] - 1} or above")
                yield (k, i, j), j >= lo[i]
        lo = history[-1]
        missing = [i for i in range(self.n) if lo[i] != 0]
        if missing:
            raise PrefixNetworkError(
                f"positions {missing[:8]}{'...' if len(missing) > 8 else ''} do not reach "
                f"position 0 (their groups end at {[lo[i] for i in missing[:8]]})")

    def check(self) -> "PrefixNetwork":
        """Prove that every output ``i`` covers exactly positions ``0..i``.

        Walks the groups level by level: each cell must join its group to one that ends
        no lower than the position just below it (no gap), and every position must end
        at group ``i:0``. Returns the network, so calls chain.

        Raises
        ------
        PrefixNetworkError
            Naming the level and cell at fault, or the positions left incomplete.
        """
        for _ in self._walk():
            pass
        return self

    def evaluate(self, values: Sequence, combine: Callable, record: bool = False) -> list:
        """Run the network on ``values`` with ``combine(hi, lo)`` (plain Python).

        ``combine`` must be associative (and idempotent if :attr:`overlapping`). Returns
        the list of prefixes ``values[i] o ... o values[0]``; with ``record=True`` a pair
        ``(prefixes, history)``, ``history[k]`` the list of values after ``k`` levels
        (``history[0]`` is the input). This is the slow, obvious reference:
        :mod:`rnn.scan` runs the same cells in compiled code.
        """
        if len(values) != self.n:
            raise CarrylabValueError(f"values has length {len(values)}; this network has n = {self.n}")
        x = list(values)
        history = [x[:]] if record else None
        for level in self.levels:
            new = x[:]
            for i, j in level:
                new[i] = combine(x[i], x[j])
            x = new
            if record:
                history.append(x[:])
        return (x, history) if record else x

    def stats(self) -> dict:
        """The figures of merit as a dict: n, depth, cells, max_fanout, tracks."""
        return {"n": self.n, "depth": self.depth, "cells": self.size,
                "max_fanout": self.max_fanout, "tracks": self.tracks}

    def __repr__(self) -> str:
        return (f"PrefixNetwork({self.name!r}, n={self.n}, depth={self.depth}, "
                f"cells={self.size})")

    def to_text(self) -> str:
        """A small ASCII picture: bit n-1 on the left, one row a level.

        ``o`` is a cell, ``|`` a wire passing through, ``/`` nothing at that level; the
        numbers after each row name the source of each cell.
        """
        rows = [" ".join(f"{i % 10}" for i in reversed(range(self.n)))]
        for level in self.levels:
            active = dict(level)
            marks = ["o" if i in active else "|" for i in reversed(range(self.n))]
            sources = ", ".join(f"{i}<{j}" for i, j in level)
            rows.append(" ".join(marks) + "   " + sources)
        return "\n".join(rows)


# ---------------------------------------------------------------------- constructors
def check_width(n) -> int:
    """``n`` as an int in [1, :data:`MAX_BITS`], or a CarrylabValueError naming ``n``."""
    return check_int(n, "n", 1, MAX_BITS)




def _log2_ceil(n: int) -> int:
    return (n - 1).bit_length()


def _build(n: int, levels, name: str) -> PrefixNetwork:
    return PrefixNetwork(n, tuple(tuple(level) for level in levels), name).check()


def serial(n: int) -> PrefixNetwork:
    """The ripple chain: level k joins position k to k-1. Depth n - 1, n - 1 cells."""
    n = check_width(n)
    return _build(n, [[(i, i - 1)] for i in range(1, n)], "serial")


def sklansky(n: int) -> PrefixNetwork:
    """Sklansky (1960) divide and conquer: at level l, every position whose bit l is set
    absorbs the last position of the block of 2^l below it. Depth L, fanout 2^(L-1) + 1."""
    n = check_width(n)
    levels = []
    for l in range(_log2_ceil(n)):
        levels.append([(i, ((i >> l) << l) - 1) for i in range(n) if (i >> l) & 1])
    return _build(n, levels, "sklansky")


def kogge_stone(n: int) -> PrefixNetwork:
    """Kogge-Stone (1973): at level l every position i >= 2^l absorbs i - 2^l.
    Depth L, fanout 2, but n/2 wiring tracks at the last level."""
    n = check_width(n)
    levels = [[(i, i - (1 << l)) for i in range(1 << l, n)] for l in range(_log2_ceil(n))]
    return _build(n, levels, "kogge-stone")


def _bk_up(n: int, count: int):
    """Brent-Kung up-sweep levels 0..count-1: position i with (i+1) % 2^(l+1) == 0
    absorbs i - 2^l, building aligned blocks of 2^(l+1)."""
    return [[(i, i - (1 << l)) for i in range(n) if (i + 1) % (2 << l) == 0 and i >= (1 << l)]
            for l in range(count)]


def _bk_down(n: int, count: int):
    """Brent-Kung down-sweep, spans 2^(count-1) .. 1: position i with
    (i+1) % 2^(l+1) == 2^l absorbs the complete prefix i - 2^l."""
    return [[(i, i - (1 << l)) for i in range(n) if (i + 1) % (2 << l) == (1 << l) and i >= (1 << l)]
            for l in reversed(range(count))]


def brent_kung(n: int) -> PrefixNetwork:
    """Brent-Kung (1982): a binary-tree up-sweep then a down-sweep that fills the gaps.
    Depth 2L - 1, 2n - 2 - L cells, fanout 2, one track."""
    n = check_width(n)
    L = _log2_ceil(n)
    return _build(n, _bk_up(n, L) + _bk_down(n, max(L - 1, 0)), "brent-kung")


def _knowles_levels(m: int, lanes_first_level_first: Sequence[int]):
    """Knowles levels over m positions; lanes[k] = lateral fanout at level k (span 2^k).

    Position i >= 2^k absorbs ``j = ((i - 2^k) // f) * f + f - 1``: f neighbouring
    positions share one source, which cuts the tracks by f and raises the fanout to f + 1.
    Cells that would add nothing (the group already reaches 0, or j's group lies inside
    i's) are left out. With f > 1 groups may overlap, which the carry operator allows.
    """
    lo = list(range(m))
    levels = []
    for k, f in enumerate(lanes_first_level_first):
        span = 1 << k
        level = []
        for i in range(span, m):
            j = ((i - span) // f) * f + f - 1
            if lo[i] == 0 or lo[j] >= lo[i]:
                continue
            level.append((i, j))
        lo = low_ends(m, [level], lo)[-1]
        levels.append(level)
    return levels


def _prune(n: int, levels) -> list:
    """Drop every cell the outputs do not need, keeping the network valid.

    Backward pass over demands: ``demand[i]`` is the highest low end position i may
    hold after a level and still let every output reach 0. A cell is kept only when i,
    with all its earlier cells, would not meet its demand without it; a kept cell
    (i, j) then asks i to reach j + 1 and j to reach i's demand. Since every kept
    demand is one the unpruned network meets, the pruned one meets them too.
    """
    before = low_ends(n, levels)[:-1]     # lo of the full network before each level
    demand = [0] * n
    kept_levels = []
    for level, lo_before in zip(reversed(levels), reversed(before)):
        new_demand = demand[:]
        kept = []
        for i, j in level:
            if lo_before[i] <= demand[i]:
                continue
            kept.append((i, j))
            new_demand[i] = j + 1          # the cell replaces i's own continuation
        for i, j in kept:
            new_demand[j] = min(new_demand[j], demand[i])
        demand = new_demand
        kept_levels.append(kept)
    return kept_levels[::-1]


def _sparse(n: int, l: int, inner: Callable[[int], list]) -> list:
    """Harris's sparse construction: l Brent-Kung levels up, an inner network over the
    positions i = 2^l (m+1) - 1 that then hold aligned blocks, and l levels down."""
    block = 1 << l
    m = n // block
    outer = []
    for level in inner(m):
        outer.append([(block * (a + 1) - 1, block * (b + 1) - 1) for a, b in level])
    return _bk_up(n, l) + outer + _bk_down(n, l)


def han_carlson(n: int) -> PrefixNetwork:
    """Han-Carlson (1987): Kogge-Stone on the odd positions, then one level fills the even
    ones. Depth L + 1, (n/2) L cells, fanout 2, n/4 tracks."""
    n = check_width(n)
    levels = _sparse(n, 1, lambda m: kogge_stone(m).levels if m else [])
    return _build(n, levels, "han-carlson")


def ladner_fischer(n: int) -> PrefixNetwork:
    """Ladner-Fischer as Harris's (1, L-2, 0): Sklansky on the odd positions, then one
    level fills the even ones. Depth L + 1, half Sklansky's fanout."""
    n = check_width(n)
    levels = _sparse(n, 1, lambda m: sklansky(m).levels if m else [])
    return _build(n, levels, "ladner-fischer")


def knowles(n: int, lanes: Sequence[int] | None = None) -> PrefixNetwork:
    """Knowles (2001) minimum-depth family between Kogge-Stone and Sklansky.

    Parameters
    ----------
    n : int
        Width, n >= 1.
    lanes : sequence of int, optional
        Lateral fanout of each level in Knowles's notation, *last level first*:
        ``[1, 1, 1, 1]`` is Kogge-Stone, ``[8, 4, 2, 1]`` is Sklansky. Each is a power of
        two, the lane of level k (counting from the first level, k = 0) is at most 2^k, and
        no lane is smaller than the one of the level before it. Default ``[2, 1, ..., 1]``:
        fanout 3 and half of Kogge-Stone's tracks. Depth is always ceil(log2 n).

    Cells no output needs are pruned, so the Sklansky lanes give Sklansky's own network.
    """
    n = check_width(n)
    L = _log2_ceil(n)
    if lanes is None:
        lanes = ([2] + [1] * (L - 1)) if L >= 2 else [1] * L
    lanes = list(lanes)
    if len(lanes) != L:
        raise CarrylabValueError(f"lanes must be {L} ints (one per level, last level first) for n = {n}, "
                                 f"got {lanes!r}")
    lanes = [check_int(f, f"lanes[{k}]", 1) for k, f in enumerate(lanes)]
    first = lanes[::-1]
    for k, f in enumerate(first):
        if f < 1 or f & (f - 1) or f > (1 << k) or (k and f < first[k - 1]):
            raise CarrylabValueError(
                f"lanes {lanes!r}: the lane of level {k} (from the first) is {f}; each lane must "
                f"be a power of two, at most 2^level = {1 << k}, and no smaller than the lane of "
                f"the level before")
    return _build(n, _prune(n, _knowles_levels(n, first)), "knowles")


def from_taxonomy(n: int, l: int, f: int, t: int) -> PrefixNetwork:
    """A point (l, f, t) of Harris's taxonomy, n a power of two, l + f + t = log2 n - 1.

    l Brent-Kung levels reduce to n / 2^l aligned blocks, a Knowles network with lanes
    ``[2^f, 2^(f-1), ..., 2, 1, ..., 1]`` (fanout 2^f + 1, 2^t tracks) runs over the
    blocks, and l levels fill in the rest. Depth log2 n + l.
    """
    n = check_width(n)
    if n & (n - 1):
        raise CarrylabValueError(f"from_taxonomy needs n a power of two, got n = {n}")
    L = n.bit_length() - 1
    l, f, t = (check_int(v, name, 0) for name, v in (("l", l), ("f", f), ("t", t)))
    if L == 0:
        if (l, f, t) != (0, 0, 0):
            raise CarrylabValueError(f"for n = 1 only (0, 0, 0) exists, got {(l, f, t)}")
        return PrefixNetwork(1, (), "taxonomy(0,0,0)")
    if l + f + t != L - 1:
        raise CarrylabValueError(f"l + f + t must equal log2 n - 1 = {L - 1} for n = {n}, "
                         f"got {l} + {f} + {t} = {l + f + t}")
    levels_inner = L - l
    lanes_first = [1 << max(0, f - (levels_inner - 1 - k)) for k in range(levels_inner)]
    levels = _sparse(n, l, lambda m: _prune(m, _knowles_levels(m, lanes_first)))
    return _build(n, levels, f"taxonomy({l},{f},{t})")


NETWORKS: dict[str, Callable[[int], PrefixNetwork]] = {
    "serial": serial,
    "sklansky": sklansky,
    "kogge-stone": kogge_stone,
    "brent-kung": brent_kung,
    "han-carlson": han_carlson,
    "ladner-fischer": ladner_fischer,
    "knowles": knowles,
}


def network(name: str, n: int) -> PrefixNetwork:
    """Build the named network (a key of :data:`NETWORKS`) on n positions."""
    if name not in NETWORKS:
        raise CarrylabValueError(f"unknown prefix network {name!r}; known: {', '.join(NETWORKS)}")
    return NETWORKS[name](n)
