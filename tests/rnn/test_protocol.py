"""The paper's protocol as options: each checked against the formula it names.

Convolution starts (bounds, moments, g = ||v||), random initial states (the documented
draw, finite differences through a given h0, exact resume), the summed music loss, the
plateau rule's start epoch, PyTorch's clipping formula, and the presets.
"""
import copy
import math

import numpy as np
import pytest
from rnn_tests_gradcheck import assert_grad_close

from adders.errors import CarrylabValueError
from rnn import GRU, LSTM, TCN, ElmanRNN, make_model
from rnn.checkpoint import load_checkpoint
from rnn.layers import CausalConv1d
from rnn.optim import CLIP_EPS, SGD, PlateauRule, clip_grad_norm
from rnn.protocol import PAPER_TASKS, PROTOCOLS, configure, preset
from rnn.tasks import binary_addition
from rnn.train import TrainConfig, build_model, fit, train_step


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ------------------------------------------------------------------ 1. conv init
@pytest.mark.parametrize("init", ["pytorch", "as-written"])
def test_conv_init_follows_its_formula(init):
    c_in, c_out, k = 60, 150, 5
    conv = CausalConv1d(c_in, c_out, k, dtype=np.float64, rng=np.random.default_rng(0), init=init)
    p = conv.params()
    v, g, b = p["v"], p["g"], p["b"]
    bound = 1.0 / math.sqrt(c_in * k)                  # 1 / sqrt(fan_in)
    np.testing.assert_allclose(g, np.sqrt((v ** 2).sum(axis=(1, 2))), rtol=1e-12)  # w = v at start
    assert np.abs(b).max() <= bound
    n = v.size
    if init == "pytorch":                              # U(-a, a): mean 0, variance a^2 / 3
        assert np.abs(v).max() <= bound
        assert abs(v.mean()) < 4 * bound / math.sqrt(3 * n)
        assert v.var() == pytest.approx(bound ** 2 / 3, rel=0.02)
    else:                                              # N(0, 0.01^2)
        assert abs(v.mean()) < 4 * 0.01 / math.sqrt(n)
        assert v.std() == pytest.approx(0.01, rel=0.02)
        assert np.abs(v).max() > bound / 10            # unbounded, unlike the uniform draw


def test_conv_init_reaches_the_model_through_the_config():
    task = binary_addition(4, n_train=8, n_valid=4, n_test=4)
    default = build_model(TrainConfig(model="clrnn", hidden=40, levels=2), task)
    written = build_model(TrainConfig(model="clrnn", hidden=40, levels=2, conv_init="as-written"), task)
    same = build_model(TrainConfig(model="clrnn", hidden=40, levels=2, conv_init="pytorch"), task)
    v_default, v_written = default.params()["body.tcn.1.v"], written.params()["body.tcn.1.v"]
    assert v_written.std() == pytest.approx(0.01, rel=0.1)
    assert v_default.std() == pytest.approx(1 / math.sqrt(3 * 40 * 5), rel=0.1)
    for k, v in default.params().items():                   # the default is today's start
        np.testing.assert_array_equal(v, same.params()[k], err_msg=k)
    with pytest.raises(CarrylabValueError, match="conv_init must be one of 'pytorch', 'as-written'"):
        TCN(3, [4], conv_init="normal")


# ------------------------------------------------------------------ 2. initial states
SERIAL = [(ElmanRNN, 1), (LSTM, 2), (GRU, 1)]


@pytest.mark.parametrize("cls, n_states", SERIAL)
def test_random_initial_states_are_the_documented_draw(cls, n_states):
    B, T, I, H = 3, 4, 2, 5
    body = cls(I, H, dtype=np.float64, seed=7, initial_state="random")
    x = np.random.default_rng(1).normal(size=(B, T, I))
    for train in (True, False, False):                       # drawn in training and evaluation
        twin = copy.deepcopy(body.state_rng)
        h = body.forward(x, train=train)
        want = [twin.standard_normal((B, H)) for _ in range(n_states)]
        assert len(body.state_used) == n_states
        for got, w in zip(body.state_used, want):
            np.testing.assert_array_equal(got, w)
    if cls is ElmanRNN:                                       # h[0] = tanh(W_ih x0 + b + W_hh h0 + b)
        p, h0 = body.params(), body.state_used[0]
        h_first = np.tanh(x[:, 0] @ p["W_ih"].T + p["b_ih"] + h0 @ p["W_hh"].T + p["b_hh"])
        np.testing.assert_allclose(h[:, 0], h_first, rtol=1e-12)
    first = body.state_used[0].copy()
    body.forward(x)
    assert not np.array_equal(first, body.state_used[0])      # a fresh draw every call


