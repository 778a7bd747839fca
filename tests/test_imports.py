"""Cheap imports and warm kernels: what a student's first minute depends on.

* The pure-Python parts of ``adders`` import without Numba (``adders/__init__.py`` loads
  its re-exports on first use), and every public name still works as before.
* Kernel modules still register carrylab's Numba cache locator before their kernels.
* ``carrylab warmup`` compiles into the cache, and a second run compiles nothing.

Each import check runs in a fresh interpreter, since this one has imported everything.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import adders

PURE = ["adders", "adders.errors", "adders.checks", "adders.gates", "adders.prefix",
        "adders.netlist", "adders.build", "adders.timing", "adders.export", "adders.operands",
        "adders.compiled", "adders.delays", "adders.events", "adders.static_timing",
        "adders.verilog", "adders.vcd", "adders.graph_formats", "adders.vectors",
        "adders.reference", "adders.measures"]


def _python(code: str, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    environ.update(env)
    res = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, env=environ, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    return res


@pytest.mark.parametrize("module", PURE)
def test_pure_python_modules_do_not_import_numba(module):
    _python(f"""
        import sys
        import {module}
        assert "numba" not in sys.modules, "importing {module} imported numba"
        """)


def test_the_basic_names_need_no_numba():
    _python("""
        import sys
        from adders import build, Circuit, PrefixNetwork, CarrylabError, simulate_transition
        build("kogge-stone", 8).evaluate(a=200, b=100)
        assert "numba" not in sys.modules
        """)


def test_every_public_name_resolves_to_its_module_object():
    for name in adders.__all__:
        value = getattr(adders, name)
        module = __import__(f"adders.{adders._EXPORTS[name]}", fromlist=[name])
        assert value is getattr(module, name), name
    assert set(adders.__all__) <= set(dir(adders))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        adders.nope


def test_build_stays_the_function_whoever_imports_the_submodule_first():
    _python("""
        import adders.build, adders.prefix
        from adders import build, ARCHITECTURES
        assert callable(build) and build.__module__ == "adders.build", build
        import adders
        assert adders.build is build and adders.timing.__name__ == "adders.timing"
        """)


def test_the_command_line_parser_imports_no_rnn_numba_or_matplotlib():
    _python("""
        import sys
        from carrylab.cli import build_parser
        build_parser().parse_args(["add", "1", "2"])
        loaded = [m for m in ("numba", "rnn", "matplotlib") if m in sys.modules]
        assert not loaded, f"building the parser imported {loaded}"
        """)


def test_the_parsers_copies_match_the_libraries():
    """The training commands keep copies of rnn's names, sizes and defaults (so that the
    parser needs no rnn); each must equal its source."""
    import inspect

    from carrylab.commands import training
    from rnn.registry import model_names
    from rnn.tasks import TASKS
    from rnn.train import LIMITS, MODELS, TrainConfig
    assert training.MODELS == MODELS == tuple(model_names())
    assert training.SIZES == LIMITS
    assert training.TASKS == tuple(TASKS)
    assert training.TRAIN_DEFAULTS == {k: getattr(TrainConfig, k) for k in training.TRAIN_DEFAULTS}
    assert set(training.TASK_OPTIONS) == {key for _, _, key, _, _ in training.TASK_FLAGS}
    from rnn.layers import CONV_INITS, EMBEDDING_INITS
    from rnn.models import INITIAL_STATES
    from rnn.protocol import PROTOCOLS
    from rnn.trainconfig import LOSS_REDUCTIONS, READOUTS
    assert training.PROTOCOLS == PROTOCOLS
    assert training.CHOICES == {"conv_init": CONV_INITS, "initial_state": INITIAL_STATES,
                                "loss_reduction": LOSS_REDUCTIONS, "embedding_init": EMBEDDING_INITS,
                                "readout": READOUTS}
    for key, takers in training.TASK_OPTIONS.items():
        assert takers == tuple(name for name, maker in TASKS.items()
                               if key in inspect.signature(maker).parameters), key


@pytest.mark.parametrize("module, kernel", [("adders.bitslice", "_schedule"),
                                            ("rnn.kernels.elementwise", "_mul"),
                                            ("rnn.scan_loop", "diag_loop")])
def test_kernel_modules_imported_first_still_use_carrylabs_cache(module, kernel, tmp_path):
    _python(f"""
        import {module} as m
        locator = type(m.{kernel}._cache._impl.locator).__name__
        assert locator == "CarrylabCacheLocator", locator
        """, XDG_CACHE_HOME=str(tmp_path))


_WARMUP = """
import json
from carrylab import warmup
print(json.dumps(warmup.run(quiet=True, steps=["rnn: hand-wired adders"])))
"""


@pytest.mark.slow
def test_warmup_compiles_into_the_cache_once(tmp_path):
    """One step of the warm-up in a fresh cache (the whole one takes minutes), twice."""
    first, second = (json.loads(_python(_WARMUP, NUMBA_CACHE_DIR=str(tmp_path)).stdout)
                     for _ in range(2))
    assert first["compiled"], "a cold cache must compile the hand-wired adders' kernels"
    assert first["cache"] == str(tmp_path) and list(tmp_path.rglob("*.nbi"))
    assert second["compiled"] == [], f"the second run compiled {second['compiled']}"


def test_warmup_refuses_an_unknown_step():
    from adders.errors import CarrylabValueError
    from carrylab import warmup
    with pytest.raises(CarrylabValueError, match="unknown warm-up step"):
        warmup.run(quiet=True, steps=["nope"])
