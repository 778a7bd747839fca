"""The student release: the exercise notebooks, copied into a folder of the student's.

A student works *in* these files, so writing the release never loses a notebook that is
already there: by default it refuses before writing anything; with ``overwrite=True``
it first moves each existing notebook aside to ``NAME.ipynb.bak-<YYYYmmdd-HHMMSS>``
(a further ``-1``, ``-2``, ... if that name is taken), then writes the fresh copy.
The release holds exercise notebooks only: solution cells are dropped when a
notebook is built (:func:`carrylab.course.ipynb.notebook`), and the solutions
notebooks are not part of it.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import NamedTuple

from adders.errors import CarrylabError

from .catalog import notebook_of, sources
from .ipynb import render

__all__ = ["NotebookExistsError", "Written", "write_student_release"]


class NotebookExistsError(CarrylabError, FileExistsError):
    """A notebook the release would write is already there (a student's work, perhaps)."""


class Written(NamedTuple):
    """One notebook of the release: where it went, and where the file it replaced went
    (None when there was none)."""

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
    out_dir = Path(out_dir)
    texts = {out_dir / f"{src.stem}.ipynb": render(notebook_of(src.stem, "exercises"))
             for src in sources()}
    existing = [path for path in texts if path.exists()]
    if existing and not overwrite:
        names = ", ".join(path.name for path in existing)
        raise NotebookExistsError(
            f"{out_dir} already holds {names}; refusing to overwrite a student's work "
            f"(--overwrite / overwrite=True moves each aside to NAME.ipynb.bak-<date-time> first)")
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    written = []
    for path, text in texts.items():
        backup = _move_aside(path, stamp) if path in existing else None
        _write_new(path, text)
        written.append(Written(path, backup))
    return written


def _move_aside(path: Path, stamp: str) -> Path:
    """Rename ``path`` to a backup name that is not taken yet; return the new name."""
    backup = path.with_name(f"{path.name}.bak-{stamp}")
    k = 0
    while backup.exists():
        k += 1
        backup = path.with_name(f"{path.name}.bak-{stamp}-{k}")
    os.rename(path, backup)
    return backup


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` holding ``text``; never replace a file that appeared meanwhile."""
    with open(path, "x", encoding="utf-8") as f:
        f.write(text)