@pytest.mark.parametrize("cls, n_states", SERIAL)
def test_zero_initial_states_by_default(cls, n_states):
    body = cls(2, 3, dtype=np.float64, seed=0)
    assert body.state_rng is None
    body.forward(np.ones((2, 4, 2)))
    assert all(not s.any() for s in body.state_used) and len(body.state_used) == n_states


@pytest.mark.parametrize("cls, n_states", SERIAL)
def test_gradients_through_a_given_initial_state(cls, n_states):
    """Finite differences of every parameter and of h0 (c0) with a random start."""
    rng = np.random.default_rng(3)
    B, T, I, H = 2, 5, 3, 4
    body = cls(I, H, dtype=np.float64, seed=1, initial_state="random")
    states = tuple(rng.normal(size=(B, H)) for _ in range(n_states))
    body.fixed_state = states
    x = rng.normal(size=(B, T, I))
    weights = rng.normal(size=(B, T, H))

    def loss():
        return float(np.sum(body.forward(x) * weights))

    loss()
    body.backward(weights)
    grads = {k: v.copy() for k, v in body.grads().items()}
    dstate = [d.copy() for d in body.dstate]
    for k, p in body.params().items():
        assert_grad_close(loss, p, grads[k], rng, name=k)
    for i, s in enumerate(states):
        assert_grad_close(loss, s, dstate[i], rng, name=f"state {i}")


def test_random_states_resume_bit_identically(tmp_path):
    base = dict(model="lstm", task="binary-add", hidden=6, lr=3e-3, batch_size=32, seed=2,
                dtype="float64", initial_state="random",
                task_args={"n_bits": 4, "n_train": 96, "n_valid": 32, "n_test": 32})
    full = fit(TrainConfig(epochs=3, **base), tmp_path / "full", progress=False, log=None)
    fit(TrainConfig(epochs=1, **base), tmp_path / "split", progress=False, log=None)
    resumed = fit(TrainConfig(epochs=3, **base), tmp_path / "split", resume=True, progress=False,
                  log=None)
    a, _, _, meta = load_checkpoint(tmp_path / "full" / "last.npz")
    b, _, _, _ = load_checkpoint(tmp_path / "split" / "last.npz")
    assert len(meta["rng"]["states"]) == 1
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert [r["valid_loss"] for r in full["history"]] == [r["valid_loss"] for r in resumed["history"]]


# ------------------------------------------------------------------ 3. loss reduction
def test_sum_sequence_backpropagates_the_summed_nll():
    """dL/dlogits = sigmoid(z) - y for L = BCE summed over frames and notes; the
    reported value stays the per-frame NLL."""
    task = binary_addition(5, n_train=8, n_valid=4, n_test=4)
    x, y = task.train.groups[0]
    x, y = x[:3].astype(np.float64), y[:3].astype(np.float64)
    config = dict(model="clrnn", hidden=6, levels=2, kernel_size=2, dtype="float64")
    grads = {}
    for reduction in ("mean-frame", "sum-sequence"):
        model = build_model(TrainConfig(loss_reduction=reduction, **config), task)
        value, out = train_step(model, task, x, y, loss_reduction=reduction)
        p = _sigmoid(out)
        nll = -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) / (y.shape[0] * y.shape[1])
        assert value == pytest.approx(nll, rel=1e-12)
        grads[reduction] = {k: g.copy() for k, g in model.grads().items()}
    # the head's bias sees dL/dz directly: summed, it is sum over frames of sigmoid(z) - y
    np.testing.assert_allclose(grads["sum-sequence"]["head.b"], (p - y).sum(axis=(0, 1)), rtol=1e-10)
    frames = x.shape[0] * x.shape[1]
    for k, g in grads["mean-frame"].items():
        np.testing.assert_allclose(grads["sum-sequence"][k], frames * g, rtol=1e-10, err_msg=k)


# ------------------------------------------------------------------ 4. plateau start
def test_plateau_rule_start_epoch():
    losses = [5, 4, 3, 3.5, 3, 4, 4.5, 2]
    opt = SGD({"w": np.zeros(1)}, lr=1.0)
    rule = PlateauRule(start_epoch=5)
    fired = [rule.update(opt, epoch, loss) for epoch, loss in enumerate(losses, start=1)]
    # epoch 4: 3.5 > max(5, 4, 3) is false; epoch 6: 4 > max(3, 3.5, 3) and 6 > 5 -> fires;
    # epoch 7: 4.5 > max(3.5, 3, 4) -> fires again
    assert fired == [False] * 5 + [True, True, False]
    assert PlateauRule().start_epoch == 10
    with pytest.raises(CarrylabValueError, match="start_epoch must be an int >= 0"):
        PlateauRule(start_epoch=-1)


