"""Export: structural Verilog, self-checking testbenches, VCD waveforms, netlist graphs.

* :func:`to_verilog` writes a circuit as a Verilog-2001 module of gate primitives
  (``and``, ``or``, ``xor``, ``not``, ``nand``, ``nor``, ``xnor``, ``buf``), one line per
  gate, grouped by logic level, with the circuit's own net names as wires and vector
  ports (``input [7:0] a``). Given :class:`~adders.timing.Delays`, each gate carries its
  ``#delay``; Verilog gate delays are inertial.
* :func:`to_testbench` writes a testbench that drives vectors into that module, waits for
  the outputs to settle, compares them with values computed here and prints
  ``PASS <n> FAIL <m>`` before ``$finish``. Any Verilog simulator runs the pair, e.g.
  ``iverilog -o sim dut.v tb.v && vvp sim``.
* :func:`to_vcd` writes a :class:`~adders.timing.Trace` as a Value Change Dump, the
  waveform format of IEEE 1364 section 18, which GTKWave and other viewers open.
* :func:`to_graphml`, :func:`from_graphml` and :func:`to_dot` save the netlist graph for
  graph tools (GraphML through networkx; DOT text written here, since pydot and
  pygraphviz are optional).

Time units: a gate delay (``unit="gd"``) is written as 1 ns; picoseconds as ps.
"""
from __future__ import annotations

import json
import random
import re
from fractions import Fraction
from pathlib import Path

import networkx as nx
import numpy as np

from . import gates
from .errors import CarrylabTypeError, CarrylabValueError, NetlistError, carrylab_kind
from .netlist import resolve_operands

__all__ = ["to_verilog", "to_testbench", "edge_vectors", "to_vcd", "vcd_text",
           "to_graphml", "from_graphml", "to_dot", "VERILOG_KEYWORDS"]

#: Reserved words of Verilog-2005 (IEEE 1364-2005, annex B) and of SystemVerilog
#: (IEEE 1800-2017, annex B): none may name a module, port or wire, since Verilator and
#: other tools read exported files as SystemVerilog.
VERILOG_KEYWORDS = frozenset("""
always and assign automatic begin buf bufif0 bufif1 case casex casez cell cmos config
deassign default defparam design disable edge else end endcase endconfig endfunction
endgenerate endmodule endprimitive endspecify endtable endtask event for force forever
fork function generate genvar highz0 highz1 if ifnone incdir include initial inout input
instance integer join large liblist library localparam macromodule medium module nand
negedge nmos nor noshowcancelled not notif0 notif1 or output parameter pmos posedge
primitive pull0 pull1 pulldown pullup pulsestyle_onevent pulsestyle_ondetect rcmos real
realtime reg release repeat rnmos rpmos rtran rtranif0 rtranif1 scalared showcancelled
signed small specify specparam strong0 strong1 supply0 supply1 table task time tran
tranif0 tranif1 tri tri0 tri1 triand trior trireg unsigned use uwire vectored wait wand
weak0 weak1 while wire wor xnor xor
accept_on alias always_comb always_ff always_latch assert assume before bind bins binsof
bit break byte chandle checker class clocking const constraint context continue cover
covergroup coverpoint cross dist do endchecker endclass endclocking endgroup endinterface
endpackage endprogram endproperty endsequence enum eventually expect export extends extern
final first_match foreach forkjoin global iff ignore_bins illegal_bins implements implies
import inside int interconnect interface intersect join_any join_none let local logic
longint matches modport nettype new nexttime null package packed priority program property
protected pure rand randc randcase randsequence ref reject_on restrict return s_always
s_eventually s_nexttime s_until s_until_with sequence shortint shortreal soft solve static
string strong struct super sync_accept_on sync_reject_on tagged this throughout
timeprecision timeunit type typedef union unique unique0 until until_with untyped var
virtual void wait_order weak wildcard with within
""".split())

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")

# Timescale of exported Verilog and of VCD files: (power of ten of one unit, name).
_BASE_EXP = {"gd": -9, "ps": -12}
_EXP_NAME = {0: "s", -3: "ms", -6: "us", -9: "ns", -12: "ps", -15: "fs"}
_VERILOG_TIMESCALE = {"gd": "`timescale 1ns / 1ps", "ps": "`timescale 1ps / 1fs"}


