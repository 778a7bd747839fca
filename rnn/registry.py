"""The models training knows: one config dataclass per body, and the registry of names.

Each body has a frozen config dataclass holding its hyperparameters (``hidden_size``,
and for the convolutional ones ``levels``, ``kernel_size``, ``dropout``) whose
``make(input_size, dtype, seed)`` builds a fresh body; the input size comes from the
task, so it is not part of the config. :data:`REGISTRY` maps each model name to a
:class:`ModelSpec` (config class, body class, default head). Training
(:mod:`rnn.train`), the sweeps and benchmarks, the parity tests and the command line
read the names, fields and defaults from here, so adding a model is one config class
and one registry entry::

    @dataclass(frozen=True)
    class MyConfig(BodyConfig):
        def make(self, input_size, dtype=np.float32, seed=None):
            return MyBody(input_size, self.hidden_size, dtype=dtype, seed=seed)

    REGISTRY["mine"] = ModelSpec("mine", MyConfig, MyBody, "music", "one line for --help")

Examples
--------
>>> model_names()
('clrnn', 'rnn', 'lstm', 'gru', 'tcn', 'linear')
>>> config_fields("tcn")
{'hidden_size': 32, 'levels': 4, 'kernel_size': 5, 'dropout': 0.0, 'channels': None, 'conv_init': 'pytorch'}
>>> make_config("clrnn", hidden_size=8, levels=2).make(3, seed=0).tcn.receptive_field
13
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from adders.checks import check_choice
from adders.errors import CarrylabTypeError, CarrylabValueError

from ._checks import check_int, check_prob
from .linear import LinearRNN
from .models import CLRNN, CONV_INITS, GRU, INITIAL_STATES, LSTM, TCN, Body, ElmanRNN

__all__ = ["BodyConfig", "CLRNNConfig", "TCNConfig", "ElmanRNNConfig", "LSTMConfig", "GRUConfig",
           "LinearRNNConfig", "ModelSpec", "REGISTRY", "model_names", "config_fields", "make_config"]


@dataclass(frozen=True)
class BodyConfig:
    """Base of the model configs: the hidden size H (checked to be an int >= 1)."""

    hidden_size: int = 32

    def __post_init__(self):
        object.__setattr__(self, "hidden_size", check_int(self.hidden_size, "hidden_size"))

    def make(self, input_size: int, dtype=np.float32, seed=None) -> Body:
        """A fresh body mapping (B, T, input_size) to (B, T, hidden_size)."""
        raise NotImplementedError


def _check_channels(channels, levels, hidden_size):
    """``channels`` as a tuple of ints >= 1, one per level, ending in ``hidden_size``."""
    if isinstance(channels, (str, bytes)) or not hasattr(channels, "__iter__"):
        raise CarrylabTypeError(f"channels must be a sequence of ints >= 1 (one per level) or None, "
                                f"got {channels!r}")
    channels = tuple(check_int(c, "channels[i]") for c in channels)
    if len(channels) != levels:
        raise CarrylabValueError(f"channels must have one entry per level (levels={levels}), "
                                 f"got {list(channels)}")
    if channels[-1] != hidden_size:
        raise CarrylabValueError(f"channels must end with the hidden size {hidden_size} (the "
                                 f"last level's channels are the output), got {list(channels)}")
    return channels


@dataclass(frozen=True)
class _ConvConfig(BodyConfig):
    """Shared fields of the convolutional bodies: L levels of kernel k, dropout, the
    channels per level (None: ``[hidden_size] * levels``; otherwise one int per level,
    the last equal to ``hidden_size``, e.g. the authors' character model (450, 450,
    100)) and the convolutions' start ``conv_init`` (:data:`rnn.layers.CONV_INITS`)."""

    levels: int = 4
    kernel_size: int = 5
    dropout: float = 0.0
    channels: tuple | None = None
    conv_init: str = "pytorch"

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "levels", check_int(self.levels, "levels"))
        object.__setattr__(self, "kernel_size", check_int(self.kernel_size, "kernel_size"))
        object.__setattr__(self, "dropout", check_prob(self.dropout, "dropout"))
        if self.channels is not None:
            object.__setattr__(self, "channels",
                               _check_channels(self.channels, self.levels, self.hidden_size))
        check_choice("conv_init", self.conv_init, CONV_INITS)

    def channel_list(self) -> list[int]:
        """Channels per level: ``channels``, or ``[hidden_size] * levels``."""
        return list(self.channels) if self.channels is not None else [self.hidden_size] * self.levels


@dataclass(frozen=True)
class TCNConfig(_ConvConfig):
    """The authors' reduced TCN: ``levels`` levels of ``hidden_size`` channels (or ``channels``)."""

    def make(self, input_size, dtype=np.float32, seed=None):
        """A fresh :class:`rnn.models.TCN` (channels :meth:`channel_list`)."""
        return TCN(input_size, self.channel_list(), self.kernel_size, self.dropout,
                   dtype=dtype, seed=seed, conv_init=self.conv_init)


