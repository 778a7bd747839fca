"""The ``carrylab`` command: the front door to adders/, rnn/ and viz/.

Each subcommand is a pair of functions, ``_add_<name>(subparsers)`` declaring its
arguments and ``_run_<name>(args)`` doing the work through the libraries; no logic of
its own lives here.
"""
from __future__ import annotations

import argparse
import sys

__all__ = ["main", "build_parser"]


# ---------------------------------------------------------------------- helpers
def _width(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--bits must be an integer >= 1, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"--bits must be >= 1, got {n}")
    return n


def _operand(text: str) -> int:
    """Decimal, 0x.. hex or 0b.. binary, as Python reads integer literals."""
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"operand {text!r} is not an integer (use decimal, 0x.. or 0b..)") from None


def _arch_choices():
    from adders import ARCHITECTURES
    return list(ARCHITECTURES)


def _table(rows: list[dict], columns: list[str]) -> str:
    """A plain fixed-width text table."""
    cells = [[("-" if r.get(c) is None else str(r[c])) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[k]) for row in cells)) for k, c in enumerate(columns)]
    line = "  ".join(c.rjust(w) if k else c.ljust(w) for k, (c, w) in enumerate(zip(columns, widths)))
    out = [line, "  ".join("-" * w for w in widths)]
    for row in cells:
        out.append("  ".join(v.rjust(w) if k else v.ljust(w) for k, (v, w) in enumerate(zip(row, widths))))
    return "\n".join(out)


# ---------------------------------------------------------------------- add
def _add_add(sub):
    p = sub.add_parser("add", help="add two numbers on a gate-level adder and show every carry",
                       description="Add A + B (+ cin) on the chosen adder, gate by gate, and print "
                                   "the operands, the sum, the carry-out and the carry into every bit.")
    p.add_argument("a", type=_operand, help="first operand (decimal, 0x.. or 0b..)")
    p.add_argument("b", type=_operand, help="second operand")
    p.add_argument("--arch", default="kogge-stone", choices=_arch_choices(), help="adder architecture")
    p.add_argument("--bits", type=_width, default=16, help="width n in bits (default 16)")
    p.add_argument("--cin", type=int, choices=(0, 1), default=0, help="carry-in (default 0)")


def _run_add(args) -> int:
    from adders import build
    circuit = build(args.arch, args.bits)
    result = circuit.evaluate(a=args.a, b=args.b, cin=args.cin)
    n = args.bits
    s, cout = result["s"], result["cout"]
    # The carry into bit i is what the circuit added to a_i ^ b_i to get s_i.
    carries = (s ^ args.a ^ args.b) | (cout << n)
    stats = circuit.stats()
    digits = len(str((1 << n) - 1))
    print(f"{args.arch} adder, {n} bits: {stats['gates']} gates, depth {stats['depth']} gate levels")
    for name, value in (("a", args.a), ("b", args.b)):
        print(f"  {name:<5}= {value:>{digits}}  {value:0{n}b}")
    print(f"  {'cin':<5}= {args.cin:>{digits}}")
    print(f"  {'s':<5}= {s:>{digits}}  {s:0{n}b}")
    print(f"  {'cout':<5}= {cout:>{digits}}")
    print(f"  carries c{n}..c0 (c_i = carry into bit i; c{n} = cout, c0 = cin):")
    print(f"          {carries:0{n + 1}b}")
    chain, best = 0, 0
    for i in range(n + 1):
        chain = chain + 1 if (carries >> i) & 1 else 0
        best = max(best, chain)
    print(f"  longest run of carries: {best} bit(s); a + b + cin = {args.a + args.b + args.cin}")
    return 0


# ---------------------------------------------------------------------- adders
def _add_adders(sub):
    p = sub.add_parser("adders", help="table of every adder architecture at one width",
                       description="Build every architecture at the given width and print gates, "
                                   "depth, max fanout and, for prefix adders, the network's cells "
                                   "and wiring tracks.")
    p.add_argument("--bits", type=_width, default=32, help="width n in bits (default 32)")


