"""Adder builders: from the half adder to every parallel-prefix adder, any width n >= 1.

Every n-bit adder has input buses ``a`` and ``b`` (n bits), ``cin`` (1 bit, default 0) and
output buses ``s`` (n bits) and ``cout`` (1 bit). The symbols are the textbook ones:

* ``g[i] = a[i] & b[i]`` (bit i *generates* a carry), ``p[i] = a[i] ^ b[i]`` (it
  *propagates* one), ``s[i] = p[i] ^ c[i]``;
* ``c[i]`` is the carry *into* bit i: ``c[0] = cin``, ``c[i+1] = g[i] | p[i] & c[i]``, and
  ``cout = c[n]``;
* ``G{hi}_{lo}``, ``P{hi}_{lo}``: generate and propagate of the group of bits lo..hi.

Internal nets keep those names (``g3``, ``p3``, ``c4``, ``G7_4``), so a netlist, a
waveform and a schematic all speak the textbook's language.

Unit-delay depth (gate levels, unlimited fan-in), as :meth:`Circuit.stats` measures it:

==================  =========================================================
ripple_carry        cout at 2n + 1
carry_lookahead     4-bit: cout 3, top sum 4; 16-bit: 5 and 8; 64-bit: 7 and 12
prefix_adder        2 x network depth + 3 to the last carry, + 1 for the sum
==================  =========================================================
"""
from __future__ import annotations

from typing import Callable

from . import prefix as _prefix
from .checks import check_int
from .errors import CarrylabTypeError, CarrylabValueError
from .netlist import Circuit, paused_gc
from .prefix import MAX_BITS, PrefixNetwork

__all__ = [
    "half_adder",
    "full_adder",
    "ripple_carry",
    "carry_lookahead",
    "prefix_adder",
    "carry_select",
    "carry_skip",
    "build",
    "ARCHITECTURES",
]


def _check_width(n) -> int:
    """``n`` as an int if 1 <= n <= :data:`adders.prefix.MAX_BITS`, else raise naming it."""
    return check_int(n, "n", 1, MAX_BITS)


class _Gates:
    """The gates of an adder being built, in order, for one :meth:`Circuit.add_gates` at
    the end: the netlist's checks then run once per build, not once per gate.
    :meth:`add_gate` takes what :meth:`Circuit.add_gate` takes, so a helper can be given
    either."""

    __slots__ = ("kinds", "inputs", "outputs")

    def __init__(self):
        self.kinds: list[str] = []
        self.inputs: list = []
        self.outputs: list[str] = []

    def add_gate(self, kind: str, inputs, output: str) -> str:
        """Record a gate of ``kind`` reading ``inputs`` and driving ``output``; return ``output``."""
        self.kinds.append(kind)
        self.inputs.append(inputs)
        self.outputs.append(output)
        return output


def _operands(circuit: Circuit, n: int, with_cin: bool = True):
    """Declare the a, b (n bits) and, optionally, cin (1 bit, default 0) input buses."""
    a = circuit.add_input("a", n)
    b = circuit.add_input("b", n)
    cin = circuit.add_input("cin", 1, default=0)[0] if with_cin else None
    return a, b, cin


def _generate_propagate(gates: _Gates, a, b):
    """g[i] = a[i] & b[i], p[i] = a[i] ^ b[i] for every bit."""
    g = [gates.add_gate("AND", (a[i], b[i]), f"g{i}") for i in range(len(a))]
    p = [gates.add_gate("XOR", (a[i], b[i]), f"p{i}") for i in range(len(a))]
    return g, p


def _ripple(gates: _Gates, g, p, carry: str, bits, t_name=None, c_name=None):
    """Yield the carries ``c[i+1] = g[i] | p[i] & c[i]`` for ``i`` in ``bits`` (ascending),
    starting from ``carry``, the carry into the first of them: per bit one AND (``t_name(i)``,
    default ``t{i}``) and one OR (``c_name(i)``, default ``c{i+1}``).

    A generator: each bit's two gates are added when its carry is taken, so a caller can
    add other gates between bits (a sum bit, a second chain) in the order it needs.
    """
    for i in bits:
        t = gates.add_gate("AND", (p[i], carry), t_name(i) if t_name else f"t{i}")
        carry = gates.add_gate("OR", (g[i], t), c_name(i) if c_name else f"c{i + 1}")
        yield carry


def _sums(circuit: Circuit, gates: _Gates, p, carries):
    """s[i] = p[i] ^ c[i]; adds ``gates`` to ``circuit`` and declares the s and cout
    buses (carries has n + 1 entries)."""
    n = len(p)
    s = [gates.add_gate("XOR", (p[i], carries[i]), f"s{i}") for i in range(n)]
    _finish(circuit, gates, s, carries[n])


