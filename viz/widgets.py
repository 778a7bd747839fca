"""Step-throughs for notebooks (ipywidgets, imported only when a widget is built).

* :func:`circuit_stepper`: one input transition of a circuit, event time by event time:
  a slider and a play button, the nets that changed at that time, the schematic with
  every wire coloured by its value, and the timing diagram with a cursor.
* :func:`scan_stepper`: a prefix network level by level: which carries (adder) or hidden
  states (linear RNN) are complete after each level (:meth:`PrefixNetwork.groups`).
* :func:`sequence_stepper`: an Elman RNN and a CL-RNN side by side, parallel step by
  parallel step: which hidden states each has after s steps.

Both return an object whose ``widget`` is the ipywidgets box (it displays itself in a
notebook) and whose state can be driven from code: ``step()``, ``back()``, ``reset()``;
the pictures are PNGs in an ``ipywidgets.Image`` rendered with Agg, so they work (and
test) without a browser.

A move must answer within a blink (benchmarks/bench_interactive.py measures it), so each
widget keeps one figure (:class:`viz._style.ReusedFigure`): laid out once, redrawn into
the same axes on every move; the circuit stepper only recolours its schematic
(:func:`viz.circuit.recolor_circuit`) and moves the waveform's cursor. A move redraws
only what may change (:class:`viz._style.Layers`): the gate, input and level names,
drawn above the wires, are rendered once into an overlay, and a changing text is
rendered once per look and laid down again.
"""
from __future__ import annotations

from adders.errors import CarrylabTypeError, CarrylabValueError

from ._style import ReusedFigure, drawn_in
from ._style import ipywidgets_module as _ipywidgets
from ._style import widest_bus as _widest_bus

__all__ = ["CircuitStepper", "ScanStepper", "SequenceStepper", "circuit_stepper",
           "scan_stepper", "sequence_stepper"]


