"""Pictures of the RNN side: receptive fields, dependency graphs, hidden states, training curves.

Convention (as in WaveNet and TCN figures): time runs left to right, inputs ``x`` are
the bottom row and each layer sits above the one it reads.

CL-RNN's carry-lookahead module is a causal dilated convolution stack: level i has
kernel size k and dilation 2^i, so the stand-in carry ``c[t]`` depends on
``x[t-R+1 .. t]`` with ``R = 1 + (k-1)(2^L - 1)`` (``x[t]`` included). An adder's carry
into bit t depends on bits *below* t only: the same tree shifted by one.
"""
from __future__ import annotations

from adders.checks import check_int
from adders.errors import CarrylabValueError

from ._style import COLORS, check_choice, new_axes

__all__ = ["MODELS", "MAX_DRAWN_FIELD", "receptive_field_size", "receptive_cone", "receptive_field",
           "layout_dependency", "dependency_graph", "restyle_dependency", "hidden_heatmap",
           "training_curves"]

#: The widest receptive field :func:`receptive_field` draws: 1,024 inputs (one dot per
#: input and level; wider fields take minutes and no screen shows them).
MAX_DRAWN_FIELD = 1024

#: Allowed values of ``model`` in :func:`dependency_graph`.
MODELS = ("elman", "clrnn", "both")



def _dilations(levels, dilations):
    check_int(levels, "levels", 1)
    if dilations is None:
        return [2 ** i for i in range(levels)]
    dilations = list(dilations)
    if len(dilations) != levels:
        raise CarrylabValueError(f"dilations must have one entry per level ({levels}), got {dilations!r}")
    for d in dilations:
        check_int(d, "dilations[i]", 1)
    return dilations


def receptive_field_size(kernel_size: int, levels: int, dilations=None) -> int:
    """``R = 1 + (k - 1) * sum(dilations)``; ``1 + (k-1)(2^L - 1)`` for dilations 2^i.

    >>> receptive_field_size(2, 4), receptive_field_size(5, 4)
    (16, 61)
    """
    check_int(kernel_size, "kernel_size", 1)
    return 1 + (kernel_size - 1) * sum(_dilations(levels, dilations))


def receptive_cone(kernel_size: int, levels: int, t: int, dilations=None) -> list[set]:
    """Times each level contributes to output ``c[t]`` (pure).

    Returns ``cone`` with ``cone[0]`` the input times (``x``) and ``cone[levels] ==
    {t}``; level l (1-based) reads ``tau - m * d_l`` for m = 0..k-1. Times below 0 are
    the zero padding and are left out.
    """
    check_int(kernel_size, "kernel_size", 1)
    ds = _dilations(levels, dilations)
    check_int(t, "t", 0)
    cone = [set() for _ in range(levels + 1)]
    cone[levels] = {t}
    for l in range(levels, 0, -1):
        d = ds[l - 1]
        cone[l - 1] = {tau - m * d for tau in cone[l] for m in range(kernel_size)
                       if tau - m * d >= 0}
    return cone


