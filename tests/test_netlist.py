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


# ---------------------------------------------------------------------- bulk adds and the lazy graph
def _one_by_one(monkeypatch):
    """Make add_gates what builders did before it: one add_gate per gate, in order."""
    def add_gates(self, kinds, inputs, outputs):
        return [self.add_gate(k, i, o) for k, i, o in zip(kinds, inputs, outputs)]
    monkeypatch.setattr(Circuit, "add_gates", add_gates)


def _everything(c):
    """All a netlist shows: buses, node data and order, edges with pins, predecessor
    order, levels, gate order and stats."""
    g = c.graph
    return (c.name, c.inputs, c.outputs, c.input_defaults, list(g.nodes(data=True)),
            list(g.edges(data=True)), {v: list(g.pred[v]) for v in g}, c.levels(), c.gates(),
            c.stats())


@pytest.mark.parametrize("n", [1, 2, 5, 8, 13, 32])
def test_bulk_build_equals_gate_by_gate(n, monkeypatch):
    from adders import ARCHITECTURES
    bulk = {arch: _everything(build(arch, n)) for arch in ARCHITECTURES}
    _one_by_one(monkeypatch)
    for arch in ARCHITECTURES:
        assert bulk[arch] == _everything(build(arch, n)), arch


def _gates_and_error(monkeypatch, gates, one_by_one):
    """(node data after adding ``gates`` to small(), the error raised) either way."""
    if one_by_one:
        _one_by_one(monkeypatch)
    c = small()
    try:
        c.add_gates(*zip(*gates))
        error = None
    except NetlistError as exc:
        error = str(exc)
    monkeypatch.undo()
    return list(c.graph.nodes(data=True)), list(c.graph.edges(data=True)), error


@pytest.mark.parametrize("gates", [
    [("AND", ["x0", "n1"], "a"), ("MUX", ["a", "x1"], "b"), ("OR", ["a", "x1"], "c")],
    [("AND", ["x0", "n1"], "a"), ("XOR", ["a", "x1", "x0"], "b")],
    [("AND", ["x0", "n1"], "a"), ("OR", ["a", "x1"], "a")],             # twice in one batch
    [("AND", ["x0", "n1"], "a"), ("OR", ["a", "x1"], "n2")],            # driven before
    [("AND", ["x0", "n1"], "a"), ("OR", ["a", ""], "b")],
    [("AND", ["x0", "n1"], "a"), ("OR", ["a", 7], "b")],
    [("AND", ["x0", "n1"], "a"), ("OR", ["a", "x1"], None)],
    [("AND", ["late", "x0"], "a"), ("NOT", ["x1"], "late"), ("OR", ["a", "late"], "b")],
])
def test_bulk_add_errors_and_state_match_gate_by_gate(gates, monkeypatch):
    bulk = _gates_and_error(monkeypatch, gates, one_by_one=False)
    assert bulk == _gates_and_error(monkeypatch, gates, one_by_one=True)


def test_add_gates_needs_equal_lengths():
    with pytest.raises(ValueError, match="as many kinds, inputs and outputs, got 2, 1 and 1"):
        small().add_gates(["AND", "OR"], [["x0", "x1"]], ["z"])


def test_graph_is_made_on_first_use_and_edges_on_first_read():
    c = build("kogge-stone", 16)
    assert c._graph is None
    c.stats(), c.evaluate(a=5, b=7)                    # node data only
    assert c.graph._edges_pending and c.graph.nodes["c1"] is c._nodes["c1"]
    assert c.fanout("p3") == 4 and not c.graph._edges_pending
    assert list(c.graph.successors("p3")) == ["G3_2_t", "P3_2", "P4_3", "s3"]    # as added


def test_gates_added_after_the_graph_get_their_edges():
    c = small()
    c.graph                                            # made, edges pending
    c.add_gate("AND", ["y", "x0"], "z")
    c.set_output("z", ["z"])
    assert c.graph.edges["y", "z"]["pins"] == [0]      # made now, z included
    c.add_gates(["OR"], [["z", "z"]], ["w"])           # edges exist: written straight in
    c.set_output("w", ["w"])
    assert c.graph.edges["z", "w"]["pins"] == [0, 1] and c.fanout("z") == 2
    ref = _graph_by_public_calls(c)
    assert list(c.graph.edges(data=True)) == list(ref.edges(data=True))
    assert c.evaluate(x=3) == {"y": 1, "z": 1, "w": 1} and c.stats()["gates"] == 5


