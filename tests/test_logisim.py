"""Logisim ``.circ`` export and import, checked against Python's ``+`` and, where Debian's
Logisim 2.7.1 is installed, against Logisim's own simulation of the exported files."""
import random
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from adders import ARCHITECTURES, build
from adders.errors import CarrylabError, CircuitFileError
from adders.export import edge_vectors
from adders.logisim import (
    SOURCE_VERSION,
    find_logisim,
    from_logisim,
    logisim_test_vectors,
    run_logisim,
    to_logisim,
)
from carrylab.cli import main as carrylab

JAR = find_logisim()
JAVA = shutil.which("java")
needs_logisim = pytest.mark.skipif(
    JAR is None or JAVA is None,
    reason="Logisim is not installed; install it with "
           "'apt-get install --no-install-recommends logisim' (it brings a Java runtime)")

MATRIX = [(arch, n) for n in (1, 4, 8) for arch in ARCHITECTURES] + [("ripple", 16), ("kogge-stone", 16)]


def added(vec: dict, n: int) -> dict:
    """The independent reference: Python integers."""
    total = vec["a"] + vec["b"] + vec.get("cin", 0)
    return {"s": total & ((1 << n) - 1), "cout": total >> n}


def simulated(circuit, a, b, cin) -> dict:
    """carrylab's bit-parallel simulation of uint64 operand arrays."""
    out = circuit.simulate(a=np.asarray(a, np.uint64), b=np.asarray(b, np.uint64),
                           cin=np.asarray(cin, np.uint64))
    return {bus: np.asarray(v, dtype=np.uint64) for bus, v in out.items()}


# ---------------------------------------------------------------------- Logisim itself
@pytest.fixture(scope="module")
def logisim_results():
    """Logisim 2.7.1's outputs for every circuit of MATRIX, in two Java runs side by side:
    widths 1 and 8 with the default vectors (all 8 of width 1; corner cases plus 100
    random ones), widths 4 and 16 with the corner cases plus 60 random vectors."""
    first = [(arch, n) for arch, n in MATRIX if n in (1, 8)]
    second = [(arch, n) for arch, n in MATRIX if n in (4, 16)]
    with ThreadPoolExecutor(2) as pool:
        jobs = [pool.submit(run_logisim, [build(a, n) for a, n in first], None, 1),
                pool.submit(run_logisim, [build(a, n) for a, n in second], 60, 2)]
        results = jobs[0].result() + jobs[1].result()
    return dict(zip(first + second, results))


@needs_logisim
@pytest.mark.parametrize("arch,n", MATRIX)
def test_logisim_computes_the_same_sums(logisim_results, arch, n):
    vectors, outputs = logisim_results[arch, n]
    assert len(vectors) >= (8 if n == 1 else 60)
    if n == 1:
        assert len({tuple(v.values()) for v in vectors}) == 8          # exhaustive
    circuit = build(arch, n)
    ours = simulated(circuit, [v["a"] for v in vectors], [v["b"] for v in vectors],
                     [v["cin"] for v in vectors])
    for k, (vec, got) in enumerate(zip(vectors, outputs)):
        assert got == added(vec, n), (arch, n, vec)
        assert got == {bus: int(ours[bus][k]) for bus in got}


@needs_logisim
def test_logisim_runs_one_circuit_and_reads_named_vectors():
    vectors, outputs = run_logisim(build("sklansky", 5),
                                   vectors=[{"a": 31, "b": 1}, {"a": 7, "b": 9, "cin": 1}])
    assert vectors == [{"a": 31, "b": 1, "cin": 0}, {"a": 7, "b": 9, "cin": 1}]
    assert outputs == [{"s": 0, "cout": 1}, {"s": 17, "cout": 0}]


def test_run_logisim_without_java_says_how_to_install(tmp_path):
    with pytest.raises(CarrylabError, match="apt-get install --no-install-recommends logisim"):
        run_logisim(build("ripple", 2), jar=tmp_path / "missing.jar")


