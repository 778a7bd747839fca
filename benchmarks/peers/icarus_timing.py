"""Icarus Verilog as a peer of the event-driven timing engine: the same transitions, the
same events, timed.

carrylab exports the adder with a ``#delay`` on every gate primitive
(:func:`adders.export.to_verilog`); the testbench written here loads a sequence of input
vectors ``v[0..K]`` with ``$readmemh``, settles at ``v[0]`` and then applies ``v[1]``,
``v[2]``, ... one every ``gap`` time units, ``gap`` longer than the critical path, so
transition ``k`` (``v[k] -> v[k+1]``) starts at ``(k + 2) gap`` and settles before the
next one. One ``vvp`` process runs the whole sequence.

Which delay semantics: Verilog gate primitives (and continuous assignments) with a
``#delay`` have *inertial* delay: a pulse shorter than the gate's delay never reaches
its output. So Icarus is compared with carrylab's ``mode="inertial"``; its transport
mode has no counterpart in the exported netlist (that would need ``<= #d`` assignments).

Agreement: run once with ``+vcd``, the testbench dumps every net of the module under
test; every change of a gate's wire (the wire of :func:`to_verilog`, matched to its net
through the gate lines of the text) and of every bit of the input ports is an event
``(time since the transition, net, new value)``, compared as a multiset with the events
of :func:`adders.timing.simulate_transition` per transition.

Timing: ``+n=K`` applies K transitions without dumping, ``+reps=R`` times over when
the sequence is closed (``v[K] = v[0]``: every replay is the same K transitions from the
same settled state, so R times the events, and a net time long beside the start-up);
``+n=0`` (start-up, elaboration, ``$readmemh``, settling at ``v[0]``) is the empty run,
and the *net* time is their difference of medians.
"""
from __future__ import annotations

import math
import re
import shutil
import statistics
from collections import Counter
from fractions import Fraction
from pathlib import Path

from adders.delays import as_delays
from adders.errors import CarrylabValueError
from adders.export import to_verilog
from adders.timing import critical_path, simulate_transition

from . import PeerSkipped, run_tool

__all__ = ["TESTBENCH", "GATE_LINE", "available", "gap_for", "testbench", "gate_wires",
           "read_vcd", "carrylab_events", "IcarusTiming", "compare"]

#: Testbench template: ``{timescale}``, ``{module}``, ``{msb}`` (bits - 1), ``{last}``
#: (K, the index of the last vector) and ``{gap}`` filled in.
TESTBENCH = """{timescale}
// Settles {module} at v[0], then applies v[1..n] one every {gap} units (+n=N, default
// all), +reps=R times over (for a closed sequence, v[last] = v[0]); +vcd dumps the
// module's nets from just before the first transition on.
module tb_timing;
    reg  [{msb}:0] mem_a [0:{last}];
    reg  [{msb}:0] mem_b [0:{last}];
    reg  mem_cin [0:{last}];
    reg  [{msb}:0] a, b;
    reg  cin;
    wire [{msb}:0] s;
    wire cout;
    integer i, n, r, reps;

    {module} dut (.a(a), .b(b), .cin(cin), .s(s), .cout(cout));

    initial begin
        if (!$value$plusargs("n=%d", n)) n = {last};
        if (!$value$plusargs("reps=%d", reps)) reps = 1;
        $readmemh("a.hex", mem_a);
        $readmemh("b.hex", mem_b);
        $readmemh("cin.hex", mem_cin);
        a = mem_a[0]; b = mem_b[0]; cin = mem_cin[0];
        #{gap};
        if ($test$plusargs("vcd")) begin
            $dumpfile("dump.vcd");
            $dumpvars(0, dut);
        end
        #{gap};
        for (r = 0; r < reps; r = r + 1)
            for (i = 1; i <= n; i = i + 1) begin
                a = mem_a[i]; b = mem_b[i]; cin = mem_cin[i];
                #{gap};
            end
        $finish;
    end
endmodule
"""

