"""Prefix scans: one prefix network, any associative combine.

A *scan* turns a sequence ``x[0], x[1], ..., x[T-1]`` into all its prefixes
``y[t] = x[t] o x[t-1] o ... o x[0]`` for an associative operator ``o``
(Blelloch, "Prefix sums and their applications", CMU-CS-90-190, 1990). Because
``o`` is associative, *any* valid :class:`adders.prefix.PrefixNetwork` computes the
same prefixes; the network only decides the order of the combines, hence the work
(its number of cells) and the depth (its number of levels).

Two algebras run over the same networks here:

* **Booleans (carries).** ``x[i] = (g[i], p[i])`` with
  ``(g_hi, p_hi) o (g_lo, p_lo) = (g_hi | p_hi & g_lo, p_hi & p_lo)``.
  The prefix ``G[i:0]`` is the carry out of bit i (:func:`carry_scan`).
* **Affine maps (linear RNNs).** ``x[t] = (a[t], b[t])`` stands for ``h -> a h + b``
  and ``(a2, b2) o (a1, b1) = (a2 a1, a2 b1 + b2)``, where ``(a1, b1)`` is the
  *earlier* step. The prefix at t maps ``h[-1]`` to ``h[t]`` of the recurrence
  ``h[t] = a[t] h[t-1] + b[t]``; with the initial state folded into step 0
  (``b[0] <- a[0] h0 + b[0]``) its ``b`` part *is* ``h[t]`` (:func:`affine_scan`).
  ``a`` is diagonal (elementwise, arrays ``(T, D)``) or dense (``(T, D, D)``).

The carry operator is idempotent (``x o x = x``), so adders may use networks whose
cells join overlapping groups (Knowles). Affine maps are not: an overlapping cell
would count some steps twice, so affine scans refuse such networks
(``network.overlapping``) and name an exact one instead.

Symbols: T sequence length (the network's ``n``), D channels, B batch.

Cost of a network scan: work = cells x (cost of one combine), depth = levels.
Diagonal combine: 3 D flops; dense: 2 D^3 + 2 D^2 flops. The sequential loop
:func:`linear_recurrence_loop` does T steps (work T, depth T);
:func:`affine_scan_blocked` (the classic two-pass scan, Blelloch 1990) does
``T + (P - 1) (T - x) / P`` steps of work on P threads in depth ``x + (T - x) / P``,
where thread 0's head ``x = rho T / (P + rho)`` needs no reduction pass
(``1.36 T`` work in depth ``0.64 T`` for P = 2, rho = 0.8).

Examples
--------
>>> import numpy as np
>>> from adders.prefix import kogge_stone
>>> net = kogge_stone(4)
>>> scan(net, [1, 2, 3, 4], lambda hi, lo: hi + lo)
[1, 3, 6, 10]
>>> carry_scan(net, g=[1, 0, 0, 0], p=[0, 1, 1, 0]).astype(int).tolist()
[1, 1, 1, 0]
>>> a = np.full((4, 1), 0.5); b = np.ones((4, 1))
>>> affine_scan(net, a, b, h0=np.zeros(1))[:, 0].tolist()
[1.0, 1.5, 1.75, 1.875]
"""
from __future__ import annotations

from functools import lru_cache

import numba
import numpy as np
from numba import njit, prange

from adders.checks import check_int, check_real
from adders.errors import CarrylabTypeError, CarrylabValueError
from adders.prefix import PrefixNetwork

__all__ = [
    "scan",
    "carry_scan",
    "affine_scan",
    "affine_scan_blocked",
    "linear_recurrence_loop",
    "carry_combine",
    "affine_combine",
    "EXACT_NETWORKS",
]

#: Named networks whose cells only join adjacent groups: exact for any associative
#: combine, idempotent or not. (``knowles`` is the one that needs idempotence.)
EXACT_NETWORKS = ("serial", "sklansky", "kogge-stone", "brent-kung", "han-carlson",
                  "ladner-fischer")


