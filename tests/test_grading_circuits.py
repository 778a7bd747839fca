"""carrylab.grading: the report on a drawn adder, each figure checked against a reference
that does not use the grader (Python integers, networkx, direct timing simulations)."""
import io
import sys
import types
from collections import Counter

import networkx as nx
import numpy as np
import pytest

from adders import Circuit, build
from adders.build import carry_lookahead
from adders.errors import CarrylabValueError
from adders.export import to_graphml
from adders.timing import simulate_transition
from carrylab import grading
from carrylab.grading import GradeError, draw_report, grade_circuit, load_circuit


# ---------------------------------------------------------------------- helpers
def _rebuild(circuit, kinds=None, name="rebuilt", extra_output=None):
    """A copy of ``circuit`` through the Circuit API, with gate kinds replaced."""
    kinds = kinds or {}
    copy = Circuit(name)
    for bus, nets in circuit.inputs.items():
        copy.add_input(bus, len(nets))
    for gate in circuit.gates():
        data = circuit.graph.nodes[gate]
        copy.add_gate(kinds.get(gate, data["kind"]), data["inputs"], gate)
    for bus, nets in circuit.outputs.items():
        copy.set_output(bus, nets)
    if extra_output:
        copy.set_output(extra_output[0], extra_output[1])
    return copy


def _brute_force(circuit, bits):
    """Every (cin, a, b) in order, one evaluate at a time: (first mismatch, count, wrong bits)."""
    first, count, wrong = None, 0, set()
    mask = (1 << bits) - 1
    for cin in (0, 1):
        for a in range(1 << bits):
            for b in range(1 << bits):
                got = circuit.evaluate(a=a, b=b, cin=cin)
                total = a + b + cin
                want = {"s": total & mask, "cout": total >> bits}
                if got != want:
                    count += 1
                    first = first or (a, b, cin, got, want)
                    wrong |= {f"s[{i}]" for i in range(bits) if (got["s"] ^ want["s"]) >> i & 1}
                    wrong |= {"cout"} if got["cout"] != want["cout"] else set()
    return first, count, wrong


def _adder_without_cin(n):
    """An n-bit adder whose bit 0 is a half adder: no cin bus."""
    c = Circuit(f"no_cin_{n}")
    a, b = c.add_input("a", n), c.add_input("b", n)
    carry, sums = None, []
    for i in range(n):
        p = c.add_gate("XOR", [a[i], b[i]], f"p{i}")
        g = c.add_gate("AND", [a[i], b[i]], f"g{i}")
        if carry is None:
            sums.append(p)
            carry = g
        else:
            sums.append(c.add_gate("XOR", [p, carry], f"s{i}"))
            t = c.add_gate("AND", [p, carry], f"t{i}")
            carry = c.add_gate("OR", [g, t], f"c{i + 1}")
    c.set_output("s", sums)
    c.set_output("cout", [carry])
    return c


@pytest.fixture(scope="module")
def ripple4_report():
    return grade_circuit(build("ripple", 4), bits=4)


# ---------------------------------------------------------------------- correctness
@pytest.mark.parametrize("arch, n", [("ripple", 1), ("ripple", 4), ("kogge-stone", 7),
                                     ("kogge-stone", 8), ("brent-kung", 13), ("sklansky", 64)])
def test_correct_adders_pass(arch, n):
    report = grade_circuit(build(arch, n), bits=n, transitions=5)
    assert report.passed and report.failures == 0 and report.first_failure is None
    if 2 * n + 1 <= 16:
        assert report.exhaustive and report.vectors == 2 ** (2 * n + 1) and report.corners == 0
    else:
        assert not report.exhaustive and report.corners > 0
        assert report.vectors == report.corners + grading.RANDOM_VECTORS


def test_exhaustive_order_is_cin_then_a_then_b():
    a, b, cin, exhaustive, _ = grading.adder_vectors(2)
    expected = [(x, y, c) for c in (0, 1) for x in range(4) for y in range(4)]
    assert exhaustive and list(zip(a.tolist(), b.tolist(), cin.tolist())) == expected


@pytest.mark.parametrize("bits", [1, 9, 63, 64])
def test_reference_sum_agrees_with_python_integers(bits):
    rng = np.random.default_rng(bits)
    a = rng.integers(0, 1 << bits, size=200, dtype=np.uint64)
    b = rng.integers(0, 1 << bits, size=200, dtype=np.uint64)
    cin = rng.integers(0, 2, size=200, dtype=np.uint64)
    a[:2], b[:2], cin[:2] = (1 << bits) - 1, (1 << bits) - 1, 1     # the largest sum
    s, cout = grading.grade._add(a, b, cin, bits)
    for x, y, c, got_s, got_c in zip(a.tolist(), b.tolist(), cin.tolist(), s.tolist(), cout.tolist()):
        assert (got_s, got_c) == ((x + y + c) % (1 << bits), (x + y + c) >> bits)


