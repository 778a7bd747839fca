"""The ``draw`` command: prefix networks, schematics, timing diagrams and receptive
fields into image files (``add_draw`` declares it, ``run_draw`` runs it)."""
from __future__ import annotations

from .flags import (
    LIMITS,
    arch_choices,
    delay_value,
    int_flag,
    network_choices,
    operand_list,
    output_file,
    output_folder,
    transition_operands,
    width_flag,
    xor_delays,
)

__all__ = ["add_draw", "run_draw"]


def add_draw(sub):
    """Declare ``carrylab draw`` and its arguments on the subparsers ``sub``."""
    p = sub.add_parser("draw", help="draw a prefix network, a schematic, a timing diagram or a "
                                    "receptive field into an image file",
                       description="Write one picture; the format follows the file's extension "
                                   "(.png, .svg, .pdf).")
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    from viz.rnn import MAX_DRAWN_FIELD

    q = what.add_parser("prefix", help="a prefix network, labelled as an adder or as an RNN scan")
    q.add_argument("--network", default="kogge-stone", choices=network_choices(),
                   help="prefix network (default kogge-stone)")
    q.add_argument("--bits", type=width_flag(LIMITS["prefix_bits"]), default=16,
                   help=f"positions n, 1 to {LIMITS['prefix_bits']:,} (default 16; above about 64 "
                        f"the columns get too narrow to read)")
    q.add_argument("--labels", default="adder", choices=("adder", "rnn"),
                   help="adder: g,p in, carries out, bit 0 on the right; "
                        "rnn: a,b in, h out, t = 0 on the left")
    q.add_argument("--highlight", type=int, default=None, metavar="I",
                   help="colour what output position I depends on")
    q.add_argument("--poster", action="store_true",
                   help="both labellings side by side: one prefix network, two algebras")
    q.add_argument("-o", "--output", type=output_file, required=True, help="image file to write")

    q = what.add_parser("circuit", help="a gate-level schematic, or the bit-slice block view")
    q.add_argument("--arch", default="cla", choices=arch_choices(), help="adder architecture")
    q.add_argument("--bits", type=width_flag(LIMITS["circuit_bits"]), default=8,
                   help=f"width n in bits, 1 to {LIMITS['circuit_bits']:,} (default 8)")
    q.add_argument("--path", action="store_true", help="highlight the critical path")
    q.add_argument("--blocks", action="store_true",
                   help="one block per bit (always used above 16 bits)")
    q.add_argument("-o", "--output", type=output_file, required=True, help="image file to write")

    q = what.add_parser("waveform", help="timing diagram of one input transition")
    q.add_argument("--arch", default="ripple", choices=arch_choices(), help="adder architecture")
    q.add_argument("--bits", type=width_flag(LIMITS["waveform_bits"]), default=8,
                   help=f"width n in bits, 1 to {LIMITS['waveform_bits']:,} (default 8)")
    q.add_argument("--from", dest="before", type=operand_list, default=(0, 0),
                   help="a,b[,cin] before the switch (default 0,0)")
    q.add_argument("--to", dest="after", type=operand_list, default=None,
                   help="a,b[,cin] after the switch (default 2^n-1,1: a carry through every bit)")
    q.add_argument("--mode", choices=("transport", "inertial"), default="transport")
    q.add_argument("--xor-delay", type=delay_value, default=None,
                   help="delay of XOR gates in gate delays (every other gate: 1)")
    q.add_argument("--nets", default=None,
                   help="comma-separated nets to show (default: changed inputs, carries, sums)")
    q.add_argument("-o", "--output", type=output_file, required=True, help="image file to write")

    q = what.add_parser("receptive-field", help="which inputs a CL-RNN / TCN output sees")
    q.add_argument("--kernel-size", type=int_flag("--kernel-size", 1), default=2, help="k (default 2)")
    q.add_argument("--levels", type=int_flag("--levels", 1), default=4,
                   help=f"L, dilations 1, 2, ..., 2^(L-1) (default 4); the field "
                        f"R = 1 + (k-1)(2^L - 1) may be at most {MAX_DRAWN_FIELD:,} inputs")
    q.add_argument("-o", "--output", type=output_file, required=True, help="image file to write")

    q = what.add_parser("gallery", help="write every picture of the docs into a folder")
    q.add_argument("--out", type=output_folder, default="docs", help="folder (default ./docs)")


def run_draw(args) -> int:
    """Run ``carrylab draw`` on the parsed ``args``; return the exit status."""
    import viz
    if args.what == "gallery":
        for path in viz.write_gallery(args.out):
            print(f"wrote {path}")
        return 0
    if args.what == "prefix":
        from adders.prefix import network
        net = network(args.network, args.bits)
        # Only a file is written: a bare Figure, no pyplot to import.
        fig = (viz.analogy(net, highlight=args.highlight, pyplot=False) if args.poster else
               viz.draw_prefix(net, labels=args.labels, highlight=args.highlight, pyplot=False))
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
        trace = simulate_transition(build(args.arch, args.bits), transition_operands(args.before),
                                    transition_operands(after), xor_delays(args.xor_delay),
                                    mode=args.mode)
        fig = viz.waveforms(trace, nets=args.nets.split(",") if args.nets else None)
        print(trace.summary())
    else:
        fig = viz.receptive_field(args.kernel_size, args.levels)
    fig.savefig(args.output, dpi=_DPI, facecolor="white",
                **({"pil_kwargs": _PNG} if args.output.lower().endswith(".png") else {}))
    print(f"wrote {args.output}")
    if args.what in ("prefix", "circuit"):
        _density_note(fig, args.bits * (2 if getattr(args, "poster", False) else 1), args)
    return 0


_DPI = 120
# zlib level 3 encodes a 64-position prefix network in less than half the time of the
# default level 6, for a file about a tenth larger.
_PNG = {"compress_level": 3}
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
