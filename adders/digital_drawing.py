"""Reading Digital, first half: a ``.dig`` file's elements, pins and wires, with its
subcircuits found and loaded. See :mod:`adders.digital`."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .digital_format import DECORATION, GATE_KIND, GRID, MAX_BITS, box_pins, gate_pins, place, splitter_ports
from .errors import CarrylabTypeError, CircuitFileError
from .xml_files import parse_xml

__all__ = ["is_xml", "read_xml", "element_attributes", "Drawing", "UnionFind", "load_drawing"]


# ---------------------------------------------------------------------- reading XML
def is_xml(source) -> bool:
    """Whether ``source`` is the XML text itself rather than a path."""
    return isinstance(source, str) and source.lstrip().startswith("<")


def read_xml(source, name: str | None = None):
    """``(root element, file name for messages, folder or None)`` of a path or XML text."""
    if is_xml(source):
        text, shown, folder = source, name or "<dig text>", None
    elif isinstance(source, (str, Path)):
        path = Path(source)
        shown, folder = name or path.name, path.resolve().parent
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CircuitFileError(f"{path}: cannot read the Digital file ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise CircuitFileError(f"{path}: not a Digital file (not UTF-8 text)") from None
    else:
        raise CarrylabTypeError(f"source must be a path or the XML text of a .dig file, got "
                                f"{type(source).__name__}")
    return parse_xml(text, shown, "circuit", "a Digital circuit"), shown, folder


def _deref(node, parents: dict, shown: str):
    """The element an XStream ``reference="../../x[2]/y"`` attribute points to."""
    for _ in range(8):
        ref = node.get("reference")
        if ref is None:
            return node
        target = node
        for step in ref.split("/"):
            if step in ("", "."):
                continue
            if step == "..":
                target = parents.get(target)
            else:
                m = re.match(r"([^\[]+)(?:\[(\d+)\])?\Z", step)
                kids = [c for c in target if m and c.tag == m.group(1)] if target is not None else []
                k = int(m.group(2)) if m and m.group(2) else 1
                target = kids[k - 1] if len(kids) >= k else None
            if target is None:
                raise CircuitFileError(f"{shown}: broken XStream reference {ref!r}")
        node = target
    raise CircuitFileError(f"{shown}: XStream references form a loop")


def element_attributes(node, parents, shown) -> dict:
    """Digital's ``<entry><string>key</string><value/></entry>`` list as a dict."""
    out = {}
    if node is None:
        return out
    for entry in node.findall("entry"):
        kids = list(entry)
        if len(kids) != 2 or kids[0].tag != "string":
            continue
        value = _deref(kids[1], parents, shown)
        tag, text = value.tag, (value.text or "").strip()
        if tag in ("int", "long", "short", "byte"):
            try:
                out[kids[0].text or ""] = int(text)
            except ValueError:
                raise CircuitFileError(f"{shown}: attribute {kids[0].text!r} is not an integer: "
                                       f"{text!r}") from None
        elif tag == "string":
            out[kids[0].text or ""] = value.text or ""
        elif tag == "boolean":
            out[kids[0].text or ""] = text == "true"
        elif tag == "rotation":
            out[kids[0].text or ""] = int(value.get("rotation", "0"))
        elif tag == "testData":
            out[kids[0].text or ""] = value.findtext("dataString") or ""
        elif tag == "inverterConfig":
            out[kids[0].text or ""] = frozenset((s.text or "").strip() for s in value.findall("string"))
        else:
            out[kids[0].text or ""] = text
    return out


@dataclass
class _Pin:
    name: str
    output: bool | None          # None: a tunnel, joins nets without driving them
    pos: tuple
    bits: int | None
    net: int | None = None


