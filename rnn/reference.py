"""Plain-NumPy reference implementations of every model and kernel in :mod:`rnn`.

Written to be read, not to be fast: explicit padding, loops over taps and time steps,
textbook formulas, float64 throughout. The compiled kernels (:mod:`rnn.kernels`) and
the bodies (:mod:`rnn.models`, :mod:`rnn.linear`) compute the same things faster; the
tests compare them against the functions here:

* layers: :func:`weight_norm`, causal dilated convolution (:func:`conv_forward`), ReLU,
  dropout, tanh, linear, embedding, and the losses;
* serial RNNs in PyTorch's layout, forward and backpropagation through time:
  :func:`rnn_forward` (Elman), :func:`lstm_forward`, :func:`gru_forward`;
* parallel ones: one TCN level (:func:`tcn_level`), the CL-RNN
  (:func:`clrnn_forward`: carries c = TCN(x), then h[t] = tanh(W_ih x[t] + b_ih
  + W_hh c[t] + b_hh) for all t), and the linear recurrence
  h[t] = a[t] h[t-1] + b[t] (:func:`linear_recurrence`).

Shapes: x (B, T, I) batch, time, features; weights in PyTorch's layout (out, in).
"""
import numpy as np

__all__ = [
    "sigmoid", "weight_norm", "conv_forward", "conv_backward",
    "relu_forward", "relu_backward", "dropout_forward", "dropout_backward",
    "tanh_forward", "tanh_backward",
    "linear_forward", "linear_backward", "embedding_forward", "embedding_backward",
    "bce_with_logits", "softmax_cross_entropy",
    "rnn_forward", "rnn_backward", "lstm_forward", "lstm_backward",
    "gru_forward", "gru_backward",
    "tcn_level", "clrnn_forward", "linear_recurrence",
]


def sigmoid(a):
    """Logistic sigmoid 1 / (1 + exp(-a)), elementwise."""
    return 1.0 / (1.0 + np.exp(-a))


# ---------------------------------------------------------------- weight-normed conv

def weight_norm(v, g):
    """w = g v / ||v||, norm per output channel."""
    w = np.empty_like(v)
    for o in range(v.shape[0]):
        w[o] = g[o] * v[o] / np.sqrt(np.sum(v[o] ** 2))
    return w


def conv_forward(x, v, g, b, d):
    """x (B, T, C_in): left-pad (k-1) d zeros, then y[t] = sum_j w[:, :, j] xpad[t + j d]."""
    w = weight_norm(v, g)
    B, T, _ = x.shape
    k = v.shape[2]
    pad = (k - 1) * d
    xp = np.concatenate([np.zeros((B, pad, x.shape[2])), x], axis=1)
    y = np.zeros((B, T, v.shape[0])) + b
    for t in range(T):
        for j in range(k):
            y[:, t, :] += xp[:, t + j * d, :] @ w[:, :, j].T
    return y


def conv_backward(x, v, g, b, d, dy):
    """Returns dx, dv, dg, db by the chain rule through padding, taps and weight norm."""
    B, T, _ = x.shape
    k = v.shape[2]
    pad = (k - 1) * d
    w = weight_norm(v, g)
    xp = np.concatenate([np.zeros((B, pad, x.shape[2])), x], axis=1)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for t in range(T):
        for j in range(k):
            dw[:, :, j] += dy[:, t, :].T @ xp[:, t + j * d, :]
            dxp[:, t + j * d, :] += dy[:, t, :] @ w[:, :, j]
    dv = np.empty_like(v)
    dg = np.empty_like(g)
    for o in range(v.shape[0]):
        n = np.sqrt(np.sum(v[o] ** 2))
        dg[o] = np.sum(dw[o] * v[o]) / n
        # d(g v / n)/dv = g/n I - g v v^T / n^3
        dv[o] = g[o] / n * dw[o] - g[o] * np.sum(dw[o] * v[o]) * v[o] / n ** 3
    return dxp[:, pad:, :], dv, dg, dy.sum(axis=(0, 1))


# ------------------------------------------------------------------- elementwise

def relu_forward(x):
    """max(x, 0), elementwise."""
    return np.where(x > 0, x, 0.0)


def relu_backward(x, dy):
    """dx = dy where x > 0, else 0."""
    return np.where(x > 0, dy, 0.0)


def dropout_forward(x, mask):
    """x * mask; the mask holds 0 or 1 / (1 - p) (inverted dropout)."""
    return x * mask


def dropout_backward(dy, mask):
    """dx = dy * mask."""
    return dy * mask


def tanh_forward(x):
    """tanh(x), elementwise, in float64 (the kernels' float32 tanh is rational)."""
    return np.tanh(x)


def tanh_backward(x, dy):
    """dx = dy (1 - tanh(x)^2) = dy / cosh(x)^2."""
    return dy / np.cosh(x) ** 2


# ------------------------------------------------------------------------ dense

def linear_forward(x, w, b):
    """y = x w^T + b: x (..., I), w (O, I), b (O,) -> y (..., O)."""
    return np.einsum("...i,oi->...o", x, w) + b


