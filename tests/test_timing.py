"""Tests of adders.timing: event-driven transitions, step-through, critical paths.

References: logic simulation (Circuit.simulate), a slow time-stepped transport simulator
kept here (_reference_transport), networkx's longest path, and hand-computed numbers.
"""
import random
from fractions import Fraction

import networkx as nx
import numpy as np
import pytest

from adders import ARCHITECTURES, Circuit, build, gates
from adders.timing import (Delays, Event, Stepper, Trace, critical_path,
                           simulate_transition)

WIDTHS = (4, 8, 16, 32)
TRANSITIONS = 1000          # random transitions per (architecture, width)


def _random_operands(rng, n):
    return {"a": rng.getrandbits(n), "b": rng.getrandbits(n), "cin": rng.getrandbits(1)}


def _logic(circuit, vectors):
    """Outputs of every vector by the bit-parallel logic simulator, as Python ints."""
    ops = {bus: np.array([v[bus] for v in vectors], dtype=np.uint64) for bus in circuit.inputs}
    out = circuit.simulate(**ops)
    return [{bus: int(out[bus][k]) for bus in circuit.outputs} for k in range(len(vectors))]


def _reference_transport(circuit, before, after, delay):
    """Transport delay by its definition, on a time grid: for integer delays,
    out_g(t) = f_g(inputs at t - d_g), with every net at its settled ``before`` value
    for t < 0. Returns the set of events (time, net, old, new)."""
    def settled(ops):
        vals = {}
        for bus, nets in circuit.inputs.items():
            v = ops.get(bus, circuit.input_defaults.get(bus, 0))
            for i, net in enumerate(nets):
                vals[net] = (v >> i) & 1
        for g in circuit.gates():
            node = circuit.graph.nodes[g]
            vals[g] = gates.truth(node["kind"], [vals[i] for i in node["inputs"]])
        return vals

    start, goal = settled(before), settled(after)
    horizon = sum(delay.values()) + 1
    wave = {}                                   # net -> list over t = 0..horizon
    for bus, nets in circuit.inputs.items():
        for net in nets:
            wave[net] = [goal[net]] * (horizon + 1)
    for g in circuit.gates():
        node = circuit.graph.nodes[g]
        d = delay[g]
        wave[g] = [gates.truth(node["kind"],
                               [wave[i][t - d] if t - d >= 0 else start[i] for i in node["inputs"]])
                   for t in range(horizon + 1)]
    events = set()
    for net, values in wave.items():
        prev = start[net]
        for t, v in enumerate(values):
            if v != prev:
                events.add((t, net, prev, v))
            prev = v
    return events


# ---------------------------------------------------------------------- random transitions
@pytest.mark.parametrize("arch", list(ARCHITECTURES))
@pytest.mark.parametrize("n", WIDTHS)
def test_random_transitions_match_logic_and_static_bound(arch, n):
    circuit = build(arch, n)
    rng = random.Random(f"{arch}-{n}")         # str seeds are stable across runs
    bound = critical_path(circuit)
    arrival = bound.output_arrival(circuit)
    # Chained transitions: each vector is the next one's `before`.
    vectors = [_random_operands(rng, n) for _ in range(TRANSITIONS + 1)]
    expected = _logic(circuit, vectors[1:])
    for k in range(TRANSITIONS):
        mode = "inertial" if k % 4 == 3 else "transport"
        trace = simulate_transition(circuit, vectors[k], vectors[k + 1], mode=mode)
        assert trace.final == expected[k], (vectors[k], vectors[k + 1])
        assert trace.settle_time <= bound.delay
        for bus, bits in trace.settle().items():
            assert all(t <= a for t, a in zip(bits, arrival[bus])), bus


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_transport_events_equal_time_grid_reference(arch):
    """Every event of transport simulation, under random integer delays (zero included),
    equals the time-stepped definition."""
    circuit = build(arch, 6)
    rng = random.Random(7)
    for trial in range(6):
        per_kind = {k: rng.randint(0, 3) for k in gates.KINDS}
        per_kind["AND"] = rng.randint(1, 3)             # keep some delay on every path
        per_gate = {g: rng.randint(1, 4) for g in rng.sample(circuit.gates(), 5)}
        delays = Delays(per_kind=per_kind, per_gate=per_gate)
        table = delays.for_circuit(circuit)
        before, after = _random_operands(rng, 6), _random_operands(rng, 6)
        trace = simulate_transition(circuit, before, after, delays)
        got = {(e.time, e.net, e.old, e.new) for e in trace.events}
        assert len(got) == len(trace.events)
        assert got == _reference_transport(circuit, before, after, table)
        assert trace.settle_time <= critical_path(circuit, delays).delay


