"""Challenge 2: the block size of a carry-select adder with the shortest critical path.

The task. A carry-select adder (:func:`adders.build.carry_select`) cuts the n bits into
blocks of ``block`` bits (the last block takes what is left). The first block ripples
from cin; every other block is added twice, once for a carry-in of 0 and once for 1, and
the real block carry picks one sum with a multiplexer. Choose the block size whose static
critical path (:func:`adders.timing.critical_path`) is shortest under the challenge's
gate delays.

Submission format (one JSON object)::

    {"challenge": "select-32", "student": "ada", "block": 6}

* ``block``: the block size, an integer from 1 to n. The builders take one size for
  every block, so that is what the challenge asks for.

What the checker does: builds the adder, computes its critical path, and compares it
with the ripple-carry adder of the same width and with every other block size. The
feedback gives the delay, the gate count against ripple's, and the critical path in
words (how far it ripples, which block carries it crosses, where it ends).

Score: the critical-path delay in gate delays (gd), lower is better; among equal delays
fewer gates rank first. It passes when no block size gives a shorter critical path.
Several block sizes can tie.

Registered: ``select-32`` and ``select-64``, both with XOR = 2 gd and every other gate
1 gd. The delay has two parts that pull the block size opposite ways: the ripple through
the first block grows with the block, the chain of block carries with the number of
blocks.

>>> from carrylab.challenges import check
>>> result = check({"challenge": "select-32", "student": "ada", "block": 2})
>>> print(result.report())
select-32 (ada): NOT PASSED, score 37 gd
  info  block 2: 16 blocks (2 bits each), 325 gates; critical path 37 gd (XOR = 2 gd, other gates 1 gd)
  info  ripple-carry, 32 bits: 66 gd with 160 gates; this adder is 1.78x as fast for 2.03x the gates
  info  critical path a0 -> ... -> s30 (36 gates): ripples through c1-c2, then crosses the block carries c4, c6, c8, c10, c12, c14, c16, c18, c20, c22, c24, c26, c28, c30, then the multiplexer of s30
  FAIL  37 gd is not the shortest critical path at 32 bits: another block size does better. The ripple through the first block grows with the block size; the chain of block carries grows with the number of blocks.

A carry-skip adder would make a poor challenge of this kind: its long ripple path is a
true path (see :func:`adders.build.carry_skip`), so its static critical path never beats
ripple's, whatever the block:

>>> skip = BlockChallenge("skip-16", arch="carry-skip", n=16)
>>> skip.sweep()[1][0], min(delay for delay, _ in skip.sweep().values())
(34, 34)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from adders.checks import check_choice, check_int

from .registry import Challenge, Result, fail, info, ok, read_int

__all__ = ["BlockChallenge"]

_ARCHS = ("carry-select", "carry-skip")


@dataclass(frozen=True)
class BlockChallenge(Challenge):
    """Pick the ``arch`` block size with the shortest critical path at ``n`` bits, XOR
    gates taking ``xor_delay`` gd and every other gate 1 gd."""

    arch: str = "carry-select"
    n: int = 32
    xor_delay: int = 2

    fields = {"block": "the block size, 1 to n (the last block takes what is left)"}
    unit = "gd"
    better = "lower"

    def __post_init__(self):
        check_choice("arch", self.arch, _ARCHS)
        check_int(self.n, "n", 2, 256)
        check_int(self.xor_delay, "xor_delay", 1, 100)

    @property
    def title(self) -> str:
        return (f"{self.n}-bit {self.arch} block size, XOR = {self.xor_delay} gd: shortest "
                f"critical path")

    def goal(self) -> list[str]:
        return [f"Choose the block size of a {self.n}-bit {self.arch} adder (one size for every "
                f"block, 1 to {self.n}).",
                f"Delays: XOR {self.xor_delay} gd, every other gate 1 gd.",
                "Score: the static critical path in gd, lower is better; among equal delays "
                "fewer gates rank first. Passes when no block size does better."]

    def parse(self, submission: dict, mistakes: list):
        return read_int(submission, "block", mistakes, 1, self.n)

    def _delays(self):
        from adders.timing import Delays
        return Delays(per_kind={"XOR": self.xor_delay})

    def sweep(self) -> dict[int, tuple[int, int]]:
        """``{block: (critical-path delay, gates)}`` for every block size 1..n."""
        return _sweep(self.arch, self.n, self.xor_delay)

    def judge(self, block: int, student: str) -> Result:
        from adders import build
        from adders.timing import critical_path
        delays = self._delays()
        circuit = build(self.arch, self.n, block=block)
        path = critical_path(circuit, delays)
        gates = len(circuit.gates())
        ripple = build("ripple", self.n)
        slow = critical_path(ripple, delays).delay
        count, last = -(-self.n // block), self.n % block
        sizes = f"{block} bits each" if not last else f"{block} bits, the last {last}"
        model = f"XOR = {self.xor_delay} gd, other gates 1 gd"
        feedback = [
            info(f"block {block}: {count} block{'s' if count > 1 else ''} ({sizes}), {gates} "
                 f"gates; critical path {path.delay} gd ({model})"),
            info(f"ripple-carry, {self.n} bits: {slow} gd with {len(ripple.gates())} gates; this "
                 f"adder is {slow / path.delay:.2f}x as fast for "
                 f"{gates / len(ripple.gates()):.2f}x the gates"),
            info(f"critical path {describe_path(path.path)}")]
        sweep = self.sweep()
        best = min(delay for delay, _ in sweep.values())
        passed = path.delay == best
        if passed:
            ties = sum(1 for b, (delay, _) in sweep.items() if delay == best and b != block)
            tie = (f"; {ties} other block size{'s' if ties > 1 else ''} give{'s' if ties == 1 else ''}"
                   f" it too, and among equal delays fewer gates rank first" if ties else "")
            feedback.append(ok(f"{path.delay} gd is the shortest critical path any block size "
                               f"gives at {self.n} bits{tie}"))
        else:
            feedback.append(fail(f"{path.delay} gd is not the shortest critical path at "
                                 f"{self.n} bits: another block size does better. {_HINTS[self.arch]}"))
        return self.result(student, passed, path.delay, feedback, key=(path.delay, gates),
                           note=f"block {block}, {gates} gates" if passed else
                           f"block {block}: a shorter critical path exists")


_HINTS = {
    "carry-select": ("The ripple through the first block grows with the block size; the chain "
                     "of block carries grows with the number of blocks."),
    "carry-skip": ("The skip (an OR) hurries a carry that arrives, but the static path still "
                   "ripples through every block."),
}


@lru_cache(maxsize=16)
def _sweep(arch: str, n: int, xor_delay: int) -> dict[int, tuple[int, int]]:
    from adders import build
    from adders.timing import Delays, critical_path
    delays = Delays(per_kind={"XOR": xor_delay})
    out = {}
    for block in range(1, n + 1):
        circuit = build(arch, n, block=block)
        out[block] = (critical_path(circuit, delays).delay, len(circuit.gates()))
    return out


def describe_path(path: list[str]) -> str:
    """A critical path of an adder in words: its ends, its length, how far it ripples,
    which block carries it crosses and where it ends.

    >>> describe_path(["a0", "p0", "t0", "c1", "t1", "c2", "c4_t", "c4", "s5_m0", "s5"])
    'a0 -> ... -> s5 (9 gates): ripples through c1-c2, then crosses the block carries c4, then the multiplexer of s5'
    """
    carries = [int(m.group(1)) for net in path if (m := re.fullmatch(r"c(\d+)", net))]
    parts = []
    if carries:
        run = 1
        while run < len(carries) and carries[run] == carries[run - 1] + 1:
            run += 1
        parts.append(f"ripples through c{carries[0]}-c{carries[run - 1]}" if run > 1
                     else f"reaches c{carries[0]}")
        if carries[run:]:
            parts.append("crosses the block carries " + ", ".join(f"c{c}" for c in carries[run:]))
    chain = [net for net in path if re.fullmatch(r"c\d+_[01]", net)]
    if chain:
        parts.append(f"runs along the speculative chain {chain[0]}-{chain[-1]}")
    end = path[-1]
    muxed = any(re.fullmatch(rf"{end}_m[01]", net) for net in path)
    parts.append(f"the multiplexer of {end}" if muxed else f"ends at {end}")
    return f"{path[0]} -> ... -> {end} ({len(path) - 1} gates): " + ", then ".join(parts)
