"""Tests of adders.export: Verilog run by Icarus Verilog, VCD read back, graph files.

References: Icarus Verilog (a separate simulator of the exported text), Python's + for
adders, Circuit.simulate, and a small VCD reader written here from the format's grammar.
"""
import random
import re
import shutil
import subprocess
from fractions import Fraction

import networkx as nx
import numpy as np
import pytest

from adders import ARCHITECTURES, Circuit, build, half_adder
from adders.export import (VERILOG_KEYWORDS, edge_vectors, from_graphml, to_dot, to_graphml,
                           to_testbench, to_vcd, to_verilog, vcd_text)
from adders.timing import Delays, critical_path, simulate_transition

WIDTHS = (4, 8, 16, 32)
IVERILOG = shutil.which("iverilog")
VVP = shutil.which("vvp")
needs_iverilog = pytest.mark.skipif(
    not (IVERILOG and VVP),
    reason="iverilog not installed: install Icarus Verilog (Debian: apt-get install iverilog) "
           "to run the exported Verilog")


def _run_verilog(tmp_path, *sources: str) -> str:
    """Compile the Verilog texts with iverilog, run with vvp, return stdout."""
    files = []
    for k, text in enumerate(sources):
        f = tmp_path / f"src{k}.v"
        f.write_text(text)
        files.append(str(f))
    binary = tmp_path / "sim.vvp"
    comp = subprocess.run([IVERILOG, "-g2005", "-Wall", "-o", str(binary), *files],
                          capture_output=True, text=True)
    assert comp.returncode == 0, comp.stderr
    assert "warning" not in comp.stderr.lower(), comp.stderr
    run = subprocess.run([VVP, "-n", str(binary)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout


def _pass_fail(stdout: str) -> tuple[int, int]:
    m = re.search(r"^PASS (\d+) FAIL (\d+)$", stdout, re.M)
    assert m, stdout[-2000:]
    return int(m.group(1)), int(m.group(2))


# ---------------------------------------------------------------------- Verilog
@needs_iverilog
@pytest.mark.parametrize("arch", list(ARCHITECTURES))
@pytest.mark.parametrize("n", WIDTHS)
def test_verilog_testbench_passes(tmp_path, arch, n):
    circuit = build(arch, n)
    vectors = 1000
    dut = to_verilog(circuit)
    tb = to_testbench(circuit, vectors, seed=n)
    stdout = _run_verilog(tmp_path, dut, tb)
    count = vectors + len(edge_vectors(circuit))
    assert _pass_fail(stdout) == (count, 0), stdout[-2000:]


@needs_iverilog
@pytest.mark.parametrize("arch", list(ARCHITECTURES))
@pytest.mark.parametrize("n", (1, 5))
def test_verilog_odd_widths(tmp_path, arch, n):
    circuit = build(arch, n)
    stdout = _run_verilog(tmp_path, to_verilog(circuit), to_testbench(circuit, 100, seed=n))
    assert _pass_fail(stdout) == (100 + len(edge_vectors(circuit)), 0)


@needs_iverilog
@pytest.mark.parametrize("arch", list(ARCHITECTURES))
@pytest.mark.parametrize("n", (8, 32))
def test_iverilog_outputs_equal_simulate_vector_by_vector(tmp_path, arch, n):
    """With gate delays in the Verilog (XOR 2, CLA-style AND 1.5), iverilog's printed
    outputs equal Circuit.simulate and Python's + on every vector."""
    circuit = build(arch, n)
    delays = Delays(per_kind={"XOR": 2, "AND": Fraction(3, 2)})
    rng = random.Random(n)
    vectors = [{"a": rng.getrandbits(n), "b": rng.getrandbits(n), "cin": rng.getrandbits(1)}
               for _ in range(1000)]
    stdout = _run_verilog(tmp_path, to_verilog(circuit, delays=delays),
                          to_testbench(circuit, vectors, delays=delays, print_outputs=True))
    printed = {}
    for line in stdout.splitlines():
        if line.startswith("OUT "):
            k, s, cout = line.split()[1:]
            printed[int(k)] = (int(s, 16), int(cout, 16))
    ops = {bus: np.array([v[bus] for v in vectors], dtype=np.uint64) for bus in ("a", "b", "cin")}
    ref = circuit.simulate(**ops)
    assert len(printed) == len(vectors)
    for k, v in enumerate(vectors):
        assert printed[k] == (int(ref["s"][k]), int(ref["cout"][k])), (k, v)
        total = v["a"] + v["b"] + v["cin"]
        assert printed[k] == (total & ((1 << n) - 1), total >> n)
    assert _pass_fail(stdout) == (1000, 0)


@needs_iverilog
@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_inertial_events_equal_iverilog_event_simulation(tmp_path, arch):
    """Verilog gate primitives have inertial delays, so Icarus Verilog's own event
    simulation of the exported module must show exactly the events of mode="inertial":
    every (time, net, value) of every internal wire, over a chain of random transitions
    under random integer delays."""
    n, count = 8, 30
    circuit = build(arch, n)
    rng = random.Random(sum(map(ord, arch)))
    delays = Delays(per_kind={"XOR": rng.randint(1, 4), "AND": rng.randint(1, 3),
                              "OR": rng.randint(1, 3), "NOT": rng.randint(1, 2)},
                    per_gate={g: rng.randint(1, 5) for g in rng.sample(circuit.gates(), 4)})
    gap = critical_path(circuit, delays).delay + 5          # every transition settles
    vectors = [{"a": rng.getrandbits(n), "b": rng.getrandbits(n), "cin": rng.getrandbits(1)}
               for _ in range(count + 1)]
    drive = "\n".join(f"        #{gap} a = {v['a']}; b = {v['b']}; cin = {v['cin']};"
                      for v in vectors[1:])
    vcd = tmp_path / "dump.vcd"
    tb = f"""`timescale 1ns / 1ps
module tb;
    reg [{n - 1}:0] a; reg [{n - 1}:0] b; reg cin;
    wire [{n - 1}:0] s; wire cout;
    {circuit.name} dut (.a(a), .b(b), .cin(cin), .s(s), .cout(cout));
    initial begin
        a = {vectors[0]['a']}; b = {vectors[0]['b']}; cin = {vectors[0]['cin']};
        #{gap} $dumpfile("{vcd}"); $dumpvars(0, dut);
{drive}
        #{gap} $finish;
    end
endmodule
"""
    _run_verilog(tmp_path, to_verilog(circuit, delays=delays), tb)
    scale, variables, changes = _read_vcd(vcd.read_text())
    ticks = 10 ** (-9 - scale)                                # VCD ticks per ns
    ref_of = {}
    for ref, (code, width) in variables.items():
        if width == 1 and ref in circuit.graph and circuit.graph.nodes[ref]["kind"] != "INPUT":
            ref_of[code] = ref
    assert len(ref_of) > circuit.stats()["gates"] // 2       # most gates are plain wires
    seen: dict[int, set] = {}
    for t, code, value in changes:
        if code in ref_of and t >= 2 * gap * ticks:           # skip the initial dump
            k, offset = divmod(t - 2 * gap * ticks, gap * ticks)  # transition k: at (k + 2) gap
            seen.setdefault(k, set()).add((Fraction(offset, ticks), ref_of[code], int(value)))
    for k in range(count):
        trace = simulate_transition(circuit, vectors[k], vectors[k + 1], delays, mode="inertial")
        want = {(e.time, e.net, e.new) for e in trace.events if e.net in ref_of.values()}
        assert seen.get(k, set()) == want, (k, vectors[k], vectors[k + 1])


@needs_iverilog
def test_testbench_catches_a_broken_netlist(tmp_path):
    circuit = build("kogge-stone", 8)
    dut = to_verilog(circuit).replace("xor (s5, p5, c5);", "xnor (s5, p5, c5);")
    assert "xnor (s5" in dut
    passed, failed = _pass_fail(_run_verilog(tmp_path, dut, to_testbench(circuit, 200)))
    assert failed > 0 and passed + failed == 200 + len(edge_vectors(circuit))


@needs_iverilog
def test_awkward_net_names_become_legal_identifiers(tmp_path):
    """Nets named like keywords, ports or with dots still give compilable Verilog."""
    c = Circuit("odd_names")
    x = c.add_input("x", 2)
    y = c.add_input("y", 1)
    w1 = c.add_gate("NAND", [x[0], x[1]], "wire")         # a keyword
    w2 = c.add_gate("NOR", [w1, y[0]], "n.2")               # a dot
    w3 = c.add_gate("XNOR", [w2, x[0]], "y0")               # not a port, fine as is
    w4 = c.add_gate("NOT", [w3], "x")                       # clashes with port x
    c.set_output("z", [w4, c.add_gate("BUF", [w1], "2b")])  # leading digit
    text = to_verilog(c)
    assert "wire wire" not in text and "n.2" not in text
    stdout = _run_verilog(tmp_path, text, to_testbench(c, 50))
    assert _pass_fail(stdout) == (50 + len(edge_vectors(c)), 0)


def test_verilog_text_is_readable_structural_verilog():
    circuit = build("ripple", 4)
    text = to_verilog(circuit, module_name="rca4", delays=Delays(per_kind={"XOR": 2},
                                                                 per_gate={"c4": Fraction(5, 2)}))
    assert "`timescale 1ns / 1ps" in text
    assert "module rca4 (" in text and text.rstrip().endswith("endmodule")
    assert "    input  [3:0] a," in text and "    input  cin," in text
    assert "    output [3:0] s," in text and "    output cout\n" in text
    assert "    xor #2 (p0, a[0], b[0]);" in text
    assert "    and #1 (t0, p0, cin);" in text
    assert "    or #2.5 (c4, g3, t3);" in text
    assert "    assign s[3] = s3;" in text and "    assign cout = c4;" in text
    assert "// level 9" in text
    prims = re.findall(r"^    (and|or|xor|not|nand|nor|xnor|buf)\b", text, re.M)
    assert len(prims) == circuit.stats()["gates"]
    ps = to_verilog(circuit, delays=Delays(unit="ps", default=12))
    assert "`timescale 1ps / 1fs" in ps and "xor #12 (p0" in ps
    assert "#" not in to_verilog(circuit).split("module")[1]      # no delays asked for


def test_half_adder_drives_scalar_output_port_directly():
    text = to_verilog(half_adder())
    assert "and (cout, a, b);" in text and "assign cout" not in text


@pytest.mark.parametrize("bad", ["module", "2fast", "a-b", "", "with space", "$x", 7, "wire",
                                 "logic", "interface", "bit"])
def test_illegal_module_names(bad):
    with pytest.raises(ValueError, match=r"module_name .* (is not a legal Verilog identifier|"
                                         r"is a reserved word of Verilog or SystemVerilog)"):
        to_verilog(build("ripple", 2), module_name=bad)
    with pytest.raises(ValueError, match=r"module_name"):
        to_testbench(build("ripple", 2), 4, module_name=bad)


def test_illegal_circuit_and_bus_names():
    c = Circuit("my adder")
    a = c.add_input("a", 1)
    c.set_output("s", [c.add_gate("NOT", a, "s0")])
    with pytest.raises(ValueError, match=r"circuit name 'my adder' is not a legal Verilog module name.*module_name="):
        to_verilog(c)
    assert "module ok (" in to_verilog(c, module_name="ok")
    d = Circuit("d")
    a = d.add_input("reg", 1)
    d.set_output("s", [d.add_gate("NOT", a, "s0")])
    with pytest.raises(ValueError, match=r"bus 'reg' of circuit 'd' is not a legal Verilog port name"):
        to_verilog(d)
    assert {"module", "wire", "xor", "input"} <= VERILOG_KEYWORDS


def test_bad_testbench_vectors():
    circuit = build("ripple", 4)
    with pytest.raises(ValueError, match=r"vectors\[1\]: operand 'a' = 16 is out of range"):
        to_testbench(circuit, [{"a": 1, "b": 2}, {"a": 16, "b": 0}])
    with pytest.raises(ValueError, match=r"vectors\[0\]: missing input bus\(es\) \['b'\]"):
        to_testbench(circuit, [{"a": 1}])
    with pytest.raises(TypeError, match=r"vectors\[0\] must be a dict"):
        to_testbench(circuit, [(1, 2)])
    with pytest.raises(ValueError, match=r"vectors must be >= 0"):
        to_testbench(circuit, -5)
    with pytest.raises(ValueError, match=r"vectors is empty"):
        to_testbench(circuit, [])


def test_edge_vectors_cover_the_long_carry_chains():
    vecs = edge_vectors(build("ripple", 4))
    assert {"a": 15, "b": 1, "cin": 0} in vecs and {"a": 15, "b": 0, "cin": 1} in vecs
    assert {"a": 0, "b": 0, "cin": 0} in vecs and {"a": 15, "b": 15, "cin": 1} in vecs
    assert {"a": 5, "b": 5, "cin": 1} in vecs


# ---------------------------------------------------------------------- VCD
_SCALE = {"s": 0, "ms": -3, "us": -6, "ns": -9, "ps": -12, "fs": -15}


def _read_vcd(text: str):
    """A small VCD reader (IEEE 1364-2005, 18.2): returns the timescale as a power of
    ten of seconds, {reference: (id code, width)}, and the value changes as
    [(time, id code, value string)] including the #0 dump."""
    tokens = text.split()
    i, scale, variables, changes, time = 0, None, {}, [], 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "$timescale":
            end = tokens.index("$end", i)
            m = re.fullmatch(r"(1|10|100)\s*(s|ms|us|ns|ps|fs)", " ".join(tokens[i + 1:end]))
            assert m, tokens[i:end + 1]
            scale = len(m.group(1)) - 1 + _SCALE[m.group(2)]
            i = end + 1
        elif tok == "$var":
            end = tokens.index("$end", i)
            _, width, code, ref = tokens[i + 1:i + 5]
            variables[ref] = (code, int(width))
            i = end + 1
        elif tok in ("$dumpvars", "$end", "$enddefinitions"):
            i += 1
        elif tok.startswith("$"):
            i = tokens.index("$end", i) + 1
        elif tok.startswith("#"):
            new_time = int(tok[1:])
            assert new_time >= time, "VCD times must not decrease"
            time = new_time
            i += 1
        elif tok[0] in "bB":
            changes.append((time, tokens[i + 1], tok[1:]))
            i += 2
        else:
            assert tok[0] in "01xXzZ", tok
            changes.append((time, tok[1:], tok[0]))
            i += 1
    return scale, variables, changes


def _check_vcd_against_trace(text, trace, lead, unit_exp):
    scale, variables, changes = _read_vcd(text)
    factor = Fraction(10) ** (unit_exp - scale)          # VCD ticks per trace time unit
    lead = Fraction(lead)
    # Every net: the #0 dump is the settled `before` value, then exactly the trace's events.
    per_code: dict[str, list] = {}
    for t, code, value in changes:
        per_code.setdefault(code, []).append((t, value))
    for net, value in trace.initial.items():
        code, width = variables[net]
        assert width == 1
        got = per_code[code]
        assert got[0] == (0, str(value)), net
        want = [(int((Fraction(str(e.time)) + lead) * factor), str(e.new))
                for e in trace.events if e.net == net]
        assert got[1:] == want, net
    return variables, per_code


def test_vcd_read_back_matches_trace(tmp_path):
    circuit = build("ripple", 8)
    trace = simulate_transition(circuit, {"a": 0, "b": 0}, {"a": 255, "b": 1})
    path = to_vcd(trace, tmp_path / "rca8.vcd")
    text = path.read_text()
    assert "$timescale 1 ns $end" in text
    variables, per_code = _check_vcd_against_trace(text, trace, 1, -9)
    # Bus vectors: value of s after the last change = the trace's final sum.
    code, width = variables["s"]
    assert width == 8
    assert int(per_code[code][-1][1], 2) == trace.final["s"] == 0
    assert per_code[variables["a"][0]][-1] == (1, "11111111")
    assert variables["cout"][0] == variables["c8"][0]          # 1-bit bus: an alias


def test_vcd_fractional_delays_pick_a_finer_timescale(tmp_path):
    circuit = build("brent-kung", 8)
    delays = Delays(per_kind={"XOR": 0.25, "AND": 0.5}, unit="ps")
    trace = simulate_transition(circuit, {"a": 3, "b": 0}, {"a": 255, "b": 1}, delays,
                                mode="inertial")
    text = vcd_text(trace, lead=0)
    assert "$timescale 10 fs $end" in text                  # 0.25 ps = 25 x 10 fs
    _check_vcd_against_trace(text, trace, 0, -12)
    text_no_bus = vcd_text(trace, buses=False, lead=Fraction(1, 2))
    _, variables, _ = _read_vcd(text_no_bus)
    assert "s" not in variables
    _check_vcd_against_trace(text_no_bus, trace, Fraction(1, 2), -12)


@pytest.mark.skipif(not (shutil.which("vcd2fst") and shutil.which("fst2vcd")),
                    reason="GTKWave's vcd2fst / fst2vcd not installed (Debian: apt-get install gtkwave)")
def test_vcd_survives_gtkwave_conversion(tmp_path):
    """GTKWave's own reader converts the file to its FST format and back; the values
    and times that come back still match the trace."""
    circuit = build("kogge-stone", 8)
    trace = simulate_transition(circuit, {"a": 0, "b": 0}, {"a": 255, "b": 1},
                                Delays(per_kind={"XOR": 1.5}))
    vcd = to_vcd(trace, tmp_path / "ks8.vcd")
    fst = tmp_path / "ks8.fst"
    subprocess.run([shutil.which("vcd2fst"), str(vcd), str(fst)], check=True, capture_output=True)
    back = subprocess.run([shutil.which("fst2vcd"), str(fst)], check=True, capture_output=True,
                          text=True).stdout
    _check_vcd_against_trace(back, trace, 1, -9)


def test_vcd_bad_arguments(tmp_path):
    trace = simulate_transition(build("ripple", 2), {"a": 0, "b": 0}, {"a": 3, "b": 1})
    with pytest.raises(TypeError, match=r"trace must be a Trace"):
        to_vcd({"events": []}, tmp_path / "x.vcd")
    with pytest.raises(ValueError, match=r"lead must be a number >= 0.*-1"):
        to_vcd(trace, tmp_path / "x.vcd", lead=-1)


# ---------------------------------------------------------------------- graphs
@pytest.mark.parametrize("arch", ["ripple", "cla", "kogge-stone", "carry-select"])
def test_graphml_round_trip(tmp_path, arch):
    circuit = build(arch, 8)
    path = to_graphml(circuit, tmp_path / "net.graphml")
    graph = nx.read_graphml(path)
    assert set(graph.nodes) == set(circuit.graph.nodes)
    assert set(graph.edges) == set(circuit.graph.edges)
    assert graph.nodes["c1"]["kind"] == circuit.graph.nodes["c1"]["kind"]
    back = from_graphml(path)
    assert back.inputs == circuit.inputs and back.outputs == circuit.outputs
    assert back.stats() == circuit.stats()
    rng = random.Random(1)
    for _ in range(50):
        ops = {"a": rng.getrandbits(8), "b": rng.getrandbits(8), "cin": rng.getrandbits(1)}
        assert back.evaluate(**ops) == circuit.evaluate(**ops)
    assert back.evaluate(a=1, b=2) == {"s": 3, "cout": 0}     # the cin default survived


def test_from_graphml_rejects_other_graphml(tmp_path):
    path = tmp_path / "plain.graphml"
    nx.write_graphml(nx.path_graph(3), path)
    with pytest.raises(ValueError, match=r"not a carrylab GraphML netlist"):
        from_graphml(path)


def test_dot_text(tmp_path):
    circuit = build("ripple", 2)
    text = to_dot(circuit, tmp_path / "rca2.dot")
    assert (tmp_path / "rca2.dot").read_text() == text
    assert text.startswith('digraph "ripple_carry_2" {') and text.rstrip().endswith("}")
    assert len(re.findall(r" -> ", text)) == circuit.graph.number_of_edges()
    assert '"c1" [shape=ellipse, label="OR\\nc1"];' in text
    assert '"a0" [shape=box, label="a0"];' in text
    assert '"s1" [shape=ellipse, label="XOR\\ns1", peripheries=2];' in text
    assert text.count("rank=same") == circuit.stats()["depth"] + 1
