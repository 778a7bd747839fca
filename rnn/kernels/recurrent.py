"""Serial recurrences with full backpropagation through time (tanh RNN, LSTM, GRU).

Each kernel takes the input projections for all steps at once (one BLAS product
outside, ``xw = x @ W_ih.T + b``) and runs the unavoidable serial chain over t,
one small product ``h[t-1] @ W_hh.T`` per step, written as compiled loops.
Gate conventions follow PyTorch:

tanh RNN:  h[t] = tanh(xw[t] + h[t-1] W_hh^T)               (xw has b_ih + b_hh)
LSTM:      i, f, g, o = split(xw[t] + h[t-1] W_hh^T)         (xw has b_ih + b_hh)
           c[t] = s(f) c[t-1] + s(i) tanh(g);  h[t] = s(o) tanh(c[t])
GRU:       gi = xw[t] (has b_ih),  gh = h[t-1] W_hh^T + b_hh
           r = s(gi_r + gh_r), z = s(gi_z + gh_z), n = tanh(gi_n + r gh_n)
           h[t] = (1 - z) n + z h[t-1]

The same recurrences, written step by step in plain NumPy, are in
:mod:`rnn.reference` (``rnn_forward``, ``lstm_forward``, ``gru_forward`` and their
backward passes): read those first; the tests check these kernels against them.

s is the logistic sigmoid. Backward kernels return the gradients with respect to
the pre-activations for all steps, so the weight gradients become one BLAS
product each outside (dW_hh = dpre^T @ h_prev). Depth is T; work is
O(T B G H^2) with G = 1, 4, 3 gates.

The B sequences of a batch are independent recurrences, so each kernel splits
the batch rows into one group per thread (:func:`rnn.kernels.rowgroups.run_groups`); a group runs its
own serial chain over all T steps, with no synchronisation between steps. On 2
cores an (8, 128) LSTM's forward kernel ran 2.2x faster than on one.

Each public function allocates its (B, T, .) outputs with NumPy and hands them to
a compiled loop. NumPy asks the kernel for transparent huge pages on large
arrays and Numba's allocator does not: filling a fresh 64 MiB array took 48 ms
from Numba's allocator against 13 ms from NumPy's, nearly all of it page faults,
which had cost more than the cell arithmetic of an (8, 128) LSTM.
"""
import numpy as np
from numba import njit, types
from numba.extending import overload

from .rowgroups import run_groups

__all__ = [
    "tanh_scalar",
    "rnn_forward",
    "rnn_backward",
    "lstm_forward",
    "lstm_backward",
    "gru_forward",
    "gru_backward",
]

# float32 tanh(x) ~ x P(x^2) / Q(x^2) on |x| <= 9 (beyond, tanh rounds to +-1 in
# float32). Coefficients from a least-squares fit of the relative error on [0, 9];
# max relative error 3.3e-7 (about 5 ulp) when evaluated in float32. Plain
# arithmetic, so the compiler vectorises loops over it, whereas a call to the libm
# tanh or exp stays scalar (no vector maths library here): on a (8, 512) LSTM gate
# block per step the scalar calls took longer than the recurrent product itself.
# The reference is plain np.tanh (rnn.reference.tanh_forward).
_F32 = np.float32
_TANH_P = tuple(_F32(c) for c in (9.99999993e-01, 1.33850199e-01, 3.50020032e-03,
                                  2.06796330e-05, 1.34423552e-08))
_TANH_Q = tuple(_F32(c) for c in (1.0, 4.67183410e-01, 2.58948709e-02, 3.29294729e-04,
                                  7.81457677e-07))
_CLIP, _ONE, _HALF = _F32(9.0), _F32(1.0), _F32(0.5)
_P0, _P1, _P2, _P3, _P4 = _TANH_P
_Q0, _Q1, _Q2, _Q3, _Q4 = _TANH_Q


def _tanh32(v):
    """Rational float32 tanh (see the module constants); v a float32 scalar."""
    x = min(max(v, -_CLIP), _CLIP)
    s = x * x
    p = (((_P4 * s + _P3) * s + _P2) * s + _P1) * s + _P0
    q = (((_Q4 * s + _Q3) * s + _Q2) * s + _Q1) * s + _Q0
    return min(max(x * p / q, -_ONE), _ONE)


def tanh_scalar(v):
    """tanh of a scalar: the vectorisable rational form in float32, libm in float64
    (where the parity tests need full precision)."""
    return np.tanh(v)


