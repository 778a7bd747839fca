"""Causal dilated Conv1d with weight normalisation, channels-last.

Symbols: x (B, T, C_in) input, v (C_out, C_in, k) direction, g (C_out,) gain,
w = g * v / ||v|| (norm over C_in and k, one per output channel), b (C_out,) bias,
d dilation. The output at step t only sees x[t - (k-1) d .. t]:

    y[b, t, o] = b[o] + sum_{j, c} w[o, c, j] * x[b, t - (k-1-j) d, c]

which equals a Conv1d with left padding (k-1) d (or symmetric padding then
trimming the last (k-1) d outputs). Implementation: a Numba im2col gathers the
k shifted copies into ``col`` (B*T, k*C_in), and one BLAS product does the
arithmetic; the backward pass is two BLAS products and a Numba col2im
scatter-add. Cost O(B T k C_in C_out) multiply-adds forward, twice that back.
"""
import numpy as np
from numba import njit

__all__ = [
    "weight_norm_forward",
    "weight_norm_backward",
    "causal_conv1d_forward",
    "causal_conv1d_backward",
]


@njit(cache=True)
def _wn_forward(v, g):
    C_out = v.shape[0]
    v2 = v.reshape(C_out, -1)
    w = np.empty_like(v2)
    norm = np.empty(C_out, v.dtype)
    for o in range(C_out):
        s = 0.0
        for i in range(v2.shape[1]):
            s += v2[o, i] * v2[o, i]
        n = np.sqrt(s)
        norm[o] = n
        scale = g[o] / n
        for i in range(v2.shape[1]):
            w[o, i] = v2[o, i] * scale
    return w.reshape(v.shape), norm


@njit(cache=True)
def _wn_backward(v, g, norm, dw):
    C_out = v.shape[0]
    v2 = v.reshape(C_out, -1)
    dw2 = dw.reshape(C_out, -1)
    dv = np.empty_like(v2)
    dg = np.empty(C_out, v.dtype)
    for o in range(C_out):
        s = 0.0
        for i in range(v2.shape[1]):
            s += dw2[o, i] * v2[o, i]
        s /= norm[o]  # <dw, u> with u = v / ||v||
        dg[o] = s
        a = g[o] / norm[o]
        for i in range(v2.shape[1]):
            dv[o, i] = a * (dw2[o, i] - s * v2[o, i] / norm[o])
    return dv.reshape(v.shape), dg


def weight_norm_forward(v, g):
    """w = g * v / ||v||, norm over every axis but the first.

    Parameters
    ----------
    v : ndarray (C_out, C_in, k), C-contiguous
    g : ndarray (C_out,)

    Returns
    -------
    w : ndarray (C_out, C_in, k)
    norm : ndarray (C_out,)
    """
    return _wn_forward(np.ascontiguousarray(v), g)


def weight_norm_backward(v, g, norm, dw):
    """Gradients of w = g v / ||v||: with u = v / ||v|| and s = <dw, u> per row,
    dg = s and dv = (g / ||v||) (dw - s u)."""
    return _wn_backward(np.ascontiguousarray(v), g, norm, np.ascontiguousarray(dw))


@njit(cache=True)
def _im2col(x, k, d):
    # x (B, T, C) -> col (B, T, k*C); col[b, t, j*C + c] = x[b, t - (k-1-j) d, c]
    B, T, C = x.shape
    col = np.empty((B, T, k * C), dtype=x.dtype)  # every entry written once below
    for bi in range(B):
        for t in range(T):
            for j in range(k):
                s = t - (k - 1 - j) * d
                if s >= 0:
                    for c in range(C):
                        col[bi, t, j * C + c] = x[bi, s, c]
                else:  # the causal zero padding
                    for c in range(C):
                        col[bi, t, j * C + c] = 0.0
    return col


@njit(cache=True)
def _col2im(dcol, k, d, C):
    # dcol (B, T, k*C) -> dx (B, T, C): scatter-add each tap back to its source step
    B, T, _ = dcol.shape
    dx = np.zeros((B, T, C), dtype=dcol.dtype)
    for bi in range(B):
        for t in range(T):
            for j in range(k):
                s = t - (k - 1 - j) * d
                if s >= 0:
                    for c in range(C):
                        dx[bi, s, c] += dcol[bi, t, j * C + c]
    return dx


def _wmat(w):
    # (C_out, C_in, k) -> (k*C_in, C_out), row j*C_in + c matches col's layout
    c_out, c_in, k = w.shape
    return np.ascontiguousarray(w.transpose(2, 1, 0).reshape(k * c_in, c_out))


def causal_conv1d_forward(x, w, b, dilation):
    """Causal dilated convolution.

    Parameters
    ----------
    x : ndarray (B, T, C_in), C-contiguous
    w : ndarray (C_out, C_in, k) effective weight
    b : ndarray (C_out,)
    dilation : int >= 1

    Returns
    -------
    y : ndarray (B, T, C_out)
    col : ndarray (B*T, k*C_in), the gathered input kept for the backward pass
    """
    B, T, c_in = x.shape
    c_out, _, k = w.shape
    col = _im2col(np.ascontiguousarray(x), k, dilation).reshape(B * T, k * c_in)
    y = col @ _wmat(w)  # (B*T, k*C_in) @ (k*C_in, C_out) -> (B*T, C_out)
    y += b
    return y.reshape(B, T, c_out), col


def causal_conv1d_backward(dy, col, w, dilation, need_dx=True):
    """Backward of :func:`causal_conv1d_forward`.

    Parameters
    ----------
    dy : ndarray (B, T, C_out)
    col : ndarray (B*T, k*C_in) from the forward pass
    w : ndarray (C_out, C_in, k)
    dilation : int
    need_dx : bool, False skips the input gradient (for a first layer fed by data)

    Returns
    -------
    dx : ndarray (B, T, C_in), or None when need_dx is False
    dw : ndarray (C_out, C_in, k)
    db : ndarray (C_out,)
    """
    B, T, c_out = dy.shape
    _, c_in, k = w.shape
    dy2 = dy.reshape(B * T, c_out)  # (B*T, C_out)
    dwmat = col.T @ dy2  # (k*C_in, B*T) @ (B*T, C_out) -> (k*C_in, C_out)
    dw = np.ascontiguousarray(dwmat.reshape(k, c_in, c_out).transpose(2, 1, 0))
    db = dy2.sum(axis=0)
    if not need_dx:
        return None, dw, db
    dcol = dy2 @ _wmat(w).T  # (B*T, C_out) @ (C_out, k*C_in) -> (B*T, k*C_in)
    dx = _col2im(dcol.reshape(B, T, k * c_in), k, dilation, c_in)
    return dx, dw, db
