r"""Drawing a prefix network once, labelled as an adder or as a linear RNN.

Convention: positions are columns, levels are rows from top (inputs) to bottom
(outputs). With ``labels="adder"`` bit 0 is on the *right*, as in hardware textbooks;
with ``labels="rnn"`` time step t = 0 is on the *left*, as on a time axis. The two
pictures of one network are therefore mirror images of each other.

A cell ``(i, j)`` at level k is a dot in column i, row k, with a lateral wire from
column j one row up. Black dots still build a full pair ((G, P) of an adder, (a, b) of
an affine map); grey dots finish a group that reaches position 0, so their result is a
carry ``c[i+1]`` (adder) or a hidden state ``h[t]`` (RNN) and only half of the pair is
needed.
"""
from __future__ import annotations

from adders.checks import check_int
from adders.errors import CarrylabValueError

from ._style import COLORS, check_choice, new_axes, subscript
from ._style import check_network as _check_network

__all__ = ["LABELS", "layout_prefix", "dependency_cone", "draw_prefix", "restyle_prefix",
           "redraw_prefix", "analogy"]

#: Allowed values of ``labels``.
LABELS = ("adder", "rnn")


def layout_prefix(network, origin: str = "right") -> dict:
    """Coordinates of a prefix-network drawing (pure: no matplotlib).

    Parameters
    ----------
    network : PrefixNetwork
    origin : {"right", "left"}
        Side of position 0.

    Returns
    -------
    dict with
        ``x`` : list, x of each position's column;
        ``y`` : list, y of row k (k = 0 inputs, 1..depth levels, depth + 1 outputs);
        ``cells`` : list of ``(k, i, j, shade)`` with shade ``"black"`` or ``"grey"``.
    """
    _check_network(network)
    check_choice("origin", origin, ("right", "left"))
    n = network.n
    x = [float(n - 1 - i) if origin == "right" else float(i) for i in range(n)]
    y = [-float(k) for k in range(network.depth + 2)]
    lo = network.groups()
    cells = []
    for k, level in enumerate(network.levels, start=1):
        for i, j in level:
            cells.append((k, i, j, "grey" if lo[k - 1][j] == 0 else "black"))
    return {"x": x, "y": y, "cells": cells}


def dependency_cone(network, position: int) -> dict:
    """What output ``position`` depends on, level by level (pure).

    Returns a dict with ``nodes``: set of ``(k, i)`` (position i as it stands after k
    levels) feeding the output, ``cells``: set of ``(k, i, j)`` cells on the way, and
    ``inputs``: sorted input positions (0..position for a valid network).
    """
    _check_network(network)
    position = check_int(position, "highlight", 0, network.n - 1)
    live = {position}
    nodes = {(network.depth, position)}
    cells = set()
    for k in range(network.depth, 0, -1):
        source = dict(network.levels[k - 1])
        below = set()
        for i in live:
            below.add(i)
            if i in source:
                below.add(source[i])
                cells.add((k, i, source[i]))
        live = below
        nodes |= {(k - 1, i) for i in live}
    return {"nodes": nodes, "cells": cells, "inputs": sorted(live)}


def _labels(mode: str, i: int):
    # Unicode subscripts, not mathtext: 2n labels would cost a mathtext parse each.
    if mode == "adder":
        return f"{subscript('g', i)}\n{subscript('p', i)}", subscript("c", i + 1)
    return f"{subscript('a', i)}\n{subscript('b', i)}", subscript("h", i)


