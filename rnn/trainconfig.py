"""TrainConfig: everything that defines a training run, and the flat form checkpoints store.

A config names a model of :data:`rnn.registry.REGISTRY` and holds that model's config
(``body``, e.g. :class:`rnn.registry.CLRNNConfig`) next to the task and optimiser
settings. The model fields can also be given flat, as the command line does:
``TrainConfig(model="clrnn", hidden=32, levels=4, kernel_size=5, dropout=0.0)``; fields
a model does not have (``levels`` for an LSTM) are ignored. ``config.hidden``,
``config.levels``, ... read the model config (the training default when the model lacks
the field). Checkpoints store :meth:`TrainConfig.to_dict`, the flat layout every
carrylab version writes and reads.

The protocol options (each default keeps carrylab's earlier behaviour, and a checkpoint
without the key reads as that default; :mod:`rnn.protocol` gathers the authors' values):

* ``conv_init`` (CL-RNN, TCN): "pytorch" | "as-written", see :mod:`rnn.layers`;
* ``channels`` (CL-RNN, TCN): channels per level, e.g. (450, 450, 100); None: hidden * levels;
* ``initial_state`` (rnn, lstm, gru): "zeros" | "random" (N(0, 1) h0, c0 every call);
* ``loss_reduction``: "mean-frame" (the gradient of the loss averaged over the batch's
  frames) | "sum-sequence" (of the loss summed over them: for music the NLL summed over
  frames and notes, as the authors backpropagate with one sequence per batch); the
  reported loss is the per-frame mean either way;
* ``plateau_start``: the plateau rule acts when epoch > plateau_start (default 10);
* ``loss_window``: > 0 scores (loss and metrics) only each sequence's last
  ``loss_window`` steps (the authors' character model: the last 320 of 400);
* ``embedding_init``: "normal" N(0, 0.01^2) | "uniform" U(-0.1, 0.1), the character
  model's embedding (and tied decoder);
* ``readout``: "last" (classify from the last step) | "all" (a Linear(T H, classes) over
  every step's output: the authors' sequential-MNIST Linear(784, 10) when H = 1);
* ``lr_step``: > 0 divides the learning rate by 10 after every ``lr_step`` epochs (the
  authors' sequential-MNIST schedule, 10); 0 (default): never.
"""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from adders.checks import check_choice, check_int, check_real
from adders.errors import CarrylabError, CarrylabTypeError

from . import tasks as _tasks
from ._checks import check_prob
from .checkpoint import CheckpointError
from .layers import EMBEDDING_INITS
from .optim import OPTIMIZERS
from .registry import BodyConfig, config_fields, make_config, model_names

__all__ = ["TrainConfig", "MODELS", "LIMITS", "MODEL_DEFAULTS", "BODY_OPTIONS", "LOSS_REDUCTIONS",
           "READOUTS"]

MODELS = model_names()

#: Largest sizes a config may ask for: far beyond the paper's models (150 channels, 4
#: levels, k = 5), small enough that a typo fails at once instead of exhausting memory.
LIMITS = {"hidden": 4096, "levels": 30, "kernel_size": 64, "epochs": 100_000}

#: Training's defaults of the flat model fields, the same for every model.
MODEL_DEFAULTS = {"hidden": 32, "levels": 4, "kernel_size": 5, "dropout": 0.0}

#: Model fields only some models have, with the value a model without them reads as.
BODY_OPTIONS = {"channels": None, "conv_init": "pytorch", "initial_state": "zeros"}

LOSS_REDUCTIONS = ("mean-frame", "sum-sequence")
READOUTS = ("last", "all")

_RENAMED = {"hidden": "hidden_size"}  # flat TrainConfig name -> model config field


class _ModelField:
    """A flat model field (``hidden``, ``levels``, ...) as a TrainConfig attribute: on
    an instance it reads and replaces ``body`` (setting a field the model lacks changes
    nothing, as in the constructor); on the class it is the training default."""

    def __set_name__(self, owner, name):
        self.name, self.key = name, _RENAMED.get(name, name)
        self.default = {**MODEL_DEFAULTS, **BODY_OPTIONS}[name]

    def __get__(self, obj, owner=None):
        if obj is None:
            return self.default
        return getattr(obj.body, self.key, self.default)

    def __set__(self, obj, value):
        if hasattr(obj.body, self.key):
            obj.body = TrainConfig(obj.model, body=obj.body, **{self.name: value}).body


