"""Gate kinds: what each computes, how many inputs it takes, and its default delay.

The eight kinds are the textbook ones and Verilog's gate primitives. AND, OR, NAND and
NOR take any fan-in >= 2; XOR and XNOR take two inputs; NOT and BUF one. Every truth
function works bitwise on Python ints, so a single call evaluates one vector (values
0/1) or many vectors packed side by side in the bits of an int (the same idea the Numba
simulator uses with uint64 words).

>>> truth("NAND", [0b1100, 0b1010], mask=0b1111) == 0b0111
True
"""
from __future__ import annotations

from functools import reduce
from operator import and_, or_, xor

__all__ = ["KINDS", "OPCODES", "FANIN", "INVERTING", "VERILOG_PRIMITIVE", "BINARY", "truth",
           "check_fanin"]

KINDS = ("AND", "OR", "XOR", "NOT", "NAND", "NOR", "XNOR", "BUF")

#: Small integer code of each kind, as the compiled simulators see it.
OPCODES = {kind: code for code, kind in enumerate(KINDS)}

#: (fewest, most) inputs; None means no upper limit.
FANIN = {"AND": (2, None), "OR": (2, None), "NAND": (2, None), "NOR": (2, None),
         "XOR": (2, 2), "XNOR": (2, 2), "NOT": (1, 1), "BUF": (1, 1)}

#: Kinds whose output is the complement of their base function.
INVERTING = frozenset({"NOT", "NAND", "NOR", "XNOR"})

#: The Verilog gate primitive for each kind.
VERILOG_PRIMITIVE = {kind: kind.lower() for kind in KINDS}

#: The kinds that are one bitwise operator when they read two inputs, as that operator:
#: ``BINARY[kind](x, y) == truth(kind, [x, y])`` with no list and no ``reduce``.
BINARY = {"AND": and_, "OR": or_, "XOR": xor}

_BASE = {"AND": and_, "NAND": and_, "OR": or_, "NOR": or_, "XOR": xor, "XNOR": xor,
         "NOT": None, "BUF": None}


def truth(kind: str, inputs, mask: int = 1) -> int:
    """Output of a gate of ``kind`` on ``inputs`` (ints), bitwise, within ``mask``."""
    op = _BASE[kind]
    value = inputs[0] if op is None else reduce(op, inputs)
    return (~value & mask) if kind in INVERTING else value


def check_fanin(kind: str, count: int) -> str | None:
    """Return None if ``count`` inputs suit ``kind``, else a sentence saying what is allowed."""
    lo, hi = FANIN[kind]
    if count < lo or (hi is not None and count > hi):
        allowed = f"exactly {lo}" if lo == hi else f"{lo} or more"
        return f"{kind} takes {allowed} inputs, got {count}"
    return None
