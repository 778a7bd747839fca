"""The networkx view of a netlist (private to :mod:`adders.netlist`).

:attr:`adders.netlist.Circuit.graph` is a :class:`NetGraph`: a networkx ``DiGraph`` whose
node attribute dicts are the circuit's own (shared, not copied) and whose edges are made
from the gates' inputs the first time anything reads them (``_succ``, ``_pred``,
``_adj``: every networkx call that looks at edges goes through one of them). Building,
checking, counting and simulating read the node data only, so they never pay for the
edges, a dict and a list per pin: about a second for a 4096-bit Kogge-Stone adder.

Importing this module imports networkx; :mod:`adders.netlist` imports it with the first
graph anyone asks for.
"""
from __future__ import annotations

import networkx

__all__ = ["NetGraph", "graph_of", "node_data", "add_gate", "net_graph", "fast_graph",
           "graph_by_calls", "add_gate_fast", "add_gate_by_calls", "topological_order", "cycle"]


class LazyEdges:
    """The ``_adj``, ``_succ`` or ``_pred`` attribute of a :class:`NetGraph`. Read, it
    makes the graph's edges first if there are none yet; set, it does what networkx's own
    descriptor of that attribute does (keep ``_adj is _succ``, reset the cached views)."""

    def __init__(self, name: str, networkx_descriptor):
        self.name, self.base = name, networkx_descriptor

    def __get__(self, graph, owner=None):
        if graph is None:
            return self
        state = graph.__dict__
        if self.name not in state:
            graph._make_edges()
        return state[self.name]

    def __set__(self, graph, value) -> None:
        if hasattr(self.base, "__set__"):
            self.base.__set__(graph, value)
        else:
            graph.__dict__[self.name] = value


class NetGraph(networkx.DiGraph):
    """A DiGraph whose edges are made from the gates' inputs when first read; made by
    :func:`net_graph`. Made any other way (``copy()``, a subgraph) it is a plain DiGraph."""

    _adj = LazyEdges("_adj", networkx.DiGraph.__dict__.get("_adj"))
    _succ = LazyEdges("_succ", networkx.DiGraph.__dict__.get("_succ"))
    _pred = LazyEdges("_pred", networkx.DiGraph.__dict__.get("_pred"))

    @property
    def _edges_pending(self) -> bool:
        return "_pred" not in self.__dict__

    def _make_edges(self) -> None:
        outputs, inputs = self.__dict__.pop("_added")
        succ = {net: {} for net in self._node}
        pred = {net: {} for net in self._node}
        for output, ins in zip(outputs, inputs):
            _add_edges(succ, pred, output, ins)
        self._adj = succ
        self._succ = succ
        self._pred = pred
        outputs.clear()                     # the circuit's lists too: it adds edges itself now
        inputs.clear()


def graph_of(nodes, outputs: list, inputs: list) -> networkx.DiGraph:
    """The graph of a circuit with node data ``nodes`` and gates ``zip(outputs, inputs)``
    added so far: a :class:`NetGraph` sharing them, or, if networkx lays out its graphs
    otherwise, one made by public calls (the circuit then reads :func:`node_data`)."""
    if fast_graph():
        return net_graph(nodes, outputs, inputs)
    graph = graph_by_calls(nodes, outputs, inputs)
    outputs.clear()                         # their edges exist: the circuit adds edges now
    inputs.clear()
    return graph


def node_data(graph):
    """``{net: {kind, inputs}}`` of ``graph`` for its circuit to read and write: the
    graph's own dict when networkx keeps one, else the read-only ``graph.nodes``."""
    shared = getattr(graph, "_node", None)
    return shared if fast_graph() and type(shared) is dict else graph.nodes


def add_gate(graph, output: str, kind: str, inputs: tuple) -> None:
    """Add a gate to a graph that has its edges: :func:`add_gate_fast` when it may."""
    (add_gate_fast if fast_graph() else add_gate_by_calls)(graph, output, kind, inputs)


def net_graph(nodes: dict, outputs: list, inputs: list) -> NetGraph:
    """A :class:`NetGraph` over the node data ``nodes`` (net -> {kind, inputs}, shared)
    whose edges are made from the gates ``zip(outputs, inputs)``, in the order added, on
    first read. The two lists are shared too: gates added meanwhile get their edges."""
    graph = NetGraph()
    graph._node = nodes
    state = graph.__dict__
    for name in ("_adj", "_succ", "_pred"):
        del state[name]
    state["_added"] = (outputs, inputs)
    return graph


def fast_graph() -> bool:
    """Whether networkx keeps a DiGraph in the plain dicts ``_node``, ``_succ`` and
    ``_pred`` (``_adj is _succ``), as networkx 2 and 3 do. Then :func:`net_graph` can
    share the circuit's node data, and a gate goes into a graph with a few dict
    operations (``add_node``/``add_edge`` cost several microseconds each: seconds for a
    4096-bit prefix adder). Checked once, by making a small netlist both ways."""
    if not _FAST:
        try:
            usable = _same_both_ways()
        except Exception:                  # networkx lays out its graphs another way
            usable = False
        _FAST.append(usable)
    return _FAST[0]


