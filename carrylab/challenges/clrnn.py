"""Challenge 4: the smallest CL-RNN that adds n-bit numbers.

The task. Choose the kernel size k, the number of levels L and the hidden size H of a
CL-RNN (:class:`rnn.models.CLRNN`) that learns to add n-bit numbers bit-serially
(:func:`rnn.tasks.binary_addition`: step t reads (a_t, b_t), LSB first, and outputs
s_t; one extra step outputs the carry out), with as few parameters as possible.

Submission format (one JSON object)::

    {"challenge": "clrnn-6", "student": "ada", "kernel_size": 2, "levels": 3, "hidden": 8}

* ``kernel_size``: k, 1 to 4; ``levels``: L, 1 to 5; ``hidden``: H, 1 to 32 (the caps
  bound the training a check costs).

What the checker does:

1. *Receptive field, at once.* The carry-lookahead module sees the last
   ``R = 1 + (k - 1)(2^L - 1)`` inputs. The last output (the carry out, step n) depends
   on a_0 and b_0, n steps back, so R must be at least n + 1. A design with a smaller R
   cannot add, whatever its training; the checker says so and why, without training.
2. *Training.* The model trains with the settings of the course's CL-RNN demo
   (:data:`carrylab.demos.CLRNN`: batches of 32, Adam at lr 5e-3, gradient clipping 1,
   the plateau rule, 16 epochs) on 4,000 sums, once for each seed 0, 1 and 2 (the seed
   draws the data and the model's start, so a check always gives the same verdict on
   the same machine).
3. *Held-out test.* Each run is scored on 1,000 distinct sums that neither its training
   nor its validation data contain (a quarter of all sums where there are fewer than
   4,000). A run *adds* when it gets at least 99 % of them exactly right (every bit);
   the design passes when at least 2 of the 3 runs add. Training stops as soon as the
   verdict is settled. For n <= 8 the feedback also gives each run's accuracy on all
   4^n sums, and for a run that falls short, the carry chains it gets wrong.

Score: the number of trainable parameters (:func:`rnn.heads.count_params`: the causal
convolutions, the tanh cell and the linear read-out), fewer is better; among equal
counts the higher mean held-out accuracy, then the smaller R, ranks first. A design that
does not pass is not scored.

Registered: ``clrnn-6`` and ``clrnn-8`` (6- and 8-bit sums).
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from adders.checks import check_int, check_real
from adders.errors import CarrylabValueError

from .registry import Challenge, Result, fail, info, ok, read_int

__all__ = ["ClrnnChallenge", "receptive_field"]


def receptive_field(kernel_size: int, levels: int) -> int:
    """R = 1 + (k - 1)(2^L - 1): how many inputs the carry-lookahead module sees.

    >>> receptive_field(2, 3), receptive_field(3, 2), receptive_field(1, 5)
    (8, 7, 1)
    """
    return 1 + (kernel_size - 1) * (2 ** levels - 1)


@dataclass(frozen=True)
class ClrnnChallenge(Challenge):
    """The smallest CL-RNN that adds ``n``-bit numbers: it passes when at least ``need``
    of the training runs (one per seed in ``seeds``) get ``accuracy`` or more of
    ``n_test`` held-out sums right. ``n_train``, ``n_valid`` and ``epochs`` set the
    training; the demo's settings (:data:`carrylab.demos.CLRNN`) give the rest. The
    caps ``max_kernel``, ``max_levels`` and ``max_hidden`` bound the cost of a check."""

    n: int = 6
    seeds: tuple = (0, 1, 2)
    need: int = 2
    accuracy: float = 0.99
    n_train: int = 4000
    n_valid: int = 300
    n_test: int = 1000
    epochs: int = 16
    max_kernel: int = 4
    max_levels: int = 5
    max_hidden: int = 32

    fields = {"kernel_size": "k, the kernel of every causal convolution",
              "levels": "L, the number of convolution levels (dilations 1, 2, ..., 2^(L-1))",
              "hidden": "H, the channels of every level and the cell's hidden size"}
    unit = "parameters"
    better = "lower"

    def __post_init__(self):
        check_int(self.n, "n", 1, 16)
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise CarrylabValueError(f"seeds must be one or more distinct ints, got {self.seeds!r}")
        for seed in self.seeds:
            check_int(seed, "seed", 0)
        check_int(self.need, "need", 1, len(self.seeds))
        check_real(self.accuracy, "accuracy", 0.0, 1.0, strict_min=True)
        for name in ("n_train", "n_valid", "n_test", "epochs", "max_kernel", "max_levels",
                     "max_hidden"):
            check_int(getattr(self, name), name, 1)

    @property
    def title(self) -> str:
        return f"CL-RNN that adds {self.n}-bit numbers: fewest parameters"

    def goal(self) -> list[str]:
        return [f"Choose k (1-{self.max_kernel}), L (1-{self.max_levels}) and H "
                f"(1-{self.max_hidden}) of a CL-RNN that adds {self.n}-bit numbers bit-serially.",
                f"Passes when at least {self.need} of {len(self.seeds)} training runs (seeds "
                f"{', '.join(map(str, self.seeds))}) get {self.accuracy:.0%} of held-out sums "
                f"exactly right; R = 1 + (k - 1)(2^L - 1) must be at least n + 1 = {self.n + 1}.",
                "Score: trainable parameters, fewer is better."]

    def parse(self, submission: dict, mistakes: list):
        design = (read_int(submission, "kernel_size", mistakes, 1, self.max_kernel),
                  read_int(submission, "levels", mistakes, 1, self.max_levels),
                  read_int(submission, "hidden", mistakes, 1, self.max_hidden))
        return None if None in design else design

    # ------------------------------------------------------------------ judging
    def config(self, design, seed: int):
        """The :class:`rnn.train.TrainConfig` of one run: the demo's settings."""
        from carrylab.demos import CLRNN
        k, L, H = design
        task_args = {"n_bits": self.n, "n_train": self.n_train, "n_valid": self.n_valid,
                     "n_test": 1}
        return replace(CLRNN, task_args=task_args, kernel_size=k, levels=L, hidden=H,
                       epochs=self.epochs, seed=seed)

    def task(self, seed: int):
        """The data of the run with ``seed``: the task's training and validation sums
        without the held-out ones, which are the test split."""
        from rnn.tasks import Split, binary_addition
        base = binary_addition(self.n, self.n_train, self.n_valid, 1, seed=seed)
        codes = _held_out_codes(self.n, self.n_test, seed)
        held = set(codes.tolist())
        return replace(base, train=_without(base.train, held, self.n),
                       valid=_without(base.valid, held, self.n),
                       test=Split([_encode(codes, self.n)]))

    def judge(self, design, student: str) -> Result:
        from rnn.heads import count_params
        from rnn.train import build_model
        k, L, H = design
        R = receptive_field(k, L)
        params = count_params(build_model(self.config(design, 0), self.task(0)))
        steps = self.n + 1
        feedback = [info(f"k = {k}, L = {L}, H = {H}: {params:,} parameters; receptive "
                         f"field R = 1 + (k - 1)(2^L - 1) = {R}")]
        if R < steps:
            feedback.append(fail(
                f"R = {R} < n + 1 = {steps}: the carry out (step {self.n}) depends on a_0 and "
                f"b_0, {self.n} steps back, but the carry-lookahead module sees only the last "
                f"{R} input(s); a sum like {2 ** self.n - 1} + 1, whose carry starts at bit 0 "
                f"and runs to the top, is out of its sight. No training can fix that: raise "
                f"k or L (not trained)"))
            return self.result(student, False, None, feedback,
                               note=f"R = {R} < n + 1 = {steps}: cannot add")
        feedback.append(ok(f"R = {R} >= n + 1 = {steps}: the module can see every bit a carry "
                           f"comes from"))
        accuracies, adds = [], 0
        for done, seed in enumerate(self.seeds):
            if adds >= self.need or done - adds > len(self.seeds) - self.need:
                feedback.append(info(f"seed {seed}: not run, the verdict was settled"))
                continue
            accuracy, line = self._run(design, seed)
            accuracies.append(accuracy)
            adds += accuracy >= self.accuracy
            feedback.append(line)
        passed = adds >= self.need
        mean = sum(accuracies) / len(accuracies)
        verdict = f"{adds} of {len(accuracies)} run(s) add, {self.need} needed"
        feedback.append(ok(verdict) if passed else fail(
            f"{verdict}: more hidden units or more levels help training find the carries"))
        note = (f"R = {R}, mean held-out {mean:.1%}" if passed else
                f"{verdict}")
        return self.result(student, passed, params if passed else None, feedback,
                           key=(params, -round(mean, 6), R), note=note)

    def _run(self, design, seed: int) -> tuple[float, str]:
        """Train one seed; (held-out whole-number accuracy, a feedback line)."""
        from rnn.tasks import Split
        from rnn.train import TrainingDiverged, evaluate_checkpoint, fit
        task = self.task(seed)
        with tempfile.TemporaryDirectory(prefix="carrylab-challenge-") as folder:
            try:
                result = fit(self.config(design, seed), Path(folder), progress=False, task=task,
                             log=None)
            except TrainingDiverged:
                return 0.0, fail(f"seed {seed}: the training diverged (a loss or gradient "
                                 f"became infinite), so this run does not add")
            test = result["test"]
            accuracy = test["number_accuracy"]
            text = (f"seed {seed}: {accuracy:.1%} of {len(task.test):,} held-out sums exactly "
                    f"right")
            if self.n <= 8:
                every = replace(task, test=Split([_encode(_all_codes(self.n), self.n)]))
                score = evaluate_checkpoint(Path(folder) / "best.npz", task=every,
                                            splits=("test",))["test"]["number_accuracy"]
                text += f" (all {4 ** self.n:,} sums: {score:.1%})"
        if accuracy >= self.accuracy:
            return accuracy, ok(text)
        chains = [(int(c), v["accuracy"]) for c, v in test["accuracy_by_chain"].items()
                  if v["accuracy"] < self.accuracy]
        worst = ", ".join(f"{c}: {a:.0%}" for c, a in chains[:6])
        return accuracy, fail(f"{text}; short of {self.accuracy:.0%}. Right by longest carry "
                              f"chain (bits): {worst}")


