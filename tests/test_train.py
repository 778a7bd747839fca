"""Optimisers, checkpoints and the training loop: exact resume, divergence, bad input."""
import json
import math

import numpy as np
import pytest

from rnn.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from rnn.optim import SGD, Adam, PlateauRule, clip_grad_norm, make_optimizer
from rnn.train import TrainConfig, TrainingDiverged, evaluate_checkpoint, fit


# ------------------------------------------------------------------ optimisers
def test_adam_matches_the_formula():
    rng = np.random.default_rng(0)
    p0 = rng.normal(size=(3, 4))
    params = {"w": p0.copy()}
    opt = Adam(params, lr=0.01, betas=(0.9, 0.99), eps=1e-8)
    ref, m, v = p0.copy(), np.zeros_like(p0), np.zeros_like(p0)
    for t in range(1, 6):
        g = rng.normal(size=p0.shape)
        opt.step({"w": g.copy()})
        m = 0.9 * m + 0.1 * g
        v = 0.99 * v + 0.01 * g * g
        ref -= 0.01 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.99 ** t)) + 1e-8)
    np.testing.assert_allclose(params["w"], ref, rtol=1e-12, atol=1e-14)


def test_adam_float32_stays_float32_and_matches_the_formula():
    """The compiled float32 update (vectorised, fused multiply-adds allowed) against
    the same formula in float64."""
    rng = np.random.default_rng(1)
    p0 = rng.normal(size=1000)
    params = {"w": p0.astype(np.float32)}
    opt = Adam(params, lr=0.01)
    ref, m, v = p0.copy(), np.zeros_like(p0), np.zeros_like(p0)
    for t in range(1, 6):
        g = rng.normal(size=p0.shape).astype(np.float32)
        opt.step({"w": g})
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g.astype(np.float64) ** 2
        ref -= 0.01 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    assert params["w"].dtype == np.float32
    assert opt.state["m"]["w"].dtype == np.float32
    np.testing.assert_allclose(params["w"], ref, rtol=1e-5, atol=1e-6)


def test_sgd_momentum_and_state_roundtrip():
    params = {"w": np.ones(3)}
    opt = SGD(params, lr=0.1, momentum=0.5)
    opt.step({"w": np.ones(3)})            # v = 1, w = 0.9
    opt.step({"w": np.ones(3)})            # v = 1.5, w = 0.75
    np.testing.assert_allclose(params["w"], 0.75)
    state = opt.state_dict()
    other = SGD({"w": np.ones(3)}, lr=0.1, momentum=0.5)
    other.load_state_dict(state)
    assert other.t == 2 and np.allclose(other.state["velocity"]["w"], 1.5)


def test_clip_grad_norm_scales_globally():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    total = clip_grad_norm(grads, 1.0)
    assert total == pytest.approx(5.0)
    assert math.sqrt(sum((g ** 2).sum() for g in grads.values())) == pytest.approx(1.0)
    small = {"a": np.array([0.3])}
    clip_grad_norm(small, 1.0)
    assert small["a"][0] == 0.3


def test_plateau_rule_is_the_papers():
    opt = SGD({"w": np.zeros(1)}, lr=1.0)
    rule = PlateauRule()
    losses = [5, 4, 3, 3, 3, 3, 3, 3, 3, 3, 2.9, 3.5, 2.0, 2.1]
    fired = [rule.update(opt, epoch, loss) for epoch, loss in enumerate(losses, start=1)]
    # epoch 12: 3.5 > max(3, 3, 2.9) and 12 > 10 -> lr / 10; epoch 14: 2.1 < 3.5 -> no
    assert fired == [False] * 11 + [True, False, False]
    assert opt.lr == pytest.approx(0.1)
    early = PlateauRule()
    assert not any(early.update(opt, e, l) for e, l in enumerate([1, 2, 3, 4, 5], start=1))


def test_optimizer_errors():
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'; known: adam, sgd"):
        make_optimizer("rmsprop", {"w": np.zeros(1)}, 0.1)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        Adam({"w": np.zeros(1)}, lr=-1)
    with pytest.raises(ValueError, match=r"grads\['w'\] has shape \(2,\)"):
        Adam({"w": np.zeros(1)}).step({"w": np.zeros(2)})


