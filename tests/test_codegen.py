"""Generated kernels (adders.codegen) against the interpreter and Python integers.

Every distinct circuit compiles a kernel (seconds each on an empty cache), so the file
reuses a handful of circuits; the random circuits are few and small.
"""
import os
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adders import CarrylabValueError, Circuit, build, codegen, gates, logic
from adders.reference import simulate_arrays as naive_simulate

ROOT = Path(__file__).resolve().parents[1]
M64 = (1 << 64) - 1


def python_sums(a, b, cin, bits):
    """(s, cout) of every vector by Python's own +."""
    mask = (1 << bits) - 1
    totals = [x + y + z for x, y, z in zip(a.tolist(), b.tolist(), cin.tolist())]
    return (np.array([t & mask for t in totals], dtype=np.uint64),
            np.array([t >> bits for t in totals], dtype=np.uint64))


def both(circuit, **operands):
    """(interpreter result, compiled result)."""
    return (logic.simulate(circuit, engine="interpreter", **operands),
            logic.simulate(circuit, engine="compiled", **operands))


def assert_same(x, y):
    assert x.keys() == y.keys()
    for k in x:
        assert x[k].dtype == y[k].dtype, k
        np.testing.assert_array_equal(x[k], y[k], err_msg=k)


@pytest.mark.parametrize("arch", ["ripple", "kogge-stone"])
def test_exhaustive_small_adders(arch):
    bits = 4
    grid = np.arange(1 << (2 * bits + 1), dtype=np.uint64)       # every a, b, cin
    a, b, cin = grid & np.uint64(15), (grid >> np.uint64(4)) & np.uint64(15), grid >> np.uint64(8)
    c = build(arch, bits)
    interp, comp = both(c, a=a, b=b, cin=cin)
    assert_same(interp, comp)
    s, cout = python_sums(a, b, cin, bits)
    np.testing.assert_array_equal(comp["s"], s)
    np.testing.assert_array_equal(comp["cout"], cout)
    for k in (0, 1):                                             # cin as a constant
        _, comp = both(c, a=a, b=b, cin=k)
        s, cout = python_sums(a, b, np.full_like(a, k), bits)
        np.testing.assert_array_equal(comp["s"], s)
        np.testing.assert_array_equal(comp["cout"], cout)


@pytest.mark.parametrize("arch, bits", [("kogge-stone", 64), ("cla", 33), ("brent-kung", 40)])
@pytest.mark.parametrize("n", [1, 255, 256 * 5 + 17])
def test_wide_adders_partial_tiles_and_threads(arch, bits, n):
    c = build(arch, bits)
    rng = np.random.default_rng(n + bits)
    top = np.uint64(M64 if bits == 64 else (1 << bits) - 1)
    a = rng.integers(0, 2**64, n, dtype=np.uint64) & top
    b = rng.integers(0, 2**64, n, dtype=np.uint64) & top
    a[0], b[0] = top, 1                                          # longest carry chain
    cin = rng.integers(0, 2, n, dtype=np.uint64)
    s, cout = python_sums(a, b, cin, bits)
    saved = numba.get_num_threads()
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            interp, comp = both(c, a=a, b=b, cin=cin)
            assert_same(interp, comp)
            np.testing.assert_array_equal(comp["s"], s)
            np.testing.assert_array_equal(comp["cout"], cout)
    finally:
        numba.set_num_threads(saved)


def at_line_offset(x, offset):
    """A copy of ``x`` whose data starts ``offset`` bytes into a 64-byte cache line."""
    buf = np.empty(len(x) + 16, np.uint64)
    k = (offset - buf.ctypes.data % 64) % 64 // 8
    out = buf[k:k + len(x)]
    out[:] = x
    return out


@pytest.mark.parametrize("arch, bits", [("kogge-stone", 64), ("cla", 33), ("ripple", 4)])
@pytest.mark.parametrize("offset", [0, 8, 56])
def test_operands_anywhere_in_a_cache_line(arch, bits, offset):
    """The vectors before the operands reach a cache line run as a partial tile (7 at
    offset 8, 1 at 56), the rest as whole tiles: every sum is still Python's."""
    c = build(arch, bits)
    n = 256 * 3 + 19
    rng = np.random.default_rng(offset + bits)
    top = np.uint64(M64 if bits == 64 else (1 << bits) - 1)
    a, b = (at_line_offset(rng.integers(0, 2**64, n, dtype=np.uint64) & top, offset)
            for _ in range(2))
    cin = at_line_offset(rng.integers(0, 2, n, dtype=np.uint64), offset)
    s, cout = python_sums(a, b, cin, bits)
    saved = numba.get_num_threads()
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            got = logic.simulate(c, a=a, b=b, cin=cin, engine="compiled")
            np.testing.assert_array_equal(got["s"], s)
            np.testing.assert_array_equal(got["cout"], cout)
    finally:
        numba.set_num_threads(saved)


