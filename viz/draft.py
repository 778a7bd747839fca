"""The prefix-network editor's pure part: a draft network edited cell by cell
(:class:`PrefixDraft`), the grid of its slots (:func:`layout_editor`) and what each of its
outputs really combines (:func:`check_outputs`). See :mod:`viz.editor`."""
from __future__ import annotations

from adders.checks import check_int
from adders.errors import CarrylabTypeError, CarrylabValueError

from ._style import check_choice
from ._style import check_network as _check_network

__all__ = ["PrefixDraft", "layout_editor", "check_outputs", "MAX_N", "STARTS"]


#: The widest network the editor edits (a grid of 16 columns still fits a notebook).
MAX_N = 16

#: Networks an edit may start from: the named ones of :mod:`adders.prefix` and "empty".
STARTS = ("serial", "sklansky", "kogge-stone", "brent-kung", "han-carlson",
          "ladner-fischer", "knowles", "empty")


# ---------------------------------------------------------------------- the draft
class PrefixDraft:
    """The network being edited: ``n`` positions and rows of cells (pure, no widgets).

    ``rows[k - 1]`` is ``{i: j}`` for grid row k (1 = top). Empty rows are allowed while
    editing and dropped from :attr:`network`; one empty row always waits at the bottom,
    so a new level can be started there.

    Parameters
    ----------
    n : int
        Positions, 2 <= n <= :data:`MAX_N`.
    start : str or PrefixNetwork
        A name of :data:`STARTS` or a network of width ``n`` to start from.
    """

    def __init__(self, n: int = 8, start="serial"):
        self.n = check_int(n, "n", 2, MAX_N)
        self.rows: list[dict[int, int]] = []
        self.load(start)

    def load(self, start) -> None:
        """Replace the cells by those of ``start`` (a name of :data:`STARTS` or a network)."""
        from adders.prefix import PrefixNetwork, network
        if isinstance(start, PrefixNetwork):
            if start.n != self.n:
                raise CarrylabValueError(f"start has n = {start.n}; this editor has n = {self.n}")
            levels = start.levels
        elif isinstance(start, str):
            check_choice("start", start, STARTS)
            levels = () if start == "empty" else network(start, self.n).levels
        else:
            raise CarrylabTypeError(f"start must be one of {', '.join(STARTS)} or a "
                                    f"PrefixNetwork, got {type(start).__name__}")
        self.rows = [dict(level) for level in levels]
        self._tidy()

    @property
    def network(self):
        """The cells as a :class:`adders.prefix.PrefixNetwork` (empty rows dropped)."""
        from adders.prefix import PrefixNetwork
        return PrefixNetwork(self.n, tuple(tuple(sorted(r.items())) for r in self.rows),
                             "your network")

    def layout(self) -> dict:
        """:func:`layout_editor` of the current rows."""
        return layout_editor(self.n, self.rows)

    def partner(self, row: int, i: int) -> int:
        """The nearest-group partner of position ``i`` in ``row``: the top of the group
        just below the one i holds before that row."""
        row, i = self._slot(row, i)
        j = self.layout()["rows"][row - 1]["slots"][self.n - 1 - i]["auto"]
        if j is None:
            raise CarrylabValueError(
                f"position {i} already holds the group {i}..0 before row {row}: there is no "
                f"group below it to join; name a partner j to add an overlapping cell")
        return j

    def add(self, row: int, i: int, j: int | None = None) -> int:
        """Add the cell ``(i, j)`` in ``row``; ``j=None`` picks :meth:`partner`. Returns j.

        Raises
        ------
        ValueError
            The slot is taken, j is not in ``0..i-1``, or (``j=None``) position i
            already reaches 0.
        """
        row, i = self._slot(row, i)
        if i in self.rows[row - 1]:
            raise CarrylabValueError(f"row {row} already has a cell at position {i} (it joins "
                                     f"{self.rows[row - 1][i]}); remove it first")
        j = self.partner(row, i) if j is None else check_int(j, "j", 0, i - 1)
        self.rows[row - 1][i] = j
        self._tidy()
        return j

    def remove(self, row: int, i: int) -> int:
        """Remove the cell at position ``i`` of ``row``; return its partner j."""
        row, i = self._slot(row, i)
        if i not in self.rows[row - 1]:
            raise CarrylabValueError(f"row {row} has no cell at position {i}")
        j = self.rows[row - 1].pop(i)
        self._tidy()
        return j

    def toggle(self, row: int, i: int, j: int | None = None) -> tuple[str, int, int]:
        """Remove the cell at (row, i) if there is one, else add it (see :meth:`add`).
        Returns ``("added" or "removed", i, j)``."""
        row, i = self._slot(row, i)
        if i in self.rows[row - 1]:
            return "removed", i, self.remove(row, i)
        return "added", i, self.add(row, i, j)

    def _slot(self, row, i) -> tuple[int, int]:
        row = check_int(row, "row", 1, len(self.rows))
        i = check_int(i, "i", 1, self.n - 1)
        return row, i

    def _tidy(self) -> None:
        """Exactly one empty row at the bottom (empty rows above it stay put)."""
        while len(self.rows) > 1 and not self.rows[-1] and not self.rows[-2]:
            self.rows.pop()
        if not self.rows or self.rows[-1]:
            self.rows.append({})


