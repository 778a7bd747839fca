"""Reading Digital, second half: a drawing and its subcircuits flattened into one
carrylab Circuit, nets joined and named. See :mod:`adders.digital`."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .digital_drawing import Drawing, UnionFind
from .digital_format import GATE_KIND, bus_for_label
from .errors import CircuitFileError, NetlistError
from .netlist import Circuit

__all__ = ["Flat"]


# ---------------------------------------------------------------------- flattening
@dataclass
class _Gate:
    kind: str
    inputs: list
    output: object
    hint: str


class Flat:
    """Bit-level nets of a drawing and everything it embeds, joined by a union-find."""

    def __init__(self):
        self.uf = UnionFind()
        self.gates: list[_Gate] = []
        self.drivers: list = []        # (key, element, pin description)
        self.readers: list = []
        self.consts: list = []         # (key, value, hint)
        self.labels: list = []         # (key, priority, name)
        self.inputs: list = []         # (label, keys, element)
        self.outputs: list = []

    def add(self, drawing: Drawing, prefix: str, ports: dict | None):
        """Add ``drawing``'s gates and nets under ``prefix``; ``ports`` binds a
        subcircuit's pins to the caller's nets (None: the top level)."""
        top = ports is None
        counts: Counter = Counter()
        used: set = set()

        def keys(el, k, p):
            if p.net is None:            # an unconnected pin: bits of its own
                return [(prefix, ("pin", id(el), k), b) for b in range(p.bits)]
            return [(prefix, p.net, b) for b in range(p.bits)]

        for el in drawing.elements:
            name, x, y = el.name, el.pos[0], el.pos[1]
            if name in GATE_KIND:
                pins_in = [keys(el, k, p) for k, p in enumerate(el.pins[:-1])]
                out = keys(el, len(el.pins) - 1, el.pins[-1])
                inverted = el.attrs.get("inverterConfig", frozenset()) if name != "Not" else ()
                bits = len(out)
                for b in range(bits):
                    hint = f"{prefix}{name.lower()}_{x}_{y}" + (f"_{b}" if bits > 1 else "")
                    ins = []
                    for k, p in enumerate(el.pins[:-1]):
                        self.readers.append((pins_in[k][b], el, f"input {p.name}"))
                        if p.name in inverted:
                            aux = ("aux", out[b], f"_n{k + 1}")
                            self.gates.append(_Gate("NOT", [pins_in[k][b]], aux, ""))
                            ins.append(aux)
                        else:
                            ins.append(pins_in[k][b])
                    self.drivers.append((out[b], el, "output"))
                    kind = GATE_KIND[name]
                    if kind in ("XOR", "XNOR") and len(ins) > 2:        # parity: a chain of XORs
                        acc = ins[0]
                        for j in range(1, len(ins) - 1):
                            aux = ("aux", out[b], f"_x{j}")
                            self.gates.append(_Gate("XOR", [acc, ins[j]], aux, ""))
                            acc = aux
                        ins = [acc, ins[-1]]
                    self.gates.append(_Gate(kind, ins, out[b], hint))
            elif name == "In" or name == "Out":
                p = el.pins[0]
                bit_keys = keys(el, 0, p)
                label = el.attrs["Label"].strip()
                if top:
                    if name == "In":
                        self.inputs.append((label, bit_keys, el))
                        self.drivers += [(k, el, "pin") for k in bit_keys]
                    else:
                        self.outputs.append((label, bit_keys, el))
                        self.readers += [(k, el, "pin") for k in bit_keys]
                        bus, index = bus_for_label(label)
                        for b, k in enumerate(bit_keys):
                            bit = index if index is not None else b
                            self.labels.append((k, 2, bus if len(bit_keys) == 1 and index is None
                                                else f"{bus}{bit}"))
                else:
                    for b, k in enumerate(bit_keys):
                        self.uf.union(k, ports[label][b])
                        self.labels.append((k, 4, f"{prefix}{label}" + (f"{b}" if len(bit_keys) > 1 else "")))
                    if name == "Out":
                        self.readers += [(k, el, "pin") for k in bit_keys]
            elif name in ("Const", "Ground", "VDD"):
                bit_keys = keys(el, 0, el.pins[0])
                value = {"Ground": 0, "VDD": -1}.get(name, el.attrs.get("Value", 1))
                value = value if isinstance(value, int) else 1
                for b, k in enumerate(bit_keys):
                    self.drivers.append((k, el, "output"))
                    self.consts.append((k, (value >> b) & 1,
                                        f"{prefix}const_{x}_{y}" + (f"_{b}" if len(bit_keys) > 1 else "")))
            elif name == "Splitter":
                ins_ports, outs_ports = el.attrs["_ports"]
                n_in = len(ins_ports)
                in_keys = [keys(el, k, el.pins[k]) for k in range(n_in)]
                for j, (pos, bits) in enumerate(outs_ports):
                    out_keys = keys(el, n_in + j, el.pins[n_in + j])
                    for b in range(bits):
                        for k, (ipos, ibits) in enumerate(ins_ports):
                            if ipos <= pos + b < ipos + ibits:
                                self.uf.union(out_keys[b], in_keys[k][pos + b - ipos])
            elif el.sub is not None:
                stem = Path(name).stem
                inst = (el.attrs.get("Label") or "").strip()
                if not inst:
                    inst = f"{stem}{counts[stem]}"
                    counts[stem] += 1
                base, k = inst, 2
                while inst in used:
                    inst, k = f"{base}_{k}", k + 1
                used.add(inst)
                child = {p.name: keys(el, k, p) for k, p in enumerate(el.pins)}
                self.add(el.sub, f"{prefix}{inst}.", child)
        for net, names in drawing.labels.items():
            w = drawing.widths.get(net)
            for label in names if w else ():
                for b in range(w):
                    self.labels.append(((prefix, net, b), 1 if top else 3,
                                        f"{prefix}{label}" + (f"{b}" if w > 1 else "")))

    def circuit(self, name: str, shown: str) -> Circuit:
        """Check drivers, name every net and build the Circuit."""
        find = self.uf.find
        driver: dict = {}
        for key, el, pin in self.drivers:
            root = find(key)
            if root in driver:
                other, other_pin = driver[root]
                there = other.what() if other.shown == el.shown else other.where()
                raise CircuitFileError(f"{el.where()}: short: its {pin} and the {other_pin} of {there} "
                                       f"drive the same net")
            driver[root] = (el, pin)
        for key, el, pin in self.readers:
            if find(key) not in driver:
                raise CircuitFileError(f"{el.where()}: {pin} is not driven: no output is connected "
                                       f"to its net")
        buses = self._buses(self.inputs, shown, "input")
        outputs = self._buses(self.outputs, shown, "output")
        names: dict = {}
        taken: set = set()
        for bus, bit_keys in buses.items():
            nets = [bus] if len(bit_keys) == 1 else [f"{bus}{i}" for i in range(len(bit_keys))]
            for key, net in zip(bit_keys, nets):
                names[find(key)] = net
                taken.add(net)
        hints = {find(g.output): g.hint for g in self.gates if g.hint}
        hints.update({find(k): hint for k, _, hint in self.consts})
        wanted: dict = {}
        for seq, (key, priority, label) in enumerate(self.labels):
            root = find(key)
            if root not in driver or root in names:
                continue
            if root not in wanted or wanted[root][:2] > (priority, seq):
                wanted[root] = (priority, seq, label)
        for root, hint in hints.items():
            wanted.setdefault(root, (9, 0, hint))
        for root, (_, _, label) in sorted(wanted.items(), key=lambda item: item[1][:2]):
            names[root] = _unique(label, taken)

        def net(key):
            if isinstance(key, tuple) and key[0] == "aux":
                if key not in names:
                    names[key] = _unique(net(key[1]) + key[2], taken)
                return names[key]
            return names[find(key)]

        circuit = Circuit(name)
        try:
            for bus, bit_keys in buses.items():
                circuit.add_input(bus, len(bit_keys), default=0 if bus == "cin" else None)
            first = next(iter(circuit.inputs.values()), [None])[0]
            for key, value, _ in self.consts:
                if first is None:
                    raise CircuitFileError(f"{shown}: a circuit with constants needs an input pin")
                circuit.add_gate("XNOR" if value else "XOR", [first, first], net(key))
            for g in self.gates:
                ins = [net(k) for k in g.inputs]
                kind = "BUF" if g.kind in ("AND", "OR") and len(set(ins)) == 1 else g.kind
                circuit.add_gate(kind, ins[:1] if kind == "BUF" else ins, net(g.output))
            for bus, bit_keys in outputs.items():
                circuit.set_output(bus, [net(k) for k in bit_keys])
            return circuit.validate()
        except NetlistError as exc:
            raise CircuitFileError(f"{shown}: {exc}") from None

    @staticmethod
    def _buses(pins, shown: str, what: str) -> dict:
        """Bus -> bit keys of the top-level pins, one-bit ``A0, A1, ...`` grouped."""
        whole, per_bit = {}, {}
        for label, bit_keys, el in pins:
            bus, index = bus_for_label(label)
            if index is None or len(bit_keys) != 1:
                if bus in whole:
                    raise CircuitFileError(f"{el.where()}: a second {what} for bus {bus!r}")
                whole[bus] = (bit_keys, el)
            else:
                per_bit.setdefault(bus, {})
                if index in per_bit[bus]:
                    raise CircuitFileError(f"{el.where()}: a second {what} for bit {index} of bus {bus!r}")
                per_bit[bus][index] = (bit_keys[0], el)
        order = {id(el): k for k, (_, _, el) in enumerate(pins)}
        buses = {bus: (keys, order[id(el)]) for bus, (keys, el) in whole.items()}
        for bus, bits in per_bit.items():
            first = min(order[id(el)] for _, el in bits.values())
            if sorted(bits) == list(range(len(bits))) and bus not in whole:
                buses[bus] = ([bits[i][0] for i in range(len(bits))], first)
            else:                         # not a complete bus: keep each pin as it is named
                for i, (key, el) in bits.items():
                    buses[el.attrs["Label"].strip()] = ([key], order[id(el)])
        return {bus: keys for bus, (keys, _) in sorted(buses.items(), key=lambda item: item[1][1])}


def _unique(name: str, taken: set) -> str:
    out, k = name, 2
    while out in taken:
        out, k = f"{name}_{k}", k + 1
    taken.add(out)
    return out
