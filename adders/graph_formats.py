"""The netlist graph for graph tools: GraphML (through networkx) and Graphviz DOT.

:func:`to_graphml` and :func:`from_graphml` save and rebuild a circuit losslessly;
:func:`to_dot` writes DOT text here, one rank per logic level, since pydot and
pygraphviz are optional.
"""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from .errors import NetlistError
from .netlist import Circuit

__all__ = ["to_graphml", "from_graphml", "to_dot"]


def _plain_graph(circuit) -> nx.DiGraph:
    """A copy of the netlist graph whose attributes are all strings, as GraphML needs
    (tuples and lists become JSON text)."""
    graph = nx.DiGraph()
    graph.graph.update(name=circuit.name, inputs=json.dumps(circuit.inputs),
                       outputs=json.dumps(circuit.outputs),
                       input_defaults=json.dumps(circuit.input_defaults))
    for net, data in circuit.graph.nodes(data=True):
        graph.add_node(net, kind=str(data["kind"]), inputs=json.dumps(list(data["inputs"])))
    for u, v, pins in circuit.graph.edges(data="pins"):
        graph.add_edge(u, v, pins=json.dumps(list(pins)))
    return graph


def to_graphml(circuit, path) -> Path:
    """Write the netlist graph as GraphML (node attributes ``kind``, ``inputs``; edge
    attribute ``pins``; graph attributes ``name``, ``inputs``, ``outputs``,
    ``input_defaults``, list-valued ones as JSON). Read back with :func:`from_graphml`."""
    circuit.validate()
    path = Path(path)
    nx.write_graphml(_plain_graph(circuit), path)
    return path


def from_graphml(path):
    """Rebuild a :class:`Circuit` from a file written by :func:`to_graphml`.

    Raises
    ------
    NetlistError
        The file lacks the attributes :func:`to_graphml` writes, or describes a
        malformed circuit.
    """
    graph = nx.read_graphml(path)
    try:
        inputs = json.loads(graph.graph["inputs"])
        outputs = json.loads(graph.graph["outputs"])
        defaults = json.loads(graph.graph.get("input_defaults", "{}"))
        circuit = Circuit(graph.graph["name"])
    except (KeyError, ValueError) as exc:
        raise NetlistError(f"{path}: not a carrylab GraphML netlist ({exc})") from None
    for bus, nets in inputs.items():
        made = circuit.add_input(bus, len(nets), default=defaults.get(bus))
        if made != nets:
            raise NetlistError(f"{path}: input bus {bus!r} has nets {nets[:4]}..., expected {made[:4]}...")
    for net, data in graph.nodes(data=True):
        if data.get("kind") not in (None, "INPUT"):
            circuit.add_gate(data["kind"], json.loads(data["inputs"]), net)
    for bus, nets in outputs.items():
        circuit.set_output(bus, nets)
    return circuit.validate()


def _dot_quote(text: str) -> str:
    """``text`` as a DOT string literal."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(circuit, path=None) -> str:
    """The netlist as Graphviz DOT text, left to right, one rank per logic level.

    Inputs are boxes, gates ellipses labelled with kind and net, output nets drawn
    with a double border. Written to ``path`` too when given; returns the text.
    """
    level = circuit.levels()
    outputs = {n for nets in circuit.outputs.values() for n in nets}
    nodes = circuit.graph.nodes
    lines = [f"digraph {_dot_quote(circuit.name)} {{", "    rankdir=LR;",
             '    node [fontname="Helvetica", fontsize=10];']
    for net in [n for nets in circuit.inputs.values() for n in nets] + circuit.gates():
        kind = nodes[net]["kind"]
        attrs = ["shape=box", f"label={_dot_quote(net)}"] if kind == "INPUT" else \
            ["shape=ellipse", f"label={_dot_quote(kind)[:-1]}\\n{_dot_quote(net)[1:]}"]
        if net in outputs:
            attrs.append("peripheries=2")
        lines.append(f"    {_dot_quote(net)} [{', '.join(attrs)}];")
    by_level: dict[int, list] = {}
    for net, lv in level.items():
        by_level.setdefault(lv, []).append(net)
    for lv in sorted(by_level):
        members = " ".join(_dot_quote(n) for n in sorted(by_level[lv]))
        lines.append(f"    {{ rank=same; {members} }}")
    for u, v in circuit.graph.edges():
        lines.append(f"    {_dot_quote(u)} -> {_dot_quote(v)};")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    if path is not None:
        Path(path).write_text(text)
    return text
