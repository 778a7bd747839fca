# %% [markdown]
# # 01 · Gates, full adders and the ripple-carry adder
#
# **Goal.** Build an adder from logic gates, then watch it work in time: see the carry
# travel from bit to bit, see outputs flicker before they settle (glitches), and predict
# how long the adder needs. About 50 minutes.
#
# **You will be able to:**
#
# - build half and full adders from logic gates (01.half_adder, 01.full_adder)
# - build a multi-bit ripple-carry adder gate by gate (01.ripple4)
# - predict when a ripple adder's carry out settles after its inputs switch (01.settle_time)
# - tell which sum bits glitch while the carry ripples, and why (01.sum_glitches)

# %%
%matplotlib inline
import os
import itertools
import matplotlib.pyplot as plt
plt.ioff()   # a figure shows once, when a cell ends with it
from IPython.display import display
from carrylab.exercises import check, hint
import adders
from adders import Circuit, half_adder, ripple_carry, simulate_transition, critical_path
import viz

FAST = os.environ.get("CARRYLAB_FAST") == "1"

# %% [markdown]
# ## 1. Gates
#
# A **gate** is a tiny circuit that computes a Boolean function of its input wires (each
# wire carries 0 or 1). The three we need most:
#
# | a | b | AND `a & b` | OR `a \| b` | XOR `a ^ b` |
# |---|---|---|---|---|
# | 0 | 0 | 0 | 0 | 0 |
# | 0 | 1 | 0 | 1 | 1 |
# | 1 | 0 | 0 | 1 | 1 |
# | 1 | 1 | 1 | 1 | 0 |
#
# XOR ("exclusive or") is 1 when exactly one input is 1. The toolkit knows these gate
# kinds:

# %%
print(adders.KINDS)

# %% [markdown]
# ## 2. Half adder and full adder
#
# Adding two bits gives a two-bit result: $a + b = 2\,\text{cout} + s$ with
# $s = a \oplus b$ and carry out $\text{cout} = a \wedge b$. That pair of gates is a
# **half adder**. `adders.half_adder()` builds it as a `Circuit`: a graph of named wires
# (nets) and gates. `draw_circuit` shows inputs on the left, outputs on the right, and one
# column per *level* (how many gates a signal has passed through).
#
# **Exercise 01.half_adder.** Build the half adder yourself first. A `Circuit` is built
# with three calls: `c.add_input(bus, width)` declares an input bus and returns the names
# of its nets (`c.add_input("a", 1)` returns `['a']`); `c.add_gate(kind, inputs, output)`
# adds a gate of one of the kinds printed above, reading the nets `inputs` (a list) and
# driving a new net named `output`, and returns that name; `c.set_output(bus, nets)`
# declares an output bus over a list of nets. Write `make_half_adder()` returning a circuit
# with inputs `a`, `b` and outputs `s`, `cout` (1 bit each), in two gates. The checker tries
# all four inputs, and refuses `half_adder()` itself.

# %% tags=["solution"]
def make_half_adder():
    c = Circuit("my_half_adder")
    a = c.add_input("a", 1)[0]
    b = c.add_input("b", 1)[0]
    c.set_output("s", [c.add_gate("XOR", [a, b], "sum")])
    c.set_output("cout", [c.add_gate("AND", [a, b], "carry")])
    return c

# %% tags=["stub"]
def make_half_adder():
    c = Circuit("my_half_adder")
    # YOUR CODE HERE: two inputs, two gates, two outputs
    return ...

# %%
check("01.half_adder", make_half_adder)

# %% [markdown]
# Here is the library's half adder, evaluated on 1 + 1 and drawn:

# %%
ha = half_adder()
print(ha.evaluate(a=1, b=1))
viz.draw_circuit(ha)

# %% [markdown]
# Inside a multi-bit adder each position must also add the carry coming in from below:
# three bits in, $a + b + c_{in} = 2\,\text{cout} + s$. That is a **full adder**:
#
# $$s = a \oplus b \oplus c_{in}, \qquad \text{cout} = (a \wedge b) \vee \big((a \oplus b) \wedge c_{in}\big).$$
#
# Read cout as: "this position makes a carry by itself ($a \wedge b$), or it passes on the
# carry from below when exactly one of a, b is 1".
#
# **Exercise 01.full_adder.** Write `full_adder(a, b, cin)` returning `(s, cout)` using
# only `^`, `&`, `|`.

