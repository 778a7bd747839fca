"""Running a sweep on dask.distributed: one task per run, each run in its own folder.

:func:`run_sweep` submits :func:`train_run` once per run of a :class:`~.spec.Sweep`, to an
embedded ``LocalCluster`` (worker processes of one thread each) or to the scheduler at a
given address, and gathers one result row per run. What a task does depends on what
the run's folder holds (:func:`plan`):

* nothing: train from the start (:func:`rnn.train.fit`);
* a checkpoint short of the run's epochs (an interrupted run, or a worker that died):
  resume from it, which gives bit-identical parameters to an uninterrupted run;
* a finished run: read its scores, do not train again;
* a run of another config, or files that are not a run: refused before anything starts.

Inside a task BLAS and Numba use one thread (threadpoolctl, ``numba.set_num_threads``),
and an embedded cluster also starts its workers with ``OMP_NUM_THREADS``,
``MKL_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and ``NUMBA_NUM_THREADS`` set to 1: the
parallelism is across runs, and two levels of it would fight for the cores. Workers of
a remote cluster must see the run folders at the same paths (a shared file system).
"""
from __future__ import annotations

import json
import logging
import os
import time
from contextlib import contextmanager
from pathlib import Path

from adders.errors import CarrylabError

from .spec import Run, Sweep

__all__ = ["SweepError", "TOPIC", "WORKER_ENV", "plan", "train_run", "single_threaded",
           "run_sweep", "check_distributed", "cluster_client"]

#: The event topic on which tasks report that a run started.
TOPIC = "carrylab-sweep"
#: Environment of the embedded cluster's worker processes.
WORKER_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1"}


class SweepError(CarrylabError, RuntimeError):
    """A sweep that cannot run: no dask.distributed, an unreachable scheduler, a run
    folder that holds another run, a run that kept killing its workers."""


def check_distributed():
    """Import dask.distributed, or explain how to install it."""
    try:
        import distributed
    except ImportError:
        raise SweepError('carrylab sweep runs on dask.distributed, which is not installed: '
                         'pip install -e ".[sweep]"') from None
    return distributed


@contextmanager
def single_threaded():
    """One BLAS thread (threadpoolctl) and one Numba thread inside the block."""
    import numba
    from threadpoolctl import threadpool_limits
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        numba.set_num_threads(before)


def _inspect(folder: Path, config) -> tuple[str, dict | None]:
    """``("new" | "resume" | "finished", last.npz metadata or None)``; raises
    RunFolderError for a folder that holds another run or files that are no run."""
    from rnn.checkpoint import load_checkpoint
    from rnn.runs import RunFolderError
    from rnn.train import TrainConfig
    last = folder / "last.npz"
    if not last.is_file():
        held = sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []
        if held:
            raise RunFolderError(f"the run folder {folder} holds files but no run ({', '.join(held[:3])}); "
                                 f"a sweep never overwrites them: move them away or choose another --out")
        return "new", None
    _, _, _, meta = load_checkpoint(last)
    # through JSON, as checkpoints store them: a tuple and a list of the same values agree
    saved = json.loads(json.dumps(TrainConfig.from_dict(meta.get("config"), last).to_dict()))
    wanted = json.loads(json.dumps(config.to_dict()))
    diff = [k for k in wanted if k != "epochs" and saved.get(k) != wanted[k]]
    if saved["epochs"] > wanted["epochs"]:
        diff.insert(0, "epochs")
    if diff:
        shown = ", ".join(f"{k} {saved.get(k)!r} there, {wanted[k]!r} in the spec" for k in diff[:3])
        raise RunFolderError(f"the run folder {folder} holds a run with another config ({shown}); a "
                             f"sweep never overwrites a run: move the folder away or choose another --out")
    return ("finished" if int(meta.get("epoch", 0)) >= config.epochs else "resume"), meta