@pytest.mark.parametrize("arch, bits, bus", [("kogge-stone", 64, "cin"), ("cla", 33, "a"),
                                             ("cla", 33, "cin"), ("ripple", 4, "b")])
@pytest.mark.parametrize("where", [1, 300, -1, "single"])
def test_kernel_refuses_operands_out_of_range(arch, bits, bus, where):
    """The generated kernel checks operand ranges as it loads them (no pass of its own):
    a value with bits above its bus, in the partial tile before the first cache line,
    in a whole tile, in the last partial tile or as the only vector, is refused with
    the interpreter's message."""
    c = build(arch, bits)
    n = 1 if where == "single" else 256 * 3 + 19
    rng = np.random.default_rng(bits)
    ops = {name: at_line_offset(rng.integers(0, 2**64, n, dtype=np.uint64)
                                & np.uint64(M64 if c.width(name) == 64 else (1 << c.width(name)) - 1), 8)
           for name in ("a", "b", "cin")}
    ops[bus][0 if where == "single" else where] = np.uint64(1 << c.width(bus) | 1)
    with pytest.raises(CarrylabValueError) as expected:
        logic.simulate(c, engine="interpreter", **ops)
    assert f"operand {bus!r} holds {(1 << c.width(bus)) | 1}, out of range" in str(expected.value)
    with pytest.raises(CarrylabValueError) as got:
        logic.simulate(c, engine="compiled", **ops)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("arch, bits", [("kogge-stone", 64), ("cla", 33), ("ripple", 4)])
@pytest.mark.parametrize("offset", [0, 8, 32, 48])
def test_streaming_stores_wherever_the_outputs_start(arch, bits, offset):
    """Whole tiles written with streaming stores (what ``run`` asks for once the outputs
    outgrow the caches): outputs starting on 32 bytes take them, others (8, 48) must fall
    back to regular stores rather than fault; the sums are Python's either way, for a
    transposed, a gathered and a 1-bit output bus."""
    c = build(arch, bits)
    kern = codegen.kernel(c, c.outputs["s"] + c.outputs["cout"], (bits, 1))
    n = 256 * 3 + 19
    rng = np.random.default_rng(offset + bits)
    top = np.uint64(M64 if bits == 64 else (1 << bits) - 1)
    a, b = (rng.integers(0, 2**64, n, dtype=np.uint64) & top for _ in range(2))
    cin = rng.integers(0, 2, n, dtype=np.uint64)
    want_s, want_cout = python_sums(a, b, cin, bits)
    s, cout = (at_line_offset(np.full(n, 7, np.uint64), offset) for _ in range(2))
    assert kern.run(a, b, cin, s, cout, 0, n, True) == 0
    np.testing.assert_array_equal(s, want_s)
    np.testing.assert_array_equal(cout, want_cout)


def test_probes_of_internal_nets():
    c = build("brent-kung", 12)
    rng = np.random.default_rng(5)
    n = 700
    a, b = (rng.integers(0, 1 << 12, n, dtype=np.uint64) for _ in range(2))
    probe = c.gates()[::7] + [c.inputs["a"][3]]                      # gates and an input net
    interp, comp = both(c, a=a, b=b, probe=probe)
    assert_same(interp, comp)
    bits = {"a": ((a[:, None] >> np.arange(12, dtype=np.uint64)) & np.uint64(1)).astype(np.uint8),
            "b": ((b[:, None] >> np.arange(12, dtype=np.uint64)) & np.uint64(1)).astype(np.uint8),
            "cin": np.zeros((n, 1), np.uint8)}
    ref = naive_simulate(c, bits)
    for net in probe:
        np.testing.assert_array_equal(comp[net], ref[net].astype(np.uint8), err_msg=net)