@dataclass
class _Element:
    name: str
    attrs: dict
    pos: tuple
    shown: str
    pins: list = field(default_factory=list)
    sub: "Drawing | None" = None

    def what(self) -> str:
        """``Name 'label' at (x, y)``."""
        label = (self.attrs.get("Label") or self.attrs.get("NetName") or "").strip()
        label = f" {label!r}" if label else ""
        return f"{self.name}{label} at ({self.pos[0]}, {self.pos[1]})"

    def where(self) -> str:
        """``file: Name 'label' at (x, y)``, the start of every message about it."""
        return f"{self.shown}: {self.what()}"

    def bits(self) -> int:
        """The element's ``Bits`` attribute (default 1), checked against MAX_BITS."""
        bits = self.attrs.get("Bits", 1)
        if not isinstance(bits, int) or not 1 <= bits <= MAX_BITS:
            raise CircuitFileError(f"{self.where()}: Bits must be an int in [1, {MAX_BITS}], got {bits!r}")
        return bits


@dataclass
class Drawing:
    """One ``.dig`` file: its elements with pins on numbered nets, and net widths."""
    shown: str
    attrs: dict
    elements: list
    widths: dict
    labels: dict                 # net -> tunnel labels
    ports_in: list               # (label, bits) of In elements, file order
    ports_out: list


class UnionFind:
    """Disjoint sets of points (path halving): which wire ends one net joins."""

    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        """The representative of the set holding ``x`` (a new set if unknown)."""
        parent = self.parent
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a, b):
        """Join the sets of ``a`` and ``b``."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _inside(p, wire) -> bool:
    """True if point p lies strictly between the ends of the straight wire."""
    (x1, y1), (x2, y2) = wire
    if (x2 - x1) * (p[1] - y1) != (y2 - y1) * (p[0] - x1):
        return False
    return (min(x1, x2) <= p[0] <= max(x1, x2) and min(y1, y2) <= p[1] <= max(y1, y2)
            and p not in wire)


def _on_wire_hint(p, wires) -> str:
    for w in wires:
        if _inside(p, w):
            (x1, y1), (x2, y2) = w
            return (f" (it lies on the middle of the wire from ({x1}, {y1}) to ({x2}, {y2}); "
                    f"Digital joins wires only at their end points: split that wire there)")
    return ""


def _pins_of(el: _Element, folder, cache, stack, strict: bool):
    """Fill ``el.pins`` (absolute positions) from Digital's shape of the element."""
    a, name = el.attrs, el.name
    rotation, mirror = a.get("rotation", 0), bool(a.get("mirror", False))
    rotation = rotation if isinstance(rotation, int) else 0

    def pin(pname, output, offset, bits):
        el.pins.append(_Pin(pname, output, place(offset, el.pos, rotation, mirror), bits))

    if name in GATE_KIND:
        bits, k = el.bits(), 1
        if name != "Not":
            k = a.get("Inputs", 2)
            if not isinstance(k, int) or k < 2:
                raise CircuitFileError(f"{el.where()}: Inputs must be an int >= 2, got {k!r}")
        inverted = a.get("inverterConfig", frozenset()) if name != "Not" else frozenset()
        ins, out = gate_pins(name, k, bool(a.get("wideShape", False)), inverted)
        for i, offset in enumerate(ins):
            pin("in" if name == "Not" else f"In_{i + 1}", False, offset, bits)
        pin("out", True, out, bits)
    elif name in ("In", "Const", "Ground", "VDD"):
        pin("out", True, (0, 0), el.bits())
    elif name == "Out":
        pin("in", False, (0, 0), el.bits())
    elif name == "Tunnel":
        pin("tunnel", None, (0, 0), None)
    elif name == "Probe":
        pin("in", False, (0, 0), None)
    elif name == "Splitter":
        spread = a.get("splitterSpreading", 1)
        spread = spread if isinstance(spread, int) and spread >= 1 else 1
        ins = splitter_ports(a.get("Input Splitting", "4,4"))
        outs = splitter_ports(a.get("Output Splitting", "8"))
        if ins is None or outs is None:
            raise CircuitFileError(f"{el.where()}: cannot read its splitting "
                                   f"{a.get('Input Splitting', '4,4')!r} / "
                                   f"{a.get('Output Splitting', '8')!r}")
        total = max(p + b for p, b in ins)
        covered = sorted(bit for p, b in ins for bit in range(p, p + b))
        if covered != list(range(total)) or max(p + b for p, b in outs) > total or total > MAX_BITS:
            raise CircuitFileError(f"{el.where()}: input splitting {a.get('Input Splitting', '4,4')!r} "
                                   f"must give every bit once and output splitting "
                                   f"{a.get('Output Splitting', '8')!r} may use only those bits")
        el.attrs = {**a, "_ports": (ins, outs)}
        for i, (p, b) in enumerate(ins):
            pin(f"in {p}" + (f"-{p + b - 1}" if b > 1 else ""), False, (0, i * spread * GRID), b)
        for j, (p, b) in enumerate(outs):
            pin(f"out {p}" + (f"-{p + b - 1}" if b > 1 else ""), True, (GRID, j * spread * GRID), b)
    elif name.endswith(".dig"):
        el.sub = load_drawing(_find_sub(el, folder), None, cache, stack, strict=strict)
        shape = str(el.sub.attrs.get("shapeType", "DEFAULT")).strip() or "DEFAULT"
        local = str(a.get("shapeType", "DEFAULT")).strip() or "DEFAULT"
        if shape not in ("DEFAULT", "SIMPLE") or local != "DEFAULT":
            raise CircuitFileError(f"{el.where()}: embedded circuit drawn with shape "
                                   f"{local if local != 'DEFAULT' else shape}; carrylab reads only "
                                   f"Digital's default box shape")
        width = el.sub.attrs.get("Width", 3)
        ins, outs = box_pins(len(el.sub.ports_in), len(el.sub.ports_out),
                              width if isinstance(width, int) else 3)
        for offset, (label, bits) in zip(ins, el.sub.ports_in):
            pin(label, False, offset, bits)
        for offset, (label, bits) in zip(outs, el.sub.ports_out):
            pin(label, True, offset, bits)
    elif name not in DECORATION:
        raise CircuitFileError(f"{el.where()}: unsupported element {name!r}; carrylab reads "
                               f"And, Or, XOr, NAnd, NOr, XNOr, Not, In, Out, Tunnel, Const, Ground, "
                               f"VDD, Splitter, Probe and embedded .dig circuits")