# ------------------------------------------------------------------ checkpoints
def test_checkpoint_roundtrip_and_no_temp_files(tmp_path):
    params = {"body.w": np.arange(6.0).reshape(2, 3)}
    save_checkpoint(tmp_path, "x", params, {"epoch": 3, "rng": {"state": 2 ** 100}},
                    {"m/body.w": np.ones((2, 3))})
    p, o, e, meta = load_checkpoint(tmp_path / "x.npz")
    np.testing.assert_array_equal(p["body.w"], params["body.w"])
    assert meta["epoch"] == 3 and meta["rng"]["state"] == 2 ** 100
    assert json.loads((tmp_path / "x.json").read_text())["epoch"] == 3
    assert sorted(f.name for f in tmp_path.iterdir()) == ["x.json", "x.npz"]


def test_corrupt_and_missing_checkpoints(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "nope.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match="is damaged or not a checkpoint"):
        load_checkpoint(tmp_path / "bad.npz")
    np.savez(tmp_path / "plain.npz", a=np.zeros(2))
    with pytest.raises(CheckpointError, match="no __meta__ entry"):
        load_checkpoint(tmp_path / "plain.npz")
    # an object array needs pickle to load: refused, never unpickled
    np.savez(tmp_path / "pickled.npz", __meta__=np.frombuffer(b"{}", np.uint8),
             **{"param/w": np.array([{"evil": 1}], dtype=object)})
    with pytest.raises(CheckpointError, match="holds pickled objects, which carrylab never loads"):
        load_checkpoint(tmp_path / "pickled.npz")
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(CheckpointError,
                       match=r"empty.npz is damaged or not a checkpoint \(the file is empty\)"):
        load_checkpoint(tmp_path / "empty.npz")


# ------------------------------------------------------------------ training
def small_config(**kw):
    base = dict(model="clrnn", task="binary-add", task_args={"n_bits": 6, "n_train": 256, "n_valid": 64,
                                                               "n_test": 64},
                hidden=8, levels=2, kernel_size=2, dropout=0.2, epochs=4, lr=3e-3,
                batch_size=32, dtype="float64", seed=3, plateau=True, clip=1.0)
    base.update(kw)
    return TrainConfig(**base)


def test_resume_gives_identical_parameters(tmp_path):
    full = fit(small_config(), tmp_path / "full", progress=False, log=None)
    fit(small_config(epochs=2), tmp_path / "split", progress=False, log=None)
    resumed = fit(small_config(epochs=4), tmp_path / "split", resume=True, progress=False, log=None)
    a, _, _, meta_a = load_checkpoint(tmp_path / "full" / "last.npz")
    b, _, _, meta_b = load_checkpoint(tmp_path / "split" / "last.npz")
    assert meta_a["epoch"] == meta_b["epoch"] == 4
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert [r["train_loss"] for r in full["history"]] == [r["train_loss"] for r in resumed["history"]]
    assert (tmp_path / "split" / "metrics.csv").read_text().count("\n") == 5


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_divergence_stops_and_leaves_a_loadable_checkpoint(tmp_path):
    # MSE on the adding problem with plain SGD and a huge rate: the output weights grow
    # geometrically until float32 overflows.
    cfg = small_config(model="rnn", task="adding", task_args={"T": 10, "n_train": 256, "n_valid": 32,
                                                              "n_test": 32},
                       optimizer="sgd", lr=1e4, clip=0.0, plateau=False, dropout=0.0, dtype="float32")
    with pytest.raises(TrainingDiverged, match="not finite .* lr = 10000 may be too large"):
        fit(cfg, tmp_path, progress=False, log=None)
    params, _, _, meta = load_checkpoint(tmp_path / "last.npz")
    assert all(np.isfinite(v).all() for v in params.values())
    assert meta["epoch"] in (0, 1, 2, 3)


def test_evaluate_checkpoint_and_incompatible_resume(tmp_path):
    fit(small_config(epochs=1, model="gru"), tmp_path, progress=False, log=None)
    scores = evaluate_checkpoint(tmp_path)
    assert set(scores["test"]) >= {"loss", "bit_accuracy", "number_accuracy", "accuracy_by_chain"}
    with pytest.raises(CheckpointError, match="model 'gru' there vs 'lstm' here"):
        fit(small_config(epochs=2, model="lstm"), tmp_path, resume=True, progress=False, log=None)


@pytest.mark.parametrize("kw, msg", [
    ({"model": "transformer"}, "model must be one of 'clrnn', 'rnn', 'lstm', 'gru', 'tcn', 'linear'; "
                               "got 'transformer'"),
    ({"task": "sorting"}, "task must be one of 'binary-add', .*; got 'sorting'"),
    ({"hidden": 0}, r"hidden must be an int in \[1, 4,096\], got 0"),
    ({"dtype": "float16"}, "dtype must be one of 'float32', 'float64'; got 'float16'"),
    ({"lr": float("nan")}, "lr must be a finite number > 0.0, got nan"),
    ({"clip": -1.0}, "clip must be a finite number >= 0.0, got -1.0"),
    ({"batch_size": -3}, "batch_size must be an int >= 0, got -3"),
    ({"max_batches": -1}, "max_batches must be an int >= 0, got -1"),
    ({"epochs": 0}, r"epochs must be an int in \[1, 100,000\], got 0"),
    ({"dropout": 1.0}, r"dropout must be a float in \[0, 1\), got 1.0"),
    ({"optimizer": "rmsprop"}, "optimizer must be one of 'adam', 'sgd'; got 'rmsprop'"),
])
def test_bad_config(kw, msg):
    with pytest.raises(ValueError, match=msg):
        small_config(**kw)


def test_file_task_needs_a_path(tmp_path):
    with pytest.raises(ValueError, match="reads a file: give its path"):
        fit(small_config(task="jsb", task_args={}), tmp_path, progress=False, log=None)


def test_a_checkpoint_with_wrong_shapes_is_refused(tmp_path):
    fit(small_config(epochs=1), tmp_path / "run", progress=False, log=None)
    params, optim, extra, meta = load_checkpoint(tmp_path / "run" / "best.npz")
    name = sorted(params)[0]
    params[name] = np.zeros(params[name].shape + (2,))
    save_checkpoint(tmp_path, "odd", params, meta, optim, extra)
    with pytest.raises(CheckpointError, match=f"odd.npz: {name} has shape .*, the model needs"):
        evaluate_checkpoint(tmp_path / "odd.npz")


# ------------------------------------------------------------------ BLAS threads
def _blas_threads(libraries=None) -> set:
    """Thread counts of the BLAS libraries loaded (or of those among ``libraries``)."""
    from threadpoolctl import threadpool_info
    return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"
            and (libraries is None or p["filepath"] in libraries)}


