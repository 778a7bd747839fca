"""DEER: a nonlinear Elman RNN evaluated in parallel over time by Newton's method.

The Elman recurrence ``h[t] = f(h[t-1], x[t]) = tanh(W_ih x[t] + b + W_hh h[t-1])``
is one big system of T equations in the unknowns h[0..T-1]. Lim et al.,
"Parallelizing non-linear sequential models over the sequence length" (ICLR 2024)
solve it by Newton's method. Around a guess ``g`` (T, H), linearise each step:

    h[t] ~ f(g[t-1]) + J[t] (h[t-1] - g[t-1]),   J[t] = diag(1 - f(g[t-1])^2) W_hh

so the next guess solves the *linear* recurrence

    h[t] = J[t] h[t-1] + (f(g[t-1]) - J[t] g[t-1]),    h[-1] = h0,

which is an affine prefix scan with dense (H, H) coefficients
(:func:`rnn.scan.affine_scan`, combine ``(A2, B2) o (A1, B1) = (A2 A1, A2 B1 + B2)``,
associative; Blelloch 1990). Each Newton step has depth O(log T) (the network's
depth) and work O(cells H^3).

Why at most T iterations: the system is lower triangular in time. If the guess is
exact at steps 0..k-1, the linearisation at step k is taken around the exact
h[k-1], so step k of the next guess is exact too: after k iterations at least the
first k steps are exact, after T all of them. In floating point a long product of
Jacobians may overflow inside the scan (chaotic weights), so :func:`deer_elman`
makes the argument hold by construction: before each solve it finds the *front*,
the first step whose residual ``|h[t] - f(h[t-1], x[t])|`` is at least ``tol``;
after the solve, steps before the front keep their (solved) values, the front
gets ``f(h[front-1], x[front])`` (exact, one serial step), the rest is projected
onto [-1, 1] (tanh's range; NaN/Inf become 0). The front advances by at least
one step per iteration, so at most T iterations run. In practice Newton
converges quadratically and uses far fewer.

Stopping rule: the iteration stops when the residual of every step is below
``tol``. (Stopping on a small update ``max |h_new - h_old| < tol`` would never stop
sooner: while some residual is at least ``tol``, the update at the front is at
least that residual.) For contracting dynamics the error is then at most about
``tol / (1 - L)`` (L the Lipschitz constant of a step); for chaotic weights
(``||W_hh||`` well above 1) any two solutions within rounding drift apart
exponentially, the serial loop's included, and Newton needs close to T iterations.

Symbols: x (T, I) inputs, h (T, H) states, W_ih (H, I), W_hh (H, H), b (H,)
(``b_ih + b_hh`` in PyTorch's convention), h0 (H,).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(50, 3))
>>> W_ih, W_hh, b = rng.normal(size=(4, 3)), 0.5 * rng.normal(size=(4, 4)), np.zeros(4)
>>> res = deer_elman(x, W_ih, W_hh, b)
>>> bool(np.allclose(res.h, elman_serial(x, W_ih, W_hh, b), atol=1e-10))
True
>>> res.iterations < 50
True
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from adders.checks import check_int, check_real
from adders.errors import CarrylabValueError
from adders.prefix import NETWORKS, PrefixNetwork

from .scan import EXACT_NETWORKS, affine_scan
from .scan_operands import as_real

__all__ = ["DEERResult", "deer_elman", "elman_serial"]


@dataclass
class DEERResult:
    """Outcome of :func:`deer_elman`.

    Attributes
    ----------
    h : ndarray (T, H) or (B, T, H)
        The states after the last iteration.
    iterations : int
        Newton iterations used (the largest over a batch).
    converged : bool
        True if every residual is below ``tol`` (for every sequence of a batch);
        False only when a ``max_iter`` below T stopped the iterations.
    updates : list of float
        ``max |h_new - h_old|`` of each iteration (max over the batch).
    residuals : list of float
        ``max |h[t] - tanh(W_ih x[t] + b + W_hh h[t-1])|`` after each iteration
        (max over the batch).
    """

    h: np.ndarray
    iterations: int
    converged: bool
    updates: list = field(default_factory=list)
    residuals: list = field(default_factory=list)


def _check_weights(W_ih, W_hh, b, h0, input_size):
    W_ih = as_real(W_ih, "W_ih")
    W_hh = as_real(W_hh, "W_hh")
    b = as_real(b, "b")
    if W_hh.ndim != 2 or W_hh.shape[0] != W_hh.shape[1]:
        raise CarrylabValueError(f"W_hh must have shape (H, H), got {W_hh.shape}")
    H = W_hh.shape[0]
    if W_ih.shape != (H, input_size):
        raise CarrylabValueError(f"W_ih must have shape (H, I) = {(H, input_size)} (H from W_hh, "
                         f"I from x), got {W_ih.shape}")
    if b.shape != (H,):
        raise CarrylabValueError(f"b must have shape (H,) = {(H,)}, got {b.shape}")
    if h0 is None:
        h0 = np.zeros(H, np.result_type(W_ih.dtype, W_hh.dtype, b.dtype))
    else:
        h0 = as_real(h0, "h0")
    return W_ih, W_hh, b, h0


def _check_x(x):
    x = as_real(x, "x")
    if x.ndim not in (2, 3):
        raise CarrylabValueError(f"x must have shape (T, I) or (batch, T, I), got {x.shape}")
    if x.shape[-2] == 0 or (x.ndim == 3 and x.shape[0] == 0):
        raise CarrylabValueError(f"x must have T >= 1 (and batch >= 1), got shape {x.shape}")
    return x


def _h0_batch(h0, batch, H, squeeze):
    """h0 as (batch, H): accepts (H,) for all sequences, or (batch, H) for batched x."""
    if h0.shape == (H,):
        return np.broadcast_to(h0, (batch, H))
    if not squeeze and h0.shape == (batch, H):
        return h0
    allowed = f"(H,) = {(H,)}" + ("" if squeeze else f" or (batch, H) = {(batch, H)}")
    raise CarrylabValueError(f"h0 must have shape {allowed}, got {h0.shape}")


def elman_serial(x, W_ih, W_hh, b, h0=None):
    """The serial reference: ``h[t] = tanh(W_ih x[t] + b + W_hh h[t-1])``.

    Parameters
    ----------
    x : array (T, I) or (batch, T, I)
    W_ih : array (H, I)
    W_hh : array (H, H)
    b : array (H,), the sum ``b_ih + b_hh`` of PyTorch's two biases
    h0 : array (H,) or (batch, H), optional (zero)

    Returns
    -------
    h : array (T, H) or (batch, T, H), float64 (float32 if every input is float32)

    Notes
    -----
    Work T (H I + H^2) multiply-adds per sequence, depth T.

    Examples
    --------
    >>> import numpy as np
    >>> elman_serial(np.ones((2, 1)), np.ones((1, 1)), np.zeros((1, 1)), np.zeros(1)).round(4).tolist()
    [[0.7616], [0.7616]]
    """
    x = _check_x(x)
    W_ih, W_hh, b, h0 = _check_weights(W_ih, W_hh, b, h0, x.shape[-1])
    squeeze = x.ndim == 2
    xb = x[None] if squeeze else x  # (B, T, I)
    Bn, T, _ = xb.shape
    H = W_hh.shape[0]
    dtype = np.result_type(xb.dtype, W_ih.dtype, W_hh.dtype, b.dtype, h0.dtype)
    u = xb @ W_ih.T + b  # (B, T, I) @ (I, H) -> (B, T, H)
    h = np.empty((Bn, T, H), dtype)
    prev = np.array(_h0_batch(h0, Bn, H, squeeze), dtype)  # (B, H)
    for t in range(T):
        prev = np.tanh(u[:, t] + prev @ W_hh.T)  # (B, H) @ (H, H)
        h[:, t] = prev
    return h[0] if squeeze else h


def _network(network, T):
    if isinstance(network, PrefixNetwork):
        if network.n != T:
            raise CarrylabValueError(f"network has n = {network.n}; it must equal the sequence "
                             f"length T = {T}")
        return network
    if isinstance(network, str) and network in NETWORKS:
        return NETWORKS[network](T)
    raise CarrylabValueError(f"network must be a PrefixNetwork or one of {', '.join(EXACT_NETWORKS)}, "
                     f"got {network!r}")


def _deer_one(u, W_hh, h0, net, tol, max_iter, guess):
    """Newton iterations for one sequence. u = W_ih x + b (T, H); returns
    (h, iterations, converged, updates, residuals)."""
    T, H = u.shape
    h = np.zeros((T, H)) if guess is None else np.array(guess, dtype=np.float64)
    updates, residuals = [], []
    k = 0
    while True:
        prev = np.concatenate([h0[None], h[:-1]])  # (T, H): h[t-1] under the guess
        f = np.tanh(u + prev @ W_hh.T)  # (T, H) @ (H, H) -> (T, H)
        r = np.max(np.abs(h - f), axis=1)  # (T,) residual of each step
        res = float(r.max())
        if k > 0:
            residuals.append(res)
        if res < tol or k >= max_iter:
            break
        front = int(np.argmax(r >= tol))  # first step not yet solved
        J = (1.0 - f * f)[:, :, None] * W_hh[None]  # (T, H, 1) * (1, H, H) -> (T, H, H)
        c = f - (J @ prev[:, :, None])[:, :, 0]  # (T, H, H) @ (T, H, 1) -> (T, H)
        new = affine_scan(net, J, c, h0)  # (T, H)
        if not np.isfinite(new).all():  # overflowing Jacobian products, far ahead
            new = np.nan_to_num(new, nan=0.0, posinf=0.0, neginf=0.0)
        np.clip(new, -1.0, 1.0, out=new)  # tanh's range: exact values are unchanged
        new[:front] = h[:front]  # solved steps stay solved
        new[front] = f[front]  # exact, since h[front - 1] is: one more step solved
        updates.append(float(np.max(np.abs(new - h))))
        h = new
        k += 1
    return h, k, res < tol, updates, residuals


def deer_elman(x, W_ih, W_hh, b, h0=None, tol=1e-12, max_iter=None,
               network="brent-kung", guess=None):
    """All states of an Elman RNN by Newton iterations over affine prefix scans (DEER).

    Parameters
    ----------
    x : array (T, I) or (batch, T, I)
        Inputs; each sequence of a batch is solved on its own.
    W_ih : array (H, I)
    W_hh : array (H, H)
    b : array (H,)
        ``b_ih + b_hh`` in PyTorch's convention.
    h0 : array (H,) or (batch, H), optional
        Initial state (zero).
    tol : float > 0
        Stop when every step's residual ``|h[t] - tanh(W_ih x[t] + b + W_hh h[t-1])|``
        is below ``tol`` (then the last update ``max |h_new - h_old|`` is too).
    max_iter : int, optional
        Cap on iterations, at most (and by default) T: T iterations are always exact.
    network : str or PrefixNetwork
        The prefix network of the linear solves: an exact name from
        :data:`rnn.scan.EXACT_NETWORKS` (built for n = T) or a network with n = T.
        Default "brent-kung": 2T cells, depth 2 log2 T, the least work.
    guess : array (T, H), optional
        Starting guess (zero); unbatched x only.

    Returns
    -------
    DEERResult
        ``h`` (like x with H features), ``iterations``, ``converged``, and the
        per-iteration ``updates`` and ``residuals``.

    Raises
    ------
    ValueError, TypeError
        Shapes that do not fit, NaN/Inf, an overlapping (Knowles) network, bad
        ``tol`` / ``max_iter``.

    Notes
    -----
    One iteration: T Jacobians ``diag(1 - f^2) W_hh`` (T H^2), one dense affine
    scan (work cells x 2 H^3, depth = network depth), so K iterations cost
    O(K cells H^3) work and O(K log T) depth, against O(T H^2) work and depth T
    serially. Worth it when K log T << T and there are idle cores.

    Examples
    --------
    >>> import numpy as np
    >>> res = deer_elman(np.ones((8, 1)), np.ones((2, 1)), np.zeros((2, 2)), np.zeros(2))
    >>> res.iterations, res.converged      # no recurrence: one solve is exact
    (1, True)
    """
    x = _check_x(x)
    W_ih, W_hh, b, h0 = _check_weights(W_ih, W_hh, b, h0, x.shape[-1])
    squeeze = x.ndim == 2
    xb = x[None] if squeeze else x  # (B, T, I)
    Bn, T, _ = xb.shape
    H = W_hh.shape[0]
    check_real(tol, "tol", 0.0, strict_min=True)
    if max_iter is None:
        max_iter = T
    max_iter = min(check_int(max_iter, f"max_iter (at most T = {T} is used)", 1), T)
    if guess is not None:
        if not squeeze:
            raise CarrylabValueError("guess is accepted for unbatched x of shape (T, I) only")
        guess = as_real(guess, "guess")
        if guess.shape != (T, H):
            raise CarrylabValueError(f"guess must have shape (T, H) = {(T, H)}, got {guess.shape}")
    net = _network(network, T)
    if net.overlapping:
        raise CarrylabValueError(f"network {net.name!r} has overlapping cells, exact only for "
                         f"idempotent combines; use one of {', '.join(EXACT_NETWORKS)}")
    h0b = np.asarray(_h0_batch(h0, Bn, H, squeeze), dtype=np.float64)  # (B, H)
    W_hh = np.asarray(W_hh, dtype=np.float64)
    u = xb.astype(np.float64) @ W_ih.T.astype(np.float64) + b  # (B, T, I) @ (I, H)
    hs, iters, conv, upd, res = [], 0, True, None, None
    for s in range(Bn):
        h, k, c, up, rs = _deer_one(u[s], W_hh, h0b[s], net, float(tol), max_iter, guess)
        hs.append(h)
        iters, conv = max(iters, k), conv and c
        if upd is None:
            upd, res = up, rs
        else:  # max over the batch, padding the shorter history with its last value
            m = max(len(upd), len(up))
            pad = lambda v: v + [v[-1]] * (m - len(v))
            upd = [max(p, q) for p, q in zip(pad(upd), pad(up))]
            res = [max(p, q) for p, q in zip(pad(res), pad(rs))]
    h = hs[0] if squeeze else np.stack(hs)  # (T, H) or (B, T, H)
    return DEERResult(h=h, iterations=iters, converged=conv, updates=upd, residuals=res)
