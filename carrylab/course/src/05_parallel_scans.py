# %% [markdown]
# # 05 · Parallel scans: one network, two algebras
#
# **Goal.** Run the same prefix network with two different "combine" operations: the
# carry operator of notebook 02 and the composition of affine maps, which computes every
# hidden state of a *linear* RNN. Then see how DEER extends this to a nonlinear RNN with
# Newton's method, and count its iterations. About 45 minutes.
#
# **You will be able to:**
# - write a linear recurrence as a loop and as a composition of affine maps
#   (05.linear_loop, 05.affine_combine)
# - run any prefix network with any associative combine: one topology, two algebras
#   (05.network_scan)
# - tell whether a network combines some element twice, and why only an idempotent
#   operator tolerates that (05.overlap)
# - linearise one Elman step around a guess, the step DEER repeats in every Newton
#   iteration (05.deer_linearise)

# %%
%matplotlib inline
import os
import itertools
import numpy as np
import matplotlib.pyplot as plt
plt.ioff()   # a figure shows once, when a cell ends with it
from IPython.display import display
from carrylab.exercises import check, hint
from adders import prefix
from rnn import scan as scans
import viz

FAST = os.environ.get("CARRYLAB_FAST") == "1"

# %% [markdown]
# ## 1. A scan
#
# Given elements $x_0, \dots, x_{n-1}$ and an associative operation $\circ$, the **scan**
# (prefix computation) returns every $y_i = x_i \circ x_{i-1} \circ \dots \circ x_0$.
# `rnn.scan.scan(network, elements, combine)` runs any prefix network with any combine
# `combine(hi, lo)`. With `+` it gives running sums:

# %%
ks8 = prefix.kogge_stone(8)
print(scans.scan(ks8, [1, 2, 3, 4, 5, 6, 7, 8], lambda hi, lo: hi + lo))

# %% [markdown]
# With the carry operator on $(g_i, p_i)$ pairs it gives the group generates, i.e. the
# carries. `carry_scan` packages that:

# %%
a, b = 0b10110111, 0b00011001
g = [(a >> i) & (b >> i) & 1 for i in range(8)]
p = [((a ^ b) >> i) & 1 for i in range(8)]
c = scans.carry_scan(ks8, g, p).astype(int)
print("carry out of each bit:", c.tolist())
s = [p[i] ^ (c[i - 1] if i else 0) for i in range(8)]
print("sum:", sum(bit << i for i, bit in enumerate(s)) + (int(c[7]) << 8), "==", a + b)

# %% [markdown]
# ## 2. Linear recurrences are scans too
#
# A **linear RNN** (diagonal, one number per channel) updates
#
# $$h_t = a_t\, h_{t-1} + b_t, \qquad h_{-1} = 0 .$$
#
# Each step is the affine map $f_t(h) = a_t h + b_t$, and $h_t = f_t(f_{t-1}(\cdots f_0(0)))$.
# First the obvious serial loop.
#
# **Exercise 05.linear_loop.** Write `linear_loop(a, b)` returning the list of all
# $h_t$.

# %% tags=["solution"]
def linear_loop(a, b):
    h, out = 0.0, []
    for at, bt in zip(a, b):
        h = at * h + bt
        out.append(h)
    return out

# %% tags=["stub"]
def linear_loop(a, b):
    # YOUR CODE HERE
    return ...

# %%
check("05.linear_loop", linear_loop)

# %% [markdown]
# Two affine maps compose into one affine map: applying $(a_1, b_1)$ first and then
# $(a_2, b_2)$ gives $h \mapsto a_2(a_1 h + b_1) + b_2$.
#
# **Exercise 05.affine_combine.** Write `affine_combine(hi, lo)` for `hi = (a2, b2)` (the
# later step) and `lo = (a1, b1)` (the earlier one), returning the composed `(A, B)`.

# %% tags=["solution"]
def affine_combine(hi, lo):
    a2, b2 = hi
    a1, b1 = lo
    return a2 * a1, a2 * b1 + b2

# %% tags=["stub"]
def affine_combine(hi, lo):
    a2, b2 = hi
    a1, b1 = lo
    # YOUR CODE HERE
    return ...

