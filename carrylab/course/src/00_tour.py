# %% [markdown]
# # 00 · The whole idea in one sitting
#
# **Goal.** See why adding two binary numbers and running a recurrent neural network (RNN)
# are the same kind of computation, and how one trick, *carry lookahead*, speeds up both.
# Nothing is assumed beyond Python. About 40 minutes.
#
# **You will be able to:**
#
# - write a number as a list of bits, least significant first (00.to_bits)
# - compute the carries of an addition one bit after another, in a loop (00.ripple_carries)
# - add two binary numbers from their bits and carries (00.add_bits)
# - tell how many bits a carry must wait on, for given numbers (00.longest_chain)
#
# Each notebook of this course has short explanations, code you run, and a few exercises.
# An exercise cell is marked `# YOUR CODE HERE`: replace the `...` with your answer, run
# the cell, then run the `check(...)` cell below it. The checker tells you at once whether
# you are right and, if not, what it expected. Stuck? `hint("00.to_bits")` prints a hint.
# (`...` is a real Python value, used here as a placeholder; the checker reports it as
# "not attempted yet".)
#
# Run the cells in order, starting with the set-up cell below (Shift+Enter runs a cell).

# %%
%matplotlib inline
import os
import numpy as np
import matplotlib.pyplot as plt
plt.ioff()   # a figure shows once, when a cell ends with it
from IPython.display import display
from carrylab.exercises import check, hint

FAST = os.environ.get("CARRYLAB_FAST") == "1"   # the test suite sets this to shrink runs

# %% [markdown]
# ## 1. Numbers as bits, least significant first
#
# A computer stores a whole number as bits: $x = \sum_i x_i 2^i$ with every $x_i \in \{0, 1\}$.
# Throughout this course we list bits **least significant first** (LSB first): position 0
# holds the ones, position 1 the twos, and so on. So 6 = 0·1 + 1·2 + 1·4 is `[0, 1, 1]` in
# three bits, and `[0, 1, 1, 0]` in four.
#
# In Python, `x >> i` shifts x right by i places and `& 1` keeps the last bit, so
# `(x >> i) & 1` is bit i of x.
#
# **Exercise 00.to_bits.** Write `to_bits(x, n)` returning the n bits of x, LSB first.

# %% tags=["solution"]
def to_bits(x, n):
    return [(x >> i) & 1 for i in range(n)]

# %% tags=["stub"]
def to_bits(x, n):
    # YOUR CODE HERE: return the n bits of x, least significant first
    return ...

# %%
check("00.to_bits", to_bits)

# %% [markdown]
# ## 2. Adding is a chain of carries
#
# Add two numbers bit by bit, the way you add decimals on paper: at position i you add
# $a_i + b_i$ plus the **carry** $c_i$ that came from position i−1. The result is 0, 1, 2
# or 3, i.e. two bits: you write down its low bit $s_i$ (the sum bit) and pass its high
# bit on as the carry $c_{i+1}$ to position i+1.
#
# Three operations on single bits describe this, all available in Python:
#
# * AND, $\wedge$, Python `&`: 1 when both bits are 1;
# * OR, $\vee$, Python `|`: 1 when at least one bit is 1;
# * XOR ("exclusive or"), $\oplus$, Python `^`: 1 when exactly one bit is 1 (for three
#   bits chained, `x ^ y ^ z`: 1 when an odd number of them is 1).
#
# The sum bit is 1 when an odd number of $a_i, b_i, c_i$ is 1, and the carry is 1 when at
# least two of them are:
#
# $$s_i = a_i \oplus b_i \oplus c_i, \qquad
# c_{i+1} = (a_i \wedge b_i) \vee \big((a_i \oplus b_i) \wedge c_i\big), \qquad c_0 = 0.$$
#
# Read the carry as: "both bits are 1, or exactly one is 1 and a carry comes in". The
# catch: you cannot know $c_{i+1}$ before you know $c_i$. Adding 127 and 1 (binary
# 0111 1111 and 0000 0001, written the usual way, highest bit first) makes a carry travel
# from bit 0 up into bit 7: the carries $c_1, \dots, c_7$ are all 1, and $c_8$ is 0. A
# circuit built this way is a **ripple-carry adder**.
#
# **Exercise 00.ripple_carries.** Write `carries(a_bits, b_bits)` that returns
# `[c_0, c_1, ..., c_n]` (n + 1 values, `c_0 = 0`) with a `for` loop.

