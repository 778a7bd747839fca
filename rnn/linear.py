"""LinearRNN: a gated linear recurrence, evaluated exactly by a prefix scan.

The hidden state follows a recurrence that is *linear in h* (the gates read only x):

    z[t]  = sigmoid(W_z x[t] + b_z)              update gate, (B, T, H)
    u[t]  = W_h x[t] + b_h                       candidate,   (B, T, H)
    h[t]  = (1 - z[t]) * h[t-1] + z[t] * u[t]    h[-1] = 0

in the spirit of minGRU (Feng et al. 2024) and GILR (Martin & Cundy 2018). Written as
``h[t] = a[t] h[t-1] + b[t]`` with ``a = 1 - z`` and ``b = z u``, every step is an
affine map, affine maps compose associatively, and so *all* hidden states come out of one
prefix network, the very network that computes an adder's carries
(:func:`rnn.scan.affine_scan`): depth log2 T instead of T.

Backward is a linear recurrence too, run backwards in time by the same scan:

    lam[t] = dL/dh[t] + a[t+1] * lam[t+1]        (lam = total gradient reaching h[t])
    dL/da[t] = lam[t] * h[t-1],   dL/db[t] = lam[t]

Cost: O(B T H (I + log T)) work, depth O(log T) for the scan.
"""
from __future__ import annotations

import numpy as np

from adders import prefix as _prefix
from adders.errors import CarrylabValueError

from ._checks import check_dtype, check_int
from .models import Body
from .scan import EXACT_NETWORKS, affine_scan

__all__ = ["LinearRNN"]


def _sigmoid(v):
    return 0.5 * (1.0 + np.tanh(0.5 * v))          # no overflow for large |v|


class LinearRNN(Body):
    """Gated linear RNN run by a parallel prefix scan over time.

    Parameters
    ----------
    input_size, hidden_size : int
    network : str
        The prefix network for the scan: one of the exact (non-overlapping) networks,
        e.g. "kogge-stone" (default), "brent-kung", "sklansky", "serial".
    dtype, seed : as for the other bodies.

    Parameters (``params()``): ``W_z`` (H, I), ``b_z`` (H,), ``W_h`` (H, I), ``b_h`` (H,).

    Examples
    --------
    >>> import numpy as np
    >>> body = LinearRNN(3, 4, seed=0, dtype=np.float64)
    >>> body.forward(np.ones((2, 5, 3))).shape
    (2, 5, 4)
    """

    def __init__(self, input_size, hidden_size, network="kogge-stone", dtype=np.float32, seed=None):
        self.input_size = check_int(input_size, "input_size")
        self.hidden_size = check_int(hidden_size, "hidden_size")
        self.output_size = self.hidden_size
        self.dtype = check_dtype(dtype)
        if network not in EXACT_NETWORKS:
            raise CarrylabValueError(f"network must be one of the exact prefix networks {sorted(EXACT_NETWORKS)}, "
                             f"got {network!r}")
        self.network = network
        self._networks: dict[int, _prefix.PrefixNetwork] = {}
        rng = np.random.default_rng(seed)
        H, I = self.hidden_size, self.input_size
        k = 1.0 / np.sqrt(I)
        self._params = {"W_z": rng.uniform(-k, k, (H, I)).astype(self.dtype),
                        "b_z": np.zeros(H, self.dtype),
                        "W_h": rng.uniform(-k, k, (H, I)).astype(self.dtype),
                        "b_h": np.zeros(H, self.dtype)}
        self._grads = {name: np.zeros_like(p) for name, p in self._params.items()}

    def params(self):
        """Parameters by name: the live arrays, updated in place by the optimiser."""
        return self._params

    def grads(self):
        """Gradients by name, the keys of ``params()``, filled by ``backward``."""
        return self._grads

    def _net(self, T: int) -> _prefix.PrefixNetwork:
        if T not in self._networks:
            self._networks[T] = _prefix.network(self.network, T)
        return self._networks[T]

    def _scan(self, a, b):
        """All h of h[t] = a[t] h[t-1] + b[t] for (B, T, H) a and b (batch folded into channels)."""
        B, T, H = a.shape
        a2 = np.ascontiguousarray(a.transpose(1, 0, 2).reshape(T, B * H))     # (T, B*H)
        b2 = np.ascontiguousarray(b.transpose(1, 0, 2).reshape(T, B * H))
        h2 = affine_scan(self._net(T), a2, b2)                               # (T, B*H)
        return np.ascontiguousarray(h2.reshape(T, B, H).transpose(1, 0, 2)).astype(self.dtype, copy=False)

    def _forward(self, x, train):
        p = self._params
        z = _sigmoid(x @ p["W_z"].T + p["b_z"])          # (B, T, I) @ (I, H) -> (B, T, H)
        u = x @ p["W_h"].T + p["b_h"]                    # (B, T, H)
        a, b = 1.0 - z, z * u
        h = self._scan(a, b)                             # (B, T, H)
        self._cache = (x, z, u, a, h)
        return h

    def _backward(self, dh, need_dx=True):
        x, z, u, a, h = self._cache
        B, T, H = h.shape
        # lam[t] = dh[t] + a[t+1] lam[t+1]: reverse time and it is a forward recurrence
        # with coefficients a_next[s] = a[T-s] (a_next[0] multiplies the zero state).
        a_next = np.zeros_like(a)
        a_next[:, 1:] = a[:, :0:-1]                      # (B, T, H), reversed and shifted
        lam = self._scan(a_next, dh[:, ::-1])[:, ::-1]   # (B, T, H)
        h_prev = np.zeros_like(h)
        h_prev[:, 1:] = h[:, :-1]
        da = lam * h_prev
        db = lam
        dz = -da + db * u                                # a = 1 - z, b = z u
        du = db * z
        dpre = dz * z * (1.0 - z)                        # through the sigmoid
        x2 = x.reshape(B * T, -1)                        # (B*T, I)
        dpre2, du2 = dpre.reshape(B * T, H), du.reshape(B * T, H)
        self._grads = {"W_z": dpre2.T @ x2, "b_z": dpre2.sum(axis=0),     # (H, B*T) @ (B*T, I)
                       "W_h": du2.T @ x2, "b_h": du2.sum(axis=0)}
        if not need_dx:
            return None
        p = self._params
        return (dpre2 @ p["W_z"] + du2 @ p["W_h"]).reshape(B, T, -1)   # (B*T, H) @ (H, I)

    def macs(self, batch, time):
        """Gates: 2 B T H I; the scan: about 2 B H x (cells of the network)."""
        return 2 * batch * time * self.hidden_size * self.input_size + \
            2 * batch * self.hidden_size * self._net(time).size

    def depth(self, time):
        """The gates (1) plus the levels of the prefix network over T steps."""
        return 1 + self._net(time).depth
