"""The training demos of the tour and the course: their settings, and what they may say.

The tour (:mod:`carrylab.tour`), the notebooks and ``tests/test_claims.py`` take their
settings from here, so the test sweeps exactly what a reader runs. A sentence that states
a trained result is written by a function here from the numbers just computed: a run that
misses its mark says so, and why.

Three models learn binary addition (:func:`rnn.tasks.binary_addition`: 8-bit operands,
LSB first, 9 steps with the carry out). Each demo is a :class:`rnn.train.TrainConfig`;
:func:`train` runs it with one seed for both the data and the model's start:

* :data:`ELMAN`, an Elman RNN, also tested on :data:`WIDE_BITS`-bit sums, four times
  longer than any it saw;
* :data:`CLRNN`, a CL-RNN with k = 2, L = 4: receptive field R = 16, at least the 9 steps
  of a sum;
* :data:`CLRNN_SHORT`, the same with L = 2: R = 4, shorter than the longest carry chains.

``tests/test_claims.py`` trains each over seeds 0-9 and asserts that at least 9 of the 10
runs earn the sentence the demo was written to show (whole-number accuracy at least
:data:`ADDS`; for :data:`CLRNN_SHORT`, at least :data:`ADDS` on the carries inside its
window and at most :data:`GUESS` on the longer chains).

One demo needs no training: :func:`carry_skip_timing` sets the carry-skip adder's static
depth against the settle times of an event-driven simulation, for the tour's first
chapter and notebook 02.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np

__all__ = ["ELMAN", "CLRNN", "CLRNN_SHORT", "WIDE_BITS", "ADDS", "GUESS", "receptive_field",
           "make_task", "train", "wide_accuracy", "window_accuracy", "carry_trace", "carry_gap",
           "carry_unit",
           "carry_skip_timing",
           "elman_sentence", "clrnn_sentence", "carry_unit_sentence", "carry_skip_sentence",
           "seconds_phrase", "and_list"]

#: Whole-number accuracy from which a sentence says that a model adds.
ADDS = 0.99
#: Whole-number accuracy up to which a sentence says a model guesses (beyond its window).
GUESS = 0.75
#: Width of the longer sums the Elman RNN is tested on.
WIDE_BITS = 32


def _addition(model: str, n_train: int, n_valid: int, **settings):
    """A binary-addition demo: 8-bit sums, 1000 test sums, batches of 32, clipping 1."""
    from rnn.train import TrainConfig
    task_args = {"n_bits": 8, "n_train": n_train, "n_valid": n_valid, "n_test": 1000}
    return TrainConfig(model=model, task="binary-add", task_args=task_args, batch_size=32,
                       clip=1.0, **settings)


#: The Elman RNN of the tour and of notebook 03 (a :class:`rnn.train.TrainConfig`).
ELMAN = _addition("rnn", 6000, 500, hidden=8, lr=1e-2, epochs=6)
#: The CL-RNN of the tour and of notebook 04, its window covering the whole sum.
CLRNN = _addition("clrnn", 4000, 300, hidden=32, levels=4, kernel_size=2, lr=5e-3, epochs=16,
                  plateau=True)
#: The same CL-RNN with a window too short for long carry chains.
CLRNN_SHORT = replace(CLRNN, levels=2)


def receptive_field(demo) -> int | None:
    """R = 1 + (k-1)(2^L - 1) of a CL-RNN demo; None for a recurrent model (unbounded)."""
    if demo.model != "clrnn":
        return None
    return 1 + (demo.kernel_size - 1) * (2 ** demo.levels - 1)


def make_task(demo, seed: int = 0):
    """The data of ``demo`` for seed ``seed`` (:func:`rnn.tasks.binary_addition`)."""
    from rnn.train import make_task as _make_task
    return _make_task(replace(demo, seed=seed))


def train(demo, out_dir, seed: int = 0, task=None, log=None) -> dict:
    """Train ``demo`` with seed ``seed`` (the data's and the model's) into ``out_dir`` (a
    fresh folder): :func:`rnn.train.fit`'s result plus ``seconds``, the wall time of the
    training and the test. ``log`` gets fit's one-line epoch summaries (None: silent)."""
    from rnn.train import fit
    task = task if task is not None else make_task(demo, seed)
    start = time.perf_counter()
    result = fit(replace(demo, seed=seed), Path(out_dir), progress=False, task=task, log=log)
    return {**result, "seconds": time.perf_counter() - start}


def wide_accuracy(run_dir, seed: int = 0, n_bits: int = WIDE_BITS, n_test: int = 1000) -> float:
    """Whole-number accuracy of the trained model in ``run_dir`` on ``n_bits``-bit sums
    (test data of seed ``seed + 1``, so never the training data)."""
    from rnn.tasks import binary_addition
    from rnn.train import evaluate_checkpoint
    wide = binary_addition(n_bits, n_train=1, n_valid=1, n_test=n_test, seed=seed + 1)
    return evaluate_checkpoint(run_dir, task=wide, splits=("test",))["test"]["number_accuracy"]