# ---------------------------------------------------------------------- combines
def carry_combine(hi, lo):
    """The carry operator ``(g_hi | p_hi & g_lo, p_hi & p_lo)`` on (g, p) pairs.

    Associative and idempotent. Works on bools, 0/1 ints and NumPy bool arrays.
    """
    g_hi, p_hi = hi
    g_lo, p_lo = lo
    return (g_hi | (p_hi & g_lo), p_hi & p_lo)


def affine_combine(hi, lo):
    """Compose affine maps: ``(a2, b2) o (a1, b1) = (a2 a1, a2 b1 + b2)``, (a1, b1) earlier.

    Associative, not idempotent. Scalars or diagonal arrays multiply elementwise;
    a 2-D ``a`` is a matrix (``a2 @ a1``, ``a2 @ b1``).
    """
    a2, b2 = hi
    a1, b1 = lo
    if np.ndim(a2) == 2:
        return (a2 @ a1, a2 @ b1 + b2)  # (D, D) @ (D, D), (D, D) @ (D,)
    return (a2 * a1, a2 * b1 + b2)


# ---------------------------------------------------------------------- checks
def _check_network(network, idempotent: bool):
    if not isinstance(network, PrefixNetwork):
        raise CarrylabTypeError(f"network must be an adders.prefix.PrefixNetwork, got "
                        f"{type(network).__name__}")
    if not idempotent and _overlapping(network):
        raise CarrylabValueError(
            f"network {network.name!r} (n = {network.n}) has cells that join overlapping "
            f"groups, which is exact only for an idempotent combine such as the carry "
            f"operator; affine maps are not idempotent (a o a != a), so some steps would be "
            f"counted twice. Use an exact network: one of {', '.join(EXACT_NETWORKS)}")


def _as_real(x, name):
    """x as a float32/float64 array (bools and ints become float64); finite."""
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except (TypeError, ValueError):
            raise CarrylabTypeError(f"{name} must be an array of real numbers, got "
                            f"{type(x).__name__}") from None
    if arr.dtype.kind not in "biuf":
        raise CarrylabTypeError(f"{name} must hold real numbers (bool, int or float), got dtype "
                        f"{arr.dtype}")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        bad = arr[~np.isfinite(arr)].flat[0]
        raise CarrylabValueError(f"{name} must be finite; found {bad} (NaN/Inf are not allowed)")
    return arr