@pytest.mark.parametrize("swap", [{"t1": "OR"}, {"c3": "AND"}, {"s0": "XNOR"}, {"g2": "OR", "p3": "AND"}])
def test_broken_ripple_first_failure_matches_brute_force(swap):
    broken = _rebuild(build("ripple", 4), swap, name="broken")
    report = grade_circuit(broken, bits=4, transitions=0)
    first, count, wrong = _brute_force(broken, 4)
    f = report.first_failure
    assert not report.passed and report.failures == count
    assert (f.a, f.b, f.cin, f.got, f.want) == first
    assert set(report.wrong_outputs) == wrong
    text = report.text()
    assert "1. Correctness: FAIL" in text and text.endswith("Result: FAIL")
    assert f"first failing vector: a={f.a} ({f.a:04b}), b={f.b} ({f.b:04b}), cin={f.cin}" in text


def test_broken_wide_adder_first_failure_in_checking_order():
    broken = _rebuild(build("kogge-stone", 8), {"c4": "AND"}, name="ks8_broken")
    report = grade_circuit(broken, bits=8, transitions=0, vectors=500, seed=4)
    a, b, cin, exhaustive, _ = grading.adder_vectors(8, 500, seed=4)
    assert not exhaustive
    for x, y, c in zip(a.tolist(), b.tolist(), cin.tolist()):
        got, total = broken.evaluate(a=x, b=y, cin=c), x + y + c
        if got != {"s": total & 255, "cout": total >> 8}:
            break
    else:
        pytest.fail("the broken adder passed every vector")
    f = report.first_failure
    assert (f.a, f.b, f.cin, f.got) == (x, y, c, got)
    assert f.want == {"s": total & 255, "cout": total >> 8}


# ---------------------------------------------------------------------- structure and paths
@pytest.mark.parametrize("arch, n", [("ripple", 4), ("kogge-stone", 8), ("han-carlson", 16)])
def test_structure_matches_the_netlist(arch, n):
    circuit = build(arch, n)
    report = grade_circuit(circuit, bits=n, transitions=0)
    nodes = circuit.graph.nodes
    kinds = Counter(d["kind"] for _, d in nodes(data=True) if d["kind"] != "INPUT")
    pins = Counter(net for _, d in nodes(data=True) for net in d["inputs"])
    assert report.by_kind == dict(kinds) and report.gates == sum(kinds.values())
    assert report.max_fanout == max(pins.values())
    assert pins[report.max_fanout_net] == report.max_fanout
    # In an adder every gate reaches an output, so the longest path is the depth.
    assert report.depth == nx.dag_longest_path_length(circuit.graph)


@pytest.mark.parametrize("n", [1, 4, 9, 16])
def test_ripple_critical_path_is_2n_plus_1(n):
    report = grade_circuit(build("ripple", n), bits=n, transitions=0)
    assert report.critical.delay == report.depth == 2 * n + 1
    assert report.by_kind == {"AND": 2 * n, "OR": n, "XOR": 2 * n}


@pytest.mark.parametrize("circuit, delay", [(carry_lookahead(16), 8), (carry_lookahead(4), 4),
                                            (build("kogge-stone", 8), None),
                                            (build("brent-kung", 32), None)])
def test_critical_path_is_a_longest_input_to_output_chain(circuit, delay):
    bits = len(circuit.inputs["a"])
    cp = grade_circuit(circuit, bits=bits, transitions=0).critical
    assert cp.delay == (delay if delay is not None else nx.dag_longest_path_length(circuit.graph))
    path = cp.path
    assert len(path) - 1 == cp.delay
    assert path[0] in {net for nets in circuit.inputs.values() for net in nets}
    assert path[-1] in {net for nets in circuit.outputs.values() for net in nets}
    assert all(u in circuit.graph.nodes[v]["inputs"] for u, v in zip(path, path[1:]))


def test_extra_outputs_are_not_graded():
    ripple = build("ripple", 4)
    probed = _rebuild(ripple, name="probed", extra_output=("probe", ["p3"]))
    report = grade_circuit(probed, bits=4, transitions=3)
    assert report.passed and report.extra_outputs == ["probe"]
    assert report.critical.output[0] in ("s", "cout")
    assert "not graded: output bus probe" in report.text()


