"""Exercises of notebook 06: 64 test vectors to a word, 64 full adders in a word, what
must wait for what, and a prefix network's steps on P processors."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .judging import Problem, as_int, as_pair, call, network_label, own_work, student_function
from .registry import Exercise, register

__all__ = []


def _judge_word_fa(fn, params):
    if (why := own_work(fn, allowed_operators=("^", "&", "|"))) is not None:
        return why
    rng = np.random.default_rng(7)
    a, b, c = (rng.integers(0, 2**63, 6, dtype=np.uint64) * np.uint64(2)
               + rng.integers(0, 2, 6, dtype=np.uint64) for _ in range(3))
    s, cout = as_pair(call(fn, a, b, c, name="word_full_adder"), "word_full_adder(a, b, cin)")
    ws, wc = a ^ b ^ c, (a & b) | ((a ^ b) & c)
    for name, g, w in (("s", s, ws), ("cout", cout, wc)):
        g = np.asarray(g)
        if g.shape != w.shape or g.dtype != np.uint64:
            raise Problem(f"{name} should be a uint64 array of shape {w.shape}, got dtype "
                          f"{g.dtype} and shape {g.shape}")
        bad = np.nonzero(g != w)[0]
        if bad.size:
            i = int(bad[0])
            diff = int(g[i] ^ w[i])
            lane = (diff & -diff).bit_length() - 1
            return (f"{name}[{i}] is wrong in lane (bit) {lane}: the inputs a, b, cin there are "
                    f"{int(a[i]) >> lane & 1}, {int(b[i]) >> lane & 1}, "
                    f"{int(c[i]) >> lane & 1}; expected {int(w[i]) >> lane & 1}.")
    return None


register(Exercise(
    "06.word_full_adder", "64 full adders in one machine word", _judge_word_fa,
    "the same bit operators add 64 vectors per word.",
    ("a uint64 holds 64 independent bits, one test vector per bit position (lane).",
     "^, & and | act on every lane at once, with no carries between lanes.",
     "so the full adder of 01.full_adder, written with the same three operators, works "
     "unchanged on whole arrays."),
    student_function("def word_full_adder(a, b, cin):\n"
                     "    return a ^ b ^ cin, (a & b) | ((a ^ b) & cin)", "word_full_adder"),
    student_function("def word_full_adder(a, b, cin):\n"
                     "    return a ^ b ^ cin, a & b", "word_full_adder"),
    shortcuts=(lambda: student_function("def word_full_adder(a, b, cin):\n"
                                        "    return a + b + cin, (a & b) | (a & cin)",
                                        "word_full_adder"),
               lambda: student_function(
                   "def word_full_adder(a, b, cin):\n"
                   "    r = adders.full_adder().simulate(a=a, b=b, cin=cin)\n"
                   "    return r['s'], r['cout']", "word_full_adder",
                   adders=__import__("adders")))))


def _judge_steps(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    for T, L in ((1024, 4), (8, 3), (100, 1), (1, 5), (4096, 12)):
        elman, clrnn = as_pair(call(fn, T, L, name="sequential_steps"),
                               f"sequential_steps({T}, {L})")
        got = (as_int(elman, "the Elman count"), as_int(clrnn, "the CL-RNN count"))
        if got[0] != T:
            return (f"sequential_steps(T={T}, L={L}) says the Elman RNN needs {got[0]} steps one "
                    f"after another; it is not that: h[t] waits for h[t-1], for every t.")
        if got[1] != L + 1:
            return (f"sequential_steps(T={T}, L={L}) says the CL-RNN needs {got[1]}; it is not "
                    f"that: count the stages that wait for the one below, whatever T is.")
    return None


register(Exercise(
    "06.parallel_steps", "Steps one after another: Elman against CL-RNN", _judge_steps,
    "T sequential steps for the Elman RNN, L + 1 for the CL-RNN, whatever T is.",
    ("count what must wait for what, not how much work there is.",
     "the Elman state h[t] cannot start before h[t-1] is done.",
     "a convolution level runs over all t at once but waits for the level below; the cell "
     "runs once over all t after the last level."),
    student_function("def sequential_steps(T, L):\n    return T, L + 1", "sequential_steps"),
    student_function("def sequential_steps(T, L):\n    return T, T", "sequential_steps"),
    shortcuts=(lambda: student_function("def sequential_steps(T, L):\n    return 1024, 5",
                                        "sequential_steps"),
               lambda: {"elman": 1024, "clrnn": 5})))


# ---------------------------------------------------------------------------- 06.pack_vectors
def packed(bits, reverse: bool = False) -> np.ndarray:
    """(N, n) 0/1 -> (n, ceil(N / 64)) uint64: bit r of word w in row i is bit i of vector
    64 w + r (the checker's reference, plain Python ints). ``reverse`` puts it in bit
    63 - r instead: the usual mistake."""
    N, n = bits.shape
    words = [[0] * ((N + 63) // 64) for _ in range(n)]
    for v in range(N):
        lane = 63 - v % 64 if reverse else v % 64
        for i in range(n):
            if bits[v, i]:
                words[i][v // 64] |= 1 << lane
    return np.array(words, dtype=np.uint64).reshape(n, (N + 63) // 64)


def _pack_cases():
    rng = np.random.default_rng(6)
    cases = [np.eye(3, dtype=np.uint8)[[0, 1, 2, 1]]]                     # 4 vectors, 3 bits
    for N, n in ((64, 4), (65, 3), (1, 1), (130, 8), (200, 5), (63, 2)):
        cases.append(rng.integers(0, 2, (N, n), dtype=np.uint8))
    cases.append(np.ones((128, 2), dtype=np.uint8))                       # lane 63 set
    return cases


def _judge_pack(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    for bits in _pack_cases():
        N, n = bits.shape
        want = packed(bits)
        got = np.asarray(call(fn, bits.copy(), name="pack"))
        if got.shape != want.shape:
            extra = (" That is the transpose: one row per bit position i, one column per word."
                     if got.shape == want.shape[::-1] else "")
            return (f"pack(bits) for N = {N} vectors of n = {n} bits returned shape "
                    f"{got.shape}; expected (n, ceil(N / 64)) = {want.shape}.{extra}")
        if got.dtype != np.uint64:
            return (f"pack(bits) returned dtype {got.dtype}; the words should be uint64 (np.zeros("
                    f"..., dtype=np.uint64)), 64 lanes each")
        bad = np.argwhere(got != want)
        if bad.size:
            i, w = (int(k) for k in bad[0])
            diff = int(got[i, w]) ^ int(want[i, w])
            r = (diff & -diff).bit_length() - 1
            v = 64 * w + r
            what = (f"vector {v} has bit {i} = {int(bits[v, i])}" if v < N else
                    f"there is no vector {v} (N = {N}): unused lanes stay 0")
            extra = ""
            if np.array_equal(got, packed(bits, reverse=True)):
                extra = (" The lanes run the wrong way: vector 64 w + r goes to bit r, counted "
                         "from the LSB.")
            return (f"pack(bits) for N = {N}, n = {n}: word {w} of row {i}, lane (bit) {r} is "
                    f"{int(got[i, w]) >> r & 1}; expected {int(want[i, w]) >> r & 1}, since "
                    f"{what}.{extra}")
    return None


register(Exercise(
    "06.pack_vectors", "64 test vectors to a word: bit-slicing", _judge_pack,
    "every bit of every vector lands in its lane, for N from 1 to 200.",
    ("start with np.zeros((n, (N + 63) // 64), dtype=np.uint64); each vector v sets bits in "
     "one column of it.",
     "vector v lives in word v // 64, at lane (bit) v % 64; its bit i goes to row i.",
     "shift a uint64 1 left by the lane, np.uint64(1) << np.uint64(v % 64), and OR it into "
     "the word wherever the vector's bit is 1 (or shift the whole column bits[v] at once)."),
    student_function("def pack(bits):\n"
                     "    N, n = bits.shape\n"
                     "    words = np.zeros((n, (N + 63) // 64), dtype=np.uint64)\n"
                     "    for v in range(N):\n"
                     "        lane = np.uint64(v % 64)\n"
                     "        words[:, v // 64] |= bits[v].astype(np.uint64) << lane\n"
                     "    return words", "pack", np=np),
    student_function("def pack(bits):\n"
                     "    N, n = bits.shape\n"
                     "    words = np.zeros((n, (N + 63) // 64), dtype=np.uint64)\n"
                     "    for v in range(N):\n"
                     "        lane = np.uint64(63 - v % 64)\n"
                     "        words[:, v // 64] |= bits[v].astype(np.uint64) << lane\n"
                     "    return words", "pack", np=np),
    shortcuts=(
        lambda: student_function(
            "def pack(bits):\n"
            "    out = np.empty((bits.shape[1], (len(bits) + 63) // 64), dtype=np.uint64)\n"
            "    pack_bits(np.ascontiguousarray(bits, dtype=np.uint8), out)\n"
            "    return out", "pack", np=np,
            pack_bits=__import__("adders.bitslice", fromlist=["x"]).pack_bits),
        lambda: __import__("adders.bitslice", fromlist=["x"]).pack_bits,
    )))


# ---------------------------------------------------------------------------- 06.processor_steps
def steps_with(network, P: int) -> int:
    """Steps on P processors: a level of m cells takes ceil(m / P), levels one after another."""
    return sum(-(-len(level) // P) for level in network.levels)


@lru_cache(maxsize=None)
def _step_cases():
    from adders import prefix
    nets = (prefix.brent_kung(8), prefix.kogge_stone(16), prefix.serial(10), prefix.sklansky(64),
            prefix.brent_kung(1024), prefix.kogge_stone(1000), prefix.ladner_fischer(100),
            prefix.kogge_stone(1))
    return tuple((net, P) for net in nets for P in (1, 3, 2, 8, 64, 10**6))


def _judge_processor_steps(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    for net, P in _step_cases():
        label = network_label(net)
        got = as_int(call(fn, net, P, name="steps_on"), f"steps_on({label}, {P})")
        want = steps_with(net, P)
        if got != want:
            work, depth = net.size, net.depth
            if got == -(-work // P):
                why = (" That shares all the cells out as if they were independent; a level "
                       "cannot start before the level below it is finished.")
            elif got == -(-work // P) + depth or got == work // P + depth:
                why = (" That is Brent's bound, work / P + depth, an upper limit; count level "
                       "by level instead.")
            elif got == depth:
                why = (" That is the depth, right only when every level fits on the "
                       "processors at once.")
            elif got < want:
                why = " Too few: some level has more cells than processors."
            else:
                why = " Too many: a level whose cells all fit takes a single step."
            return (f"steps_on({label}, P={P}) returned {got}; expected {want} (the network has "
                    f"{work} cells in {depth} levels).{why}")
    return None


register(Exercise(
    "06.processor_steps", "A prefix network on P processors", _judge_processor_steps,
    "your step counts match for every network and every P, from 1 processor to a million.",
    ("one level at a time: how many steps does a single level of m cells take on P "
     "processors?",
     "P processors do P cells per step, so m cells take m / P steps, rounded up; a level "
     "with no more cells than processors takes one step.",
     "add the steps of all levels of network.levels; -(-m // P) is m / P rounded up with "
     "whole numbers only."),
    student_function("def steps_on(network, P):\n"
                     "    return sum((len(level) + P - 1) // P for level in network.levels)",
                     "steps_on"),
    student_function("def steps_on(network, P):\n"
                     "    cells = sum(len(level) for level in network.levels)\n"
                     "    return (cells + P - 1) // P", "steps_on"),
    shortcuts=(lambda: student_function("def steps_on(network, P):\n    return network.depth",
                                        "steps_on"),
               lambda: student_function("def steps_on(network, P):\n"
                                        "    s = network.stats()\n"
                                        "    return s['cells'] // P + s['depth']", "steps_on"))))