class CircuitStepper:
    """Step through one input transition of a circuit (see :func:`circuit_stepper`).

    Attributes
    ----------
    trace : adders.timing.Trace
    stepper : adders.timing.Stepper
    widget : ipywidgets.VBox
    slider, play : ipywidgets.IntSlider, ipywidgets.Play
        Position k = number of event times applied (0: settled ``before``).
    image : ipywidgets.Image
        Schematic above, waveforms below, as PNG.
    """

    def __init__(self, circuit, before, after, delays=None, mode="transport", nets=None,
                 dpi=80):
        from adders.timing import Stepper, simulate_transition

        from .circuit import MAX_BITS, MAX_GATES
        w = _ipywidgets()
        self.trace = simulate_transition(circuit, before, after, delays=delays, mode=mode)
        if not self.trace.events:
            raise CarrylabValueError(f"before and after give the same inputs ({self.trace.after}): "
                             f"nothing happens to step through; pick after != before")
        self.stepper = Stepper(self.trace)
        self.nets = nets
        self.dpi = dpi
        self._picture = ReusedFigure(dpi)
        self._schematic = len(circuit.gates()) <= MAX_GATES and _widest_bus(circuit) <= MAX_BITS
        n = len(self.stepper.times)
        self.slider = w.IntSlider(value=0, min=0, max=n, description="step", continuous_update=False)
        self.play = w.Play(value=0, min=0, max=n, interval=800, description="play")
        self._link = w.jslink((self.play, "value"), (self.slider, "value"))
        back = w.Button(description="back", layout=w.Layout(width="70px"))
        fwd = w.Button(description="step", layout=w.Layout(width="70px"))
        back.on_click(lambda _: self.back())
        fwd.on_click(lambda _: self.step())
        self.label = w.HTML()
        self.image = w.Image(format="png")
        self.widget = w.VBox([w.HBox([self.play, self.slider, back, fwd]), self.label, self.image])
        self.changed: list[str] = []
        self.slider.observe(self._on_slider, names="value")
        self._render()

    # -------------------------------------------------------------- state
    @property
    def position(self) -> int:
        """Event times applied so far (0 .. number of event times)."""
        return self.stepper._k

    @property
    def time(self):
        """Time of the last applied step (None before the first)."""
        return self.stepper.time

    @property
    def state(self) -> dict:
        """``{net: 0/1}`` now."""
        return self.stepper.state

    def step(self) -> list[str]:
        """Apply the next event time; return the nets that changed then."""
        self.slider.value = min(self.slider.value + 1, self.slider.max)
        return self.changed

    def back(self) -> list[str]:
        """Undo the last event time; return the nets changed at the time now shown."""
        self.slider.value = max(self.slider.value - 1, 0)
        return self.changed

    def reset(self) -> None:
        """Back to the settled ``before`` state."""
        self.slider.value = 0

    def _on_slider(self, change) -> None:
        target = change["new"]
        while self.stepper._k < target:
            self.stepper.step()
        while self.stepper._k > target:
            self.stepper.back()
        self._render()

    # -------------------------------------------------------------- drawing
    def _render(self) -> None:
        import matplotlib.pyplot as plt

        from .circuit import draw_circuit, draw_circuit_blocks, recolor_circuit
        from .circuit_values import still_texts
        from .waveform import default_nets, waveforms
        t = self.stepper.time
        self.changed = list(dict.fromkeys(e.net for e in self.trace.events if e.time == t)) \
            if t is not None else []
        nets = self.nets or default_nets(self.trace)
        cursor = t if t is not None else -0.25

        def first():
            fig, _ = plt.subplots(2, 1, figsize=(12, 7 + 0.18 * len(nets)),
                                  height_ratios=[3, 1 + 0.08 * len(nets)],
                                  layout="constrained")
            again(fig)
            return fig

        def again(fig):
            top, bottom = fig.axes
            if self._schematic:
                draw_circuit(self.trace.circuit, values=self.stepper, ax=top)
            else:
                draw_circuit_blocks(self.trace.circuit, ax=top)
            waveforms(self.trace, nets=nets, ax=bottom, cursor=cursor)

        def update(fig):
            top, bottom = fig.axes
            if self._schematic:
                recolor_circuit(top, self.trace.circuit, self.stepper)
            for line in bottom.lines:
                if line.get_gid() == "cursor":
                    line.set_xdata([cursor, cursor])

        def moving(fig):
            # The schematic but its still names, and the cursor: the waveforms and their
            # axis are still.
            top, bottom = fig.axes
            still = set(still_texts(top))
            return [a for a in drawn_in(top) if a not in still] + \
                [ln for ln in bottom.lines if ln.get_gid() == "cursor"]

        def over(fig):
            # Gate names are drawn above the wires: rendered once, laid over each move.
            return still_texts(fig.axes[0])
        self.image.value = self._picture.png(first, again, update,
                                             moving if self._schematic else None, over)
        when = "before the switch (settled)" if t is None else f"t = {t} {self.trace.unit}"
        shown = ", ".join(self.changed[:40]) + (" ..." if len(self.changed) > 40 else "")
        self.label.value = (f"<b>{when}</b> (step {self.position} of {self.slider.max})"
                            f"<br>changed: {shown or '-'}")

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)


def circuit_stepper(circuit, before, after, delays=None, mode="transport", nets=None, dpi=80):
    """A step-through of ``circuit`` switching from ``before`` to ``after``.

    Returns a :class:`CircuitStepper`: ``.step()`` applies the next event time and
    returns the nets that changed; ``.time``, ``.changed``, ``.state`` tell where it is;
    ``.widget`` (time slider, play button, changed nets, schematic and waveform with a
    time cursor) displays in a notebook. Circuits too large for a schematic show the
    bit-slice view instead. ``dpi`` sets the resolution of the pictures.

    Raises
    ------
    ValueError
        ``before`` and ``after`` give the same inputs (nothing to step through), or a
        bad operand (see :func:`adders.timing.simulate_transition`).
    ImportError
        ipywidgets is not installed.
    """
    return CircuitStepper(circuit, before, after, delays=delays, mode=mode, nets=nets, dpi=dpi)


