"""Logic simulation: one vector in Python, or millions, 64 to a machine word, in Numba.

Bit-parallel ("bit-sliced") simulation stores one *net* per row and one *test vector per
bit*: word ``w`` of row ``r`` holds the value of net ``r`` for vectors ``64w .. 64w+63``.
A gate is then one bitwise instruction for 64 vectors at once, and the levelised netlist
(gates in topological order) runs as a straight list of word operations. Operands arrive
as one integer per vector (bit i = bus bit i), so they are turned sideways first: each
block of 64 vectors x 64 bits is a 64x64 bit-matrix transpose (six swap stages, as in
Warren's *Hacker's Delight*, section 7-3). The kernels live in :mod:`adders.bitslice`,
imported (with Numba) by the first batch call: one-vector :func:`evaluate` is plain Python.

Cost: gates x ceil(vectors / 64) word operations, plus one transpose per wide bus and
64 vectors; no per-vector Python work. Threads split the vectors into tiles; each thread
owns its tiles (no shared writes). With uint64 operands and results, :func:`simulate`
is one kernel from operands to sums, run by one of two engines: the interpreter of
:mod:`adders.bitslice` (one kernel for every circuit, walking its gate list) or a
kernel generated for the circuit by :mod:`adders.codegen` (one vector instruction per
gate, compiled once per circuit structure and cached on disk); ``engine="auto"``
picks by the rule in :func:`simulate`.

Array forms accepted by :func:`simulate`, per input bus:

* a Python int: the same value for every vector;
* a 1-D ``uint64`` array of shape (vectors,), one operand per vector (bus width <= 64);
* a 2-D ``uint8`` array of 0/1 of shape (vectors, width), LSB first (any width).
"""
from __future__ import annotations

import operator

import numpy as np

from . import gates
from .errors import CarrylabTypeError, CarrylabValueError
from .operands import check_operand, resolve_operands

__all__ = ["ENGINES", "evaluate", "net_values", "simulate", "pack", "run_packed", "resolve_operands"]

_WORDS = 32            # words per tile when packing operands on their own
#: Two-input gates evaluated by one operator call in :func:`net_values` (0/1 values).
_TWO_INPUT = {"AND": operator.and_, "OR": operator.or_, "XOR": operator.xor}


def evaluate(circuit, **operands) -> dict[str, int]:
    """Evaluate one vector of Python ints of any width; returns ``{output bus: int}``.

    Plain Python, gate by gate in levelised order. The readable references all
    simulators are tested against are in :mod:`adders.reference`.

    >>> from adders import build
    >>> build("ripple", 8).evaluate(a=200, b=100, cin=1)
    {'s': 45, 'cout': 1}
    """
    values = net_values(circuit, **operands)
    return {bus: sum(values[net] << i for i, net in enumerate(nets))
            for bus, nets in circuit.outputs.items()}


def net_values(circuit, **operands) -> dict[str, int]:
    """Value (0 or 1) of every net for one vector of Python ints; see :func:`evaluate`."""
    values = {}
    for bus, value in resolve_operands(circuit, operands).items():
        nets = circuit.inputs[bus]
        value = check_operand(bus, value, len(nets))
        for i, net in enumerate(nets):
            values[net] = (value >> i) & 1
    nodes = circuit.node_data
    for net in circuit.gates():
        node = nodes[net]
        kind, ins = node["kind"], node["inputs"]
        op = _TWO_INPUT.get(kind)
        if op is not None and len(ins) == 2:            # most gates: no list, no reduce
            values[net] = op(values[ins[0]], values[ins[1]])
        else:
            values[net] = gates.truth(kind, [values[i] for i in ins])
    return values


# ---------------------------------------------------------------------- compiled form
def run_packed(circuit, packed_in: np.ndarray, rows: list[str]) -> np.ndarray:
    """Run the compiled netlist on bit-sliced inputs.

    Parameters
    ----------
    packed_in : (n_input_nets, n_words) uint64
        One row per input net, in :attr:`Circuit.inputs` order; bit k of word w is vector
        64 w + k.
    rows : list of net names to return.

    Returns
    -------
    (len(rows), n_words) uint64
    """
    # Numba and the kernels load on the first batch call, not with ``import adders``.
    import numba

    from . import bitslice
    prog = bitslice.program(circuit, rows)      # raises for unknown nets
    n_inputs = sum(len(nets) for nets in circuit.inputs.values())
    if packed_in.dtype != np.uint64 or packed_in.ndim != 2 or packed_in.shape[0] != n_inputs:
        raise CarrylabValueError(f"packed_in must be a ({n_inputs}, n_words) uint64 array, "
                         f"got {packed_in.dtype} {packed_in.shape}")
    block = bitslice.tile_words(prog.n_slots, packed_in.shape[1])
    return bitslice.run_rows(prog.op, prog.ptr, prog.src, prog.dst, prog.n_slots, prog.out,
                             np.ascontiguousarray(packed_in), numba.get_num_threads(), block)


