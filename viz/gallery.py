"""The project's pictures, by file name: ``write_gallery("docs")`` (re)writes docs/*.png.

Each entry is a function returning a Figure, so the tour, the CLI and the docs use the
very same drawings.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from adders.errors import CarrylabValueError

__all__ = ["GALLERY", "write_gallery"]


def _poster():
    from adders.prefix import kogge_stone

    from .prefix import analogy
    return analogy(kogge_stone(16), highlight=11)


def _schematic(arch: str):
    def make():
        from adders import build

        from .circuit import draw_circuit
        return draw_circuit(build(arch, 8), highlight_path=True)
    return make


def _waveform_ripple():
    from adders import build
    from adders.timing import simulate_transition

    from .waveform import waveforms
    trace = simulate_transition(build("ripple", 8), {"a": 0, "b": 0}, {"a": 255, "b": 1})
    return waveforms(trace)


def _receptive_fields():
    import matplotlib.pyplot as plt

    from .rnn import receptive_field
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(20, 9.5), height_ratios=[1, 1],
                                      layout="constrained")
    receptive_field(2, 4, ax=top)
    receptive_field(5, 4, ax=bottom)
    fig.suptitle("CL-RNN carry-lookahead module: which inputs c[t] sees (top: k = 2, the "
                 "Kogge-Stone shape; bottom: k = 5, the paper's music setting)\n"
                 "x[t] itself is included; an adder's carry into bit t sees only the bits "
                 "below t", fontsize=13)
    return fig


def _dependency():
    from .rnn import dependency_graph
    return dependency_graph("both", T=8)


def _blocks():
    from adders import build

    from .circuit import draw_circuit_blocks
    return draw_circuit_blocks(build("kogge-stone", 32))


#: file name -> function returning the Figure.
GALLERY: dict[str, Callable] = {
    "poster_kogge_stone_16.png": _poster,
    "ripple_8.png": _schematic("ripple"),
    "cla_8.png": _schematic("cla"),
    "waveform_ripple_8.png": _waveform_ripple,
    "receptive_field_clrnn.png": _receptive_fields,
    "dependency_graph_8.png": _dependency,
    "blocks_kogge_stone_32.png": _blocks,
}


def write_gallery(out_dir="docs", names=None, dpi: int = 110) -> list[Path]:
    """Write the named pictures (default all of :data:`GALLERY`) into ``out_dir``.

    Returns the paths written. Raises ValueError naming unknown pictures.
    """
    import matplotlib.pyplot as plt
    chosen = list(GALLERY) if names is None else list(names)
    unknown = [n for n in chosen if n not in GALLERY]
    if unknown:
        raise CarrylabValueError(f"names: unknown picture(s) {unknown}; known: {', '.join(GALLERY)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in chosen:
        fig = GALLERY[name]()
        fig.savefig(out / name, dpi=dpi, facecolor="white")
        plt.close(fig)
        written.append(out / name)
    return written
