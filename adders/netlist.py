"""A gate-level circuit: a netlist on a networkx DiGraph.

Every node of :attr:`Circuit.graph` is a *net* (a wire) named by a string. A net is either
a primary input (node attribute ``kind="INPUT"``) or the output of exactly one gate, in
which case the node carries the gate: ``kind`` (one of :data:`adders.gates.KINDS`) and
``inputs``, the ordered tuple of nets it reads. An edge ``u -> v`` means net ``u`` feeds
the gate that drives ``v``; its ``pins`` attribute lists which input pins. A gate is
named after the net it drives, so ``"c4"`` is both the carry into bit 4 and the OR gate
that makes it.

Buses group nets, least significant bit first: ``circuit.inputs["a"] == ["a0", "a1", ...]``
and ``circuit.outputs["s"]`` the sum nets. Output buses may name any nets, inputs or
internal ones.

Examples
--------
>>> c = Circuit("half_adder")
>>> a, b = c.add_input("a", 1), c.add_input("b", 1)
>>> c.set_output("s", [c.add_gate("XOR", a + b, "s")])
>>> c.set_output("cout", [c.add_gate("AND", a + b, "cout")])
>>> c.evaluate(a=1, b=1)
{'s': 0, 'cout': 1}
"""
from __future__ import annotations

import gc
from collections import Counter
from contextlib import contextmanager
from itertools import chain
from typing import Iterable, Sequence

from . import gates, logic
from .checks import check_int
from .compiled import Compiled, compile_circuit
from .errors import CarrylabValueError, NetlistError
from .operands import check_operand, resolve_operands

__all__ = ["Circuit", "paused_gc", "resolve_operands"]      # resolve_operands: from adders.operands


