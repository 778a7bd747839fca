"""Sequence tasks: the paper's benchmarks and classroom tasks that make the adder visible.

Every task is a :class:`Task`: three :class:`Split` s (train, valid, test), the head the
model needs, which steps the loss reads, and a ``metrics`` function. Sequences are
shaped (batch, time, features) float32, or (batch, time) int64 tokens for the character
model. A split is a list of *groups*, each a pair of arrays whose sequences share one
length, so a batch never mixes lengths and never needs padding.

Tasks (all seeded):

* :func:`binary_addition`: the serial adder. Step t reads (a_t, b_t), LSB first, and
  must output s_t; one extra step outputs the final carry. Loss: binary cross-entropy
  per bit. Metrics: bit accuracy, whole-number accuracy, and whole-number accuracy
  grouped by each example's longest carry chain (how far back a carry must look).
* :func:`adding_problem` (Bai, Kolter & Koltun 2018): two channels, random values and
  two markers; predict the sum of the two marked values at the last step. MSE.
* :func:`copy_memory` (Bai et al. 2018): ten symbols from 1..8, T blanks, a delimiter
  9, then repeat the ten symbols. Cross-entropy over 10 classes at every step; metric:
  accuracy on the last ten steps.
* :func:`polyphonic`: piano rolls from the .mat files of Boulanger-Lewandowski et al.
  (JSB Chorales, Nottingham, Piano-midi, MuseData): predict frame t+1 from frames <= t.
  Loss and metric: per-frame negative log-likelihood (88 binary notes).
* :func:`sequential_mnist`: MNIST digits from the standard IDX files, one pixel a step
  (784 steps), classified at the last step; optional fixed pixel permutation.
* :func:`char_lm`: next-character prediction on any UTF-8 text file; metric: bits per
  character.
"""
from __future__ import annotations

import gzip
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from adders.checks import check_int
from adders.errors import CarrylabValueError

__all__ = ["Split", "Task", "binary_addition", "adding_problem", "copy_memory", "polyphonic",
           "sequential_mnist", "char_lm", "longest_carry_chain", "TASKS", "TaskError", "MAX_VALUES"]


class TaskError(CarrylabValueError):
    """A data file that is missing, empty or not in the expected format."""


