"""Sequence bodies: TCN, CLRNN (parallel over time) and ElmanRNN, LSTM, GRU (serial).

All map x (B, T, input_size) -> h (B, T, output_size) and share the interface

- ``params()`` / ``grads()``: dicts name -> array ("tcn.0.v", "cell.W_ih", ...)
- ``forward(x, train=False)``: dropout is active only when ``train=True``
- ``backward(dh, input_grad=True)``: fills ``grads()`` and returns dx
  (B, T, input_size); ``input_grad=False`` skips dx (inputs that are data)
- ``macs(batch, time)``: multiply-adds of one forward pass
- ``depth(time)``: longest chain of dependent layer applications

CL-RNN (Jiang et al., "Carry-lookahead RNN", Neural Networks 2021): a reduced TCN
computes a carry c[t] for every step at once from x[t-R+1 .. t], with
R = 1 + (k-1)(2^L - 1), and one tanh cell turns (x[t], c[t]) into
h[t] = tanh(W_ih x[t] + b_ih + W_hh c[t] + b_hh) for all t in parallel. The
serial baselines use PyTorch's gate conventions. Their initial states h0 (and c0 for
the LSTM), shaped (B, H), are zero (``initial_state="zeros"``), or, with
``initial_state="random"`` as the CL-RNN authors' baselines, fresh N(0, 1) draws at
every forward call, in training and in evaluation: ``h0 = state_rng.standard_normal((B,
H))``, then ``c0`` the same way, cast to the model's dtype. ``state_rng`` is the body's
own generator (seeded with ``seed``, continuing after the weight draws), so a run that
saves and restores its state resumes bit-identically. The states are inputs, not
parameters: ``state_used`` holds the last forward's, ``dstate`` their gradients.
"""
import numpy as np

from adders.checks import check_choice
from adders.errors import CarrylabRuntimeError, CarrylabTypeError, CarrylabValueError

from . import kernels as K
from ._checks import check_dtype, check_finite_params, check_int, check_prob, check_sequence
from .layers import CONV_INITS, CausalConv1d, Dropout, Layer, RNNCell

__all__ = ["Body", "TCN", "CLRNN", "ElmanRNN", "LSTM", "GRU", "INITIAL_STATES", "CONV_INITS"]

#: Initial states of the serial baselines: "zeros" (default) or "random" (N(0, 1) per call).
INITIAL_STATES = ("zeros", "random")


class Body:
    """Base class of the sequence bodies (see the module docstring)."""

    input_size: int
    output_size: int

    def _children(self):
        """Sub-layers as (prefix, layer) pairs; parameters come from these."""
        return []

    def params(self):
        """Parameters by name: the live arrays, updated in place by the optimiser."""
        out = {}
        for prefix, layer in self._children():
            for k, v in layer.params().items():
                out[f"{prefix}.{k}"] = v
        return out

    def grads(self):
        """Gradients by name, the keys of ``params()``, filled by ``backward``."""
        out = {}
        for prefix, layer in self._children():
            for k, v in layer.grads().items():
                out[f"{prefix}.{k}"] = v
        return out

    def forward(self, x, train=False):
        """x (B, T, input_size) -> h (B, T, output_size)."""
        x = check_sequence(x, "x", self.input_size, self.dtype)
        check_finite_params(self.params(), type(self).__name__)
        h = self._forward(x, train)
        self._out_shape = h.shape
        return h

    def backward(self, dh, input_grad=True):
        """dh (B, T, output_size) -> dx (B, T, input_size); fills ``grads()``.

        With ``input_grad=False`` the input gradient is not computed (returns None).
        """
        shape = getattr(self, "_out_shape", None)
        if shape is None:
            raise CarrylabRuntimeError(f"{type(self).__name__}.backward called before forward")
        dh = np.asarray(dh)
        if dh.shape != shape:
            raise CarrylabValueError(f"dh must have the forward output's shape {shape} "
                             f"(batch, time, {self.output_size}), got {dh.shape}")
        return self._backward(np.ascontiguousarray(dh, dtype=self.dtype), bool(input_grad))


# ----------------------------------------------------------------------------- TCN

