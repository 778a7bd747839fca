r"""A prefix-network editor: build a network cell by cell and watch both algebras at once.

The student edits a grid of *slots*: rows are levels (row 1 on top, as in
:func:`viz.draw_prefix`), columns are positions (bit 0 on the right). A slot holds at
most one cell ``(i, j)``, ``j < i``: position i absorbs the group that ends at j. Adding
a cell without naming j uses the **nearest-group rule**: ``j = lo - 1`` where ``i``
holds the group ``i:lo`` just before that row, so the two groups meet without a gap or
an overlap. Naming j (``j = i - s`` in the widget's menu) allows any cell, including
wrong ones: that is the point of the exercise.

Every edit recomputes, apart from any drawing (pure functions, no ipywidgets):

* :func:`layout_editor`: the grid (which slot holds which cell, the group each position
  holds before each row, the partner the nearest-group rule would pick);
* :func:`check_outputs`: what each output really combines. Output i is *exact* when it
  combines the positions ``i, i-1, ..., 0`` once each, in that order: right for every
  associative operator, so for carries and for a linear RNN. It is *right for carries
  only* when it reaches every position of ``0..i``, meets each one first in descending
  order, but meets some twice: the carry operator is idempotent (``x o x = x``), affine
  maps are not (the repeated steps count twice). Anything else (a position missing, or
  met out of order) is wrong for both;
* :func:`two_algebras`: the network run on an addition ``a + b`` (its carries
  ``c[i+1] = G[i:0]`` checked against Python's integer ``+``) and on a linear RNN
  ``h[t] = a_t h[t-1] + b_t`` with fixed ``a_t, b_t`` (each ``h[t]`` checked against the
  sequential loop :func:`rnn.scan.linear_recurrence_loop`).

:func:`draw_editor` draws one picture of it all: the network (:func:`viz.draw_prefix`,
adder orientation) with each output's carry and hidden state underneath, green when
they agree with the references and red when not. Tagged gids: ``"cell:k:i:j"`` (from
draw_prefix), ``"carry:i"``, ``"state:i"``, ``"wrong:i"`` (the first wrong output).

:func:`prefix_editor` wraps it in ipywidgets (imported only then): a grid of toggle
buttons, a partner menu, sliders for a and b, the stats and the verdict, the picture,
and an "export submission" button that writes the network as JSON for the design
challenge ``{"challenge": "prefix-<n>", "student": ..., "n": n, "levels": [[[i, j], ...],
...]}`` (:func:`submission`; the challenge checker in ``carrylab`` reads that file, and viz
never imports carrylab).

Examples
--------
>>> draft = PrefixDraft(4, start="serial")      # cells (1, 0), (2, 1), (3, 2)
>>> draft.add(1, 3)          # row 1, position 3: joins the group just below it
2
>>> check_outputs(draft.network)["message"]
'valid for carries only: position 3 combines position 2 twice: right for carries (the carry operator is idempotent), wrong for a linear RNN'
>>> draft.remove(3, 3)       # the serial cell (3, 2) of row 3
2
>>> check_outputs(draft.network)["message"]
'not a prefix network: position 3 does not combine position 1: it covers 2..3 only'
>>> draft.add(2, 3)
1
>>> draft.network.levels     # Sklansky's network on 4 positions
(((1, 0), (3, 2)), ((2, 1), (3, 1)))
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

from adders.checks import check_int
from adders.errors import CarrylabTypeError, CarrylabValueError

from ._style import COLORS, check_choice

__all__ = ["MAX_N", "STARTS", "PrefixDraft", "PrefixEditor", "check_outputs",
           "default_coefficients", "default_operands", "draw_editor", "layout_editor",
           "prefix_editor", "submission", "two_algebras", "write_submission"]

#: The widest network the editor edits (a grid of 16 columns still fits a notebook).
MAX_N = 16

#: Networks an edit may start from: the named ones of :mod:`adders.prefix` and "empty".
STARTS = ("serial", "sklansky", "kogge-stone", "brent-kung", "han-carlson",
          "ladner-fischer", "knowles", "empty")

_OK, _BAD = "#2ca02c", COLORS["cone"]


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
    from .prefix import _check_network
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


# ---------------------------------------------------------------------- both algebras
def default_coefficients(n: int) -> tuple[list[float], list[float]]:
    """The editor's fixed linear RNN: ``a_t`` in [0.5, 0.95], ``b_t`` in [-1, 1], two
    decimals each, drawn once from a seeded generator (the same for every n prefix)."""
    import numpy as np
    n = check_int(n, "n", 1)
    rng = np.random.default_rng(2021)
    a_t = np.round(rng.uniform(0.5, 0.95, n), 2)
    b_t = np.round(rng.uniform(-1.0, 1.0, n), 2)
    return a_t.tolist(), b_t.tolist()


def default_operands(n: int) -> tuple[int, int]:
    """a = all ones but bit 2, b = 5: bit 0 generates a carry that every other bit
    propagates, so each carry needs its whole group down to bit 0."""
    n = check_int(n, "n", 1)
    mask = (1 << n) - 1
    return mask & ~4, 5 & mask


def two_algebras(network, a: int, b: int, coefficients=None) -> dict:
    """Run ``network`` as an adder on ``a + b`` and as a linear RNN; check both.

    Adder: ``g_i = a_i b_i``, ``p_i = a_i xor b_i``; the network with the carry operator
    gives ``G[i:0] = c[i+1]``, checked against the carries of Python's ``a + b``
    (``c[i+1] = ((a mod 2^(i+1)) + (b mod 2^(i+1))) >> (i+1)``); the sum
    ``s_i = p_i xor c_i`` plus ``c[n] 2^n`` against ``a + b``. Linear RNN: the network
    with affine composition on ``(a_t, b_t)`` (``h[-1] = 0``) gives ``h[t]``, checked
    against the sequential loop. Both run the cells as they are (no validity check):
    a wrong network gives wrong numbers, and the report shows which.

    Returns
    -------
    dict with ``a``, ``b``, ``carries`` and ``carries_ref`` (``c[1..n]``), ``carry_ok``
    (per output), ``sum`` and ``sum_ref``, ``a_t``, ``b_t``, ``h`` and ``h_ref``,
    ``h_ok`` (per output, relative tolerance 1e-9).
    """
    import numpy as np

    from rnn.scan import affine_combine, carry_combine, linear_recurrence_loop

    from .prefix import _check_network
    _check_network(network)
    n = network.n
    a = check_int(a, "a", 0, (1 << n) - 1)
    b = check_int(b, "b", 0, (1 << n) - 1)
    g = [(a >> i) & (b >> i) & 1 for i in range(n)]
    p = [((a ^ b) >> i) & 1 for i in range(n)]
    carries = [G for G, _ in network.evaluate(list(zip(g, p)), carry_combine)]
    mask = [(1 << (i + 1)) - 1 for i in range(n)]
    carries_ref = [((a & m) + (b & m)) >> (i + 1) for i, m in enumerate(mask)]
    cin = [0] + carries[:-1]
    total = sum((p[i] ^ cin[i]) << i for i in range(n)) + (carries[-1] << n)
    a_t, b_t = coefficients if coefficients is not None else default_coefficients(n)
    a_t, b_t = [float(x) for x in a_t], [float(x) for x in b_t]
    if len(a_t) != n or len(b_t) != n:
        raise CarrylabValueError(f"coefficients must be two lists of n = {n} numbers, got "
                                 f"lengths {len(a_t)} and {len(b_t)}")
    h = [float(hb) for _, hb in network.evaluate(list(zip(a_t, b_t)), affine_combine)]
    h_ref = linear_recurrence_loop(np.array(a_t), np.array(b_t)).tolist()   # (T,)
    return {"a": a, "b": b, "carries": carries, "carries_ref": carries_ref,
            "carry_ok": [c == r for c, r in zip(carries, carries_ref)],
            "sum": total, "sum_ref": a + b, "a_t": a_t, "b_t": b_t, "h": h, "h_ref": h_ref,
            "h_ok": [math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) for x, y in zip(h, h_ref)]}


# ---------------------------------------------------------------------- the picture
def draw_editor(network, result: dict | None = None, report: dict | None = None, ax=None):
    """The editor's picture: ``network`` in adder orientation, each output's carry and
    hidden state underneath (green: agrees with ``a + b`` / the loop; red: does not),
    the first wrong output ringed. Returns the Figure.

    ``result`` is :func:`two_algebras` (default: :func:`default_operands` and
    :func:`default_coefficients`), ``report`` :func:`check_outputs`.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from .prefix import draw_prefix, layout_prefix
    if result is None:
        result = two_algebras(network, *default_operands(network.n))
    if report is None:
        report = check_outputs(network)
    n, depth = network.n, network.depth
    if ax is None:
        ax = _editor_axes(plt.figure(), n, depth)
    draw_prefix(network, "adder", ax=ax)
    fig = ax.figure
    xs = layout_prefix(network, "right")["x"]
    bottom = -(depth + 1)
    pitch = ax.get_position().width * fig.get_figwidth() * 72 / n
    font = max(5.5, min(9.0, pitch * 0.2))
    rows = ((bottom - 1.05, "carries", "carry:", [str(c) for c in result["carries"]],
             result["carry_ok"]),
            (bottom - 1.6, "states", "state:", [f"{h:.2f}" for h in result["h"]], result["h_ok"]))
    for y, _, gid, texts, oks in rows:
        for i in range(n):
            ax.text(xs[i], y, f"{texts[i]}{'✓' if oks[i] else '✗'}", ha="center", va="center",
                    fontsize=font, color=_OK if oks[i] else _BAD, gid=f"{gid}{i}")
    left = min(xs) - 0.8
    ax.text(left, rows[0][0], "c", ha="right", va="center", fontsize=font + 1, color="0.3")
    ax.text(left, rows[1][0], "h", ha="right", va="center", fontsize=font + 1, color="0.3")
    wrong = report["first_wrong"]
    if wrong is not None:
        ax.add_line(Line2D([xs[wrong]], [bottom], marker="s", ms=16, mfc="none", mec=_BAD,
                           mew=2.0, ls="none", zorder=4, gid=f"wrong:{wrong}"))
    ax.set_ylim(bottom - 2.0, ax.get_ylim()[1])
    verdict = ("valid prefix network" if report["valid"] else
               f"valid for carries only (first: output {wrong})" if report["carries_valid"]
               else f"not a prefix network (first wrong: output {wrong})")
    ax.set_title(f"{ax.get_title()}\n{verdict}; c: carries of {result['a']} + {result['b']}, "
                 f"h: linear RNN states", fontsize=9)
    return fig


