"""A gate-level circuit: a netlist on a networkx DiGraph.

Every node of :attr:`Circuit.graph` is a *net* (a wire) named by a string. A net is either
a primary input (node attribute ``kind="INPUT"``) or the output of exactly one gate, in
which case the node carries the gate: ``kind`` (one of :data:`adders.gates.KINDS`) and
``inputs``, the ordered tuple of nets it reads. An edge ``u -> v`` means net ``u`` feeds
the gate that drives ``v``; its ``pins`` attribute lists which input pins. A gate is
named after the net it drives, so ``"c4"`` is both the carry into bit 4 and the OR gate
that makes it.

The circuit keeps the node data itself (:attr:`Circuit.node_data`) and makes the graph
on first use: its node attribute dicts *are* the circuit's, its edges are made from the
gates' inputs on first read. Building, checking, counting and simulating read the node
data only: a 4096-bit adder never drawn or exported never pays for a networkx edge.

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
from types import MappingProxyType
from typing import Iterable, Mapping, Sequence

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
        self.inputs: dict[str, list[str]] = {}
        self.outputs: dict[str, list[str]] = {}
        self.input_defaults: dict[str, int] = {}
        self._nodes: dict = {}           # net -> {"kind", "inputs"}: the graph's node data
        self._graph = None               # made by the first read of .graph
        # Gates in the order added, (outputs, inputs): what the graph's edges are made
        # from. Emptied once the edges exist; from then on each gate adds its own edges.
        self._added: tuple[list, list] = ([], [])
        self._version = 0                # bumped by every edit
        self._cache: dict = {}           # derived forms of the current version only

    # ------------------------------------------------------------------ the graph
    @property
    def graph(self):
        """The netlist as a networkx ``DiGraph`` (see the module docstring), made on first
        use. Its edges are made from the gates' inputs when something first reads them.
        Edit it by hand only through the graph, then call ``_touch()``."""
        if self._graph is None:
            from . import _netgraph  # loads networkx: with the first graph, not with adders
            self._graph = _netgraph.graph_of(self._nodes, *self._added)
            self._nodes = _netgraph.node_data(self._graph)
        return self._graph

    @graph.setter
    def graph(self, graph) -> None:
        """Replace the graph; the circuit reads and writes its node data from then on."""
        from . import _netgraph  # networkx is loaded: whoever made ``graph`` loaded it
        self._graph, self._nodes, self._added = graph, _netgraph.node_data(graph), ([], [])
        self._touch()

    @property
    def node_data(self) -> Mapping:
        """Read-only ``{net: {"kind", "inputs"}}``: ``graph.nodes`` without the graph."""
        return MappingProxyType(self._nodes)

    def _recording(self) -> bool:
        """Whether gates go into the node data and :attr:`_added` only (no edges exist)."""
        return self._graph is None or getattr(self._graph, "_edges_pending", False)

    def _set_node(self, net: str, kind, inputs: tuple) -> None:
        """What ``graph.add_node(net, kind=kind, inputs=inputs)`` does, into the node data."""
        if self._recording():
            node = self._nodes.get(net)
            if node is None:
                self._nodes[net] = {"kind": kind, "inputs": inputs}
            else:
                node.update(kind=kind, inputs=inputs)
        else:
            self._graph.add_node(net, kind=kind, inputs=inputs)

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
            if net in self._nodes and self._nodes[net]["kind"] is not None:
                raise NetlistError(f"input net {net!r} is already driven by a gate or an input")
            self._set_node(net, "INPUT", ())
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
        node = self._nodes.get(output)
        existing = node["kind"] if node is not None else None
        if existing is not None:
            what = "an input" if existing == "INPUT" else f"a {existing} gate"
            raise NetlistError(f"net {output!r} is multiply driven: already driven by {what}")
        self._insert((kind,), (inputs,), (output,))
        return output

    def add_gates(self, kinds: Sequence[str], inputs: Sequence[Sequence[str]],
                  outputs: Sequence[str]) -> list[str]:
        """Add many gates at once: gate k has kind ``kinds[k]``, reads ``inputs[k]`` and
        drives ``outputs[k]``. The same circuit, and the same error for the same gate, as
        :meth:`add_gate` called for each in turn; the checks run once over all of them,
        not once per gate. Returns ``outputs`` as a list.

        Raises
        ------
        NetlistError
            As :meth:`add_gate`, naming the first gate at fault (the gates before it
            are added).
        CarrylabValueError
            The three sequences differ in length.
        """
        kinds, inputs, outputs = list(kinds), list(map(tuple, inputs)), list(outputs)
        if not len(kinds) == len(inputs) == len(outputs):
            raise CarrylabValueError(f"add_gates needs as many kinds, inputs and outputs, got "
                                     f"{len(kinds)}, {len(inputs)} and {len(outputs)}")
        if not self._all_valid(kinds, inputs, outputs):
            for kind, ins, out in zip(kinds, inputs, outputs):
                self.add_gate(kind, ins, out)                # raises for the first culprit
            return outputs
        self._insert(kinds, inputs, outputs)
        return outputs

    def _all_valid(self, kinds: list, inputs: list, outputs: list) -> bool:
        """Whether :meth:`add_gate` would accept every gate, checked set by set: each
        distinct kind and (kind, fan-in) once, names by their types, clashes by set
        intersection. False means: add them one by one to find the culprit."""
        try:
            if not set(kinds) <= _KIND_SET:
                return False
            if any(gates.check_fanin(k, m) for k, m in set(zip(kinds, map(len, inputs)))):
                return False
            pins = list(chain.from_iterable(inputs))
            if not (set(map(type, outputs)) | set(map(type, pins))) <= {str}:
                return False
            driven = set(outputs)
            if len(driven) != len(outputs) or "" in driven or "" in pins:
                return False
            nodes = self._nodes                  # a build adds gates to its inputs only
            known = [n for n in nodes if n in driven] if len(nodes) < len(driven) else \
                [n for n in driven if n in nodes]
            return all(nodes[net]["kind"] is None for net in known)
        except TypeError:                                    # an unhashable kind or name
            return False

    def _insert(self, kinds, inputs, outputs) -> None:
        """Add checked gates: into the node data (in the order ``add_node`` would have
        put them: the gate's net, then nets first read here) while the graph has no
        edges, else into the graph itself."""
        if self._recording():
            nodes = self._nodes
            for kind, ins, out in zip(kinds, inputs, outputs):
                if out in nodes:                             # read before it was driven
                    nodes[out].update(kind=kind, inputs=ins)
                else:
                    nodes[out] = {"kind": kind, "inputs": ins}
                for net in ins:
                    if net not in nodes:
                        nodes[net] = {"kind": None, "inputs": ()}    # undriven so far
            self._added[0].extend(outputs)
            self._added[1].extend(inputs)
        else:
            from . import _netgraph  # loaded already: the graph exists
            for kind, ins, out in zip(kinds, inputs, outputs):
                _netgraph.add_gate(self._graph, out, kind, ins)
        self._touch()

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
            if net not in self._nodes:
                self._set_node(net, None, ())
        self.outputs[bus] = nets
        self._touch()

    def _touch(self) -> None:
        self._version += 1
        self._cache.clear()
        cache = getattr(self._graph, "__networkx_cache__", None)    # networkx >= 3.3
        if cache:
            cache.clear()

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
        nodes = self._nodes
        data = list(nodes.values())                          # [{kind, inputs}], node order
        kinds = [d["kind"] for d in data]
        ins = [d["inputs"] for d in data]
        if None in kinds:
            undriven = sorted(n for n, k in zip(nodes, kinds) if k is None)
            readers = {n: sorted(self.graph.successors(n))[:3] for n in undriven[:5]}
            raise NetlistError(f"undriven nets {undriven[:10]}{'...' if len(undriven) > 10 else ''}"
                               f" (read by {readers})")
        # One check per distinct (kind, fan-in); the loop below names the culprit.
        for net, kind, net_inputs in zip(nodes, kinds, ins) if not _shapes_ok(kinds, ins) else ():
            if kind == "INPUT":
                continue
            if kind not in gates.KINDS:
                raise NetlistError(f"gate {net!r}: unknown kind {kind!r}; known: {', '.join(gates.KINDS)}")
            problem = gates.check_fanin(kind, len(net_inputs))
            if problem:
                raise NetlistError(f"gate {net!r}: {problem}")
        level = _levels_in_order(nodes)                     # builders add in such an order
        if level is None:
            from . import _netgraph  # the graph's edges order the nets: they load networkx
            order = _netgraph.topological_order(self.graph)
            if order is None:
                raise NetlistError(f"combinational cycle through nets {_netgraph.cycle(self.graph)}")
            level = _levels_in_order(nodes, order)
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
            order = sorted((n for n, d in self._nodes.items() if d["kind"] != "INPUT"),
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
        """The figures of :meth:`stats`, computed from the node data in three C-level
        passes (kinds, pins, output levels): no walk of the graph."""
        level = self.levels()
        data = self._nodes.values()
        by_kind = Counter(d["kind"] for d in data)
        by_kind.pop("INPUT", None)
        output_depth = {bus: [level[n] for n in nets] for bus, nets in self.outputs.items()}
        # Fanout of a net = the gate input pins reading it = its count over all inputs.
        fanout = Counter(chain.from_iterable(d["inputs"] for d in data))
        return {
            "gates": sum(by_kind.values()),                # every net not an input is a gate
            "by_kind": dict(sorted(by_kind.items())),
            "depth": max(max(d) for d in output_depth.values()),
            "max_fanout": max(fanout.values(), default=0),
            "output_depth": output_depth,
        }

    def __repr__(self) -> str:
        ins = ", ".join(f"{b}[{len(n)}]" for b, n in self.inputs.items())
        outs = ", ".join(f"{b}[{len(n)}]" for b, n in self.outputs.items())
        gates_count = sum(1 for d in self._nodes.values() if d["kind"] not in ("INPUT", None))
        return f"Circuit({self.name!r}, inputs: {ins}; outputs: {outs}; {gates_count} gates)"

    # ------------------------------------------------------------------ simulation
    def evaluate(self, **operands: int) -> dict[str, int]:
        """Evaluate one input vector given as Python ints (any width).

        Each keyword is an input bus; its value must satisfy 0 <= value < 2**width.
        Buses left out take their declared default (adders default ``cin`` to 0).
        Returns ``{output bus: int}``.
        """
        return logic.evaluate(self, **operands)

    def evaluate_and_measure(self, **operands: int) -> tuple[dict[str, int], dict]:
        """:meth:`evaluate` and the ``gates`` and ``depth`` of :meth:`stats`, in one pass
        over the nets in the order they were added: each net's value and logic level at
        once, with no levelising, no graph and no fanout count (what ``carrylab add``
        prints of a 4096-bit adder). Needs every gate added after the nets it reads, as
        the builders of :mod:`adders.build` add them; otherwise, and for any netlist
        :meth:`validate` refuses, it is those two calls, with their errors.
        Cost: O(nets + pins).

        >>> from adders import build
        >>> build("ripple", 8).evaluate_and_measure(a=200, b=100, cin=1)
        ({'s': 45, 'cout': 1}, {'gates': 40, 'depth': 17})
        """
        values = {}
        for bus, value in resolve_operands(self, operands).items():
            value = check_operand(bus, value, len(self.inputs[bus]))
            values.update((net, value >> i & 1) for i, net in enumerate(self.inputs[bus]))
        measured = self._in_order(values) if self.inputs and self.outputs else None
        if measured is None:
            outputs, stats = self.evaluate(**operands), self.stats()
            measured = outputs, {"gates": stats["gates"], "depth": stats["depth"]}
        return measured

    def _in_order(self, values: dict) -> tuple[dict[str, int], dict] | None:
        """The figures of :meth:`evaluate_and_measure` from ``values``, the input nets'
        bits (filled in with every net's); None when a net comes before one it reads, or
        :meth:`validate` would refuse the netlist."""
        nodes = self._nodes
        kinds = [d["kind"] for d in nodes.values()]
        if None in kinds or not _shapes_ok(kinds, [d["inputs"] for d in nodes.values()]):
            return None
        level = dict.fromkeys(values, 0)
        lv, bit, binary = level.__getitem__, values.__getitem__, gates.BINARY
        try:
            for net, data in nodes.items():
                ins = data["inputs"]
                if not ins:                              # an input net: its bit is in values
                    continue
                kind = data["kind"]
                if len(ins) == 2 and kind in binary:     # most gates: no list, no max call
                    a, b = ins
                    la, lb = lv(a), lv(b)
                    level[net] = (la if la > lb else lb) + 1
                    values[net] = binary[kind](bit(a), bit(b))
                else:
                    level[net] = 1 + max(map(lv, ins))
                    values[net] = gates.truth(kind, [bit(i) for i in ins])
            outputs = {bus: sum(values[net] << i for i, net in enumerate(nets))
                       for bus, nets in self.outputs.items()}
            depth = max(lv(net) for nets in self.outputs.values() for net in nets)
        except KeyError:                                 # read before it is driven
            return None
        return outputs, {"gates": len(kinds) - kinds.count("INPUT"), "depth": depth}

    def simulate(self, probe: Iterable[str] | None = None, **operands):
        """Simulate a batch of vectors, 64 per machine word, in compiled code.

        See :func:`adders.logic.simulate` for the accepted array forms.
        """
        return logic.simulate(self, probe=probe, **operands)


_KIND_SET = frozenset(gates.KINDS)


@contextmanager
def paused_gc():
    """Pause Python's cyclic garbage collector inside the ``with`` block (restored on exit,
    also on an error, as it was): building or checking a large netlist makes a few dicts
    and tuples per gate and no reference cycles, yet the collector would rescan the
    growing heap each time its thresholds trip."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _shapes_ok(kinds: list, ins: list) -> bool:
    """Whether every (kind, inputs) pair is an input or a known kind with a fan-in it
    takes; each distinct (kind, fan-in) is checked once."""
    return all(k == "INPUT" or (k in gates.KINDS and not gates.check_fanin(k, m))
               for k, m in set(zip(kinds, map(len, ins))))


def _copy_stats(stats: dict) -> dict:
    """A copy of a stats dict the caller may change without touching the cache."""
    return {**stats, "by_kind": dict(stats["by_kind"]),
            "output_depth": {bus: list(d) for bus, d in stats["output_depth"].items()}}


def _levels_in_order(nodes, order=None) -> dict | None:
    """``{net: level}`` visiting the nets of ``nodes`` (net -> {kind, inputs}) in
    ``order`` (default: theirs): 0 without inputs, else 1 + the deepest input. None when a
    net comes before one of its inputs (then ``order`` is not topological)."""
    level: dict = {}
    get = level.__getitem__
    pairs = nodes.items() if order is None else ((net, nodes[net]) for net in order)
    try:
        for net, data in pairs:
            ins = data["inputs"]
            if len(ins) == 2:                       # most gates: no map, no max call
                a, b = get(ins[0]), get(ins[1])
                level[net] = (a if a > b else b) + 1
            else:
                level[net] = 1 + max(map(get, ins)) if ins else 0
    except KeyError:
        return None
    return level


def _check_name(name, what: str) -> None:
    if not isinstance(name, str) or not name:
        raise NetlistError(f"{what} name must be a non-empty string, got {name!r}")
