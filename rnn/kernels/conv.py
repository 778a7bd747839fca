"""Causal dilated Conv1d with weight normalisation, channels-last.

Symbols: x (B, T, C_in) input, v (C_out, C_in, k) direction, g (C_out,) gain,
w = g * v / ||v|| (norm over C_in and k, one per output channel), b (C_out,) bias,
d dilation. The output at step t only sees x[t - (k-1) d .. t]:

    y[b, t, o] = b[o] + sum_{j, c} w[o, c, j] * x[b, t - (k-1-j) d, c]

which equals a Conv1d with left padding (k-1) d (or symmetric padding then
trimming the last (k-1) d outputs).

The plain-NumPy reference, a loop over taps with explicit padding, is
:func:`rnn.reference.conv_forward` (and ``conv_backward``, ``weight_norm``).

Implementation: the B*T output rows are processed in blocks of a few hundred.
For each block a Numba gather copies the k shifted input rows side by side into a
small ``col`` buffer (rows, k*C_in) that stays in cache, and one BLAS product
writes the block's outputs. Column ``j*C_in + c`` of col holds channel c at tap
j, so each tap is one contiguous copy, and the weight is viewed as (C_out, k,
C_in) to match (one cheap copy per call; the (k*C_in, C_out) matrix the products
could also use costs five times more to lay out). The backward pass re-gathers
the same block for the weight gradient (dy^T col) and scatter-adds dy W back to
the input rows.
Gathering block by block instead of the whole (B*T, k*C_in) matrix at once keeps
every temporary small: a full col matrix is k times the input, and at B*T = 32768
such fresh allocations cost more in page faults and memory traffic than the
products themselves. Only x is kept for the backward pass.

An optional ReLU is fused in: the forward pass adds the bias and clamps each
output block while it is still in cache, and the backward pass masks each dy
block by [y > 0] just before its products; a separate ReLU layer would make two
more passes over (B, T, C_out) arrays in main memory.

Cost O(B T k C_in C_out) multiply-adds forward, twice that back.
"""
import numpy as np
from numba import njit

__all__ = [
    "weight_norm_forward",
    "weight_norm_backward",
    "causal_conv1d_forward",
    "causal_conv1d_backward",
]


# The row sums accumulate in float64 whatever the dtype; "reassoc" lets LLVM split
# them over vector lanes (the order of a sum changes only its last bits) and
# error_model="numpy" drops the ZeroDivisionError branch, so every loop vectorises.
_WN_OPTIONS = dict(cache=True, error_model="numpy", fastmath={"reassoc"})


@njit(**_WN_OPTIONS)
def _wn_forward(v, g):
    C_out = v.shape[0]
    v2 = v.reshape(C_out, -1)
    w = np.empty_like(v2)
    norm = np.empty(C_out, v.dtype)
    for o in range(C_out):
        vo, wo = v2[o], w[o]
        s = 0.0
        for i in range(vo.shape[0]):
            s += np.float64(vo[i]) * vo[i]
        n = np.sqrt(s)
        norm[o] = n
        scale = vo.dtype.type(g[o] / n)
        for i in range(vo.shape[0]):
            wo[i] = vo[i] * scale
    return w.reshape(v.shape), norm


@njit(**_WN_OPTIONS)
def _wn_backward(v, g, norm, dw):
    C_out = v.shape[0]
    v2 = v.reshape(C_out, -1)
    dw2 = dw.reshape(C_out, -1)
    dv = np.empty_like(v2)
    dg = np.empty(C_out, v.dtype)
    for o in range(C_out):
        vo, dwo, dvo = v2[o], dw2[o], dv[o]
        s = 0.0
        for i in range(vo.shape[0]):
            s += np.float64(dwo[i]) * vo[i]
        s /= norm[o]  # <dw, u> with u = v / ||v||
        dg[o] = s
        a = vo.dtype.type(g[o] / norm[o])
        c = vo.dtype.type(s / norm[o])
        for i in range(vo.shape[0]):
            dvo[i] = a * (dwo[i] - c * vo[i])
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


