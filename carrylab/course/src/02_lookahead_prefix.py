# %% [markdown]
# # 02 · Carry lookahead and prefix networks
#
# **Goal.** Compute all carries of an adder *at once* instead of one after another: first
# the textbook 4-bit carry-lookahead adder, then the general tool, the **prefix network**,
# and the trade-offs between the famous ones (depth, number of cells, fanout, wiring).
# About 55 minutes.
#
# **You will be able to:**
#
# - compute generate, propagate and the carries of an addition by hand (02.gp_carries)
# - write every carry as a two-level lookahead formula that waits for no other carry
#   (02.lookahead_carries)
# - combine two groups of bits with the associative carry operator (02.carry_combine)
# - count a prefix network's depth and cells from its construction rule
#   (02.kogge_stone_stats)
# - measure a prefix network's wiring congestion, its tracks, from its cells (02.tracks)

# %%
%matplotlib inline
import os
import itertools
import matplotlib.pyplot as plt
plt.ioff()   # a figure shows once, when a cell ends with it
from IPython.display import display
from carrylab.exercises import check, hint, variant
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
# **Exercise 02.gp_carries.** By hand (no code): for the two 4-bit numbers a and b printed
# below (a = 11 and b = 6, unless your teacher gave you a student id), LSB first, give `g`,
# `p` (4 entries each) and the carries `c` = $[c_0, c_1, c_2, c_3, c_4]$ with $c_0 = 0$.

# %%
numbers = variant("02.gp_carries")      # your own numbers: set_student("your id") first
print(numbers)

# %% tags=["solution"]
# for a = 11 -> [1, 1, 0, 1] and b = 6 -> [0, 1, 1, 0], LSB first
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
# **Exercise 02.lookahead_carries.** Extend the four formulas to any width. Write
# `lookahead_carries(g, p, c0)` for lists `g`, `p` of n flags (LSB first) and the carry in
# `c0`, returning $[c_1, \dots, c_n]$, each carry written out like the formulas above: an
# OR of AND terms of g, p and c0, never computed from another carry. Combine flags with
# `&` and `|` only: after trying every input up to 4 bits, the checker calls your function
# with symbols in place of the flags and reads each carry's formula, so a ripple loop
# (an OR feeding an AND) is refused.

# %% tags=["solution"]
def lookahead_carries(g, p, c0):
    carries = []
    for i in range(len(g)):
        c, run = g[i], p[i]              # run: the AND of p_i ... p_j, growing downwards
        for j in range(i - 1, -1, -1):
            c = c | (run & g[j])
            run = run & p[j]
        carries.append(c | (run & c0))
    return carries

# %% tags=["stub"]
def lookahead_carries(g, p, c0):
    # YOUR CODE HERE: one OR of AND terms per carry, from g, p and c0 only
    return ...

# %%
check("02.lookahead_carries", lookahead_carries)

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
# Step through one network level by level. Levels not yet applied are drawn faint. After
# level k, a column whose output square (bottom row) is filled grey knows its full prefix,
# i.e. its carry; an open square does not yet.

# %%
from viz.widgets import scan_stepper

scan_stepper(prefix.kogge_stone(16)).widget

# %% [markdown]
# **Build your own.** The editor below starts from the serial chain on 8 bits. Each button
# of the grid is a slot: a row is a level, a column a bit (bit 0 on the right, as in the
# pictures). Click an empty slot to add a cell there: it joins that bit with the group
# just below the one the bit holds (the menu can name another partner, j = i − s); click a
# cell to remove it. Under the picture every output shows its carry for the a and b of the
# sliders, and the hidden state $h_t$ of a linear RNN $h_t = a_t h_{t-1} + b_t$ run on the
# same network (notebook 05 explains why that works): a green ✓ agrees with a + b and with
# the step-by-step loop, a red ✗ does not. The line above them says whether the network is
# still a prefix network and, if not, names the first wrong output.
#
# Try: turn the chain into Sklansky's network of depth 3. Row by row, top first, add the
# cells it still lacks (row 1: bits 3, 5, 7; row 2: bits 3, 6, 7; row 3: bits 4 to 7), then
# remove the chain's leftovers (row 3: bit 3; rows 4 to 7). Then pick j = i − 1 in the menu
# and click bit 1 in row 2: bit 1 already holds 1..0, so the new cell counts bit 0 twice.
# The carries stay right, $h_1$ goes wrong.