# ---------------------------------------------------------------------- names
def _is_identifier(name) -> bool:
    return isinstance(name, str) and bool(_IDENT.match(name)) and name not in VERILOG_KEYWORDS


def _module_name(circuit, module_name) -> str:
    if module_name is None:
        if not _is_identifier(circuit.name):
            raise CarrylabValueError(f"circuit name {circuit.name!r} is not a legal Verilog module name "
                             f"(letters, digits, _ and $, not starting with a digit or $, not a "
                             f"keyword); pass module_name=, e.g. 'adder'")
        return circuit.name
    if module_name in VERILOG_KEYWORDS:
        raise CarrylabValueError(f"module_name {module_name!r} is a reserved word of Verilog or "
                                 f"SystemVerilog; choose another name, e.g. 'adder_16'")
    if not _is_identifier(module_name):
        raise CarrylabValueError(f"module_name {module_name!r} is not a legal Verilog identifier: use "
                                 f"letters, digits, _ and $, start with a letter or _; e.g. 'adder_16'")
    return module_name


def _check_ports(circuit) -> None:
    for bus in list(circuit.inputs) + list(circuit.outputs):
        if not _is_identifier(bus):
            raise CarrylabValueError(f"bus {bus!r} of circuit {circuit.name!r} is not a legal Verilog port "
                             f"name (letters, digits, _ and $, not starting with a digit, not a "
                             f"keyword); rename the bus")


def _net_names(circuit) -> tuple[dict, set]:
    """Verilog expression for every net, and the nets that need a ``wire`` declaration.

    Input nets are bit selects of their port (``a[3]``; a 1-bit port is used whole). A
    1-bit output bus named like the gate net it carries is that net, so the gate drives
    the port. Other nets keep their names when those are legal identifiers that clash
    with no port; the rest get a cleaned, unique name.
    """
    expr: dict[str, str] = {}
    ports = set(circuit.inputs) | set(circuit.outputs)
    for bus, nets in circuit.inputs.items():
        for i, net in enumerate(nets):
            expr[net] = bus if len(nets) == 1 else f"{bus}[{i}]"
    for bus, nets in circuit.outputs.items():
        if len(nets) == 1 and nets[0] == bus and nets[0] not in expr:
            expr[bus] = bus
    taken = set(ports) | set(VERILOG_KEYWORDS)
    wires = set()
    for net in circuit.gates():
        if net in expr:
            continue
        name = net
        if not _is_identifier(name) or name in taken:
            stem = "n_" + re.sub(r"[^A-Za-z0-9_]", "_", str(net))
            name, k = stem, 1
            while name in taken or name in circuit.graph:
                name, k = f"{stem}_{k}", k + 1
        taken.add(name)
        expr[net] = name
        wires.add(net)
    return expr, wires


def _range(width: int) -> str:
    return f"[{width - 1}:0] " if width > 1 else ""


def _number(value) -> str:
    """A delay as a Verilog literal: ints as ints, fractions as terminating decimals
    where they terminate, else to 12 significant digits."""
    if isinstance(value, int):
        return str(value)
    frac = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    if frac.denominator == 1:
        return str(frac.numerator)
    den = frac.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    if den == 1:                          # terminates: print every digit exactly
        digits = 0
        while (frac * 10 ** digits).denominator != 1:
            digits += 1
        scaled = frac * 10 ** digits
        text = f"{abs(scaled.numerator):0{digits + 1}d}"
        return ("-" if frac < 0 else "") + text[:-digits] + "." + text[-digits:]
    return f"{float(frac):.12g}"


def _wrap(items: list[str], head: str, width: int = 92) -> list[str]:
    """``head item, item, ...;`` broken into lines of at most ``width`` characters."""
    lines, line = [], head
    for k, item in enumerate(items):
        piece = item + (";" if k == len(items) - 1 else ",")
        if line.strip() and len(line) + 1 + len(piece) > width:
            lines.append(line)
            line = " " * len(head)
        line = line + " " + piece
    lines.append(line)
    return lines


