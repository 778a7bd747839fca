"""The benchmark's private Adam against the textbook update, and a short training run."""
import numpy as np

from rnn import CLRNN, make_model
from rnn._adam import Adam


def test_adam_matches_textbook_update():
    rng = np.random.default_rng(0)
    p = {"w": rng.normal(size=(3, 4))}
    ref = p["w"].copy()
    m = np.zeros_like(ref)
    v = np.zeros_like(ref)
    opt = Adam(p, lr=0.1, betas=(0.8, 0.9), eps=1e-6)
    for t in range(1, 4):
        g = rng.normal(size=(3, 4))
        opt.step({"w": g})
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g * g
        ref -= 0.1 * (m / (1 - 0.8 ** t)) / (np.sqrt(v / (1 - 0.9 ** t)) + 1e-6)
        np.testing.assert_allclose(p["w"], ref, rtol=1e-13)


def test_clrnn_learns_a_delayed_copy():
    # y[t] = x[t-2]: inside the receptive field (R = 4 for k = 2, 2 levels)
    rng = np.random.default_rng(1)
    model = make_model(CLRNN(4, 16, levels=2, kernel_size=2, seed=0), "music", n_notes=4,
                       seed=0)
    opt = Adam(model.params(), lr=1e-2)
    x = (rng.random((8, 30, 4)) < 0.5).astype(np.float32)
    y = np.zeros_like(x)
    y[:, 2:] = x[:, :-2]
    first = model.loss_and_backward(x, y)
    for _ in range(150):
        loss = model.loss_and_backward(x, y)
        opt.step(model.grads())
    assert loss < 0.25 * first, (first, loss)
