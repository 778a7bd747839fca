"""Every kernel in rnn.kernels against its plain-NumPy reference and finite differences."""
import numpy as np
import pytest
from rnn_tests_gradcheck import assert_grad_close

from rnn import kernels as K
from rnn import reference as naive


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# ------------------------------------------------------------------------ conv

def conv_case(rng, B, T, cin, cout, k):
    """Random x (B, T, cin), v (cout, cin, k), g, b (cout,), dy (B, T, cout)."""
    return (rng.normal(size=(B, T, cin)), rng.normal(size=(cout, cin, k)),
            rng.uniform(0.5, 2.0, cout), rng.normal(size=cout), rng.normal(size=(B, T, cout)))


def check_conv_against_naive(rng, B, T, cin, cout, k, d, rows=None):
    """Forward and every gradient of the kernel (blocks of ``rows``) against the
    naive reference; returns what the further checks need."""
    x, v, g, b, dy = conv_case(rng, B, T, cin, cout, k)
    w, norm = K.weight_norm_forward(v, g)
    np.testing.assert_allclose(w, naive.weight_norm(v, g), rtol=1e-13)
    y = K.causal_conv1d_forward(x, w, b, d, block_rows=rows)
    np.testing.assert_allclose(y, naive.conv_forward(x, v, g, b, d), rtol=1e-12, atol=1e-13)
    dx, dw, db = K.causal_conv1d_backward(dy, x, w, d, block_rows=rows)
    dv, dg = K.weight_norm_backward(v, g, norm, dw)
    rdx, rdv, rdg, rdb = naive.conv_backward(x, v, g, b, d, dy)
    for got, want in [(dx, rdx), (dv, rdv), (dg, rdg), (db, rdb)]:
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12)
    return x, w, dy, dw


@pytest.mark.parametrize("k,d,cin,cout", [(1, 1, 3, 2), (2, 1, 4, 3), (3, 2, 3, 5), (5, 4, 2, 3)])
def test_conv_matches_naive(rng, k, d, cin, cout):
    check_conv_against_naive(rng, 2, 11, cin, cout, k, d)