# %% tags=["solution"]
def carries(a_bits, b_bits):
    c = [0]
    for a, b in zip(a_bits, b_bits):
        c.append((a & b) | ((a ^ b) & c[-1]))
    return c

# %% tags=["stub"]
def carries(a_bits, b_bits):
    # YOUR CODE HERE: loop over the bit pairs, appending each carry out
    return ...

# %%
check("00.ripple_carries", carries)

# %% [markdown]
# **Exercise 00.add_bits.** Now finish the addition. Write `add_bits(a_bits, b_bits)`
# returning the n + 1 bits of a + b, LSB first: the sum bits $s_0, \dots, s_{n-1}$ from
# the formula above, then the carry out $c_n$ as the top bit. Your `carries` may help. The
# checker tries every pair of numbers up to 4 bits and a few of 16 and 64 bits.

# %% tags=["solution"]
def add_bits(a_bits, b_bits):
    c = carries(a_bits, b_bits)
    s = [a ^ b ^ ci for a, b, ci in zip(a_bits, b_bits, c)]
    return s + [c[-1]]

# %% tags=["stub"]
def add_bits(a_bits, b_bits):
    # YOUR CODE HERE: the n sum bits, then the carry out
    return ...

# %%
check("00.add_bits", add_bits)

# %% [markdown]
# The toolkit has real gate-level adders. Here is an 8-bit ripple-carry adder adding
# 127 + 1. In the result, `s` is the 8-bit sum and `cout` the carry out of the top bit (1
# when the sum needs a ninth bit). The second line reads the carries $c_1, \dots, c_8$ off
# the adder's own wires (named `c1` ... `c8`; `simulate` takes arrays of operands).

# %%
from adders import build

adder = build("ripple", 8)
print(adder)
print(adder.evaluate(a=127, b=1))
wires = adder.simulate(a=np.array([127], dtype=np.uint64), b=np.array([1], dtype=np.uint64),
                       probe=[f"c{i}" for i in range(1, 9)])
carried = [i for i in range(1, 9) if wires[f"c{i}"][0]]
print("carries c1..c8:", [int(wires[f"c{i}"][0]) for i in range(1, 9)],
      f"-> the carry runs from bit 0 up into bit {max(carried)}" if carried else "-> no carry")

# %% [markdown]
# How long the chain of carries is depends on the numbers. The carry $c_t$ into bit t is
# decided by the nearest bit j below t whose two bits are equal: 1 + 1 makes a carry
# whatever comes in, 0 + 0 stops any. The bits between j and t only pass on what comes
# from below. If every bit below t passes, $c_0 = 0$ decides (count that as j = −1). So
# $c_t$ waits on a chain of t − j bits, however fast each bit is.
#
# **Exercise 00.longest_chain.** Write `longest_chain(a_bits, b_bits)` returning the
# longest such chain over t = 1, ..., n (n is the number of bits; $c_n$ is the carry out).
# For 127 + 1 in 8 bits the carry into bit 7 waits on bits 0 to 6: the answer is 7. The
# checker tries every pair of numbers up to 5 bits and a few of 64 bits.

# %% tags=["solution"]
def longest_chain(a_bits, b_bits):
    best = run = 0                      # run: bits just below t that pass a carry on
    for a, b in zip(a_bits, b_bits):
        run = run + 1 if a != b else 0
        best = max(best, run + 1)       # + the bit (or c_0) that decides the carry
    return best

# %% tags=["stub"]
def longest_chain(a_bits, b_bits):
    # YOUR CODE HERE: the longest chain, over all carries c_1 ... c_n
    return ...

# %%
check("00.longest_chain", longest_chain)

