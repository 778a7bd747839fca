"""A short training run: a CL-RNN learns what its receptive field can see."""
import numpy as np

from rnn import CLRNN, make_model
from rnn.optim import Adam


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