@pytest.mark.parametrize("k,d,T,rows", [
    (5, 1, 40, 7),     # blocks end mid-sequence and straddle the batch boundary
    (5, 8, 20, 13),    # T < receptive field (k-1) d + 1: most taps read padding
    (3, 4, 3, 1),      # one row per block, every tap but the last in the padding
    (2, 16, 64, None),  # default block size: the whole B*T in one block
    (4, 2, 17, 34),    # one block per sequence exactly
])
def test_conv_blocks_match_naive(rng, k, d, T, rows):
    # the blocked gather / scatter must give the same result for any block size
    x, w, dy, dw = check_conv_against_naive(rng, 3, T, 4, 5, k, d, rows)
    none, dw2, _ = K.causal_conv1d_backward(dy, x, w, d, need_dx=False, block_rows=rows)
    assert none is None
    np.testing.assert_allclose(dw2, dw, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("B,T,k,d,rows", [
    (1, 30, 5, 1, None),  # one sequence, default blocks
    (3, 20, 5, 4, 7),     # blocks straddle sequences
    (3, 6, 3, 4, 5),      # T < receptive field: most taps read padding
    (1, 9, 2, 8, 1),      # one row per block
])
def test_conv_fused_relu_matches_naive(rng, B, T, k, d, rows):
    # relu=True: forward = ReLU(conv), backward masks dy by [y > 0] before the
    # products; compared with the naive conv followed by the naive ReLU
    x, v, g, b, dy = conv_case(rng, B, T, 4, 6, k)
    w, norm = K.weight_norm_forward(v, g)
    pre = naive.conv_forward(x, v, g, b, d)
    y = K.causal_conv1d_forward(x, w, b, d, block_rows=rows, relu=True)
    np.testing.assert_allclose(y, naive.relu_forward(pre), rtol=1e-12, atol=1e-13)
    dpre = naive.relu_backward(pre, dy)
    for need_dx in (True, False):
        dx, dw, db = K.causal_conv1d_backward(dy, x, w, d, need_dx, block_rows=rows, y=y)
        dv, dg = K.weight_norm_backward(v, g, norm, dw)
        rdx, rdv, rdg, rdb = naive.conv_backward(x, v, g, b, d, dpre)
        got = [dv, dg, db] + ([dx] if need_dx else [])
        want = [rdv, rdg, rdb] + ([rdx] if need_dx else [])
        for a, e in zip(got, want):
            np.testing.assert_allclose(a, e, rtol=1e-11, atol=1e-12)
        assert need_dx or dx is None


def test_conv_is_causal(rng):
    # changing x[t0] changes nothing before t0 and nothing beyond t0 + (k-1) d
    k, d, T = 3, 2, 16
    x = rng.normal(size=(1, T, 2))
    v, g, b = rng.normal(size=(2, 2, k)), np.ones(2), np.zeros(2)
    w, _ = K.weight_norm_forward(v, g)
    y0 = K.causal_conv1d_forward(x, w, b, d)
    x[0, 7] += 1.0
    y1 = K.causal_conv1d_forward(x, w, b, d)
    changed = np.nonzero(np.abs(y1 - y0).sum(axis=2)[0] > 0)[0]
    assert changed.min() == 7 and changed.max() <= 7 + (k - 1) * d


def test_conv_gradients_finite_difference(rng):
    k, d = 3, 2
    x = rng.normal(size=(2, 9, 3))
    v = rng.normal(size=(4, 3, k))
    g = rng.uniform(0.5, 2.0, 4)
    b = rng.normal(size=4)
    R = rng.normal(size=(2, 9, 4))

    def f():
        w, _ = K.weight_norm_forward(v, g)
        return np.sum(K.causal_conv1d_forward(x, w, b, d) * R)

    w, norm = K.weight_norm_forward(v, g)
    dx, dw, db = K.causal_conv1d_backward(R, x, w, d)
    dv, dg = K.weight_norm_backward(v, g, norm, dw)
    for arr, grad, name in [(x, dx, "x"), (v, dv, "v"), (g, dg, "g"), (b, db, "b")]:
        assert_grad_close(f, arr, grad, rng, name=name)


def test_conv_float32_close_to_float64(rng):
    x = rng.normal(size=(2, 13, 5))
    v, g, b = rng.normal(size=(6, 5, 5)), rng.uniform(0.5, 2, 6), rng.normal(size=6)
    w, _ = K.weight_norm_forward(v, g)
    y64 = K.causal_conv1d_forward(x, w, b, 2)
    w32, _ = K.weight_norm_forward(v.astype(np.float32), g.astype(np.float32))
    y32 = K.causal_conv1d_forward(x.astype(np.float32), w32, b.astype(np.float32), 2)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, rtol=1e-4, atol=1e-4)


# ----------------------------------------------------------------- elementwise

def test_relu_tanh_dropout_match_naive(rng):
    x = rng.normal(size=(3, 7, 4))
    dy = rng.normal(size=x.shape)
    y = K.relu_forward(x)
    np.testing.assert_array_equal(y, naive.relu_forward(x))
    np.testing.assert_array_equal(K.relu_backward(y, dy), naive.relu_backward(x, dy))
    t = K.tanh_forward(x)
    np.testing.assert_allclose(t, naive.tanh_forward(x), rtol=1e-15)
    np.testing.assert_allclose(K.tanh_backward(t, dy), naive.tanh_backward(x, dy), rtol=1e-12)
    mask = K.dropout_mask(x.shape, 0.25, np.random.default_rng(0), np.float64)
    np.testing.assert_array_equal(K.dropout_forward(x, mask), naive.dropout_forward(x, mask))
    np.testing.assert_array_equal(K.dropout_backward(dy, mask), naive.dropout_backward(dy, mask))


