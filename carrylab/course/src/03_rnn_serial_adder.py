# %% [markdown]
# # 03 · The RNN as a serial adder
#
# **Goal.** Understand what a recurrent neural network computes, build one by hand that
# adds binary numbers exactly, train one to add from examples, and look inside its hidden
# state to find the carry. About 40 minutes.
#
# **You will be able to:**
#
# - compute one step of an Elman RNN with NumPy (03.elman_step)
# - choose the weights of a threshold unit that remembers a 1 or computes the carry
#   (03.running_or, 03.carry_unit)
# - add binary numbers with threshold units run step by step, an RNN wired by hand
#   (03.serial_add)
# - find the hidden unit of a trained RNN that holds the carry, by correlation
#   (03.find_carry_unit)

# %%
%matplotlib inline
import os
import tempfile
import numpy as np
import matplotlib.pyplot as plt
plt.ioff()   # a figure shows once, when a cell ends with it
from IPython.display import display
from carrylab.exercises import check, hint

FAST = os.environ.get("CARRYLAB_FAST") == "1"

# %% [markdown]
# ## 1. What an RNN is
#
# A **neuron** (unit) computes a weighted sum of its inputs plus a bias and passes it
# through a nonlinear function such as tanh. A **recurrent** network keeps a vector of such
# units, the **hidden state** $h_t$, and updates it once per element $x_t$ of an input
# sequence:
#
# $$h_t = \tanh(W_{ih}\, x_t + W_{hh}\, h_{t-1} + b), \qquad h_{-1} = 0.$$
#
# With $I$ input features and $H$ hidden units, $W_{ih}$ is an $H \times I$ matrix,
# $W_{hh}$ is $H \times H$ and $b$ has $H$ entries. The weights are the same at every step;
# only the state changes. An output layer reads each $h_t$ (for us: "is the sum bit 1?").
# This is the **Elman RNN**.
#
# **Exercise 03.elman_step.** Write one step with NumPy (`@` is the matrix product).

# %% tags=["solution"]
def elman_step(x, h, W_ih, W_hh, b):
    return np.tanh(W_ih @ x + W_hh @ h + b)

# %% tags=["stub"]
def elman_step(x, h, W_ih, W_hh, b):
    # YOUR CODE HERE: the new hidden state, shape (H,)
    return ...

# %%
check("03.elman_step", elman_step)

# %% [markdown]
# ## 2. One unit that remembers
#
# Make tanh very steep and it becomes a **threshold**: the unit is "on" (1) when its
# weighted sum is positive and "off" (0) otherwise. One such unit with a loop back to
# itself is already a memory:
#
# $$h_t = [\, w_x x_t + w_h h_{t-1} + b > 0 \,].$$
#
# (Square brackets around a condition mean 1 when it holds, 0 otherwise.)
#
# **Exercise 03.running_or.** Choose `w_x`, `w_h`, `b` so that $h_t$ is 1 as soon as some
# $x_{t'}$ with $t' \le t$ was 1 (a running OR), for every 0/1 input sequence.

# %% tags=["solution"]
running_or = {"w_x": 1.0, "w_h": 1.0, "b": -0.5}

# %% tags=["stub"]
# YOUR CODE HERE
running_or = {"w_x": ..., "w_h": ..., "b": ...}

# %%
check("03.running_or", running_or)

# %% [markdown]
# **Exercise 03.carry_unit.** Now the input at step t is the bit pair $(a_t, b_t)$ (LSB
# first). Choose the weights of one threshold unit
# $h_t = [\, w_a a_t + w_b b_t + w_h h_{t-1} + b > 0 \,]$ so that $h_t$ is the carry out
# of bit t. (Recall: the carry out is 1 when at least two of $a_t$, $b_t$, $c_t$ are 1.)

# %% tags=["solution"]
carry_unit = {"w_a": 1.0, "w_b": 1.0, "w_h": 1.0, "b": -1.5}

# %% tags=["stub"]
# YOUR CODE HERE
carry_unit = {"w_a": ..., "w_b": ..., "w_h": ..., "b": ...}

# %%
check("03.carry_unit", carry_unit)

