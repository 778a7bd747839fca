# %% [markdown]
# # 02 · Carry lookahead and prefix networks
#
# **Goal.** Compute all carries of an adder *at once* instead of one after another: first
# the textbook 4-bit carry-lookahead adder, then the general tool, the **prefix network**,
# and the trade-offs between the famous ones (depth, number of cells, fanout, wiring).
# About 35 minutes.

# %%
%matplotlib inline
import os
import itertools
import matplotlib.pyplot as plt
plt.ioff()   # a figure shows once, when a cell ends with it
from IPython.display import display
from carrylab.exercises import check, hint
from adders import build, ripple_carry, carry_lookahead, prefix_adder
from adders import prefix
import viz

FAST = os.environ.get("CARRYLAB_FAST") == "1"

# %% [markdown]
# ## 1. Generate and propagate
#
# For each bit position define two flags that depend on that position's inputs only:
#
# * **generate** $g_i = a_i \wedge b_i$: the position produces a carry by itself (1 + 1);
# * **propagate** $p_i = a_i \oplus b_i$: the position passes an incoming carry on (1 + 0 + carry
#   = 2, carry out).
#
# The carry recurrence of notebook 01 becomes
#
# $$c_{i+1} = g_i \vee (p_i \wedge c_i), \qquad s_i = p_i \oplus c_i .$$
#
# All $g_i$ and $p_i$ are available after one gate delay, in parallel. Only the carries are
# a chain.
#
# **Exercise 02.gp_carries.** By hand (no code): for a = 11 and b = 6 as 4-bit numbers, LSB
# first, give `g`, `p` (4 entries each) and the carries `c` = $[c_0, c_1, c_2, c_3, c_4]$
# with $c_0 = 0$.

# %% tags=["solution"]
# a = 11 -> [1, 1, 0, 1], b = 6 -> [0, 1, 1, 0]
answer = {"g": [0, 1, 0, 0],
          "p": [1, 0, 1, 1],
          "c": [0, 0, 1, 1, 1]}

# %% tags=["stub"]
# YOUR CODE HERE: fill in the three lists (LSB first)
answer = {"g": ..., "p": ..., "c": ...}

# %%
check("02.gp_carries", answer)

# %% [markdown]
# ## 2. The 4-bit carry-lookahead adder
#
# Unroll the recurrence: substitute $c_1$ into $c_2$, $c_2$ into $c_3$, and so on.
#
# $$\begin{aligned}
# c_1 &= g_0 \vee p_0 c_0\\
# c_2 &= g_1 \vee p_1 g_0 \vee p_1 p_0 c_0\\
# c_3 &= g_2 \vee p_2 g_1 \vee p_2 p_1 g_0 \vee p_2 p_1 p_0 c_0\\
# c_4 &= g_3 \vee p_3 g_2 \vee p_3 p_2 g_1 \vee p_3 p_2 p_1 g_0 \vee p_3 p_2 p_1 p_0 c_0
# \end{aligned}$$
#
# (writing two flags side by side, as in $p_1 g_0$, means AND). Each carry is now one layer of AND gates and one OR:
# depth does not grow with the bit position. The price is gates with many inputs and
# signals that feed many gates (high **fanout**). Compare with the ripple adder:

# %%
for name, circuit in (("ripple", ripple_carry(4)), ("cla", carry_lookahead(4))):
    st = circuit.stats()
    print(f"{name:7s} gates {st['gates']:3d}  depth {st['depth']}  max fanout {st['max_fanout']}")
viz.draw_circuit(carry_lookahead(4))

# %% [markdown]
# ## 3. Multi-level lookahead: groups of groups
#
# The formula for $c_4$ says: the block of bits 0..3 generates a carry if some bit
# generates one and every bit above it propagates. So a whole block has its own
# **group generate** $G_{3:0}$ and **group propagate** $P_{3:0} = p_3 p_2 p_1 p_0$, and
# blocks can be looked ahead over exactly like bits. Textbook CLAs use 4-bit blocks, then
# blocks of 4 blocks, and so on: depth grows like $\log_4 n$.

# %%
for n in (4, 16, 64):
    st = carry_lookahead(n).stats()
    print(f"cla n = {n:3d}: gates {st['gates']:4d}  depth {st['depth']:2d}   "
          f"(ripple depth {ripple_carry(n).stats()['depth']})")
viz.draw_circuit_blocks(carry_lookahead(16))

# %% [markdown]
# ## 4. The carry operator
#
# Take any two adjacent groups of bits, an upper one $(g_1, p_1)$ and a lower one
# $(g_0, p_0)$. Together they form one group with
#
# $$(g_1, p_1) \circ (g_0, p_0) = \big(g_1 \vee (p_1 \wedge g_0),\; p_1 \wedge p_0\big).$$
#
# The combined group generates a carry if the upper part does, or if the lower part does
# and the upper part passes it on; it propagates if both parts do. The carry out of bit i
# is the generate of the group of bits $i..0$:
# $c_{i+1} = G_{i:0}$ where $(G_{i:0}, P_{i:0}) = (g_i,p_i) \circ \dots \circ (g_0,p_0)$.
#
# **Exercise 02.carry_combine.** Write `combine(hi, lo)` for pairs `hi = (g1, p1)`,
# `lo = (g0, p0)` of bits, returning `(G, P)`.

# %% tags=["solution"]
def combine(hi, lo):
    g1, p1 = hi
    g0, p0 = lo
    return g1 | (p1 & g0), p1 & p0

# %% tags=["stub"]
def combine(hi, lo):
    g1, p1 = hi
    g0, p0 = lo
    # YOUR CODE HERE
    return ...

# %%
check("02.carry_combine", combine)