# ---------------------------------------------------------------------- public batch API
def _array_form(bus, value, width, check_range: bool = True) -> str:
    """Check an operand array for a ``width``-bit bus: "words" for a (vectors,) uint64
    array, "bits" for a (vectors, width) 0/1 matrix; raise TypeError/ValueError naming
    the bus, what came and what is allowed. ``check_range=False`` leaves the values of
    a uint64 array to :func:`_check_range` (the generated kernels check as they load)."""
    if value.ndim == 1:
        if value.dtype != np.uint64:
            raise CarrylabTypeError(f"operand {bus!r}: a 1-D array must have dtype uint64, got {value.dtype}"
                            f" (use np.asarray(x, dtype=np.uint64), or a (vectors, {width}) uint8 bit matrix)")
        if width > 64:
            raise CarrylabValueError(f"operand {bus!r}: the bus is {width} bits wide, too wide for uint64; "
                             f"pass a (vectors, {width}) uint8 bit matrix")
        if check_range:
            _check_range(bus, value, width)
        return "words"
    if value.ndim == 2:
        if value.dtype not in (np.uint8, np.bool_):
            raise CarrylabTypeError(f"operand {bus!r}: a bit matrix must have dtype uint8 (0/1), got {value.dtype}")
        if value.shape[1] != width:
            raise CarrylabValueError(f"operand {bus!r}: bit matrix has {value.shape[1]} columns; "
                             f"the bus is {width} bits wide, so the shape must be (vectors, {width})")
        if value.size and value.view(np.uint8).max() > 1:
            raise CarrylabValueError(f"operand {bus!r}: a bit matrix may hold only 0 and 1, "
                             f"found {int(value.view(np.uint8).max())}")
        return "bits"
    raise CarrylabValueError(f"operand {bus!r}: arrays must be 1-D (vectors,) uint64 or 2-D (vectors, {width}) "
                     f"uint8, got {value.ndim} dimensions")


def _check_range(bus, value, width) -> None:
    """Raise unless every value of the uint64 array ``value`` fits a ``width``-bit bus."""
    if width < 64 and value.size and int(value.max()) >> width:    # max(): no temporary
        bad = int(value[np.argmax(value >> np.uint64(width) != 0)])
        raise CarrylabValueError(f"operand {bus!r} holds {bad}, out of range for a {width}-bit bus "
                                 f"(0 <= {bus} <= {(1 << width) - 1})")


def _check_ranges(circuit, values, forms) -> None:
    """:func:`_check_range` on every operand given as a uint64 array."""
    for bus, value in values.items():
        if forms[bus] == "words":
            _check_range(bus, value, circuit.width(bus))


def _checked(circuit, operands: dict, check_range: bool = True) -> tuple[dict, dict, int]:
    """Resolve and check every operand: ``(values, forms, n_vectors)`` where forms maps
    each bus to "words", "bits" or "int" (ints are range-checked and made Python ints).
    ``check_range=False``: uint64 arrays are not yet range-checked (see
    :func:`_check_ranges`)."""
    values = resolve_operands(circuit, operands)
    forms = {}
    for bus, value in values.items():
        width = circuit.width(bus)
        if isinstance(value, np.ndarray):
            forms[bus] = _array_form(bus, value, width, check_range)
        else:
            values[bus] = check_operand(bus, value, width)
            forms[bus] = "int"
    lengths = {bus: v.shape[0] for bus, v in values.items() if forms[bus] != "int"}
    if not lengths:
        raise CarrylabValueError("simulate needs at least one operand given as an array; "
                         "for a single vector use circuit.evaluate(...)")
    if len(set(lengths.values())) > 1:
        raise CarrylabValueError(f"operand arrays differ in length (vectors): {lengths}; they must match")
    n_vectors = next(iter(lengths.values()))
    if n_vectors == 0:
        raise CarrylabValueError("operand arrays are empty: give at least one vector")
    return values, forms, n_vectors