# ---------------------------------------------------------------------- Verilog
def to_verilog(circuit, module_name: str | None = None, delays=None) -> str:
    """Structural Verilog of ``circuit``: one gate primitive per gate.

    Parameters
    ----------
    circuit : Circuit
    module_name : str, optional
        Module name; ``circuit.name`` by default. Must be a legal Verilog identifier.
    delays : Delays, optional
        Write ``#delay`` on every gate (1 gd as 1 ns, or ps). None: zero-delay gates.

    Returns
    -------
    str
        The module text, starting with a ``timescale`` directive.

    Raises
    ------
    ValueError
        An illegal module or bus name, or ``delays.per_gate`` naming a non-gate.
    NetlistError
        A malformed circuit.

    Examples
    --------
    >>> from adders import half_adder
    >>> print(to_verilog(half_adder()))             # doctest: +ELLIPSIS
    // half_adder: 2 gates, depth 1 (unit delay)
    ...
    module half_adder (
        input  a,
        input  b,
        output s,
        output cout
    );
        wire s0;
    <BLANKLINE>
        // level 1
        xor (s0, a, b);
        and (cout, a, b);
    <BLANKLINE>
        assign s = s0;
    endmodule
    <BLANKLINE>
    """
    from .timing import _as_delays
    name = _module_name(circuit, module_name)
    circuit.validate()
    _check_ports(circuit)
    table = _as_delays(delays).for_circuit(circuit) if delays is not None else None
    expr, wires = _net_names(circuit)
    stats = circuit.stats()
    level = circuit.levels()
    unit = delays.unit if delays is not None else "gd"
    out = [f"// {circuit.name}: {stats['gates']} gates, depth {stats['depth']} (unit delay)",
           "// " + ", ".join(f"{k} {v}" for k, v in stats["by_kind"].items())]
    if delays is not None:
        out.append(f"// gate delays in {'gate delays, written as ns' if unit == 'gd' else 'ps'}")
    out.append(_VERILOG_TIMESCALE[unit])
    out.append(f"module {name} (")
    ports = [f"    input  {_range(len(n))}{b}" for b, n in circuit.inputs.items()]
    ports += [f"    output {_range(len(n))}{b}" for b, n in circuit.outputs.items()]
    out.append(",\n".join(ports))
    out.append(");")
    wire_names = [expr[n] for n in circuit.gates() if n in wires]
    if wire_names:
        out.extend(_wrap(wire_names, "    wire"))
    current = None
    nodes = circuit.graph.nodes
    for net in circuit.gates():
        if level[net] != current:
            current = level[net]
            out.append("")
            out.append(f"    // level {current}")
        kind = nodes[net]["kind"]
        prim = gates.VERILOG_PRIMITIVE[kind]
        delay = f" #{_number(table[net])}" if table is not None else ""
        pins = ", ".join([expr[net]] + [expr[i] for i in nodes[net]["inputs"]])
        out.append(f"    {prim}{delay} ({pins});")
    out.append("")
    for bus, nets in circuit.outputs.items():
        for i, net in enumerate(nets):
            port = bus if len(nets) == 1 else f"{bus}[{i}]"
            if port != expr[net]:
                out.append(f"    assign {port} = {expr[net]};")
    out.append("endmodule")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------- testbench
def edge_vectors(circuit) -> list[dict]:
    """Corner-case input vectors: all zeros, all ones, alternating bit patterns, and for
    every ordered pair of buses (B, C) the vector B = max, C = 1, others 0 (for an adder:
    ``a = 2^n - 1, b = 1`` and ``a = 2^n - 1, cin = 1``, the longest carry chains)."""
    full = {bus: (1 << len(n)) - 1 for bus, n in circuit.inputs.items()}
    alt = {bus: int("01" * len(n), 2) & full[bus] for bus, n in circuit.inputs.items()}
    out = [{b: 0 for b in full}, dict(full), dict(alt), {b: alt[b] ^ full[b] for b in full}]
    for b in full:
        for c in full:
            if b != c:
                vec = {x: 0 for x in full}
                vec[b], vec[c] = full[b], 1
                out.append(vec)
    unique = {tuple(sorted(v.items())): v for v in out}
    return list(unique.values())