def _editor_axes(fig, n: int, depth: int):
    """Size ``fig`` for an editor picture and give it one Axes with fixed margins (no
    layout engine: the widget redraws one figure per edit and that keeps it fast)."""
    width, height = max(7.0, 0.62 * n + 2.4), 0.5 * (depth + 2) + 3.4
    fig.set_size_inches(width, height)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.1 / width, right=1 - 0.1 / width, top=1 - 0.6 / height,
                        bottom=0.45 / height)
    return ax


# ---------------------------------------------------------------------- submissions
def submission(network, student: str, challenge: str | None = None) -> dict:
    """A network as a prefix design challenge's JSON object (pure).

    ``challenge`` defaults to ``"prefix-<n>"``, the id the course's prefix challenges
    use (``prefix-16``: at most depth 5 and fanout 4, fewest cells); the network need
    not be valid: the checker says what is wrong with it.

    >>> from adders.prefix import serial
    >>> submission(serial(3), "ada")
    {'challenge': 'prefix-3', 'student': 'ada', 'n': 3, 'levels': [[[1, 0]], [[2, 1]]]}

    Raises
    ------
    ValueError
        ``student`` is empty (a submission names who submits).
    """
    from .prefix import _check_network
    _check_network(network)
    challenge = f"prefix-{network.n}" if challenge is None else challenge
    if not isinstance(student, str) or not isinstance(challenge, str):
        raise CarrylabTypeError(f"student and challenge must be strings, got {student!r} and "
                                f"{challenge!r}")
    if not student.strip():
        raise CarrylabValueError("student must name who submits (a name or an id), got an "
                                 "empty string")
    return {"challenge": challenge, "student": student, "n": network.n,
            "levels": [[[i, j] for i, j in level] for level in network.levels]}