def _checked_flat(values: dict) -> dict:
    """The flat model fields checked under their TrainConfig names (errors name them so)."""
    out = {}
    for name, value in values.items():
        if name == "dropout":
            out[name] = check_prob(value, name)
        elif name in LIMITS:
            out[name] = check_int(value, name, 1, LIMITS[name])
        else:
            out[name] = value
    return out


@dataclass(init=False)
class TrainConfig:
    """Everything that defines a training run (saved in every checkpoint).

    model: one of :data:`MODELS`; body: that model's config (default: built from the
    flat fields hidden, levels, kernel_size, dropout, or :data:`MODEL_DEFAULTS`);
    task: a key of :data:`rnn.tasks.TASKS`; data: path for tasks that read files;
    task_args: options of the task constructor (e.g. n_bits); hidden: hidden size (and
    TCN channels); levels, kernel_size: of the TCN / CL-RNN; batch_size 0 means the
    task's default; clip 0 means no clipping; plateau: the paper's lr /= 10 rule;
    max_batches: cap on training batches per epoch (0: the whole split); eval_batches:
    cap on the batches scored in validation and test (0: all; a cap scores the first
    batches, the same ones every epoch). Integer fields are at most :data:`LIMITS`.
    The protocol options (conv_init, channels, initial_state, loss_reduction,
    plateau_start, loss_window, embedding_init, readout, lr_step) are described in the module
    docstring; given ``channels``, levels and hidden default to its length and last entry.

    Raises
    ------
    CarrylabValueError, CarrylabTypeError
        A field out of range or of the wrong type (the message names the field).
    """

    model: str = "clrnn"
    task: str = "binary-add"
    data: str | None = None
    task_args: dict = field(default_factory=dict)
    emb_dropout: float = 0.0
    epochs: int = 10
    lr: float = 1e-3
    optimizer: str = "adam"
    clip: float = 0.0
    batch_size: int = 0
    plateau: bool = False
    max_batches: int = 0
    eval_batches: int = 0
    seed: int = 0
    dtype: str = "float32"
    loss_reduction: str = "mean-frame"
    plateau_start: int = 10
    loss_window: int = 0
    embedding_init: str = "normal"
    readout: str = "last"
    lr_step: int = 0
    body: BodyConfig | None = None

    hidden = _ModelField()
    levels = _ModelField()
    kernel_size = _ModelField()
    dropout = _ModelField()
    channels = _ModelField()
    conv_init = _ModelField()
    initial_state = _ModelField()

    def __init__(self, model="clrnn", task="binary-add", data=None, task_args=None, hidden=None,
                 levels=None, kernel_size=None, dropout=None, emb_dropout=0.0, epochs=10, lr=1e-3,
                 optimizer="adam", clip=0.0, batch_size=0, plateau=False, max_batches=0,
                 eval_batches=0, seed=0, dtype="float32", loss_reduction="mean-frame",
                 plateau_start=10, loss_window=0, embedding_init="normal", readout="last",
                 lr_step=0, channels=None, conv_init=None, initial_state=None, body=None):
        check_choice("model", model, MODELS)
        check_choice("loss_reduction", loss_reduction, LOSS_REDUCTIONS)
        check_choice("embedding_init", embedding_init, EMBEDDING_INITS)
        check_choice("readout", readout, READOUTS)
        self.loss_reduction, self.embedding_init, self.readout = loss_reduction, embedding_init, readout
        self.plateau_start = check_int(plateau_start, "plateau_start", 0, LIMITS["epochs"])
        self.loss_window = check_int(loss_window, "loss_window", 0)
        self.lr_step = check_int(lr_step, "lr_step", 0, LIMITS["epochs"])
        check_choice("task", task, tuple(_tasks.TASKS))
        check_choice("dtype", dtype, ("float32", "float64"))
        check_choice("optimizer", optimizer, tuple(OPTIMIZERS))
        self.model, self.task, self.dtype, self.optimizer = model, task, dtype, optimizer
        if data is not None and not isinstance(data, (str, Path)):
            raise CarrylabTypeError(f"data must be a path or None, got {data!r}")
        self.data = None if data is None else str(data)
        task_args = {} if task_args is None else task_args
        if not isinstance(task_args, dict):
            raise CarrylabTypeError(f"task_args must be a dict of task options, got {task_args!r}")
        self.task_args = task_args
        if body is not None and not isinstance(body, BodyConfig):
            raise CarrylabTypeError(f"body must be a model config (rnn.registry), got {body!r}")
        flat = dict(MODEL_DEFAULTS)  # the flat fields: defaults, then body's, then those given
        for name in MODEL_DEFAULTS if body is not None else ():
            if hasattr(body, _RENAMED.get(name, name)):
                flat[name] = getattr(body, _RENAMED.get(name, name))
        given = {"hidden": hidden, "levels": levels, "kernel_size": kernel_size, "dropout": dropout}
        if (channels is not None and not isinstance(channels, (str, bytes)) and hasattr(channels, "__len__")
                and "channels" in config_fields(model)):
            channels = tuple(channels)  # a list from JSON or the command line
            if channels and levels is None:
                given["levels"] = len(channels)
            if channels and hidden is None:
                given["hidden"] = channels[-1]
        flat.update({k: v for k, v in given.items() if v is not None})
        values = {_RENAMED.get(k, k): v for k, v in _checked_flat(flat).items()}
        options = {"channels": channels, "conv_init": conv_init, "initial_state": initial_state}
        values.update({k: v for k, v in options.items() if v is not None})
        if body is not None:  # the body's other fields (channels, conv_init, ...) unless given
            values.update({k: v for k, v in dataclasses.asdict(body).items()
                           if k not in values and k != "input_size"})
        self.body = make_config(self.model, **values)
        self.epochs = check_int(epochs, "epochs", 1, LIMITS["epochs"])
        self.batch_size = check_int(batch_size, "batch_size", 0)
        self.max_batches = check_int(max_batches, "max_batches", 0)
        self.eval_batches = check_int(eval_batches, "eval_batches", 0)
        self.seed = check_int(seed, "seed", 0)
        self.emb_dropout = check_prob(emb_dropout, "emb_dropout")
        self.lr = check_real(lr, "lr", 0.0, strict_min=True)
        self.clip = check_real(clip, "clip", 0.0)
        if not isinstance(plateau, (bool, np.bool_)):
            raise CarrylabTypeError(f"plateau must be True or False, got {plateau!r}")
        self.plateau = bool(plateau)

    def to_dict(self) -> dict:
        """The flat JSON form checkpoints and metrics store: the keys of older carrylab
        versions (model, task, ..., hidden, levels, kernel_size, dropout, ...), plus any
        model field beyond the flat ones."""
        out = {"model": self.model, "task": self.task, "data": self.data,
               "task_args": copy.deepcopy(self.task_args)}
        out.update({name: getattr(self, name) for name in MODEL_DEFAULTS})
        out.update({f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                    if f.name not in out and f.name != "body"})
        renamed = set(_RENAMED.values()) | set(MODEL_DEFAULTS)
        out.update({k: v for k, v in dataclasses.asdict(self.body).items()
                    if k not in renamed and k != "input_size"})
        if out.get("channels") is not None:
            out["channels"] = list(out["channels"])  # JSON has no tuples
        return out

    @classmethod
    def from_dict(cls, values, source) -> TrainConfig:
        """The config stored in a checkpoint's metadata; ``source`` (a file) names it in
        errors. Fields missing from ``values`` take their defaults.

        Raises
        ------
        CheckpointError
            ``values`` is not a mapping, has unknown keys, or a field is out of range.
        """
        if not isinstance(values, dict):
            raise CheckpointError(f"{source}: the stored config is a {type(values).__name__}, "
                                  f"not a JSON object of training options")
        try:
            model = values.get("model", cls.model)
            extra = set(config_fields(model)) - set(_RENAMED.values()) - set(MODEL_DEFAULTS)
            known = ({f.name for f in dataclasses.fields(cls)} - {"body"}) | set(MODEL_DEFAULTS) | extra
            unknown = sorted(set(values) - known)
            if unknown:
                raise CheckpointError(f"{source}: unknown config key(s) {', '.join(map(repr, unknown))}; "
                                      f"known: {', '.join(sorted(known))}")
            # options the constructor takes stay flat; any other model field builds the body
            others = extra - set(BODY_OPTIONS)
            flat = {k: v for k, v in values.items() if k not in others}
            body = make_config(model, **{k: values[k] for k in others if k in values}) if others else None
            return cls(**flat, body=body)
        except CheckpointError:
            raise
        except CarrylabError as err:
            raise CheckpointError(f"{source}: bad stored config: {err}") from None
