"""Recurrent networks seen from the adder: CL-RNN, baselines, scans.

Bodies (x (B, T, I) -> h (B, T, H)): :class:`TCN`, :class:`CLRNN` (parallel over
time) and :class:`ElmanRNN`, :class:`LSTM`, :class:`GRU` (serial). Heads wrap a
body: :func:`make_model` with "music", "regression", "classification" or
"charlm". Kernels (Numba + BLAS, forward and backward) live in :mod:`rnn.kernels`.

Models by name: :mod:`rnn.registry` (one config dataclass per body; ``REGISTRY`` maps
"clrnn", "rnn", "lstm", "gru", "tcn", "linear" to config, body and default head).
Plain-NumPy references of every model and kernel, for reading and for the tests:
:mod:`rnn.reference`. Scans: :mod:`rnn.scan` (generic and carry scans; the affine ones
from :mod:`rnn.scan_affine`, :mod:`rnn.scan_loop`, :mod:`rnn.scan_blocked`).

Training: :mod:`rnn.optim` (Adam, SGD, clipping, the paper's plateau rule),
:mod:`rnn.protocol` (named presets: carrylab's defaults or the authors' settings),
:mod:`rnn.tasks` (binary addition, adding problem, copy memory, polyphonic music,
sequential MNIST, character models), :mod:`rnn.train` (``fit`` with checkpoints and
exact resume; ``evaluate``), :mod:`rnn.checkpoint` (atomic .npz + JSON).
"""
from adders import _numba_cache  # noqa: F401  before any kernel: per-user Numba cache

from . import checkpoint, deer, kernels, optim, protocol, reference, registry, scan, tasks, train, wiring
from .deer import DEERResult, deer_elman, elman_serial
from .heads import (
    HEADS,
    CharLMHead,
    ClassificationHead,
    Model,
    MusicHead,
    RegressionHead,
    SequenceClassificationHead,
    count_params,
    make_model,
)
from .layers import CausalConv1d, Dropout, Embedding, Layer, Linear, ReLU, RNNCell
from .linear import LinearRNN
from .models import CLRNN, GRU, LSTM, TCN, Body, ElmanRNN
from .optim import SGD, Adam, PlateauRule, clip_grad_norm
from .registry import REGISTRY, CLRNNConfig, ModelSpec, config_fields, make_config, model_names
from .scan import EXACT_NETWORKS, affine_scan, affine_scan_blocked, carry_scan, linear_recurrence_loop
from .train import TrainConfig, evaluate, fit
from .wiring import (
    clrnn_add,
    kogge_stone_clrnn,
    kogge_stone_weights,
    rnn_add,
    run_kogge_stone,
    run_serial_adder,
    serial_adder_rnn,
)

__all__ = [
    "kernels",
    "Body",
    "TCN",
    "CLRNN",
    "CLRNNConfig",
    "ElmanRNN",
    "LSTM",
    "GRU",
    "Layer",
    "CausalConv1d",
    "ReLU",
    "Dropout",
    "Linear",
    "Embedding",
    "RNNCell",
    "Model",
    "MusicHead",
    "RegressionHead",
    "ClassificationHead",
    "SequenceClassificationHead",
    "CharLMHead",
    "HEADS",
    "make_model",
    "count_params",
    "checkpoint", "deer", "optim", "protocol", "reference", "registry", "scan", "tasks", "train", "wiring",
    "REGISTRY", "ModelSpec", "model_names", "config_fields", "make_config",
    "EXACT_NETWORKS", "affine_scan", "affine_scan_blocked", "carry_scan", "linear_recurrence_loop",
    "DEERResult", "deer_elman", "elman_serial",
    "clrnn_add", "kogge_stone_clrnn", "kogge_stone_weights", "rnn_add", "run_kogge_stone",
    "run_serial_adder", "serial_adder_rnn", "LinearRNN",
    "Adam", "SGD", "PlateauRule", "clip_grad_norm",
    "TrainConfig", "fit", "evaluate",
]
