r"""A prefix-network editor: build a network cell by cell and watch both algebras at once.

The student edits a grid of *slots*: rows are levels (row 1 on top, as in
:func:`viz.draw_prefix`), columns are positions (bit 0 on the right). A slot holds at
most one cell ``(i, j)``, ``j < i``: position i absorbs the group that ends at j. Adding
a cell without naming j uses the **nearest-group rule**: ``j = lo - 1`` where ``i``
holds the group ``i:lo`` just before that row, so the two groups meet without a gap or
an overlap. Naming j (``j = i - s`` in the widget's menu) allows any cell, including
wrong ones: that is the point of the exercise.

Every edit recomputes, apart from any drawing (pure functions, no ipywidgets):

* :func:`layout_editor`: the grid (which slot holds which cell, the group each position
  holds before each row, the partner the nearest-group rule would pick);
* :func:`check_outputs`: what each output really combines. Output i is *exact* when it
  combines the positions ``i, i-1, ..., 0`` once each, in that order: right for every
  associative operator, so for carries and for a linear RNN. It is *right for carries
  only* when it reaches every position of ``0..i``, meets each one first in descending
  order, but meets some twice: the carry operator is idempotent (``x o x = x``), affine
  maps are not (the repeated steps count twice). Anything else (a position missing, or
  met out of order) is wrong for both;
* :func:`two_algebras`: the network run on an addition ``a + b`` (its carries
  ``c[i+1] = G[i:0]`` checked against Python's integer ``+``) and on a linear RNN
  ``h[t] = a_t h[t-1] + b_t`` with fixed ``a_t, b_t`` (each ``h[t]`` checked against the
  sequential loop :func:`rnn.scan.linear_recurrence_loop`).

:func:`draw_editor` draws one picture of it all: the network (:func:`viz.draw_prefix`,
adder orientation) with each output's carry and hidden state underneath, green when
they agree with the references and red when not. Tagged gids: ``"cell:k:i:j"`` (from
draw_prefix), ``"carry:i"``, ``"state:i"``, ``"wrong:i"`` (the first wrong output).

:func:`prefix_editor` wraps it in ipywidgets (imported only then): a grid of toggle
buttons, a partner menu, sliders for a and b, the stats and the verdict, the picture,
and an "export submission" button that writes the network as JSON for the design
challenge ``{"challenge": "prefix-<n>", "student": ..., "n": n, "levels": [[[i, j], ...],
...]}`` (:func:`submission`; the challenge checker in ``carrylab`` reads that file, and viz
never imports carrylab).

Examples
--------
>>> draft = PrefixDraft(4, start="serial")      # cells (1, 0), (2, 1), (3, 2)
>>> draft.add(1, 3)          # row 1, position 3: joins the group just below it
2
>>> check_outputs(draft.network)["message"]
'valid for carries only: position 3 combines position 2 twice: right for carries (the carry operator is idempotent), wrong for a linear RNN'
>>> draft.remove(3, 3)       # the serial cell (3, 2) of row 3
2
>>> check_outputs(draft.network)["message"]
'not a prefix network: position 3 does not combine position 1: it covers 2..3 only'
>>> draft.add(2, 3)
1
>>> draft.network.levels     # Sklansky's network on 4 positions
(((1, 0), (3, 2)), ((2, 1), (3, 1)))
"""
from __future__ import annotations

from pathlib import Path

from adders.checks import check_int
from adders.errors import CarrylabValueError

from ._style import BAD_COLOR as _BAD
from ._style import OK_COLOR as _OK
from ._style import Layers
from ._style import ipywidgets_module as _ipywidgets
from .draft import MAX_N, STARTS, PrefixDraft, check_outputs, layout_editor
from .editor_picture import (
    default_coefficients,
    default_operands,
    draw_editor,
    editor_axes,
    redraw_editor,
    restate_editor,
    restated,
    two_algebras,
)
from .submission import submission, write_submission

__all__ = ["MAX_N", "STARTS", "PrefixDraft", "PrefixEditor", "check_outputs",
           "default_coefficients", "default_operands", "draw_editor", "layout_editor",
           "prefix_editor", "submission", "two_algebras", "write_submission"]