# col blocks of about this many bytes: large enough for efficient BLAS products,
# small enough to stay in the per-core cache between the gather and the product
_BLOCK_BYTES = 1 << 21


@njit(cache=True, inline="always")
def _tap_source(r, T, j, k, d):
    # flat row r = b*T + t of (B, T, .) and tap j -> (b, source step t - (k-1-j) d);
    # a negative step is the causal zero padding
    bi = r // T
    return bi, r - bi * T - (k - 1 - j) * d


@njit(cache=True)
def _gather_rows(x, r0, r1, k, d, col):
    # flat rows r0..r1 of x (B, T, C) -> col (r1 - r0, k*C);
    # col[r - r0, j*C + c] = x[b, t - (k-1-j) d, c], or 0 before the sequence start
    T, C = x.shape[1], x.shape[2]
    zero = x.dtype.type(0)
    for r in range(r0, r1):
        for j in range(k):
            bi, s = _tap_source(r, T, j, k, d)
            for c in range(C):
                col[r - r0, j * C + c] = x[bi, s, c] if s >= 0 else zero


@njit(cache=True)
def _scatter_add_rows(dcol, r0, r1, k, d, dx):
    # adjoint of _gather_rows: add each tap's gradient back to its source row of dx
    T, C = dx.shape[1], dx.shape[2]
    for r in range(r0, r1):
        for j in range(k):
            bi, s = _tap_source(r, T, j, k, d)
            if s >= 0:
                for c in range(C):
                    dx[bi, s, c] += dcol[r - r0, j * C + c]


@njit(cache=True)
def _bias_act(y, b, relu):
    # in place on an output block y (rows, C_out): y += b, then max(y, 0) if relu
    zero = y.dtype.type(0)
    for r in range(y.shape[0]):
        yr = y[r]
        for o in range(yr.shape[0]):
            v = yr[o] + b[o]
            yr[o] = max(v, zero) if relu else v


@njit(cache=True)
def _relu_mask_sum(dy, y, g, db):
    # g = dy * [y > 0] for a block (rows, C_out), y the ReLU's output, and db += the
    # column sums of g, in one pass (NumPy's sum over axis 0 of a block with few
    # columns costs about 1 ns per element, as much as the mask itself)
    zero = g.dtype.type(0)  # a float64 0.0 would promote the loop and stop it vectorising
    for r in range(dy.shape[0]):
        gr, dr, yr = g[r], dy[r], y[r]
        for o in range(gr.shape[0]):
            v = dr[o] if yr[o] > zero else zero
            gr[o] = v
            db[o] += v


@njit(cache=True)
def _col_sums(g, db):
    # db += the column sums of a block g (rows, C_out)
    for r in range(g.shape[0]):
        gr = g[r]
        for o in range(gr.shape[0]):
            db[o] += gr[o]