def _finish(circuit: Circuit, gates: _Gates, s, cout: str) -> None:
    """Add the recorded ``gates`` to ``circuit`` in one call; declare the s and cout buses."""
    circuit.add_gates(gates.kinds, gates.inputs, gates.outputs)
    circuit.set_output("s", s)
    circuit.set_output("cout", [cout])


def half_adder() -> Circuit:
    """Half adder: s = a ^ b, cout = a & b (no carry-in). Two gates, depth 1."""
    c = Circuit("half_adder")
    a, b, _ = _operands(c, 1, with_cin=False)
    c.set_output("s", [c.add_gate("XOR", a + b, "s0")])
    c.set_output("cout", [c.add_gate("AND", a + b, "cout")])
    return c


def full_adder() -> Circuit:
    """Full adder: s = a ^ b ^ cin, cout = a & b | (a ^ b) & cin. Five gates, depth 3."""
    return ripple_carry(1, name="full_adder")


def ripple_carry(n: int, name: str | None = None) -> Circuit:
    """Ripple-carry adder: a chain of n full adders, ``c[i+1] = g[i] | p[i] & c[i]``.

    5n gates; the carry passes two gate levels per bit, so cout settles at level 2n + 1.
    """
    n = _check_width(n)
    c = Circuit(name or f"ripple_carry_{n}")
    a, b, cin = _operands(c, n)
    gates = _Gates()
    g, p = _generate_propagate(gates, a, b)
    _sums(c, gates, p, [cin, *_ripple(gates, g, p, cin, range(n))])
    return c


def _lookahead(gates: _Gates, gp: list[tuple[str, str]], carry_in: str, names: list[str]):
    """The lookahead equations over groups ``gp`` = [(G0, P0), (G1, P1), ...] (low first):

        C[k] = G[k-1] | P[k-1] G[k-2] | ... | P[k-1]...P[1] G[0] | P[k-1]...P[0] carry_in

    one AND per term and one OR per carry: two gate levels whatever k is. ``names[k-1]``
    names C[k]; returns the nets of C[1..len(names)].
    """
    out = []
    for k, name in enumerate(names, start=1):
        terms = []
        for m in range(k - 1, -2, -1):          # term ending in G[m] (m = -1: carry_in)
            low = gp[m][0] if m >= 0 else carry_in
            props = [gp[q][1] for q in range(k - 1, m, -1)]
            if props:
                terms.append(gates.add_gate("AND", props + [low], f"{name}_t{len(terms)}"))
            else:
                terms.append(low)
        out.append(gates.add_gate("OR", terms, name))
    return out


def carry_lookahead(n: int, block: int = 4) -> Circuit:
    """Carry-lookahead adder as textbooks teach it, with as many levels as n needs.

    Bits are grouped ``block`` at a time; each group's generate and propagate
    (``G = g3 | p3 g2 | p3 p2 g1 | p3 p2 p1 g0``, ``P = p3 p2 p1 p0``) feed the next
    lookahead level, recursively, until at most ``block`` groups remain. Carries then flow
    down: the top lookahead unit computes the carry into each group from cin, every
    group's lookahead unit the carries into its members. No carry ever ripples.

    Depth (unit delay): two levels per lookahead unit on the way up and on the way down.
    """
    n = _check_width(n)
    block = check_int(block, "block", 2)
    c = Circuit(f"carry_lookahead_{n}")
    a, b, cin = _operands(c, n)
    gates = _Gates()
    g, p = _generate_propagate(gates, a, b)

    # A node is a bit (int) or a group: list of child nodes. gp[node] = (G, P) nets.
    nodes = list(range(n))
    gp = {i: (g[i], p[i]) for i in range(n)}
    span = {i: (i, i) for i in range(n)}
    groups = []                                   # every group, bottom level first
    while len(nodes) > block:
        next_level = []
        for k in range(0, len(nodes), block):
            members = nodes[k:k + block]
            if len(members) == 1:
                next_level.append(members[0])
                continue
            node = ("group", len(groups))
            groups.append((node, members))
            lo, hi = span[members[0]][0], span[members[-1]][1]
            span[node] = (lo, hi)
            terms_gp = [gp[m] for m in members]
            G = _group_generate(gates, terms_gp, f"G{hi}_{lo}")
            P = gates.add_gate("AND", [q for _, q in terms_gp], f"P{hi}_{lo}")
            gp[node] = (G, P)
            next_level.append(node)
        nodes = next_level

    carries: dict[int, str] = {0: cin}
    children = dict(groups)

    def descend(members, carry_in):
        lows = [span[m][0] for m in members]
        names = [f"c{low}" for low in lows[1:]]
        if carry_in == cin and members is nodes:
            names.append(f"c{n}")
        outs = _lookahead(gates, [gp[m] for m in members], carry_in, names)
        for low, net in zip(lows[1:] + [n], outs):
            carries[low] = net
        for m, carry in zip(members, [carry_in] + outs):
            if m in children:
                descend(children[m], carry)

    descend(nodes, cin)
    _sums(c, gates, p, [carries[i] for i in range(n + 1)])
    return c