def receptive_field(kernel_size: int, levels: int, t=None, ax=None, dilations=None,
                    formula: bool = True):
    """Draw the dilated-convolution tree behind one output ``c[t]``; return the Figure.

    Drawn: every (time, level) unit as a small dot, the units ``c[t]`` depends on in
    black with their connections in red, the inputs ``x[t-R+1 .. t]`` circled
    (gid ``"rf-input:<time>"``, one per input in the field) and bracketed with R.

    Parameters
    ----------
    kernel_size : int >= 1
    levels : int >= 1
    t : int, optional
        Output time; default R + 1 (the whole field plus two earlier steps).
    ax : matplotlib Axes, optional
    dilations : sequence of int, optional
        One per level; default 2^i at level i.
    formula : bool
        Write R's formula beside the bracket (off where a lesson asks for it).

    Raises
    ------
    CarrylabValueError
        A field wider than :data:`MAX_DRAWN_FIELD` inputs, or sizes below 1.
    """
    from matplotlib.collections import LineCollection
    R = receptive_field_size(kernel_size, levels, dilations)
    if R > MAX_DRAWN_FIELD:
        raise CarrylabValueError(
            f"the receptive field of kernel_size {kernel_size} and {levels} levels holds R = {R:,} "
            f"inputs; receptive_field draws at most {MAX_DRAWN_FIELD:,}: use fewer levels or a "
            f"smaller kernel (receptive_field_size computes R for any size)")
    ds = _dilations(levels, dilations)
    if t is None:
        t = R + 1
    cone = receptive_cone(kernel_size, levels, t, ds)
    lo_t, hi_t = max(0, t - R + 1 - 2), t + 1
    T = hi_t - lo_t + 1
    fig, ax = new_axes(ax, (min(20.0, max(7.0, 0.3 * T + 2.0)), 1.0 + 0.75 * (levels + 1)))
    pitch = ax.get_position().width * fig.get_figwidth() * 72 / T
    dot = max(2.0, min(7.0, pitch * 0.3))
    times = range(lo_t, hi_t + 1)
    for l in range(levels + 1):
        ax.plot(list(times), [l] * T, ls="none", marker="o", ms=dot * 0.7,
                color=COLORS["faint"], zorder=1)
    segs = []
    for l in range(levels, 0, -1):
        d = ds[l - 1]
        for tau in cone[l]:
            for m in range(kernel_size):
                if tau - m * d >= 0:
                    segs.append([(tau - m * d, l - 1), (tau, l)])
    ax.add_collection(LineCollection(segs, colors=COLORS["cone"], linewidths=1.1, alpha=0.8,
                                     zorder=2, gid="rf-edges"))
    for l in range(1, levels + 1):
        xs = sorted(cone[l])
        ax.plot(xs, [l] * len(xs), ls="none", marker="o", ms=dot,
                color=COLORS["black_cell"], zorder=3)
    for tau in sorted(cone[0]):
        ax.plot([tau], [0], ls="none", marker="o", ms=dot * 1.2, mfc="white",
                mec=COLORS["cone"], mew=1.5, zorder=3, gid=f"rf-input:{tau}")
    ax.plot([t], [levels], ls="none", marker="o", ms=dot * 1.6, mfc=COLORS["cone"],
            mec="black", zorder=4, gid="rf-output")
    # Row labels on the left.
    for l in range(levels + 1):
        name = "x" if l == 0 else (f"level {l}\nd = {ds[l - 1]}" if l < levels
                                   else f"c = level {l}\nd = {ds[l - 1]}")
        ax.text(lo_t - 0.8, l, name, ha="right", va="center", fontsize=8)
    # Bracket under the field.
    first = min(cone[0])
    ax.annotate("", xy=(first - 0.3, -0.45), xytext=(t + 0.3, -0.45),
                arrowprops=dict(arrowstyle="|-|", color=COLORS["cone"], lw=1.2,
                                mutation_scale=max(2.0, dot * 0.8)))
    span = t - first + 1
    ax.text((first + t) / 2, -0.6, f"receptive field: x[t-{t - first}] .. x[t], "
            f"{span} inputs" + (f" (R = {R}; the rest is zero padding)" if span < R else
                                 " = R = 1 + (k-1)(2^L - 1)" if dilations is None and formula
                                 else " = R"),
            ha="center", va="top", fontsize=9, color=COLORS["cone"])
    ax.text(t, levels + 0.3, "c[t]", ha="center", va="bottom", fontsize=9,
            color=COLORS["cone"])
    ax.text(t, -0.2, "x[t]", ha="center", va="top", fontsize=7)
    ax.set_xlim(lo_t - 0.9 - 62.0 / max(pitch, 1.0), hi_t + 0.7)
    ax.set_ylim(-1.25, levels + 0.9)
    ax.set_axis_off()
    ax.set_title(f"Causal dilated convolutions, kernel size k = {kernel_size}, L = {levels} "
                 f"levels, dilations {ds}: c[t] depends on {R} inputs", fontsize=10)
    return fig


