"""rnn.scan: every prefix network, three algebras, against plain references.

References kept here: the gate-level prefix adder (adders.build.prefix_adder, its
simulated sums), Python integer addition, and a plain NumPy loop over time for the
affine recurrence.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adders.build import prefix_adder
from adders.prefix import NETWORKS, PrefixNetwork, knowles, kogge_stone, serial, sklansky
from rnn.scan import (
    EXACT_NETWORKS,
    affine_combine,
    affine_scan,
    affine_scan_blocked,
    carry_combine,
    carry_scan,
    linear_recurrence_loop,
    scan,
)
from rnn.scan_blocked import _blocked_kernel


# ---------------------------------------------------------------- references
def loop_reference(a, b, h0=None):
    """h[t] = a[t] h[t-1] + b[t] in plain NumPy, one step at a time."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    h = np.zeros(b.shape[1]) if h0 is None else np.asarray(h0, dtype=np.float64)
    out = np.empty_like(b)
    for t in range(b.shape[0]):
        h = a[t] @ h + b[t] if a.ndim == 3 else a[t] * h + b[t]
        out[t] = h
    return out


def carries_from_sums(a, b, s, cout):
    """Carry out of bit i = carry into bit i+1 = s[i+1] ^ a[i+1] ^ b[i+1]; the top one
    is cout. a, b, s (vectors, n) bits, cout (vectors,)."""
    into = s ^ a ^ b  # (vectors, n): carry into each bit
    return np.concatenate([into[:, 1:], cout[:, None]], axis=1).astype(bool)


def close(out, ref, rtol=1e-12):
    scale = max(1.0, float(np.max(np.abs(ref))))
    return float(np.max(np.abs(out - ref))) <= rtol * scale


def stable_dense(rng, T, D):
    """(T, D, D) matrices of spectral norm <= 1, so products stay bounded."""
    m = rng.normal(size=(T, D, D))
    norms = np.linalg.norm(m, ord=2, axis=(1, 2))  # (T,)
    return m / norms[:, None, None] * rng.uniform(0.2, 1.0, (T, 1, 1))


# ---------------------------------------------------------------- carries
GATE_WIDTHS = [1, 2, 3, 4, 5, 8, 13, 32, 33, 64, 130]


@pytest.mark.parametrize("name", list(NETWORKS))
def test_carry_scan_matches_gate_simulation(name):
    rng = np.random.default_rng(7)
    for n in GATE_WIDTHS:
        net = NETWORKS[name](n)
        a = rng.integers(0, 2, (64, n), dtype=np.uint8)
        b = rng.integers(0, 2, (64, n), dtype=np.uint8)
        cin = rng.integers(0, 2, (64, 1), dtype=np.uint8)
        out = prefix_adder(net).simulate(a=a, b=b, cin=cin, as_bits=True)
        want = carries_from_sums(a, b, out["s"], out["cout"][:, 0])
        got = carry_scan(net, a & b, a ^ b, cin=cin[:, 0])
        assert got.shape == (64, n)
        np.testing.assert_array_equal(got, want, err_msg=f"{name} n={n}")


@pytest.mark.parametrize("name", list(NETWORKS))
def test_carry_scan_matches_integer_addition_all_widths(name):
    rng = np.random.default_rng(11)
    for n in range(1, 131):
        a = rng.integers(0, 2, (16, n))
        b = rng.integers(0, 2, (16, n))
        cin = rng.integers(0, 2, 16)
        got = carry_scan(NETWORKS[name](n), a & b, a ^ b, cin=cin)
        for v in range(16):
            x = sum(int(bit) << i for i, bit in enumerate(a[v]))
            y = sum(int(bit) << i for i, bit in enumerate(b[v]))
            total = x + y + int(cin[v])
            # carry out of bit i = bit i+1 of the sum of the low i+1 bits
            mask = [(1 << (i + 1)) - 1 for i in range(n)]
            want = [((x & m) + (y & m) + int(cin[v])) >> (i + 1) & 1 for i, m in enumerate(mask)]
            assert want[-1] == total >> n
            assert got[v].astype(int).tolist() == want, (name, n, v)


