"""The argparse helpers the commands share: bounded numbers, output paths, operands,
and :data:`LIMITS`, the largest sizes any command accepts."""
from __future__ import annotations

import argparse
import contextlib
import math
import sys
from pathlib import Path

__all__ = ["int_flag", "real_flag", "width_flag", "output_file", "output_folder", "long_integers",
           "operand_flag", "arch_choices", "text_table", "operand_list", "delay_value",
           "transition_operands", "xor_delays", "network_choices", "fraction_flag", "int_list_flag", "LIMITS"]


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


def int_flag(flag: str, minimum: int = 1, maximum: int | None = None):
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


def real_flag(flag: str, minimum: float = 0.0, strict: bool = False, maximum: float | None = None):
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


def width_flag(limit: int):
    """An argparse type for ``--bits``: an int from 1 to ``limit``."""
    return int_flag("--bits", 1, limit)


def output_file(text: str) -> str:
    """An argparse type: a file path whose folder exists (checked before any work)."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; give a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {text}: the folder {folder} does not exist")
    return text


def output_folder(text: str) -> str:
    """An argparse type: a folder path that is not an existing file."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    return text


@contextlib.contextmanager
def long_integers():
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


def operand_flag(text: str) -> int:
    """Decimal, 0x.. hex or 0b.. binary, as Python reads integer literals."""
    try:
        with long_integers():
            return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"operand {text[:40]!r}{'...' if len(text) > 40 else ''} is not an integer "
            f"(use decimal, 0x.. or 0b..)") from None


def arch_choices():
    """The adder architectures, for ``--arch`` choices."""
    from adders import ARCHITECTURES
    return list(ARCHITECTURES)


def text_table(rows: list[dict], columns: list[str]) -> str:
    """A plain fixed-width text table."""
    cells = [[("-" if r.get(c) is None else str(r[c])) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[k]) for row in cells)) for k, c in enumerate(columns)]
    line = "  ".join(c.rjust(w) if k else c.ljust(w) for k, (c, w) in enumerate(zip(columns, widths)))
    out = [line, "  ".join("-" * w for w in widths)]
    for row in cells:
        out.append("  ".join(v.rjust(w) if k else v.ljust(w) for k, (v, w) in enumerate(zip(row, widths))))
    return "\n".join(out)


def operand_list(text: str) -> tuple[int, ...]:
    """'a,b' or 'a,b,cin': integers as Python reads literals (decimal, 0x.., 0b..)."""
    parts = text.split(",")
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError(f"expected a,b or a,b,cin (e.g. 0,0 or 255,1,0), got {text!r}")
    return tuple(operand_flag(p.strip()) for p in parts)


def delay_value(text: str):
    """A gate delay: an int ('2') or a decimal ('1.5'), from 0 to MAX_DELAY."""
    from adders.timing import MAX_DELAY
    try:
        value = int(text)
    except ValueError:
        value = real_flag("--xor-delay", 0.0, maximum=MAX_DELAY)(text)
    if not 0 <= value <= MAX_DELAY:
        raise argparse.ArgumentTypeError(f"--xor-delay must be from 0 to {MAX_DELAY:,} gate delays, "
                                         f"got {text}")
    return value


def transition_operands(values: tuple[int, ...]) -> dict:
    """``(a, b)`` or ``(a, b, cin)`` from :func:`operand_list` -> the inputs of a transition."""
    ops = {"a": values[0], "b": values[1]}
    if len(values) == 3:
        ops["cin"] = values[2]
    return ops


def xor_delays(value):
    """``--xor-delay``'s value -> the Delays it sets (None: every gate takes one delay)."""
    from adders.timing import Delays
    return Delays(per_kind={"XOR": value}) if value is not None else None


def network_choices():
    """The prefix networks, for ``--network`` choices."""
    from adders.prefix import NETWORKS
    return list(NETWORKS)


def fraction_flag(flag: str):
    """An argparse type: a float p with 0 <= p < 1 (a dropout rate)."""
    def parse(text: str) -> float:
        value = real_flag(flag, 0.0)(text)
        if value >= 1.0:
            raise argparse.ArgumentTypeError(f"{flag} must be in [0, 1), got {text}")
        return value
    return parse


def int_list_flag(flag: str, minimum: int = 1, maximum: int | None = None):
    """An argparse type: comma-separated ints within bounds ('450,450,100') -> a tuple."""
    one = int_flag(flag, minimum, maximum)

    def parse(text: str) -> tuple[int, ...]:
        parts = [p.strip() for p in text.split(",")]
        if not all(parts):
            raise argparse.ArgumentTypeError(f"{flag} must be comma-separated integers such as "
                                             f"450,450,100, got {text!r}")
        try:
            return tuple(one(p) for p in parts)
        except argparse.ArgumentTypeError as err:
            raise argparse.ArgumentTypeError(f"{err} (in {flag} {text})") from None
    return parse
