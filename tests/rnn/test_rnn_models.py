"""Models and heads: parameter counts, references, finite differences, causality."""
import numpy as np
import pytest
from rnn_tests_gradcheck import assert_grad_close

from rnn import CLRNN, GRU, LSTM, TCN, ElmanRNN, count_params, make_model
from rnn import reference as naive
from rnn.scan import linear_recurrence_loop

F64 = np.float64


@pytest.fixture
def rng():
    return np.random.default_rng(99)


# ------------------------------------------------------------ parameter counts

def test_parameter_counts_match_the_authors():
    # 88 notes, 150 hidden, k = 5, 4 levels of 150 channels, music head
    assert count_params(make_model(CLRNN(88, 150, levels=4, kernel_size=5), "music")) == 453_988
    assert count_params(make_model(TCN(88, [150] * 4, kernel_size=5), "music")) == 417_988
    assert count_params(make_model(ElmanRNN(88, 150), "music")) == 49_288
    assert count_params(make_model(LSTM(88, 150), "music")) == 157_288


def test_tied_weights_counted_once():
    m = make_model(CLRNN(16, 16, levels=1, kernel_size=2), "charlm", vocab_size=50)
    body = count_params(m.body)
    assert count_params(m) == body + 50 * 16 + 50


# ------------------------------------------------------------------ references

def _serial_case(rng, cls, ref_fwd, ref_bwd):
    body = cls(5, 4, dtype=F64, seed=3)
    x = rng.normal(size=(3, 7, 5))
    dh = rng.normal(size=(3, 7, 4))
    p = body.params()
    args = (p["W_ih"], p["W_hh"], p["b_ih"], p["b_hh"])
    np.testing.assert_allclose(body.forward(x), ref_fwd(x, *args), rtol=1e-12, atol=1e-14)
    dx = body.backward(dh)
    rdx, rg = ref_bwd(x, *args, dh)
    np.testing.assert_allclose(dx, rdx, rtol=1e-11, atol=1e-13)
    for k, g in body.grads().items():
        np.testing.assert_allclose(g, rg[k], rtol=1e-11, atol=1e-13, err_msg=k)


def test_elman_matches_naive(rng):
    _serial_case(rng, ElmanRNN, naive.rnn_forward, naive.rnn_backward)


def test_lstm_matches_naive(rng):
    _serial_case(rng, LSTM, naive.lstm_forward, naive.lstm_backward)


def test_gru_matches_naive(rng):
    _serial_case(rng, GRU, naive.gru_forward, naive.gru_backward)


def test_clrnn_forward_matches_naive_composition(rng):
    body = CLRNN(3, 4, levels=3, kernel_size=2, dtype=F64, seed=5)
    x = rng.normal(size=(2, 10, 3))
    p = body.params()
    c = x
    for i, d in enumerate([1, 2, 4]):
        c = naive.relu_forward(naive.conv_forward(c, p[f"tcn.{i}.v"], p[f"tcn.{i}.g"],
                                                  p[f"tcn.{i}.b"], d))
    h = np.tanh(naive.linear_forward(x, p["cell.W_ih"], p["cell.b_ih"])
                + naive.linear_forward(c, p["cell.W_hh"], p["cell.b_hh"]))
    np.testing.assert_allclose(body.forward(x), h, rtol=1e-12, atol=1e-14)


