"""Writing the course into someone's folder, never losing a file that is already there.

Three releases come from the one source of each notebook: the student release (the
exercise notebooks, :func:`write_student_release`), the teacher's solutions
(:func:`write_solutions`) and the nbgrader course folder
(:func:`carrylab.course.nbgrader.write_nbgrader_course`). All three write through
:func:`write_files`: by default it refuses before writing anything if one of the files
exists (a student's work, a teacher's edits); with ``overwrite=True`` it first moves each
existing file aside, to ``NAME.bak-<YYYYmmdd-HHMMSS>`` beside it (a further ``-1``,
``-2``, ... if that name is taken) or into a backup folder, then writes the fresh copy.
The student release holds exercise notebooks only: solution cells are dropped when a
notebook is built (:func:`carrylab.course.ipynb.notebook`).
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import NamedTuple

from adders.errors import CarrylabError

from .catalog import notebook_of, sources
from .ipynb import render

__all__ = ["NotebookExistsError", "Written", "write_student_release", "write_solutions",
           "write_files"]


class NotebookExistsError(CarrylabError, FileExistsError):
    """A file the release would write is already there (a student's work, perhaps)."""


class Written(NamedTuple):
    """One file of a release: where it went, and where the file it replaced went (None
    when there was none)."""

    path: Path
    backup: Path | None


def write_student_release(out_dir: Path | str, overwrite: bool = False) -> list[Written]:
    """Write every exercise notebook of the course into ``out_dir`` (created if needed).

    Parameters
    ----------
    out_dir
        The folder to write ``NN_name.ipynb`` into.
    overwrite
        False (default): refuse if any of those notebooks exists. True: move each existing
        one aside to ``NAME.ipynb.bak-<YYYYmmdd-HHMMSS>`` first.

    Returns
    -------
    list of Written
        One entry per notebook, in course order.

    Raises
    ------
    NotebookExistsError
        ``overwrite`` is False and ``out_dir`` already holds one of the notebooks; nothing
        was written.
    """
    return _write_version(out_dir, "exercises", overwrite)


def write_solutions(out_dir: Path | str, overwrite: bool = False) -> list[Written]:
    """Write every solutions notebook of the course into ``out_dir``, for the teacher;
    ``overwrite`` and the errors as in :func:`write_student_release`."""
    return _write_version(out_dir, "solutions", overwrite)


def _write_version(out_dir: Path | str, version: str, overwrite: bool) -> list[Written]:
    texts = {f"{src.stem}.ipynb": render(notebook_of(src.stem, version)) for src in sources()}
    return write_files(out_dir, texts, overwrite)


def write_files(out_dir: Path | str, texts: dict[str, str], overwrite: bool = False,
                backup_folder: bool = False) -> list[Written]:
    """Write ``texts`` (path relative to ``out_dir``: file text) under ``out_dir``.

    Existing files are refused (``overwrite`` False: nothing is written) or moved aside
    first: beside themselves as ``NAME.bak-<YYYYmmdd-HHMMSS>``, or, with
    ``backup_folder``, into ``out_dir/replaced-<YYYYmmdd-HHMMSS>/`` under the same
    relative path (for folders whose every file a tool picks up, such as nbgrader's
    ``source/``). Returns one :class:`Written` per file, in the order of ``texts``.
    """
    out_dir = Path(out_dir)
    paths = {out_dir / rel: text for rel, text in texts.items()}
    existing = [path for path in paths if path.exists()]
    if existing and not overwrite:
        names = ", ".join(path.relative_to(out_dir).as_posix() for path in existing)
        raise NotebookExistsError(
            f"{out_dir} already holds {names}; refusing to overwrite (--overwrite / "
            f"overwrite=True first moves each aside to "
            f"{'replaced-<date-time>/' if backup_folder else 'NAME.bak-<date-time>'})")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backups = _unused(out_dir / f"replaced-{stamp}") if backup_folder and existing else None
    written = []
    for path, text in paths.items():
        backup = None
        if path in existing:
            backup = (_move_aside(path, stamp) if backups is None
                      else _move_into(path, backups / path.relative_to(out_dir)))
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_new(path, text)
        written.append(Written(path, backup))
    return written


def _unused(path: Path) -> Path:
    """``path``, or ``path-1``, ``path-2``, ... : the first name not taken yet."""
    candidate, k = path, 0
    while candidate.exists():
        k += 1
        candidate = path.with_name(f"{path.name}-{k}")
    return candidate


def _move_aside(path: Path, stamp: str) -> Path:
    """Rename ``path`` to a backup name beside it that is not taken yet; return it."""
    backup = _unused(path.with_name(f"{path.name}.bak-{stamp}"))
    os.rename(path, backup)
    return backup


def _move_into(path: Path, backup: Path) -> Path:
    backup.parent.mkdir(parents=True, exist_ok=True)
    os.rename(path, backup)
    return backup


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` holding ``text``; never replace a file that appeared meanwhile."""
    with open(path, "x", encoding="utf-8") as f:
        f.write(text)