#: A gate line of :func:`adders.export.to_verilog`: primitive, optional delay, output.
GATE_LINE = re.compile(r"^\s+(?:and|or|xor|not|nand|nor|xnor|buf)\b(?:\s*#\s*[0-9.]+)?\s*"
                       r"\(\s*([^,\s]+)\s*,", re.M)

_TIMESCALE = {"gd": "`timescale 1ns / 1ps", "ps": "`timescale 1ps / 1fs"}
_UNIT_SECONDS = {"gd": Fraction(1, 10**9), "ps": Fraction(1, 10**12)}   # 1 gd is 1 ns
_VCD_UNITS = {"s": 0, "ms": 3, "us": 6, "ns": 9, "ps": 12, "fs": 15}


def available() -> str | None:
    """None when ``iverilog`` and ``vvp`` are on PATH, else the reason they are not."""
    missing = [tool for tool in ("iverilog", "vvp") if shutil.which(tool) is None]
    if missing:
        return (f"{' and '.join(missing)} not on PATH: install Icarus Verilog "
                f"(Debian: apt-get install iverilog)")
    return None


def gap_for(circuit, delays) -> int:
    """Spacing of the transitions in the delay unit: an int above the critical path, so
    every transition settles before the next starts."""
    return math.floor(critical_path(circuit, delays).delay) + 2


def testbench(module: str, bits: int, count: int, gap: int, unit: str = "gd") -> str:
    """The testbench text for ``count`` transitions (``count + 1`` vectors) of an adder
    module with ports ``a, b`` (``bits`` wide), ``cin``, ``s``, ``cout``."""
    return TESTBENCH.format(timescale=_TIMESCALE[unit], module=module, msb=bits - 1,
                            last=count, gap=gap)


def gate_wires(circuit, verilog: str) -> dict[str, str]:
    """``{Verilog name: net}`` for every gate output of ``circuit`` in the text
    :func:`to_verilog` wrote; it writes one gate line per gate in ``circuit.gates()``
    order, so the n-th gate line drives the n-th gate's net."""
    outs = GATE_LINE.findall(verilog)
    nets = circuit.gates()
    if len(outs) != len(nets):
        raise CarrylabValueError(f"verilog: found {len(outs)} gate lines for the "
                                 f"{len(nets)} gates of {circuit.name!r}")
    return dict(zip(outs, nets))


def read_vcd(text: str) -> tuple[Fraction, dict, list]:
    """Parse a VCD file: (seconds per tick, ``{code: [(reference, width)]}``, changes).

    Changes are ``(tick, code, value)`` in file order; ``value`` is a string of 0/1/x/z
    characters, MSB first, padded to the variable's width as the format prescribes
    (a leading 0 or 1 extends with 0, an x or z extends with itself).
    """
    tokens = text.split()
    scale, variables, width_of, changes = None, {}, {}, []
    tick, i = 0, 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "$timescale":
            j = tokens.index("$end", i)
            spec = "".join(tokens[i + 1:j])
            m = re.fullmatch(r"(1|10|100)(s|ms|us|ns|ps|fs)", spec)
            if not m:
                raise CarrylabValueError(f"vcd: unreadable $timescale {spec!r}")
            scale = Fraction(int(m.group(1)), 10 ** _VCD_UNITS[m.group(2)])
            i = j + 1
        elif tok == "$var":
            j = tokens.index("$end", i)
            _, width, code, ref = tokens[i + 1:i + 5]
            variables.setdefault(code, []).append((ref, int(width)))
            width_of[code] = int(width)
            i = j + 1
        elif tok in ("$comment", "$date", "$version", "$scope"):
            i = tokens.index("$end", i) + 1
        elif tok.startswith("$"):
            i += 1                               # $upscope $end, $dumpvars ... $end etc.
        elif tok.startswith("#"):
            tick = int(tok[1:])
            i += 1
        elif tok[0] in "bB":
            code = tokens[i + 1]
            bits = tok[1:].lower()
            fill = bits[0] if bits[0] in "xz" else "0"
            changes.append((tick, code, bits.rjust(width_of[code], fill)))
            i += 2
        elif tok[0] in "rR":
            raise CarrylabValueError(f"vcd: real-valued variable {tokens[i + 1]!r} in a "
                                     f"netlist dump")
        else:
            changes.append((tick, tok[1:], tok[0].lower()))
            i += 1
    if scale is None:
        raise CarrylabValueError("vcd: no $timescale section")
    return scale, variables, changes