# ---------------------------------------------------------------------- ripple by hand
def test_ripple8_worst_carry_chain_by_hand():
    """Ripple-carry 8-bit, (a, b) = (0, 0) -> (255, 1), cin = 0, unit delay.

    At t = 0 a0..a7 and b0 rise. Then, by hand:
      t = 1: g0 = a0 & b0 rises; p0 = a0 ^ b0 stays 0 (both inputs moved together);
             p1..p7 rise (a_i = 1, b_i = 0), g1..g7 stay 0.
      t = 2: c1 = g0 | t0 rises; s1..s7 = p_i ^ c_i rise (p_i = 1, c_i still 0).
      t = 2i + 1: t_i = p_i & c_i rises and s_i falls (c_i arrived at 2i), i = 1..7.
      t = 2i + 2: c_{i+1} = g_i | t_i rises; so c_i rises at 2i and cout = c8 at 16.
    s0 = p0 ^ cin never moves. Each s_i (i >= 1) goes 0 -> 1 -> 0: one glitch pulse,
    settling at 2i + 1 (s7 at 15). The result 256 = (s 0, cout 1) is final at 16.

    The static bound 2n + 1 = 17 is not reached: this carry starts at g0 (level 1), not
    at cin via p0 & cin (level 2). The cin transition below reaches it.
    """
    circuit = build("ripple", 8)
    trace = simulate_transition(circuit, {"a": 0, "b": 0}, {"a": 255, "b": 1})
    assert trace.final == {"s": 0, "cout": 1} == circuit.evaluate(a=255, b=1)
    assert trace.settle("s") == [0, 3, 5, 7, 9, 11, 13, 15]
    assert trace.settle("cout") == [16]
    assert trace.settle_bus == {"s": 15, "cout": 16}
    assert trace.settle_time == 16
    assert trace.glitches == {f"s{i}": 1 for i in range(1, 8)}
    assert all(trace.transitions[f"s{i}"] == 2 for i in range(1, 8))
    for i in range(1, 9):
        assert [(e.time, e.new) for e in trace.events if e.net == f"c{i}"] == [(2 * i, 1)]
    for i in range(1, 8):
        assert [(e.time, e.new) for e in trace.events if e.net == f"s{i}"] == [(2, 1), (2 * i + 1, 0)]
    # 9 inputs + g0 + p1..p7 + c1..c8 + t1..t7 + 2 x 7 sum changes
    assert len(trace.events) == 9 + 1 + 7 + 8 + 7 + 14
    assert [e.time for e in trace.events] == sorted(e.time for e in trace.events)


def test_ripple8_carry_in_path_reaches_2n_plus_1():
    """(a, b, cin) = (0, 0, 0) -> (255, 0, 1): p_i rise at 1, t0 = p0 & cin at 2, c1 at 3,
    and each bit adds 2: c_i at 2i + 1, cout = c8 at 17 = 2n + 1, the static bound.
    s_i = p_i ^ c_i rises at 2 and falls at 2i + 2 (i >= 1); s0 rises at 1, falls at 2."""
    circuit = build("ripple", 8)
    trace = simulate_transition(circuit, {"a": 0, "b": 0, "cin": 0}, {"a": 255, "b": 0, "cin": 1})
    assert trace.final == {"s": 0, "cout": 1}
    assert trace.settle("cout") == [17] == [critical_path(circuit).delay]
    assert trace.settle("s") == [2] + [2 * i + 2 for i in range(1, 8)]
    assert trace.glitches == {f"s{i}": 1 for i in range(8)}