# ---------------------------------------------------------------------- the exported file
def test_export_is_a_logisim_project_with_readable_names():
    circuit = build("kogge-stone", 8)
    text = to_logisim(circuit)
    root = ET.fromstring(text)
    assert root.tag == "project" and root.get("source") == SOURCE_VERSION == "3.8.0"
    assert {lib.get("desc") for lib in root.findall("lib")} == {"#Wiring", "#Gates"}
    (sheet,) = root.findall("circuit")
    assert root.find("main").get("name") == sheet.get("name") == "kogge_stone_8"
    comps = sheet.findall("comp")
    attrs = [{a.get("name"): a.get("val") for a in c.findall("a")} for c in comps]
    pins = {a["label"]: a for c, a in zip(comps, attrs) if c.get("name") == "Pin"}
    assert pins["A"]["width"] == "8" and pins["Cin"]["width"] == "1" and pins["Cout"]["output"] == "true"
    assert all(a["tristate"] == "false" for a in pins.values())
    tunnels = {a["label"] for c, a in zip(comps, attrs) if c.get("name") == "Tunnel"}
    assert {"g3", "p3", "c8", "G7_4"} <= tunnels and tunnels >= set(circuit.gates())
    # Logisim-evolution renames any label that is not a plain identifier.
    labels = [a["label"] for a in attrs if "label" in a]
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", x) and "__" not in x and not x.endswith("_")
               for x in labels)
    # Two components with the same bounds would be moved apart by Logisim-evolution.
    places = [(c.get("name"), c.get("loc")) for c in comps]
    assert len(places) == len(set(places))
    gates = [(c.get("name"), a) for c, a in zip(comps, attrs) if c.get("lib") == "1"]
    assert len(gates) == circuit.stats()["gates"]
    for wire in sheet.findall("wire"):                   # horizontal or vertical, on the grid
        (x0, y0), (x1, y1) = [tuple(map(int, re.findall(r"-?\d+", wire.get(k)))) for k in ("from", "to")]
        assert (x0 == x1) != (y0 == y1) and all(v % 10 == 0 for v in (x0, y0, x1, y1))


def test_export_of_wide_gates_and_buses():
    """A 64-bit adder exports (Logisim-evolution's limit); a gate with more inputs than
    Logisim 2.7.1's 32 is split into a tree with the same function."""
    from adders import Circuit
    wide = from_logisim(to_logisim(build("brent-kung", 64)))
    rng = random.Random(5)
    for _ in range(50):
        a, b, c = rng.getrandbits(64), rng.getrandbits(64), rng.getrandbits(1)
        assert wide.evaluate(a=a, b=b, cin=c) == added({"a": a, "b": b, "cin": c}, 64)
    big = Circuit("big_and")
    x = big.add_input("x", 40)
    big.set_output("y", [big.add_gate("NAND", x, "y")])
    back = from_logisim(to_logisim(big))
    assert max(len(back.graph.nodes[g]["inputs"]) for g in back.gates()) <= 32
    for value in (0, (1 << 40) - 1, (1 << 40) - 2, 1 << 39):
        assert back.evaluate(x=value) == big.evaluate(x=value)
    with pytest.raises(ValueError, match="at most 64 bits"):
        to_logisim(build("ripple", 65))


def test_test_vector_file():
    text = logisim_test_vectors(build("han-carlson", 3))
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert lines[0] == "A[3] B[3] Cin S[3] Cout"
    rows = lines[1:]
    assert len(rows) == 2 ** 7                                          # exhaustive
    seen = set()
    for row in rows:
        a, b, cin, s, cout = (int(field, 2) for field in row.split())
        assert [len(f) for f in row.split()] == [3, 3, 1, 3, 1]
        assert {"s": s, "cout": cout} == added({"a": a, "b": b, "cin": cin}, 3)
        seen.add((a, b, cin))
    assert len(seen) == 2 ** 7
    adder = build("ripple", 16)
    wide = logisim_test_vectors(adder, vectors=20, seed=3).splitlines()
    assert wide[1] == "A[16] B[16] Cin S[16] Cout"
    assert "1111111111111111 0000000000000001 0 0000000000000000 1" in wide      # a carry chain
    assert len(wide) == 2 + len(edge_vectors(adder)) + 20


# ---------------------------------------------------------------------- round trips
def _all_inputs(n: int):
    k = np.arange(1 << (2 * n + 1), dtype=np.uint64)
    mask = np.uint64((1 << n) - 1)
    return k & mask, (k >> np.uint64(n)) & mask, k >> np.uint64(2 * n)


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_round_trip_gives_back_the_same_adder(arch):
    rng = np.random.default_rng(7)
    for n in list(range(1, 9)) + [16]:
        circuit = build(arch, n)
        back = from_logisim(to_logisim(circuit))
        assert back.inputs == circuit.inputs and back.outputs == circuit.outputs
        # Every gate comes back under its own name, kind and inputs.
        assert {g: (back.graph.nodes[g]["kind"], back.graph.nodes[g]["inputs"]) for g in back.gates()} == \
            {g: (circuit.graph.nodes[g]["kind"], circuit.graph.nodes[g]["inputs"]) for g in circuit.gates()}
        if n <= 8:
            a, b, cin = _all_inputs(n)
        else:
            edges = [(0, 0, 0), (2 ** n - 1, 1, 0), (2 ** n - 1, 0, 1), (2 ** n - 1, 2 ** n - 1, 1),
                     (0x5555, 0xAAAA, 1), (0xAAAA, 0x5555, 0)]
            a = np.array([e[0] for e in edges] + list(rng.integers(0, 2 ** n, 4000)), np.uint64)
            b = np.array([e[1] for e in edges] + list(rng.integers(0, 2 ** n, 4000)), np.uint64)
            cin = np.array([e[2] for e in edges] + list(rng.integers(0, 2, 4000)), np.uint64)
        got = simulated(back, a, b, cin)
        total = a + b + cin                                  # Python-width ints fit in uint64 here
        np.testing.assert_array_equal(got["s"], total & np.uint64(2 ** n - 1), err_msg=f"{arch} {n}")
        np.testing.assert_array_equal(got["cout"], total >> np.uint64(n), err_msg=f"{arch} {n}")


