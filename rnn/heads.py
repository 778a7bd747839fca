"""Heads: what turns a body's hidden states (B, T, H) into outputs and a loss.

A head wraps a body (any model from :mod:`rnn.models`) and exposes the same
interface plus ``loss``:

- ``forward(x, train=False)`` -> outputs (B, T, O) (logits for the classifiers)
- ``loss(out, y)`` -> (value, dout): the scalar loss and its gradient wrt ``out``
- ``backward(dout)`` fills ``grads()`` for body and head
- ``params()`` / ``grads()``: "body.*" and "head.*" (or the LM's own names)

Heads, by name (see :func:`make_model`):

- "music": Linear(H, 88), sigmoid, binary cross-entropy summed over the 88 notes
  and averaged over frames (the per-frame NLL of the polyphonic-music papers).
- "regression": Linear(H, O), mean squared error over all entries.
- "classification": Linear(H, O), softmax cross-entropy averaged over steps.
- "sequence-classification": Linear(T H, O) over all T steps' outputs at once, one
  class per sequence (the CL-RNN authors' sequential-MNIST readout, Linear(784, 10)
  over the 784 outputs of a cell of hidden size 1).
- "charlm": character LM. tokens (B, T) -> Embedding(V, H) -> embedding dropout
  -> body -> decoder with the embedding matrix as its weight (tied):
  logits = h E^T + b. Needs body.input_size == body.output_size == H. The table starts
  N(0, 0.01^2) or, with ``embedding_init="uniform"`` as the authors, U(-0.1, 0.1).
"""
import numpy as np

from adders.errors import CarrylabRuntimeError, CarrylabTypeError, CarrylabValueError

from . import kernels as K
from ._checks import check_finite_params, check_int, check_prob, check_tokens
from .layers import Dropout, Embedding, Linear
from .models import Body

__all__ = [
    "Model",
    "MusicHead",
    "RegressionHead",
    "ClassificationHead",
    "SequenceClassificationHead",
    "CharLMHead",
    "HEADS",
    "make_model",
    "count_params",
]


def count_params(model):
    """Number of trainable scalars (tied arrays counted once)."""
    return int(sum(p.size for p in model.params().values()))


def _check_body(body):
    if not isinstance(body, Body):
        raise CarrylabTypeError(f"body must be a sequence model from rnn.models (TCN, CLRNN, "
                        f"ElmanRNN, LSTM, GRU), got {type(body).__name__}")
    return body


def _check_target_shape(y, out, name="y"):
    y = np.asarray(y)
    if y.shape != out.shape:
        raise CarrylabValueError(f"{name} must have the output's shape {out.shape} "
                         f"(batch, time, {out.shape[-1]}), got {y.shape}")
    if y.dtype.kind not in "biuf":
        raise CarrylabTypeError(f"{name} must hold real numbers, got dtype {y.dtype}")
    y = np.ascontiguousarray(y, dtype=out.dtype)
    if not np.isfinite(y).all():
        raise CarrylabValueError(f"{name} must be finite; NaN/Inf found")
    return y


class Model:
    """A body with a per-step Linear head; subclasses choose the loss."""

    def __init__(self, body, out_features, seed=None):
        self.body = _check_body(body)
        self.dtype = body.dtype
        self.out_features = check_int(out_features, "out_features")
        self.linear = Linear(body.output_size, self.out_features, self.dtype,
                             np.random.default_rng(seed))

    def params(self):
        """Parameters by name: the live arrays, updated in place by the optimiser."""
        out = {f"body.{k}": v for k, v in self.body.params().items()}
        out.update({f"head.{k}": v for k, v in self.linear.params().items()})
        return out

    def grads(self):
        """Gradients by name, the keys of ``params()``, filled by ``backward``."""
        out = {f"body.{k}": v for k, v in self.body.grads().items()}
        out.update({f"head.{k}": v for k, v in self.linear.grads().items()})
        return out

    def loss(self, out, y):
        """(value, dout) for outputs ``out`` and targets ``y``; each head defines its own."""
        raise CarrylabTypeError(f"{type(self).__name__} has no loss of its own; wrap the body in one of "
                        f"the heads {sorted(HEADS)} (see make_model)")

    def forward(self, x, train=False):
        """x (B, T, input_size) -> outputs (B, T, out_features)."""
        check_finite_params(self.linear.params(), "head")
        h = self.body.forward(x, train)  # (B, T, H)
        out = self.linear.forward(h)  # (B, T, O)
        self._out_shape = out.shape
        return out

    def _checked_dout(self, dout) -> np.ndarray:
        """``dout`` as a contiguous array of the last forward's output shape."""
        shape = getattr(self, "_out_shape", None)
        if shape is None:
            raise CarrylabRuntimeError(f"{type(self).__name__}.backward called before forward")
        dout = np.ascontiguousarray(dout, dtype=self.dtype)
        if dout.shape != shape:
            raise CarrylabValueError(f"dout must have the output's shape {shape}, got {dout.shape}")
        return dout

    def backward(self, dout):
        """Fill ``grads()`` from dL/d(outputs) (B, T, out_features)."""
        dout = self._checked_dout(dout)
        self.body.backward(self.linear.backward(dout), input_grad=False)  # x is data

    def loss_and_backward(self, x, y, train=True):
        """Forward, loss and backward in one call; returns the loss value."""
        out = self.forward(x, train)
        value, dout = self.loss(out, y)
        self.backward(dout)
        return value

    def macs(self, batch, time):
        """Multiply-adds of one forward pass over ``batch`` sequences of ``time`` steps."""
        return self.body.macs(batch, time) + batch * time * self.body.output_size * \
            self.out_features

    def depth(self, time):
        """Longest chain of dependent layer applications over ``time`` steps."""
        return self.body.depth(time) + 1


