"""``carrylab tour``: the story told by running it, one chapter at a time.

Each chapter prints what it shows and writes its tables (Markdown and CSV) and figures
(PNG) into the output folder. Chapters run on embedded defaults: no data, no downloads.
"""
from __future__ import annotations

import csv
import time
from pathlib import Path

__all__ = ["run", "CHAPTERS"]


def _write_table(path: Path, rows: list[dict]) -> None:
    """rows -> path.csv and path.md (same columns)."""
    columns = list(rows[0])
    with open(path.with_suffix(".csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    fmt = lambda v: "-" if v is None else str(v)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(r[c]) for c in columns) + " |" for r in rows]
    path.with_suffix(".md").write_text("\n".join(lines) + "\n")


def chapter_adders(out: Path) -> list[Path]:
    """Chapter 1: one sum, many adders; what lookahead buys; simulating millions at once."""
    import numpy as np
    import matplotlib
    matplotlib.use("Agg")
    from adders import ARCHITECTURES, build, prefix
    from viz.measures import measure_architectures, plot_architecture_trends

    written = []
    print("== Chapter 1: adders ==")
    print("A ripple-carry adder passes the carry bit to bit; every other adder here finds the")
    print("carries faster. All of them agree on the answer:")
    a, b = 40000, 25535
    for arch in ARCHITECTURES:
        c = build(arch, 16)
        r = c.evaluate(a=a, b=b)
        st = c.stats()
        print(f"  {arch:<15} {a} + {b} = {r['s'] + (r['cout'] << 16):>6}   "
              f"gates {st['gates']:>4}   depth {st['depth']:>3}")

    print("\nThe carry operator (g_hi, p_hi) o (g_lo, p_lo) = (g_hi | p_hi g_lo, p_hi p_lo) is")
    print("associative, so a prefix network computes every carry in log2(n) levels.")
    print("Kogge-Stone on 8 bits (bit 7 on the left; 'o' is a cell, 'i<j' joins j into i):")
    print("  " + prefix.kogge_stone(8).to_text().replace("\n", "\n  "))

    widths = [4, 8, 16, 32, 64, 128]
    rows = measure_architectures(widths)
    _write_table(out / "adders_by_width", rows)
    written += [out / "adders_by_width.md", out / "adders_by_width.csv"]
    print(f"\nAt 64 bits (the full table for widths {widths} is in adders_by_width.md):")
    for r in rows:
        if r["bits"] == 64:
            extra = f"   cells {r['cells']:>4}  tracks {r['tracks']:>3}" if r["cells"] else ""
            print(f"  {r['arch']:<15} gates {r['gates']:>5}  depth {r['depth']:>4}  "
                  f"fanout {r['max_fanout']:>3}{extra}")
    fig = plot_architecture_trends(rows)
    fig.savefig(out / "adders_depth_and_gates.png", dpi=120)
    written.append(out / "adders_depth_and_gates.png")

    print("\nBit-parallel simulation: 64 test vectors per machine word.")
    c = build("kogge-stone", 64)
    rng = np.random.default_rng(0)
    n_vec = 1 << 20
    x = rng.integers(0, 1 << 63, n_vec, dtype=np.uint64) << np.uint64(1)
    y = rng.integers(0, 1 << 63, n_vec, dtype=np.uint64) | np.uint64(1)
    c.simulate(a=x[:64], b=y[:64])                  # compile (or load from cache) first
    t0 = time.perf_counter()
    res = c.simulate(a=x, b=y)
    dt = time.perf_counter() - t0
    ok = bool(np.array_equal(res["s"], x + y) and np.array_equal(res["cout"], (x + y < x).astype(np.uint64)))
    print(f"  64-bit Kogge-Stone, {n_vec:,} random additions in {dt * 1e3:.1f} ms "
          f"({n_vec / dt / 1e6:.0f} M additions/s); all equal NumPy's: {ok}")
    return written


def chapter_timing(out: Path) -> list[Path]:
    """Chapter 2: when the answer arrives. Gate delays, glitches and the critical path."""
    from adders import build
    from adders.export import to_vcd
    from adders.timing import critical_path, simulate_transition

    n = 16
    top = (1 << n) - 1
    # The worst case for a ripple adder: a carry born at cin (through p0 & cin) that
    # every bit must pass on; it reaches the static bound 2n + 1.
    before, after = {"a": 0, "b": 0, "cin": 0}, {"a": top, "b": 0, "cin": 1}
    print("== Chapter 2: timing ==")
    print("Every gate takes one gate delay (gd). At t = 0 the inputs switch from")
    print(f"a = 0, b = 0, cin = 0 to a = {top}, b = 0, cin = 1: the carry must cross all {n} bits.")
    rows, written = [], []
    for arch in ("ripple", "cla", "kogge-stone"):
        circuit = build(arch, n)
        trace = simulate_transition(circuit, before, after)
        path = critical_path(circuit)
        rows.append({"arch": arch, "gates": circuit.stats()["gates"],
                     "critical_path_gd": path.delay, "cout_settles_gd": trace.settle_bus["cout"],
                     "sum_settles_gd": trace.settle_bus["s"], "result_final_gd": trace.settle_time,
                     "events": len(trace.events), "glitch_pulses": sum(trace.glitches.values())})
        written.append(to_vcd(trace, out / f"timing_{arch.replace('-', '_')}_{n}.vcd"))
    print(f"\n  {'arch':<12} {'gates':>5} {'bound':>5} {'cout':>5} {'sum':>5} {'final':>5} "
          f"{'events':>6} {'glitches':>8}")
    for r in rows:
        print(f"  {r['arch']:<12} {r['gates']:>5} {r['critical_path_gd']:>5} {r['cout_settles_gd']:>5} "
              f"{r['sum_settles_gd']:>5} {r['result_final_gd']:>5} {r['events']:>6} {r['glitch_pulses']:>8}")
    print("\n'bound' is the static critical path (no vector can take longer); the ripple adder")
    print("reaches it, and its sum bits glitch as the carry passes. Lookahead settles in a")
    print("handful of gate delays. Waveforms: open the .vcd files with GTKWave.")
    _write_table(out / "timing_16", rows)
    written += [out / "timing_16.md", out / "timing_16.csv"]
    return written


CHAPTERS = {"adders": chapter_adders, "timing": chapter_timing}


def run(out_dir: str = "carrylab-tour", chapters: list[str] | None = None) -> int:
    """Run the named chapters (default all) writing into ``out_dir``; return 0."""
    chosen = chapters or list(CHAPTERS)
    unknown = [c for c in chosen if c not in CHAPTERS]
    if unknown:
        raise ValueError(f"unknown tour chapter(s) {unknown}; known: {', '.join(CHAPTERS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in chosen:
        written += CHAPTERS[name](out)
        print()
    print(f"The tour wrote {len(written)} files to {out.resolve()}:")
    for path in written:
        print(f"  {path.name}")
    return 0
