"""Exercises of notebook 01: half and full adders, a ripple adder gate by gate, when it
settles and where it glitches."""
from __future__ import annotations

import itertools
from functools import lru_cache

from .judging import Problem, as_int, as_pair, call, own_work, student_function
from .registry import Exercise, register

__all__ = []


def _judge_full_adder(fn, params):
    if (why := own_work(fn, allowed_operators=("^", "&", "|"))) is not None:
        return why
    for a, b, cin in itertools.product((0, 1), repeat=3):
        s, cout = as_pair(call(fn, a, b, cin), f"full_adder({a}, {b}, {cin})")
        got = (as_int(s, "s"), as_int(cout, "cout"))
        want = (a ^ b ^ cin, (a & b) | ((a ^ b) & cin))
        if got != want:
            wrong = "s" if got[0] != want[0] else "cout"
            return (f"full_adder(a={a}, b={b}, cin={cin}) returned (s, cout) = {got}; expected "
                    f"{want}, since {a} + {b} + {cin} = {a + b + cin} is binary {want[1]}{want[0]} "
                    f"(cout is the 2s digit, s the 1s digit). {wrong} is off.")
    return None


register(Exercise(
    "01.full_adder", "A full adder from Python bit operators", _judge_full_adder,
    "all 8 input combinations give the right (s, cout).",
    ("write the truth table of a + b + cin for the 8 inputs: s is the 1s digit, cout the 2s.",
     "s is 1 when an odd number of the three inputs is 1: which operator tells odd from even?",
     "cout is 1 when at least two inputs are 1: both a and b, or exactly one of them and cin."),
    student_function("def full_adder(a, b, cin):\n"
                     "    return a ^ b ^ cin, (a & b) | ((a ^ b) & cin)", "full_adder"),
    student_function("def full_adder(a, b, cin):\n    return a ^ b ^ cin, a & b", "full_adder"),
    shortcuts=(
        lambda: student_function("def full_adder(a, b, cin):\n"
                                 "    return (a + b + cin) % 2, (a + b + cin) // 2", "full_adder"),
        lambda: student_function(
            "def full_adder(a, b, cin):\n"
            "    r = adders.full_adder().evaluate(a=a, b=b, cin=cin)\n"
            "    return r['s'], r['cout']", "full_adder", adders=__import__("adders")),
    )))


def built_circuit(fn, name: str, inputs: dict, outputs: dict):
    """The validated circuit ``fn()`` builds with only ``Circuit`` from carrylab, with
    exactly these input and output buses (name: width), or raise Problem saying why not."""
    from adders import Circuit
    if isinstance(fn, Circuit):
        raise Problem(f"pass the function {name} itself, not the circuit it returns: the "
                      f"checker reads how your function builds the circuit")
    if (why := own_work(fn, allowed_library=("Circuit",))) is not None:
        raise Problem(why)
    circuit = call(fn, name=name)
    if not isinstance(circuit, Circuit):
        raise Problem(f"{name}() should return an adders.Circuit, got {type(circuit).__name__}")
    try:
        circuit.validate()
    except Exception as err:                       # a NetlistError names the nets involved
        raise Problem(f"the circuit is not complete yet: {err}") from None
    want_w = {**inputs, **outputs}
    widths = {}
    for bus in want_w:
        try:
            widths[bus] = circuit.width(bus)
        except Exception:
            raise Problem(f"the circuit has no bus {bus!r}: it needs the inputs "
                          f"{_spell(inputs)} (add_input) and the outputs {_spell(outputs)} "
                          f"(set_output)") from None
    if widths != want_w:
        raise Problem(f"bus widths are {widths}; expected {want_w}")
    return circuit


def evaluate(circuit, **operands) -> dict:
    """``circuit.evaluate(**operands)`` in plain Python, gate by gate in level order (a
    few circuits of a few gates: no compiled simulator to load)."""
    from adders.gates import truth
    val = {}
    for bus, nets in circuit.inputs.items():
        value = operands.get(bus, circuit.input_defaults.get(bus, 0))
        val.update((net, (value >> i) & 1) for i, net in enumerate(nets))
    for net in circuit.gates():
        node = circuit.graph.nodes[net]
        val[net] = truth(node["kind"], [val[x] for x in node["inputs"]])
    return {bus: sum(val[net] << i for i, net in enumerate(nets))
            for bus, nets in circuit.outputs.items()}


