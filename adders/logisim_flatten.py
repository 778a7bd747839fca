"""Reading Logisim, second half: a project's subcircuits expanded into one carrylab
Circuit, nets joined and named. See :mod:`adders.logisim`."""
from __future__ import annotations

import re
from collections import Counter

from .errors import NetlistError
from .logisim_sheet import clean_label
from .netlist import Circuit

__all__ = ["UnionFind", "parse_loc", "Comp", "Flattener"]


# ====================================================================== import
class UnionFind:
    """Disjoint sets of hashable items (path halving): which locations one net joins."""

    def __init__(self):
        self.parent: dict = {}

    def add(self, x):
        """Make ``x`` a set of its own unless it is known."""
        self.parent.setdefault(x, x)

    def find(self, x):
        """The representative of the set holding ``x``."""
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a, b):
        """Join the sets of ``a`` and ``b``."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def parse_loc(text) -> tuple[int, int] | None:
    """``"(x,y)"`` (or ``"x,y"``) as a point; None if it is not one."""
    found = re.fullmatch(r"\s*\(?\s*(-?\d+)\s*,\s*(-?\d+)\s*\)?\s*", text or "")
    return (int(found.group(1)), int(found.group(2))) if found else None


class Comp:
    """A component read from a ``<comp>`` element, with its pins."""

    def __init__(self, index, kind, name, loc, attrs):
        self.index, self.kind, self.name, self.loc, self.attrs = index, kind, name, loc, attrs
        self.ports: list[tuple[tuple[int, int], int | None]] = []      # (location, width)
        self.extra: dict = {}

    def where(self) -> str:
        """The component as a message names it: its kind, label and location."""
        label = self.attrs.get("label", "")
        return f"{self.name}{' ' + repr(label) if label else ''} at ({self.loc[0]},{self.loc[1]})"


class Flattener:
    """Expands a project's subcircuits into one carrylab Circuit: the base of the reader,
    which supplies ``sheet(name)`` (a circuit's parsed sheet) and ``fail(circuit, problem)``."""

    def flatten(self, name: str):
        """The circuit ``name`` with every subcircuit expanded, as a carrylab Circuit."""
        self.uf = UnionFind()
        self.count = 0
        self.names: dict[int, tuple] = {}        # bit id -> (rank, id, name); lowest rank wins
        self.drivers: dict[int, list] = {}       # bit id -> [(kind, value, description)]
        self.readers: list[tuple] = []           # (bit id, description of the reader)
        self.gate_list: list[tuple] = []         # (kind, input ids, output id)
        self.top_in: list[tuple] = []            # (pin, bit ids)
        self.top_out: list[tuple] = []
        self._instance(name, "", 0, None)
        ins = self._buses(name, self.top_in, "in")
        outs = self._buses(name, self.top_out, "out")
        for bus, bits, pin in ins:
            for i in bits:
                self.drivers.setdefault(i, []).append(("input", 0, f"input pin {pin.where()}"))
        for bus, bits, _ in outs:
            for j, i in enumerate(bits):
                self._name([i], 3, bus if len(bits) == 1 else f"{bus}{j}")
        classes: dict[int, list] = {}
        for ident in range(self.count):
            classes.setdefault(self.uf.find(ident), []).append(ident)
        drivers = {root: [d for i in members for d in self.drivers.get(i, ())]
                   for root, members in classes.items()}
        best = {root: min(self.names.get(i, (1 << 30, i, f"n{i}")) for i in members)
                for root, members in classes.items()}
        for root, found in drivers.items():
            if len(found) > 1:
                self.fail(name, f"short circuit: {found[0][2]} and {found[1][2]} both drive net "
                                f"{best[root][2]!r}")
        circuit = Circuit(name)
        final: dict[int, str] = {}
        try:
            for bus, bits, _ in ins:
                for net, ident in zip(circuit.add_input(bus, len(bits)), bits):
                    final[self.uf.find(ident)] = net
        except NetlistError as err:
            self.fail(name, str(err))
        used = set(final.values())
        for rank, _, base, root in sorted(v + (root,) for root, v in best.items() if root not in final):
            net, k = base, 2
            while net in used:
                net, k = f"{base}_{k}", k + 1
            used.add(net)
            final[root] = net
        for ident, what in self.readers:
            root = self.uf.find(ident)
            if not drivers[root]:
                self.fail(name, f"{what} reads net {final[root]!r}, which nothing drives")
        consts = {root: found[0][1] for root, found in drivers.items() if found and found[0][0] == "const"}
        if consts and not circuit.inputs:
            self.fail(name, "a constant needs at least one input pin: a carrylab netlist makes it as "
                            "XOR/XNOR of an input with itself")
        try:
            for root, value in consts.items():
                first = next(iter(circuit.inputs.values()))[0]
                circuit.add_gate("XNOR" if value else "XOR", [first, first], final[root])
            for kind, ids, out in self.gate_list:
                circuit.add_gate(kind, [final[self.uf.find(i)] for i in ids], final[self.uf.find(out)])
            for bus, bits, _ in outs:
                circuit.set_output(bus, [final[self.uf.find(i)] for i in bits])
            return circuit.validate()
        except NetlistError as err:
            self.fail(name, str(err))

    def _new(self, count: int) -> list[int]:
        ids = list(range(self.count, self.count + count))
        for i in ids:
            self.uf.add(i)
        self.count += count
        return ids

    def _name(self, ids, rank: int, base: str) -> None:
        """Offer ``base`` (``base0, base1, ...`` for several bits) as the name of ``ids``."""
        for b, i in enumerate(ids):
            if rank < self.names.get(i, (1 << 30,))[0]:
                self.names[i] = (rank, i, base if len(ids) == 1 else f"{base}{b}")

    def _instance(self, name: str, prefix: str, depth: int, bind) -> None:
        """Add the nets and gates of circuit ``name``; ``bind`` maps each of its pins to
        the bit ids outside (None for the top level)."""
        sheet = self.sheet(name)
        where = f" in subcircuit {name!r} (instance {prefix[:-1]})" if prefix else ""
        bundle, width = sheet["bundle"], sheet["width"]
        bits: dict = {}

        def ids_at(loc):
            root = bundle(loc)
            if root not in bits:
                bits[root] = self._new(width.get(root, 0))
            return bits[root]

        counts: Counter = Counter()
        rank = 10 * depth
        for c in sheet["comps"]:
            if c.kind == "pin":
                ids = ids_at(c.loc)
                if bind is None:
                    (self.top_in if c.extra["input"] else self.top_out).append((c, ids))
                    if not c.extra["input"]:
                        self.readers += [(i, f"output pin {c.where()}") for i in ids]
                else:
                    for a, b in zip(ids, bind[c.index]):
                        self.uf.union(a, b)
                    if c.attrs.get("label"):
                        self._name(ids, rank + 3, prefix + c.attrs["label"])
            elif c.kind == "tunnel" and c.attrs.get("label"):
                self._name(ids_at(c.loc), rank + 1, prefix + c.attrs["label"])
            elif c.kind == "const":
                for b, i in enumerate(ids_at(c.loc)):
                    self.drivers.setdefault(i, []).append(("const", (c.extra["value"] >> b) & 1,
                                                           f"{c.where()}{where}"))
            elif c.kind == "splitter":
                whole = ids_at(c.loc)
                for e, (loc, _) in enumerate(c.ports[1:]):
                    mine = [whole[b] for b, end in enumerate(c.extra["ends"]) if end == e]
                    for i, j in zip(mine, ids_at(loc) if mine else ()):
                        self.uf.union(i, j)
            elif c.kind == "gate":
                self._flatten_gate(c, ids_at, prefix, rank, where)
            elif c.kind == "sub":
                k = counts[c.name]
                counts[c.name] += 1
                inst = clean_label(c.attrs.get("label") or f"{c.name.lower()}{k}")
                inner = {pin.index: ids_at(loc) for pin, (loc, _) in zip(c.extra["pins"], c.ports)}
                self._instance(c.name, f"{prefix}{inst}.", depth + 1, inner)

    def _flatten_gate(self, c: Comp, ids_at, prefix: str, rank: int, where: str) -> None:
        """Gates of one Logisim gate: one per bit; a NOT per negated input; a chain of
        two-input XORs for a wider odd-parity XOR."""
        kind, width, negated = c.extra["kind"], c.extra["width"], c.extra["negated"]
        out_ids = ids_at(c.loc)
        in_ids = [ids_at(loc) for loc, _ in c.ports[1:]]
        stem = f"{prefix}{kind.lower()}_{c.loc[0]}_{c.loc[1]}"
        label = c.attrs.get("label", "")
        self._name(out_ids, rank + 2 if label else 1000 + rank, prefix + label if label else stem)
        for b in range(width):
            tail = str(b) if width > 1 else ""
            ins = []
            for i, ids in enumerate(in_ids):
                net = ids[b]
                self.readers.append((net, f"{c.where()}{where}, input {i},"))
                if (negated >> i) & 1:
                    (inv,) = self._new(1)
                    self._name([inv], 1001 + rank, f"{stem}_n{i}{tail}")
                    self.gate_list.append(("NOT", [net], inv))
                    net = inv
                ins.append(net)
            self.drivers.setdefault(out_ids[b], []).append(("gate", 0, f"{c.where()}{where}"))
            if kind in ("XOR", "XNOR") and len(ins) > 2:
                acc = ins[0]
                for j, net in enumerate(ins[1:-1]):
                    (part,) = self._new(1)
                    self._name([part], 1001 + rank, f"{stem}_x{j}{tail}")
                    self.gate_list.append(("XOR", [acc, net], part))
                    acc = part
                ins = [acc, ins[-1]]
            self.gate_list.append((kind, ins, out_ids[b]))

    def _buses(self, circuit: str, pins: list[tuple], side: str) -> list[tuple[str, list[int], Comp]]:
        """(bus, bit ids, first pin) of the top-level pins, top to bottom: a pin per bus,
        or one-bit pins numbered 0, 1, ... (``A0 A1``, ``a[0] a[1]``) grouped into one."""
        pins = sorted(pins, key=lambda p: (p[0].loc[1], p[0].loc[0]))
        named = []
        for k, (c, ids) in enumerate(pins):
            label = re.sub(r"\[\s*\d+\s*(:|\.\.)\s*\d+\s*\]$", "", c.attrs.get("label", "").strip())
            label = re.sub(r"[^a-z0-9_\[\]]", "_", label.lower()) or f"{side}{k}"
            found = re.fullmatch(r"([a-z_][a-z0-9_]*?)_?\[?(\d+)\]?", label)
            stem = found.group(1) if found and len(ids) == 1 else None
            named.append((label, stem, int(found.group(2)) if stem else None, c, ids))
        whole = Counter(label for label, *_ in named)
        members: dict[str, list] = {}
        for entry in named:
            if entry[1] is not None:
                members.setdefault(entry[1], []).append(entry)
        grouped = {stem for stem, group in members.items() if len(group) > 1 and stem not in whole
                   and sorted(e[2] for e in group) == list(range(len(group)))}
        out = []
        for label, stem, _, c, ids in named:
            if stem in grouped:
                if stem not in [bus for bus, *_ in out]:
                    group = sorted(members[stem], key=lambda e: e[2])
                    out.append((stem, [e[4][0] for e in group], group[0][3]))
                continue
            if whole[label] > 1:
                twins = [e[3].where() for e in named if e[0] == label]
                self.fail(circuit, f"two {side}put pins are both named {label!r}: {twins[0]} and {twins[1]}")
            out.append((label.replace("[", "_").replace("]", "").strip("_") or side, ids, c))
        return out
