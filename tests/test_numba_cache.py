"""Numba caches carrylab's kernels in a per-user folder, never beside their sources.

Each check compiles one small cached kernel of ``adders`` and one of ``rnn`` in a fresh
interpreter whose cache folders are temporary, then looks where the index files
(``*.nbi``) went.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numba.core.caching

import adders
import rnn
from adders import _numba_cache

PACKAGE_DIRS = [Path(adders.__file__).parent, Path(rnn.__file__).parent]
_COMPILE = """
import numpy as np
from adders.bitslice import _schedule
from rnn.kernels.elementwise import _mul
_schedule(10, 4, 2)
_mul(np.ones(3), np.ones(3), np.empty(3))
"""


def _beside_sources() -> dict[Path, int]:
    """Numba cache files under the package folders, with their modification times."""
    return {p: p.stat().st_mtime_ns for d in PACKAGE_DIRS for pattern in ("*.nbi", "*.nbc")
            for p in d.rglob(pattern)}


def _compile_in_fresh_interpreter(tmp_path, **env):
    before = _beside_sources()
    environ = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    environ.update(HOME=str(tmp_path / "home"), **env)
    out = subprocess.run([sys.executable, "-c", _COMPILE], capture_output=True, text=True,
                         env=environ, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert _beside_sources() == before, "Numba wrote cache files beside carrylab's sources"


def _index_files(folder: Path) -> set[str]:
    return {p.name.split("-")[0] for p in folder.rglob("*.nbi")}


def test_the_locator_is_installed_right_after_numbas_cache_dir_locator():
    impl = getattr(numba.core.caching, "CacheImpl", None) or numba.core.caching._CacheImpl
    names = [c.__name__ for c in impl._locator_classes]
    assert _numba_cache.installed(), f"carrylab's cache locator is not in Numba's list {names}"
    assert names.index("CarrylabCacheLocator") == names.index("UserProvidedCacheLocator") + 1
    assert names.count("CarrylabCacheLocator") == 1


def test_cache_goes_to_the_user_cache_folder(tmp_path):
    _compile_in_fresh_interpreter(tmp_path, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    root = tmp_path / "xdg" / "carrylab" / "numba"
    assert {"bitslice._schedule", "elementwise._mul"} <= _index_files(root)


def test_numba_cache_dir_wins(tmp_path):
    _compile_in_fresh_interpreter(tmp_path, XDG_CACHE_HOME=str(tmp_path / "xdg"),
                                  NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    assert {"bitslice._schedule", "elementwise._mul"} <= _index_files(tmp_path / "numba")
    assert not _index_files(tmp_path / "xdg")


def test_other_libraries_functions_are_left_to_numba(tmp_path):
    """A cached function outside carrylab's packages is not carrylab's locator's."""
    module = tmp_path / "elsewhere.py"
    module.write_text("from numba import njit\n@njit(cache=True)\ndef f(x):\n    return x + 1\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import elsewhere
        assert type(elsewhere.f._cache._impl.locator).__name__ != "CarrylabCacheLocator"
        theirs = type(adders.bitslice._schedule._cache._impl.locator).__name__
        assert theirs in ("CarrylabCacheLocator", "UserProvidedCacheLocator")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("elsewhere", None)