def _spell(buses: dict) -> str:
    return ", ".join(f"{bus} ({w} bit{'s' if w > 1 else ''})" for bus, w in buses.items())


def adds_correctly(circuit, width: int, cin: bool, max_gates: int, advice: str):
    """None if the circuit adds a + b (+ cin) into s (width bits) and cout for every
    input, in at most ``max_gates`` gates, else a sentence (``advice`` for too many)."""
    names = ("a", "b", "cin") if cin else ("a", "b")
    spans = (range(2**width), range(2**width), range(2))[:len(names)]
    for values in itertools.product(*spans):
        ops = dict(zip(names, values))
        got, total = evaluate(circuit, **ops), sum(values)
        want = {"s": total % 2**width, "cout": total >> width}
        if got != want:
            off = " and ".join(k for k in want if got.get(k) != want[k])
            return (f"for {', '.join(f'{k}={v}' for k, v in ops.items())} your circuit gives "
                    f"{got}; expected {want}, since {' + '.join(map(str, values))} = {total} = "
                    f"{2**width} × cout + s. {off} is off.")
    gates = circuit.stats()["gates"]
    if gates > max_gates:
        return f"it adds correctly, but uses {gates} gates; {advice}"
    return None


def _judge_half_adder(fn, params):
    circuit = built_circuit(fn, "make_half_adder", {"a": 1, "b": 1}, {"s": 1, "cout": 1})
    return adds_correctly(circuit, 1, False, 2, "a half adder needs only 2, one for each output.")


_CIRCUIT = __import__("adders").Circuit


def _half_adder_maker(sum_kind: str):
    """A student's make_half_adder whose sum bit is a gate of ``sum_kind``."""
    return student_function(
        "def make_half_adder():\n"
        "    c = Circuit('my_half_adder')\n"
        "    a, b = c.add_input('a', 1)[0], c.add_input('b', 1)[0]\n"
        f"    c.set_output('s', [c.add_gate('{sum_kind}', [a, b], 'sum')])\n"
        "    c.set_output('cout', [c.add_gate('AND', [a, b], 'carry')])\n"
        "    return c", "make_half_adder", Circuit=_CIRCUIT)

register(Exercise(
    "01.half_adder", "A half adder as a Circuit", _judge_half_adder,
    "all 4 inputs give the right (s, cout) with 2 gates.",
    ("declare the inputs with add_input, add one gate per output with add_gate, and name "
     "the outputs with set_output.",
     "s is 1 when exactly one of a, b is 1; cout when both are: look at the gate table "
     "above for the kinds that do that.",
     "add_gate(kind, [net, net], new_net) returns new_net; set_output('s', [that net]) "
     "makes it the output bus s."),
    _half_adder_maker("XOR"),
    _half_adder_maker("OR"),                       # OR is 1 for 1 + 1 too
    shortcuts=(
        lambda: student_function("def make_half_adder():\n    return half_adder()",
                                 "make_half_adder", half_adder=__import__("adders").half_adder),
        lambda: __import__("adders").half_adder,
        lambda: __import__("adders").half_adder(),
    )))


def _judge_ripple4(fn, params):
    circuit = built_circuit(fn, "make_ripple4", {"a": 4, "b": 4, "cin": 1}, {"s": 4, "cout": 1})
    return adds_correctly(circuit, 4, True, 20, "a ripple-carry adder needs only 5 per bit "
                                                "(20). Reuse p = a ^ b for both the sum and "
                                                "the carry.")


