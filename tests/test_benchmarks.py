"""The benchmark runner, in quick mode on the logic benchmark: it runs, checks every
simulator's outputs before timing it, and writes a complete results file.

Nothing here asserts a time or a speed: the machine may be busy. Peers are optional:
PyRTL and Icarus Verilog are used when present (Verilator's builds are too slow for a
test and are left out); an absent one must be reported as skipped with its reason.
"""
import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DESIGNS = [f"{arch} {bits}" for bits in (32, 64) for arch in ("ripple", "cla", "kogge-stone")]


def _importable(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


HAVE_PYRTL = _importable("pyrtl") and shutil.which("gcc") is not None
HAVE_ICARUS = shutil.which("iverilog") is not None and shutil.which("vvp") is not None

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """Run ``python -m benchmarks --quick --only logic`` once; return (file text, stdout)."""
    out = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    args = [sys.executable, "-m", "benchmarks", "--quick", "--only", "logic",
            "--peers", "pyrtl,icarus", "--out", str(out)]
    res = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, f"runner failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    assert out.exists(), "the runner did not write the --out file"
    return out.read_text(), res.stdout


def _agreement_rows(text: str) -> list[list[str]]:
    part = text.split("### Agreement checks", 1)[1]
    return [[c.strip() for c in line.strip("|").split("|")]
            for line in part.splitlines() if line.startswith("| ") and "---" not in line][1:]


def test_the_file_has_every_section(report):
    text, _ = report
    for heading in ("# carrylab benchmark results", "## Machine", "## Summary", "## Targets",
                    "## Logic simulation", "### Ours", "### Peers",
                    "### Targets (64-bit Kogge-Stone)", "### Where ours spends its time",
                    "### Agreement checks"):
        assert heading in text, f"missing section {heading!r}"
    for tool in ("Python", "numpy", "numba", "pyrtl", "verilator", "iverilog"):
        assert re.search(rf"^\| {tool} \| .+ \|$", text, re.M), f"no version row for {tool}"
    assert re.search(r"^- CPU: .+, \d+ cores$", text, re.M)
    assert re.search(r"^\| logic \| ok \|", text, re.M), "the logic benchmark did not succeed"


def test_every_figure_has_median_min_and_max(report):
    text, _ = report
    ours = text.split("### Ours", 1)[1].split("###", 1)[0]
    rows = [line for line in ours.splitlines() if line.startswith("| ") and "gates" not in line]
    assert [r.split("|")[1].strip() for r in rows] == DESIGNS
    figure = r"[\d.,e+]+ \([\d.,e+]+ - [\d.,e+]+\)"
    for row in rows:
        assert len(re.findall(figure, row)) == 3, row


def test_ours_agrees_with_python_on_every_design(report):
    text, _ = report
    rows = _agreement_rows(text)
    checked = {r[0] for r in rows if r[1] == "ours = Python integer addition" and r[3] == "agree"}
    assert checked == set(DESIGNS)
    assert "DISAGREE" not in text


@pytest.mark.skipif(not HAVE_PYRTL, reason="pyrtl (or gcc) is not installed")
def test_pyrtl_outputs_were_checked_before_timing(report):
    text, _ = report
    rows = _agreement_rows(text)
    for sim in ("Simulation", "FastSimulation", "CompiledSimulation"):
        agreed = {r[0] for r in rows if r[1] == f"PyRTL {sim} = ours" and r[3] == "agree"}
        assert agreed == set(DESIGNS), sim
    assert re.search(r"\| kogge-stone 64 \| PyRTL CompiledSimulation \| [\d,]+ \(", text)


@pytest.mark.skipif(not HAVE_ICARUS, reason="Icarus Verilog is not installed")
def test_icarus_outputs_were_checked_before_timing(report):
    text, _ = report
    agreed = {r[0] for r in _agreement_rows(text) if r[1] == "Icarus Verilog = ours"
              and r[3] == "agree"}
    assert agreed == set(DESIGNS)


def test_absent_or_unselected_peers_are_reported_with_a_reason(report):
    text, _ = report
    assert "| kogge-stone 64 | Verilator | NOT RUN |" in text
    assert "not selected (--peers)" in text
    if not HAVE_PYRTL:
        assert re.search(r"\| PyRTL Simulation \| SKIPPED \| .*\| .+ \|", text)


def test_each_target_says_met_missed_or_not_measured(report):
    text, _ = report
    part = text.split("## Targets", 1)[1].split("##", 1)[0]
    lines = [line for line in part.splitlines() if line.startswith("- logic:")]
    # 100 M vectors/s (core), two peer ratios end to end and core, three shares of the floor
    assert len(lines) == 8
    for line in lines:
        assert line.endswith(", met") or line.endswith(", MISSED") or "NOT MEASURED" in line, line


def test_unknown_names_are_refused():
    res = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "nosuch"], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert "unknown benchmark" in res.stderr and "logic" in res.stderr


# ---------------------------------------------------------------------- no subprocess
def _bench():
    """Import benchmarks.bench_logic and benchmarks.peers from the checkout."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from benchmarks import bench_logic, peers
    return bench_logic, peers


def test_a_wrong_peer_answer_is_caught_and_reported_loudly(capsys):
    bench_logic, peers = _bench()
    agreement = []
    work = bench_logic.make_workload("kogge-stone", 8, 300, agreement)
    assert agreement[0]["result"] == "agree"
    bad_s = work.s.copy()
    bad_s[17] ^= 4
    with pytest.raises(peers.PeerDisagreement, match=r"1 of 300 vectors differ; first at 17"):
        peers.check_outputs("Some peer", work, bad_s, work.cout)
    peers.check_outputs("Some peer", work, work.s.tolist(), work.cout.tolist())   # agrees

    found = {}
    bench_logic._record(found, agreement, work, "Some peer", {"disagrees": "s differs at 17"})
    assert found["Some peer"]["status"] == "disagrees"
    assert agreement[-1]["result"] == "DISAGREE"
    out = capsys.readouterr()
    assert "DISAGREEMENT, timing discarded: s differs at 17" in out.out + out.err


def test_rates_are_median_min_and_max():
    _, peers = _bench()
    fig = peers.figure([2.0, 1.0, 4.0], 100)
    assert fig == {"median": 50.0, "min": 25.0, "max": 100.0, "runs": 3, "vectors": 100}
    with pytest.raises(ValueError, match="seconds"):
        peers.figure([], 100)
