"""Side-by-side measurements of carrylab against its peers (not tests).

Each ``bench_<name>.py`` here runs on its own (``python benchmarks/bench_logic.py
--quick``) and prints its numbers; ``python -m benchmarks [--quick] [--only NAME,...]``
runs them all and writes ``benchmarks/RESULTS.md`` with the machine, the tool
versions, every figure and whether each target was met. :mod:`benchmarks.peers` holds
the drivers for the other simulators (PyRTL, Icarus Verilog, Verilator).

Importing this package is cheap: it loads nothing until a benchmark runs.
"""

__all__: list[str] = []