register(Exercise(
    "01.ripple4", "A 4-bit ripple-carry adder gate by gate", _judge_ripple4,
    "all 512 inputs add correctly with at most 20 gates.",
    ("one full adder per bit, the carry out of bit i wired to the carry in of bit i + 1; "
     "bit 0's carry in is cin.",
     "per bit: p = XOR(a_i, b_i) and g = AND(a_i, b_i); the sum is XOR(p, carry in).",
     "the carry out is OR(g, AND(p, carry in)); keep its net name in a variable for the "
     "next bit, and finish with set_output('s', [...]) and set_output('cout', [...])."),
    student_function(
        "def make_ripple4():\n"
        "    c = Circuit('my_ripple4')\n"
        "    a, b = c.add_input('a', 4), c.add_input('b', 4)\n"
        "    carry = c.add_input('cin', 1)[0]\n"
        "    for i in range(4):\n"
        "        c.add_gate('XOR', [a[i], b[i]], f'p{i}')\n"
        "        c.add_gate('AND', [a[i], b[i]], f'g{i}')\n"
        "        c.add_gate('XOR', [f'p{i}', carry], f's{i}')\n"
        "        c.add_gate('AND', [f'p{i}', carry], f't{i}')\n"
        "        carry = c.add_gate('OR', [f'g{i}', f't{i}'], f'c{i + 1}')\n"
        "    c.set_output('s', [f's{i}' for i in range(4)])\n"
        "    c.set_output('cout', [carry])\n"
        "    return c", "make_ripple4", Circuit=_CIRCUIT),
    student_function(
        "def make_ripple4():\n"
        "    c = Circuit('no_carry')\n"
        "    a, b = c.add_input('a', 4), c.add_input('b', 4)\n"
        "    c.add_input('cin', 1)\n"
        "    for i in range(4):\n"
        "        c.add_gate('XOR', [a[i], b[i]], f's{i}')\n"
        "    c.add_gate('AND', [a[3], b[3]], 'cout')\n"
        "    c.set_output('s', [f's{i}' for i in range(4)])\n"
        "    c.set_output('cout', ['cout'])\n"
        "    return c", "make_ripple4", Circuit=_CIRCUIT),
    shortcuts=(
        lambda: student_function("def make_ripple4():\n    return ripple_carry(4)", "make_ripple4",
                                 ripple_carry=__import__("adders").ripple_carry),
        lambda: student_function("def make_ripple4():\n    return adders.build('ripple', 4)",
                                 "make_ripple4", adders=__import__("adders")),
        lambda: __import__("adders").ripple_carry(4),
    )))


@lru_cache(maxsize=None)
def ripple_settle_cout(n: int) -> int:
    """When cout settles as an n-bit ripple adder switches from 0 + 0 to (2^n - 1) + 1,
    by event-driven simulation (unit gate delays)."""
    from adders import ripple_carry, simulate_transition
    trace = simulate_transition(ripple_carry(n), {"a": 0, "b": 0, "cin": 0},
                                {"a": (1 << n) - 1, "b": 1, "cin": 0})
    return trace.settle("cout")[0]