class MusicHead(Model):
    """Linear(H, n_notes) + sigmoid, BCE summed over notes, averaged over frames."""

    def __init__(self, body, n_notes=88, seed=None):
        super().__init__(body, n_notes, seed)

    def loss(self, out, y):
        """out: logits (B, T, 88); y: 0/1 piano roll (B, T, 88)."""
        y = _check_target_shape(y, out)
        B, T, F = out.shape
        value, dz = K.bce_with_logits(out.reshape(B * T, F), y.reshape(B * T, F))
        return float(value), dz.reshape(B, T, F)

    @staticmethod
    def probabilities(out):
        """Note probabilities sigmoid(out) = (1 + tanh(out / 2)) / 2 (no overflow)."""
        return 0.5 * (1.0 + np.tanh(0.5 * out))


class RegressionHead(Model):
    """Linear(H, O); loss = mean over all entries of (out - y)^2."""

    def loss(self, out, y):
        """Mean squared error over every output and its gradient: (value, dout)."""
        y = _check_target_shape(y, out)
        diff = out - y
        value = float(np.mean(diff.astype(np.float64) ** 2))
        return value, (2.0 / diff.size) * diff


class ClassificationHead(Model):
    """Linear(H, O) logits; softmax cross-entropy averaged over all steps."""

    def loss(self, out, y):
        """out: logits (B, T, O); y: class ids (B, T) in [0, O)."""
        B, T, O = out.shape
        y = check_tokens(y, "y", O)
        if y.shape != (B, T):
            raise CarrylabValueError(f"y must have shape (batch, time) = {(B, T)}, got {y.shape}")
        value, dz = K.softmax_cross_entropy(out.reshape(B * T, O), y.reshape(-1))
        return float(value), dz.reshape(B, T, O)


class SequenceClassificationHead(Model):
    """Linear(T H, O) over the outputs of all ``steps`` steps: h (B, T, H) flattened to
    (B, T H) -> logits (B, 1, O); softmax cross-entropy against y (B, 1) class ids.
    Cost: B T H O multiply-adds beyond the body."""

    def __init__(self, body, steps, out_features, seed=None):
        self.body = _check_body(body)
        self.dtype = body.dtype
        self.steps = check_int(steps, "steps")
        self.out_features = check_int(out_features, "out_features")
        self.linear = Linear(self.steps * body.output_size, self.out_features, self.dtype,
                             np.random.default_rng(seed))

    def forward(self, x, train=False):
        """x (B, T, input_size) with T = ``steps`` -> logits (B, 1, out_features)."""
        check_finite_params(self.linear.params(), "head")
        h = self.body.forward(x, train)  # (B, T, H)
        B, T, H = h.shape
        if T != self.steps:
            raise CarrylabValueError(f"head 'sequence-classification' reads {self.steps} steps, "
                                     f"got sequences of {T}")
        out = self.linear.forward(np.ascontiguousarray(h).reshape(B, 1, T * H))  # (B, 1, O)
        self._out_shape, self._h_shape = out.shape, h.shape
        return out

    def backward(self, dout):
        """Fill ``grads()`` from dL/d(logits) (B, 1, out_features)."""
        dout = self._checked_dout(dout)
        dh = self.linear.backward(dout).reshape(self._h_shape)  # (B, 1, T H) -> (B, T, H)
        self.body.backward(dh, input_grad=False)

    loss = ClassificationHead.loss

    def macs(self, batch, time):
        """Multiply-adds of one forward pass over ``batch`` sequences of ``time`` steps."""
        return self.body.macs(batch, time) + batch * time * self.body.output_size * self.out_features


