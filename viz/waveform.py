"""Timing diagrams of one input transition, in the delay model's units.

One digital trace per net, stacked top to bottom, from just before the inputs switch
(t < 0: the settled ``before`` values) to just after the last event. Glitches (hazard
pulses, :attr:`adders.timing.Trace.glitches`) are shaded and marked with a red triangle,
one per pulse (gid ``"glitch:<net>:<k>"``); every output bus gets a dashed line at the
time its last bit settles (gid ``"settle:<bus>"``).
"""
from __future__ import annotations

import re

from adders.errors import CarrylabTypeError, CarrylabValueError

from ._style import COLORS, new_axes

__all__ = ["default_nets", "glitch_pulses", "waveforms"]


def _natural(net: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", net)]


def default_nets(trace) -> list[str]:
    """Inputs that changed, then carries ``c1, c2, ...``, then the output buses' nets.

    Carries are the nets named ``c<k>``; outputs follow their buses' order (``s`` LSB
    first, then ``cout``). A net is listed once.
    """
    circuit = trace.circuit
    changed = {e.net for e in trace.events}
    nets = [n for bus in circuit.inputs.values() for n in bus if n in changed]
    nets += sorted((n for n in circuit.graph if re.fullmatch(r"c\d+", n)), key=_natural)
    nets += [n for bus in circuit.outputs.values() for n in bus]
    return list(dict.fromkeys(nets))


def glitch_pulses(trace, net: str) -> list[tuple]:
    """The hazard pulses of ``net`` as ``(start, end, level)`` (level: the value during
    the pulse). A net with ``extra`` pulses (:attr:`Trace.glitches`) has its first
    ``2 * extra`` transitions paired into pulses; the last one, if the net must change,
    is the real change."""
    times = [(e.time, e.new) for e in trace.events if e.net == net]
    extra = trace.glitches.get(net, 0)
    return [(times[2 * k][0], times[2 * k + 1][0], times[2 * k][1]) for k in range(extra)]


def waveforms(trace, nets=None, ax=None, cursor=None):
    """Draw the timing diagram of ``trace``; return the Figure.

    Parameters
    ----------
    trace : adders.timing.Trace
        From :func:`adders.timing.simulate_transition`.
    nets : list of str, optional
        Nets to show, top to bottom; default :func:`default_nets`.
    ax : matplotlib Axes, optional
    cursor : number, optional
        Draw a vertical time cursor here (the step-through widget uses it).

    Raises
    ------
    ValueError
        ``trace`` has no events (``before`` equals ``after``: nothing to draw), or
        ``nets`` is empty or names nets the circuit does not have.
    """
    from matplotlib.lines import Line2D

    from adders.timing import Trace
    if not isinstance(trace, Trace):
        raise CarrylabTypeError(f"trace must be an adders.timing.Trace (from simulate_transition), "
                        f"got {type(trace).__name__}")
    if not trace.events:
        raise CarrylabValueError(f"trace has no events: the inputs do not change (before = after = "
                         f"{trace.after}), so there is nothing to draw; pick before != after")
    if nets is None:
        nets = default_nets(trace)
    nets = list(nets)
    if not nets:
        raise CarrylabValueError("nets must name at least one net of the circuit, got []")
    unknown = [n for n in nets if n not in trace.initial]
    if unknown:
        raise CarrylabValueError(f"nets names nets that circuit {trace.circuit.name!r} does not have: "
                         f"{unknown[:5]}; e.g. {list(trace.initial)[:6]}")
    end = trace.end_time
    span = float(end) if end else 1.0
    t0, t1 = -0.08 * span - 0.5, float(end) + 0.08 * span + 0.5
    rows = len(nets)
    fig, ax = new_axes(ax, (min(16.0, 7.0 + 0.25 * span), 1.4 + 0.27 * rows))
    waves = trace.waveforms
    glitches = trace.glitches
    outputs = {n for bus in trace.circuit.outputs.values() for n in bus}
    inputs = {n for bus in trace.circuit.inputs.values() for n in bus}
    for r, net in enumerate(nets):
        base = rows - 1 - r
        xs, ys = [t0], [base + 0.7 * waves[net][0][1]]
        for t, v in waves[net][1:]:
            xs += [float(t), float(t)]
            ys += [ys[-1], base + 0.7 * v]
        xs.append(t1)
        ys.append(ys[-1])
        col = "black" if net in outputs else ("0.35" if net in inputs else COLORS["zero"])
        ax.plot(xs, ys, color=col, lw=1.2, drawstyle="default", gid=f"wave:{net}")
        ax.axhline(base, color="0.93", lw=0.6, zorder=0)
        for k, (a, b, level) in enumerate(glitch_pulses(trace, net)):
            ax.fill_between([float(a), float(b)], base, base + 0.7, color=COLORS["glitch"],
                            alpha=0.22, lw=0)
            ax.plot([(float(a) + float(b)) / 2], [base + 0.84], marker="v", ms=5,
                    color=COLORS["glitch"], ls="none", gid=f"glitch:{net}:{k}")
    ax.set_yticks([rows - 1 - r + 0.35 for r in range(rows)])
    names = {n: (f"{n} ({bus})" if len(ns) == 1 and bus != n else n)
             for bus, ns in trace.circuit.outputs.items() for n in ns}
    ax.set_yticklabels([names.get(n, n) for n in nets], fontsize=8 if rows <= 30 else 6)
    if all(isinstance(e.time, int) for e in trace.events):
        from matplotlib.ticker import MaxNLocator
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for label, net in zip(ax.get_yticklabels(), nets):
        label.set_color(COLORS["glitch"] if net in glitches else "black")
    ax.set_ylim(-0.35, rows + 0.1)
    ax.set_xlim(t0, t1)
    ax.axvline(0, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel(f"time ({trace.unit}{', unit delay' if _unit_delay(trace) else ''}; "
                  f"inputs switch at t = 0)")
    # Settle lines, one per output bus, tagged with the bus name just above the plot
    # (tags of nearby lines stacked); the times themselves go to the legend.
    settle_handles, stack, prev = [], 0, None
    for bus, t in sorted(trace.settle_bus.items(), key=lambda kv: (kv[1], kv[0])):
        stack = stack + 1 if prev is not None and float(t) - prev < 0.06 * span else 0
        prev = float(t)
        ax.axvline(float(t), color=COLORS["settle"], lw=1.0, ls="--", gid=f"settle:{bus}")
        ax.annotate(bus, (float(t), 1.0), xycoords=ax.get_xaxis_transform(),
                    xytext=(0, 2 + 10 * stack), textcoords="offset points", ha="center",
                    va="bottom", fontsize=7.5, color=COLORS["settle"])
        settle_handles.append(Line2D([], [], color=COLORS["settle"], ls="--",
                                     label=f"{bus} settles at {t} {trace.unit}"))
    if cursor is not None:
        ax.axvline(float(cursor), color=COLORS["changing"], lw=2.0, alpha=0.8, gid="cursor")
    shown = sum(len(glitch_pulses(trace, n)) for n in nets)
    total = sum(glitches.values())
    ops = ", ".join(f"{b}={v}" for b, v in trace.before.items())
    new = ", ".join(f"{b}={v}" for b, v in trace.after.items())
    ax.set_title(f"{trace.circuit.name}: {ops}  ->  {new} ({trace.mode}); "
                 f"{shown} glitch pulse(s) shown, {total} in the circuit", fontsize=10,
                 pad=6 + 10 * (stack + 1))
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    handles = [Line2D([], [], marker="v", color=COLORS["glitch"], ls="none",
                      label="glitch pulse")] + settle_handles
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8,
              frameon=False)
    return fig


def _unit_delay(trace) -> bool:
    d = trace.delays
    return d.default == 1 and not d.per_kind and not d.per_gate and d.unit == "gd"
