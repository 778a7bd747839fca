"""rnn.registry and TrainConfig: one config per model, the flat form checkpoints keep."""
import dataclasses

import numpy as np
import pytest

from adders.errors import CarrylabValueError
from rnn import CLRNN, GRU, LSTM, TCN, ElmanRNN, LinearRNN
from rnn.checkpoint import CheckpointError
from rnn.registry import REGISTRY, CLRNNConfig, config_fields, make_config, model_names
from rnn.train import LIMITS, MODELS, TrainConfig

# TrainConfig's keys as checkpoints have always stored them, in order
FLAT_KEYS = ["model", "task", "data", "task_args", "hidden", "levels", "kernel_size", "dropout",
             "emb_dropout", "epochs", "lr", "optimizer", "clip", "batch_size", "plateau",
             "max_batches", "eval_batches", "seed", "dtype"]
# the protocol options added since, each with a default that keeps the old behaviour
NEW_KEYS = ["loss_reduction", "plateau_start", "loss_window", "embedding_init", "readout", "lr_step"]


def test_names_and_fields():
    assert model_names() == MODELS == ("clrnn", "rnn", "lstm", "gru", "tcn", "linear")
    assert config_fields("rnn") == {"hidden_size": 32, "initial_state": "zeros"}
    assert config_fields("linear") == {"hidden_size": 32}
    assert config_fields("clrnn") == {"hidden_size": 150, "levels": 4, "kernel_size": 5, "dropout": 0.25,
                                      "channels": None, "conv_init": "pytorch"}
    for name, spec in REGISTRY.items():
        assert spec.name == name and spec.head == "music"
    with pytest.raises(CarrylabValueError, match="model must be one of"):
        make_config("transformer")


@pytest.mark.parametrize("name, direct", [
    ("clrnn", lambda: CLRNN(3, 5, 2, 3, 0.1, dtype=np.float64, seed=4)),
    ("tcn", lambda: TCN(3, [5, 5], 3, 0.1, dtype=np.float64, seed=4)),
    ("rnn", lambda: ElmanRNN(3, 5, dtype=np.float64, seed=4)),
    ("lstm", lambda: LSTM(3, 5, dtype=np.float64, seed=4)),
    ("gru", lambda: GRU(3, 5, dtype=np.float64, seed=4)),
    ("linear", lambda: LinearRNN(3, 5, dtype=np.float64, seed=4)),
])
def test_a_config_builds_the_body_the_class_builds(name, direct):
    config = make_config(name, hidden_size=5, levels=2, kernel_size=3, dropout=0.1)
    body, want = config.make(3, dtype=np.float64, seed=4), direct()
    assert type(body) is REGISTRY[name].body
    assert body.params().keys() == want.params().keys()
    for k, v in want.params().items():
        np.testing.assert_array_equal(body.params()[k], v, err_msg=k)


def test_the_paper_config_still_builds_alone():
    body = CLRNNConfig().build(seed=0)
    assert (body.input_size, body.hidden_size) == (88, 150)


def test_train_config_holds_the_model_config():
    config = TrainConfig(model="clrnn", hidden=16, levels=2, kernel_size=3, dropout=0.1)
    assert config.body == CLRNNConfig(hidden_size=16, levels=2, kernel_size=3, dropout=0.1)
    assert (config.hidden, config.levels, config.kernel_size, config.dropout) == (16, 2, 3, 0.1)
    assert TrainConfig.hidden == 32 and TrainConfig.levels == 4 and TrainConfig.dropout == 0.0
    assert TrainConfig().body == CLRNNConfig(hidden_size=32, dropout=0.0)
    lstm = TrainConfig(model="lstm", hidden=8, levels=2)
    assert lstm.body == make_config("lstm", hidden_size=8) and lstm.levels == 4
    assert TrainConfig(model="lstm", body=make_config("lstm", hidden_size=8)) == lstm
    with pytest.raises(CarrylabValueError, match=r"hidden must be an int in \[1, 4,096\]"):
        TrainConfig(hidden=LIMITS["hidden"] + 1)


def test_replace_keeps_and_changes_model_fields():
    config = TrainConfig(model="clrnn", hidden=16, levels=2)
    assert dataclasses.replace(config, epochs=3).body == config.body
    assert dataclasses.replace(config, levels=3).levels == 3
    assert dataclasses.replace(config, model="gru").body == make_config("gru", hidden_size=16)
    config.kernel_size = 2
    assert config.body.kernel_size == 2


def test_checkpoint_layout_is_flat_and_round_trips():
    config = TrainConfig(model="tcn", hidden=12, levels=3, kernel_size=2, dropout=0.2, seed=7,
                         task_args={"n_bits": 8})
    stored = config.to_dict()
    assert list(stored) == FLAT_KEYS + NEW_KEYS + ["channels", "conv_init"]
    assert (stored["hidden"], stored["levels"], stored["dropout"]) == (12, 3, 0.2)
    assert TrainConfig.from_dict(stored, "x.npz") == config


def test_an_older_checkpoints_config_loads():
    old = dict(zip(FLAT_KEYS, ["rnn", "binary-add", None, {"n_bits": 4}, 8, 2, 3, 0.0, 0.0, 5, 0.01,
                               "adam", 0.0, 0, False, 0, 0, 1, "float32"]))
    config = TrainConfig.from_dict(old, "old.npz")
    assert config.model == "rnn" and config.body == make_config("rnn", hidden_size=8)
    # the options an older checkpoint lacks read as the behaviour it was trained with
    assert (config.loss_reduction, config.plateau_start, config.loss_window, config.embedding_init,
            config.readout, config.lr_step, config.initial_state) == ("mean-frame", 10, 0, "normal", "last",
                                                                      0, "zeros")
    with pytest.raises(CheckpointError, match="unknown config key"):
        TrainConfig.from_dict({**old, "channels": [4]}, "old.npz")  # an Elman RNN has no channels
    with pytest.raises(CheckpointError, match="bad stored config"):
        TrainConfig.from_dict({**old, "model": "nope"}, "old.npz")