def _judge_settle(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    for n in (4, 1, 2, 3, 5, 8, 13, 16):
        got = as_int(call(fn, n), f"settle_cout({n})")
        want = ripple_settle_cout(n)
        if got != want:
            if got == 2 * n + 1:
                why = (" That is the adder's depth, the longest path from any input; in this "
                       "transition not every input on that path changes (look at p0 = a0 ^ b0 "
                       "before and after).")
            elif got < want:
                why = " Too early: some gate on the carry's way has not reacted yet then."
            else:
                why = " Too late: count only the gates the changing carry passes through."
            return (f"settle_cout({n}) returned {got}; the event-driven simulation sees cout "
                    f"settle at a different time for n = {n}.{why}")
    return None


register(Exercise(
    "01.settle_time", "When cout settles", _judge_settle,
    "your rule matches the event-driven simulation for every width tried.",
    ("step through the 4-bit transition above with the slider and write down when each "
     "carry c1, c2, c3, c4 takes its final value.",
     "bit 0 generates (1 + 1): g0 rises after one gate delay, and c1 = g0 | t0 one later. "
     "Every higher bit only passes the carry on.",
     "passing the carry on through one bit costs an AND (t = p & c) and an OR (c' = g | t). "
     "How many such bits are there above bit 0?"),
    student_function("def settle_cout(n):\n    return 2 * n", "settle_cout"),
    student_function("def settle_cout(n):\n    return 2 * n + 1", "settle_cout"),
    shortcuts=(
        lambda: student_function(
            "def settle_cout(n):\n"
            "    t = simulate_transition(ripple_carry(n), {'a': 0, 'b': 0},\n"
            "                            {'a': 2**n - 1, 'b': 1})\n"
            "    return t.settle('cout')[0]", "settle_cout",
            simulate_transition=__import__("adders").simulate_transition,
            ripple_carry=__import__("adders").ripple_carry),
        lambda: student_function("def settle_cout(n):\n    return 8", "settle_cout"),
    )))


@lru_cache(maxsize=None)
def _ripple(n: int):
    from adders import ripple_carry
    return ripple_carry(n)


@lru_cache(maxsize=None)
def sum_glitch_bits(a: int, b: int, n: int) -> tuple[str, ...]:
    """The sum nets that glitch (with repeats, one per pulse) as an n-bit ripple adder
    switches from 0 + 0 to a + b, by event-driven simulation (unit delays)."""
    from adders import simulate_transition
    circuit = _ripple(n)
    trace = simulate_transition(circuit, {"a": 0, "b": 0, "cin": 0}, {"a": a, "b": b, "cin": 0})
    pulses = trace.glitches
    return tuple(net for net in circuit.outputs["s"] for _ in range(pulses.get(net, 0)))


def _glitch_cases():
    import random
    yield from [(255, 1, 8), (15, 1, 4), (5, 3, 4), (6, 0, 4), (7, 7, 4)]
    for n in range(1, 5):
        for a, b in itertools.product(range(2**n), repeat=2):
            yield a, b, n
    rng = random.Random(2)
    for n in (12, 32):
        for _ in range(3):
            yield rng.getrandbits(n), rng.getrandbits(n), n


def _judge_glitches(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    for a, b, n in _glitch_cases():
        got = as_int(call(fn, a, b, n), f"sum_glitches({a}, {b}, {n})")
        nets = sum_glitch_bits(a, b, n)
        if got != len(nets):
            where = (f"glitches on {', '.join(nets[:6])}{' ...' if len(nets) > 6 else ''}"
                     if nets else "no glitch on any sum bit")
            return (f"sum_glitches(a={a}, b={b}, n={n}) returned {got}; expected {len(nets)}: "
                    f"the event-driven simulation of 0 + 0 → {a} + {b} shows {where}.")
    return None


register(Exercise(
    "01.sum_glitches", "Which sum bits glitch", _judge_glitches,
    "your count matches the event-driven simulation for every transition tried.",
    ("s_i = p_i XOR c_i reacts twice only if both of its inputs change, at different times.",
     "p_i changes (to 1) early, at t = 1, when exactly one of a_i, b_i is 1; the carry c_i "
     "arrives later, if it comes at all. What does s_i show in between?",
     "walk the bits from bit 0, keeping the carry as in 00.ripple_carries, and count the "
     "bits where s_i first goes to 1 and a carry later turns it back to 0."),
    student_function("def sum_glitches(a, b, n):\n"
                     "    count, c = 0, 0\n"
                     "    for i in range(n):\n"
                     "        ai, bi = (a >> i) & 1, (b >> i) & 1\n"
                     "        count += (ai ^ bi) & c\n"
                     "        c = (ai & bi) | ((ai ^ bi) & c)\n"
                     "    return count", "sum_glitches"),
    student_function("def sum_glitches(a, b, n):\n    return n - 1", "sum_glitches"),
    shortcuts=(
        lambda: student_function(
            "def sum_glitches(a, b, n):\n"
            "    t = simulate_transition(ripple_carry(n), {'a': 0, 'b': 0}, {'a': a, 'b': b})\n"
            "    return sum(k for net, k in t.glitches.items() if net.startswith('s'))",
            "sum_glitches", simulate_transition=__import__("adders").simulate_transition,
            ripple_carry=__import__("adders").ripple_carry),
        lambda: student_function("def sum_glitches(a, b, n):\n    return 7", "sum_glitches"),
    )))