def test_carry_scan_unbatched_and_record():
    net = sklansky(8)
    g = np.array([1, 0, 0, 0, 0, 0, 0, 0], bool)
    p = np.array([0, 1, 1, 1, 0, 1, 1, 1], bool)
    c, history = carry_scan(net, g, p, record=True)
    assert c.tolist() == [True, True, True, True, False, False, False, False]
    assert len(history) == net.depth + 1
    np.testing.assert_array_equal(history[-1][0], c)
    np.testing.assert_array_equal(history[0][0], g)
    # cin = 1 and all propagate: every carry is 1
    assert carry_scan(net, np.zeros(8, bool), np.ones(8, bool), cin=1).all()


def test_carry_scan_generic_scan_agree_on_knowles():
    net = knowles(16)
    assert net.overlapping
    rng = np.random.default_rng(3)
    g = rng.integers(0, 2, 16).astype(bool)
    p = rng.integers(0, 2, 16).astype(bool) & ~g
    fast = carry_scan(net, g, p)
    slow = scan(net, list(zip(g, p)), carry_combine, idempotent=True)
    assert fast.tolist() == [bool(G) for G, _ in slow]


# ---------------------------------------------------------------- generic scan
@pytest.mark.parametrize("name", list(NETWORKS))
def test_generic_scan_non_commutative(name):
    for n in (1, 2, 5, 13, 32):
        letters = [chr(65 + i % 26) + str(i) + "," for i in range(n)]
        want = ["".join(letters[:i + 1]) for i in range(n)]
        net = NETWORKS[name](n)
        if net.overlapping:
            with pytest.raises(ValueError, match="overlapping"):
                scan(net, letters, lambda hi, lo: lo + hi)
            continue
        out, history = scan(net, letters, lambda hi, lo: lo + hi, record=True)
        assert out == want
        assert len(history) == net.depth + 1 and history[-1] == want


# ---------------------------------------------------------------- affine: property tests
@settings(max_examples=60, deadline=None)
@given(T=st.integers(1, 300), D=st.integers(1, 4), name=st.sampled_from(EXACT_NETWORKS),
       seed=st.integers(0, 2**32 - 1))
def test_diagonal_scan_equals_loop(T, D, name, seed):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, (T, D))
    b = rng.normal(size=(T, D))
    h0 = rng.normal(size=D)
    ref = loop_reference(a, b, h0)
    net = NETWORKS[name](T)
    assert close(affine_scan(net, a, b, h0), ref)
    h, history = affine_scan(net, a, b, h0, record=True)
    assert close(h, ref)
    assert len(history) == net.depth + 1
    assert close(linear_recurrence_loop(a, b, h0), ref)


@settings(max_examples=40, deadline=None)
@given(T=st.integers(1, 300), D=st.integers(1, 4), name=st.sampled_from(EXACT_NETWORKS),
       seed=st.integers(0, 2**32 - 1))
def test_dense_scan_equals_loop(T, D, name, seed):
    rng = np.random.default_rng(seed)
    a = stable_dense(rng, T, D)
    b = rng.normal(size=(T, D))
    h0 = rng.normal(size=D)
    ref = loop_reference(a, b, h0)
    net = NETWORKS[name](T)
    assert close(affine_scan(net, a, b, h0), ref)
    assert close(linear_recurrence_loop(a, b, h0), ref)


@settings(max_examples=25, deadline=None)
@given(T=st.integers(1, 2000), D=st.integers(1, 5), threads=st.integers(1, 4),
       block=st.integers(100, 4000), seed=st.integers(0, 2**32 - 1))
def test_blocked_scan_equals_loop(T, D, threads, block, seed):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, (T, D))
    b = rng.normal(size=(T, D))
    h0 = rng.normal(size=D)
    ref = loop_reference(a, b, h0)
    assert close(affine_scan_blocked(a, b, h0, n_threads=threads, block=block), ref)
    out = np.empty_like(b)  # the kernel itself, below the public size threshold
    _blocked_kernel(a, b, h0, out, max(2, threads), block, 0.6)
    assert close(out, ref)


