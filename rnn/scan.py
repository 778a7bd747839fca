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

Layout: this module holds the combines, :func:`scan` (which runs
:meth:`adders.prefix.PrefixNetwork.evaluate`) and :func:`carry_scan`; the affine scans
live in :mod:`rnn.scan_affine` (on networks), :mod:`rnn.scan_loop` (the sequential
loop) and :mod:`rnn.scan_blocked` (two-pass), the operand checks in
:mod:`rnn.scan_operands`, and all public names are importable from here.

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

import numpy as np

from adders.errors import CarrylabTypeError, CarrylabValueError

from .scan_affine import affine_scan
from .scan_blocked import affine_scan_blocked
from .scan_loop import linear_recurrence_loop
from .scan_operands import EXACT_NETWORKS, as_bits, check_network

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
    check_network(network, idempotent)
    if not callable(combine):
        raise CarrylabTypeError(f"combine must be a callable combine(hi, lo), got "
                        f"{type(combine).__name__}")
    elements = list(elements)
    if len(elements) != network.n:
        raise CarrylabValueError(f"elements has length {len(elements)}; the network has "
                         f"n = {network.n} positions")
    return network.evaluate(elements, combine, record)


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
    check_network(network, idempotent=True)
    g = as_bits(g, "g")
    p = as_bits(p, "p")
    if g.ndim not in (1, 2) or g.shape[-1] != network.n:
        raise CarrylabValueError(f"g must have shape (n,) or (batch, n) with n = {network.n}, "
                         f"got {g.shape}")
    if p.shape != g.shape:
        raise CarrylabValueError(f"p must have the shape of g, {g.shape}, got {p.shape}")
    squeeze = g.ndim == 1
    G = np.array(g.reshape(-1, network.n))  # (B, n), a copy
    P = np.array(p.reshape(-1, network.n))  # (B, n)
    c0 = as_bits(cin, "cin")
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