def _vectors(circuit, vectors, seed) -> list[dict]:
    if isinstance(vectors, bool):
        raise CarrylabTypeError(f"vectors must be an int (random count) or a list of dicts, got {vectors!r}")
    if isinstance(vectors, int):
        if vectors < 0:
            raise CarrylabValueError(f"vectors must be >= 0 random vectors, got {vectors}")
        rng = random.Random(seed)
        rand = [{bus: rng.getrandbits(len(n)) for bus, n in circuit.inputs.items()}
                for _ in range(vectors)]
        return edge_vectors(circuit) + rand
    from .netlist import _check_operand
    out = []
    for k, vec in enumerate(vectors):
        if not isinstance(vec, dict):
            raise CarrylabTypeError(f"vectors[{k}] must be a dict of input bus -> int, got {vec!r}")
        try:
            full = resolve_operands(circuit, vec)
            out.append({b: _check_operand(b, v, circuit.width(b)) for b, v in full.items()})
        except (TypeError, ValueError) as exc:
            raise carrylab_kind(exc)(f"vectors[{k}]: {exc}") from None
    if not out:
        raise CarrylabValueError("vectors is empty: give at least one vector (or an int count)")
    return out


def _to_bits(values: list[int], width: int) -> np.ndarray:
    """Python ints -> (vectors, width) uint8 bit matrix, LSB first."""
    rows = np.zeros((len(values), width), dtype=np.uint8)
    for r, v in enumerate(values):
        for i in range(width):
            rows[r, i] = (v >> i) & 1
    return rows


def _from_bits(bits: np.ndarray) -> list[int]:
    weights = [1 << i for i in range(bits.shape[1])]
    return [sum(w for w, bit in zip(weights, row) if bit) for row in bits.tolist()]


def _expected(circuit, vectors: list[dict]) -> list[dict]:
    """Outputs of every vector, by the bit-parallel logic simulator."""
    operands = {bus: _to_bits([v[bus] for v in vectors], len(nets))
                for bus, nets in circuit.inputs.items()}
    result = circuit.simulate(as_bits=True, **operands)
    columns = {bus: _from_bits(result[bus]) for bus in circuit.outputs}
    return [{bus: columns[bus][k] for bus in circuit.outputs} for k in range(len(vectors))]


def _hex(value: int, width: int) -> str:
    return f"{width}'h{value:0{(width + 3) // 4}x}"


