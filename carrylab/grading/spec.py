"""What a graded adder must be: the spec, its limits, the loader of drawn circuits, the
interface check, and the input vectors and transitions it is graded on."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from adders.checks import check_int
from adders.errors import CarrylabValueError

__all__ = ["SPECS", "LIMITS", "EXHAUSTIVE_INPUT_BITS", "RANDOM_VECTORS", "CIRCUIT_SUFFIXES",
           "GradeError", "load_circuit", "check_interface", "buses_text", "a_or_an",
           "adder_vectors", "adder_transitions"]


#: Specifications a circuit can be graded against.
SPECS = ("adder",)

#: Largest jobs :func:`grade_circuit` takes: operand width in bits (operands are uint64
#: words), gates, random vectors and random transitions.
LIMITS = {"bits": 64, "gates": 20_000, "vectors": 1_000_000, "transitions": 5_000}

#: Up to this many input bits (``2 * bits + 1``) correctness is checked exhaustively.
EXHAUSTIVE_INPUT_BITS = 16

#: Random vectors tried (after the corner cases) when exhaustive checking is too big.
RANDOM_VECTORS = 65_536

#: File suffix -> (module, function, tool) that reads it.
CIRCUIT_SUFFIXES = {
    ".circ": ("adders.logisim", "from_logisim", "Logisim-evolution"),
    ".dig": ("adders.digital", "from_digital", "Digital"),
    ".graphml": ("adders.export", "from_graphml", "carrylab GraphML"),
}


class GradeError(CarrylabValueError):
    """A circuit whose interface does not fit the spec: a bus missing, of the wrong width,
    an unexpected input, or ``bits`` other than the circuit's width."""


# ---------------------------------------------------------------------- loading
def load_circuit(path):
    """Read a circuit file, by its suffix: ``.circ`` (Logisim-evolution), ``.dig`` (Digital),
    ``.graphml`` (:func:`adders.export.to_graphml`). Returns an :class:`adders.Circuit`.

    Raises
    ------
    OSError
        No such file (FileNotFoundError), or one that cannot be opened.
    CarrylabValueError
        Another suffix; the readers raise their own errors for files they cannot use.
    """
    import importlib
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CIRCUIT_SUFFIXES:
        known = ", ".join(f"{s} ({tool})" for s, (_, _, tool) in CIRCUIT_SUFFIXES.items())
        raise CarrylabValueError(f"{path}: cannot grade a {suffix or 'suffix-less'!r} file; "
                                 f"circuit files are {known}")
    path.open("rb").close()       # a missing file: the OS's own error, naming the file
    module, function, _ = CIRCUIT_SUFFIXES[suffix]
    # Imported here: the readers are only needed for their own file type.
    return getattr(importlib.import_module(module), function)(path)


# ---------------------------------------------------------------------- the spec
def _adder_buses(bits: int) -> tuple[dict, dict]:
    """({input bus: width}, {output bus: width}) of a ``bits``-bit adder."""
    return {"a": bits, "b": bits, "cin": 1}, {"s": bits, "cout": 1}


def buses_text(buses: dict) -> str:
    """``{bus: width}`` as "a[4], b[4]" ("none" if empty)."""
    return ", ".join(f"{bus}[{w}]" for bus, w in buses.items()) or "none"


def a_or_an(bits: int) -> str:
    """The article of "a 4-bit", "an 8-bit", "an 11-bit"."""
    return "an" if str(bits).startswith("8") or bits in (11, 18) else "a"


def check_interface(circuit, bits) -> tuple[int, list[str]]:
    """Check the buses against the adder spec; return (bits, extra output buses).
    ``bits`` None takes the width of ``a``."""
    found_in = {bus: len(nets) for bus, nets in circuit.inputs.items()}
    found_out = {bus: len(nets) for bus, nets in circuit.outputs.items()}
    found = f"found inputs {buses_text(found_in)} and outputs {buses_text(found_out)}"
    if bits is None:
        if "a" not in found_in:
            raise GradeError(f"circuit {circuit.name!r}: no input bus 'a' to take the width from "
                             f"({found}); name the pins a, b, cin, s, cout, or give bits")
        bits = found_in["a"]
    _check_bits(bits)
    width = found_in.get("a")
    if width is not None and width != bits and not _problems(found_in, found_out, width):
        raise GradeError(f"circuit {circuit.name!r} is {a_or_an(width)} {width}-bit adder ({found}), "
                         f"but bits = {bits} asks for {a_or_an(bits)} {bits}-bit one")
    problems = _problems(found_in, found_out, bits)
    if problems:
        want_in, want_out = _adder_buses(bits)
        raise GradeError(f"circuit {circuit.name!r} is not {a_or_an(bits)} {bits}-bit adder: "
                         f"{'; '.join(problems)} ({found}; the spec needs inputs "
                         f"{buses_text(want_in)} and outputs {buses_text(want_out)})")
    return bits, [bus for bus in found_out if bus not in _adder_buses(bits)[1]]


def _problems(found_in: dict, found_out: dict, bits: int) -> list[str]:
    """What keeps buses ``found_in`` / ``found_out`` from a ``bits``-bit adder's."""
    want_in, want_out = _adder_buses(bits)
    problems = []
    for kind, want, have in (("input", want_in, found_in), ("output", want_out, found_out)):
        for bus, width in want.items():
            if bus not in have:
                text = f"{kind} bus {bus!r} is missing"
                other = found_out if kind == "input" else found_in
                if bus in other:
                    text += f" (it is an {'output' if kind == 'input' else 'input'})"
                else:
                    near = [b for b in have if b.lower() == bus and b != bus]
                    if near:
                        text += f" (there is {near[0]!r}: bus names are lower case)"
                problems.append(text)
            elif have[bus] != width:
                problems.append(f"{kind} bus {bus!r} is {have[bus]} bit{'s' * (have[bus] != 1)} "
                                f"wide, not {width}")
    extra_in = [bus for bus in found_in if bus not in want_in]
    if extra_in:
        problems.append(f"unexpected input bus{'es' * (len(extra_in) > 1)} "
                        f"{', '.join(map(repr, extra_in))}")
    return problems


