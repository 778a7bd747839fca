"""Affine scans on prefix networks: every state of a linear RNN in ``network.depth`` steps.

``h[t] = a[t] h[t-1] + b[t]`` is a chain of affine maps ``h -> a h + b``; they compose
associatively, ``(a2, b2) o (a1, b1) = (a2 a1, a2 b1 + b2)``, so the prefix network
that computes an adder's carries computes every ``h[t]`` (see :mod:`rnn.scan`).
Diagonal ``a`` runs in a Numba kernel, dense ``a`` level by level in NumPy.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from .scan_operands import affine_operands, check_network, flat_cells, fold_h0

__all__ = ["affine_scan"]


@njit(cache=True)
def _diag_network_channel(A, Bv, ci, cj, grey, ptr):
    """One channel of the diagonal affine scan, in place: A, Bv (T,).

    Within a level, cells run by *decreasing* i: a cell (i, j) reads j < i, which no
    cell of this level has written yet, and i's old value has already been read by
    every cell (i', i) with i' > i. So one buffer suffices.
    """
    n_levels = ptr.shape[0] - 1
    for level in range(n_levels):
        for c in range(ptr[level + 1] - 1, ptr[level] - 1, -1):
            i = ci[c]
            j = cj[c]
            Bv[i] = A[i] * Bv[j] + Bv[i]
            if not grey[c]:
                A[i] = A[i] * A[j]


@njit(parallel=True, cache=True)
def _diag_network_kernel(a_t, b_t, ci, cj, grey, ptr):
    """Diagonal affine scan over a network on (D, T) copies, parallel over channels:
    each thread runs every level of its own channels (rows of a_t, b_t)."""
    for d in prange(a_t.shape[0]):
        _diag_network_channel(a_t[d], b_t[d], ci, cj, grey, ptr)


@njit(cache=True)
def _diag_network_serial(a_t, b_t, ci, cj, grey, ptr):
    """The same, on one thread (small problems: no thread start-up)."""
    for d in range(a_t.shape[0]):
        _diag_network_channel(a_t[d], b_t[d], ci, cj, grey, ptr)


_PARALLEL_MIN_WORK = 1 << 16  # cells x channels below which one thread is faster


def _affine_levels_numpy(network, A, B, dense, record):
    """Level-by-level affine scan in NumPy (vectorised over the cells of a level).

    A (T, D) or (T, D, D), B (T, D), both overwritten. Returns the history of
    (A, B) copies after each level when ``record``, else None.
    """
    ci, cj, grey, ptr = flat_cells(network)
    history = [(A.copy(), B.copy())] if record else None
    for k in range(network.depth):
        i, j = ci[ptr[k]:ptr[k + 1]], cj[ptr[k]:ptr[k + 1]]
        Ai, Aj, Bj = A[i], A[j], B[j]  # gathered copies: (cells, D[, D])
        if dense:
            B[i] += (Ai @ Bj[:, :, None])[:, :, 0]  # (cells, D, D) @ (cells, D, 1)
            keep = slice(None) if record else ~grey[ptr[k]:ptr[k + 1]]
            A[i[keep]] = Ai[keep] @ Aj[keep]  # (cells, D, D) @ (cells, D, D)
        else:
            B[i] += Ai * Bj  # (cells, D)
            A[i] = Ai * Aj  # (cells, D)
        if record:
            history.append((A.copy(), B.copy()))
    return history


def affine_scan(network, a, b, h0=None, record=False):
    """All states of ``h[t] = a[t] h[t-1] + b[t]`` by a prefix network.

    Parameters
    ----------
    network : adders.prefix.PrefixNetwork
        An exact network (no overlapping cells) with ``network.n == T``.
    a : array (T,), (T, D) or (T, D, D)
        Diagonal coefficients (elementwise) or dense matrices (``a[t] @ h``).
    b : array (T,) or (T, D)
        Inputs. float32 or float64 (ints and bools become float64); finite.
    h0 : array (D,), optional
        Initial state ``h[-1]``, zero by default; folded in as
        ``b[0] <- a[0] h0 + b[0]``.
    record : bool
        Also return the (A, B) pairs after every level, for pictures.

    Returns
    -------
    h : array (T, D) (or (T,) for 1-D input)
        ``h[t]`` for every t. With ``record=True`` a pair ``(h, history)``,
        ``history[k] = (A, B)`` after k levels, shaped like (a, b).

    Raises
    ------
    ValueError
        Overlapping network (Knowles: affine maps are not idempotent), T != n,
        mismatched shapes, NaN/Inf.
    TypeError
        Not a network; non-real arrays.

    Notes
    -----
    The combine ``(a2, b2) o (a1, b1) = (a2 a1, a2 b1 + b2)`` is associative
    (Blelloch 1990) but not idempotent, hence the exact network. Work: cells x
    (3 D) flops diagonal, cells x (2 D^3 + 2 D^2) dense (cells reaching position 0
    skip their ``a`` product); depth: ``network.depth`` combines. Diagonal scans
    without ``record`` run in a Numba kernel (parallel over channels once
    channels x cells >= 2^16); dense ones in NumPy, one batched matrix product
    per level.

    Examples
    --------
    >>> import numpy as np
    >>> from adders.prefix import brent_kung
    >>> a = np.array([[[0., 1.], [1., 0.]]] * 3)   # (T, D, D): swap the two entries
    >>> b = np.array([[1., 0.], [0., 0.], [0., 0.]])
    >>> affine_scan(brent_kung(3), a, b).tolist()
    [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
    """
    check_network(network, idempotent=False)
    a, b, h0, kind, squeeze = affine_operands(a, b, h0, network.n)
    b = fold_h0(a, b, h0, kind)
    if kind == "diagonal" and not record:
        a_t = np.array(a.T, order="C")  # (D, T) copy: one contiguous row per channel
        b_t = np.array(b.T, order="C")  # (D, T) copy (the kernel works in place)
        ci, cj, grey, ptr = flat_cells(network)
        parallel = a_t.shape[0] > 1 and ci.shape[0] * a_t.shape[0] >= _PARALLEL_MIN_WORK
        kernel = _diag_network_kernel if parallel else _diag_network_serial
        kernel(a_t, b_t, ci, cj, grey, ptr)
        h = np.ascontiguousarray(b_t.T)  # (T, D)
        return h[:, 0] if squeeze else h
    A = a.copy()
    history = _affine_levels_numpy(network, A, b, kind == "dense", record)
    h = b[:, 0] if squeeze else b
    if record:
        if squeeze:
            history = [(x[:, 0], y[:, 0]) for x, y in history]
        return h, history
    return h
