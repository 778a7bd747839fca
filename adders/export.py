"""Export: structural Verilog, self-checking testbenches, VCD waveforms, netlist graphs.

One format per module; this module gathers their public names:

* :mod:`adders.verilog`: :func:`to_verilog`, :func:`to_testbench`, :data:`VERILOG_KEYWORDS`;
* :mod:`adders.vcd`: :func:`to_vcd`, :func:`vcd_text`;
* :mod:`adders.graph_formats`: :func:`to_graphml`, :func:`from_graphml`, :func:`to_dot`;
* :mod:`adders.vectors`: :func:`edge_vectors` (and the test vectors every exporter uses).
"""
from __future__ import annotations

from .graph_formats import from_graphml, to_dot, to_graphml
from .vcd import to_vcd, vcd_text
from .vectors import edge_vectors
from .verilog import VERILOG_KEYWORDS, to_testbench, to_verilog

__all__ = ["to_verilog", "to_testbench", "edge_vectors", "to_vcd", "vcd_text",
           "to_graphml", "from_graphml", "to_dot", "VERILOG_KEYWORDS"]
