"""Optimisers, gradient clipping and the paper's learning-rate rule.

Every optimiser updates a model's ``params()`` in place from a dict of gradients with
the same keys, and can save and restore its whole state (``state_dict`` /
``load_state_dict``: plain arrays and numbers, so checkpoints need no pickle).

* :class:`SGD`: ``v = mu v + g;  p -= lr v`` (plain SGD when momentum mu = 0).
* :class:`Adam` (Kingma & Ba, 2015), bias-corrected, as PyTorch defines it::

      m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
      p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

* :func:`clip_grad_norm`: rescale all gradients together so their global L2 norm is at
  most ``max_norm``, as PyTorch's ``clip_grad_norm_``: total = sqrt(sum of squared
  norms), scale = max_norm / (total + 1e-6), applied only when scale < 1. It must run
  *after* backward and *before* the step (the CL-RNN authors' music script calls it
  before backward, where it has no effect; their character script calls it after).
* :class:`PlateauRule`: the CL-RNN paper's schedule: divide the learning rate by 10
  when epoch > start_epoch (10 in the authors' music script, 5 in their character
  script) and the validation loss exceeds the largest of the previous three.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from adders.checks import check_int, check_real
from adders.errors import CarrylabTypeError, CarrylabValueError

__all__ = ["SGD", "Adam", "clip_grad_norm", "CLIP_EPS", "PlateauRule", "OPTIMIZERS", "make_optimizer"]

#: The constant PyTorch's ``clip_grad_norm_`` adds to the total norm before dividing.
CLIP_EPS = 1e-6


def _check_lr(lr) -> float:
    return check_real(lr, "lr", 0.0, strict_min=True)


def _check_grads(params: dict, grads: dict) -> None:
    missing = [k for k in params if k not in grads]
    if missing:
        raise CarrylabValueError(f"grads lacks {missing[:5]}: every parameter needs a gradient")
    for k, p in params.items():
        if grads[k].shape != p.shape:
            raise CarrylabValueError(f"grads[{k!r}] has shape {grads[k].shape}, parameter has {p.shape}")


# error_model="numpy": no ZeroDivisionError branch per element, so the loop vectorises
@njit(cache=True, error_model="numpy")
def _adam_update(p, g, m, v, step, b1, b2, eps, inv_sqrt_c2, a1, a2):
    """One fused pass over flat arrays, updating m, v and p in place:
    p -= (lr / c1) m / (sqrt(v) / sqrt(c2) + eps), the update above rearranged, with
    a1 = 1 - b1 and a2 = 1 - b2. Every scalar arrives in p's dtype, so float32
    parameters stay in float32 arithmetic (8 lanes per AVX2 instruction)."""
    for i in range(p.size):
        gi = g[i]
        mi = b1 * m[i] + a1 * gi
        vi = b2 * v[i] + a2 * gi * gi
        m[i] = mi
        v[i] = vi
        p[i] -= step * mi / (np.sqrt(vi) * inv_sqrt_c2 + eps)


class _Optimizer:
    """Shared bookkeeping: parameters, learning rate, step count, state as arrays."""

    slots: tuple[str, ...] = ()

    def __init__(self, params: dict, lr: float):
        if not isinstance(params, dict) or not params:
            raise CarrylabValueError("params must be a non-empty dict name -> array (model.params())")
        self.params = params
        self.lr = _check_lr(lr)
        self.t = 0
        self.state = {slot: {k: np.zeros_like(p) for k, p in params.items()} for slot in self.slots}

    def step(self, grads: dict) -> None:
        _check_grads(self.params, grads)
        self.t += 1
        self._update(grads)

    def _update(self, grads: dict) -> None:
        raise CarrylabTypeError(f"{type(self).__name__} must define _update")

    def state_dict(self) -> dict:
        """Flat dict of arrays and numbers: ``t``, ``lr`` and ``<slot>/<param>`` arrays."""
        out = {"t": np.array(self.t), "lr": np.array(self.lr)}
        for slot, arrays in self.state.items():
            for k, a in arrays.items():
                out[f"{slot}/{k}"] = a.copy()
        return out

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` saved (shapes must match)."""
        self.t = int(state["t"])
        self.lr = float(state["lr"])
        for slot, arrays in self.state.items():
            for k, a in arrays.items():
                key = f"{slot}/{k}"
                if key not in state or state[key].shape != a.shape:
                    raise CarrylabValueError(f"optimizer state {key!r} is missing or has the wrong shape")
                a[...] = state[key]