def _blas_libraries() -> set:
    """The BLAS libraries loaded now (NumPy's, which does the models' products; SciPy's
    copy, which Numba loads later for its own linear algebra, is never used by them)."""
    from threadpoolctl import threadpool_info
    return {p["filepath"] for p in threadpool_info() if p["user_api"] == "blas"}


def _spied_task(seen: list, libraries: set):
    """A tiny addition task whose metrics (called inside evaluate) note the BLAS threads."""
    from rnn.tasks import binary_addition
    task = binary_addition(4, n_train=32, n_valid=8, n_test=8, seed=0)
    metrics = task.metrics

    def spy(out, y, x):
        seen.append(_blas_threads(libraries))
        return metrics(out, y, x)
    task.metrics = spy
    return task


def test_fit_and_evaluate_limit_the_blas_threads_themselves(tmp_path):
    """No environment variable needed: training and scoring run on BLAS_THREADS threads
    (1) and put the pool back as it was afterwards; None leaves the pool alone."""
    from threadpoolctl import threadpool_limits

    from rnn.train import BLAS_THREADS, build_model, evaluate
    libraries = _blas_libraries()
    if not libraries:
        pytest.skip("threadpoolctl finds no BLAS library in this NumPy")
    assert BLAS_THREADS == 1
    seen: list = []
    task = _spied_task(seen, libraries)
    config = small_config(epochs=2)
    with threadpool_limits(limits=2, user_api="blas"):
        fit(config, tmp_path / "run", progress=False, task=task,
            log=lambda *a: seen.append(_blas_threads(libraries)))
        assert seen and all(threads == {1} for threads in seen), seen
        assert _blas_threads(libraries) == {2}, "fit must restore the BLAS thread pool"
        seen.clear()
        evaluate(build_model(config, task), task, task.valid)
        evaluate_checkpoint(tmp_path / "run", task=task, splits=("valid",))
        assert seen and all(threads == {1} for threads in seen), seen
        seen.clear()
        fit(config, tmp_path / "run2", progress=False, task=task, log=None, blas_threads=None)
        assert seen and all(threads == {2} for threads in seen), seen


def test_a_bad_blas_thread_count_is_refused_before_any_work(tmp_path):
    with pytest.raises(ValueError, match=r"blas_threads must be an int >= 1, got 0"):
        fit(small_config(), tmp_path / "run", progress=False, log=None, blas_threads=0)
    assert not (tmp_path / "run").exists()