def carrylab_events(circuit, delays, vectors) -> list[list]:
    """carrylab's inertial events per transition ``vectors[k] -> vectors[k+1]``:
    lists of ``(time, net, new value)`` in the engine's order, times exact (a float
    time read as the decimal it prints as, the way carrylab reads float delays)."""
    return [[(_exact(e.time), e.net, e.new) for e in
             simulate_transition(circuit, before, after, delays, "inertial").events]
            for before, after in zip(vectors, vectors[1:])]


def _exact(t):
    """An event time as an int or a Fraction, comparable with those read from a VCD."""
    if isinstance(t, float):
        t = Fraction(repr(t))
    if isinstance(t, Fraction) and t.denominator == 1:
        return t.numerator
    return t


class IcarusTiming:
    """One adder, its delays and a sequence of vectors, compiled for Icarus Verilog.

    Writes ``dut.v`` (:func:`to_verilog` with the delays), ``tb.v`` and the vector files
    into ``folder`` and compiles them with ``iverilog -g2005``; :meth:`events` and
    :meth:`time` then run ``vvp``. Raises :class:`~benchmarks.peers.PeerSkipped` when the
    tools are absent or fail.
    """

    def __init__(self, circuit, delays, vectors, folder, module: str = "dut_adder"):
        reason = available()
        if reason:
            raise PeerSkipped(reason)
        delays = as_delays(delays)
        self.circuit, self.delays, self.vectors = circuit, delays, list(vectors)
        self.count = len(self.vectors) - 1              # transitions
        self.bits = circuit.width("a")
        self.gap = gap_for(circuit, delays)
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        verilog = to_verilog(circuit, module, delays)
        self.wires = gate_wires(circuit, verilog)
        digits = (self.bits + 3) // 4
        for bus, width in (("a", digits), ("b", digits), ("cin", 1)):
            (self.folder / f"{bus}.hex").write_text(
                "".join(f"{v[bus]:0{width}x}\n" for v in self.vectors))
        (self.folder / "dut.v").write_text(verilog)
        (self.folder / "tb.v").write_text(
            testbench(module, self.bits, self.count, self.gap, delays.unit))
        _, self.compile_s = run_tool(["iverilog", "-g2005", "-o", "sim.vvp", "tb.v", "dut.v"],
                                     self.folder, f"iverilog on {circuit.name}")

    def run(self, count: int | None = None, vcd: bool = False, reps: int = 1) -> float:
        """Wall seconds of one ``vvp`` process applying ``count`` transitions (all when
        None; 0 is the empty run) ``reps`` times over, dumping a VCD when ``vcd``."""
        if reps > 1 and self.vectors[-1] != self.vectors[0]:
            raise CarrylabValueError(f"reps={reps} needs a closed sequence (last vector = "
                                     f"first), got {self.vectors[0]} ... {self.vectors[-1]}")
        args = ["vvp", "-n", "sim.vvp", f"+n={self.count if count is None else count}",
                f"+reps={reps}"]
        _, wall = run_tool(args + (["+vcd"] if vcd else []), self.folder,
                           f"vvp {self.circuit.name}")
        return wall

    def events(self, reps: int = 1) -> list[list]:
        """Icarus's events per transition, read from one run with a VCD dump: lists of
        ``(time since the transition, net, new value)``, times in the delay unit as
        ints or Fractions; values are 0, 1 or the VCD letter (x, z) when not binary.
        With ``reps`` replays, transition k holds the events of all its replays."""
        dump = self.folder / "dump.vcd"
        dump.unlink(missing_ok=True)
        self.run(vcd=True, reps=reps)
        seconds, variables, changes = read_vcd(dump.read_text())
        per_unit = _UNIT_SECONDS[self.delays.unit] / seconds          # ticks per unit
        if per_unit.denominator == 1:
            per_unit = int(per_unit)          # int arithmetic below: Fractions are slow
        nets_of = {}                           # code -> [(bit index in the string, net)]
        for code, refs in variables.items():
            for ref, width in refs:
                if ref in self.circuit.inputs and width == len(self.circuit.inputs[ref]):
                    nets = self.circuit.inputs[ref]
                    nets_of.setdefault(code, []).extend((width - 1 - i, net)
                                                        for i, net in enumerate(nets))
                elif ref in self.wires and width == 1:
                    nets_of.setdefault(code, []).append((0, self.wires[ref]))
        start = 2 * self.gap * per_unit                               # transition 0
        current: dict[str, str] = {}
        out: list[list] = [[] for _ in range(self.count)]
        for tick, code, value in changes:
            for pos, net in nets_of.get(code, ()):
                bit = value[pos]
                if current.get(net) == bit:
                    continue                                          # no change
                current[net] = bit
                if tick < start:
                    continue                                          # the initial dump
                k, offset = divmod(tick - start, self.gap * per_unit)
                whole, part = divmod(offset, per_unit)
                t = int(whole) if part == 0 else Fraction(offset) / per_unit
                new = int(bit) if bit in "01" else bit
                if k < self.count * reps:
                    out[int(k) % self.count].append((t, net, new))
                else:                        # after the last transition had to settle
                    out[-1].append((t + (k - self.count * reps + 1) * self.gap, net, new))
        return out

    def time(self, runs: int, reps: int = 1) -> dict:
        """Median, min and max wall seconds of ``runs`` full runs (every transition,
        ``reps`` times over) and ``runs`` empty runs (interleaved, after one warm-up of
        each), the raw lists, and the net median."""
        self.run(reps=reps)
        self.run(0)
        full, empty = [], []
        for _ in range(runs):
            full.append(self.run(reps=reps))
            empty.append(self.run(0))
        return {"full_s": _spread(full), "empty_s": _spread(empty),
                "full_runs": full, "empty_runs": empty,
                "net_s": statistics.median(full) - statistics.median(empty), "reps": reps,
                "compile_s": self.compile_s}


