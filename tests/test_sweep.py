"""carrylab sweep: specs and their errors, and grids run on dask.distributed that give
exactly what a serial ``fit`` gives, even when a worker dies mid-run."""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from carrylab.cli import main
from carrylab.sweeps import SweepSpecError, from_dict, load_spec, plan, run_sweep, single_threaded
from carrylab.sweeps.run import WORKER_ENV

ROOT = Path(__file__).resolve().parents[1]
needs_dask = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                reason='dask.distributed is not installed: pip install -e ".[sweep]"')
needs_yaml = pytest.mark.skipif(importlib.util.find_spec("yaml") is None,
                                reason='PyYAML is not installed: pip install -e ".[sweep]"')

TINY = """\
task = "binary-add"
task_args = {n_bits = 4, n_train = 128, n_valid = 32, n_test = 32}
hidden = 8
epochs = 3
lr = 1e-2
batch_size = 32
model = ["clrnn", "rnn"]
seed = [0, 1]

[models.clrnn]
levels = 2
kernel_size = 2
"""


def _spec(tmp_path, text=TINY, name="tiny.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# ------------------------------------------------------------------ specs
def test_a_spec_crosses_its_lists_per_model(tmp_path):
    text = TINY.replace("kernel_size = 2", "kernel_size = [2, 3]").replace("n_bits = 4", "n_bits = [4, 5]")
    sweep = load_spec(_spec(tmp_path, text))
    names = [r.name for r in sweep.runs]
    assert names[:3] == ["clrnn-n_bits4-kernel_size2-seed0", "clrnn-n_bits4-kernel_size2-seed1",
                         "clrnn-n_bits4-kernel_size3-seed0"]
    assert names[-2:] == ["rnn-n_bits5-seed0", "rnn-n_bits5-seed1"] and len(names) == 12
    assert sweep.cell_keys == ["model", "n_bits", "kernel_size"]
    run = sweep.runs[2]
    assert (run.config.kernel_size, run.config.levels, run.config.task_args["n_bits"]) == (3, 2, 4)
    assert sweep.out == tmp_path / "runs" / "tiny"


def test_data_is_relative_to_the_spec(tmp_path):
    sweep = load_spec(_spec(tmp_path, 'task = "jsb"\ndata = "music/JSB.mat"\n'), out=tmp_path / "o")
    assert sweep.runs[0].config.data == str((tmp_path / "music" / "JSB.mat").resolve())
    assert [r.name for r in sweep.runs] == ["clrnn-seed0"] and sweep.out == tmp_path / "o"


@needs_yaml
def test_yaml_reads_like_toml_and_takes_1e_3_as_a_number(tmp_path):
    text = ("task: binary-add\ntask_args: {n_bits: 4, n_train: 128}\nlr: 1e-3\nmodel: [clrnn, rnn]\n"
            "seed: [0, 1]\nmodels:\n  clrnn: {levels: 2}\n")
    sweep = load_spec(_spec(tmp_path, text, "grid.yaml"))
    assert [r.config.lr for r in sweep.runs] == [1e-3] * 4
    assert sweep.runs[0].config.levels == 2 and sweep.out.name == "grid"


@pytest.mark.parametrize("text, words", [
    ("epoch = 3\n", ["'epoch'", "known keys", "epochs"]),
    ("lr = -1.0\n", ["run clrnn-seed0", "lr", "-1.0"]),
    ('model = ["clrnn", "bert"]\n', ["model 'bert'", "known"]),
    ('model = "rnn"\n[models.lstm]\nhidden = 4\n', ["models.lstm", "not in model"]),
    ('[models.clrnn]\nseed = 3\n', ["models.clrnn.seed", "not allowed"]),
    ('[models.clrnn]\nhiden = 3\n', ["models.clrnn.hiden"]),
    ("seed = [0, 0]\n", ["seed", "distinct"]),
    ("hidden = []\n", ["hidden", "empty list"]),
    ("hidden = [8, 8]\n", ["hidden", "8 twice"]),
    ("hidden = \n", ["not valid TOML"]),
    ('epochs = "ten"\n', ["epochs", "'ten'"]),
    ("task_args = {bits = 4}\n", ["task_args.bits", "n_bits"]),
])
def test_bad_specs_are_refused_in_one_line_naming_the_key(tmp_path, text, words):
    path = _spec(tmp_path, text)
    with pytest.raises(SweepSpecError) as err:
        load_spec(path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    for word in words:
        assert word in message, message


def test_a_spec_of_another_kind_or_missing_is_refused(tmp_path):
    with pytest.raises(SweepSpecError, match="neither .toml nor"):
        load_spec(_spec(tmp_path, "{}", "spec.json"))
    with pytest.raises(SweepSpecError, match="no such file"):
        load_spec(tmp_path / "absent.toml")


@pytest.mark.skipif(importlib.util.find_spec("rnn.protocol") is None,
                    reason="rnn.protocol (the named training protocols) is not in this carrylab yet")
def test_protocol_presets_fill_what_the_spec_leaves_out(tmp_path):
    from rnn.protocol import preset
    sweep = from_dict({"task": "jsb", "data": "/data/JSB.mat", "protocol": "paper",
                       "model": ["clrnn", "rnn"], "epochs": 5,
                       "models": {"rnn": {"lr": 1e-3}}}, out=tmp_path)
    clrnn, rnn = (r.config for r in sweep.runs)
    want = preset("paper", "clrnn", "jsb")
    assert (clrnn.lr, clrnn.dropout, clrnn.batch_size, clrnn.epochs) == (want["lr"], want["dropout"], 1, 5)
    assert rnn.lr == 1e-3 and rnn.hidden == preset("paper", "rnn", "jsb")["hidden"]


def test_cli_lists_runs_and_refuses_bad_specs_in_one_line(tmp_path, capsys):
    path = _spec(tmp_path)
    assert main(["sweep", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "4 runs" in out and "clrnn-seed1" in out and "rnn-seed0" in out and "new" in out
    assert main(["sweep", str(_spec(tmp_path, "batch = 3\n", "bad.toml"))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("carrylab sweep: ") and "'batch'" in err[0]
    assert main(["sweep", str(path), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "give one of them" in capsys.readouterr().err


def test_help_shows_the_spec_format():
    res = subprocess.run([sys.executable, "-m", "carrylab", "sweep", "--help"], capture_output=True,
                         text=True, cwd=ROOT)
    assert res.returncode == 0
    assert "[models.clrnn]" in res.stdout and 'protocol = "paper"' in res.stdout
    assert "summary.md" in res.stdout and "--dry-run" in res.stdout


# ------------------------------------------------------------------ running
@pytest.fixture(scope="module")
def client():
    """Two single-threaded worker processes, as ``carrylab sweep --workers 2`` starts."""
    from carrylab.sweeps.run import cluster_client
    with cluster_client(workers=2) as c:
        yield c


def _serial(config, folder) -> Path:
    from rnn.train import fit
    with single_threaded():
        fit(config, folder, progress=False, log=None, blas_threads=None)
    return folder


def _same_run(a: Path, b: Path) -> None:
    """Bit-identical parameters (best and last) and losses in two run folders."""
    from rnn.checkpoint import load_checkpoint
    for name in ("best.npz", "last.npz"):
        pa, _, _, ma = load_checkpoint(a / name)
        pb, _, _, mb = load_checkpoint(b / name)
        assert sorted(pa) == sorted(pb)
        for key in pa:
            np.testing.assert_array_equal(pa[key], pb[key], err_msg=f"{a.name}/{name}: {key}")
        assert ma["epoch"] == mb["epoch"] and ma["best"] == mb["best"]
    drop = ("seconds", "steps_per_s")
    ha, hb = (json.loads((f / "metrics.json").read_text()) for f in (a, b))
    assert [{k: v for k, v in r.items() if k not in drop} for r in ha["epochs"]] == \
        [{k: v for k, v in r.items() if k not in drop} for r in hb["epochs"]]
    assert ha["test"] == hb["test"]


def _threads_inside() -> tuple[int, list[int]]:
    import numba
    from threadpoolctl import threadpool_info
    with single_threaded():
        return numba.get_num_threads(), [p["num_threads"] for p in threadpool_info()]


@needs_dask
def test_workers_are_single_threaded(client):
    environs = client.run(lambda: {k: os.environ.get(k) for k in WORKER_ENV})
    assert list(environs.values()) == [WORKER_ENV] * 2
    numba_threads, pools = client.submit(_threads_inside, pure=False).result()
    assert numba_threads == 1 and set(pools) <= {1}


@needs_dask
def test_a_sweep_gives_what_serial_fits_give_and_scores_finished_runs(client, tmp_path):
    sweep = load_spec(_spec(tmp_path))
    lines = []
    rows = run_sweep(sweep, client=client, log=lines.append)
    assert [r["status"] for r in rows] == ["trained"] * 4
    assert {r["run"] for r in rows} == {"clrnn-seed0", "clrnn-seed1", "rnn-seed0", "rnn-seed1"}
    assert sum("started on worker" in line for line in lines) == 4
    for run in sweep.runs:
        _same_run(sweep.folder(run), _serial(run.config, tmp_path / "serial" / run.name))
    expanded = json.loads((sweep.out / "sweep.json").read_text())
    assert [r["name"] for r in expanded["runs"]] == [r.name for r in sweep.runs]

    stamps = {p: p.stat().st_mtime_ns for p in sweep.out.rglob("*.npz")}
    again = run_sweep(sweep, client=client, log=lines.append)
    assert [r["status"] for r in again] == ["scored"] * 4
    assert {p: p.stat().st_mtime_ns for p in sweep.out.rglob("*.npz")} == stamps
    keep = ("best_epoch", "epochs", "valid_loss", "test_loss", "test_number_accuracy")
    assert [{k: r[k] for k in keep} for r in again] == [{k: r[k] for k in keep} for r in rows]
    assert sum("not retrained" in line for line in lines) == 4


@needs_dask
def test_tables_and_figure(client, tmp_path):
    from carrylab.sweeps import write_tables
    sweep = load_spec(_spec(tmp_path, TINY.replace("epochs = 3", "epochs = 1")))
    rows = run_sweep(sweep, client=client, log=None)
    paths = write_tables(rows, sweep.cell_keys, sweep.out)
    results = paths["results"].read_text().splitlines()
    assert results[0].startswith("run,model,seed,") and "test_loss" in results[0] and len(results) == 5
    summary = paths["summary_csv"].read_text().splitlines()
    assert len(summary) == 3 and "test_loss_mean" in summary[0] and "test_loss_std" in summary[0]
    losses = [r["test_loss"] for r in rows if r["model"] == "rnn"]
    row = dict(zip(summary[0].split(","), summary[2].split(",")))
    assert row["model"] == "rnn" and row["n"] == "2"
    assert float(row["test_loss_mean"]) == pytest.approx(np.mean(losses))
    assert float(row["test_loss_std"]) == pytest.approx(np.std(losses, ddof=1))
    md = paths["summary_md"].read_text()
    assert md.startswith("| model | seeds |") and " ± " in md
    assert paths["figure"].read_bytes()[:4] == b"\x89PNG"


@needs_dask
def test_a_folder_holding_another_config_is_refused_not_overwritten(client, tmp_path):
    from rnn.runs import RunFolderError
    sweep = load_spec(_spec(tmp_path, TINY.replace("epochs = 3", "epochs = 1")))
    run_sweep(sweep, client=client, log=None)
    before = (sweep.out / "rnn-seed0" / "last.npz").read_bytes()
    changed = load_spec(_spec(tmp_path, TINY.replace("epochs = 3", "epochs = 1").replace("lr = 1e-2", "lr = 2e-2")))
    assert [state for _, state, _, _ in plan(changed)] == ["refused"] * 4
    with pytest.raises(RunFolderError, match=r"another config \(lr 0.01 there, 0.02 in the spec"):
        run_sweep(changed, client=client, log=None)
    assert (sweep.out / "rnn-seed0" / "last.npz").read_bytes() == before


LONG = """\
task = "binary-add"
task_args = {n_bits = 8, n_train = 512, n_valid = 32, n_test = 32}
model = "rnn"
hidden = 8
epochs = 30
lr = 1e-2
batch_size = 32
seed = [0, 1]
"""


@needs_dask
def test_a_killed_worker_costs_nothing(client, tmp_path):
    """SIGKILL the worker process of a run in the middle of its epochs: the run resumes
    from its last checkpoint elsewhere and ends exactly as a serial run."""
    sweep = load_spec(_spec(tmp_path, LONG))
    lines, box = [], {}
    thread = threading.Thread(target=lambda: box.update(rows=run_sweep(sweep, client=client, log=lines.append)))
    thread.start()
    victim, deadline = None, time.monotonic() + 120
    while victim is None and time.monotonic() < deadline and thread.is_alive():
        for run in sweep.runs:
            try:
                epoch = json.loads((sweep.folder(run) / "last.json").read_text())["epoch"]
            except (OSError, ValueError, KeyError):
                continue
            worker = next((line.split("on worker ")[1] for line in list(lines)
                           if line.strip().startswith(f"{run.name}: started on worker")), None)
            if 2 <= epoch <= 15 and worker is not None:
                victim = (run, epoch, worker)
                break
        time.sleep(0.02)
    assert victim is not None, f"no run was caught in the middle of its epochs: {lines}"
    run, epoch, worker = victim
    names = {info["name"]: address for address, info in client.scheduler_info()["workers"].items()}
    pid = client.run(os.getpid, workers=[names[int(worker) if worker.isdigit() else worker]])
    os.kill(next(iter(pid.values())), signal.SIGKILL)
    thread.join(timeout=180)
    assert not thread.is_alive() and "rows" in box, lines
    status = {r["run"]: r["status"] for r in box["rows"]}
    assert status[run.name] == "resumed", (victim, status, lines)
    assert any(line.strip().startswith(f"{run.name}: resumed after epoch") for line in lines)
    for r in sweep.runs:
        _same_run(sweep.folder(r), _serial(r.config, tmp_path / "serial" / r.name))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@needs_dask
def test_a_sweep_on_a_scheduler_address(tmp_path):
    """`dask scheduler` and `dask worker` as separate processes, `carrylab sweep --scheduler`."""
    import distributed
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, **WORKER_ENV}
    dask_cli = [sys.executable, "-m", "dask"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT, "env": env}
    scheduler = subprocess.Popen(dask_cli + ["scheduler", "--host", "127.0.0.1", "--port", str(port),
                                             "--no-dashboard"], **quiet)
    worker = subprocess.Popen(dask_cli + ["worker", address, "--nworkers", "1", "--nthreads", "1",
                                          "--no-dashboard"], **quiet)
    try:
        with distributed.Client(address, timeout="60s") as c:
            c.wait_for_workers(1, timeout=60)
        spec = _spec(tmp_path, TINY.replace("epochs = 3", "epochs = 2").replace('["clrnn", "rnn"]', '"rnn"')
                     .replace("[models.clrnn]\nlevels = 2\nkernel_size = 2\n", ""))
        res = subprocess.run([sys.executable, "-m", "carrylab", "sweep", str(spec), "--scheduler", address,
                              "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT,
                             timeout=300)
        assert res.returncode == 0, res.stderr
        assert "on the scheduler at " + address in res.stdout and "[2/2]" in res.stdout
        results = (tmp_path / "out" / "results.csv").read_text().splitlines()
        assert len(results) == 3 and all(",trained," in line for line in results[1:])
        sweep = load_spec(spec, out=tmp_path / "out")
        _same_run(sweep.folder(sweep.runs[1]), _serial(sweep.runs[1].config, tmp_path / "serial"))
        with distributed.Client(address, timeout="30s") as c:
            c.shutdown()                            # the scheduler and its worker stop
        assert scheduler.wait(timeout=60) is not None and worker.wait(timeout=60) is not None
    finally:
        for proc in (worker, scheduler):
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
