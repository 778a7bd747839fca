"""Batch rows in groups, one group per thread, for the serial recurrences.

The B sequences of a batch are independent recurrences, so :mod:`rnn.kernels.recurrent`
splits the rows into one group per thread; each group runs its own serial chain over
all T steps with no synchronisation between steps. Helper threads live in a pool that
is started on first use, grown (the old one shut down) when more threads are asked for.
"""
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import numba

__all__ = ["run_groups"]

_POOL, _POOL_SIZE = None, 0  # helper threads for the row groups, started on first use
_POOL_LOCK = threading.Lock()  # callers on several threads may grow the pool at once


def run_groups(rows_kernel, B, *args):
    """Run ``rows_kernel(*args, b0, b1)`` over the batch rows, in one group of rows
    per thread (``numba.get_num_threads()``, at most B).

    The calling thread and the pool's helpers claim groups from a shared counter
    until none is left: a helper that starts late (right after a BLAS product, the
    BLAS workers keep spinning for a while and a newly woken thread may wait a
    scheduler time slice, about 4 ms here, for a core) finds its group already done
    by the calling thread, so a group split is never slower than one group. The
    kernels release the GIL (``nogil``) while they run."""
    global _POOL, _POOL_SIZE
    parts = max(1, min(B, numba.get_num_threads()))
    if parts == 1:
        rows_kernel(*args, 0, B)
        return
    claims = itertools.count()  # next() on it is atomic under the GIL

    def work():
        while (p := next(claims)) < parts:
            rows_kernel(*args, p * B // parts, (p + 1) * B // parts)

    with _POOL_LOCK:  # submit under the lock: a pool being replaced takes no new work
        if _POOL_SIZE < parts - 1:
            old = _POOL
            _POOL = ThreadPoolExecutor(max_workers=parts - 1, thread_name_prefix="rnn-rows")
            _POOL_SIZE = parts - 1
            if old is not None:
                old.shutdown(wait=False)  # work already queued there still runs; its threads then exit
        helpers = [_POOL.submit(work) for _ in range(parts - 1)]
    work()
    for h in helpers:
        h.result()
