"""The paper's character-model and sequential-MNIST options: channel lists, the loss
window, the embedding start, the all-steps readout, and the command line's flags."""
import math
import pathlib

import numpy as np
import pytest
from rnn_tests_gradcheck import assert_grad_close

from adders.errors import CarrylabValueError
from carrylab.cli import main
from rnn import CLRNN, make_model
from rnn.protocol import configure
from rnn.tasks import binary_addition, char_lm
from rnn.train import TrainConfig, build_model, evaluate, fit, saved_config, train_step


@pytest.fixture
def text_task(tmp_path):
    text = "".join(chr(97 + (i * i + 3 * i) % 11) for i in range(3000))
    (tmp_path / "t.txt").write_text(text)
    return tmp_path / "t.txt"


def _cross_entropy(logits, y):
    """Mean softmax cross-entropy, plain NumPy: logits (N, V), y (N,)."""
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


def test_channel_lists_and_embedding_init_through_the_config(text_task):
    config = TrainConfig(model="clrnn", task="char", data=str(text_task), channels=[12, 12, 6],
                         kernel_size=3, embedding_init="uniform", task_args={"seq_len": 20})
    assert (config.hidden, config.levels, config.channels) == (6, 3, (12, 12, 6))
    task = char_lm(text_task, seq_len=20)
    model = build_model(config, task)
    p = model.params()
    assert [p[f"body.tcn.{i}.v"].shape for i in range(3)] == [(12, 6, 3), (12, 12, 3), (6, 12, 3)]
    E = p["encoder.weight"]
    assert E.shape == (len(task.vocab), 6) and np.abs(E).max() <= 0.1
    assert E.astype(np.float64).var() == pytest.approx(0.01 / 3, rel=0.5)   # U(-0.1, 0.1)
    normal = build_model(TrainConfig(model="clrnn", task="char", hidden=6, levels=3), task)
    assert normal.params()["encoder.weight"].std() < 0.03                   # N(0, 0.01^2)
    with pytest.raises(CarrylabValueError, match=r"channels must end with the hidden size 8"):
        TrainConfig(model="clrnn", channels=(12, 6), hidden=8)
    with pytest.raises(CarrylabValueError, match=r"channels must have one entry per level \(levels=3\)"):
        TrainConfig(model="tcn", channels=(12, 6), levels=3)


def test_the_loss_window_scores_the_last_steps(text_task):
    task = char_lm(text_task, seq_len=20, stride=15)
    model = build_model(TrainConfig(model="clrnn", task="char", hidden=8, levels=2, kernel_size=2,
                                    dtype="float64"), task)
    x, y = task.valid.groups[0]
    W = 15
    value, out = train_step(model, task, x, y, loss_window=W)
    V = out.shape[-1]
    assert value == pytest.approx(_cross_entropy(out[:, -W:].reshape(-1, V), y[:, -W:].reshape(-1)),
                                  rel=1e-12)
    # the steps before the window get no gradient: their targets do not move the loss
    grads = {k: g.copy() for k, g in model.grads().items()}
    y2 = y.copy()
    y2[:, :-W] = (y2[:, :-W] + 1) % V
    train_step(model, task, x, y2, loss_window=W)
    for k, g in model.grads().items():
        np.testing.assert_array_equal(g, grads[k], err_msg=k)
    scores = evaluate(model, task, task.valid, loss_window=W)
    assert scores["bpc"] == pytest.approx(value / math.log(2), rel=1e-12)
    with pytest.raises(CarrylabValueError, match="loss_window 21 exceeds the sequence length 20"):
        train_step(model, task, x, y, loss_window=21)


