"""LinearRNN: the scan equals the loop, gradients equal finite differences, and it trains."""
import numpy as np
import pytest
from rnn_tests_gradcheck import assert_grad_close

from rnn import LinearRNN, make_model
from rnn.train import TrainConfig, fit


def loop_reference(body, x):
    """h[t] = (1 - z) h[t-1] + z u, one step at a time in plain NumPy."""
    p = body.params()
    z = 1.0 / (1.0 + np.exp(-(x @ p["W_z"].T + p["b_z"])))
    u = x @ p["W_h"].T + p["b_h"]
    h = np.zeros((x.shape[0], body.hidden_size))
    out = []
    for t in range(x.shape[1]):
        h = (1 - z[:, t]) * h + z[:, t] * u[:, t]
        out.append(h)
    return np.stack(out, axis=1)


@pytest.mark.parametrize("network", ["kogge-stone", "brent-kung", "sklansky", "serial"])
@pytest.mark.parametrize("T", [1, 2, 7, 64, 129])
def test_scan_equals_loop(network, T):
    rng = np.random.default_rng(T)
    body = LinearRNN(3, 5, network=network, dtype=np.float64, seed=1)
    x = rng.normal(size=(2, T, 3))
    np.testing.assert_allclose(body.forward(x), loop_reference(body, x), rtol=1e-12, atol=1e-13)


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    model = make_model(LinearRNN(3, 4, dtype=np.float64, seed=2), "regression", out_features=2, seed=3)
    for p in model.params().values():
        p[...] = rng.normal(size=p.shape)
    x = rng.normal(size=(2, 9, 3))
    y = rng.normal(size=(2, 9, 2))

    def loss():
        return model.loss(model.forward(x), y)[0]

    out = model.forward(x)
    _, dout = model.loss(out, y)
    model.backward(dout)
    grads = {k: v.copy() for k, v in model.grads().items()}
    for name, p in model.params().items():
        assert_grad_close(loss, p, grads[name], rng, n=12, tol=1e-7, name=name)
    # the input gradient too
    body = model.body
    h = body.forward(x)
    dx = body.backward(np.ones_like(h))
    assert_grad_close(lambda: body.forward(x).sum(), x, dx, rng, n=12, tol=1e-7, name="x")


def test_depth_is_logarithmic():
    body = LinearRNN(2, 3, network="kogge-stone")
    assert body.depth(1024) == 1 + 10 and LinearRNN(2, 3, network="serial").depth(1024) == 1 + 1023


def test_overlapping_network_is_refused():
    with pytest.raises(ValueError, match="exact prefix networks"):
        LinearRNN(2, 3, network="knowles")


def test_trains_on_binary_addition(tmp_path):
    cfg = TrainConfig(model="linear", task="binary-add", task_args={"n_bits": 4, "n_train": 512,
                                                                     "n_valid": 64, "n_test": 64},
                      hidden=16, epochs=3, lr=1e-2, seed=0)
    result = fit(cfg, tmp_path, progress=False, log=None)
    first, last = result["history"][0]["train_loss"], result["history"][-1]["train_loss"]
    assert last < first
