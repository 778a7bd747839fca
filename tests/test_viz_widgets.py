"""The step-through widgets, built and driven without a browser."""
import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

pytest.importorskip("ipywidgets")

from adders import build  # noqa: E402
from adders.prefix import brent_kung, kogge_stone  # noqa: E402
from adders.timing import Stepper, simulate_transition  # noqa: E402
from viz.widgets import circuit_stepper, scan_stepper, sequence_stepper  # noqa: E402


def test_import_viz_does_not_import_ipywidgets():
    import subprocess
    import sys
    code = "import viz, sys; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_circuit_stepper_steps_like_the_stepper():
    circuit = build("ripple", 2)
    before, after = {"a": 0, "b": 0}, {"a": 3, "b": 1}
    ref = Stepper(simulate_transition(circuit, before, after))
    w = circuit_stepper(circuit, before, after, dpi=30)
    assert w.time is None and w.changed == [] and w.position == 0
    first = w.image.value
    assert first[:4] == b"\x89PNG"
    assert w.step() == ref.step() == ["a0", "a1", "b0"]
    assert w.time == ref.time == 0 and w.slider.value == 1
    assert w.step() == ref.step()
    assert w.time == 1 and w.state == ref.state
    assert w.image.value != first
    assert "t = 1 gd" in w.label.value and "g0" in w.label.value
    w.back()
    assert w.time == 0 and w.changed == ["a0", "a1", "b0"]
    w.slider.value = w.slider.max                              # the slider drives it too
    assert w.stepper.done and w.state == simulate_transition(circuit, before, after).final_nets
    w.reset()
    assert w.time is None and w.position == 0


def test_circuit_stepper_bad_input():
    with pytest.raises(ValueError, match="nothing happens"):
        circuit_stepper(build("ripple", 4), {"a": 1, "b": 2}, {"a": 1, "b": 2})
    with pytest.raises(ValueError, match="before"):
        circuit_stepper(build("ripple", 4), {"a": 99, "b": 0}, {"a": 1, "b": 0})


def test_scan_stepper_completes_positions_level_by_level():
    net = brent_kung(6)
    w = scan_stepper(net, labels="rnn", dpi=30)
    groups = net.groups()
    assert w.level == 0 and w.complete == [0]
    for k in range(1, net.depth + 1):
        new = w.step()
        assert w.level == k
        assert w.complete == [i for i, lo in enumerate(groups[k]) if lo == 0]
        assert set(new) == set(w.complete) - {i for i, lo in enumerate(groups[k - 1]) if lo == 0}
    assert w.complete == list(range(6)) and w.step() == []
    assert "h<sub>5</sub>" in w.label.value
    w.reset()
    assert w.level == 0


def test_scan_stepper_bad_labels():
    with pytest.raises(ValueError, match=r"labels must be one of 'adder', 'rnn'; got 'x'"):
        scan_stepper(kogge_stone(8), labels="x")


def test_sequence_stepper_serial_versus_parallel():
    w = sequence_stepper(T=8, kernel_size=2, dpi=30)
    assert w.levels == 3
    assert w.ready("elman") == [] and w.ready("clrnn") == []
    w.slider.value = 4
    assert w.position == 4
    assert w.ready("elman") == [0, 1, 2, 3]
    assert w.ready("clrnn") == list(range(8))                # L + 1 = 4 steps
    assert "Elman has 4 of 8" in w.label.value
    w.step()
    assert w.ready("elman") == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="model must be one of"):
        w.ready("lstm")


# ---------------------------------------------------------------------- one figure, redrawn
def _styles(ax):
    """What a schematic shows, by gid: colours, line widths and texts."""
    import matplotlib.colors as mc
    out = {}
    for a in list(ax.patches) + list(ax.lines) + list(ax.texts):
        gid = a.get_gid()
        if not gid:
            continue
        if hasattr(a, "get_text"):
            out[gid] = (a.get_text(), mc.to_hex(a.get_color()))
        elif hasattr(a, "get_facecolor") and not hasattr(a, "get_xdata"):
            out[gid] = (mc.to_hex(a.get_edgecolor()), mc.to_hex(a.get_facecolor()),
                        a.get_linewidth())
        else:
            out[gid] = (mc.to_hex(a.get_color()), a.get_linewidth())
    return out


