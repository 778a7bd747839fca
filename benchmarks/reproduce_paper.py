"""Reproduce the CL-RNN paper's polyphonic-music table with carrylab's own models, over seeds.

Run:  python benchmarks/reproduce_paper.py [--spec benchmarks/sweeps/paper_jsb.toml]
          [--models clrnn,rnn,lstm,tcn] [--seeds 0,1,2] [--epochs 100] [--data PATH]
          [--workers N | --scheduler tcp://host:port] [--runs DIR] [--out benchmarks]

Runs the grid of a sweep spec (default ``benchmarks/sweeps/paper_jsb.toml``: every model
in the authors' training protocol, ``rnn.protocol`` "paper", over seeds 0, 1, 2) through
``carrylab sweep``: each training is a task on dask.distributed, an embedded cluster of
one single-threaded worker process per CPU unless ``--scheduler`` names another. The
flags override the spec's models, seeds, epochs and data. A run already in ``--runs``
with the same settings is resumed (or, if complete, only scored), so an interrupted
reproduction continues where it stopped.

Writes ``paper_results_<spec stem>.json`` into --out (per model, or per crossed value
such as ``conv_init``: the per-frame test NLL of the best-validation checkpoint as mean
± std over the seeds beside the authors' logged number, ``rnn.paper.AUTHORS``, and the
seconds each run took), then renders ``paper_results.md`` from every such file there:
one section per spec, each with the spec that made it. The sweep's own tables
(results.csv, summary.md, ...) stay in the runs folder.
"""
from __future__ import annotations

import argparse
import json
import math
import tomllib
from pathlib import Path

from carrylab.sweeps import from_dict, run_sweep, write_tables
from rnn.heads import count_params
from rnn.paper import AUTHORS
from rnn.train import build_model, make_task

HERE = Path(__file__).resolve().parent
DEFAULT_SPEC = HERE / "sweeps" / "paper_jsb.toml"
NAMES = {"jsb": "JSB Chorales", "nottingham": "Nottingham"}


def _ints(text: str) -> list[int]:
    return [int(t) for t in text.split(",") if t.strip()]


def load(args) -> tuple[dict, object]:
    """The spec as read, with the flags' overrides, and the sweep it expands to."""
    spec = Path(args.spec)
    raw = tomllib.loads(spec.read_text(encoding="utf-8"))
    if args.models:
        raw["model"] = [m.strip() for m in args.models.split(",") if m.strip()]
    if args.seeds:
        raw["seed"] = _ints(args.seeds)
    if args.epochs:
        raw["epochs"] = args.epochs
    if args.data:
        raw["data"] = str(Path(args.data).resolve())
    out = Path(args.runs) / spec.stem
    return raw, from_dict(raw, out=out, base=spec.parent, where=str(spec), spec_path=spec)


def _stats(values: list[float]) -> dict:
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    return {"mean": mean, "std": std, "min": min(values), "max": max(values)}


def _cell(row: dict, keys) -> str:
    """The row's model, with the crossed values that are not the seed or the model."""
    extra = [f"{k}={row[k]}" for k in keys if k != "model"]
    return " ".join([row["model"], *extra])


def table(rows: list[dict], sweep) -> list[dict]:
    """One entry per cell (model and crossed values): parameters, seeds, and the scores
    over them."""
    entries, task = [], None
    keys = [k for k in sweep.cell_keys if k != "seed"]
    for cell in dict.fromkeys(_cell(r, keys) for r in rows):
        runs = [r for r in rows if _cell(r, keys) == cell and "test_loss" in r]
        if not runs:
            continue
        model = runs[0]["model"]
        config = next(run.config for run in sweep.runs if run.name == runs[0]["run"])
        task = task or make_task(config)
        entries.append({
            "model": cell, "params": count_params(build_model(config, task)),
            "seeds": [r["seed"] for r in runs], "best_epochs": [r["best_epoch"] for r in runs],
            "valid_nll": _stats([r["valid_loss"] for r in runs]),
            "test_nll": _stats([r["test_loss"] for r in runs]),
            "test_nll_by_seed": [r["test_loss"] for r in runs],
            "authors_test_nll": AUTHORS[config.task].get(model),
            "task": config.task,
            "s_per_epoch": sum(r["seconds"] for r in runs) / sum(r["epochs"] for r in runs),
            "seconds_by_seed": [r["seconds"] for r in runs],
            "epochs": runs[0]["epochs"]})
    return entries


#: The order of the sections of paper_results.md (other specs follow, by name).
SECTIONS = ("paper_jsb", "paper_nottingham", "jsb_conv_init", "jsb_deep_k2")


