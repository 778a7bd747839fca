"""Forward and backward kernels, one layer kind per file.

Who does what, chosen by measurement on a 2-core machine:

- NumPy matmul (BLAS) for every large product: the convolution as products over
  cache-sized blocks of gathered taps, input projections, weight gradients, heads.
- Numba ``@njit(cache=True)`` loops for what BLAS cannot do: the causal gather and
  scatter of those blocks, weight normalisation, the serial recurrences with
  their small per-step products, the losses, ReLU and dropout.
- float32 tanh and sigmoid, over whole arrays and inside the serial recurrences,
  use a rational approximation (relative error 3.3e-7) that the compiler
  vectorises: about six times faster than NumPy's tanh ufunc here, and far faster
  than a compiled loop calling the libm tanh. float64 keeps the library functions
  (NumPy's ufunc over arrays), so parity with PyTorch stays exact.
- Threads only in the serial recurrences, over groups of batch rows: each group
  runs its own chain over all T steps, so one hand-off covers the whole
  sequence, and the calling thread takes over any group a late helper has not
  claimed. Elsewhere a thread launch costs more than the loop, and Numba's
  ``prange`` workers would compete with the BLAS threads for the same two cores
  (a parallel region started right after a BLAS product waited about 4 ms).

Every kernel has a plain-NumPy reference in tests/rnn/naive.py.
"""
from .conv import (
    causal_conv1d_backward,
    causal_conv1d_forward,
    weight_norm_backward,
    weight_norm_forward,
)
from .dense import embedding_backward, embedding_forward, linear_backward, linear_forward
from .elementwise import (
    dropout_backward,
    dropout_forward,
    dropout_mask,
    relu_backward,
    relu_forward,
    tanh_backward,
    tanh_forward,
)
from .losses import bce_with_logits, softmax_cross_entropy
from .recurrent import (
    gru_backward,
    gru_forward,
    lstm_backward,
    lstm_forward,
    rnn_backward,
    rnn_forward,
)

__all__ = [
    "causal_conv1d_forward",
    "causal_conv1d_backward",
    "weight_norm_forward",
    "weight_norm_backward",
    "linear_forward",
    "linear_backward",
    "embedding_forward",
    "embedding_backward",
    "relu_forward",
    "relu_backward",
    "dropout_mask",
    "dropout_forward",
    "dropout_backward",
    "tanh_forward",
    "tanh_backward",
    "bce_with_logits",
    "softmax_cross_entropy",
    "rnn_forward",
    "rnn_backward",
    "lstm_forward",
    "lstm_backward",
    "gru_forward",
    "gru_backward",
]
