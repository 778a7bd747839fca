# %% [markdown]
# # 04 · The Carry-lookahead RNN (CL-RNN)
#
# **Goal.** Meet the CL-RNN (Jiang et al., *Neural Networks*, 2021): a recurrent network
# that does not wait for its previous state. See what it can look at (its **receptive
# field**), check that hand-set weights turn it into an exact Kogge-Stone adder, and train
# it on binary addition with a receptive field longer, then shorter, than the carry
# chains. About 40 minutes.
#
# **You will be able to:**
# - compute a causal dilated convolution, the building block of the carry module
#   (04.causal_conv)
# - say exactly which input steps the carry $c_t$ depends on, and how many
#   (04.receptive_cone, 04.receptive_field)
# - choose how many levels a CL-RNN needs to see a whole n-bit addition (04.levels_needed)

# %%
%matplotlib inline
import os
import tempfile
from pathlib import Path
import numpy as np
import matplotlib.pyplot as plt
plt.ioff()   # a figure shows once, when a cell ends with it
from IPython.display import display, Markdown
from carrylab.exercises import check, hint
import viz

FAST = os.environ.get("CARRYLAB_FAST") == "1"

# %% [markdown]
# ## 1. The model
#
# An Elman RNN computes $h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})$: step t
# needs $h_{t-1}$. The CL-RNN replaces $h_{t-1}$ by a **carry** $c_t$ that is computed from
# the inputs alone:
#
# $$c = \text{CarryModule}(x), \qquad h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} c_t + b_{hh}).$$
#
# The carry module is a stack of $L$ **causal dilated convolutions**. A convolution with
# kernel size $k$ computes each output from $k$ inputs; *causal* means only inputs at the
# same or earlier times; *dilation* $d$ means those inputs are $d$ steps apart
# ($x_t, x_{t-d}, \dots, x_{t-(k-1)d}$). Level $i$ uses dilation $2^i$ and a ReLU
# ($\max(0, \cdot)$). Because nothing depends on the previous *output*, every $c_t$, and
# then every $h_t$, can be computed for all t at the same time: the depth is $L + 1$
# instead of T.
#
# **Exercise 04.causal_conv.** One level with one input and one output channel, no bias
# and no ReLU. For a sequence `x` of T numbers, a kernel `w` of k numbers and a dilation
# `d`, write `causal_conv(x, w, d)` returning the T outputs
# $y_t = \sum_{m=0}^{k-1} w_m\, x_{t - m d}$, where inputs before step 0 count as 0 (the
# *zero padding* that keeps the output as long as the input). The checker compares with
# its own loop for several k, d and T, a dilation longer than the sequence included.
# (PyTorch, and the layers in `rnn`, store the same taps the other way round: their last
# tap multiplies $x_t$.)

# %% tags=["solution"]
def causal_conv(x, w, d):
    x = np.asarray(x, dtype=float)
    T = len(x)
    y = np.zeros(T)
    for m in range(len(w)):
        s = m * d                        # tap m looks s steps back
        if s < T:
            y[s:] += w[m] * x[:T - s]    # steps before s would read the padding: 0
    return y

# %% tags=["stub"]
def causal_conv(x, w, d):
    # YOUR CODE HERE
    return ...

# %%
check("04.causal_conv", causal_conv)

# %% [markdown]
# The price: $c_t$ can only see a window of recent inputs, $x_{t-R+1} \dots x_t$. R is the
# **receptive field**. Below, the tree of connections behind one output for k = 2,
# L = 3.

# %%
viz.receptive_field(kernel_size=2, levels=3, formula=False)   # the formula is exercise 04.receptive_field

# %% [markdown]
# Compare how long each model waits. In the stepper, one click is one "parallel step":
# everything whose inputs are ready is computed at once. The Elman RNN finishes one state
# per click; count the clicks the CL-RNN needs, and ask whether they grow with T.

# %%
from viz.widgets import sequence_stepper

sequence_stepper(T=8, kernel_size=2, levels=3).widget

# %% [markdown]
# **Exercise 04.receptive_field.** Level $i$ reaches $(k-1)\,2^i$ steps further back. Write
# `receptive_field(k, L)`: how many input steps $c_t$ can depend on (step t included).