def to_testbench(circuit, vectors=1000, module_name: str | None = None, delays=None,
                 seed: int = 0, print_outputs: bool = False) -> str:
    """A self-checking Verilog testbench for the module :func:`to_verilog` writes.

    Parameters
    ----------
    circuit : Circuit
    vectors : int or list of dict
        A list of ``{input bus: int}`` (defaults filled in), or a count N: the
        :func:`edge_vectors` plus N random vectors drawn with ``seed``.
    module_name : str, optional
        Name of the module under test (as given to :func:`to_verilog`); the testbench
        module is ``tb_<module_name>``.
    delays : Delays, optional
        The delays the module was written with: each vector waits the critical-path
        delay plus one unit before its check (1 unit without delays).
    seed : int
        Seed of the random vectors.
    print_outputs : bool
        Also print ``OUT <k> <output buses in hex>`` for every vector.

    Returns
    -------
    str
        Verilog that prints ``FAIL ...`` per mismatch and finally ``PASS <n> FAIL <m>``.
        Expected outputs come from :meth:`Circuit.simulate`.
    """
    from .timing import _as_delays, critical_path
    name = _module_name(circuit, module_name)
    circuit.validate()
    _check_ports(circuit)
    vecs = _vectors(circuit, vectors, seed)
    want = _expected(circuit, vecs)
    if delays is not None:
        path = critical_path(circuit, _as_delays(delays))
        wait = _number(path.delay + 1)
        unit = delays.unit
    else:
        wait, unit = "1", "gd"
    ins, outs = circuit.inputs, circuit.outputs
    lines = [f"// Self-checking testbench for {name}: {len(vecs)} vectors, expected outputs",
             "// computed by carrylab. Prints PASS <n> FAIL <m>.",
             _VERILOG_TIMESCALE[unit],
             f"module tb_{name};"]
    lines += [f"    reg  {_range(len(n))}{b};" for b, n in ins.items()]
    lines += [f"    wire {_range(len(n))}{b};" for b, n in outs.items()]
    lines.append("    integer tb_pass, tb_fail;")
    conns = ", ".join(f".{b}({b})" for b in list(ins) + list(outs))
    lines.append(f"    {name} dut ({conns});")
    lines.append("")
    lines.append("    task tb_check;")
    lines.append("        input integer tb_k;")
    lines += [f"        input {_range(len(n))}tb_want_{b};" for b, n in outs.items()]
    lines.append("        begin")
    same = " && ".join(f"{b} === tb_want_{b}" for b in outs)
    fmt = " ".join(f"{b}=%h (want %h)" for b in outs)
    args = ", ".join(f"{b}, tb_want_{b}" for b in outs)
    lines.append(f"            if ({same}) tb_pass = tb_pass + 1;")
    lines.append("            else begin")
    lines.append("                tb_fail = tb_fail + 1;")
    lines.append(f'                $display("FAIL %0d: {fmt}", tb_k, {args});')
    lines.append("            end")
    if print_outputs:
        fmt_out = " ".join("%h" for _ in outs)
        lines.append(f'            $display("OUT %0d {fmt_out}", tb_k, {", ".join(outs)});')
    lines.append("        end")
    lines.append("    endtask")
    lines.append("")
    lines.append("    initial begin")
    lines.append("        tb_pass = 0; tb_fail = 0;")
    for k, (vec, exp) in enumerate(zip(vecs, want)):
        drive = " ".join(f"{b} = {_hex(vec[b], len(n))};" for b, n in ins.items())
        check = ", ".join([str(k)] + [_hex(exp[b], len(n)) for b, n in outs.items()])
        lines.append(f"        {drive} #{wait} tb_check({check});")
    lines.append('        $display("PASS %0d FAIL %0d", tb_pass, tb_fail);')
    lines.append("        $finish;")
    lines.append("    end")
    lines.append("endmodule")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- VCD
def _vcd_id(k: int) -> str:
    """Short identifier code k in base 94 over the printable ASCII characters ! .. ~."""
    chars = []
    while True:
        k, r = divmod(k, 94)
        chars.append(chr(33 + r))
        if k == 0:
            return "".join(chars)
        k -= 1


def _vcd_ref(name: str) -> str:
    # Whitespace ends a VCD token and brackets read as a bit range: replace both.
    return re.sub(r"[\s\[\]]", "_", name)


