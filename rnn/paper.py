"""The CL-RNN paper's polyphonic-music results, and carrylab's reproduction of them.

Embedded so that a notebook copied out of the repository (``carrylab course copy DIR``)
can show them without reading the checkout's files.

* :data:`AUTHORS`: per-frame test negative log-likelihood (lower is better) of the
  best-validation checkpoint, as Jiang et al. logged it for "Recurrent Neural Network from
  Adder's Perspective: Carry-lookahead RNN" (Neural Networks 2021, arXiv 2106.12901) in
  the result logs of their public code (the ``Test result`` folder of the repository
  WinnieJiangHW/Carry-lookahead_RNN). None where they report no number.
* :data:`REPRODUCTION`: carrylab's own models trained on JSB Chorales with the authors'
  hyperparameters by ``benchmarks/reproduce_paper.py`` (100 epochs, seed 0; CPU, one run
  per model), copied from ``benchmarks/paper_results.md``; ``tests/test_claims.py``
  checks that the two agree.

Examples
--------
>>> AUTHORS["jsb"]["clrnn"]
8.565
>>> print(table_markdown().splitlines()[2])
| CL-RNN | 8.565 | 2.776 | ...
"""
from __future__ import annotations

__all__ = ["AUTHORS", "REPRODUCTION", "REPRODUCTION_SOURCE", "MODEL_NAMES", "table_markdown", "summary"]

#: Per-frame test NLL the authors logged, by data set and model (None: not reported).
AUTHORS: dict[str, dict[str, float | None]] = {
    "jsb": {"clrnn": 8.565, "lstm": 8.442, "rnn": 8.707, "tcn": 9.158},
    "nottingham": {"clrnn": 2.776, "lstm": 3.567, "rnn": 3.506, "tcn": None},
}

#: carrylab's per-frame test NLL on JSB Chorales (best-validation epoch), by model.
REPRODUCTION: dict[str, float] = {"clrnn": 8.578, "rnn": 8.560, "lstm": 8.325, "tcn": 9.182}

#: Where :data:`REPRODUCTION` comes from.
REPRODUCTION_SOURCE = ("benchmarks/reproduce_paper.py on JSB Chorales: carrylab's models, the "
                       "authors' hyperparameters, 100 epochs, seed 0")

#: Display names of the models.
MODEL_NAMES = {"clrnn": "CL-RNN", "lstm": "LSTM", "rnn": "Elman RNN", "tcn": "reduced TCN"}


def table_markdown() -> str:
    """The authors' numbers beside carrylab's reproduction, as a Markdown table."""
    fmt = lambda v: "–" if v is None else f"{v:.3f}"
    lines = ["| model | JSB Chorales (authors) | Nottingham (authors) | JSB Chorales (carrylab) |",
             "|---|---|---|---|"]
    for key, name in MODEL_NAMES.items():
        lines.append(f"| {name} | {fmt(AUTHORS['jsb'][key])} | {fmt(AUTHORS['nottingham'][key])} | "
                     f"{fmt(REPRODUCTION.get(key))} |")
    return "\n".join(lines)


def summary() -> str:
    """Which model is best in each column of :func:`table_markdown`, and how far carrylab's
    numbers lie from the authors', in words."""
    def best(column: dict) -> str:
        key = min((k for k, v in column.items() if v is not None), key=lambda k: column[k])
        return f"{MODEL_NAMES[key]} ({column[key]:.3f})"
    gaps = {k: REPRODUCTION[k] - v for k, v in AUTHORS["jsb"].items()
            if v is not None and k in REPRODUCTION}
    far = max(gaps, key=lambda k: abs(gaps[k]))
    return (f"Lowest per-frame NLL: {best(AUTHORS['jsb'])} in the authors' JSB Chorales column, "
            f"{best(AUTHORS['nottingham'])} in their Nottingham column, {best(REPRODUCTION)} in "
            f"carrylab's JSB Chorales column. carrylab's numbers lie within "
            f"{abs(gaps[far]):.3f} of the authors' (the farthest: {MODEL_NAMES[far]}, "
            f"{gaps[far]:+.3f}).")
