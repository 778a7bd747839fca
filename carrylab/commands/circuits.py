"""The circuit commands: ``add``, ``adders``, ``timing``, ``verilog``, ``export``, ``grade``.

Each command is a pair, ``add_<name>(subparsers)`` declaring its arguments and
``run_<name>(args)`` doing the work through :mod:`adders`."""
from __future__ import annotations

from pathlib import Path

from .flags import (
    LIMITS,
    arch_choices,
    delay_value,
    int_flag,
    long_integers,
    operand_flag,
    operand_list,
    output_file,
    text_table,
    transition_operands,
    width_flag,
    xor_delays,
)

__all__ = ["add_add", "run_add", "add_adders", "run_adders", "add_timing", "run_timing",
           "add_verilog", "run_verilog", "add_export", "run_export", "add_grade", "run_grade"]


def add_add(sub):
    """Declare ``carrylab add`` and its arguments on the subparsers ``sub``."""
    p = sub.add_parser("add", help="add two numbers on a gate-level adder and show every carry",
                       description="Add A + B (+ cin) on the chosen adder, gate by gate, and print "
                                   "the operands, the sum, the carry-out and the carry into every bit.")
    p.add_argument("a", type=operand_flag, help="first operand (decimal, 0x.. or 0b..)")
    p.add_argument("b", type=operand_flag, help="second operand")
    p.add_argument("--arch", default="kogge-stone", choices=arch_choices(), help="adder architecture")
    p.add_argument("--bits", type=width_flag(LIMITS["add_bits"]), default=16,
                   help=f"width n in bits, 1 to {LIMITS['add_bits']:,} (default 16)")
    p.add_argument("--cin", type=int, choices=(0, 1), default=0, help="carry-in (default 0)")


def run_add(args) -> int:
    """Run ``carrylab add`` on the parsed ``args``; return the exit status."""
    with long_integers():
        return _show_addition(args)


def _show_addition(args) -> int:
    from adders import build
    circuit = build(args.arch, args.bits)
    # Gate by gate in the order built: the sum, gate count and depth printed below,
    # without the levelising, graph and fanout count of evaluate() and stats().
    result, stats = circuit.evaluate_and_measure(a=args.a, b=args.b, cin=args.cin)
    n = args.bits
    s, cout = result["s"], result["cout"]
    # The carry into bit i is what the circuit added to a_i ^ b_i to get s_i.
    carries = (s ^ args.a ^ args.b) | (cout << n)
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
def add_adders(sub):
    """Declare ``carrylab adders`` and its arguments on the subparsers ``sub``."""
    p = sub.add_parser("adders", help="table of every adder architecture at one width",
                       description="Build every architecture at the given width and print gates, "
                                   "depth, max fanout and, for prefix adders, the network's cells "
                                   "and wiring tracks.")
    p.add_argument("--bits", type=width_flag(LIMITS["circuit_bits"]), default=32,
                   help=f"width n in bits, 1 to {LIMITS['circuit_bits']:,} (default 32)")


def run_adders(args) -> int:
    """Run ``carrylab adders`` on the parsed ``args``; return the exit status."""
    from adders.measures import measure_architectures
    rows = measure_architectures([args.bits])
    print(f"Adders of {args.bits} bits (depth in gate levels, unit delay, unlimited fan-in)")
    print(text_table(rows, ["arch", "gates", "depth", "max_fanout", "cells", "tracks"]))
    return 0


def add_timing(sub):
    """Declare ``carrylab timing`` and its arguments on the subparsers ``sub``."""
    p = sub.add_parser("timing", help="event-driven timing of one input transition",
                       description="Settle the adder at --from, switch its inputs to --to at t = 0 and "
                                   "simulate gate delays event by event: print the events, the settle "
                                   "time of every output bus, the glitches and the static critical path.")
    p.add_argument("--arch", default="ripple", choices=arch_choices(), help="adder architecture")
    p.add_argument("--bits", type=width_flag(LIMITS["circuit_bits"]), default=8,
                   help=f"width n in bits, 1 to {LIMITS['circuit_bits']:,} (default 8)")
    p.add_argument("--from", dest="before", type=operand_list, default=(0, 0),
                   help="a,b[,cin] before the switch (default 0,0; cin defaults to 0)")
    p.add_argument("--to", dest="after", type=operand_list, default=None,
                   help="a,b[,cin] after the switch (default 2^n-1,1: a carry through every bit)")
    p.add_argument("--mode", choices=("transport", "inertial"), default="transport",
                   help="transport passes every pulse; inertial swallows pulses shorter than a gate's delay")
    p.add_argument("--xor-delay", type=delay_value, default=None,
                   help="delay of XOR gates in gate delays (every other gate: 1)")
    p.add_argument("--vcd", type=output_file, default=None,
                   help="also write the waveforms to this VCD file (GTKWave)")
    p.add_argument("--max-events", type=int_flag("--max-events", 0, LIMITS["max_events"]), default=80,
                   help="print at most this many events (default 80; 0: none)")


