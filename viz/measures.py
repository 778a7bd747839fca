"""Plots from measurements: figures of merit of every adder, built and counted.

Nothing here comes from a formula: each point is an adder built at that width and
measured with :meth:`adders.Circuit.stats` (gates, depth) or the prefix network's own
properties (cells).
"""
from __future__ import annotations

from typing import Sequence

__all__ = ["measure_architectures", "plot_architecture_trends"]

_STYLE = {"ripple": ("k", "o"), "cla": ("tab:brown", "s"), "sklansky": ("tab:blue", "^"),
          "kogge-stone": ("tab:red", "v"), "brent-kung": ("tab:green", "D"),
          "han-carlson": ("tab:purple", "P"), "ladner-fischer": ("tab:orange", "X"),
          "knowles": ("tab:pink", "*"), "carry-select": ("tab:gray", "<"),
          "carry-skip": ("tab:olive", ">")}


def measure_architectures(widths: Sequence[int], architectures: Sequence[str] | None = None) -> list[dict]:
    """Build every architecture at every width; return one row per (arch, width).

    Each row: ``arch, bits, gates, depth, max_fanout`` and, for prefix adders, ``cells``
    and ``tracks`` of the network (None otherwise).
    """
    from adders import ARCHITECTURES, NETWORKS, build
    rows = []
    for arch in architectures or list(ARCHITECTURES):
        for n in widths:
            stats = build(arch, n).stats()
            net = NETWORKS[arch](n) if arch in NETWORKS else None
            rows.append({"arch": arch, "bits": n, "gates": stats["gates"], "depth": stats["depth"],
                         "max_fanout": stats["max_fanout"],
                         "cells": net.size if net else None, "tracks": net.tracks if net else None})
    return rows


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
    import matplotlib.pyplot as plt
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
