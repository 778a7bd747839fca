"""Exercises of notebook 00, the tour: numbers as bits, the carry chain as a loop, the sum
bits from the carries, and how far a carry must travel."""
from __future__ import annotations

import itertools

from .judging import Problem, as_bits, as_int, call, own_work, student_function
from .registry import Exercise, register

__all__ = []


def bits_of(x: int, n: int) -> list[int]:
    """The n bits of x, LSB first (the checker's reference)."""
    return [(x >> i) & 1 for i in range(n)]


def ripple_carries(a_bits, b_bits) -> list[int]:
    """c[0] = 0, then the carry out of every bit (the checker's reference)."""
    c = [0]
    for a, b in zip(a_bits, b_bits):
        c.append((a & b) | ((a ^ b) & c[-1]))
    return c


def bit_list(value, what: str, length: int, meaning: str) -> list[int]:
    """:func:`as_bits` of exactly ``length`` entries; a wrong length is explained by what
    the entries mean."""
    try:
        return as_bits(value, what, length=length)
    except Problem as err:
        if "entries" in str(err):
            raise Problem(f"{err}: {meaning}") from None
        raise


def _judge_to_bits(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    for x, n in [(6, 4), (1, 3), (0, 2), (13, 4), (255, 8), (5, 6), (2**40 + 3, 42), (1, 1)]:
        got = as_bits(call(fn, x, n), f"to_bits({x}, {n})", length=n)
        want = bits_of(x, n)
        if got != want:
            extra = (" Those are the right bits in the wrong order: bit 0, the LSB, comes first."
                     if got == want[::-1] else "")
            return f"to_bits({x}, {n}) returned {got}; expected {want}.{extra}"
    return None


register(Exercise(
    "00.to_bits", "Numbers to bit lists, LSB first", _judge_to_bits,
    "bits come out LSB first, with the right length.",
    ("bit i of x is 1 when x has 2^i in its binary expansion; Python's >> and & pick it out.",
     "(x >> i) & 1 is bit i; collect it for i = 0, 1, ..., n - 1 in that order.",
     "a list comprehension over range(n) does it in one line; check the order on x = 6, "
     "n = 4: bit 0 is 0, bit 1 is 1."),
    student_function("def to_bits(x, n):\n    return [(x >> i) & 1 for i in range(n)]", "to_bits"),
    student_function("def to_bits(x, n):\n    return [int(c) for c in format(x, f'0{n}b')]",
                     "to_bits"),
    shortcuts=(lambda: student_function(
        "def to_bits(x, n):\n    from rnn.wiring import _to_bits\n    return list(_to_bits(x, n))",
        "to_bits"),)))


def _carry_cases():
    cases = [([1, 1, 0, 1], [1, 0, 1, 0]), ([1, 1, 1, 1], [1, 0, 0, 0]),
             ([0, 0, 0, 0], [0, 0, 0, 0]), ([1, 0], [1, 0]), ([1, 1, 1], [1, 1, 1]), ([1], [1])]
    for n in (3, 5):
        for a, b in itertools.product(range(2**n), repeat=2):
            if (a * 7 + b * 3) % 11 == 0:
                cases.append((bits_of(a, n), bits_of(b, n)))
    return cases


def _judge_carries(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    for a_bits, b_bits in _carry_cases():
        want = ripple_carries(a_bits, b_bits)
        got = bit_list(call(fn, list(a_bits), list(b_bits)), f"carries({a_bits}, {b_bits})",
                       len(want), f"c[0] = 0 (nothing carries into bit 0), then the carry out "
                                  f"of each of the {len(a_bits)} bits")
        if got != want:
            k = next(i for i in range(len(want)) if got[i] != want[i])
            return (f"carries(a_bits={a_bits}, b_bits={b_bits}) returned {got}; expected {want}. "
                    f"The first difference is c[{k}]"
                    + (f", the carry out of bit {k - 1} (a = {a_bits[k - 1]}, b = "
                       f"{b_bits[k - 1]}, carry in c[{k - 1}] = {want[k - 1]})." if k else "."))
    return None


#: A student's right answer to 00.ripple_carries (later references call it, as the
#: notebook's own cells would).
_reference_carries = student_function("def carries(a_bits, b_bits):\n"
                                      "    c = [0]\n"
                                      "    for a, b in zip(a_bits, b_bits):\n"
                                      "        c.append((a & b) | ((a ^ b) & c[-1]))\n"
                                      "    return c", "carries")


register(Exercise(
    "00.ripple_carries", "The carry chain as a loop", _judge_carries,
    "your loop carries exactly like a ripple adder.",
    ("walk the bits from bit 0 up, keeping the carry from the bit before; the list starts "
     "with c[0] = 0.",
     "the carry out of a bit is 1 when at least two of a, b and the incoming carry are 1.",
     "with Python's bit operators: (a & b) | ((a ^ b) & c[-1]); append it and go on."),
    _reference_carries,
    student_function("def carries(a_bits, b_bits):\n"
                     "    return [0] + [x & y for x, y in zip(a_bits, b_bits)]", "carries"),
    shortcuts=(lambda: student_function(
        "def carries(a_bits, b_bits):\n"
        "    import numpy as np, rnn\n"
        "    g = np.array(a_bits) & np.array(b_bits)\n"
        "    p = np.array(a_bits) ^ np.array(b_bits)\n"
        "    return [0] + list(rnn.carry_scan(rnn.EXACT_NETWORKS['kogge-stone'](len(g)), g, p))",
        "carries"),)))


def _sum_cases():
    """(a, b, n): every pair up to 4 bits, then long carries and random wide numbers."""
    import random
    for n in range(1, 5):
        for a, b in itertools.product(range(2**n), repeat=2):
            yield a, b, n
    rng = random.Random(0)
    yield 2**64 - 1, 12345, 64
    for n in (16, 64):
        for _ in range(3):
            yield rng.getrandbits(n), rng.getrandbits(n), n


def _show(bits) -> str:
    return str(bits) if len(bits) <= 9 else f"{len(bits)} bits"


def judge_sum_bits(fn, name: str, **rules):
    """None if ``fn(a_bits, b_bits)`` returns the n + 1 bits of a + b (sum bits, then the
    carry out) for every case, else one sentence; ``rules`` go to :func:`own_work`.
    Notebook 00 asks for it with bit operators, notebook 03 with threshold units."""
    if (why := own_work(fn, **rules)) is not None:
        return why
    for a, b, n in _sum_cases():
        ab, bb = bits_of(a, n), bits_of(b, n)
        call_text = f"{name}(a_bits={_show(ab)}, b_bits={_show(bb)})"
        sums = "the sum bit s_0" if n == 1 else f"the {n} sum bits s_0 ... s_{n - 1}"
        got = bit_list(call(fn, list(ab), list(bb), name=name), call_text, n + 1,
                       f"{sums}, then the carry out as bit {n}")
        want = bits_of(a + b, n + 1)
        if got != want:
            k = next(i for i in range(n + 1) if got[i] != want[i])
            c = ripple_carries(ab, bb)
            where = ("the carry out (bit n)" if k == n else
                     f"s_{k} (a_{k} = {ab[k]}, b_{k} = {bb[k]}, carry in c_{k} = {c[k]})")
            shown = f"returned {got}; expected {want}," if n <= 8 else "expected"
            return (f"{call_text}, that is a = {a}, b = {b}: {shown} the bits of a + b = "
                    f"{a + b}. The first wrong bit is {where}: you gave {got[k]}.")
    return None


def library_sum_bits(name: str):
    """A student's ``name(a_bits, b_bits)`` that lets carrylab's serial-adder RNN add."""
    from rnn.wiring import run_serial_adder
    return student_function(f"def {name}(a_bits, b_bits):\n"
                            "    s, cout = run_serial_adder(a_bits, b_bits)\n"
                            "    return list(s) + [cout]", name, run_serial_adder=run_serial_adder)


register(Exercise(
    "00.add_bits", "The sum bits from the carries", lambda fn, params: judge_sum_bits(fn, "add_bits"),
    "every sum bit and the carry out are right.",
    ("bit i of the sum needs three bits: a_i, b_i and the carry c_i coming into position i.",
     "s_i is 1 when an odd number of a_i, b_i, c_i is 1; your carries() gives every c_i.",
     "zip the bits with the carries for s_0 ... s_(n-1), then append the last carry, c_n."),
    student_function("def add_bits(a_bits, b_bits):\n"
                     "    c = carries(a_bits, b_bits)\n"
                     "    s = [a ^ b ^ ci for a, b, ci in zip(a_bits, b_bits, c)]\n"
                     "    return s + [c[-1]]", "add_bits",
                     carries=_reference_carries),
    student_function("def add_bits(a_bits, b_bits):\n"
                     "    c = carries(a_bits, b_bits)\n"
                     "    return [a ^ b for a, b in zip(a_bits, b_bits)] + [c[-1]]", "add_bits",
                     carries=_reference_carries),
    shortcuts=(
        lambda: library_sum_bits("add_bits"),
        lambda: student_function(
            "def add_bits(a_bits, b_bits):\n"
            "    import adders\n"
            "    n = len(a_bits)\n"
            "    r = adders.build('ripple', n).evaluate(a=int(''.join(map(str, a_bits[::-1])), 2),\n"
            "                                           b=int(''.join(map(str, b_bits[::-1])), 2))\n"
            "    return [(r['s'] >> i) & 1 for i in range(n)] + [r['cout']]", "add_bits"),
    )))


def chain_lengths(a_bits, b_bits) -> list[int]:
    """For t = 1..n, how many bits the carry into bit t waits on: t - j, with j the nearest
    bit below t that does not propagate (a_j == b_j), or j = -1 (the carry in) if none."""
    lengths, run = [], 0
    for a, b in zip(a_bits, b_bits):
        run = run + 1 if a != b else 0        # propagating bits just below t
        lengths.append(run + 1)                # + the bit (or the carry in) that decides
    return lengths


def _chain_cases():
    import random
    yield 127, 1, 8
    for n in range(1, 6):
        for a, b in itertools.product(range(2**n), repeat=2):
            yield a, b, n
    rng = random.Random(1)
    for k in (5, 20, 40):                      # a run of k propagating bits above bit 10
        a = rng.getrandbits(64)
        mask = ((1 << k) - 1) << 11
        yield a, a ^ mask, 64                  # every other bit: a_j == b_j


def _judge_chain(fn, params):
    if (why := own_work(fn)) is not None:
        return why
    for a, b, n in _chain_cases():
        ab, bb = bits_of(a, n), bits_of(b, n)
        lengths = chain_lengths(ab, bb)
        want = max(lengths)
        call_text = f"longest_chain(a_bits={_show(ab)}, b_bits={_show(bb)})"
        got = as_int(call(fn, list(ab), list(bb), name="longest_chain"), call_text)
        if got != want:
            t = lengths.index(want) + 1
            j = t - want
            who = ("the carry in c_0 (every bit below t passes)" if j < 0 else
                   f"bit {j} ({ab[j]} + {bb[j]}: it {'makes' if ab[j] else 'stops'} a carry)")
            return (f"{call_text}, that is a = {a} and b = {b} in {n} bit{'s' if n > 1 else ''}, "
                    f"returned {got}; "
                    f"expected {want}: the carry into bit t = {t} is decided by {who}, so it "
                    f"waits on {want} bit{'s' if want > 1 else ''}.")
    return None


register(Exercise(
    "00.longest_chain", "How far a carry must travel", _judge_chain,
    "your chain lengths match for every pair tried.",
    ("for each t from 1 to n, walk down from bit t - 1 until a bit whose two input bits are "
     "equal; count the bits you walked over, that bit included.",
     "a bit with a_j != b_j only passes a carry on; keep a running count of such bits, reset "
     "to 0 at a bit with a_j == b_j.",
     "the chain of c_t is that running count (after bit t - 1) plus 1, for the bit or the "
     "carry in that decides it; return the largest over t."),
    student_function("def longest_chain(a_bits, b_bits):\n"
                     "    best = run = 0\n"
                     "    for a, b in zip(a_bits, b_bits):\n"
                     "        run = run + 1 if a != b else 0\n"
                     "        best = max(best, run + 1)\n"
                     "    return best", "longest_chain"),
    student_function("def longest_chain(a_bits, b_bits):\n"
                     "    best = run = 0\n"
                     "    for a, b in zip(a_bits, b_bits):\n"
                     "        run = run + 1 if a != b else 0\n"
                     "        best = max(best, run)\n"
                     "    return best", "longest_chain"),
    shortcuts=(
        lambda: __import__("rnn.tasks", fromlist=["x"]).longest_carry_chain,
        lambda: student_function(
            "def longest_chain(a_bits, b_bits):\n"
            "    import numpy as np\n"
            "    from rnn.tasks import longest_carry_chain\n"
            "    return int(longest_carry_chain(np.array([a_bits]), np.array([b_bits]))[0])",
            "longest_chain"),
    )))