def test_round_trip_through_a_file_and_by_circuit_name(tmp_path):
    circuit = build("carry-select", 6)
    path = tmp_path / "adder.circ"
    path.write_text(to_logisim(circuit, vectors=3))         # main circuit: the check harness
    back = from_logisim(path, circuit="carry_select_6")
    assert back.name == "carry_select_6" and back.evaluate(a=63, b=1, cin=1) == {"s": 1, "cout": 1}
    with pytest.raises(CircuitFileError, match=r"no circuit named 'nope'.*'check', 'carry_select_6'"):
        from_logisim(path, circuit="nope")


# ---------------------------------------------------------------------- drawn circuits
def _project(source: str, body: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<project source="{source}" '
            f'version="1.0">\n{body}\n</project>\n')


def _comp(lib, name, loc, **attrs) -> str:
    inner = "".join(f'<a name="{k}" val="{v}"/>' for k, v in attrs.items())
    lib_text = "" if lib is None else f' lib="{lib}"'
    return f'    <comp{lib_text} loc="({loc[0]},{loc[1]})" name="{name}">{inner}</comp>'


def _wires(*paths) -> list[str]:
    """Wire segments along each path of points."""
    out = []
    for path in paths:
        for (x0, y0), (x1, y1) in zip(path, path[1:]):
            out.append(f'    <wire from="({x0},{y0})" to="({x1},{y1})"/>')
    return out


