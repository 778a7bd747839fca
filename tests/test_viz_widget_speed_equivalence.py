"""The widgets' fast redraw (viz._style.Layers: background, moving artists, rendered
texts laid down again, overlay) shows the same picture as drawing it afresh."""
import io

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from adders import build  # noqa: E402
from viz._style import Layers  # noqa: E402
from viz.png import PngBands, rgba_png  # noqa: E402
from viz.editor import prefix_editor  # noqa: E402
from viz.widgets import circuit_stepper  # noqa: E402


def _pixels(png):
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def _whole(fig):
    """Pixels of ``fig`` drawn whole, every artist in place (nothing blitted or laid)."""
    animated = [a for a in fig.findobj() if a.get_animated()]
    for artist in animated:
        artist.set_animated(False)
    try:
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba()).copy()
    finally:
        for artist in animated:
            artist.set_animated(True)


def _assert_like_whole(shown, whole, ax=None):
    """Same picture. A text laid down again differs from drawing it by a shade or two
    where two of its glyphs overlap (they were blended together first); checked within
    ``ax`` (elsewhere a blitted cursor may cross a still spine)."""
    assert shown.shape == whole.shape
    diff = np.abs(shown.astype(int) - whole.astype(int)).max(axis=-1)
    assert np.mean(diff > 0) < 1e-2
    if ax is not None:
        x0, y0, x1, y1 = (int(v) for v in ax.bbox.extents)
        diff = diff[diff.shape[0] - y1:diff.shape[0] - y0, x0:x1]
    assert diff.max() <= 2


@pytest.mark.parametrize("arch", ["ripple", "kogge-stone"])
def test_circuit_stepper_after_moves_equals_a_fresh_stepper(arch):
    circuit = build(arch, 4)
    before, after = {"a": 0, "b": 0, "cin": 0}, {"a": 15, "b": 1, "cin": 0}
    w = circuit_stepper(circuit, before, after, dpi=40)
    for k in [1, 2, 3, 1, w.slider.max, 0, 2]:
        w.slider.value = k
        fresh = circuit_stepper(circuit, before, after, dpi=40)
        fresh.slider.value = k
        assert np.array_equal(_pixels(w.image.value), _pixels(fresh.image.value)), k
        _assert_like_whole(_pixels(w.image.value), _whole(w._picture.fig),
                           w._picture.fig.axes[0])


def test_circuit_stepper_draws_only_changing_texts_on_a_move(monkeypatch):
    from matplotlib.text import Text
    w = circuit_stepper(build("ripple", 4), {"a": 0, "b": 0, "cin": 0},
                        {"a": 15, "b": 1, "cin": 0}, dpi=40)
    w.slider.value = w.slider.max                        # every look seen once
    w.slider.value = 0
    drawn = []
    real = Text.draw
    monkeypatch.setattr(Text, "draw", lambda self, r: (drawn.append(self), real(self, r)))
    w.slider.value = w.slider.max                        # looks seen before: laid down
    assert drawn == []
    names = [t for t in w._picture.fig.axes[0].texts if (t.get_gid() or "").startswith("name:")]
    assert names and not any(t in w._picture._moving for t in names)


def test_prefix_editor_after_edits_equals_a_fresh_editor():
    ed = prefix_editor(8, start="serial", dpi=40)
    for step in [("a", 77), ("click", (1, 3)), ("b", 200), ("click", (1, 3)),
                 ("click", (1, 5)), ("load", "sklansky"), ("a", 3)]:
        kind, value = step
        if kind == "a":
            ed.a_slider.value = value
        elif kind == "b":
            ed.b_slider.value = value
        elif kind == "click":
            ed.toggle(*value)
        else:
            ed.load(value)
        fresh = prefix_editor(8, start=ed.network, a=ed.a_slider.value, b=ed.b_slider.value,
                              dpi=40)
        assert fresh.network.levels == ed.network.levels
        assert np.array_equal(_pixels(ed.image.value), _pixels(fresh.image.value)), step
        assert fresh.gids == ed.gids
        _assert_like_whole(_pixels(ed.image.value), _whole(ed._figure))