def test_graph_copies_pickles_and_replaces():
    import copy
    import pickle
    c = build("ripple", 4)
    for twin in (pickle.loads(pickle.dumps(c)), copy.deepcopy(c)):
        assert twin.graph._edges_pending and _everything(twin) == _everything(c)
    plain = c.graph.copy()
    assert list(plain.edges(data=True)) == list(c.graph.edges(data=True))
    view = Circuit("view")
    view.inputs, view.outputs, view.input_defaults = c.inputs, c.outputs, c.input_defaults
    view.graph = plain                                 # as grading does
    assert view.stats() == c.stats() and view.evaluate(a=9, b=7) == {"s": 0, "cout": 1}
    view.add_gate("NOT", ["s0"], "ns0")
    assert plain.nodes["ns0"] == {"kind": "NOT", "inputs": ("s0",)} and plain.has_edge("s0", "ns0")


def test_circuits_work_the_same_through_networkx_calls_alone(monkeypatch):
    """When networkx lays out its graphs another way, the graph is made and grown by its
    public calls, and everything else reads through it."""
    from adders import _netgraph
    fast = _everything(build("carry-select", 6))
    monkeypatch.setattr(_netgraph, "_FAST", [False])
    c = build("carry-select", 6)
    assert type(c.graph) is not _netgraph.NetGraph and _everything(c) == fast
    c.add_gate("NOT", ["s0"], "ns0")
    c.set_output("ns0", ["ns0"])
    assert c.graph.has_edge("s0", "ns0") and c.evaluate(a=1, b=0)["ns0"] == 0


@pytest.mark.parametrize("n", [1, 3, 16, 70])
def test_evaluate_and_measure_equals_evaluate_and_stats(n):
    import random
    from adders import ARCHITECTURES
    rng = random.Random(n)
    for arch in ARCHITECTURES:
        c = build(arch, n)
        for _ in range(3):
            a, b, cin = rng.getrandbits(n), rng.getrandbits(n), rng.getrandbits(1)
            outputs, size = c.evaluate_and_measure(a=a, b=b, cin=cin)
            stats = c.stats()
            assert outputs == c.evaluate(a=a, b=b, cin=cin) == {"s": (a + b + cin) % (1 << n),
                                                               "cout": (a + b + cin) >> n}
            assert size == {"gates": stats["gates"], "depth": stats["depth"]}, arch


def test_evaluate_and_measure_out_of_order_and_invalid():
    c = Circuit("late")
    c.add_input("x", 2)
    c.add_gate("AND", ["late", "x1"], "y")             # read before it is driven
    c.add_gate("XOR", ["x0", "x1"], "late")
    c.set_output("y", ["y"])
    assert c.evaluate_and_measure(x=1) == ({"y": 0}, {"gates": 2, "depth": 2})
    assert c.evaluate_and_measure(x=3) == ({"y": 0}, {"gates": 2, "depth": 2})
    assert c.evaluate_and_measure(x=2) == ({"y": 1}, {"gates": 2, "depth": 2})
    loop = Circuit("loop")
    loop.add_input("x", 1)
    loop.add_gate("AND", ["x", "q"], "p")
    loop.add_gate("OR", ["p", "x"], "q")
    loop.set_output("y", ["q"])
    with pytest.raises(NetlistError, match="cycle through nets"):
        loop.evaluate_and_measure(x=1)
    with pytest.raises(NetlistError, match=r"undriven nets \['floating'\]"):
        c.add_gate("OR", ["floating", "y"], "z")
        c.evaluate_and_measure(x=1)
    edited = small()
    edited.graph.nodes["n2"]["kind"] = "XOR"
    edited._touch()
    with pytest.raises(NetlistError, match="gate 'n2': XOR takes exactly 2 inputs, got 1"):
        edited.evaluate_and_measure(x=1)
    with pytest.raises(ValueError, match="operand 'x' = 4 is out of range"):
        small().evaluate_and_measure(x=4)
    with pytest.raises(ValueError, match="unknown input bus 'q'"):
        small().evaluate_and_measure(q=1)