@dataclass(frozen=True)
class CLRNNConfig(_ConvConfig):
    """CL-RNN hyperparameters; the defaults are the authors' polyphonic-music setting
    (88 notes, 150 hidden, k = 5, 4 levels of 150 channels, dropout 0.25).

    ``input_size`` is used only by :meth:`build`; :meth:`make` (what training calls)
    takes the input size from the task.
    """

    hidden_size: int = 150
    dropout: float = 0.25
    input_size: int = 88

    def make(self, input_size, dtype=np.float32, seed=None):
        """A fresh :class:`rnn.models.CLRNN` reading ``input_size`` features."""
        return CLRNN(input_size, self.hidden_size, self.levels, self.kernel_size, self.dropout,
                     channels=self.channel_list(), dtype=dtype, seed=seed, conv_init=self.conv_init)

    def build(self, dtype=np.float32, seed=None):
        """A fresh :class:`rnn.models.CLRNN` reading ``self.input_size`` features."""
        return self.make(self.input_size, dtype, seed)


@dataclass(frozen=True)
class _SerialConfig(BodyConfig):
    """Shared field of the serial baselines: ``initial_state``, "zeros" or "random"
    (:data:`rnn.models.INITIAL_STATES`)."""

    initial_state: str = "zeros"

    def __post_init__(self):
        super().__post_init__()
        check_choice("initial_state", self.initial_state, INITIAL_STATES)


@dataclass(frozen=True)
class ElmanRNNConfig(_SerialConfig):
    """The serial tanh RNN (depth T)."""

    def make(self, input_size, dtype=np.float32, seed=None):
        """A fresh :class:`rnn.models.ElmanRNN`."""
        return ElmanRNN(input_size, self.hidden_size, dtype=dtype, seed=seed,
                        initial_state=self.initial_state)


@dataclass(frozen=True)
class LSTMConfig(_SerialConfig):
    """The serial LSTM, PyTorch gate layout (depth T)."""

    def make(self, input_size, dtype=np.float32, seed=None):
        """A fresh :class:`rnn.models.LSTM`."""
        return LSTM(input_size, self.hidden_size, dtype=dtype, seed=seed,
                    initial_state=self.initial_state)


@dataclass(frozen=True)
class GRUConfig(_SerialConfig):
    """The serial GRU, PyTorch gate layout (depth T)."""

    def make(self, input_size, dtype=np.float32, seed=None):
        """A fresh :class:`rnn.models.GRU`."""
        return GRU(input_size, self.hidden_size, dtype=dtype, seed=seed,
                   initial_state=self.initial_state)


@dataclass(frozen=True)
class LinearRNNConfig(BodyConfig):
    """The gated linear RNN run by a prefix scan (depth log2 T)."""

    def make(self, input_size, dtype=np.float32, seed=None):
        """A fresh :class:`rnn.linear.LinearRNN` (Kogge-Stone scan)."""
        return LinearRNN(input_size, self.hidden_size, dtype=dtype, seed=seed)


@dataclass(frozen=True)
class ModelSpec:
    """One registered model: its name, config class, body class, the head it gets when
    the task does not choose one, and a one-line description."""

    name: str
    config: type
    body: type
    head: str
    doc: str


#: name -> :class:`ModelSpec`, in the order the command line lists them.
REGISTRY: dict[str, ModelSpec] = {spec.name: spec for spec in (
    ModelSpec("clrnn", CLRNNConfig, CLRNN, "music", "carry-lookahead RNN: TCN carries, one tanh cell"),
    ModelSpec("rnn", ElmanRNNConfig, ElmanRNN, "music", "Elman tanh RNN, serial"),
    ModelSpec("lstm", LSTMConfig, LSTM, "music", "LSTM, serial"),
    ModelSpec("gru", GRUConfig, GRU, "music", "GRU, serial"),
    ModelSpec("tcn", TCNConfig, TCN, "music", "the authors' reduced TCN alone"),
    ModelSpec("linear", LinearRNNConfig, LinearRNN, "music", "gated linear RNN by prefix scan"),
)}


def model_names() -> tuple[str, ...]:
    """The registered model names, in registry order."""
    return tuple(REGISTRY)


def _spec(name) -> ModelSpec:
    if name not in REGISTRY:
        raise CarrylabValueError(f"model must be one of {', '.join(REGISTRY)}, got {name!r}")
    return REGISTRY[name]


def config_fields(name: str) -> dict:
    """The fields of model ``name``'s config used in training, with their defaults
    (``input_size``, set by the task, is left out).

    Raises
    ------
    CarrylabValueError
        ``name`` is not a registered model.
    """
    return {f.name: f.default for f in dataclasses.fields(_spec(name).config) if f.name != "input_size"}


def make_config(name: str, **values) -> BodyConfig:
    """Model ``name``'s config with ``values`` for some of its fields (defaults for the
    rest); keys the config does not have are ignored, so one set of command-line
    options serves every model.

    Raises
    ------
    CarrylabValueError, CarrylabTypeError
        Unknown model, or a field out of range or of the wrong type.
    """
    fields = config_fields(name)
    return _spec(name).config(**{k: v for k, v in values.items() if k in fields})