def _check_bits(bits) -> int:
    if isinstance(bits, (int, np.integer)) and not isinstance(bits, bool) and bits > LIMITS["bits"]:
        raise CarrylabValueError(f"bits = {bits} is too wide to grade: at most {LIMITS['bits']} bits "
                                 f"(operands travel as 64-bit words)")
    return check_int(bits, "bits", 1, LIMITS["bits"])


# ---------------------------------------------------------------------- vectors
def adder_vectors(bits: int, vectors: int = RANDOM_VECTORS, seed: int = 0):
    """The input vectors a ``bits``-bit adder is checked on, in order.

    Exhaustive when ``2 * bits + 1 <= EXHAUSTIVE_INPUT_BITS``: vector k has
    ``cin = k >> (2 * bits)``, ``a = (k >> bits) & mask``, ``b = k & mask``. Otherwise the
    corner cases of :func:`adders.export.edge_vectors`, carry chains of every length from
    every bit, single bits, then ``vectors`` uniform random vectors (NumPy, ``seed``).

    Returns
    -------
    (a, b, cin, exhaustive, corners) : three (vectors,) uint64 arrays, a bool, and how many
        of the vectors are corner cases (0 when exhaustive).
    """
    bits = _check_bits(bits)
    seed = check_int(seed, "seed", 0)
    if 2 * bits + 1 <= EXHAUSTIVE_INPUT_BITS:
        k = np.arange(1 << (2 * bits + 1), dtype=np.uint64)
        mask = np.uint64((1 << bits) - 1)
        return (k >> np.uint64(bits)) & mask, k & mask, k >> np.uint64(2 * bits), True, 0
    vectors = check_int(vectors, "vectors", 0, LIMITS["vectors"])
    corners = _corner_vectors(bits)
    rng = np.random.default_rng(seed)
    # (vectors,) uint64 each; the high end 2**bits is exclusive and fits uint64 at 64 bits.
    ra = rng.integers(0, 1 << bits, size=vectors, dtype=np.uint64)
    rb = rng.integers(0, 1 << bits, size=vectors, dtype=np.uint64)
    rc = rng.integers(0, 2, size=vectors, dtype=np.uint64)
    ca, cb, cc = (np.array([v[i] for v in corners], dtype=np.uint64) for i in range(3))
    return (np.concatenate([ca, ra]), np.concatenate([cb, rb]), np.concatenate([cc, rc]),
            False, len(corners))


def _corner_vectors(bits: int) -> list[tuple[int, int, int]]:
    """(a, b, cin) corner cases, deduplicated in order of first appearance."""
    from adders.export import edge_vectors
    full = (1 << bits) - 1
    # From the spec's buses, not the student's circuit: every submission gets the same.
    out = [(v["a"], v["b"], v["cin"]) for v in edge_vectors(_spec_shell(bits))]
    for j in range(bits):
        above = full & ~((1 << j) - 1)              # ones from bit j up
        out += [(above, 1 << j, 0), (1 << j, above, 0),  # carry made at bit j, rippling to cout
                ((1 << (j + 1)) - 1, 0, 1),          # cin rippling through j + 1 bits
                (1 << j, 0, 0), (0, 1 << j, 0), (1 << j, 1 << j, 0)]
    return list(dict.fromkeys(out))


def _spec_shell(bits: int):
    """A gate-less circuit with the adder's input buses, for :func:`edge_vectors`."""
    from adders import Circuit
    shell = Circuit("adder_spec")
    for bus, width in _adder_buses(bits)[0].items():
        shell.add_input(bus, width)
    return shell


def adder_transitions(bits: int, transitions: int = 200, seed: int = 0) -> list[tuple[dict, dict]]:
    """The input transitions a ``bits``-bit adder is timed on: corner cases, then
    ``transitions`` random ones (``random.Random(seed)``). Each is ``(before, after)``,
    dicts of a, b, cin.

    Corners: a carry made at bit 0 rippling to cout (0 -> a = all ones, b = 1) and falling
    back; cin rippling through all-propagate bits; a0 switching while cin ripples (the
    ripple adder's critical path); both operands full with cin; alternating bits.
    """
    bits = _check_bits(bits)
    transitions = check_int(transitions, "transitions", 0, LIMITS["transitions"])
    seed = check_int(seed, "seed", 0)
    full = (1 << bits) - 1
    alt = int("01" * bits, 2) & full
    zero = (0, 0, 0)
    corners = [
        (zero, (full, 1, 0)), ((full, 1, 0), zero),
        (zero, (full, 0, 1)), ((full, 0, 0), (full, 0, 1)), ((full, 0, 1), (full, 0, 0)),
        ((full ^ 1, 0, 1), (full, 0, 1)), ((0, full ^ 1, 1), (0, full, 1)),
        (zero, (full, full, 1)), ((full, full, 1), zero),
        ((alt, alt ^ full, 0), (alt, alt ^ full, 1)), ((alt, 0, 0), (alt ^ full, 0, 0)),
    ]
    rng = random.Random(seed)

    def rand():
        return rng.getrandbits(bits), rng.getrandbits(bits), rng.getrandbits(1)

    pairs = list(dict.fromkeys(corners)) + [(rand(), rand()) for _ in range(transitions)]
    names = ("a", "b", "cin")
    return [(dict(zip(names, x)), dict(zip(names, y))) for x, y in pairs]
