"""Layer objects: parameters, forward, backward.

Every layer shares one small interface:

- ``params()`` -> dict name -> array (the live arrays, updated in place by optimisers)
- ``grads()``  -> dict name -> array, filled by ``backward``
- ``forward(x, train=False)`` caches what the backward pass needs
- ``backward(dy)`` returns the gradient wrt the input and fills ``grads()``

Sequences are channels-last (B, T, C). Initialisations follow PyTorch's defaults,
the weight-normed convolution included: v ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) and
g = ||v|| per output channel, so w = v at the start. That is the effective start of the
CL-RNN authors' code: it draws ``conv.weight`` from N(0, 0.01) *after* wrapping the
convolution in weight norm, which recomputes the weight from (g, v) on every forward
call, so that draw never reaches the model. ``init="as-written"`` (:data:`CONV_INITS`)
starts the convolution as that code reads instead: v ~ N(0, 0.01^2) (standard deviation
0.01, PyTorch's ``normal_(0, 0.01)``), g = ||v||, so w = v ~ N(0, 0.01^2).
"""
import numpy as np

from adders.errors import CarrylabRuntimeError, CarrylabValueError

from . import kernels as K
from adders.checks import check_choice

from ._checks import check_dtype, check_int, check_prob

__all__ = [
    "Layer",
    "CausalConv1d",
    "ReLU",
    "Dropout",
    "Linear",
    "Embedding",
    "RNNCell",
    "CONV_INITS",
    "EMBEDDING_INITS",
]

#: Starts of the weight-normed convolution: "pytorch" (the effective start of the
#: authors' code, and the default) or "as-written" (the N(0, 0.01) draw their code makes).
CONV_INITS = ("pytorch", "as-written")

#: Starts of the embedding table: "normal" E ~ N(0, 0.01^2) (carrylab's default) or
#: "uniform" E ~ U(-0.1, 0.1) (the CL-RNN authors' character model).
EMBEDDING_INITS = ("normal", "uniform")


class Layer:
    """Base class: holds ``_params``, ``_grads`` and the forward cache."""

    def __init__(self):
        self._params = {}
        self._grads = {}
        self._cache = None

    def params(self):
        """Parameters, name -> array."""
        return dict(self._params)

    def grads(self):
        """Gradients from the last ``backward``, name -> array (zeros before)."""
        return dict(self._grads)

    def _init_grads(self):
        self._grads = {k: np.zeros_like(v) for k, v in self._params.items()}

    def _need_cache(self):
        if self._cache is None:
            raise CarrylabRuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._cache


def _uniform(rng, bound, shape, dtype):
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


class CausalConv1d(Layer):
    """Weight-normalised causal dilated Conv1d, (B, T, C_in) -> (B, T, C_out).

    Parameters: v (C_out, C_in, k), g (C_out,), b (C_out,); w = g v / ||v||.
    y[t] depends on x[t - (k-1) d .. t]. Cost 2 B T k C_in C_out flops forward.
    ``relu=True`` makes the layer output max(y, 0), fused into the convolution's
    passes (cheaper than a separate :class:`ReLU`). ``init``: one of
    :data:`CONV_INITS` (see the module docstring); g = ||v|| per output channel and
    b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) in both, fan_in = C_in k.
    """

    def __init__(self, in_channels, out_channels, kernel_size, dilation=1,
                 dtype=np.float32, rng=None, relu=False, init="pytorch"):
        super().__init__()
        self.relu = bool(relu)
        self.in_channels = check_int(in_channels, "in_channels")
        self.out_channels = check_int(out_channels, "out_channels")
        self.kernel_size = check_int(kernel_size, "kernel_size")
        self.dilation = check_int(dilation, "dilation")
        dtype = check_dtype(dtype)
        rng = np.random.default_rng() if rng is None else rng
        check_choice("conv_init", init, CONV_INITS)
        bound = 1.0 / np.sqrt(in_channels * kernel_size)       # 1 / sqrt(fan_in)
        shape = (out_channels, in_channels, kernel_size)
        if init == "pytorch":
            v = _uniform(rng, bound, shape, dtype)
        else:
            v = rng.normal(0.0, 0.01, shape).astype(dtype)
        g = np.sqrt(np.sum(v.astype(np.float64) ** 2, axis=(1, 2))).astype(dtype)
        b = _uniform(rng, bound, out_channels, dtype)
        self._params = {"v": v, "g": g, "b": b}
        self._init_grads()

    def forward(self, x, train=False):
        """x (B, T, C_in) -> ReLU(conv) or conv (B, T, C_out), causal."""
        p = self._params
        w, norm = K.weight_norm_forward(p["v"], p["g"])
        y = K.causal_conv1d_forward(x, w, p["b"], self.dilation, relu=self.relu)
        # the backward pass re-gathers x block by block; y gives the ReLU's mask
        self._cache = (w, norm, x, y if self.relu else None)
        return y

    def backward(self, dy, need_dx=True):
        """Fills grads; returns dx (B, T, C_in), or None when need_dx is False."""
        w, norm, x, y = self._need_cache()
        p = self._params
        dx, dw, db = K.causal_conv1d_backward(dy, x, w, self.dilation, need_dx, y=y)
        dv, dg = K.weight_norm_backward(p["v"], p["g"], norm, dw)
        self._grads = {"v": dv, "g": dg, "b": db}
        return dx