# ---------------------------------------------------------------------- static timing
@pytest.mark.parametrize("arch", list(ARCHITECTURES))
@pytest.mark.parametrize("n", WIDTHS + (1, 5, 13))
def test_unit_delay_critical_path_is_logic_depth(arch, n):
    circuit = build(arch, n)
    cp = critical_path(circuit)
    assert cp.delay == circuit.stats()["depth"]
    assert cp.arrival == circuit.levels()
    # The path is a chain of gates from an input to the reported output bit.
    assert circuit.graph.nodes[cp.path[0]]["kind"] == "INPUT"
    assert cp.path[-1] == circuit.outputs[cp.output[0]][cp.output[1]]
    assert all(circuit.graph.has_edge(u, v) for u, v in zip(cp.path, cp.path[1:]))
    assert len(cp.gates) == cp.delay
    assert all(cp.slack[net] == 0 for net in cp.path)
    assert min(s for s in cp.slack.values() if s is not None) == 0


def _nx_longest(circuit, table):
    """Latest output arrival by networkx: edge u -> v weighs the delay of gate v; a sink
    joined to every output bit, and only its ancestors kept."""
    graph = nx.DiGraph()
    for u, v in circuit.graph.edges():
        graph.add_edge(u, v, w=table[v])
    for nets in circuit.outputs.values():
        for net in nets:
            graph.add_edge(net, "__sink__", w=0)
    keep = nx.ancestors(graph, "__sink__") | {"__sink__"}
    return nx.dag_longest_path_length(graph.subgraph(keep), weight="w")


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_critical_path_matches_networkx_under_random_delays(arch):
    circuit = build(arch, 12)
    rng = random.Random(3)
    for _ in range(3):
        delays = Delays(per_kind={k: rng.randint(1, 9) for k in gates.KINDS},
                        per_gate={g: rng.randint(0, 20) for g in rng.sample(circuit.gates(), 6)})
        cp = critical_path(circuit, delays)
        table = delays.for_circuit(circuit)
        assert cp.delay == _nx_longest(circuit, table)
        assert sum(table[g] for g in cp.gates) == cp.delay


def test_per_kind_xor_delay_moves_the_ripple_critical_path():
    """Ripple-carry 4-bit. Unit delay: a0 -> p0 (1) -> t0 (2) -> c1 (3) -> t1 -> c2 -> t2
    -> c3 -> t3 -> c4 = cout at 9; s3 = p3 ^ c3 at 7 + 1 = 8.

    XOR = 2: p0 at 2, then +1 per gate: c3 at 8, cout = c4 at 10; s3 = c3 + 2 = 10.
    Generally cout = dX + 2n and s[n-1] = 2dX + 2n - 2: a tie when dX = 2, which goes to
    the first output in circuit.outputs order, s.
    XOR = 3: cout at 11, s3 at 9 + 3 = 12: the path now ends in the sum XOR.
    """
    circuit = build("ripple", 4)
    chain = ["a0", "p0", "t0", "c1", "t1", "c2", "t2", "c3"]
    unit = critical_path(circuit)
    assert (unit.delay, unit.path, unit.output) == (9, chain + ["t3", "c4"], ("cout", 0))
    assert unit.output_arrival(circuit) == {"s": [2, 4, 6, 8], "cout": [9]}

    two = critical_path(circuit, Delays(per_kind={"XOR": 2}))
    assert (two.delay, two.path, two.output) == (10, chain + ["s3"], ("s", 3))
    assert two.output_arrival(circuit) == {"s": [4, 6, 8, 10], "cout": [10]}
    assert two.slack["c4"] == 0 and two.slack["t3"] == 0      # the tied path has no slack

    three = critical_path(circuit, Delays(per_kind={"XOR": 3}))
    assert (three.delay, three.path, three.output) == (12, chain + ["s3"], ("s", 3))
    assert three.arrival["c4"] == 11 and three.slack["c4"] == 1

    # A per-gate override wins over the kind: a slow c4 puts cout back on top.
    slow = critical_path(circuit, Delays(per_kind={"XOR": 3}, per_gate={"c4": 5}))
    assert (slow.delay, slow.path[-1]) == (15, "c4")