def plan(sweep: Sweep) -> list[tuple[Run, str, int, str | None]]:
    """What each run's folder holds: ``(run, state, epochs done, refusal or None)``, with
    state ``new``, ``resume``, ``finished`` or ``refused``."""
    from rnn.checkpoint import CheckpointError
    from rnn.runs import RunFolderError
    rows = []
    for run in sweep.runs:
        try:
            state, meta = _inspect(sweep.folder(run), run.config)
            rows.append((run, state, int(meta["epoch"]) if meta else 0, None))
        except (RunFolderError, CheckpointError) as err:
            rows.append((run, "refused", 0, str(err)))
    return rows


def _emit(name: str, what: str) -> None:
    """Tell the client (through a worker event) what a task is doing."""
    try:
        from distributed import get_worker
        worker = get_worker()
    except (ImportError, ValueError):        # not on a worker: nobody listens
        return
    worker.log_event(TOPIC, {"run": name, "what": what.format(worker=worker.name)})


def _worker() -> str:
    try:
        from distributed import get_worker
        return str(get_worker().name)
    except (ImportError, ValueError):
        return "-"


def _stored(folder: Path, config, meta: dict) -> tuple[list, dict, dict | None] | None:
    """History, best and test scores of a finished run, read from its files; None when
    the test scores were never written (the run died while scoring)."""
    try:
        doc = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    history = meta["history"]
    if doc.get("test") is None or len(doc.get("epochs", [])) != len(history):
        return None
    return history, meta["best"], doc["test"]


def train_run(job: dict) -> dict:
    """Train, resume or score one run (the task each worker runs); ``job`` holds the run's
    ``name``, ``folder`` and flat ``config``. Returns its result row; a run that diverges
    or fails on purpose returns ``status`` ``diverged`` / ``failed`` and the ``error``."""
    from rnn.train import TrainConfig, TrainingDiverged, fit
    name, folder = job["name"], Path(job["folder"])
    start = time.perf_counter()
    row = {"run": name, "worker": _worker()}
    try:
        config = TrainConfig.from_dict(job["config"], f"run {name}")
        with single_threaded():
            state, meta = _inspect(folder, config)
            found = _stored(folder, config, meta) if state == "finished" else None
            if found is None:
                what = {"new": "started on worker {worker}",
                        "resume": f"resumed after epoch {meta and meta['epoch']} on worker {{worker}}",
                        "finished": "finished earlier, scoring its best checkpoint on worker {worker}"}[state]
                _emit(name, what)
                result = fit(config, folder, resume=state != "new", progress=False, log=None,
                             blas_threads=None)
                found = result["history"], result["best"], result["test"]
            else:
                _emit(name, "finished earlier: scores read on worker {worker}, not retrained")
    except TrainingDiverged as err:
        return {**row, "status": "diverged", "error": " ".join(str(err).split())}
    except CarrylabError as err:
        return {**row, "status": "failed", "error": " ".join(str(err).split())}
    history, best, test = found
    status = {"new": "trained", "resume": "resumed", "finished": "scored"}[state]
    at_best = history[best["epoch"] - 1] if best.get("epoch") else {}
    row.update({"status": status, "best_epoch": best.get("epoch", 0), "epochs": len(history),
                "seconds": sum(r.get("seconds", 0.0) for r in history),
                "wall_seconds": time.perf_counter() - start})
    row.update({k: v for k, v in at_best.items() if k.startswith("valid_") and _scalar(v)})
    row.update({f"test_{k}": v for k, v in (test or {}).items() if _scalar(v)})
    return {**row, "error": ""}


