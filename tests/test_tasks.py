"""Tasks: data is what it claims to be (checked against Python ints and by hand), files
are read in their standard formats, and bad files get clear errors."""
import gzip
from pathlib import Path

import numpy as np
import pytest

from rnn import tasks
from rnn.tasks import TaskError

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def bits_to_int(bits):
    return sum(int(b) << i for i, b in enumerate(bits))


def python_chain(a, b, n):
    """For each carry c_t (t = 1..n), walk down to the bit that decides it; longest walk."""
    best = 0
    for t in range(1, n + 1):
        j = t - 1
        while j >= 0 and ((a >> j) ^ (b >> j)) & 1:
            j -= 1
        best = max(best, t - j)
    return best


@pytest.mark.parametrize("n_bits", [1, 5, 16])
def test_binary_addition_targets_are_sums(n_bits):
    task = tasks.binary_addition(n_bits, n_train=300, n_valid=10, n_test=50, seed=1, long_chains=0.5)
    x, y = task.train.groups[0]
    assert x.shape == (300, n_bits + 1, 2) and y.shape == (300, n_bits + 1, 1)
    for k in range(300):
        a, b = bits_to_int(x[k, :, 0]), bits_to_int(x[k, :, 1])
        assert bits_to_int(y[k, :, 0]) == a + b
        assert a < 2 ** n_bits and b < 2 ** n_bits
    chains = tasks.longest_carry_chain(x[:, :-1, 0].astype(int), x[:, :-1, 1].astype(int))
    assert [python_chain(bits_to_int(x[k, :, 0]), bits_to_int(x[k, :, 1]), n_bits) for k in range(300)] \
        == chains.tolist()
    if n_bits == 16:                       # planted chains reach far more than uniform ones
        assert chains.max() >= 12 and chains.min() >= 1


def test_binary_addition_metrics_by_hand():
    x = np.zeros((2, 3, 2), np.float32)
    x[0, 0] = [1, 1]                      # 1 + 1 = 2: every carry decided one bit below
    x[1, 0] = [1, 0]                      # 1 + 0: bit 0 propagates cin: chain 2 for c_1
    y = np.array([[[0], [1], [0]], [[1], [0], [0]]], np.float32)
    out = np.where(y > 0, 5.0, -5.0)
    out[1, 2, 0] = 3.0                    # one wrong bit in example 2
    m = tasks._addition_metrics(out, y, x)
    assert m["bit_accuracy"] == (5 / 6, 6)
    assert m["number_accuracy"] == (0.5, 2)
    assert m["by_chain"] == {1: (1, 1), 2: (0, 1)}


def test_variable_lengths_group_by_width():
    task = tasks.binary_addition(8, n_train=200, n_valid=5, n_test=5, variable_lengths=True)
    widths = sorted(x.shape[1] - 1 for x, _ in task.train.groups)
    assert widths == sorted(set(widths)) and widths[-1] <= 8 and len(task.train) == 200
    for x, y in task.train.batches(16, np.random.default_rng(0)):
        assert x.shape[0] <= 16 and x.shape[1] == y.shape[1]


def test_adding_problem_by_hand():
    task = tasks.adding_problem(T=20, n_train=50, n_valid=5, n_test=5, seed=2)
    x, y = task.train.groups[0]
    assert x.shape == (50, 20, 2) and y.shape == (50, 1, 1) and task.loss_steps == "last"
    markers = x[:, :, 1]
    assert (markers.sum(axis=1) == 2).all()
    assert (markers[:, :10].sum(axis=1) == 1).all()
    np.testing.assert_allclose((x[:, :, 0] * markers).sum(axis=1), y[:, 0, 0], rtol=1e-6)


def test_copy_memory_by_hand():
    task = tasks.copy_memory(T=5, n_train=20, n_valid=5, n_test=5)
    x, y = task.train.groups[0]
    assert x.shape == (20, 25, 10) and y.shape == (20, 25)
    symbols = x[:, :10].argmax(-1)
    assert ((symbols >= 1) & (symbols <= 8)).all()
    assert (x[:, 5 + 9].argmax(-1) == 9).all()
    np.testing.assert_array_equal(y[:, -10:], symbols)
    assert (y[:, :-10] == 0).all()


@pytest.mark.skipif(not (DATA / "JSB_Chorales.mat").exists(),
                    reason="../shared/data/JSB_Chorales.mat is not present")
def test_polyphonic_reads_jsb():
    task = tasks.polyphonic(DATA / "JSB_Chorales.mat")
    assert (len(task.train), len(task.valid), len(task.test)) == (229, 76, 77)
    x, y = task.train.groups[0]
    assert x.shape[0] == 1 and x.shape[2] == 88
    np.testing.assert_array_equal(x[0, 1:], y[0, :-1])       # y is x shifted by one frame