# ---------------------------------------------------------------------- dependency graphs
def layout_dependency(model: str, T: int, kernel_size: int = 2, levels=None) -> dict:
    """Nodes, edges and the longest dependency chain of a sequence model (pure).

    ``model="elman"``: nodes ``x[t]`` (row 0) and ``h[t]`` (row 1); ``h[t]`` reads
    ``x[t]`` and ``h[t-1]``. ``model="clrnn"``: ``x[t]``, TCN levels ``u{l}[t]``
    (rows 1..L, the last one is ``c[t]``) and ``h[t]`` (row L + 1), where ``h[t]`` reads
    ``x[t]`` and ``c[t]`` only. Default L: the smallest level count whose receptive
    field covers T.

    Returns ``{"pos": {node: (t, row)}, "edges": [(u, v)], "path": [nodes], "rows":
    [row names], "depth": length of the longest chain in layers, "step": {node: the
    parallel step that computes it (0 for inputs)}}``.
    """
    check_choice("model", model, MODELS[:2])
    check_int(T, "T", 1)
    check_int(kernel_size, "kernel_size", 2)
    pos, edges = {}, []
    if model == "elman":
        for t in range(T):
            pos[f"x[{t}]"], pos[f"h[{t}]"] = (t, 0), (t, 1)
            edges.append((f"x[{t}]", f"h[{t}]"))
            if t:
                edges.append((f"h[{t - 1}]", f"h[{t}]"))
        path = ["x[0]"] + [f"h[{t}]" for t in range(T)]
        step = {node: (0 if node[0] == "x" else r + 1) for node, (r, _) in pos.items()}
        return {"pos": pos, "edges": edges, "path": path, "rows": ["x", "h"], "depth": T,
                "step": step}
    if levels is None:
        levels = 1
        while receptive_field_size(kernel_size, levels) < T:
            levels += 1
    check_int(levels, "levels", 1)
    ds = [2 ** i for i in range(levels)]
    names = ["x"] + [f"u{l}" for l in range(1, levels)] + ["c", "h"]
    for t in range(T):
        for r, name in enumerate(names):
            pos[f"{name}[{t}]"] = (t, r)
    for l in range(1, levels + 1):
        for t in range(T):
            for m in range(kernel_size):
                if t - m * ds[l - 1] >= 0:
                    edges.append((f"{names[l - 1]}[{t - m * ds[l - 1]}]", f"{names[l]}[{t}]"))
    for t in range(T):
        edges.append((f"x[{t}]", f"h[{t}]"))
        edges.append((f"c[{t}]", f"h[{t}]"))
    # Longest chain into h[T-1]: one input, up through every level, into h.
    cone = receptive_cone(kernel_size, levels, T - 1)
    start = min(cone[0])
    path = [f"x[{start}]"]
    tau = start
    for l in range(1, levels + 1):
        # climb toward T-1 using the largest step that stays in the cone of h[T-1]
        step = next(m * ds[l - 1] for m in range(kernel_size - 1, -1, -1)
                    if tau + m * ds[l - 1] in cone[l])
        tau += step
        path.append(f"{names[l]}[{tau}]")
    path.append(f"h[{T - 1}]")
    step = {node: row for node, (_, row) in pos.items()}
    return {"pos": pos, "edges": edges, "path": path, "rows": names, "depth": levels + 1,
            "step": step}


def dependency_graph(model: str = "both", T: int = 8, kernel_size: int = 2, levels=None,
                     ax=None, step=None):
    """Draw what each hidden state waits for; return the Figure.

    ``"elman"``: the serial chain ``h[t-1] -> h[t]``, T dependent steps (red).
    ``"clrnn"``: inputs -> dilated convolutions -> ``c[t]`` -> ``h[t]``, every time step
    at once; the longest chain (red) has L + 1 layers whatever T is. ``"both"`` stacks
    the two (``ax`` must then be None). Edges are Line2D/collections with gid
    ``"dep-edges"``, the chain ``"dep-path"``. With ``step`` = s, only what s parallel
    steps have computed is drawn solid (Elman: h[0..s-1]; CL-RNN: everything by step
    L + 1); nodes have gid ``"node:<name>:done"`` or ``"node:<name>:todo"``.

    Raises
    ------
    ValueError
        Unknown ``model`` (allowed: "elman", "clrnn", "both"), T < 1, kernel_size < 2.
    """
    check_choice("model", model, MODELS)
    if model == "both":
        if ax is not None:
            raise CarrylabValueError("ax must be None for model='both' (it draws two panels); "
                             "draw 'elman' and 'clrnn' on your own axes instead")
        import matplotlib.pyplot as plt
        lay = layout_dependency("clrnn", T, kernel_size, levels)
        fig, (top, bottom) = plt.subplots(
            2, 1, figsize=(min(18.0, 1.2 + 0.7 * T), 2.6 + 0.65 * (len(lay["rows"]) + 2)),
            height_ratios=[2, len(lay["rows"])], layout="constrained")
        dependency_graph("elman", T, kernel_size, levels, ax=top, step=step)
        dependency_graph("clrnn", T, kernel_size, levels, ax=bottom, step=step)
        fig.suptitle("Serial chain versus carry lookahead: what h[t] waits for", fontsize=12,
                     fontweight="bold")
        return fig
    from matplotlib.collections import LineCollection
    from matplotlib.patches import FancyArrowPatch
    lay = layout_dependency(model, T, kernel_size, levels)
    pos, rows = lay["pos"], lay["rows"]
    if step is not None:
        check_int(step, "step", 0)
    st = _dependency_state(model, lay, step)
    on_path = st["on_path"]
    fig, ax = new_axes(ax, (min(18.0, 1.2 + 0.7 * T), 1.2 + 0.65 * len(rows)))
    # CL-RNN's x[t] -> h[t] skips the convolution rows: a dashed arc beside the column.
    for (u, v), alpha in zip(st["skip"], st["skip_alpha"]):
        ax.add_patch(FancyArrowPatch(pos[u], pos[v], connectionstyle="arc3,rad=-0.12",
                                     arrowstyle="-", ls="--", lw=0.8, color=COLORS["zero"],
                                     alpha=alpha, zorder=1, gid="dep-skip"))
    plain, todo = st["plain"], st["todo"]
    ax.add_collection(LineCollection(todo, colors=COLORS["faint"], linewidths=0.8, zorder=0,
                                     gid="dep-todo"))
    hot = [[pos[u], pos[v]] for u, v in lay["edges"] if (u, v) in on_path]
    ax.add_collection(LineCollection(plain, colors=COLORS["wire"], linewidths=0.8, alpha=0.6,
                                     zorder=1, gid="dep-edges"))
    ax.add_collection(LineCollection(hot, colors=COLORS["cone"], linewidths=2.2, zorder=2,
                                     gid="dep-path"))
    for node, (t, r) in pos.items():
        face, edge, gid = st["nodes"][node]
        ax.plot([t], [r], marker="o", ms=9 if rows[r] in ("x", "h") else 6,
                mfc=face, mec=edge, mew=1.0, zorder=3, gid=gid)
    for r, name in enumerate(rows):
        ax.text(-0.6, r, name, ha="right", va="center", fontsize=9)
    ax.set_xlim(-1.4, T - 0.4)
    ax.set_ylim(-0.9, len(rows) - 0.4)
    for t in range(T):
        ax.text(t, -0.45, f"t={t}", ha="center", va="top", fontsize=7, color="0.4")
    ax.set_axis_off()
    if model == "elman":
        title = (f"Elman RNN, T = {T}: h[t] = tanh(W x[t] + U h[t-1] + b) waits for h[t-1]:\n"
                 f"a chain of {lay['depth']} steps")
    else:
        L = len(rows) - 2
        title = (f"CL-RNN, T = {T}, k = {kernel_size}, L = {L}: c[t] from the inputs by "
                 f"dilated convolutions,\nh[t] = tanh(W_ih x[t] + W_hh c[t] + b) (dashed: "
                 f"x[t] -> h[t]); longest chain {lay['depth']} layers, whatever T")
    ax.set_title(title, fontsize=9.5)
    return fig