def _block_rows(n_rows, width, itemsize, block_rows):
    """Rows per col block: about _BLOCK_BYTES, at least 64, at most n_rows."""
    if block_rows is None:
        block_rows = max(64, _BLOCK_BYTES // (width * itemsize))
    return max(1, min(int(block_rows), n_rows))


def _tap_major(w):
    # (C_out, C_in, k) -> (C_out, k*C_in), column j*C_in + c matches col's layout
    c_out, c_in, k = w.shape
    return np.ascontiguousarray(w.transpose(0, 2, 1)).reshape(c_out, k * c_in)


def _channel_major(wk, k):
    # inverse of _tap_major: (C_out, k*C_in) -> (C_out, C_in, k)
    c_out = wk.shape[0]
    return np.ascontiguousarray(wk.reshape(c_out, k, -1).transpose(0, 2, 1))


def causal_conv1d_forward(x, w, b, dilation, block_rows=None, relu=False):
    """Causal dilated convolution, optionally followed by a ReLU.

    Parameters
    ----------
    x : ndarray (B, T, C_in)
    w : ndarray (C_out, C_in, k) effective weight
    b : ndarray (C_out,)
    dilation : int >= 1
    block_rows : int or None, rows of B*T per gathered block (None: about 2 MiB
        of col); only speed depends on it
    relu : bool, return max(conv(x), 0) instead of conv(x)

    Returns
    -------
    y : ndarray (B, T, C_out)
    """
    x = np.ascontiguousarray(x)
    B, T, c_in = x.shape
    c_out, _, k = w.shape
    n = B * T
    wmat_t = _tap_major(w).T  # (k*C_in, C_out), a view
    y = np.empty((n, c_out), x.dtype)  # (B*T, C_out)
    rows = _block_rows(n, k * c_in, x.itemsize, block_rows)
    col = np.empty((rows, k * c_in), x.dtype)
    for r0 in range(0, n, rows):
        r1 = min(n, r0 + rows)
        cb = col[:r1 - r0]
        _gather_rows(x, r0, r1, k, dilation, cb)
        yb = y[r0:r1]
        np.matmul(cb, wmat_t, out=yb)  # (rows, k*C_in) @ (k*C_in, C_out)
        _bias_act(yb, b, relu)
    return y.reshape(B, T, c_out)


def causal_conv1d_backward(dy, x, w, dilation, need_dx=True, block_rows=None, y=None):
    """Backward of :func:`causal_conv1d_forward`.

    Parameters
    ----------
    dy : ndarray (B, T, C_out)
    x : ndarray (B, T, C_in), the forward input
    w : ndarray (C_out, C_in, k)
    dilation : int
    need_dx : bool, False skips the input gradient (for a first layer fed by data)
    block_rows : int or None, as in :func:`causal_conv1d_forward`
    y : ndarray (B, T, C_out) or None, the forward output when the forward pass
        had ``relu=True`` (dy is then masked by [y > 0]); None for no ReLU

    Returns
    -------
    dx : ndarray (B, T, C_in), or None when need_dx is False
    dw : ndarray (C_out, C_in, k)
    db : ndarray (C_out,)
    """
    x = np.ascontiguousarray(x)
    B, T, c_out = dy.shape
    _, c_in, k = w.shape
    n = B * T
    dy2 = np.ascontiguousarray(dy).reshape(n, c_out)  # (B*T, C_out)
    y2 = None if y is None else np.ascontiguousarray(y).reshape(n, c_out)
    wmat = _tap_major(w)  # (C_out, k*C_in)
    rows = _block_rows(n, k * c_in, x.itemsize, block_rows)
    col = np.empty((rows, k * c_in), x.dtype)
    gbuf = None if y2 is None else np.empty((rows, c_out), x.dtype)
    dwmat = np.zeros((c_out, k * c_in), x.dtype)  # tap-major, like wmat
    part = np.empty_like(dwmat)
    db = np.zeros(c_out, x.dtype)
    if need_dx:
        dx = np.zeros_like(x)
        dcol = np.empty_like(col)
    for r0 in range(0, n, rows):
        r1 = min(n, r0 + rows)
        gb = dy2[r0:r1]  # (rows, C_out) gradient wrt the pre-activation
        if y2 is not None:
            gb = gbuf[:r1 - r0]
            _relu_mask_sum(dy2[r0:r1], y2[r0:r1], gb, db)
        else:
            _col_sums(gb, db)
        cb = col[:r1 - r0]
        _gather_rows(x, r0, r1, k, dilation, cb)
        np.matmul(gb.T, cb, out=part)  # (C_out, rows) @ (rows, k*C_in)
        dwmat += part
        if need_dx:
            dcb = dcol[:r1 - r0]
            np.matmul(gb, wmat, out=dcb)  # (rows, C_out) @ (C_out, k*C_in)
            _scatter_add_rows(dcb, r0, r1, k, dilation, dx)
    return (dx if need_dx else None), _channel_major(dwmat, k), db
