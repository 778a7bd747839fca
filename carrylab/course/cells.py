"""The course's source format: one Python script per notebook, cut into cells.

A source ``NN_name.py`` is cut into cells by ``# %%`` lines:

* ``# %% [markdown]`` starts a Markdown cell; its lines are comments (``# text``).
* ``# %%`` starts a code cell, present in both versions of the notebook.
* ``# %% tags=["solution"]`` starts a solution: it goes into the solutions notebook only.
* ``# %% tags=["stub"]`` starts the stub that replaces the solution just before it in the
  exercise notebook. It must contain ``# YOUR CODE HERE`` and leave a placeholder
  (``...``) that the checker reports as "not attempted yet".

>>> cells = parse('# %% [markdown]\\n# # Title\\n\\n# %%\\nx = 1\\n')
>>> [(c.kind, c.source) for c in cells]
[('markdown', '# Title'), ('code', 'x = 1')]
>>> parse('x = 1\\n', "bad.py")
Traceback (most recent call last):
...
carrylab.course.cells.SourceError: bad.py:1: text before the first '# %%' cell header
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from adders.errors import CarrylabValueError

__all__ = ["Cell", "SourceError", "STUB_MARK", "TAGS", "parse"]

STUB_MARK = "# YOUR CODE HERE"
TAGS = ("solution", "stub")
_HEADER = re.compile(r"^# %%(?P<md> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")


class SourceError(CarrylabValueError):
    """A course source that does not follow the cell conventions; the message names the
    file and line."""


@dataclass(frozen=True)
class Cell:
    """One cell of a source: ``kind`` is "markdown" or "code", ``tags`` a subset of
    :data:`TAGS`, ``source`` the text without surrounding blank lines, ``line`` the line
    number of its header."""

    kind: str
    tags: tuple[str, ...]
    source: str
    line: int


def parse(text: str, name: str = "<source>") -> list[Cell]:
    """Cut the text of a source into its cells, checked against the conventions above.

    Raises
    ------
    SourceError
        A bad header, text before the first header, a Markdown line that is no comment,
        an unknown tag, or a solution without its stub (and the other way round).
    """
    headers: list[tuple[int, str, list[str]]] = []
    bodies: list[list[str]] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.startswith("# %%"):
            m = _HEADER.match(line)
            if not m:
                raise SourceError(f"{name}:{lineno}: bad cell header {line!r}; use '# %%', "
                                  f"'# %% [markdown]' or '# %% tags=[\"solution\"]'")
            tags = json.loads(m["tags"]) if m["tags"] else []
            headers.append((lineno, "markdown" if m["md"] else "code", tags))
            bodies.append([])
            continue
        if not headers:
            if line.strip():
                raise SourceError(f"{name}:{lineno}: text before the first '# %%' cell header")
            continue
        if headers[-1][1] == "markdown":
            if line.strip() and not line.startswith("#"):
                raise SourceError(f"{name}:{lineno}: Markdown lines must start with '#'")
            line = line[2:] if line.startswith("# ") else line[1:]
        bodies[-1].append(line)
    cells = [Cell(kind, tuple(tags), _strip_blank_ends(lines), lineno)
             for (lineno, kind, tags), lines in zip(headers, bodies)]
    _validate(cells, name)
    return cells


def _strip_blank_ends(lines: list[str]) -> str:
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


def _validate(cells: list[Cell], name: str) -> None:
    for i, cell in enumerate(cells):
        where = f"{name}: cell at line {cell.line}"
        unknown = set(cell.tags) - set(TAGS)
        if unknown:
            raise SourceError(f"{where}: unknown tags {sorted(unknown)}; allowed: {list(TAGS)}")
        if "stub" in cell.tags:
            if i == 0 or "solution" not in cells[i - 1].tags:
                raise SourceError(f"{where}: a stub must follow its solution cell")
            if STUB_MARK not in cell.source or "..." not in cell.source:
                raise SourceError(f"{where}: a stub must contain {STUB_MARK!r} and a '...'")
        if "solution" in cell.tags:
            if i + 1 >= len(cells) or "stub" not in cells[i + 1].tags:
                raise SourceError(f"{where}: a solution must be followed by its stub")
