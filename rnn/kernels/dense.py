"""Linear and Embedding kernels.

Linear:    y = x W^T + b, x (N, I), W (O, I), b (O,); one BLAS product each way.
Embedding: y[n] = E[idx[n]], E (V, D); backward scatter-adds rows into dE
           (serial Numba loop: repeated indices make a parallel loop racy).

References: :func:`rnn.reference.linear_forward`, :func:`rnn.reference.embedding_forward`
and their backward passes.
"""
import numpy as np
from numba import njit

from adders.errors import CarrylabValueError

__all__ = [
    "linear_forward",
    "linear_backward",
    "embedding_forward",
    "embedding_backward",
]


def linear_forward(x, w, b):
    """y = x @ w.T + b for x (..., I), w (O, I), b (O,) or None -> (..., O)."""
    y = x @ w.T  # (..., I) @ (I, O) -> (..., O)
    if b is not None:
        y += b
    return y


def linear_backward(x, w, dy):
    """Gradients of :func:`linear_forward`: dx (..., I), dw (O, I), db (O,)."""
    o, i = w.shape
    x2 = x.reshape(-1, i)  # (N, I)
    dy2 = dy.reshape(-1, o)  # (N, O)
    dw = dy2.T @ x2  # (O, N) @ (N, I) -> (O, I)
    db = dy2.sum(axis=0)
    dx = (dy2 @ w).reshape(x.shape)  # (N, O) @ (O, I) -> (N, I)
    return dx, dw, db


def embedding_forward(idx, e):
    """y = e[idx]: idx int array (...), e (V, D) -> (..., D)."""
    return e[idx]


@njit(cache=True)
def _scatter_rows(idx, dy, de):
    for n in range(idx.size):
        r = idx[n]
        for k in range(dy.shape[1]):
            de[r, k] += dy[n, k]


def embedding_backward(idx, dy, vocab_size):
    """dE (V, D) with dE[v] = sum of dy[n] over n where idx[n] == v."""
    d = dy.shape[-1]
    idx = np.ascontiguousarray(idx, dtype=np.int64).reshape(-1)
    if idx.size and (idx.min() < 0 or idx.max() >= vocab_size):
        raise CarrylabValueError(f"idx must hold row ids in [0, {vocab_size}), got values in "
                         f"[{idx.min()}, {idx.max()}]")
    de = np.zeros((vocab_size, d), dy.dtype)
    _scatter_rows(idx, np.ascontiguousarray(dy).reshape(-1, d), de)
    return de
