"""Shared colours and helpers of the drawings (private).

Every drawing tags what it draws with a matplotlib ``gid`` (``"cell:..."``,
``"gate:..."``, ``"path:..."``, ``"glitch:..."``) so tests and notebooks can count
artists by role without looking at pixels.
"""
from __future__ import annotations

import io

from adders.checks import check_choice
from adders.errors import CarrylabTypeError

from .png import PngBands

__all__ = ["COLORS", "new_axes", "artists_with_gid", "text_overlaps", "check_choice",
           "check_network", "widest_bus", "png_bytes", "ipywidgets_module", "OK_COLOR",
           "BAD_COLOR", "FAST_PNG", "ReusedFigure", "Layers",
           "clear_drawn", "drawn_in", "subscript"]

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
    if ax is None:
        import matplotlib.pyplot as plt  # only for a new figure: drawing into an axes needs none
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
    place and *blit* (:class:`Layers`): the artists that never change are rendered once
    into a saved background, and the still texts that ``over`` names (drawn above
    moving wires) once into a transparent overlay; a move restores the background,
    draws only the ``moving`` artists over it, in z-order, and lays the overlay on top.
    """

    def __init__(self, dpi=80):
        self.dpi = dpi
        self.fig = None
        self._layers = None

    @property
    def _moving(self):
        """The artists drawn on every move (None until blitting is set up)."""
        return self._layers.moving if self._layers is not None else None

    def png(self, first, again, update=None, moving=None, over=None) -> bytes:
        """PNG bytes of the picture: ``first()`` -> Figure on the first call,
        ``again(fig)`` (into the cleared axes) on every call; or, when given,
        ``update(fig)`` on every call after the first, which changes the drawn artists in
        place (colours, texts, a cursor) instead of drawing them again. ``moving(fig)``,
        with ``update``, lists the artists ``update`` may change: the rest is blitted.
        ``over(fig)`` lists still artists drawn above moving ones (labels that wires run
        under): they are rendered once and laid over the moving artists on each move."""
        if self.fig is not None and update is not None:
            update(self.fig)
            return self._layers.png() if self._layers is not None else self._encode()
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
        self._layers = Layers(self.fig, moving(self.fig), over(self.fig) if over else ())
        return self._layers.png()

    def _encode(self) -> bytes:
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=self.dpi, pil_kwargs=FAST_PNG)
        return buf.getvalue()


class Layers:
    """A figure on an Agg canvas, redrawn in three layers for a widget's moves.

    * the *background*: every artist but the moving and the overlaid ones, rendered
      once and saved (``canvas.copy_from_bbox``);
    * the *moving* artists, the ones a move may change (colour, text, position): drawn
      on every move, in the order a whole drawing draws them (z-order, then the order
      they were added). A moving text is rendered once per look (text, place, font,
      colour) onto a transparent scratch canvas and its pixels are laid down again
      whenever it looks that way: font rasterisation is the dearest part of a drawing;
    * the *overlay*: still artists (``over``) drawn above moving ones, rendered once
      onto a transparent layer and laid over the moving artists.

    Laying a transparent layer down (``renderer.draw_image``) blends each pixel as
    drawing the artist there would, but for a shade or two where two glyphs of one text
    overlap (on the layer they were blended together first). The picture equals a
    whole drawing when no still background artist overlaps a moving or overlaid one
    drawn before it. An ``over`` artist that a moving artist drawn after it overlaps
    (extents now, plus a few pixels) is drawn with the moving ones instead, so a label
    keeps its place above or below every wire. A move costs the moving artists but
    their texts, one image blend per text and one for the overlay, and the PNG encoding
    of the rows that changed (:class:`viz.png.PngBands`).

    Parameters
    ----------
    fig : Figure on a FigureCanvasAgg
    moving, over : lists of artists of ``fig``
    reuse : Layers, optional
        Earlier layers of ``fig`` at the same canvas size: their rendered texts are
        kept, and their overlay when the ``over`` artists are texts that look the same.
    """

    def __init__(self, fig, moving, over=(), reuse=None):
        self.fig = fig
        canvas = fig.canvas
        rank = _draw_rank(fig)

        def order(artist):
            return rank.get(artist, len(rank))              # not in an axes: last
        over = sorted(over, key=order)
        size = canvas.get_width_height(physical=True)
        if reuse is not None and reuse.fig is fig and reuse._sprites.size == size:
            self._sprites, self._png = reuse._sprites, reuse._png
        else:
            self._sprites, self._png = _Sprites(size, fig.dpi), PngBands()
        moving = list(moving)
        renderer = canvas.get_renderer()
        late = _under_moving(self._sprites.extents(moving, renderer), [order(a) for a in moving],
                             self._sprites.extents(over, renderer), [order(a) for a in over])
        self.moving = sorted(moving + [over[k] for k in sorted(late)], key=order)
        over = [a for k, a in enumerate(over) if k not in late]
        for artist in self.moving:
            artist.set_animated(True)        # left out of a whole draw: the background
        for artist in over:
            artist.set_visible(False)
        try:
            canvas.draw()
        finally:
            for artist in over:
                artist.set_visible(True)
        self._background = canvas.copy_from_bbox(fig.bbox)
        self._key = _look(over)
        if reuse is not None and self._sprites is reuse._sprites and self._key is not None \
                and reuse._key == self._key:
            self._overlay = reuse._overlay
        else:
            self._overlay = self._sprites.cut(over)

    def draw(self) -> None:
        """Background, moving artists, overlay: the picture now, on the canvas."""
        canvas = self.fig.canvas
        canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        for artist in self.moving:
            if not self._sprites.draw(artist, renderer):
                artist.draw(renderer)
        _lay(renderer, self._overlay)

    def png(self) -> bytes:
        """:meth:`draw`, then PNG bytes of the canvas (rows unchanged since the last
        picture keep their compressed bytes)."""
        import numpy as np
        self.draw()
        return self._png.encode(np.asarray(self.fig.canvas.buffer_rgba()))


class _Sprites:
    """Texts rendered alone onto a transparent scratch canvas the size of the picture,
    cut out and kept by their look (:func:`_look`), up to ``limit`` bytes of pixels
    (then forgotten all at once)."""

    def __init__(self, size, dpi, limit=64 << 20):
        from matplotlib.backends.backend_agg import RendererAgg
        self.size, self.limit = size, limit
        self._scratch = RendererAgg(size[0], size[1], dpi)      # starts transparent
        self._cache: dict = {}
        self._boxes: dict = {}
        self._bytes = 0

    def draw(self, artist, renderer) -> bool:
        """Lay ``artist``'s pixels onto ``renderer`` if it is a plain text (rendering it
        the first time it looks this way); False for any other artist."""
        key = _look([artist])
        if key is None:
            return False
        if key not in self._cache:
            if self._bytes > self.limit:
                self._cache.clear()
                self._boxes.clear()
                self._bytes = 0
            near = self.extents([artist], renderer)[0] + (artist.get_fontsize(),)
            cut = self._cache[key] = self.cut([artist], near=near)
            self._bytes += cut[2].nbytes if cut is not None else 0
        _lay(renderer, self._cache[key])
        return True

    def extents(self, artists, renderer) -> list:
        """Pixel boxes ``(x0, y0, x1, y1)`` of ``artists``, widened by their line or
        marker edge width (a miter joint reaches out twice the half width) and two pixels
        of antialiasing; a text's box is kept by its look."""
        import numpy as np
        out = []
        for artist in artists:
            key = _look([artist])
            box = self._boxes.get(key) if key is not None else None
            if box is None:
                bb = artist.get_window_extent(renderer)
                widths = [getattr(artist, name)() for name in
                          ("get_linewidth", "get_markeredgewidth") if hasattr(artist, name)]
                lw = max((float(np.max(w, initial=0.0)) for w in widths), default=0.0)
                pad = 2.0 + lw * renderer.dpi / 72.0
                box = (bb.x0 - pad, bb.y0 - pad, bb.x1 + pad, bb.y1 + pad)
                if key is not None:
                    self._boxes[key] = box
            out.append(box)
        return out

    def cut(self, artists, near=None):
        """``artists`` rendered alone: ``(x, y, image)``, the smallest box holding their
        pixels as an RGBA array bottom row first (what ``renderer.draw_image(gc, x, y,
        image)`` takes), or None when nothing shows. Leaves the scratch transparent.
        ``near``, ``(x0, y0, x1, y1, fontsize)`` of one text (pixels, points), limits the
        search for pixels to around that box."""
        import numpy as np
        for artist in artists:
            artist.draw(self._scratch)
        rgba = np.asarray(self._scratch.buffer_rgba())          # (H, W, 4), top row first
        height, width = rgba.shape[:2]
        box = (0, height, 0, width)
        if near is not None:
            x0, y0, x1, y1, size = near
            pad = 4 + size * self._scratch.dpi / 72.0
            box = (max(int(height - y1 - pad), 0), min(int(height - y0 + pad) + 1, height),
                   max(int(x0 - pad), 0), min(int(x1 + pad) + 1, width))
            alpha = rgba[box[0]:box[1], box[2]:box[3], 3]
            edges = alpha.size == 0 or (alpha[0].any() and box[0] > 0) \
                or (alpha[-1].any() and box[1] < height) \
                or (alpha[:, 0].any() and box[2] > 0) or (alpha[:, -1].any() and box[3] < width)
            if edges:                                # pixels may reach beyond: look at all
                box = (0, height, 0, width)
        alpha = rgba[box[0]:box[1], box[2]:box[3], 3]
        rows = np.flatnonzero(alpha.any(axis=1))
        if not rows.size:
            return None
        cols = np.flatnonzero(alpha[rows[0]:rows[-1] + 1].any(axis=0))
        r0, r1 = box[0] + rows[0], box[0] + rows[-1] + 1
        c0, c1 = box[2] + cols[0], box[2] + cols[-1] + 1
        image = np.ascontiguousarray(rgba[r0:r1, c0:c1][::-1])
        rgba[r0:r1, c0:c1] = 0              # every pixel drawn has alpha > 0: all in the box
        return int(c0), int(height - r1), image