# %% [markdown]
# ## 3. The hand-wired serial adder
#
# The carry unit alone gives the carries; the sum bit needs a little more. `rnn.wiring`
# builds a real tanh Elman RNN with three hidden units $u_1, u_2, u_3$, named by their
# threshold: $u_k$ is on when at least k of $a_t, b_t, c_t$ are 1. $u_2$ *is* the carry,
# fed back as the state; the sum bit is
# "odd number of ones" $= [\ge 1] - [\ge 2] + [\ge 3]$, a linear readout. A gain of 20 makes
# tanh steep enough that the values stay within $10^{-8}$ of ±1 however long the numbers
# are.
#
# **Exercise 03.serial_add.** Build that adder yourself from threshold units (0/1 instead
# of ±1). Write `serial_add(a_bits, b_bits)` (bit lists, LSB first, both n long) returning
# the n + 1 bits of a + b: the sum bits, then the carry out. Loop over t keeping one state
# h, the carry (0 before bit 0); at each step three threshold units $u_1, u_2, u_3$ read
# $a_t, b_t, h$, the sum bit is the readout $u_1 - u_2 + u_3$, and $u_2$ becomes the new
# h. Use weighted sums and comparisons (`+ - * /`, `>`): no bit operators, no `%`. The
# checker tries every pair of numbers up to 4 bits and a few of 16 and 64 bits.

# %% tags=["solution"]
def serial_add(a_bits, b_bits):
    h, out = 0, []
    for a, b in zip(a_bits, b_bits):
        u1, u2, u3 = (int(a + b + h - k + 0.5 > 0) for k in (1, 2, 3))   # [at least k ones]
        out.append(u1 - u2 + u3)
        h = u2
    return out + [h]

# %% tags=["stub"]
def serial_add(a_bits, b_bits):
    h, out = 0, []
    # YOUR CODE HERE: three threshold units a step; append each sum bit, keep u2 as h
    return ...

# %%
check("03.serial_add", serial_add)

# %% [markdown]
# The library's version, with tanh units and the carry held as ±1. In code, hidden units
# are numbered from 0, as NumPy numbers rows, and this notebook numbers them so
# everywhere: unit 0 (row 0 of `W_ih`) is $u_1$, unit 1 is $u_2$, the carry (the one
# column of `W_hh` that is not zero), and unit 2 is $u_3$.

# %%
from rnn.wiring import serial_adder_rnn, run_serial_adder, rnn_add

w = serial_adder_rnn()
print("W_ih =\n", w.W_ih, "\nW_hh =\n", w.W_hh, "\nb_ih =", w.b_ih, " b_hh =", w.b_hh)
print("readout W_out =", w.W_out, " b_out =", w.b_out)

# %%
a_bits, b_bits = [1, 1, 0, 1], [0, 1, 1, 0]          # 11 + 6, LSB first
s, cout = run_serial_adder(a_bits, b_bits)
print("sum bits", s.tolist(), "carry out", cout, "->", sum(int(v) << i for i, v in enumerate(s)) + (int(cout) << 4))
print(rnn_add(2**200 - 1, 1, n_bits=200) == 2**200)

# %% [markdown]
# It is exactly a ripple-carry adder: one step per bit, and step t must wait for step t−1.
#
# ## 4. Teaching an RNN to add
#
# Instead of setting weights, let a network learn them from examples. The task
# `binary_addition` gives sequences of bit pairs $x_t = (a_t, b_t)$, LSB first, plus one
# extra step of (0, 0) at the end; the target at step t is the sum bit $s_t$, and at the
# last step the carry out. A quarter of the examples have a carry chain of random length
# planted in them, because random numbers rarely carry far.
#
# Training adjusts all weights a little at a time to reduce the error (gradient descent
# with the Adam optimiser); one **epoch** is one pass over the training examples. The
# settings come from `carrylab.demos`, which the tour uses too; the test suite trains
# them over ten seeds and checks that at least nine of them earn the sentences this
# notebook prints about its own run.

# %%
from rnn.train import load_model
from carrylab import demos

demo = demos.ELMAN
print(f"{demo.task_args['n_bits']}-bit numbers, {demo.hidden} hidden units, "
      f"{demo.task_args['n_train']} training examples, {demo.epochs} epochs, learning rate "
      f"{demo.lr:g}, batches of {demo.batch_size}")
task = demos.make_task(demo, seed=0)
x, y = task.train.groups[0]
print("x", x.shape, "(examples, steps, features)   y", y.shape)
print("first example: a bits", x[0, :, 0].astype(int), " b bits", x[0, :, 1].astype(int),
      " target", y[0, :, 0].astype(int))