def _group_generate(gates: _Gates, gp, name: str) -> str:
    """G of a group: G[k-1] | P[k-1] G[k-2] | ... | P[k-1]..P[1] G[0] (AND terms, one OR)."""
    k = len(gp)
    terms = [gp[k - 1][0]]
    for m in range(k - 2, -1, -1):
        props = [gp[q][1] for q in range(k - 1, m, -1)]
        terms.append(gates.add_gate("AND", props + [gp[m][0]], f"{name}_t{len(terms)}"))
    return gates.add_gate("OR", terms, name)


def prefix_adder(network: PrefixNetwork, name: str | None = None) -> Circuit:
    """A parallel-prefix adder on any :class:`~adders.prefix.PrefixNetwork`.

    Pre-processing: g, p per bit, and the carry-in folded into bit 0,
    ``c1 = g0 | p0 & cin``. The network then combines (G, P) pairs with the carry
    operator ``(G, P) = (G_hi | P_hi & G_lo, P_hi & P_lo)``: a *black* cell (three gates)
    where the group stays above bit 0, a *grey* cell (G only, two gates) where it reaches
    bit 0, since ``G{i}_0`` is then already the carry ``c{i+1}``. Post-processing:
    ``s[i] = p[i] ^ c[i]``. Depth: 2 x network depth + 3 to the last carry.
    """
    if not isinstance(network, PrefixNetwork):
        raise CarrylabTypeError(f"network must be a PrefixNetwork, got {type(network).__name__}")
    n = network.n
    c = Circuit(name or f"{network.name.replace('-', '_')}_{n}".replace("(", "_").replace(")", "").replace(",", "_"))
    a, b, cin = _operands(c, n)
    gates = _Gates()
    add = gates.add_gate
    g, p = _generate_propagate(gates, a, b)
    t0 = add("AND", (p[0], cin), "t0")
    G = [add("OR", (g[0], t0), "c1")] + g[1:]
    P = p[:]
    lo = list(range(n))
    for level in network.levels:
        newG, newP, newlo = G[:], P[:], lo[:]
        for i, j in level:
            if lo[i] == 0:
                continue                      # already the full prefix: nothing to add
            low = lo[j]
            out = f"c{i + 1}" if low == 0 else f"G{i}_{low}"
            t = add("AND", (P[i], G[j]), f"{out}_t")
            newG[i] = add("OR", (G[i], t), out)
            if low != 0:
                newP[i] = add("AND", (P[i], P[j]), f"P{i}_{low}")
            newlo[i] = low
        G, P, lo = newG, newP, newlo
    _sums(c, gates, p, [cin] + G)
    return c


def carry_select(n: int, block: int = 4) -> Circuit:
    """Carry-select adder: each block of ``block`` bits is added twice, once assuming a
    carry-in of 0 and once of 1, and the real block carry picks one sum (a multiplexer
    of NOT, AND and OR). The first block ripples from cin. The block carries ripple
    through the multiplexers, one AND-OR per block."""
    n = _check_width(n)
    block = check_int(block, "block", 1)
    c = Circuit(f"carry_select_{n}")
    a, b, cin = _operands(c, n)
    gates = _Gates()
    add = gates.add_gate
    g, p = _generate_propagate(gates, a, b)
    carries = [cin]
    s = []
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        C = carries[-1]
        if lo == 0:
            for i, carry in zip(range(lo, hi), _ripple(gates, g, p, C, range(lo, hi))):
                carries.append(carry)
                s.append(add("XOR", (p[i], carries[i]), f"s{i}"))
            continue
        # Two speculative ripple chains: carry-in 0 gives c0_(lo+1) = g[lo]; 1 gives a|b.
        chain = {0: [None], 1: [None]}
        chain[0].append(g[lo])
        chain[1].append(add("OR", (a[lo], b[lo]), f"c{lo + 1}_1"))
        # Advanced together, so the gates of both chains alternate bit by bit.
        for c0, c1 in zip(*(_ripple(gates, g, p, chain[v][-1], range(lo + 1, hi),
                                    t_name=lambda i, v=v: f"t{i}_{v}",
                                    c_name=lambda i, v=v: f"c{i + 1}_{v}") for v in (0, 1))):
            chain[0].append(c0)
            chain[1].append(c1)
        not_c = add("NOT", (C,), f"{C}_n")
        for k, i in enumerate(range(lo, hi)):
            s0 = p[i] if k == 0 else add("XOR", (p[i], chain[0][k]), f"s{i}_0")
            s1 = add("NOT", (p[i],), f"s{i}_1") if k == 0 else \
                add("XOR", (p[i], chain[1][k]), f"s{i}_1")
            pick0 = add("AND", (s0, not_c), f"s{i}_m0")
            pick1 = add("AND", (s1, C), f"s{i}_m1")
            s.append(add("OR", (pick0, pick1), f"s{i}"))
        # cout of the block: the 1-chain's carry counts only when the block carry is 1.
        t = add("AND", (chain[1][-1], C), f"c{hi}_t")
        carries.extend([None] * (hi - lo - 1))
        carries.append(add("OR", (chain[0][-1], t), f"c{hi}"))
    _finish(c, gates, s, carries[n])
    return c


