"""Reading Logisim, first half: a ``.circ`` project's circuits, components and wires
parsed into sheets. See :mod:`adders.logisim`."""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter

from .errors import CircuitFileError
from .logisim_flatten import Comp, Flattener, UnionFind, parse_loc
from .logisim_geometry import (
    DIRECTIONS,
    GATE_KINDS,
    PARITY,
    classic_ports,
    evolution_ports,
    gate_axis,
    gate_input_offsets,
    rotate,
    splitter_bits,
    splitter_ends,
)

__all__ = ["Reader"]


def _parse_version(text: str) -> tuple[int, int, int]:
    found = re.match(r"\s*(\d+)\.(\d+)\.(\d+)", text or "")
    return tuple(int(g) for g in found.groups()) if found else (3, 8, 0)


class Reader(Flattener):
    """Reads one project: circuits, their components and wires, and flattens one of
    them into a carrylab Circuit."""

    def __init__(self, root, where: str):
        self.where = where
        self.version = _parse_version(root.get("source", ""))
        self.libs = {lib.get("name"): lib.get("desc", "") for lib in root.findall("lib")}
        self.circuits = {}
        for elt in root.findall("circuit"):
            self.circuits.setdefault(elt.get("name", ""), elt)
        main = root.find("main")
        self.main = main.get("name") if main is not None else None
        self.sheets: dict[str, dict] = {}

    # ------------------------------------------------------------------ errors
    def fail(self, circuit: str, problem: str):
        """Raise CircuitFileError naming the file, the circuit and ``problem``."""
        raise CircuitFileError(f"{self.where}: circuit {circuit!r}: {problem}")

    # ------------------------------------------------------------------ reading
    def sheet(self, name: str, stack=()) -> dict:
        """Components, wires and connectivity of circuit ``name`` (cached)."""
        if name in self.sheets:
            return self.sheets[name]
        if name in stack:
            self.fail(name, f"contains itself as a subcircuit (through {' -> '.join(stack + (name,))})")
        elt = self.circuits[name]
        comps = []
        for k, ce in enumerate(elt.findall("comp")):
            attrs = {a.get("name"): a.get("val", a.text or "") for a in ce.findall("a")}
            loc_text = ce.get("loc", attrs.pop("loc", None))
            loc = parse_loc(loc_text)
            if loc is None:
                self.fail(name, f"component {ce.get('name')!r} has no valid location (loc={loc_text!r})")
            comp = Comp(k, None, ce.get("name", ""), loc, attrs)
            self._classify(name, comp, ce.get("lib"), stack + (name,))
            comps.append(comp)
        wires = []
        for we in elt.findall("wire"):
            a, b = parse_loc(we.get("from")), parse_loc(we.get("to"))
            if a is None or b is None:
                self.fail(name, f"wire with bad end points from={we.get('from')!r} to={we.get('to')!r}")
            if a == b:
                continue                       # Logisim drops zero-length wires too
            if a[0] != b[0] and a[1] != b[1]:
                self.fail(name, f"wire from {a} to {b} is diagonal; Logisim wires are horizontal or vertical")
            wires.append((a, b))
        sheet = {"name": name, "elt": elt, "comps": comps, "wires": wires}
        self._connect(sheet)
        self.sheets[name] = sheet
        return sheet

    def _int(self, circuit, comp, attr, default, lo=1, hi=64):
        text = comp.attrs.get(attr)
        if text is None or text == "":
            return default
        try:
            value = int(text)
        except ValueError:
            self.fail(circuit, f"{comp.where()}: attribute {attr}={text!r} is not a number")
        if not lo <= value <= hi:
            self.fail(circuit, f"{comp.where()}: attribute {attr}={value} is outside {lo}..{hi}")
        return value

    def _size(self, circuit, comp, default: int, named: dict) -> int:
        """A gate's ``size`` in px (also accepted by name: narrow, medium, wide)."""
        text = comp.attrs.get("size") or str(default)
        size = named.get(text, int(text) if text.isdigit() else None)
        if size not in named.values():
            self.fail(circuit, f"{comp.where()}: size {text!r} is not one of "
                               f"{', '.join(str(v) for v in named.values())}")
        return size

    def _facing(self, circuit, comp, default="east") -> str:
        facing = comp.attrs.get("facing", default) or default
        if facing not in DIRECTIONS:
            self.fail(circuit, f"{comp.where()}: unknown facing {facing!r}")
        return facing

    def _classify(self, circuit: str, comp: Comp, lib, stack) -> None:
        """Set ``comp.kind`` and its pins, or fail for a component carrylab cannot read."""
        desc = self.libs.get(lib) if lib is not None else None
        if lib is not None and desc is None:
            self.fail(circuit, f"{comp.where()}: library {lib!r} is not declared by any <lib>")
        name, loc = comp.name, comp.loc
        if lib is None:
            if name not in self.circuits:
                self.fail(circuit, f"{comp.where()}: unsupported component (no library and no circuit "
                                   f"of that name; circuits: {', '.join(self.circuits)})")
            comp.kind = "sub"
            sub = self.sheet(name, stack)
            pins = [c for c in sub["comps"] if c.kind == "pin"]
            offsets = self._sub_ports(sub, pins)
            facing = self._facing(circuit, comp)
            for pin, (dx, dy) in zip(pins, offsets):
                rx, ry = rotate(dx, dy, facing)
                comp.ports.append(((loc[0] + rx, loc[1] + ry), pin.extra["width"]))
            comp.extra["pins"] = pins
            return
        # Files older than Logisim 2.6.3 kept the wiring parts in #Base, Constant in #Gates.
        wiring = desc in ("#Wiring", "#Base") or (desc == "#Gates" and name == "Constant")
        if desc == "#Base" and name == "Text":
            comp.kind = "ignore"
        elif wiring and name == "Pin":
            comp.kind = "pin"
            width = self._int(circuit, comp, "width", 1)
            is_out = comp.attrs.get("output") == "true" or comp.attrs.get("type") == "output"
            comp.extra.update(width=width, input=not is_out)
            comp.ports.append((loc, width))
        elif wiring and name in ("Constant", "Power", "Ground"):
            comp.kind = "const"
            width = self._int(circuit, comp, "width", 1)
            if name == "Constant":
                text = (comp.attrs.get("value") or "0x1").strip().lower()
                try:
                    value = int(text[2:] if text.startswith("0x") else text, 16)
                except ValueError:
                    self.fail(circuit, f"{comp.where()}: value {text!r} is not a hexadecimal number")
            else:
                value = (1 << width) - 1 if name == "Power" else 0
            comp.extra.update(width=width, value=value & ((1 << width) - 1))
            comp.ports.append((loc, width))
        elif wiring and name == "Tunnel":
            comp.kind = "tunnel"
            comp.ports.append((loc, self._int(circuit, comp, "width", 1)))
        elif wiring and name in ("Probe", "Do not connect", "NoConnect"):
            comp.kind = "ignore"
            comp.ports.append((loc, None))
        elif wiring and name == "Splitter":
            comp.kind = "splitter"
            fanout = self._int(circuit, comp, "fanout", 2)
            width = self._int(circuit, comp, "incoming", 2)
            facing = self._facing(circuit, comp)
            appear = comp.attrs.get("appear") or ("legacy" if self.version < (2, 6, 4) else "left")
            spacing = self._int(circuit, comp, "spacing", 1, 1, 9)
            ends = splitter_bits(fanout, width)
            for i in range(width):
                text = comp.attrs.get(f"bit{i}")
                if text is None:
                    # Logisim's default for a missing bitN is end N when that end exists,
                    # else the even spread above.
                    ends[i] = i if i < fanout else ends[i]
                    continue
                if text == "none":
                    ends[i] = None
                elif text.isdigit() and int(text) < fanout:
                    ends[i] = int(text)
                else:
                    self.fail(circuit, f"{comp.where()}: bit{i}={text!r} is not an end "
                                       f"0..{fanout - 1} or 'none'")
            comp.extra["ends"] = ends
            comp.ports.append((loc, width))
            for e, (dx, dy) in enumerate(splitter_ends(fanout, facing, appear, spacing)):
                comp.ports.append(((loc[0] + dx, loc[1] + dy), sum(1 for b in ends if b == e)))
        elif desc == "#Gates" and (name in GATE_KINDS or name in PARITY):
            self._gate(circuit, comp)
        else:
            self.fail(circuit, f"{comp.where()}: unsupported component {name!r} from library "
                               f"{desc!r}; carrylab reads gates, pins, constants, splitters, tunnels "
                               f"and subcircuits")

    def _gate(self, circuit: str, comp: Comp) -> None:
        name, loc = comp.name, comp.loc
        comp.kind = "gate"
        facing = self._facing(circuit, comp)
        width = self._int(circuit, comp, "width", 1)
        if comp.attrs.get("out", "01") not in ("01", ""):
            self.fail(circuit, f"{comp.where()}: output mode {comp.attrs['out']!r} (open collector) is "
                               f"not supported; set Output Value to 0/1")
        if name in ("NOT Gate", "Buffer"):
            kind = GATE_KINDS[name]
            size = self._size(circuit, comp, 30, {"narrow": 20, "wide": 30}) if name == "NOT Gate" else 20
            dx, dy = rotate(-size, 0, facing)
            comp.extra.update(kind=kind, width=width, negated=0, xor="odd")
            comp.ports += [(loc, width), ((loc[0] + dx, loc[1] + dy), width)]
            return
        kind = GATE_KINDS.get(name) or PARITY[name]
        default_inputs = 5 if self.version < (2, 7, 2) else 2        # original Logisim drew 5
        inputs = self._int(circuit, comp, "inputs", default_inputs, 2, 64)
        size = self._size(circuit, comp, 50, {"narrow": 30, "medium": 50, "wide": 70})
        negated = sum(1 << i for i in range(inputs) if comp.attrs.get(f"negate{i}") == "true")
        axis = gate_axis(kind, size) if name in GATE_KINDS else size
        offsets = gate_input_offsets(inputs, size, axis, facing, negated, self.version < (3, 4, 3))
        xor = "odd" if name in PARITY else comp.attrs.get("xor", "1")
        if kind in ("XOR", "XNOR") and inputs > 2 and xor != "odd":
            self.fail(circuit, f"{comp.where()}: a {inputs}-input {name} that is true for exactly one "
                               f"input is not supported; set Multiple-Input Behavior to 'odd'")
        comp.extra.update(kind=kind, width=width, negated=negated, xor=xor)
        comp.ports.append((loc, width))
        comp.ports += [((loc[0] + dx, loc[1] + dy), width) for dx, dy in offsets]

    def _sub_ports(self, sub: dict, pins: list[Comp]) -> list[tuple[int, int]]:
        """Port offsets of subcircuit ``sub``'s pins, from its appearance."""
        elt, name = sub["elt"], sub["name"]
        attrs = {a.get("name"): a.get("val", "") for a in elt.findall("a")}
        shapes = [s for appear in elt.findall("appear") for s in appear]
        anchor = None
        custom = {}
        for shape in shapes:
            tag = shape.tag
            if tag in ("circ-anchor", "circ-origin", "circ-port"):
                # The centre of the shape's box (older files) or its x, y.
                box = [shape.get(k) for k in ("x", "y", "width", "height")]
                if not all(re.fullmatch(r"-?\d+(\.\d*)?", v or "") for v in box[:2]):
                    self.fail(name, f"appearance <{tag}> without a valid x, y")
                x, y = float(box[0]), float(box[1])
                if all(re.fullmatch(r"\d+(\.\d*)?", v or "") for v in box[2:]):
                    x, y = x + float(box[2]) / 2, y + float(box[3]) / 2
                at = (round(x), round(y))
                if tag == "circ-port":
                    pin = parse_loc(shape.get("pin"))
                    if pin is None:
                        self.fail(name, f"appearance port with bad pin {shape.get('pin')!r}")
                    custom[pin] = at
                else:
                    anchor = at
                    if shape.get("facing", "east") != "east":
                        self.fail(name, "a custom appearance whose anchor does not face east is "
                                        "not supported")
        if custom:
            ax, ay = anchor or (0, 0)
            out = []
            for pin in pins:
                if pin.loc not in custom:
                    self.fail(name, f"{pin.where()} has no port in the circuit's custom appearance")
                out.append((custom[pin.loc][0] - ax, custom[pin.loc][1] - ay))
            return out
        style = attrs.get("appearance")
        if style is None:
            style = "logisim_evolution" if "circuitnamedbox" in attrs else "classic"
        if style == "classic" or style == "custom":
            return classic_ports([(p.loc, self._facing(name, p), p.extra["input"]) for p in pins])
        if style == "logisim_evolution":
            fixed = attrs.get("circuitnamedboxfixedsize", "false") == "true"
            return evolution_ports([(p.loc, "east", p.extra["input"], p.attrs.get("label", ""))
                                     for p in pins], name, fixed)
        self.fail(name, f"subcircuit appearance {style!r} is not supported; use classic, "
                        f"logisim_evolution or a custom appearance")

    def _connect(self, sheet: dict) -> None:
        """Group the sheet's pin locations into bundles by Logisim's wire rule; check for
        dangling wires, unconnected gate inputs and bundles of mixed widths."""
        name, comps, wires = sheet["name"], sheet["comps"], sheet["wires"]
        ports_at: Counter = Counter(loc for c in comps for loc, _ in c.ports)
        points = set(ports_at) | {e for w in wires for e in w}
        rows: dict[int, list[int]] = {}
        cols: dict[int, list[int]] = {}
        for x, y in points:
            rows.setdefault(y, []).append(x)
            cols.setdefault(x, []).append(y)
        for line in list(rows.values()) + list(cols.values()):
            line.sort()
        uf = UnionFind()
        for p in points:
            uf.add(p)
        cover: Counter = Counter()
        for a, b in wires:
            if a[1] == b[1]:
                xs = rows[a[1]]
                lo, hi = sorted((a[0], b[0]))
                on = [(x, a[1]) for x in xs[bisect_left(xs, lo):bisect_right(xs, hi)]]
            else:
                ys = cols[a[0]]
                lo, hi = sorted((a[1], b[1]))
                on = [(a[0], y) for y in ys[bisect_left(ys, lo):bisect_right(ys, hi)]]
            for p in on:
                uf.union(a, p)
                cover[p] += 1
        for a, b in wires:
            for end in (a, b):
                if cover[end] == 1 and not ports_at[end]:
                    self.fail(name, f"dangling wire from ({a[0]},{a[1]}) to ({b[0]},{b[1]}): its end "
                                    f"({end[0]},{end[1]}) touches no other wire and no component")
        for c in comps:
            if c.kind == "gate":
                for i, (loc, _) in enumerate(c.ports[1:]):
                    if not cover[loc] and ports_at[loc] == 1:
                        self.fail(name, f"{c.where()}: input {i} at ({loc[0]},{loc[1]}) is not "
                                        f"connected (set the gate's number of inputs to those used)")
        by_label: dict[str, tuple] = {}
        for c in comps:
            if c.kind == "tunnel" and c.attrs.get("label"):
                label = c.attrs["label"]
                if label in by_label:
                    uf.union(by_label[label], c.loc)
                else:
                    by_label[label] = c.loc
        width: dict = {}
        seen: dict = {}
        for c in comps:
            for loc, w in c.ports:
                if not w:
                    continue
                root = uf.find(loc)
                if root in width and width[root] != w:
                    other = seen[root]
                    self.fail(name, f"{c.where()}: its {w}-bit pin at ({loc[0]},{loc[1]}) is connected to "
                                    f"the {width[root]}-bit pin of {other.where()}")
                width[root], seen[root] = w, c
        sheet["bundle"] = uf.find
        sheet["width"] = width
