"""Argument checks shared by layers, models and heads.

Every failure raises ValueError or TypeError naming the argument, the value it
got and what is allowed.
"""
import numpy as np

from adders.checks import check_int as _check_int
from adders.checks import check_real
from adders.errors import CarrylabTypeError, CarrylabValueError

__all__ = [
    "check_dtype",
    "check_int",
    "check_prob",
    "check_sequence",
    "check_tokens",
    "check_finite_params",
]


def check_dtype(dtype):
    """Return np.float32 or np.float64; anything else is a TypeError."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise CarrylabTypeError(f"dtype must be float32 or float64, got {dtype!r}") from None
    if dt not in (np.float32, np.float64):
        raise CarrylabTypeError(f"dtype must be float32 or float64, got {dtype!r}")
    return dt.type


def check_int(value, name, minimum=1, maximum=None):
    """An int >= minimum (bools rejected; NumPy integers accepted)."""
    return _check_int(value, name, minimum, maximum)


def check_prob(value, name):
    """A float p with 0 <= p < 1."""
    p = check_real(value, name)
    if not 0.0 <= p < 1.0:
        raise CarrylabValueError(f"{name} must be a float in [0, 1), got {value!r}")
    return p


def _as_array(x, name):
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except (TypeError, ValueError):
            raise CarrylabTypeError(f"{name} must be an array, got {type(x).__name__}") from None
    return x


def check_sequence(x, name, features, dtype):
    """Validate a (batch, time, features) real array and return it as ``dtype``.

    Parameters
    ----------
    x : array-like, expected shape (B, T, features) with B, T >= 1
    name : str, the argument name used in messages
    features : int or None, the required last dimension (None: any)
    dtype : np.float32 or np.float64
    """
    x = _as_array(x, name)
    if x.dtype.kind not in "biuf":
        raise CarrylabTypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    want = f"(batch, time, {features if features is not None else 'features'})"
    if x.ndim != 3:
        raise CarrylabValueError(f"{name} must have shape {want}, got shape {x.shape} "
                         f"(ndim {x.ndim}, expected 3)")
    if features is not None and x.shape[2] != features:
        raise CarrylabValueError(f"{name} must have shape {want}, got shape {x.shape} "
                         f"(features {x.shape[2]}, expected {features})")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise CarrylabValueError(f"{name} must have batch >= 1 and time >= 1 in shape {want}; "
                         f"got an empty sequence of shape {x.shape}")
    x = np.ascontiguousarray(x, dtype=dtype)
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        bad = x[~np.isfinite(x)][0]
        raise CarrylabValueError(f"{name} must be finite; found {bad} (NaN/Inf are not allowed)")
    return x


def check_tokens(idx, name, vocab_size):
    """Validate a (batch, time) integer array with values in [0, vocab_size)."""
    idx = _as_array(idx, name)
    if idx.dtype.kind not in "iu":
        raise CarrylabTypeError(f"{name} must be an integer array of token ids, got dtype {idx.dtype}")
    if idx.ndim != 2:
        raise CarrylabValueError(f"{name} must have shape (batch, time), got shape {idx.shape}")
    if idx.size == 0:
        raise CarrylabValueError(f"{name} must have batch >= 1 and time >= 1; "
                         f"got an empty sequence of shape {idx.shape}")
    lo, hi = int(idx.min()), int(idx.max())
    if lo < 0 or hi >= vocab_size:
        bad = lo if lo < 0 else hi
        raise CarrylabValueError(f"{name} must hold token ids in [0, {vocab_size}), got {bad}")
    return np.ascontiguousarray(idx, dtype=np.int64)


def check_finite_params(params, owner):
    """Raise ValueError if any parameter holds NaN or Inf.

    A cheap sum per array is tried first; only a non-finite sum triggers the
    element-wise look-up (a finite sum of finite values is the common case).
    """
    for name, p in params.items():
        if not np.isfinite(p.sum()) and not np.isfinite(p).all():
            bad = p[~np.isfinite(p)][0]
            raise CarrylabValueError(f"parameter {owner}.{name} must be finite; found {bad} "
                             f"(NaN/Inf are not allowed)")