# ---------------------------------------------------------------------- data
def _all_codes(n: int):
    import numpy as np
    return np.arange(4 ** n, dtype=np.int64)


def _held_out_codes(n: int, count: int, seed: int):
    """Distinct sums a + (b << n), drawn with their own generator (seed + 10,000)."""
    import numpy as np
    rng = np.random.default_rng(10_000 + seed)
    total = 4 ** n
    return np.sort(rng.choice(total, min(count, total // 4), replace=False)).astype(np.int64)


def _encode(codes, n: int):
    """(x (N, n+1, 2), y (N, n+1, 1)) float32 of the sums a + b, code = a + (b << n)."""
    import numpy as np
    a, b = codes & ((1 << n) - 1), codes >> n
    s = a + b
    bits = np.arange(n + 1)
    x = np.zeros((len(codes), n + 1, 2), dtype=np.float32)              # (N, n+1, 2)
    x[:, :n, 0] = (a[:, None] >> bits[:n]) & 1
    x[:, :n, 1] = (b[:, None] >> bits[:n]) & 1
    y = ((s[:, None] >> bits) & 1).astype(np.float32)[:, :, None]        # (N, n+1, 1)
    return x, y


def _codes_of(x, n: int):
    import numpy as np
    weights = 1 << np.arange(n, dtype=np.int64)
    a = (x[:, :n, 0].astype(np.int64) * weights).sum(axis=1)
    b = (x[:, :n, 1].astype(np.int64) * weights).sum(axis=1)
    return a + (b << n)


def _without(split, held: set, n: int):
    """The split with every sum in ``held`` taken out."""
    import numpy as np

    from rnn.tasks import Split
    groups = []
    for x, y in split.groups:
        keep = np.array([code not in held for code in _codes_of(x, n).tolist()], dtype=bool)
        groups.append((x[keep], y[keep]))
    return Split(groups)
