"""Gate-level schematics: levelised, inputs on the left, outputs on the right.

x is the logic level of a net (:meth:`adders.Circuit.levels`: 0 for inputs, unit delay),
and y a *bit slice*: every net is filed under the bit its name speaks of (``a3``,
``g3``, ``p3``, ``t3``, ``s3`` under bit 3; a carry ``c4`` under bit 3, which makes it;
a group ``G7_4`` under its top bit 7), bit 0 at the top. Within one slice and one level
nets stack in a fixed order (operands, g, p, group terms, carries, sums). A ripple-carry
adder then shows its carry as a staircase down and to the right; a lookahead adder as a
short, wide block.

Gates are drawn with their IEEE distinctive shapes (AND, OR, XOR, NOT, BUF and the
inverted NAND, NOR, XNOR with an output bubble); wires run straight out of a gate and
bend in the channel before the gate that reads them. Every gate symbol is a patch with
gid ``"gate:<net>"``; wires on the highlighted path have gid ``"path:<from>><to>"``.

Beyond :data:`MAX_GATES` gates or :data:`MAX_BITS` bits a schematic stops being
legible: :func:`draw_circuit` refuses and :func:`draw_circuit_blocks` draws one block
per bit instead.
"""
from __future__ import annotations

import re

from adders.checks import check_int
from adders.errors import CarrylabTypeError, CarrylabValueError

from ._style import COLORS, new_axes
from ._style import widest_bus as _widest_bus
from .circuit_values import FACE, output_label, recolor_circuit, value_color, values_of

__all__ = ["MAX_GATES", "MAX_BITS", "bit_of", "layout_circuit", "draw_circuit",
           "recolor_circuit", "layout_blocks", "draw_circuit_blocks"]

#: Largest circuit :func:`draw_circuit` draws (gates, widest bus in bits).
MAX_GATES = 400
MAX_BITS = 16

_ROLE = {"a": 0, "b": 1, "cin": 2, "g": 3, "p": 4, "P": 5, "G": 6, "t": 7, "r": 8,
         "c": 9, "s": 10, "cout": 11}
_W, _H = 0.40, 0.62          # gate body in data units (x: one level, y: one rank)
_BUBBLE = 0.07               # radius of an inversion bubble (x units)


def bit_of(net: str) -> int:
    """The bit slice a net belongs to, from its name (the builders' naming scheme).

    ``c{k}`` (a carry into bit k, and its terms ``c{k}_t..``) belongs to bit k - 1 which
    makes it; ``G{hi}_{lo}`` / ``P{hi}_{lo}`` to bit hi; otherwise the first integer in
    the name (``a3``, ``t5_0`` -> 3, 5); names without digits (``cin``) to bit 0.

    >>> [bit_of(x) for x in ("a3", "c4", "G7_4", "c4_t1", "cin", "s5_m0")]
    [3, 3, 7, 3, 0, 5]
    """
    m = re.match(r"c(\d+)", net)
    if m:
        return max(int(m.group(1)) - 1, 0)
    m = re.match(r"[GP](\d+)_\d+", net)
    if m:
        return int(m.group(1))
    m = re.search(r"\d+", net)
    return int(m.group(0)) if m else 0


def _role(net: str) -> int:
    if net in _ROLE:
        return _ROLE[net]
    m = re.match(r"[A-Za-z]+", net)
    return _ROLE.get(m.group(0) if m else "", 7)