def window_accuracy(test: dict, R: int, n_bits: int) -> tuple[float, float]:
    """Whole-number accuracy on the sums whose longest carry chain fits the window
    (chain <= R - 1) and on those with a chain of R to ``n_bits`` bits (nan if none).

    ``test`` is the test result of :func:`rnn.train.evaluate` (its ``accuracy_by_chain``).
    A chain of ``n_bits + 1`` means that every bit propagates, so there is no carry at
    all: it is left out of both.
    """
    def pooled(keep):
        rows = [v for c, v in test["accuracy_by_chain"].items() if keep(int(c))]
        count = sum(v["count"] for v in rows)
        return sum(v["accuracy"] * v["count"] for v in rows) / count if count else float("nan")
    return (pooled(lambda c: c <= R - 1),
            pooled(lambda c: R <= c <= n_bits))


def carry_trace(a_bits: np.ndarray, b_bits: np.ndarray) -> np.ndarray:
    """The carry out of every bit, (N, n) 0/1, for (N, n) operand bits, LSB first."""
    carry = np.zeros_like(a_bits)
    c = np.zeros(len(a_bits), dtype=a_bits.dtype)
    for t in range(a_bits.shape[1]):
        c = (a_bits[:, t] & b_bits[:, t]) | ((a_bits[:, t] ^ b_bits[:, t]) & c)
        carry[:, t] = c
    return carry


def carry_gap(unit: np.ndarray, carry: np.ndarray) -> float:
    """How cleanly one unit's activations split by the carry: the lowest activation with
    carry 1 minus the highest with carry 0, after turning the unit so that carry 1 is the
    higher side. Positive: the two histograms do not overlap."""
    unit, carry = np.asarray(unit, dtype=float), np.asarray(carry).astype(bool)
    if unit[carry].mean() < unit[~carry].mean():
        unit = -unit
    return float(unit[carry].min() - unit[~carry].max())


def carry_unit(run_dir, task) -> tuple[int, float, float]:
    """Notebook 03's look inside a trained model: over the test sums of ``task``, the
    hidden unit most correlated with the true carry, that correlation and the unit's
    :func:`carry_gap` (``(unit, corr, gap)``)."""
    from rnn.train import load_model
    model, _, _, _ = load_model(run_dir)
    xt, _ = task.test.groups[0]
    h = model.body.forward(xt.astype(model.dtype))[:, :-1, :]         # (N, n, H)
    carry = carry_trace(xt[:, :-1, 0].astype(int), xt[:, :-1, 1].astype(int)).ravel()
    hs = h.reshape(-1, h.shape[-1])                                    # (N * n, H)
    corr = np.array([np.corrcoef(hs[:, j], carry)[0, 1] for j in range(hs.shape[1])])
    unit = int(np.nanargmax(np.abs(corr)))
    return unit, float(corr[unit]), carry_gap(hs[:, unit], carry)


def and_list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def carry_skip_timing(n: int = 16, samples: int = 200, seed: int = 0) -> dict:
    """Static depth against event-driven settle times (unit delay) of the carry-skip and
    ripple adders of width ``n``.

    Two input changes make the point, each from a settled state: a carry that *arrives*
    across all n bits (0 + 0 + cin 0 -> (2^n - 1) + 0 + cin 1) and one that *vanishes*
    from all n bits ((2^n - 1) + 0 + cin 1 -> (2^n - 2) + 0 + cin 1). Returns ``{"n",
    "skip_depth", "ripple_depth", "skip_arrives", "ripple_arrives", "skip_vanishes",
    "ripple_vanishes", "skip_worst", "changes"}``, where ``skip_worst`` is the latest
    carry-skip settle time over those two and ``samples`` random changes (seeded), and
    ``changes`` how many changes that was.
    """
    from adders import build
    from adders.timing import critical_path, simulate_transition

    top = (1 << n) - 1
    arrive = ({"a": 0, "b": 0, "cin": 0}, {"a": top, "b": 0, "cin": 1})
    vanish = ({"a": top, "b": 0, "cin": 1}, {"a": top - 1, "b": 0, "cin": 1})
    skip, ripple = build("carry-skip", n), build("ripple", n)
    settle = lambda circuit, change: simulate_transition(circuit, *change).settle_time
    result = {"n": n, "skip_depth": critical_path(skip).delay,
              "ripple_depth": critical_path(ripple).delay,
              "skip_arrives": settle(skip, arrive), "ripple_arrives": settle(ripple, arrive),
              "skip_vanishes": settle(skip, vanish), "ripple_vanishes": settle(ripple, vanish)}
    rng = np.random.default_rng(seed)
    worst = max(result["skip_arrives"], result["skip_vanishes"])
    for _ in range(samples):
        a0, b0, a1, b1 = (int(v) for v in rng.integers(0, top, 4, dtype=np.uint64, endpoint=True))
        c0, c1 = (int(v) for v in rng.integers(0, 2, 2))
        worst = max(worst, settle(skip, ({"a": a0, "b": b0, "cin": c0}, {"a": a1, "b": b1, "cin": c1})))
    return {**result, "skip_worst": worst, "changes": samples + 2}


