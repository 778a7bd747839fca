"""Circuit construction, validation (each NetlistError case) and statistics."""
import pytest

from adders import Circuit, NetlistError, build, full_adder


def small():
    c = Circuit("t")
    c.add_input("x", 2)
    c.add_gate("AND", ["x0", "x1"], "n1")
    c.add_gate("NOT", ["n1"], "n2")
    c.add_gate("OR", ["n2", "x0", "x1"], "y")
    c.set_output("y", ["y"])
    return c


def test_stats_by_hand():
    st = small().stats()
    assert st["gates"] == 3
    assert st["by_kind"] == {"AND": 1, "NOT": 1, "OR": 1}
    assert st["depth"] == 3 and st["output_depth"] == {"y": [3]}
    assert st["max_fanout"] == 2                   # x0 feeds AND and OR


def test_full_adder_stats():
    st = full_adder().stats()
    assert st["by_kind"] == {"AND": 2, "OR": 1, "XOR": 2}
    assert st["output_depth"] == {"s": [2], "cout": [3]}


def test_graph_is_networkx_with_pins():
    c = Circuit("dup")
    c.add_input("x", 1)
    c.add_gate("AND", ["x", "x"], "y")           # the same net on both pins
    c.set_output("y", ["y"])
    assert c.graph.edges["x", "y"]["pins"] == [0, 1]
    assert c.evaluate(x=1) == {"y": 1}


def test_cycle_names_the_loop():
    c = Circuit("loop")
    c.add_input("x", 1)
    c.add_gate("AND", ["x", "q"], "p")
    c.add_gate("OR", ["p", "x"], "q")
    c.set_output("y", ["q"])
    with pytest.raises(NetlistError, match=r"cycle through nets .*p.*q|cycle through nets .*q.*p"):
        c.validate()


def test_undriven_net_is_named():
    c = Circuit("open")
    c.add_input("x", 1)
    c.add_gate("AND", ["x", "floating"], "y")
    c.set_output("y", ["y"])
    with pytest.raises(NetlistError, match=r"undriven nets \['floating'\]"):
        c.evaluate(x=1)


def test_undriven_output_is_named():
    c = Circuit("open")
    c.add_input("x", 1)
    c.set_output("y", ["nowhere"])
    with pytest.raises(NetlistError, match="nowhere"):
        c.validate()


def test_multiply_driven_net():
    c = small()
    with pytest.raises(NetlistError, match=r"net 'n1' is multiply driven: already driven by a AND gate"):
        c.add_gate("OR", ["x0", "x1"], "n1")
    with pytest.raises(NetlistError, match=r"net 'x0' is multiply driven: already driven by an input"):
        c.add_gate("OR", ["x1", "n1"], "x0")


def test_unknown_kind_lists_known():
    with pytest.raises(NetlistError, match=r"gate 'z': unknown kind 'MUX'; known: AND, OR, XOR"):
        small().add_gate("MUX", ["x0", "x1"], "z")


@pytest.mark.parametrize("kind, inputs, msg", [
    ("XOR", ["x0", "x1", "n1"], "XOR takes exactly 2 inputs, got 3"),
    ("AND", ["x0"], "AND takes 2 or more inputs, got 1"),
    ("NOT", ["x0", "x1"], "NOT takes exactly 1 inputs, got 2"),
    ("BUF", [], "BUF takes exactly 1 inputs, got 0"),
])
def test_bad_fanin(kind, inputs, msg):
    with pytest.raises(NetlistError, match=msg):
        small().add_gate(kind, inputs, "z")


def test_hand_edited_graph_is_caught():
    c = small()
    c.graph.nodes["n2"]["kind"] = "FOO"
    c._touch()
    with pytest.raises(NetlistError, match="gate 'n2': unknown kind 'FOO'"):
        c.validate()
    c.graph.nodes["n2"]["kind"] = "XOR"
    c._touch()
    with pytest.raises(NetlistError, match="gate 'n2': XOR takes exactly 2 inputs, got 1"):
        c.validate()


def test_duplicate_bus_and_empty_circuit():
    c = small()
    with pytest.raises(NetlistError, match="bus 'x' is declared twice"):
        c.add_input("x", 3)
    with pytest.raises(NetlistError, match="has no output buses"):
        e = Circuit("e")
        e.add_input("x", 1)
        e.validate()
    with pytest.raises(ValueError, match="width of input bus 'w' must be an int >= 1"):
        c.add_input("w", 0)


def test_levels_and_gates_order():
    c = build("ripple", 4)
    levels = c.levels()
    order = c.gates()
    assert len(order) == 20
    for net in order:
        for src in c.graph.nodes[net]["inputs"]:
            assert levels[src] < levels[net]
    assert [levels[n] for n in order] == sorted(levels[n] for n in order)