def test_tanh_float32_rational_form(rng):
    # float32 arrays take the compiled rational tanh: within 5e-7 relative of the
    # float64 value, any memory order, saturating to exactly +-1
    x = (rng.normal(size=(4, 6, 9)) * 5).astype(np.float32)
    x[0, 0, :3] = [0.0, 40.0, -40.0]
    for a in (x, np.asfortranarray(x), x[:, ::2]):
        y = K.tanh_forward(a)
        assert y.dtype == np.float32 and y.shape == a.shape
        ref = np.tanh(a.astype(np.float64))
        np.testing.assert_allclose(y, ref, rtol=5e-7, atol=1e-37)
    assert list(K.tanh_forward(x)[0, 0, :3]) == [0.0, 1.0, -1.0]


def test_elementwise_finite_difference(rng):
    x = rng.normal(size=(2, 5, 3))
    x[np.abs(x) < 1e-3] = 0.5  # keep FD away from ReLU's kink
    R = rng.normal(size=x.shape)
    mask = K.dropout_mask(x.shape, 0.5, rng, np.float64)
    for fwd, bwd, name in [
        (K.relu_forward, lambda y, d: K.relu_backward(y, d), "relu"),
        (K.tanh_forward, lambda y, d: K.tanh_backward(y, d), "tanh"),
        (lambda a: K.dropout_forward(a, mask), lambda y, d: K.dropout_backward(d, mask),
         "dropout"),
    ]:
        grad = bwd(fwd(x), R)
        assert_grad_close(lambda: np.sum(fwd(x) * R), x, grad, rng, name=name)


def test_dropout_mask_seeded_and_scaled():
    m1 = K.dropout_mask((200, 50), 0.25, np.random.default_rng(7), np.float32)
    m2 = K.dropout_mask((200, 50), 0.25, np.random.default_rng(7), np.float32)
    np.testing.assert_array_equal(m1, m2)
    assert m1.dtype == np.float32
    assert set(np.unique(m1)) == {0.0, np.float32(1 / 0.75)}
    assert abs((m1 == 0).mean() - 0.25) < 0.02


# ----------------------------------------------------------------------- dense

def test_linear_and_embedding_match_naive_and_fd(rng):
    x = rng.normal(size=(2, 5, 4))
    w, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    dy = rng.normal(size=(2, 5, 3))
    y = K.linear_forward(x, w, b)
    np.testing.assert_allclose(y, naive.linear_forward(x, w, b), rtol=1e-13)
    got = K.linear_backward(x, w, dy)
    for a, e in zip(got, naive.linear_backward(x, w, dy)):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-13)
    for arr, grad, name in [(x, got[0], "x"), (w, got[1], "W"), (b, got[2], "b")]:
        assert_grad_close(lambda: np.sum(K.linear_forward(x, w, b) * dy), arr, grad, rng,
                          name=name)

    idx = np.array([[0, 3, 3, 1], [2, 3, 0, 0]])
    E = rng.normal(size=(5, 6))
    dy = rng.normal(size=(2, 4, 6))
    np.testing.assert_array_equal(K.embedding_forward(idx, E), naive.embedding_forward(idx, E))
    dE = K.embedding_backward(idx, dy, 5)
    np.testing.assert_allclose(dE, naive.embedding_backward(idx, dy, 5), rtol=1e-13)
    assert_grad_close(lambda: np.sum(K.embedding_forward(idx, E) * dy), E, dE, rng, n=30,
                      name="E")


# ---------------------------------------------------------------------- losses

def test_bce_matches_naive_and_fd(rng):
    z = rng.normal(size=(6, 88)) * 3
    y = (rng.random((6, 88)) < 0.2).astype(np.float64)
    loss, dz = K.bce_with_logits(z, y)
    rl, rdz = naive.bce_with_logits(z, y)
    np.testing.assert_allclose(loss, rl, rtol=1e-12)
    np.testing.assert_allclose(dz, rdz, rtol=1e-12, atol=1e-15)
    assert_grad_close(lambda: K.bce_with_logits(z, y)[0], z, dz, rng, name="z")


