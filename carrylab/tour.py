"""``carrylab tour``: the story told by running it, one chapter at a time.

Each chapter prints what it shows and writes its tables (Markdown and CSV) and figures
(PNG) into the output folder. Chapters run on embedded defaults: no data, no downloads.
Running the tour again into the same folder replaces what an earlier tour wrote there
(its tables, figures and its training runs under ``rnn_runs/``).
"""
from __future__ import annotations

import csv
import shutil
import time
from pathlib import Path

from adders.errors import CarrylabValueError

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


def _save(fig, path: Path, **kwargs) -> None:
    """Write ``fig`` to ``path`` and close it: whatever backend the caller chose, the tour
    leaves no figure open."""
    import matplotlib.pyplot as plt
    try:
        fig.savefig(path, **kwargs)
    finally:
        plt.close(fig)


def _say(text: str, indent: str = "") -> None:
    """Print a generated sentence wrapped to the tour's width (each line of ``text`` a
    paragraph)."""
    import textwrap
    for para in text.split("\n"):
        print(textwrap.fill(para, width=90, initial_indent=indent, subsequent_indent=indent))


def _depth_sentence(depth: dict[str, int], n: int) -> str:
    """Which adders are shallower, and which deeper, than the ripple adder (static depth)."""
    from .demos import and_list
    ripple = depth["ripple"]
    shallower = [a for a in depth if a != "ripple" and depth[a] < ripple]
    deeper = [a for a in depth if a != "ripple" and depth[a] >= ripple]
    if not deeper:
        return f"At {n} bits every other adder here is shallower than ripple's {ripple} levels."
    return (f"At {n} bits {and_list(shallower) if shallower else 'none'} "
            f"{'is' if len(shallower) == 1 else 'are'} shallower than ripple's {ripple} levels; "
            f"{and_list(deeper)} {'is' if len(deeper) == 1 else 'are'} not.")


def chapter_adders(out: Path) -> list[Path]:
    """Chapter 1: one sum, many adders; what lookahead buys; simulating millions at once."""
    import numpy as np

    from adders import ARCHITECTURES, build, prefix
    from adders.measures import measure_architectures
    from viz.measures import plot_architecture_trends

    from .demos import carry_skip_sentence, carry_skip_timing

    written = []
    n = 16
    print("== Chapter 1: adders ==")
    print("A ripple-carry adder passes the carry bit to bit; the others find the carries in")
    print("other ways. All of them agree on the answer ('depth': gate levels from input to output):")
    a, b = 40000, 25535
    depth = {}
    for arch in ARCHITECTURES:
        c = build(arch, n)
        r = c.evaluate(a=a, b=b)
        st = c.stats()
        depth[arch] = st["depth"]
        print(f"  {arch:<15} {a} + {b} = {r['s'] + (r['cout'] << n):>6}   "
              f"gates {st['gates']:>4}   depth {st['depth']:>3}")
    _say(_depth_sentence(depth, n))
    if depth["carry-skip"] > depth["ripple"]:
        _say(carry_skip_sentence(carry_skip_timing(n)))

    ks8 = prefix.kogge_stone(8)
    print("\nThe carry operator (g_hi, p_hi) o (g_lo, p_lo) = (g_hi | p_hi g_lo, p_hi p_lo) is")
    print("associative, so a prefix network can compute every carry in as few as log2(n)")
    print(f"levels of cells: Kogge-Stone on 8 bits takes {ks8.depth}, the serial chain "
          f"{prefix.network('serial', 8).depth}.")
    print("Kogge-Stone on 8 bits (bit 7 on the left; 'o' is a cell, 'i<j' joins j into i):")
    print("  " + ks8.to_text().replace("\n", "\n  "))

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
    _say(_depth_sentence({r["arch"]: r["depth"] for r in rows if r["bits"] == 64}, 64))
    fig = plot_architecture_trends(rows)
    _save(fig, out / "adders_depth_and_gates.png", dpi=120)
    written.append(out / "adders_depth_and_gates.png")
    from viz import write_gallery
    written += write_gallery(out, ["poster_kogge_stone_16.png", "ripple_8.png", "cla_8.png"])
    print("Pictures: poster_kogge_stone_16.png (one prefix network, two algebras: carries and")
    print("linear-RNN states from the same cells), ripple_8.png and cla_8.png (critical path in red).")

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


