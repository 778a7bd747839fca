"""Where Numba caches carrylab's compiled kernels: a per-user folder, never the sources.

carrylab's kernels are ``@njit(cache=True)``. Left alone, Numba writes their index
(``*.nbi``) and data (``*.nbc``) files into ``__pycache__`` beside the source file: into
the checkout, or into site-packages for a wheel, where they outlive an uninstall. This
module adds one *cache locator* to Numba, consulted right after Numba's own
``NUMBA_CACHE_DIR`` locator, that answers only for source files inside carrylab's
packages (``adders``, ``rnn``, ``viz``, ``carrylab``) and points them at

1. ``$NUMBA_CACHE_DIR`` when it is set (Numba's own locator normally answers first), else
2. ``$XDG_CACHE_HOME/carrylab/numba`` (``~/.cache/carrylab/numba`` by default),

one sub-folder per source folder, named as Numba names them (the folder's name and a
hash of its full path), so a checkout and an installed wheel never share entries.
Every other library's functions fall through to Numba's usual locators, unchanged; no
environment variable is set. If that folder cannot be created, carrylab's kernels fall
through to Numba's usual locators as well, with a warning naming the folder.

Numba looks the locator up when a ``cache=True`` dispatcher is created, so this module
is imported before any kernel is defined: first thing by ``adders/bitslice.py`` (the
only kernel module of ``adders``, whose ``__init__`` loads its submodules on demand)
and by ``rnn/__init__.py``. The hook is Numba's ``CacheImpl._locator_classes`` (``_CacheImpl`` in older
releases); if a Numba release lacks it, importing carrylab warns and
:func:`installed` returns False, which the tests turn into a failure.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

from numba.core import caching, config

__all__ = ["PACKAGES", "cache_root", "installed"]

PACKAGES = ("adders", "rnn", "viz", "carrylab")
_HOME = Path(__file__).resolve().parent.parent          # the folder holding the packages
_PACKAGE_DIRS = tuple(str(_HOME / name) for name in PACKAGES)


def cache_root() -> Path:
    """The folder carrylab's kernels are cached under, as the environment says now."""
    if config.CACHE_DIR:
        return Path(config.CACHE_DIR)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "carrylab" / "numba"


def _numba_class(*names):
    """The first of ``names`` that numba.core.caching defines (older releases spell
    them with a leading underscore), or None."""
    return next((getattr(caching, n) for n in names if hasattr(caching, n)), None)


_CacheImpl = _numba_class("CacheImpl", "_CacheImpl")
_UserProvided = _numba_class("UserProvidedCacheLocator", "_UserProvidedCacheLocator")
_UserWide = _numba_class("UserWideCacheLocator", "_UserWideCacheLocator")


def _is_ours(py_file: str) -> bool:
    path = os.path.realpath(py_file)
    return any(path.startswith(d + os.sep) for d in _PACKAGE_DIRS)


if _UserWide is not None:
    class CarrylabCacheLocator(_UserWide):
        """Numba cache locator for carrylab's own source files: :func:`cache_root`."""

        def __init__(self, py_func, py_file):
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            self._cache_path = str(cache_root() / self.get_suitable_cache_subpath(py_file))

        def get_cache_path(self):
            return self._cache_path

        @classmethod
        def from_function(cls, py_func, py_file):
            if not (os.path.isfile(py_file) and _is_ours(py_file)):
                return None
            self = cls(py_func, py_file)
            try:
                self.ensure_cache_path()
            except OSError as err:
                warnings.warn(f"carrylab: cannot use the Numba cache folder {self._cache_path} "
                              f"({err}); set NUMBA_CACHE_DIR to a writable folder",
                              RuntimeWarning, stacklevel=2)
                return None
            return self
else:                                                    # pragma: no cover
    CarrylabCacheLocator = None


def _install() -> bool:
    """Put :class:`CarrylabCacheLocator` right after Numba's NUMBA_CACHE_DIR locator
    (once, however often this runs); return whether it is in place."""
    locators = getattr(_CacheImpl, "_locator_classes", None)
    if CarrylabCacheLocator is None or not isinstance(locators, list) \
            or _UserProvided not in locators:
        return False
    if not any(getattr(c, "__name__", "") == "CarrylabCacheLocator" for c in locators):
        locators.insert(locators.index(_UserProvided) + 1, CarrylabCacheLocator)
    return True


def installed() -> bool:
    """Whether Numba consults carrylab's cache locator (the tests require it)."""
    locators = getattr(_CacheImpl, "_locator_classes", None) or []
    return any(getattr(c, "__name__", "") == "CarrylabCacheLocator" for c in locators)


if not _install():                                       # pragma: no cover
    warnings.warn("carrylab: this Numba has no cache-locator hook "
                  "(numba.core.caching.CacheImpl._locator_classes); carrylab's compiled "
                  "kernels will be cached beside their source files", RuntimeWarning)
