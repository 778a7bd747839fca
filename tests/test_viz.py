"""Structure of every picture in viz (Agg backend; artists counted by gid, not pixels)."""
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import viz  # noqa: E402
from adders import build  # noqa: E402
from adders.prefix import NETWORKS, brent_kung, kogge_stone, serial, sklansky  # noqa: E402
from adders.timing import Stepper, critical_path, simulate_transition  # noqa: E402
from viz._style import COLORS, artists_with_gid, text_overlaps  # noqa: E402


@pytest.fixture(autouse=True)
def no_show_and_close(monkeypatch):
    """Drawing must never show a window; every figure is closed afterwards."""
    def refuse(*args, **kwargs):
        raise AssertionError("viz called plt.show()")
    monkeypatch.setattr(plt, "show", refuse)
    yield
    plt.close("all")


def _gids(fig, prefix):
    return [a.get_gid() for a in artists_with_gid(fig, prefix)]


# ---------------------------------------------------------------------- prefix networks
@pytest.mark.parametrize("name", list(NETWORKS))
@pytest.mark.parametrize("labels", ["adder", "rnn"])
def test_draw_prefix_one_dot_per_cell(name, labels):
    net = NETWORKS[name](13)
    fig = viz.draw_prefix(net, labels=labels)
    assert isinstance(fig, matplotlib.figure.Figure)
    cells = _gids(fig, "cell:")
    assert len(cells) == net.size
    assert sorted(cells) == sorted(f"cell:{k}:{i}:{j}" for k, lv in enumerate(net.levels, 1)
                                   for i, j in lv)


def test_draw_prefix_grey_cells_are_those_reaching_zero():
    net = brent_kung(16)
    lay = viz.layout_prefix(net)
    lo = net.groups()
    for k, i, j, shade in lay["cells"]:
        assert shade == ("grey" if lo[k - 1][j] == 0 else "black")
    # every output is made by exactly one grey cell, except position 0 (no cell)
    assert sum(s == "grey" for *_, s in lay["cells"]) == net.n - 1


def test_layout_prefix_conventions():
    net = kogge_stone(8)
    assert viz.layout_prefix(net, "right")["x"][0] == 7.0       # adder: bit 0 on the right
    assert viz.layout_prefix(net, "left")["x"][0] == 0.0        # rnn: t = 0 on the left
    assert len(viz.layout_prefix(net)["y"]) == net.depth + 2


@pytest.mark.parametrize("make", [kogge_stone, sklansky, brent_kung, serial])
def test_dependency_cone_inputs_are_the_prefix(make):
    net = make(16)
    for p in (0, 5, 15):
        cone = viz.dependency_cone(net, p)
        assert cone["inputs"] == list(range(p + 1))
        assert all((k, i, j) in {(k2, i2, j2) for k2, lv in enumerate(net.levels, 1)
                                 for i2, j2 in lv} for k, i, j in cone["cells"])


def test_draw_prefix_highlight_colours_the_cone():
    net = kogge_stone(16)
    fig = viz.draw_prefix(net, highlight=9)
    cone = viz.dependency_cone(net, 9)
    red = [a.get_gid() for a in artists_with_gid(fig, "cell:")
           if matplotlib.colors.same_color(a.get_markeredgecolor(), COLORS["cone"])]
    assert sorted(red) == sorted(f"cell:{k}:{i}:{j}" for k, i, j in cone["cells"])


def test_draw_prefix_on_given_axes():
    fig, ax = plt.subplots()
    assert viz.draw_prefix(kogge_stone(8), ax=ax) is fig


