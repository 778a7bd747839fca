"""From the course sources to notebook files: list, build, and find stale notebooks.

The sources ship inside the package (``carrylab/course/src/NN_name.py``). Building a
folder writes, for every source, ``NN_name.ipynb`` of one version (``"exercises"`` or
``"solutions"``), without outputs; :func:`stale` names the notebooks of a folder that
differ from what the sources give now. The repository keeps the exercise notebooks in
``notebooks/`` and the solutions apart, in ``docs/teaching/solutions/``. Cost: linear in
the size of the sources; the whole course builds in well under a second.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from adders.errors import CarrylabValueError

from .cells import Cell, parse
from .ipynb import notebook, render

__all__ = ["SOURCE_DIR", "sources", "cells_of", "notebook_of", "build", "stale"]

SOURCE_DIR = Path(__file__).resolve().parent / "src"
_PATTERN = "[0-9][0-9]_*.py"


def sources(src_dir: Path | str = SOURCE_DIR) -> list[Path]:
    """The course sources ``NN_name.py`` in ``src_dir``, in course order."""
    return sorted(Path(src_dir).glob(_PATTERN))


def cells_of(name: str, src_dir: Path | str = SOURCE_DIR) -> list[Cell]:
    """The parsed cells of the source named ``name`` (its stem, e.g. ``"01_gates_ripple"``)."""
    path = Path(src_dir) / f"{name}.py"
    if not path.is_file():
        known = ", ".join(p.stem for p in sources(src_dir))
        raise CarrylabValueError(f"no course source named {name!r}; known: {known}")
    return parse(path.read_text(encoding="utf-8"), path.name)


def notebook_of(name: str, version: str, src_dir: Path | str = SOURCE_DIR) -> dict:
    """The ``"exercises"`` or ``"solutions"`` notebook of the source named ``name``."""
    return notebook(cells_of(name, src_dir), version, name)


def build(out_dir: Path | str, version: str = "exercises",
          src_dir: Path | str = SOURCE_DIR) -> list[Path]:
    """Write the ``version`` notebook of every source into ``out_dir`` (created if needed)
    as ``NN_name.ipynb``, replacing what is there; return the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sources(src_dir):
        target = out_dir / f"{src.stem}.ipynb"
        target.write_text(render(notebook_of(src.stem, version, src_dir)), encoding="utf-8")
        written.append(target)
    return written


def stale(out_dir: Path | str, version: str = "exercises",
          src_dir: Path | str = SOURCE_DIR) -> list[str]:
    """Names of the ``version`` notebooks that are missing from ``out_dir`` or differ from
    what the sources give."""
    out_dir = Path(out_dir)
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        for fresh in build(tmp, version, src_dir):
            old = out_dir / fresh.name
            if not old.is_file() or old.read_bytes() != fresh.read_bytes():
                bad.append(fresh.name)
    return bad