# %% [markdown]
# The key property: $\circ$ is **associative**, $(x \circ y) \circ z = x \circ (y \circ z)$.
# Four bits of (g, p) pairs give only $4^3 = 64$ triples, so we can simply try them all
# (with the library's operator, in case yours is not done):

# %%
from rnn.scan import carry_combine

pairs = list(itertools.product((0, 1), repeat=2))
assoc = all(carry_combine(carry_combine(x, y), z) == carry_combine(x, carry_combine(y, z))
            for x, y, z in itertools.product(pairs, repeat=3))
print("associative:", assoc)

# %% [markdown]
# Associativity means we may group the combines in any tree we like. Computing *every*
# prefix $x_i \circ x_{i-1} \circ \dots \circ x_0$ with such a tree is the **prefix
# problem**, and a circuit that does it is a **prefix network**. The ripple adder is the
# worst tree (a chain, depth n−1); the best have depth $\log_2 n$.
#
# ## 5. Prefix networks
#
# Drawing convention (used in every notebook): one column per bit, LSB on the **right** as
# in circuit diagrams; time flows down. A dot is a cell that combines its column with a
# column to its right (lower bits). A black dot combines full (G, P) pairs; a grey dot
# produces a final carry, which needs only G. Below, four classic networks on 16 bits.

# %%
fig, axes = plt.subplots(2, 2, figsize=(13, 9), layout="constrained")
for ax, name in zip(axes.flat, ("serial", "sklansky", "kogge-stone", "brent-kung")):
    viz.draw_prefix(prefix.network(name, 16), ax=ax)
fig

# %% [markdown]
# Step through one network level by level. After level k, the columns in colour know their
# full prefix, i.e. their carry.

# %%
from viz.widgets import scan_stepper

scan_stepper(prefix.kogge_stone(16)).widget

# %% [markdown]
# ## 6. The trade-off
#
# No network wins everything. The numbers that matter on a chip:
#
# * **depth**: levels of cells, i.e. delay;
# * **cells**: how many combine cells, i.e. area and energy;
# * **max fanout**: how many cells one output must drive (high fanout is slow);
# * **tracks**: how many wires run side by side across a level (wiring congestion).

# %%
n = 32
print(f"{'network':15s} depth  cells  fanout  tracks")
for name in prefix.NETWORKS:
    st = prefix.network(name, n).stats()
    print(f"{name:15s} {st['depth']:5d} {st['cells']:6d} {st['max_fanout']:7d} {st['tracks']:7d}")

# %% [markdown]
# Sklansky is shallow and small but one cell drives half the bits; Kogge-Stone is shallow
# with fanout 2 but needs many cells and many long wires; Brent-Kung is small and tidy but
# nearly twice as deep.
#
# **Exercise 02.kogge_stone_32.** Without the table: Kogge-Stone's level k (k = 0, 1, ...)
# has a cell at every position $i \ge 2^k$, combining position i with position $i - 2^k$.
# How deep is it for n = 32, and how many cells does it have?

# %% tags=["solution"]
ks32 = {"depth": 5, "cells": sum(32 - 2**k for k in range(5))}

# %% tags=["stub"]
# YOUR CODE HERE
ks32 = {"depth": ..., "cells": ...}

# %%
check("02.kogge_stone_32", ks32)

# %% [markdown]
# ## 7. Harris's taxonomy: a whole family between the extremes
#
# David Harris (2003) noticed that the classic networks are corners of one space. For
# $n = 2^m$ bits, a network is a point $(l, f, t)$ with $l + f + t = m - 1$:
# $l$ extra **l**ogic levels (depth $m + l$), $f$ for **f**anout $2^f + 1$, and $t$ for
# wire **t**racks $2^t$. Kogge-Stone is $(0, 0, m-1)$, Sklansky $(0, m-1, 0)$, Brent-Kung
# $(m-1, 0, 0)$; everything in between is a hybrid. `from_taxonomy(n, l, f, t)` builds
# any point:

# %%
m = 4   # n = 16
print(" (l, f, t)   depth  cells  fanout  tracks")
for l, f in itertools.product(range(m), repeat=2):
    t = m - 1 - l - f
    if t < 0:
        continue
    st = prefix.from_taxonomy(16, l, f, t).stats()
    print(f" ({l}, {f}, {t})   {st['depth']:5d} {st['cells']:6d} {st['max_fanout']:7d} {st['tracks']:7d}")
viz.draw_prefix(prefix.from_taxonomy(16, 1, 1, 1))

# %% [markdown]
# Each step along one axis buys something and pays on another: the three "costs" cannot
# all be minimal at once. Finally, whole adders built from these networks, measured
# across widths (depth in gate levels, gates in total):

# %%
rows = viz.measure_architectures([4, 8, 16, 32, 64])
viz.plot_architecture_trends(rows)

# %% [markdown]
# Two cautions when reading these plots. The textbook CLA looks shallowest because its
# gates have many inputs (an AND of five signals counts as one level), while prefix cells
# use two-input gates; on a real chip a wide gate is slower than a narrow one. And the plot
# includes two more classic designs the course does not study: carry-select (compute each
# block for both possible incoming carries, then pick one) and carry-skip (let a carry jump
# over a block whose bits all propagate).
#
# ## Summary
#
# * $g$ and $p$ are local; only carries form a chain.
# * The carry operator is associative, so carries are prefixes and any prefix network
#   computes them, in as little as $\log_2 n$ depth.
# * Depth, cell count, fanout and wiring trade against each other; Harris's $(l, f, t)$
#   space maps the whole family.
#
# Notebook 03 turns to neural networks: an RNN is a ripple adder in disguise.