def _lay(renderer, cut) -> None:
    """Blend a :meth:`_Sprites.cut` onto ``renderer`` (nothing for None)."""
    if cut is not None:
        gc = renderer.new_gc()
        renderer.draw_image(gc, *cut)
        gc.restore()


def _draw_rank(fig) -> dict:
    """{artist: place in the order a whole drawing of ``fig`` draws it}: axes by
    z-order, and in each the children by z-order, ties in the order they were added
    (what ``Axes.draw`` does)."""
    rank: dict = {}
    for ax in sorted(fig.axes, key=lambda a: a.get_zorder()):
        for artist in sorted(ax.get_children(), key=lambda a: a.get_zorder()):
            rank.setdefault(artist, len(rank))
    return rank


def _under_moving(moving, moving_rank, over, over_rank) -> set:
    """Indices of the ``over`` boxes that a ``moving`` box drawn after them overlaps
    (boxes ``x0, y0, x1, y1``, ranks: :func:`_draw_rank`): these must be drawn with the
    moving artists to keep the z-order. One found so counts as moving for those drawn
    before it (the list is walked from the top down)."""
    import numpy as np
    boxes, ranks = np.asarray(moving).reshape(-1, 4), np.asarray(moving_rank, dtype=float)
    late = set()
    for k in sorted(range(len(over)), key=lambda k: -over_rank[k]):
        box, r = over[k], over_rank[k]
        hit = (ranks > r) & (boxes[:, 0] < box[2]) & (boxes[:, 2] > box[0]) \
            & (boxes[:, 1] < box[3]) & (boxes[:, 3] > box[1])
        if hit.any():
            late.add(k)
            boxes = np.vstack([boxes, box])
            ranks = np.append(ranks, r)
    return late


