"""Hidden-state heatmaps and training curves, drawn from what rnn computes and writes."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import viz
from rnn import ElmanRNN
from rnn.train import TrainConfig, fit
from viz._style import artists_with_gid


def test_hidden_heatmap_of_a_real_model():
    body = ElmanRNN(2, 6, seed=0)
    x = np.random.default_rng(0).integers(0, 2, (1, 12, 2)).astype(np.float32)
    h = body.forward(x)
    carries = np.zeros(12)
    carries[[3, 4]] = 1
    fig = viz.hidden_heatmap(h, carries=carries)
    image = artists_with_gid(fig, "hidden-heatmap")[0]
    np.testing.assert_allclose(image.get_array(), h[0].T, rtol=1e-6)
    assert len(artists_with_gid(fig, "carry-mark")) == 2
    plt.close(fig)


def test_training_curves_from_a_run(tmp_path):
    cfg = TrainConfig(model="rnn", task="binary-add", task_args={"n_bits": 4, "n_train": 256,
                                                                  "n_valid": 32, "n_test": 32},
                      hidden=8, epochs=3, lr=1e-2)
    fit(cfg, tmp_path, progress=False, log=None)
    for source in (tmp_path, tmp_path / "metrics.csv"):
        fig = viz.training_curves(source)
        train = artists_with_gid(fig, "curve-train")[0]
        assert list(train.get_xdata()) == [1, 2, 3]
        plt.close(fig)


@pytest.mark.parametrize("call, msg", [
    (lambda: viz.hidden_heatmap(np.zeros((0, 3))), "non-empty"),
    (lambda: viz.hidden_heatmap(np.zeros((4, 3)), carries=[1, 0]), "one value per time step"),
    (lambda: viz.training_curves([]), "history is empty"),
    (lambda: viz.training_curves("run.txt"), "metrics.json or metrics.csv"),
])
def test_bad_input(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()