def evolution_adder4() -> str:
    """A 4-bit ripple adder as Logisim-evolution 4.1 saves it: bus pins A, B, S fanned out
    by splitters into tunnels, and four instances of a hand-wired full adder (default
    evolution appearance, fixed-size box) chained by wires."""
    fa = ['  <circuit name="full_adder">', '    <a name="appearance" val="logisim_evolution"/>',
          '    <a name="circuit" val="full_adder"/>', '    <a name="circuitnamedboxfixedsize" val="true"/>',
          '    <a name="simulationFrequency" val="1.0"/>',
          _comp(0, "Pin", (100, 100), appearance="NewPins", label="A"),
          _comp(0, "Pin", (100, 160), appearance="NewPins", label="B"),
          _comp(0, "Pin", (100, 240), appearance="NewPins", label="Cin"),
          _comp(0, "Pin", (480, 120), appearance="NewPins", facing="west", label="S", type="output"),
          _comp(0, "Pin", (490, 250), appearance="NewPins", facing="west", label="Cout", type="output"),
          _comp(1, "XOR Gate", (250, 120)), _comp(1, "XOR Gate", (400, 120)),
          _comp(1, "AND Gate", (250, 200)), _comp(1, "AND Gate", (400, 220), size="50"),
          _comp(1, "OR Gate", (470, 250)),
          _comp(8, "Text", (300, 60), text="full adder: s = a ^ b ^ c")]
    fa += _wires([(100, 100), (190, 100)], [(100, 160), (140, 160), (140, 140), (190, 140)],
                 [(250, 120), (300, 120), (300, 100), (340, 100)], [(400, 120), (480, 120)],
                 [(120, 100), (120, 180), (200, 180)],            # T on the A wire
                 [(140, 160), (140, 220), (200, 220)],            # branch at the B corner
                 [(270, 120), (270, 200), (350, 200)],            # T on the p wire
                 [(100, 240), (350, 240)], [(320, 240), (320, 140), (340, 140)],   # T on cin
                 [(400, 220), (410, 220), (410, 230), (420, 230)],
                 [(250, 200), (260, 200), (260, 290), (410, 290), (410, 270), (420, 270)],
                 [(470, 250), (490, 250)])
    fa.append("  </circuit>")
    main = ['  <circuit name="adder4">', '    <a name="appearance" val="logisim_evolution"/>',
            '    <a name="circuit" val="adder4"/>', '    <a name="circuitnamedboxfixedsize" val="true"/>',
            _comp(0, "Pin", (100, 100), appearance="NewPins", label="A", width="4", radix="16"),
            _comp(0, "Splitter", (120, 100), appear="right", fanout="4", incoming="4", spacing="1"),
            _comp(0, "Pin", (100, 200), appearance="NewPins", label="B[3:0]", width="4"),
            _comp(0, "Splitter", (120, 200), appear="right", fanout="4", incoming="4"),
            _comp(0, "Pin", (100, 300), appearance="NewPins", label="Cin"),
            _comp(0, "Pin", (840, 100), appearance="NewPins", facing="west", label="S", type="output",
                  width="4"),
            _comp(0, "Splitter", (820, 100), appear="left", facing="west", fanout="4", incoming="4"),
            _comp(0, "Probe", (160, 60), radix="16")]
    main += _wires([(100, 100), (120, 100)], [(100, 200), (120, 200)], [(820, 100), (840, 100)],
                   [(160, 60), (160, 80)], [(160, 80), (120, 80), (120, 100)])       # a probe on A
    for i in range(4):
        y = 110 + 10 * i
        main.append(_comp(0, "Tunnel", (160 + 50 * i, y), label=f"a{i}"))
        main.append(_comp(0, "Tunnel", (160 + 50 * i, y + 100), label=f"b{i}"))
        main.append(_comp(0, "Tunnel", (750 - 50 * i, y), facing="east", label=f"s{i}"))
        main += _wires([(140, y), (160 + 50 * i, y)], [(140, y + 100), (160 + 50 * i, y + 100)],
                       [(750 - 50 * i, y), (800, y)])
    main += _wires([(100, 300), (300, 300), (300, 440), (380, 440)])     # cin into the first adder
    for k in range(4):
        y = 400 + 120 * k                   # instance k: inputs at x - 220, outputs at x
        main.append(_comp(None, "full_adder", (600, y)))
        main.append(_comp(0, "Tunnel", (360, y), facing="east", label=f"a{k}"))
        main.append(_comp(0, "Tunnel", (360, y + 20), facing="east", label=f"b{k}"))
        main.append(_comp(0, "Tunnel", (640, y), label=f"s{k}"))
        main += _wires([(360, y), (380, y)], [(360, y + 20), (380, y + 20)], [(600, y), (640, y)])
        if k < 3:                           # carry chain, under the box and back
            main += _wires([(600, y + 20), (620, y + 20), (620, y + 90), (300, y + 90), (300, y + 160),
                            (380, y + 160)])
        else:
            main.append(_comp(0, "Pin", (700, y + 20), facing="west", label="Cout", type="output"))
            main += _wires([(600, y + 20), (700, y + 20)])
    main.append("  </circuit>")
    libs = ['  <lib desc="#Wiring" name="0">',
            '    <tool name="Pin"><a name="appearance" val="classic"/></tool>', '  </lib>',
            '  <lib desc="#Gates" name="1"/>', '  <lib desc="#Plexers" name="2"/>',
            '  <lib desc="#Arithmetic" name="3"/>', '  <lib desc="#Memory" name="4"/>',
            '  <lib desc="#I/O" name="5"/>', '  <lib desc="#TTL" name="6"/>', '  <lib desc="#TCL" name="7"/>',
            '  <lib desc="#Base" name="8"/>', '  <main name="adder4"/>',
            '  <options><a name="gateUndefined" val="ignore"/><a name="simlimit" val="1000"/></options>',
            '  <mappings><tool lib="8" map="Button2" name="Menu Tool"/></mappings>',
            '  <toolbar><tool lib="8" name="Poke Tool"/><sep/><tool lib="1" name="AND Gate"/></toolbar>']
    return _project("4.1.0", "\n".join(libs + main + fa))


