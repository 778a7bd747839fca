"""The sequential reference of the linear recurrence ``h[t] = a[t] h[t-1] + b[t]``.

One step at a time, compiled with Numba: work T, depth T. Every parallel scan
(:func:`rnn.scan.affine_scan`, :func:`rnn.scan.affine_scan_blocked`) is checked against
it; :func:`rnn.reference.linear_recurrence` is the same loop in plain NumPy.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .scan_operands import affine_operands

__all__ = ["linear_recurrence_loop", "diag_loop", "dense_loop"]


@njit(cache=True)
def diag_loop(a, b, h0, out):
    """out[t] = a[t] * out[t-1] + b[t], out[-1] = h0. a, b, out (T, D)."""
    T, D = a.shape
    h = h0.copy()
    for t in range(T):
        for d in range(D):
            x = a[t, d] * h[d] + b[t, d]
            h[d] = x
            out[t, d] = x


@njit(cache=True)
def dense_loop(a, b, h0, out):
    """out[t] = a[t] @ out[t-1] + b[t]. a (T, D, D), b, out (T, D)."""
    T, D = b.shape
    h = h0.copy()
    for t in range(T):
        for r in range(D):
            s = b[t, r]
            for c in range(D):
                s += a[t, r, c] * h[c]
            out[t, r] = s
        h[:] = out[t]


def linear_recurrence_loop(a, b, h0=None):
    """The sequential reference: ``h[t] = a[t] h[t-1] + b[t]``, one step at a time.

    Parameters
    ----------
    a : array (T,), (T, D) or (T, D, D)
        Diagonal or dense coefficients.
    b : array (T,) or (T, D)
    h0 : array (D,), optional (zero)

    Returns
    -------
    h : array (T, D) (or (T,))

    Notes
    -----
    Work T steps (D or D^2 multiply-adds each), depth T. Compiled with Numba,
    single-threaded.

    Examples
    --------
    >>> linear_recurrence_loop([0.5, 0.5, 0.5], [1.0, 1.0, 1.0]).tolist()
    [1.0, 1.5, 1.75]
    """
    a, b, h0, kind, squeeze = affine_operands(a, b, h0)
    out = np.empty_like(b)
    if kind == "diagonal":
        diag_loop(a, b, h0, out)
    else:
        dense_loop(a, b, h0, out)
    return out[:, 0] if squeeze else out
