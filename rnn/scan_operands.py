"""Operands of the scans: checks of networks and arrays, and networks as flat arrays.

Shared by :mod:`rnn.scan` (generic and carry scans), :mod:`rnn.scan_affine`,
:mod:`rnn.scan_loop` and :mod:`rnn.scan_blocked`. Each check raises an error that
names the argument and says how to fix the call. Symbols as in :mod:`rnn.scan`:
T steps (the network's ``n``), D channels.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from adders.errors import CarrylabTypeError, CarrylabValueError
from adders.prefix import PrefixNetwork, low_ends

__all__ = ["EXACT_NETWORKS", "check_network", "as_real", "as_bits", "affine_operands", "fold_h0",
           "overlapping", "flat_cells"]

#: Named networks whose cells only join adjacent groups: exact for any associative
#: combine, idempotent or not. (``knowles`` is the one that needs idempotence.)
EXACT_NETWORKS = ("serial", "sklansky", "kogge-stone", "brent-kung", "han-carlson",
                  "ladner-fischer")


def check_network(network, idempotent: bool):
    """Raise unless ``network`` is a PrefixNetwork, and an exact one when the combine is
    not ``idempotent`` (overlapping cells would count some steps twice)."""
    if not isinstance(network, PrefixNetwork):
        raise CarrylabTypeError(f"network must be an adders.prefix.PrefixNetwork, got "
                        f"{type(network).__name__}")
    if not idempotent and overlapping(network):
        raise CarrylabValueError(
            f"network {network.name!r} (n = {network.n}) has cells that join overlapping "
            f"groups, which is exact only for an idempotent combine such as the carry "
            f"operator; affine maps are not idempotent (a o a != a), so some steps would be "
            f"counted twice. Use an exact network: one of {', '.join(EXACT_NETWORKS)}")


def as_real(x, name):
    """x as a float32/float64 array (bools and ints become float64); finite."""
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except (TypeError, ValueError):
            raise CarrylabTypeError(f"{name} must be an array of real numbers, got "
                            f"{type(x).__name__}") from None
    if arr.dtype.kind not in "biuf":
        raise CarrylabTypeError(f"{name} must hold real numbers (bool, int or float), got dtype "
                        f"{arr.dtype}")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        bad = arr[~np.isfinite(arr)].flat[0]
        raise CarrylabValueError(f"{name} must be finite; found {bad} (NaN/Inf are not allowed)")
    return arr


def as_bits(x, name):
    """x as a NumPy bool array; accepts bools and 0/1 integers."""
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError):
        raise CarrylabTypeError(f"{name} must be an array of bits, got {type(x).__name__}") from None
    if arr.dtype == np.bool_:
        return arr
    if arr.dtype.kind not in "iu":
        raise CarrylabTypeError(f"{name} must hold bits (bool or 0/1 integers), got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        bad = arr.min() if arr.min() < 0 else arr.max()
        raise CarrylabValueError(f"{name} may hold only 0 and 1, found {bad}")
    return arr.astype(np.bool_)


def affine_operands(a, b, h0, n=None):
    """Validate (a, b, h0); returns (a, b, h0, kind, squeeze) with a float dtype.

    kind is "diagonal" (a, b (T, D)) or "dense" (a (T, D, D), b (T, D)); squeeze says
    the caller gave 1-D (T,) arrays, to be returned as (T,).
    """
    a = as_real(a, "a")
    b = as_real(b, "b")
    squeeze = False
    if a.ndim == 1:
        squeeze = True
        a = a[:, None]  # (T, 1)
        if b.ndim != 1:
            raise CarrylabValueError(f"b must have the shape of a, (T,) = {a.shape[:1]}, got {b.shape}")
        b = b[:, None]  # (T, 1)
    if a.ndim == 2:
        kind = "diagonal"
        if b.shape != a.shape:
            raise CarrylabValueError(f"b must have shape (T, D) = {a.shape} like a (diagonal a), "
                             f"got {b.shape}")
    elif a.ndim == 3:
        kind = "dense"
        T, D, D2 = a.shape
        if D != D2:
            raise CarrylabValueError(f"a must have shape (T, D) (diagonal) or (T, D, D) (dense), "
                             f"got {a.shape}: the last two sizes differ")
        if b.shape != (T, D):
            raise CarrylabValueError(f"b must have shape (T, D) = {(T, D)} for dense a of shape "
                             f"{a.shape}, got {b.shape}")
    else:
        raise CarrylabValueError(f"a must have shape (T,), (T, D) (diagonal) or (T, D, D) (dense), "
                         f"got {a.shape}")
    T, D = b.shape
    if T == 0:
        raise CarrylabValueError("a and b must have T >= 1 steps, got an empty sequence")
    if n is not None and T != n:
        raise CarrylabValueError(f"a and b have T = {T} steps; the network has n = {n} positions "
                         f"(build the network with n = T)")
    dtype = np.result_type(a.dtype, b.dtype)
    if h0 is None:
        h0 = np.zeros(D, dtype)
    else:
        h0 = as_real(h0, "h0")
        if squeeze and h0.ndim == 0:
            h0 = h0.reshape(1)
        if h0.shape != (D,):
            raise CarrylabValueError(f"h0 must have shape (D,) = {(D,)}, got {h0.shape}")
        dtype = np.result_type(dtype, h0.dtype)
    a = np.ascontiguousarray(a, dtype=dtype)
    b = np.ascontiguousarray(b, dtype=dtype)
    h0 = np.ascontiguousarray(h0, dtype=dtype)
    return a, b, h0, kind, squeeze


def fold_h0(a, b, h0, kind):
    """b0 <- a0 h0 + b0 (a copy of b): the scan then yields h[t] directly."""
    b = b.copy()
    if kind == "diagonal":
        b[0] += a[0] * h0  # (D,)
    else:
        b[0] += a[0] @ h0  # (D, D) @ (D,)
    return b


@lru_cache(maxsize=128)
def overlapping(network):
    """network.overlapping, remembered (networks are immutable)."""
    return network.overlapping


@lru_cache(maxsize=128)
def flat_cells(network):
    """Cells as flat int64 arrays (i, j, grey) plus level pointers, for kernels.

    ``grey`` marks cells whose result reaches position 0: their ``A`` product is
    never read again (the initial state is folded in), so kernels skip it.
    Remembered per network (networks are immutable); the arrays are read-only.
    """
    ci, cj, grey, ptr = [], [], [], [0]
    for level, lo in zip(network.levels, low_ends(network.n, network.levels)):
        cells = np.array(level, dtype=np.int64).reshape(-1, 2)  # (cells, 2)
        i, j = cells[:, 0], cells[:, 1]
        ci.append(i)
        cj.append(j)
        grey.append(np.asarray(lo, np.int64)[j] == 0)  # lo: low ends before this level
        ptr.append(ptr[-1] + len(i))
    out = tuple(np.concatenate(x) if x else np.zeros(0, dt)
                for x, dt in ((ci, np.int64), (cj, np.int64), (grey, np.bool_)))
    out = out + (np.array(ptr, np.int64),)
    for arr in out:
        arr.flags.writeable = False
    return out