class TCN(Body):
    """The CL-RNN authors' reduced TCN: per level one weight-normed causal conv,
    ReLU and dropout; no second conv, no residual.

    Parameters
    ----------
    input_size : int
    channels : sequence of int, output channels per level (L = len(channels))
    kernel_size : int >= 1
    dropout : float in [0, 1)
    dilations : sequence of int or None (default 2**i at level i)
    dtype : np.float32 (default) or np.float64
    seed : int or None, seeds initialisation and dropout masks
    conv_init : one of :data:`CONV_INITS` ("pytorch", the default, or "as-written"; see
        :mod:`rnn.layers`)

    Cost: B T k sum_i C_in,i C_out,i multiply-adds; depth L; receptive field
    1 + (k-1) sum_i d_i.
    """

    def __init__(self, input_size, channels, kernel_size=5, dropout=0.0, dilations=None,
                 dtype=np.float32, seed=None, rng=None, conv_init="pytorch"):
        self.input_size = check_int(input_size, "input_size")
        self.kernel_size = check_int(kernel_size, "kernel_size")
        self.dropout = check_prob(dropout, "dropout")
        self.dtype = check_dtype(dtype)
        try:
            channels = list(channels)
        except TypeError:
            raise CarrylabTypeError(f"channels must be a sequence of ints >= 1 (one per level), "
                            f"got {channels!r}") from None
        if not channels:
            raise CarrylabValueError(f"channels must be a non-empty sequence of ints >= 1 "
                             f"(one per level), got {channels!r}")
        self.channels = [check_int(c, "channels[i]") for c in channels]
        L = len(self.channels)
        if dilations is None:
            dilations = [2 ** i for i in range(L)]
        try:
            dilations = list(dilations)
        except TypeError:
            raise CarrylabTypeError(f"dilations must be a sequence of ints >= 1 (one per level), "
                            f"got {dilations!r}") from None
        if len(dilations) != L:
            raise CarrylabValueError(f"dilations must have one entry per level ({L}), "
                             f"got {dilations!r}")
        self.dilations = [check_int(d, "dilations[i]") for d in dilations]
        rng = np.random.default_rng(seed) if rng is None else rng
        self.convs, self.drops = [], []
        c_in = self.input_size
        for c_out, d in zip(self.channels, self.dilations):
            # conv and ReLU as one layer: the ReLU rides on the conv's passes
            self.convs.append(CausalConv1d(c_in, c_out, self.kernel_size, d, self.dtype,
                                           rng, relu=True, init=conv_init))
            self.drops.append(Dropout(self.dropout, rng))
            c_in = c_out
        self.output_size = c_in

    @property
    def receptive_field(self):
        """R = 1 + (k-1) sum_i d_i steps, the current one included."""
        return 1 + (self.kernel_size - 1) * sum(self.dilations)

    def _children(self):
        return [(str(i), conv) for i, conv in enumerate(self.convs)]

    def _forward(self, x, train):
        out = x
        for conv, drop in zip(self.convs, self.drops):
            out = drop.forward(conv.forward(out), train)  # ReLU(conv) (B, T, C_i)
        return out

    def _backward(self, dh, need_dx=True):
        d = dh
        L = len(self.convs)
        for i in reversed(range(L)):
            d = self.convs[i].backward(self.drops[i].backward(d), need_dx or i > 0)
        return d

    def macs(self, batch, time):
        """Multiply-adds of one forward pass over ``batch`` sequences of ``time`` steps."""
        c_in, total = self.input_size, 0
        for c_out in self.channels:
            total += batch * time * self.kernel_size * c_in * c_out
            c_in = c_out
        return total

    def depth(self, time):
        """Longest chain of dependent layer applications over ``time`` steps."""
        return len(self.channels)


# --------------------------------------------------------------------------- CLRNN