class SGD(_Optimizer):
    """Stochastic gradient descent with optional momentum."""

    slots = ("velocity",)

    def __init__(self, params: dict, lr: float = 0.01, momentum: float = 0.0):
        super().__init__(params, lr)
        if not 0.0 <= momentum < 1.0:
            raise CarrylabValueError(f"momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)

    def _update(self, grads):
        for k, p in self.params.items():
            v = self.state["velocity"][k]
            v *= self.momentum
            v += grads[k]
            p -= self.lr * v


class Adam(_Optimizer):
    """Adam with PyTorch's bias correction; one compiled pass per parameter array."""

    slots = ("m", "v")

    def __init__(self, params: dict, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, lr)
        b1, b2 = betas
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise CarrylabValueError(f"betas must lie in [0, 1), got {betas!r}")
        self.b1, self.b2, self.eps = float(b1), float(b2), float(eps)

    def _update(self, grads):
        c1 = 1.0 - self.b1 ** self.t
        c2 = 1.0 - self.b2 ** self.t
        for k, p in self.params.items():
            f = p.dtype.type
            g = np.ascontiguousarray(grads[k], dtype=p.dtype)
            # reshape(-1) of contiguous arrays is a view: the kernel updates in place
            _adam_update(p.reshape(-1), g.reshape(-1), self.state["m"][k].reshape(-1),
                         self.state["v"][k].reshape(-1), f(self.lr / c1), f(self.b1), f(self.b2),
                         f(self.eps), f(1.0 / np.sqrt(c2)), f(1.0 - self.b1), f(1.0 - self.b2))


def clip_grad_norm(grads: dict, max_norm: float) -> float:
    """Scale every gradient by ``scale = max_norm / (total + CLIP_EPS)`` in place when
    scale < 1, where total = sqrt(sum over arrays of their squared L2 norms): PyTorch's
    ``torch.nn.utils.clip_grad_norm_`` formula, eps 1e-6 included.

    Returns the total L2 norm before clipping (inf or nan if a gradient is not finite,
    in which case nothing is scaled).
    """
    if not max_norm > 0:
        raise CarrylabValueError(f"max_norm must be > 0, got {max_norm!r}")
    total = float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads.values())))
    scale = max_norm / (total + CLIP_EPS)
    if np.isfinite(total) and scale < 1.0:
        for g in grads.values():
            g *= scale
    return total


class PlateauRule:
    """The CL-RNN paper's rule: lr /= factor when epoch > start_epoch and the validation
    loss exceeds the max of the previous ``window`` validation losses (epochs count
    from 1; the authors use start_epoch 10 for music, 5 for characters)."""

    def __init__(self, factor: float = 10.0, start_epoch: int = 10, window: int = 3):
        self.factor = check_real(factor, "factor", 1.0, strict_min=True)
        self.start_epoch = check_int(start_epoch, "start_epoch", 0)
        self.window = check_int(window, "window", 1)
        self.history: list[float] = []

    def update(self, optimizer: _Optimizer, epoch: int, val_loss: float) -> bool:
        """Record this epoch's validation loss; divide optimizer.lr if the rule fires.
        ``epoch`` counts from 1. Returns True when the rate was lowered."""
        previous = self.history[-self.window:]
        self.history.append(float(val_loss))
        if epoch > self.start_epoch and len(previous) == self.window and val_loss > max(previous):
            optimizer.lr /= self.factor
            return True
        return False

    def state_dict(self) -> dict:
        """The rule's state, for a checkpoint."""
        return {"history": np.array(self.history, dtype=np.float64)}

    def load_state_dict(self, state: dict) -> None:
        """Restore the state ``state_dict`` returned."""
        self.history = [float(v) for v in state["history"]]


OPTIMIZERS = {"adam": Adam, "sgd": SGD}


def make_optimizer(name: str, params: dict, lr: float, **kwargs) -> _Optimizer:
    """Build an optimiser by name: one of :data:`OPTIMIZERS`."""
    if name not in OPTIMIZERS:
        raise CarrylabValueError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name](params, lr=lr, **kwargs)
