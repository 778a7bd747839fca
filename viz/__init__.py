"""Pictures shared by adders and RNNs (matplotlib; every function returns a Figure).

Drawing functions take ``ax=None`` (a new figure) or an Axes to draw on, return the
Figure and never show it. Layout is computed apart from drawing (``layout_*``), so the
coordinates can be tested and reused. :mod:`viz.widgets` (ipywidgets) is imported on
demand: ``from viz.widgets import circuit_stepper``; so is :mod:`viz.editor`, the
prefix-network editor: ``from viz.editor import prefix_editor``.
"""
from adders._shadowing import require_own

require_own(["rnn"], __file__)        # before importing it: another 'rnn' fails clearly
from .circuit import draw_circuit, draw_circuit_blocks, layout_blocks, layout_circuit
from .gallery import GALLERY, write_gallery
from .measures import measure_architectures, plot_architecture_trends, plot_rnn_times
from .prefix import analogy, dependency_cone, draw_prefix, layout_prefix
from .rnn import (
    dependency_graph,
    hidden_heatmap,
    layout_dependency,
    receptive_cone,
    receptive_field,
    receptive_field_size,
    training_curves,
)
from .waveform import default_nets, glitch_pulses, waveforms

__all__ = [
    "draw_prefix", "analogy", "layout_prefix", "dependency_cone",
    "draw_circuit", "draw_circuit_blocks", "layout_circuit", "layout_blocks",
    "waveforms", "default_nets", "glitch_pulses",
    "receptive_field", "receptive_field_size", "receptive_cone",
    "dependency_graph", "layout_dependency", "hidden_heatmap", "training_curves",
    "measure_architectures", "plot_architecture_trends", "plot_rnn_times",
    "GALLERY", "write_gallery",
]
