"""Pictures shared by adders and RNNs (matplotlib; every function returns a Figure).

Drawing functions take ``ax=None`` (a new figure) or an Axes to draw on, return the
Figure and never show it. Layout is computed apart from drawing (``layout_*``), so the
coordinates can be tested and reused. :mod:`viz.widgets` (ipywidgets) is imported on
demand: ``from viz.widgets import circuit_stepper``; so is :mod:`viz.editor`, the
prefix-network editor: ``from viz.editor import prefix_editor``.
"""
# Re-exports are loaded on first use (PEP 562), as in adders: ``carrylab draw prefix``
# then imports viz.prefix alone, not every kind of picture.
import importlib

from adders._shadowing import require_own

require_own(["rnn"], __file__)        # before importing it: another 'rnn' fails clearly

#: Public name -> the submodule defining it.
_EXPORTS = {
    **dict.fromkeys(["draw_prefix", "analogy", "layout_prefix", "dependency_cone"], "prefix"),
    **dict.fromkeys(["draw_circuit", "draw_circuit_blocks", "layout_circuit", "layout_blocks"],
                    "circuit"),
    **dict.fromkeys(["waveforms", "default_nets", "glitch_pulses"], "waveform"),
    **dict.fromkeys(["receptive_field", "receptive_field_size", "receptive_cone",
                     "dependency_graph", "layout_dependency", "hidden_heatmap",
                     "training_curves"], "rnn"),
    **dict.fromkeys(["measure_architectures", "plot_architecture_trends", "plot_rnn_times"],
                    "measures"),
    **dict.fromkeys(["GALLERY", "write_gallery"], "gallery"),
}


def __getattr__(name: str):
    """Load a re-exported name on first use."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value                  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "draw_prefix", "analogy", "layout_prefix", "dependency_cone",
    "draw_circuit", "draw_circuit_blocks", "layout_circuit", "layout_blocks",
    "waveforms", "default_nets", "glitch_pulses",
    "receptive_field", "receptive_field_size", "receptive_cone",
    "dependency_graph", "layout_dependency", "hidden_heatmap", "training_curves",
    "measure_architectures", "plot_architecture_trends", "plot_rnn_times",
    "GALLERY", "write_gallery",
]