def test_event_settle_equals_static_bound_on_worst_transition_under_xor2():
    """(0, 0, 0) -> (15, 0, 1) on the 4-bit ripple with XOR = 2 exercises the critical
    path: p_i rise at 2, t0 at 3, c1 at 4, ..., c_i at 2i + 2, cout at 10, s3 at 10."""
    circuit = build("ripple", 4)
    delays = Delays(per_kind={"XOR": 2})
    trace = simulate_transition(circuit, {"a": 0, "b": 0, "cin": 0}, {"a": 15, "b": 0, "cin": 1}, delays)
    assert trace.settle("cout") == [10]
    assert trace.settle("s")[3] == 10 == critical_path(circuit, delays).delay


# ---------------------------------------------------------------------- inertial
def _hazard(not_delay, and_delay):
    """y = x & ~x through a slow inverter: a static-0 hazard. When x rises at 0, both
    AND inputs are 1 from 0 until the inverter output falls at not_delay."""
    c = Circuit("hazard")
    x = c.add_input("x", 1)
    nx_ = c.add_gate("NOT", x, "nx")
    y = c.add_gate("AND", [x[0], nx_], "y")
    c.set_output("y", [c.add_gate("BUF", [y], "z")])
    return c, Delays(per_gate={"nx": not_delay, "y": and_delay, "z": 1})


def test_inertial_swallows_pulse_shorter_than_gate_delay():
    """NOT delay 2, AND delay 3, BUF delay 1; x: 0 -> 1 at t = 0.
    Transport: y rises at 0 + 3 = 3, falls at 2 + 3 = 5; z follows at 4 and 6.
    Inertial: the AND input pulse lasts 2 < 3, so the rise scheduled for 3 is cancelled
    at t = 2: y and z never move."""
    circuit, delays = _hazard(2, 3)
    transport = simulate_transition(circuit, {"x": 0}, {"x": 1}, delays)
    assert transport.events == [Event(0, "x", 0, 1), Event(2, "nx", 1, 0), Event(3, "y", 0, 1),
                                Event(4, "z", 0, 1), Event(5, "y", 1, 0), Event(6, "z", 1, 0)]
    assert transport.glitches == {"y": 1, "z": 1}
    inertial = simulate_transition(circuit, {"x": 0}, {"x": 1}, delays, mode="inertial")
    assert inertial.events == [Event(0, "x", 0, 1), Event(2, "nx", 1, 0)]
    assert inertial.glitches == {}
    assert inertial.final == transport.final == {"y": 0}


def test_inertial_passes_pulse_as_long_as_gate_delay():
    """AND delay 2 = pulse width 2: the pulse survives (rise at 2, fall at 4), as in
    transport mode; a pulse is swallowed only when strictly shorter."""
    circuit, delays = _hazard(2, 2)
    transport = simulate_transition(circuit, {"x": 0}, {"x": 1}, delays)
    inertial = simulate_transition(circuit, {"x": 0}, {"x": 1}, delays, mode="inertial")
    assert inertial.events == transport.events
    assert [(e.time, e.new) for e in inertial.events if e.net == "y"] == [(2, 1), (4, 0)]