def test_cache_invalidated_on_edit():
    c = small()
    assert c.stats()["gates"] == 3
    c.add_gate("BUF", ["y"], "y2")
    c.set_output("y2", ["y2"])
    assert c.stats()["gates"] == 4
    assert c.evaluate(x=3) == {"y": 1, "y2": 1} and c.evaluate(x=0) == {"y": 1, "y2": 1}


def test_compiled_form_is_built_once_per_version():
    c = small()
    net = c.compiled()
    assert c.compiled() is net
    assert net.names == ("x0", "x1", "n1", "n2", "y") and net.n_inputs == 2
    assert net.kinds == ("AND", "NOT", "OR") and net.gate_inputs == ((0, 1), (2,), (3, 0, 1))
    assert net.ptr.tolist() == [0, 2, 3, 6] and net.pins.tolist() == [0, 1, 2, 3, 0, 1]
    assert net.levels.tolist() == [0, 0, 1, 2, 3] and net.fanout[0] == (0, 2)
    assert dict(net.inputs) == {"x": (0, 1)} and dict(net.outputs) == {"y": (4,)}
    with pytest.raises(ValueError):
        net.op[0] = 1                              # read-only
    version = c.version
    c.add_gate("BUF", ["y"], "y2")
    assert c.version > version
    again = c.compiled()
    assert again is not net and again.names[-1] == "y2" and net.names[-1] == "y"


# ---------------------------------------------------------------------- caches and the fast graph
def _graph_by_public_calls(c):
    """The graph add_gate used to build, one networkx call per node and edge."""
    import networkx as nx
    g = nx.DiGraph()
    for net, data in c.graph.nodes(data=True):
        g.add_node(net, kind=data["kind"], inputs=data["inputs"])
    for u, v, pins in c.graph.edges(data="pins"):
        g.add_edge(u, v, pins=list(pins))
    return g


@pytest.mark.parametrize("arch", ["ripple", "kogge-stone", "carry-select"])
def test_fast_graph_equals_networkx_calls(arch):
    c = build(arch, 8)
    ref = _graph_by_public_calls(c)
    assert list(c.graph.nodes(data=True)) == list(ref.nodes(data=True))
    assert list(c.graph.edges(data=True)) == list(ref.edges(data=True))
    assert list(c.graph.pred["c2"]) == list(ref.pred["c2"])
    assert c.graph.number_of_edges() == ref.number_of_edges()


def test_fast_graph_net_read_before_it_is_driven():
    c = Circuit("late")
    c.add_input("x", 2)
    c.add_gate("AND", ["late", "late"], "y")           # read twice, driven below
    c.add_gate("OR", ["x0", "x1"], "late")
    c.set_output("y", ["y"])
    assert c.graph.nodes["late"] == {"kind": "OR", "inputs": ("x0", "x1")}
    assert c.graph.edges["late", "y"]["pins"] == [0, 1]
    assert list(c.graph.successors("late")) == ["y"] and c.fanout("late") == 2
    assert c.levels() == {"x0": 0, "x1": 0, "late": 1, "y": 2}
    assert c.gates() == ["late", "y"]                  # level order, not the order added
    assert c.stats()["max_fanout"] == 2
    assert c.evaluate(x=1) == {"y": 1} and c.evaluate(x=0) == {"y": 0}


def test_stats_are_cached_per_version_and_copied_out():
    c = small()
    first = c.stats()
    first["by_kind"]["AND"] = 99                       # the caller's copy only
    first["output_depth"]["y"].append(7)
    assert c.stats() == {"gates": 3, "by_kind": {"AND": 1, "NOT": 1, "OR": 1}, "depth": 3,
                         "max_fanout": 2, "output_depth": {"y": [3]}}
    c.add_gate("AND", ["y", "x0"], "z")                # an edit drops the cached stats
    c.set_output("z", ["z"])
    st = c.stats()
    assert st["gates"] == 4 and st["max_fanout"] == 3 and st["output_depth"]["z"] == [4]


def test_stats_follow_a_hand_edit_after_touch():
    c = build("ripple", 2)
    assert c.stats()["by_kind"] == {"AND": 4, "OR": 2, "XOR": 4}
    c.graph.nodes["c1"]["kind"] = "AND"
    c._touch()
    assert c.stats()["by_kind"] == {"AND": 5, "OR": 1, "XOR": 4}


def test_build_restores_the_garbage_collector():
    import gc
    assert gc.isenabled()
    build("kogge-stone", 8)
    assert gc.isenabled()
    with pytest.raises(TypeError):
        build("cla", 8, block="4")
    assert gc.isenabled()
    gc.disable()
    try:
        build("ripple", 4)
        assert not gc.isenabled()                      # left as the caller had it
    finally:
        gc.enable()