# ---------------------------------------------------------------------- timing
def test_ripple16_glitches_match_direct_simulation():
    circuit = build("ripple", 16)
    report = grade_circuit(circuit, bits=16, transitions=25, seed=3)
    outputs = set(circuit.outputs["s"] + circuit.outputs["cout"])
    for result in report.transitions:
        trace = simulate_transition(circuit, result.before, result.after, mode="transport")
        glitches = trace.glitches
        assert result.output_glitches == {n: k for n, k in glitches.items() if n in outputs}
        assert result.internal_glitches == sum(k for n, k in glitches.items() if n not in outputs)
        assert result.settle_time == trace.settle_time
    assert report.output_glitches == sum(r.output_pulses for r in report.transitions)
    # 0 -> a = all ones, b = 1: g0 rises at t = 1, carry c[i] at 2i; every sum bit above
    # bit 0 rises with its p at t = 2 and falls at 2i + 1, one pulse each; s0 never
    # changes and cout rises once, at 2n = 32 (one level short of the path from a0 via p0).
    full = 0xFFFF
    chain = next(r for r in report.transitions
                 if r.before == {"a": 0, "b": 0, "cin": 0} and r.after == {"a": full, "b": 1, "cin": 0})
    assert chain.output_glitches == {f"s{i}": 1 for i in range(1, 16)}
    assert chain.settle_time == 32


def test_worst_settle_reaches_the_ripple_critical_path(ripple4_report):
    worst = ripple4_report.worst_settle
    assert worst.settle_time == ripple4_report.critical.delay == 9
    assert worst is next(r for r in ripple4_report.transitions if r.settle_time == 9)
    assert max(r.settle_time for r in ripple4_report.transitions) == 9
    most = ripple4_report.worst_glitches
    assert most.output_pulses == max(r.output_pulses for r in ripple4_report.transitions)


def test_transitions_count_and_seed():
    a = grade_circuit(build("ripple", 6), bits=6, transitions=17, seed=5)
    corners = len(grading.adder_transitions(6, 0))
    assert len(a.transitions) == corners + 17 and a.random_transitions == 17
    b = grade_circuit(build("ripple", 6), bits=6, transitions=17, seed=6)
    assert [t.before for t in a.transitions[corners:]] != [t.before for t in b.transitions[corners:]]


# ---------------------------------------------------------------------- the text
def test_text_is_deterministic_and_plain(ripple4_report):
    again = grade_circuit(build("ripple", 4), bits=4)
    text = ripple4_report.text()
    assert text == again.text()
    assert "Traceback" not in text and "Error" not in text
    assert max(len(line) for line in text.splitlines()) <= 90
    assert text.startswith("carrylab grade: circuit 'ripple_carry_4' as a 4-bit adder")
    assert "a0 -> p0 XOR -> t0 AND -> c1 OR" in text and "-> c4 OR (= cout)" in text
    assert text.endswith("Result: PASS")
    assert ripple4_report.text(schematic="r4.png").splitlines()[-3] == \
        "5. Schematic: r4.png (critical path in red)"


def test_wide_text_uses_hex():
    text = grade_circuit(build("kogge-stone", 20), bits=20, transitions=3).text()
    assert "to a=1048575 (0xfffff)" in text and "an 20" not in text


# ---------------------------------------------------------------------- interface errors
def _one_line_error(fn) -> str:
    with pytest.raises(GradeError) as info:
        fn()
    message = str(info.value)
    assert "\n" not in message and isinstance(info.value, CarrylabValueError)
    return message


def test_missing_cin_is_named():
    message = _one_line_error(lambda: grade_circuit(_adder_without_cin(4), bits=4))
    assert "input bus 'cin' is missing" in message
    assert "found inputs a[4], b[4] and outputs s[4], cout[1]" in message
    assert "needs inputs a[4], b[4], cin[1] and outputs s[4], cout[1]" in message


def test_bits_mismatch_is_named():
    message = _one_line_error(lambda: grade_circuit(build("ripple", 4), bits=8))
    assert "is a 4-bit adder" in message and "bits = 8 asks for an 8-bit one" in message


def test_wrong_width_missing_output_and_extra_input():
    c = Circuit("odd")
    a, b, cin = c.add_input("a", 4), c.add_input("b", 3), c.add_input("cin", 1)
    x = c.add_input("x", 1)
    c.set_output("s", [c.add_gate("XOR", [a[i], b[min(i, 2)]], f"s{i}") for i in range(4)])
    c.set_output("carry", [c.add_gate("AND", [cin[0], x[0]], "k")])
    message = _one_line_error(lambda: grade_circuit(c, bits=4))
    for part in ("input bus 'b' is 3 bits wide, not 4", "output bus 'cout' is missing",
                 "unexpected input bus 'x'"):
        assert part in message


def test_upper_case_bus_names_get_a_hint():
    c = Circuit("upper")
    a = c.add_input("A", 1)
    c.set_output("S", [c.add_gate("NOT", a, "n")])
    message = _one_line_error(lambda: grade_circuit(c, bits=1))
    assert "input bus 'a' is missing (there is 'A': bus names are lower case)" in message
    assert "no input bus 'a'" in _one_line_error(lambda: grade_circuit(c))