def layout_circuit(circuit) -> dict:
    """Coordinates of a levelised schematic (pure: no matplotlib).

    Returns a dict with ``pos`` ({net: (x, y)}: x = logic level, y <= 0 going down by
    bit slice), ``depth`` (deepest level), ``slot`` (ranks per bit slice) and
    ``outputs`` (list of ``(bus, bit, net, (x, y))`` terminals at x = depth + 1).
    """
    level = circuit.levels()
    groups: dict = {}
    for net, lv in level.items():
        groups.setdefault((lv, bit_of(net)), []).append(net)
    slot = max((len(v) for v in groups.values()), default=1)
    pos = {}
    for (lv, bit), nets in groups.items():
        nets.sort(key=lambda x: (_role(x), x))
        top = (slot - len(nets)) / 2.0
        for r, net in enumerate(nets):
            pos[net] = (float(lv), -(bit * slot + top + r))
    depth = max(level.values(), default=0)
    terminals = [(bus, bit, net) for bus, nets in circuit.outputs.items()
                 for bit, net in enumerate(nets)]
    terminals.sort(key=lambda o: -pos[o[2]][1])          # top to bottom
    outputs, floor = [], None
    for bus, bit, net in terminals:                      # at least one rank apart
        y = pos[net][1] if floor is None else min(pos[net][1], floor - 1.0)
        floor = y
        outputs.append((bus, bit, net, (depth + 1.0, y)))
    return {"pos": pos, "depth": depth, "slot": slot, "outputs": outputs}


# ---------------------------------------------------------------------- symbols
def _symbol_paths(kind: str):
    """Outline(s) of a gate symbol in a unit box [-0.5, 0.5]^2, output to the right.

    Returns ``(body, extra, bubble)``: the body path, an optional second curve (XOR's
    back line) and whether the output has an inversion bubble.
    """
    from matplotlib.path import Path
    M, L, C, Q, Z = Path.MOVETO, Path.LINETO, Path.CURVE4, Path.CURVE3, Path.CLOSEPOLY
    base = {"NAND": "AND", "NOR": "OR", "XNOR": "XOR", "NOT": "BUF"}.get(kind, kind)
    bubble = kind in ("NAND", "NOR", "XNOR", "NOT")
    extra = None
    if base == "AND":
        verts = [(-0.5, -0.5), (0.0, -0.5), (0.276, -0.5), (0.5, -0.276), (0.5, 0.0),
                 (0.5, 0.276), (0.276, 0.5), (0.0, 0.5), (-0.5, 0.5), (-0.5, -0.5)]
        codes = [M, L, C, C, C, C, C, C, L, Z]
    elif base in ("OR", "XOR"):
        verts = [(-0.5, -0.5), (-0.1, -0.5), (0.3, -0.38), (0.5, 0.0), (0.3, 0.38),
                 (-0.1, 0.5), (-0.5, 0.5), (-0.3, 0.0), (-0.5, -0.5), (-0.5, -0.5)]
        codes = [M, C, C, C, C, C, C, Q, Q, Z]
        if base == "XOR":
            extra = Path([(-0.66, 0.5), (-0.46, 0.0), (-0.66, -0.5)], [M, Q, Q])
    else:                                   # BUF / NOT: a triangle
        verts = [(-0.5, -0.45), (0.42, 0.0), (-0.5, 0.45), (-0.5, -0.45)]
        codes = [M, L, L, Z]
    return Path(verts, codes), extra, bubble


def _place(path, cx, cy):
    from matplotlib.path import Path
    v = path.vertices.copy()
    v[:, 0] = v[:, 0] * _W + cx
    v[:, 1] = v[:, 1] * _H + cy
    return Path(v, path.codes)


def _pin_y(cy: float, k: int, m: int) -> float:
    return cy + _H / 2 - _H * (k + 1) / (m + 1)


def _wire_path(x0, y0, x1, y1, track):
    """Orthogonal: out of the driver at its height, down or up at x = ``track`` in the
    channel before the reader, then into the pin."""
    from matplotlib.path import Path
    if abs(y1 - y0) < 1e-9:
        return Path([(x0, y0), (x1, y1)], [Path.MOVETO, Path.LINETO])
    return Path([(x0, y0), (track, y0), (track, y1), (x1, y1)],
                [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO])