def test_bce_stable_for_extreme_logits():
    z = np.array([[1000.0, -1000.0, 40.0, -40.0]])
    y = np.array([[1.0, 0.0, 0.0, 1.0]])
    loss, dz = K.bce_with_logits(z, y)
    # first two terms are ~0; the last two are 40 each
    np.testing.assert_allclose(loss, 80.0, rtol=1e-12)
    assert np.all(np.isfinite(dz))


def test_softmax_ce_matches_naive_and_fd(rng):
    z = rng.normal(size=(7, 5)) * 2
    z[0, 1] = 500.0  # stability: logsumexp must not overflow
    t = rng.integers(0, 5, 7)
    loss, dz = K.softmax_cross_entropy(z, t)
    rl, rdz = naive.softmax_cross_entropy(z, t)
    np.testing.assert_allclose(loss, rl, rtol=1e-12)
    np.testing.assert_allclose(dz, rdz, rtol=1e-12, atol=1e-15)
    assert_grad_close(lambda: K.softmax_cross_entropy(z, t)[0], z, dz, rng, name="z")


# ------------------------------------------------------------------- recurrent
# Kernel level: gradients wrt the input projections xw; the weight gradients
# are checked through the models in test_rnn_models.py.

def test_recurrent_kernels_finite_difference(rng):
    B, T, H = 2, 6, 3
    h0 = np.zeros((B, H))

    W = rng.normal(size=(H, H)) * 0.5
    xw = rng.normal(size=(B, T, H))
    R = rng.normal(size=(B, T, H))
    hs = K.rnn_forward(xw, np.ascontiguousarray(W.T), h0)
    dpre, _ = K.rnn_backward(R, hs, W)
    assert_grad_close(lambda: np.sum(K.rnn_forward(xw, np.ascontiguousarray(W.T), h0) * R),
                      xw, dpre, rng, name="rnn xw")

    W = rng.normal(size=(4 * H, H)) * 0.5
    xw = rng.normal(size=(B, T, 4 * H))
    hs, cs, acts = K.lstm_forward(xw, np.ascontiguousarray(W.T), h0, h0)
    dpre, _, _ = K.lstm_backward(R, cs, acts, h0, W)
    assert_grad_close(
        lambda: np.sum(K.lstm_forward(xw, np.ascontiguousarray(W.T), h0, h0)[0] * R),
        xw, dpre, rng, n=20, name="lstm xw")

    W = rng.normal(size=(3 * H, H)) * 0.5
    bh = rng.normal(size=3 * H)
    xw = rng.normal(size=(B, T, 3 * H))
    hs, acts, ghn = K.gru_forward(xw, np.ascontiguousarray(W.T), bh, h0)
    dgi, dgh, _ = K.gru_backward(R, hs, acts, ghn, h0, W)
    assert_grad_close(
        lambda: np.sum(K.gru_forward(xw, np.ascontiguousarray(W.T), bh, h0)[0] * R),
        xw, dgi, rng, n=20, name="gru xw")
    assert_grad_close(
        lambda: np.sum(K.gru_forward(xw, np.ascontiguousarray(W.T), bh, h0)[0] * R),
        bh, dgh.sum(axis=(0, 1)), rng, n=9, name="gru b_hh")


def _recurrent_runs(rng, B, T, H):
    """Every output of the three recurrent kernels (forward and backward) on random
    data, as one flat list."""
    h0, c0 = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    R = rng.normal(size=(B, T, H))
    out = []
    W = rng.normal(size=(H, H)) * 0.5
    hs = K.rnn_forward(rng.normal(size=(B, T, H)), np.ascontiguousarray(W.T), h0)
    out += [hs, *K.rnn_backward(R, hs, W)]
    W = rng.normal(size=(4 * H, H)) * 0.5
    hs, cs, acts = K.lstm_forward(rng.normal(size=(B, T, 4 * H)), np.ascontiguousarray(W.T),
                                  h0, c0)
    out += [hs, cs, acts, *K.lstm_backward(R, cs, acts, c0, W)]
    W, bh = rng.normal(size=(3 * H, H)) * 0.5, rng.normal(size=3 * H)
    hs, acts, ghn = K.gru_forward(rng.normal(size=(B, T, 3 * H)), np.ascontiguousarray(W.T),
                                  bh, h0)
    out += [hs, acts, ghn, *K.gru_backward(R, hs, acts, ghn, h0, W)]
    return out