# %% [markdown]
# ## 3. An RNN is the same kind of loop
#
# A **recurrent neural network** reads a sequence $x_0, x_1, \dots$ one element at a time
# and keeps a vector of numbers, its **hidden state** $h_t$, as memory. Each step mixes the
# new input with the old state; the simplest (Elman) RNN does
#
# $$h_t = \tanh(W_{ih}\, x_t + W_{hh}\, h_{t-1} + b),$$
#
# where the matrices $W$ and the vector $b$ are learned from data and tanh squashes each
# number into (−1, 1). Compare with the carry: $c_{i+1}$ is a function of the input
# $(a_i, b_i)$ and the previous carry. **The carry is a hidden state of one bit.** Feed an
# RNN the pairs $(a_t, b_t)$ LSB first and it can add, if its hidden state learns to hold
# the carry. In notebook 03 we set such weights by hand; here is that network adding two
# 64-bit numbers, one bit per step:

# %%
from rnn.wiring import rnn_add

x, y = 2**64 - 1, 12345
print(rnn_add(x, y, n_bits=64), "==", x + y, rnn_add(x, y, n_bits=64) == x + y)

# %% [markdown]
# Both machines are **serial**: step t waits for step t−1. For n bits (or n time steps)
# that is n steps one after the other, however many processors you have.
#
# ## 4. The escape: carry lookahead, a prefix network
#
# Digital designers escaped the chain decades ago. Describe each bit by two flags:
# *generate* $g_i = a_i \wedge b_i$ (this bit makes a carry by itself) and *propagate*
# $p_i = a_i \oplus b_i$ (this bit passes an incoming carry on). These flags need no carry,
# so all of them are ready at once. Two neighbouring groups of bits then combine into one
# bigger group with an operator $\circ$ (notebook 02 derives it) that is **associative**,
# like `+`: $(x \circ y) \circ z = x \circ (y \circ z)$, so the order of grouping does
# not matter.
#
# Why that helps: to add 8 numbers you need not go left to right in 7 rounds; add 4 pairs
# at the same time, then 2 pairs of pairs, then the last pair: 3 rounds, $\log_2 8$. The
# carry into bit i is the combination of all the bits below it, a **prefix**
# ($x_{i-1} \circ \dots \circ x_0$), and a tree of combines that produces every prefix at
# once, in about $\log_2 n$ rounds instead of n, is a **prefix network**.
#
# The same trick works for RNNs whose step is *linear*, $h_t = a_t h_{t-1} + b_t$: the
# steps also compose associatively. The picture below is **one** prefix network (the
# Kogge-Stone network on 8 positions) drawn twice: on the left each dot combines carry
# flags $(g, p)$, on the right each dot composes two RNN steps $(a, b)$. Same wires,
# different algebra.

# %%
from adders.prefix import kogge_stone
import viz

fig = viz.analogy(kogge_stone(8))
fig

# %% [markdown]
# Read it top to bottom. The left half follows the circuit convention, bit 0 on the
# **right**; the right half follows time, step 0 on the **left**: it is the same network
# mirrored. The top row holds each position's own input. In each later row a dot combines
# what its column holds with a column closer to position 0 (lower bits, earlier steps).
# After $\log_2 8 = 3$ rows every column holds its full prefix: column i knows the carry out
# of bit i, or the hidden state $h_i$. The grey dots are the ones that complete a prefix.
#
# A third idea comes from a 2021 paper, the **Carry-lookahead RNN** (CL-RNN): keep a
# nonlinear RNN cell, but stop waiting for $h_{t-1}$; instead compute a stand-in "carry"
# for every step at once from the recent inputs with a stack of convolutions. Notebook 04
# builds it, and shows a hand-wired CL-RNN that adds exactly.
#
# ## Where the course goes
#
# | notebook | what you do |
# |---|---|
# | 01 | gates, half and full adders, ripple carry; watch a carry travel, see glitches |
# | 02 | carry lookahead and prefix networks; their depth / size / wiring trade-offs |
# | 03 | an RNN as a serial adder: by hand, then trained; look inside its hidden state |
# | 04 | the CL-RNN: receptive fields, a hand-wired adder, training |
# | 05 | parallel scans: one network, two algebras; linear RNNs; DEER |
# | 06 | measure serial against parallel on your own machine |
