"""Tests of adders.digital: Digital .dig export and import, and Digital's test language.

References: Python's + for adders (NumPy uint64 for the exhaustive checks); Circuit.simulate
and Circuit.evaluate on the imported netlists; pin positions restated here from Digital's
shapes (GenericShape for gates and embedded circuits, Not's and the Splitter's shapes) for
the geometry checks; fixture files written here as Digital saves them.
"""
import random
import xml.etree.ElementTree as ET
from collections import Counter

import numpy as np
import pytest

from adders import ARCHITECTURES, Circuit, build
from adders.digital import (
    DigitalTest,
    bus_for_label,
    digital_testcases,
    from_digital,
    parse_testdata,
    run_digital_tests,
    to_digital,
)
from adders.errors import CarrylabValueError, CircuitFileError
from adders.export import edge_vectors
from carrylab.cli import main as carrylab

WIDTHS = (1, 2, 3, 4, 5, 6, 7, 8, 16)
GATES = ("And", "Or", "XOr", "NAnd", "NOr", "XNOr")
INVERTING = ("NAnd", "NOr", "XNOr")


def netlist(c):
    """Everything that makes a circuit: buses and every gate's kind and input nets."""
    nodes = c.graph.nodes
    return c.inputs, c.outputs, {g: (nodes[g]["kind"], tuple(nodes[g]["inputs"])) for g in c.gates()}


def assert_adds(c, n, seed=0):
    """c computes a + b + cin: exhaustively up to n = 8, else corner cases and random."""
    if n <= 8:
        k = np.arange(1 << (2 * n + 1), dtype=np.uint64)
        mask = np.uint64((1 << n) - 1)
        a, b, cin = k & mask, (k >> np.uint64(n)) & mask, k >> np.uint64(2 * n)
        got = c.simulate(a=a, b=b, cin=cin)
        total = a + b + cin
        assert np.array_equal(got["s"], total & mask)
        assert np.array_equal(got["cout"], total >> np.uint64(n))
        return
    rng = random.Random(seed)
    vectors = edge_vectors(c) + [{"a": rng.getrandbits(n), "b": rng.getrandbits(n),
                                  "cin": rng.getrandbits(1)} for _ in range(200)]
    for v in vectors:
        total = v["a"] + v["b"] + v["cin"]
        assert c.evaluate(**v) == {"s": total & ((1 << n) - 1), "cout": total >> n}, v


# ---------------------------------------------------------------------- export round trip
@pytest.mark.parametrize("arch", list(ARCHITECTURES))
@pytest.mark.parametrize("n", WIDTHS)
def test_export_import_gives_back_the_same_adder(arch, n):
    original = build(arch, n)
    back = from_digital(to_digital(original))
    assert netlist(back) == netlist(original)
    assert_adds(back, n)


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
@pytest.mark.parametrize("n", WIDTHS)
def test_embedded_testcase_states_a_plus_b_plus_cin(arch, n):
    circuit = build(arch, n)
    text = to_digital(circuit, seed=3)
    (test,) = digital_testcases(text)
    assert test.names == ("A", "B", "Cin", "S", "Cout")
    if 2 * n + 1 <= 12:
        assert len(test.rows) == 1 << (2 * n + 1)            # exhaustive
        assert "loop(a" in text
    else:
        assert len(test.rows) == len(edge_vectors(circuit)) + 100
    for a, b, cin, s, cout in test.rows:
        assert s + (cout << n) == a + b + cin and 0 <= s < 1 << n
    report = run_digital_tests(from_digital(text), text)
    assert report.ok and report.failed == 0 and report.passed == len(test.rows)


def test_embedded_testcase_catches_a_broken_adder():
    good = build("kogge-stone", 4)
    text = to_digital(good)
    bad = Circuit("broken")
    for bus, nets in good.inputs.items():
        bad.add_input(bus, len(nets))
    for net in good.gates():
        kind, ins = good.graph.nodes[net]["kind"], good.graph.nodes[net]["inputs"]
        bad.add_gate("AND" if net == "c2" else kind, ins, net)       # c2 = g1 | p1 c1, now &
    for bus, nets in good.outputs.items():
        bad.set_output(bus, nets)
    report = run_digital_tests(bad, text, max_failures=3)
    assert not report.ok and report.failed > 0 and report.passed + report.failed == 512
    assert len(report.failures) == 3
    assert "expected" in report.failures[0] and "A=" in report.failures[0]
    assert str(report).startswith(f"PASS {report.passed} FAIL {report.failed}")