def test_recurrent_kernels_row_groups_equal_one_group():
    """The batch rows run as one group per thread. 1 and 2 threads agree to
    rounding (a group's per-step product sums in 4-row blocks or row by row,
    depending on its size), the gradients wrt the initial states (written per
    group) included."""
    numba = pytest.importorskip("numba")
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("Numba has a single thread here (NUMBA_NUM_THREADS=1)")
    saved = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = _recurrent_runs(np.random.default_rng(7), 5, 9, 4)
        numba.set_num_threads(2)
        two = _recurrent_runs(np.random.default_rng(7), 5, 9, 4)
    finally:
        numba.set_num_threads(saved)
    assert len(one) == len(two) == 15
    for a, b in zip(one, two):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_recurrent_initial_state_gradients_finite_difference(rng):
    """dh0 (and dc0) of the backward kernels, which the models do not use."""
    B, T, H = 3, 5, 3
    R = rng.normal(size=(B, T, H))
    h0, c0 = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    W = rng.normal(size=(H, H)) * 0.5
    xw = rng.normal(size=(B, T, H))
    Wt = np.ascontiguousarray(W.T)
    _, dh0 = K.rnn_backward(R, K.rnn_forward(xw, Wt, h0), W)
    assert_grad_close(lambda: np.sum(K.rnn_forward(xw, Wt, h0) * R), h0, dh0, rng,
                      name="rnn h0")
    W = rng.normal(size=(4 * H, H)) * 0.5
    xw = rng.normal(size=(B, T, 4 * H))
    Wt = np.ascontiguousarray(W.T)
    hs, cs, acts = K.lstm_forward(xw, Wt, h0, c0)
    _, dh0, dc0 = K.lstm_backward(R, cs, acts, c0, W)
    assert_grad_close(lambda: np.sum(K.lstm_forward(xw, Wt, h0, c0)[0] * R), h0, dh0, rng,
                      name="lstm h0")
    assert_grad_close(lambda: np.sum(K.lstm_forward(xw, Wt, h0, c0)[0] * R), c0, dc0, rng,
                      name="lstm c0")
    W, bh = rng.normal(size=(3 * H, H)) * 0.5, rng.normal(size=3 * H)
    xw = rng.normal(size=(B, T, 3 * H))
    Wt = np.ascontiguousarray(W.T)
    hs, acts, ghn = K.gru_forward(xw, Wt, bh, h0)
    _, _, dh0 = K.gru_backward(R, hs, acts, ghn, h0, W)
    assert_grad_close(lambda: np.sum(K.gru_forward(xw, Wt, bh, h0)[0] * R), h0, dh0, rng,
                      name="gru h0")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_per_step_products_match_numpy(rng, dtype):
    # every path of the compiled (M, K) @ (K, N): 4 x 4 blocks of a (N >= 64),
    # four rows at a time (narrow N), leftover rows and leftover columns of a
    from rnn.kernels.recurrent import _mm, _mm_rows4, _mm_tail

    tol = 1e-12 if dtype == np.float64 else 1e-5
    for M, K_, N in [(1, 5, 7), (3, 4, 9), (4, 7, 5), (8, 128, 512), (9, 6, 256),
                     (5, 13, 300), (2, 3, 257), (8, 512, 128), (8, 128, 32), (6, 9, 64)]:
        a = rng.normal(size=(M, K_)).astype(dtype)
        b = rng.normal(size=(K_, N)).astype(dtype)
        want = a.astype(np.float64) @ b.astype(np.float64)
        for mm in (_mm, _mm_rows4, lambda a, b, out: _mm_tail(a, b, out, 0)):
            out = np.full((M, N), np.nan, dtype)
            mm(a, b, out)
            np.testing.assert_allclose(out, want, rtol=tol, atol=tol * np.sqrt(K_))


