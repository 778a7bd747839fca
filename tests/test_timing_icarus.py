"""carrylab's event-driven timing against Icarus Verilog, event by event: the comparison
that ``benchmarks/bench_timing.py`` makes before it times either engine.

Reference: Icarus Verilog running the exported netlist with ``#delay`` gate primitives,
whose delays are inertial, so carrylab runs ``mode="inertial"``. Every ``(time, net,
new value)`` of every transition must agree, over every ordered pair of input vectors of
small adders, and over random transitions under random per-gate delays where pulses are
swallowed (there transport delay must *not* match Icarus).
"""
import random
import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest

from adders import ARCHITECTURES, build
from adders.timing import Delays, simulate_transition

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:                  # the benchmarks live beside the package
    sys.path.insert(0, str(REPO))
from benchmarks import bench_timing                                          # noqa: E402
from benchmarks.peers.icarus_timing import (IcarusTiming, available, carrylab_events,  # noqa: E402
                                            compare, read_vcd)

needs_iverilog = pytest.mark.skipif(
    available() is not None,
    reason=f"{available()}; it runs the exported Verilog as the reference simulator")

XOR2 = Delays(per_kind={"XOR": 2})


def every_transition(n: int) -> list[dict]:
    """Input vectors ``{a, b, cin}`` of an n-bit adder in an order whose consecutive pairs
    are every ordered pair of distinct vectors exactly once: an Euler circuit of the
    complete directed graph on the 2**(2n+1) vectors (Hierholzer)."""
    m = 1 << (2 * n + 1)
    unused = {v: [w for w in range(m) if w != v] for v in range(m)}
    stack, walk = [0], []
    while stack:
        v = stack[-1]
        if unused[v]:
            stack.append(unused[v].pop())
        else:
            walk.append(stack.pop())
    walk.reverse()
    mask = (1 << n) - 1
    return [{"a": v & mask, "b": (v >> n) & mask, "cin": v >> (2 * n)} for v in walk]


def _agree(circuit, delays, vectors, folder) -> tuple[dict, list]:
    ours = carrylab_events(circuit, delays, vectors)
    theirs = IcarusTiming(circuit, delays, vectors, folder).events()
    return compare(ours, theirs, vectors), theirs


def test_every_transition_is_each_ordered_pair_once():
    vectors = every_transition(2)
    pairs = [(tuple(u.values()), tuple(v.values())) for u, v in zip(vectors, vectors[1:])]
    assert len(pairs) == 32 * 31 and len(set(pairs)) == len(pairs)
    assert all(u != v for u, v in pairs)


@needs_iverilog
@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_every_transition_of_a_2_bit_adder_agrees(tmp_path, arch):
    vectors = every_transition(2)
    check, _ = _agree(build(arch, 2), XOR2, vectors, tmp_path)
    assert check["agree"], check["first"]
    assert check["transitions"] == 992 and check["events"] > 992


@needs_iverilog
def test_every_transition_of_a_3_bit_kogge_stone_adder_agrees(tmp_path):
    vectors = every_transition(3)
    check, _ = _agree(build("kogge-stone", 3), XOR2, vectors, tmp_path)
    assert check["agree"], check["first"]
    assert check["transitions"] == 128 * 127


@needs_iverilog
@pytest.mark.parametrize("arch", ["ripple", "carry-skip", "kogge-stone", "brent-kung"])
def test_random_delays_where_pulses_are_swallowed(tmp_path, arch):
    """Per-gate delays from 1 to 4 gd (and a fraction) make pulses shorter than some
    gates' delays: Icarus swallows them exactly as carrylab's inertial mode does, and so
    differs from its transport mode."""
    n = 6
    circuit = build(arch, n)
    rng = random.Random(sum(map(ord, arch)))
    delays = Delays(per_kind={"XOR": Fraction(5, 2)},
                    per_gate={g: rng.randint(1, 4) for g in circuit.gates()[::2]})
    vectors = [{"a": rng.getrandbits(n), "b": rng.getrandbits(n), "cin": rng.getrandbits(1)}
               for _ in range(301)]
    check, theirs = _agree(circuit, delays, vectors, tmp_path)
    assert check["agree"], check["first"]
    transport = [[(e.time, e.net, e.new) for e in
                  simulate_transition(circuit, u, v, delays, "transport").events]
                 for u, v in zip(vectors, vectors[1:])]
    assert not compare(transport, theirs, vectors)["agree"], "no pulse was swallowed"