_FAST: list = []                # [bool] once fast_graph() has looked


def _same_both_ways() -> bool:
    """Make one netlist (a net read on two pins, a net read before it is driven) as a
    :class:`NetGraph` plus :func:`add_gate_fast`, and with networkx's public calls; True
    if nodes, data, edges, pins and orders agree and the node data are shared."""
    nodes = {"x": {"kind": "INPUT", "inputs": ()}, "y": {"kind": "AND", "inputs": ("x", "x", "v")},
             "v": {"kind": None, "inputs": ()}}
    added = (["y"], [("x", "x", "v")])
    fast, slow = net_graph(nodes, *added), graph_by_calls(nodes, *added)
    pending = fast._edges_pending and fast.nodes["y"] is nodes["y"]
    for add, graph in ((add_gate_fast, fast), (add_gate_by_calls, slow)):
        add(graph, "v", "NOT", ("x",))
        add(graph, "w", "OR", ("y", "u"))
    return (pending and not fast._edges_pending and fast._node is nodes
            and all(type(getattr(fast, a)) is dict for a in ("_succ", "_pred"))
            and fast._adj is fast._succ
            and list(fast.nodes(data=True)) == list(slow.nodes(data=True))
            and list(fast.edges(data=True)) == list(slow.edges(data=True))
            and all(list(fast.pred[n]) == list(slow.pred[n]) for n in slow)
            and fast.succ["y"]["w"] is fast.pred["w"]["y"])


def graph_by_calls(nodes, outputs: list, inputs: list) -> networkx.DiGraph:
    """The graph made by networkx's public calls only: ``add_node`` per net (a copy of its
    data), then ``add_edge`` per pin of each gate in the order added."""
    graph = networkx.DiGraph()
    for net, data in nodes.items():
        graph.add_node(net, **data)
    for output, ins in zip(outputs, inputs):
        _add_edges_by_calls(graph, output, ins)
    return graph


def add_gate_by_calls(graph, output: str, kind: str, inputs: tuple) -> None:
    """Add a gate to ``graph`` with ``add_node`` and ``add_edge``."""
    graph.add_node(output, kind=kind, inputs=inputs)
    for net in inputs:
        if net not in graph:
            graph.add_node(net, kind=None, inputs=())      # undriven so far
    _add_edges_by_calls(graph, output, inputs)


def _add_edges_by_calls(graph, output: str, inputs: tuple) -> None:
    for pin, net in enumerate(inputs):
        if graph.has_edge(net, output):
            graph.edges[net, output]["pins"].append(pin)
        else:
            graph.add_edge(net, output, pins=[pin])


def add_gate_fast(graph, output: str, kind: str, inputs: tuple) -> None:
    """What :func:`add_gate_by_calls` does, written straight into the graph's dicts:
    the same nodes, edges, attributes and insertion order."""
    node, succ, pred = graph._node, graph._succ, graph._pred
    if output in node:
        node[output].update(kind=kind, inputs=inputs)
    else:
        node[output] = {"kind": kind, "inputs": inputs}
        succ[output] = {}
        pred[output] = {}
    for net in inputs:
        if net not in node:
            node[net] = {"kind": None, "inputs": ()}          # undriven so far
            succ[net] = {}
            pred[net] = {}
    _add_edges(succ, pred, output, inputs)
    cache = getattr(graph, "__networkx_cache__", None)      # networkx >= 3.3
    if cache:
        cache.clear()


def _add_edges(succ: dict, pred: dict, output: str, inputs: tuple) -> None:
    """The edges ``net -> output`` of a gate, as ``add_edge`` per pin makes them: one
    edge per distinct net, its ``pins`` listing every pin it feeds."""
    into = pred[output]
    for pin, net in enumerate(inputs):
        edge = into.get(net)
        if edge is not None:
            edge["pins"].append(pin)
        else:
            edge = into[net] = {"pins": [pin]}
            succ[net][output] = edge


def topological_order(graph) -> list | None:
    """Nets in an order where every gate follows the nets it reads (Kahn's algorithm on
    the graph's edges, O(nets + edges)); None when the graph has a cycle."""
    succ = dict(graph.adjacency())                 # {net: {reader: edge data}}
    indegree = dict.fromkeys(succ, 0)
    for out in succ.values():
        for m in out:
            indegree[m] += 1
    ready = [n for n, d in indegree.items() if d == 0]
    order = []
    while ready:
        n = ready.pop()
        order.append(n)
        for m in succ[n]:
            indegree[m] -= 1
            if indegree[m] == 0:
                ready.append(m)
    return order if len(order) == len(indegree) else None


def cycle(graph) -> str:
    """The nets around a combinational loop of ``graph``, ``"p -> q -> p"``."""
    loop = networkx.find_cycle(graph)
    return " -> ".join([u for u, _ in loop] + [loop[0][0]])