def test_polyphonic_bad_files(tmp_path):
    from scipy.io import savemat
    with pytest.raises(TaskError, match="no such file"):
        tasks.polyphonic(tmp_path / "missing.mat")
    savemat(tmp_path / "wrong.mat", {"train": np.zeros((3, 88))})
    with pytest.raises(TaskError, match="lacks 'traindata'"):
        tasks.polyphonic(tmp_path / "wrong.mat")
    cells = np.empty((1, 1), dtype=object)
    cells[0, 0] = np.zeros((5, 12))
    savemat(tmp_path / "narrow.mat", {"traindata": cells, "validdata": cells, "testdata": cells})
    with pytest.raises(TaskError, match=r"traindata\[0\] has shape \(5, 12\); each sequence must be \(T, 88\)"):
        tasks.polyphonic(tmp_path / "narrow.mat")
    (tmp_path / "junk.mat").write_bytes(b"\x00junk")
    with pytest.raises(TaskError, match="not a readable MATLAB .mat file"):
        tasks.polyphonic(tmp_path / "junk.mat")


def write_idx(path, array, gz=False):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    data = header + array.astype(np.uint8).tobytes()
    (gzip.open if gz else open)(path, "wb").write(data)


def test_sequential_mnist_from_tiny_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (12, 28, 28))
    labels = rng.integers(0, 10, 12)
    write_idx(tmp_path / "train-images-idx3-ubyte", imgs)
    write_idx(tmp_path / "train-labels-idx1-ubyte", labels)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", imgs[:4], gz=True)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels[:4], gz=True)
    task = tasks.sequential_mnist(tmp_path, n_valid=2)
    x, y = task.train.groups[0]
    assert x.shape == (10, 784, 1) and y.shape == (10, 1)
    np.testing.assert_allclose(x[3, :, 0], imgs[3].reshape(-1) / 255.0, rtol=1e-6)
    assert y[:, 0].tolist() == labels[:10].tolist()
    assert len(task.valid) == 2 and len(task.test) == 4
    perm = tasks.sequential_mnist(tmp_path, n_valid=2, permute=True)
    assert sorted(perm.train.groups[0][0][3, :, 0].tolist()) == sorted(x[3, :, 0].tolist())


def test_corrupt_idx(tmp_path):
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((3, 28, 28)))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x05\x01")
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((1, 28, 28)))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(1))
    with pytest.raises(TaskError, match="IDX payload has 1 bytes, its header promises 5"):
        tasks.sequential_mnist(tmp_path, n_valid=1)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"PK\x03\x04")
    with pytest.raises(TaskError, match="bad magic number"):
        tasks.sequential_mnist(tmp_path, n_valid=1)
    with pytest.raises(TaskError, match="missing t10k-images"):
        tasks.sequential_mnist(_empty(tmp_path), n_valid=1)


def _empty(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    write_idx(folder / "train-images-idx3-ubyte", np.zeros((3, 28, 28)))
    write_idx(folder / "train-labels-idx1-ubyte", np.zeros(3))
    return folder


def test_char_lm(tmp_path):
    text = "hello world, carry lookahead! " * 40
    (tmp_path / "t.txt").write_text(text)
    task = tasks.char_lm(tmp_path / "t.txt", seq_len=10)
    x, y = task.train.groups[0]
    assert x.shape[1] == 10 and x.dtype == np.int64
    np.testing.assert_array_equal(x[0, 1:], y[0, :-1])
    assert "".join(task.vocab[i] for i in x[0]) == text[:10]
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(TaskError, match="is empty"):
        tasks.char_lm(tmp_path / "empty.txt")
    (tmp_path / "short.txt").write_text("abc")
    with pytest.raises(TaskError, match="too few for one sequence"):
        tasks.char_lm(tmp_path / "short.txt", seq_len=10)


@pytest.mark.parametrize("call, msg", [
    (lambda: tasks.binary_addition(0), "n_bits must be an int >= 1"),
    (lambda: tasks.binary_addition(4, long_chains=2), "long_chains must be a fraction"),
    (lambda: tasks.adding_problem(T=1), "T must be an int >= 2"),
])
def test_bad_arguments(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()


def test_char_lm_windows_with_a_stride(tmp_path):
    """Windows of seq_len + 1 characters starting every ``stride`` characters (the
    authors' 400-character windows every 320); the default stride keeps the old cut."""
    text = "".join(chr(97 + (i * 7) % 26) for i in range(500))
    (tmp_path / "t.txt").write_text(text)
    task = tasks.char_lm(tmp_path / "t.txt", seq_len=10, stride=8, valid_fraction=0.1,
                         test_fraction=0.1)
    x, y = task.train.groups[0]
    train_text = text[:400]
    assert len(x) == (400 - 1 - 10) // 8 + 1
    for i in (0, 1, len(x) - 1):
        assert "".join(task.vocab[c] for c in x[i]) == train_text[8 * i: 8 * i + 10]
        assert "".join(task.vocab[c] for c in y[i]) == train_text[8 * i + 1: 8 * i + 11]
    plain = tasks.char_lm(tmp_path / "t.txt", seq_len=10, valid_fraction=0.1, test_fraction=0.1)
    tokens = np.array([plain.vocab.index(c) for c in train_text])
    count = (len(tokens) - 1) // 10
    np.testing.assert_array_equal(plain.train.groups[0][0], tokens[:count * 10].reshape(count, 10))
    with pytest.raises(ValueError, match=r"stride must be an int in \[1, 10\], got 11"):
        tasks.char_lm(tmp_path / "t.txt", seq_len=10, stride=11)
