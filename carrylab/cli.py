"""The ``carrylab`` command: the front door to adders/, rnn/ and viz/.

Each subcommand is a pair of functions, ``_add_<name>(subparsers)`` declaring its
arguments and ``_run_<name>(args)`` doing the work through the libraries; no logic of
its own lives here.

Errors: a bad flag is refused by the parser (usage and one line, exit 2); any other
mistake (a carrylab error or a file that cannot be read or written) prints one line,
``carrylab <command>: <message>``, and exits 2; a training run that diverges exits 1;
``--debug`` shows the traceback instead.

Limits: every size a command takes is checked before any work (see :data:`LIMITS`
and each flag's ``--help``), so no command can run for hours or fill the memory by a
typo.
"""
from __future__ import annotations

import argparse
import contextlib
import math
import sys
from pathlib import Path

__all__ = ["main", "build_parser", "LIMITS"]

#: The largest sizes the commands accept; each keeps its command within about a
#: minute on a 2-core machine (measured on a 64-bit Kogge-Stone and its wider kin).
LIMITS = {
    "add_bits": 16_384,          # one addition on a gate-level adder of that width
    "circuit_bits": 4_096,       # timing, verilog, draw circuit, adders table
    "prefix_bits": 256,          # draw prefix: 256 columns render in about 15 s
    "waveform_bits": 256,        # draw waveform: about 770 rows, 15-20 s
    "vectors": 1_000_000,        # verilog --vectors
    "max_events": 1_000_000,     # timing --max-events
    "task_bits": 4_096,          # train/compare --bits of binary addition
    "drawn_bits": 64,            # export to Logisim / Digital, grade: pins are at most 64 bits
}

# What the parser shows of rnn (choices, ranges, defaults), copied here so that building
# the parser imports no rnn and no Numba: `carrylab add` starts in about half the time.
# tests/test_imports.py checks every copy against its source.
_MODELS = ("clrnn", "rnn", "lstm", "gru", "tcn", "linear")                 # rnn.train.MODELS
_SIZES = {"hidden": 4096, "levels": 30, "kernel_size": 64, "epochs": 100_000}  # rnn.train.LIMITS
_TRAIN_DEFAULTS = {"model": "clrnn", "hidden": 32, "levels": 4, "kernel_size": 5,  # TrainConfig's
                   "dropout": 0.0, "epochs": 10, "lr": 1e-3, "optimizer": "adam", "seed": 0}
# rnn.tasks.TASKS, and for each task option the tasks whose constructor takes it
_TASKS = ("binary-add", "adding", "copy", "jsb", "nottingham", "polyphonic", "smnist", "char")
_TASK_OPTIONS = {"n_bits": ("binary-add",), "T": ("adding", "copy"),
                 "n_train": ("binary-add", "adding", "copy"), "seq_len": ("char",)}


# ---------------------------------------------------------------------- helpers
def _int_flag(flag: str, minimum: int = 1, maximum: int | None = None):
    """An argparse type: an int within bounds, refused with the flag's name."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} must be an integer, got {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            allowed = f">= {minimum:,}" if maximum is None else f"from {minimum:,} to {maximum:,}"
            raise argparse.ArgumentTypeError(f"{flag} must be {allowed}, got {value:,}")
        return value
    return parse


def _real_flag(flag: str, minimum: float = 0.0, strict: bool = False, maximum: float | None = None):
    """An argparse type: a finite float within bounds (NaN and infinities refused)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} must be a number, got {text!r}") from None
        low_ok = value > minimum if strict else value >= minimum
        if not math.isfinite(value) or not low_ok or (maximum is not None and value > maximum):
            allowed = f"{'>' if strict else '>='} {minimum:g}" + (
                f" and <= {maximum:g}" if maximum is not None else "")
            raise argparse.ArgumentTypeError(f"{flag} must be a finite number {allowed}, got {text}")
        return value
    return parse


def _width(limit: int):
    return _int_flag("--bits", 1, limit)


def _output_file(text: str) -> str:
    """An argparse type: a file path whose folder exists (checked before any work)."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; give a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {text}: the folder {folder} does not exist")
    return text


def _output_folder(text: str) -> str:
    """An argparse type: a folder path that is not an existing file."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    return text


@contextlib.contextmanager
def _long_integers():
    """Let int <-> decimal string conversions exceed Python's default 4,300 digits
    (widths up to LIMITS["add_bits"] need about 5,000) inside this block only."""
    set_limit = getattr(sys, "set_int_max_str_digits", None)
    if set_limit is None:
        yield
        return
    old = sys.get_int_max_str_digits()
    set_limit(0)
    try:
        yield
    finally:
        set_limit(old)