def carry_skip(n: int, block: int = 4) -> Circuit:
    """Carry-skip (carry-bypass) adder: ripple inside blocks of ``block`` bits; when every
    bit of a block propagates (``P = p[lo] & ... & p[hi]``) the block carry-in skips the
    block: ``C_out = c_ripple | P & C_in``.

    The skip speeds up a carry that *arrives*: it jumps every block whose bits all
    propagate. It cannot hurry a carry that *goes away*: while P = 1 the ripple chain
    still holds the block's carry-out at 1 through the OR until the 0 has rippled across
    the block. So the long ripple path through every block is a true path, not a false
    one, and some input changes take the whole static depth (with a multiplexer,
    ``C_out = P ? C_in : c_ripple``, in place of the OR, that path would be false).

    Examples
    --------
    >>> from adders.timing import critical_path, simulate_transition
    >>> skip = carry_skip(16)
    >>> critical_path(skip).delay
    37
    >>> arrives = simulate_transition(skip, {"a": 0, "b": 0, "cin": 0}, {"a": 65535, "b": 0, "cin": 1})
    >>> vanishes = simulate_transition(skip, {"a": 65535, "b": 0, "cin": 1}, {"a": 65534, "b": 0, "cin": 1})
    >>> arrives.settle_time, vanishes.settle_time
    (14, 37)
    """
    n = _check_width(n)
    block = check_int(block, "block", 1)
    c = Circuit(f"carry_skip_{n}")
    a, b, cin = _operands(c, n)
    gates = _Gates()
    g, p = _generate_propagate(gates, a, b)
    carries = [cin]
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        C = carries[lo]
        chain = C
        # The block's last ripple carry is r{hi}: the skip OR makes c{hi} from it.
        skips = hi - lo > 1
        for i, chain in zip(range(lo, hi), _ripple(
                gates, g, p, C, range(lo, hi),
                c_name=lambda i: f"r{i + 1}" if skips and i == hi - 1 else f"c{i + 1}")):
            if not (skips and i == hi - 1):
                carries.append(chain)
        if hi - lo > 1:
            skip = gates.add_gate("AND", p[lo:hi] + [C], f"P{hi - 1}_{lo}_skip")
            carries.append(gates.add_gate("OR", (chain, skip), f"c{hi}"))
    _sums(c, gates, p, carries)
    return c


def _prefix_builder(name: str) -> Callable[..., Circuit]:
    def builder(n: int) -> Circuit:
        return prefix_adder(_prefix.NETWORKS[name](n))
    builder.__name__ = name.replace("-", "_")
    builder.__doc__ = f"{name} prefix adder of width n (see adders.prefix)."
    return builder


ARCHITECTURES: dict[str, Callable[..., Circuit]] = {
    "ripple": ripple_carry,
    "cla": carry_lookahead,
    **{name: _prefix_builder(name) for name in
       ("sklansky", "kogge-stone", "brent-kung", "han-carlson", "ladner-fischer", "knowles")},
    "carry-select": carry_select,
    "carry-skip": carry_skip,
}


def build(name: str, n: int, **options) -> Circuit:
    """Build the adder ``name`` (a key of :data:`ARCHITECTURES`) of width ``n``.

    ``options`` go to the builder (``block=`` for cla, carry-select and carry-skip).

    >>> build("kogge-stone", 16).evaluate(a=40000, b=25535)
    {'s': 65535, 'cout': 0}
    """
    if not isinstance(name, str) or name not in ARCHITECTURES:
        raise CarrylabValueError(f"unknown architecture {name!r}; known: {', '.join(ARCHITECTURES)}")
    n = _check_width(n)
    with paused_gc():                    # a build makes no cycles, only many objects
        return ARCHITECTURES[name](n, **options)
