"""Loads this folder's helper modules under names that cannot clash with other
test folders (no package __init__ here, so plain ``import naive`` would be global)."""
import importlib.util
import pathlib
import sys

_HERE = pathlib.Path(__file__).parent


def _load(stem, name):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _HERE / f"{stem}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)


_load("gradcheck", "rnn_tests_gradcheck")