def _sigmoid(v):
    """Logistic sigmoid 1 / (1 + exp(-v)) of a scalar (float32: via tanh)."""
    return 1.0 / (1.0 + np.exp(-v))


# error_model="numpy": a float division by zero gives inf instead of raising, so
# the compiled division has no branch and loops over it vectorise; "contract" lets
# a * b + c become one fused multiply-add (one rounding instead of two): the step
# products and cells of an (8, 128) LSTM ran 6-16% faster with it
_JIT = {"cache": True, "error_model": "numpy", "fastmath": {"contract"}}


@overload(tanh_scalar, jit_options=_JIT)
def _tanh_impl(v):
    if isinstance(v, types.Float) and v.bitwidth == 32:
        return _tanh32
    return lambda v: np.tanh(v)


@overload(_sigmoid, jit_options=_JIT)
def _sigmoid_impl(v):
    if isinstance(v, types.Float) and v.bitwidth == 32:
        return lambda v: _HALF + _HALF * tanh_scalar(_HALF * v)  # s(v) = (1 + tanh(v/2)) / 2
    return lambda v: 1.0 / (1.0 + np.exp(-v))


# below this many output columns N the 4 x 4 blocks of _mm do not pay for
# loading their 16 entries of a (measured: (8, 128) @ (128, 32) about 20% slower)
_BLOCK_MIN_COLS = 64


@njit(**_JIT)
def _mm(a, b, out):
    # out (M, N) = a (M, K) @ b (K, N) in 4 x 4 blocks of a: the inner loop runs
    # along contiguous rows of b and out, so it vectorises; each row of b loaded
    # serves four rows of out, and each pass over a row of out adds four
    # products, so its loads and stores (the limit of a one-product-per-pass
    # loop) cost a quarter as much: measured 1.1-2.4x faster than that loop for
    # the (8, 32..512) @ (32..512, 128..512) step products. Plain loops rather
    # than a BLAS call: the per-step products are small, and BLAS here would wake
    # a second thread pool (and need SciPy's BLAS bindings at compile time).
    M, K = a.shape
    N = b.shape[1]
    if N < _BLOCK_MIN_COLS:
        _mm_rows4(a, b, out)
        return
    i = 0
    while i + 4 <= M:
        out[i:i + 4] = 0.0
        k = 0
        while k + 4 <= K:
            a00, a01, a02, a03 = a[i, k], a[i, k + 1], a[i, k + 2], a[i, k + 3]
            a10, a11, a12, a13 = a[i + 1, k], a[i + 1, k + 1], a[i + 1, k + 2], a[i + 1, k + 3]
            a20, a21, a22, a23 = a[i + 2, k], a[i + 2, k + 1], a[i + 2, k + 2], a[i + 2, k + 3]
            a30, a31, a32, a33 = a[i + 3, k], a[i + 3, k + 1], a[i + 3, k + 2], a[i + 3, k + 3]
            for j in range(N):
                b0, b1, b2, b3 = b[k, j], b[k + 1, j], b[k + 2, j], b[k + 3, j]
                out[i, j] += a00 * b0 + a01 * b1 + a02 * b2 + a03 * b3
                out[i + 1, j] += a10 * b0 + a11 * b1 + a12 * b2 + a13 * b3
                out[i + 2, j] += a20 * b0 + a21 * b1 + a22 * b2 + a23 * b3
                out[i + 3, j] += a30 * b0 + a31 * b1 + a32 * b2 + a33 * b3
            k += 4
        for kk in range(k, K):  # the 0-3 columns of a left over
            for r in range(i, i + 4):
                ark = a[r, kk]
                for j in range(N):
                    out[r, j] += ark * b[kk, j]
        i += 4
    _mm_tail(a, b, out, i)


@njit(**_JIT)
def _mm_rows4(a, b, out):
    # out (M, N) = a (M, K) @ b (K, N) for narrow outputs: four rows of a at a
    # time, one product per pass over the rows of out (rnn.reference writes the
    # same step product as h @ W_hh.T)
    M, K = a.shape
    N = b.shape[1]
    i = 0
    while i + 4 <= M:
        out[i:i + 4] = 0.0
        for k in range(K):
            a0, a1, a2, a3 = a[i, k], a[i + 1, k], a[i + 2, k], a[i + 3, k]
            for j in range(N):
                bkj = b[k, j]
                out[i, j] += a0 * bkj
                out[i + 1, j] += a1 * bkj
                out[i + 2, j] += a2 * bkj
                out[i + 3, j] += a3 * bkj
        i += 4
    _mm_tail(a, b, out, i)