def test_plateau_start_is_a_checkpointed_field(tmp_path):
    config = TrainConfig(model="rnn", hidden=4, epochs=1, plateau=True, plateau_start=5,
                         task_args={"n_bits": 3, "n_train": 32, "n_valid": 8, "n_test": 8})
    fit(config, tmp_path, progress=False, log=None)
    _, _, _, meta = load_checkpoint(tmp_path / "last.npz")
    assert meta["config"]["plateau_start"] == 5
    assert TrainConfig.from_dict(meta["config"], "x") == config


def test_lr_step_divides_the_rate_every_n_epochs(tmp_path):
    config = TrainConfig(model="rnn", hidden=4, epochs=5, lr=1.0, optimizer="sgd", lr_step=2,
                         task_args={"n_bits": 3, "n_train": 32, "n_valid": 8, "n_test": 8})
    result = fit(config, tmp_path, progress=False, log=None)
    # the row's lr is the rate after the epoch's update: /10 after epochs 2 and 4
    assert [r["lr"] for r in result["history"]] == pytest.approx([1.0, 0.1, 0.1, 0.01, 0.01])


# ------------------------------------------------------------------ clipping
def test_clip_grad_norm_is_pytorchs_formula():
    rng = np.random.default_rng(0)
    grads = {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=5)}
    before = {k: g.copy() for k, g in grads.items()}
    total = math.sqrt(sum(float(np.sum(g ** 2)) for g in before.values()))
    max_norm = 0.15
    assert clip_grad_norm(grads, max_norm) == pytest.approx(total, rel=1e-14)
    scale = max_norm / (total + 1e-6)
    assert CLIP_EPS == 1e-6
    for k in grads:
        np.testing.assert_allclose(grads[k], before[k] * scale, rtol=1e-14)
    # total == max_norm still scales, by 1 / (1 + eps); scale >= 1 leaves gradients alone
    edge = {"a": np.array([1.0])}
    clip_grad_norm(edge, 1.0)
    assert edge["a"][0] == 1.0 / (1.0 + 1e-6)
    edge = {"a": np.array([1.0])}
    clip_grad_norm(edge, 1.0 + 2e-6)
    assert edge["a"][0] == 1.0


# ------------------------------------------------------------------ presets
def test_the_presets():
    assert PROTOCOLS == ("carrylab", "paper")
    for task in ("jsb", "nottingham", "binary-add", "char", "smnist"):
        assert preset("carrylab", "clrnn", task) == {}
    jsb = preset("paper", "clrnn", "jsb")
    assert jsb == {"hidden": 150, "levels": 4, "kernel_size": 5, "dropout": 0.25, "optimizer": "adam",
                   "lr": 1e-2, "batch_size": 1, "epochs": 100, "plateau": True, "plateau_start": 10,
                   "loss_reduction": "sum-sequence", "clip": 0.0, "conv_init": "pytorch"}
    assert preset("paper", "tcn", "nottingham")["lr"] == 1e-3
    for model in ("rnn", "lstm", "gru"):
        p = preset("paper", model, "jsb")
        assert p["initial_state"] == "random" and p["lr"] == 1e-2 and "levels" not in p
    char = preset("paper", "clrnn", "char")
    assert (char["channels"], char["optimizer"], char["lr"], char["clip"], char["loss_window"],
            char["plateau_start"], char["embedding_init"]) == ((450, 450, 100), "sgd", 4.0, 0.15,
                                                                320, 5, "uniform")
    smnist = preset("paper", "clrnn", "smnist")
    assert (smnist["readout"], smnist["lr_step"], smnist["channels"]) == ("all", 10, (1,) * 8)
    for task in PAPER_TASKS:                                 # every preset makes a valid config
        for model in ("clrnn", "rnn", "lstm", "gru", "tcn", "linear"):
            configure("paper", model, task, data="unused")
    with pytest.raises(CarrylabValueError, match="protocol must be one of 'carrylab', 'paper'"):
        preset("authors", "clrnn", "jsb")
    with pytest.raises(CarrylabValueError, match="task 'copy' has no paper settings"):
        preset("paper", "clrnn", "copy")


def test_given_fields_override_the_preset():
    config = configure("paper", "clrnn", "jsb", data="x.mat", lr=3e-3, epochs=2)
    assert (config.lr, config.epochs, config.hidden, config.loss_reduction) == (3e-3, 2, 150,
                                                                               "sum-sequence")
    char = configure("paper", "clrnn", "char", data="t.txt", task_args={"seq_len": 200}, hidden=64,
                     levels=2)
    assert char.task_args == {"seq_len": 200, "stride": 320} and char.channels is None
    assert configure("paper", "lstm", "jsb", initial_state="zeros").initial_state == "zeros"
    paper = configure("paper", "clrnn", "jsb")
    assert paper.to_dict()["loss_reduction"] == "sum-sequence"