def _timing_sentence(rows: list[dict]) -> str:
    """What the timing table shows: who reaches the bound, who settles when, who glitches."""
    from .demos import and_list
    by = {r["arch"]: r for r in rows}
    ripple, bound = by["ripple"]["result_final_gd"], by["ripple"]["critical_path_gd"]
    reach = (f"The ripple adder reaches its bound ({ripple} gd)" if ripple == bound
             else f"The ripple adder settles after {ripple} gd, below its bound of {bound}")
    others = [a for a in by if a != "ripple"]
    sooner = all(by[a]["result_final_gd"] < ripple for a in others)
    times = [f"{a} ({by[a]['result_final_gd']} gd)" for a in others]
    settle = f"{and_list(times)} {'settle sooner' if sooner else 'do not all settle sooner'}"
    glitchy = [a for a in by if by[a]["glitch_pulses"]]
    glitches = (f"The sum bits of {and_list(glitchy)} glitch "
                f"({', '.join(str(by[a]['glitch_pulses']) for a in glitchy)} pulses): each s_i = "
                f"p_i xor c_i sees p_i and c_i switch at different times, so it flips twice."
                if glitchy else "No sum bit glitches.")
    return f"{reach}; {settle}. {glitches}"


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
    print("\n'bound' is the static critical path: no input change can take longer.")
    _say(_timing_sentence(rows))
    print("Waveforms: open the .vcd files with GTKWave.")
    _write_table(out / "timing_16", rows)
    written += [out / "timing_16.md", out / "timing_16.csv"]
    from viz import write_gallery
    written += write_gallery(out, ["waveform_ripple_8.png"])
    print("Picture: waveform_ripple_8.png (8-bit ripple, 0 + 0 -> 255 + 1: the carry ripples, sums glitch).")
    return written


#: The data and model seed of the tour's training runs (tests/test_claims.py sweeps 0-9).
RNN_SEED = 0


def chapter_rnn(out: Path, seed: int = RNN_SEED) -> list[Path]:
    """Chapter 3: an RNN is a serial adder; a CL-RNN looks ahead as far as its field."""
    from rnn.heads import count_params
    from rnn.train import build_model

    from .demos import (
        CLRNN,
        CLRNN_SHORT,
        ELMAN,
        WIDE_BITS,
        clrnn_sentence,
        elman_sentence,
        make_task,
        receptive_field,
        train,
        wide_accuracy,
    )

    print("== Chapter 3: recurrent networks that add ==")
    print("Binary addition, LSB first: step t reads bits (a_t, b_t) and must output s_t. An Elman")
    print("RNN can keep the carry in its hidden state, like a ripple-carry adder. A CL-RNN has no")
    print("recurrence at all: a causal dilated convolution stack (the carry-lookahead module)")
    print("computes a stand-in carry for every step at once, from the last R inputs only.")
    n_bits = ELMAN.task_args["n_bits"]
    print(f"Each model learns from {n_bits}-bit sums; the Elman RNN is also tested on "
          f"{WIDE_BITS}-bit ones.")
    runs = {"rnn": ("Elman RNN", ELMAN)}
    for folder_name, demo in (("clrnn", CLRNN), ("clrnn_short", CLRNN_SHORT)):
        label = f"CL-RNN (k={demo.kernel_size}, L={demo.levels}, R={receptive_field(demo)})"
        runs[folder_name] = (label, demo)
    rows, written, sentences = [], [], []
    for folder_name, (label, demo) in runs.items():
        folder = out / "rnn_runs" / folder_name
        if folder.is_dir():              # the tour's own run from an earlier tour: replaced
            shutil.rmtree(folder)
        task = make_task(demo, seed)
        result = train(demo, folder, seed=seed, task=task)
        test = result["test"]
        row = {"model": label, "params": count_params(build_model(demo, task)),
               "depth": "T (serial)" if demo.model == "rnn" else f"{demo.levels} + 1 levels",
               "epochs": demo.epochs, "train_s": round(result["seconds"], 1),
               "bit_acc": round(test["bit_accuracy"], 4), "number_acc": round(test["number_accuracy"], 4),
               f"number_acc_{WIDE_BITS}bit": None}
        if demo.model == "rnn":
            wide = wide_accuracy(folder, seed)
            row[f"number_acc_{WIDE_BITS}bit"] = round(wide, 4)
            sentences.append(elman_sentence(test["number_accuracy"], wide, demo))
        else:
            sentences.append(clrnn_sentence(test, demo))
        rows.append(row)
        written.append(folder / "metrics.csv")
        wide_text = (f"; {WIDE_BITS}-bit numbers {row[f'number_acc_{WIDE_BITS}bit']:.4f}"
                     if demo.model == "rnn" else "")
        print(f"  {label:<26} params {row['params']:>6}  {result['seconds']:5.1f} s  "
              f"{n_bits}-bit test: bits {row['bit_acc']:.4f}, whole numbers "
              f"{row['number_acc']:.4f}{wide_text}")
    _write_table(out / "rnn_binary_addition", rows)
    written += [out / "rnn_binary_addition.md", out / "rnn_binary_addition.csv"]
    from viz import write_gallery
    written += write_gallery(out, ["receptive_field_clrnn.png", "dependency_graph_8.png"])
    for sentence in sentences:
        _say(sentence)
    return written


