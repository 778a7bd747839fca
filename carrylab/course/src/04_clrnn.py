# %% [markdown]
# # 04 · The Carry-lookahead RNN (CL-RNN)
#
# **Goal.** Meet the CL-RNN (Jiang et al., *Neural Networks*, 2021): a recurrent network
# that does not wait for its previous state. See what it can look at (its **receptive
# field**), check that hand-set weights turn it into an exact Kogge-Stone adder, and train
# it on binary addition with a receptive field longer, then shorter, than the carry
# chains. About 35 minutes.

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
# The price: $c_t$ can only see a window of recent inputs, $x_{t-R+1} \dots x_t$. R is the
# **receptive field**. Below, the tree of connections behind one output for k = 2,
# L = 3.

# %%
viz.receptive_field(kernel_size=2, levels=3)

# %% [markdown]
# Compare how long each model waits. In the stepper, one click is one "parallel step":
# everything whose inputs are ready is computed at once. The Elman RNN finishes one state
# per click; the CL-RNN finishes them all after $L + 1$ clicks.

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
# Note a difference from a real adder: the carry *into* bit t depends only on bits
# **below** t, but $c_t$ here also sees $x_t$ itself. The network can learn to ignore it.
#
# **Exercise 04.levels_for_16_bits.** A binary-addition sequence for n-bit numbers has
# n + 1 steps (the last one, fed (0, 0), outputs the carry out). The output at the last
# step depends on every step. With k = 2, how many levels L does the carry module need
# for n = 16?

# %% tags=["solution"]
levels_16 = 5        # R = 2**L must reach 17 steps: 2**4 = 16 is one short

# %% tags=["stub"]
# YOUR CODE HERE
levels_16 = ...

# %%
check("04.levels_for_16_bits", levels_16)

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
# Now let a CL-RNN learn. Settings that work on 8-bit numbers: hidden size 32, kernel 2,
# 4 levels (R = 16, more than the 9 steps of a sequence), 4000 training examples, 16
# epochs, learning rate $5\cdot10^{-3}$ (divided by 10 when the validation loss stops
# improving: `plateau=True`), gradient clipping 1.0, batches of 32, seed 1. Seconds to a
# minute on a laptop. (If it is much slower, the linear-algebra library is probably running
# several threads that compete for busy cores: start Jupyter with
# `OPENBLAS_NUM_THREADS=1 jupyter lab` for these small matrices.) Then the same with 2 levels (R = 4): it
# cannot see far enough back to follow a long carry chain.
#
# `accuracy_by_chain` groups the test additions by their **longest carry chain**: how many
# positions the longest carry has to travel. A model whose window is shorter than the
# chain can only guess.

# %%
from rnn.tasks import binary_addition
from rnn.train import TrainConfig, fit

task_args = {"n_bits": 8, "n_train": 4000, "n_valid": 300, "n_test": 1000}
task = binary_addition(seed=0, **task_args)
results = {}
run_dir = tempfile.TemporaryDirectory(prefix="carrylab-clrnn-")   # removed when the kernel stops
for levels in (4, 2):
    config = TrainConfig(model="clrnn", task="binary-add", task_args=task_args, hidden=32,
                         kernel_size=2, levels=levels, lr=5e-3, clip=1.0, batch_size=32,
                         epochs=16, plateau=True, seed=1)
    out = fit(config, Path(run_dir.name) / f"levels{levels}", progress=False, task=task, log=None)
    results[levels] = out["test"]
    print(f"levels {levels} (R = {viz.receptive_field_size(2, levels):2d}): whole-number accuracy "
          f"{out['test']['number_accuracy']:.3f}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
for levels, res in results.items():
    chains = sorted(res["accuracy_by_chain"], key=int)
    ax.plot([int(c) for c in chains], [res["accuracy_by_chain"][c]["accuracy"] for c in chains],
            "o-", label=f"L = {levels}, R = {viz.receptive_field_size(2, levels)}")
ax.axvline(viz.receptive_field_size(2, 2), color="grey", ls=":", label="R of L = 2")
ax.set(xlabel="longest carry chain in the example", ylabel="whole-number accuracy",
       ylim=(-0.05, 1.05))
ax.legend()
fig

# %% [markdown]
# With R = 4 the model is right while chains are short and falls towards guessing beyond
# its window; with R = 16 it covers every chain of an 8-bit addition. (The last point,
# chain 9, is special: every bit propagates and none generates, so there is no carry at
# all, and "no carry in sight, so no carry" happens to be right.)
#
# ## 4. The paper's music results
#
# The authors test the CL-RNN on polyphonic music (JSB Chorales: predict which of 88 piano
# keys sound in the next time step; the score is the negative log-likelihood per frame,
# lower is better). The numbers below are read from a results file of this project if
# someone has run the benchmark, else they are the authors' own logged results.

# %%
here = Path.cwd().resolve()          # notebooks/ or notebooks/solutions/
root = next((p for p in (here, *here.parents) if (p / "pyproject.toml").exists()), here)
found = [p for p in (root / "benchmarks" / "RESULTS.md", root / "benchmarks" / "paper_results.md",
                     root / "runs" / "paper" / "paper_results.md") if p.exists()]
if found:
    display(Markdown(f"From `{found[0].relative_to(root)}`:\n\n" + found[0].read_text()))
else:
    display(Markdown(
        "No local results yet; the authors' numbers (test NLL per frame):\n\n"
        "| model | JSB Chorales | Nottingham |\n|---|---|---|\n"
        "| CL-RNN | 8.565 | 2.776 |\n| LSTM | 8.442 | 3.567 |\n| RNN | 8.707 | 3.506 |\n"
        "| reduced TCN | 9.158 | – |\n"))

# %% [markdown]
# To produce your own (a few minutes per model on a laptop; the data file is not shipped):
#
# ```bash
# carrylab train --model clrnn --task jsb --data ../shared/data/JSB_Chorales.mat \
#     --hidden 150 --levels 4 --kernel-size 5 --dropout 0.25 --lr 1e-2 --plateau \
#     --epochs 100 --out runs/jsb
# python benchmarks/reproduce_paper.py --data ../shared/data/JSB_Chorales.mat
# ```
#
# ## Summary
#
# * The CL-RNN computes a stand-in carry for every step from a window of inputs, then all
#   hidden states at once: depth $L + 1$ instead of T.
# * Its window is $R = 1 + (k-1)(2^L - 1)$ steps; with k = 2 the module has the shape of a
#   Kogge-Stone network, and hand-set weights make it an exact adder.
# * Trained, it learns carries only as far back as its window reaches.