def carry_skip_sentence(t: dict) -> str:
    """What :func:`carry_skip_timing` found, in words: how fast a carry arrives and goes
    away in the carry-skip adder, against its static depth and the ripple adder."""
    n, top = t["n"], (1 << t["n"]) - 1
    times = (f"A carry arriving across all {n} bits (0 + 0 + cin 0 -> {top} + 0 + cin 1) settles "
             f"after {t['skip_arrives']} gate delays (ripple: {t['ripple_arrives']}); one vanishing "
             f"from all {n} ({top} + 0 + cin 1 -> {top - 1} + 0 + cin 1) after {t['skip_vanishes']} "
             f"(ripple: {t['ripple_vanishes']}).")
    if t["skip_worst"] >= t["skip_depth"]:
        return (f"Carry-skip's static depth ({t['skip_depth']}) is no false alarm: its skip gate is "
                f"an OR, which hurries a carry that arrives past every block whose bits all "
                f"propagate, but cannot hurry one that goes away, which still ripples out of "
                f"every block. " + times)
    return (f"Carry-skip's static depth ({t['skip_depth']}) counts a path no change here "
            f"travelled: the slowest of {t['changes']} input changes took {t['skip_worst']} gate "
            f"delays. " + times)


def seconds_phrase(seconds: float) -> str:
    """'1.8 s' or '2 min 5 s'."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {seconds % 60:.0f} s"


def elman_sentence(acc: float, acc_wide: float, demo=ELMAN, wide_bits: int = WIDE_BITS) -> str:
    """What a trained Elman RNN showed, worded by its accuracies (0..1) on the demo's and
    on ``wide_bits``-bit sums."""
    n = demo.task_args["n_bits"]
    times = wide_bits / n
    words = {2: "twice as long as", 3: "three times longer than", 4: "four times longer than",
             8: "eight times longer than"}
    longer = words.get(times, f"{times:g} times as long as")
    if acc < ADDS:
        return (f"The Elman RNN did not learn to add: it got {acc:.1%} of the {n}-bit test sums "
                f"right after {demo.epochs} epochs.")
    if acc_wide >= ADDS:
        return (f"The Elman RNN got {acc:.1%} of the {n}-bit and {acc_wide:.1%} of the "
                f"{wide_bits}-bit test sums right: it learned the serial adder, so it adds "
                f"numbers {longer} any it saw.")
    return (f"The Elman RNN got {acc:.1%} of the {n}-bit test sums right but only {acc_wide:.1%} "
            f"of the {wide_bits}-bit ones: what it learned works on the lengths it saw, not as a "
            f"serial adder on longer ones.")


def clrnn_sentence(test: dict, demo) -> str:
    """What a trained CL-RNN showed, worded by its test result (whole-number accuracy and
    accuracy by longest carry chain) and its receptive field."""
    R, n = receptive_field(demo), demo.task_args["n_bits"]
    steps = n + 1
    acc = test["number_accuracy"]
    name = f"The CL-RNN with k = {demo.kernel_size}, L = {demo.levels} (R = {R})"
    if R >= steps:
        if acc >= ADDS:
            return (f"{name} sees all {steps} steps of an {n}-bit sum and got {acc:.1%} of the "
                    f"test sums right.")
        return (f"{name} sees all {steps} steps of an {n}-bit sum, yet got only {acc:.1%} of the "
                f"test sums right: here the training fell short, not the window.")
    inside, outside = window_accuracy(test, R, n)
    head = (f"{name} got {inside:.1%} of the test sums whose carries are all decided within "
            f"R - 1 = {R - 1} bits right, and {outside:.1%} of those with a longer carry chain")
    if inside >= ADDS and outside <= GUESS:
        return head + ": it adds what its window shows and guesses the carries beyond it."
    if inside < ADDS:
        return head + ": it did not even learn the carries inside its window."
    return head + (": more than a window of this size guarantees (a long chain does not always "
                   "hide a carry that matters).")


def carry_unit_sentence(unit: int, corr: float, gap: float) -> str:
    """What the hidden-state histogram of the unit most correlated with the carry shows."""
    if gap > 0:
        return (f"Unit {unit} (correlation {corr:+.3f}) splits the states cleanly: every state "
                f"with carry 1 lies on one side of every state with carry 0, with a gap of "
                f"{gap:.2f}. One unit has learned to hold the carry.")
    return (f"Unit {unit} follows the carry most closely (correlation {corr:+.3f}), but its two "
            f"histograms overlap (by {-gap:.2f}): no single unit holds the carry cleanly; the "
            f"network spreads it over several units.")