class CharLMHead:
    """Character language model with tied embedding/decoder weights.

    tokens (B, T) -> E[tokens] (B, T, H) -> dropout(p=emb_dropout) -> body (B, T, H)
    -> logits h E^T + b (B, T, V). Parameters: "encoder.weight" E (V, H), used
    twice, "decoder.b" (V,), and "body.*".
    """

    def __init__(self, body, vocab_size, emb_dropout=0.0, seed=None, embedding_init="normal"):
        _check_body(body)
        if body.input_size != body.output_size:
            raise CarrylabValueError(
                f"head 'charlm' ties the embedding to the decoder, so the body's "
                f"input_size must equal its hidden size; got input_size="
                f"{body.input_size}, hidden size={body.output_size}")
        self.body = body
        self.dtype = body.dtype
        self.vocab_size = check_int(vocab_size, "vocab_size", minimum=2)
        rng = np.random.default_rng(seed)
        self.encoder = Embedding(self.vocab_size, body.input_size, self.dtype, rng, init=embedding_init)
        self.drop = Dropout(check_prob(emb_dropout, "emb_dropout"), rng)
        self.b = np.zeros(self.vocab_size, self.dtype)
        self._grads = {"encoder.weight": np.zeros_like(self.encoder.params()["weight"]),
                       "decoder.b": np.zeros_like(self.b)}

    def params(self):
        """Parameters by name: the live arrays, updated in place by the optimiser."""
        out = {"encoder.weight": self.encoder.params()["weight"], "decoder.b": self.b}
        out.update({f"body.{k}": v for k, v in self.body.params().items()})
        return out

    def grads(self):
        """Gradients by name, the keys of ``params()``, filled by ``backward``."""
        out = dict(self._grads)
        out.update({f"body.{k}": v for k, v in self.body.grads().items()})
        return out

    def forward(self, tokens, train=False):
        """tokens (B, T) ints in [0, V) -> logits (B, T, V)."""
        tokens = check_tokens(tokens, "tokens", self.vocab_size)
        check_finite_params({"encoder.weight": self.encoder.params()["weight"],
                             "decoder.b": self.b}, "charlm")
        e = self.drop.forward(self.encoder.forward(tokens), train)  # (B, T, H)
        h = self.body.forward(e, train)  # (B, T, H)
        E = self.encoder.params()["weight"]
        out = h @ E.T  # (B, T, H) @ (H, V) -> (B, T, V)
        out += self.b
        self._cache = h
        return out

    def loss(self, out, y):
        """out: logits (B, T, V); y: next-token ids (B, T)."""
        return ClassificationHead.loss(self, out, y)

    def backward(self, dout):
        """Fill ``grads()`` from dL/d(logits) (B, T, vocab_size)."""
        h = getattr(self, "_cache", None)
        if h is None:
            raise CarrylabRuntimeError("CharLMHead.backward called before forward")
        B, T, H = h.shape
        V = self.vocab_size
        dout = np.ascontiguousarray(dout, dtype=self.dtype)
        if dout.shape != (B, T, V):
            raise CarrylabValueError(f"dout must have the output's shape {(B, T, V)}, "
                             f"got {dout.shape}")
        E = self.encoder.params()["weight"]
        d2 = dout.reshape(B * T, V)  # (B*T, V)
        dE_dec = d2.T @ h.reshape(B * T, H)  # (V, B*T) @ (B*T, H)
        dh = d2 @ E  # (B*T, V) @ (V, H)
        de = self.body.backward(dh.reshape(B, T, H))
        self.encoder.backward(self.drop.backward(de))
        self._grads = {"encoder.weight": self.encoder.grads()["weight"] + dE_dec,
                       "decoder.b": d2.sum(axis=0)}

    loss_and_backward = Model.loss_and_backward

    def macs(self, batch, time):
        """Multiply-adds of one forward pass over ``batch`` sequences of ``time`` steps."""
        return self.body.macs(batch, time) + batch * time * self.body.output_size * \
            self.vocab_size

    def depth(self, time):
        """Longest chain of dependent layer applications over ``time`` steps."""
        return self.body.depth(time) + 1


HEADS = {
    "music": MusicHead,
    "regression": RegressionHead,
    "classification": ClassificationHead,
    "sequence-classification": SequenceClassificationHead,
    "charlm": CharLMHead,
}


def make_model(body, head="music", **kwargs):
    """Wrap ``body`` in the head called ``head``.

    Parameters
    ----------
    body : a model from :mod:`rnn.models`
    head : str, one of ``sorted(HEADS)``
    **kwargs : passed to the head (e.g. out_features, vocab_size, emb_dropout, seed)

    Raises
    ------
    ValueError
        For an unknown head name; the message lists the known ones.

    Examples
    --------
    >>> from rnn import CLRNN, make_model, count_params
    >>> m = make_model(CLRNN(88, 150, levels=4, kernel_size=5), "music")
    >>> count_params(m)
    453988
    """
    if not isinstance(head, str) or head not in HEADS:
        raise CarrylabValueError(f"head must be one of {sorted(HEADS)}, got {head!r}")
    return HEADS[head](body, **kwargs)
