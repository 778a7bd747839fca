"""Parsed cells to a Jupyter notebook (nbformat 4.5) and its file text, without nbformat.

A notebook is a plain dict in the nbformat 4.5 layout: ``cells``, ``metadata``,
``nbformat`` 4, ``nbformat_minor`` 5; every cell has an ``id``, code cells have no
outputs and no execution count. :func:`render` writes it the way ``nbformat.writes``
does (JSON, one-space indent, sorted keys, non-ASCII kept, every ``source`` split into a
list of lines) plus the final newline Jupyter itself adds, so a notebook written here
and one written by Jupyter compare equal byte for byte. nbformat is needed only to
*check* that claim (the tests do), not to write.

>>> from carrylab.course.cells import parse
>>> nb = notebook(parse('# %%\\nx = 1\\ny = 2\\n'), "exercises", "07_demo")
>>> nb["cells"][0]["id"], nb["cells"][0]["source"]
('07-001', 'x = 1\\ny = 2')
>>> print(render(nb).splitlines()[9])
    "x = 1\\n",
"""
from __future__ import annotations

import json

from adders.errors import CarrylabValueError

from .cells import Cell

__all__ = ["VERSIONS", "notebook", "render", "cell_id", "new_cell", "document", "outputs_text"]

VERSIONS = ("exercises", "solutions")
_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                   "name": "python3"},
    "language_info": {"name": "python"},
}


def notebook(cells: list[Cell], version: str, stem: str) -> dict:
    """The ``"exercises"`` or ``"solutions"`` notebook of parsed ``cells``, no outputs.

    The exercise version drops every solution cell and keeps its stub, tagged
    ``exercise``; the solutions version drops the stubs. Cell ids are
    ``<NN>-<k:03d>`` with NN the first two characters of ``stem``, stable from build to
    build so that regenerated notebooks give small diffs.
    """
    if version not in VERSIONS:
        raise CarrylabValueError(f"version must be one of {VERSIONS}, got {version!r}")
    drop = "solution" if version == "exercises" else "stub"
    out = []
    for cell in cells:
        if drop in cell.tags:
            continue
        tags = ["exercise"] if "stub" in cell.tags else list(cell.tags)
        out.append(new_cell(cell.kind, cell_id(stem, len(out)), cell.source,
                            {"tags": tags} if tags else {}))
    return document(out)


def cell_id(stem: str, k: int) -> str:
    """The id of the k-th cell (from 0) of notebook ``stem``: ``<NN>-<k + 1:03d>``."""
    return f"{stem[:2]}-{k + 1:03d}"


def new_cell(kind: str, cell_id: str, source: str, metadata: dict) -> dict:
    """A ``"markdown"`` or ``"code"`` cell (a code cell without outputs)."""
    new = {"cell_type": kind, "id": cell_id, "metadata": metadata, "source": source}
    if kind == "code":
        new.update(execution_count=None, outputs=[])
    return new


def document(cells: list[dict]) -> dict:
    """A notebook of ``cells``, with the course's notebook metadata (a python3 kernel)."""
    return {"cells": cells, "metadata": json.loads(json.dumps(_METADATA)), "nbformat": 4,
            "nbformat_minor": 5}


def render(nb: dict) -> str:
    """The file text of notebook ``nb``: what ``nbformat.writes(nb) + "\\n"`` gives."""
    on_disk = dict(nb, cells=[dict(c, source=_lines(c["source"])) for c in nb["cells"]])
    return json.dumps(on_disk, indent=1, sort_keys=True, ensure_ascii=False,
                      separators=(",", ": ")) + "\n"


def _lines(source) -> list[str]:
    """A cell source as nbformat stores it: a list of lines, each keeping its newline."""
    return source.splitlines(True) if isinstance(source, str) else list(source)


def outputs_text(nb: dict) -> str:
    """Everything an executed notebook printed, in order: stream text and the plain-text
    form of displayed values (what the tests and the timing benchmark read sentences
    from)."""
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            elif "text/plain" in out.get("data", {}):
                parts.append(out["data"]["text/plain"])
    return "\n".join(parts)