class Circuit:
    """A combinational circuit of gates over named nets.

    Parameters
    ----------
    name : str
        Module name, used in tables and exported Verilog.
    """

    def __init__(self, name: str = "circuit"):
        self.name = name
        import networkx  # here, not at the top: the CLI lists adders without loading it
        self.graph = networkx.DiGraph()
        self.inputs: dict[str, list[str]] = {}
        self.outputs: dict[str, list[str]] = {}
        self.input_defaults: dict[str, int] = {}
        self._version = 0                # bumped by every edit
        self._cache: dict = {}           # derived forms of the current version only

    # ------------------------------------------------------------------ building
    def add_input(self, bus: str, width: int, default: int | None = None) -> list[str]:
        """Declare an input bus of ``width`` nets, named ``bus0, bus1, ...``
        (just ``bus`` when width is 1). ``default`` is used when a simulation leaves the
        bus out. Returns the net names, LSB first."""
        _check_name(bus, "bus")
        width = check_int(width, f"width of input bus {bus!r}", 1)
        if bus in self.inputs or bus in self.outputs:
            raise NetlistError(f"bus {bus!r} is declared twice")
        nets = [bus] if width == 1 else [f"{bus}{i}" for i in range(width)]
        for net in nets:
            if net in self.graph and self.graph.nodes[net]["kind"] is not None:
                raise NetlistError(f"input net {net!r} is already driven by a gate or an input")
            self.graph.add_node(net, kind="INPUT", inputs=())
        self.inputs[bus] = nets
        if default is not None:
            check_operand(bus, default, width)
            self.input_defaults[bus] = default
        self._touch()
        return nets

    def add_gate(self, kind: str, inputs: Sequence[str], output: str) -> str:
        """Add a gate of ``kind`` reading ``inputs`` (net names, in pin order) and driving
        the new net ``output``. Nets read here may be driven later. Returns ``output``.

        Raises
        ------
        NetlistError
            Unknown kind, bad fan-in, or ``output`` already driven.
        """
        if kind not in gates.KINDS:
            raise NetlistError(f"gate {output!r}: unknown kind {kind!r}; known: {', '.join(gates.KINDS)}")
        inputs = tuple(inputs)
        problem = gates.check_fanin(kind, len(inputs))
        if problem:
            raise NetlistError(f"gate {output!r}: {problem}")
        _check_name(output, "net")
        for net in inputs:
            if type(net) is not str or not net:       # the common case without a call
                _check_name(net, "net")
        node = self.graph.nodes.get(output) if output in self.graph else None
        existing = node["kind"] if node is not None else None
        if existing is not None:
            what = "an input" if existing == "INPUT" else f"a {existing} gate"
            raise NetlistError(f"net {output!r} is multiply driven: already driven by {what}")
        if _fast_graph():
            _add_gate_fast(self.graph, output, kind, inputs)
        else:
            self.graph.add_node(output, kind=kind, inputs=inputs)
            for pin, net in enumerate(inputs):
                if net not in self.graph:
                    self.graph.add_node(net, kind=None, inputs=())      # undriven so far
                if self.graph.has_edge(net, output):
                    self.graph.edges[net, output]["pins"].append(pin)
                else:
                    self.graph.add_edge(net, output, pins=[pin])
        self._touch()
        return output

    def set_output(self, bus: str, nets: Sequence[str]) -> None:
        """Declare an output bus over existing or future nets, LSB first."""
        _check_name(bus, "bus")
        if bus in self.inputs:
            raise NetlistError(f"bus {bus!r} is already an input bus")
        nets = list(nets)
        if not nets:
            raise NetlistError(f"output bus {bus!r} has no nets")
        for net in nets:
            _check_name(net, "net")
            if net not in self.graph:
                self.graph.add_node(net, kind=None, inputs=())
        self.outputs[bus] = nets
        self._touch()

    def _touch(self) -> None:
        self._version += 1
        self._cache.clear()

    @property
    def version(self) -> int:
        """Edit counter: grows with every added input, gate or output bus."""
        return self._version

    def compiled(self) -> Compiled:
        """The validated netlist as numbered nets and index arrays
        (:class:`adders.compiled.Compiled`), built once per :attr:`version`."""
        cached = self._cache.get("compiled")
        if cached is None or cached[0] != self._version:
            cached = self._cache["compiled"] = (self._version, compile_circuit(self))
        return cached[1]

    # ------------------------------------------------------------------ structure
    def width(self, bus: str) -> int:
        """Number of nets of an input or output bus."""
        if bus in self.inputs:
            return len(self.inputs[bus])
        if bus in self.outputs:
            return len(self.outputs[bus])
        raise CarrylabValueError(f"unknown bus {bus!r}; inputs: {list(self.inputs)}, outputs: {list(self.outputs)}")

    def validate(self) -> "Circuit":
        """Check the netlist; return it, or raise :class:`NetlistError` naming the culprits.

        Finds nets nobody drives, unknown kinds and bad fan-in (for graphs edited by hand),
        and combinational cycles (listing the nets around the loop).
        """
        if "valid" in self._cache:
            return self
        if not self.inputs:
            raise NetlistError(f"circuit {self.name!r} has no input buses")
        if not self.outputs:
            raise NetlistError(f"circuit {self.name!r} has no output buses")
        with paused_gc():
            self._check()
        return self

    def _check(self) -> None:
        """The checks of :meth:`validate`; on success, caches the levels."""
        items = list(self.graph.nodes(data=True))          # [(net, {kind, inputs})]
        undriven = sorted(n for n, d in items if d["kind"] is None)
        if undriven:
            readers = {n: sorted(self.graph.successors(n))[:3] for n in undriven[:5]}
            raise NetlistError(f"undriven nets {undriven[:10]}{'...' if len(undriven) > 10 else ''}"
                               f" (read by {readers})")
        # One check per distinct (kind, fan-in); the loop below names the culprit.
        shapes = {(d["kind"], len(d["inputs"])) for _, d in items}
        if all(k == "INPUT" or (k in gates.KINDS and not gates.check_fanin(k, m))
               for k, m in shapes):
            shapes = None
        for net, data in items if shapes else ():
            kind = data["kind"]
            if kind == "INPUT":
                continue
            if kind not in gates.KINDS:
                raise NetlistError(f"gate {net!r}: unknown kind {kind!r}; known: {', '.join(gates.KINDS)}")
            problem = gates.check_fanin(kind, len(data["inputs"]))
            if problem:
                raise NetlistError(f"gate {net!r}: {problem}")
        inputs = {n: d["inputs"] for n, d in items}
        level = _levels_in_order(inputs, list(inputs))       # builders add in such an order
        if level is None:
            order = _topological_order(self.graph)
            if order is None:                               # find_cycle only to explain
                import networkx  # loaded with the first Circuit; only to name the loop
                cycle = networkx.find_cycle(self.graph)
                loop = " -> ".join([u for u, _ in cycle] + [cycle[0][0]])
                raise NetlistError(f"combinational cycle through nets {loop}")
            level = _levels_in_order(inputs, order)
            if level is None:                               # edited by hand, edges only
                raise NetlistError(f"circuit {self.name!r}: the gates' inputs disagree with "
                                   f"the graph's edges (edit both, or use add_gate)")
        self._cache["levels"] = level
        self._cache["valid"] = True

    def gates(self) -> list[str]:
        """Gate names (= driven nets) in levelised order (level 1 first), inputs excluded."""
        if "order" not in self._cache:
            level = self.levels()
            # Level by level (a gate's inputs sit on lower levels), in the order added.
            order = sorted((n for n, d in self.graph.nodes(data=True) if d["kind"] != "INPUT"),
                           key=level.__getitem__)
            self._cache["order"] = order
        return self._cache["order"]

    def levels(self) -> dict[str, int]:
        """Logic level of every net: 0 for inputs, 1 + the deepest input for a gate
        (unit delay, unlimited fan-in). Computed with :meth:`validate`, once per version."""
        self.validate()
        return self._cache["levels"]

    def fanout(self, net: str) -> int:
        """Number of gate input pins a net drives."""
        return sum(len(pins) for _, _, pins in self.graph.out_edges(net, data="pins"))

    def stats(self) -> dict:
        """Gates in total and by kind, depth in gate levels, max fanout, depth of each output.

        Returns a dict with keys ``gates``, ``by_kind``, ``depth``, ``max_fanout`` and
        ``output_depth`` (bus -> list of levels, LSB first).
        """
        if "stats" in self._cache:                     # cached per version; copied out
            return _copy_stats(self._cache["stats"])
        with paused_gc():
            self._cache["stats"] = self._count()
        return _copy_stats(self._cache["stats"])

    def _count(self) -> dict:
        """The figures of :meth:`stats`, computed."""
        level = self.levels()
        order = self.gates()
        items = list(self.graph.nodes(data=True))
        by_kind = Counter(d["kind"] for _, d in items)
        by_kind.pop("INPUT", None)
        output_depth = {bus: [level[n] for n in nets] for bus, nets in self.outputs.items()}
        # Fanout of a net = the gate input pins reading it = its count over all inputs.
        fanout = Counter(chain.from_iterable(d["inputs"] for _, d in items))
        return {
            "gates": len(order),
            "by_kind": dict(sorted(by_kind.items())),
            "depth": max(max(d) for d in output_depth.values()),
            "max_fanout": max(fanout.values(), default=0),
            "output_depth": output_depth,
        }

    def __repr__(self) -> str:
        ins = ", ".join(f"{b}[{len(n)}]" for b, n in self.inputs.items())
        outs = ", ".join(f"{b}[{len(n)}]" for b, n in self.outputs.items())
        gates_count = sum(1 for _, k in self.graph.nodes(data="kind") if k not in ("INPUT", None))
        return f"Circuit({self.name!r}, inputs: {ins}; outputs: {outs}; {gates_count} gates)"

    # ------------------------------------------------------------------ simulation
    def evaluate(self, **operands: int) -> dict[str, int]:
        """Evaluate one input vector given as Python ints (any width).

        Each keyword is an input bus; its value must satisfy 0 <= value < 2**width.
        Buses left out take their declared default (adders default ``cin`` to 0).
        Returns ``{output bus: int}``.
        """
        return logic.evaluate(self, **operands)

    def simulate(self, probe: Iterable[str] | None = None, **operands):
        """Simulate a batch of vectors, 64 per machine word, in compiled code.

        See :func:`adders.logic.simulate` for the accepted array forms.
        """
        return logic.simulate(self, probe=probe, **operands)