# ---------------------------------------------------------------------- the widget
class PrefixEditor:
    """The ipywidgets editor (see :func:`prefix_editor`).

    Attributes
    ----------
    draft : PrefixDraft
        The cells; edit it through :meth:`add`, :meth:`remove`, :meth:`toggle`,
        :meth:`load` (or the buttons) so the view follows.
    buttons : dict
        ``(row, i) -> ipywidgets.ToggleButton``, one per slot (DOM class
        ``carrylab-slot-<row>-<i>``).
    partner : ipywidgets.Dropdown
        0 for the nearest-group rule, s > 0 for ``j = i - s``.
    a_slider, b_slider : ipywidgets.IntSlider
    stats, verdict, checks, note : ipywidgets.HTML
    image : ipywidgets.Image
        :func:`draw_editor` as PNG; :attr:`gids` lists the gids it drew.
    widget : ipywidgets.VBox
    """

    def __init__(self, n=8, start="serial", a=None, b=None, student="", challenge=None,
                 coefficients=None, dpi=100):
        w = self._w = _ipywidgets()
        self.draft = PrefixDraft(n, start)
        n = self.draft.n
        self.challenge, self.dpi = challenge, dpi
        self.coefficients = coefficients if coefficients is not None else default_coefficients(n)
        da, db = default_operands(n)
        self.buttons: dict[tuple[int, int], object] = {}
        self.gids: list[str] = []
        self._syncing = False
        self._figure = _canvas_figure(dpi)
        self._layers = None               # how the figure is redrawn (viz._style.Layers)
        self._depth = None                # depth the figure's axes were sized for
        self._drawn = None                # levels of the network drawn now
        self.start = w.Dropdown(options=list(STARTS), value=start if isinstance(start, str)
                                else None, description="start from",
                                layout=w.Layout(width="260px"))
        self.partner = w.Dropdown(options=[("the group just below", 0)]
                                  + [(f"j = i − {s}", s) for s in range(1, n)], value=0,
                                  description="new cell joins",
                                  style={"description_width": "initial"},
                                  layout=w.Layout(width="300px"))
        top = (1 << n) - 1
        self.a_slider = w.IntSlider(value=da if a is None else check_int(a, "a", 0, top), min=0,
                                    max=top, description="a", continuous_update=False)
        self.b_slider = w.IntSlider(value=db if b is None else check_int(b, "b", 0, top), min=0,
                                    max=top, description="b", continuous_update=False)
        self.stats, self.verdict, self.checks, self.note = (w.HTML() for _ in range(4))
        self.stats.add_class("carrylab-editor-stats")
        self.verdict.add_class("carrylab-editor-verdict")
        self.grid = w.GridBox(layout=w.Layout(grid_template_columns=f"72px repeat({n}, 42px)",
                                              grid_gap="2px"))
        self.image = w.Image(format="png", layout=w.Layout(align_self="flex-start"))   # no stretch
        self.image.add_class("carrylab-editor-picture")
        self.student = w.Text(value=student, description="student",
                              layout=w.Layout(width="240px"))
        self.path = w.Text(value=f"prefix_{n}.json", description="file",
                           layout=w.Layout(width="240px"))
        export = w.Button(description="export submission", layout=w.Layout(width="160px"))
        export.on_click(lambda _: self._export_clicked())
        self.exported = w.HTML()
        self._headers = [w.HTML("")] + [w.HTML(f"<div style='text-align:center'><b>{i}</b></div>")
                                        for i in reversed(range(n))]
        self._row_labels: list = []
        self.widget = w.VBox([
            w.HBox([self.start, self.partner]), self.grid, self.note,
            w.HBox([self.a_slider, self.b_slider]), self.stats, self.verdict, self.checks,
            self.image, w.HBox([self.student, self.path, export]), self.exported])
        self.widget.add_class("carrylab-prefix-editor")
        self.start.observe(self._on_start, names="value")
        self.a_slider.observe(lambda _: self._render(), names="value")
        self.b_slider.observe(lambda _: self._render(), names="value")
        self._refresh()

    # -------------------------------------------------------------- state
    @property
    def network(self):
        """The edited network (:attr:`PrefixDraft.network`)."""
        return self.draft.network

    @property
    def report(self) -> dict:
        """:func:`check_outputs` of the edited network."""
        return check_outputs(self.network)

    @property
    def result(self) -> dict:
        """:func:`two_algebras` at the sliders' a and b."""
        return two_algebras(self.network, self.a_slider.value, self.b_slider.value,
                            self.coefficients)

    def add(self, row: int, i: int, j: int | None = None) -> int:
        """Add a cell (see :meth:`PrefixDraft.add`) and redraw; return j."""
        j = self.draft.add(row, i, j)
        self._refresh()
        return j

    def remove(self, row: int, i: int) -> int:
        """Remove a cell (see :meth:`PrefixDraft.remove`) and redraw; return its j."""
        j = self.draft.remove(row, i)
        self._refresh()
        return j

    def toggle(self, row: int, i: int) -> tuple[str, int, int]:
        """What a click on slot (row, i) does: remove its cell, or add one whose partner
        the menu chooses. Returns ``(action, i, j)``."""
        span = self.partner.value
        j = None if span == 0 or (row, i) in self._cells() else i - span
        if j is not None and j < 0:
            raise CarrylabValueError(f"position {i} has no partner j = {i} − {span}; pick a "
                                     f"smaller step or the group just below")
        out = self.draft.toggle(row, i, j)
        self._refresh()
        return out

    def load(self, start) -> None:
        """Start again from ``start`` (a name of :data:`STARTS` or a network)."""
        self.draft.load(start)
        self._refresh()

    def export(self, path=None, student: str | None = None) -> Path:
        """Write the network as a challenge submission (:func:`write_submission`)."""
        return write_submission(self.path.value if path is None else path, self.network,
                                self.student.value if student is None else student,
                                self._challenge())

    def _challenge(self) -> str:
        return self.challenge or f"prefix-{self.draft.n}"

    def _cells(self) -> set:
        return {(k, i) for k, row in enumerate(self.draft.rows, start=1) for i in row}

    # -------------------------------------------------------------- events
    def _on_start(self, change) -> None:
        if change["new"] is not None and not self._syncing:
            self.load(change["new"])

    def _on_click(self, row: int, i: int) -> None:
        if self._syncing:
            return
        from adders.errors import CarrylabError
        try:
            action, i, j = self.toggle(row, i)
            self.note.value = f"{action} the cell ({i}, {j}) in row {row}"
        except CarrylabError as e:
            self._refresh()                           # the button springs back
            self.note.value = f"<span style='color:{_BAD}'>not added: {e}</span>"

    def _export_clicked(self) -> None:
        from adders.errors import CarrylabError
        try:
            path = self.export()
        except (OSError, CarrylabError) as e:
            self.exported.value = f"<span style='color:{_BAD}'>not written: {e}</span>"
            return
        self.exported.value = (f"wrote {path} for the challenge {self._challenge()}: "
                               f"{self.network.size} cells, "
                               f"{'a valid' if self.report['valid'] else 'not a valid'} "
                               f"prefix network")

    # -------------------------------------------------------------- drawing
    def _refresh(self) -> None:
        """Bring the grid in line with the draft, then redraw."""
        w = self._w
        lay = self.draft.layout()
        self._syncing = True
        try:
            for k in range(len(lay["rows"]) + 1, len(self._row_labels) + 1):
                for i in range(self.draft.n):
                    self.buttons.pop((k, i)).close()
            self._row_labels = self._row_labels[:len(lay["rows"])]
            while len(self._row_labels) < len(lay["rows"]):
                k = len(self._row_labels) + 1
                self._row_labels.append(w.HTML())
                for i in range(self.draft.n):
                    button = w.ToggleButton(layout=w.Layout(width="42px", height="28px",
                                                            padding="0px"),
                                            disabled=i == 0)
                    button.add_class(f"carrylab-slot-{k}-{i}")
                    button.observe(lambda _, k=k, i=i: self._on_click(k, i), names="value")
                    self.buttons[(k, i)] = button
            children = list(self._headers)
            for row, label in zip(lay["rows"], self._row_labels):
                k = row["row"]
                label.value = (f"level {row['level']}" if row["level"] else
                               "<i>new level</i>" if k == len(lay["rows"]) else "<i>(empty)</i>")
                children.append(label)
                for slot in row["slots"]:
                    i, j = slot["position"], slot["cell"]
                    button = self.buttons[(k, i)]
                    button.value = j is not None
                    button.description = "" if j is None else str(j)
                    button.button_style = "info" if j is not None else ""
                    button.tooltip = self._tooltip(k, slot)
                    children.append(button)
            self.grid.children = children
        finally:
            self._syncing = False
        self._render()

    @staticmethod
    def _tooltip(k: int, slot: dict) -> str:
        i, j, auto = slot["position"], slot["cell"], slot["auto"]
        if j is not None:
            return f"row {k}: position {i} joins {j}; click to remove"
        if i == 0:
            return "position 0 has nothing below it"
        if auto is None:
            return f"row {k}: position {i} already holds {i}..0"
        return f"row {k}: add a cell at position {i} (the group just below: j = {auto})"

    def _render(self) -> None:
        net, report, result = self.network, self.report, self.result
        st = net.stats()
        self.stats.value = (f"<b>depth {st['depth']} · cells {st['cells']} · max fanout "
                            f"{st['max_fanout']} · tracks {st['tracks']}</b>")
        color = _OK if report["valid"] else "#b8860b" if report["carries_valid"] else _BAD
        self.verdict.value = f"<span style='color:{color}'>{report['message']}</span>"
        nc, nh = sum(result["carry_ok"]), sum(result["h_ok"])
        self.checks.value = (
            f"carries of a + b = {result['a']} + {result['b']} = {result['sum_ref']}: "
            f"{nc} of {net.n} right (the network's sum: {result['sum']}) · linear RNN "
            f"h<sub>t</sub> = a<sub>t</sub> h<sub>t−1</sub> + b<sub>t</sub>: {nh} of {net.n} "
            f"agree with the step-by-step loop")
        fig = self._figure
        # One figure, one renderer, drawn in layers (viz._style.Layers): the same network
        # (a slider moved) changes only the carry and state texts and the title, which
        # are all that is drawn again. Another network of the same depth (so the same
        # figure size) changes the cells and wires of the picture in place; its labels
        # and legend stay, and so does their rendered overlay.
        if fig.axes and self._drawn == net.levels:
            restate_editor(fig.axes[0], result, report)
        else:
            if fig.axes and self._depth == net.depth:
                redraw_editor(fig.axes[0], net, result, report)
            else:
                fig.clear()
                draw_editor(net, result, report, ax=editor_axes(fig, net.n, net.depth))
                self._depth = net.depth
            ax = fig.axes[0]
            moving = restated(ax)
            self._layers = Layers(fig, moving, [t for t in ax.texts if t not in moving],
                                  reuse=self._layers)
            self.gids = sorted(a.get_gid() for a in
                               fig.findobj(lambda a: isinstance(a.get_gid(), str)))
        self._drawn = net.levels
        self.image.value = self._layers.png()

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)


