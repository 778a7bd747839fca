"""Every adder is correct at every width, checked against Python's own integers."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from adders import ARCHITECTURES, build, carry_lookahead, full_adder, half_adder, prefix_adder
from adders.prefix import from_taxonomy

ARCHS = list(ARCHITECTURES)


def to_bits(values, n):
    """Python ints -> (vectors, n) uint8 bit matrix, LSB first."""
    return np.array([[(v >> i) & 1 for i in range(n)] for v in values], dtype=np.uint8)


def from_bits(bits):
    return [sum(int(b) << i for i, b in enumerate(row)) for row in bits]


def check_batch(circuit, n, a, b, cin):
    """Simulate lists of Python ints in the widest-safe form and compare with a + b + cin."""
    if n <= 64:
        out = circuit.simulate(a=np.array(a, dtype=np.uint64), b=np.array(b, dtype=np.uint64),
                               cin=np.array(cin, dtype=np.uint64))
        s, cout = [int(v) for v in out["s"]], [int(v) for v in out["cout"]]
    else:
        out = circuit.simulate(a=to_bits(a, n), b=to_bits(b, n), cin=to_bits(cin, 1))
        s, cout = from_bits(out["s"]), [int(v) for v in out["cout"][:, 0]]
    for x, y, c, got_s, got_c in zip(a, b, cin, s, cout):
        total = x + y + c
        assert (got_s, got_c) == (total % (1 << n), total >> n), (circuit.name, x, y, c)


def edge_cases(n):
    ones = (1 << n) - 1
    alt = int("01" * n, 2) & ones
    return [(0, 0, 0), (ones, 1, 0), (ones, 0, 1), (ones, ones, 1), (ones, ones, 0),
            (alt, ones ^ alt, 1), (alt, alt, 0), (ones ^ alt, ones ^ alt, 1),
            (1 << (n - 1), 1 << (n - 1), 1), (ones >> 1, 1, 0), (ones - 1, 1, 1)]


def test_half_and_full_adder_truth_tables():
    ha, fa = half_adder(), full_adder()
    for a in (0, 1):
        for b in (0, 1):
            assert ha.evaluate(a=a, b=b) == {"s": a ^ b, "cout": a & b}
            for c in (0, 1):
                assert fa.evaluate(a=a, b=b, cin=c) == {"s": (a + b + c) & 1, "cout": (a + b + c) >> 1}
    assert ha.stats()["gates"] == 2 and fa.stats()["gates"] == 5


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_exhaustive_small_widths(arch, n):
    circuit = build(arch, n)
    a, b, cin = zip(*[(x, y, c) for x in range(1 << n) for y in range(1 << n) for c in (0, 1)])
    check_batch(circuit, n, list(a), list(b), list(cin))
    if n <= 3:          # the plain-Python path too, exhaustively
        for x, y, c in zip(a, b, cin):
            t = x + y + c
            assert circuit.evaluate(a=x, b=y, cin=c) == {"s": t % (1 << n), "cout": t >> n}


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("n", [7, 8, 13, 16, 31, 32, 33, 64, 100, 128, 257])
def test_random_and_edge_cases(arch, n):
    rng = np.random.default_rng(n)
    circuit = build(arch, n)
    cases = edge_cases(n)
    for _ in range(300):
        cases.append((int.from_bytes(rng.bytes(40), "little") % (1 << n),
                      int.from_bytes(rng.bytes(40), "little") % (1 << n), int(rng.integers(2))))
    a, b, cin = (list(col) for col in zip(*cases))
    check_batch(circuit, n, a, b, cin)
    for x, y, c in cases[:12]:       # the Python reference evaluator agrees as well
        t = x + y + c
        assert circuit.evaluate(a=x, b=y, cin=c) == {"s": t % (1 << n), "cout": t >> n}


@given(n=st.integers(1, 300), data=st.data())
@settings(max_examples=25, deadline=None)
@pytest.mark.parametrize("arch", ARCHS)
def test_property_any_width(arch, n, data):
    ints = st.integers(0, (1 << n) - 1)
    cases = data.draw(st.lists(st.tuples(ints, ints, st.integers(0, 1)), min_size=1, max_size=40))
    a, b, cin = (list(col) for col in zip(*cases))
    check_batch(build(arch, n), n, a, b, cin)


@pytest.mark.parametrize("L", range(2, 7))
def test_taxonomy_adders_add(L):
    n = 2 ** L
    rng = np.random.default_rng(L)
    for l in range(L):
        for f in range(L - l):
            c = prefix_adder(from_taxonomy(n, l, f, L - 1 - l - f))
            a = rng.integers(0, 1 << n, 200, dtype=np.uint64) if n < 64 else rng.integers(0, 2**63, 200, dtype=np.uint64)
            b = rng.integers(0, 1 << n, 200, dtype=np.uint64) if n < 64 else rng.integers(0, 2**63, 200, dtype=np.uint64)
            check_batch(c, n, [int(v) for v in a], [int(v) for v in b], [1] * 200)


# ------------------------------------------------------------------ depths (unit delay)
@pytest.mark.parametrize("n, cout_depth, top_sum_depth", [(4, 3, 4), (16, 5, 8), (64, 7, 12)])
def test_carry_lookahead_depths(n, cout_depth, top_sum_depth):
    depth = carry_lookahead(n).stats()["output_depth"]
    assert depth["cout"] == [cout_depth]
    assert depth["s"][-1] == top_sum_depth
    assert max(depth["s"]) == top_sum_depth


@pytest.mark.parametrize("n", [1, 2, 5, 8, 16, 33])
def test_ripple_carry_out_depth(n):
    assert build("ripple", n).stats()["output_depth"]["cout"] == [2 * n + 1]


def test_cla_has_no_rippled_carry_inside_a_block():
    # Every carry of a 4-bit CLA is two levels above g/p: none waits for another carry.
    levels = carry_lookahead(4).levels()
    assert [levels[f"c{i}"] for i in range(1, 5)] == [3, 3, 3, 3]


@pytest.mark.parametrize("arch", ["sklansky", "kogge-stone", "brent-kung", "han-carlson",
                                  "ladner-fischer", "knowles"])
@pytest.mark.parametrize("n", [8, 16, 32, 64])
def test_prefix_adder_depth_follows_network(arch, n):
    from adders.prefix import NETWORKS
    net, circuit = NETWORKS[arch](n), build(arch, n)
    # g/p (1) and c1 = g0 | p0 cin (3), two levels per cell, one XOR for the sum.
    assert circuit.stats()["depth"] <= 2 * net.depth + 4
    assert circuit.stats()["depth"] < build("ripple", n).stats()["depth"]


def test_readable_net_names():
    nets = set(build("kogge-stone", 8).graph.nodes)
    assert {"g3", "p3", "c4", "G7_6", "P7_6", "s7", "cin", "a0", "b7"} <= nets
    cla = set(carry_lookahead(16).graph.nodes)
    assert {"G3_0", "P3_0", "G15_12", "c4", "c16"} <= cla


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("arch", ["ripple", "cla", "kogge-stone", "carry-select"])
def test_bad_width(arch):
    with pytest.raises(ValueError, match=r"n must be an int in \[1, 65,536\]"):
        build(arch, 0)
    with pytest.raises(TypeError, match="n must be an int"):
        build(arch, 4.5)


def test_unknown_architecture_lists_known():
    with pytest.raises(ValueError, match="unknown architecture 'wallace'; known: ripple, cla, sklansky"):
        build("wallace", 8)


@pytest.mark.parametrize("kwargs, exc, msg", [
    ({"a": -1, "b": 0}, ValueError, "operand 'a' = -1 is out of range"),
    ({"a": 256, "b": 0}, ValueError, r"0 <= a <= 255"),
    ({"a": 1, "b": 2, "cin": 2}, ValueError, "operand 'cin' = 2"),
    ({"a": 1.0, "b": 2}, TypeError, "operand 'a' must be an int"),
    ({"a": 1}, ValueError, r"missing input bus\(es\) \['b'\]"),
    ({"a": 1, "b": 1, "x": 3}, ValueError, "unknown input bus 'x'"),
])
def test_bad_operands(kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        build("ripple", 8).evaluate(**kwargs)


def test_bad_block():
    with pytest.raises(ValueError, match="block must be an int >= 2"):
        carry_lookahead(8, block=1)