def test_lstm_wide_gates_match_naive(rng):
    # H = 64, B = 5: the step products take the 4 x 4 blocks and a leftover row,
    # and the weight gradients come from the one-product [x, h[t-1]] path
    from rnn import LSTM

    B, T, I, H = 5, 4, 3, 64
    body = LSTM(I, H, dtype=np.float64, seed=0)
    p = body.params()
    x = rng.normal(size=(B, T, I))
    dhs = rng.normal(size=(B, T, H))
    hs = body.forward(x)
    np.testing.assert_allclose(hs, naive.lstm_forward(x, p["W_ih"], p["W_hh"], p["b_ih"],
                                                      p["b_hh"]), rtol=1e-12, atol=1e-13)
    dx = body.backward(dhs)
    rdx, want = naive.lstm_backward(x, p["W_ih"], p["W_hh"], p["b_ih"], p["b_hh"], dhs)
    np.testing.assert_allclose(dx, rdx, rtol=1e-10, atol=1e-12)
    for name, grad in body.grads().items():
        assert grad.flags.c_contiguous
        np.testing.assert_allclose(grad, want[name], rtol=1e-10, atol=1e-12, err_msg=name)


def test_float32_tanh_sigmoid_accuracy():
    # float32 kernels use a rational tanh (and sigmoid through it); float64 uses libm
    from numba import njit

    from rnn.kernels.recurrent import _sigmoid, tanh_scalar

    @njit
    def apply(x, out_t, out_s):
        for i in range(x.size):
            out_t[i] = tanh_scalar(x[i])
            out_s[i] = _sigmoid(x[i])

    x = np.concatenate([np.linspace(-20, 20, 20001), np.geomspace(1e-30, 1, 301),
                        -np.geomspace(1e-30, 1, 301), [0.0, np.inf, -np.inf]])
    x32 = x.astype(np.float32)
    t32, s32 = np.empty_like(x32), np.empty_like(x32)
    apply(x32, t32, s32)
    ref = np.tanh(x32.astype(np.float64))
    nz = ref != 0
    assert np.max(np.abs(t32 - ref)[nz] / np.abs(ref[nz])) < 5e-7
    assert np.all(t32[~nz] == 0) and np.all(np.abs(t32) <= 1)
    sref = 0.5 + 0.5 * np.tanh(0.5 * x32.astype(np.float64))  # = 1 / (1 + exp(-x))
    assert np.max(np.abs(s32 - sref)) < 3e-7 and np.all((s32 >= 0) & (s32 <= 1))
    t64, s64 = np.empty_like(x), np.empty_like(x)
    apply(x, t64, s64)
    np.testing.assert_allclose(t64, np.tanh(x), rtol=1e-15, atol=0)  # libm's in float64


@pytest.mark.parametrize("B", [1, 3, 8])  # the per-step product takes rows in fours
def test_recurrent_kernels_float32_close_to_float64(rng, B):
    T, H = 7, 5
    h0 = np.zeros((B, H))
    cases = []
    for G in (1, 4, 3):
        W = rng.normal(size=(G * H, H)) * 0.5
        xw = rng.normal(size=(B, T, G * H)) * 2
        cases.append((W, xw))
    R = rng.normal(size=(B, T, H))

    def run(dtype):
        c = lambda a: np.ascontiguousarray(a, dtype=dtype)  # noqa: E731
        (W1, x1), (W4, x4), (W3, x3) = cases
        z, r = c(h0), c(R)
        hs = K.rnn_forward(c(x1), c(W1.T), z)
        out = [hs, K.rnn_backward(r, hs, c(W1))[0]]
        hs, cs, acts = K.lstm_forward(c(x4), c(W4.T), z, z)
        out += [hs, K.lstm_backward(r, cs, acts, z, c(W4))[0]]
        bh = c(W3[:, 0])
        hs, acts, ghn = K.gru_forward(c(x3), c(W3.T), bh, z)
        out += [hs, *K.gru_backward(r, hs, acts, ghn, z, c(W3))[:2]]
        return out

    for got, want in zip(run(np.float32), run(np.float64)):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