@pytest.mark.parametrize("n", [8, 32])
@pytest.mark.parametrize("labels", ["adder", "rnn"])
def test_draw_prefix_labels_do_not_overlap(n, labels):
    fig = viz.draw_prefix(kogge_stone(n), labels=labels, highlight=n // 2)
    assert text_overlaps(fig) == []


def test_analogy_poster():
    net = kogge_stone(8)
    fig = viz.analogy(net, highlight=5)
    assert len(fig.axes) == 2
    assert len(_gids(fig, "cell:")) == 2 * net.size
    assert text_overlaps(fig) == []


def test_draw_prefix_bad_arguments():
    net = kogge_stone(8)
    with pytest.raises(ValueError, match=r"labels must be one of 'adder', 'rnn'; got 'verilog'"):
        viz.draw_prefix(net, labels="verilog")
    with pytest.raises(ValueError, match=r"highlight must be an int in \[0, 7\], got 8"):
        viz.draw_prefix(net, highlight=8)
    with pytest.raises(ValueError, match="upto"):
        viz.draw_prefix(net, upto=4)
    with pytest.raises(TypeError, match="PrefixNetwork"):
        viz.draw_prefix("kogge-stone")


# ---------------------------------------------------------------------- schematics
ARCHS_8 = ["ripple", "cla", "kogge-stone", "sklansky", "brent-kung", "carry-select", "carry-skip"]


@pytest.mark.parametrize("arch", ARCHS_8)
def test_draw_circuit_one_symbol_per_gate_and_the_critical_path(arch):
    circuit = build(arch, 8)
    fig = viz.draw_circuit(circuit, highlight_path=True)
    gates = _gids(fig, "gate:")
    assert sorted(gates) == sorted(f"gate:{g}" for g in circuit.gates())
    path = critical_path(circuit).path
    hot = {tuple(g[len("path:"):].split(">")) for g in _gids(fig, "path:")}
    assert hot == set(zip(path, path[1:]))
    if arch in ("ripple", "cla", "kogge-stone", "carry-select"):     # rendering is the slow part
        assert text_overlaps(fig) == []


def test_layout_circuit_x_is_the_logic_level():
    circuit = build("cla", 8)
    lay = viz.layout_circuit(circuit)
    level = circuit.levels()
    assert all(lay["pos"][net][0] == level[net] for net in level)
    # no two nets share a place, no two output terminals share a row
    assert len(set(lay["pos"].values())) == len(lay["pos"])
    ys = [y for *_, (x, y) in lay["outputs"]]
    assert len(set(ys)) == len(ys)


def test_draw_circuit_values_colour_the_wires():
    circuit = build("ripple", 4)
    st = Stepper(simulate_transition(circuit, {"a": 0, "b": 0}, {"a": 15, "b": 1}))
    st.step()
    st.step()                                            # t = 1: g0 and p1.. change
    fig = viz.draw_circuit(circuit, values=st)
    wires = {a.get_gid(): a for a in artists_with_gid(fig, "wire:")}
    same = matplotlib.colors.same_color
    assert same(wires["wire:g0>c1"].get_edgecolor(), COLORS["changing"])
    assert same(wires["wire:a1>g1"].get_edgecolor(), COLORS["one"])
    assert same(wires["wire:b1>g1"].get_edgecolor(), COLORS["zero"])
    fig2 = viz.draw_circuit(circuit, values=circuit_state(circuit))
    assert len(_gids(fig2, "gate:")) == len(circuit.gates())


def circuit_state(circuit):
    return Stepper(simulate_transition(circuit, {"a": 1, "b": 0}, {"a": 2, "b": 0})).at(100)


def test_draw_circuit_refuses_wide_circuits_and_suggests_blocks():
    with pytest.raises(ValueError, match=r"32-bit.*draw_circuit_blocks"):
        viz.draw_circuit(build("ripple", 32))
    with pytest.raises(ValueError, match="highlight_path names nets"):
        viz.draw_circuit(build("ripple", 4), highlight_path=["a0", "nonsense"])
    with pytest.raises(TypeError, match="values"):
        viz.draw_circuit(build("ripple", 4), values=[0, 1])


@pytest.mark.parametrize("arch", ["ripple", "kogge-stone", "cla"])
def test_draw_circuit_blocks_at_32_bits(arch):
    circuit = build(arch, 32)
    fig = viz.draw_circuit_blocks(circuit)
    assert len(_gids(fig, "block:")) == 32
    lay = viz.layout_blocks(circuit)
    assert sum(len(m) for m in lay["members"].values()) == len(circuit.gates())
    if arch == "kogge-stone":
        assert text_overlaps(fig) == []


def test_draw_circuit_blocks_ripple_links_are_the_carries():
    lay = viz.layout_blocks(build("ripple", 8))
    assert set(lay["links"]) == {(b, b + 1) for b in range(7)}
    fig = viz.draw_circuit_blocks(build("ripple", 64))         # grouped: 32 blocks of 2
    assert len(_gids(fig, "block:")) == 32
    with pytest.raises(ValueError, match="bits_per_block"):
        viz.layout_blocks(build("ripple", 8), bits_per_block=0)


# ---------------------------------------------------------------------- waveforms
@pytest.fixture(scope="module")
def ripple_trace():
    return simulate_transition(build("ripple", 8), {"a": 0, "b": 0}, {"a": 255, "b": 1})


def test_waveforms_default_nets(ripple_trace):
    nets = viz.default_nets(ripple_trace)
    assert nets[:9] == [f"a{i}" for i in range(8)] + ["b0"]
    assert nets[9:17] == [f"c{i}" for i in range(1, 9)]
    assert nets[17:] == [f"s{i}" for i in range(8)]         # cout is c8, listed once


def test_waveforms_mark_every_glitch_pulse(ripple_trace):
    fig = viz.waveforms(ripple_trace)
    shown = viz.default_nets(ripple_trace)
    assert len(_gids(fig, "glitch:")) == sum(ripple_trace.glitches.get(n, 0) for n in shown)
    assert len(_gids(fig, "wave:")) == len(shown)
    assert sorted(_gids(fig, "settle:")) == ["settle:cout", "settle:s"]
    assert text_overlaps(fig) == []


def test_waveforms_all_glitches_when_all_glitchy_nets_shown():
    trace = simulate_transition(build("kogge-stone", 8), {"a": 0, "b": 0}, {"a": 255, "b": 1})
    fig = viz.waveforms(trace, nets=sorted(trace.glitches))
    assert len(_gids(fig, "glitch:")) == sum(trace.glitches.values()) > 0
    for net in trace.glitches:
        pulses = viz.glitch_pulses(trace, net)
        assert len(pulses) == trace.glitches[net]
        assert all(a < b for a, b, _ in pulses)


def test_waveforms_bad_input(ripple_trace):
    empty = simulate_transition(build("ripple", 4), {"a": 3, "b": 1}, {"a": 3, "b": 1})
    with pytest.raises(ValueError, match="trace has no events"):
        viz.waveforms(empty)
    with pytest.raises(ValueError, match=r"nets names nets .* \['zz'\]"):
        viz.waveforms(ripple_trace, nets=["a0", "zz"])
    with pytest.raises(ValueError, match="nets must name at least one"):
        viz.waveforms(ripple_trace, nets=[])
    with pytest.raises(TypeError, match="Trace"):
        viz.waveforms({"a": 1})


# ---------------------------------------------------------------------- RNN pictures
@pytest.mark.parametrize("k,levels", [(2, 4), (5, 4), (3, 2)])
def test_receptive_field_counts_its_inputs(k, levels):
    R = 1 + (k - 1) * (2 ** levels - 1)
    assert viz.receptive_field_size(k, levels) == R
    fig = viz.receptive_field(k, levels)
    inputs = sorted(int(g.split(":")[1]) for g in _gids(fig, "rf-input:"))
    t = R + 1
    assert inputs == list(range(t - R + 1, t + 1))             # x[t-R+1 .. t], x[t] included
    assert text_overlaps(fig) == []


def test_receptive_field_matches_the_model():
    from rnn.models import TCN
    for k, levels in [(2, 4), (5, 4)]:
        tcn = TCN(3, [4] * levels, kernel_size=k)
        assert viz.receptive_field_size(k, levels) == tcn.receptive_field


def test_receptive_field_truncated_by_padding():
    cone = viz.receptive_cone(2, 4, t=5)
    assert cone[0] == set(range(6)) and cone[4] == {5}
    fig = viz.receptive_field(2, 4, t=5)
    assert len(_gids(fig, "rf-input:")) == 6


def test_dependency_graphs():
    elman = viz.layout_dependency("elman", 8)
    assert elman["depth"] == 8 and len(elman["path"]) == 9
    cl = viz.layout_dependency("clrnn", 8, kernel_size=2)
    assert cl["depth"] == 4 and cl["path"][-1] == "h[7]" and cl["path"][0] == "x[0]"
    assert all(u in cl["pos"] and v in cl["pos"] for u, v in cl["edges"])
    fig = viz.dependency_graph("both", T=8)
    assert len(fig.axes) == 2
    assert text_overlaps(fig) == []
    fig, ax = plt.subplots()
    assert viz.dependency_graph("clrnn", T=6, ax=ax) is fig
    with pytest.raises(ValueError, match=r"model must be one of 'elman', 'clrnn', 'both'; got 'lstm'"):
        viz.dependency_graph("lstm")
    with pytest.raises(ValueError, match="ax must be None"):
        viz.dependency_graph("both", ax=ax)
    with pytest.raises(ValueError, match="T must be an int >= 1"):
        viz.dependency_graph("elman", T=0)


def test_dependency_graph_step_marks_what_is_computed():
    fig = viz.dependency_graph("elman", T=6, step=2)
    done = [g for g in _gids(fig, "node:") if g.endswith(":done") and g.startswith("node:h")]
    assert sorted(done) == ["node:h[0]:done", "node:h[1]:done"]
    fig = viz.dependency_graph("clrnn", T=6, kernel_size=2, step=4)       # L = 3: all done
    assert not [g for g in _gids(fig, "node:") if g.endswith(":todo")]


# ---------------------------------------------------------------------- measures
ROWS = [{"model": m, "T": T, "seconds": s * T} for m, s in (("elman", 1e-4), ("clrnn", 1e-5))
        for T in (64, 128, 256)]


def test_plot_rnn_times_from_rows_csv_and_json(tmp_path):
    fig = viz.plot_rnn_times(ROWS)
    assert sorted(_gids(fig, "model:")) == ["model:clrnn", "model:elman"]
    (tmp_path / "t.json").write_text(json.dumps(ROWS))
    assert len(_gids(viz.plot_rnn_times(tmp_path / "t.json"), "model:")) == 2
    lines = ["model,T,seconds"] + [f"{r['model']},{r['T']},{r['seconds']}" for r in ROWS]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    assert len(_gids(viz.plot_rnn_times(str(tmp_path / "t.csv")), "model:")) == 2


def test_plot_rnn_times_bad_rows():
    with pytest.raises(ValueError, match="rows is empty"):
        viz.plot_rnn_times([])
    with pytest.raises(ValueError, match=r"rows\[0\] lacks \['seconds'\]"):
        viz.plot_rnn_times([{"model": "x", "T": 1}])


def test_plot_architecture_trends_still_there():
    rows = viz.measure_architectures([4, 8], ["ripple", "kogge-stone"])
    assert isinstance(viz.plot_architecture_trends(rows), matplotlib.figure.Figure)


def test_public_names():
    for name in viz.__all__:
        assert hasattr(viz, name), name


def test_gallery_writes_named_pictures(tmp_path):
    written = viz.write_gallery(tmp_path, ["ripple_8.png"], dpi=40)
    assert written == [tmp_path / "ripple_8.png"]
    assert written[0].read_bytes()[:4] == b"\x89PNG"
    assert {"poster_kogge_stone_16.png", "ripple_8.png", "cla_8.png", "waveform_ripple_8.png",
            "receptive_field_clrnn.png"} <= set(viz.GALLERY)
    with pytest.raises(ValueError, match="unknown picture"):
        viz.write_gallery(tmp_path, ["nope.png"])


def test_every_drawing_draws_on_a_given_axes(ripple_trace):
    circuit = build("ripple", 4)
    for draw in (lambda ax: viz.draw_circuit(circuit, ax=ax),
                 lambda ax: viz.draw_circuit_blocks(circuit, ax=ax),
                 lambda ax: viz.waveforms(ripple_trace, ax=ax),
                 lambda ax: viz.receptive_field(2, 3, ax=ax),
                 lambda ax: viz.plot_rnn_times(ROWS, ax=ax)):
        fig, ax = plt.subplots()
        assert draw(ax) is fig
        assert len(fig.axes) == 1 and ax.has_data() or ax.patches or ax.lines