def _look(artists):
    """What decides the pixels of plain texts (text, place in pixels, font, colour,
    alignment, clipping), or None when one is not a plain text (a subclass, a box
    around it, path effects): those are drawn, not laid down."""
    from matplotlib.text import Text
    key = []
    for t in artists:
        if type(t) is not Text or t.get_bbox_patch() is not None or t.get_path_effects() \
                or t.get_usetex():
            return None
        x, y = t.get_transform().transform(t.get_unitless_position())
        clip = t.get_clip_on() and (t.clipbox.bounds if t.clipbox is not None else None,
                                     t.get_clip_path() is not None)
        fp = t.get_fontproperties()          # mutable: keep its values, not the object
        font = (tuple(fp.get_family()), fp.get_style(), fp.get_variant(), fp.get_weight(),
                fp.get_stretch(), fp.get_size_in_points(), fp.get_file(),
                fp.get_math_fontfamily())
        key.append((t.get_text(), float(x), float(y), font, str(t.get_color()), t.get_rotation(),
                    t.get_horizontalalignment(), t.get_verticalalignment(),
                    t.get_linespacing(), t.get_alpha(), t.get_visible(), t.get_antialiased(),
                    t._get_multialignment(), t.get_rotation_mode(), clip))
    return tuple(key)


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