@dataclass
class Split:
    """Sequences of one split, grouped by length: ``groups = [(x, y), ...]``."""

    groups: list[tuple[np.ndarray, np.ndarray]]

    def __len__(self) -> int:
        return sum(len(x) for x, _ in self.groups)

    @property
    def frames(self) -> int:
        """Total number of time steps over all sequences."""
        return sum(x.shape[0] * x.shape[1] for x, _ in self.groups)

    def batches(self, batch_size: int, rng: np.random.Generator | None = None
                ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (x, y) batches of at most ``batch_size`` sequences of one length,
        shuffled (groups and members) when ``rng`` is given, in order otherwise."""
        order = []
        for g, (x, _) in enumerate(self.groups):
            idx = rng.permutation(len(x)) if rng is not None else np.arange(len(x))
            order += [(g, idx[k:k + batch_size]) for k in range(0, len(x), batch_size)]
        if rng is not None:
            order = [order[i] for i in rng.permutation(len(order))]
        for g, idx in order:
            x, y = self.groups[g]
            yield x[idx], y[idx]


@dataclass
class Task:
    """A learning task: data, the head it needs, and how it is scored.

    ``head`` is a name for :func:`rnn.make_model`; ``head_kwargs`` its options;
    ``loss_steps`` is "all" (every step has a target) or "last" (only the final step);
    ``metrics(model_outputs, y) -> dict`` scores one batch (summed by :func:`rnn.train.evaluate`
    as weighted means over examples).
    """

    name: str
    head: str
    input_size: int
    output_size: int
    train: Split
    valid: Split
    test: Split
    loss_steps: str = "all"
    batch_size: int = 32
    head_kwargs: dict = field(default_factory=dict)
    metrics: Callable | None = None
    description: str = ""


# ---------------------------------------------------------------------- validation
#: The most values (examples x steps x features) a synthetic task may generate: 2^28,
#: 1 GiB as float32. Larger asks fail at once instead of filling memory.
MAX_VALUES = 1 << 28


def _check_size(task: str, counts: dict, steps: int, features: int) -> None:
    """Refuse a synthetic task whose arrays would hold more than :data:`MAX_VALUES`."""
    for name, count in counts.items():
        check_int(count, name, 1)
    total = sum(counts.values()) * steps * features
    if total > MAX_VALUES:
        sizes = " + ".join(f"{name} {count:,}" for name, count in counts.items())
        raise CarrylabValueError(
            f"{task}: ({sizes}) examples x {steps:,} steps x {features} features = {total:,} "
            f"values, above the limit of {MAX_VALUES:,} (1 GiB as float32); use fewer "
            f"examples or shorter sequences")


def _check_path(path, what: str) -> Path:
    path = Path(path)
    if not path.exists():
        raise TaskError(f"{what}: no such file or folder: {path}")
    return path


# ---------------------------------------------------------------------- binary addition
def longest_carry_chain(a_bits: np.ndarray, b_bits: np.ndarray) -> np.ndarray:
    """Longest carry chain of each example: how far back some carry must look.

    a_bits, b_bits: (N, n) 0/1, LSB first. The carry c_t into bit t (t = 1..n, c_n the
    carry out) is decided by the nearest bit j < t that does not propagate
    (p_j = a_j ^ b_j = 0: it generates or kills), or by cin = 0 below bit 0 (j = -1);
    the bits between only pass it on. Its chain is t - j bits, and the example's longest
    chain is the largest over t. A carry-lookahead module that sees the last R inputs
    gets c_t right for sure only when t - j <= R - 1.

    Returns (N,) int64, between 1 and n + 1.
    """
    n_ex, n = a_bits.shape
    p = (a_bits ^ b_bits).astype(bool)
    run = np.zeros(n_ex, dtype=np.int64)                # propagating bits just below t
    best = np.zeros(n_ex, dtype=np.int64)
    for t in range(1, n + 1):
        run = np.where(p[:, t - 1], run + 1, 0)
        best = np.maximum(best, run + 1)                # + the bit (or cin) that decides
    return best


def _addition_examples(n_bits, count, rng, long_chains):
    """(x (count, n+1, 2), y (count, n+1, 1)) float32, a fraction with planted chains."""
    a = rng.integers(0, 2, (count, n_bits), dtype=np.int64)
    b = rng.integers(0, 2, (count, n_bits), dtype=np.int64)
    planted = np.nonzero(rng.random(count) < long_chains)[0]
    for e in planted:
        # A run of propagating bits (a ^ b = 1) of random length above a deciding bit
        # that generates or kills: a carry (0 or 1) that must travel the whole run.
        length = int(rng.integers(1, n_bits + 1))
        start = int(rng.integers(-1, n_bits - length + 1))    # -1: decided by cin
        if start >= 0:
            a[e, start] = b[e, start] = rng.integers(0, 2)
        for i in range(start + 1, min(start + 1 + length, n_bits)):
            a[e, i] = rng.integers(0, 2)
            b[e, i] = 1 - a[e, i]
    s = np.zeros((count, n_bits + 1), dtype=np.int64)
    carry = np.zeros(count, dtype=np.int64)
    for i in range(n_bits):
        total = a[:, i] + b[:, i] + carry
        s[:, i], carry = total & 1, total >> 1
    s[:, n_bits] = carry
    x = np.zeros((count, n_bits + 1, 2), dtype=np.float32)
    x[:, :n_bits, 0], x[:, :n_bits, 1] = a, b
    return x, s[:, :, None].astype(np.float32)


def _addition_metrics(out: np.ndarray, y: np.ndarray, x: np.ndarray) -> dict:
    """Bit and whole-number accuracy; whole-number accuracy by longest carry chain."""
    pred = (out[..., 0] > 0).astype(np.int64)                 # logit > 0 <=> p > 1/2
    truth = y[..., 0].astype(np.int64)
    correct_bits = pred == truth
    whole = correct_bits.all(axis=1)
    chains = longest_carry_chain(x[:, :-1, 0].astype(np.int64), x[:, :-1, 1].astype(np.int64))
    by_chain = {}
    for c in np.unique(chains):
        mask = chains == c
        by_chain[int(c)] = (int(whole[mask].sum()), int(mask.sum()))
    return {"bit_accuracy": (float(correct_bits.mean()), correct_bits.size),
            "number_accuracy": (float(whole.mean()), len(whole)), "by_chain": by_chain}


def binary_addition(n_bits: int = 16, n_train: int = 20000, n_valid: int = 1000,
                    n_test: int = 2000, seed: int = 0, long_chains: float = 0.25,
                    variable_lengths: bool = False) -> Task:
    """The serial-adder task.

    x (N, n+1, 2): step t holds (a_t, b_t), LSB first, and (0, 0) at step n.
    y (N, n+1, 1): s_t, and at step n the carry out. Loss: BCE on every step.

    ``long_chains`` is the fraction of examples given a planted run of propagating bits
    of uniform random length 1..n (uniform operands rarely carry far); see
    :func:`longest_carry_chain` for what a chain is. With ``variable_lengths``,
    training examples have widths 1..n_bits (grouped by width); validation and test keep
    n_bits.
    """
    n_bits = check_int(n_bits, "n_bits", 1)
    _check_size("binary addition", {"n_train": n_train, "n_valid": n_valid, "n_test": n_test},
                n_bits + 1, 3)
    if not 0.0 <= long_chains <= 1.0:
        raise CarrylabValueError(f"long_chains must be a fraction in [0, 1], got {long_chains!r}")
    rng = np.random.default_rng(seed)
    if variable_lengths:
        widths = rng.integers(1, n_bits + 1, n_train)
        train = Split([_addition_examples(int(w), int((widths == w).sum()), rng, long_chains)
                       for w in np.unique(widths)])
    else:
        train = Split([_addition_examples(n_bits, n_train, rng, long_chains)])
    valid = Split([_addition_examples(n_bits, n_valid, rng, long_chains)])
    test = Split([_addition_examples(n_bits, n_test, rng, long_chains)])
    return Task(f"binary-add-{n_bits}", "music", 2, 1, train, valid, test, "all", 64,
                {"n_notes": 1}, _addition_metrics,
                f"add two {n_bits}-bit numbers bit-serially, LSB first")


# ---------------------------------------------------------------------- Bai et al. tasks
def _adding_examples(T, count, rng):
    x = np.zeros((count, T, 2), dtype=np.float32)
    x[:, :, 0] = rng.random((count, T))
    first = rng.integers(0, T // 2, count)
    second = rng.integers(T // 2, T, count)
    x[np.arange(count), first, 1] = 1.0
    x[np.arange(count), second, 1] = 1.0
    y = (x[np.arange(count), first, 0] + x[np.arange(count), second, 0])[:, None, None]
    return x, y.astype(np.float32)                                # y: (N, 1, 1) last step


def adding_problem(T: int = 200, n_train: int = 20000, n_valid: int = 1000, n_test: int = 1000,
                   seed: int = 0) -> Task:
    """Adding problem: x (N, T, 2) = (uniform values, two markers); y (N, 1, 1) = sum of
    the two marked values (one marker in each half). Loss: MSE at the last step
    (predicting 1 scores 0.167)."""
    T = check_int(T, "T", 2)
    _check_size("adding problem", {"n_train": n_train, "n_valid": n_valid, "n_test": n_test}, T, 2)
    rng = np.random.default_rng(seed)
    splits = [Split([_adding_examples(T, c, rng)])
              for n, c in (("n_train", n_train), ("n_valid", n_valid), ("n_test", n_test))]
    return Task(f"adding-{T}", "regression", 2, 1, *splits, loss_steps="last", batch_size=32,
                head_kwargs={"out_features": 1}, metrics=None,
                description=f"sum of two marked values among {T}")


def _copy_examples(T, count, rng):
    symbols = rng.integers(1, 9, (count, 10))
    length = T + 20
    seq = np.zeros((count, length), dtype=np.int64)
    seq[:, :10] = symbols
    seq[:, T + 9] = 9                                             # the delimiter
    target = np.zeros((count, length), dtype=np.int64)
    target[:, -10:] = symbols
    x = np.eye(10, dtype=np.float32)[seq]                         # (N, T+20, 10) one-hot
    return x, target                                              # y: (N, T+20) class ids


def _copy_metrics(out, y, x):
    pred = out[:, -10:, :].argmax(-1)
    truth = y[:, -10:]
    return {"copy_accuracy": (float((pred == truth).mean()), pred.size)}


def copy_memory(T: int = 100, n_train: int = 10000, n_valid: int = 1000, n_test: int = 1000,
                seed: int = 0) -> Task:
    """Copy memory: x (N, T+20, 10) one-hot: ten symbols from 1..8, blanks (0), the
    delimiter 9 at step T+9, blanks; y (N, T+20) class ids: blanks, then the ten
    symbols in the last ten steps. Loss: cross-entropy over 10 classes at every step (guessing blanks and
    random symbols scores 10 ln 8 / (T + 20))."""
    T = check_int(T, "T", 1)
    _check_size("copy memory", {"n_train": n_train, "n_valid": n_valid, "n_test": n_test},
                T + 20, 10)
    rng = np.random.default_rng(seed)
    splits = [Split([_copy_examples(T, c, rng)])
              for n, c in (("n_train", n_train), ("n_valid", n_valid), ("n_test", n_test))]
    return Task(f"copy-{T}", "classification", 10, 10, *splits, batch_size=32,
                head_kwargs={"out_features": 10}, metrics=_copy_metrics,
                description=f"remember ten symbols over {T} steps")


# ---------------------------------------------------------------------- polyphonic music
def polyphonic(path) -> Task:
    """Piano rolls from a .mat file with ``traindata``, ``validdata``, ``testdata``: 1 x N
    cell arrays of (T, 88) 0/1 matrices. Each sequence is its own group: x = seq[:-1],
    y = seq[1:], one sequence per step, as the CL-RNN authors train."""
    from scipy.io import loadmat  # SciPy only for the music files: a slow import
    path = _check_path(path, "polyphonic data")
    try:
        mat = loadmat(str(path))
    except Exception as err:            # scipy raises several types for a bad file
        raise TaskError(f"{path} is not a readable MATLAB .mat file: {err}") from None
    splits = []
    for key in ("traindata", "validdata", "testdata"):
        if key not in mat:
            raise TaskError(f"{path} lacks {key!r}: expected traindata, validdata, testdata "
                            f"(found {sorted(k for k in mat if not k.startswith('__'))})")
        cells = np.asarray(mat[key]).reshape(-1)
        groups = []
        for k, seq in enumerate(cells):
            seq = np.asarray(seq)
            if seq.ndim != 2 or seq.shape[1] != 88:
                raise TaskError(f"{path}: {key}[{k}] has shape {seq.shape}; each sequence must be "
                                f"(T, 88) piano-roll frames")
            if seq.shape[0] < 2:
                continue                                   # nothing to predict
            seq = seq.astype(np.float32)
            groups.append((seq[None, :-1], seq[None, 1:]))
        if not groups:
            raise TaskError(f"{path}: {key} holds no sequence of two frames or more")
        splits.append(Split(groups))
    return Task(path.stem, "music", 88, 88, *splits, batch_size=1, head_kwargs={"n_notes": 88},
                description="next-frame prediction of 88 piano keys; per-frame NLL")


# ---------------------------------------------------------------------- sequential MNIST
def _read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (optionally .gz): magic 0x0000 <type 0x08> <ndim>, sizes, bytes."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise TaskError(f"{path}: cannot read IDX file: {err}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise TaskError(f"{path}: not an unsigned-byte IDX file (bad magic number {data[:4]!r})")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise TaskError(f"{path}: IDX header truncated")
    shape = tuple(int.from_bytes(data[4 + 4 * k: 8 + 4 * k], "big") for k in range(ndim))
    size = math.prod(shape)
    if len(data) != header + size:
        raise TaskError(f"{path}: IDX payload has {len(data) - header} bytes, its header "
                        f"promises {size} for shape {shape}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _find_idx(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).exists():
            return folder / name
    raise TaskError(f"{folder}: missing {stem} (or {stem}.gz), one of the four standard MNIST IDX files")


def sequential_mnist(path, permute: bool = False, n_valid: int = 5000, seed: int = 0,
                     limit: int | None = None) -> Task:
    """Pixel-by-pixel MNIST: x (N, 784, 1) in [0, 1]; label at the last step.

    ``path`` is a folder with train-images-idx3-ubyte, train-labels-idx1-ubyte,
    t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (optionally .gz). The last
    ``n_valid`` training images form the validation split. ``permute`` applies one
    fixed random pixel order (permuted MNIST). ``limit`` keeps the first N of each split.
    """
    folder = _check_path(path, "MNIST folder")
    images = {s: _read_idx(_find_idx(folder, f"{s}-images-idx3-ubyte")) for s in ("train", "t10k")}
    labels = {s: _read_idx(_find_idx(folder, f"{s}-labels-idx1-ubyte")) for s in ("train", "t10k")}
    for s in images:
        if images[s].ndim != 3 or labels[s].ndim != 1 or len(images[s]) != len(labels[s]):
            raise TaskError(f"{folder}: {s} images {images[s].shape} and labels {labels[s].shape} "
                            f"do not match (expected (N, rows, cols) and (N,))")
    order = np.random.default_rng(seed).permutation(784) if permute else np.arange(784)

    def make(img, lab):
        if limit is not None:
            img, lab = img[:limit], lab[:limit]
        x = (img.reshape(len(img), -1)[:, order] / 255.0).astype(np.float32)[:, :, None]
        y = lab.astype(np.int64)[:, None]                                       # (N, 1) ids
        return Split([(x, y)])

    n_train = len(images["train"]) - n_valid
    if n_train < 1:
        raise TaskError(f"{folder}: only {len(images['train'])} training images, fewer than "
                        f"n_valid + 1 = {n_valid + 1}")
    train = make(images["train"][:n_train], labels["train"][:n_train])
    valid = make(images["train"][n_train:], labels["train"][n_train:])
    test = make(images["t10k"], labels["t10k"])
    return Task("pmnist" if permute else "smnist", "classification", 1, 10, train, valid, test,
                loss_steps="last", batch_size=64, head_kwargs={"out_features": 10},
                metrics=_class_accuracy, description="MNIST one pixel a step")


def _class_accuracy(out, y, x):
    pred, truth = out[:, -1].argmax(-1), y[:, -1]
    return {"accuracy": (float((pred == truth).mean()), len(pred))}


# ---------------------------------------------------------------------- character LM
def char_lm(path, seq_len: int = 100, valid_fraction: float = 0.05, test_fraction: float = 0.05,
            stride: int | None = None) -> Task:
    """Next-character prediction on a UTF-8 text file.

    The text is split in order into train / valid / test; each split is cut into
    windows of ``seq_len + 1`` characters starting every ``stride`` characters (default
    ``seq_len``: windows that do not overlap): tokens x (N, seq_len) int64, targets y the
    same shifted by one. With ``stride`` 320 and ``seq_len`` 400 and a loss on each
    window's last 320 steps (``TrainConfig.loss_window``) every character after the first
    80 is scored once, with at least 80 characters of context, as the CL-RNN authors'
    character model trains. The vocabulary is every character of the file (sorted).
    Loss: cross-entropy in nats; bits per character = loss / ln 2.
    """
    path = _check_path(path, "text file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise TaskError(f"{path} is not UTF-8 text: {err}") from None
    seq_len = check_int(seq_len, "seq_len", 1)
    stride = seq_len if stride is None else check_int(stride, "stride", 1, seq_len)
    if not text:
        raise TaskError(f"{path} is empty: a character model needs text")
    vocab = sorted(set(text))
    index = {ch: i for i, ch in enumerate(vocab)}
    tokens = np.array([index[ch] for ch in text], dtype=np.int64)
    n = len(tokens)
    n_test, n_valid = int(n * test_fraction), int(n * valid_fraction)
    parts = {"train": tokens[:n - n_valid - n_test], "valid": tokens[n - n_valid - n_test:n - n_test],
             "test": tokens[n - n_test:]}
    splits = []
    for name, part in parts.items():
        count = (len(part) - 1 - seq_len) // stride + 1 if len(part) > seq_len else 0
        if count < 1:
            raise TaskError(f"{path}: the {name} split has {len(part)} characters, too few for one "
                            f"sequence of {seq_len + 1}; use a longer text or a smaller seq_len")
        starts = np.arange(count)[:, None] * stride + np.arange(seq_len)  # (N, seq_len) indices
        x, y = part[starts], part[starts + 1]
        splits.append(Split([(x, y)]))
    task = Task(f"chars-{path.stem}", "charlm", len(vocab), len(vocab), *splits, batch_size=32,
                head_kwargs={"vocab_size": len(vocab)}, metrics=None,
                description=f"{len(vocab)} characters")
    task.vocab = vocab
    return task


TASKS = {
    "binary-add": binary_addition,
    "adding": adding_problem,
    "copy": copy_memory,
    "jsb": polyphonic,
    "nottingham": polyphonic,
    "polyphonic": polyphonic,
    "smnist": sequential_mnist,
    "char": char_lm,
}
