# %% [markdown]
# # 06 · Performance lab: measure it on your machine
#
# **Goal.** Measure two kinds of parallelism on your own computer: **bit-parallel**
# simulation (one machine word holds 64 test vectors, so one bitwise instruction runs 64
# gates), and **serial against parallel RNNs** (an Elman RNN must walk through time; a
# CL-RNN computes all steps at once). Sizes are small so every cell runs in seconds; the
# numbers depend on your machine and on what else it is doing. About 30 minutes.
#
# **You will be able to:**
# - evaluate 64 gates with one bitwise instruction on a machine word (06.word_full_adder)
# - pack test vectors into words, 64 to a word, the layout of a bit-parallel simulator
#   (06.pack_vectors)
# - count what must wait for what in an Elman RNN and in a CL-RNN (06.parallel_steps)
# - predict the steps of a prefix network on P processors, and when a scan can beat the
#   loop (06.processor_steps)

# %%
%matplotlib inline
import os
import time
import numpy as np
import matplotlib.pyplot as plt
plt.ioff()   # a figure shows once, when a cell ends with it
from IPython.display import display
from carrylab.exercises import check, hint
from adders import build
import viz

FAST = os.environ.get("CARRYLAB_FAST") == "1"


def best_time(fn, repeat=3):
    """Best wall time of ``repeat`` calls, in seconds (the least disturbed run)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)

# %% [markdown]
# ## 1. 64 additions per instruction
#
# Python's `^`, `&` and `|` work on whole integers bit by bit. Put bit 0 of 64 different
# test vectors into the 64 bits of one unsigned 64-bit word (NumPy `uint64`) and a single
# `a ^ b` evaluates an XOR gate for all 64 vectors at once. This layout is called
# **bit-slicing**, and it is how `Circuit.simulate` runs a netlist.
#
# **Exercise 06.word_full_adder.** Write `word_full_adder(a, b, cin)` for `uint64`
# arrays, where every bit position of every word is an independent full adder. (You have
# written this function before.)

# %% tags=["solution"]
def word_full_adder(a, b, cin):
    return a ^ b ^ cin, (a & b) | ((a ^ b) & cin)

# %% tags=["stub"]
def word_full_adder(a, b, cin):
    # YOUR CODE HERE
    return ...

# %%
check("06.word_full_adder", word_full_adder)

# %% [markdown]
# Where do those words come from? Test vectors usually arrive one per row, and must be
# turned sideways first.
#
# **Exercise 06.pack_vectors.** `bits` is an (N, n) `uint8` array of 0s and 1s: row v
# holds the n bits of test vector v. Write `pack(bits)` returning the
# (n, ceil(N / 64)) `uint64` array `words` in which bit r of `words[i, w]` is bit i of
# vector 64 w + r; lanes with no vector (N = 65 leaves 63 in the last word) are 0. Row i
# is then the wire of bit i for every vector. The checker tries N from 1 to 200 against
# its own packing.

# %% tags=["solution"]
def pack(bits):
    N, n = bits.shape
    words = np.zeros((n, (N + 63) // 64), dtype=np.uint64)
    for v in range(N):                   # vector v: word v // 64, lane v % 64
        words[:, v // 64] |= bits[v].astype(np.uint64) << np.uint64(v % 64)
    return words

# %% tags=["stub"]
def pack(bits):
    # YOUR CODE HERE
    return ...

# %%
check("06.pack_vectors", pack)

# %% [markdown]
# Now a whole 32-bit Kogge-Stone adder. `evaluate` runs one vector through the gates in
# Python; `simulate` runs a batch through compiled, bit-sliced code. (The first call of
# `simulate` compiles; we time later calls.)

# %%
adder = build("kogge-stone", 32)
N = 20_000 if FAST else 200_000
rng = np.random.default_rng(0)
a = rng.integers(0, 2**32, N, dtype=np.uint64)
b = rng.integers(0, 2**32, N, dtype=np.uint64)
adder.simulate(a=a[:64], b=b[:64])                                 # compile once

t_eval = best_time(lambda: [adder.evaluate(a=int(x), b=int(y)) for x, y in zip(a[:200], b[:200])], 1) / 200
t_sim = best_time(lambda: adder.simulate(a=a, b=b)) / N
out = adder.simulate(a=a, b=b)
ok = np.array_equal(out["s"] + (out["cout"].astype(np.uint64) << np.uint64(32)), a + b)
print(f"gates: {adder.stats()['gates']}, results correct: {ok}")
print(f"evaluate (one vector at a time): {1 / t_eval:12,.0f} vectors/s")
print(f"simulate (bit-sliced, compiled): {1 / t_sim:12,.0f} vectors/s  ({t_eval / t_sim:,.0f}x)")

# %% [markdown]
# For a fuller comparison, including other simulators if they are installed, run
# `python benchmarks/bench_logic.py --quick` in a terminal.
#
# ## 2. Serial against parallel RNNs
#
# An Elman RNN of T steps is T small matrix products one after another. A CL-RNN does
# L + 1 large operations, each over all T steps at once, which a CPU (vector
# instructions, several cores) or a GPU can spread out.
#
# **Exercise 06.parallel_steps.** For a sequence of T steps, how many steps *one after
# another* does each model need: the Elman RNN, and a CL-RNN with L levels? Count a
# convolution level over all t as one step, and the cell over all t as one. Write
# `sequential_steps(T, L)` returning `(elman, clrnn)`.

# %% tags=["solution"]
def sequential_steps(T, L):
    return T, L + 1          # h[t] waits for h[t-1]; each level waits only for the one below

# %% tags=["stub"]
def sequential_steps(T, L):
    # YOUR CODE HERE: (steps for the Elman RNN, steps for the CL-RNN)
    return ...

# %%
check("06.parallel_steps", sequential_steps)

# %% [markdown]
# Now time a forward pass (computing all hidden states) of each model for growing T,
# batch of 8 sequences, 32 hidden units.

# %%
from rnn import ElmanRNN, CLRNN

Ts = (32, 128, 512) if FAST else (32, 128, 512, 2048)
B, I, H = 8, 2, 32
models = {"elman": ElmanRNN(I, H, seed=0),
          "clrnn": CLRNN(I, H, levels=4, kernel_size=2, seed=0)}
rows = []
for T in Ts:
    x = np.random.default_rng(T).normal(size=(B, T, I)).astype(np.float32)
    for name, model in models.items():
        model.forward(x)                      # warm up (compilation, caches)
        seconds = best_time(lambda: model.forward(x))
        rows.append({"model": name, "T": T, "seconds": seconds})
        print(f"T = {T:5d}  {name:6s} {seconds * 1e3:8.2f} ms")

# %%
viz.plot_rnn_times(rows, timed="forward")

# %%
for T in Ts:
    t = {r["model"]: r["seconds"] for r in rows if r["T"] == T}
    fast, slow = sorted(t, key=t.get)
    print(f"T = {T:5d}: {fast} faster, {t[slow] / t[fast]:.1f}x")

# %% [markdown]
# Read your own numbers with care. Both models must touch every step, so both grow with
# T. The Elman RNN pays a small fixed cost per *sequential* step; the CL-RNN does more
# arithmetic per step (L convolution levels plus the cell) but in a few large array
# operations. Which one is faster in wall time depends on the machine, T and what else is
# running: with few cores there may not be enough processors to absorb the CL-RNN's extra
# work. The CL-RNN's advantage is its **depth** (L + 1 instead of T), which pays on wide
# hardware and long sequences. For forward and backward passes, more models and a
# comparison with PyTorch, run `python benchmarks/bench_rnn.py --quick`.
#
# ## 3. The affine scan against the loop
#
# Finally, a linear recurrence with many channels, solved by the serial loop and by the
# parallel scan of notebook 05.
#
# **Exercise 06.processor_steps.** Before measuring, count. P processors run a prefix
# network: in one step each processor applies one combine, and a level can start only
# when the level before it is finished. Write `steps_on(network, P)`: the number of steps
# the whole network takes. (The loop is the network `prefix.serial(T)`: T - 1 levels of
# one cell each, so T - 1 steps whatever P is.) The checker tries several networks, with
# P from 1 to a million. After the next cell, compare `steps_on(prefix.brent_kung(1024), P)`
# with the loop's 1023 steps for P = 1, 2, 4 and 8.

# %% tags=["solution"]
def steps_on(network, P):
    # a level of m cells takes m / P steps, rounded up
    return sum((len(level) + P - 1) // P for level in network.levels)

# %% tags=["stub"]
def steps_on(network, P):
    # YOUR CODE HERE
    return ...

# %%
check("06.processor_steps", steps_on)

# %%
from adders import prefix
from rnn.scan import affine_scan, linear_recurrence_loop

T, D = (256, 64) if FAST else (1024, 256)
rng = np.random.default_rng(0)
a_t = rng.uniform(0.5, 1.0, (T, D))
b_t = rng.normal(size=(T, D))
net = prefix.brent_kung(T)
affine_scan(net, a_t, b_t)                     # warm up
t_loop = best_time(lambda: linear_recurrence_loop(a_t, b_t))
t_scan = best_time(lambda: affine_scan(net, a_t, b_t))
print(f"T = {T}, D = {D} channels: loop {t_loop * 1e3:.2f} ms, Brent-Kung scan {t_scan * 1e3:.2f} ms")
print("same result:", np.allclose(linear_recurrence_loop(a_t, b_t), affine_scan(net, a_t, b_t)))
faster, slower = ("loop", "scan") if t_loop < t_scan else ("scan", "loop")
print(f"On this machine, now, the {faster} was {max(t_loop, t_scan) / min(t_loop, t_scan):.1f}x "
      f"faster than the {slower}. The scan applies {net.size} combines in {net.depth} levels, "
      f"the loop {T - 1} in {T - 1}: {net.size / (T - 1):.1f}x the work, in "
      f"{net.depth / (T - 1):.1%} of the depth.")

# %% [markdown]
# The scan only wins when enough processors share its levels; with a few cores the extra
# work and the cost of each level can outweigh the shorter depth. That is the general
# lesson of this course in one line: **lookahead buys depth with extra work**; it pays when
# the hardware is parallel enough to absorb the work (a chip full of gates, a GPU) and the
# chain is long enough to hurt. `python benchmarks/bench_scan.py --quick` measures more.
#
# ## Summary
#
# * Bit-slicing turns a word-wide bitwise instruction into 64 gate evaluations.
# * An Elman RNN needs T sequential steps; a CL-RNN needs L + 1.
# * Parallel scans trade extra work for depth.