def _tracks(circuit, pos) -> dict:
    """x of the vertical run of every bending wire: one track per (driver, reader
    column), spread over the channel before the column, top drivers on the left."""
    nodes = circuit.graph.nodes
    by_column: dict = {}
    for gate in circuit.gates():
        cx, cy = pos[gate]
        for src in nodes[gate]["inputs"]:
            by_column.setdefault(cx, set()).add(src)
    out = {}
    for cx, sources in by_column.items():
        order = sorted(sources, key=lambda s: (-pos[s][1], s))
        lo, hi = cx - 0.66, cx - _W / 2 - 0.07
        for k, src in enumerate(order):
            out[(src, cx)] = lo + (hi - lo) * (k + 1) / (len(order) + 1)
    return out


def _path_nets(circuit, highlight_path):
    from adders.timing import CriticalPath, critical_path
    if highlight_path is None or highlight_path is False:
        return []
    if highlight_path is True:
        return critical_path(circuit).path
    if isinstance(highlight_path, CriticalPath):
        return list(highlight_path.path)
    if isinstance(highlight_path, (list, tuple)):
        unknown = [n for n in highlight_path if n not in circuit.graph]
        if unknown:
            raise CarrylabValueError(f"highlight_path names nets not in circuit {circuit.name!r}: "
                             f"{unknown[:5]}")
        return list(highlight_path)
    raise CarrylabTypeError(f"highlight_path must be True (the critical path), a CriticalPath, a "
                    f"list of nets or None, got {type(highlight_path).__name__}")