@needs_iverilog
@pytest.mark.parametrize("delays", [
    Delays(per_kind={"AND": 0, "XOR": 2}),                   # zero-delay gates: delta rounds
    Delays(per_kind={"XOR": 0.2, "AND": 0.1, "OR": 0.15}),   # decimals, reported as floats
], ids=["zero", "decimal"])
def test_zero_and_decimal_delays_agree(tmp_path, delays):
    n = 6
    rng = random.Random(7)
    vectors = [{"a": rng.getrandbits(n), "b": rng.getrandbits(n), "cin": rng.getrandbits(1)}
               for _ in range(101)]
    check, _ = _agree(build("carry-skip", n), delays, vectors, tmp_path)
    assert check["agree"], check["first"]


@needs_iverilog
def test_replays_of_a_closed_sequence_repeat_its_events(tmp_path):
    """The benchmark's Icarus runs replay the sequence R times and count R times the
    events: each replay starts from the same settled state, so it shows the same ones."""
    vectors = bench_timing.transitions(5, "random", 30, seed=3)
    circuit = build("kogge-stone", 5)
    ours = carrylab_events(circuit, XOR2, vectors)
    peer = IcarusTiming(circuit, XOR2, vectors, tmp_path)
    thrice = peer.events(reps=3)
    assert all(Counter(t) == Counter({e: 3 * k for e, k in Counter(o).items()})
               for o, t in zip(ours, thrice))
    with pytest.raises(ValueError, match="closed sequence"):
        IcarusTiming(circuit, XOR2, vectors[:-1], tmp_path / "open").run(reps=2)


def test_compare_names_the_first_difference():
    vectors = [{"a": 0, "b": 0, "cin": 0}, {"a": 3, "b": 1, "cin": 0}, {"a": 0, "b": 0, "cin": 0}]
    ours = carrylab_events(build("ripple", 2), XOR2, vectors)
    assert compare(ours, ours, vectors) == {"agree": True, "transitions": 2,
                                            "events": sum(map(len, ours)), "differ": 0,
                                            "first": None}
    late = [list(ours[0]), [(t + 1 if k == 0 else t, net, v)
                            for k, (t, net, v) in enumerate(ours[1])]]
    check = compare(ours, late, vectors)
    assert not check["agree"] and check["differ"] == 1
    assert check["first"].startswith("transition 1 (a=0x3 b=0x1 cin=0x0 -> a=0x0")
    # the same events in another order within a transition still agree
    shuffled = [list(reversed(x)) for x in ours]
    assert compare(ours, shuffled, vectors)["agree"]
    assert not compare(ours, ours[:1], vectors)["agree"]


def test_read_vcd_pads_vectors_and_reads_the_timescale():
    text = """$date today $end
$timescale 1ps $end
$scope module dut $end
$var wire 4 ! a [3:0] $end
$var wire 1 " g0 $end
$var wire 1 " alias $end
$upscope $end
$enddefinitions $end
#0
$dumpvars
b1 !
x"
$end
#1500
b10 !
1"
#2000
bx1 !
"""
    seconds, variables, changes = read_vcd(text)
    assert seconds == Fraction(1, 10**12)
    assert variables == {"!": [("a", 4)], '"': [("g0", 1), ("alias", 1)]}
    assert changes == [(0, "!", "0001"), (0, '"', "x"), (1500, "!", "0010"),
                       (1500, '"', "1"), (2000, "!", "xxx1")]


