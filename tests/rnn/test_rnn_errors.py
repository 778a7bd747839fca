"""Bad input raises ValueError/TypeError naming the argument, the value and what is allowed."""
import numpy as np
import pytest

from rnn import CLRNN, GRU, LSTM, TCN, ElmanRNN, make_model


@pytest.fixture(scope="module")
def music():
    return make_model(CLRNN(88, 8, levels=2, kernel_size=2, dtype=np.float64, seed=0), "music")


@pytest.mark.parametrize("shape", [(5, 88), (1, 2, 5, 88), (88,)])
def test_wrong_rank(music, shape):
    with pytest.raises(ValueError, match=r"x must have shape \(batch, time, 88\), got shape"):
        music.forward(np.zeros(shape))


def test_wrong_feature_count(music):
    with pytest.raises(ValueError, match=r"\(batch, time, 88\).*\(1, 4, 87\).*features 87"):
        music.forward(np.zeros((1, 4, 87)))


@pytest.mark.parametrize("shape", [(1, 0, 88), (0, 5, 88)])
def test_empty_sequences(music, shape):
    with pytest.raises(ValueError, match="empty sequence"):
        music.forward(np.zeros(shape))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input(music, bad):
    x = np.zeros((1, 4, 88))
    x[0, 2, 5] = bad
    with pytest.raises(ValueError, match=f"x must be finite; found {bad}"):
        music.forward(x)


def test_non_numeric_input(music):
    with pytest.raises(TypeError, match="x must hold real numbers"):
        music.forward(np.full((1, 2, 88), "a"))


@pytest.mark.parametrize("name", ["body.tcn.1.v", "body.cell.W_hh", "head.b"])
def test_non_finite_parameters(name):
    m = make_model(CLRNN(4, 3, levels=2, kernel_size=2, dtype=np.float64), "music")
    p = m.params()[name]
    p.reshape(-1)[0] = np.nan
    with pytest.raises(ValueError, match=rf"parameter .*{name.split('.', 1)[1]} must be "
                                         r"finite; found nan"):
        m.forward(np.zeros((1, 3, 4)))


def test_hidden_size_must_match_last_channel():
    with pytest.raises(ValueError, match=r"hidden_size=16, channels\[-1\]=12"):
        CLRNN(88, 16, levels=2, channels=[16, 12])


@pytest.mark.parametrize("k", [0, -3])
def test_kernel_size_below_one(k):
    with pytest.raises(ValueError, match=rf"kernel_size must be an int >= 1, got {k}"):
        CLRNN(4, 4, kernel_size=k)
    with pytest.raises(ValueError, match="kernel_size"):
        TCN(4, [4], kernel_size=k)


def test_kernel_size_wrong_type():
    with pytest.raises(TypeError, match=r"kernel_size must be an int >= 1, got 2.5"):
        CLRNN(4, 4, kernel_size=2.5)


def test_unknown_head_lists_known_heads():
    with pytest.raises(ValueError, match=r"head must be one of \['charlm', 'classification', "
                                         r"'music', 'regression', 'sequence-classification'\], got 'jazz'"):
        make_model(ElmanRNN(4, 4), "jazz")


@pytest.mark.parametrize("kwargs,exc,msg", [
    (dict(dropout=1.0), ValueError, r"dropout must be a float in \[0, 1\), got 1.0"),
    (dict(levels=0), ValueError, "levels must be an int >= 1, got 0"),
    (dict(dtype=np.int32), TypeError, "dtype must be float32 or float64"),
    (dict(channels=[4]), ValueError, r"channels must have one entry per level \(4\)"),
])
def test_bad_constructor_arguments(kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        CLRNN(4, 4, **kwargs)


@pytest.mark.parametrize("cls", [ElmanRNN, LSTM, GRU])
def test_serial_models_check_sizes(cls):
    with pytest.raises(ValueError, match="hidden_size must be an int >= 1, got 0"):
        cls(3, 0)
    with pytest.raises(ValueError, match=r"\(batch, time, 3\)"):
        cls(3, 2).forward(np.zeros((2, 3)))


def test_targets_and_tokens_checked(music):
    out = music.forward(np.zeros((1, 4, 88)))
    with pytest.raises(ValueError, match=r"y must have the output's shape \(1, 4, 88\)"):
        music.loss(out, np.zeros((1, 3, 88)))
    lm = make_model(CLRNN(4, 4, levels=1, kernel_size=2), "charlm", vocab_size=6)
    with pytest.raises(ValueError, match=r"tokens must hold token ids in \[0, 6\), got 6"):
        lm.forward(np.array([[0, 6]]))
    with pytest.raises(TypeError, match="tokens must be an integer array"):
        lm.forward(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="input_size must equal its hidden size"):
        make_model(CLRNN(5, 4, levels=1), "charlm", vocab_size=6)


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match="backward called before forward"):
        TCN(2, [3]).backward(np.zeros((1, 2, 3)))


def test_backward_shape_checked(music):
    music.forward(np.zeros((1, 4, 88)))
    with pytest.raises(ValueError, match=r"dout must have the output's shape \(1, 4, 88\)"):
        music.backward(np.zeros((1, 5, 88)))


@pytest.mark.parametrize("kwargs,exc,msg", [
    (dict(channels=None), TypeError, "channels must be a sequence of ints"),
    (dict(channels=[]), ValueError, r"channels must be a non-empty sequence.*got \[\]"),
    (dict(channels=[3, 0]), ValueError, r"channels\[i\] must be an int >= 1, got 0"),
    (dict(channels=[3], dilations=[1, 2]), ValueError, "dilations must have one entry per level"),
    (dict(channels=[3], dilations=5), TypeError, "dilations must be a sequence of ints"),
])
def test_bad_tcn_arguments(kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        TCN(4, **kwargs)


def test_charlm_backward_shape_checked():
    lm = make_model(CLRNN(4, 4, levels=1, kernel_size=2), "charlm", vocab_size=6)
    lm.forward(np.array([[0, 1, 2]]))
    with pytest.raises(ValueError, match=r"dout must have the output's shape \(1, 3, 6\)"):
        lm.backward(np.zeros((3, 6)))


@pytest.mark.parametrize("head", ["music", "charlm"])
def test_head_needs_a_body(head):
    with pytest.raises(TypeError, match="body must be a sequence model from rnn.models"):
        make_model(np.zeros(3), head, **({"vocab_size": 5} if head == "charlm" else {}))
