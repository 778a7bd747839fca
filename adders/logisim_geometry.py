"""Where Logisim puts the ports of gates, splitters and subcircuits, for each facing and
size: shared by the exporter and the importer, so that what one draws the other reads.
See :mod:`adders.logisim`."""
from __future__ import annotations

__all__ = ["MAX_INPUTS", "GATE_NAMES", "GATE_KINDS", "PARITY", "DIRECTIONS", "rotate", "gate_axis",
           "gate_input_offsets", "splitter_ends", "splitter_bits", "classic_ports",
           "evolution_ports"]


#: Logisim 2.7.1 caps gate inputs and bus widths at 32 (Logisim-evolution at 64).
MAX_INPUTS = 32


GATE_NAMES = {"AND": "AND Gate", "OR": "OR Gate", "NAND": "NAND Gate", "NOR": "NOR Gate",
               "XOR": "XOR Gate", "XNOR": "XNOR Gate", "NOT": "NOT Gate", "BUF": "Buffer"}


GATE_KINDS = {name: kind for kind, name in GATE_NAMES.items()}


PARITY = {"Odd Parity": "XOR", "Even Parity": "XNOR"}


DIRECTIONS = {"east": 0, "north": 90, "west": 180, "south": 270}


# ====================================================================== geometry
# Shared by the exporter and the importer, so that what one draws the other reads.

def rotate(dx: int, dy: int, facing: str, default: str = "east") -> tuple[int, int]:
    """Offset (dx, dy) of a part drawn facing ``default``, turned to face ``facing``
    (quarter turns counter-clockwise on screen, y down)."""
    turn = (DIRECTIONS[facing] - DIRECTIONS[default]) % 360
    if turn == 90:
        return dy, -dx
    if turn == 180:
        return -dx, -dy
    if turn == 270:
        return -dy, dx
    return dx, dy


def gate_axis(kind: str, size: int) -> int:
    """Distance from output to inputs along the gate: ``size``, +10 for the XOR family's
    extra curve, +10 for an output bubble."""
    return size + (10 if kind in ("XOR", "XNOR") else 0) + (10 if kind in ("NAND", "NOR", "XNOR") else 0)