def _spread(seconds: list[float]) -> dict:
    return {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds),
            "runs": len(seconds)}


def compare(ours: list[list], theirs: list[list], vectors) -> dict:
    """Whether two engines' events agree, transition by transition, as multisets of
    ``(time, net, new value)``; ``{"agree", "transitions", "events", "differ", "first"}``
    where ``events`` counts ours, ``differ`` the transitions that differ and ``first``
    describes the first difference (None when they agree)."""
    differ, first = 0, None
    for k, (a, b) in enumerate(zip(ours, theirs)):
        ca, cb = Counter(a), Counter(b)
        if ca != cb:
            differ += 1
            if first is None:
                only_a = sorted((ca - cb).elements(), key=str)[:4]
                only_b = sorted((cb - ca).elements(), key=str)[:4]
                first = (f"transition {k} ({_vector(vectors[k])} -> {_vector(vectors[k + 1])}): "
                         f"{len(a)} events in carrylab, {len(b)} in Icarus; only carrylab "
                         f"{only_a}, only Icarus {only_b}")
    if len(ours) != len(theirs):
        differ += abs(len(ours) - len(theirs))
        first = first or f"{len(ours)} transitions in carrylab, {len(theirs)} in Icarus"
    return {"agree": differ == 0, "transitions": len(ours),
            "events": sum(map(len, ours)), "differ": differ, "first": first}


def _vector(v: dict) -> str:
    return " ".join(f"{bus}={value:#x}" for bus, value in v.items())
