"""Shared colours and helpers of the drawings (private).

Every drawing tags what it draws with a matplotlib ``gid`` (``"cell:..."``,
``"gate:..."``, ``"path:..."``, ``"glitch:..."``) so tests and notebooks can count
artists by role without looking at pixels.
"""
from __future__ import annotations

import io

from adders.checks import check_choice
from adders.errors import CarrylabTypeError

__all__ = ["COLORS", "new_axes", "artists_with_gid", "text_overlaps", "check_choice",
           "check_network", "widest_bus", "png_bytes", "ipywidgets_module", "OK_COLOR",
           "BAD_COLOR"]

#: One palette for every picture: adders and RNNs share it on purpose.
COLORS = {
    "black_cell": "#111111",      # a cell that still builds a (G, P) / (a, b) pair
    "grey_cell": "#9a9a9a",       # a cell whose group reaches position 0: a carry / h_t
    "wire": "#6f6f6f",
    "faint": "#d9d9d9",
    "cone": "#d62728",            # dependency cone / critical path
    "zero": "#1f77b4",            # net value 0
    "one": "#ff7f0e",             # net value 1
    "changing": "#2ca02c",        # changed at the current time
    "unknown": "#8c8c8c",
    "glitch": "#d62728",
    "settle": "#6a3d9a",
}


#: The prefix-network editor's verdict colours: an output that agrees with its reference,
#: and one that does not.
OK_COLOR, BAD_COLOR = "#2ca02c", COLORS["cone"]


def new_axes(ax, figsize):
    """Return ``(fig, ax)``: ``ax``'s figure, or a new figure of ``figsize`` inches."""
    import matplotlib.pyplot as plt
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    return ax.figure, ax


def artists_with_gid(fig, prefix: str) -> list:
    """Every artist of ``fig`` whose gid starts with ``prefix`` (e.g. ``"cell:"``)."""
    return [a for a in fig.findobj(lambda a: isinstance(a.get_gid(), str))
            if a.get_gid().startswith(prefix)]


def text_overlaps(fig, pad: float = 0.0) -> list:
    """Pairs of visible, non-empty texts of ``fig`` whose rendered boxes overlap.

    Draws the figure once with its own renderer; ``pad`` (pixels) shrinks each box
    before comparing, so touching boxes do not count. Returns ``[(text, text), ...]``.
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = []
    for t in _texts(fig):
        if not t.get_visible() or not t.get_text().strip():
            continue
        bb = t.get_window_extent(renderer)
        if bb.width <= 0 or bb.height <= 0:
            continue
        boxes.append((t, bb.x0 + pad, bb.y0 + pad, bb.x1 - pad, bb.y1 - pad))
    boxes.sort(key=lambda b: b[1])
    out = []
    for k, (t, x0, y0, x1, y1) in enumerate(boxes):
        for u, u0, v0, u1, v1 in boxes[k + 1:]:
            if u0 >= x1:
                break
            if u0 < x1 and x0 < u1 and v0 < y1 and y0 < v1:
                out.append((t, u))
    return out


def _texts(fig) -> list:
    """Texts a reader sees: figure texts, titles, axis labels and tick labels of shown
    axes, legend entries and every text drawn in an axes."""
    out = list(fig.texts)
    if getattr(fig, "_suptitle", None) is not None:
        out.append(fig._suptitle)
    for leg in fig.legends:
        out += leg.get_texts()
    for ax in fig.axes:
        out += list(ax.texts) + [ax.title, ax._left_title, ax._right_title]
        if ax.get_legend() is not None:
            out += ax.get_legend().get_texts()
        if ax.axison:
            for axis in (ax.xaxis, ax.yaxis):
                if axis.get_visible():
                    out.append(axis.label)
                    out += [t for t in axis.get_ticklabels() if t.get_visible()]
    return list({id(t): t for t in out}.values())


def check_network(network) -> None:
    """Raise CarrylabTypeError unless ``network`` is an :class:`adders.prefix.PrefixNetwork`."""
    from adders.prefix import PrefixNetwork
    if not isinstance(network, PrefixNetwork):
        raise CarrylabTypeError(f"network must be an adders.prefix.PrefixNetwork, got "
                        f"{type(network).__name__}; e.g. adders.prefix.kogge_stone(16)")


def widest_bus(circuit) -> int:
    """The width in bits of the widest input or output bus of ``circuit`` (0 if none)."""
    buses = list(circuit.inputs.values()) + list(circuit.outputs.values())
    return max((len(nets) for nets in buses), default=0)


def png_bytes(fig, dpi=80) -> bytes:
    """``fig`` as PNG bytes at ``dpi``; the figure is closed afterwards."""
    import matplotlib.pyplot as plt
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def ipywidgets_module():
    """The ipywidgets module, or an ImportError that says how to install it."""
    try:
        import ipywidgets
    except ImportError:
        raise ImportError("the step-through widgets need ipywidgets: pip install 'carrylab[notebooks]' "
                          "(or pip install ipywidgets)") from None
    return ipywidgets
