"""The prefix-network editor's picture: a network run in both algebras, on an addition
and on a linear RNN (:func:`two_algebras`), and drawn with each output's carry and state
(:func:`draw_editor`). See :mod:`viz.editor`."""
from __future__ import annotations

import math

from adders.checks import check_int
from adders.errors import CarrylabValueError

from ._style import BAD_COLOR as _BAD
from ._style import OK_COLOR as _OK
from ._style import check_network as _check_network
from .draft import check_outputs

__all__ = ["default_coefficients", "default_operands", "two_algebras", "draw_editor",
           "redraw_editor", "restate_editor", "restated", "editor_axes"]


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

    from .prefix import draw_prefix, layout_prefix
    if result is None:
        result = two_algebras(network, *default_operands(network.n))
    if report is None:
        report = check_outputs(network)
    n, depth = network.n, network.depth
    if ax is None:
        ax = editor_axes(plt.figure(), n, depth)
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
    _ring(ax, xs, bottom, report)
    ax.set_ylim(bottom - 2.0, ax.get_ylim()[1])
    # y given: the title stays where matplotlib puts it above an axes without axis
    # (y = 1), and drawing skips measuring the hidden axis to place it again.
    ax.set_title(_title(ax.get_title(), result, report), fontsize=9, y=1.0)
    return fig


def _ring(ax, xs, bottom: float, report: dict) -> None:
    """Ring the first wrong output (at x ``xs[i]``, y ``bottom``), if there is one."""
    from matplotlib.lines import Line2D
    wrong = report["first_wrong"]
    if wrong is not None:
        ax.add_line(Line2D([xs[wrong]], [bottom], marker="s", ms=16, mfc="none", mec=_BAD,
                           mew=2.0, ls="none", zorder=4, gid=f"wrong:{wrong}"))


def redraw_editor(ax, network, result: dict, report: dict) -> None:
    """Show ``network`` on a picture :func:`draw_editor` drew into ``ax`` of another
    network of the same n and depth, in place (:func:`viz.prefix.redraw_prefix`, then
    each output's carry and state, the ring of the first wrong output and the title);
    the labels and the legend stay. What the editor does on a click that keeps the depth.
    """
    from .prefix import layout_prefix, redraw_prefix
    redraw_prefix(ax, network, "adder")
    for line in list(ax.lines):
        if (line.get_gid() or "").startswith("wrong:"):
            line.remove()
    _ring(ax, layout_prefix(network, "right")["x"], -(network.depth + 1), report)
    restate_editor(ax, result, report)


def _title(network_title: str, result: dict, report: dict) -> str:
    wrong = report["first_wrong"]
    verdict = ("valid prefix network" if report["valid"] else
               f"valid for carries only (first: output {wrong})" if report["carries_valid"]
               else f"not a prefix network (first wrong: output {wrong})")
    return (f"{network_title}\n{verdict}; c: carries of {result['a']} + {result['b']}, "
            f"h: linear RNN states")


def restate_editor(ax, result: dict, report: dict) -> None:
    """Bring a picture :func:`draw_editor` drew into ``ax`` up to date with a new
    ``result`` of the *same* network (other a and b), in place: each output's carry and
    state text and colour, and the title. Cheaper than drawing it again (the editor's
    sliders move only these)."""
    texts = {"carry:": [str(c) for c in result["carries"]],
             "state:": [f"{h:.2f}" for h in result["h"]]}
    oks = {"carry:": result["carry_ok"], "state:": result["h_ok"]}
    for t in ax.texts:
        gid = t.get_gid() or ""
        key = gid[:6]
        if key in texts:
            i = int(gid[6:])
            t.set_text(f"{texts[key][i]}{'✓' if oks[key][i] else '✗'}")
            t.set_color(_OK if oks[key][i] else _BAD)
    ax.set_title(_title(ax.get_title().split("\n")[0], result, report), fontsize=9)


def restated(ax) -> list:
    """The artists :func:`restate_editor` changes in a picture in ``ax``: each output's
    carry and state text, and the title. The editor redraws only these on a slider move;
    every other text stays as drawn."""
    return [t for t in ax.texts if (t.get_gid() or "")[:6] in ("carry:", "state:")] + [ax.title]


def editor_axes(fig, n: int, depth: int):
    """Size ``fig`` for an editor picture and give it one Axes with fixed margins (no
    layout engine: the widget redraws one figure per edit and that keeps it fast)."""
    width, height = max(7.0, 0.62 * n + 2.4), 0.5 * (depth + 2) + 3.4
    fig.set_size_inches(width, height)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.1 / width, right=1 - 0.1 / width, top=1 - 0.6 / height,
                        bottom=0.45 / height)
    return ax