# %% tags=["solution"]
def full_adder(a, b, cin):
    s = a ^ b ^ cin
    cout = (a & b) | ((a ^ b) & cin)
    return s, cout

# %% tags=["stub"]
def full_adder(a, b, cin):
    # YOUR CODE HERE: two expressions with ^, & and |
    return ...

# %%
check("01.full_adder", full_adder)

# %% [markdown]
# The toolkit's full adder has the same five gates: two XOR, two AND, one OR.

# %%
fa = adders.full_adder()      # the library's circuit; your function keeps the name full_adder
print(fa.stats())
viz.draw_circuit(fa)

# %% [markdown]
# ## 3. Ripple carry: a chain of full adders
#
# Chain n full adders, the carry out of position i wired to the carry in of position i+1,
# and you can add n-bit numbers. Net names follow the textbook: `g3 = a3 & b3`
# ("generate": bit 3 makes a carry by itself), `p3 = a3 ^ b3` ("propagate": bit 3 passes
# an incoming carry on), `t3 = p3 & c3` (the passed-on carry), and `c4 = g3 | t3`, the
# carry *into* bit 4. Notebook 02 makes much of g and p.

# %%
r4 = ripple_carry(4)
print(r4.evaluate(a=11, b=6, cin=0))     # 11 + 6 = 17 = 16 + 1: s = 1, cout = 1
print(r4.stats())
viz.draw_circuit(r4)

# %% [markdown]
# `stats()` reports `depth`: the most gates any signal passes through from an input to an
# output. For the ripple adder the longest path starts with the XOR that makes $p_0$ and
# then passes an AND and an OR per bit, out to `cout`: the depth is $2n + 1$, growing
# linearly with n.

# %%
for n in (4, 8, 16, 32, 64):
    depth = ripple_carry(n).stats()['depth']
    print(f"n = {n:3d}: depth {depth:4d}   2n + 1 = {2 * n + 1:4d}")

# %% [markdown]
# **Exercise 01.ripple4.** Build the 4-bit ripple-carry adder yourself with
# `Circuit.add_input(bus, width)` (returns the net names, e.g. `['a0', 'a1', 'a2', 'a3']`),
# `Circuit.add_gate(kind, inputs, output)` and `Circuit.set_output(bus, nets)`. It needs
# inputs `a` (4 bits), `b` (4 bits), `cin` (1 bit) and outputs `s` (4 bits) and `cout`
# (1 bit), with at most 20 gates. Return the circuit from `make_ripple4()`.

# %% tags=["solution"]
def make_ripple4():
    c = Circuit("my_ripple4")
    a = c.add_input("a", 4)
    b = c.add_input("b", 4)
    carry = c.add_input("cin", 1)[0]
    sums = []
    for i in range(4):
        c.add_gate("XOR", [a[i], b[i]], f"p{i}")
        c.add_gate("AND", [a[i], b[i]], f"g{i}")
        c.add_gate("XOR", [f"p{i}", carry], f"s{i}")
        c.add_gate("AND", [f"p{i}", carry], f"t{i}")
        c.add_gate("OR", [f"g{i}", f"t{i}"], f"c{i + 1}")
        carry = f"c{i + 1}"
        sums.append(f"s{i}")
    c.set_output("s", sums)
    c.set_output("cout", [carry])
    return c

# %% tags=["stub"]
def make_ripple4():
    c = Circuit("my_ripple4")
    a = c.add_input("a", 4)
    b = c.add_input("b", 4)
    carry = c.add_input("cin", 1)[0]
    # YOUR CODE HERE: five gates per bit, then set_output for "s" and "cout"
    return ...

# %%
check("01.ripple4", make_ripple4)

# %% [markdown]
# ## 4. Adders take time: stepping through a transition
#
# Real gates are not instant: each takes a small delay to react. Here every gate takes
# one unit, written `gd` (gate delay). An **event-driven simulation** starts from the
# settled state for the old inputs, switches the inputs, and follows every change
# ("event") through the gates in time order.
#
# Below, a 4-bit ripple adder switches from 0 + 0 to 15 + 1. Move the **step** slider (or
# press play): the schematic shows each wire's value at that moment and the timing diagram
# below it has a cursor at the current time. Watch the carry `c1, c2, c3, c4` arrive one
# after another.

# %%
from viz.widgets import circuit_stepper