def _operand(text: str) -> int:
    """Decimal, 0x.. hex or 0b.. binary, as Python reads integer literals."""
    try:
        with _long_integers():
            return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"operand {text[:40]!r}{'...' if len(text) > 40 else ''} is not an integer "
            f"(use decimal, 0x.. or 0b..)") from None


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
    p.add_argument("--bits", type=_width(LIMITS["add_bits"]), default=16,
                   help=f"width n in bits, 1 to {LIMITS['add_bits']:,} (default 16)")
    p.add_argument("--cin", type=int, choices=(0, 1), default=0, help="carry-in (default 0)")


def _run_add(args) -> int:
    with _long_integers():
        return _show_addition(args)


def _show_addition(args) -> int:
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
    p.add_argument("--bits", type=_width(LIMITS["circuit_bits"]), default=32,
                   help=f"width n in bits, 1 to {LIMITS['circuit_bits']:,} (default 32)")


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
    """A gate delay: an int ('2') or a decimal ('1.5'), from 0 to MAX_DELAY."""
    from adders.timing import MAX_DELAY
    try:
        value = int(text)
    except ValueError:
        value = _real_flag("--xor-delay", 0.0, maximum=MAX_DELAY)(text)
    if not 0 <= value <= MAX_DELAY:
        raise argparse.ArgumentTypeError(f"--xor-delay must be from 0 to {MAX_DELAY:,} gate delays, "
                                         f"got {text}")
    return value


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
    p.add_argument("--bits", type=_width(LIMITS["circuit_bits"]), default=8,
                   help=f"width n in bits, 1 to {LIMITS['circuit_bits']:,} (default 8)")
    p.add_argument("--from", dest="before", type=_operand_list, default=(0, 0),
                   help="a,b[,cin] before the switch (default 0,0; cin defaults to 0)")
    p.add_argument("--to", dest="after", type=_operand_list, default=None,
                   help="a,b[,cin] after the switch (default 2^n-1,1: a carry through every bit)")
    p.add_argument("--mode", choices=("transport", "inertial"), default="transport",
                   help="transport passes every pulse; inertial swallows pulses shorter than a gate's delay")
    p.add_argument("--xor-delay", type=_delay_value, default=None,
                   help="delay of XOR gates in gate delays (every other gate: 1)")
    p.add_argument("--vcd", type=_output_file, default=None,
                   help="also write the waveforms to this VCD file (GTKWave)")
    p.add_argument("--max-events", type=_int_flag("--max-events", 0, LIMITS["max_events"]), default=80,
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
    p.add_argument("--bits", type=_width(LIMITS["circuit_bits"]), default=16,
                   help=f"width n in bits, 1 to {LIMITS['circuit_bits']:,} (default 16)")
    p.add_argument("-o", "--output", type=_output_file, default=None,
                   help="Verilog file to write (default: print it)")
    p.add_argument("--module", default=None,
                   help="module name, a Verilog identifier that is no (System)Verilog keyword "
                        "(default: the circuit's name)")
    p.add_argument("--testbench", type=_output_file, default=None,
                   help="also write a self-checking testbench here")
    p.add_argument("--vectors", type=_int_flag("--vectors", 0, LIMITS["vectors"]), default=1000,
                   help=f"random test vectors in the testbench, besides the edge cases, 0 to "
                        f"{LIMITS['vectors']:,} (default 1000)")
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


# ---------------------------------------------------------------------- export
_FORMATS = {"logisim": ".circ", "digital": ".dig"}


def _add_export(sub):
    p = sub.add_parser("export", help="write an adder for Logisim-evolution or Digital",
                       description="Write the adder as a circuit file that the schematic editors "
                                   "classes use: Logisim-evolution (.circ, with a test-vector file "
                                   "beside it, --tests) or Digital (.dig, its Testcase embedded). "
                                   "Every net keeps carrylab's name (g3, p3, c4, G7_4) as a label or "
                                   "tunnel. The tests are exhaustive when the adder has at most 12 "
                                   "input bits, else carry-chain corner cases plus random vectors. "
                                   "The editors give gates no delay: grade a drawing with "
                                   "`carrylab grade` to see its timing.")
    p.add_argument("--format", required=True, choices=list(_FORMATS),
                   help="logisim (.circ) or digital (.dig)")
    p.add_argument("--arch", default="ripple", choices=_arch_choices(), help="adder architecture")
    p.add_argument("--bits", type=_width(LIMITS["drawn_bits"]), default=4,
                   help=f"width n in bits, 1 to {LIMITS['drawn_bits']} (pins carry at most "
                        f"{LIMITS['drawn_bits']} bits; default 4)")
    p.add_argument("-o", "--output", type=_output_file, required=True,
                   help="the file to write (.circ for logisim, .dig for digital)")
    p.add_argument("--tests", type=_output_file, default=None,
                   help="logisim only: also write Logisim-evolution's test vectors here (.txt)")
    p.add_argument("--vectors", type=_int_flag("--vectors", 0, 100_000), default=None,
                   help="test the carry-chain corner cases plus this many random vectors, 0 to "
                        "100,000 (default: every input when there are at most 12 input bits, "
                        "else the corner cases plus 100 random vectors)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random vectors (default 0)")


def _run_export(args) -> int:
    from adders import build
    from adders.errors import CarrylabValueError
    suffix = _FORMATS[args.format]
    if Path(args.output).suffix.lower() != suffix:
        raise CarrylabValueError(f"-o {args.output}: a {args.format} file must end in {suffix}")
    if args.tests and args.format != "logisim":
        raise CarrylabValueError("--tests is for --format logisim; a .dig file embeds its tests")
    circuit = build(args.arch, args.bits)
    if args.format == "logisim":
        from adders.logisim import logisim_test_vectors, to_logisim
        text = to_logisim(circuit)
    else:
        from adders.digital import to_digital
        text = to_digital(circuit, vectors=args.vectors, seed=args.seed)
    Path(args.output).write_text(text, encoding="utf-8")
    print(f"wrote {args.output}: {circuit.name}, {circuit.stats()['gates']} gates")
    if args.tests:
        tests = logisim_test_vectors(circuit, vectors=args.vectors, seed=args.seed)
        Path(args.tests).write_text(tests, encoding="utf-8")
        rows = [line for line in tests.splitlines() if line.strip() and not line.startswith("#")]
        print(f"wrote {args.tests}: {len(rows) - 1} test vectors")     # less the header
    return 0


# ---------------------------------------------------------------------- grade
def _add_grade(sub):
    p = sub.add_parser("grade", help="grade a drawn adder (.circ, .dig, .graphml)",
                       description="Grade a circuit drawn in Logisim-evolution (.circ) or Digital "
                                   "(.dig), or saved by carrylab (.graphml), against a spec: is it "
                                   "right (else the first failing vector), its gates, depth and "
                                   "critical path, and, under gate delays the editors do not model, "
                                   "its worst settle time and its glitches. Pins are found by label: "
                                   "A, B, Cin, S, Cout (any case), multi-bit or one pin per bit "
                                   "(A0, A1, ...). Exit status: 0 passed, 1 wrong, 2 unreadable.")
    p.add_argument("file", metavar="FILE", help="the circuit: .circ, .dig or .graphml")
    p.add_argument("--spec", default="adder", choices=["adder"],
                   help="what the circuit must compute: adder, s + 2^n cout = a + b + cin")
    p.add_argument("--bits", type=_width(LIMITS["drawn_bits"]), default=None,
                   help=f"width n the adder must have, 1 to {LIMITS['drawn_bits']} "
                        f"(default: the width of its input A)")
    p.add_argument("--transitions", type=_int_flag("--transitions", 0, 5_000), default=200,
                   help="random input transitions timed beside the corner cases, 0 to 5,000 "
                        "(default 200)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random vectors (default 0)")
    p.add_argument("--schematic", type=_output_file, default=None,
                   help="also draw the circuit with its critical path to this PNG")


def _run_grade(args) -> int:
    from .grading import run_grade_command
    return run_grade_command(args.file, spec=args.spec, bits=args.bits, out=args.schematic,
                             transitions=args.transitions, seed=args.seed)


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
    from viz.rnn import MAX_DRAWN_FIELD

    q = what.add_parser("prefix", help="a prefix network, labelled as an adder or as an RNN scan")
    q.add_argument("--network", default="kogge-stone", choices=_network_choices(),
                   help="prefix network (default kogge-stone)")
    q.add_argument("--bits", type=_width(LIMITS["prefix_bits"]), default=16,
                   help=f"positions n, 1 to {LIMITS['prefix_bits']:,} (default 16; above about 64 "
                        f"the columns get too narrow to read)")
    q.add_argument("--labels", default="adder", choices=("adder", "rnn"),
                   help="adder: g,p in, carries out, bit 0 on the right; "
                        "rnn: a,b in, h out, t = 0 on the left")
    q.add_argument("--highlight", type=int, default=None, metavar="I",
                   help="colour what output position I depends on")
    q.add_argument("--poster", action="store_true",
                   help="both labellings side by side: one prefix network, two algebras")
    q.add_argument("-o", "--output", type=_output_file, required=True, help="image file to write")

    q = what.add_parser("circuit", help="a gate-level schematic, or the bit-slice block view")
    q.add_argument("--arch", default="cla", choices=_arch_choices(), help="adder architecture")
    q.add_argument("--bits", type=_width(LIMITS["circuit_bits"]), default=8,
                   help=f"width n in bits, 1 to {LIMITS['circuit_bits']:,} (default 8)")
    q.add_argument("--path", action="store_true", help="highlight the critical path")
    q.add_argument("--blocks", action="store_true",
                   help="one block per bit (always used above 16 bits)")
    q.add_argument("-o", "--output", type=_output_file, required=True, help="image file to write")

    q = what.add_parser("waveform", help="timing diagram of one input transition")
    q.add_argument("--arch", default="ripple", choices=_arch_choices(), help="adder architecture")
    q.add_argument("--bits", type=_width(LIMITS["waveform_bits"]), default=8,
                   help=f"width n in bits, 1 to {LIMITS['waveform_bits']:,} (default 8)")
    q.add_argument("--from", dest="before", type=_operand_list, default=(0, 0),
                   help="a,b[,cin] before the switch (default 0,0)")
    q.add_argument("--to", dest="after", type=_operand_list, default=None,
                   help="a,b[,cin] after the switch (default 2^n-1,1: a carry through every bit)")
    q.add_argument("--mode", choices=("transport", "inertial"), default="transport")
    q.add_argument("--xor-delay", type=_delay_value, default=None,
                   help="delay of XOR gates in gate delays (every other gate: 1)")
    q.add_argument("--nets", default=None,
                   help="comma-separated nets to show (default: changed inputs, carries, sums)")
    q.add_argument("-o", "--output", type=_output_file, required=True, help="image file to write")

    q = what.add_parser("receptive-field", help="which inputs a CL-RNN / TCN output sees")
    q.add_argument("--kernel-size", type=_int_flag("--kernel-size", 1), default=2, help="k (default 2)")
    q.add_argument("--levels", type=_int_flag("--levels", 1), default=4,
                   help=f"L, dilations 1, 2, ..., 2^(L-1) (default 4); the field "
                        f"R = 1 + (k-1)(2^L - 1) may be at most {MAX_DRAWN_FIELD:,} inputs")
    q.add_argument("-o", "--output", type=_output_file, required=True, help="image file to write")

    q = what.add_parser("gallery", help="write every picture of the docs into a folder")
    q.add_argument("--out", type=_output_folder, default="docs", help="folder (default ./docs)")


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
    fig.savefig(args.output, dpi=_DPI, facecolor="white")
    print(f"wrote {args.output}")
    if args.what in ("prefix", "circuit"):
        _density_note(fig, args.bits * (2 if getattr(args, "poster", False) else 1), args)
    return 0


_DPI = 120
# Below this many pixels per bit column, labels and cells run together.
_READABLE_PX = 12


def _density_note(fig, columns: int, args) -> None:
    """Say so when a picture's columns are too narrow to read, and what to do instead."""
    width = fig.get_figwidth() * _DPI
    if width / columns >= _READABLE_PX:
        return
    fits = int(width // _READABLE_PX) // (columns // args.bits)     # the width is capped
    advice = (f"draw at most {fits} positions, or --highlight I to follow one output"
              if args.what == "prefix" else
              "this is already the block view (one block per bit); draw fewer bits")
    print(f"note: {args.bits:,} bits on a {width:,.0f} px wide picture leave "
          f"{width / columns:.1f} px per column, too dense to read: {advice}")


# ---------------------------------------------------------------------- train / eval / compare
def _fraction_flag(flag: str):
    """An argparse type: a float p with 0 <= p < 1 (a dropout rate)."""
    def parse(text: str) -> float:
        value = _real_flag(flag, 0.0)(text)
        if value >= 1.0:
            raise argparse.ArgumentTypeError(f"{flag} must be in [0, 1), got {text}")
        return value
    return parse


def _add_model_options(p, defaults: dict):
    """--model/--hidden/--levels/--kernel-size/--dropout; ``defaults`` fills the help."""
    p.add_argument("--model", default=None, choices=_MODELS, help=f"model (default {defaults['model']})")
    p.add_argument("--hidden", type=_int_flag("--hidden", 1, _SIZES["hidden"]), default=None,
                   help=f"hidden size / TCN channels, 1 to {_SIZES['hidden']:,} (default {defaults['hidden']})")
    p.add_argument("--levels", type=_int_flag("--levels", 1, _SIZES["levels"]), default=None,
                   help=f"TCN levels of CL-RNN and TCN, 1 to {_SIZES['levels']} (default {defaults['levels']})")
    p.add_argument("--kernel-size", type=_int_flag("--kernel-size", 1, _SIZES["kernel_size"]), default=None,
                   help=f"TCN kernel size, 1 to {_SIZES['kernel_size']} (default {defaults['kernel_size']})")
    p.add_argument("--dropout", type=_fraction_flag("--dropout"), default=None,
                   help=f"dropout after each TCN level, in [0, 1) (default {defaults['dropout']})")


# Task flags: (flag, dest, task_args key, argparse type, help).
_TASK_FLAGS = (
    ("--bits", "bits", "n_bits", _int_flag("--bits", 1, LIMITS["task_bits"]),
     f"operand width, 1 to {LIMITS['task_bits']:,} (default 16)"),
    ("--T", "T", "T", _int_flag("--T", 1), "sequence length"),
    ("--train-size", "train_size", "n_train", _int_flag("--train-size", 1), "training examples"),
    ("--seq-len", "seq_len", "seq_len", _int_flag("--seq-len", 1), "characters per sequence (default 100)"),
)


def _tasks_taking(key: str) -> list[str]:
    """The tasks whose constructor has the option ``key``."""
    return list(_TASK_OPTIONS[key])


def _add_task_options(p):
    p.add_argument("--task", default=None, choices=_TASKS, help="task (default binary-add)")
    p.add_argument("--data", default=None, help="data file or folder (jsb, nottingham, smnist, char)")
    for flag, dest, key, kind, text in _TASK_FLAGS:
        p.add_argument(flag, dest=dest, type=kind, default=None,
                       help=f"{', '.join(_tasks_taking(key))}: {text}")


def _task_args(args) -> dict:
    """The task options the flags give; a flag the task does not take is refused."""
    from adders.errors import CarrylabValueError
    out = {}
    for flag, dest, key, _, _ in _TASK_FLAGS:
        value = getattr(args, dest)
        if value is None:
            continue
        takers = _tasks_taking(key)
        if args.task not in takers:
            raise CarrylabValueError(f"{flag} does not apply to --task {args.task}; it sets the "
                                     f"{key} of: {', '.join(takers)}")
        out[key] = value
    return out


def _add_train(sub):
    d = _TRAIN_DEFAULTS
    p = sub.add_parser("train", help="train a model on a task, with checkpoints and resume",
                       description="Train CL-RNN or a baseline on a task. Writes best/last checkpoints "
                                   "(.npz + .json), metrics.csv and metrics.json to --out, which must "
                                   "be new or empty (or use --resume / --overwrite); one training at a "
                                   "time per folder. Ctrl-C is safe: continue with --resume DIR.")
    _add_model_options(p, d)
    _add_task_options(p)
    p.add_argument("--epochs", type=_int_flag("--epochs", 1, _SIZES["epochs"]), default=None,
                   help=f"epochs, >= 1 (default {d['epochs']}; with --resume, the new total, default "
                        f"the saved one)")
    p.add_argument("--lr", type=_real_flag("--lr", 0.0, strict=True), default=None,
                   help=f"learning rate, > 0 (default {d['lr']:g})")
    p.add_argument("--optimizer", default=None, choices=("adam", "sgd"),
                   help=f"optimiser (default {d['optimizer']})")
    p.add_argument("--clip", type=_real_flag("--clip", 0.0), default=None,
                   help="gradient-norm clipping, >= 0 (default 0: none)")
    p.add_argument("--batch-size", type=_int_flag("--batch-size", 1), default=None,
                   help="batch size, >= 1 (default: the task's)")
    p.add_argument("--plateau", action="store_true", default=None,
                   help="the paper's lr /= 10 rule on plateaus")
    p.add_argument("--max-batches", type=_int_flag("--max-batches", 1), default=None,
                   help="at most this many training batches an epoch (default: all)")
    p.add_argument("--eval-batches", type=_int_flag("--eval-batches", 1), default=None,
                   help="score validation and test on their first N batches only (default: all); "
                        "for long sequences, where a full pass takes minutes")
    p.add_argument("--seed", type=_int_flag("--seed", 0), default=None, help=f"random seed (default {d['seed']})")
    p.add_argument("--float64", action="store_true", default=None, help="train in float64 (default float32)")
    p.add_argument("--out", type=_output_folder, default=None,
                   help="output folder, new or empty (default runs/<model>-<task>)")
    p.add_argument("--overwrite", action="store_true",
                   help="start afresh in an --out that holds a run; the old run is renamed aside "
                        "(<out>.replaced-<time>), never deleted")
    p.add_argument("--resume", default=None, metavar="DIR",
                   help="continue the run in DIR from its last checkpoint (--epochs may grow)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


# What --resume may change; every other flag is fixed by the run being continued.
_RESUME_FLAGS = {"epochs", "eval_batches", "quiet", "resume", "command"}


def _new_config(args):
    """The TrainConfig the flags ask for (TrainConfig's defaults for flags not given)."""
    from rnn.train import TrainConfig
    given = {"model": args.model, "task": args.task, "data": args.data, "hidden": args.hidden,
             "levels": args.levels, "kernel_size": args.kernel_size, "dropout": args.dropout,
             "epochs": args.epochs, "lr": args.lr, "optimizer": args.optimizer, "clip": args.clip,
             "batch_size": args.batch_size, "plateau": args.plateau, "max_batches": args.max_batches,
             "eval_batches": args.eval_batches, "seed": args.seed,
             "dtype": "float64" if args.float64 else None}
    config = {k: v for k, v in given.items() if v is not None}
    args.task = config.setdefault("task", TrainConfig.task)
    config["task_args"] = _task_args(args)
    return TrainConfig(**config)


def _run_train(args) -> int:
    import dataclasses

    from adders.errors import CarrylabValueError
    from rnn.train import fit, saved_config
    if args.resume:
        if args.overwrite:
            raise CarrylabValueError("--resume continues a run and --overwrite replaces one: "
                                     "give one of them")
        fixed = sorted(k for k, v in vars(args).items()
                       if k not in _RESUME_FLAGS and v not in (None, False))
        if fixed:
            names = ", ".join("--" + k.replace("_", "-") for k in fixed)
            raise CarrylabValueError(f"{names}: not allowed with --resume (a resumed run keeps its "
                                     f"folder and settings; only --epochs, --eval-batches and "
                                     f"--quiet may change)")
        config = saved_config(args.resume)
        changes = {k: getattr(args, k) for k in ("epochs", "eval_batches") if getattr(args, k) is not None}
        config, out = dataclasses.replace(config, **changes), args.resume
    else:
        config = _new_config(args)
        out = args.out or f"runs/{config.model}-{config.task}"
    result = fit(config, out, resume=bool(args.resume), progress=not args.quiet,
                 overwrite=args.overwrite)
    print(f"best epoch {result['best']['epoch']} (valid loss {result['best']['valid_loss']:.4f}); "
          f"test{_subset(config.eval_batches)}: " + _scores(result["test"]))
    print(f"checkpoints and metrics in {out}")
    return 0


def _subset(eval_batches: int) -> str:
    return f" (first {eval_batches} batches)" if eval_batches else ""


def _scores(scores: dict | None) -> str:
    if not scores:
        return "-"
    return ", ".join(f"{k} {v:.4f}" for k, v in scores.items() if not isinstance(v, dict))


def _add_eval(sub):
    p = sub.add_parser("eval", help="score a saved checkpoint on its task's validation and test data",
                       description="Rebuild the model a checkpoint describes and print its scores.")
    p.add_argument("--checkpoint", required=True, help="a training folder (its best.npz) or a .npz file")
    p.add_argument("--eval-batches", type=_int_flag("--eval-batches", 1), default=0,
                   help="score only the first N batches of each split (default: all)")


def _run_eval(args) -> int:
    from rnn.train import evaluate_checkpoint
    result = evaluate_checkpoint(args.checkpoint, max_batches=args.eval_batches)
    cfg = result["config"]
    print(f"{cfg['model']} on {cfg['task']} (hidden {cfg['hidden']}), epoch {result['epoch']}"
          f"{_subset(args.eval_batches)}")
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
    p.add_argument("--hidden", type=_int_flag("--hidden", 1, _SIZES["hidden"]), default=32,
                   help="hidden size (default 32)")
    p.add_argument("--levels", type=_int_flag("--levels", 1, _SIZES["levels"]), default=5,
                   help="CL-RNN / TCN levels (default 5)")
    p.add_argument("--kernel-size", type=_int_flag("--kernel-size", 1, _SIZES["kernel_size"]), default=2,
                   help="CL-RNN / TCN kernel (default 2)")
    p.add_argument("--epochs", type=_int_flag("--epochs", 1, _SIZES["epochs"]), default=5,
                   help="epochs per model (default 5)")
    p.add_argument("--lr", type=_real_flag("--lr", 0.0, strict=True), default=3e-3,
                   help="learning rate (default 3e-3)")
    p.add_argument("--seed", type=_int_flag("--seed", 0), default=0, help="random seed (default 0)")
    p.add_argument("--out", type=_output_folder, default=None,
                   help="keep the runs here, one folder per model (default: a temporary folder)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace runs already in --out (each old run is renamed aside, never deleted)")


def _run_compare(args) -> int:
    import tempfile
    from pathlib import Path

    from adders.errors import CarrylabValueError
    from rnn.heads import count_params
    from rnn.train import MODELS, TrainConfig, build_model, fit, make_task
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in models if m not in MODELS]
    if unknown or not models:
        raise CarrylabValueError(f"--models {args.models!r}: unknown model(s) {unknown}; "
                                 f"known: {', '.join(MODELS)}")
    args.task = args.task or "binary-add"
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
            result = fit(config, root / model, progress=False, task=task, log=None,
                         overwrite=args.overwrite)
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
    p.add_argument("--out", type=_output_folder, default="carrylab-tour",
                   help="output folder (default ./carrylab-tour)")
    p.add_argument("--chapters", default=None,
                   help="comma-separated chapters to run (default: all). Known: adders, timing, rnn, analogy")


def _run_tour(args) -> int:
    from . import tour
    return tour.run(args.out, chapters=args.chapters.split(",") if args.chapters else None)


# ---------------------------------------------------------------------- course
def _add_course(sub):
    p = sub.add_parser("course", help="the course notebooks that ship with carrylab",
                       description="The seven course notebooks, from logic gates to the CL-RNN.")
    what = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions = [
        ("release", ["copy"], "write the exercise notebooks (no solutions) for students",
         "Write the exercise notebooks (never any solution) into DIR, for students.",
         "NAME.ipynb.bak-<YYYYmmdd-HHMMSS>"),
        ("solutions", [], "write the solutions notebooks into a folder, for the teacher",
         "Write the worked solutions of every notebook into DIR, for the teacher.",
         "NAME.ipynb.bak-<YYYYmmdd-HHMMSS>"),
        ("nbgrader", [], "write an nbgrader course folder (one assignment per notebook)",
         "Write an nbgrader course folder into DIR: nbgrader_config.py and "
         "source/NN_name/NN_name.ipynb for every notebook, with answer cells, locked graded "
         "test cells (1 point per exercise) and hidden tests for values worked out by hand. "
         "Then, in DIR: nbgrader generate_assignment NN_name; before nbgrader autograde, "
         "run carrylab warmup once.",
         "DIR/replaced-<YYYYmmdd-HHMMSS>/"),
    ]
    for name, aliases, summary, description, backup in actions:
        q = what.add_parser(name, aliases=aliases, help=summary,
                            description=description + " Refuses if a file it would write is "
                                                      "already there, so no work is lost.")
        q.set_defaults(course_action=name)
        q.add_argument("dir", metavar="DIR", help="folder to write into (created if needed)")
        q.add_argument("--overwrite", action="store_true",
                       help=f"replace existing files, first moving each aside to {backup}")
        if name == "nbgrader":
            q.add_argument("--course-id", default="carrylab",
                           help="nbgrader's course id (letters, digits, _ and -; default "
                                "carrylab)")
    q = what.add_parser("guide", help="rewrite the generated sections of the teacher's guide",
                        description="Rewrite the sections of the teacher's guide that are "
                                    "generated from the notebook sources, the exercise checker "
                                    "and benchmarks/course_timing.json (run in the checkout).")
    q.set_defaults(course_action="guide")
    q.add_argument("--check", action="store_true",
                   help="change nothing; exit 1 if a generated section is stale")
    q.add_argument("--guide", default="docs/teaching.md", help="the guide (default %(default)s)")
    q.add_argument("--measured", default=None,
                   help="the measured numbers (default: benchmarks/course_timing.json beside "
                        "the guide's docs/ folder)")


def _run_course(args) -> int:
    from . import course
    if args.course_action == "guide":
        return _run_course_guide(args)
    if args.course_action == "nbgrader":
        written = course.write_nbgrader_course(args.dir, args.course_id, args.overwrite)
        after = (f"Next, in {args.dir}: nbgrader generate_assignment NN_name (one assignment "
                 f"per notebook); run carrylab warmup once before nbgrader autograde.")
    elif args.course_action == "solutions":
        written = course.write_solutions(args.dir, overwrite=args.overwrite)
        after = "These are the worked solutions: keep them away from the students' folders."
    else:
        written = course.write_student_release(args.dir, overwrite=args.overwrite)
        after = "Open the notebooks in Jupyter, starting with 00_tour.ipynb."
    for path, backup in written:
        print(f"wrote {path}" + (f" (the previous file is now {backup})" if backup else ""))
    print(after)
    return 0


def _run_course_guide(args) -> int:
    from .course import guide
    if args.check:
        stale = guide.stale(args.guide, args.measured)
        for name in stale:
            print(f"stale: the {name!r} section of {args.guide} (run carrylab course guide)")
        return 1 if stale else 0
    changed = guide.update(args.guide, args.measured)
    print(f"rewrote {', '.join(changed)} in {args.guide}" if changed
          else f"{args.guide} is up to date")
    return 0


# ---------------------------------------------------------------------- challenge
def _add_challenge(sub):
    p = sub.add_parser("challenge", help="design challenges: check a submission, rank a class",
                       description="Design challenges scored by carrylab: a prefix network under "
                                   "limits, a carry-select block size, the worst input transition, "
                                   "the smallest CL-RNN that adds. A submission is a small JSON "
                                   "file (see `carrylab challenge list` and the docstrings of "
                                   "carrylab.challenges).")
    what = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    what.add_parser("list", help="the challenges: goals, limits, scores",
                    description="List every challenge with its goal, limits and score.")
    q = what.add_parser("check", help="check one submission: verdict, score and feedback",
                        description="Check one submission file and print the verdict, the score "
                                    "and the feedback. Exit status: 0 passed, 1 read but not "
                                    "passed, 2 the file cannot be read (one line per mistake).")
    q.add_argument("file", metavar="FILE", help="a submission (JSON)")
    q = what.add_parser("leaderboard", help="check every *.json in a folder and rank them",
                        description="Check every *.json submission in DIR and print one ranked row "
                                    "per student and challenge; files that cannot be read are "
                                    "listed with their mistakes.")
    q.add_argument("dir", metavar="DIR", help="the folder of submissions")
    q.add_argument("--format", choices=("md", "csv"), default="md",
                   help="Markdown table or CSV (default md)")
    q.add_argument("-o", "--output", type=_output_file, default=None,
                   help="write the board to this file (default: print it)")
    q.add_argument("--quiet", action="store_true", help="no progress lines")


def _run_challenge(args) -> int:
    from . import challenges
    if args.action == "list":
        for challenge in challenges.CHALLENGES.values():
            print(f"{challenge.id}: {challenge.title}")
            for line in challenge.goal():
                print(f"    {line}")
        return 0
    if args.action == "check":
        try:
            result = challenges.check_file(args.file)
        except challenges.SubmissionError as err:
            for line in err.mistakes:
                print(f"carrylab challenge: {args.file}: {line}", file=sys.stderr)
            return 2
        print(result.report())
        return 0 if result.passed else 1
    progress = None if args.quiet else (lambda line: print(line, file=sys.stderr))
    rows = challenges.leaderboard(args.dir, log=progress)
    text = challenges.render(rows, args.format)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(f"{len(rows)} row(s) written to {args.output}")
    else:
        print(text)
    return 0


# ---------------------------------------------------------------------- warmup
def _add_warmup(sub):
    p = sub.add_parser("warmup", help="compile the Numba kernels the course and the tour use, once",
                       description="Compile every Numba kernel the course notebooks, the tour and "
                                   "the other commands use into Numba's per-user cache "
                                   "($NUMBA_CACHE_DIR, else ~/.cache/carrylab/numba), so that no "
                                   "notebook cell waits for a compiler. Takes a few minutes the "
                                   "first time; afterwards it finds everything cached and takes "
                                   "seconds.")
    p.add_argument("--quiet", action="store_true", help="print nothing")


def _run_warmup(args) -> int:
    from .warmup import run
    run(quiet=args.quiet)
    return 0


# ---------------------------------------------------------------------- main
_COMMANDS = ["add", "adders", "timing", "verilog", "export", "grade", "draw", "train", "eval",
             "compare", "tour", "course", "challenge", "warmup"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carrylab",
        description="Carry propagation in adders and hidden-state propagation in RNNs are the "
                    "same problem; carry lookahead solves both.",
        epilog="Start with: carrylab tour")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error instead of one line "
                             "(also accepted after the command)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        globals()[f"_add_{name}"](sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    if (status := _report_shadowed()) is not None:   # another 'rnn', 'viz' or 'adders'
        return status                                 # first on the path: one line
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv                    # anywhere: carrylab train ... --debug
    args = parser.parse_args([a for a in argv if a != "--debug"])
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return globals()[f"_run_{args.command}"](args)
    except Exception as err:
        status = _exit_status(err)
        if debug or status is None:              # a bug: the traceback is the report
            raise
        print(f"carrylab {args.command}: {_one_line(err)}", file=sys.stderr)
        return status
    except KeyboardInterrupt:
        if debug:
            raise
        hint = (f"; continue with: carrylab train --resume {args.resume or args.out or 'DIR'}"
                if args.command == "train" else "")
        print(f"carrylab {args.command}: interrupted{hint}", file=sys.stderr)
        return 130


def _report_shadowed() -> int | None:
    """Check that adders, rnn and viz are carrylab's before importing any of them.

    The checker is read from carrylab's own ``adders/_shadowing.py`` by its path, so a
    foreign module named ``adders`` is reported without being run."""
    import importlib.util
    path = Path(__file__).resolve().parent.parent / "adders" / "_shadowing.py"
    spec = importlib.util.spec_from_file_location("_carrylab_shadowing", path)
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    return checker.report_shadowed()


def _exit_status(err: Exception) -> int | None:
    """1 for a diverged training, 2 for a user's mistake or an unusable file, None for a
    bug (an InternalError or anything carrylab did not raise on purpose)."""
    from adders.errors import CarrylabError, InternalError
    train = sys.modules.get("rnn.train")         # never loaded: no training ran, none diverged
    if train is not None and isinstance(err, train.TrainingDiverged):
        return 1
    if isinstance(err, InternalError):
        return None
    if isinstance(err, (CarrylabError, OSError)):
        return 2
    return None


def _one_line(err: Exception) -> str:
    """The message of ``err`` on one line; an OSError names its file."""
    if isinstance(err, OSError) and err.filename is not None and err.strerror:
        text = f"{err.filename}: {err.strerror}"
    else:
        text = str(err)
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