@contextmanager
def paused_gc():
    """Pause Python's cyclic garbage collector inside the ``with`` block.

    Building or checking a large netlist allocates a few dicts and tuples per gate and
    makes no reference cycles; the collector would still rescan the whole growing heap
    again and again (two thirds of the time of a 4096-bit Kogge-Stone build, and of its
    first :meth:`Circuit.validate`). Restored on exit, also on an error, as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _copy_stats(stats: dict) -> dict:
    """A copy of a stats dict the caller may change without touching the cache."""
    return {**stats, "by_kind": dict(stats["by_kind"]),
            "output_depth": {bus: list(d) for bus, d in stats["output_depth"].items()}}


def _fast_graph() -> bool:
    """Whether a networkx DiGraph keeps nodes, successors and predecessors in the plain
    dicts ``_node``, ``_succ`` and ``_pred`` (``_adj is _succ``), as networkx 2 and 3 do.
    Then a gate goes in with a few dict operations; ``add_node``/``add_edge`` cost
    several microseconds each, seconds for a 4096-bit prefix adder. Checked once."""
    if _FAST_GRAPH:
        return _FAST_GRAPH[0]
    import networkx  # loaded with the first Circuit anyway; checked once, then cached
    g = networkx.DiGraph()
    g.add_edge("u", "v", pins=[0])
    usable = (all(type(getattr(g, a, None)) is dict for a in ("_node", "_succ", "_pred"))
              and g._adj is g._succ and g._succ["u"]["v"] is g._pred["v"]["u"]
              and g._node["v"] == {})
    _FAST_GRAPH.append(usable)
    return usable


_FAST_GRAPH: list = []          # [bool] once _fast_graph() has looked


def _add_gate_fast(graph, output: str, kind: str, inputs: tuple) -> None:
    """What ``add_node(output, ...)`` and ``add_edge(net, output, pins=[pin])`` per pin do,
    written straight into the graph's dicts: the same nodes, edges, attributes and
    insertion order."""
    node, succ, pred = graph._node, graph._succ, graph._pred
    if output in node:
        node[output].update(kind=kind, inputs=inputs)
    else:
        node[output] = {"kind": kind, "inputs": inputs}
        succ[output] = {}
        pred[output] = {}
    into = pred[output]
    for pin, net in enumerate(inputs):
        if net not in node:
            node[net] = {"kind": None, "inputs": ()}          # undriven so far
            succ[net] = {}
            pred[net] = {}
        edge = into.get(net)
        if edge is not None:
            edge["pins"].append(pin)
        else:
            edge = {"pins": [pin]}
            succ[net][output] = edge
            into[net] = edge
    cache = getattr(graph, "__networkx_cache__", None)      # networkx >= 3.3
    if cache:
        cache.clear()


def _levels_in_order(inputs: dict, order: list) -> dict | None:
    """``{net: level}`` visiting nets in ``order``: 0 without inputs, else 1 + the
    deepest input. None when a net comes before one of its inputs (then ``order`` is not
    topological). One C-level ``max`` per net."""
    level: dict = {}
    get = level.__getitem__
    try:
        for net in order:
            ins = inputs[net]
            level[net] = 1 + max(map(get, ins)) if ins else 0
    except KeyError:
        return None
    return level


def _topological_order(graph) -> list | None:
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


def _check_name(name, what: str) -> None:
    if not isinstance(name, str) or not name:
        raise NetlistError(f"{what} name must be a non-empty string, got {name!r}")
