"""Losses from logits, with their gradients, computed row by row.

Binary cross-entropy (music): z, y (N, F); per row sum over F of
    max(z, 0) - z y + log(1 + exp(-|z|))        (= -y log s(z) - (1-y) log(1-s(z)))
averaged over the N frames. dz = (s(z) - y) / N.

Softmax cross-entropy (classification, language models): z (N, V), target (N,) ints;
    loss = mean_n [logsumexp(z[n]) - z[n, target[n]]],  dz = (softmax(z) - onehot) / N.

Each row's loss is written to its own slot and summed afterwards. The loops are
serial on purpose: for the sizes met in training (a few thousand logits) a
thread launch costs more than the work, and Numba's worker threads compete with
the BLAS threads that the surrounding matrix products keep awake.

References: :func:`rnn.reference.bce_with_logits`,
:func:`rnn.reference.softmax_cross_entropy`.
"""
import numpy as np
from numba import njit

from adders.errors import CarrylabValueError

__all__ = ["bce_with_logits", "softmax_cross_entropy"]


@njit(cache=True)
def _bce(z, y):
    N, F = z.shape
    row = np.empty(N, np.float64)
    dz = np.empty_like(z)
    inv = 1.0 / N
    for n in range(N):
        acc = 0.0
        for f in range(F):
            v = z[n, f]
            a = abs(v)
            e = np.exp(-a)
            acc += max(v, 0.0) - v * y[n, f] + np.log1p(e)
            s = 1.0 / (1.0 + e) if v >= 0 else e / (1.0 + e)
            dz[n, f] = (s - y[n, f]) * inv
        row[n] = acc
    return row.sum() * inv, dz


@njit(cache=True)
def _softmax_ce(z, target):
    N, V = z.shape
    row = np.empty(N, np.float64)
    dz = np.empty_like(z)
    inv = 1.0 / N
    for n in range(N):
        m = z[n, 0]
        for v in range(1, V):
            if z[n, v] > m:
                m = z[n, v]
        s = 0.0
        for v in range(V):
            e = np.exp(z[n, v] - m)
            dz[n, v] = e
            s += e
        row[n] = m + np.log(s) - z[n, target[n]]
        for v in range(V):
            dz[n, v] = dz[n, v] / s * inv
        dz[n, target[n]] -= inv
    return row.sum() * inv, dz


def bce_with_logits(z, y):
    """Per-frame binary cross-entropy from logits.

    Parameters
    ----------
    z : ndarray (N, F) logits
    y : ndarray (N, F) targets in [0, 1], same dtype as z

    Returns
    -------
    loss : float, sum over F averaged over N
    dz : ndarray (N, F)
    """
    return _bce(np.ascontiguousarray(z), np.ascontiguousarray(y, dtype=z.dtype))


def softmax_cross_entropy(z, target):
    """Mean softmax cross-entropy from logits.

    Parameters
    ----------
    z : ndarray (N, V) logits
    target : int ndarray (N,) with values in [0, V)

    Returns
    -------
    loss : float
    dz : ndarray (N, V)
    """
    target = np.ascontiguousarray(target, dtype=np.int64)
    if target.shape != z.shape[:1]:
        raise CarrylabValueError(f"target must have shape ({z.shape[0]},), got {target.shape}")
    if target.size and (target.min() < 0 or target.max() >= z.shape[1]):
        raise CarrylabValueError(f"target must hold class ids in [0, {z.shape[1]}), got values in "
                         f"[{target.min()}, {target.max()}]")
    return _softmax_ce(np.ascontiguousarray(z), target)