class CLRNN(Body):
    """Carry-lookahead RNN: carries c = TCN(x), then h[t] = tanh(W_ih x[t] + b_ih
    + W_hh c[t] + b_hh) for all t at once.

    Parameters
    ----------
    input_size, hidden_size : int
    levels : int, TCN levels L (default 4)
    kernel_size : int >= 1 (default 5)
    dropout : float in [0, 1), after every TCN level
    channels : sequence of int or None (default [hidden_size] * levels); the last
        entry must equal hidden_size
    dilations : sequence of int or None (default 2**i)
    dtype, seed, conv_init : as for :class:`TCN`

    Depth L + 1 (L conv levels, then the cell), whatever T is.

    Examples
    --------
    >>> import numpy as np
    >>> body = CLRNN(3, 8, levels=2, kernel_size=2, seed=0)
    >>> h = body.forward(np.zeros((4, 10, 3)))   # (B, T, I) -> (B, T, H)
    >>> h.shape, h.dtype
    ((4, 10, 8), dtype('float32'))
    >>> body.tcn.receptive_field                   # 1 + (k-1)(2^L - 1)
    4
    """

    def __init__(self, input_size, hidden_size, levels=4, kernel_size=5, dropout=0.0,
                 channels=None, dilations=None, dtype=np.float32, seed=None, conv_init="pytorch"):
        self.input_size = check_int(input_size, "input_size")
        self.hidden_size = check_int(hidden_size, "hidden_size")
        levels = check_int(levels, "levels")
        self.dtype = check_dtype(dtype)
        if channels is None:
            channels = [self.hidden_size] * levels
        try:
            channels = list(channels)
        except TypeError:
            raise CarrylabTypeError(f"channels must be a sequence of ints >= 1 (one per level), "
                            f"got {channels!r}") from None
        if len(channels) != levels:
            raise CarrylabValueError(f"channels must have one entry per level ({levels}), "
                             f"got {channels!r}")
        if channels and channels[-1] != self.hidden_size:
            raise CarrylabValueError(f"hidden_size must equal the last TCN channel count "
                             f"(the carry size): hidden_size={self.hidden_size}, "
                             f"channels[-1]={channels[-1]}")
        rng = np.random.default_rng(seed)
        self.tcn = TCN(input_size, channels, kernel_size, dropout, dilations,
                       self.dtype, rng=rng, conv_init=conv_init)
        self.cell = RNNCell(input_size, hidden_size, self.dtype, rng)
        self.output_size = self.hidden_size

    def _children(self):
        return [(f"tcn.{i}", conv) for i, conv in enumerate(self.tcn.convs)] + \
            [("cell", self.cell)]

    def _forward(self, x, train):
        c = self.tcn._forward(x, train)  # (B, T, H) carries
        return self.cell.forward(x, c)  # (B, T, H)

    def _backward(self, dh, need_dx=True):
        dx, dc = self.cell.backward(dh, need_dx)
        dx_tcn = self.tcn._backward(np.ascontiguousarray(dc), need_dx)
        return dx + dx_tcn if need_dx else None

    def macs(self, batch, time):
        """Multiply-adds of one forward pass over ``batch`` sequences of ``time`` steps."""
        H, I = self.hidden_size, self.input_size
        return self.tcn.macs(batch, time) + batch * time * (I * H + H * H)

    def depth(self, time):
        """Longest chain of dependent layer applications over ``time`` steps."""
        return self.tcn.depth(time) + 1


# ------------------------------------------------------------------------- serial

class _Serial(Body, Layer):
    """Shared set-up of the serial baselines: G gates of size H, PyTorch layout
    W_ih (G H, I), W_hh (G H, H), b_ih, b_hh (G H,), U(-1/sqrt(H), 1/sqrt(H));
    initial states per ``initial_state`` (see the module docstring). ``fixed_state``
    (a tuple of (B, H) arrays: (h0,), or (h0, c0) for the LSTM), when set, replaces
    them: used for gradient checks and parity runs."""

    gates = 1
    n_states = 1  # h0; the LSTM has (h0, c0)

    def __init__(self, input_size, hidden_size, dtype=np.float32, seed=None, initial_state="zeros"):
        Layer.__init__(self)
        check_choice("initial_state", initial_state, INITIAL_STATES)
        self.initial_state = initial_state
        self.input_size = check_int(input_size, "input_size")
        self.hidden_size = check_int(hidden_size, "hidden_size")
        self.output_size = self.hidden_size
        self.dtype = check_dtype(dtype)
        rng = np.random.default_rng(seed)
        H, I, G = self.hidden_size, self.input_size, self.gates * self.hidden_size
        k = 1.0 / np.sqrt(H)
        self._params = {
            "W_ih": rng.uniform(-k, k, (G, I)).astype(self.dtype),
            "W_hh": rng.uniform(-k, k, (G, H)).astype(self.dtype),
            "b_ih": rng.uniform(-k, k, G).astype(self.dtype),
            "b_hh": rng.uniform(-k, k, G).astype(self.dtype),
        }
        self._init_grads()
        # the draws of h0 (c0) continue the weights' generator; None: nothing to save
        self.state_rng = rng if initial_state == "random" else None
        self.fixed_state = None
        self.state_used = self.dstate = None

    params = Layer.params
    grads = Layer.grads

    def _initial_states(self, B):
        """The (B, H) initial states of this forward call: fixed, drawn or zero."""
        shape = (B, self.hidden_size)
        if self.fixed_state is not None:
            states = tuple(np.ascontiguousarray(s, dtype=self.dtype) for s in self.fixed_state)
            if len(states) != self.n_states or any(s.shape != shape for s in states):
                raise CarrylabValueError(f"fixed_state must be {self.n_states} array(s) of shape "
                                         f"{shape} (batch, hidden), got "
                                         f"{[s.shape for s in states]}")
        elif self.state_rng is not None:
            states = tuple(self.state_rng.standard_normal(shape).astype(self.dtype)
                           for _ in range(self.n_states))
        else:
            states = tuple(np.zeros(shape, self.dtype) for _ in range(self.n_states))
        self.state_used = states
        return states

    def _weight_grads(self, x, hs, dgi, dgh, need_dx, h0):
        """dW_ih = dgi^T x, dW_hh = dgh^T h[t-1] (h[-1] = h0), biases = column sums;
        returns dx."""
        p = self._params
        B, T, H = hs.shape
        G = dgi.shape[2]
        I = x.shape[2]
        dgi2 = dgi.reshape(B * T, G)  # (B*T, G)
        if dgh is dgi:
            # one product for both weights: dgi^T [x, h[t-1]], one column sum
            xh = np.empty((B, T, I + H), hs.dtype)  # [x[t], h[t-1]], h[-1] = h0
            xh[:, :, :I] = x
            xh[:, 0, I:] = h0
            xh[:, 1:, I:] = hs[:, :-1]
            dw = dgi2.T @ xh.reshape(B * T, I + H)  # (G, B*T) @ (B*T, I+H)
            db = dgi2.sum(axis=0)
            self._grads = {"W_ih": np.ascontiguousarray(dw[:, :I]),
                           "W_hh": np.ascontiguousarray(dw[:, I:]),
                           "b_ih": db, "b_hh": db.copy()}
        else:
            hprev = np.empty_like(hs)
            hprev[:, 0] = h0
            hprev[:, 1:] = hs[:, :-1]  # (B, T, H), h[-1] = h0
            dgh2 = dgh.reshape(B * T, G)
            self._grads = {"W_ih": dgi2.T @ x.reshape(B * T, I),  # (G, B*T) @ (B*T, I)
                           "W_hh": dgh2.T @ hprev.reshape(B * T, H),  # (G, B*T) @ (B*T, H)
                           "b_ih": dgi2.sum(axis=0),
                           "b_hh": dgh2.sum(axis=0)}
        if not need_dx:
            return None
        return (dgi2 @ p["W_ih"]).reshape(B, T, -1)  # (B*T, G) @ (G, I)

    def macs(self, batch, time):
        G = self.gates * self.hidden_size
        return batch * time * G * (self.input_size + self.hidden_size)

    def depth(self, time):
        return time


