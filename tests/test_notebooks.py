"""The course notebooks: up to date with their sources, and they run.

Every solutions notebook runs headless from top to bottom (nbclient, a python3 kernel
from the running interpreter) with ``CARRYLAB_FAST=1``, and no exercise check in it may
fail. Every exercise notebook runs up to its first exercise cell.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

import pytest

from carrylab import course
from carrylab.course.ipynb import outputs_text

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"                        # what students open: exercises only
SOLUTIONS = ROOT / "docs" / "teaching" / "solutions"  # the worked solutions, for teachers
SOURCES = course.sources()                  # carrylab/course/src/NN_name.py

nbformat = pytest.importorskip("nbformat", reason="nbformat is in the test extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is in the test extra")
pytest.importorskip("ipykernel", reason="ipykernel is in the test extra")
pytest.importorskip("ipywidgets", reason="ipywidgets is in the test extra")

CELL_TIMEOUT = 300          # seconds per cell; the whole course runs in a few minutes


def _load_build():
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _kernel_env(monkeypatch, tmp_path):
    """Run the kernel on this interpreter, with the fast settings and the inline backend;
    its temporary files (training checkpoints) go to pytest's tmp_path."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("CARRYLAB_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))


def _client(nb, cwd):
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class _Here(KernelSpecManager):
        """The python3 kernel of the interpreter running the tests, registered nowhere."""

        def get_kernel_spec(self, name):
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f",
                                    "{connection_file}"],
                              display_name="Python 3", language="python", name="python3")

    km = nbclient.NotebookClient(nb).kernel_manager_class(
        kernel_name="python3", kernel_spec_manager=_Here())
    return nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", km=km,
                                   resources={"metadata": {"path": str(cwd)}})



def test_sources_exist():
    assert len(SOURCES) >= 4, f"expected the course sources in {course.SOURCE_DIR}"


def test_generated_notebooks_are_up_to_date():
    for folder, version in ((NOTEBOOKS, "exercises"), (SOLUTIONS, "solutions")):
        stale = course.stale(folder, version)
        assert not stale, f"stale notebooks {stale} in {folder}: run `python notebooks/build.py`"


def test_the_students_folder_holds_no_solutions():
    """A student browsing notebooks/ finds the exercises, never the worked solutions."""
    found = sorted(p.relative_to(NOTEBOOKS).as_posix() for p in NOTEBOOKS.rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
    assert found == [f"{src.stem}.ipynb" for src in SOURCES]
    assert sorted(p.name for p in SOLUTIONS.glob("*.ipynb")) == found


def test_build_script_check_agrees(capsys):
    assert _load_build().main(["--check"]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_committed_notebooks_have_no_outputs(src):
    for path in (NOTEBOOKS / f"{src.stem}.ipynb", SOLUTIONS / f"{src.stem}.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, \
                    f"{path.name}: commit notebooks without outputs"


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_exercise_notebook_has_stubs_and_checks(src):
    nb = nbformat.read(NOTEBOOKS / f"{src.stem}.ipynb", as_version=4)
    stubs = [c for c in nb.cells if "exercise" in c.metadata.get("tags", [])]
    # a notebook of 20-40 minutes: enough practice, not a problem sheet
    assert 2 <= len(stubs) <= 6, f"{src.stem}: {len(stubs)} exercises, want 2-6"
    for c in stubs:
        assert "# YOUR CODE HERE" in c.source
    checks = sum("check(" in c.source for c in nb.cells if c.cell_type == "code")
    assert checks >= len(stubs)


@pytest.mark.slow
@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_solutions_notebook_runs(src, monkeypatch, tmp_path):
    _kernel_env(monkeypatch, tmp_path)
    path = SOLUTIONS / f"{src.stem}.ipynb"
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    _client(nb, path.parent).execute()
    seconds = time.perf_counter() - start
    text = outputs_text(nb)
    assert "✗" not in text and "not attempted" not in text, \
        f"{path.name}: an exercise check failed in the solutions:\n{text[-2000:]}"
    assert text.count("✓") >= 2, f"{path.name}: expected the exercise checks to pass"
    print(f"{path.name}: {seconds:.1f} s")


@pytest.mark.slow
@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_exercise_notebook_runs_to_first_exercise(src, monkeypatch, tmp_path):
    _kernel_env(monkeypatch, tmp_path)
    path = NOTEBOOKS / f"{src.stem}.ipynb"
    nb = nbformat.read(path, as_version=4)
    first = next(i for i, c in enumerate(nb.cells) if "exercise" in c.metadata.get("tags", []))
    nb.cells = nb.cells[:first]
    _client(nb, path.parent).execute()
