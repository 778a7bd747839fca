"""Recurrent networks seen from the adder: CL-RNN, baselines, scans.

Bodies (x (B, T, I) -> h (B, T, H)): :class:`TCN`, :class:`CLRNN` (parallel over
time) and :class:`ElmanRNN`, :class:`LSTM`, :class:`GRU` (serial). Heads wrap a
body: :func:`make_model` with "music", "regression", "classification" or
"charlm". Kernels (Numba + BLAS, forward and backward) live in :mod:`rnn.kernels`.
"""
from . import kernels
from .heads import (
    HEADS,
    CharLMHead,
    ClassificationHead,
    Model,
    MusicHead,
    RegressionHead,
    count_params,
    make_model,
)
from .layers import CausalConv1d, Dropout, Embedding, Layer, Linear, ReLU, RNNCell
from .models import CLRNN, GRU, LSTM, TCN, Body, CLRNNConfig, ElmanRNN

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
    "CharLMHead",
    "HEADS",
    "make_model",
    "count_params",
]
