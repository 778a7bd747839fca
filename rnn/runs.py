"""Run folders: one training at a time per folder, and no run ever lost.

A run folder holds what :func:`rnn.train.fit` writes (``last.npz``, ``best.npz``,
their ``.json`` twins, ``metrics.csv``, ``metrics.json``) and a lock file ``.lock``.
:func:`open_run` is how a training enters its folder:

* the folder is locked for the whole run (an OS file lock through the ``filelock``
  package: the kernel drops it when the process dies, even by ``kill -9``, so a stale
  lock never blocks ``resume``); a second process is refused at once;
* a fresh run starts only in a missing or empty folder; a folder that holds anything
  is refused unless ``overwrite``, and then it is first renamed aside
  (``<folder>.replaced-<YYYYmmdd-HHMMSS>``), never deleted;
* ``resume`` needs a folder with ``last.npz``;
* temporaries a killed writer left behind (``.<name>.<random>.tmp``) are removed;
* if the run fails before it has written its first checkpoint, a folder it created is
  removed again, so a failed start leaves nothing behind.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> with open_run(root / "run") as run:
...     _ = (run.path / "last.npz").write_bytes(b"...")
...     run.started()
>>> with open_run(root / "run") as run:  # doctest: +ELLIPSIS
...     pass
Traceback (most recent call last):
...
rnn.runs.RunFolderError: the folder .../run already holds a run (last.npz); continue it ...
>>> with open_run(root / "run", overwrite=True) as run:
...     print(sorted(p.name for p in run.path.iterdir()), run.moved_aside.name[:13])
['.lock'] run.replaced-
"""
from __future__ import annotations

import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from adders.errors import CarrylabError

__all__ = ["RunFolderError", "Run", "open_run", "RUN_FILES", "LOCK_NAME"]

#: What a training writes into its folder.
RUN_FILES = ("last.npz", "last.json", "best.npz", "best.json", "metrics.csv", "metrics.json")
#: The lock file inside a run folder.
LOCK_NAME = ".lock"
# A temporary written by rnn.checkpoint.atomic_write_bytes: ".<name>.<hex>.tmp".
_TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{8,}\.tmp$")


class RunFolderError(CarrylabError, OSError):
    """A run folder that cannot be used: busy, already holding a run, not a folder,
    or without the run to resume."""


@dataclass
class Run:
    """A locked run folder; call :meth:`started` once the first checkpoint is written."""

    path: Path
    created: bool
    moved_aside: Path | None = None
    _started: bool = False

    def started(self) -> None:
        """Mark the run as begun: from now on a failure keeps the folder."""
        self._started = True


def _contents(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != LOCK_NAME)


def _aside_name(folder: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = folder.with_name(f"{folder.name}.replaced-{stamp}")
    k = 2
    while candidate.exists():
        candidate = folder.with_name(f"{folder.name}.replaced-{stamp}-{k}")
        k += 1
    return candidate


def _lock(folder: Path):
    from filelock import FileLock, Timeout  # only when a run folder is opened
    lock = FileLock(str(folder / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise RunFolderError(f"another process is training in {folder} (it holds "
                             f"{folder / LOCK_NAME}); wait for it to finish or choose "
                             f"another folder") from None
    return lock


def _remove_temporaries(folder: Path) -> None:
    for p in folder.iterdir():
        if _TEMPORARY.match(p.name) and p.is_file():
            p.unlink()


@contextmanager
def open_run(folder, resume: bool = False, overwrite: bool = False):
    """Lock ``folder`` for one training and check it suits the start asked for.

    Parameters
    ----------
    folder : path of the run folder (created, with its parents, if missing)
    resume : continue the run the folder holds (``last.npz`` must be there)
    overwrite : start afresh even if the folder holds something; its old contents are
        moved aside first (the folder is renamed), never deleted

    Yields
    ------
    Run, with the folder locked until the ``with`` block ends.

    Raises
    ------
    RunFolderError
        The path is a file, another process holds the lock, a fresh start meets a
        non-empty folder without ``overwrite``, or ``resume`` finds no ``last.npz``.
    """
    folder = Path(folder)
    if resume and overwrite:
        raise RunFolderError("resume and overwrite exclude each other: continue the run in "
                             f"{folder}, or replace it, not both")
    if folder.exists() and not folder.is_dir():
        raise RunFolderError(f"{folder} is a file, not a folder: choose a folder for the run")
    if resume and not (folder / "last.npz").is_file():
        raise RunFolderError(f"there is no run to resume in {folder} (no last.npz there)")
    moved = None
    if not resume and overwrite and folder.is_dir() and _contents(folder):
        lock = _lock(folder)               # nobody may be training in what we move
        try:
            moved = _aside_name(folder)
            folder.rename(moved)
        finally:
            lock.release()
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RunFolderError(f"cannot create the run folder {folder}: {err.strerror or err}") from None
    lock = _lock(folder)
    run = Run(folder, created, moved)
    try:
        _remove_temporaries(folder)
        if not resume:
            held = _contents(folder)
            if held:
                shown = ", ".join(held[:4]) + (", ..." if len(held) > 4 else "")
                if set(held) & set(RUN_FILES):
                    raise RunFolderError(
                        f"the folder {folder} already holds a run ({shown}); continue it with "
                        f"resume (--resume) or replace it with overwrite (--overwrite: the old "
                        f"run is kept, renamed aside)")
                raise RunFolderError(
                    f"the folder {folder} is not empty ({shown}); choose a new or empty folder, "
                    f"or overwrite (--overwrite: its contents are kept, renamed aside)")
        yield run
    except BaseException:
        if created and not run._started:
            lock.release()
            shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        if lock.is_locked:
            lock.release()