def _scalar(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@contextmanager
def cluster_client(scheduler: str | None = None, workers: int | None = None):
    """A dask client on the scheduler at ``scheduler``, or on a new LocalCluster of
    ``workers`` single-threaded worker processes (default: one per CPU) with
    :data:`WORKER_ENV`; closed (and the cluster shut down) when the block ends."""
    distributed = check_distributed()
    import dask
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as err:
            raise SweepError(f"--scheduler {scheduler}: cannot reach a dask scheduler there "
                             f"({' '.join(str(err).split()) or type(err).__name__})") from None
        try:
            yield client
        finally:
            client.close()
        return
    environ = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **WORKER_ENV}
    # dashboard on a free port: the scheduler serves HTTP anyway, and 8787 may be taken
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        cluster = distributed.LocalCluster(n_workers=workers or os.cpu_count() or 1,
                                           threads_per_worker=1, processes=True,
                                           dashboard_address=":0", silence_logs=logging.ERROR)
    try:
        with distributed.Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def run_sweep(sweep: Sweep, scheduler: str | None = None, workers: int | None = None,
              log=print, client=None) -> list[dict]:
    """Run every run of ``sweep`` as a dask task; return one result row per run, in the
    sweep's order (the run's name, model, crossed values and seed, then its status,
    best epoch, epochs, seconds, worker, ``valid_*`` and ``test_*`` scores).

    ``client``: an existing dask client to use (else ``scheduler`` or a LocalCluster of
    ``workers`` processes). ``log`` gets the progress lines (None: silent). Writes the
    expanded spec to ``sweep.out/sweep.json``; the tables are :func:`.table.write_tables`'.

    Raises
    ------
    SweepError, RunFolderError
        No dask.distributed, an unreachable scheduler, a run folder holding another run.
    """
    from rnn.checkpoint import atomic_write_bytes
    from rnn.runs import RunFolderError
    check_distributed()
    log = log or (lambda *a, **k: None)
    refused = [(run, err) for run, state, _, err in plan(sweep) if state == "refused"]
    if refused:
        more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        raise RunFolderError(f"run {refused[0][0].name}: {refused[0][1]}{more}")
    out = sweep.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / "sweep.json", (json.dumps(sweep.expanded(), indent=2) + "\n").encode())
    jobs = [{"name": r.name, "folder": str(out / r.name), "config": r.config.to_dict()} for r in sweep.runs]
    if client is not None:
        results = _gather(client, jobs, log)
    else:
        with cluster_client(scheduler, workers) as own:
            results = _gather(own, jobs, log)
    rows = []
    for run in sweep.runs:
        rows.append({"run": run.name, "model": run.config.model, **run.coords,
                     "seed": run.config.seed, **results[run.name]})
    return rows


def _gather(client, jobs: list[dict], log) -> dict[str, dict]:
    """Submit the jobs, print progress, and return each run's result row by name."""
    from distributed import KilledWorker, as_completed
    width = len(str(len(jobs)))
    pad = " " * (2 * width + 3)

    def started(event):
        _, msg = event
        log(f"{pad} {msg['run']}: {msg['what']}")

    client.subscribe_topic(TOPIC, started)
    token = os.urandom(4).hex()
    futures = {client.submit(train_run, job, key=f"{job['name']}-{token}", pure=False): job["name"]
               for job in jobs}
    results = {}
    try:
        for done, future in enumerate(as_completed(futures), 1):
            name = futures[future]
            try:
                row = future.result()
            except KilledWorker:
                raise SweepError(f"run {name} killed every worker that ran it (out of memory?); "
                                 f"its folder keeps the last epoch: run the sweep again to resume") from None
            results[name] = row
            log(f"[{done:>{width}}/{len(jobs)}] {_finished_line(row)}")
    except BaseException:
        client.cancel(list(futures))
        raise
    finally:
        client.unsubscribe_topic(TOPIC)
    return results


def _finished_line(row: dict) -> str:
    """One progress line about a run that came back."""
    if row["status"] in ("diverged", "failed"):
        return f"{row['run']}: {row['status']} on worker {row['worker']}: {row['error']}"
    scores = ", ".join(f"{k.replace('_', ' ')} {row[k]:.4f}" for k in row
                       if k in ("valid_loss", "test_loss") or (k.startswith("test_") and "accuracy" in k))
    return (f"{row['run']}: {row['status']} ({row['epochs']} epochs, {row['seconds']:.1f} s of "
            f"training) on worker {row['worker']}; best epoch {row['best_epoch']}, {scores}")