def _find_sub(el: _Element, folder):
    if folder is None:
        raise CircuitFileError(f"{el.where()}: an embedded circuit needs the folder of its file: "
                               f"read the .dig from a path, or pass folder=")
    direct = folder / el.name
    if direct.is_file():
        return direct
    found = sorted(p for p in folder.rglob(Path(el.name).name) if p.is_file())
    if len(found) == 1:
        return found[0]
    if found:
        raise CircuitFileError(f"{el.where()}: {el.name} is ambiguous: "
                               f"{', '.join(str(p.relative_to(folder)) for p in found[:4])}")
    raise CircuitFileError(f"{el.where()}: embedded circuit {el.name} not found in {folder}")


def load_drawing(source, name, cache, stack, folder=None, strict=True) -> Drawing:
    """Read one ``.dig`` (and, recursively, the circuits it embeds) into a Drawing."""
    key = None if is_xml(source) else Path(source).resolve()
    if key is not None and key in cache:
        return cache[key]
    if key is not None and key in stack:
        raise CircuitFileError(f"{Path(source).name}: embeds itself (through "
                               f"{' -> '.join(p.name for p in stack)})")
    root, shown, own_folder = read_xml(source, name)
    folder = own_folder if own_folder is not None else (Path(folder) if folder is not None else None)
    parents = {child: parent for parent in root.iter() for child in parent}
    try:
        version = int((root.findtext("version") or "0").strip())
    except ValueError:
        version = 2
    scale = 2 if version == 0 else 1                 # version 0 files used a grid of 10

    def point(node, what):
        node = _deref(node, parents, shown) if node is not None else None
        try:
            return (int(node.get("x")) * scale, int(node.get("y")) * scale)
        except (AttributeError, TypeError, ValueError):
            raise CircuitFileError(f"{shown}: {what} without integer x and y") from None

    elements = []
    ve_list = root.find("visualElements")
    for k, ve in enumerate(list(ve_list) if ve_list is not None else []):
        el_name = (ve.findtext("elementName") or "").strip()
        pos = point(ve.find("pos"), f"element {k + 1} ({el_name or 'no elementName'})")
        el = _Element(el_name, element_attributes(ve.find("elementAttributes"), parents, shown), pos, shown)
        elements.append(el)
    wires = []
    w_list = root.find("wires")
    for w in list(w_list) if w_list is not None else []:
        p1, p2 = point(w.find("p1"), "a wire end"), point(w.find("p2"), "a wire end")
        if p1 != p2:                                  # Digital drops zero-length wires
            wires.append((p1, p2))
    stack = stack + ([key] if key is not None else [])
    for el in elements:
        _pins_of(el, folder, cache, stack, strict)

    # Nets: wire end points joined by wires, pins on those points, pins on pins.
    ends = Counter(p for w in wires for p in w)
    pin_at = Counter(p.pos for el in elements for p in el.pins)
    uf = UnionFind()
    for p1, p2 in wires:
        uf.union(p1, p2)
    for p1, p2 in wires:
        for p in (p1, p2):
            if strict and ends[p] == 1 and pin_at[p] == 0:
                raise CircuitFileError(f"{shown}: dangling wire from ({p1[0]}, {p1[1]}) to "
                                       f"({p2[0]}, {p2[1]}): its end ({p[0]}, {p[1]}) touches no pin "
                                       f"and no other wire{_on_wire_hint(p, wires)}")
    for el in elements:
        if el.name == "Tunnel":
            label = (el.attrs.get("NetName") or "").strip()
            if not label:
                continue
            p = el.pins[0].pos
            if not ends[p] and pin_at[p] < 2:
                raise CircuitFileError(f"{el.where()}: tunnel is not connected to any wire or pin"
                                       f"{_on_wire_hint(p, wires)}")
            uf.union(p, ("tunnel", label))
    net_id: dict = {}
    for el in elements:
        for p in el.pins:
            if ends[p.pos] or pin_at[p.pos] > 1:
                p.net = net_id.setdefault(uf.find(p.pos), len(net_id))
            elif p.output is False and el.name != "Probe":
                raise CircuitFileError(f"{el.where()}: input {p.name} at ({p.pos[0]}, {p.pos[1]}) is "
                                       f"not connected to any wire or pin{_on_wire_hint(p.pos, wires)}")

    # Widths: every pin on a net must carry as many bits.
    widths, first = {}, {}
    for el in elements:
        for p in el.pins:
            if p.net is None or p.bits is None:
                continue
            if p.net in widths and widths[p.net] != p.bits:
                other, opin = first[p.net]
                raise CircuitFileError(f"{el.where()}: pin {p.name} has {p.bits} bit(s) but is "
                                       f"wired to pin {opin.name} of {other.what()} with {opin.bits}")
            widths[p.net], first[p.net] = p.bits, (el, p)
    labels: dict = {}
    for el in elements:
        if el.name == "Tunnel" and el.pins[0].net is not None:
            label = (el.attrs.get("NetName") or "").strip()
            if label and label not in labels.setdefault(el.pins[0].net, []):
                labels[el.pins[0].net].append(label)
    ports = {"In": [], "Out": []}
    for el in elements:
        if el.name in ports:
            label = (el.attrs.get("Label") or "").strip()
            if not label:
                raise CircuitFileError(f"{el.where()}: pin without a Label")
            if any(label == seen for seen, _ in ports["In"] + ports["Out"]):
                raise CircuitFileError(f"{el.where()}: the label {label!r} is used twice")
            ports[el.name].append((label, el.pins[0].bits))
    drawing = Drawing(shown, element_attributes(root.find("attributes"), parents, shown), elements,
                       widths, labels, ports["In"], ports["Out"])
    if key is not None:
        cache[key] = drawing
    return drawing