def _run_adders(args) -> int:
    from viz.measures import measure_architectures
    rows = measure_architectures([args.bits])
    print(f"Adders of {args.bits} bits (depth in gate levels, unit delay, unlimited fan-in)")
    print(_table(rows, ["arch", "gates", "depth", "max_fanout", "cells", "tracks"]))
    return 0


# ---------------------------------------------------------------------- timing
def _operand_list(text: str) -> tuple[int, ...]:
    """'a,b' or 'a,b,cin': integers as Python reads literals (decimal, 0x.., 0b..)."""
    parts = text.split(",")
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError(f"expected a,b or a,b,cin (e.g. 0,0 or 255,1,0), got {text!r}")
    return tuple(_operand(p.strip()) for p in parts)


def _delay_value(text: str):
    """A gate delay: an int ('2') or a decimal ('1.5')."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"delay must be a number such as 2 or 1.5, got {text!r}") from None


def _transition_operands(values: tuple[int, ...]) -> dict:
    ops = {"a": values[0], "b": values[1]}
    if len(values) == 3:
        ops["cin"] = values[2]
    return ops


def _xor_delays(value):
    from adders.timing import Delays
    return Delays(per_kind={"XOR": value}) if value is not None else None


def _add_timing(sub):
    p = sub.add_parser("timing", help="event-driven timing of one input transition",
                       description="Settle the adder at --from, switch its inputs to --to at t = 0 and "
                                   "simulate gate delays event by event: print the events, the settle "
                                   "time of every output bus, the glitches and the static critical path.")
    p.add_argument("--arch", default="ripple", choices=_arch_choices(), help="adder architecture")
    p.add_argument("--bits", type=_width, default=8, help="width n in bits (default 8)")
    p.add_argument("--from", dest="before", type=_operand_list, default=(0, 0),
                   help="a,b[,cin] before the switch (default 0,0; cin defaults to 0)")
    p.add_argument("--to", dest="after", type=_operand_list, default=None,
                   help="a,b[,cin] after the switch (default 2^n-1,1: a carry through every bit)")
    p.add_argument("--mode", choices=("transport", "inertial"), default="transport",
                   help="transport passes every pulse; inertial swallows pulses shorter than a gate's delay")
    p.add_argument("--xor-delay", type=_delay_value, default=None,
                   help="delay of XOR gates in gate delays (every other gate: 1)")
    p.add_argument("--vcd", default=None, help="also write the waveforms to this VCD file (GTKWave)")
    p.add_argument("--max-events", type=int, default=80,
                   help="print at most this many events (default 80; 0: none)")


def _run_timing(args) -> int:
    from adders import build
    from adders.export import to_vcd
    from adders.timing import critical_path, simulate_transition
    circuit = build(args.arch, args.bits)
    delays = _xor_delays(args.xor_delay)
    after = args.after if args.after is not None else ((1 << args.bits) - 1, 1)
    trace = simulate_transition(circuit, _transition_operands(args.before),
                                _transition_operands(after), delays, mode=args.mode)
    path = critical_path(circuit, delays)
    unit = trace.unit
    print(f"{args.arch} adder, {args.bits} bits, {args.mode} delays"
          f"{'' if delays is None else f', XOR = {args.xor_delay} gd'}: "
          f"{trace.before} -> {trace.after} at t = 0")
    print(f"{len(trace.events)} events:")
    shown = trace.events[:max(args.max_events, 0)]
    by_time: dict = {}
    for e in shown:
        by_time.setdefault(e.time, []).append(f"{e.net} {e.old}->{e.new}")
    for t, changes in by_time.items():
        print(f"  t={t:<6} " + ", ".join(changes))
    if len(shown) < len(trace.events):
        print(f"  ... {len(trace.events) - len(shown)} more (raise --max-events)")
    print("settle times:")
    for bus, bits in trace.settle().items():
        print(f"  {bus:<5} = {trace.final[bus]:<8} settles at {max(bits)} {unit}; per bit (LSB first): "
              f"{' '.join(str(t) for t in bits)}")
    print(f"  result final at {trace.settle_time} {unit}; logic simulation agrees: "
          f"{trace.final == circuit.evaluate(**trace.after)}")
    glitches = trace.glitches
    print(f"glitches: {sum(glitches.values())} pulse(s) on {len(glitches)} net(s)"
          + (": " + ", ".join(f"{n} x{k}" for n, k in glitches.items()) if glitches else ""))
    print(f"critical path (static bound for any transition): {path.delay} {unit}, "
          f"ending at {path.output[0]}[{path.output[1]}]:")
    print(path.describe(circuit))
    if args.vcd:
        print(f"waveforms written to {to_vcd(trace, args.vcd)} (open with: gtkwave {args.vcd})")
    return 0


# ---------------------------------------------------------------------- verilog
def _add_verilog(sub):
    p = sub.add_parser("verilog", help="write an adder as structural Verilog, with a testbench",
                       description="Write the adder as a Verilog module of gate primitives and, with "
                                   "--testbench, a self-checking testbench whose expected outputs "
                                   "carrylab computes. Run them with: iverilog -o sim OUT TB && vvp sim")
    p.add_argument("--arch", default="kogge-stone", choices=_arch_choices(), help="adder architecture")
    p.add_argument("--bits", type=_width, default=16, help="width n in bits (default 16)")
    p.add_argument("-o", "--output", default=None, help="Verilog file to write (default: print it)")
    p.add_argument("--module", default=None, help="module name (default: the circuit's name)")
    p.add_argument("--testbench", default=None, help="also write a self-checking testbench here")
    p.add_argument("--vectors", type=int, default=1000,
                   help="random test vectors in the testbench, besides the edge cases (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random vectors (default 0)")
    p.add_argument("--xor-delay", type=_delay_value, default=None,
                   help="write gate delays: XOR gates this many gate delays, others 1 (1 gd = 1 ns)")


def _run_verilog(args) -> int:
    from pathlib import Path
    from adders import build
    from adders.export import edge_vectors, to_testbench, to_verilog
    circuit = build(args.arch, args.bits)
    delays = _xor_delays(args.xor_delay)
    text = to_verilog(circuit, module_name=args.module, delays=delays)
    if args.output is None:
        print(text, end="")
    else:
        Path(args.output).write_text(text)
        print(f"wrote {args.output}: module {args.module or circuit.name}, "
              f"{circuit.stats()['gates']} gates")
    if args.testbench:
        tb = to_testbench(circuit, args.vectors, module_name=args.module, delays=delays, seed=args.seed)
        Path(args.testbench).write_text(tb)
        count = args.vectors + len(edge_vectors(circuit))
        print(f"wrote {args.testbench}: {count} vectors; run with: "
              f"iverilog -o sim {args.output or 'DUT.v'} {args.testbench} && vvp sim")
    return 0


# ---------------------------------------------------------------------- draw
def _network_choices():
    from adders.prefix import NETWORKS
    return list(NETWORKS)


def _add_draw(sub):
    p = sub.add_parser("draw", help="draw a prefix network, a schematic, a timing diagram or a "
                                    "receptive field into an image file",
                       description="Write one picture; the format follows the file's extension "
                                   "(.png, .svg, .pdf).")
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True)

    q = what.add_parser("prefix", help="a prefix network, labelled as an adder or as an RNN scan")
    q.add_argument("--network", default="kogge-stone", choices=_network_choices(),
                   help="prefix network (default kogge-stone)")
    q.add_argument("--bits", type=_width, default=16, help="positions n (default 16)")
    q.add_argument("--labels", default="adder", choices=("adder", "rnn"),
                   help="adder: g,p in, carries out, bit 0 on the right; "
                        "rnn: a,b in, h out, t = 0 on the left")
    q.add_argument("--highlight", type=int, default=None, metavar="I",
                   help="colour what output position I depends on")
    q.add_argument("--poster", action="store_true",
                   help="both labellings side by side: one prefix network, two algebras")
    q.add_argument("-o", "--output", required=True, help="image file to write")

    q = what.add_parser("circuit", help="a gate-level schematic, or the bit-slice block view")
    q.add_argument("--arch", default="cla", choices=_arch_choices(), help="adder architecture")
    q.add_argument("--bits", type=_width, default=8, help="width n in bits (default 8)")
    q.add_argument("--path", action="store_true", help="highlight the critical path")
    q.add_argument("--blocks", action="store_true",
                   help="one block per bit (always used above 16 bits)")
    q.add_argument("-o", "--output", required=True, help="image file to write")

    q = what.add_parser("waveform", help="timing diagram of one input transition")
    q.add_argument("--arch", default="ripple", choices=_arch_choices(), help="adder architecture")
    q.add_argument("--bits", type=_width, default=8, help="width n in bits (default 8)")
    q.add_argument("--from", dest="before", type=_operand_list, default=(0, 0),
                   help="a,b[,cin] before the switch (default 0,0)")
    q.add_argument("--to", dest="after", type=_operand_list, default=None,
                   help="a,b[,cin] after the switch (default 2^n-1,1: a carry through every bit)")
    q.add_argument("--mode", choices=("transport", "inertial"), default="transport")
    q.add_argument("--xor-delay", type=_delay_value, default=None,
                   help="delay of XOR gates in gate delays (every other gate: 1)")
    q.add_argument("--nets", default=None,
                   help="comma-separated nets to show (default: changed inputs, carries, sums)")
    q.add_argument("-o", "--output", required=True, help="image file to write")

    q = what.add_parser("receptive-field", help="which inputs a CL-RNN / TCN output sees")
    q.add_argument("--kernel-size", type=int, default=2, help="k (default 2)")
    q.add_argument("--levels", type=int, default=4, help="L, dilations 1, 2, ..., 2^(L-1) (default 4)")
    q.add_argument("-o", "--output", required=True, help="image file to write")

    q = what.add_parser("gallery", help="write every picture of the docs into a folder")
    q.add_argument("--out", default="docs", help="folder (default ./docs)")


def _run_draw(args) -> int:
    import matplotlib
    matplotlib.use("Agg")
    import viz
    if args.what == "gallery":
        for path in viz.write_gallery(args.out):
            print(f"wrote {path}")
        return 0
    if args.what == "prefix":
        from adders.prefix import network
        net = network(args.network, args.bits)
        fig = (viz.analogy(net, highlight=args.highlight) if args.poster else
               viz.draw_prefix(net, labels=args.labels, highlight=args.highlight))
    elif args.what == "circuit":
        from adders import build
        circuit = build(args.arch, args.bits)
        if args.blocks or args.bits > 16:
            fig = viz.draw_circuit_blocks(circuit, highlight_path=args.path)
        else:
            fig = viz.draw_circuit(circuit, highlight_path=True if args.path else None)
    elif args.what == "waveform":
        from adders import build
        from adders.timing import simulate_transition
        after = args.after if args.after is not None else ((1 << args.bits) - 1, 1)
        trace = simulate_transition(build(args.arch, args.bits), _transition_operands(args.before),
                                    _transition_operands(after), _xor_delays(args.xor_delay),
                                    mode=args.mode)
        fig = viz.waveforms(trace, nets=args.nets.split(",") if args.nets else None)
        print(trace.summary())
    else:
        fig = viz.receptive_field(args.kernel_size, args.levels)
    fig.savefig(args.output, dpi=120, facecolor="white")
    print(f"wrote {args.output}")
    return 0


# ---------------------------------------------------------------------- train / eval / compare
def _add_model_options(p, default_model="clrnn"):
    from rnn.train import MODELS
    p.add_argument("--model", default=default_model, choices=MODELS, help="model (default %(default)s)")
    p.add_argument("--hidden", type=int, default=32, help="hidden size / TCN channels (default 32)")
    p.add_argument("--levels", type=int, default=4, help="TCN levels of CL-RNN and TCN (default 4)")
    p.add_argument("--kernel-size", type=int, default=5, help="TCN kernel size (default 5)")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout after each TCN level")


def _add_task_options(p):
    from rnn.tasks import TASKS
    p.add_argument("--task", default="binary-add", choices=list(TASKS), help="task (default %(default)s)")
    p.add_argument("--data", default=None, help="data file or folder (jsb, nottingham, smnist, char)")
    p.add_argument("--bits", type=int, default=None, help="binary-add: operand width (default 16)")
    p.add_argument("--T", type=int, default=None, help="adding / copy: sequence length")
    p.add_argument("--train-size", type=int, default=None, help="synthetic tasks: training examples")


def _task_args(args) -> dict:
    out = {}
    if args.bits is not None:
        out["n_bits"] = args.bits
    if args.T is not None:
        out["T"] = args.T
    if args.train_size is not None:
        out["n_train"] = args.train_size
    return out


def _add_train(sub):
    p = sub.add_parser("train", help="train a model on a task, with checkpoints and resume",
                       description="Train CL-RNN or a baseline on a task. Writes best/last checkpoints "
                                   "(.npz + .json), metrics.csv and metrics.json to --out. Ctrl-C is safe: "
                                   "continue with --resume DIR.")
    _add_model_options(p)
    _add_task_options(p)
    p.add_argument("--epochs", type=int, default=None,
                   help="epochs (default 10; with --resume, the new total, default the saved one)")
    p.add_argument("--lr", type=float, default=1e-3, help="learning rate (default 1e-3)")
    p.add_argument("--optimizer", default="adam", choices=("adam", "sgd"))
    p.add_argument("--clip", type=float, default=0.0, help="gradient-norm clipping (0: none)")
    p.add_argument("--batch-size", type=int, default=0, help="batch size (0: the task's default)")
    p.add_argument("--plateau", action="store_true", help="the paper's lr /= 10 rule on plateaus")
    p.add_argument("--max-batches", type=int, default=0, help="at most this many batches an epoch")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--float64", action="store_true", help="train in float64 (default float32)")
    p.add_argument("--out", default=None, help="output folder (default runs/<model>-<task>)")
    p.add_argument("--resume", default=None, metavar="DIR",
                   help="continue the run in DIR from its last checkpoint (--epochs may grow)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _run_train(args) -> int:
    import json
    from pathlib import Path
    from rnn.train import TrainConfig, fit
    if args.resume:
        saved = json.loads((Path(args.resume) / "last.json").read_text())["config"] \
            if (Path(args.resume) / "last.json").exists() else None
        if saved is None:
            raise ValueError(f"--resume {args.resume}: no last.json there (is it a training folder?)")
        if args.epochs is not None:
            saved["epochs"] = args.epochs
        config, out = TrainConfig(**saved), args.resume
    else:
        config = TrainConfig(model=args.model, task=args.task, data=args.data, task_args=_task_args(args),
                             hidden=args.hidden, levels=args.levels, kernel_size=args.kernel_size,
                             dropout=args.dropout, epochs=args.epochs or 10, lr=args.lr,
                             optimizer=args.optimizer, clip=args.clip, batch_size=args.batch_size,
                             plateau=args.plateau, max_batches=args.max_batches, seed=args.seed,
                             dtype="float64" if args.float64 else "float32")
        out = args.out or f"runs/{args.model}-{args.task}"
    result = fit(config, out, resume=bool(args.resume), progress=not args.quiet)
    print(f"best epoch {result['best']['epoch']} (valid loss {result['best']['valid_loss']:.4f}); "
          f"test: " + _scores(result["test"]))
    print(f"checkpoints and metrics in {out}")
    return 0


def _scores(scores: dict | None) -> str:
    if not scores:
        return "-"
    return ", ".join(f"{k} {v:.4f}" for k, v in scores.items() if not isinstance(v, dict))


def _add_eval(sub):
    p = sub.add_parser("eval", help="score a saved checkpoint on its task's validation and test data",
                       description="Rebuild the model a checkpoint describes and print its scores.")
    p.add_argument("--checkpoint", required=True, help="a training folder (its best.npz) or a .npz file")


def _run_eval(args) -> int:
    from rnn.train import evaluate_checkpoint
    result = evaluate_checkpoint(args.checkpoint)
    cfg = result["config"]
    print(f"{cfg['model']} on {cfg['task']} (hidden {cfg['hidden']}), epoch {result['epoch']}")
    for split in ("valid", "test"):
        print(f"  {split:<5} {_scores(result[split])}")
        chains = result[split].get("accuracy_by_chain")
        if chains:
            print("        whole-number accuracy by longest carry chain: "
                  + ", ".join(f"{c}: {v['accuracy']:.3f} (n={v['count']})" for c, v in chains.items()))
    return 0


def _add_compare(sub):
    p = sub.add_parser("compare", help="train several models briefly on one task and print one table",
                       description="Train each model with the same task, seed and budget, then print "
                                   "their parameter counts, test scores and time per epoch.")
    _add_task_options(p)
    p.add_argument("--models", default="rnn,lstm,clrnn", help="comma-separated (default rnn,lstm,clrnn)")
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--levels", type=int, default=5, help="CL-RNN / TCN levels (default 5)")
    p.add_argument("--kernel-size", type=int, default=2, help="CL-RNN / TCN kernel (default 2)")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="keep the runs here (default: a temporary folder)")


def _run_compare(args) -> int:
    import tempfile
    from pathlib import Path
    from rnn.heads import count_params
    from rnn.train import MODELS, TrainConfig, build_model, fit, make_task
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; known: {', '.join(MODELS)}")
    task_args = _task_args(args)
    if args.task == "binary-add":
        task_args.setdefault("n_bits", 16)
        task_args.setdefault("n_train", 10000)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.out or tmp)
        task = None
        for model in models:
            config = TrainConfig(model=model, task=args.task, data=args.data, task_args=task_args,
                                 hidden=args.hidden, levels=args.levels, kernel_size=args.kernel_size,
                                 epochs=args.epochs, lr=args.lr, seed=args.seed)
            task = task or make_task(config)
            print(f"training {model} ...")
            result = fit(config, root / model, progress=False, task=task, log=None)
            seconds = sum(r["seconds"] for r in result["history"]) / len(result["history"])
            row = {"model": model, "params": count_params(build_model(config, task)),
                   "best_epoch": result["best"]["epoch"], "s/epoch": round(seconds, 2)}
            row.update({k: round(v, 4) for k, v in (result["test"] or {}).items() if not isinstance(v, dict)})
            rows.append(row)
    print(f"\n{args.task} {task_args}, {args.epochs} epochs, hidden {args.hidden}, seed {args.seed}; test scores")
    columns = list(dict.fromkeys(k for r in rows for k in r))
    print(_table(rows, columns))
    return 0


# ---------------------------------------------------------------------- tour
def _add_tour(sub):
    p = sub.add_parser("tour", help="the whole story, chapter by chapter, on embedded defaults",
                       description="Run the carrylab tour: prints each chapter and writes its tables "
                                   "and figures to an output folder. Needs no downloads.")
    p.add_argument("--out", default="carrylab-tour", help="output folder (default ./carrylab-tour)")
    p.add_argument("--chapters", default=None,
                   help="comma-separated chapters to run (default: all). Known: adders, timing, rnn, analogy")


def _run_tour(args) -> int:
    from . import tour
    return tour.run(args.out, chapters=args.chapters.split(",") if args.chapters else None)


# ---------------------------------------------------------------------- main
_COMMANDS = ["add", "adders", "timing", "verilog", "draw", "train", "eval", "compare", "tour"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carrylab",
        description="Carry propagation in adders and hidden-state propagation in RNNs are the "
                    "same problem; carry lookahead solves both.",
        epilog="Start with: carrylab tour")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        globals()[f"_add_{name}"](sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return globals()[f"_run_{args.command}"](args)
    except ValueError as err:                    # a user's mistake: say it plainly
        print(f"carrylab {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