def gate_input_offsets(inputs: int, size: int, axis: int, facing: str = "east",
                        negated: int = 0, old_four: bool = False) -> list[tuple[int, int]]:
    """Input pin offsets of a multi-input gate from its output, in pin order.

    Up to three inputs spread 20 px apart (30 px on wide 70 px gates, 10 px on narrow
    30 px ones); more inputs sit 10 px apart, leaving the middle free for an even count;
    four inputs on a wide gate sit 20 px apart (shifted 10 px up since Logisim-evolution
    3.4.3, ``old_four=False``). A negated input is 10 px further out. Facing north, south
    or west keeps the pins in top-to-bottom / left-to-right order rather than rotating.
    """
    if inputs <= 3:
        if size < 40:
            start, step, lower = -5, 10, 10
        elif size < 60 or inputs <= 2:
            start, step, lower = -10, 20, 20
        else:
            start, step, lower = -15, 30, 30
    elif inputs == 4 and size >= 60:
        start, step, lower = -5, 20, 0
    else:
        start, step, lower = -5, 10, 10
    out = []
    for i in range(inputs):
        if inputs % 2:
            dy = start * (inputs - 1) + step * i
        else:
            dy = start * inputs + step * i + (lower if i >= inputs // 2 else 0)
            if inputs == 4 and size >= 60 and not old_four:
                dy -= 10
        dx = axis + (10 if (negated >> i) & 1 else 0)
        out.append({"north": (dy, dx), "south": (dy, -dx), "west": (dx, dy)}.get(facing, (-dx, dy)))
    return out


def splitter_ends(fanout: int, facing: str, appear: str, spacing: int = 1) -> list[tuple[int, int]]:
    """Offsets of a splitter's split ends from its combined end, end 0 first."""
    justify = {"center": 0, "legacy": 0, "right": 1}.get(appear, -1)
    gap = 10 * spacing
    if facing in ("north", "south"):
        m = 1 if facing == "north" else -1
        x0 = gap * ((fanout + 1) // 2 - 1) if justify == 0 else \
            (-10 if m * justify < 0 else 10 + gap * (fanout - 1))
        return [(x0 - gap * i, -m * 20) for i in range(fanout)]
    m = -1 if facing == "west" else 1
    y0 = -gap * (fanout // 2) if justify == 0 else (10 if m * justify > 0 else -(10 + gap * (fanout - 1)))
    return [(m * 20, y0 + gap * i) for i in range(fanout)]


def splitter_bits(fanout: int, width: int) -> list[int]:
    """End of each bit (0-based) when a splitter is made: one bit per end while they
    last, else the low bits share the first ends, the earlier ends taking one extra bit."""
    if fanout >= width:
        return list(range(width))
    per, extra = divmod(width, fanout)
    out = []
    for end in range(fanout):
        out += [end] * (per + (1 if end < extra else 0))
    return out


def classic_ports(pins: list[tuple[tuple[int, int], str, bool]]) -> list[tuple[int, int]]:
    """Port offsets (from the anchor) of a subcircuit in Logisim's classic appearance.

    ``pins``: (location, facing, is_input) of each pin of the circuit. A pin facing east
    sits on the west edge, and so on; each edge lists its pins top to bottom (left to
    right on north/south edges) 10 px apart, centred; the anchor is the first east port
    (else north, west, south). Returns one offset per pin, in the order given.
    """
    edge_of = {"east": "west", "west": "east", "north": "south", "south": "north"}
    edges: dict[str, list[int]] = {e: [] for e in ("north", "south", "east", "west")}
    for k, (loc, facing, _) in enumerate(pins):
        edges[edge_of[facing]].append(k)
    for e, members in edges.items():
        if e in ("east", "west"):
            members.sort(key=lambda k: (pins[k][0][1], pins[k][0][0]))
        else:
            members.sort(key=lambda k: (pins[k][0][0], pins[k][0][1]))
    n = {e: len(m) for e, m in edges.items()}
    max_vert, max_horz = max(n["north"], n["south"]), max(n["east"], n["west"])

    def offset(facing_count, opposite, others):
        most = max(facing_count, opposite)
        base = (15 if others == 0 else 10) if most <= 1 else 10 if most == 2 else (5 if others == 0 else 10)
        return base + 10 * ((most - facing_count) // 2)

    def dimension(this, others):
        return 30 if this < 3 else 10 * this if others == 0 else 10 * this + 10

    offs = {"north": offset(n["north"], n["south"], max_horz),
            "south": offset(n["south"], n["north"], max_horz),
            "east": offset(n["east"], n["west"], max_vert), "west": offset(n["west"], n["east"], max_vert)}
    width, height = dimension(max_vert, max_horz), dimension(max_horz, max_vert)
    if n["east"]:
        anchor = (width, offs["east"])
    elif n["north"]:
        anchor = (offs["north"], 0)
    elif n["west"]:
        anchor = (0, offs["west"])
    elif n["south"]:
        anchor = (offs["south"], height)
    else:
        anchor = (0, 0)
    start = {"west": (0, offs["west"], 0, 10), "east": (width, offs["east"], 0, 10),
             "north": (offs["north"], 0, 10, 0), "south": (offs["south"], height, 10, 0)}
    out: list[tuple[int, int]] = [(0, 0)] * len(pins)
    for e, members in edges.items():
        x, y, dx, dy = start[e]
        for j, k in enumerate(members):
            out[k] = (x + j * dx - anchor[0], y + j * dy - anchor[1])
    return out


def evolution_ports(pins: list[tuple[tuple[int, int], str, bool, str]], name: str,
                     fixed: bool) -> list[tuple[int, int]]:
    """Port offsets of a subcircuit in Logisim-evolution's default appearance: inputs on
    the west edge, outputs on the east, each top to bottom 20 px apart, the anchor on the
    first output; the box is as wide as the longest labels (8 px per character) or the
    circuit's name need (a fixed 220 px when ``fixed``). ``pins``: (location, facing,
    is_input, label)."""
    west = sorted((k for k, p in enumerate(pins) if p[2]), key=lambda k: (pins[k][0][1], pins[k][0][0]))
    east = sorted((k for k, p in enumerate(pins) if not p[2]), key=lambda k: (pins[k][0][1], pins[k][0][0]))
    left = max((8 * len(pins[k][3]) for k in west), default=0)
    right = max((8 * len(pins[k][3]) for k in east), default=0)
    text = 25 * 8 if fixed else max(left + right + 35, 8 * len(name) + 15)
    width = (text // 10) * 10 + 20
    ax = width if east else 0
    out: list[tuple[int, int]] = [(0, 0)] * len(pins)
    for j, k in enumerate(west):
        out[k] = (-ax, 20 * j)
    for j, k in enumerate(east):
        out[k] = (width - ax, 20 * j)
    return out