def linear_backward(x, w, dy):
    """Returns dx (..., I), dw (O, I), db (O,) for y = x w^T + b."""
    dx = np.einsum("...o,oi->...i", dy, w)
    dw = np.einsum("no,ni->oi", dy.reshape(-1, w.shape[0]), x.reshape(-1, w.shape[1]))
    return dx, dw, dy.reshape(-1, w.shape[0]).sum(axis=0)


def embedding_forward(idx, e):
    """Rows of the table: idx (...) ints, e (V, E) -> (..., E)."""
    return np.stack([e[i] for i in idx.reshape(-1)]).reshape(idx.shape + (e.shape[1],))


def embedding_backward(idx, dy, vocab):
    """de (V, E): each row sums the dy of the positions that looked it up."""
    de = np.zeros((vocab, dy.shape[-1]))
    np.add.at(de, idx.reshape(-1), dy.reshape(-1, dy.shape[-1]))
    return de


# ----------------------------------------------------------------------- losses

def bce_with_logits(z, y):
    """-[y log s(z) + (1-y) log(1-s(z))] summed over features, mean over rows."""
    p = sigmoid(z)
    loss = -(y * np.log(p) + (1 - y) * np.log(1 - p)).sum(axis=1).mean()
    return loss, (p - y) / z.shape[0]