def test_prefix_editor_clicks_at_16_positions_equal_a_fresh_editor():
    """Clicks that keep the depth redraw the cells and wires in place (labels kept);
    adding cells, removing them, loading another network of that depth, a wrong
    network and a change of depth all show what a fresh editor shows."""
    ed = prefix_editor(16, start="sklansky", dpi=40)
    labels = [t for t in ed._figure.axes[0].texts if t.get_gid() == "label:in:0"]
    steps = [("click", (1, 2)), ("click", (1, 4)), ("click", (1, 3)), ("load", "kogge-stone"),
             ("click", (2, 3)), ("load", "knowles"), ("load", "sklansky"), ("click", (1, 2)),
             ("load", "brent-kung"), ("click", (1, 2))]
    for kind, value in steps:
        depth = ed.network.depth
        if kind == "click":
            ed.toggle(*value)
        else:
            ed.load(value)
        kept = [t for t in ed._figure.axes[0].texts if t.get_gid() == "label:in:0"]
        assert (kept == labels) == (ed.network.depth == depth), (kind, value)
        labels = kept
        fresh = prefix_editor(16, start=ed.network, dpi=40)
        assert np.array_equal(_pixels(ed.image.value), _pixels(fresh.image.value)), value
        assert fresh.gids == ed.gids
        _assert_like_whole(_pixels(ed.image.value), _whole(ed._figure))


@pytest.mark.parametrize("labels", ["adder", "rnn"])
def test_redraw_prefix_equals_a_fresh_drawing(labels):
    from adders.errors import CarrylabValueError
    from adders.prefix import brent_kung, knowles, kogge_stone, sklansky
    from viz.prefix import draw_prefix, redraw_prefix

    def shown(fig):
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba()).copy()

    def gids(fig):
        return sorted(a.get_gid() for a in fig.findobj(lambda a: isinstance(a.get_gid(), str)))
    fig = draw_prefix(sklansky(16), labels, pyplot=False)
    for net in (kogge_stone(16), sklansky(16), knowles(16)):     # more cells, fewer, as many
        redraw_prefix(fig.axes[0], net, labels)
        fresh = draw_prefix(net, labels, pyplot=False)
        assert np.array_equal(shown(fig), shown(fresh)), net.name
        assert gids(fig) == gids(fresh)
    with pytest.raises(CarrylabValueError, match="depth"):
        redraw_prefix(fig.axes[0], brent_kung(16), labels)


def _figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(3, 2), dpi=50)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    return fig, ax


def test_layers_keep_a_label_under_a_wire_drawn_after_it():
    from matplotlib.patches import Rectangle
    fig, ax = _figure()
    under = ax.text(2, 5, "under", fontsize=12, zorder=1)
    wire = ax.add_patch(Rectangle((1, 4.5), 8, 1.5, color="C0", zorder=2))
    above = ax.text(2, 1, "above", fontsize=12, zorder=3)
    fig.canvas.draw()
    layers = Layers(fig, [wire], [under, above])
    assert under in layers.moving and above not in layers.moving
    for color in ("C1", "C2"):
        wire.set_color(color)
        shown = _pixels(layers.png())
        _assert_like_whole(shown, _whole(fig))


def test_layers_lay_down_a_changed_text_as_drawn():
    fig, ax = _figure()
    label = ax.text(5, 5, "0", fontsize=14, color="C0")
    fig.canvas.draw()
    layers = Layers(fig, [label])
    for text, color in (("1", "C1"), ("0", "C0"), ("10", "C2"), ("1", "C1")):
        label.set_text(text)
        label.set_color(color)
        _assert_like_whole(_pixels(layers.png()), _whole(fig))


@pytest.mark.parametrize("alpha", [255, 128])
def test_rgba_png_round_trips(alpha):
    from PIL import Image
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, (7, 5, 4), dtype=np.uint8)
    rgba[..., 3] = alpha
    rgba[0, 0, 3] = 255
    image = Image.open(io.BytesIO(rgba_png(rgba)))
    assert image.mode == ("RGB" if alpha == 255 else "RGBA")
    assert np.array_equal(np.asarray(image.convert("RGBA")), rgba)


def test_png_bands_depend_only_on_the_frame():
    from PIL import Image
    rng = np.random.default_rng(1)
    frames = [np.full((40, 9, 4), 255, np.uint8) for _ in range(3)]
    frames[1][5:7, 2:4, :3] = rng.integers(0, 256, (2, 2, 3))      # one band changes
    frames[2][:, 0, 3] = 7                                          # now with alpha
    encoder = PngBands(band=4)
    for frame in frames + frames[::-1]:
        png = encoder.encode(frame)
        assert png == PngBands(band=4).encode(frame)      # as a fresh encoder writes it
        assert np.array_equal(np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")), frame)