def _as_bits(x, name):
    """x as a NumPy bool array; accepts bools and 0/1 integers."""
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError):
        raise CarrylabTypeError(f"{name} must be an array of bits, got {type(x).__name__}") from None
    if arr.dtype == np.bool_:
        return arr
    if arr.dtype.kind not in "iu":
        raise CarrylabTypeError(f"{name} must hold bits (bool or 0/1 integers), got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        bad = arr.min() if arr.min() < 0 else arr.max()
        raise CarrylabValueError(f"{name} may hold only 0 and 1, found {bad}")
    return arr.astype(np.bool_)


def _affine_operands(a, b, h0, n=None):
    """Validate (a, b, h0); returns (a, b, h0, kind, squeeze) with a float dtype.

    kind is "diagonal" (a, b (T, D)) or "dense" (a (T, D, D), b (T, D)); squeeze says
    the caller gave 1-D (T,) arrays, to be returned as (T,).
    """
    a = _as_real(a, "a")
    b = _as_real(b, "b")
    squeeze = False
    if a.ndim == 1:
        squeeze = True
        a = a[:, None]  # (T, 1)
        if b.ndim != 1:
            raise CarrylabValueError(f"b must have the shape of a, (T,) = {a.shape[:1]}, got {b.shape}")
        b = b[:, None]  # (T, 1)
    if a.ndim == 2:
        kind = "diagonal"
        if b.shape != a.shape:
            raise CarrylabValueError(f"b must have shape (T, D) = {a.shape} like a (diagonal a), "
                             f"got {b.shape}")
    elif a.ndim == 3:
        kind = "dense"
        T, D, D2 = a.shape
        if D != D2:
            raise CarrylabValueError(f"a must have shape (T, D) (diagonal) or (T, D, D) (dense), "
                             f"got {a.shape}: the last two sizes differ")
        if b.shape != (T, D):
            raise CarrylabValueError(f"b must have shape (T, D) = {(T, D)} for dense a of shape "
                             f"{a.shape}, got {b.shape}")
    else:
        raise CarrylabValueError(f"a must have shape (T,), (T, D) (diagonal) or (T, D, D) (dense), "
                         f"got {a.shape}")
    T, D = b.shape
    if T == 0:
        raise CarrylabValueError("a and b must have T >= 1 steps, got an empty sequence")
    if n is not None and T != n:
        raise CarrylabValueError(f"a and b have T = {T} steps; the network has n = {n} positions "
                         f"(build the network with n = T)")
    dtype = np.result_type(a.dtype, b.dtype)
    if h0 is None:
        h0 = np.zeros(D, dtype)
    else:
        h0 = _as_real(h0, "h0")
        if squeeze and h0.ndim == 0:
            h0 = h0.reshape(1)
        if h0.shape != (D,):
            raise CarrylabValueError(f"h0 must have shape (D,) = {(D,)}, got {h0.shape}")
        dtype = np.result_type(dtype, h0.dtype)
    a = np.ascontiguousarray(a, dtype=dtype)
    b = np.ascontiguousarray(b, dtype=dtype)
    h0 = np.ascontiguousarray(h0, dtype=dtype)
    return a, b, h0, kind, squeeze


def _fold_h0(a, b, h0, kind):
    """b0 <- a0 h0 + b0 (a copy of b): the scan then yields h[t] directly."""
    b = b.copy()
    if kind == "diagonal":
        b[0] += a[0] * h0  # (D,)
    else:
        b[0] += a[0] @ h0  # (D, D) @ (D,)
    return b


@lru_cache(maxsize=128)
def _overlapping(network):
    """network.overlapping, remembered (networks are immutable)."""
    return network.overlapping


@lru_cache(maxsize=128)
def _flat_cells(network):
    """Cells as flat int64 arrays (i, j, grey) plus level pointers, for kernels.

    ``grey`` marks cells whose result reaches position 0: their ``A`` product is
    never read again (the initial state is folded in), so kernels skip it.
    Remembered per network (networks are immutable); the arrays are read-only.
    """
    lo = np.arange(network.n)
    ci, cj, grey, ptr = [], [], [], [0]
    for level in network.levels:
        cells = np.array(level, dtype=np.int64).reshape(-1, 2)  # (cells, 2)
        i, j = cells[:, 0], cells[:, 1]
        ci.append(i)
        cj.append(j)
        grey.append(lo[j] == 0)
        lo = lo.copy()
        lo[i] = lo[j]
        ptr.append(ptr[-1] + len(i))
    out = tuple(np.concatenate(x) if x else np.zeros(0, dt)
                for x, dt in ((ci, np.int64), (cj, np.int64), (grey, np.bool_)))
    out = out + (np.array(ptr, np.int64),)
    for arr in out:
        arr.flags.writeable = False
    return out


# ---------------------------------------------------------------------- generic scan
def scan(network, elements, combine, idempotent=False, record=False):
    """Run ``network`` over ``elements`` with ``combine(hi, lo)``, in plain Python.

    Parameters
    ----------
    network : adders.prefix.PrefixNetwork
        Any valid network with ``network.n == len(elements)``.
    elements : sequence
        ``x[0] .. x[n-1]``, earliest first.
    combine : callable
        ``combine(hi, lo)`` with ``hi`` the later group. It must be associative:
        ``combine(z, combine(y, x)) == combine(combine(z, y), x)``.
    idempotent : bool
        Declare ``combine(x, x) == x``; required for a network with overlapping
        cells (Knowles), refused otherwise.
    record : bool
        Also return the values after every level.

    Returns
    -------
    list
        The prefixes ``y[i] = x[i] o ... o x[0]``; with ``record=True`` a pair
        ``(prefixes, history)`` where ``history[k]`` is the list of values after k
        levels (``history[0]`` is the input).

    Raises
    ------
    TypeError, ValueError
        Not a network, wrong length, or an overlapping network without
        ``idempotent=True``.

    Notes
    -----
    Work: one combine per cell; depth: ``network.depth`` levels (Blelloch 1990).

    Examples
    --------
    >>> from adders.prefix import brent_kung
    >>> scan(brent_kung(5), ["a", "b", "c", "d", "e"], lambda hi, lo: lo + hi)
    ['a', 'ab', 'abc', 'abcd', 'abcde']
    """
    _check_network(network, idempotent)
    if not callable(combine):
        raise CarrylabTypeError(f"combine must be a callable combine(hi, lo), got "
                        f"{type(combine).__name__}")
    elements = list(elements)
    if len(elements) != network.n:
        raise CarrylabValueError(f"elements has length {len(elements)}; the network has "
                         f"n = {network.n} positions")
    x = elements
    history = [x[:]]
    for level in network.levels:
        new = x[:]
        for i, j in level:
            new[i] = combine(x[i], x[j])
        x = new
        if record:
            history.append(x[:])
    return (x, history) if record else x


# ---------------------------------------------------------------------- carries
def carry_scan(network, g, p, cin=0, record=False):
    """Carries of a prefix adder: the (g, p) scan over the Boolean algebra.

    Parameters
    ----------
    network : adders.prefix.PrefixNetwork
        Any valid network (overlapping ones too: the carry operator is idempotent).
    g, p : array of bits, shape (n,) or (batch, n)
        Generate ``a & b`` and propagate ``a ^ b`` per bit, LSB first.
    cin : 0, 1, or array of bits (batch,)
        Carry into bit 0, folded in as ``g[0] <- g[0] | p[0] & cin``.
    record : bool
        Also return the (G, P) pairs after every level.

    Returns
    -------
    c : bool array, shape of g
        ``c[..., i]`` is the carry *out of* bit i (into bit i + 1): ``G[i:0]``.
        With ``record=True``, a pair ``(c, history)``, ``history[k] = (G, P)`` after
        k levels.

    Notes
    -----
    The combine ``(g_hi | p_hi & g_lo, p_hi & p_lo)`` is associative and
    idempotent. Work: one combine per cell per vector, vectorised over the batch;
    depth: ``network.depth``.

    Examples
    --------
    >>> from adders.prefix import sklansky
    >>> a, b = 0b0111, 0b0001
    >>> g = [(a >> i) & (b >> i) & 1 for i in range(4)]
    >>> p = [((a ^ b) >> i) & 1 for i in range(4)]
    >>> carry_scan(sklansky(4), g, p).astype(int).tolist()
    [1, 1, 1, 0]
    """
    _check_network(network, idempotent=True)
    g = _as_bits(g, "g")
    p = _as_bits(p, "p")
    if g.ndim not in (1, 2) or g.shape[-1] != network.n:
        raise CarrylabValueError(f"g must have shape (n,) or (batch, n) with n = {network.n}, "
                         f"got {g.shape}")
    if p.shape != g.shape:
        raise CarrylabValueError(f"p must have the shape of g, {g.shape}, got {p.shape}")
    squeeze = g.ndim == 1
    G = np.array(g.reshape(-1, network.n))  # (B, n), a copy
    P = np.array(p.reshape(-1, network.n))  # (B, n)
    c0 = _as_bits(cin, "cin")
    if c0.ndim == 0:
        c0 = np.broadcast_to(c0, G.shape[:1])
    elif c0.shape != G.shape[:1] or squeeze:
        raise CarrylabValueError(f"cin must be 0, 1 or a bit array of shape (batch,) = "
                         f"{G.shape[:1] if not squeeze else '()'}, got shape {c0.shape}")
    G[:, 0] |= P[:, 0] & c0
    history = [(G.copy(), P.copy())] if record else None
    for level in network.levels:
        i = np.fromiter((c[0] for c in level), np.int64, len(level))
        j = np.fromiter((c[1] for c in level), np.int64, len(level))
        Gi, Pi, Gj, Pj = G[:, i], P[:, i], G[:, j], P[:, j]  # (B, cells) copies
        G[:, i] = Gi | (Pi & Gj)
        P[:, i] = Pi & Pj
        if record:
            history.append((G.copy(), P.copy()))
    c = G[0] if squeeze else G
    if record:
        if squeeze:
            history = [(x[0], y[0]) for x, y in history]
        return c, history
    return c


# ---------------------------------------------------------------------- affine kernels
@njit(cache=True)
def _diag_network_channel(A, Bv, ci, cj, grey, ptr):
    """One channel of the diagonal affine scan, in place: A, Bv (T,).

    Within a level, cells run by *decreasing* i: a cell (i, j) reads j < i, which no
    cell of this level has written yet, and i's old value has already been read by
    every cell (i', i) with i' > i. So one buffer suffices.
    """
    n_levels = ptr.shape[0] - 1
    for level in range(n_levels):
        for c in range(ptr[level + 1] - 1, ptr[level] - 1, -1):
            i = ci[c]
            j = cj[c]
            Bv[i] = A[i] * Bv[j] + Bv[i]
            if not grey[c]:
                A[i] = A[i] * A[j]


@njit(parallel=True, cache=True)
def _diag_network_kernel(a_t, b_t, ci, cj, grey, ptr):
    """Diagonal affine scan over a network on (D, T) copies, parallel over channels:
    each thread runs every level of its own channels (rows of a_t, b_t)."""
    for d in prange(a_t.shape[0]):
        _diag_network_channel(a_t[d], b_t[d], ci, cj, grey, ptr)


@njit(cache=True)
def _diag_network_serial(a_t, b_t, ci, cj, grey, ptr):
    """The same, on one thread (small problems: no thread start-up)."""
    for d in range(a_t.shape[0]):
        _diag_network_channel(a_t[d], b_t[d], ci, cj, grey, ptr)


_PARALLEL_MIN_WORK = 1 << 16  # cells x channels below which one thread is faster


def _affine_levels_numpy(network, A, B, dense, record):
    """Level-by-level affine scan in NumPy (vectorised over the cells of a level).

    A (T, D) or (T, D, D), B (T, D), both overwritten. Returns the history of
    (A, B) copies after each level when ``record``, else None.
    """
    ci, cj, grey, ptr = _flat_cells(network)
    history = [(A.copy(), B.copy())] if record else None
    for k in range(network.depth):
        i, j = ci[ptr[k]:ptr[k + 1]], cj[ptr[k]:ptr[k + 1]]
        Ai, Aj, Bj = A[i], A[j], B[j]  # gathered copies: (cells, D[, D])
        if dense:
            B[i] += (Ai @ Bj[:, :, None])[:, :, 0]  # (cells, D, D) @ (cells, D, 1)
            keep = slice(None) if record else ~grey[ptr[k]:ptr[k + 1]]
            A[i[keep]] = Ai[keep] @ Aj[keep]  # (cells, D, D) @ (cells, D, D)
        else:
            B[i] += Ai * Bj  # (cells, D)
            A[i] = Ai * Aj  # (cells, D)
        if record:
            history.append((A.copy(), B.copy()))
    return history


def affine_scan(network, a, b, h0=None, record=False):
    """All states of ``h[t] = a[t] h[t-1] + b[t]`` by a prefix network.

    Parameters
    ----------
    network : adders.prefix.PrefixNetwork
        An exact network (no overlapping cells) with ``network.n == T``.
    a : array (T,), (T, D) or (T, D, D)
        Diagonal coefficients (elementwise) or dense matrices (``a[t] @ h``).
    b : array (T,) or (T, D)
        Inputs. float32 or float64 (ints and bools become float64); finite.
    h0 : array (D,), optional
        Initial state ``h[-1]``, zero by default; folded in as
        ``b[0] <- a[0] h0 + b[0]``.
    record : bool
        Also return the (A, B) pairs after every level, for pictures.

    Returns
    -------
    h : array (T, D) (or (T,) for 1-D input)
        ``h[t]`` for every t. With ``record=True`` a pair ``(h, history)``,
        ``history[k] = (A, B)`` after k levels, shaped like (a, b).

    Raises
    ------
    ValueError
        Overlapping network (Knowles: affine maps are not idempotent), T != n,
        mismatched shapes, NaN/Inf.
    TypeError
        Not a network; non-real arrays.

    Notes
    -----
    The combine ``(a2, b2) o (a1, b1) = (a2 a1, a2 b1 + b2)`` is associative
    (Blelloch 1990) but not idempotent, hence the exact network. Work: cells x
    (3 D) flops diagonal, cells x (2 D^3 + 2 D^2) dense (cells reaching position 0
    skip their ``a`` product); depth: ``network.depth`` combines. Diagonal scans
    without ``record`` run in a Numba kernel (parallel over channels once
    channels x cells >= 2^16); dense ones in NumPy, one batched matrix product
    per level.

    Examples
    --------
    >>> import numpy as np
    >>> from adders.prefix import brent_kung
    >>> a = np.array([[[0., 1.], [1., 0.]]] * 3)   # (T, D, D): swap the two entries
    >>> b = np.array([[1., 0.], [0., 0.], [0., 0.]])
    >>> affine_scan(brent_kung(3), a, b).tolist()
    [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
    """
    _check_network(network, idempotent=False)
    a, b, h0, kind, squeeze = _affine_operands(a, b, h0, network.n)
    b = _fold_h0(a, b, h0, kind)
    if kind == "diagonal" and not record:
        a_t = np.array(a.T, order="C")  # (D, T) copy: one contiguous row per channel
        b_t = np.array(b.T, order="C")  # (D, T) copy (the kernel works in place)
        ci, cj, grey, ptr = _flat_cells(network)
        parallel = a_t.shape[0] > 1 and ci.shape[0] * a_t.shape[0] >= _PARALLEL_MIN_WORK
        kernel = _diag_network_kernel if parallel else _diag_network_serial
        kernel(a_t, b_t, ci, cj, grey, ptr)
        h = np.ascontiguousarray(b_t.T)  # (T, D)
        return h[:, 0] if squeeze else h
    A = a.copy()
    history = _affine_levels_numpy(network, A, b, kind == "dense", record)
    h = b[:, 0] if squeeze else b
    if record:
        if squeeze:
            history = [(x[:, 0], y[:, 0]) for x, y in history]
        return h, history
    return h


# ---------------------------------------------------------------------- sequential loop
@njit(cache=True)
def _diag_loop(a, b, h0, out):
    """out[t] = a[t] * out[t-1] + b[t], out[-1] = h0. a, b, out (T, D)."""
    T, D = a.shape
    h = h0.copy()
    for t in range(T):
        for d in range(D):
            x = a[t, d] * h[d] + b[t, d]
            h[d] = x
            out[t, d] = x


@njit(cache=True)
def _dense_loop(a, b, h0, out):
    """out[t] = a[t] @ out[t-1] + b[t]. a (T, D, D), b, out (T, D)."""
    T, D = b.shape
    h = h0.copy()
    for t in range(T):
        for r in range(D):
            s = b[t, r]
            for c in range(D):
                s += a[t, r, c] * h[c]
            out[t, r] = s
        h[:] = out[t]


def linear_recurrence_loop(a, b, h0=None):
    """The sequential reference: ``h[t] = a[t] h[t-1] + b[t]``, one step at a time.

    Parameters
    ----------
    a : array (T,), (T, D) or (T, D, D)
        Diagonal or dense coefficients.
    b : array (T,) or (T, D)
    h0 : array (D,), optional (zero)

    Returns
    -------
    h : array (T, D) (or (T,))

    Notes
    -----
    Work T steps (D or D^2 multiply-adds each), depth T. Compiled with Numba,
    single-threaded.

    Examples
    --------
    >>> linear_recurrence_loop([0.5, 0.5, 0.5], [1.0, 1.0, 1.0]).tolist()
    [1.0, 1.5, 1.75]
    """
    a, b, h0, kind, squeeze = _affine_operands(a, b, h0)
    out = np.empty_like(b)
    if kind == "diagonal":
        _diag_loop(a, b, h0, out)
    else:
        _dense_loop(a, b, h0, out)
    return out[:, 0] if squeeze else out


# ---------------------------------------------------------------------- blocked scan
@njit(cache=True)
def _reduce_range(a, b, lo, hi, A, B):
    """(A, B) = composition of steps lo..hi-1 (a fresh start). A, B (D,)."""
    D = a.shape[1]
    for d in range(D):
        A[d] = 1.0
        B[d] = 0.0
    for t in range(lo, hi):
        for d in range(D):
            B[d] = a[t, d] * B[d] + b[t, d]
            A[d] = a[t, d] * A[d]


@njit(cache=True)
def _scan_range(a, b, lo, hi, h, out):
    """out[lo:hi] = the states from h (the state before lo); h ends as out[hi-1]."""
    D = a.shape[1]
    for t in range(lo, hi):
        for d in range(D):
            x = a[t, d] * h[d] + b[t, d]
            h[d] = x
            out[t, d] = x


@njit(parallel=True, cache=True)
def _blocked_kernel(a, b, h0, out, P, block, rho):
    """Two-pass scan, block by block, on P threads. a, b, out (T, D); h0 (D,).

    Each block of ``n = block`` steps (sized to stay in cache between passes) is cut
    into a head of ``x = rho n / (P + rho)`` steps and P equal segments:

    1. thread 0 scans the head outright (its carry is known), while threads
       1..P-1 reduce segments 1..P-1 to one (A, B) each;
    2. a serial step composes them into the carry at every segment start;
    3. thread k-1 rescans segment k (k < P) from its carry, already in cache, and
       thread P-1 scans the last segment, which pass 1 never touched.

    The last segment needs no reduction, so the block's steps are read from memory
    once: each scan or reduction either fetches its steps first or finds them in
    cache. ``x`` balances pass 1 when reducing a step costs ``rho`` scan steps.
    Threads write disjoint slices of ``out`` and of ``segA``/``segB``; only the
    serial step reads across them.
    """
    T, D = a.shape
    h = h0.copy()
    segA = np.empty((P, D), a.dtype)  # row k: segment k's composed (A, B), k >= 1
    segB = np.empty((P, D), a.dtype)
    carry = np.empty((P, D), a.dtype)  # row k: the state before segment k + 1
    t0 = 0
    while t0 < T:
        n = min(block, T - t0)
        head = t0 + int(rho * n / (P + rho))
        rest = t0 + n - head
        # Pass 1: thread 0 scans the head; threads 1..P-1 reduce their segment.
        for k in prange(P):
            if k == 0:
                _scan_range(a, b, t0, head, h, out)
            else:
                _reduce_range(a, b, head + (k - 1) * rest // P, head + k * rest // P,
                              segA[k], segB[k])
        # Serial: h is the state before segment 1; compose to the later starts.
        for k in range(P):
            carry[k] = h
            if k < P - 1:
                for d in range(D):
                    h[d] = segA[k + 1, d] * h[d] + segB[k + 1, d]
        # Pass 2: thread k scans segment k + 1 from its carry.
        for k in prange(P):
            _scan_range(a, b, head + k * rest // P, head + (k + 1) * rest // P,
                        carry[k], out)
        h[:] = carry[P - 1]
        t0 += n
    return h


_BLOCKED_MIN_SIZE = 1 << 15  # T x D below which the sequential loop is used


def _default_block(D, itemsize):
    """Steps per block so that a, b and the output of one block (3 D itemsize bytes a
    step) fill about 8 MiB, a quarter of a typical shared L3; at least 4096 steps."""
    return max(4096, (8 << 20) // (3 * D * itemsize))


def affine_scan_blocked(a, b, h0=None, n_threads=None, block=None, rho=0.8):
    """Diagonal ``h[t] = a[t] * h[t-1] + b[t]`` by the two-pass parallel scan.

    Parameters
    ----------
    a, b : array (T, D) or (T,)
        Diagonal coefficients and inputs, float32 or float64, finite.
    h0 : array (D,), optional (zero)
    n_threads : int, optional
        Threads (chunks per block), default ``numba.get_num_threads()``. 1, or
        fewer than 2^15 values in b, runs the sequential loop.
    block : int, optional
        Steps per block; each block is reduced, then rescanned while still in
        cache. Default: about 8 MiB of (a, b, h) per block. Each block costs two
        thread hand-offs (microseconds on idle cores, but up to a scheduler time
        slice each when other processes keep the cores busy): on a busy machine
        pass ``block=T`` (one block, two hand-offs in all).
    rho : float in (0, 1]
        Cost of a reduction step relative to a scan step; sets how much of each
        block thread 0 scans directly while the others reduce.

    Returns
    -------
    h : array like b

    Notes
    -----
    Blelloch (1990)'s two-pass scan over P chunks, combined with the affine
    operator ``(a2, b2) o (a1, b1) = (a2 a1, a2 b1 + b2)`` (associative; the
    chunk reductions use it, the serial step composes the chunk results). Per
    block of n steps, thread 0 scans a head of ``x = rho n / (P + rho)`` steps
    while threads 1..P-1 reduce the first P - 1 of P equal segments of the rest;
    then every thread scans one segment, the last of them unreduced. Work
    ``T + (P - 1) (T - x) / P`` steps instead of T; depth ``x + (T - x) / P``
    steps (1.36 T and 0.64 T for P = 2, rho = 0.8). Every step is fetched from memory
    once: rescanned segments are still in cache. The loop is memory-bound at
    large T, so the gain is capped by how much more memory bandwidth two cores
    get than one.
    Threads parallelise over chunks of time, each chunk run sequentially; results
    equal the loop's up to rounding (the chunks' carries are formed by
    re-associating products).

    Examples
    --------
    >>> import numpy as np
    >>> a = np.full((6, 2), 0.5); b = np.ones((6, 2))
    >>> np.allclose(affine_scan_blocked(a, b, n_threads=2, block=4),
    ...             linear_recurrence_loop(a, b))
    True
    """
    a, b, h0, kind, squeeze = _affine_operands(a, b, h0)
    if kind != "diagonal":
        raise CarrylabValueError(f"affine_scan_blocked takes diagonal a of shape (T, D) or (T,), "
                         f"got {a.shape}; use affine_scan(network, a, b) for dense a")
    if n_threads is None:
        n_threads = numba.get_num_threads()
    n_threads = check_int(n_threads, "n_threads", 1)
    if block is None:
        block = _default_block(b.shape[1], b.itemsize)
    block = check_int(block, "block (steps per block)", 1)
    rho = check_real(rho, "rho", 0.0, 1.0, strict_min=True)
    out = np.empty_like(b)
    if n_threads == 1 or b.size < _BLOCKED_MIN_SIZE:
        _diag_loop(a, b, h0, out)  # too small to repay starting threads
    else:
        _blocked_kernel(a, b, h0, out, int(n_threads), int(block), float(rho))
    return out[:, 0] if squeeze else out