@pytest.mark.parametrize("kwargs, words", [({"bits": 65}, "at most 64 bits"),
                                            ({"bits": 0}, "bits must be an int in [1, 64]"),
                                            ({"spec": "multiplier"}, "spec must be one of 'adder'"),
                                            ({"transitions": 5001}, "transitions"),
                                            ({"vectors": -1}, "vectors")])
def test_arguments_are_checked(kwargs, words):
    with pytest.raises(CarrylabValueError) as info:
        grade_circuit(build("ripple", 4), **{"bits": 4, **kwargs})
    assert words in str(info.value)


def test_too_wide_circuit_is_refused_before_work():
    with pytest.raises(CarrylabValueError, match="at most 64 bits"):
        grade_circuit(build("ripple", 65))


# ---------------------------------------------------------------------- files, picture, command
def test_load_circuit_reads_graphml(tmp_path):
    path = to_graphml(build("ripple", 4), tmp_path / "adder4.GraphML")
    circuit = load_circuit(path)
    assert grade_circuit(circuit, bits=4, transitions=0).passed


@pytest.mark.parametrize("suffix, module, function", [(".circ", "adders.logisim", "from_logisim"),
                                                      (".dig", "adders.digital", "from_digital")])
def test_load_circuit_dispatches_on_suffix(tmp_path, monkeypatch, suffix, module, function):
    seen = []
    fake = types.ModuleType(module)
    setattr(fake, function, lambda path: seen.append(path) or build("ripple", 2))
    monkeypatch.setitem(sys.modules, module, fake)
    path = tmp_path / f"adder{suffix}"
    path.write_text("<circuit/>")
    assert grade_circuit(load_circuit(path), bits=2, transitions=0).passed
    assert seen == [path]


def test_load_circuit_errors(tmp_path):
    with pytest.raises(CarrylabValueError, match=r"'\.v' file.*\.circ \(Logisim-evolution\)"):
        load_circuit(tmp_path / "adder.v")
    with pytest.raises(FileNotFoundError):
        load_circuit(tmp_path / "missing.dig")


@pytest.mark.parametrize("arch, n", [("ripple", 4), ("ripple", 32)])
def test_draw_report_writes_a_png(tmp_path, arch, n):
    report = grade_circuit(build(arch, n), bits=n, transitions=0)
    path = draw_report(report, tmp_path / "schematic.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_run_grade_command(tmp_path):
    good = to_graphml(build("ripple", 3), tmp_path / "good.graphml")
    bad = to_graphml(_rebuild(build("ripple", 3), {"c2": "AND"}, "bad"), tmp_path / "bad.graphml")
    out = io.StringIO()
    assert grading.run_grade_command(good, bits=3, out=tmp_path / "good.png", transitions=5,
                                     file=out) == 0
    assert "Result: PASS" in out.getvalue() and (tmp_path / "good.png").is_file()
    assert f"5. Schematic: {tmp_path / 'good.png'}" in out.getvalue()
    out = io.StringIO()
    assert grading.run_grade_command(bad, bits=3, transitions=5, file=out) == 1
    assert "Result: FAIL" in out.getvalue()


# ---------------------------------------------------------------------- the lab sheet
def test_lab_sheet_reports_are_current():
    text = grading.LAB_SHEET.read_text(encoding="utf-8")
    for name, report in grading.lab_sheet_blocks().items():
        block = text.split(f"<!-- generated: {name} -->\n", 1)[1].split("<!-- end generated -->", 1)[0]
        assert block == f"```text\n{report}\n```\n", (
            f"the {name!r} report in {grading.LAB_SHEET} is out of date; run "
            f"python -c 'from carrylab.grading import refresh_lab_sheet; refresh_lab_sheet()'")


def test_lab_sheet_prose_matches_its_broken_example():
    broken = grading.labsheet._with_gate_kind(build("ripple", 4), "t1", "OR", "x")
    f = grade_circuit(broken, bits=4, transitions=0).first_failure
    assert (f.a, f.b, f.cin, f.got["s"]) == (0, 2, 0, 6)       # "here 0 + 2 ... says 6"
    assert "here `0 + 2`" in grading.LAB_SHEET.read_text(encoding="utf-8")


def test_refresh_lab_sheet_rewrites_stale_blocks(tmp_path):
    sheet = tmp_path / "sheet.md"
    fresh = grading.LAB_SHEET.read_text(encoding="utf-8")
    sheet.write_text(fresh.replace("Result: FAIL", "Result: stale"), encoding="utf-8")
    assert grading.refresh_lab_sheet(sheet) == ["broken"]
    assert sheet.read_text(encoding="utf-8") == fresh
    assert grading.refresh_lab_sheet(sheet) == []
    sheet.write_text(fresh.replace("<!-- generated: broken -->", ""), encoding="utf-8")
    with pytest.raises(CarrylabValueError, match="generated blocks"):
        grading.refresh_lab_sheet(sheet)