@njit(**_JIT)
def _mm_tail(a, b, out, i0):
    # rows i0.. of out = a @ b one row at a time (all rows when B < 4, else the
    # 0-3 left over); four columns of a per pass over the row of out, which cuts
    # its loads and stores by four (measured 1.2-1.5x faster than one column)
    K = a.shape[1]
    N = b.shape[1]
    for i in range(i0, a.shape[0]):
        o = out[i]
        o[:] = 0.0
        k = 0
        while k + 4 <= K:
            a0, a1, a2, a3 = a[i, k], a[i, k + 1], a[i, k + 2], a[i, k + 3]
            b0, b1, b2, b3 = b[k], b[k + 1], b[k + 2], b[k + 3]
            for j in range(N):
                o[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j]
            k += 4
        for kk in range(k, K):  # the 0-3 columns of a left over
            aik = a[i, kk]
            for j in range(N):
                o[j] += aik * b[kk, j]


# ---------------------------------------------------------------------- tanh RNN
def rnn_forward(xw, w_hh_t, h0):
    """tanh RNN over time.

    Parameters
    ----------
    xw : (B, T, H) input projections incl. both biases
    w_hh_t : (H, H) contiguous W_hh.T
    h0 : (B, H) initial state

    Returns
    -------
    hs : (B, T, H) hidden states
    """
    hs = np.empty_like(xw)
    run_groups(_rnn_forward_rows, xw.shape[0], xw, w_hh_t, h0, hs)
    return hs


@njit(nogil=True, **_JIT)
def _rnn_forward_rows(xw, w_hh_t, h0, hs, b0, b1):
    T, H = xw.shape[1], xw.shape[2]
    h = h0[b0:b1].copy()
    a = np.empty((b1 - b0, H), xw.dtype)
    for t in range(T):
        _mm(h, w_hh_t, a)  # (rows, H) @ (H, H)
        for r in range(b1 - b0):
            for i in range(H):
                v = tanh_scalar(xw[b0 + r, t, i] + a[r, i])
                h[r, i] = v
                hs[b0 + r, t, i] = v


def rnn_backward(dhs, hs, w_hh):
    """BPTT of :func:`rnn_forward`.

    Returns
    -------
    dpre : (B, T, H) gradient wrt the pre-activations xw[t] + h[t-1] W_hh^T
    dh0 : (B, H)
    """
    dpre = np.empty_like(hs)
    dh0 = np.empty((hs.shape[0], hs.shape[2]), hs.dtype)
    run_groups(_rnn_backward_rows, hs.shape[0], dhs, hs, w_hh, dpre, dh0)
    return dpre, dh0


@njit(nogil=True, **_JIT)
def _rnn_backward_rows(dhs, hs, w_hh, dpre, dh0, b0, b1):
    T, H = hs.shape[1], hs.shape[2]
    dh = np.zeros((b1 - b0, H), hs.dtype)
    dp = np.empty((b1 - b0, H), hs.dtype)
    for t in range(T - 1, -1, -1):
        for r in range(b1 - b0):
            for i in range(H):
                y = hs[b0 + r, t, i]
                v = (dhs[b0 + r, t, i] + dh[r, i]) * (1.0 - y * y)
                dp[r, i] = v
                dpre[b0 + r, t, i] = v
        _mm(dp, w_hh, dh)  # (rows, H) @ (H, H)
    dh0[b0:b1] = dh