# %% tags=["solution"]
def receptive_field(k, L):
    return 1 + (k - 1) * (2**L - 1)

# %% tags=["stub"]
def receptive_field(k, L):
    # YOUR CODE HERE
    return ...

# %%
check("04.receptive_field", receptive_field)

# %% [markdown]
# R counts the input steps; which ones are they? Walk down the tree from $c_t$: a unit at
# step $\tau$ of a level with dilation d reads steps $\tau, \tau - d, \dots, \tau - (k-1)d$
# of the level below. Near the start some of those steps are the zero padding, not
# inputs; and dilations other than 1, 2, 4, ... need not reach every step in between.
#
# **Exercise 04.receptive_cone.** Write `inputs_seen(t, k, dilations)`: the set of input
# steps $c_t$ depends on, for kernel size k and one dilation per level, first level first
# (`[1, 2, 4]` is the module drawn above). Leave out steps below 0. The checker tries
# several kernels and dilation lists, some of which leave holes (such as `[1, 4]`).

# %% tags=["solution"]
def inputs_seen(t, k, dilations):
    steps = {t}
    for d in reversed(dilations):        # from the last level down to the inputs
        steps = {s - m * d for s in steps for m in range(k)}
    return {s for s in steps if s >= 0}

# %% tags=["stub"]
def inputs_seen(t, k, dilations):
    # YOUR CODE HERE
    return ...

# %%
check("04.receptive_cone", inputs_seen)

# %% [markdown]
# Note a difference from a real adder: the carry *into* bit t depends only on bits
# **below** t, but $c_t$ here also sees $x_t$ itself. The network can learn to ignore it.
#
# **Exercise 04.levels_needed.** A binary-addition sequence for n-bit numbers has n + 1
# steps (the last one, fed (0, 0), outputs the carry out). The output at the last step
# depends on every step. With k = 2, write `levels_needed(n_bits)`: the fewest levels L
# whose carry module sees all of them, for any width n.

# %% tags=["solution"]
def levels_needed(n_bits):
    L = 0
    while 2**L < n_bits + 1:     # with k = 2, R = 2**L must reach all n + 1 steps
        L += 1
    return L

# %% tags=["stub"]
def levels_needed(n_bits):
    # YOUR CODE HERE
    return ...

# %%
check("04.levels_needed", levels_needed)

# %% [markdown]
# ## 2. A hand-wired Kogge-Stone CL-RNN
#
# With kernel size 2 and dilations 1, 2, 4, ... a convolution level combines "position t"
# with "position $t - 2^i$": exactly one level of a Kogge-Stone prefix network. ReLU units
# on 0/1 values can compute the carry operator's AND and OR (a threshold on a sum), so
# suitable weights make the carry module compute every carry, and the cell then adds like
# the serial adder of notebook 03, but all bits at once. `rnn.wiring` sets those weights
# in a real `CLRNN`.

# %%
from rnn.wiring import kogge_stone_clrnn, run_kogge_stone, clrnn_add

model = kogge_stone_clrnn(16)
rng = np.random.default_rng(0)
a, b = rng.integers(0, 2**16, 200), rng.integers(0, 2**16, 200)
a_bits = (a[:, None] >> np.arange(16)) & 1          # (200, 16), LSB first
b_bits = (b[:, None] >> np.arange(16)) & 1
s = run_kogge_stone(a_bits, b_bits, model=model)    # (200, 17): sum bits + carry out
total = (s * (1 << np.arange(17))).sum(axis=1)
print("all 200 random additions exact:", bool((total == a + b).all()))
print("65535 + 1 =", clrnn_add(65535, 1, 16, model=model))

# %% [markdown]
# ## 3. Training a CL-RNN to add
#
# Now let a CL-RNN learn 8-bit additions, twice: with 4 levels (R = 16, more than the 9
# steps of a sequence) and with 2 levels (R = 4), too few to see back along a long carry
# chain. The settings come from `carrylab.demos`, where the tour takes them too (and the
# test suite, which trains both over ten seeds and checks that at least nine of them
# show what the sentences below the plot say for this run).
#
# `accuracy_by_chain` groups the test additions by their **longest carry chain**: how many
# positions the longest carry has to travel. A model whose window is shorter than the
# chain can only guess.