# %%
run_dir = tempfile.TemporaryDirectory(prefix="carrylab-rnn-")   # removed when the kernel stops
out_dir = run_dir.name
result = demos.train(demo, out_dir, seed=0, task=task, log=print)
print("test:", {k: round(v, 4) for k, v in result["test"].items() if isinstance(v, float)})
wide = demos.wide_accuracy(out_dir, seed=0)
print(f"Trained and tested in {demos.seconds_phrase(result['seconds'])} on this machine.")
print(demos.elman_sentence(result["test"]["number_accuracy"], wide, demo))

# %% [markdown]
# `number_accuracy` is the fraction of test additions with *every* bit right. Plot the
# training curve:

# %%
hist = result["history"]
fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
ax.plot([h["epoch"] for h in hist], [h["valid_number_accuracy"] for h in hist], "o-")
ax.set(xlabel="epoch", ylabel="whole-number accuracy (validation)", ylim=(-0.05, 1.05))
fig

# %% [markdown]
# ## 5. What does the hidden state hold?
#
# If the network adds correctly it must carry the carry somewhere. Run the trained
# network on the test set, record every hidden unit at every step, and correlate each
# unit with the true carry out of that bit, $c_{t+1}$. The **correlation coefficient**
# (between −1 and 1) measures how closely one quantity follows another along a straight
# line: near ±1 means the unit *is* the carry (up to sign), near 0 means it is unrelated.
# `model.body` is the recurrent part of the trained network, without the output layer; its
# `forward` returns every hidden state. We drop the last step (the extra (0, 0) input).
#
# **Exercise 03.find_carry_unit.** First write the search itself. `hs` is an array of
# hidden states, one row per (example, bit) and one column per unit, shape (N, H); `carry`
# holds the true carry of each row (0 or 1), shape (N,). Write
# `find_carry_unit(hs, carry)` returning `(unit, sign)`: the unit that follows the carry
# most closely along a straight line, and +1 if it is high when the carry is 1, −1 if it is
# low. The checker tries made-up states where the carry unit may be negated, or tiny next
# to a large unit that follows the carry less closely. The cell after the check runs the
# same search on the trained network.

# %% tags=["solution"]
def find_carry_unit(hs, carry):
    corr = [np.corrcoef(hs[:, j], carry)[0, 1] for j in range(hs.shape[1])]
    best = int(np.argmax(np.abs(corr)))             # -0.95 follows as closely as +0.95
    return best, int(np.sign(corr[best]))

# %% tags=["stub"]
def find_carry_unit(hs, carry):
    # YOUR CODE HERE: one number per unit, then the best unit and its sign
    return ...

# %%
check("03.find_carry_unit", find_carry_unit)

# %%
model, _, _, _ = load_model(out_dir)
xt, yt = task.test.groups[0]
h = model.body.forward(xt.astype(model.dtype))        # (examples, steps, hidden)
a_t, b_t = xt[:, :-1, 0].astype(int), xt[:, :-1, 1].astype(int)
carry = demos.carry_trace(a_t, b_t)                    # (examples, bits): carry out of bit t
hs = h[:, :-1, :].reshape(-1, h.shape[-1])             # (examples * bits, hidden)
corr = np.array([np.corrcoef(hs[:, j], carry.ravel())[0, 1] for j in range(hs.shape[1])])
print("correlation of each hidden unit with the carry:", np.round(corr, 2))
best = int(np.nanargmax(np.abs(corr)))
print(f"unit {best} (numbered from 0) follows the carry most closely, correlation {corr[best]:+.3f}")

# %%
fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
for value, colour in ((0, "tab:blue"), (1, "tab:red")):
    ax.hist(hs[carry.ravel() == value, best], bins=40, alpha=0.7, color=colour,
            label=f"true carry = {value}")
ax.set(xlabel=f"activation of hidden unit {best}", ylabel="count")
ax.legend()
fig

# %% [markdown]
# If that unit holds the carry, its two histograms do not overlap: every state with carry 1
# lies on one side of every state with carry 0. In the hand-wired network such a unit is
# unit 1 ($u_2$); in a trained one, which unit it is, and its sign, depends on the random
# start. What this run shows:

# %%
print(demos.carry_unit_sentence(best, corr[best], demos.carry_gap(hs[:, best], carry.ravel())))

# %% [markdown]
# ## Summary
#
# * An Elman RNN updates a hidden state from the input and the previous state.
# * One threshold unit can be the carry; three tanh units make an exact serial adder.
# * Trained on additions, an RNN discovers the carry by itself: it *is* a ripple adder,
#   with the same serial chain.
#
# Notebook 04 shows the CL-RNN, which breaks that chain the way carry lookahead does.
