"""The bit-parallel simulator against a plain NumPy gate-by-gate reference and Python ints."""
import numpy as np
import pytest

from adders import ARCHITECTURES, Circuit, build, gates, logic, reference
from adders.reference import simulate_arrays as naive_simulate


def every_kind_circuit():
    c = Circuit("kinds")
    c.add_input("x", 3)
    outs = [c.add_gate("AND", ["x0", "x1", "x2"], "and3"), c.add_gate("OR", ["x0", "x1"], "or2"),
            c.add_gate("XOR", ["x0", "x2"], "xor"), c.add_gate("NOT", ["x1"], "not"),
            c.add_gate("NAND", ["x0", "x1", "x2"], "nand3"), c.add_gate("NOR", ["x1", "x2"], "nor2"),
            c.add_gate("XNOR", ["x0", "x1"], "xnor"), c.add_gate("BUF", ["x2"], "buf"),
            c.add_gate("OR", ["x0", "x1", "x2"], "or3"), c.add_gate("NOR", ["x0", "x1", "x2"], "nor3")]
    c.set_output("y", outs)
    return c


@pytest.mark.parametrize("n_vectors", [1, 63, 64, 65, 1000])
def test_every_gate_kind_matches_reference(n_vectors):
    c = every_kind_circuit()
    rng = np.random.default_rng(n_vectors)
    x = rng.integers(0, 2, (n_vectors, 3), dtype=np.uint8)
    got = c.simulate(x=x)["y"]
    ref = naive_simulate(c, {"x": x})
    expect = np.stack([ref[n] for n in c.outputs["y"]], axis=1).astype(np.uint8)
    np.testing.assert_array_equal(got, expect)
    # and one vector at a time through the Python evaluator
    for row, exp in zip(x[:20], expect[:20]):
        value = c.evaluate(x=int(row[0]) | int(row[1]) << 1 | int(row[2]) << 2)["y"]
        assert [(value >> i) & 1 for i in range(10)] == list(exp)


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_probe_matches_reference_on_internal_nets(arch):
    c = build(arch, 12)
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, 2, (300, 12), dtype=np.uint8), rng.integers(0, 2, (300, 12), dtype=np.uint8)
    cin = rng.integers(0, 2, (300, 1), dtype=np.uint8)
    nets = c.gates()
    out = c.simulate(a=a, b=b, cin=cin, probe=nets)
    ref = naive_simulate(c, {"a": a, "b": b, "cin": cin})
    for net in nets:
        np.testing.assert_array_equal(out[net], ref[net].astype(np.uint8), err_msg=net)


def test_forms_agree_uint64_bits_and_scalars():
    c = build("brent-kung", 16)
    rng = np.random.default_rng(2)
    a = rng.integers(0, 1 << 16, 500, dtype=np.uint64)
    b = rng.integers(0, 1 << 16, 500, dtype=np.uint64)
    as_ints = c.simulate(a=a, b=b, cin=1)
    bits_a = ((a[:, None] >> np.arange(16, dtype=np.uint64)) & np.uint64(1)).astype(np.uint8)
    as_bits = c.simulate(a=bits_a, b=b, cin=np.ones(500, dtype=np.uint64))
    assert as_ints["s"].dtype == np.uint64 and as_bits["s"].shape == (500, 16)
    total = a + b + np.uint64(1)
    np.testing.assert_array_equal(as_ints["s"], total & np.uint64(0xFFFF))
    np.testing.assert_array_equal(as_ints["cout"], total >> np.uint64(16))
    weights = np.uint64(1) << np.arange(16, dtype=np.uint64)
    np.testing.assert_array_equal((as_bits["s"].astype(np.uint64) * weights).sum(axis=1), as_ints["s"])
    forced = c.simulate(a=a, b=b, as_bits=True)
    assert forced["s"].shape == (500, 16) and forced["cout"].shape == (500, 1)


def test_cin_defaults_to_zero():
    c = build("ripple", 8)
    out = c.simulate(a=np.array([255], dtype=np.uint64), b=np.array([1], dtype=np.uint64))
    assert out["s"].tolist() == [0] and out["cout"].tolist() == [1]


@pytest.mark.parametrize("kwargs, exc, msg", [
    ({"a": np.array([1, 2], dtype=np.int64), "b": np.array([1, 2], dtype=np.uint64)}, TypeError,
     "operand 'a': a 1-D array must have dtype uint64, got int64"),
    ({"a": np.zeros((2, 7), np.uint8), "b": np.zeros((2, 8), np.uint8)}, ValueError,
     r"bit matrix has 7 columns; the bus is 8 bits wide, so the shape must be \(vectors, 8\)"),
    ({"a": np.zeros((2, 8), np.float32), "b": np.zeros((2, 8), np.uint8)}, TypeError,
     "a bit matrix must have dtype uint8"),
    ({"a": np.full((2, 8), 2, np.uint8), "b": np.zeros((2, 8), np.uint8)}, ValueError,
     "may hold only 0 and 1, found 2"),
    ({"a": np.zeros(3, np.uint64), "b": np.zeros(4, np.uint64)}, ValueError,
     r"operand arrays differ in length \(vectors\): \{'a': 3, 'b': 4\}"),
    ({"a": np.array([256], np.uint64), "b": np.zeros(1, np.uint64)}, ValueError,
     r"operand 'a' holds 256, out of range for a 8-bit bus \(0 <= a <= 255\)"),
    ({"a": np.zeros(0, np.uint64), "b": np.zeros(0, np.uint64)}, ValueError, "empty"),
    ({"a": 3, "b": 4}, ValueError, "needs at least one operand given as an array"),
    ({"a": np.zeros((2, 2, 2), np.uint8), "b": 0}, ValueError, "got 3 dimensions"),
    ({"a": np.zeros(2, np.uint64), "b": 0, "c": 1}, ValueError, "unknown input bus 'c'"),
])
def test_bad_arrays(kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        build("ripple", 8).simulate(**kwargs)


def test_wide_bus_needs_bits():
    c = build("ripple", 65)
    with pytest.raises(ValueError, match="65 bits wide, too wide for uint64"):
        c.simulate(a=np.zeros(2, np.uint64), b=np.zeros((2, 65), np.uint8))
    out = c.simulate(a=np.zeros((2, 65), np.uint8), b=np.ones((2, 65), np.uint8))
    assert out["s"].shape == (2, 65) and out["s"].all()


def test_unknown_probe():
    with pytest.raises(ValueError, match=r"unknown nets \['nope'\]"):
        build("ripple", 4).simulate(a=np.zeros(2, np.uint64), b=0, probe=["nope"])


def test_reference_truth_tables_agree_with_gate_kinds():
    for kind in gates.KINDS:
        lo, hi = gates.FANIN[kind]
        for fanin in range(lo, (hi or 4) + 1):
            for k in range(1 << fanin):
                bits = [(k >> i) & 1 for i in range(fanin)]
                assert reference.gate(kind, bits) == gates.truth(kind, bits), (kind, bits)


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_evaluate_matches_the_net_by_net_reference(arch):
    c = build(arch, 9)
    rng = np.random.default_rng(5)
    for _ in range(40):
        x = {"a": int(rng.integers(0, 512)), "b": int(rng.integers(0, 512)), "cin": int(rng.integers(0, 2))}
        assert logic.net_values(c, **x) == reference.evaluate_nets(c, **x)
        s, cout = reference.ripple_add(x["a"], x["b"], x["cin"], 9)
        assert c.evaluate(**x) == reference.evaluate(c, **x) == {"s": s, "cout": cout}
        assert s + (cout << 9) == x["a"] + x["b"] + x["cin"]