class ScanStepper:
    """Step through a prefix network level by level (see :func:`scan_stepper`).

    Attributes: ``network``, ``labels``, ``slider`` (levels applied, 0..depth),
    ``image`` (the network with later levels faint and complete outputs filled),
    ``label`` (the complete outputs in words), ``widget``.
    """

    def __init__(self, network, labels="adder", highlight=None, dpi=80):
        from adders.prefix import PrefixNetwork

        from ._style import check_choice
        from .prefix import LABELS
        w = _ipywidgets()
        if not isinstance(network, PrefixNetwork):
            raise CarrylabTypeError(f"network must be an adders.prefix.PrefixNetwork, got "
                            f"{type(network).__name__}")
        check_choice("labels", labels, LABELS)
        self.network, self.labels, self.highlight, self.dpi = network, labels, highlight, dpi
        self._groups = network.groups()
        self._picture = ReusedFigure(dpi)
        _slider_panel(self, w, network.depth, "level", 1000)

    @property
    def level(self) -> int:
        """Levels applied so far."""
        return self.slider.value

    @property
    def complete(self) -> list[int]:
        """Positions whose group reaches position 0 after :attr:`level` levels."""
        return [i for i, lo in enumerate(self._groups[self.level]) if lo == 0]

    @property
    def groups(self) -> list[tuple[int, int]]:
        """``(hi, lo)`` of the group each position holds now."""
        return [(i, lo) for i, lo in enumerate(self._groups[self.level])]

    def step(self) -> list[int]:
        """Apply the next level; return the positions it completed."""
        before = set(self.complete)
        self.slider.value = min(self.level + 1, self.network.depth)
        return [i for i in self.complete if i not in before]

    def back(self) -> None:
        """Undo the last level."""
        self.slider.value = max(self.level - 1, 0)

    def reset(self) -> None:
        """Back to level 0 (every position holds only itself)."""
        self.slider.value = 0

    def _render(self) -> None:
        from .prefix import draw_prefix, restyle_prefix

        def draw(ax=None):
            return draw_prefix(self.network, self.labels, ax=ax, highlight=self.highlight,
                               upto=self.level)
        # Moving: wires, cells, inputs and outputs; labels, title and legend stay put.
        self.image.value = self._picture.png(
            draw, lambda fig: draw(fig.axes[0]),
            lambda fig: restyle_prefix(fig.axes[0], self.network, self.level, self.highlight),
            lambda fig: drawn_in(fig.axes[0], texts=False))
        name = (lambda i: f"c<sub>{i + 1}</sub>") if self.labels == "adder" else \
               (lambda i: f"h<sub>{i}</sub>")
        done = self.complete
        self.label.value = (f"<b>after level {self.level} of {self.network.depth}</b>: "
                            f"{len(done)} of {self.network.n} complete: "
                            + ", ".join(name(i) for i in done))

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)


def scan_stepper(network, labels="adder", highlight=None, dpi=80):
    """A level-by-level step-through of a prefix network.

    Returns a :class:`ScanStepper`: ``.step()`` applies one more level and returns the
    positions it completed; ``.level`` and ``.complete`` (positions whose group reaches
    0, i.e. known carries ``c[i+1]`` or hidden states ``h[t]``) tell where it is.
    ``highlight`` colours one output's dependency cone; ``dpi`` sets the resolution.

    Raises
    ------
    ValueError
        Unknown ``labels`` (allowed: "adder", "rnn").
    """
    return ScanStepper(network, labels=labels, highlight=highlight, dpi=dpi)