def chapter_analogy(out: Path) -> list[Path]:
    """Chapter 4: one prefix network computes an adder's carries and an RNN's states."""
    import numpy as np

    from adders import build, prefix
    from rnn import (
        affine_scan,
        carry_scan,
        clrnn_add,
        deer_elman,
        elman_serial,
        linear_recurrence_loop,
        rnn_add,
    )

    print("== Chapter 4: one network, two algebras ==")
    n = 16
    net = prefix.kogge_stone(n)
    rng = np.random.default_rng(0)
    a, b = (rng.integers(0, 1 << n, 1000, dtype=np.uint64) for _ in range(2))
    bits = lambda v: ((v[:, None] >> np.arange(n, dtype=np.uint64)) & np.uint64(1)).astype(np.uint8)
    g, p = bits(a) & bits(b), bits(a) ^ bits(b)
    carries = carry_scan(net, g, p)                       # (1000, n): carry out of each bit
    gates = build("kogge-stone", n).simulate(a=a, b=b, probe=[f"c{i}" for i in range(1, n + 1)])
    same_carries = all(np.array_equal(carries[:, i - 1], gates[f"c{i}"]) for i in range(1, n + 1))
    T, D = 4096, 16
    coef = rng.uniform(0.5, 1.0, (T, D))
    drive = rng.normal(size=(T, D))
    h_scan = affine_scan(prefix.kogge_stone(T), coef, drive)
    h_loop = linear_recurrence_loop(coef, drive)
    err = float(np.max(np.abs(h_scan - h_loop)) / np.max(np.abs(h_loop)))
    print(f"  Kogge-Stone on {n} positions, Boolean (g, p) pairs: carries of 1000 additions equal the")
    print(f"  gate-level simulation of the {n}-bit Kogge-Stone adder: {same_carries}")
    print(f"  Kogge-Stone on {T} positions, affine maps h -> a h + b ({D} channels): hidden states")
    print(f"  equal the step-by-step loop to {err:.1e} (relative), in {prefix.kogge_stone(T).depth} "
          f"levels instead of {T} steps")

    H, T2 = 16, 512
    W_ih, W_hh = rng.normal(size=(H, 4)) * 0.5, rng.normal(size=(H, H)) * (0.9 / np.sqrt(H))
    bias, x = rng.normal(size=H) * 0.1, rng.normal(size=(T2, 4))
    result = deer_elman(x, W_ih, W_hh, bias)
    serial = elman_serial(x, W_ih, W_hh, bias)
    print(f"  DEER: a tanh Elman RNN over {T2} steps by Newton iterations, each an affine prefix")
    print(f"  scan: {result.iterations} iterations, max difference from the serial loop "
          f"{float(np.max(np.abs(result.h - serial))):.1e}")

    x256, y256 = (int.from_bytes(rng.bytes(32), "little") for _ in range(2))
    x32, y32 = (int(v) for v in rng.integers(0, 1 << 32, 2))
    ok_rnn = rnn_add(x256, y256, 256) == x256 + y256
    ok_cl = clrnn_add(x32, y32, 32) == x32 + y32
    print(f"  An Elman RNN with hand-set weights is a serial adder: 256-bit sum exact: {ok_rnn}")
    print(f"  A CL-RNN with hand-set weights computes Kogge-Stone carries with ReLUs: 32-bit sum "
          f"exact: {ok_cl}")
    rows = [{"network": "kogge-stone", "positions": n, "algebra": "Boolean (g, p): carries",
             "check": "equals gate simulation", "result": str(same_carries)},
            {"network": "kogge-stone", "positions": T, "algebra": "affine (a, b): linear RNN",
             "check": "max relative error vs loop", "result": f"{err:.1e}"},
            {"network": "brent-kung", "positions": T2, "algebra": "DEER Newton on tanh RNN",
             "check": "iterations", "result": str(result.iterations)},
            {"network": "-", "positions": 256, "algebra": "hand-wired Elman RNN",
             "check": "256-bit sum exact", "result": str(ok_rnn)},
            {"network": "kogge-stone", "positions": 32, "algebra": "hand-wired CL-RNN",
             "check": "32-bit sum exact", "result": str(ok_cl)}]
    _write_table(out / "analogy", rows)
    return [out / "analogy.md", out / "analogy.csv"]


CHAPTERS = {"adders": chapter_adders, "timing": chapter_timing, "rnn": chapter_rnn,
            "analogy": chapter_analogy}


def run(out_dir: str = "carrylab-tour", chapters: list[str] | None = None) -> int:
    """Run the named chapters (default all) writing into ``out_dir``; return 0."""
    chosen = chapters or list(CHAPTERS)
    unknown = [c for c in chosen if c not in CHAPTERS]
    if unknown:
        raise CarrylabValueError(f"unknown tour chapter(s) {unknown}; known: {', '.join(CHAPTERS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in chosen:
        written += CHAPTERS[name](out)
        print()
    print(f"The tour wrote {len(written)} files to {out.resolve()}:")
    for path in written:
        print(f"  {Path(path).relative_to(out) if Path(path).is_relative_to(out) else path}")
    return 0