def _timescale(times, unit):
    """The coarsest VCD timescale that writes every time as an integer, and the factor.

    Returns ``(text, factor)``; a time t is written as ``round(t * factor)``. Times that
    never become integers (1/3 gd) are rounded at femtoseconds.
    """
    base = _BASE_EXP[unit]
    exact = [Fraction(repr(t)) if isinstance(t, float) else Fraction(t) for t in times]
    for k in range(base + 15 + 1):
        if all((t * 10 ** k).denominator == 1 for t in exact):
            break
    exp = base - k
    unit_exp = 3 * (exp // 3)
    return f"{10 ** (exp - unit_exp)} {_EXP_NAME[unit_exp]}", 10 ** k


def vcd_text(trace, buses: bool = True, lead=None) -> str:
    """The VCD of ``trace`` as a string (see :func:`to_vcd`)."""
    from .timing import Trace
    if not isinstance(trace, Trace):
        raise CarrylabTypeError(f"trace must be a Trace (from simulate_transition), got {type(trace).__name__}")
    circuit = trace.circuit
    if lead is None:
        positive = [d for d in trace.delays.for_circuit(circuit).values() if d > 0]
        lead = min(positive) if positive else 1
    elif isinstance(lead, bool) or not isinstance(lead, (int, float, Fraction)) or lead < 0:
        raise CarrylabValueError(f"lead must be a number >= 0 (time shown before the switch), got {lead!r}")
    times = sorted(set([0] + [e.time for e in trace.events]))
    shifted = [Fraction(repr(t)) if isinstance(t, float) else Fraction(t) for t in times]
    lead_f = Fraction(repr(lead)) if isinstance(lead, float) else Fraction(lead)
    scale_text, factor = _timescale([t + lead_f for t in shifted] + [lead_f], trace.unit)

    def stamp(t):
        exact = (Fraction(repr(t)) if isinstance(t, float) else Fraction(t)) + lead_f
        return round(exact * factor)

    nets = list(trace.initial)
    code = {net: _vcd_id(k) for k, net in enumerate(nets)}
    bus_code, bus_nets = {}, {}
    aliases = []
    if buses:
        k = len(nets)
        for bus, members in list(circuit.inputs.items()) + list(circuit.outputs.items()):
            if len(members) == 1:
                if members[0] != bus:
                    aliases.append((bus, code[members[0]]))
                continue
            bus_code[bus], bus_nets[bus] = _vcd_id(k), members
            k += 1
    unit_note = "1 gate delay = 1 ns" if trace.unit == "gd" else "times in ps"
    out = ["$version carrylab adders.export.to_vcd $end",
           f"$comment {circuit.name}: {trace.mode} delays, {unit_note}; inputs switch at "
           f"#{stamp(0)} $end",
           f"$timescale {scale_text} $end",
           f"$scope module {_vcd_ref(circuit.name)} $end"]
    out += [f"$var wire 1 {code[n]} {_vcd_ref(n)} $end" for n in nets]
    out += [f"$var wire 1 {c} {_vcd_ref(b)} $end" for b, c in aliases]
    out += [f"$var wire {len(m)} {bus_code[b]} {_vcd_ref(b)} [{len(m) - 1}:0] $end"
            for b, m in bus_nets.items()]
    out += ["$upscope $end", "$enddefinitions $end", "#0", "$dumpvars"]
    state = dict(trace.initial)

    def vector(bus):
        return "b" + "".join(str(state[n]) for n in reversed(bus_nets[bus])) + " " + bus_code[bus]

    out += [f"{state[n]}{code[n]}" for n in nets]
    out += [vector(b) for b in bus_nets]
    out.append("$end")
    member_of: dict[str, list] = {}
    for bus, members in bus_nets.items():
        for n in members:
            member_of.setdefault(n, []).append(bus)
    events = trace.events
    i = 0
    while i < len(events):
        t = events[i].time
        stamp_t = stamp(t)
        if stamp_t != 0:
            out.append(f"#{stamp_t}")
        touched = {}
        while i < len(events) and events[i].time == t:
            e = events[i]
            state[e.net] = e.new
            out.append(f"{e.new}{code[e.net]}")
            touched.update(dict.fromkeys(member_of.get(e.net, ())))
            i += 1
        out += [vector(b) for b in touched]
    # A last stamp after the final event, so viewers show the settled values too.
    tail = stamp(trace.end_time) + round(lead_f * factor)
    if tail > stamp(trace.end_time):
        out.append(f"#{tail}")
    return "\n".join(out) + "\n"


def to_vcd(trace, path, buses: bool = True, lead=None) -> Path:
    """Write ``trace`` as a VCD file for a waveform viewer (GTKWave).

    One scalar wire per net (in the scope named after the circuit) and, with ``buses``,
    one vector per multi-bit bus (``a [7:0]``) and an alias per 1-bit bus. The settled
    ``before`` state is dumped at ``#0`` and shown for ``lead`` time units before the
    inputs switch, so VCD time = trace time + ``lead``.

    Parameters
    ----------
    trace : Trace
    path : str or Path
    buses : bool
        Also write bus vectors.
    lead : number, optional
        Time shown before the switch, in the trace's unit; default: the smallest
        positive gate delay (1 under unit delay).

    Returns
    -------
    Path
        The file written. The timescale is the coarsest power of ten that writes every
        time as an integer (1 ns per gate delay, 1 ps for ps, finer for fractions).
    """
    path = Path(path)
    text = vcd_text(trace, buses=buses, lead=lead)
    path.write_text(text)
    return path


# ---------------------------------------------------------------------- graphs
def _plain_graph(circuit) -> nx.DiGraph:
    """A copy of the netlist graph whose attributes are all strings, as GraphML needs
    (tuples and lists become JSON text)."""
    graph = nx.DiGraph()
    graph.graph.update(name=circuit.name, inputs=json.dumps(circuit.inputs),
                       outputs=json.dumps(circuit.outputs),
                       input_defaults=json.dumps(circuit.input_defaults))
    for net, data in circuit.graph.nodes(data=True):
        graph.add_node(net, kind=str(data["kind"]), inputs=json.dumps(list(data["inputs"])))
    for u, v, pins in circuit.graph.edges(data="pins"):
        graph.add_edge(u, v, pins=json.dumps(list(pins)))
    return graph


def to_graphml(circuit, path) -> Path:
    """Write the netlist graph as GraphML (node attributes ``kind``, ``inputs``; edge
    attribute ``pins``; graph attributes ``name``, ``inputs``, ``outputs``,
    ``input_defaults``, list-valued ones as JSON). Read back with :func:`from_graphml`."""
    circuit.validate()
    path = Path(path)
    nx.write_graphml(_plain_graph(circuit), path)
    return path


def from_graphml(path):
    """Rebuild a :class:`Circuit` from a file written by :func:`to_graphml`.

    Raises
    ------
    NetlistError
        The file lacks the attributes :func:`to_graphml` writes, or describes a
        malformed circuit.
    """
    from .netlist import Circuit
    graph = nx.read_graphml(path)
    try:
        inputs = json.loads(graph.graph["inputs"])
        outputs = json.loads(graph.graph["outputs"])
        defaults = json.loads(graph.graph.get("input_defaults", "{}"))
        circuit = Circuit(graph.graph["name"])
    except (KeyError, ValueError) as exc:
        raise NetlistError(f"{path}: not a carrylab GraphML netlist ({exc})") from None
    for bus, nets in inputs.items():
        made = circuit.add_input(bus, len(nets), default=defaults.get(bus))
        if made != nets:
            raise NetlistError(f"{path}: input bus {bus!r} has nets {nets[:4]}..., expected {made[:4]}...")
    for net, data in graph.nodes(data=True):
        if data.get("kind") not in (None, "INPUT"):
            circuit.add_gate(data["kind"], json.loads(data["inputs"]), net)
    for bus, nets in outputs.items():
        circuit.set_output(bus, nets)
    return circuit.validate()


def _dot_quote(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(circuit, path=None) -> str:
    """The netlist as Graphviz DOT text, left to right, one rank per logic level.

    Inputs are boxes, gates ellipses labelled with kind and net, output nets drawn
    with a double border. Written to ``path`` too when given; returns the text.
    """
    level = circuit.levels()
    outputs = {n for nets in circuit.outputs.values() for n in nets}
    nodes = circuit.graph.nodes
    lines = [f"digraph {_dot_quote(circuit.name)} {{", "    rankdir=LR;",
             '    node [fontname="Helvetica", fontsize=10];']
    for net in [n for nets in circuit.inputs.values() for n in nets] + circuit.gates():
        kind = nodes[net]["kind"]
        attrs = ["shape=box", f"label={_dot_quote(net)}"] if kind == "INPUT" else \
            ["shape=ellipse", f"label={_dot_quote(kind)[:-1]}\\n{_dot_quote(net)[1:]}"]
        if net in outputs:
            attrs.append("peripheries=2")
        lines.append(f"    {_dot_quote(net)} [{', '.join(attrs)}];")
    by_level: dict[int, list] = {}
    for net, lv in level.items():
        by_level.setdefault(lv, []).append(net)
    for lv in sorted(by_level):
        members = " ".join(_dot_quote(n) for n in sorted(by_level[lv]))
        lines.append(f"    {{ rank=same; {members} }}")
    for u, v in circuit.graph.edges():
        lines.append(f"    {_dot_quote(u)} -> {_dot_quote(v)};")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    if path is not None:
        Path(path).write_text(text)
    return text