def test_transitions_of_the_benchmark():
    worst = bench_timing.transitions(4, "worst", 3)
    assert worst == [{"a": 0, "b": 0, "cin": 0}, {"a": 15, "b": 1, "cin": 0}] * 2
    rand = bench_timing.transitions(4, "random", 6, seed=1)
    assert len(rand) == 7 and rand == bench_timing.transitions(4, "random", 6, seed=1)
    assert rand[-1] == rand[0] and len({tuple(v.values()) for v in rand}) > 3   # closed
    assert all(0 <= v["a"] < 16 and 0 <= v["b"] < 16 and v["cin"] in (0, 1) for v in rand)
    with pytest.raises(ValueError, match="kind must be"):
        bench_timing.transitions(4, "best", 3)


def test_a_disagreement_is_reported_loudly_in_the_markdown():
    row = {"case": "ripple 4, random", "transitions": 3, "events": 40,
           "carrylab k events/s": {"median": 200, "min": 100, "max": 300, "runs": 3},
           "Icarus k events/s (net of start-up)": "dropped", "Icarus start-up ms": "-",
           "Icarus / carrylab": "-", "agreement": "DISAGREE (1 of 3)"}
    result = {"mode": "quick", "runs": 3, "one transition (median of runs after a warm-up)": [],
              "beside Icarus Verilog (inertial delay, XOR 2 gd, other gates 1 gd)": [row],
              "sequence": "3 transitions per case", "target": "none measured",
              "disagreements": ["ripple 4, random: Icarus DISAGREES with carrylab"],
              "agreement target": bench_timing.agreement_line([row])}
    assert result["agreement target"].endswith("0 of 1 agree, MISSED")
    text = bench_timing.markdown(result)
    assert "| ripple 4, random | 3 | 40 | 200 (100 - 300) | dropped |" in text
    assert "**DISAGREEMENTS** (times dropped)" in text and "Icarus DISAGREES" in text


def test_events_counted_by_icarus_equal_ours_in_number(tmp_path):
    """The benchmark's Icarus rate uses carrylab's event count; it is Icarus's own
    count too when the two agree (here: a worst-case transition there and back)."""
    if available() is not None:
        pytest.skip(f"{available()}; it runs the exported Verilog as the reference simulator")
    vectors = bench_timing.transitions(8, "worst", 2)
    circuit = build("kogge-stone", 8)
    check, theirs = _agree(circuit, XOR2, vectors, tmp_path)
    assert check["agree"], check["first"]
    assert [len(x) for x in theirs] == [len(t.events) for t in (
        simulate_transition(circuit, u, v, XOR2, "inertial") for u, v in zip(vectors, vectors[1:]))]
    assert Counter(net for x in theirs for _, net, _ in x)["a0"] == 2   # a0 up, then down


@needs_iverilog
def test_the_benchmark_times_only_what_agrees(tmp_path, monkeypatch, capsys):
    """``beside_icarus`` on small cases: an agreeing case gets both rates; when carrylab's
    events are made wrong the case is reported loudly and Icarus's times are dropped."""
    monkeypatch.setattr(bench_timing, "CASES", (("ripple", 4),))
    monkeypatch.setattr(bench_timing, "_SEQUENCE", {True: (6, 1, 2)})
    rows, disagreements = bench_timing.beside_icarus(True, tmp_path / "good")
    assert disagreements == [] and [r["agreement"][:5] for r in rows] == ["agree"] * 2
    assert all(isinstance(r["carrylab k events/s"], dict) for r in rows)
    assert bench_timing.agreement_line(rows).endswith("2 of 2 agree, met")

    real = bench_timing.icarus_timing.carrylab_events

    def late(circuit, delays, vectors):                  # one event one unit too late
        events = real(circuit, delays, vectors)
        t, net, v = events[2][0]
        events[2][0] = (t + 1, net, v)
        return events

    monkeypatch.setattr(bench_timing.icarus_timing, "carrylab_events", late)
    rows, disagreements = bench_timing.beside_icarus(True, tmp_path / "bad")
    assert len(disagreements) == 2 and "transition 2" in disagreements[0]
    assert all(r["Icarus k events/s (net of start-up)"] == "dropped" for r in rows)
    assert all(r["agreement"] == "DISAGREE (1 of 6)" for r in rows)
    assert "DISAGREEMENT" in capsys.readouterr().err
