"""A sweep's results as tables and a figure: per run, and per cell over its seeds.

:func:`write_tables` writes into the sweep's folder:

* ``results.csv``: one row per run (its crossed values, seed, status, best epoch, epochs,
  seconds of training, worker, ``valid_*`` scores at the best epoch, ``test_*`` scores of
  the best checkpoint);
* ``summary.csv`` and ``summary.md``: one row per cell (the grid point without the
  seed), with the number of seeds and the mean, standard deviation (n - 1 in the
  denominator; 0 for one seed), min and max of each score;
* ``summary.png``: one score per cell, a dot per seed and the mean with its std.
"""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path

__all__ = ["METRIC_PREFIXES", "cells", "summarize", "markdown", "plot_cells", "write_tables"]

#: Result columns that are scores (summarised per cell), besides best_epoch and seconds.
METRIC_PREFIXES = ("valid_", "test_")
_STATS = ("mean", "std", "min", "max")


def _metrics(rows: list[dict]) -> list[str]:
    names = ["best_epoch", "epochs", "seconds"]
    for row in rows:
        names += [k for k in row if k.startswith(METRIC_PREFIXES) and k not in names]
    return names


def cells(rows: list[dict], keys: list[str]) -> dict[tuple, list[dict]]:
    """The finished runs grouped by cell (their values of ``keys``), in first-seen order."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        if row.get("status") in ("trained", "resumed", "scored"):
            groups.setdefault(tuple(_key(row.get(k)) for k in keys), []).append(row)
    return groups


def _key(value):
    return tuple(value) if isinstance(value, list) else value


def summarize(rows: list[dict], keys: list[str]) -> list[dict]:
    """One dict per cell: its ``keys``, ``n`` (seeds) and ``<metric>_<mean|std|min|max>``."""
    out = []
    for cell, members in cells(rows, keys).items():
        entry = dict(zip(keys, cell))
        entry["n"] = len(members)
        entry["seeds"] = " ".join(str(r.get("seed")) for r in members)
        for name in _metrics(members):
            values = [float(r[name]) for r in members if isinstance(r.get(name), (int, float))]
            if not values:
                continue
            mean = sum(values) / len(values)
            var = sum((v - mean) ** 2 for v in values) / (len(values) - 1) if len(values) > 1 else 0.0
            entry.update({f"{name}_mean": mean, f"{name}_std": math.sqrt(var),
                          f"{name}_min": min(values), f"{name}_max": max(values)})
        out.append(entry)
    return out


def _csv(rows: list[dict]) -> str:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (" ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
                         for k, v in row.items()})
    return buffer.getvalue()


def markdown(summary: list[dict], keys: list[str], metrics: list[str] | None = None) -> str:
    """The per-cell table in Markdown: ``mean ± std (min – max)`` of each metric."""
    metrics = metrics or [m for m in ("valid_loss",) if any(f"{m}_mean" in s for s in summary)] + \
        sorted({k[:-5] for s in summary for k in s if k.startswith("test_") and k.endswith("_mean")}) + \
        ["seconds"]
    head = keys + ["seeds"] + [m.replace("_", " ") for m in metrics]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in summary:
        cells_ = [_cell_text(s.get(k)) for k in keys] + [str(s["n"])]
        for m in metrics:
            if f"{m}_mean" not in s:
                cells_.append("-")
                continue
            digits = 1 if m == "seconds" else 4
            text = f"{s[f'{m}_mean']:.{digits}f} ± {s[f'{m}_std']:.{digits}f}"
            if s["n"] > 1:
                text += f" ({s[f'{m}_min']:.{digits}f} – {s[f'{m}_max']:.{digits}f})"
            cells_.append(text)
        lines.append("| " + " | ".join(cells_) + " |")
    return "\n".join(lines) + "\n"


def _cell_text(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, (list, tuple)):
        return "x".join(map(str, value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def plot_cells(rows: list[dict], keys: list[str], metric: str = "test_loss", ax=None):
    """Each cell's ``metric`` over its seeds: a dot per run, the mean with its std as a
    bar. Returns the Figure (``ax`` given: its figure)."""
    from matplotlib.figure import Figure
    groups = cells(rows, keys)
    if ax is None:
        fig = Figure(figsize=(max(4.0, 1.0 + 0.9 * len(groups)), 3.6), layout="constrained")
        ax = fig.add_subplot()
    labels = []
    for i, (cell, members) in enumerate(groups.items()):
        values = [float(r[metric]) for r in members if isinstance(r.get(metric), (int, float))]
        labels.append("\n".join(_cell_text(v) if k in ("model", "variant") else f"{k} {_cell_text(v)}"
                                for k, v in zip(keys, cell) if v is not None))
        if not values:
            continue
        offsets = [(j - (len(values) - 1) / 2) * 0.06 for j in range(len(values))]
        ax.plot([i + o for o in offsets], values, "o", color="C0", ms=4, alpha=0.7)
        mean = sum(values) / len(values)
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
        ax.errorbar([i + 0.25], [mean], yerr=[std], fmt="s", color="C3", ms=5, capsize=3)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_xlim(-0.6, len(labels) - 0.4)
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(f"{metric.replace('_', ' ')} per cell: a dot per seed, mean ± std in red", fontsize=9)
    return ax.figure


def write_tables(rows: list[dict], keys: list[str], out, metric: str = "test_loss") -> dict[str, Path]:
    """Write results.csv, summary.csv, summary.md and summary.png into ``out``; return
    their paths by kind (``results``, ``summary_csv``, ``summary_md``, ``figure``)."""
    from adders.errors import CarrylabValueError
    from rnn.checkpoint import atomic_write_bytes
    out = Path(out)
    summary = summarize(rows, keys)
    paths = {"results": out / "results.csv", "summary_csv": out / "summary.csv",
             "summary_md": out / "summary.md", "figure": out / "summary.png"}
    atomic_write_bytes(paths["results"], _csv(rows).encode())
    atomic_write_bytes(paths["summary_csv"], _csv(summary).encode())
    atomic_write_bytes(paths["summary_md"], markdown(summary, keys).encode())
    columns = list(dict.fromkeys(k for row in rows for k in row))
    if metric not in columns:                     # the tables above are written all the same
        known = [k for k in columns if k.startswith(METRIC_PREFIXES)] or ["none: no run finished"]
        raise CarrylabValueError(f"metric {metric!r} is not a score of these runs (the CSV and "
                                 f"Markdown tables are written); known: {', '.join(known)}")
    buffer = io.BytesIO()
    plot_cells(rows, keys, metric).savefig(buffer, format="png", dpi=110)
    atomic_write_bytes(paths["figure"], buffer.getvalue())
    return paths
