"""rnn.deer: Newton over affine scans equals the serial Elman RNN."""
import numpy as np
import pytest

from adders.prefix import knowles, sklansky
from rnn.deer import DEERResult, deer_elman, elman_serial


def weights(rng, H, I, gain=1.0):
    W_ih = rng.normal(size=(H, I)) / np.sqrt(I)
    W_hh = gain * rng.normal(size=(H, H)) / np.sqrt(H)
    b = 0.1 * rng.normal(size=H)
    return W_ih, W_hh, b


def naive_elman(x, W_ih, W_hh, b, h0):
    """One step at a time, one sequence, vectors only."""
    h = np.array(h0, dtype=np.float64)
    out = []
    for t in range(x.shape[0]):
        h = np.tanh(W_ih @ x[t] + b + W_hh @ h)
        out.append(h)
    return np.array(out)


@pytest.mark.parametrize("T, H, I", [(1, 1, 1), (2, 3, 2), (37, 5, 3), (300, 32, 4),
                                     (1000, 8, 3), (1000, 32, 2)])
def test_deer_equals_serial(T, H, I):
    rng = np.random.default_rng(T * 100 + H)
    W_ih, W_hh, b = weights(rng, H, I)
    x = rng.normal(size=(T, I))
    h0 = rng.uniform(-1, 1, H)
    ref = elman_serial(x, W_ih, W_hh, b, h0)
    np.testing.assert_allclose(ref, naive_elman(x, W_ih, W_hh, b, h0), atol=1e-14)
    res = deer_elman(x, W_ih, W_hh, b, h0)
    assert isinstance(res, DEERResult)
    assert res.converged
    assert 1 <= res.iterations <= T
    assert len(res.updates) == res.iterations == len(res.residuals)
    assert np.max(np.abs(res.h - ref)) < 1e-8
    assert res.residuals[-1] < 1e-12


def test_chaotic_weights_still_at_most_T_iterations():
    """Large recurrent gain: Jacobian products overflow inside the scan; the front
    safeguard still solves one more step per iteration at least."""
    rng = np.random.default_rng(4)
    T, H = 120, 6
    W_ih, W_hh, b = weights(rng, H, 2, gain=4.0)
    x = rng.normal(size=(T, 2))
    res = deer_elman(x, W_ih, W_hh, b)
    assert res.converged and res.iterations <= T
    prev = np.vstack([np.zeros(H), res.h[:-1]])
    assert np.max(np.abs(res.h - np.tanh(x @ W_ih.T + b + prev @ W_hh.T))) < 1e-12


def test_iterations_cap_and_front_progress():
    rng = np.random.default_rng(5)
    T, H = 40, 4
    W_ih, W_hh, b = weights(rng, H, 2, gain=3.0)
    x = rng.normal(size=(T, 2))
    ref = elman_serial(x, W_ih, W_hh, b)
    for k in (1, 3, 7):
        res = deer_elman(x, W_ih, W_hh, b, max_iter=k)
        assert res.iterations <= k
        # after k iterations at least the first k steps are solved
        assert np.max(np.abs(res.h[:k] - ref[:k])) < 1e-10
    assert deer_elman(x, W_ih, W_hh, b, max_iter=10 * T).iterations <= T


def test_batched_equals_one_by_one_and_networks_agree():
    rng = np.random.default_rng(6)
    W_ih, W_hh, b = weights(rng, 5, 3)
    x = rng.normal(size=(3, 64, 3))
    h0 = rng.uniform(-1, 1, (3, 5))
    res = deer_elman(x, W_ih, W_hh, b, h0)
    assert res.h.shape == (3, 64, 5)
    ref = elman_serial(x, W_ih, W_hh, b, h0)
    assert np.max(np.abs(res.h - ref)) < 1e-8
    for s in range(3):
        one = deer_elman(x[s], W_ih, W_hh, b, h0[s])
        assert np.max(np.abs(one.h - ref[s])) < 1e-8
        assert one.iterations <= res.iterations
    for net in ("kogge-stone", "serial", sklansky(64)):
        other = deer_elman(x[0], W_ih, W_hh, b, h0[0], network=net)
        assert np.max(np.abs(other.h - ref[0])) < 1e-8


def test_guess_at_the_solution_takes_no_iteration():
    rng = np.random.default_rng(7)
    W_ih, W_hh, b = weights(rng, 4, 2)
    x = rng.normal(size=(30, 2))
    ref = elman_serial(x, W_ih, W_hh, b)
    res = deer_elman(x, W_ih, W_hh, b, guess=ref)
    assert res.iterations == 0 and res.converged
    np.testing.assert_array_equal(res.h, ref)


def test_float32_inputs():
    rng = np.random.default_rng(8)
    W_ih, W_hh, b = (w.astype(np.float32) for w in weights(rng, 4, 2))
    x = rng.normal(size=(20, 2)).astype(np.float32)
    assert elman_serial(x, W_ih, W_hh, b).dtype == np.float32
    res = deer_elman(x, W_ih, W_hh, b)
    np.testing.assert_allclose(res.h, elman_serial(x, W_ih, W_hh, b), atol=1e-5)


@pytest.mark.parametrize("kwargs, exc, pattern", [
    (dict(x=np.ones((5, 2, 2, 1))), ValueError, "x must have shape"),
    (dict(x=np.ones((0, 2))), ValueError, "T >= 1"),
    (dict(W_ih=np.ones((3, 3))), ValueError, "W_ih must have shape"),
    (dict(W_hh=np.ones((3, 2))), ValueError, "W_hh must have shape"),
    (dict(b=np.ones(2)), ValueError, "b must have shape"),
    (dict(h0=np.ones(2)), ValueError, "h0 must have shape"),
    (dict(x=np.full((5, 2), np.nan)), ValueError, "x must be finite"),
    (dict(tol=0.0), ValueError, "tol"),
    (dict(max_iter=0), ValueError, "max_iter"),
    (dict(network="knowles"), ValueError, "overlapping"),
    (dict(network=knowles(5)), ValueError, "overlapping"),
    (dict(network=sklansky(4)), ValueError, "T = 5"),
    (dict(network="ripple"), ValueError, "network must be"),
    (dict(guess=np.ones((4, 3))), ValueError, "guess must have shape"),
])
def test_errors(kwargs, exc, pattern):
    args = dict(x=np.ones((5, 2)), W_ih=np.ones((3, 2)), W_hh=np.eye(3), b=np.zeros(3))
    args.update(kwargs)
    with pytest.raises(exc, match=pattern):
        deer_elman(**args)
