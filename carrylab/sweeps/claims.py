"""The course's seed-robustness checks as one sweep: the training demos over seeds.

``tests/test_claims.py`` trains each demo of :mod:`carrylab.demos` over seeds 0-9 and
asserts that at least 9 of the 10 runs earn the sentence the demo was written to show.
:func:`demo_sweep` makes those trainings one sweep (so :func:`~.run.run_sweep` runs them
side by side, one per worker process), and :func:`earned` reads the run folders and
counts, per claim, the seeds whose run earns it, with the same tests as the course:

* ``elman_adds``: the Elman RNN adds 8-bit and :data:`~carrylab.demos.WIDE_BITS`-bit sums
  (whole-number accuracy at least :data:`~carrylab.demos.ADDS` on both);
* ``elman_one_unit``: one hidden unit holds its carry (a positive carry gap);
* ``clrnn_adds``: the CL-RNN whose window covers the sum adds;
* ``clrnn_short_window``: the short-window CL-RNN adds inside its window and guesses
  beyond it.

The data of a demo run is the same as ``carrylab.demos.train`` makes for that seed.
"""
from __future__ import annotations

import json

from .spec import Sweep, from_configs

__all__ = ["CLAIMS", "demo_sweep", "earned"]

#: The claims :func:`earned` counts, by the demo that makes them.
CLAIMS = {"elman": ("elman_adds", "elman_one_unit"), "clrnn": ("clrnn_adds",),
          "clrnn_short": ("clrnn_short_window",)}


def demo_sweep(out, seeds=range(10)) -> Sweep:
    """The three training demos (``elman``, ``clrnn``, ``clrnn_short``) over ``seeds``,
    run into ``out/<demo>-seed<k>``."""
    from carrylab import demos
    return from_configs({"elman": demos.ELMAN, "clrnn": demos.CLRNN,
                         "clrnn_short": demos.CLRNN_SHORT}, seeds, out)


def earned(sweep: Sweep) -> dict:
    """Per claim, how many finished runs earn it; ``seen`` holds each run's numbers
    ``(demo, seed, ...)`` for the message of a failing check."""
    from carrylab import demos
    counts = {name: 0 for names in CLAIMS.values() for name in names}
    seen = []
    for run in sweep.runs:
        demo, seed, folder = run.coords["variant"], run.config.seed, sweep.folder(run)
        test = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))["test"]
        if demo == "elman":
            acc, wide = test["number_accuracy"], demos.wide_accuracy(folder, seed)
            _, _, gap = demos.carry_unit(folder, demos.make_task(demos.ELMAN, seed))
            counts["elman_adds"] += acc >= demos.ADDS and wide >= demos.ADDS
            counts["elman_one_unit"] += gap > 0
            seen.append((demo, seed, round(acc, 3), round(wide, 3), round(gap, 2)))
        elif demo == "clrnn":
            counts["clrnn_adds"] += test["number_accuracy"] >= demos.ADDS
            seen.append((demo, seed, round(test["number_accuracy"], 3)))
        else:
            inside, outside = demos.window_accuracy(test, demos.receptive_field(demos.CLRNN_SHORT),
                                                    demos.CLRNN_SHORT.task_args["n_bits"])
            counts["clrnn_short_window"] += inside >= demos.ADDS and outside <= demos.GUESS
            seen.append((demo, seed, round(inside, 3), round(outside, 3)))
    return {**counts, "seen": seen}
