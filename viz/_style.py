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
           "BAD_COLOR", "FAST_PNG", "ReusedFigure", "clear_drawn", "drawn_in", "subscript"]

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


#: PNG options of every widget picture: zlib level 1 encodes several times faster than
#: the default level 6, for files about a third larger (flat colours compress well).
FAST_PNG = {"compress_level": 1}

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
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs=FAST_PNG)
    plt.close(fig)
    return buf.getvalue()


class ReusedFigure:
    """One figure a widget redraws on every move, kept laid out and rendered by one
    Agg renderer.

    The first :meth:`png` builds the figure with ``first()`` (a drawing function that
    makes its own figure, laid out by its layout engine if it has one), runs the layout
    once and then freezes it; every later call clears the axes and lets ``again(fig)``
    draw into them. The layout solver (which measures every text) runs once, and the
    renderer, whose cache of text sizes is keyed by the renderer, survives between
    moves. The first picture is drawn twice, so every picture uses the frozen geometry.

    With ``update`` and ``moving`` (see :meth:`png`) later moves change artists in
    place and *blit*: the artists that never change (texts, axes, legends) are rendered
    once into a saved background; a move restores it and draws only the ``moving``
    artists over it, in z-order. The moving artists must not pass under a still one.
    """

    def __init__(self, dpi=80):
        self.dpi = dpi
        self.fig = None
        self._moving = None              # the blitted artists, once the background is saved
        self._background = None

    def png(self, first, again, update=None, moving=None) -> bytes:
        """PNG bytes of the picture: ``first()`` -> Figure on the first call,
        ``again(fig)`` (into the cleared axes) on every call; or, when given,
        ``update(fig)`` on every call after the first, which changes the drawn artists in
        place (colours, texts, a cursor) instead of drawing them again. ``moving(fig)``,
        with ``update``, lists the artists ``update`` may change: the rest is blitted."""
        if self.fig is not None and update is not None:
            update(self.fig)
            return self._blit() if self._moving is not None else self._encode()
        if self.fig is None:
            import matplotlib.pyplot as plt
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            fig = first()
            plt.close(fig)                   # off pyplot's list; the figure lives on here
            FigureCanvasAgg(fig)
            fig.set_dpi(self.dpi)
            fig.canvas.draw()                # runs the layout engine once
            fig.set_layout_engine(None)      # and keeps its result (no layout pass on save)
            if fig.get_layout_engine() is not None:        # rcParams ask for one
                fig.set_layout_engine("none")
            self.fig = fig
        for ax in self.fig.axes:
            clear_drawn(ax)
        again(self.fig)
        if update is None or moving is None:
            return self._encode()
        self._moving = sorted(moving(self.fig), key=lambda a: a.get_zorder())   # stable
        for artist in self._moving:
            artist.set_animated(True)        # left out of a full draw: the background
        self.fig.canvas.draw()
        self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        return self._blit()

    def _blit(self) -> bytes:
        """Background, then the moving artists, then PNG bytes of the canvas."""
        from PIL import Image
        canvas = self.fig.canvas
        canvas.restore_region(self._background)
        for artist in self._moving:
            self.fig.draw_artist(artist)
        width, height = canvas.get_width_height(physical=True)
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        image.save(buf, format="png", **FAST_PNG)
        return buf.getvalue()

    def _encode(self) -> bytes:
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=self.dpi, pil_kwargs=FAST_PNG)
        return buf.getvalue()


def drawn_in(ax, texts: bool = True) -> list:
    """The lines, patches, collections and (unless ``texts`` is False) texts drawn in
    ``ax``, not its title, spines or legend, in the order they were added."""
    from matplotlib.collections import Collection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.text import Text
    titles = {ax.title, ax._left_title, ax._right_title}
    out = [a for a in ax.get_children()
           if isinstance(a, (Line2D, Patch, Collection, Text)) and a is not ax.patch
           and a not in titles and a is not ax.legend_ and a.axes is ax
           and a not in ax.spines.values()]
    return [a for a in out if texts or not isinstance(a, Text)]


def clear_drawn(ax) -> None:
    """Remove what was drawn in ``ax`` (lines, patches, collections, texts, images, the
    legend) but keep the axes, their ticks and position: cheaper than ``ax.cla()``,
    which rebuilds both axis objects."""
    for group in (ax.lines, ax.patches, ax.collections, ax.texts, ax.images, ax.artists):
        for artist in list(group):
            artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    ax.relim()


_SUBSCRIPT = str.maketrans("0123456789-+", "₀₁₂₃₄₅₆₇₈₉₋₊")


def subscript(symbol: str, index) -> str:
    """``symbol`` with ``index`` as Unicode subscript digits: ``subscript("c", 12) ==
    "c₁₂"``. Plain text: laid out far faster than the mathtext ``$c_{12}$``."""
    return symbol + str(index).translate(_SUBSCRIPT)


def ipywidgets_module():
    """The ipywidgets module, or an ImportError that says how to install it."""
    try:
        import ipywidgets
    except ImportError:
        raise ImportError("the step-through widgets need ipywidgets: pip install 'carrylab[notebooks]' "
                          "(or pip install ipywidgets)") from None
    return ipywidgets