class SequenceStepper:
    """Elman RNN versus CL-RNN, one parallel step at a time (see :func:`sequence_stepper`).

    Attributes: ``slider`` (steps taken, 0..T), ``image``, ``label``, ``widget``.
    """

    def __init__(self, T=8, kernel_size=2, levels=None, dpi=80):
        from .rnn import layout_dependency
        w = _ipywidgets()
        self.T, self.kernel_size, self.dpi = T, kernel_size, dpi
        self._elman = layout_dependency("elman", T, kernel_size)
        self._clrnn = layout_dependency("clrnn", T, kernel_size, levels)
        self.levels = len(self._clrnn["rows"]) - 2
        self._picture = ReusedFigure(dpi)
        _slider_panel(self, w, T, "step", 900)

    @property
    def position(self) -> int:
        """Parallel steps taken."""
        return self.slider.value

    def ready(self, model: str) -> list[int]:
        """Times t whose h[t] ``model`` ("elman" or "clrnn") has after :attr:`position` steps."""
        from ._style import check_choice
        check_choice("model", model, ("elman", "clrnn"))
        lay = self._elman if model == "elman" else self._clrnn
        return [t for t in range(self.T) if lay["step"][f"h[{t}]"] <= self.position]

    def step(self) -> None:
        """One more parallel step."""
        self.slider.value = min(self.position + 1, self.T)

    def back(self) -> None:
        """One step back."""
        self.slider.value = max(self.position - 1, 0)

    def reset(self) -> None:
        """Back to step 0 (only the inputs are known)."""
        self.slider.value = 0

    def _render(self) -> None:
        from .rnn import dependency_graph, restyle_dependency
        args = (self.T, self.kernel_size, self.levels)

        def again(fig):
            top, bottom = fig.axes
            dependency_graph("elman", *args, ax=top, step=self.position)
            dependency_graph("clrnn", *args, ax=bottom, step=self.position)

        def update(fig):
            top, bottom = fig.axes
            restyle_dependency(top, "elman", *args, step=self.position)
            restyle_dependency(bottom, "clrnn", *args, step=self.position)
        # Moving: edges, arcs and nodes; row names, times and titles stay put.
        self.image.value = self._picture.png(
            lambda: dependency_graph("both", *args, step=self.position), again, update,
            lambda fig: drawn_in(fig.axes[0], texts=False) + drawn_in(fig.axes[1], texts=False))
        e, c = self.ready("elman"), self.ready("clrnn")
        self.label.value = (f"<b>after {self.position} parallel step(s)</b>: Elman has "
                            f"{len(e)} of {self.T} hidden states, CL-RNN {len(c)} of {self.T} "
                            f"(it needs {self.levels + 1} steps whatever T)")

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)


def sequence_stepper(T=8, kernel_size=2, levels=None, dpi=80):
    """Step an Elman RNN and a CL-RNN through one sequence of length T side by side.

    Returns a :class:`SequenceStepper`; ``.step()`` takes one parallel step, and
    ``.ready("elman")`` / ``.ready("clrnn")`` list the hidden states each has so far:
    Elman gains one per step, CL-RNN has them all after L + 1 steps.
    """
    return SequenceStepper(T=T, kernel_size=kernel_size, levels=levels, dpi=dpi)


def _slider_panel(owner, w, maximum: int, description: str, interval: int) -> None:
    """Give ``owner`` a play button linked to a slider over 0..maximum, a caption and a
    picture stacked in ``owner.widget``; moving the slider calls ``owner._render()``."""
    owner.slider = w.IntSlider(value=0, min=0, max=maximum, description=description)
    owner.play = w.Play(value=0, min=0, max=maximum, interval=interval)
    owner._link = w.jslink((owner.play, "value"), (owner.slider, "value"))
    owner.label = w.HTML()
    owner.image = w.Image(format="png")
    owner.widget = w.VBox([w.HBox([owner.play, owner.slider]), owner.label, owner.image])
    owner.slider.observe(lambda _: owner._render(), names="value")
    owner._render()