# ---------------------------------------------------------------------- pure layout
def layout_editor(n: int, rows) -> dict:
    """The editor's grid (pure: no widgets, no matplotlib).

    Parameters
    ----------
    n : int
        Positions.
    rows : sequence of dict ``{i: j}``
        The cells of each grid row, top first; rows may be empty.

    Returns
    -------
    dict with
        ``columns``: positions left to right (``n-1 .. 0``: bit 0 on the right);
        ``rows``: one dict per grid row k = 1..R with ``row`` (k), ``level`` (its level
        in the network, or None when the row is empty and dropped) and ``slots``, one per
        column: ``position`` i, ``cell`` (its partner j or None), ``holds`` (the low end
        lo of the group i holds before the row) and ``auto`` (``lo - 1``, the
        nearest-group partner, or None when lo = 0 or i = 0).
    """
    n = check_int(n, "n", 1)
    lo = list(range(n))
    out, level = [], 0
    for k, cells in enumerate(rows, start=1):
        cells = dict(cells)
        level += bool(cells)
        slots = [{"position": i, "cell": cells.get(i), "holds": lo[i],
                  "auto": lo[i] - 1 if lo[i] > 0 else None} for i in reversed(range(n))]
        out.append({"row": k, "level": level if cells else None, "slots": slots})
        new = lo[:]
        for i, j in cells.items():
            new[i] = lo[j]
        lo = new
    return {"n": n, "columns": list(reversed(range(n))), "rows": out}


# ---------------------------------------------------------------------- validity
def _ranges(positions) -> str:
    """``{0, 1, 2, 4, 5}`` -> ``"0..2 and 4..5"`` (ascending runs)."""
    runs = []
    for p in sorted(positions):
        if runs and p == runs[-1][1] + 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    parts = [f"{a}..{b}" if a != b else f"{a}" for a, b in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _groups(order) -> str:
    """The order in which positions are met, as descending groups ``5..4, 2..0, 3``."""
    runs = []
    for p in order:
        if runs and p == runs[-1][1] - 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    return ", ".join(f"{a}..{b}" if a != b else f"{a}" for a, b in runs)


def _output(i: int, order: tuple, twice: frozenset) -> dict:
    """Classify output i from the positions it meets (first meetings, in order) and the
    positions it meets more than once."""
    missing = set(range(i + 1)) - set(order)
    if missing:
        top = max(missing)
        return {"exact": False, "carry_ok": False, "problem": "missing",
                "message": f"position {i} does not combine position {top}: it covers "
                           f"{_ranges(order)} only"}
    for k in range(1, len(order)):
        if order[k] > order[k - 1]:        # first meetings must descend
            return {"exact": False, "carry_ok": False, "problem": "order",
                    "message": f"position {i} combines position {order[k]} after position "
                               f"{order[k - 1]}: its groups come out of order "
                               f"({_groups(order)})"}
    if twice:
        which = _ranges(twice)
        noun = "position" if len(twice) == 1 else "positions"
        return {"exact": False, "carry_ok": True, "problem": "overlap",
                "message": f"position {i} combines {noun} {which} twice: right for carries "
                           f"(the carry operator is idempotent), wrong for a linear RNN"}
    return {"exact": True, "carry_ok": True, "problem": None, "message": None}


def check_outputs(network) -> dict:
    """What each output of ``network`` combines, and whether that is a prefix (pure).

    Follows every cell as a *word*: position i starts as ``i``; a cell (i, j) appends
    j's word to i's. Only two facts of a word matter, so only they are kept: the
    positions in the order they are first met, and those met again. Output i is exact
    iff it meets ``i, i-1, ..., 0`` once each; right for carries iff it meets each of
    ``0..i`` first in descending order (the carry operator returns the first group that
    generates or kills, so repeats change nothing). Cost O(cells * n).

    Returns
    -------
    dict with
        ``valid``: every output exact (right for any associative operator);
        ``carries_valid``: every output right for carries;
        ``first_wrong``: the output the message names (None when valid): the first
        output wrong for carries if there is one, else the first that is not exact;
        ``message``: one sentence;
        ``outputs``: per position, ``position``, ``order`` (positions first met, in
        order), ``twice`` (sorted positions met more than once), ``exact``,
        ``carry_ok``, ``problem`` (None, "missing", "order" or "overlap") and
        ``message``.

    Examples
    --------
    >>> from adders.prefix import PrefixNetwork
    >>> overlap = PrefixNetwork(3, [[(1, 0), (2, 1)], [(2, 1)]])   # 2 meets 1 twice
    >>> r = check_outputs(overlap)
    >>> r["valid"], r["carries_valid"], r["first_wrong"]
    (False, True, 2)
    >>> r["message"]
    'valid for carries only: position 2 combines position 1 twice: right for carries (the carry operator is idempotent), wrong for a linear RNN'
    """
    _check_network(network)
    words = [((i,), frozenset()) for i in range(network.n)]
    for level in network.levels:
        new = words[:]
        for i, j in level:
            (hi, hi_twice), (lo, lo_twice) = words[i], words[j]
            seen = set(hi)
            new[i] = (hi + tuple(p for p in lo if p not in seen),
                      hi_twice | lo_twice | seen.intersection(lo))
        words = new
    outputs = []
    for i, (order, twice) in enumerate(words):
        outputs.append({"position": i, "order": order, "twice": sorted(twice),
                        **_output(i, order, twice)})
    carry_bad = [o for o in outputs if not o["carry_ok"]]
    inexact = [o for o in outputs if not o["exact"]]
    if carry_bad:
        first, message = carry_bad[0], f"not a prefix network: {carry_bad[0]['message']}"
    elif inexact:
        first, message = inexact[0], f"valid for carries only: {inexact[0]['message']}"
    else:
        first, message = None, ("valid prefix network: every output i combines positions "
                                "i..0 once each, in order")
    return {"valid": not inexact, "carries_valid": not carry_bad,
            "first_wrong": None if first is None else first["position"],
            "message": message, "outputs": outputs}