def random_circuit(seed, n_gates):
    """A random DAG over every gate kind, with a wide, a narrow and a 1-bit input, and
    outputs mixing gate nets and input nets."""
    rng = np.random.default_rng(seed)
    c = Circuit(f"random{seed}")
    nets = c.add_input("w", 20) + c.add_input("k", 3) + c.add_input("z", 1)
    for g in range(n_gates):
        kind = gates.KINDS[rng.integers(len(gates.KINDS))]
        fan_in = 1 if kind in ("NOT", "BUF") else 2 if kind in ("XOR", "XNOR") else int(rng.integers(2, 5))
        recent = nets[-30:]
        ins = [recent[i] for i in rng.choice(len(recent), fan_in, replace=False)]
        nets.append(c.add_gate(kind, ins, f"n{g}"))
    gate_nets = nets[24:]
    c.set_output("wide", [str(x) for x in rng.choice(gate_nets, 12, replace=False)])
    c.set_output("mixed", [nets[0], gate_nets[-1], nets[21], gate_nets[3]])
    return c


@settings(max_examples=2, deadline=None, derandomize=True,  # fixed examples: compiled once, then cached
          suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 10**6), n=st.integers(1, 700))
def test_random_circuits_against_reference(seed, n):
    c = random_circuit(seed, 60)
    rng = np.random.default_rng(seed)
    bits = {bus: rng.integers(0, 2, (n, c.width(bus)), dtype=np.uint8) for bus in c.inputs}
    words = {bus: (m.astype(np.uint64) << np.arange(m.shape[1], dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
             for bus, m in bits.items()}
    interp, comp = both(c, probe=["n5", "w0"], **words)
    assert_same(interp, comp)
    ref = naive_simulate(c, bits)
    for bus, nets in c.outputs.items():
        want = sum(ref[net].astype(np.uint64) << np.uint64(i) for i, net in enumerate(nets))
        np.testing.assert_array_equal(comp[bus], want, err_msg=bus)
    np.testing.assert_array_equal(comp["n5"], ref["n5"].astype(np.uint8))


def test_other_forms_fall_back_and_agree():
    c = build("ripple", 70)                          # wider than a word: bit matrices
    rng = np.random.default_rng(1)
    a, b = (rng.integers(0, 2, (50, 70), dtype=np.uint8) for _ in range(2))
    assert_same(*both(c, a=a, b=b))


def test_constant_on_a_bus_wider_than_a_word():
    c = Circuit("wide_constant")
    x, y = c.add_input("x", 70), c.add_input("y", 1)
    c.set_output("z", [c.add_gate("AND", [x[3], y[0]], "z"), c.add_gate("OR", [x[66], y[0]], "w")])
    y_values = np.array([0, 1, 1, 0], np.uint64)
    interp, comp = both(c, x=8, y=y_values)             # bit 3 set, bits >= 64 clear
    assert_same(interp, comp)
    assert comp["z"].tolist() == [0, 3, 3, 0]


def test_engine_is_checked_and_auto_rule():
    c = build("ripple", 4)
    a = np.arange(16, dtype=np.uint64)
    with pytest.raises(CarrylabValueError, match="engine"):
        logic.simulate(c, a=a, b=a, engine="fast")
    rows = list(c.outputs["s"]) + list(c.outputs["cout"])
    assert codegen.choose(c, rows, (4, 1), 10**9, "interpreter") == "interpreter"
    assert codegen.choose(c, rows, (4, 1), 100) == "interpreter"       # small: never compile
    fresh = build("sklansky", 5)                                      # never compiled here
    rows5 = list(fresh.outputs["s"]) + list(fresh.outputs["cout"])
    assert codegen.choose(fresh, rows5, (5, 1), 1 << 12) == "interpreter"
    logic.simulate(c, a=a, b=a, engine="compiled")                    # now loaded
    assert codegen.choose(c, rows, (4, 1), 1 << 12) == "compiled"


_CHILD = """
import numpy as np
from adders import build, codegen, logic
c = build("ripple", 3)
out = logic.simulate(c, a=np.arange(8, dtype=np.uint64), b=np.arange(8, dtype=np.uint64),
                     engine="compiled")
assert out["s"].tolist() == [(2 * i) & 7 for i in range(8)]
s = codegen.stats()
print(s["compiled"], s["loaded"])
"""


def test_second_process_loads_from_the_cache(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", _CHILD], env=env, cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split() for _ in range(2)]
    assert runs == [["1", "0"], ["0", "1"]]
    assert list((tmp_path / "codegen").glob("carrylab_kernel_*.py"))
