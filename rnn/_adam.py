"""Minimal Adam (Kingma & Ba 2015) for benchmarks; rnn.optim will supersede it.

For each parameter p with gradient g, step t >= 1:
    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
    p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
One fused Numba pass per array, updating p, m, v in place.
"""
import numpy as np
from numba import njit

__all__ = ["Adam"]


@njit(cache=True)
def _adam_update(p, g, m, v, lr, b1, b2, eps, c1, c2):
    for i in range(p.size):
        gi = g[i]
        mi = b1 * m[i] + (1.0 - b1) * gi
        vi = b2 * v[i] + (1.0 - b2) * gi * gi
        m[i] = mi
        v[i] = vi
        p[i] -= lr * (mi / c1) / (np.sqrt(vi / c2) + eps)


class Adam:
    """Adam over a model's ``params()`` (updated in place) using its ``grads()``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params = params
        self.lr, self.b1, self.b2, self.eps = lr, betas[0], betas[1], eps
        self.m = {k: np.zeros_like(p) for k, p in params.items()}
        self.v = {k: np.zeros_like(p) for k, p in params.items()}
        self.t = 0

    def step(self, grads):
        self.t += 1
        c1 = 1.0 - self.b1 ** self.t
        c2 = 1.0 - self.b2 ** self.t
        for k, p in self.params.items():
            g = np.ascontiguousarray(grads[k], dtype=p.dtype)
            _adam_update(p.reshape(-1), g.reshape(-1), self.m[k].reshape(-1),
                         self.v[k].reshape(-1), self.lr, self.b1, self.b2, self.eps, c1, c2)
