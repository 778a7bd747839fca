"""The ``carrylab`` command: the front door to adders/, rnn/ and viz/.

Each subcommand is a pair of functions in :mod:`carrylab.commands`, ``add_<name>(subparsers)``
declaring its arguments and ``run_<name>(args)`` doing the work through the libraries;
:data:`COMMANDS` maps each name to its pair. No logic of its own lives here.

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
import gc
import sys
from pathlib import Path

from .commands import circuits, course, drawing, sweep, training
from .commands.flags import LIMITS

__all__ = ["main", "run", "build_parser", "LIMITS", "COMMANDS"]

#: command name -> (declare its arguments on the subparsers, run it on the parsed args),
#: in the order ``carrylab --help`` lists them.
COMMANDS = {
    "add": (circuits.add_add, circuits.run_add),
    "adders": (circuits.add_adders, circuits.run_adders),
    "timing": (circuits.add_timing, circuits.run_timing),
    "verilog": (circuits.add_verilog, circuits.run_verilog),
    "export": (circuits.add_export, circuits.run_export),
    "grade": (circuits.add_grade, circuits.run_grade),
    "draw": (drawing.add_draw, drawing.run_draw),
    "train": (training.add_train, training.run_train),
    "eval": (training.add_eval, training.run_eval),
    "compare": (training.add_compare, training.run_compare),
    "sweep": (sweep.add_sweep, sweep.run_sweep),
    "tour": (course.add_tour, course.run_tour),
    "course": (course.add_course, course.run_course),
    "challenge": (course.add_challenge, course.run_challenge),
    "warmup": (course.add_warmup, course.run_warmup),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command (builds without importing rnn or Numba), or, with
    ``only`` = a command name, the parser with just that command declared (what
    :func:`main` uses to run one: declaring every command would import adders and
    networkx for the ``--arch`` choices even to draw a prefix network)."""
    parser = argparse.ArgumentParser(
        prog="carrylab",
        description="Carry propagation in adders and hidden-state propagation in RNNs are the "
                    "same problem; carry lookahead solves both.",
        epilog="Start with: carrylab tour")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error instead of one line "
                             "(also accepted after the command)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (add, _) in COMMANDS.items():
        if only is None or name == only:
            add(sub)
    return parser


def run() -> int:
    """The process's entry point (``carrylab``, ``python -m carrylab``): :func:`main`, then
    :func:`gc.freeze`, so that the interpreter's exit skips its last garbage collection
    over every object the command left behind: matplotlib and Numba leave so many that
    the collection took 0.3 s of a 2 s picture command. The command has closed its
    files by then; only unreachable cycles are left unfinalised, as the process ends."""
    status = main()
    gc.freeze()
    return status


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    if (status := _report_shadowed()) is not None:   # another 'rnn', 'viz' or 'adders'
        return status                                 # first on the path: one line
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv                    # anywhere: carrylab train ... --debug
    argv = [a for a in argv if a != "--debug"]
    # The command is the first argument when it names one (no top-level option but
    # --debug takes a value); anything else (--help, a typo) gets the full parser.
    command = argv[0] if argv and argv[0] in COMMANDS else None
    parser = build_parser(only=command)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return COMMANDS[args.command][1](args)
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