def _dependency_state(model: str, lay: dict, step) -> dict:
    """What ``step`` parallel steps change in a dependency graph: the ``skip`` arcs
    (CL-RNN's x[t] -> h[t]) and their alphas, the ``plain`` (done) and ``todo`` edge
    segments, and each node's (face, edge, gid); ``on_path`` edges stay red."""
    pos, rows = lay["pos"], lay["rows"]
    done = {node for node, s in lay["step"].items() if step is None or s <= step}
    on_path = set(zip(lay["path"], lay["path"][1:]))
    skip = sorted((u, v) for u, v in lay["edges"] if model == "clrnn" and u.startswith("x")
                  and v.startswith("h"))
    rest = [(u, v) for u, v in lay["edges"] if (u, v) not in on_path and (u, v) not in set(skip)]
    on = set(lay["path"])
    nodes = {}
    for node, (_, r) in pos.items():
        name, ready = rows[r], node in done
        color = COLORS["black_cell"] if name == "h" else (
            "white" if name == "x" else COLORS["grey_cell"])
        nodes[node] = (color if ready else "white",
                       (COLORS["cone"] if node in on else "black") if ready else COLORS["faint"],
                       f"node:{node}:{'done' if ready else 'todo'}")
    return {"on_path": on_path, "skip": skip, "nodes": nodes,
            "skip_alpha": [0.7 if v in done else 0.15 for _, v in skip],
            "plain": [[pos[u], pos[v]] for u, v in rest if v in done],
            "todo": [[pos[u], pos[v]] for u, v in rest if v not in done]}


def restyle_dependency(ax, model: str, T: int, kernel_size: int = 2, levels=None,
                       step=None) -> None:
    """Show ``step`` parallel steps on a picture :func:`dependency_graph` drew of
    ``model`` ("elman" or "clrnn") into ``ax``, in place: edges move between done and
    to do, nodes and dashed arcs change colour. The sequence step-through calls it."""
    lay = layout_dependency(model, T, kernel_size, levels)
    st = _dependency_state(model, lay, None if step is None else check_int(step, "step", 0))
    for coll in ax.collections:
        key = {"dep-edges": "plain", "dep-todo": "todo"}.get(coll.get_gid())
        if key:
            coll.set_segments(st[key])
    arcs = [p for p in ax.patches if p.get_gid() == "dep-skip"]
    for arc, alpha in zip(arcs, st["skip_alpha"]):
        arc.set_alpha(alpha)
    for line in ax.lines:
        gid = line.get_gid() or ""
        if gid.startswith("node:"):
            face, edge, new = st["nodes"][gid[5:].rsplit(":", 1)[0]]
            line.set_markerfacecolor(face)
            line.set_markeredgecolor(edge)
            line.set_gid(new)


