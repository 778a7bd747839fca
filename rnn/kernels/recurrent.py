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

s is the logistic sigmoid. Backward kernels return the gradients with respect to
the pre-activations for all steps, so the weight gradients become one BLAS
product each outside (dW_hh = dpre^T @ h_prev). Depth is T; work is
O(T B G H^2) with G = 1, 4, 3 gates.
"""
import numpy as np
from numba import njit

__all__ = [
    "rnn_forward",
    "rnn_backward",
    "lstm_forward",
    "lstm_backward",
    "gru_forward",
    "gru_backward",
]


@njit(cache=True)
def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


@njit(cache=True)
def _mm(a, b, out):
    # out (M, N) = a (M, K) @ b (K, N); the inner loop runs along contiguous rows
    # of b and out, so it vectorises. Plain loops rather than a BLAS call: the
    # per-step products are small, and BLAS here would wake a second thread pool
    # (and need SciPy's BLAS bindings at compile time).
    M, K = a.shape
    N = b.shape[1]
    for i in range(M):
        for j in range(N):
            out[i, j] = 0.0
        for k in range(K):
            aik = a[i, k]
            for j in range(N):
                out[i, j] += aik * b[k, j]


@njit(cache=True)
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
    B, T, H = xw.shape
    hs = np.empty_like(xw)
    h = h0.copy()
    a = np.empty((B, H), xw.dtype)
    for t in range(T):
        _mm(h, w_hh_t, a)  # (B, H) @ (H, H)
        for b in range(B):
            for i in range(H):
                v = np.tanh(xw[b, t, i] + a[b, i])
                h[b, i] = v
                hs[b, t, i] = v
    return hs


@njit(cache=True)
def rnn_backward(dhs, hs, w_hh):
    """BPTT of :func:`rnn_forward`.

    Returns
    -------
    dpre : (B, T, H) gradient wrt the pre-activations xw[t] + h[t-1] W_hh^T
    dh0 : (B, H)
    """
    B, T, H = hs.shape
    dpre = np.empty_like(hs)
    dh = np.zeros((B, H), hs.dtype)
    dp = np.empty((B, H), hs.dtype)
    for t in range(T - 1, -1, -1):
        for b in range(B):
            for i in range(H):
                y = hs[b, t, i]
                v = (dhs[b, t, i] + dh[b, i]) * (1.0 - y * y)
                dp[b, i] = v
                dpre[b, t, i] = v
        _mm(dp, w_hh, dh)  # (B, H) @ (H, H)
    return dpre, dh


@njit(cache=True)
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
    H = G // 4
    hs = np.empty((B, T, H), xw.dtype)
    cs = np.empty((B, T, H), xw.dtype)
    acts = np.empty_like(xw)
    h = h0.copy()
    c = c0.copy()
    a = np.empty((B, G), xw.dtype)
    for t in range(T):
        _mm(h, w_hh_t, a)  # (B, H) @ (H, 4H)
        for b in range(B):
            for j in range(H):
                ig = _sigmoid(xw[b, t, j] + a[b, j])
                fg = _sigmoid(xw[b, t, H + j] + a[b, H + j])
                gg = np.tanh(xw[b, t, 2 * H + j] + a[b, 2 * H + j])
                og = _sigmoid(xw[b, t, 3 * H + j] + a[b, 3 * H + j])
                cn = fg * c[b, j] + ig * gg
                hn = og * np.tanh(cn)
                c[b, j] = cn
                h[b, j] = hn
                cs[b, t, j] = cn
                hs[b, t, j] = hn
                acts[b, t, j] = ig
                acts[b, t, H + j] = fg
                acts[b, t, 2 * H + j] = gg
                acts[b, t, 3 * H + j] = og
    return hs, cs, acts


@njit(cache=True)
def lstm_backward(dhs, cs, acts, c0, w_hh):
    """BPTT of :func:`lstm_forward`.

    Returns
    -------
    dpre : (B, T, 4H) gradient wrt gate pre-activations
    dh0, dc0 : (B, H)
    """
    B, T, H = cs.shape
    dpre = np.empty_like(acts)
    dh = np.zeros((B, H), cs.dtype)
    dc = np.zeros((B, H), cs.dtype)
    dp = np.empty((B, 4 * H), cs.dtype)
    for t in range(T - 1, -1, -1):
        for b in range(B):
            for j in range(H):
                ig = acts[b, t, j]
                fg = acts[b, t, H + j]
                gg = acts[b, t, 2 * H + j]
                og = acts[b, t, 3 * H + j]
                tc = np.tanh(cs[b, t, j])
                cp = cs[b, t - 1, j] if t > 0 else c0[b, j]
                dhv = dhs[b, t, j] + dh[b, j]
                dcv = dc[b, j] + dhv * og * (1.0 - tc * tc)
                dp[b, j] = dcv * gg * ig * (1.0 - ig)
                dp[b, H + j] = dcv * cp * fg * (1.0 - fg)
                dp[b, 2 * H + j] = dcv * ig * (1.0 - gg * gg)
                dp[b, 3 * H + j] = dhv * tc * og * (1.0 - og)
                dc[b, j] = dcv * fg
        dpre[:, t, :] = dp
        _mm(dp, w_hh, dh)  # (B, 4H) @ (4H, H)
    return dpre, dh, dc


@njit(cache=True)
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
    H = G // 3
    hs = np.empty((B, T, H), xw.dtype)
    acts = np.empty_like(xw)
    ghn = np.empty((B, T, H), xw.dtype)
    h = h0.copy()
    a = np.empty((B, G), xw.dtype)
    for t in range(T):
        _mm(h, w_hh_t, a)  # (B, H) @ (H, 3H)
        for b in range(B):
            for j in range(H):
                r = _sigmoid(xw[b, t, j] + a[b, j] + b_hh[j])
                z = _sigmoid(xw[b, t, H + j] + a[b, H + j] + b_hh[H + j])
                hn = a[b, 2 * H + j] + b_hh[2 * H + j]
                n = np.tanh(xw[b, t, 2 * H + j] + r * hn)
                hv = (1.0 - z) * n + z * h[b, j]
                h[b, j] = hv
                hs[b, t, j] = hv
                acts[b, t, j] = r
                acts[b, t, H + j] = z
                acts[b, t, 2 * H + j] = n
                ghn[b, t, j] = hn
    return hs, acts, ghn


@njit(cache=True)
def gru_backward(dhs, hs, acts, ghn, h0, w_hh):
    """BPTT of :func:`gru_forward`.

    Returns
    -------
    dgi : (B, T, 3H) gradient wrt xw (the input-side pre-activations)
    dgh : (B, T, 3H) gradient wrt h[t-1] W_hh^T + b_hh
    dh0 : (B, H)
    """
    B, T, H = hs.shape
    dgi = np.empty_like(acts)
    dgh = np.empty_like(acts)
    dh = np.zeros((B, H), hs.dtype)
    dp = np.empty((B, 3 * H), hs.dtype)
    direct = np.empty((B, H), hs.dtype)
    for t in range(T - 1, -1, -1):
        for b in range(B):
            for j in range(H):
                r = acts[b, t, j]
                z = acts[b, t, H + j]
                n = acts[b, t, 2 * H + j]
                hp = hs[b, t - 1, j] if t > 0 else h0[b, j]
                g = dhs[b, t, j] + dh[b, j]
                dan = g * (1.0 - z) * (1.0 - n * n)
                dar = dan * ghn[b, t, j] * r * (1.0 - r)
                daz = g * (hp - n) * z * (1.0 - z)
                dgi[b, t, j] = dar
                dgi[b, t, H + j] = daz
                dgi[b, t, 2 * H + j] = dan
                dp[b, j] = dar
                dp[b, H + j] = daz
                dp[b, 2 * H + j] = dan * r
                direct[b, j] = g * z
        dgh[:, t, :] = dp
        _mm(dp, w_hh, dh)  # (B, 3H) @ (3H, H)
        dh += direct
    return dgi, dgh, dh
