"""The bit-sliced kernels: transposes, slot allocation and the fused operand-to-sum path,
against plain NumPy references, on random circuits and across tile and thread splits."""
import numba
import numpy as np
import pytest

from adders import Circuit, bitslice, build, gates
from adders.reference import simulate_arrays as naive_simulate


def bit_reference(x, width):
    """(width, n_words) rows by hand: bit i of vector v goes to bit v % 64 of word v // 64."""
    n = len(x)
    rows = np.zeros((width, (n + 63) // 64), dtype=np.uint64)
    for i in range(width):
        for v in np.nonzero((x >> np.uint64(i)) & np.uint64(1))[0]:
            rows[i, v // 64] |= np.uint64(1) << np.uint64(v % 64)
    return rows


@pytest.mark.parametrize("width", [1, 9, 33, 64])
@pytest.mark.parametrize("n, block", [(1, 32), (777, 1), (777, 3), (64 * 32 * 2 + 17, 32)])
def test_pack_unpack_words_against_reference(width, n, block):
    rng = np.random.default_rng(width + n)
    x = rng.integers(0, 2**64, n, dtype=np.uint64)
    if width < 64:
        x &= np.uint64((1 << width) - 1)
    rows = np.empty((width, (n + 63) // 64), dtype=np.uint64)
    bitslice.pack_words(x, rows, 2, block)
    np.testing.assert_array_equal(rows, bit_reference(x, width))
    np.testing.assert_array_equal(bitslice.unpack_words(rows, n, 2, block), x)


def random_circuit(seed, n_inputs=(3, 60, 1), n_gates=150):
    """A random DAG over every gate kind (AND/OR/NAND/NOR with 2-4 inputs) whose output
    buses mix gate nets and input nets, wide and narrow."""
    rng = np.random.default_rng(seed)
    c = Circuit(f"random{seed}")
    nets = []
    for k, width in enumerate(n_inputs):
        nets += c.add_input(f"i{k}", width)
    for g in range(n_gates):
        kind = gates.KINDS[rng.integers(len(gates.KINDS))]
        fan_in = 1 if kind in ("NOT", "BUF") else 2 if kind in ("XOR", "XNOR") else int(rng.integers(2, 5))
        recent = nets[-40:] if rng.random() < 0.8 else nets     # mostly short-lived nets
        ins = [recent[i] for i in rng.choice(len(recent), fan_in, replace=False)]
        nets.append(c.add_gate(kind, ins, f"n{g}"))
    gate_nets = nets[sum(n_inputs):]
    c.set_output("wide", [str(x) for x in rng.choice(gate_nets, 64, replace=False)])
    c.set_output("mixed", [nets[0], gate_nets[-1], nets[5], gate_nets[3], gate_nets[-1]])
    c.set_output("one", [gate_nets[-2]])
    return c


def replay(prog, n_inputs, words):
    """Run a Program on Python-int words, slot by slot (the fused AND-OR is opcode 8)."""
    mask = (1 << 64) - 1
    slots = [0] * prog.n_slots
    slots[:n_inputs] = words
    for g in range(len(prog.op)):
        vals = [slots[int(s)] for s in prog.src[int(prog.ptr[g]):int(prog.ptr[g + 1])]]
        kind = "ANDOR" if prog.op[g] == len(gates.KINDS) else gates.KINDS[prog.op[g]]
        if kind == "ANDOR":
            out = (vals[0] & vals[1]) | vals[2]
        elif kind in ("NOT", "BUF"):
            out = vals[0]
        else:
            out = vals[0]
            for v in vals[1:]:
                out = out & v if kind in ("AND", "NAND") else out | v if kind in ("OR", "NOR") else out ^ v
        slots[int(prog.dst[g])] = out ^ mask if kind in ("NOT", "NAND", "NOR", "XNOR") else out
    return [slots[int(s)] for s in prog.out]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_slot_allocation_never_clobbers_a_live_net(seed):
    """Replaying the program slot by slot gives every kept net its reference value."""
    c = random_circuit(seed)
    rows = [n for nets in c.outputs.values() for n in nets] + ["n10", "n77"]
    prog = bitslice.program(c, rows)
    rng = np.random.default_rng(seed)
    n = 64
    bits = {bus: rng.integers(0, 2, (n, c.width(bus)), dtype=np.uint8) for bus in c.inputs}
    words = [sum(int(b) << r for r, b in enumerate(bits[bus][:, i]))
             for bus in c.inputs for i in range(c.width(bus))]
    ref = naive_simulate(c, bits)
    got = replay(prog, len(words), words)
    for net, value in zip(rows, got):
        assert value == sum(int(b) << r for r, b in enumerate(ref[net])), net
    assert prog.n_slots < len(words) + len(c.gates())


def test_and_or_pairs_are_fused():
    c = Circuit("ao")
    x = c.add_input("x", 4)
    g = c.add_gate("AND", [x[0], x[1]], "g")
    shared = c.add_gate("AND", [x[2], x[3]], "shared")      # two readers: kept
    c.set_output("y", [c.add_gate("OR", [g, x[2]], "y0"), c.add_gate("OR", [shared, x[0]], "y1"),
                       c.add_gate("XOR", [shared, x[1]], "y2")])
    assert list(bitslice.program(c, c.outputs["y"]).op).count(len(gates.KINDS)) == 1
    assert len(bitslice.program(c, c.outputs["y"] + ["g"]).op) == 5     # a probed AND stays
    out = c.simulate(x=np.arange(16, dtype=np.uint64), engine="interpreter")["y"]
    want = [((v & 1) & (v >> 1 & 1)) | (v >> 2 & 1) | (((v >> 2 & 1) & (v >> 3 & 1)) | (v & 1)) << 1
            | (((v >> 2 & 1) & (v >> 3 & 1)) ^ (v >> 1 & 1)) << 2 for v in range(16)]
    assert out.tolist() == want


def test_kogge_stone_64_reuses_slots():
    c = build("kogge-stone", 64)
    prog = bitslice.program(c, c.outputs["s"] + c.outputs["cout"])
    assert prog.n_slots <= 400 < len(c.gates())     # 1,094 gates share a few hundred slots


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("n", [1, 64 * 3 + 1, 64 * 32 * 2 + 17])
@pytest.mark.parametrize("block", [1, 3, 32])
def test_fused_kernel_matches_reference(seed, n, block):
    c = random_circuit(seed)
    rng = np.random.default_rng(seed * 7 + n)
    widths = [c.width(b) for b in c.inputs]
    bits = {bus: rng.integers(0, 2, (n, w), dtype=np.uint8) for bus, w in zip(c.inputs, widths)}
    words = {bus: (m.astype(np.uint64) << np.arange(m.shape[1], dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
             for bus, m in bits.items()}
    buses = list(c.outputs.items())
    prog = bitslice.program(c, [net for _, nets in buses for net in nets])
    out = bitslice.run_words(prog.op, prog.ptr, prog.src, prog.dst, prog.n_slots, words["i0"],
                             words["i1"], np.empty((0, n), np.uint64), np.array(widths), np.array([0, 1, -1]),
                             np.array([0, 0, 1], dtype=np.uint64), prog.out,   # i2 = 1
                             np.array([len(nets) for _, nets in buses]), n, 2, block)
    ref = naive_simulate(c, {**bits, "i2": np.ones((n, 1), np.uint8)})
    for k, (bus, nets) in enumerate(buses):
        want = sum(ref[net].astype(np.uint64) << np.uint64(i) for i, net in enumerate(nets))
        np.testing.assert_array_equal(out[k], want, err_msg=bus)


@pytest.mark.parametrize("threads", [1, 2])
def test_simulate_paths_agree_with_reference_and_each_other(threads):
    c = random_circuit(3)
    n = 5000
    rng = np.random.default_rng(3)
    bits = {bus: rng.integers(0, 2, (n, c.width(bus)), dtype=np.uint8) for bus in c.inputs}
    words = {bus: (m.astype(np.uint64) << np.arange(m.shape[1], dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
             for bus, m in bits.items()}
    probe = ["n7", "i10", "n149"]
    ref = naive_simulate(c, bits)
    saved = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        fused = c.simulate(probe=probe, **words)   # uint64 in and out: one kernel, 3 arrays
        general = c.simulate(probe=probe, as_bits=True, **bits)
    finally:
        numba.set_num_threads(saved)
    for bus, nets in c.outputs.items():
        want = np.stack([ref[net] for net in nets], axis=1).astype(np.uint8)
        np.testing.assert_array_equal(general[bus], want)
        np.testing.assert_array_equal(fused[bus], (want.astype(np.uint64) << np.arange(len(nets), dtype=np.uint64)).sum(axis=1, dtype=np.uint64))
    for net in probe:
        np.testing.assert_array_equal(fused[net], ref[net].astype(np.uint8))
        np.testing.assert_array_equal(general[net], ref[net].astype(np.uint8))
        assert fused[net].dtype == np.uint8


def test_wide_constant_takes_the_general_path():
    c = Circuit("top_bit")
    x, y = c.add_input("x", 70), c.add_input("y", 1)
    c.set_output("z", [c.add_gate("AND", [x[69], y[0]], "z")])
    out = c.simulate(x=1 << 69, y=np.array([0, 1], np.uint64))   # bit 69: beyond a word
    assert out["z"].tolist() == [0, 1]
