"""The blocked two-pass scan of a diagonal linear recurrence, on P threads.

Blelloch (1990)'s two-pass scan over chunks of time: the chunks are reduced in
parallel, a serial step composes their results into carries, and every chunk is then
rescanned from its carry while still in cache (see :func:`affine_scan_blocked`).
"""
from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from adders.checks import check_int, check_real
from adders.errors import CarrylabValueError

from .scan_loop import diag_loop
from .scan_operands import affine_operands

__all__ = ["affine_scan_blocked"]


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
    >>> from rnn.scan import linear_recurrence_loop
    >>> a = np.full((6, 2), 0.5); b = np.ones((6, 2))
    >>> np.allclose(affine_scan_blocked(a, b, n_threads=2, block=4),
    ...             linear_recurrence_loop(a, b))
    True
    """
    a, b, h0, kind, squeeze = affine_operands(a, b, h0)
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
        diag_loop(a, b, h0, out)  # too small to repay starting threads
    else:
        _blocked_kernel(a, b, h0, out, int(n_threads), int(block), float(rho))
    return out[:, 0] if squeeze else out
