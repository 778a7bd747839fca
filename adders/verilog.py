"""Structural Verilog of a circuit, and a self-checking testbench for it.

* :func:`to_verilog` writes a circuit as a Verilog-2001 module of gate primitives
  (``and``, ``or``, ``xor``, ``not``, ``nand``, ``nor``, ``xnor``, ``buf``), one line per
  gate, grouped by logic level, with the circuit's own net names as wires and vector
  ports (``input [7:0] a``). Given :class:`~adders.delays.Delays`, each gate carries its
  ``#delay``; Verilog gate delays are inertial.
* :func:`to_testbench` writes a testbench that drives vectors into that module, waits for
  the outputs to settle, compares them with values computed here and prints
  ``PASS <n> FAIL <m>`` before ``$finish``. Any Verilog simulator runs the pair, e.g.
  ``iverilog -o sim dut.v tb.v && vvp sim``.

Time units: a gate delay (``unit="gd"``) is written as 1 ns; picoseconds as ps.
"""
from __future__ import annotations

import re
from fractions import Fraction

from . import gates
from .delays import as_delays
from .errors import CarrylabValueError
from .static_timing import critical_path
from .vectors import choose_vectors, expected_outputs

__all__ = ["to_verilog", "to_testbench", "VERILOG_KEYWORDS"]

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

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")

_VERILOG_TIMESCALE = {"gd": "`timescale 1ns / 1ps", "ps": "`timescale 1ps / 1fs"}


# ---------------------------------------------------------------------- names
def _is_identifier(name) -> bool:
    """True for a legal Verilog identifier that is no reserved word."""
    return isinstance(name, str) and bool(_IDENT.match(name)) and name not in VERILOG_KEYWORDS


def _module_name(circuit, module_name) -> str:
    """The module name to write: ``module_name`` or the circuit's name, checked."""
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
    """Raise ValueError for a bus whose name cannot be a Verilog port."""
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
    """``[w-1:0] `` for a vector port or wire, nothing for one bit."""
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
    name = _module_name(circuit, module_name)
    circuit.validate()
    _check_ports(circuit)
    table = as_delays(delays).for_circuit(circuit) if delays is not None else None
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
def _hex(value: int, width: int) -> str:
    """A Verilog hex literal of ``width`` bits."""
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
    name = _module_name(circuit, module_name)
    circuit.validate()
    _check_ports(circuit)
    vecs = choose_vectors(circuit, vectors, seed)
    want = expected_outputs(circuit, vecs)
    if delays is not None:
        path = critical_path(circuit, as_delays(delays))
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
