"""The CL-RNN paper's polyphonic-music results, and carrylab's reproduction of them.

Embedded so that a notebook copied out of the repository (``carrylab course copy DIR``)
can show them without reading the checkout's files.

* :data:`AUTHORS`: per-frame test negative log-likelihood (lower is better) of the
  best-validation checkpoint, as Jiang et al. logged it for "Recurrent Neural Network from
  Adder's Perspective: Carry-lookahead RNN" (Neural Networks 2021, arXiv 2106.12901) in
  the result logs of their public code (the ``Test result`` folder of the repository
  WinnieJiangHW/Carry-lookahead_RNN). None where they report no number.
* :data:`REPRODUCTION`: carrylab's own models trained on JSB Chorales in the authors'
  training protocol (:mod:`rnn.protocol`, "paper") by ``benchmarks/reproduce_paper.py``
  (100 epochs, seeds 0, 1 and 2, each run on one CPU thread): the test NLL of each
  seed's run, copied from ``benchmarks/paper_results_paper_jsb.json``;
  :data:`REPRODUCTION_NOTTINGHAM`: the same on Nottingham, seed 0, from
  ``benchmarks/paper_results_paper_nottingham.json``. ``tests/test_claims.py`` checks
  that both agree with their files.

Examples
--------
>>> AUTHORS["jsb"]["clrnn"]
8.565
>>> print(table_markdown().splitlines()[2])
| CL-RNN | 8.565 | 9.420 ± 1.447 | 8.582 | 2.776 | 2.729 |
"""
from __future__ import annotations

__all__ = ["AUTHORS", "REPRODUCTION", "REPRODUCTION_NOTTINGHAM", "REPRODUCTION_SOURCE",
           "MODEL_NAMES", "table_markdown", "summary"]

#: Per-frame test NLL the authors logged, by data set and model (None: not reported).
AUTHORS: dict[str, dict[str, float | None]] = {
    "jsb": {"clrnn": 8.565, "lstm": 8.442, "rnn": 8.707, "tcn": 9.158},
    "nottingham": {"clrnn": 2.776, "lstm": 3.567, "rnn": 3.506, "tcn": None},
}

#: carrylab's per-frame test NLL on JSB Chorales (best-validation epoch), by model, one
#: value per seed (seeds 0, 1, 2).
REPRODUCTION: dict[str, tuple[float, ...]] = {
    "clrnn": (8.587, 8.582, 11.091),
    "rnn": (8.725, 8.621, 8.994),
    "lstm": (8.392, 8.419, 8.336),
    "tcn": (9.102, 9.197, 9.141),
}

#: carrylab's per-frame test NLL on Nottingham (best-validation epoch), by model, seed 0.
REPRODUCTION_NOTTINGHAM: dict[str, float] = {
    "clrnn": 2.729,
    "rnn": 3.472,
    "lstm": 3.793,
    "tcn": 3.104,
}

#: Where :data:`REPRODUCTION` comes from.
REPRODUCTION_SOURCE = ("benchmarks/reproduce_paper.py: carrylab's models in the authors' "
                       "training protocol, 100 epochs, JSB Chorales with seeds 0, 1, 2 and "
                       "Nottingham with seed 0")

#: Display names of the models.
MODEL_NAMES = {"clrnn": "CL-RNN", "lstm": "LSTM", "rnn": "Elman RNN", "tcn": "reduced TCN"}


def _mean_std(values) -> tuple[float, float]:
    """Mean and sample standard deviation (n - 1; 0 for one value)."""
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return mean, var ** 0.5


def table_markdown() -> str:
    """The authors' numbers beside carrylab's reproduction (mean ± std over the seeds, and
    the best seed), as a Markdown table."""
    fmt = lambda v: "–" if v is None else f"{v:.3f}"
    lines = ["| model | JSB Chorales (authors) | JSB Chorales (carrylab, mean ± std) | "
             "JSB Chorales (carrylab, best seed) | Nottingham (authors) | Nottingham "
             "(carrylab, seed 0) |", "|---|---|---|---|---|---|"]
    for key, name in MODEL_NAMES.items():
        runs = REPRODUCTION.get(key)
        ours = "–" if not runs else "{:.3f} ± {:.3f}".format(*_mean_std(runs))
        lines.append(f"| {name} | {fmt(AUTHORS['jsb'][key])} | {ours} | "
                     f"{fmt(min(runs) if runs else None)} | {fmt(AUTHORS['nottingham'][key])} | "
                     f"{fmt(REPRODUCTION_NOTTINGHAM.get(key))} |")
    return "\n".join(lines)


def summary() -> str:
    """Which model is best in each column of :func:`table_markdown`, how far carrylab's
    numbers lie from the authors', and how much they vary over seeds, in words."""
    def best(column: dict) -> str:
        key = min((k for k, v in column.items() if v is not None), key=lambda k: column[k])
        return f"{MODEL_NAMES[key]} ({column[key]:.3f})"
    means = {k: _mean_std(v)[0] for k, v in REPRODUCTION.items()}
    best_seed = {k: min(v) for k, v in REPRODUCTION.items()}
    gaps = {k: best_seed[k] - v for k, v in AUTHORS["jsb"].items() if v is not None and k in best_seed}
    far = max(gaps, key=lambda k: abs(gaps[k]))
    spread = {k: max(v) - min(v) for k, v in REPRODUCTION.items()}
    wide = max(spread, key=spread.get)
    n = len(REPRODUCTION[wide])
    notts = {k: v - AUTHORS["nottingham"][k] for k, v in REPRODUCTION_NOTTINGHAM.items()
             if AUTHORS["nottingham"][k] is not None}
    return (f"Lowest per-frame NLL: {best(AUTHORS['jsb'])} in the authors' JSB Chorales column, "
            f"{best(means)} in carrylab's JSB Chorales means over {n} seeds; "
            f"{best(AUTHORS['nottingham'])} in their Nottingham column, "
            f"{best(REPRODUCTION_NOTTINGHAM)} in carrylab's (one seed), where carrylab's "
            f"numbers lie from {min(notts.values()):+.3f} to {max(notts.values()):+.3f} "
            f"from the authors'. On JSB Chorales carrylab's best seed lies within "
            f"{abs(gaps[far]):.3f} of the authors' number for every model (the farthest: "
            f"{MODEL_NAMES[far]}, {gaps[far]:+.3f}). The seeds disagree most for the "
            f"{MODEL_NAMES[wide]}: from {min(REPRODUCTION[wide]):.3f} to "
            f"{max(REPRODUCTION[wide]):.3f}.")
