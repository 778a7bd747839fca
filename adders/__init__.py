"""Gate-level adders: prefix networks, netlists, builders and simulators.

>>> from adders import build
>>> adder = build("kogge-stone", 16)
>>> adder.evaluate(a=40000, b=25535)
{'s': 65535, 'cout': 0}
"""
from . import _numba_cache  # noqa: F401  first: Numba caches our kernels per user, not here
from .build import (
    ARCHITECTURES,
    build,
    carry_lookahead,
    carry_select,
    carry_skip,
    full_adder,
    half_adder,
    prefix_adder,
    ripple_carry,
)
from .errors import (
    CarrylabError,
    CarrylabRuntimeError,
    CarrylabTypeError,
    CarrylabValueError,
    InternalError,
    NetlistError,
    ShadowedPackageError,
)
from .export import to_dot, to_graphml, to_testbench, to_vcd, to_verilog
from .gates import KINDS
from .logic import evaluate, simulate
from .netlist import Circuit
from .prefix import NETWORKS, PrefixNetwork, PrefixNetworkError
from .timing import Delays, Stepper, Trace, critical_path, simulate_transition

__all__ = [
    "ARCHITECTURES", "build", "carry_lookahead", "carry_select", "carry_skip", "full_adder",
    "half_adder", "prefix_adder", "ripple_carry",
    "CarrylabError", "CarrylabValueError", "CarrylabTypeError", "CarrylabRuntimeError",
    "InternalError", "NetlistError", "ShadowedPackageError",
    "KINDS", "evaluate", "simulate", "Circuit",
    "NETWORKS", "PrefixNetwork", "PrefixNetworkError",
    "Delays", "Stepper", "Trace", "critical_path", "simulate_transition",
    "to_dot", "to_graphml", "to_testbench", "to_vcd", "to_verilog",
]