def test_network_scan_parallel_kernel():
    """Enough channels x cells to run the channel-parallel kernel."""
    rng = np.random.default_rng(10)
    a = rng.uniform(-1, 1, (512, 32))
    b = rng.normal(size=(512, 32))
    net = kogge_stone(512)
    assert net.size * 32 >= 1 << 16
    assert close(affine_scan(net, a, b), loop_reference(a, b))


def test_blocked_scan_large_uses_threads():
    rng = np.random.default_rng(9)
    a = rng.uniform(-1, 1, (20000, 4))
    b = rng.normal(size=(20000, 4))
    for threads, block in ((2, None), (2, 7000), (3, 9999)):
        out = affine_scan_blocked(a, b, n_threads=threads, block=block)
        assert close(out, linear_recurrence_loop(a, b))


def test_every_exact_network_width_1_to_300_diagonal_and_dense():
    """Each exact network at every width 1..300 (one draw per width)."""
    rng = np.random.default_rng(5)
    for T in range(1, 301):
        a = rng.uniform(-1, 1, (T, 2))
        b = rng.normal(size=(T, 2))
        A = stable_dense(rng, T, 2)
        # the compiled loop, itself checked against loop_reference above
        ref, ref_dense = linear_recurrence_loop(a, b), linear_recurrence_loop(A, b)
        for name in EXACT_NETWORKS:
            net = NETWORKS[name](T)
            assert close(affine_scan(net, a, b), ref), (name, T)
            if T % 13 == 0 or T < 10:
                assert close(affine_scan(net, A, b), ref_dense), (name, T)


def test_record_history_is_the_levels():
    net = kogge_stone(8)
    a = np.full((8, 1), 0.5)
    b = np.ones((8, 1))
    h, history = affine_scan(net, a, b, h0=np.array([2.0]), record=True)
    A0, B0 = history[0]
    assert B0[0, 0] == 0.5 * 2.0 + 1.0  # h0 folded into step 0
    for k, (A, B) in enumerate(history):
        span = min(2 ** k, 8)
        # after k Kogge-Stone levels position t holds steps max(0, t - 2^k + 1) .. t
        for t in range(8):
            steps = min(t + 1, span)
            assert A[t, 0] == pytest.approx(0.5 ** steps)
    np.testing.assert_allclose(h, history[-1][1])
    # 1-D input comes back 1-D, with a 1-D history
    h1, hist1 = affine_scan(net, a[:, 0], b[:, 0], h0=2.0, record=True)
    assert h1.shape == (8,) and hist1[0][0].shape == (8,)
    np.testing.assert_allclose(h1, h[:, 0])


def test_float32_stays_float32():
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (50, 3)).astype(np.float32)
    b = rng.normal(size=(50, 3)).astype(np.float32)
    for out in (affine_scan(sklansky(50), a, b), linear_recurrence_loop(a, b)):
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, loop_reference(a, b), rtol=1e-4, atol=1e-4)


def test_combines_are_associative():
    rng = np.random.default_rng(1)
    x, y, z = [(rng.normal(size=(3, 3)), rng.normal(size=3)) for _ in range(3)]
    left = affine_combine(z, affine_combine(y, x))
    right = affine_combine(affine_combine(z, y), x)
    np.testing.assert_allclose(left[0], right[0])
    np.testing.assert_allclose(left[1], right[1])
    bits = [(g, p) for g in (0, 1) for p in (0, 1)]
    for u in bits:
        assert carry_combine(u, u) == u  # idempotent
        for v in bits:
            for w in bits:
                assert carry_combine(w, carry_combine(v, u)) == carry_combine(carry_combine(w, v), u)


