"""Digital's file format as carrylab reads and writes it: element names, where each
element has its pins, rotation, labels and the limits. See :mod:`adders.digital`."""
from __future__ import annotations

import re

from .errors import CarrylabValueError

__all__ = ["EXHAUSTIVE_BITS", "MAX_BITS", "RANDOM_VECTORS", "GRID", "GATE_KIND", "ELEMENT",
           "DECORATION", "gate_pins", "box_pins", "place", "splitter_ports", "bus_for_label",
           "pin_labels"]


#: Adders with at most this many input bits in total get an exhaustive embedded test.
EXHAUSTIVE_BITS = 12


#: Widest pin or splitter Digital allows.
MAX_BITS = 64


#: Random vectors added to the corner cases when the test cannot be exhaustive.
RANDOM_VECTORS = 100


GRID = 20


GATE_KIND = {"And": "AND", "Or": "OR", "XOr": "XOR", "NAnd": "NAND", "NOr": "NOR",
              "XNOr": "XNOR", "Not": "NOT"}


ELEMENT = {"AND": "And", "OR": "Or", "XOR": "XOr", "NAND": "NAnd", "NOR": "NOr",
            "XNOR": "XNOr", "NOT": "Not", "BUF": "And"}


_INVERTING = frozenset({"NAnd", "NOr", "XNOr"})


DECORATION = frozenset({"Testcase", "Text", "Rectangle"})


_PIN_LABEL = {"a": "A", "b": "B", "cin": "Cin", "s": "S", "cout": "Cout"}


_PER_BIT = re.compile(r"([abs])_?(\d+)\Z", re.IGNORECASE)


_ROTATION = {0: (0, 1), 1: (1, 0), 2: (0, -1), 3: (-1, 0)}        # (sin, cos)


# ---------------------------------------------------------------------- geometry
def gate_pins(element: str, inputs: int = 2, wide: bool = False, inverted=frozenset()):
    """Pin offsets of a gate shape: ``([(x, y) of each input], (x, y) of the output)``."""
    if element == "Not":
        return [(0, 0)], ((3 if wide else 2) * GRID, 0)
    ins = []
    for i in range(inputs):
        y = i * GRID + (GRID if inputs % 2 == 0 and i >= inputs // 2 else 0)
        ins.append((-GRID if f"In_{i + 1}" in inverted else 0, y))
    width = (4 if wide else 3) + (1 if element in _INVERTING else 0)
    return ins, (width * GRID, inputs // 2 * GRID)


def box_pins(n_in: int, n_out: int, width: int = 3):
    """Pin offsets of Digital's default box (an embedded circuit): inputs, outputs."""
    symmetric = n_out == 1
    ins = [(0, i * GRID + (GRID if symmetric and n_in % 2 == 0 and i >= n_in // 2 else 0))
           for i in range(n_in)]
    offset = n_in // 2 * GRID if symmetric else 0
    return ins, [(width * GRID, j * GRID + offset) for j in range(n_out)]


def place(offset, pos, rotation: int = 0, mirror: bool = False):
    """Absolute position of a pin ``offset`` of an element at ``pos``."""
    x, y = offset
    if mirror:
        y = -y
    sin, cos = _ROTATION[rotation % 4]
    return (x * cos + y * sin + pos[0], -x * sin + y * cos + pos[1])


def _java_int(text: str) -> int:
    """Java's ``Integer.decode``: decimal, ``0x``/``#`` hex, a leading 0 for octal."""
    t = text.strip()
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    if t[:2].lower() == "0x" or t[:1] == "#":
        return sign * int(t[2:] if t[0] == "0" else t[1:], 16)
    if len(t) > 1 and t[0] == "0":
        return sign * int(t[1:], 8)
    return sign * int(t, 10)


def splitter_ports(definition: str):
    """Ports ``[(first bit, bits)]`` of a splitter definition like ``"4,4"``, ``"1*8"``,
    ``"0-3,4-7"``: a plain number is a port of that many bits after the previous ones,
    ``b*k`` k such ports, ``i-j`` bits i to j. None if it does not parse."""
    ports, total = [], 0
    try:
        for token in definition.split(","):
            token = token.strip()
            if not token:
                continue
            if "*" in token:
                bits, count = (_java_int(t) for t in token.split("*", 1))
                for _ in range(count):
                    ports.append((total, bits))
                    total += bits
            elif "-" in token:
                lo, hi = sorted(_java_int(t) for t in token.split("-", 1))
                ports.append((lo, hi - lo + 1))
            else:
                ports.append((total, _java_int(token)))
            total = max(p + b for p, b in ports)
    except ValueError:
        return None
    if any(b < 1 for _, b in ports):
        return None
    return ports or [(0, 1)]


# ---------------------------------------------------------------------- labels
def bus_for_label(label: str) -> tuple[str, int | None]:
    """Bus (and bit, for a one-bit pin like ``A3``) that a Digital pin label stands for.

    >>> bus_for_label("Cin"), bus_for_label("a_2"), bus_for_label("Y")
    (('cin', None), ('a', 2), ('Y', None))
    """
    if label.lower() in _PIN_LABEL:
        return label.lower(), None
    match = _PER_BIT.match(label)
    if match:
        return match.group(1).lower(), int(match.group(2))
    return label, None


def pin_labels(circuit) -> dict[str, str]:
    """Digital pin label of every bus of ``circuit``."""
    labels = {bus: _PIN_LABEL.get(bus, bus) for bus in list(circuit.inputs) + list(circuit.outputs)}
    seen: dict[str, str] = {}
    for bus, label in labels.items():
        if not label.strip() or re.search(r"\s", label):
            raise CarrylabValueError(f"bus {bus!r} of circuit {circuit.name!r} cannot name a Digital "
                                     f"pin or test signal: rename it without spaces")
        if label in seen:
            raise CarrylabValueError(f"buses {seen[label]!r} and {bus!r} of circuit {circuit.name!r} "
                                     f"would both be Digital pin {label!r}: rename one")
        seen[label] = bus
    return labels