def write_submission(path, network, student: str, challenge: str | None = None) -> Path:
    """Write :func:`submission` to ``path`` (a temporary file renamed, so a reader never
    sees half a file); return the path."""
    path = Path(path)
    text = json.dumps(submission(network, student, challenge), indent=1) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------------- the widget
class PrefixEditor:
    """The ipywidgets editor (see :func:`prefix_editor`).

    Attributes
    ----------
    draft : PrefixDraft
        The cells; edit it through :meth:`add`, :meth:`remove`, :meth:`toggle`,
        :meth:`load` (or the buttons) so the view follows.
    buttons : dict
        ``(row, i) -> ipywidgets.ToggleButton``, one per slot (DOM class
        ``carrylab-slot-<row>-<i>``).
    partner : ipywidgets.Dropdown
        0 for the nearest-group rule, s > 0 for ``j = i - s``.
    a_slider, b_slider : ipywidgets.IntSlider
    stats, verdict, checks, note : ipywidgets.HTML
    image : ipywidgets.Image
        :func:`draw_editor` as PNG; :attr:`gids` lists the gids it drew.
    widget : ipywidgets.VBox
    """

    def __init__(self, n=8, start="serial", a=None, b=None, student="", challenge=None,
                 coefficients=None, dpi=100):
        from .widgets import _ipywidgets
        w = self._w = _ipywidgets()
        self.draft = PrefixDraft(n, start)
        n = self.draft.n
        self.challenge, self.dpi = challenge, dpi
        self.coefficients = coefficients if coefficients is not None else default_coefficients(n)
        da, db = default_operands(n)
        self.buttons: dict[tuple[int, int], object] = {}
        self.gids: list[str] = []
        self._syncing = False
        self._figure = _canvas_figure()
        self.start = w.Dropdown(options=list(STARTS), value=start if isinstance(start, str)
                                else None, description="start from",
                                layout=w.Layout(width="260px"))
        self.partner = w.Dropdown(options=[("the group just below", 0)]
                                  + [(f"j = i − {s}", s) for s in range(1, n)], value=0,
                                  description="new cell joins",
                                  style={"description_width": "initial"},
                                  layout=w.Layout(width="300px"))
        top = (1 << n) - 1
        self.a_slider = w.IntSlider(value=da if a is None else check_int(a, "a", 0, top), min=0,
                                    max=top, description="a", continuous_update=False)
        self.b_slider = w.IntSlider(value=db if b is None else check_int(b, "b", 0, top), min=0,
                                    max=top, description="b", continuous_update=False)
        self.stats, self.verdict, self.checks, self.note = (w.HTML() for _ in range(4))
        self.stats.add_class("carrylab-editor-stats")
        self.verdict.add_class("carrylab-editor-verdict")
        self.grid = w.GridBox(layout=w.Layout(grid_template_columns=f"72px repeat({n}, 42px)",
                                              grid_gap="2px"))
        self.image = w.Image(format="png", layout=w.Layout(align_self="flex-start"))   # no stretch
        self.image.add_class("carrylab-editor-picture")
        self.student = w.Text(value=student, description="student",
                              layout=w.Layout(width="240px"))
        self.path = w.Text(value=f"prefix_{n}.json", description="file",
                           layout=w.Layout(width="240px"))
        export = w.Button(description="export submission", layout=w.Layout(width="160px"))
        export.on_click(lambda _: self._export_clicked())
        self.exported = w.HTML()
        self._headers = [w.HTML("")] + [w.HTML(f"<div style='text-align:center'><b>{i}</b></div>")
                                        for i in reversed(range(n))]
        self._row_labels: list = []
        self.widget = w.VBox([
            w.HBox([self.start, self.partner]), self.grid, self.note,
            w.HBox([self.a_slider, self.b_slider]), self.stats, self.verdict, self.checks,
            self.image, w.HBox([self.student, self.path, export]), self.exported])
        self.widget.add_class("carrylab-prefix-editor")
        self.start.observe(self._on_start, names="value")
        self.a_slider.observe(lambda _: self._render(), names="value")
        self.b_slider.observe(lambda _: self._render(), names="value")
        self._refresh()

    # -------------------------------------------------------------- state
    @property
    def network(self):
        """The edited network (:attr:`PrefixDraft.network`)."""
        return self.draft.network

    @property
    def report(self) -> dict:
        """:func:`check_outputs` of the edited network."""
        return check_outputs(self.network)

    @property
    def result(self) -> dict:
        """:func:`two_algebras` at the sliders' a and b."""
        return two_algebras(self.network, self.a_slider.value, self.b_slider.value,
                            self.coefficients)

    def add(self, row: int, i: int, j: int | None = None) -> int:
        """Add a cell (see :meth:`PrefixDraft.add`) and redraw; return j."""
        j = self.draft.add(row, i, j)
        self._refresh()
        return j

    def remove(self, row: int, i: int) -> int:
        """Remove a cell (see :meth:`PrefixDraft.remove`) and redraw; return its j."""
        j = self.draft.remove(row, i)
        self._refresh()
        return j

    def toggle(self, row: int, i: int) -> tuple[str, int, int]:
        """What a click on slot (row, i) does: remove its cell, or add one whose partner
        the menu chooses. Returns ``(action, i, j)``."""
        span = self.partner.value
        j = None if span == 0 or (row, i) in self._cells() else i - span
        if j is not None and j < 0:
            raise CarrylabValueError(f"position {i} has no partner j = {i} − {span}; pick a "
                                     f"smaller step or the group just below")
        out = self.draft.toggle(row, i, j)
        self._refresh()
        return out

    def load(self, start) -> None:
        """Start again from ``start`` (a name of :data:`STARTS` or a network)."""
        self.draft.load(start)
        self._refresh()

    def export(self, path=None, student: str | None = None) -> Path:
        """Write the network as a challenge submission (:func:`write_submission`)."""
        return write_submission(self.path.value if path is None else path, self.network,
                                self.student.value if student is None else student,
                                self._challenge())

    def _challenge(self) -> str:
        return self.challenge or f"prefix-{self.draft.n}"

    def _cells(self) -> set:
        return {(k, i) for k, row in enumerate(self.draft.rows, start=1) for i in row}

    # -------------------------------------------------------------- events
    def _on_start(self, change) -> None:
        if change["new"] is not None and not self._syncing:
            self.load(change["new"])

    def _on_click(self, row: int, i: int) -> None:
        if self._syncing:
            return
        from adders.errors import CarrylabError
        try:
            action, i, j = self.toggle(row, i)
            self.note.value = f"{action} the cell ({i}, {j}) in row {row}"
        except CarrylabError as e:
            self._refresh()                           # the button springs back
            self.note.value = f"<span style='color:{_BAD}'>not added: {e}</span>"

    def _export_clicked(self) -> None:
        from adders.errors import CarrylabError
        try:
            path = self.export()
        except (OSError, CarrylabError) as e:
            self.exported.value = f"<span style='color:{_BAD}'>not written: {e}</span>"
            return
        self.exported.value = (f"wrote {path} for the challenge {self._challenge()}: "
                               f"{self.network.size} cells, "
                               f"{'a valid' if self.report['valid'] else 'not a valid'} "
                               f"prefix network")

    # -------------------------------------------------------------- drawing
    def _refresh(self) -> None:
        """Bring the grid in line with the draft, then redraw."""
        w = self._w
        lay = self.draft.layout()
        self._syncing = True
        try:
            for k in range(len(lay["rows"]) + 1, len(self._row_labels) + 1):
                for i in range(self.draft.n):
                    self.buttons.pop((k, i)).close()
            self._row_labels = self._row_labels[:len(lay["rows"])]
            while len(self._row_labels) < len(lay["rows"]):
                k = len(self._row_labels) + 1
                self._row_labels.append(w.HTML())
                for i in range(self.draft.n):
                    button = w.ToggleButton(layout=w.Layout(width="42px", height="28px",
                                                            padding="0px"),
                                            disabled=i == 0)
                    button.add_class(f"carrylab-slot-{k}-{i}")
                    button.observe(lambda _, k=k, i=i: self._on_click(k, i), names="value")
                    self.buttons[(k, i)] = button
            children = list(self._headers)
            for row, label in zip(lay["rows"], self._row_labels):
                k = row["row"]
                label.value = (f"level {row['level']}" if row["level"] else
                               "<i>new level</i>" if k == len(lay["rows"]) else "<i>(empty)</i>")
                children.append(label)
                for slot in row["slots"]:
                    i, j = slot["position"], slot["cell"]
                    button = self.buttons[(k, i)]
                    button.value = j is not None
                    button.description = "" if j is None else str(j)
                    button.button_style = "info" if j is not None else ""
                    button.tooltip = self._tooltip(k, slot)
                    children.append(button)
            self.grid.children = children
        finally:
            self._syncing = False
        self._render()

    @staticmethod
    def _tooltip(k: int, slot: dict) -> str:
        i, j, auto = slot["position"], slot["cell"], slot["auto"]
        if j is not None:
            return f"row {k}: position {i} joins {j}; click to remove"
        if i == 0:
            return "position 0 has nothing below it"
        if auto is None:
            return f"row {k}: position {i} already holds {i}..0"
        return f"row {k}: add a cell at position {i} (the group just below: j = {auto})"

    def _render(self) -> None:
        from .widgets import _png
        net, report, result = self.network, self.report, self.result
        st = net.stats()
        self.stats.value = (f"<b>depth {st['depth']} · cells {st['cells']} · max fanout "
                            f"{st['max_fanout']} · tracks {st['tracks']}</b>")
        color = _OK if report["valid"] else "#b8860b" if report["carries_valid"] else _BAD
        self.verdict.value = f"<span style='color:{color}'>{report['message']}</span>"
        nc, nh = sum(result["carry_ok"]), sum(result["h_ok"])
        self.checks.value = (
            f"carries of a + b = {result['a']} + {result['b']} = {result['sum_ref']}: "
            f"{nc} of {net.n} right (the network's sum: {result['sum']}) · linear RNN "
            f"h<sub>t</sub> = a<sub>t</sub> h<sub>t−1</sub> + b<sub>t</sub>: {nh} of {net.n} "
            f"agree with the step-by-step loop")
        fig = self._figure
        fig.clear()                       # one figure, one renderer: its text cache stays warm
        draw_editor(net, result, report, ax=_editor_axes(fig, net.n, net.depth))
        self.gids = sorted(a.get_gid() for a in fig.findobj(lambda a: isinstance(a.get_gid(), str)))
        self.image.value = _png(fig, self.dpi)

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)