def _fill_rows(out, value, form, n_vectors):
    """Write one checked operand into its bus's (width, n_words) bit-sliced rows."""
    # Numba and the kernels load on the first batch call, not with ``import adders``.
    import numba

    from . import bitslice
    width, n_words = out.shape
    if form == "words":
        bitslice.pack_words(np.ascontiguousarray(value), out, numba.get_num_threads(), _WORDS)
    elif form == "bits":
        bitslice.pack_bits(np.ascontiguousarray(value.view(np.uint8)), out)
    else:
        last = n_vectors - 64 * (n_words - 1)          # vectors in the last word
        for i in range(width):
            out[i, :] = 0
            if (value >> i) & 1:
                out[i, :] = ~np.uint64(0)
                out[i, -1] = np.uint64((1 << last) - 1) if last < 64 else ~np.uint64(0)


def pack(circuit, **operands) -> tuple[np.ndarray, int]:
    """Turn operands (forms as in :func:`simulate`) into bit-sliced rows.

    Returns ``(packed, n_vectors)``: ``packed`` is (input nets, ceil(n_vectors / 64))
    uint64, one row per input net in bus order, ready for :func:`run_packed`.
    """
    values, forms, n_vectors = _checked(circuit, operands)
    n_words = (n_vectors + 63) // 64
    packed = np.empty((sum(circuit.width(bus) for bus in values), n_words), dtype=np.uint64)
    row = 0
    for bus, value in values.items():
        width = circuit.width(bus)
        _fill_rows(packed[row:row + width], value, forms[bus], n_vectors)
        row += width
    return packed, n_vectors


def _simulate_generated(circuit, values, forms, n_vectors, rows, out_widths) -> list:
    """The generated kernel of :mod:`adders.codegen`: one (n_vectors,) uint64 array per
    output bus."""
    # Numba and the generated kernels load on the first batch call, not with ``import adders``.
    import numba

    from . import codegen
    kern = codegen.kernel(circuit, rows, out_widths)
    inputs = [np.ascontiguousarray(values[bus]) if forms[bus] == "words"
              else np.array([values[bus]], dtype=np.uint64) for bus in values]
    arrays = [x for x in inputs if x.shape[0] > 1]
    out = codegen.outputs(len(out_widths), n_vectors, arrays[0] if arrays else None)
    if codegen.run(kern, inputs, out, n_vectors, numba.get_num_threads()):
        _check_ranges(circuit, values, forms)      # the kernel saw bits above a bus: say which
    return out


def _simulate_words(circuit, values, forms, n_vectors, probe, engine) -> dict | None:
    """The fused path: uint64 operands (and ints) in, uint64 buses out, never writing
    bit-sliced rows to memory. Probes come back as 1-bit buses. Returns None when a
    constant operand has bits beyond 64 (the general path takes it). The operand arrays
    are range-checked here (by the generated kernel as it loads them, or first)."""
    if any(forms[bus] == "int" and values[bus] >> 64 for bus in values):
        return None
    buses = list(circuit.outputs.items()) + [(net, [net]) for net in probe]
    rows = [net for _, nets in buses for net in nets]
    out_widths = [len(nets) for _, nets in buses]
    # Numba and the kernels load on the first batch call, not with ``import adders``.
    from . import codegen
    if codegen.choose(circuit, rows, out_widths, n_vectors, engine) == "compiled":
        out = _simulate_generated(circuit, values, forms, n_vectors, rows, out_widths)
    else:
        _check_ranges(circuit, values, forms)
        out = _interpret_words(circuit, values, forms, n_vectors, rows, out_widths)
    result = {bus: out[k] for k, bus in enumerate(circuit.outputs)}
    for k, net in enumerate(probe, start=len(circuit.outputs)):
        result[net] = out[k].astype(np.uint8)
    return result


