"""Wire colours of a schematic with net values, shared by :func:`viz.draw_circuit` and
:func:`recolor_circuit`, which updates a drawn schematic in place for a step-through."""
from __future__ import annotations

from adders.errors import CarrylabTypeError, CarrylabValueError

from ._style import COLORS

__all__ = ["FACE", "output_label", "recolor_circuit", "still_texts", "value_color", "values_of"]

#: Gate body tint for each wire colour.
FACE = {COLORS["zero"]: "#d6e6f5", COLORS["one"]: "#ffe0c2", COLORS["changing"]: "#cdeccd"}


def value_color(net, vals, changing):
    """Colour of a net's wire: its value (blue 0, orange 1), green while it changes."""
    if vals is None:
        return COLORS["wire"]
    if net in changing:
        return COLORS["changing"]
    v = vals.get(net)
    return COLORS["zero"] if v == 0 else COLORS["one"] if v == 1 else COLORS["unknown"]


def output_label(circuit, bus, bit, vals) -> str:
    """An output terminal's label: ``s3`` (or ``cout``), ``= value`` when known."""
    label = bus if len(circuit.outputs[bus]) == 1 else f"{bus}{bit}"
    net = circuit.outputs[bus][bit]
    return label + (f" = {vals[net]}" if vals is not None and net in vals else "")


def recolor_circuit(ax, circuit, values) -> None:
    """Bring a schematic that :func:`draw_circuit` drew with ``values`` into ``ax`` up to
    date with new ``values`` (a dict or a Stepper), in place: wires, gate faces, input
    values and output labels take the colours and text :func:`draw_circuit` would give
    them. Nothing is created or removed, so a step-through redraws without rebuilding
    hundreds of artists. The critical path (red) keeps its colour.
    """
    vals, changing = values_of(values)
    if vals is None:
        raise CarrylabValueError("recolor_circuit needs values (a dict of net -> 0/1 or a Stepper)")
    for patch in ax.patches:
        gid = patch.get_gid() or ""
        if gid.startswith("wire:"):
            src = gid[5:].split(">", 1)[0]
            patch.set_edgecolor(value_color(src, vals, changing))
            patch.set_linewidth(1.4 if src in changing else 0.8)
        elif gid.startswith("gate:"):
            patch.set_facecolor(FACE.get(value_color(gid[5:], vals, changing), "white"))
    outputs = {f"out:{bus}{bit}": net for bus, nets in circuit.outputs.items()
               for bit, net in enumerate(nets)}
    for line in ax.lines:
        net = outputs.get(line.get_gid())
        if net is not None and line.get_linewidth() < 2:          # 2.2: on the path
            line.set_color(value_color(net, vals, changing))
    for text in ax.texts:
        gid = text.get_gid() or ""
        if gid.startswith("value:") and gid[6:] in vals:
            text.set_text(str(vals[gid[6:]]))
            text.set_color(value_color(gid[6:], vals, changing))
        elif gid.startswith("outname:"):
            bus, bit = gid[8:].rsplit(":", 1)
            text.set_text(output_label(circuit, bus, int(bit), vals))


def still_texts(ax) -> list:
    """The texts of a schematic in ``ax`` that :func:`recolor_circuit` never changes:
    gate, input and level names (a step-through renders them once)."""
    return [t for t in ax.texts if not (t.get_gid() or "").startswith(("value:", "outname:"))]


def values_of(values):
    """``values`` -> ({net: 0/1}, set of nets changing now). Accepts a dict or a Stepper."""
    from adders.timing import Stepper
    if values is None:
        return None, set()
    if isinstance(values, Stepper):
        t = values.time
        changing = {e.net for e in values.trace.events if t is not None and e.time == t}
        return dict(values.state), changing
    if isinstance(values, dict):
        return values, set()
    raise CarrylabTypeError(f"values must be a dict of net -> 0/1 or an adders.timing.Stepper, "
                    f"got {type(values).__name__}")
