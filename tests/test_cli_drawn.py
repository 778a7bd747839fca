"""`carrylab export` and `carrylab grade` from the command line: files the editors read,
read back and graded, and one line for every mistake."""
from __future__ import annotations

import pytest

from adders import build, from_digital, from_logisim
from adders.export import to_graphml
from carrylab.cli import main as carrylab


def run(capsys, *argv) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``carrylab ARGV``; the parser's refusals exit."""
    capsys.readouterr()
    try:
        status = carrylab(list(argv))
    except SystemExit as stop:
        status = stop.code
    out, err = capsys.readouterr()
    return status, out, err


def _same(a, b) -> bool:
    nodes = lambda c: {g: (c.graph.nodes[g]["kind"], tuple(c.graph.nodes[g]["inputs"]))  # noqa: E731
                       for g in c.gates()}
    return nodes(a) == nodes(b) and a.inputs == b.inputs


@pytest.mark.parametrize("fmt,read,suffix", [("logisim", from_logisim, ".circ"),
                                             ("digital", from_digital, ".dig")])
def test_export_writes_what_the_reader_gives_back_and_grade_passes_it(fmt, read, suffix, tmp_path, capsys):
    path = tmp_path / f"ks8{suffix}"
    status, out, err = run(capsys, "export", "--format", fmt, "--arch", "kogge-stone", "--bits", "8",
                           "-o", str(path))
    assert status == 0 and err == "" and out == f"wrote {path}: kogge_stone_8, 70 gates\n"
    assert _same(read(path), build("kogge-stone", 8))
    status, out, err = run(capsys, "grade", str(path), "--bits", "8", "--transitions", "20")
    assert status == 0 and err == "" and out.rstrip().endswith("Result: PASS")
    depth = build("kogge-stone", 8).stats()["depth"]            # the same netlist, read back
    assert "corner cases" in out and f"3. Critical path: {depth} gate delays" in out


def test_logisim_test_vectors_are_counted_as_written(tmp_path, capsys):
    tests = tmp_path / "r3.txt"
    status, out, err = run(capsys, "export", "--format", "logisim", "--bits", "3", "-o",
                           str(tmp_path / "r3.circ"), "--tests", str(tests))
    rows = [r for r in tests.read_text().splitlines() if r.strip() and not r.startswith("#")]
    assert status == 0 and rows[0] == "A[3] B[3] Cin S[3] Cout" and len(rows) == 1 + 2 ** 7
    assert out.splitlines()[1] == f"wrote {tests}: 128 test vectors"
    status, out, _ = run(capsys, "export", "--format", "logisim", "--bits", "8", "--vectors", "5",
                         "-o", str(tmp_path / "r8.circ"), "--tests", str(tests))
    count = int(out.splitlines()[1].split(": ")[1].split()[0])
    assert status == 0 and 5 < count < 200                      # corner cases plus 5 random


def test_a_wrong_adder_exits_1_and_names_its_first_wrong_sum(tmp_path, capsys):
    adder = build("ripple", 2)
    adder.graph.nodes["c1"]["kind"] = "AND"                     # the carry out of bit 0: g0 AND t0
    adder._touch()
    path = to_graphml(adder, tmp_path / "wrong.graphml")
    status, out, err = run(capsys, "grade", str(path), "--bits", "2")
    assert status == 1 and err == "" and "1. Correctness: FAIL" in out
    # The first vector in the grader's order (cin, then a, then b) whose carry c1 is
    # wrong: g0 = 0 but t0 = p0 AND cin = 1, so the OR gives 1 and the AND 0: a=1, b=0, cin=1.
    assert "a=1" in out and "b=0" in out and "cin=1" in out
    assert out.rstrip().endswith("Result: FAIL")


@pytest.mark.parametrize("argv,fragment", [
    (["export", "--format", "digital", "-o", "{tmp}/x.circ"], "a digital file must end in .dig"),
    (["export", "--format", "digital", "-o", "{tmp}/x.dig", "--tests", "{tmp}/t.txt"],
     "--tests is for --format logisim"),
    (["export", "--format", "logisim", "--bits", "65", "-o", "{tmp}/x.circ"], "from 1 to 64, got 65"),
    (["export", "--format", "logisim", "-o", "{tmp}/no/x.circ"], "does not exist"),
    (["grade", "{tmp}/missing.dig"], "missing.dig"),
    (["grade", "{tmp}/adder.v"], ".v"),
])
def test_mistakes_get_one_line_and_exit_2(argv, fragment, tmp_path, capsys):
    (tmp_path / "adder.v").write_text("module adder; endmodule\n")
    status, out, err = run(capsys, *[a.format(tmp=tmp_path) for a in argv])
    assert status == 2 and out == "" and fragment in err.splitlines()[-1], err
    assert "Traceback" not in err