def hand_drawn_ripple4(source: str = "2.7.1") -> str:
    """A 4-bit ripple adder drawn by hand: one block of five gates per bit, blocks at
    uneven heights, 1-bit pins A0..A3, B0..B3, S0..S3, Cin, Cout, wires with bends,
    T-junctions and plain crossings, no tunnels, no splitters."""
    body = ['  <lib desc="#Wiring" name="0"/>', '  <lib desc="#Gates" name="1"/>',
            '  <lib desc="#Base" name="2"/>', '  <main name="ripple"/>', '  <circuit name="ripple">',
            '    <a name="circuit" val="ripple"/>']
    two = {"inputs": "2"}                   # 2.7.1 writes it: its gates default to 5 inputs
    lift = [0, 20, 0, 20]
    for i in range(4):
        bx, by = 150 + 400 * i, 100 + lift[i]
        body += [_comp(0, "Pin", (bx, by), tristate="false", label=f"A{i}"),
                 _comp(0, "Pin", (bx, by + 40), tristate="false", label=f"B{i}"),
                 _comp(0, "Pin", (bx + 340, by + 40), facing="west", output="true", label=f"S{i}"),
                 _comp(1, "XOR Gate", (bx + 150, by + 20), **two),       # p
                 _comp(1, "AND Gate", (bx + 150, by + 120), **two),      # g
                 _comp(1, "XOR Gate", (bx + 300, by + 40), **two),       # s
                 _comp(1, "AND Gate", (bx + 300, by + 160), **two),      # p & c
                 _comp(1, "OR Gate", (bx + 380, by + 150), **two)]       # carry out
        body += _wires([(bx, by), (bx + 90, by)], [(bx, by + 40), (bx + 90, by + 40)],
                       [(bx + 30, by), (bx + 30, by + 100), (bx + 100, by + 100)],     # T on a, crosses b
                       [(bx + 50, by + 40), (bx + 50, by + 140), (bx + 100, by + 140)],
                       [(bx + 150, by + 20), (bx + 240, by + 20)],
                       [(bx + 220, by + 20), (bx + 220, by + 140), (bx + 250, by + 140)],  # T on p
                       [(bx + 200, by + 180), (bx + 250, by + 180)],
                       [(bx + 200, by + 180), (bx + 200, by + 60), (bx + 240, by + 60)],   # crosses p & c
                       [(bx + 300, by + 40), (bx + 340, by + 40)],
                       [(bx + 300, by + 160), (bx + 310, by + 160), (bx + 310, by + 130),
                        (bx + 330, by + 130)],
                       [(bx + 150, by + 120), (bx + 160, by + 120), (bx + 160, by + 240),
                        (bx + 320, by + 240), (bx + 320, by + 170), (bx + 330, by + 170)])
        if i == 0:
            body.append(_comp(0, "Pin", (100, by + 180), tristate="false", label="Cin"))
            body += _wires([(100, by + 180), (bx + 200, by + 180)])
        else:
            px, py = bx - 400, 100 + lift[i - 1]
            body += _wires([(px + 380, py + 150), (bx + 190, py + 150), (bx + 190, by + 180),
                            (bx + 200, by + 180)])
        if i == 3:
            body.append(_comp(0, "Pin", (bx + 420, by + 150), facing="west", output="true", label="Cout"))
            body += _wires([(bx + 380, by + 150), (bx + 420, by + 150)])
    body.append(_comp(2, "Text", (700, 40), text="ripple-carry adder, drawn by hand"))
    body.append("  </circuit>")
    return _project(source, "\n".join(body))