def test_test_vectors_can_be_chosen():
    c = build("ripple", 4)
    (t,) = digital_testcases(to_digital(c, vectors=[{"a": 15, "b": 1}, {"a": 3, "b": 4, "cin": 1}]))
    assert t.rows == ((15, 1, 0, 0, 1), (3, 4, 1, 8, 0))
    (t,) = digital_testcases(to_digital(c, vectors=7, seed=1))
    assert len(t.rows) == len(edge_vectors(c)) + 7


@pytest.mark.parametrize("arch", ["ripple", "kogge-stone", "carry-select"])
def test_sixty_four_bits_round_trip(arch):
    original = build(arch, 64)
    text = to_digital(original)
    back = from_digital(text)
    assert netlist(back) == netlist(original)
    assert_adds(back, 64)
    assert run_digital_tests(back, text).ok
    assert "0xffffffffffffffff" in text                      # wide values written in hex


def test_wider_than_digital_allows():
    with pytest.raises(CarrylabValueError, match="at most 64"):
        to_digital(build("ripple", 65))


def test_any_circuit_round_trips_and_its_test_records_its_outputs():
    c = Circuit("mixed")
    c.add_input("x", 3)
    c.add_input("en", 1)
    c.add_gate("NOT", ["x0"], "nx0")
    c.add_gate("BUF", ["en"], "en_b")
    c.add_gate("NAND", ["nx0", "x1", "x2"], "n3")
    c.add_gate("NOR", ["n3", "en_b"], "nr")
    c.add_gate("XNOR", ["nr", "x1"], "q")
    c.add_gate("OR", ["x0", "x1", "x2", "en"], "any")
    c.set_output("y", ["q", "nr"])
    c.set_output("any", ["any"])
    text = to_digital(c)
    back = from_digital(text)
    assert netlist(back) == netlist(c)                     # BUF and 4-input OR included
    (t,) = digital_testcases(text)
    assert t.names == ("x", "en", "y", "any") and len(t.rows) == 16
    for x, en, y, any_ in t.rows:
        assert {"y": y, "any": any_} == c.evaluate(x=x, en=en)
    assert run_digital_tests(c, text).passed == 16


def test_bus_names_that_cannot_be_pins():
    c = Circuit("clash")
    c.add_input("a", 1)
    c.add_input("A", 1)
    c.set_output("y", [c.add_gate("AND", ["a", "A"], "y")])
    with pytest.raises(CarrylabValueError, match="both be Digital pin 'A'"):
        to_digital(c)