class ElmanRNN(_Serial):
    """h[t] = tanh(W_ih x[t] + b_ih + W_hh h[t-1] + b_hh), h[-1] = h0; serial, depth T."""

    gates = 1

    def _forward(self, x, train):
        p = self._params
        B, T, _ = x.shape
        xw = x @ p["W_ih"].T  # (B, T, I) @ (I, H) -> (B, T, H)
        xw += p["b_ih"] + p["b_hh"]
        (h0,) = self._initial_states(B)
        hs = K.rnn_forward(xw, np.ascontiguousarray(p["W_hh"].T), h0)
        self._cache = (x, hs, h0)
        return hs

    def _backward(self, dh, need_dx=True):
        x, hs, h0 = self._need_cache()
        dpre, dh0 = K.rnn_backward(dh, hs, self._params["W_hh"])
        self.dstate = (dh0,)
        return self._weight_grads(x, hs, dpre, dpre, need_dx, h0)


class LSTM(_Serial):
    """PyTorch-convention LSTM (gates i, f, g, o), h[-1] = h0, c[-1] = c0; depth T."""

    gates = 4
    n_states = 2

    def _forward(self, x, train):
        p = self._params
        B, T, _ = x.shape
        xw = x @ p["W_ih"].T  # (B, T, I) @ (I, 4H) -> (B, T, 4H)
        xw += p["b_ih"] + p["b_hh"]
        h0, c0 = self._initial_states(B)
        hs, cs, acts = K.lstm_forward(xw, np.ascontiguousarray(p["W_hh"].T), h0, c0)
        self._cache = (x, hs, cs, acts, h0, c0)
        return hs

    def _backward(self, dh, need_dx=True):
        x, hs, cs, acts, h0, c0 = self._need_cache()
        dpre, dh0, dc0 = K.lstm_backward(dh, cs, acts, c0, self._params["W_hh"])
        self.dstate = (dh0, dc0)
        return self._weight_grads(x, hs, dpre, dpre, need_dx, h0)


class GRU(_Serial):
    """PyTorch-convention GRU (gates r, z, n; n = tanh(W_in x + b_in
    + r (W_hn h + b_hn))), h[-1] = h0; depth T."""

    gates = 3

    def _forward(self, x, train):
        p = self._params
        B, T, _ = x.shape
        xw = x @ p["W_ih"].T  # (B, T, I) @ (I, 3H) -> (B, T, 3H)
        xw += p["b_ih"]
        (h0,) = self._initial_states(B)
        hs, acts, ghn = K.gru_forward(xw, np.ascontiguousarray(p["W_hh"].T), p["b_hh"], h0)
        self._cache = (x, hs, acts, ghn, h0)
        return hs

    def _backward(self, dh, need_dx=True):
        x, hs, acts, ghn, h0 = self._need_cache()
        dgi, dgh, dh0 = K.gru_backward(dh, hs, acts, ghn, h0, self._params["W_hh"])
        self.dstate = (dh0,)
        return self._weight_grads(x, hs, dgi, dgh, need_dx, h0)