class ReLU(Layer):
    """y = max(x, 0)."""

    def forward(self, x, train=False):
        """max(x, 0), elementwise."""
        y = K.relu_forward(x)
        self._cache = y
        return y

    def backward(self, dy):
        """dx = dy where the input was positive, else 0."""
        return K.relu_backward(self._need_cache(), dy)


class Dropout(Layer):
    """Inverted dropout with probability p, active only when ``train=True``.

    ``fixed_mask`` (an array of the input's shape), when set, replaces the random
    draw: used for gradient checks and for parity runs against other frameworks.
    """

    def __init__(self, p, rng=None):
        super().__init__()
        self.p = check_prob(p, "dropout")
        self.rng = np.random.default_rng() if rng is None else rng
        self.fixed_mask = None

    def forward(self, x, train=False):
        """x times an inverted-dropout mask (fresh, or ``fixed_mask``) when ``train``, else x."""
        if not train or (self.p == 0.0 and self.fixed_mask is None):
            self._cache = False
            return x
        if self.fixed_mask is not None:
            if self.fixed_mask.shape != x.shape:
                raise CarrylabValueError(f"fixed_mask must have the input's shape {x.shape}, "
                                 f"got {self.fixed_mask.shape}")
            mask = self.fixed_mask.astype(x.dtype, copy=False)
        else:
            mask = K.dropout_mask(x.shape, self.p, self.rng, x.dtype)
        self._cache = mask
        return K.dropout_forward(x, mask)

    def backward(self, dy):
        """dx = dy times the mask of the last forward pass."""
        mask = self._need_cache()
        if mask is False:
            return dy
        return K.dropout_backward(dy, mask)


class Linear(Layer):
    """y = x W^T + b, (..., I) -> (..., O). W (O, I), b (O,)."""

    def __init__(self, in_features, out_features, dtype=np.float32, rng=None):
        super().__init__()
        self.in_features = check_int(in_features, "in_features")
        self.out_features = check_int(out_features, "out_features")
        dtype = check_dtype(dtype)
        rng = np.random.default_rng() if rng is None else rng
        bound = 1.0 / np.sqrt(in_features)
        self._params = {"W": _uniform(rng, bound, (out_features, in_features), dtype),
                        "b": _uniform(rng, bound, out_features, dtype)}
        self._init_grads()

    def forward(self, x, train=False):
        """y = x W^T + b: (..., in_features) -> (..., out_features)."""
        self._cache = x
        return K.linear_forward(x, self._params["W"], self._params["b"])

    def backward(self, dy):
        """dx (..., in_features) from dy; fills ``grads()``."""
        x = self._need_cache()
        dx, dw, db = K.linear_backward(x, self._params["W"], dy)
        self._grads = {"W": dw, "b": db}
        return dx