def softmax_cross_entropy(z, target):
    """Mean over rows of -log softmax(z)[target]: z (N, V), target (N,) ints.
    Returns (loss, dz)."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    n = np.arange(z.shape[0])
    loss = -np.log(p[n, target]).mean()
    d = p.copy()
    d[n, target] -= 1
    return loss, d / z.shape[0]


# -------------------------------------------------------------------- recurrent
# Each takes x (B, T, I) and PyTorch-layout weights, returns hs and the gradients
# of sum(hs * dhs) with respect to x and every weight, step by step.

def _bptt_zeros(x, W_ih, W_hh, b_ih, b_hh, B, H):
    """Zero gradients of the four weights, of x, and of the carried state (B, H)."""
    g = {"W_ih": np.zeros_like(W_ih), "W_hh": np.zeros_like(W_hh),
         "b_ih": np.zeros_like(b_ih), "b_hh": np.zeros_like(b_hh)}
    return g, np.zeros_like(x), np.zeros((B, H))


def rnn_forward(x, W_ih, W_hh, b_ih, b_hh):
    """Elman RNN: h[t] = tanh(W_ih x[t] + b_ih + W_hh h[t-1] + b_hh), h[-1] = 0.
    x (B, T, I), W_ih (H, I), W_hh (H, H) -> hs (B, T, H)."""
    B, T, _ = x.shape
    h = np.zeros((B, W_hh.shape[0]))
    hs = []
    for t in range(T):
        h = np.tanh(x[:, t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        hs.append(h)
    return np.stack(hs, axis=1)


def rnn_backward(x, W_ih, W_hh, b_ih, b_hh, dhs):
    """Backpropagation through time of sum(hs * dhs): returns dx (B, T, I) and a dict
    of the four weight gradients."""
    hs = rnn_forward(x, W_ih, W_hh, b_ih, b_hh)
    B, T, H = hs.shape
    g, dx, dh = _bptt_zeros(x, W_ih, W_hh, b_ih, b_hh, B, H)
    for t in reversed(range(T)):
        hp = hs[:, t - 1] if t > 0 else np.zeros((B, H))
        da = (dhs[:, t] + dh) * (1 - hs[:, t] ** 2)
        g["W_ih"] += da.T @ x[:, t]
        g["W_hh"] += da.T @ hp
        g["b_ih"] += da.sum(0)
        g["b_hh"] += da.sum(0)
        dx[:, t] = da @ W_ih
        dh = da @ W_hh
    return dx, g


def lstm_forward(x, W_ih, W_hh, b_ih, b_hh, return_all=False):
    """LSTM, PyTorch gates i, f, g, o: c[t] = s(f) c[t-1] + s(i) tanh(g),
    h[t] = s(o) tanh(c[t]), h[-1] = c[-1] = 0. W_ih (4H, I), W_hh (4H, H) ->
    hs (B, T, H); with ``return_all`` also the cell states and gates per step."""
    B, T, _ = x.shape
    H = W_hh.shape[1]
    h = np.zeros((B, H))
    c = np.zeros((B, H))
    hs, cs, gs = [], [], []
    for t in range(T):
        a = x[:, t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh
        i, f, gg, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), \
            sigmoid(a[:, 3 * H:])
        c = f * c + i * gg
        h = o * np.tanh(c)
        hs.append(h)
        cs.append(c)
        gs.append((i, f, gg, o))
    hs = np.stack(hs, axis=1)
    return (hs, cs, gs) if return_all else hs


def lstm_backward(x, W_ih, W_hh, b_ih, b_hh, dhs):
    """Backpropagation through time of sum(hs * dhs): returns dx and the weight gradients."""
    hs, cs, gs = lstm_forward(x, W_ih, W_hh, b_ih, b_hh, return_all=True)
    B, T, H = hs.shape
    g, dx, dh = _bptt_zeros(x, W_ih, W_hh, b_ih, b_hh, B, H)
    dc = np.zeros((B, H))
    for t in reversed(range(T)):
        i, f, gg, o = gs[t]
        cp = cs[t - 1] if t > 0 else np.zeros((B, H))
        hp = hs[:, t - 1] if t > 0 else np.zeros((B, H))
        dht = dhs[:, t] + dh
        tc = np.tanh(cs[t])
        do = dht * tc
        dct = dc + dht * o * (1 - tc ** 2)
        di, df, dg = dct * gg, dct * cp, dct * i
        da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - gg ** 2),
                             do * o * (1 - o)], axis=1)
        g["W_ih"] += da.T @ x[:, t]
        g["W_hh"] += da.T @ hp
        g["b_ih"] += da.sum(0)
        g["b_hh"] += da.sum(0)
        dx[:, t] = da @ W_ih
        dh = da @ W_hh
        dc = dct * f
    return dx, g


def gru_forward(x, W_ih, W_hh, b_ih, b_hh):
    """GRU, PyTorch gates r, z, n: n = tanh(W_in x + b_in + r (W_hn h + b_hn)),
    h[t] = (1 - z) n + z h[t-1], h[-1] = 0. W_ih (3H, I), W_hh (3H, H) -> hs (B, T, H)."""
    B, T, _ = x.shape
    H = W_hh.shape[1]
    h = np.zeros((B, H))
    hs = []
    for t in range(T):
        gi = x[:, t] @ W_ih.T + b_ih
        gh = h @ W_hh.T + b_hh
        r = sigmoid(gi[:, :H] + gh[:, :H])
        z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        h = (1 - z) * n + z * h
        hs.append(h)
    return np.stack(hs, axis=1)


def gru_backward(x, W_ih, W_hh, b_ih, b_hh, dhs):
    """Backpropagation through time of sum(hs * dhs): returns dx and the weight gradients."""
    hs = gru_forward(x, W_ih, W_hh, b_ih, b_hh)
    B, T, H = hs.shape
    g, dx, dh = _bptt_zeros(x, W_ih, W_hh, b_ih, b_hh, B, H)
    for t in reversed(range(T)):
        hp = hs[:, t - 1] if t > 0 else np.zeros((B, H))
        gi = x[:, t] @ W_ih.T + b_ih
        gh = hp @ W_hh.T + b_hh
        r = sigmoid(gi[:, :H] + gh[:, :H])
        z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        dht = dhs[:, t] + dh
        dn = dht * (1 - z)
        dz = dht * (hp - n)
        dan = dn * (1 - n ** 2)
        dr = dan * gh[:, 2 * H:]
        dar = dr * r * (1 - r)
        daz = dz * z * (1 - z)
        dgi = np.concatenate([dar, daz, dan], axis=1)
        dgh = np.concatenate([dar, daz, dan * r], axis=1)
        g["W_ih"] += dgi.T @ x[:, t]
        g["W_hh"] += dgh.T @ hp
        g["b_ih"] += dgi.sum(0)
        g["b_hh"] += dgh.sum(0)
        dx[:, t] = dgi @ W_ih
        dh = dht * z + dgh @ W_hh
    return dx, g


# --------------------------------------------------------------------- parallel

def tcn_level(x, v, g, b, d):
    """One level of the CL-RNN authors' reduced TCN: ReLU(causal conv of dilation d).

    x (B, T, C_in), v (C_out, C_in, k), g (C_out,), b (C_out,) -> (B, T, C_out); y[t]
    reads x[t - (k-1) d .. t] (dropout, applied after it in training, is left out).
    """
    return relu_forward(conv_forward(x, v, g, b, d))


def clrnn_forward(x, levels, W_ih, W_hh, b_ih, b_hh):
    """CL-RNN forward without dropout: carries c = TCN(x), then for every t at once
    h[t] = tanh(W_ih x[t] + b_ih + W_hh c[t] + b_hh).

    ``levels`` is a list of (v, g, b), level i with dilation 2^i; the last level has
    H channels. x (B, T, I), W_ih (H, I), W_hh (H, H) -> h (B, T, H).
    """
    c = x
    for i, (v, g, b) in enumerate(levels):
        c = tcn_level(c, v, g, b, 2 ** i)  # (B, T, C_i)
    return np.tanh(linear_forward(x, W_ih, b_ih) + linear_forward(c, W_hh, b_hh))  # (B, T, H)


def linear_recurrence(a, b, h0=None):
    """h[t] = a[t] h[t-1] + b[t], one step at a time, h[-1] = h0 (zero by default).

    a (T, D) multiplies elementwise (diagonal), a (T, D, D) is a matrix per step;
    b (T, D) -> h (T, D).
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    h = np.zeros(b.shape[1]) if h0 is None else np.asarray(h0, np.float64)
    out = np.empty_like(b)
    for t in range(b.shape[0]):
        h = (a[t] @ h if a.ndim == 3 else a[t] * h) + b[t]
        out[t] = h
    return out