def _canvas_figure(dpi):
    """A Figure at ``dpi`` on its own Agg canvas, outside pyplot's list of open figures."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def prefix_editor(n: int = 8, start="serial", a=None, b=None, student: str = "",
                  challenge: str | None = None, coefficients=None, dpi=100) -> PrefixEditor:
    """An editor for prefix networks on ``n`` positions (2..16), starting from ``start``.

    Click an empty slot of the grid (row = level, column = position, bit 0 on the right)
    to add a cell there: it joins the position with the group just below the one it
    holds (or with ``j = i - s`` chosen in the menu); click a cell to remove it. Each
    edit updates the stats (depth, cells, max fanout, tracks), the verdict of
    :func:`check_outputs` (naming the first wrong output) and the picture of
    :func:`draw_editor`: every output's carry of ``a + b`` (sliders) and hidden state of
    the linear RNN (``coefficients``, default :func:`default_coefficients`), checked.
    "export submission" writes :func:`submission` to the file named.

    Returns a :class:`PrefixEditor` (``.widget`` displays it; ``.add``, ``.remove``,
    ``.toggle``, ``.load``, ``.export`` drive it from code).

    Raises
    ------
    ValueError
        n outside 2..16, an unknown ``start``, a or b outside ``0 .. 2^n - 1``.
    ImportError
        ipywidgets is not installed.
    """
    return PrefixEditor(n, start, a=a, b=b, student=student, challenge=challenge,
                        coefficients=coefficients, dpi=dpi)