def _canvas_figure():
    """A Figure on its own Agg canvas, outside pyplot's list of open figures."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure()
    FigureCanvasAgg(fig)
    return fig


def prefix_editor(n: int = 8, start="serial", a=None, b=None, student: str = "",
                  challenge: str | None = None, coefficients=None, dpi=100) -> PrefixEditor:
    """An editor for prefix networks on ``n`` positions (2..16), starting from ``start``.

    Click an empty slot of the grid (row = level, column = position, bit 0 on the right)
    to add a cell there: it joins the position with the group just below the one it
    holds (or with ``j = i - s`` chosen in the menu); click a cell to remove it. Each
    edit updates the stats (depth, cells, max fanout, tracks), the verdict of
    :func:`check_outputs` (naming the first wrong output) and the picture of
    :func:`draw_editor`: every output's carry of ``a + b`` (sliders) and hidden state of
    the linear RNN (``coefficients``, default :func:`default_coefficients`), checked.
    "export submission" writes :func:`submission` to the file named.

    Returns a :class:`PrefixEditor` (``.widget`` displays it; ``.add``, ``.remove``,
    ``.toggle``, ``.load``, ``.export`` drive it from code).

    Raises
    ------
    ValueError
        n outside 2..16, an unknown ``start``, a or b outside ``0 .. 2^n - 1``.
    ImportError
        ipywidgets is not installed.
    """
    return PrefixEditor(n, start, a=a, b=b, student=student, challenge=challenge,
                        coefficients=coefficients, dpi=dpi)
