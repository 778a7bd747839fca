"""No run ever lost: run folders are locked, never overwritten, cleaned after a failed
start, written with the user's permissions, and a run killed at any moment resumes
bit-identically."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from adders.errors import CarrylabError
from rnn.checkpoint import atomic_write_bytes, load_checkpoint
from rnn.runs import LOCK_NAME, RunFolderError, open_run
from rnn.tasks import TaskError
from rnn.train import TrainConfig, fit


def config(**kw) -> TrainConfig:
    base = dict(model="clrnn", task="binary-add",
                task_args={"n_bits": 6, "n_train": 256, "n_valid": 64, "n_test": 64},
                hidden=8, levels=2, kernel_size=2, dropout=0.2, epochs=2, lr=3e-3,
                batch_size=32, seed=3)
    base.update(kw)
    return TrainConfig(**base)


def train(out, **kw):
    return fit(config(**{k: v for k, v in kw.items() if k in TrainConfig.__dataclass_fields__}),
               out, progress=False, log=None,
               **{k: v for k, v in kw.items() if k in ("resume", "overwrite")})


def assert_same_state(a: Path, b: Path) -> None:
    """Two checkpoints hold equal parameters, optimiser and rule states, epochs and losses
    (the wall-clock columns of the history aside)."""
    *arrays_a, meta_a = load_checkpoint(a)
    *arrays_b, meta_b = load_checkpoint(b)
    for group_a, group_b in zip(arrays_a, arrays_b):
        assert group_a.keys() == group_b.keys()
        for k in group_a:
            np.testing.assert_array_equal(group_a[k], group_b[k], err_msg=f"{a.name}: {k}")

    def losses(meta):
        return [{k: v for k, v in row.items() if k not in ("seconds", "steps_per_s")}
                for row in meta["history"]]
    assert meta_a["epoch"] == meta_b["epoch"] and losses(meta_a) == losses(meta_b)


# ------------------------------------------------------------------ refusals
def test_a_fresh_run_refuses_a_folder_that_holds_a_run(tmp_path):
    out = tmp_path / "run"
    train(out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(RunFolderError, match="already holds a run .*--resume.*--overwrite"):
        train(out, epochs=1)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before      # untouched


def test_a_fresh_run_refuses_a_folder_with_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(RunFolderError, match=r"is not empty \(notes.txt\); choose a new or empty folder"):
        train(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_overwrite_moves_the_old_run_aside(tmp_path):
    out = tmp_path / "run"
    train(out)
    old = load_checkpoint(out / "last.npz")[3]["history"]
    result = train(out, epochs=1, overwrite=True)
    aside = Path(result["moved_aside"])
    assert aside.parent == tmp_path and aside.name.startswith("run.replaced-")
    assert load_checkpoint(aside / "last.npz")[3]["history"] == old      # nothing lost
    assert load_checkpoint(out / "last.npz")[3]["epoch"] == 1


def test_resume_needs_a_run_and_excludes_overwrite(tmp_path):
    with pytest.raises(RunFolderError, match="there is no run to resume in"):
        train(tmp_path / "none", resume=True)
    assert not (tmp_path / "none").exists()
    with pytest.raises(RunFolderError, match="resume and overwrite exclude each other"):
        train(tmp_path, resume=True, overwrite=True)


def test_a_file_is_not_a_run_folder(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(RunFolderError, match="is a file, not a folder"):
        train(tmp_path / "f")
    assert issubclass(RunFolderError, CarrylabError) and issubclass(RunFolderError, OSError)


def test_a_failed_start_leaves_nothing_behind(tmp_path):
    with pytest.raises(TaskError, match="no such file or folder"):
        fit(TrainConfig(task="jsb", data=str(tmp_path / "missing.mat")), tmp_path / "run",
            progress=False, log=None)
    assert not (tmp_path / "run").exists()
    # a failure inside the locked folder before the first checkpoint: removed too
    with pytest.raises(RuntimeError, match="disk on fire"):
        with open_run(tmp_path / "run2"):
            raise RuntimeError("disk on fire")
    assert not (tmp_path / "run2").exists()
    # ... but never a folder the run did not create
    (tmp_path / "mine").mkdir()
    with pytest.raises(RuntimeError):
        with open_run(tmp_path / "mine"):
            raise RuntimeError("x")
    assert (tmp_path / "mine").is_dir()


# ------------------------------------------------------------------ locking
def test_a_second_process_is_refused_while_one_trains(tmp_path):
    out = tmp_path / "run"
    with open_run(out) as run:
        run.started()
        code = ("import sys\nfrom rnn.runs import open_run, RunFolderError\n"
                f"try:\n    open_run({str(out)!r}, resume=False).__enter__()\n"
                "except RunFolderError as e:\n    print(e); sys.exit(3)\n")
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert res.returncode == 3, res.stderr
        assert "another process is training in" in res.stdout and LOCK_NAME in res.stdout


def _cli_train(out: Path, *extra, epochs=40):
    return subprocess.Popen(
        [sys.executable, "-m", "carrylab", "train", "--task", "binary-add", "--bits", "6",
         "--train-size", "512", "--hidden", "8", "--levels", "2", "--kernel-size", "2",
         "--dropout", "0.2", "--batch-size", "16", "--seed", "5", "--epochs", str(epochs),
         "--quiet", "--out", str(out), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_two_cli_trainings_into_one_folder_one_is_refused(tmp_path):
    out = tmp_path / "run"
    first = _cli_train(out, epochs=60)
    while not (out / "last.npz").exists() and first.poll() is None:
        time.sleep(0.05)
    second = _cli_train(out, epochs=3)
    _, err2 = second.communicate(timeout=300)
    _, err1 = first.communicate(timeout=300)
    assert first.returncode == 0, err1
    assert second.returncode == 2 and "Traceback" not in err2
    assert err2.strip().startswith("carrylab train: ") and len(err2.strip().splitlines()) == 1
    assert load_checkpoint(out / "last.npz")[3]["epoch"] == 60       # the first run is whole


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [0.0, 0.5, 1.1, 1.7])
def test_kill_9_at_any_moment_then_resume_is_bit_identical(tmp_path, kill_after):
    """Kill the training at some moment of its 40 short epochs (a good share of each is
    spent writing checkpoints, so some kills land mid-write), resume it, and compare
    with a run never interrupted: every parameter, optimiser moment and loss must be
    equal, and no temporary file may remain."""
    whole = _cli_train(tmp_path / "whole")
    assert whole.wait(timeout=300) == 0, whole.stderr.read()
    out = tmp_path / "killed"
    victim = _cli_train(out)
    while not (out / "last.npz").exists() and victim.poll() is None:
        time.sleep(0.01)
    time.sleep(kill_after)
    assert victim.poll() is None, "the run ended before it could be killed: lengthen it"
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=60)
    resumed = subprocess.run([sys.executable, "-m", "carrylab", "train", "--resume", str(out),
                              "--quiet"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert_same_state(tmp_path / "whole" / "last.npz", out / "last.npz")
    assert_same_state(tmp_path / "whole" / "best.npz", out / "best.npz")
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_temporaries_of_a_killed_writer_are_removed_on_the_next_open(tmp_path):
    out = tmp_path / "run"
    train(out)
    stale = out / ".last.npz.0123456789abcdef.tmp"
    stale.write_bytes(b"half")
    train(out, epochs=3, resume=True)
    assert not stale.exists()


# ------------------------------------------------------------------ permissions
def test_files_get_the_users_permissions(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write_bytes(tmp_path / "a.bin", b"x")
        train(tmp_path / "run", epochs=1)
    finally:
        os.umask(old)
    assert (tmp_path / "a.bin").stat().st_mode & 0o777 == 0o640
    for name in ("last.npz", "best.npz", "last.json", "metrics.csv", "metrics.json"):
        assert (tmp_path / "run" / name).stat().st_mode & 0o777 == 0o640, name