# %%
from carrylab import demos

d = demos.CLRNN
print(f"hidden size {d.hidden}, kernel {d.kernel_size}, {d.task_args['n_train']} training "
      f"examples of {d.task_args['n_bits']} bits, {d.epochs} epochs, learning rate {d.lr:g}"
      f"{' (divided by 10 when the validation loss stops improving)' if d.plateau else ''}, "
      f"gradient clipping {d.clip:g}, batches of {d.batch_size}, seed 0")
results = {}
run_dir = tempfile.TemporaryDirectory(prefix="carrylab-clrnn-")   # removed when the kernel stops
for demo in (demos.CLRNN, demos.CLRNN_SHORT):
    out = demos.train(demo, Path(run_dir.name) / f"levels{demo.levels}", seed=0)
    results[demo.levels] = out["test"]
    print(f"L = {demo.levels} (R = {demos.receptive_field(demo):2d}): whole-number accuracy "
          f"{out['test']['number_accuracy']:.3f}, trained and tested in "
          f"{demos.seconds_phrase(out['seconds'])}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
for levels, res in results.items():
    chains = sorted(res["accuracy_by_chain"], key=int)
    ax.plot([int(c) for c in chains], [res["accuracy_by_chain"][c]["accuracy"] for c in chains],
            "o-", label=f"L = {levels}, R = {viz.receptive_field_size(2, levels)}")
ax.axvline(demos.receptive_field(demos.CLRNN_SHORT), color="grey", ls=":",
           label=f"chain = R of L = {demos.CLRNN_SHORT.levels}")
ax.set(xlabel="longest carry chain in the example", ylabel="whole-number accuracy",
       ylim=(-0.05, 1.05))
ax.legend()
fig

# %% [markdown]
# What this run shows, in words written from its numbers. The last point of the plot, a
# chain of 9, is special: every bit propagates and none generates, so there is no carry
# at all, and "no carry in sight, so no carry" is the right answer there.

# %%
for demo in (demos.CLRNN, demos.CLRNN_SHORT):
    print(demos.clrnn_sentence(results[demo.levels], demo))
short, steps = demos.CLRNN_SHORT, demos.CLRNN_SHORT.task_args["n_bits"] + 1
no_carry = results[short.levels]["accuracy_by_chain"].get(str(steps))
if no_carry:
    print(f"On the {no_carry['count']} sums with a chain of {steps} (no carry at all) the "
          f"R = {demos.receptive_field(short)} model got {no_carry['accuracy']:.1%} right.")

# %% [markdown]
# ## 4. The paper's music results
#
# The authors test the CL-RNN on polyphonic music (JSB Chorales and Nottingham: predict
# which of 88 piano keys sound in the next time step; the score is the negative
# log-likelihood per frame, lower is better). The table holds the numbers they logged and
# carrylab's own models trained in their training protocol: on JSB Chorales three times
# each (seeds 0, 1, 2: the mean and spread over the seeds, and the best seed), on
# Nottingham once (seed 0). The authors report one run per model; `rnn.paper` says where
# each number comes from.

# %%
from rnn import paper

display(Markdown(paper.table_markdown()))
print(paper.summary())

# %% [markdown]
# To produce your own (the data file is not shipped; `reproduce_paper.py` is in the
# repository's `benchmarks/` folder):
#
# ```bash
# carrylab train --model clrnn --task jsb --data ../shared/data/JSB_Chorales.mat \
#     --protocol paper --seed 0 --out runs/jsb
# python benchmarks/reproduce_paper.py      # JSB: all four models x 3 seeds, as a sweep
# python benchmarks/reproduce_paper.py --spec benchmarks/sweeps/paper_nottingham.toml
# ```
#
# ## Summary
#
# * The CL-RNN computes a stand-in carry for every step from a window of inputs, then all
#   hidden states at once: depth $L + 1$ instead of T.
# * Its window is $R = 1 + (k-1)(2^L - 1)$ steps; with k = 2 the module has the shape of a
#   Kogge-Stone network, and hand-set weights make it an exact adder.
# * Trained, it learns carries only as far back as its window reaches.