def _interpret_words(circuit, values, forms, n_vectors, rows, out_widths) -> np.ndarray:
    """The interpreter of :func:`adders.bitslice.run_words`: (output buses, n_vectors)."""
    # Numba and the kernels load on the first batch call, not with ``import adders``.
    import numba

    from . import bitslice
    prog = bitslice.program(circuit, rows)
    arrays = []
    source = np.full(len(values), -1, dtype=np.int64)     # which array, -1: constant
    constant = np.zeros(len(values), dtype=np.uint64)
    for k, (bus, value) in enumerate(values.items()):
        if forms[bus] == "words":
            source[k] = len(arrays)
            arrays.append(np.ascontiguousarray(value))
        else:
            constant[k] = value
    # The first three arrays go in as they are (a third as a (1, n) view); only
    # further ones are copied together.
    first, second = (arrays + arrays[:1])[:2]
    if len(arrays) == 3:
        rest = arrays[2][np.newaxis, :]
    else:
        rest = np.stack(arrays[2:]) if len(arrays) > 3 else np.empty((0, n_vectors), np.uint64)
    width = np.array([circuit.width(bus) for bus in values], dtype=np.int64)
    out_width = np.array(out_widths, dtype=np.int64)
    block = bitslice.tile_words(prog.n_slots, (n_vectors + 63) // 64)
    return bitslice.run_words(prog.op, prog.ptr, prog.src, prog.dst, prog.n_slots, first, second,
                              rest, width, source, constant, prog.out, out_width, n_vectors,
                              numba.get_num_threads(), block)


ENGINES = ("auto", "interpreter", "compiled")


def simulate(circuit, probe=None, as_bits: bool | None = None, engine: str = "auto",
             **operands) -> dict:
    """Simulate many input vectors at once, bit-parallel.

    Parameters
    ----------
    circuit : Circuit
    probe : list of str, optional
        Internal nets to return as well, each as a (vectors,) uint8 array of 0/1.
    as_bits : bool, optional
        Force outputs as (vectors, width) uint8 bit matrices (True) or uint64 (False).
        By default, outputs are uint64 when no input was given as a bit matrix and the
        output bus is at most 64 bits wide; otherwise bit matrices.
    engine : {"auto", "interpreter", "compiled"}
        How the gates run; both give identical results. "interpreter": one Numba
        kernel for every circuit, walking its gate list (:mod:`adders.bitslice`); no
        compile per circuit. "compiled": a kernel generated for this circuit
        (:mod:`adders.codegen`), faster (the logic benchmark measures both), but its
        first use compiles for seconds; a later process loads it from the cache.
        "auto": calls of fewer than 4,096 vectors, and circuits of more than
        :data:`adders.codegen.MAX_GATES` gates, take the interpreter; otherwise the
        compiled kernel when it is already loaded in this process, or compiled on
        disk and the call has at least 65,536 vectors, or this process has already
        simulated 2**26 vectors of this circuit (about a second of interpreter time,
        this call included); else the interpreter. The compiled kernel covers uint64
        and int operands (each int < 2**64) with uint64 outputs; other forms always
        take the interpreter.
    **operands
        One per input bus: an int, a (vectors,) uint64 array, or a (vectors, width)
        uint8 bit matrix. Buses with a default (``cin``) may be left out.

    Returns
    -------
    dict
        ``{output bus: array}`` plus ``{net: (vectors,) uint8}`` for each probe.

    Notes
    -----
    With uint64 operands and outputs the whole run is one kernel (see
    :mod:`adders.bitslice` and :mod:`adders.codegen`): each thread turns a tile of
    operands sideways, evaluates every gate on it and turns the sums back, all in
    cache. Probes of any net work with both engines.

    Examples
    --------
    >>> import numpy as np
    >>> from adders import build
    >>> out = build("kogge-stone", 8).simulate(a=np.array([200, 7], np.uint64),
    ...                                        b=np.array([100, 9], np.uint64))
    >>> out["s"].tolist(), out["cout"].tolist()
    ([44, 16], [1, 0])
    """
    if engine not in ENGINES:
        raise CarrylabValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}, "
                                 f"got {engine!r}")
    # uint64 arrays are range-checked on the path taken (the generated kernel checks as
    # it loads: no separate pass over the operands)
    values, forms, n_vectors = _checked(circuit, operands, check_range=False)
    probe = list(probe or [])
    any_bits = "bits" in forms.values()
    widest = max(len(nets) for nets in circuit.outputs.values())
    if as_bits is False and widest > 64:
        bus = next(b for b, nets in circuit.outputs.items() if len(nets) == widest)
        raise CarrylabValueError(f"output bus {bus!r} is {widest} bits wide, too wide for uint64; "
                         f"use as_bits=True")
    if not as_bits and not any_bits and widest <= 64:
        result = _simulate_words(circuit, values, forms, n_vectors, probe, engine)
        if result is not None:
            return result
    # Numba and the kernels load on the first batch call, not with ``import adders``.
    import numba

    from . import bitslice
    packed, _ = pack(circuit, **values)
    rows = [net for nets in circuit.outputs.values() for net in nets] + probe
    out_rows = run_packed(circuit, packed, rows)
    result, k = {}, 0
    for bus, nets in circuit.outputs.items():
        part = out_rows[k:k + len(nets)]
        k += len(nets)
        bits = as_bits if as_bits is not None else (any_bits or len(nets) > 64)
        result[bus] = (bitslice.unpack_bits(part, n_vectors) if bits else
                       bitslice.unpack_words(part, n_vectors, numba.get_num_threads(), _WORDS))
    for net in probe:
        result[net] = bitslice.unpack_bits(out_rows[k:k + 1], n_vectors)[:, 0]
        k += 1
    return result