def section(entries: list[dict], raw: dict, spec_name: str, spec_text: str, task: str,
            note: str = "") -> str:
    """One section of paper_results.md: the table, a note on how it was run, then the spec
    that made it."""
    seeds = sorted({s for e in entries for s in e["seeds"]})
    protocol = raw.get("protocol", "carrylab")
    over = (f"seeds {', '.join(map(str, seeds))}: mean ± std over the seeds (std with n - 1), "
            f"and each seed's" if len(seeds) > 1 else f"seed {seeds[0]}: one run per model")
    lines = [f"## {NAMES[task]}: {spec_name}", "",
             f"carrylab's models in the {protocol!r} protocol (rnn.protocol), "
             f"{entries[0]['epochs']} epochs, {over}. Run by `carrylab sweep` through "
             f"benchmarks/reproduce_paper.py, from the spec below; s / run is the training time "
             f"of each seed's run, in seed order, on one single-threaded worker.", "",
             "| model | params | seeds | best epoch | valid NLL | test NLL (ours) | ± std | by seed "
             "| test NLL (authors) | s / epoch | s / run |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for e in entries:
        t = e["test_nll"]
        authors = "-" if e["authors_test_nll"] is None else f"{e['authors_test_nll']:.3f}"
        std = f"{t['std']:.3f}" if len(e["seeds"]) > 1 else "-"
        lines.append(
            f"| {e['model']} | {e['params']:,} | {len(e['seeds'])} | "
            f"{', '.join(map(str, e['best_epochs']))} | {e['valid_nll']['mean']:.3f} | {t['mean']:.3f} | "
            f"{std} | {', '.join(f'{v:.3f}' for v in e['test_nll_by_seed'])} | {authors} | "
            f"{e['s_per_epoch']:.2f} | {', '.join(f'{s:.0f}' for s in e['seconds_by_seed'])} |")
    if note:
        lines += ["", note]
    lines += ["", f"The spec ({spec_name}.toml; flags of reproduce_paper.py may override its "
                  f"model, seed, epochs and data, and the values used are in "
                  f"paper_results_{spec_name}.json):", "", "```toml", spec_text.rstrip(), "```"]
    return "\n".join(lines) + "\n"


def render(out: Path) -> str:
    """paper_results.md from every paper_results_<spec>.json in ``out``."""
    docs = {p.stem.removeprefix("paper_results_"): json.loads(p.read_text(encoding="utf-8"))
            for p in out.glob("paper_results_*.json")}
    order = [s for s in SECTIONS if s in docs] + sorted(set(docs) - set(SECTIONS))
    parts = ["# The CL-RNN paper's music results, with carrylab's models", "",
             "Per-frame test NLL of the best-validation checkpoint (lower is better). "
             "Generated by benchmarks/reproduce_paper.py; do not edit by hand.", ""]
    for name in order:
        doc = docs[name]
        parts.append(section(doc["rows"], doc["sweep"], name, doc["spec_text"], doc["task"],
                             doc.get("note", "")))
    return "\n".join(parts)


def main(argv=None) -> None:
    """Run the sweep and write paper_results.md / .json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default=str(DEFAULT_SPEC), help="the sweep spec (default paper_jsb.toml)")
    parser.add_argument("--models", default=None, help="comma-separated; default: the spec's")
    parser.add_argument("--seeds", default=None, help="comma-separated; default: the spec's")
    parser.add_argument("--epochs", type=int, default=None, help="default: the spec's (the protocol's 100)")
    parser.add_argument("--data", default=None, help="the .mat file; default: the spec's")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: CPUs)")
    parser.add_argument("--scheduler", default=None, help="a dask scheduler address instead")
    parser.add_argument("--out", default=str(HERE), help="folder for paper_results.md/.json")
    parser.add_argument("--runs", default="runs/paper", help="folder for the sweep's runs")
    parser.add_argument("--note", default="", help="a sentence printed under the table, e.g. "
                                                   "what else the machine was doing")
    args = parser.parse_args(argv)
    raw, sweep = load(args)
    data = Path(sweep.runs[0].config.data)
    if not data.exists():
        raise SystemExit(f"no data at {data}: pass --data PATH to a polyphonic .mat file")
    rows = run_sweep(sweep, scheduler=args.scheduler, workers=args.workers,
                     log=lambda line: print(line, flush=True))
    write_tables(rows, sweep.cell_keys, sweep.out)
    entries = table(rows, sweep)
    spec = Path(args.spec)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    doc = {"data": data.name, "spec": spec.name, "spec_text": spec.read_text(encoding="utf-8"),
           "task": sweep.runs[0].config.task, "sweep": raw, "runs": str(sweep.out),
           "rows": entries, "per_run": rows, "note": args.note}
    (out / f"paper_results_{spec.stem}.json").write_text(json.dumps(doc, indent=2) + "\n")
    text = render(out)
    (out / "paper_results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
