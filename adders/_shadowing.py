"""Is this ``rnn`` carrylab's ``rnn``? A guard against other modules with our names.

carrylab installs four top-level packages side by side: ``adders``, ``rnn``, ``viz`` and
``carrylab``. ``rnn`` and ``viz`` are also the names of unrelated distributions on the
Python Package Index, and any file ``rnn.py`` or folder ``viz/`` earlier on ``sys.path``
(the current folder, PYTHONPATH) takes the name too. Python then imports the wrong
module and carrylab fails somewhere deep inside with a puzzling error.

:func:`require_own` looks each name up with :func:`importlib.util.find_spec`, which
locates a top-level module without running it, and compares where it was found with
where carrylab's own package sits: the folder beside the importing package. Anything
else raises :class:`adders.errors.ShadowedPackageError` with one line naming the name,
both places and the fix. ``rnn`` and ``viz`` call it first thing for the packages they
import (``from adders._shadowing import ...``: if ``adders`` itself were another module,
that import fails naming it); the command line loads this file by its path, so it can
also report a foreign ``adders`` without running it, and calls :func:`report_shadowed`
before it builds its parser. This module imports nothing of carrylab's at its top.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

__all__ = ["PACKAGES", "require_own", "report_shadowed"]

PACKAGES = ("adders", "rnn", "viz")


def require_own(names, beside: str) -> None:
    """Raise ShadowedPackageError unless every top-level module in ``names`` is
    carrylab's package in the folder that holds ``beside`` (a package's ``__file__``).

    A name that cannot be found at all is left to the import that follows (its error
    names it); only a module found elsewhere counts as shadowing. Costs one
    ``find_spec`` per name; no module is run.
    """
    importer = Path(beside).resolve().parent
    for name in names:
        where = _location(name)
        expected = importer.parent / name
        if where is None or where == expected / "__init__.py":
            continue
        raise _error_class(importer.parent)(
            f"the module {name!r} found at {where} is not carrylab's (carrylab expects it "
            f"beside {importer}); another distribution or file named {name!r} shadows it: "
            f"remove it or uninstall it")


def report_shadowed(prog: str = "carrylab") -> int | None:
    """For the command line: None if adders, rnn and viz are carrylab's, else print
    ``<prog>: <message>`` to stderr and return the exit status 2."""
    try:
        require_own(PACKAGES, __file__)
    except ImportError as err:                   # ShadowedPackageError
        print(f"{prog}: {err}", file=sys.stderr)
        return 2
    return None


def _location(name: str) -> Path | str | None:
    """Where the top-level module ``name`` is, or would be, imported from (resolved
    file, a namespace package's folders, or a description); None if nowhere."""
    module = sys.modules.get(name)
    try:
        spec = module.__spec__ if module is not None else importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return None if module is None else str(getattr(module, "__file__", module))
    if spec.origin and spec.has_location:
        return Path(spec.origin).resolve()
    folders = list(spec.submodule_search_locations or [])
    return ", ".join(folders) if folders else repr(spec.origin or name)


def _error_class(home: Path) -> type:
    """``adders.errors.ShadowedPackageError``; read from carrylab's own file when the
    name ``adders`` itself is taken (importing it would run the other module)."""
    own_adders = home / "adders"
    if (_location("adders") == own_adders / "__init__.py"
            or not (own_adders / "errors.py").is_file()):
        # Imported only here: this module imports nothing of carrylab's at its top.
        from adders.errors import ShadowedPackageError
        return ShadowedPackageError
    spec = importlib.util.spec_from_file_location("adders.errors", own_adders / "errors.py")
    errors = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(errors)
    return errors.ShadowedPackageError
