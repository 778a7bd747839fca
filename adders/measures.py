"""Figures of merit of every adder, measured: each one built and counted.

Nothing here comes from a formula: each row is an adder built at that width and
measured with :meth:`adders.netlist.Circuit.stats` (gates, depth, fanout) and, for
prefix adders, the prefix network's own properties (cells, tracks).
"""
from __future__ import annotations

from typing import Sequence

from .build import ARCHITECTURES, build
from .prefix import NETWORKS

__all__ = ["measure_architectures"]


def measure_architectures(widths: Sequence[int], architectures: Sequence[str] | None = None) -> list[dict]:
    """Build every architecture at every width; return one row per (arch, width).

    Each row: ``arch, bits, gates, depth, max_fanout`` and, for prefix adders, ``cells``
    and ``tracks`` of the network (None otherwise). Cost: one build per row.
    """
    rows = []
    for arch in architectures or list(ARCHITECTURES):
        for n in widths:
            stats = build(arch, n).stats()
            net = NETWORKS[arch](n) if arch in NETWORKS else None
            rows.append({"arch": arch, "bits": n, "gates": stats["gates"], "depth": stats["depth"],
                         "max_fanout": stats["max_fanout"],
                         "cells": net.size if net else None, "tracks": net.tracks if net else None})
    return rows
