"""Argument checks shared by every carrylab package.

Each check returns the value in a plain Python type or raises a
:class:`~adders.errors.CarrylabTypeError` / :class:`~adders.errors.CarrylabValueError`
whose message names the argument, the value it got and what is allowed. NumPy scalars
are accepted wherever Python numbers are; ``bool`` is not an integer here (``True``
as a width is always a mistake).

>>> check_int(np.int64(8), "n", 1)
8
>>> check_int(0, "n", 1)
Traceback (most recent call last):
...
adders.errors.CarrylabValueError: n must be an int >= 1, got 0
>>> check_real(float("nan"), "lr", 0.0, strict_min=True)
Traceback (most recent call last):
...
adders.errors.CarrylabValueError: lr must be a finite number > 0.0, got nan
"""
from __future__ import annotations

import math
import numbers
import operator

import numpy as np

from .errors import CarrylabTypeError, CarrylabValueError

__all__ = ["check_int", "check_real", "check_choice"]


def _range_text(minimum, maximum, strict_min: bool = False) -> str:
    low = "" if minimum is None else f"{'>' if strict_min else '>='} {minimum}"
    if maximum is None:
        return low
    if minimum is None:
        return f"<= {maximum:,}" if isinstance(maximum, int) else f"<= {maximum}"
    return f"in [{minimum}, {maximum:,}]" if isinstance(maximum, int) else f"in [{minimum}, {maximum}]"


def check_int(value, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as a Python int with ``minimum <= value <= maximum`` (either may be None).

    Accepts ``int`` and NumPy integers (anything with ``__index__`` except ``bool``).
    """
    wanted = f"an int {_range_text(minimum, maximum)}".rstrip()
    if isinstance(value, (bool, np.bool_)):
        raise CarrylabTypeError(f"{name} must be {wanted}, got the bool {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise CarrylabTypeError(f"{name} must be {wanted}, got {value!r} of type "
                                f"{type(value).__name__}") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise CarrylabValueError(f"{name} must be {wanted}, got {number!r}")
    return number


def check_real(value, name: str, minimum: float | None = None, maximum: float | None = None,
               strict_min: bool = False) -> float:
    """``value`` as a finite Python float within the bounds (``> minimum`` if
    ``strict_min``). Accepts ints, floats and NumPy scalars; NaN and infinities never."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating,
                                                                     np.integer)):
        raise CarrylabTypeError(f"{name} must be a number, got {value!r} of type "
                                f"{type(value).__name__}")
    number = float(value)
    bounds = _range_text(minimum, maximum, strict_min)
    wanted = f"a finite number {bounds}".rstrip()
    if not math.isfinite(number):
        raise CarrylabValueError(f"{name} must be {wanted}, got {number!r}")
    if minimum is not None and (number <= minimum if strict_min else number < minimum):
        raise CarrylabValueError(f"{name} must be {wanted}, got {number!r}")
    if maximum is not None and number > maximum:
        raise CarrylabValueError(f"{name} must be {wanted}, got {number!r}")
    return number


def check_choice(name: str, value, allowed) -> None:
    """Raise naming the argument, its value and the allowed values."""
    try:
        ok = value in allowed
    except TypeError:                     # an unhashable value asked of a dict or set
        ok = False
    if not ok:
        raise CarrylabValueError(f"{name} must be one of {', '.join(repr(a) for a in allowed)}; "
                                 f"got {value!r}")
