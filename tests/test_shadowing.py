"""Another module named ``rnn``, ``viz`` or ``adders`` earlier on the path fails clearly.

``rnn`` and ``viz`` are also the names of unrelated distributions; a file of that name in
the current folder or on PYTHONPATH does the same. carrylab must say so in one line,
without running the other module, instead of failing somewhere deep inside.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from adders._shadowing import require_own

ROOT = Path(__file__).resolve().parents[1]
# The other module leaves a mark if it is ever run.
FOREIGN = "import pathlib; pathlib.Path(__file__).with_name('RAN').touch()\n"


def _foreign(tmp_path, name: str, as_package: bool) -> Path:
    folder = tmp_path / "elsewhere"
    path = folder / name / "__init__.py" if as_package else folder / f"{name}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FOREIGN, encoding="utf-8")
    return path


def _run(tmp_path, *args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / "elsewhere"), str(ROOT)]))
    cwd = tmp_path / "cwd"
    cwd.mkdir(exist_ok=True)
    return subprocess.run(list(args), capture_output=True, text=True, env=env, cwd=cwd)


def _carrylab() -> list[str]:
    script = Path(sys.executable).parent / "carrylab"
    return [str(script)] if script.exists() else [sys.executable, "-m", "carrylab"]


def _assert_named(out, name: str, path: Path):
    assert out.returncode != 0
    assert (f"the module {name!r} found at {path.resolve()} is not carrylab's"
            in out.stderr), out.stderr
    assert f"named {name!r} shadows it: remove it or uninstall it" in out.stderr
    assert not (path.parent / "RAN").exists(), "the other module was run"


def test_import_names_the_module_that_shadows_ours(tmp_path):
    path = _foreign(tmp_path, "rnn", as_package=False)
    out = _run(tmp_path, sys.executable, "-c", "import viz")
    _assert_named(out, "rnn", path)
    assert "ShadowedPackageError" in out.stderr


@pytest.mark.parametrize("importing", ["viz", "rnn"])
def test_a_foreign_adders_fails_an_import_naming_it(tmp_path, importing):
    """The libraries import the checker from adders itself, so a foreign ``adders`` is
    caught by Python's own error, which names the module and its file."""
    path = _foreign(tmp_path, "adders", as_package=False)
    out = _run(tmp_path, sys.executable, "-c", f"import {importing}")
    assert out.returncode != 0
    assert "'adders'" in out.stderr and ("is not a package" in out.stderr or str(path) in out.stderr)


@pytest.mark.parametrize("name, as_package", [("rnn", False), ("viz", True), ("adders", True)])
def test_cli_help_reports_the_clash_in_one_line(tmp_path, name, as_package):
    path = _foreign(tmp_path, name, as_package)
    out = _run(tmp_path, *_carrylab(), "--help")
    _assert_named(out, name, path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert out.stderr.startswith("carrylab: ") and out.stderr.count("\n") == 1


def test_our_own_packages_pass(tmp_path):
    require_own(["adders", "rnn", "viz"], str(ROOT / "carrylab" / "__init__.py"))
    require_own(["rnn", "viz"], str(ROOT / "adders" / "_shadowing.py"))
    shutil.copytree(ROOT / "viz", tmp_path / "viz", ignore=shutil.ignore_patterns("__pycache__"))
    with pytest.raises(ImportError, match="the module 'viz' found at .* is not carrylab's"):
        require_own(["viz"], str(tmp_path / "carrylab" / "__init__.py"))   # a different home