def test_clrnn_forward_matches_the_reference(rng):
    body = CLRNN(3, 4, levels=3, kernel_size=2, dtype=F64, seed=5)
    x = rng.normal(size=(2, 10, 3))
    p = body.params()
    levels = [(p[f"tcn.{i}.v"], p[f"tcn.{i}.g"], p[f"tcn.{i}.b"]) for i in range(3)]
    h = naive.clrnn_forward(x, levels, p["cell.W_ih"], p["cell.W_hh"], p["cell.b_ih"], p["cell.b_hh"])
    np.testing.assert_allclose(body.forward(x), h, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dense", [False, True])
def test_linear_recurrence_loop_matches_the_reference(rng, dense):
    T, D = 9, 3
    a = rng.normal(size=(T, D, D) if dense else (T, D)) * 0.5
    b, h0 = rng.normal(size=(T, D)), rng.normal(size=D)
    np.testing.assert_allclose(linear_recurrence_loop(a, b, h0), naive.linear_recurrence(a, b, h0),
                               rtol=1e-12, atol=1e-14)


def test_clrnn_receptive_field_and_causality(rng):
    # h[t] depends on x[t-R+1 .. t] exactly, R = 1 + (k-1)(2^L - 1)
    k, L, T = 3, 2, 20
    body = CLRNN(2, 3, levels=L, kernel_size=k, dtype=F64, seed=1)
    R = 1 + (k - 1) * (2 ** L - 1)
    assert body.tcn.receptive_field == R
    x = rng.normal(size=(1, T, 2))
    h0 = body.forward(x)
    t0 = 5
    x[0, t0] += 1.0
    changed = np.nonzero(np.abs(body.forward(x) - h0).sum(axis=2)[0] > 0)[0]
    assert changed.min() == t0
    assert changed.max() == t0 + R - 1


# ---------------------------------------------------------- finite differences

def _fd_model(model, x, y, rng, train=False, n=6, tol=1e-6):
    """Check every parameter's gradient of the head's loss by central differences.

    Parameters are first redrawn at O(1) scale so that every gradient is well
    above the finite-difference round-off (the default init makes them tiny).
    """
    for name, p in model.params().items():
        if name.endswith(".g"):
            p[...] = rng.uniform(0.5, 1.5, p.shape)
        else:
            p[...] = rng.normal(0.0, 0.5, p.shape)

    def f():
        return model.loss(model.forward(x, train=train), y)[0]

    out = model.forward(x, train=train)
    _, dout = model.loss(out, y)
    model.backward(dout)
    grads = {k: v.copy() for k, v in model.grads().items()}
    for name, p in model.params().items():
        assert_grad_close(f, p, grads[name], rng, n=n, tol=tol, name=name)


def _fix_masks(drops, shapes, p, rng):
    for drop, shape in zip(drops, shapes):
        drop.fixed_mask = (rng.random(shape) >= p) / (1.0 - p)


def _music_data(rng, B, T, I, notes=88):
    x = (rng.random((B, T, I)) < 0.4).astype(F64)
    y = (rng.random((B, T, notes)) < 0.3).astype(F64)
    return x, y


def test_fd_clrnn_music_with_dropout(rng):
    body = CLRNN(6, 5, levels=2, kernel_size=3, dropout=0.3, dtype=F64, seed=2)
    model = make_model(body, "music", n_notes=7, seed=3)
    x, y = _music_data(rng, 2, 9, 6, 7)
    _fix_masks(body.tcn.drops, [(2, 9, 5)] * 2, 0.3, rng)
    _fd_model(model, x, y, rng, train=True)


def test_fd_tcn_music_with_dropout(rng):
    body = TCN(6, [4, 5], kernel_size=2, dropout=0.2, dilations=[1, 3], dtype=F64, seed=2)
    model = make_model(body, "music", n_notes=7, seed=3)
    x, y = _music_data(rng, 2, 8, 6, 7)
    _fix_masks(body.drops, [(2, 8, 4), (2, 8, 5)], 0.2, rng)
    _fd_model(model, x, y, rng, train=True)


@pytest.mark.parametrize("cls", [ElmanRNN, LSTM, GRU])
def test_fd_serial_music(rng, cls):
    model = make_model(cls(6, 4, dtype=F64, seed=4), "music", n_notes=5, seed=3)
    x, y = _music_data(rng, 2, 7, 6, 5)
    _fd_model(model, x, y, rng)


def test_fd_regression_and_classification_heads(rng):
    model = make_model(CLRNN(3, 4, levels=1, kernel_size=2, dtype=F64, seed=1),
                       "regression", out_features=2, seed=0)
    x = rng.normal(size=(2, 6, 3))
    _fd_model(model, x, rng.normal(size=(2, 6, 2)), rng)
    model = make_model(GRU(3, 4, dtype=F64, seed=1), "classification", out_features=5, seed=0)
    _fd_model(model, x, rng.integers(0, 5, (2, 6)), rng)


def test_fd_charlm_tied_with_dropouts(rng):
    body = CLRNN(6, 6, levels=2, kernel_size=2, dropout=0.25, dtype=F64, seed=7)
    model = make_model(body, "charlm", vocab_size=9, emb_dropout=0.2, seed=1)
    model.b[:] = rng.normal(size=9) * 0.1
    tok = rng.integers(0, 9, (2, 8))
    _fix_masks(body.tcn.drops, [(2, 8, 6)] * 2, 0.25, rng)
    model.drop.fixed_mask = (rng.random((2, 8, 6)) >= 0.2) / 0.8
    _fd_model(model, tok, rng.integers(0, 9, (2, 8)), rng, train=True, n=10)


# ------------------------------------------------------------------ behaviour

def test_float32_default_and_float64_on_request(rng):
    x = rng.random((1, 6, 4))
    m32 = make_model(CLRNN(4, 3, levels=2, kernel_size=2, seed=0), "music", n_notes=4)
    m64 = make_model(CLRNN(4, 3, levels=2, kernel_size=2, dtype=F64, seed=0), "music",
                     n_notes=4)
    assert all(p.dtype == np.float32 for p in m32.params().values())
    assert all(p.dtype == np.float64 for p in m64.params().values())
    out = m32.forward(x)
    assert out.dtype == np.float32
    m32.backward(np.ones_like(out))
    assert all(g.dtype == np.float32 for g in m32.grads().values())


def test_dropout_only_in_training(rng):
    body = CLRNN(4, 5, levels=2, kernel_size=2, dropout=0.5, dtype=F64, seed=0)
    x = rng.random((2, 6, 4))
    np.testing.assert_array_equal(body.forward(x), body.forward(x))
    assert not np.array_equal(body.forward(x, train=True), body.forward(x, train=True))


def test_work_and_depth():
    clrnn = CLRNN(88, 150, levels=4, kernel_size=5)
    assert clrnn.depth(1000) == 5  # 4 conv levels + the cell, independent of T
    assert LSTM(88, 150).depth(1000) == 1000
    assert ElmanRNN(2, 3).macs(1, 10) == 10 * 3 * (2 + 3)
    assert clrnn.macs(1, 10) == 10 * 5 * (88 * 150 + 3 * 150 * 150) + 10 * (88 * 150 + 150 ** 2)


def test_paper_config_and_docstring_examples():
    import doctest

    import rnn.heads
    from rnn import CLRNNConfig
    body = CLRNNConfig().build()
    assert (body.input_size, body.hidden_size, body.tcn.kernel_size, len(body.tcn.convs),
            body.tcn.dropout) == (88, 150, 5, 4, 0.25)
    import rnn.models
    import rnn.registry
    import rnn.scan
    import rnn.scan_affine
    import rnn.scan_blocked
    import rnn.scan_loop
    for module in (rnn.heads, rnn.models, rnn.registry, rnn.scan, rnn.scan_affine, rnn.scan_blocked,
                   rnn.scan_loop):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


@pytest.mark.parametrize("make", [
    lambda: CLRNN(3, 4, levels=2, kernel_size=3, dtype=F64, seed=0),
    lambda: TCN(3, [4, 2], kernel_size=2, dtype=F64, seed=0),
    lambda: LSTM(3, 4, dtype=F64, seed=0),
])
def test_input_gradient_fd_and_skippable(rng, make):
    body = make()
    for p in body.params().values():
        p[...] = rng.normal(0.0, 0.5, p.shape)
    x = rng.normal(size=(2, 7, 3))
    R = rng.normal(size=(2, 7, body.output_size))
    body.forward(x)
    dx = body.backward(R)
    full = {k: v.copy() for k, v in body.grads().items()}
    assert_grad_close(lambda: np.sum(body.forward(x) * R), x, dx, rng, n=12, name="x")
    body.forward(x)
    assert body.backward(R, input_grad=False) is None
    for k, v in body.grads().items():
        np.testing.assert_array_equal(v, full[k], err_msg=k)