class Embedding(Layer):
    """y = E[idx], (B, T) ints -> (B, T, D). E (V, D) ~ N(0, 0.01^2) with
    ``init="normal"``, U(-0.1, 0.1) with ``init="uniform"`` (:data:`EMBEDDING_INITS`)."""

    def __init__(self, num_embeddings, embedding_dim, dtype=np.float32, rng=None, init="normal"):
        super().__init__()
        self.num_embeddings = check_int(num_embeddings, "num_embeddings")
        self.embedding_dim = check_int(embedding_dim, "embedding_dim")
        dtype = check_dtype(dtype)
        rng = np.random.default_rng() if rng is None else rng
        check_choice("embedding_init", init, EMBEDDING_INITS)
        shape = (num_embeddings, embedding_dim)
        weight = rng.normal(0.0, 0.01, shape) if init == "normal" else rng.uniform(-0.1, 0.1, shape)
        self._params = {"weight": weight.astype(dtype)}
        self._init_grads()

    def forward(self, idx, train=False):
        """Rows of the table: idx (B, T) ints -> (B, T, embedding_dim)."""
        self._cache = idx
        return K.embedding_forward(idx, self._params["weight"])

    def backward(self, dy):
        """Scatter-add dy into the table's gradient; returns None (indices have none)."""
        idx = self._need_cache()
        self._grads = {"weight": K.embedding_backward(idx, dy, self.num_embeddings)}
        return None


class RNNCell(Layer):
    """tanh RNN cell applied to every step at once (no recurrence here):

        h[t] = tanh(W_ih x[t] + b_ih + W_hh c[t] + b_hh)

    x (B, T, I), c (B, T, H) -> h (B, T, H). In CL-RNN, c[t] is the carry
    module's stand-in for h[t-1]. W_ih (H, I), W_hh (H, H), b_ih, b_hh (H,)
    with PyTorch's U(-1/sqrt(H), 1/sqrt(H)) start.
    """

    def __init__(self, input_size, hidden_size, dtype=np.float32, rng=None):
        super().__init__()
        self.input_size = check_int(input_size, "input_size")
        self.hidden_size = check_int(hidden_size, "hidden_size")
        dtype = check_dtype(dtype)
        rng = np.random.default_rng() if rng is None else rng
        k = 1.0 / np.sqrt(hidden_size)
        H, I = hidden_size, input_size
        self._params = {"W_ih": _uniform(rng, k, (H, I), dtype),
                        "W_hh": _uniform(rng, k, (H, H), dtype),
                        "b_ih": _uniform(rng, k, H, dtype),
                        "b_hh": _uniform(rng, k, H, dtype)}
        self._init_grads()

    def forward(self, x, c, train=False):
        """h = tanh(W_ih x + b_ih + W_hh c + b_hh) for every step at once: (B, T, H)."""
        p = self._params
        pre = x @ p["W_ih"].T  # (B, T, I) @ (I, H) -> (B, T, H)
        pre += c @ p["W_hh"].T  # (B, T, H) @ (H, H)
        pre += p["b_ih"] + p["b_hh"]
        h = K.tanh_forward(pre)
        self._cache = (x, c, h)
        return h

    def backward(self, dh, need_dx=True):
        """Returns (dx, dc) shaped like the forward inputs (dx None if not need_dx)."""
        x, c, h = self._need_cache()
        p = self._params
        B, T, H = h.shape
        dpre = K.tanh_backward(h, dh).reshape(B * T, H)  # (B*T, H)
        db = dpre.sum(axis=0)
        self._grads = {"W_ih": dpre.T @ x.reshape(B * T, -1),  # (H, B*T) @ (B*T, I)
                       "W_hh": dpre.T @ c.reshape(B * T, H),  # (H, B*T) @ (B*T, H)
                       "b_ih": db, "b_hh": db.copy()}
        dx = (dpre @ p["W_ih"]).reshape(B, T, -1) if need_dx else None  # (B*T, H) @ (H, I)
        dc = (dpre @ p["W_hh"]).reshape(B, T, H)  # (B*T, H) @ (H, H)
        return dx, dc