# ---------------------------------------------------------------------- geometry
def _offsets(name, attrs):
    """Input and output pin offsets of an exported element, from Digital's shapes."""
    if name in GATES:
        k = int(attrs.get("Inputs", 2))
        ins = [(0, 20 * i + (20 if k % 2 == 0 and i >= k // 2 else 0)) for i in range(k)]
        return ins, [(80 if name in INVERTING else 60, 20 * (k // 2))]
    if name == "Not":
        return [(0, 0)], [(40, 0)]
    if name in ("In",):
        return [], [(0, 0)]
    if name in ("Out", "Tunnel"):
        return [(0, 0)], []
    if name == "Splitter":
        def count(spec):
            return int(spec.split("*")[1]) if "*" in spec else 1
        n_in, n_out = count(attrs["Input Splitting"]), count(attrs["Output Splitting"])
        return [(0, 20 * i) for i in range(n_in)], [(20, 20 * j) for j in range(n_out)]
    assert name == "Testcase", name
    return [], []


def _parse(text):
    root = ET.fromstring(text)
    elements = []
    for ve in root.find("visualElements"):
        attrs = {e[0].text: (e[1].text if e[1].tag != "rotation" else e[1].get("rotation"))
                 for e in ve.find("elementAttributes")}
        pos = ve.find("pos")
        elements.append((ve.findtext("elementName"), attrs, int(pos.get("x")), int(pos.get("y"))))
    wires = [((int(w[0].get("x")), int(w[0].get("y"))), (int(w[1].get("x")), int(w[1].get("y"))))
             for w in root.find("wires")]
    return root, elements, wires


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
@pytest.mark.parametrize("n", (1, 4, 13))
def test_every_pin_meets_exactly_one_wire_on_the_grid(arch, n):
    check_geometry(arch, n)


def test_geometry_at_sixty_four_bits():
    check_geometry("kogge-stone", 64)


def check_geometry(arch, n):
    circuit = build(arch, n)
    root, elements, wires = _parse(to_digital(circuit))
    assert root.findtext("version") == "2"
    pins = []
    for name, attrs, x, y in elements:
        assert x % 20 == 0 and y % 20 == 0
        ins, outs = _offsets(name, attrs)
        pins += [(x + dx, y + dy) for dx, dy in ins + outs]
    pin_count = Counter(pins)
    assert max(pin_count.values()) == 1                      # no pin touches another pin
    ends = Counter(p for w in wires for p in w)
    assert set(ends) == set(pins) and max(ends.values()) == 1  # each pin: one wire end
    for (x1, y1), (x2, y2) in wires:
        assert y1 == y2 and x1 != x2 and x1 % 20 == 0 and x2 % 20 == 0
    by_row: dict = {}
    for (x1, y1), (x2, _) in wires:
        by_row.setdefault(y1, []).append(sorted((x1, x2)))
    for spans in by_row.values():                            # no wire overlaps or touches another
        spans.sort()
        assert all(a[1] < b[0] for a, b in zip(spans, spans[1:]))
    nets = set(circuit.graph.nodes)
    tunnels = [attrs["NetName"] for name, attrs, _, _ in elements if name == "Tunnel"]
    assert set(tunnels) <= nets and Counter(tunnels)["cin"] >= 2
    boxes = []
    for name, attrs, x, y in elements:
        if name in GATES + ("Not",):
            ins, outs = _offsets(name, attrs)
            boxes.append((x, y - 10, outs[0][0] + x, max(dy for _, dy in ins) + y + 10))
    for k, (ax1, ay1, ax2, ay2) in enumerate(boxes):        # gates do not overlap
        for bx1, by1, bx2, by2 in boxes[k + 1:]:
            assert ax2 < bx1 or bx2 < ax1 or ay2 < by1 or by2 < ay1


# ---------------------------------------------------------------------- fixtures
class Drawing:
    """A Digital circuit written as Digital saves it (elements, then wires)."""

    def __init__(self):
        self.parts, self.wires = [], []

    def add(self, name, x, y, **attrs):
        self.parts.append((name, x, y, attrs))
        return x, y

    def wire(self, *points):
        for p, q in zip(points, points[1:]):
            if p != q:
                self.wires.append((p, q))

    def xml(self, extra=""):
        def value(key, v):
            if key == "rotation":
                return f'<rotation rotation="{v}"/>'
            if key == "inverterConfig":
                return "<inverterConfig>" + "".join(f"<string>{s}</string>" for s in v) + "</inverterConfig>"
            if key == "Testdata":
                return f"<testData><dataString>{v}</dataString></testData>"
            if isinstance(v, bool):
                return f"<boolean>{str(v).lower()}</boolean>"
            if key == "Value":
                return f"<long>{v}</long>"
            return f"<int>{v}</int>" if isinstance(v, int) else f"<string>{v}</string>"

        out = ['<?xml version="1.0" encoding="utf-8"?>', "<circuit>", "  <version>2</version>",
               "  <attributes/>", "  <visualElements>"]
        for name, x, y, attrs in self.parts:
            entries = "".join(f"<entry><string>{k.replace('_', ' ')}</string>{value(k, v)}</entry>"
                              for k, v in attrs.items())
            out.append(f"    <visualElement><elementName>{name}</elementName>"
                       f"<elementAttributes>{entries}</elementAttributes>"
                       f'<pos x="{x}" y="{y}"/></visualElement>')
        out.append(extra + "  </visualElements>\n  <wires>")
        out += [f'    <wire><p1 x="{p[0]}" y="{p[1]}"/><p2 x="{q[0]}" y="{q[1]}"/></wire>'
                for p, q in self.wires]
        out += ["  </wires>", "</circuit>", ""]
        return "\n".join(out)


def route(drawing, nets):
    """Draw each net ``(driver pin, [reader pins])`` by hand-drawing habits: a vertical
    channel of its own left of its first reader, a horizontal stub from every pin to it,
    the channel split at every junction (so each T-junction is a wire end). Every pin of
    the drawing must sit on a row of its own (elements may share a row left and right)."""
    taken = set()
    for driver, readers in nets:
        cx = min(x for x, _ in readers) - 20
        while cx in taken:
            cx -= 20
        taken.add(cx)
        assert cx > driver[0]
        for p in [driver] + readers:
            drawing.wire(p, (cx, p[1]))
        rows = sorted({p[1] for p in [driver] + readers})
        for y1, y2 in zip(rows, rows[1:]):
            drawing.wire((cx, y1), (cx, y2))


def gate2(drawing, name, x, y):
    """A two-input gate: returns its pins (in1, in2, out)."""
    drawing.add(name, x, y)
    return (x, y), (x, y + 40), (x + 60, y + 20)


def hand_drawn_ripple(n=3, seed=5):
    """An n-bit ripple adder as a student draws it: one-bit pins A0.., B0.., Cin, S0..,
    Cout, gates at irregular places, bent wires and T-junctions, no tunnels."""
    rng = random.Random(seed)
    d = Drawing()
    row = iter(range(40, 10_000, 20))
    pins_a = [d.add("In", 40, next(row), Label=f"A{i}") for i in range(n)]
    pins_b = [d.add("In", 40, next(row), Label=f"B{i}") for i in range(n)]
    carry = d.add("In", 40, next(row), Label="Cin")
    nets, sums = [], []
    for i in range(n):
        x = 240 + 560 * i + 20 * rng.randrange(3)
        rows = [next(row) for _ in range(3 * 5)][::3]             # 3 rows per gate, own rows
        p_in1, p_in2, p_out = gate2(d, "XOr", x, rows[0])
        g_in1, g_in2, g_out = gate2(d, "And", x + 20 * rng.randrange(2), rows[1])
        s_in1, s_in2, s_out = gate2(d, "XOr", x + 180, rows[2])
        t_in1, t_in2, t_out = gate2(d, "And", x + 200, rows[3])
        c_in1, c_in2, c_out = gate2(d, "Or", x + 360 + 20 * rng.randrange(2), rows[4])
        nets += [(pins_a[i], [p_in1, g_in1]), (pins_b[i], [p_in2, g_in2]),
                 (p_out, [s_in1, t_in1]), (carry, [s_in2, t_in2]),
                 (g_out, [c_in1]), (t_out, [c_in2])]
        sums.append(s_out)
        carry = c_out
    x_out = 240 + 560 * n + 100
    for i, s in enumerate(sums):
        nets.append((s, [d.add("Out", x_out, next(row), Label=f"S{i}")]))
    nets.append((carry, [d.add("Out", x_out, next(row), Label="Cout")]))
    route(d, nets)
    return d


def grade(capsys, path, *flags) -> tuple[int, str, str]:
    """``carrylab grade PATH FLAGS``: (exit status, stdout, stderr)."""
    capsys.readouterr()
    status = carrylab(["grade", str(path), *flags])
    out, err = capsys.readouterr()
    return status, out, err


def test_hand_drawn_ripple_adder(tmp_path, capsys):
    d = hand_drawn_ripple(3)
    tests = ("A2 A1 A0 B2 B1 B0 Cin Cout S2 S1 S0\n# one-bit pins, values by bits()\n"
             "loop(a, 8)\nloop(b, 8)\nloop(c, 2)\nbits(3, a) bits(3, b) (c) bits(4, a + b + c)\n"
             "end loop\nend loop\nend loop\n")
    d.add("Testcase", 0, -200, Testdata=tests)
    path = tmp_path / "ripple3.dig"
    path.write_text(d.xml())
    c = from_digital(path)
    assert c.name == "ripple3"
    assert c.inputs == {"a": ["a0", "a1", "a2"], "b": ["b0", "b1", "b2"], "cin": ["cin"]}
    assert c.outputs == {"s": ["s0", "s1", "s2"], "cout": ["cout"]}
    assert c.stats()["by_kind"] == {"AND": 6, "OR": 3, "XOR": 6}
    assert_adds(c, 3)
    report = run_digital_tests(c, path)
    assert report.ok and report.passed == 128
    # The same file read as text, without a path, gives the same netlist.
    assert netlist(from_digital(path.read_text())) == netlist(c)
    # carrylab grade: right, 15 gates, the ripple's 2n + 1 = 7 gate delays, its glitches.
    status, out, err = grade(capsys, path, "--bits", "3", "--schematic", str(tmp_path / "r.png"))
    assert status == 0 and err == "", err
    assert "1. Correctness: PASS" in out and "on all 128 input vectors" in out
    assert "15 gates (AND 6, OR 3, XOR 6)" in out and "depth 7 gate levels" in out
    assert "3. Critical path: 7 gate delays" in out and "worst settle time: 7 gate delays" in out
    assert "output glitches" in out and (tmp_path / "r.png").stat().st_size > 10_000


def full_adder_sheet():
    """FullAdder.dig: S = XOr of three inputs, Cout = Or of three Ands (majority)."""
    d = Drawing()
    a, b, cin = (d.add("In", 40, y, Label=lab) for y, lab in ((40, "A"), (80, "B"), (120, "Cin")))
    d.add("XOr", 300, 160, Inputs=3)
    x_in = [(300, 160), (300, 180), (300, 200)]
    ands = [gate2(d, "And", 300, y) for y in (240, 320, 400)]
    d.add("Or", 500, 480, Inputs=3)
    o_in = [(500, 480), (500, 500), (500, 520)]
    s = d.add("Out", 700, 560, Label="S")
    cout = d.add("Out", 700, 600, Label="Cout")
    route(d, [(a, [x_in[0], ands[0][0], ands[1][0]]), (b, [x_in[1], ands[0][1], ands[2][0]]),
              (cin, [x_in[2], ands[1][1], ands[2][1]]),
              (ands[0][2], [o_in[0]]), (ands[1][2], [o_in[1]]), (ands[2][2], [o_in[2]]),
              ((360, 180), [s]), ((560, 500), [cout])])
    return d


def test_multi_bit_adder_with_splitters_and_an_embedded_circuit(tmp_path, capsys):
    (tmp_path / "FullAdder.dig").write_text(full_adder_sheet().xml())
    d = Drawing()
    n, row = 4, iter(range(40, 10_000, 20))
    ya, yb = next(row), None
    d.add("In", 20, ya, Label="A", Bits=n)
    d.wire((20, ya), (60, ya))
    d.add("Splitter", 60, ya, Input_Splitting=str(n), Output_Splitting=f"1*{n}")
    for _ in range(n):
        yb = next(row)
    yb = next(row)
    d.add("In", 20, yb, Label="B", Bits=n)
    d.wire((20, yb), (60, yb))
    d.add("Splitter", 60, yb, Input_Splitting="4", Output_Splitting="1,1,2-2,3-3")
    for _ in range(n + 1):
        yc = next(row)
    cin = d.add("In", 20, yc, Label="Cin")
    nets, sums, carry = [], [], cin
    for i in range(n):
        x, y = 300 + 200 * i, next(row)
        next(row), next(row), next(row)
        attrs = {"Label": "msb"} if i == n - 1 else {}
        d.add("FullAdder.dig", x, y, **attrs)              # pins A, B, Cin | S, Cout
        nets += [((80, ya + 20 * i), [(x, y)]), ((80, yb + 20 * i), [(x, y + 20)]), (carry, [(x, y + 40)])]
        sums.append((x + 60, y))
        carry = (x + 60, y + 20)
    sx, ys = 300 + 200 * n + 200, next(row)
    d.add("Splitter", sx, ys, Input_Splitting=f"1*{n}", Output_Splitting=str(n))
    d.wire((sx + 20, ys), (sx + 60, ys))
    d.add("Out", sx + 60, ys, Label="S", Bits=n)
    nets += [(s, [(sx, ys + 20 * i)]) for i, s in enumerate(sums)]
    for _ in range(n + 1):
        yo = next(row)
    nets.append((carry, [d.add("Out", sx + 60, yo, Label="Cout")]))
    route(d, nets)
    path = tmp_path / "adder4.dig"
    path.write_text(d.xml())
    c = from_digital(path)
    assert list(c.inputs) == ["a", "b", "cin"] and list(c.outputs) == ["s", "cout"]
    assert c.width("a") == c.width("s") == n
    assert c.stats()["by_kind"] == {"AND": 12, "OR": 4, "XOR": 8}   # a 3-input XOr: 2 XORs
    assert_adds(c, n)
    prefixes = {net.split(".")[0] for net in c.gates() if "." in net}
    assert prefixes == {"FullAdder0", "FullAdder1", "FullAdder2", "msb"}
    # Reading the top file as text needs the folder of the embedded circuit.
    with pytest.raises(CircuitFileError, match="needs the folder"):
        from_digital(path.read_text())
    assert netlist(from_digital(path.read_text(), name="adder4", folder=tmp_path)) == netlist(c)
    # carrylab grade: right, 24 gates; a carry passes 2 gates per full adder (an AND of
    # the majority, then the 3-input OR), 4 * 2 = 8 gate delays from a0 to cout.
    status, out, err = grade(capsys, path, "--spec", "adder", "--bits", "4")
    assert status == 0 and err == "", err
    assert "PASS" in out and "on all 512 input vectors" in out and "24 gates" in out
    assert "3. Critical path: 8 gate delays (1 per gate), from input a0 to output cout" in out
    status, out, err = grade(capsys, path, "--bits", "5")
    assert status == 2 and out == "" and err.count("\n") == 1 and "bits = 5" in err, err


def _turn(offset, pos, rotation=0, mirror=False):
    """Digital's placement: mirror y, then rotate by quarter turns, then move to pos."""
    x, y = offset
    if mirror:
        y = -y
    sin, cos = [(0, 1), (1, 0), (0, -1), (-1, 0)][rotation]
    return x * cos + y * sin + pos[0], -x * sin + y * cos + pos[1]


def test_gate_options_rotation_constants_and_direct_connections():
    """Every pin here touches a tunnel directly (no wires): Digital joins pins that meet."""
    d = Drawing()

    def tunnels(points, names):
        for p, name in zip(points, names):
            d.add("Tunnel", p[0], p[1], NetName=name)

    for k, name in enumerate("ABCD"):
        tunnels([d.add("In", 20, 40 + 40 * k, Label=name)], [name])
    outs = ["Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Y8", "Y9"]
    for k, name in enumerate(outs):
        bits = 2 if name in ("Y7", "Y8") else 1
        tunnels([d.add("Out", 1000, 40 + 40 * k, Label=name, Bits=bits)], [name.lower()])
    d.add("NAnd", 200, 100, Inputs=4)                      # even count: a gap in the middle
    tunnels([(200, 100), (200, 120), (200, 160), (200, 180), (280, 140)], ["A", "B", "C", "D", "y1"])
    d.add("XNOr", 200, 300, Inputs=3, wideShape=True)      # 3 + 1 wide + 1 bubble = 100
    tunnels([(200, 300), (200, 320), (200, 340), (300, 320)], ["A", "B", "C", "y2"])
    d.add("And", 200, 500, inverterConfig=["In_1"])        # inverted input sits at x = -20
    tunnels([(180, 500), (200, 540), (260, 520)], ["A", "B", "y3"])
    d.add("Or", 200, 700, rotation=1)
    tunnels([_turn(o, (200, 700), 1) for o in ((0, 0), (0, 40), (60, 20))], ["C", "D", "y4"])
    d.add("Not", 400, 900, rotation=2, mirror=True, wideShape=True)
    tunnels([_turn(o, (400, 900), 2, True) for o in ((0, 0), (60, 0))], ["A", "y5"])
    d.add("VDD", 100, 1000)
    d.add("Ground", 100, 1040)
    d.add("NOr", 200, 1000)
    tunnels([(100, 1000), (200, 1000), (100, 1040), (200, 1040), (280, 1020)],
            ["one", "one", "zero", "zero", "y6"])
    d.add("Splitter", 100, 1200, Input_Splitting="1,1", Output_Splitting="2")
    tunnels([(100, 1200), (100, 1220), (120, 1200)], ["A", "B", "AB"])
    d.add("Splitter", 100, 1300, Input_Splitting="1,1", Output_Splitting="2", splitterSpreading=2)
    tunnels([(100, 1300), (100, 1340), (120, 1300)], ["C", "D", "CD"])
    d.add("NOr", 200, 1200, Bits=2)                        # bitwise on 2-bit nets
    tunnels([(200, 1200), (200, 1240), (280, 1220)], ["AB", "CD", "y7"])
    d.add("Const", 100, 1400, Value=2, Bits=2)
    d.add("XOr", 200, 1400, Bits=2)
    tunnels([(100, 1400), (200, 1400), (200, 1440), (260, 1420)], ["k2", "k2", "AB", "y8"])
    d.add("Const", 100, 1500, Value=0)
    d.add("Or", 200, 1500, Inputs=5)
    tunnels([(100, 1500), (200, 1500), (200, 1520), (200, 1540), (200, 1560), (200, 1580), (260, 1540)],
            ["z", "z", "A", "z", "D", "z", "y9"])
    d.add("Probe", 400, 40)
    d.add("Tunnel", 400, 40, NetName="A")
    d.add("Text", 600, 0, Description="comment")
    c = from_digital(d.xml())
    assert list(c.inputs) == ["a", "b", "C", "D"]             # A, B are adder pin names
    for v in range(16):
        A, B, C, D = (v >> 3) & 1, (v >> 2) & 1, (v >> 1) & 1, v & 1
        AB, CD = A | B << 1, C | D << 1
        want = {"Y1": 1 - (A & B & C & D), "Y2": 1 - (A ^ B ^ C), "Y3": (1 - A) & B, "Y4": C | D,
                "Y5": 1 - A, "Y6": 0, "Y7": ~(AB | CD) & 3, "Y8": AB ^ 2, "Y9": A | D}
        assert c.evaluate(a=A, b=B, C=C, D=D) == want, v


def test_per_bit_pins_that_do_not_make_a_bus_keep_their_names():
    d = Drawing()
    for k, label in enumerate(["A0", "A2", "b"]):
        d.add("In", 20, 40 * k, Label=label)
        d.add("Tunnel", 20, 40 * k, NetName=label)
    d.add("Or", 200, 0, Inputs=3)
    for k, label in enumerate(["A0", "A2", "b"]):
        d.add("Tunnel", 200, 20 * k, NetName=label)
    d.add("Tunnel", 260, 20, NetName="y")
    d.add("Out", 400, 0, Label="Y")
    d.add("Tunnel", 400, 0, NetName="y")
    c = from_digital(d.xml())
    assert list(c.inputs) == ["A0", "A2", "b"] and c.outputs == {"Y": ["y"]}


def test_bus_for_label():
    assert bus_for_label("COUT") == ("cout", None) and bus_for_label("s_12") == ("s", 12)
    assert bus_for_label("C_in") == ("C_in", None) and bus_for_label("A") == ("a", None)


# ---------------------------------------------------------------------- broken files
def _error(tmp_path, drawing, name="broken.dig", **kwargs):
    path = tmp_path / name
    path.write_text(drawing if isinstance(drawing, str) else drawing.xml())
    with pytest.raises(CircuitFileError) as info:
        from_digital(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message and message.startswith(name + ":"), message
    if not kwargs:                                    # carrylab grade says the same, one line
        assert carrylab(["grade", str(path)]) == 2
    return message


def _and_gate():
    d = Drawing()
    d.add("In", 20, 0, Label="A")
    d.add("In", 20, 80, Label="B")
    gate2(d, "And", 200, 0)
    d.add("Out", 400, 20, Label="Y")
    d.wire((20, 0), (200, 0))
    d.wire((20, 80), (100, 80), (100, 40), (200, 40))
    d.wire((260, 20), (400, 20))
    return d


def test_a_good_and_gate_reads():
    c = from_digital(_and_gate().xml())
    assert [c.evaluate(a=a, b=b)["Y"] for a in (0, 1) for b in (0, 1)] == [0, 0, 0, 1]


def test_dangling_wire(tmp_path):
    d = _and_gate()
    d.wire((260, 20), (300, 20), (300, 200))
    message = _error(tmp_path, d)
    assert "dangling wire from (300, 20) to (300, 200)" in message and "(300, 200)" in message
    assert from_digital(tmp_path / "broken.dig", strict=False).evaluate(a=1, b=1) == {"Y": 1}


def test_wire_ending_on_the_middle_of_another_wire(tmp_path):
    d = _and_gate()
    d.add("In", 20, -80, Label="C")
    d.wire((20, -80), (60, -80), (60, 0))                  # (60, 0) is inside (20,0)-(200,0)
    message = _error(tmp_path, d)
    assert "(60, 0)" in message and "middle of the wire from (20, 0) to (200, 0)" in message


def test_unknown_element(tmp_path):
    d = _and_gate()
    d.add("D_FF", 300, 300)
    message = _error(tmp_path, d)
    assert "D_FF at (300, 300)" in message and "unsupported element 'D_FF'" in message


def test_short_between_two_outputs(tmp_path):
    d = _and_gate()
    gate2(d, "Or", 200, 120)
    d.wires.remove(((20, 0), (200, 0)))
    d.wire((20, 0), (180, 0), (200, 0))                      # a junction at (180, 0)
    d.wire((200, 120), (180, 120), (180, 0))                 # inputs on A and B's nets
    d.wire((200, 160), (100, 160), (100, 80))
    d.wire((260, 140), (320, 140), (320, 20))                # its output onto the And's net
    d.wires.remove(((260, 20), (400, 20)))
    d.wire((260, 20), (320, 20), (400, 20))
    message = _error(tmp_path, d)
    assert "short" in message and "Or at (200, 120)" in message and "And at (200, 0)" in message


def test_unconnected_gate_input(tmp_path):
    d = _and_gate()
    d.wires = [w for w in d.wires if w[1] != (200, 40)]
    d.wires.remove(((100, 80), (100, 40)))
    d.wires.remove(((20, 80), (100, 80)))
    message = _error(tmp_path, d)
    assert "And at (200, 0)" in message and "input In_2 at (200, 40) is not connected" in message


def test_undriven_input_and_unconnected_tunnel(tmp_path):
    d = _and_gate()
    d.add("Tunnel", 200, 40, NetName="nothing")
    d.wires = [w for w in d.wires if (200, 40) not in w and (100, 40) not in w and (100, 80) not in w]
    d.add("Out", 20, 200, Label="Z")
    d.add("Tunnel", 20, 200, NetName="nothing")
    message = _error(tmp_path, d)
    assert "input In_2 is not driven" in message and "And at (200, 0)" in message
    d.add("Tunnel", 600, 600, NetName="lost")
    assert "Tunnel 'lost' at (600, 600): tunnel is not connected" in _error(tmp_path, d)


def test_malformed_xml_and_other_files(tmp_path):
    assert "malformed XML" in _error(tmp_path, "<circuit><visualElements></circuit>")
    assert "not a Digital circuit: the root element is <html>, not <circuit>" in _error(tmp_path, "<html/>")
    with pytest.raises(CircuitFileError, match="cannot read"):
        from_digital(tmp_path / "missing.dig")


def test_bit_width_mismatch_and_loops(tmp_path):
    d = _and_gate()
    d.parts[0] = ("In", 20, 0, {"Label": "A", "Bits": 4})
    assert "has 1 bit(s) but is wired to pin out of In 'A' at (20, 0) with 4" in _error(tmp_path, d)
    d = Drawing()
    d.add("In", 20, 0, Label="A")
    d.add("Out", 400, 0, Label="Y")
    d.add("Not", 200, 100)
    d.add("Tunnel", 200, 100, NetName="loop")
    d.add("Tunnel", 240, 100, NetName="loop")
    d.add("Tunnel", 400, 0, NetName="loop")
    assert "combinational cycle" in _error(tmp_path, d)


def test_missing_or_recursive_embedded_circuit(tmp_path):
    d = _and_gate()
    d.add("Nowhere.dig", 600, 600)
    assert "embedded circuit Nowhere.dig not found" in _error(tmp_path, d)
    d = _and_gate()
    d.add("self.dig", 600, 600)
    assert "embeds itself" in _error(tmp_path, d, name="self.dig")


# ---------------------------------------------------------------------- test language
def test_parse_testdata_statements():
    text = """A B C Y
# comment line
0 0 0 X    # trailing comment
loop(i, 2)
  let j = i * 2 + 1;
  (i) (j) bits(2, i + 2)
end loop
repeat(2) (n) 0x1F 0b10 017
let k = 0;
while (k < 2)
  (k) 1 X X
  let k = k + 1;
end while
"""
    t = parse_testdata(text)
    assert t.names == ("A", "B", "C", "Y")
    assert t.rows == ((0, 0, 0, "X"), (0, 1, 1, 0), (1, 3, 1, 1), (0, 31, 2, 15), (1, 31, 2, 15),
                      (0, 1, "X", "X"), (1, 1, "X", "X"))


@pytest.mark.parametrize("expr, value", [
    ("-7 / 2", -3), ("-7 % 2", -1), ("7 % -2", 1), ("-1 >> 1", -1), ("1 << 64", 1),
    ("0x7fffffffffffffff + 1", -(1 << 63)), ("1 + 2 << 3", 24), ("6 & 3 | 8", 10),
    ("2 < 3 = 1", 1), ("~0", -1), ("!5", 0), ("ite(0, 4, 5)", 5), ("signExt(4, 12)", -4),
    ("0xffffffffffffffff", -1), ("010", 8), ("1.5", 0x3FC00000),
])
def test_expressions_follow_java_long_arithmetic(expr, value):
    assert parse_testdata(f"Y\n({expr})\n").rows == ((value,),)


@pytest.mark.parametrize("text, match", [
    ("A Y\n1\n", "line 2: 2 values expected, found 1"),
    ("A Y\n1 (2 +)\n", "line 2: unexpected '\\)'"),
    ("A Y\nloop(i, 2)\n(i) 1\n", "'loop' without 'end loop'"),
    ("A Y\n1 ; 2\n", "line 2: unexpected ';'"),
    ("A A\n1 1\n", "appears twice"),
    ("A Y\n(q) 1\n", "variable 'q' is not defined"),
    ("A Y\nfoo 1\n", "'foo' is not a number"),
    ("A Y\nprogram(1,2)\n", "not supported"),
])
def test_bad_testdata(text, match):
    with pytest.raises(CircuitFileError, match=match):
        parse_testdata(text, origin="t.dig: Testcase at (0, 0)")


def test_running_tests_expands_dont_care_inputs_and_matches_bits():
    c = build("ripple", 2)
    t = parse_testdata("A1 A0 B Cin S Cout\nX 1 0 0 X X\n1 1 3 1 3 1\n0 0 0 0 1 0\n")
    report = run_digital_tests(c, t)
    assert (report.passed, report.failed) == (3, 1)            # X on A1: two rows
    assert report.failures == ["row 3 (A1=0, A0=0, B=0, Cin=0): S = 0, expected 1"]
    with pytest.raises(CircuitFileError, match="test signal 'Q' is no pin"):
        run_digital_tests(c, parse_testdata("A Q\n1 1\n"))
    with pytest.raises(CircuitFileError, match="high impedance"):
        run_digital_tests(c, parse_testdata("A S\nZ 1\n"))
    with pytest.raises(CircuitFileError, match="at least one input and one output"):
        run_digital_tests(c, parse_testdata("A B\n1 1\n"))
    assert isinstance(digital_testcases(to_digital(c))[0], DigitalTest)