def draw_prefix(network, labels: str = "adder", ax=None, highlight=None, upto=None, *,
                pyplot: bool = True):
    """Draw ``network`` as columns (positions) and rows (levels); return the Figure.

    Drawn: a vertical wire per position, a dot per cell (black: full pair, grey: group
    reaching position 0), a lateral wire from the source column j to each cell i, input
    labels on top (``g_i, p_i`` or ``a_t, b_t``) and outputs below (``c_{i+1}`` or
    ``h_t``). Every cell is a Line2D with gid ``"cell:k:i:j"``.

    Parameters
    ----------
    network : PrefixNetwork
    labels : {"adder", "rnn"}
        Adder: bit 0 on the right. RNN: t = 0 on the left.
    ax : matplotlib Axes, optional
    highlight : int, optional
        An output position whose dependency cone (wires, cells and inputs) is coloured.
    upto : int, optional
        Draw levels 1..upto solid and later ones faint; outputs complete after ``upto``
        levels are filled (used by the scan step-through).
    pyplot : bool, default True
        Without ``ax``: make the new figure with pyplot, which a notebook shows; False
        makes a bare Figure on the Agg canvas, to save to a file without importing
        pyplot (what ``carrylab draw prefix`` does). The picture is the same.

    Raises
    ------
    ValueError
        Unknown ``labels``, ``highlight`` or ``upto`` out of range.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    _check_network(network)
    check_choice("labels", labels, LABELS)
    depth = network.depth
    if upto is None:
        upto = depth
    upto = check_int(upto, "upto", 0, depth)
    lay = layout_prefix(network, "right" if labels == "adder" else "left")
    cone = dependency_cone(network, highlight) if highlight is not None else None
    n, xs, ys = network.n, lay["x"], lay["y"]

    width_in = min(22.0, max(5.0, 0.48 * n + 1.6))
    height_in = min(14.0, 0.5 * (depth + 2) + 1.9)
    if ax is None:
        fig, ax = _fixed_margin_axes(width_in, height_in, pyplot)
    else:
        fig, ax = new_axes(ax, (width_in, height_in))
    pitch, font, dot = _sizes(ax, n)
    style = _styles(network, lay["cells"], cone, upto, highlight)

    # Vertical wires: segment k joins row k-1 to row k (row depth + 1 = outputs).
    segs = [[(xs[i], ys[k - 1]), (xs[i], ys[k])] for i in range(n) for k in range(1, depth + 2)]
    cols = style["vertical"]
    ax.add_collection(LineCollection(segs, colors=cols, linewidths=_widths(cols),
                                     zorder=1, gid="wires:vertical"))
    # Lateral wires and cells.
    lat = [[(xs[j], ys[k - 1]), (xs[i], ys[k])] for k, i, j, _ in lay["cells"]]
    ax.add_collection(LineCollection(lat, colors=style["lateral"],
                                     linewidths=_widths(style["lateral"]),
                                     zorder=2, gid="wires:lateral"))
    # add_artist, not add_line: the limits are set below, and updating the data limits
    # for every one of a few hundred cells costs more than creating them.
    for cell, alpha in zip(lay["cells"], style["alpha"]):
        ax.add_artist(Line2D(marker="o", ms=dot, ls="none", zorder=3,
                             **_cell_look(cell, xs, ys, cone, alpha)))
    # Inputs (row 0) and outputs (last row) as small open / filled squares.
    # Inputs: one marker line per edge colour (not one artist per position).
    cone_in = set(cone["inputs"]) if cone is not None else set()
    for group, edge in ((sorted(set(range(n)) - cone_in), COLORS["black_cell"]),
                        (sorted(cone_in), COLORS["cone"])):
        if group:
            ax.plot([xs[i] for i in group], [ys[0]] * len(group), marker="s", ms=dot * 0.8,
                    mfc="white", mec=edge, mew=1.0, ls="none", zorder=3)
    for i, (face, edge) in enumerate(style["outputs"]):
        ax.add_artist(Line2D([xs[i]], [ys[-1]], marker="s", ms=dot * 0.8, mfc=face, mec=edge,
                             mew=1.0, ls="none", zorder=3, gid=f"output:{i}"))
    # Labels: two lines on top, one below; rotate only when columns are too narrow.
    top_rot = 0 if pitch >= 2.2 * font else 90
    for i in range(n):
        top, bottom = _labels(labels, i)
        if top_rot:
            top = top.replace("\n", "")
        in_cone = cone is not None and i in cone["inputs"]
        ax.text(xs[i], ys[0] + 0.35, top, ha="center", va="bottom", fontsize=font,
                rotation=top_rot, color=COLORS["cone"] if in_cone else "black",
                linespacing=1.05, gid=f"label:in:{i}")
        ax.text(xs[i], ys[-1] - 0.35, bottom, ha="center", va="top", fontsize=font,
                rotation=top_rot, color=COLORS["cone"] if cone is not None and i == highlight
                else "black", gid=f"label:out:{i}")
    # Row names on the left, level numbers.
    left = min(xs) - 0.8
    for k in range(1, depth + 1):
        ax.text(left, ys[k], f"{k}", ha="right", va="center", fontsize=max(font - 1, 5),
                color="0.4")
    ax.text(left, ys[0] - 0.5 if depth else ys[0], "level", ha="right", va="center",
            fontsize=max(font - 1, 5), color="0.4", rotation=90)
    extra = 1.3 + (0.5 if top_rot else 0.0)
    ax.set_xlim(min(xs) - 1.6, max(xs) + 0.7)
    ax.set_ylim(ys[-1] - extra + 0.3, ys[0] + extra)
    ax.set_axis_off()
    # Legend under the drawing.
    what = ("(G, P) cell", "G-only cell: a carry") if labels == "adder" else \
           ("(a, b) composition", "reaches t = 0: gives $h_t$")
    handles = [Line2D([], [], marker="o", ls="none", mfc=COLORS["black_cell"],
                      mec=COLORS["black_cell"], label=what[0]),
               Line2D([], [], marker="o", ls="none", mfc=COLORS["grey_cell"],
                      mec=COLORS["grey_cell"], label=what[1])]
    if cone is not None:
        out = f"$c_{{{highlight + 1}}}$" if labels == "adder" else f"$h_{{{highlight}}}$"
        handles.append(Line2D([], [], color=COLORS["cone"], lw=1.8,
                              label=f"what {out} depends on"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=3,
              fontsize=max(font - 1, 7), frameon=False, handlelength=1.4)
    # At y = 1, where matplotlib would put it over an axes without axis: a title placed
    # by hand spares every drawing a measure of the hidden y axis and its tick labels.
    ax.set_title(_title(network, labels), fontsize=max(font, 9), y=1.0)
    return fig


def _sizes(ax, n: int) -> tuple[float, float, float]:
    """Column pitch, font size and dot size in points of a picture of ``n`` columns in
    ``ax``: the pitch sets the other two."""
    pitch = ax.get_position().width * ax.figure.get_figwidth() * 72 / max(n, 1)
    return pitch, max(5.0, min(10.0, pitch * 0.36)), max(3.0, min(9.0, pitch * 0.32))


def _cell_look(cell, xs, ys, cone, alpha) -> dict:
    """Line2D properties of the dot of ``cell = (k, i, j, shade)``: place, colours (ringed
    in the cone's colour when in ``cone``), transparency and gid."""
    k, i, j, shade = cell
    face = COLORS["black_cell"] if shade == "black" else COLORS["grey_cell"]
    edge = COLORS["cone"] if cone is not None and (k, i, j) in cone["cells"] else face
    return {"xdata": [xs[i]], "ydata": [ys[k]], "mfc": face, "mec": edge,
            "mew": 1.6 if edge != face else 0.5, "alpha": alpha, "gid": f"cell:{k}:{i}:{j}"}


def _title(network, labels: str) -> str:
    """The title of a :func:`draw_prefix` picture: name, n and the network's measures."""
    where = "bit 0 on the right" if labels == "adder" else "t = 0 on the left"
    return (f"{network.name}, n = {network.n}: depth {network.depth}, {network.size} cells, "
            f"fanout {network.max_fanout}, tracks {network.tracks}  ({where})")


def _styles(network, cells, cone, upto: int, highlight) -> dict:
    """Colours that depend on ``upto`` (levels applied) and the cone: ``vertical`` and
    ``lateral`` wire colours, ``alpha`` of each cell, ``(face, edge)`` of each output."""
    depth, n = network.depth, network.n
    done = network.groups()[upto]
    nodes = cone["nodes"] if cone is not None else set()
    vertical = []
    for i in range(n):
        for k in range(1, depth + 2):
            on = ((min(k, depth), i) in nodes and (k - 1, i) in nodes) if k <= depth \
                else (depth, i) in nodes
            solid = k <= upto or upto == depth
            vertical.append(COLORS["cone"] if on else COLORS["wire"] if solid else COLORS["faint"])
    in_cone = cone["cells"] if cone is not None else set()
    lateral = [COLORS["cone"] if (k, i, j) in in_cone else
               COLORS["wire"] if k <= upto else COLORS["faint"] for k, i, j, _ in cells]
    outputs = []
    for i in range(n):
        ready, is_hi = done[i] == 0, cone is not None and i == highlight
        outputs.append(((COLORS["cone"] if is_hi else COLORS["grey_cell"]) if ready else "white",
                        COLORS["cone"] if is_hi else
                        (COLORS["black_cell"] if ready else COLORS["faint"])))
    return {"vertical": vertical, "lateral": lateral, "outputs": outputs,
            "alpha": [1.0 if k <= upto else 0.25 for k, *_ in cells]}


def _widths(colors: list) -> list:
    return [1.8 if c == COLORS["cone"] else 0.9 for c in colors]


def restyle_prefix(ax, network, upto: int, highlight=None) -> None:
    """Show ``upto`` levels applied on a picture :func:`draw_prefix` drew of ``network``
    (with the same ``highlight``) into ``ax``, in place: wire colours, cell transparency
    and the filled outputs change, nothing is built again. The scan step-through calls
    it on every move."""
    upto = check_int(upto, "upto", 0, network.depth)
    cells = layout_prefix(network)["cells"]
    cone = dependency_cone(network, highlight) if highlight is not None else None
    style = _styles(network, cells, cone, upto, highlight)
    for coll in ax.collections:
        key = {"wires:vertical": "vertical", "wires:lateral": "lateral"}.get(coll.get_gid())
        if key:
            coll.set_colors(style[key])
            coll.set_linewidths(_widths(style[key]))
    alpha = {f"cell:{k}:{i}:{j}": a for (k, i, j, _), a in zip(cells, style["alpha"])}
    for line in ax.lines:
        gid = line.get_gid() or ""
        if gid in alpha:
            line.set_alpha(alpha[gid])
        elif gid.startswith("output:"):
            face, edge = style["outputs"][int(gid[7:])]
            line.set_markerfacecolor(face)
            line.set_markeredgecolor(edge)


def redraw_prefix(ax, network, labels: str = "adder") -> None:
    """Show ``network`` on a picture :func:`draw_prefix` drew into ``ax`` (with the same
    ``labels``, no ``highlight``, every level applied) of another network of the same n
    and depth, in place: the lateral wires, the cells, the filled outputs and the title
    change; the labels, level numbers and legend, which look the same, stay. The prefix
    editor calls it on every click that keeps the depth.

    Raises
    ------
    ValueError
        The picture in ``ax`` has another n or depth than ``network``.
    """
    from matplotlib.lines import Line2D

    _check_network(network)
    check_choice("labels", labels, LABELS)
    n, depth = network.n, network.depth
    wires = {c.get_gid(): c for c in ax.collections}
    drawn = [ln for ln in ax.lines if (ln.get_gid() or "").startswith("cell:")]
    outputs = {ln.get_gid(): ln for ln in ax.lines if (ln.get_gid() or "").startswith("output:")}
    vertical, lateral = wires.get("wires:vertical"), wires.get("wires:lateral")
    if vertical is None or lateral is None or len(outputs) != n \
            or len(vertical.get_paths()) != n * (depth + 1):
        raise CarrylabValueError(f"redraw_prefix needs a picture of a network with n = {n} "
                                 f"and depth {depth} in ax; draw this one with draw_prefix")
    lay = layout_prefix(network, "right" if labels == "adder" else "left")
    xs, ys, cells = lay["x"], lay["y"], lay["cells"]
    style = _styles(network, cells, None, depth, None)
    lateral.set_segments([[(xs[j], ys[k - 1]), (xs[i], ys[k])] for k, i, j, _ in cells])
    lateral.set_colors(style["lateral"])
    lateral.set_linewidths(_widths(style["lateral"]))
    # Reuse the dots drawn; more cells are appended, and the other markers moved after
    # them, so the lines are drawn in the order a fresh drawing draws them.
    for line, cell in zip(drawn, cells):
        look = _cell_look(cell, xs, ys, None, 1.0)
        line.set_data(look.pop("xdata"), look.pop("ydata"))
        line.set(**look)
    for line in drawn[len(cells):]:
        line.remove()
    _, font, dot = _sizes(ax, n)
    if len(cells) > len(drawn):
        after = [ln for ln in ax.lines if ln not in drawn]
        for cell in cells[len(drawn):]:
            ax.add_artist(Line2D(marker="o", ms=dot, ls="none", zorder=3,
                                 **_cell_look(cell, xs, ys, None, 1.0)))
        for line in after:
            line.remove()
            ax.add_artist(line)
    for i, (face, edge) in enumerate(style["outputs"]):
        outputs[f"output:{i}"].set(mfc=face, mec=edge)
    ax.set_title(_title(network, labels), fontsize=max(font, 9))


def _fixed_margin_axes(width_in: float, height_in: float, pyplot: bool = True):
    """A figure with one axes and margins fixed in inches: the title above, the legend
    below, everything else inside the axes. No layout engine: constrained layout would
    measure all 2n labels first, which costs more than drawing them at 64 positions."""
    fig = _new_figure(pyplot, figsize=(width_in, height_in))
    ax = fig.add_subplot()
    side, top, bottom = 0.1, 0.45, 0.42                  # inches
    fig.subplots_adjust(left=side / width_in, right=1 - side / width_in,
                        top=1 - top / height_in, bottom=bottom / height_in)
    return fig, ax


def _new_figure(pyplot: bool, **options):
    """A new Figure: from pyplot (registered, so a notebook shows it), or bare, on the
    Agg canvas, for a command that only writes a file and needs no pyplot."""
    if pyplot:
        import matplotlib.pyplot as plt
        return plt.figure(**options)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(**options)
    FigureCanvasAgg(fig)
    return fig


def analogy(network, highlight=None, *, pyplot: bool = True):
    """The poster: one prefix network drawn twice, as an adder and as a linear RNN.

    Left: the carry operator ``(g, p) o (g', p') = (g | p g', p p')`` (bit 0 on the
    right). Right: affine composition ``(a, b) o (a', b') = (a a', a b' + b)``
    (t = 0 on the left). ``highlight`` colours one position's dependency cone on both
    sides: the carry ``c[i+1]`` and the state ``h[i]`` need the very same cells.
    ``pyplot=False`` makes a bare Figure, as in :func:`draw_prefix`. Returns the Figure.
    """
    _check_network(network)
    n, depth = network.n, network.depth
    width = min(30.0, 2 * max(5.0, 0.42 * n + 1.6))
    height = min(14.0, 0.5 * (depth + 2) + 2.6)
    fig = _new_figure(pyplot, figsize=(width, height), layout="constrained")
    left, right = fig.subplots(1, 2)
    draw_prefix(network, "adder", ax=left, highlight=highlight)
    draw_prefix(network, "rnn", ax=right, highlight=highlight)
    left.set_title("Adder: carries by the carry operator\n"
                   r"$(g, p) \circ (g', p') = (g \vee p\, g',\; p\, p')$" "\n"
                   "grey cell: $G_{i:0}$ is the carry $c_{i+1}$", fontsize=11)
    right.set_title("Linear RNN $h_t = a_t h_{t-1} + b_t$: states by affine composition\n"
                    r"$(a, b) \circ (a', b') = (a\, a',\; a\, b' + b)$" "\n"
                    "grey cell: the map from $h_{-1}$ to $h_t$", fontsize=11)
    fig.suptitle(f"One prefix network, two algebras: {network.name}, n = {n} "
                 f"(depth {depth}, {network.size} cells)", fontsize=14, fontweight="bold")
    return fig