def test_circuit_stepper_recolours_like_a_fresh_drawing():
    import matplotlib.pyplot as plt

    from viz.circuit import draw_circuit
    circuit = build("ripple", 4)
    before, after = {"a": 0, "b": 0, "cin": 0}, {"a": 15, "b": 1, "cin": 0}
    w = circuit_stepper(circuit, before, after, dpi=30)
    ref = Stepper(simulate_transition(circuit, before, after))
    for k in [1, 2, 3, 2, w.slider.max, 0]:                # forwards, back, to the end, reset
        w.slider.value = k
        while ref._k < k:
            ref.step()
        while ref._k > k:
            ref.back()
        fresh = draw_circuit(circuit, values=ref)
        top, bottom = w._picture.fig.axes
        assert _styles(top) == _styles(fresh.axes[0]), k
        plt.close(fresh)
        cursor = [ln for ln in bottom.lines if ln.get_gid() == "cursor"]
        assert len(cursor) == 1
        assert cursor[0].get_xdata()[0] == (ref.time if ref.time is not None else -0.25)


def test_steppers_redraw_the_same_picture_for_the_same_position():
    scan = scan_stepper(kogge_stone(8), dpi=30)
    seq = sequence_stepper(T=6, kernel_size=2, dpi=30)
    for w in (scan, seq):
        w.slider.value = 2
        shown, artists = w.image.value, len(w._picture.fig.findobj())
        w.slider.value = 0
        assert w.image.value != shown
        w.slider.value = 2                            # nothing left over from level 0
        assert w.image.value == shown and len(w._picture.fig.findobj()) == artists


def _prefix_look(ax):
    """Wire colours and widths, cell alphas and output colours of a prefix picture."""
    import matplotlib.colors as mc
    look = {c.get_gid(): ([mc.to_hex(x) for x in c.get_colors()], list(c.get_linewidths()))
            for c in ax.collections}
    for ln in ax.lines:
        look[ln.get_gid()] = (ln.get_alpha(), mc.to_hex(ln.get_markerfacecolor()),
                              mc.to_hex(ln.get_markeredgecolor()))
    return look


@pytest.mark.parametrize("highlight", [None, 5])
def test_restyle_prefix_matches_a_fresh_drawing(highlight):
    import matplotlib.pyplot as plt

    from viz.prefix import draw_prefix, restyle_prefix
    net = brent_kung(8)
    fig = draw_prefix(net, highlight=highlight, upto=0)
    for upto in [2, net.depth, 1, 0, 3]:
        restyle_prefix(fig.axes[0], net, upto, highlight)
        fresh = draw_prefix(net, highlight=highlight, upto=upto)
        assert _prefix_look(fig.axes[0]) == _prefix_look(fresh.axes[0]), upto
        plt.close(fresh)
    plt.close(fig)


def _full_render(picture):
    """Pixels of the widget's figure drawn whole (nothing blitted), as an RGBA array."""
    import numpy as np
    moving = picture._moving or []
    for artist in moving:
        artist.set_animated(False)
    try:
        picture.fig.canvas.draw()
        return np.asarray(picture.fig.canvas.buffer_rgba()).copy()
    finally:
        for artist in moving:
            artist.set_animated(True)


def _pixels(png):
    import io

    import numpy as np
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def test_blitted_pictures_equal_whole_drawings():
    import numpy as np
    scan = scan_stepper(kogge_stone(8), highlight=6, dpi=40)
    circ = circuit_stepper(build("ripple", 3), {"a": 0, "b": 0, "cin": 0},
                           {"a": 7, "b": 1, "cin": 0}, dpi=40)
    seq = sequence_stepper(T=6, kernel_size=2, dpi=40)
    for w, moves in ((scan, [1, 3, 0, 2]), (circ, [1, 2, 5, 3, 0]), (seq, [1, 4, 6, 2, 0])):
        assert w._picture._moving                     # blitting is on
        for k in moves:
            w.slider.value = k
            shown = _pixels(w.image.value)
            whole = _full_render(w._picture)
            assert shown.shape == whole.shape
            # Same picture; antialiased edges where a blitted artist meets a still one
            # may differ by a shade.
            assert np.mean(np.any(shown != whole, axis=-1)) < 1e-3, k


def test_restyle_dependency_matches_a_fresh_drawing():
    import matplotlib.colors as mc
    import matplotlib.pyplot as plt

    from viz.rnn import dependency_graph, restyle_dependency

    def look(ax):
        out = {}
        for c in ax.collections:
            out[c.get_gid()] = [s.tolist() for s in c.get_segments()]
        out["arcs"] = [p.get_alpha() for p in ax.patches]
        out["nodes"] = sorted((ln.get_gid(), mc.to_hex(ln.get_markerfacecolor()),
                               mc.to_hex(ln.get_markeredgecolor())) for ln in ax.lines)
        return out

    for model in ("elman", "clrnn"):
        fig = dependency_graph(model, 6, 2, None, step=0)
        for step in [3, 1, 6, None, 0]:
            restyle_dependency(fig.axes[0], model, 6, 2, None, step=step)
            fresh = dependency_graph(model, 6, 2, None, step=step)
            assert look(fig.axes[0]) == look(fresh.axes[0]), (model, step)
            plt.close(fresh)
        plt.close(fig)