def test_inertial_removes_short_ripple_sum_glitches_under_slow_xor():
    """8-bit ripple, XOR = 3, (0, 0) -> (255, 1). By hand: g0 at 1, c1 at 2; p_i at 3
    (i >= 1); t_i = p_i & c_i at max(3, c_i) + 1, so c2 at 5 and c_i at 2i + 1 (i >= 2).
    s1 = p1 ^ c1 sees c1 at 2 and p1 at 3: an input pulse of 1 gd.
    s_i (i >= 2) sees p_i at 3 and c_i at 2i + 1: a pulse of 2i - 2 gd.
    Transport: every s_i (i >= 1) glitches (s1 high 5..6, s_i high 6..2i + 4).
    Inertial, 3 gd XOR: pulses of 1 (s1) and 2 (s2) are swallowed; s3..s7 still glitch."""
    circuit = build("ripple", 8)
    delays = Delays(per_kind={"XOR": 3})
    before, after = {"a": 0, "b": 0}, {"a": 255, "b": 1}
    transport = simulate_transition(circuit, before, after, delays)
    inertial = simulate_transition(circuit, before, after, delays, mode="inertial")
    assert inertial.final == transport.final == {"s": 0, "cout": 1}
    assert transport.glitches == {f"s{i}": 1 for i in range(1, 8)}
    assert [(e.time, e.new) for e in transport.events if e.net == "s1"] == [(5, 1), (6, 0)]
    assert [(e.time, e.new) for e in transport.events if e.net == "s7"] == [(6, 1), (18, 0)]
    assert inertial.glitches == {f"s{i}": 1 for i in range(3, 8)}
    assert inertial.settle("cout") == transport.settle("cout") == [17]


# ---------------------------------------------------------------------- exact times
def test_integer_delays_give_integer_times():
    trace = simulate_transition(build("sklansky", 8), {"a": 0, "b": 0}, {"a": 255, "b": 1},
                                Delays(per_kind={"XOR": 2}))
    assert all(type(e.time) is int for e in trace.events)


def test_float_delays_do_not_drift():
    """0.1 + 0.2 != 0.3 in floats; here equal paths must still meet at equal times, so a
    float run equals the Fraction run converted to float, event for event."""
    circuit = build("kogge-stone", 8)
    fl = Delays(per_kind={"XOR": 0.3, "AND": 0.1, "OR": 0.2})
    fr = Delays(per_kind={"XOR": Fraction(3, 10), "AND": Fraction(1, 10), "OR": Fraction(2, 10)})
    before, after = {"a": 0, "b": 0}, {"a": 255, "b": 1}
    tf, tq = simulate_transition(circuit, before, after, fl), simulate_transition(circuit, before, after, fr)
    assert all(type(e.time) is float for e in tf.events)
    assert all(isinstance(e.time, (Fraction, int)) for e in tq.events)
    assert [(e.time, e.net, e.new) for e in tf.events] == \
        [(float(e.time), e.net, e.new) for e in tq.events]
    assert critical_path(circuit, fl).delay == float(critical_path(circuit, fr).delay)
    # p0 (0.3) then t0, c1 via the OR: 0.3 + 0.1 + 0.2 exactly 0.6, not 0.6000000000000001
    assert critical_path(build("ripple", 1), fl).arrival["c1"] == 0.6


def test_zero_delay_gates_use_delta_rounds():
    """All-zero delays: everything happens at t = 0, in topological rounds; the final
    values are still the logic values."""
    circuit = build("brent-kung", 8)
    trace = simulate_transition(circuit, {"a": 3, "b": 9}, {"a": 250, "b": 7},
                                Delays(default=0))
    assert {e.time for e in trace.events} == {0}
    assert trace.final == circuit.evaluate(a=250, b=7)


# ---------------------------------------------------------------------- stepper
def test_stepper_walks_forward_and_back():
    circuit = build("ripple", 8)
    trace = simulate_transition(circuit, {"a": 0, "b": 0}, {"a": 255, "b": 1})
    st = Stepper(trace)
    assert st.time is None and st.state == trace.initial
    assert st.at(-1) == trace.initial
    states = [dict(st.state)]
    times = []
    while not st.done:
        changed = st.step()
        times.append(st.time)
        assert changed == list(dict.fromkeys(e.net for e in trace.events if e.time == st.time))
        assert st.state == st.at(st.time)
        states.append(dict(st.state))
    assert times == list(range(17))
    assert st.state == trace.final_nets == st.at(10 ** 6)
    assert st.step() == [] and st.time == 16
    assert st.at(1)["s5"] == 0 and st.at(2)["s5"] == 1 and st.at(10)["s5"] == 1 and st.at(11)["s5"] == 0
    assert st.at(Fraction(5, 2)) == st.at(2)
    for k in range(len(states) - 1, 0, -1):
        assert st.state == states[k]
        st.back()
    assert st.state == states[0] and st.time is None
    assert st.back() == []
    st.step(), st.step()
    st.reset()
    assert st.time is None and st.state == trace.initial