stepper = circuit_stepper(ripple_carry(4), before={"a": 0, "b": 0, "cin": 0},
                          after={"a": 15, "b": 1, "cin": 0})
stepper.widget

# %% [markdown]
# **Exercise 01.settle_time.** The inputs switch at t = 0. In the transition above
# (0 + 0 → 15 + 1) bit 0 generates a carry (1 + 1) and bits 1 to 3 each pass it on (1 + 0).
# At what time (in gate delays) does `cout` take its final value? Do not stop at 4 bits:
# write `settle_cout(n)` giving that time for an n-bit ripple adder switching from 0 + 0
# to (2^n − 1) + 1. Reason it out from the gates on the carry's way; the slider above shows
# the 4-bit case. (The checker compares your rule with the event-driven simulation for
# many widths, and refuses a function that asks the simulator.)

# %% tags=["solution"]
def settle_cout(n):
    # g0 rises at 1 and c1 = g0 | t0 at 2; each further bit passes the carry through an
    # AND (t = p & c) and an OR (c' = g | t): two gate delays a bit.
    return 2 + 2 * (n - 1)

# %% tags=["stub"]
def settle_cout(n):
    # YOUR CODE HERE: a whole number of gate delays, from n
    return ...

# %%
check("01.settle_time", settle_cout)

# %% [markdown]
# Now compare with the simulation. The same stepper works from code: `.step()` applies
# the next moment and returns the wires that changed then.

# %%
stepper.reset()
while stepper.position < stepper.slider.max:
    changed = stepper.step()
    print(f"t = {stepper.time} gd: {', '.join(changed)}")
stepper.reset()

# %% [markdown]
# ## 5. Glitches
#
# Look at the sum bits in the timing diagram of an 8-bit transition. Bit $s_i$ first reacts
# to its own inputs, then again when the carry reaches it: it briefly shows a wrong value
# and flips back. Such a short wrong pulse is a **glitch**. Glitches do no harm as long as
# nobody reads the output before it settles, but they cost energy, and they are why a
# clocked circuit must wait for the *slowest* path, the **critical path**.

# %%
trace = simulate_transition(ripple_carry(8), {"a": 0, "b": 0, "cin": 0}, {"a": 255, "b": 1, "cin": 0})
print(trace.summary())
viz.waveforms(trace)

# %% [markdown]
# **Exercise 01.sum_glitches.** In 255 + 1 every sum bit above bit 0 glitches once. Is that
# always so? The adder starts settled at 0 + 0 (every wire 0, carry in 0) and its inputs
# switch to a + b at t = 0. Write `sum_glitches(a, b, n)` returning how many glitches appear
# on the sum bits of an n-bit ripple adder (a sum bit that goes 0 → 1 → 0 has one). Think
# about when each $s_i = p_i \oplus c_i$ first reacts, and whether a carry arrives later to
# flip it back. The checker compares your rule with the event-driven simulation on every
# pair up to 4 bits and some wider ones, and refuses a function that asks the simulator.

# %% tags=["solution"]
def sum_glitches(a, b, n):
    # p_i = a_i ^ b_i rises at t = 1, so s_i = p_i ^ c_i shows 1 at t = 2; a carry c_i = 1
    # arrives at t >= 2 (an AND/OR chain) and flips it back one gate delay later. A glitch
    # on every bit that propagates and receives a carry.
    count, c = 0, 0
    for i in range(n):
        ai, bi = (a >> i) & 1, (b >> i) & 1
        count += (ai ^ bi) & c
        c = (ai & bi) | ((ai ^ bi) & c)
    return count

# %% tags=["stub"]
def sum_glitches(a, b, n):
    # YOUR CODE HERE: the number of glitches on s_0 ... s_(n-1), from a, b and n
    return ...

# %%
check("01.sum_glitches", sum_glitches)

# %% [markdown]
# The critical path does not depend on a particular input change: it is the longest chain
# of gate delays from any input to any output. For the ripple adder it is the carry chain.

# %%
r8 = ripple_carry(8)
path = critical_path(r8)
print(path.describe(r8))
viz.draw_circuit(r8, highlight_path=path)

# %% [markdown]
# ## Summary
#
# * A full adder is five gates; n of them in a chain add n-bit numbers.
# * The carry must *ripple* through every position: delay and depth grow linearly with n.
# * Before settling, outputs can glitch; the clock must wait for the critical path.
#
# Notebook 02 breaks the chain.
