"""Build the course notebooks from their single source, ``notebooks/src/NN_name.py``.

Each source is a Python script cut into cells by ``# %%`` lines:

* ``# %% [markdown]`` starts a Markdown cell; its lines are comments (``# text``).
* ``# %%`` starts a code cell, present in both versions.
* ``# %% tags=["solution"]`` starts a solution: it goes into the solutions notebook only.
* ``# %% tags=["stub"]`` starts the stub that replaces the solution just before it in the
  exercise notebook. It must contain ``# YOUR CODE HERE`` and leave a placeholder
  (``...``) that the checker reports as "not attempted yet".

Two notebooks come out of each source, both without outputs:
``notebooks/NN_name.ipynb`` (exercises) and ``notebooks/solutions/NN_name.ipynb``.

Usage::

    python notebooks/build.py            # write the notebooks
    python notebooks/build.py --check    # exit 1 if a committed notebook is stale
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
STUB_MARK = "# YOUR CODE HERE"
_HEADER = re.compile(r"^# %%(?P<md> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")


class SourceError(ValueError):
    """A notebook source that does not follow the cell conventions."""


def parse(text: str, name: str = "<source>") -> list[dict]:
    """Cut a source into cells: ``[{"kind": "markdown"|"code", "tags": [...], "source": str}]``."""
    cells: list[dict] = []
    current = None
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.startswith("# %%"):
            m = _HEADER.match(line)
            if not m:
                raise SourceError(f"{name}:{lineno}: bad cell header {line!r}; use '# %%', "
                                  f"'# %% [markdown]' or '# %% tags=[\"solution\"]'")
            tags = json.loads(m["tags"]) if m["tags"] else []
            current = {"kind": "markdown" if m["md"] else "code", "tags": tags, "lines": [],
                       "line": lineno}
            cells.append(current)
            continue
        if current is None:
            if line.strip():
                raise SourceError(f"{name}:{lineno}: text before the first '# %%' cell header")
            continue
        if current["kind"] == "markdown":
            if line.strip() and not line.startswith("#"):
                raise SourceError(f"{name}:{lineno}: Markdown lines must start with '#'")
            line = line[2:] if line.startswith("# ") else line[1:]
        current["lines"].append(line)
    out = []
    for cell in cells:
        lines = cell.pop("lines")
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        cell["source"] = "\n".join(lines)
        out.append(cell)
    _validate(out, name)
    return out


def _validate(cells: list[dict], name: str) -> None:
    for i, cell in enumerate(cells):
        where = f"{name}: cell at line {cell['line']}"
        unknown = set(cell["tags"]) - {"solution", "stub"}
        if unknown:
            raise SourceError(f"{where}: unknown tags {sorted(unknown)}")
        if "stub" in cell["tags"]:
            if i == 0 or "solution" not in cells[i - 1]["tags"]:
                raise SourceError(f"{where}: a stub must follow its solution cell")
            if STUB_MARK not in cell["source"] or "..." not in cell["source"]:
                raise SourceError(f"{where}: a stub must contain {STUB_MARK!r} and a '...'")
        if "solution" in cell["tags"]:
            if i + 1 >= len(cells) or "stub" not in cells[i + 1]["tags"]:
                raise SourceError(f"{where}: a solution must be followed by its stub")


def notebook(cells: list[dict], version: str, stem: str) -> nbformat.NotebookNode:
    """The ``"exercises"`` or ``"solutions"`` notebook of parsed ``cells``, no outputs."""
    if version not in ("exercises", "solutions"):
        raise ValueError(f"version must be 'exercises' or 'solutions', got {version!r}")
    drop = "solution" if version == "exercises" else "stub"
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"},
    }
    k = 0
    for cell in cells:
        if drop in cell["tags"]:
            continue
        tags = ["exercise"] if "stub" in cell["tags"] else list(cell["tags"])
        k += 1
        cid = f"{stem[:2]}-{k:03d}"
        if cell["kind"] == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(cell["source"], id=cid))
        else:
            new = nbformat.v4.new_code_cell(cell["source"], id=cid)
            if tags:
                new.metadata["tags"] = tags
            nb.cells.append(new)
    nbformat.validate(nb)
    return nb


def render(nb) -> str:
    return nbformat.writes(nb) + "\n"


def build(out_dir: Path = HERE, src_dir: Path = SRC) -> list[Path]:
    """Write every notebook under ``out_dir``; return the paths written."""
    written = []
    (out_dir / "solutions").mkdir(parents=True, exist_ok=True)
    for src in sorted(src_dir.glob("[0-9][0-9]_*.py")):
        cells = parse(src.read_text(encoding="utf-8"), src.name)
        for version, target in (("exercises", out_dir / f"{src.stem}.ipynb"),
                                ("solutions", out_dir / "solutions" / f"{src.stem}.ipynb")):
            target.write_text(render(notebook(cells, version, src.stem)), encoding="utf-8")
            written.append(target)
    return written


def stale(out_dir: Path = HERE, src_dir: Path = SRC) -> list[str]:
    """Notebooks under ``out_dir`` that differ from what their sources give."""
    import tempfile
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        for fresh in build(Path(tmp), src_dir):
            rel = fresh.relative_to(tmp)
            old = out_dir / rel
            if not old.exists() or old.read_text(encoding="utf-8") != fresh.read_text(encoding="utf-8"):
                bad.append(str(rel))
    return bad


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="report stale notebooks instead of writing them")
    args = parser.parse_args(argv)
    if args.check:
        bad = stale()
        for rel in bad:
            print(f"stale: notebooks/{rel} (run python notebooks/build.py)")
        return 1 if bad else 0
    for path in build():
        print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