def draw_circuit(circuit, values=None, highlight_path=None, ax=None):
    """Draw a levelised schematic of ``circuit``; return the Figure.

    Drawn: input terminals on the left (x = 0), one gate symbol per gate at x = its
    logic level, output terminals on the right, a wire per gate input pin. With
    ``values`` every wire takes the colour of its value (blue 0, orange 1, green:
    changing at the stepper's current time); gate bodies are tinted the same way.

    Parameters
    ----------
    circuit : adders.Circuit
    values : dict of net -> 0/1, or adders.timing.Stepper, optional
    highlight_path : True, CriticalPath or list of nets, optional
        True highlights ``critical_path(circuit).path`` (unit delay) in red.
    ax : matplotlib Axes, optional

    Raises
    ------
    ValueError
        More than :data:`MAX_GATES` gates or a bus wider than :data:`MAX_BITS` bits
        (use :func:`draw_circuit_blocks`), or unknown nets in ``highlight_path``.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Ellipse, PathPatch

    from adders import Circuit
    if not isinstance(circuit, Circuit):
        raise CarrylabTypeError(f"circuit must be an adders.Circuit, got {type(circuit).__name__}")
    gates = circuit.gates()
    bits = _widest_bus(circuit)
    if len(gates) > MAX_GATES or bits > MAX_BITS:
        raise CarrylabValueError(
            f"circuit {circuit.name!r} has {len(gates)} gates and {bits}-bit buses: too large to "
            f"draw gate by gate legibly (draw_circuit takes at most {MAX_GATES} gates and "
            f"{MAX_BITS} bits). Use viz.draw_circuit_blocks(circuit) for the bit-slice view, "
            f"or build a narrower adder.")
    vals, changing = values_of(values)
    path = _path_nets(circuit, highlight_path)
    on_path = set(zip(path, path[1:]))
    lay = layout_circuit(circuit)
    pos, depth = lay["pos"], lay["depth"]
    tracks = _tracks(circuit, pos)
    rows = max(-y for _, y in pos.values()) + 1
    fig, ax = new_axes(ax, (min(24.0, 0.7 * (depth + 3) + 0.3), min(20.0, 0.27 * rows + 1.2)))
    nodes = circuit.graph.nodes

    def color(net):
        return value_color(net, vals, changing)

    def out_x(net):
        if nodes[net]["kind"] == "INPUT":
            return pos[net][0] + 0.06
        bubble = nodes[net]["kind"] in ("NAND", "NOR", "XNOR", "NOT")
        return pos[net][0] + _W / 2 + (2 * _BUBBLE if bubble else 0)

    # Wires: one per (driver, reader pin).
    for gate in gates:
        cx, cy = pos[gate]
        ins = nodes[gate]["inputs"]
        back = 0.066 if nodes[gate]["kind"] in ("XOR", "XNOR", "OR", "NOR") else 0.0
        for k, src in enumerate(ins):
            hot = (src, gate) in on_path
            p = _wire_path(out_x(src), pos[src][1], cx - _W / 2 + back, _pin_y(cy, k, len(ins)),
                           tracks[(src, cx)])
            ax.add_patch(PathPatch(p, fill=False, ec=COLORS["cone"] if hot else color(src),
                                   lw=2.2 if hot else (1.4 if src in changing else 0.8),
                                   zorder=4 if hot else 1, capstyle="round",
                                   gid=f"path:{src}>{gate}" if hot else f"wire:{src}>{gate}"))
    # Gate symbols and names.
    for gate in gates:
        cx, cy = pos[gate]
        kind = nodes[gate]["kind"]
        body, extra, bubble = _symbol_paths(kind)
        hot = gate in path
        face = "white" if vals is None else FACE.get(color(gate), "white")
        ec = COLORS["cone"] if hot else "black"
        lw = 1.6 if hot else 0.8
        ax.add_patch(PathPatch(_place(body, cx, cy), fc=face, ec=ec, lw=lw, zorder=3,
                               gid=f"gate:{gate}"))
        if extra is not None:
            ax.add_patch(PathPatch(_place(extra, cx, cy), fill=False, ec=ec, lw=lw, zorder=3))
        if bubble:
            ax.add_patch(Ellipse((cx + _W / 2 + _BUBBLE, cy), 2 * _BUBBLE, 2 * _BUBBLE * 1.6,
                                 fc="white", ec=ec, lw=lw, zorder=3))
        ax.text(cx + _W / 2 + 0.03, cy + 0.07, gate, fontsize=5.6, ha="left", va="bottom",
                color=COLORS["cone"] if hot else "0.25", zorder=5, gid=f"name:{gate}")
    # Input terminals.
    for bus, nets in circuit.inputs.items():
        for net in nets:
            x, y = pos[net]
            hot = net in path
            ax.plot([x], [y], marker="o", ms=3.5, mfc="white",
                    mec=COLORS["cone"] if hot else "black", zorder=3)
            ax.text(x - 0.1, y, net, ha="right", va="center", fontsize=7,
                    color=COLORS["cone"] if hot else "black")
            if vals is not None and net in vals:
                ax.text(x + 0.1, y + 0.08, str(vals[net]), ha="left", va="bottom", fontsize=6,
                        color=color(net), fontweight="bold", gid=f"value:{net}")
    # Output terminals.
    last = path[-1] if path else None
    for bus, bit, net, (x, y) in lay["outputs"]:
        hot = net == last
        src_x = out_x(net)
        y0 = pos[net][1]
        bend = src_x + 0.25 if abs(y - y0) > 1e-9 else x
        ax.plot([src_x, bend, bend, x], [y0, y0, y, y], color=COLORS["cone"] if hot else color(net),
                lw=2.2 if hot else 0.8, zorder=4 if hot else 1, gid=f"out:{bus}{bit}")
        ax.plot([x], [y], marker="s", ms=3.5, mfc="black", mec="black", zorder=3)
        label = output_label(circuit, bus, bit, vals)
        ax.text(x + 0.12, y, label, ha="left", va="center", fontsize=7,
                color=COLORS["cone"] if hot else "black", gid=f"outname:{bus}:{bit}")
    ax.set_xlim(-0.9, depth + 1.9)
    ax.set_ylim(-rows + 0.3, 1.2)
    ax.set_axis_off()
    for lv in range(1, depth + 1):
        ax.text(lv, 0.75, str(lv), ha="center", va="bottom", fontsize=6.5, color="0.5")
    ax.text(0, 0.75, "level", ha="center", va="bottom", fontsize=6.5, color="0.5")
    st = circuit.stats()
    title = f"{circuit.name}: {st['gates']} gates, depth {st['depth']}"
    if path:
        title += f"; red: critical path {path[0]} -> {path[-1]} ({len(path) - 1} gates)"
    ax.set_title(title, fontsize=10)
    if vals is not None:
        handles = [Line2D([], [], color=COLORS[k], lw=2, label=lab)
                   for k, lab in (("zero", "0"), ("one", "1"), ("changing", "changing now"))]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=3,
                  fontsize=8, frameon=False)
    return fig


# ---------------------------------------------------------------------- block view
def layout_blocks(circuit, bits_per_block: int = 1) -> dict:
    """Bit-slice blocks of a circuit (pure): which gates each holds and which nets cross.

    Returns a dict with ``blocks`` (sorted block numbers), ``members`` ({block: [nets]},
    gates only), ``x`` ({block: x}, block 0 on the right), ``links`` ({(from, to): count}
    of nets driven in one block and read in another) and ``span`` ({block: (lo, hi)} bits).
    """
    bits_per_block = check_int(bits_per_block, "bits_per_block", 1)
    nodes = circuit.graph.nodes
    block = {net: bit_of(net) // bits_per_block for net in circuit.graph}
    members: dict = {}
    for gate in circuit.gates():
        members.setdefault(block[gate], []).append(gate)
    for nets in circuit.inputs.values():
        for net in nets:
            members.setdefault(block[net], [])
    blocks = sorted(members)
    top = blocks[-1] if blocks else 0
    links: dict = {}
    for gate in circuit.gates():
        for src in dict.fromkeys(nodes[gate]["inputs"]):
            if block[src] != block[gate] and nodes[src]["kind"] != "INPUT":
                key = (block[src], block[gate])
                links[key] = links.get(key, 0) + 1
    span = {b: (b * bits_per_block, (b + 1) * bits_per_block - 1) for b in blocks}
    return {"blocks": blocks, "members": members, "x": {b: float(top - b) for b in blocks},
            "links": links, "span": span, "block_of": block}


def _arc_depth(dist: float) -> float:
    """How far below the blocks the arc of a link jumping ``dist`` blocks dips."""
    import math
    return 0.3 + 0.45 * math.log2(max(dist, 1.0))


def draw_circuit_blocks(circuit, highlight_path=True, bits_per_block=None, ax=None):
    """Bit-slice view of any adder: one block per bit (or group of bits); return the Figure.

    Each block (a rectangle with gid ``"block:<k>"``) shows its bits, its gate count and
    the latest unit-delay arrival time of its nets, shaded light (early) to dark (late).
    Arrows carry signals between blocks: straight between neighbours, arcs below for
    longer jumps (width ~ number of nets). Bit 0 is on the right, as in a ripple chain.
    Blocks and arrows on the critical path are red.

    Parameters
    ----------
    circuit : adders.Circuit
    highlight_path : bool, default True
    bits_per_block : int, optional
        Bits per block; default 1 up to 32 bits, else enough to keep about 32 blocks.
    ax : matplotlib Axes, optional
    """
    import matplotlib as mpl
    from matplotlib.patches import FancyArrowPatch, Rectangle

    from adders import Circuit
    from adders.timing import critical_path
    if not isinstance(circuit, Circuit):
        raise CarrylabTypeError(f"circuit must be an adders.Circuit, got {type(circuit).__name__}")
    bits = _widest_bus(circuit)
    if bits_per_block is None:
        bits_per_block = 1 if bits <= 32 else -(-bits // 32)
    lay = layout_blocks(circuit, bits_per_block)
    cp = critical_path(circuit)
    path_blocks = {lay["block_of"][n] for n in cp.path} if highlight_path else set()
    path_links = {(lay["block_of"][u], lay["block_of"][v]) for u, v in zip(cp.path, cp.path[1:])
                  if lay["block_of"][u] != lay["block_of"][v]} if highlight_path else set()
    nb = len(lay["blocks"])
    bw, bh = 0.72, 1.0
    far = max((abs(lay["x"][u] - lay["x"][v]) for u, v in lay["links"]), default=1)
    fig, ax = new_axes(ax, (min(26.0, 0.62 * nb + 1.6), 1.6 + 0.62 * (bh + 0.6 + _arc_depth(far))))
    latest = {b: max([cp.arrival[n] for n in lay["members"][b]], default=0) for b in lay["blocks"]}
    worst = max(latest.values(), default=1) or 1
    cmap = mpl.colormaps["Blues"]
    pitch = ax.get_position().width * fig.get_figwidth() * 72 / max(nb, 1)
    font = max(5.0, min(8.5, pitch * 0.21))
    for b in lay["blocks"]:
        x = lay["x"][b]
        hot = b in path_blocks
        shade = cmap(0.12 + 0.6 * latest[b] / worst)
        ax.add_patch(Rectangle((x - bw / 2, -bh / 2), bw, bh, fc=shade,
                               ec=COLORS["cone"] if hot else "black", lw=2.0 if hot else 0.8,
                               zorder=3, gid=f"block:{b}"))
        lo, hi = lay["span"][b]
        hi = min(hi, bits - 1)
        name = f"{lo}" if lo == hi else f"{lo}-{hi}"
        dark = latest[b] / worst > 0.6
        ax.text(x, 0.22, name, ha="center", va="center", fontsize=font + 0.5, zorder=4,
                fontweight="bold", color="white" if dark else "black")
        ax.text(x, -0.05, f"{len(lay['members'][b])}g", ha="center", va="center",
                fontsize=font, zorder=4, color="white" if dark else "black")
        ax.text(x, -0.3, f"t{latest[b]}", ha="center", va="center", fontsize=font, zorder=4,
                color="white" if dark else "black")
    # Links: neighbours straight (at block mid-height), far ones as arcs below.
    for (u, v), count in sorted(lay["links"].items()):
        xu, xv = lay["x"][u], lay["x"][v]
        hot = (u, v) in path_links
        lw = min(0.6 + 0.35 * count, 3.0)
        if abs(xu - xv) == 1:
            y = 0.33 if xv < xu else -0.42
            start = (xu - bw / 2 if xv < xu else xu + bw / 2, y)
            end = (xv + bw / 2 if xv < xu else xv - bw / 2, y)
            style = dict(connectionstyle="arc3")
        else:
            start, end = (xu, -bh / 2), (xv, -bh / 2)
            dist = abs(xu - xv)
            rad = 2 * _arc_depth(dist) / dist          # arc3 peaks at rad * dist / 2
            style = dict(connectionstyle=f"arc3,rad={-rad if xv < xu else rad}")
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=7,
                                     color=COLORS["cone"] if hot else "0.35",
                                     lw=lw + (0.8 if hot else 0), alpha=1.0 if hot else 0.45,
                                     zorder=5 if hot else 2, gid=f"link:{u}>{v}", **style))
    xs = [lay["x"][b] for b in lay["blocks"]]
    far = max((abs(lay["x"][u] - lay["x"][v]) for u, v in lay["links"]), default=1)
    ax.set_xlim(min(xs) - 0.9, max(xs) + 0.9)
    ax.set_ylim(-bh / 2 - _arc_depth(far) - 0.25, bh / 2 + 0.35)
    ax.set_axis_off()
    ax.text(max(xs) + 0.5, 0.0, "cin", ha="left", va="center", fontsize=font + 0.5)
    ax.text(min(xs) - 0.5, 0.0, "cout", ha="right", va="center", fontsize=font + 0.5)
    ax.text(0.5, 1.0, "inputs a, b enter each block from the top; sums leave at the bottom",
            transform=ax.transAxes, ha="center", va="bottom", fontsize=8, color="0.35")
    ax.set_title(f"{circuit.name}: bit-slice view, {len(circuit.gates())} gates, critical "
                 f"path {cp.delay} {cp.unit}\n"
                 f"(block: bits, gates g, latest arrival t; darker = later"
                 f"{'; red = critical path' if highlight_path else ''})", fontsize=10, pad=16)
    return fig
