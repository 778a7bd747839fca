"""Gate-level adders: prefix networks, netlists, builders and simulators.

>>> from adders import build
>>> adder = build("kogge-stone", 16)
>>> adder.evaluate(a=40000, b=25535)
{'s': 65535, 'cout': 0}
"""
# Re-exports are loaded on first use (PEP 562), so that ``import adders.prefix`` or
# ``adders.errors`` costs no more than those modules. Only adders.bitslice (the
# kernels) needs Numba; it loads Numba, and adders._numba_cache before any kernel, when
# the first batch simulation asks for it.
import importlib
import sys
import types

#: Public name -> the submodule defining it.
_EXPORTS = {
    **dict.fromkeys(["ARCHITECTURES", "build", "carry_lookahead", "carry_select", "carry_skip",
                     "full_adder", "half_adder", "prefix_adder", "ripple_carry"], "build"),
    **dict.fromkeys(["CarrylabError", "CarrylabRuntimeError", "CarrylabTypeError",
                     "CarrylabValueError", "CircuitFileError", "InternalError", "NetlistError",
                     "ShadowedPackageError"], "errors"),
    **dict.fromkeys(["to_dot", "to_graphml"], "graph_formats"),
    **dict.fromkeys(["to_testbench", "to_verilog"], "verilog"),
    "to_vcd": "vcd",
    **dict.fromkeys(["to_digital", "from_digital"], "digital"),
    **dict.fromkeys(["to_logisim", "from_logisim"], "logisim"),
    "KINDS": "gates",
    **dict.fromkeys(["evaluate", "simulate"], "logic"),
    "Circuit": "netlist",
    **dict.fromkeys(["NETWORKS", "PrefixNetwork", "PrefixNetworkError"], "prefix"),
    "Delays": "delays",
    **dict.fromkeys(["Stepper", "Trace", "simulate_transition"], "events"),
    "critical_path": "static_timing",
}
_SUBMODULES = ("bitslice", "build", "checks", "compiled", "delays", "digital", "digital_testdata",
               "errors", "events", "export", "gates", "graph_formats", "logic", "logisim",
               "measures", "netlist", "operands", "prefix", "reference", "static_timing", "timing",
               "vcd", "vectors", "verilog")


def __getattr__(name: str):
    """Load a re-exported name (or a submodule, ``adders.timing``) on first use."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value                  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS) | set(_SUBMODULES))


class _Package(types.ModuleType):
    """``adders.build`` is the function, as the eager package had it; but whenever the
    submodule adders/build.py is first imported (by anyone), the import system binds
    the package's attribute ``build`` to that module. This catches that binding."""

    def __setattr__(self, name, value):
        if name == "build" and isinstance(value, types.ModuleType):
            value = value.build
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = [
    "ARCHITECTURES", "build", "carry_lookahead", "carry_select", "carry_skip", "full_adder",
    "half_adder", "prefix_adder", "ripple_carry",
    "CarrylabError", "CarrylabValueError", "CarrylabTypeError", "CarrylabRuntimeError",
    "CircuitFileError", "InternalError", "NetlistError", "ShadowedPackageError",
    "KINDS", "evaluate", "simulate", "Circuit",
    "NETWORKS", "PrefixNetwork", "PrefixNetworkError",
    "Delays", "Stepper", "Trace", "critical_path", "simulate_transition",
    "to_dot", "to_graphml", "to_testbench", "to_vcd", "to_verilog",
    "to_digital", "from_digital", "to_logisim", "from_logisim",
]