def hidden_heatmap(h, ax=None, title=None, carries=None):
    """Hidden states over time as a heatmap: units as rows, time steps as columns.

    Parameters
    ----------
    h : array (T, H), or (B, T, H) (the first sequence is drawn)
    carries : optional (T,) 0/1 sequence (e.g. the true carries of a binary addition),
        drawn as a strip under the map so hidden units that track it stand out.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import numpy as np
    h = np.asarray(h, dtype=float)
    if h.ndim == 3:
        h = h[0]
    if h.ndim != 2 or h.size == 0:
        raise CarrylabValueError(f"h must be a non-empty (T, H) or (B, T, H) array of hidden states, "
                         f"got shape {h.shape}")
    T, H = h.shape
    fig, ax = new_axes(ax, (min(2 + 0.25 * T, 16), 1.5 + 0.22 * H + (0.4 if carries is not None else 0)))
    limit = max(float(np.abs(h).max()), 1e-12)
    image = ax.imshow(h.T, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit,
                      interpolation="nearest", extent=(-0.5, T - 0.5, H - 0.5, -0.5))
    image.set_gid("hidden-heatmap")
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="h")
    ax.set_xlabel("time step t")
    ax.set_ylabel("hidden unit")
    if carries is not None:
        carries = np.asarray(carries).reshape(-1)
        if carries.shape[0] != T:
            raise CarrylabValueError(f"carries must have one value per time step ({T}), got {carries.shape[0]}")
        from matplotlib.patches import Rectangle
        for t in np.nonzero(carries)[0]:
            ax.add_patch(Rectangle((t - 0.5, H - 0.5), 1, 0.6, color="black", clip_on=False,
                                   gid="carry-mark"))
        ax.text(-0.6, H + 0.1, "carry", ha="right", va="center", fontsize=8)
        ax.set_ylim(H + 0.2, -0.5)
    ax.set_title(title or f"hidden states over time ({H} units, {T} steps)")
    return fig


def _read_history(history) -> list[dict]:
    """Epoch rows from rnn.train: a list of dicts, or a metrics.json / metrics.csv path."""
    import csv
    import json
    import os
    if isinstance(history, (str, os.PathLike)):
        path = os.fspath(history)
        if os.path.isdir(path):
            path = os.path.join(path, "metrics.json")
        if path.endswith(".json"):
            with open(path) as f:
                doc = json.load(f)
            history = doc["epochs"] if isinstance(doc, dict) else doc
        elif path.endswith(".csv"):
            with open(path, newline="") as f:
                history = [{k: float(v) for k, v in row.items() if v not in ("", None)}
                           for row in csv.DictReader(f)]
        else:
            raise CarrylabValueError(f"history: a file must be metrics.json or metrics.csv, got {path!r}")
    history = list(history)
    if not history or "epoch" not in history[0]:
        raise CarrylabValueError("history is empty or has no 'epoch' column: pass the rows (or the "
                         "metrics.json / metrics.csv) that rnn.train.fit writes")
    return history


def training_curves(history, ax=None, label=None):
    """Training and validation loss per epoch, from what :func:`rnn.train.fit` writes.

    ``history`` is a training folder, its metrics.json / metrics.csv, or the list of epoch
    rows. Epochs where the learning rate dropped are marked. Several runs can share one
    ``ax`` (pass ``label``).
    """
    rows = _read_history(history)
    fig, ax = new_axes(ax, (6.5, 4))
    epochs = [int(r["epoch"]) for r in rows]
    prefix = f"{label}: " if label else ""
    line, = ax.plot(epochs, [float(r["train_loss"]) for r in rows], "-", label=f"{prefix}train",
                    gid="curve-train")
    ax.plot(epochs, [float(r["valid_loss"]) for r in rows], "--", color=line.get_color(),
            label=f"{prefix}validation", gid="curve-valid")
    lrs = [float(r["lr"]) for r in rows]
    for k in range(1, len(rows)):
        if lrs[k] < lrs[k - 1]:
            ax.axvline(epochs[k], color="grey", lw=0.8, ls=":", gid="lr-drop")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig
