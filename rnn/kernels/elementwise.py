"""Elementwise kernels: ReLU, dropout with a given mask, tanh.

All work on flat views of C-contiguous arrays of any shape. Simple arithmetic runs
as one compiled pass; so does float32 tanh, in a rational form that vectorises
(float64 tanh uses NumPy's ufunc).

- ReLU: y = max(x, 0); dx = dy * [y > 0].
- Dropout (inverted): y = x * m with m[i] = [u[i] >= p] / (1 - p), u ~ U[0, 1)
  drawn from a seeded generator; dx = dy * m. Eval mode is the identity.
- tanh: y = tanh(x); dx = dy * (1 - y^2).

References: ``relu_*``, ``dropout_*`` and ``tanh_*`` in :mod:`rnn.reference`.
"""
import numpy as np
from numba import njit

from .recurrent import tanh_scalar

__all__ = [
    "relu_forward",
    "relu_backward",
    "dropout_mask",
    "dropout_forward",
    "dropout_backward",
    "tanh_forward",
    "tanh_backward",
]


@njit(cache=True)
def _relu(x, y):
    for i in range(x.size):
        v = x[i]
        y[i] = v if v > 0 else 0.0


@njit(cache=True)
def _relu_back(y, dy, dx):
    for i in range(y.size):
        dx[i] = dy[i] if y[i] > 0 else 0.0


@njit(cache=True)
def _mul(a, b, out):
    for i in range(a.size):
        out[i] = a[i] * b[i]


@njit(cache=True)
def _tanh_back(y, dy, dx):
    for i in range(y.size):
        dx[i] = dy[i] * (1.0 - y[i] * y[i])


def _flat(a):
    return np.ascontiguousarray(a).reshape(-1)


def relu_forward(x):
    """y = max(x, 0), same shape and dtype as x."""
    y = np.empty(x.shape, x.dtype)
    _relu(_flat(x), y.reshape(-1))
    return y


def relu_backward(y, dy):
    """dx = dy where y > 0 else 0 (y is the forward output)."""
    dx = np.empty(y.shape, dy.dtype)
    _relu_back(_flat(y), _flat(dy), dx.reshape(-1))
    return dx


def dropout_mask(shape, p, rng, dtype=np.float32):
    """Inverted-dropout mask: entries 0 with probability p, else 1 / (1 - p).

    Parameters
    ----------
    shape : tuple of int
    p : float in [0, 1)
    rng : numpy.random.Generator
    dtype : float dtype
    """
    keep = rng.random(shape) >= p
    scale = np.dtype(dtype).type(1.0 / (1.0 - p))
    return keep.astype(dtype) * scale


def dropout_forward(x, mask):
    """y = x * mask."""
    y = np.empty(x.shape, x.dtype)
    _mul(_flat(x), _flat(mask), y.reshape(-1))
    return y


def dropout_backward(dy, mask):
    """dx = dy * mask."""
    return dropout_forward(dy, mask)


@njit(cache=True, error_model="numpy")
def _tanh_rational(x, y):
    for i in range(x.size):
        y[i] = tanh_scalar(x[i])


def tanh_forward(x):
    """y = tanh(x).

    float32: the rational form of the recurrent kernels (relative error below
    3.3e-7, a few ulp), a plain-arithmetic loop the compiler vectorises; measured
    about six times faster than NumPy's ufunc here (and a compiled loop calling
    the libm tanh per element is slower still). float64: NumPy's ufunc, exact to
    the last ulp as the parity tests need.
    """
    if x.dtype != np.float32:
        return np.tanh(x)
    y = np.empty(x.shape, x.dtype)
    _tanh_rational(_flat(x), y.reshape(-1))
    return y


def tanh_backward(y, dy):
    """dx = dy * (1 - y**2) (y is the forward output)."""
    dx = np.empty(y.shape, dy.dtype)
    _tanh_back(_flat(y), _flat(dy), dx.reshape(-1))
    return dx