# ---------------------------------------------------------------- errors
def test_knowles_refused_for_affine_with_advice():
    net = knowles(16)
    with pytest.raises(ValueError, match="knowles.*overlapping.*kogge-stone"):
        affine_scan(net, np.ones((16, 1)), np.ones((16, 1)))
    with pytest.raises(ValueError, match="idempotent"):
        scan(net, list(range(16)), lambda hi, lo: hi + lo)


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: affine_scan(serial(4), np.ones((5, 2)), np.ones((5, 2))), ValueError, "n = 4"),
    (lambda: affine_scan(serial(4), np.ones((4, 2)), np.ones((4, 3))), ValueError, "b must have shape"),
    (lambda: affine_scan(serial(4), np.ones((4, 2, 3)), np.ones((4, 2))), ValueError, "last two sizes"),
    (lambda: affine_scan(serial(4), np.ones((4, 2, 2)), np.ones((4, 3))), ValueError, "b must have shape"),
    (lambda: affine_scan(serial(4), np.ones((4, 1, 1, 1)), np.ones((4, 1))), ValueError, "a must have shape"),
    (lambda: affine_scan(serial(2), [[1.0], [np.nan]], [[1.0], [1.0]]), ValueError, "a must be finite"),
    (lambda: affine_scan(serial(2), [[1.0], [1.0]], [[np.inf], [1.0]]), ValueError, "b must be finite"),
    (lambda: affine_scan(serial(2), np.ones((2, 1), complex), np.ones((2, 1))), TypeError, "real"),
    (lambda: affine_scan(serial(2), np.ones((2, 2)), np.ones((2, 2)), h0=np.ones(3)), ValueError, "h0"),
    (lambda: affine_scan("serial", np.ones((2, 2)), np.ones((2, 2))), TypeError, "PrefixNetwork"),
    (lambda: affine_scan_blocked(np.ones((4, 2, 2)), np.ones((4, 2))), ValueError, "diagonal"),
    (lambda: affine_scan_blocked(np.ones((4, 2)), np.ones((4, 2)), n_threads=0), ValueError, "n_threads"),
    (lambda: affine_scan_blocked(np.ones((4, 2)), np.ones((4, 2)), block=0), ValueError, "block"),
    (lambda: affine_scan_blocked(np.ones((4, 2)), np.ones((4, 2)), rho=2.0), ValueError, "rho"),
    (lambda: linear_recurrence_loop(np.ones((0, 2)), np.ones((0, 2))), ValueError, "T >= 1"),
    (lambda: carry_scan(serial(3), [1, 0, 2], [0, 0, 0]), ValueError, "only 0 and 1"),
    (lambda: carry_scan(serial(3), [1, 0], [0, 0]), ValueError, "n = 3"),
    (lambda: carry_scan(serial(3), [1, 0, 0], [0, 0]), ValueError, "p must have"),
    (lambda: carry_scan(serial(3), [1.0, 0, 0], [0, 0, 0]), TypeError, "bits"),
    (lambda: carry_scan(serial(3), [[1, 0, 0]], [[0, 0, 0]], cin=[1, 0]), ValueError, "cin"),
    (lambda: scan(serial(3), [1, 2], lambda hi, lo: hi), ValueError, "length 2"),
    (lambda: scan(serial(2), [1, 2], "add"), TypeError, "callable"),
])
def test_errors_name_the_argument(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_custom_network_object_accepted():
    net = PrefixNetwork(3, (((1, 0),), ((2, 1),)), "mine").check()
    out = affine_scan(net, np.full((3, 1), 2.0), np.ones((3, 1)))
    assert out[:, 0].tolist() == [1.0, 3.0, 7.0]


def test_inputs_are_not_modified():
    rng = np.random.default_rng(2)
    for shape in ((6,), (6, 1), (6, 3)):
        a = rng.uniform(-1, 1, shape)
        b = rng.normal(size=shape)
        a0, b0 = a.copy(), b.copy()
        affine_scan(sklansky(6), a, b)
        affine_scan(sklansky(6), a, b, record=True)
        affine_scan_blocked(a, b, n_threads=2, block=2)
        linear_recurrence_loop(a, b)
        np.testing.assert_array_equal(a, a0)
        np.testing.assert_array_equal(b, b0)