@pytest.mark.parametrize("drawing", [evolution_adder4, hand_drawn_ripple4])
def test_drawn_adders_import_and_add(drawing, tmp_path, capsys):
    path = tmp_path / "drawn.circ"
    path.write_text(drawing())
    circuit = from_logisim(path)
    assert {b: len(n) for b, n in circuit.inputs.items()} == {"a": 4, "b": 4, "cin": 1}
    assert {b: len(n) for b, n in circuit.outputs.items()} == {"s": 4, "cout": 1}
    assert circuit.stats()["by_kind"] == {"AND": 8, "OR": 4, "XOR": 8}
    a, b, cin = _all_inputs(4)
    got = simulated(circuit, a, b, cin)
    np.testing.assert_array_equal(got["s"], (a + b + cin) & np.uint64(15))
    np.testing.assert_array_equal(got["cout"], (a + b + cin) >> np.uint64(4))
    if drawing is evolution_adder4:
        # Flattened: gates inside an instance carry its name, unless the outer circuit
        # names their net (the tunnels s0..s3, the pin Cout).
        inner = {g.split(".")[0] for g in circuit.gates() if "." in g}
        assert inner == {f"full_adder{k}" for k in range(4)}
        assert {g for g in circuit.gates() if "." not in g} == {"s0", "s1", "s2", "s3", "cout"}
        assert "full_adder0.Cout" in circuit.gates()                  # the carry between instances
    else:
        assert circuit.outputs["s"] == ["s0", "s1", "s2", "s3"]         # the pins' names
        assert circuit.inputs["a"] == ["a0", "a1", "a2", "a3"]
    # carrylab grade: right, the gates above, a ripple's 2n + 1 = 9 gate delays, glitches.
    capsys.readouterr()
    assert carrylab(["grade", str(path), "--spec", "adder", "--bits", "4"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "1. Correctness: PASS" in out and "on all 512 input vectors" in out
    assert "20 gates (AND 8, OR 4, XOR 8)" in out and "depth 9 gate levels" in out
    assert "3. Critical path: 9 gate delays" in out and "worst settle time: 9 gate delays" in out
    assert re.search(r"output glitches \(extra pulses before an output settles\): \d+ in all", out)


def _logisim_flat(text: str, vectors: list[dict], folder) -> list[dict]:
    """Outputs of the hand-drawn (flat, 1-bit pin) circuit in Logisim itself: one copy per
    vector, 1000 px apart, its input pins replaced by constants."""
    root = ET.fromstring(text)
    sheet = root.find("circuit")
    copies, pins = [], []
    for k, vec in enumerate(vectors):
        dy = 1000 * k
        for elt in sheet:
            if elt.tag == "wire":
                (x0, y0), (x1, y1) = [tuple(map(int, re.findall(r"-?\d+", elt.get(e))))
                                      for e in ("from", "to")]
                copies.append(f'<wire from="({x0},{y0 + dy})" to="({x1},{y1 + dy})"/>')
            elif elt.tag == "comp":
                attrs = {a.get("name"): a.get("val") for a in elt.findall("a")}
                x, y = map(int, re.findall(r"-?\d+", elt.get("loc")))
                if elt.get("name") == "Pin" and attrs.get("output") != "true":
                    bus, bit = re.fullmatch(r"([A-Za-z]+?)(\d*)", attrs["label"]).groups()
                    value = (vec[bus.lower()] >> int(bit or 0)) & 1
                    copies.append(_comp(0, "Constant", (x, y + dy), value=hex(value)))
                    continue
                if elt.get("name") == "Pin":
                    pins.append(((x, y + dy), k, attrs["label"]))
                copies.append(_comp(elt.get("lib"), elt.get("name"), (x, y + dy), **attrs))
    halt = [_comp(0, "Constant", (20, -40)), _comp(0, "Pin", (40, -40), facing="west", output="true",
                                                     label="halt"), '<wire from="(20,-40)" to="(40,-40)"/>']
    libs = "".join(ET.tostring(lib, encoding="unicode") for lib in root.findall("lib"))
    project = _project("2.7.1", libs + '<main name="ripple"/><circuit name="ripple">' + "\n".join(
        copies + halt) + "</circuit>")
    path = folder / "flat.circ"
    path.write_text(project)
    run = subprocess.run([JAVA, "-Djava.awt.headless=true", f"-Djava.util.prefs.userRoot={folder}", "-jar",
                          str(JAR), str(path), "-tty", "table"], capture_output=True, text=True, timeout=120)
    fields = run.stdout.strip().splitlines()[-1].split("\t")
    outputs = [{"s": 0, "cout": 0} for _ in vectors]
    # Logisim 2.7.1 prints the pins top to bottom, then left to right.
    for ((x, y), k, label), value in zip(sorted(pins, key=lambda p: (p[0][1], p[0][0])), fields):
        if label == "Cout":
            outputs[k]["cout"] = int(value)
        else:
            outputs[k]["s"] |= int(value) << int(label[1:])
    return outputs


@needs_logisim
def test_logisim_agrees_on_the_hand_drawn_wiring(tmp_path):
    """The hand-drawn file means to Logisim what it means to the importer: T-junctions
    join, crossings do not."""
    text = hand_drawn_ripple4()
    rng = random.Random(11)
    vectors = [{"a": 15, "b": 1, "cin": 0}, {"a": 0, "b": 0, "cin": 1}, {"a": 15, "b": 15, "cin": 1}] + \
        [{"a": rng.randrange(16), "b": rng.randrange(16), "cin": rng.randrange(2)} for _ in range(9)]
    imported = from_logisim(text)
    for vec, got in zip(vectors, _logisim_flat(text, vectors, tmp_path)):
        assert got == added(vec, 4) == imported.evaluate(**vec)


def test_drawn_details_other_facings_negation_constants_and_parity():
    """A gate facing north, a negated input, a 3-input odd XOR, a constant, an even-parity
    gate and numbered output pins grouped into one bus."""
    body = ['  <lib desc="#Wiring" name="0"/>', '  <lib desc="#Gates" name="1"/>',
            '  <main name="bits"/>', '  <circuit name="bits">',
            _comp(0, "Pin", (100, 100), label="x", width="3"),
            _comp(0, "Splitter", (100, 100), fanout="3", incoming="3", appear="right"),
            # x0 up into a NOT facing north (input 30 px below its output)
            _comp(1, "NOT Gate", (200, 50), facing="north"),
            _comp(1, "XOR Gate", (300, 130), inputs="3", xor="odd", size="70"),
            _comp(1, "AND Gate", (300, 230), inputs="2", negate1="true"),
            _comp(0, "Constant", (200, 280), value="0x1"),
            _comp(1, "Even Parity", (300, 330), inputs="2"),
            _comp(0, "Pin", (400, 50), facing="west", output="true", label="y0"),
            _comp(0, "Pin", (400, 130), facing="west", output="true", label="y1"),
            _comp(0, "Pin", (400, 230), facing="west", output="true", label="y2"),
            _comp(0, "Pin", (400, 330), facing="west", output="true", label="y3")]
    body += _wires([(120, 110), (200, 110), (200, 80)], [(200, 50), (400, 50)],       # x0 -> NOT
                   [(160, 110), (160, 100), (220, 100)],                               # T: x0 -> XOR
                   [(120, 120), (190, 120), (190, 130), (220, 130)],                   # x1 -> XOR
                   [(120, 130), (180, 130), (180, 160), (220, 160)],                   # x2 -> XOR
                   [(300, 130), (400, 130)],
                   [(180, 160), (180, 210), (250, 210)],                               # x2 -> AND
                   [(200, 280), (230, 280), (230, 250), (240, 250)],                   # 1 -> AND, negated
                   [(300, 230), (400, 230)],
                   [(230, 280), (230, 310), (250, 310)], [(180, 210), (180, 350), (250, 350)],
                   [(300, 330), (400, 330)])
    body.append("  </circuit>")
    circuit = from_logisim(_project("4.1.0", "\n".join(body)))
    assert list(circuit.outputs) == ["y"] and len(circuit.outputs["y"]) == 4
    for x in range(8):
        x0, x1, x2 = x & 1, x >> 1 & 1, x >> 2
        # NOT x0; odd parity of three; x2 AND NOT 1; even parity of (1, x2)
        want = (1 - x0) | (x0 ^ x1 ^ x2) << 1 | (x2 & 0) << 2 | x2 << 3
        assert circuit.evaluate(x=x) == {"y": want}, x


def test_wire_rule_pin_on_a_wire_joins_a_crossing_does_not():
    """Logisim joins a pin lying anywhere on a wire (it splits the wire there); two wires
    that cross without an end at the crossing stay apart."""
    body = ['  <lib desc="#Wiring" name="0"/>', '  <main name="w"/>', '  <circuit name="w">',
            _comp(0, "Pin", (100, 100), label="A"), _comp(0, "Pin", (200, 40), label="B", facing="south"),
            _comp(0, "Pin", (150, 100), facing="north", output="true", label="Y"),    # mid-wire
            _comp(0, "Pin", (200, 160), facing="north", output="true", label="Z"),
            _comp(0, "Pin", (300, 100), facing="west", output="true", label="W")]
    body += _wires([(100, 100), (300, 100)], [(200, 40), (200, 160)])              # cross at (200,100)
    body.append("  </circuit>")
    circuit = from_logisim(_project("4.1.0", "\n".join(body)))
    for a in (0, 1):
        for b in (0, 1):
            assert circuit.evaluate(a=a, b=b) == {"y": a, "w": a, "z": b}


def test_subcircuit_with_custom_appearance_and_turned_west():
    inverter = ['  <circuit name="inv">', _comp(0, "Pin", (100, 100), label="x"),
                _comp(1, "NOT Gate", (150, 100)), _comp(1, "Buffer", (180, 100)),
                _comp(0, "Pin", (200, 100), facing="west", output="true", label="y"),
                '    <appear>',
                '      <rect height="20" width="20" x="50" y="50"/>',
                '      <circ-port height="8" pin="100,100" width="8" x="46" y="56"/>',
                '      <circ-port height="10" pin="200,100" width="10" x="65" y="55"/>',
                '      <circ-anchor facing="east" height="6" width="6" x="67" y="57"/>',
                '    </appear>']
    inverter += _wires([(100, 100), (120, 100)], [(150, 100), (160, 100)], [(180, 100), (200, 100)])
    inverter.append("  </circuit>")
    # Ports: input 20 px left of the anchor, output on it; turned west, input 20 px right.
    top = ['  <circuit name="top">', _comp(0, "Pin", (200, 200), label="P"),
           _comp(None, "inv", (300, 200)),
           _comp(0, "Pin", (360, 200), facing="west", output="true", label="Q"),
           _comp(0, "Pin", (400, 300), facing="west", label="R"),
           _comp(None, "inv", (300, 300), facing="west", label="turned"),
           _comp(0, "Pin", (240, 300), facing="east", output="true", label="T")]
    top += _wires([(200, 200), (280, 200)], [(300, 200), (360, 200)], [(400, 300), (320, 300)],
                  [(300, 300), (240, 300)])
    top.append("  </circuit>")
    libs = ['  <lib desc="#Wiring" name="0"/>', '  <lib desc="#Gates" name="1"/>', '  <main name="top"/>']
    circuit = from_logisim(_project("2.7.1", "\n".join(libs + top + inverter)))
    assert list(circuit.inputs) == ["p", "r"] and list(circuit.outputs) == ["q", "t"]
    # Inner nets are named after the instance: its label, else the circuit and a count.
    assert set(circuit.gates()) == {"q", "t", "inv0.not_150_100", "turned.not_150_100"}
    for p in (0, 1):
        for r in (0, 1):
            assert circuit.evaluate(p=p, r=r) == {"q": 1 - p, "t": 1 - r}


def test_gate_defaults_follow_the_version_that_wrote_the_file():
    """A gate without an ``inputs`` attribute has 2 inputs in Logisim-evolution but 5 in
    the original Logisim, so the same drawing leaves three inputs unconnected there."""
    body = "\n".join(['  <lib desc="#Wiring" name="0"/>', '  <lib desc="#Gates" name="1"/>',
                      '  <main name="g"/>', '  <circuit name="g">',
                      _comp(0, "Pin", (100, 100), label="A"), _comp(0, "Pin", (100, 140), label="B"),
                      _comp(1, "OR Gate", (200, 120)),
                      _comp(0, "Pin", (300, 120), facing="west", output="true", label="Y")]
                     + _wires([(100, 100), (150, 100)], [(100, 140), (150, 140)], [(200, 120), (300, 120)])
                     + ["  </circuit>"])
    assert from_logisim(_project("3.8.0", body)).evaluate(a=1, b=0) == {"y": 1}
    with pytest.raises(CircuitFileError, match=r"OR Gate at \(200,120\): input 1 at \(150,110\) is not "
                                               r"connected \(set the gate's number of inputs"):
        from_logisim(_project("2.7.1", body))


# ---------------------------------------------------------------------- broken files
def _broken(tmp_path, extra: list[str], wires: list[str] = (), name="bad.circ"):
    body = ['  <lib desc="#Wiring" name="0"/>', '  <lib desc="#Gates" name="1"/>',
            '  <lib desc="#Memory" name="4"/>', '  <main name="top"/>', '  <circuit name="top">',
            _comp(0, "Pin", (100, 100), label="A"), _comp(0, "Pin", (100, 140), label="B"),
            _comp(1, "AND Gate", (200, 120), inputs="2"),
            _comp(0, "Pin", (300, 120), facing="west", output="true", label="Y")]
    body += _wires([(100, 100), (150, 100)], [(100, 140), (150, 140)], [(200, 120), (300, 120)])
    body += list(extra) + list(wires) + ["  </circuit>"]
    path = tmp_path / name
    path.write_text(_project("4.1.0", "\n".join(body)))
    return path


def test_good_base_file_reads(tmp_path):
    circuit = from_logisim(_broken(tmp_path, []))
    assert [circuit.evaluate(a=a, b=b)["y"] for a in (0, 1) for b in (0, 1)] == [0, 0, 0, 1]


@pytest.mark.parametrize("extra,wires,message", [
    ([], _wires([(150, 140), (150, 200), (180, 200)]),
     r"bad\.circ: circuit 'top': dangling wire from \(150,200\) to \(180,200\): its end \(180,200\) "
     r"touches no other wire and no component"),
    ([_comp(4, "D Flip-Flop", (400, 300))], [],
     r"bad\.circ: circuit 'top': D Flip-Flop at \(400,300\): unsupported component 'D Flip-Flop' "
     r"from library '#Memory'"),
    ([_comp(1, "OR Gate", (200, 220), inputs="2"), _comp(0, "Pin", (100, 200), label="C"),
      _comp(0, "Pin", (100, 240), label="D")],
     _wires([(100, 200), (150, 200)], [(100, 240), (150, 240)], [(200, 220), (250, 220), (250, 120)]),
     r"bad\.circ: circuit 'top': short circuit: AND Gate at \(200,120\) and OR Gate at \(200,220\) "
     r"both drive net"),
    ([_comp(1, "AND Gate", (200, 320), inputs="3")], [],
     r"circuit 'top': AND Gate at \(200,320\): input 0 at \(150,300\) is not connected"),
    ([_comp(1, "NOT Gate", (200, 420)), _comp(0, "Tunnel", (160, 420), facing="east", label="nowhere")],
     _wires([(160, 420), (170, 420)]),
     r"circuit 'top': NOT Gate at \(200,420\), input 0, reads net 'nowhere', which nothing drives"),
])
def test_broken_files_give_one_clear_error(tmp_path, extra, wires, message, capsys):
    with pytest.raises(CircuitFileError, match=message) as caught:
        from_logisim(_broken(tmp_path, extra, wires))
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, CarrylabError) and isinstance(caught.value, ValueError)
    capsys.readouterr()                                    # carrylab grade: the same, one line
    assert carrylab(["grade", str(tmp_path / "bad.circ")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("carrylab grade: ")
    assert re.search(message, err), err


def test_malformed_and_missing(tmp_path):
    path = tmp_path / "cut.circ"
    path.write_text(to_logisim(build("ripple", 2))[:400])
    with pytest.raises(CircuitFileError, match=r"cut\.circ: malformed XML: "):
        from_logisim(path)
    with pytest.raises(CircuitFileError, match=r"nothing\.circ: cannot read the file"):
        from_logisim(tmp_path / "nothing.circ")
    with pytest.raises(CircuitFileError, match=r"<text>: not a Logisim project: the root element is <svg>"):
        from_logisim("<svg/>")
    with pytest.raises(CircuitFileError, match=r"the project holds no <circuit>"):
        from_logisim('<project source="3.8.0" version="1.0"><lib desc="#Wiring" name="0"/></project>')
    sub = _project("3.8.0", '<lib desc="#Gates" name="1"/><main name="top"/><circuit name="top">'
                   + _comp(None, "half_adder", (300, 300)) + "</circuit>")
    with pytest.raises(CircuitFileError, match=r"half_adder at \(300,300\): unsupported component \(no "
                                               r"library and no circuit of that name; circuits: top\)"):
        from_logisim(sub)
    with pytest.raises(TypeError):
        from_logisim(42)