def test_the_all_steps_readout_is_one_linear_map():
    """logits = h.reshape(B, T H) W^T + b, the authors' Linear(784, 10) for H = 1."""
    rng = np.random.default_rng(0)
    B, T, I, H, O = 3, 7, 1, 2, 4
    body = CLRNN(I, H, levels=2, kernel_size=3, dtype=np.float64, seed=0)
    model = make_model(body, "sequence-classification", steps=T, out_features=O, seed=1)
    x = rng.random((B, T, I))
    y = rng.integers(0, O, (B, 1))
    out = model.forward(x)
    p = model.params()
    assert p["head.W"].shape == (O, T * H) and out.shape == (B, 1, O)
    h = body.forward(x)
    np.testing.assert_allclose(out[:, 0], h.reshape(B, T * H) @ p["head.W"].T + p["head.b"], rtol=1e-12)

    def loss():
        return model.loss(model.forward(x), y)[0]

    value, dout = model.loss(model.forward(x), y)
    assert value == pytest.approx(_cross_entropy(out[:, 0], y[:, 0]), rel=1e-12)
    model.backward(dout)
    grads = {k: g.copy() for k, g in model.grads().items()}
    for k, arr in p.items():
        assert_grad_close(loss, arr, grads[k], rng, name=k)


def test_readout_all_needs_a_classification_task():
    task = binary_addition(3, n_train=8, n_valid=4, n_test=4)
    with pytest.raises(CarrylabValueError, match="readout 'all' needs a task classified once"):
        build_model(TrainConfig(model="rnn", readout="all"), task)


def test_the_paper_character_protocol_trains(text_task, tmp_path):
    config = configure("paper", "clrnn", "char", data=str(text_task), channels=(16, 16, 8), epochs=1,
                       task_args={"seq_len": 40, "stride": 32}, loss_window=32, max_batches=2)
    assert (config.optimizer, config.lr, config.clip, config.plateau_start) == ("sgd", 4.0, 0.15, 5)
    result = fit(config, tmp_path / "run", progress=False, log=None)
    assert result["history"][0]["lr"] == 4.0 and math.isfinite(result["test"]["bpc"])


# ------------------------------------------------------------------ command line
def test_the_command_line_sets_every_option(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["train", "--model", "clrnn", "--task", "binary-add", "--bits", "3", "--train-size", "32",
                 "--channels", "6,4", "--conv-init", "as-written", "--loss-reduction", "sum-sequence",
                 "--plateau", "--plateau-start", "3", "--epochs", "1", "--out", str(out), "--quiet"])
    assert code == 0, capsys.readouterr().err
    config = saved_config(out)
    assert (config.channels, config.hidden, config.levels, config.conv_init, config.loss_reduction,
            config.plateau_start) == ((6, 4), 4, 2, "as-written", "sum-sequence", 3)
    code = main(["train", "--model", "lstm", "--task", "binary-add", "--bits", "3", "--train-size", "32",
                 "--initial-state", "random", "--epochs", "1", "--out", str(tmp_path / "lstm"), "--quiet"])
    assert code == 0 and saved_config(tmp_path / "lstm").initial_state == "random"


def test_the_command_line_protocol_and_its_errors(tmp_path, capsys):
    code = main(["train", "--protocol", "paper", "--task", "binary-add", "--out", str(tmp_path / "x")])
    assert code == 2
    assert "task 'binary-add' has no paper settings" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--channels", "450,x"])
    assert "--channels must be an integer, got 'x' (in --channels 450,x)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--initial-state", "ones"])
    assert "invalid choice: 'ones'" in capsys.readouterr().err


JSB = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "JSB_Chorales.mat"


@pytest.mark.skipif(not JSB.exists(), reason=f"no JSB Chorales data at {JSB}")
def test_the_command_line_paper_protocol_on_jsb(tmp_path, capsys):
    code = main(["train", "--protocol", "paper", "--model", "lstm", "--task", "jsb", "--data", str(JSB),
                 "--epochs", "1", "--max-batches", "2", "--eval-batches", "2", "--lr", "0.003",
                 "--no-plateau", "--out", str(tmp_path), "--quiet"])
    assert code == 0, capsys.readouterr().err
    config = saved_config(tmp_path)
    assert (config.lr, config.plateau) == (0.003, False)                  # the flags given win
    assert (config.hidden, config.batch_size, config.loss_reduction, config.initial_state) == \
        (150, 1, "sum-sequence", "random")                                # the rest is the preset