def run_timing(args) -> int:
    """Run ``carrylab timing`` on the parsed ``args``; return the exit status."""
    from adders import build
    from adders.export import to_vcd
    from adders.timing import critical_path, simulate_transition
    circuit = build(args.arch, args.bits)
    delays = xor_delays(args.xor_delay)
    after = args.after if args.after is not None else ((1 << args.bits) - 1, 1)
    trace = simulate_transition(circuit, transition_operands(args.before),
                                transition_operands(after), delays, mode=args.mode)
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
def add_verilog(sub):
    """Declare ``carrylab verilog`` and its arguments on the subparsers ``sub``."""
    p = sub.add_parser("verilog", help="write an adder as structural Verilog, with a testbench",
                       description="Write the adder as a Verilog module of gate primitives and, with "
                                   "--testbench, a self-checking testbench whose expected outputs "
                                   "carrylab computes. Run them with: iverilog -o sim OUT TB && vvp sim")
    p.add_argument("--arch", default="kogge-stone", choices=arch_choices(), help="adder architecture")
    p.add_argument("--bits", type=width_flag(LIMITS["circuit_bits"]), default=16,
                   help=f"width n in bits, 1 to {LIMITS['circuit_bits']:,} (default 16)")
    p.add_argument("-o", "--output", type=output_file, default=None,
                   help="Verilog file to write (default: print it)")
    p.add_argument("--module", default=None,
                   help="module name, a Verilog identifier that is no (System)Verilog keyword "
                        "(default: the circuit's name)")
    p.add_argument("--testbench", type=output_file, default=None,
                   help="also write a self-checking testbench here")
    p.add_argument("--vectors", type=int_flag("--vectors", 0, LIMITS["vectors"]), default=1000,
                   help=f"random test vectors in the testbench, besides the edge cases, 0 to "
                        f"{LIMITS['vectors']:,} (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random vectors (default 0)")
    p.add_argument("--xor-delay", type=delay_value, default=None,
                   help="write gate delays: XOR gates this many gate delays, others 1 (1 gd = 1 ns)")


def run_verilog(args) -> int:
    """Run ``carrylab verilog`` on the parsed ``args``; return the exit status."""
    from pathlib import Path

    from adders import build
    from adders.export import edge_vectors, to_testbench, to_verilog
    circuit = build(args.arch, args.bits)
    delays = xor_delays(args.xor_delay)
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


def add_export(sub):
    """Declare ``carrylab export`` and its arguments on the subparsers ``sub``."""
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
    p.add_argument("--arch", default="ripple", choices=arch_choices(), help="adder architecture")
    p.add_argument("--bits", type=width_flag(LIMITS["drawn_bits"]), default=4,
                   help=f"width n in bits, 1 to {LIMITS['drawn_bits']} (pins carry at most "
                        f"{LIMITS['drawn_bits']} bits; default 4)")
    p.add_argument("-o", "--output", type=output_file, required=True,
                   help="the file to write (.circ for logisim, .dig for digital)")
    p.add_argument("--tests", type=output_file, default=None,
                   help="logisim only: also write Logisim-evolution's test vectors here (.txt)")
    p.add_argument("--vectors", type=int_flag("--vectors", 0, 100_000), default=None,
                   help="test the carry-chain corner cases plus this many random vectors, 0 to "
                        "100,000 (default: every input when there are at most 12 input bits, "
                        "else the corner cases plus 100 random vectors)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random vectors (default 0)")


def run_export(args) -> int:
    """Run ``carrylab export`` on the parsed ``args``; return the exit status."""
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
def add_grade(sub):
    """Declare ``carrylab grade`` and its arguments on the subparsers ``sub``."""
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
    p.add_argument("--bits", type=width_flag(LIMITS["drawn_bits"]), default=None,
                   help=f"width n the adder must have, 1 to {LIMITS['drawn_bits']} "
                        f"(default: the width of its input A)")
    p.add_argument("--transitions", type=int_flag("--transitions", 0, 5_000), default=200,
                   help="random input transitions timed beside the corner cases, 0 to 5,000 "
                        "(default 200)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random vectors (default 0)")
    p.add_argument("--schematic", type=output_file, default=None,
                   help="also draw the circuit with its critical path to this PNG")


def run_grade(args) -> int:
    """Run ``carrylab grade`` on the parsed ``args``; return the exit status."""
    from ..grading import run_grade_command
    return run_grade_command(args.file, spec=args.spec, bits=args.bits, out=args.schematic,
                             transitions=args.transitions, seed=args.seed)