# %%
check("05.affine_combine", affine_combine)

# %% [markdown]
# Composition of functions is associative, so the **same** prefix network computes every
# $h_t$. `affine_scan` does it with NumPy arrays; compare with the loop:

# %%
rng = np.random.default_rng(0)
T = 64
a_t = rng.uniform(0.5, 1.0, T)
b_t = rng.normal(size=T)
h_scan = scans.affine_scan(prefix.kogge_stone(T), a_t, b_t)
h_loop = scans.linear_recurrence_loop(a_t, b_t)
print("max |scan - loop| =", float(np.abs(h_scan - h_loop).max()))
print("serial depth", T, "   Kogge-Stone depth", prefix.kogge_stone(T).depth)

# %% [markdown]
# The carry recurrence $c_{i+1} = g_i \vee (p_i \wedge c_i)$ is this same recurrence with
# AND in place of × and OR in place of +: $a_i = p_i$, $b_i = g_i$. One network, two
# algebras. Step through the levels with time labels:

# %%
from viz.widgets import scan_stepper

scan_stepper(prefix.kogge_stone(8), labels="rnn").widget

# %% [markdown]
# **Exercise 05.network_scan.** Write your own `scans.scan`: `run_network(network,
# values, combine)` runs the cells of `network.levels` (a tuple of levels, each a tuple of
# cells `(i, j)`: position i becomes `combine(x[i], x[j])`, its own value being `hi`, the
# later group) on the list `values`, and returns the list of all n prefixes. Every cell of a level
# reads the values the level before left. Do not call `network.evaluate` or `rnn.scan`.
# The checker runs several networks with three combines: string concatenation (which
# shows exactly which elements each prefix holds), affine maps and the carry operator.

# %% tags=["solution"]
def run_network(network, values, combine):
    x = list(values)
    for level in network.levels:
        new = list(x)                    # every cell reads x, the previous level's values
        for i, j in level:
            new[i] = combine(x[i], x[j])
        x = new
    return x

# %% tags=["stub"]
def run_network(network, values, combine):
    # YOUR CODE HERE
    return ...

# %%
check("05.network_scan", run_network)

# %% [markdown]
# One difference between the algebras matters. The carry operator is **idempotent**:
# combining a group with itself changes nothing, so networks whose groups overlap (such as
# Knowles's) are fine for carries. Affine composition is not idempotent (applying a step
# twice is wrong), so the affine scan refuses overlapping networks:

# %%
kn = prefix.knowles(8)
print("carries with Knowles:", scans.carry_scan(kn, g, p).astype(int).tolist())
try:
    scans.affine_scan(kn, a_t[:8], b_t[:8])
except ValueError as err:
    print("affine scan with Knowles: ValueError:", err)

# %% [markdown]
# How does a scan tell? Follow what each position holds: at the start position i holds
# element i alone, and after every level it holds a run of consecutive elements, from i
# down to some lowest element `lo[i]`. A cell `(i, j)` joins the run of position i to the
# run of position j; the two runs overlap when they share an element, which the combine
# then counts twice.
#
# **Exercise 05.overlap.** Write `has_overlap(network)`: `True` if some cell of the
# network joins two overlapping runs, else `False`. Do not use `network.overlapping` or
# `network.groups()`. The checker tries every network of `adders.prefix` at several
# widths, Knowles networks with other lanes, and small hand-made networks.

# %% tags=["solution"]
def has_overlap(network):
    lo = list(range(network.n))          # position i holds elements i down to lo[i]
    for level in network.levels:
        new = list(lo)
        for i, j in level:
            if j >= lo[i]:               # j's run reaches into i's
                return True
            new[i] = lo[j]
        lo = new
    return False

# %% tags=["stub"]
def has_overlap(network):
    # YOUR CODE HERE
    return ...

# %%
check("05.overlap", has_overlap)