# %%
from viz.editor import prefix_editor

prefix_editor(8, start="serial").widget

# %% [markdown]
# ## 6. The trade-off
#
# No network wins everything. The numbers that matter on a chip:
#
# * **depth**: levels of cells, i.e. delay;
# * **cells**: how many combine cells, i.e. area and energy;
# * **max fanout**: how many cells one output must drive (high fanout is slow);
# * **tracks**: how many wires run side by side across a level (wiring congestion).
#
# **Exercise 02.kogge_stone_stats.** Kogge-Stone's level k (k = 0, 1, ...) has a cell at
# every position $i \ge 2^k$, combining position i with position $i - 2^k$, and it stops
# when every position reaches position 0. Write `ks_stats(n)` returning `(depth, cells)`
# for n a power of two, from that rule alone (the checker compares it with the library's
# networks up to n = 1024 and refuses a function that asks the library). The 16-bit
# network drawn above is one case to check your counting on.

# %% tags=["solution"]
def ks_stats(n):
    depth = n.bit_length() - 1                 # log2 n levels: 2^depth = n
    cells = sum(n - 2**k for k in range(depth))
    return depth, cells

# %% tags=["stub"]
def ks_stats(n):
    # YOUR CODE HERE: (depth, cells) for n = 2, 4, 8, ...
    return ...

# %%
check("02.kogge_stone_stats", ks_stats)

# %% [markdown]
# **Exercise 02.tracks.** A network is stored as its levels, each a tuple of cells
# `(i, j)`: `prefix.kogge_stone(4).levels` is `(((1, 0), (2, 1), (3, 2)), ((2, 0), (3, 1)))`.
# Within a level, position j sends one sideways wire to all the cells that read it, so it
# runs from j to the farthest of them and passes over the gaps between positions j and
# j + 1, ..., up to i − 1 and i. The **tracks** of a network are the most wires passing
# over one gap in one level. Write `tracks(levels)` returning that number (0 for a network
# without cells). In the pictures above, Kogge-Stone's last level on 16 bits runs 8 wires
# side by side; every level of Sklansky needs one. The checker compares with the library
# on the classic networks of several widths and on Harris's hybrids below.

# %% tags=["solution"]
def tracks(levels):
    best = 0
    for level in levels:
        reach = {}                         # source j -> the farthest cell reading it
        for i, j in level:
            reach[j] = max(reach.get(j, j), i)
        for x in range(max(reach.values(), default=0)):    # the gap between x and x + 1
            best = max(best, sum(1 for j, i in reach.items() if j <= x < i))
    return best

# %% tags=["stub"]
def tracks(levels):
    # YOUR CODE HERE: the most wires over one gap, over all levels
    return ...

# %%
check("02.tracks", tracks)

# %% [markdown]
# Now the whole family on 32 bits:

# %%
n = 32
print(f"{'network':15s} depth  cells  fanout  tracks")
for name in prefix.NETWORKS:
    st = prefix.network(name, n).stats()
    print(f"{name:15s} {st['depth']:5d} {st['cells']:6d} {st['max_fanout']:7d} {st['tracks']:7d}")

# %% [markdown]
# Sklansky is as shallow as Kogge-Stone with far fewer cells, but one cell drives half the
# bits; Kogge-Stone keeps the fanout at 2 but needs the most cells and many long wires;
# Brent-Kung needs fewer cells than any other network but the serial chain, with fanout 2
# and one track, but is nearly twice as deep.

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
# Carry-skip's line lies above ripple's in the depth plot. Its depth counts a carry that
# ripples through every block. A block passes an incoming carry on only when all its bits
# propagate, and then the skip gate takes it past the block, so one might expect that
# long path to be a **false path**, one no input change ever makes a signal travel, and
# the depth to overstate the delay. An event-driven simulation (notebook 01) tells:

# %%
from carrylab import demos

print(demos.carry_skip_sentence(demos.carry_skip_timing(16)))

# %% [markdown]
# ## Summary
#
# * $g$ and $p$ are local; only carries form a chain.
# * The carry operator is associative, so carries are prefixes and any prefix network
#   computes them, in as little as $\log_2 n$ depth.
# * Depth, cell count, fanout and wiring trade against each other; Harris's $(l, f, t)$
#   space maps the whole family.
#
# Notebook 03 turns to neural networks: an RNN is a ripple adder in disguise.