def test_trace_waveforms_and_repr():
    trace = simulate_transition(build("ripple", 2), {"a": 0, "b": 0}, {"a": 3, "b": 1})
    wave = trace.waveforms
    assert wave["s1"] == [(None, 0), (2, 1), (3, 0)]
    assert wave["cin"] == [(None, 0)]
    assert "ripple_carry_2" in repr(trace) and "settles at 4" in repr(trace)
    assert "glitches: s1 x1" in trace.summary()
    assert isinstance(trace, Trace)


# ---------------------------------------------------------------------- bad input
def test_delays_reject_bad_values():
    with pytest.raises(ValueError, match=r"per_kind\['XOR'\] must be >= 0.*-1"):
        Delays(per_kind={"XOR": -1})
    with pytest.raises(TypeError, match=r"per_kind\['XOR'\] must be a number.*'2'.*str"):
        Delays(per_kind={"XOR": "2"})
    with pytest.raises(TypeError, match=r"per_gate\['c4'\] must be a number.*True"):
        Delays(per_gate={"c4": True})
    with pytest.raises(ValueError, match=r"finite.*nan"):
        Delays(per_kind={"AND": float("nan")})
    with pytest.raises(ValueError, match=r"unknown gate kind 'MUX'.*AND, OR, XOR"):
        Delays(per_kind={"MUX": 1})
    with pytest.raises(ValueError, match=r"unit must be one of \('gd', 'ps'\), got 'ns'"):
        Delays(unit="ns")
    with pytest.raises(ValueError, match=r"default must be >= 0"):
        Delays(default=-0.5)
    with pytest.raises(TypeError, match=r"per_kind must be a mapping"):
        Delays(per_kind=[("XOR", 2)])


def test_unknown_nets_in_delay_table():
    circuit = build("ripple", 4)
    with pytest.raises(ValueError, match=r"per_gate\['c9'\]: 'c9' is not a net of the circuit"):
        critical_path(circuit, Delays(per_gate={"c9": 2}))
    with pytest.raises(ValueError, match=r"per_gate\['a0'\]: 'a0' is an input net, not a gate"):
        simulate_transition(circuit, {"a": 0, "b": 0}, {"a": 1, "b": 0}, Delays(per_gate={"a0": 2}))


def test_bad_transition_arguments():
    circuit = build("ripple", 4)
    with pytest.raises(ValueError, match=r"^before: missing input bus\(es\) \['b'\]"):
        simulate_transition(circuit, {"a": 1}, {"a": 1, "b": 2})
    with pytest.raises(ValueError, match=r"^after: unknown input bus 'x'"):
        simulate_transition(circuit, {"a": 1, "b": 2}, {"a": 1, "b": 2, "x": 0})
    with pytest.raises(ValueError, match=r"^after: operand 'a' = 16 is out of range"):
        simulate_transition(circuit, {"a": 1, "b": 2}, {"a": 16, "b": 2})
    with pytest.raises(TypeError, match=r"^before: operand 'b' must be an int"):
        simulate_transition(circuit, {"a": 1, "b": 2.0}, {"a": 1, "b": 2})
    with pytest.raises(TypeError, match=r"^after must be a dict"):
        simulate_transition(circuit, {"a": 1, "b": 2}, [1, 2])
    with pytest.raises(ValueError, match=r"mode must be one of \('transport', 'inertial'\), got 'fast'"):
        simulate_transition(circuit, {"a": 1, "b": 2}, {"a": 1, "b": 2}, mode="fast")
    with pytest.raises(TypeError, match=r"delays must be a Delays instance.*\{'XOR': 2\}"):
        simulate_transition(circuit, {"a": 1, "b": 2}, {"a": 1, "b": 2}, delays={"XOR": 2})
    with pytest.raises(TypeError, match=r"trace must be a Trace"):
        Stepper("trace")
