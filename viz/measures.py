"""Plots from measurements: figures of merit of every adder, and RNN timings.

The measuring is :func:`adders.measures.measure_architectures` (re-exported here):
each point is an adder built at that width and counted, not a formula.
"""
from __future__ import annotations

import csv
import json
import os

from adders.errors import CarrylabValueError

__all__ = ["measure_architectures", "plot_architecture_trends", "plot_rnn_times"]

_STYLE = {"ripple": ("k", "o"), "cla": ("tab:brown", "s"), "sklansky": ("tab:blue", "^"),
          "kogge-stone": ("tab:red", "v"), "brent-kung": ("tab:green", "D"),
          "han-carlson": ("tab:purple", "P"), "ladner-fischer": ("tab:orange", "X"),
          "knowles": ("tab:pink", "*"), "carry-select": ("tab:gray", "<"),
          "carry-skip": ("tab:olive", ">")}


def measure_architectures(widths, architectures=None) -> list[dict]:
    """:func:`adders.measures.measure_architectures`: every architecture built at every
    width and measured, one row per (arch, width). Imported on first call, so that
    ``import viz`` does not load the adder builders (and networkx)."""
    from adders.measures import measure_architectures as measure
    return measure(widths, architectures)


def plot_architecture_trends(rows: list[dict], axes=None):
    """Depth and gate count against width, one line per architecture (log2 width axis).

    Parameters
    ----------
    rows : output of :func:`measure_architectures`.
    axes : two matplotlib Axes, optional; a new figure is made when None.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt  # only when drawing: importing viz stays light
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    else:
        fig = axes[0].figure
    archs = list(dict.fromkeys(r["arch"] for r in rows))
    for arch in archs:
        mine = [r for r in rows if r["arch"] == arch]
        color, marker = _STYLE.get(arch, (None, "o"))
        for ax, key in zip(axes, ("depth", "gates")):
            ax.plot([r["bits"] for r in mine], [r[key] for r in mine], marker=marker,
                    color=color, label=arch, lw=1.4, ms=5)
    for ax, key, title in zip(axes, ("depth", "gates"),
                              ("Depth (gate levels, unit delay)", "Gates")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log", base=2)
        ax.set_xlabel("width n (bits)")
        ax.set_title(title)
        ax.grid(True, which="major", alpha=0.3)
    axes[1].legend(fontsize=8, ncols=2, loc="upper left")
    return fig


def _read_rows(rows) -> list[dict]:
    """rows as a list of dicts, or a path to a .csv or .json file of them."""
    if isinstance(rows, (str, os.PathLike)):
        path = os.fspath(rows)
        if path.endswith(".json"):
            with open(path) as f:
                rows = json.load(f)
        elif path.endswith(".csv"):
            with open(path, newline="") as f:
                rows = list(csv.DictReader(f))
        else:
            raise CarrylabValueError(f"rows: a file must end in .csv or .json, got {path!r}")
    rows = list(rows)
    if not rows:
        raise CarrylabValueError("rows is empty: need at least one {'model', 'T', 'seconds'} row")
    for k, row in enumerate(rows):
        missing = [key for key in ("model", "T", "seconds") if key not in row]
        if missing:
            raise CarrylabValueError(f"rows[{k}] lacks {missing}; each row needs model, T and seconds, "
                             f"got keys {sorted(row)}")
    return rows


def plot_rnn_times(rows, ax=None, timed: str = "forward + backward"):
    """Time of one pass against sequence length T, one line per model.

    Serial models (Elman, LSTM, GRU) grow linearly in T with a large constant; CL-RNN's
    steps run in parallel. Log-log axes, so a slope of 1 means linear in T.

    Parameters
    ----------
    rows : list of dict, or path to a .csv / .json file
        Each row has ``model``, ``T`` and ``seconds`` (benchmark output).
    ax : matplotlib Axes, optional
    timed : str
        What ``seconds`` measured, for the y-axis label: "forward + backward" (the
        benchmark's rows, the default) or "forward", for example.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt  # only when drawing: importing viz stays light
    if not isinstance(timed, str) or not timed:
        raise CarrylabValueError(f"timed must name what was timed (e.g. 'forward'), got {timed!r}")
    rows = _read_rows(rows)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    else:
        fig = ax.figure
    markers = "osD^v<>PX*"
    for k, model in enumerate(dict.fromkeys(str(r["model"]) for r in rows)):
        mine = sorted(((int(r["T"]), float(r["seconds"])) for r in rows if str(r["model"]) == model))
        ax.plot([t for t, _ in mine], [s for _, s in mine], marker=markers[k % len(markers)],
                lw=1.4, ms=5, label=model, gid=f"model:{model}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("sequence length T")
    ax.set_ylabel(f"seconds ({timed})")
    ax.set_title("Serial versus parallel RNNs: time against T")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    return fig
