"""Central finite differences for float64 gradient checks."""
import numpy as np

__all__ = ["numeric_grad", "assert_grad_close"]


def numeric_grad(f, arr, idx, eps=1e-6):
    """(f(arr + eps e_i) - f(arr - eps e_i)) / 2 eps for flat indices idx, arr edited in place."""
    flat = arr.reshape(-1)
    out = np.empty(len(idx))
    for n, i in enumerate(idx):
        old = flat[i]
        flat[i] = old + eps
        fp = f()
        flat[i] = old - eps
        fm = f()
        flat[i] = old
        out[n] = (fp - fm) / (2 * eps)
    return out


def assert_grad_close(f, arr, analytic, rng, n=10, tol=1e-6, name=""):
    """Compare ``analytic`` (shape of arr) with finite differences at n random entries.

    Norm-wise relative error ||num - ana|| / max(||num||, ||ana||, 1e-12) <= tol.
    """
    if arr.dtype != np.float64:
        raise TypeError("gradient checks run in float64")
    size = arr.size
    idx = rng.choice(size, size=min(n, size), replace=False)
    num = numeric_grad(f, arr, idx)
    ana = np.asarray(analytic).reshape(-1)[idx]
    scale = max(np.linalg.norm(num), np.linalg.norm(ana), 1e-12)
    err = np.linalg.norm(num - ana) / scale
    assert err <= tol, f"{name}: relative error {err:.3g} > {tol} (num {num}, ana {ana})"
