"""Hand-wired recurrent networks that add binary numbers exactly.

Two machines, the two sides of the adder analogy (DESIGN.md, section 1):

* :func:`serial_adder_rnn` - an **Elman RNN is a ripple-carry adder**. Its hidden
  state holds the carry; one step per bit, LSB first. Depth n.
* :func:`kogge_stone_clrnn` - a **CL-RNN is a Kogge-Stone adder**. Its carry
  module (a causal dilated convolution stack, kernel 2, ReLU) computes every
  carry at once with the (G, P) prefix tree of :func:`adders.prefix.kogge_stone`;
  its tanh cell then forms every sum bit in parallel. Depth ceil(log2 n) + 3.

Both read ``x[t] = (a[t], b[t])``, bit t of each operand, and both are exact for
their stated widths (the serial one for any width), by the margins argued in each
docstring. Symbols: a, b operand bits, c[t] the carry *into* bit t, s[t] the sum
bit, g = a & b (generate), K = ~(a | b) (kill: the complement of "transmit"
a | b), and G, K of a group of bits, as in :mod:`adders.prefix`.

Examples
--------
>>> rnn_add(200, 100, 8)
300
>>> clrnn_add(200, 100, 8)
300
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from adders.checks import check_int, check_real
from adders.errors import CarrylabTypeError, CarrylabValueError

from .deer import elman_serial

__all__ = [
    "SerialAdderWeights",
    "serial_adder_rnn",
    "run_serial_adder",
    "rnn_add",
    "KoggeStoneWeights",
    "kogge_stone_weights",
    "kogge_stone_clrnn",
    "carry_module_forward",
    "run_kogge_stone",
    "clrnn_add",
]


# ---------------------------------------------------------------------- checks
def _check_bits(x, name):
    arr = np.asarray(x)
    if arr.dtype == np.bool_:
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise CarrylabTypeError(f"{name} must hold bits (bool or 0/1 integers), got dtype {arr.dtype}")
    if arr.ndim not in (1, 2) or arr.shape[-1] == 0:
        raise CarrylabValueError(f"{name} must have shape (n,) or (batch, n) with n >= 1, got {arr.shape}")
    if arr.min() < 0 or arr.max() > 1:
        bad = arr.min() if arr.min() < 0 else arr.max()
        raise CarrylabValueError(f"{name} may hold only 0 and 1, found {bad}")
    return arr


def _check_operands(a, b, n_bits):
    n_bits = check_int(n_bits, "n_bits", 1)
    for name, v in (("a", a), ("b", b)):
        v = check_int(v, name)
        if not 0 <= v < (1 << n_bits):
            raise CarrylabValueError(f"{name} = {v} does not fit in n_bits = {n_bits} "
                             f"(0 <= {name} < 2**{n_bits})")
    return int(n_bits)


def _to_bits(v, n):
    return np.array([(v >> i) & 1 for i in range(n)], dtype=np.int64)


def _from_bits(bits):
    return sum(int(x) << i for i, x in enumerate(bits))


# ---------------------------------------------------------------------- (a) serial adder
@dataclass(frozen=True)
class SerialAdderWeights:
    """Weights of the serial-adder Elman RNN, PyTorch layout (H = 3, I = 2).

    ``h[t] = tanh(W_ih x[t] + b_ih + W_hh h[t-1] + b_hh)``,
    ``s[t] = W_out h[t] + b_out`` (then rounded), carry-out ``(h[T-1][1] + 1) / 2``.
    ``h0(cin)`` is the initial state that encodes a carry-in.
    """

    W_ih: np.ndarray
    W_hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray
    W_out: np.ndarray
    b_out: np.ndarray
    gain: float

    def h0(self, cin=0):
        """Initial state for carry-in 0 or 1: unit 2 (index 1) holds the carry as -1 / +1."""
        if cin not in (0, 1):
            raise CarrylabValueError(f"cin must be 0 or 1, got {cin!r}")
        return np.array([0.0, 2.0 * cin - 1.0, 0.0])


def serial_adder_rnn(gain=20.0):
    """An Elman RNN (tanh, 3 hidden units) that is a ripple-carry adder.

    Construction. At step t the cell sees ``n = a[t] + b[t] + c[t]`` in {0, 1, 2, 3},
    where the carry ``c[t]`` is read from the previous state. Hidden unit k (k = 1,
    2, 3, named by its threshold; it is row k - 1 of the arrays) is a threshold detector
    of "at least k ones":

        h_k[t] = tanh(K (a[t] + b[t] + c[t] - k + 1/2)),   c[t] = (h_2[t-1] + 1) / 2

    i.e. ``W_ih = K [[1, 1]] * 3``, ``W_hh[:, 1] = K / 2`` (other columns 0),
    ``b_ih[k] = K (1 - k)`` (the ``K/2`` of the carry's offset included), ``b_hh = 0``.
    So ``h_k = +1`` when ``n >= k`` and ``-1`` otherwise, and

    * the carry out is ``[n >= 2]``: unit 2, kept as the state for the next step;
    * the sum bit is ``[n >= 1] - [n >= 2] + [n >= 3]`` (n mod 2), a linear readout
      ``s = (h_1 - h_2 + h_3) / 2 + 1/2``.

    Exactness. Let the stored carry be off by ``d = |h_2 - (2c - 1)|``. The
    pre-activations are ``K (integer + 1/2 +- d/2)``, so their distance from 0 is at
    least ``K (1 - d) / 2`` and every unit is within ``1 - tanh(K (1 - d) / 2)`` of
    +-1. Starting from ``d = 0`` (h0 is exactly +-1), if ``d <= 1/2`` then the
    next ``d <= 1 - tanh(K / 4)``, which for K = 20 is 9e-5 < 1/2: by induction the
    error never grows, whatever the length (in fact it stays at
    ``1 - tanh(~K/2)`` = 4e-9). The readout is then within 1e-8 of 0 or 1, and
    rounding recovers every bit exactly. Any ``gain >= 8`` works
    (``1 - tanh(2) = 0.036``); float rounding (1e-16) is far below these margins.

    Parameters
    ----------
    gain : float >= 8
        K, the slope of the threshold units.

    Returns
    -------
    SerialAdderWeights

    Examples
    --------
    >>> w = serial_adder_rnn()
    >>> w.W_ih.shape, w.W_hh.shape, w.W_out.shape
    ((3, 2), (3, 3), (1, 3))
    """
    K = check_real(gain, "gain (the margin argument needs 8 or more)", 8.0)
    W_ih = np.full((3, 2), K)
    W_hh = np.zeros((3, 3))
    W_hh[:, 1] = K / 2
    b_ih = K * (1.0 - np.arange(1, 4))  # K (1/2 + 1/2 - k): threshold and carry offset
    b_hh = np.zeros(3)
    W_out = np.array([[0.5, -0.5, 0.5]])
    b_out = np.array([0.5])
    return SerialAdderWeights(W_ih, W_hh, b_ih, b_hh, W_out, b_out, K)


def run_serial_adder(a_bits, b_bits, cin=0, weights=None):
    """Run the serial-adder RNN on bit arrays, LSB first.

    Parameters
    ----------
    a_bits, b_bits : array of 0/1, shape (n,) or (batch, n)
    cin : 0 or 1
    weights : SerialAdderWeights, optional (``serial_adder_rnn()``)

    Returns
    -------
    s : int64 array like a_bits
        Sum bits.
    cout : int or int64 array (batch,)
        Carry out of the top bit.

    Notes
    -----
    Work O(n) per operand pair, depth n: one step per bit, like a ripple adder.

    Examples
    --------
    >>> s, cout = run_serial_adder([1, 1, 0], [1, 0, 0])     # 3 + 1
    >>> s.tolist(), cout
    ([0, 0, 1], 0)
    """
    a = _check_bits(a_bits, "a_bits")
    b = _check_bits(b_bits, "b_bits")
    if a.shape != b.shape:
        raise CarrylabValueError(f"b_bits must have the shape of a_bits, {a.shape}, got {b.shape}")
    w = serial_adder_rnn() if weights is None else weights
    if not isinstance(w, SerialAdderWeights):
        raise CarrylabTypeError(f"weights must be SerialAdderWeights, got {type(w).__name__}")
    x = np.stack([a, b], axis=-1).astype(np.float64)  # (n, 2) or (B, n, 2)
    h = elman_serial(x, w.W_ih, w.W_hh, w.b_ih + w.b_hh, w.h0(cin))  # (..., n, 3)
    s = h @ w.W_out.T + w.b_out  # (..., n, 3) @ (3, 1) -> (..., n, 1)
    s_bits = np.rint(s[..., 0]).astype(np.int64)
    cout = np.rint((h[..., -1, 1] + 1.0) / 2.0).astype(np.int64)
    return s_bits, (int(cout) if a.ndim == 1 else cout)


def rnn_add(a, b, n_bits, cin=0, weights=None):
    """``a + b + cin`` by the serial-adder RNN: n_bits steps, result up to n_bits + 1 bits.

    Examples
    --------
    >>> rnn_add(2**64 - 1, 1, 64)
    18446744073709551616
    """
    n = _check_operands(a, b, n_bits)
    s, cout = run_serial_adder(_to_bits(a, n), _to_bits(b, n), cin, weights)
    return _from_bits(s) + (cout << n)


# ---------------------------------------------------------------------- (b) Kogge-Stone CL-RNN
@dataclass(frozen=True)
class KoggeStoneWeights:
    """The hand-set CL-RNN adder as plain arrays.

    ``convs[l] = (w, b, dilation)`` with w (C_out, C_in, 2) (tap 0 reads step
    t - dilation, tap 1 step t), then ReLU; the cell is
    ``h = tanh(W_ih x + b_ih + W_hh c + b_hh)`` with H = 3; the sum bit is
    ``W_out h + b_out``. ``n_bits`` is the widest sum whose carries fit in the
    receptive field.
    """

    convs: tuple
    W_ih: np.ndarray
    W_hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray
    W_out: np.ndarray
    b_out: np.ndarray
    n_bits: int


# The carry module's values are kept as *snapped* pairs: a Boolean v is carried by
# two ReLU channels (u1, u2) = (ReLU(2s - 1/2), ReLU(2s - 3/2)) of a pre-activation s,
# and read back linearly as v = u1 - u2 = clamp(2s - 1/2, 0, 1). That is exactly 0
# for s <= 1/4 and exactly 1 for s >= 3/4 (up to one rounding), so values that come
# in near an integer leave as 0/1 again: errors cannot build up from level to level.
_SNAP = np.array([2.0, 2.0])
_SNAP_BIAS = np.array([-0.5, -1.5])


def kogge_stone_weights(n_bits, gain=20.0):
    """Weights of a CL-RNN that adds two ``n_bits``-bit numbers (the carry module is
    a Kogge-Stone prefix tree).

    Construction (kernel 2, dilations ``1, 1, 2, 4, ..., 2^(L-1), 1``, L = ceil(log2 n)):

    * level 0 (reads step t only): ``g = [a + b >= 2]`` and the kill signal
      ``K = [a + b <= 0] = ~(a | b)``, each as a snapped pair (4 channels).
      (Kogge-Stone needs only (g, a | b); storing ``~(a | b)`` makes the all-zero
      vector, which the causal zero-padding feeds in before step 0, the identity
      element ``(G, T) = (0, 1)`` of the carry operator.)
    * level 1 + l, dilation 2^l (the Kogge-Stone level l): with ``hi`` = step t and
      ``lo`` = step t - 2^l, the carry operator becomes two thresholds on integers:
      ``G = [2 G_hi - K_hi + G_lo >= 1]`` (= ``G_hi | ~K_hi & G_lo``: G_hi = 1 wins
      alone, else the sum is ``G_lo - K_hi``) and ``K = [K_hi + K_lo >= 1]`` (the
      transmit AND is an OR of complements). After level l, step t holds the group of bits
      ``max(0, t - 2^(l+1) + 1) .. t``; after L levels ``G[t]`` is the carry out of bit t.
    * last level, dilation 1, tap 0 only: ``c[t] = G[t-1]``, the carry *into* bit t
      (zero-padding gives c[0] = 0), as a snapped pair, plus one idle channel: 3 carry
      channels, the cell's hidden size.
    * cell: the three "at least k ones" detectors of :func:`serial_adder_rnn`,
      ``h_k = tanh(beta (a + b + c - k + 1/2))`` (beta = ``gain``), with
      ``c = u1 - u2`` from the carry module; sum bit ``(h_1 - h_2 + h_3) / 2 + 1/2``.

    Exactness: every level reads 0/1 values (G, K as differences of its input
    pairs); its weights are 0, +-2 or +-4 and its biases multiples of 1/2, so in
    exact arithmetic every channel is a small multiple of 1/2 and every difference
    0 or 1. The snapped pairs tolerate input errors up to 1/4, against rounding
    errors of order 1e-6 (float32, the weight normalisation included) that the snap
    discards at every level. The cell's margin is ``beta / 2`` as in the
    serial adder. After the L prefix levels ``G[t]`` spans bits ``max(0, t - 2^L + 1)
    .. t``, all of them for ``t <= n - 1`` since ``2^L >= n``; the carry out is the
    carry into step n, fed with a = b = 0. Receptive field ``2^L + 2`` steps.

    Parameters
    ----------
    n_bits : int >= 1
        Widest operands (the carry out is step n_bits).
    gain : float >= 8
        Slope of the cell's tanh units.

    Returns
    -------
    KoggeStoneWeights
    """
    n = check_int(n_bits, "n_bits", 1)
    check_real(gain, "gain", 8.0)
    L = max(1, (n - 1).bit_length())  # 2^L >= n: G[n-1] spans bits n-1 .. 0
    convs = []
    # Level 0: from (a, b) at step t. Channels (g1, g2, k1, k2).
    w = np.zeros((4, 2, 2))
    b = np.zeros(4)
    w[0:2, :, 1] = _SNAP[:, None] * 1.0          # s_g = a + b - 1
    b[0:2] = _SNAP * -1.0 + _SNAP_BIAS
    w[2:4, :, 1] = _SNAP[:, None] * -1.0         # s_k = 1 - a - b
    b[2:4] = _SNAP * 1.0 + _SNAP_BIAS
    convs.append((w, b, 1))
    # Kogge-Stone levels: G = u0 - u1, K = u2 - u3 at both taps (0 = lo, 1 = hi).
    for l in range(L):
        w = np.zeros((4, 4, 2))
        b = np.zeros(4)
        for o in range(2):                        # s_G = 2 G_hi - K_hi + G_lo
            w[o, 0:2, 1] = _SNAP[o] * np.array([2.0, -2.0])
            w[o, 2:4, 1] = _SNAP[o] * np.array([-1.0, 1.0])
            w[o, 0:2, 0] = _SNAP[o] * np.array([1.0, -1.0])
            b[o] = _SNAP_BIAS[o]
        for o in range(2):                        # s_K = K_hi + K_lo
            w[2 + o, 2:4, 1] = _SNAP[o] * np.array([1.0, -1.0])
            w[2 + o, 2:4, 0] = _SNAP[o] * np.array([1.0, -1.0])
            b[2 + o] = _SNAP_BIAS[o]
        convs.append((w, b, 1 << l))
    # Shift: c[t] = G[t-1]; a third, idle channel makes the cell's hidden size 3.
    w = np.zeros((3, 4, 2))
    b = np.zeros(3)
    for o in range(2):
        w[o, 0:2, 0] = _SNAP[o] * np.array([1.0, -1.0])
        b[o] = _SNAP_BIAS[o]
    convs.append((w, b, 1))
    Kg = float(gain)
    W_ih = np.full((3, 2), Kg)
    W_hh = np.zeros((3, 3))
    W_hh[:, 0], W_hh[:, 1] = Kg, -Kg              # c = u1 - u2
    b_ih = Kg * (0.5 - np.arange(1, 4))
    return KoggeStoneWeights(tuple(convs), W_ih, W_hh, b_ih, np.zeros(3),
                             np.array([[0.5, -0.5, 0.5]]), np.array([0.5]), n)


def carry_module_forward(weights, x):
    """Plain-NumPy forward of the carry module: causal dilated convs (kernel 2) + ReLU.

    ``y[t] = ReLU(w[:, :, 0] x[t - d] + w[:, :, 1] x[t] + b)``, with x[t - d] = 0
    before the start. x (batch, T, 2) -> carries (batch, T, 3).
    """
    out = np.asarray(x, dtype=np.float64)
    for w, b, d in weights.convs:
        prev = np.zeros_like(out)
        prev[:, d:] = out[:, :-d]  # (B, T, C_in): step t - d, zero-padded
        out = np.maximum(prev @ w[:, :, 0].T + out @ w[:, :, 1].T + b, 0.0)  # (B, T, C_out)
    return out


def kogge_stone_clrnn(n_bits, dtype=np.float64, gain=20.0):
    """An :class:`rnn.models.CLRNN` whose parameters are set to :func:`kogge_stone_weights`.

    The model's convolutions are weight-normalised, ``w = g v / ||v||``: each ``v``
    is set to the wanted weights and ``g`` to their norm (idle channels: ``v`` = 1
    everywhere and ``g = 0``, so ``w = 0``). Returns the model; its ``forward(x)``
    maps x (batch, T, 2) to h (batch, T, 3), and the sum bit is
    ``(h_1 - h_2 + h_3) / 2 + 1/2`` (see :func:`run_kogge_stone`).
    """
    from .models import CLRNN  # the body loads the compiled kernels; the serial adder needs none

    ws = kogge_stone_weights(n_bits, gain)
    convs = ws.convs
    model = CLRNN(2, 3, levels=len(convs), kernel_size=2, dropout=0.0,
                  channels=[w.shape[0] for w, _, _ in convs],
                  dilations=[d for _, _, d in convs], dtype=dtype)
    params = model.params()
    for i, (w, b, _) in enumerate(convs):
        norm = np.sqrt(np.sum(w ** 2, axis=(1, 2)))  # (C_out,)
        v = np.where(norm[:, None, None] > 0, w, 1.0)
        params[f"tcn.{i}.v"][...] = v
        params[f"tcn.{i}.g"][...] = norm
        params[f"tcn.{i}.b"][...] = b
    for name in ("W_ih", "W_hh", "b_ih", "b_hh"):
        params[f"cell.{name}"][...] = getattr(ws, name)
    return model


def _operand_bits(a_bits, b_bits, n_max):
    a = _check_bits(a_bits, "a_bits")
    b = _check_bits(b_bits, "b_bits")
    if a.shape != b.shape:
        raise CarrylabValueError(f"b_bits must have the shape of a_bits, {a.shape}, got {b.shape}")
    if a.shape[-1] > n_max:
        raise CarrylabValueError(f"operands have {a.shape[-1]} bits; this network adds at most "
                         f"n_bits = {n_max} (build it with a larger n_bits)")
    return a, b


def run_kogge_stone(a_bits, b_bits, model=None, weights=None):
    """Add bit arrays with the Kogge-Stone CL-RNN, all steps at once.

    Parameters
    ----------
    a_bits, b_bits : array of 0/1, shape (n,) or (batch, n), LSB first
    model : rnn.models.CLRNN, optional
        From :func:`kogge_stone_clrnn` (built for n bits if neither is given); it
        adds operands of up to ``receptive_field - 2`` bits.
    weights : KoggeStoneWeights, optional
        Use the plain-NumPy forward (:func:`carry_module_forward`) instead of a model.

    Returns
    -------
    s : int64 array, shape (n + 1,) or (batch, n + 1)
        Sum bits; the last is the carry out (step n, fed a = b = 0).

    Notes
    -----
    Depth: one level per conv plus the cell, log2 n + 3, whatever n is; work
    O(n log n) (every step runs every level).
    """
    if model is not None and weights is not None:
        raise CarrylabValueError("give model or weights, not both")
    if model is not None:
        n_max = model.tcn.receptive_field - 2  # 2^L + 2 steps: operands of up to 2^L bits
    elif weights is not None:
        n_max = weights.n_bits
    else:
        n_max = np.asarray(a_bits).shape[-1]
    a, b = _operand_bits(a_bits, b_bits, n_max)
    squeeze = a.ndim == 1
    a2, b2 = (a[None], b[None]) if squeeze else (a, b)
    x = np.stack([a2, b2], axis=-1).astype(np.float64)  # (B, n, 2)
    x = np.concatenate([x, np.zeros_like(x[:, :1])], axis=1)  # (B, n + 1, 2): carry-out step
    if weights is not None:
        c = carry_module_forward(weights, x)  # (B, n + 1, 3)
        h = np.tanh(x @ weights.W_ih.T + weights.b_ih + c @ weights.W_hh.T + weights.b_hh)
        W_out, b_out = weights.W_out, weights.b_out
    else:
        if model is None:
            model = kogge_stone_clrnn(a.shape[-1])
        h = model.forward(x.astype(model.dtype))  # (B, n + 1, 3)
        W_out, b_out = np.array([[0.5, -0.5, 0.5]]), np.array([0.5])
    s = np.rint(h.astype(np.float64) @ W_out.T + b_out)[..., 0].astype(np.int64)  # (B, n + 1)
    return s[0] if squeeze else s


def clrnn_add(a, b, n_bits, model=None):
    """``a + b`` by the Kogge-Stone CL-RNN (n_bits + 1 parallel steps).

    Examples
    --------
    >>> clrnn_add(2**32 - 1, 1, 32)
    4294967296
    """
    n = _check_operands(a, b, n_bits)
    s = run_kogge_stone(_to_bits(a, n), _to_bits(b, n), model=model)
    return _from_bits(s)