# %% [markdown]
# ## 3. DEER: a nonlinear RNN by Newton's method
#
# An Elman RNN, $h_t = \tanh(W_{ih} x_t + W_{hh} h_{t-1} + b)$, is not linear, so no exact
# scan exists. **DEER** (Lim et al., 2024) guesses all states at once, then improves the
# whole guess with Newton's method: around the current guess, each step is replaced by its
# linear approximation $h_t \approx J_t h_{t-1} + r_t$ (with $J_t$ the Jacobian matrix),
# and that *linear* recurrence is solved by an affine scan of matrices. Each Newton
# iteration is parallel; the question is how many iterations it takes.
#
# T iterations are always exact (after iteration k, the first k states are right), so
# DEER only pays off when it converges in far fewer.
#
# **Exercise 05.deer_linearise.** One Elman step is the function
# $f(h) = \tanh(W_{ih} x + W_{hh} h + b)$ of the previous state. Near a guess $\bar h$ it
# is almost the straight line $f(h) \approx f(\bar h) + J (h - \bar h) = J h + r$, where
# $J_{km} = \partial f_k / \partial h_m$ at $\bar h$ and $r = f(\bar h) - J \bar h$. Write
# `linearise(x, h_prev, W_ih, W_hh, b)` returning `(J, r)` for the guess
# $\bar h$ = `h_prev`: J of shape (H, H), r of shape (H,). (Recall
# $\tanh'(z) = 1 - \tanh(z)^2$.) The checker compares with its own derivative for several
# sizes H and I.

# %% tags=["solution"]
def linearise(x, h_prev, W_ih, W_hh, b):
    f = np.tanh(W_ih @ x + W_hh @ h_prev + b)     # (H,) the step at the guess
    J = (1 - f**2)[:, None] * W_hh                # (H, 1) * (H, H): row k times tanh'(z_k)
    return J, f - J @ h_prev

# %% tags=["stub"]
def linearise(x, h_prev, W_ih, W_hh, b):
    # YOUR CODE HERE: return J, r
    return ...

# %%
check("05.deer_linearise", linearise)

# %%
from rnn.deer import deer_elman, elman_serial

T, H, I = (32, 4, 2) if FAST else (64, 4, 2)
rng = np.random.default_rng(1)
x = rng.normal(size=(T, I))
W_ih = rng.normal(scale=0.5, size=(H, I))
b = rng.normal(scale=0.1, size=H)
rows = []
for scale in (0.3, 0.9, 1.5):
    W_hh = rng.normal(scale=scale / np.sqrt(H), size=(H, H))
    res = deer_elman(x, W_ih, W_hh, b, tol=1e-10)
    err = float(np.abs(res.h - elman_serial(x, W_ih, W_hh, b)).max())
    rows.append((scale, res))
    print(f"recurrent weight scale {scale}: {res.iterations:2d} Newton iterations for T = {T} "
          f"(converged {res.converged}, max error {err:.1e})")

# %%
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for scale, res in rows:
    ax.semilogy(range(1, len(res.residuals) + 1), np.maximum(res.residuals, 1e-17), "o-",
                label=f"scale {scale}")
ax.set(xlabel="Newton iteration", ylabel="max residual", title=f"DEER on T = {T} steps")
ax.legend()
fig

# %% [markdown]
# Newton converges very fast once the guess is close: near the end of each line the
# residual roughly squares from one iteration to the next. Then a few iterations of depth
# $O(\log T)$ each can replace T serial steps; how few depends on the weights. Each
# iteration does much more arithmetic than a serial step ($H^3$ matrix products instead
# of $H^2$), so DEER trades work for depth. This run:

# %%
counts = [res.iterations for _, res in rows]
print("Newton iterations for T = " + f"{T}: " + ", ".join(
    f"{n} at scale {scale}" for (scale, _), n in zip(rows, counts)) + ".")
if all(a < b for a, b in zip(counts, counts[1:])):
    print("The stronger the recurrent weights (the longer the memory), the more iterations.")
else:
    print("Here the count does not grow steadily with the weight scale.")
print(f"The most, {max(counts)}, is {max(counts) / T:.0%} of the {T} serial steps.")
#
# ## Summary
#
# * A scan needs only an associative combine; the prefix network is the same.
# * Carries are a scan over (AND, OR); linear RNN states are a scan over (×, +).
# * Overlapping networks need an idempotent operator; affine maps are not.
# * DEER solves a nonlinear RNN by a few Newton iterations, each an affine scan.
