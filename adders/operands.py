"""Operands of one simulation: which input buses get which values.

Every simulator (:mod:`adders.logic`, :mod:`adders.events`, the exporters' test
vectors) takes its operands as ``{input bus: value}`` keywords. :func:`resolve_operands`
checks the bus names and fills in declared defaults (an adder's ``cin`` = 0);
:func:`check_operand` checks one Python int against its bus width:
``0 <= value < 2**width``.
"""
from __future__ import annotations

from .errors import CarrylabTypeError, CarrylabValueError

__all__ = ["check_operand", "resolve_operands"]


def check_operand(bus: str, value, width: int) -> int:
    """Return ``value`` as an int if 0 <= value < 2**width, else raise naming the bus.

    Raises
    ------
    CarrylabTypeError
        ``value`` is not an int (bools are refused too).
    CarrylabValueError
        ``value`` is out of range for a ``width``-bit bus.
    """
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise CarrylabTypeError(f"operand {bus!r} must be an int, got {value!r} of type {type(value).__name__}")
    value = value.__index__()
    if not 0 <= value < (1 << width):
        raise CarrylabValueError(f"operand {bus!r} = {value} is out of range: a {width}-bit bus takes "
                                 f"0 <= {bus} <= {(1 << width) - 1}")
    return value


def resolve_operands(circuit, operands: dict) -> dict:
    """Check bus names and fill defaults; return ``{input bus: value}`` in bus order.

    Values are passed through unchecked (see :func:`check_operand`). Raises ValueError
    for an unknown bus (listing the known ones) or a missing one.
    """
    unknown = [bus for bus in operands if bus not in circuit.inputs]
    if unknown:
        raise CarrylabValueError(f"unknown input bus {unknown[0]!r} for circuit {circuit.name!r}; "
                                 f"its inputs are {list(circuit.inputs)}")
    values = {}
    for bus in circuit.inputs:
        if bus in operands:
            values[bus] = operands[bus]
        elif bus in circuit.input_defaults:
            values[bus] = circuit.input_defaults[bus]
        else:
            missing = [b for b in circuit.inputs if b not in operands and b not in circuit.input_defaults]
            raise CarrylabValueError(f"missing input bus(es) {missing} for circuit {circuit.name!r}; "
                                     f"give every one of {list(circuit.inputs)}")
    return values
