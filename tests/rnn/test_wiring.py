"""rnn.wiring: hand-set RNNs that add, against Python integers."""
import itertools

import numpy as np
import pytest

from rnn.deer import deer_elman
from rnn.wiring import (
    carry_module_forward,
    clrnn_add,
    kogge_stone_clrnn,
    kogge_stone_weights,
    rnn_add,
    run_kogge_stone,
    run_serial_adder,
    serial_adder_rnn,
)


def all_pairs(n):
    """Every (a, b) of n bits: values (4^n, 2) and LSB-first bits (4^n, 2, n)."""
    v = np.array(list(itertools.product(range(1 << n), repeat=2)), dtype=np.int64)
    return v, (v[:, :, None] >> np.arange(n)) & 1


def value(bits):
    return (bits.astype(np.int64) << np.arange(bits.shape[-1])).sum(-1)


# ---------------------------------------------------------------- (a) serial adder
@pytest.mark.parametrize("n", range(1, 9))
@pytest.mark.parametrize("cin", [0, 1])
def test_serial_adder_exhaustive(n, cin):
    v, bits = all_pairs(n)
    s, cout = run_serial_adder(bits[:, 0], bits[:, 1], cin=cin)
    np.testing.assert_array_equal(value(s) + (cout << n), v.sum(1) + cin)


@pytest.mark.parametrize("n_bits", [32, 256])
def test_serial_adder_random_wide(n_bits):
    rng = np.random.default_rng(n_bits)
    for _ in range(50):
        a = int.from_bytes(rng.bytes(n_bits // 8), "little")
        b = int.from_bytes(rng.bytes(n_bits // 8), "little")
        assert rnn_add(a, b, n_bits) == a + b
        assert rnn_add(a, b, n_bits, cin=1) == a + b + 1
    top = (1 << n_bits) - 1
    assert rnn_add(top, top, n_bits, cin=1) == 2 * top + 1  # the longest carry chain


def test_serial_adder_state_stays_saturated():
    """The margin argument: every hidden unit stays within 1e-8 of +-1."""
    w = serial_adder_rnn()
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, (4, 2000))
    b = rng.integers(0, 2, (4, 2000))
    from rnn.deer import elman_serial
    h = elman_serial(np.stack([a, b], -1).astype(float), w.W_ih, w.W_hh, w.b_ih + w.b_hh, w.h0(0))
    assert np.max(1 - np.abs(h)) < 1e-8


def test_deer_runs_the_serial_adder():
    """DEER on the saturated adder. Linearised at h = 0, a propagate bit (a + b = 1)
    sits at the steep middle of the carry unit, so the Newton step's linear system
    reads h_2[t] = (K / 2) h_2[t-1] there and is saturated (J = 0) at generate and
    kill bits: a linear carry chain, which the affine scan resolves at once, like
    carry lookahead. So a couple of iterations suffice, whatever the carry chains."""
    w = serial_adder_rnn()
    n = 128
    rng = np.random.default_rng(3)
    cases = [(int.from_bytes(rng.bytes(n // 8), "little"),
              int.from_bytes(rng.bytes(n // 8), "little")) for _ in range(3)]
    cases.append(((1 << n) - 1, 1))  # one carry chain through every bit
    for a, b in cases:
        bits = np.array([[(a >> i) & 1, (b >> i) & 1] for i in range(n)], float)
        res = deer_elman(bits, w.W_ih, w.W_hh, w.b_ih + w.b_hh, w.h0(0))
        s = np.rint(res.h @ w.W_out.T + w.b_out)[:, 0].astype(int)
        assert sum(int(x) << i for i, x in enumerate(s)) == (a + b) % (1 << n)
        assert res.iterations <= 3


# ---------------------------------------------------------------- (b) Kogge-Stone CL-RNN
@pytest.mark.parametrize("n", range(1, 9))
def test_kogge_stone_clrnn_exhaustive(n):
    v, bits = all_pairs(n)
    model = kogge_stone_clrnn(n)
    s = run_kogge_stone(bits[:, 0], bits[:, 1], model=model)
    np.testing.assert_array_equal(value(s), v.sum(1))
    s_np = run_kogge_stone(bits[:, 0], bits[:, 1], weights=kogge_stone_weights(n))
    np.testing.assert_array_equal(s_np, s)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kogge_stone_clrnn_random_32_bit(dtype):
    model = kogge_stone_clrnn(32, dtype=dtype)
    rng = np.random.default_rng(1)
    pairs = [(int(x), int(y)) for x, y in rng.integers(0, 2**32, (300, 2), dtype=np.uint64)]
    pairs += [(2**32 - 1, 1), (2**32 - 1, 2**32 - 1), (0, 0), (0x55555555, 0xAAAAAAAB)]
    for a, b in pairs:
        assert clrnn_add(a, b, 32, model=model) == a + b


def test_model_carry_module_equals_numpy_reference():
    """The model's TCN (weight-normed convs) computes the same 0/1 carries as the
    plain-NumPy forward, and the carries are those of integer addition."""
    n = 16
    model = kogge_stone_clrnn(n)
    ws = kogge_stone_weights(n)
    rng = np.random.default_rng(2)
    a = rng.integers(0, 2**n, 64)
    b = rng.integers(0, 2**n, 64)
    x = np.stack([(a[:, None] >> np.arange(n + 1)) & 1,
                  (b[:, None] >> np.arange(n + 1)) & 1], -1).astype(float)  # (64, n+1, 2)
    x[:, n] = 0
    ref = carry_module_forward(ws, x)
    got = model.tcn.forward(x)
    np.testing.assert_allclose(got, ref, atol=1e-9)
    carry_in = ref[..., 0] - ref[..., 1]  # (64, n+1)
    np.testing.assert_allclose(carry_in, np.round(carry_in), atol=1e-12)
    want = np.array([[((int(p) & ((1 << t) - 1)) + (int(q) & ((1 << t) - 1))) >> t
                      for t in range(n + 1)] for p, q in zip(a, b)])
    np.testing.assert_array_equal(np.round(carry_in).astype(int), want)
    # depth: log2 n + 2 conv levels, receptive field covers all n + 1 steps
    assert len(model.tcn.convs) == int(np.log2(n)) + 2
    assert model.tcn.receptive_field >= n + 1


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: rnn_add(256, 1, 8), ValueError, "does not fit"),
    (lambda: rnn_add(-1, 1, 8), ValueError, "does not fit"),
    (lambda: rnn_add(1.0, 1, 8), TypeError, "a must be an int"),
    (lambda: rnn_add(1, 1, 0), ValueError, "n_bits"),
    (lambda: rnn_add(1, 1, 4, cin=2), ValueError, "cin"),
    (lambda: run_serial_adder([1, 2], [0, 0]), ValueError, "only 0 and 1"),
    (lambda: run_serial_adder([1, 0], [0, 0, 0]), ValueError, "shape"),
    (lambda: run_serial_adder([0.5], [0]), TypeError, "bits"),
    (lambda: serial_adder_rnn(gain=2.0), ValueError, "gain"),
    (lambda: kogge_stone_weights(0), ValueError, "n_bits"),
    (lambda: run_kogge_stone([1] * 9, [0] * 9, weights=kogge_stone_weights(8)), ValueError,
     "at most"),
    (lambda: clrnn_add(300, 1, 8), ValueError, "does not fit"),
])
def test_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