# ---------------------------------------------------------------------- LSTM
def lstm_forward(xw, w_hh_t, h0, c0):
    """LSTM over time.

    Parameters
    ----------
    xw : (B, T, 4H) input projections incl. both biases, gate order i, f, g, o
    w_hh_t : (H, 4H) contiguous W_hh.T
    h0, c0 : (B, H)

    Returns
    -------
    hs, cs : (B, T, H) hidden and cell states
    acts : (B, T, 4H) activated gates s(i), s(f), tanh(g), s(o)
    """
    B, T, G = xw.shape
    hs = np.empty((B, T, G // 4), xw.dtype)
    cs = np.empty_like(hs)
    acts = np.empty_like(xw)
    run_groups(_lstm_forward_rows, B, xw, w_hh_t, h0, c0, hs, cs, acts)
    return hs, cs, acts


@njit(nogil=True, **_JIT)
def _lstm_forward_rows(xw, w_hh_t, h0, c0, hs, cs, acts, b0, b1):
    T, G = xw.shape[1], xw.shape[2]
    h = h0[b0:b1].copy()
    c = c0[b0:b1].copy()
    a = np.empty((b1 - b0, G), xw.dtype)
    for t in range(T):
        _mm(h, w_hh_t, a)  # (rows, H) @ (H, 4H)
        for r in range(b1 - b0):
            b = b0 + r
            _lstm_cell(xw[b, t], a[r], c[r], h[r], acts[b, t], cs[b, t], hs[b, t])


@njit(**_JIT)
def _lstm_cell(xw, a, c, h, act, cs, hs):
    # one row: xw, a, act (4H,); c, h updated in place; cs, hs (H,) written.
    # Separate simple loops over contiguous rows, so each one vectorises.
    H = c.shape[0]
    for j in range(2 * H):  # i, f
        act[j] = _sigmoid(xw[j] + a[j])
    for j in range(2 * H, 3 * H):  # g
        act[j] = tanh_scalar(xw[j] + a[j])
    for j in range(3 * H, 4 * H):  # o
        act[j] = _sigmoid(xw[j] + a[j])
    for j in range(H):
        cn = act[H + j] * c[j] + act[j] * act[2 * H + j]
        c[j] = cn
        cs[j] = cn
    for j in range(H):
        hn = act[3 * H + j] * tanh_scalar(c[j])
        h[j] = hn
        hs[j] = hn


def lstm_backward(dhs, cs, acts, c0, w_hh):
    """BPTT of :func:`lstm_forward`.

    Returns
    -------
    dpre : (B, T, 4H) gradient wrt gate pre-activations
    dh0, dc0 : (B, H)
    """
    B, T, H = cs.shape
    dpre = np.empty_like(acts)
    dh0 = np.empty((B, H), cs.dtype)
    dc0 = np.empty_like(dh0)
    tcs = np.empty_like(cs)  # scratch: tanh(c[t])
    run_groups(_lstm_backward_rows, B, dhs, cs, acts, c0, w_hh, tcs, dpre, dh0, dc0)
    return dpre, dh0, dc0


@njit(nogil=True, **_JIT)
def _lstm_backward_rows(dhs, cs, acts, c0, w_hh, tcs, dpre, dh0, dc0, b0, b1):
    T, H = cs.shape[1], cs.shape[2]
    one = np.ones(1, cs.dtype)[0]  # 1 in the arrays' dtype: no float64 promotion
    for b in range(b0, b1):  # tanh(c[t]) for all steps at once, outside the serial chain
        for t in range(T):
            for j in range(H):
                tcs[b, t, j] = tanh_scalar(cs[b, t, j])
    dh = np.zeros((b1 - b0, H), cs.dtype)
    dc = np.zeros((b1 - b0, H), cs.dtype)
    dp = np.empty((b1 - b0, 4 * H), cs.dtype)
    for t in range(T - 1, -1, -1):
        for r in range(b1 - b0):
            b = b0 + r
            cp = cs[b, t - 1] if t > 0 else c0[b]
            _lstm_cell_back(dhs[b, t], acts[b, t], tcs[b, t], cp, dh[r], dc[r], dp[r], one)
        dpre[b0:b1, t, :] = dp
        _mm(dp, w_hh, dh)  # (rows, 4H) @ (4H, H)
    dh0[b0:b1] = dh
    dc0[b0:b1] = dc


@njit(**_JIT)
def _lstm_cell_back(dhs, act, tc, cp, dh, dc, dp, one):
    # one row: dp (4H,) = gradient wrt the gate pre-activations; dc updated in place
    H = tc.shape[0]
    for j in range(H):
        ig = act[j]
        fg = act[H + j]
        gg = act[2 * H + j]
        og = act[3 * H + j]
        dhv = dhs[j] + dh[j]
        dcv = dc[j] + dhv * og * (one - tc[j] * tc[j])
        dp[j] = dcv * gg * ig * (one - ig)
        dp[H + j] = dcv * cp[j] * fg * (one - fg)
        dp[2 * H + j] = dcv * ig * (one - gg * gg)
        dp[3 * H + j] = dhv * tc[j] * og * (one - og)
        dc[j] = dcv * fg


# ---------------------------------------------------------------------- GRU
def gru_forward(xw, w_hh_t, b_hh, h0):
    """GRU over time.

    Parameters
    ----------
    xw : (B, T, 3H) x W_ih^T + b_ih, gate order r, z, n
    w_hh_t : (H, 3H) contiguous W_hh.T
    b_hh : (3H,)
    h0 : (B, H)

    Returns
    -------
    hs : (B, T, H)
    acts : (B, T, 3H) r, z, n after their nonlinearities
    ghn : (B, T, H) W_hn h[t-1] + b_hn (needed by the backward pass)
    """
    B, T, G = xw.shape
    hs = np.empty((B, T, G // 3), xw.dtype)
    acts = np.empty_like(xw)
    ghn = np.empty_like(hs)
    run_groups(_gru_forward_rows, B, xw, w_hh_t, b_hh, h0, hs, acts, ghn)
    return hs, acts, ghn


@njit(nogil=True, **_JIT)
def _gru_forward_rows(xw, w_hh_t, b_hh, h0, hs, acts, ghn, b0, b1):
    T, G = xw.shape[1], xw.shape[2]
    H = G // 3
    h = h0[b0:b1].copy()
    a = np.empty((b1 - b0, G), xw.dtype)
    for t in range(T):
        _mm(h, w_hh_t, a)  # (rows, H) @ (H, 3H)
        for r in range(b1 - b0):
            b = b0 + r
            for j in range(H):
                rg = _sigmoid(xw[b, t, j] + a[r, j] + b_hh[j])
                z = _sigmoid(xw[b, t, H + j] + a[r, H + j] + b_hh[H + j])
                hn = a[r, 2 * H + j] + b_hh[2 * H + j]
                n = tanh_scalar(xw[b, t, 2 * H + j] + rg * hn)
                hv = (1.0 - z) * n + z * h[r, j]
                h[r, j] = hv
                hs[b, t, j] = hv
                acts[b, t, j] = rg
                acts[b, t, H + j] = z
                acts[b, t, 2 * H + j] = n
                ghn[b, t, j] = hn


def gru_backward(dhs, hs, acts, ghn, h0, w_hh):
    """BPTT of :func:`gru_forward`.

    Returns
    -------
    dgi : (B, T, 3H) gradient wrt xw (the input-side pre-activations)
    dgh : (B, T, 3H) gradient wrt h[t-1] W_hh^T + b_hh
    dh0 : (B, H)
    """
    dgi = np.empty_like(acts)
    dgh = np.empty_like(acts)
    dh0 = np.empty_like(h0)
    run_groups(_gru_backward_rows, hs.shape[0], dhs, hs, acts, ghn, h0, w_hh, dgi, dgh, dh0)
    return dgi, dgh, dh0


@njit(nogil=True, **_JIT)
def _gru_backward_rows(dhs, hs, acts, ghn, h0, w_hh, dgi, dgh, dh0, b0, b1):
    T, H = hs.shape[1], hs.shape[2]
    dh = np.zeros((b1 - b0, H), hs.dtype)
    dp = np.empty((b1 - b0, 3 * H), hs.dtype)
    direct = np.empty((b1 - b0, H), hs.dtype)
    for t in range(T - 1, -1, -1):
        for r in range(b1 - b0):
            b = b0 + r
            for j in range(H):
                rg = acts[b, t, j]
                z = acts[b, t, H + j]
                n = acts[b, t, 2 * H + j]
                hp = hs[b, t - 1, j] if t > 0 else h0[b, j]
                g = dhs[b, t, j] + dh[r, j]
                dan = g * (1.0 - z) * (1.0 - n * n)
                dar = dan * ghn[b, t, j] * rg * (1.0 - rg)
                daz = g * (hp - n) * z * (1.0 - z)
                dgi[b, t, j] = dar
                dgi[b, t, H + j] = daz
                dgi[b, t, 2 * H + j] = dan
                dp[r, j] = dar
                dp[r, H + j] = daz
                dp[r, 2 * H + j] = dan * rg
                direct[r, j] = g * z
        dgh[b0:b1, t, :] = dp
        _mm(dp, w_hh, dh)  # (rows, 3H) @ (3H, H)
        dh += direct
    dh0[b0:b1] = dh
