"""Every result the tour, the notebooks and the README state is computed there or checked here.

Facts (depths, gate counts, settle times, embedded tables) are asserted directly. Trained
outcomes run the demo's own settings (``carrylab.demos``, where the tour and the notebooks
take them) over ten seeds and assert that at least nine earn the sentence the demo prints
(the sentences themselves are generated from each run's numbers, so a run that misses says
so). The thirty trainings run as one sweep (:mod:`carrylab.sweeps.claims`), marked slow;
they run in CI.
"""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from adders import build, full_adder, prefix, ripple_carry
from carrylab import demos, tour
from rnn import paper

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "carrylab" / "course" / "src"
SEEDS = range(10)
NEEDED = 9                          # runs out of len(SEEDS) that must earn the sentence


# ------------------------------------------------------------------ adders: facts
def test_ripple_depth_is_2n_plus_1():                        # notebook 01, tour chapter 1
    for n in (1, 4, 8, 16, 32, 64):
        assert ripple_carry(n).stats()["depth"] == 2 * n + 1


def test_full_adder_is_two_xor_two_and_one_or():             # notebook 01
    fa = full_adder()
    kinds = sorted(fa.graph.nodes[net]["kind"] for net in fa.gates())
    assert kinds == ["AND", "AND", "OR", "XOR", "XOR"]


def test_127_plus_1_carries_into_bit_7_and_no_further():      # notebook 00
    out = build("ripple", 8).simulate(a=np.array([127], dtype=np.uint64),
                                      b=np.array([1], dtype=np.uint64),
                                      probe=[f"c{i}" for i in range(1, 9)])
    assert [int(out[f"c{i}"][0]) for i in range(1, 9)] == [1] * 7 + [0]


def test_kogge_stone_8_knows_every_prefix_after_3_levels():   # notebook 00, tour chapter 1
    ks8 = prefix.kogge_stone(8)
    assert ks8.depth == 3 and all(lo == 0 for lo in ks8.groups()[3])
    assert prefix.network("serial", 8).depth == 7


def test_prefix_network_table_of_notebook_02():
    n, m = 32, 5
    st = {name: prefix.network(name, n).stats() for name in prefix.NETWORKS}
    assert st["serial"]["depth"] == n - 1                                  # "depth n - 1"
    assert min(s["depth"] for s in st.values()) == m                       # "as little as log2 n"
    sk, ks, bk = st["sklansky"], st["kogge-stone"], st["brent-kung"]
    assert sk["depth"] == ks["depth"] == m and sk["cells"] < ks["cells"]   # as shallow, fewer cells
    assert sk["max_fanout"] == n // 2 + 1                                  # drives half the bits
    assert ks["max_fanout"] == 2 and ks["cells"] == max(s["cells"] for s in st.values())
    assert ks["tracks"] == n // 2                                          # many long wires
    others = [s["cells"] for name, s in st.items() if name not in ("serial", "brent-kung")]
    assert bk["cells"] < min(others) and bk["max_fanout"] == 2 and bk["tracks"] == 1
    assert bk["depth"] == 2 * m - 1                                        # nearly twice as deep


def test_harris_taxonomy_of_notebook_02():
    m = 4
    for l, f in itertools.product(range(m), repeat=2):
        t = m - 1 - l - f
        if t >= 0:
            st = prefix.from_taxonomy(2 ** m, l, f, t).stats()
            assert (st["depth"], st["max_fanout"], st["tracks"]) == (m + l, 2 ** f + 1, 2 ** t)


def test_cla_depth_grows_by_one_step_per_factor_of_4():           # notebook 02
    from adders import carry_lookahead
    assert [carry_lookahead(n).stats()["depth"] for n in (4, 16, 64)] == [4, 8, 12]


def test_cla_is_the_shallowest_adder_in_the_plot_of_notebook_02():
    from viz import measure_architectures
    rows = measure_architectures([4, 8, 16, 32, 64])
    for n in (4, 8, 16, 32, 64):
        depth = {r["arch"]: r["depth"] for r in rows if r["bits"] == n}
        assert min(depth, key=depth.get) == "cla", n


@pytest.mark.parametrize("n", [16, 64])
def test_depth_sentence_names_the_adders_deeper_than_ripple(n):          # tour chapter 1
    from adders import ARCHITECTURES
    depth = {arch: build(arch, n).stats()["depth"] for arch in ARCHITECTURES}
    sentence = tour._depth_sentence(depth, n)
    shallower, deeper = sentence.split(";")
    for arch, d in depth.items():
        if arch != "ripple":
            assert arch in (shallower if d < depth["ripple"] else deeper), (arch, sentence)
    assert "carry-skip" in deeper


def test_carry_skip_depth_is_a_true_path():          # tour chapter 1, notebook 02, build.py
    t = demos.carry_skip_timing(16, samples=20)
    assert t["skip_depth"] == 37 > t["ripple_depth"] == 33
    assert t["skip_arrives"] < t["ripple_arrives"]              # an arriving carry skips
    assert t["skip_vanishes"] == t["skip_depth"]                # a vanishing one travels it all
    assert "no false alarm" in demos.carry_skip_sentence(t)
    t64 = demos.carry_skip_timing(64, samples=0)
    assert t64["skip_depth"] == 145 > t64["ripple_depth"] == 129
    assert t64["skip_vanishes"] == t64["skip_depth"] and t64["skip_arrives"] < 129


def test_timing_sentence_of_tour_chapter_2():
    rows = [{"arch": "ripple", "critical_path_gd": 33, "result_final_gd": 33, "glitch_pulses": 16},
            {"arch": "cla", "critical_path_gd": 8, "result_final_gd": 7, "glitch_pulses": 0}]
    text = tour._timing_sentence(rows)
    assert "reaches its bound (33 gd)" in text and "cla (7 gd) settle sooner" in text
    assert "The sum bits of ripple glitch (16 pulses)" in text


# ------------------------------------------------------------------ RNNs: facts
def test_hand_wired_rnn_stays_within_1e_8_of_plus_minus_1():     # notebook 03
    from rnn.deer import elman_serial
    from rnn.wiring import serial_adder_rnn
    w = serial_adder_rnn()
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2, (20, 2000, 2))
    bits[0, :, 0], bits[0, :, 1] = 1, 0                 # a carry-free run of propagates
    bits[1, :, 0], bits[1, :, 1] = 1, 0
    bits[1, 0] = 1                                      # a carry through all 2000 bits
    for cin in (0, 1):
        h = elman_serial(bits.astype(np.float64), w.W_ih, w.W_hh, w.b_ih + w.b_hh, w.h0(cin))
        assert float(np.max(1 - np.abs(h))) < 1e-8


def test_chain_of_n_plus_1_means_no_carry_at_all():               # notebook 04
    from rnn.tasks import longest_carry_chain
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, (20000, 8))
    b = np.where(rng.random((20000, 8)) < 0.9, 1 - a, a)            # mostly propagating
    whole = longest_carry_chain(a, b) == 9
    assert whole.any()
    assert not demos.carry_trace(a[whole], b[whole]).any()


def test_plot_rnn_times_labels_what_was_timed():                   # notebook 06
    import viz
    rows = [{"model": "elman", "T": 32, "seconds": 1e-3}, {"model": "elman", "T": 64, "seconds": 2e-3}]
    assert viz.plot_rnn_times(rows, timed="forward").axes[0].get_ylabel() == "seconds (forward)"
    assert "backward" in viz.plot_rnn_times(rows).axes[0].get_ylabel()


def test_paper_table_equals_the_benchmark_file():                  # notebook 04
    doc = json.loads((ROOT / "benchmarks" / "paper_results_paper_jsb.json").read_text())
    assert doc["task"] == "jsb" and doc["sweep"]["protocol"] == "paper"
    by_seed = {e["model"]: tuple(round(v, 3) for v in e["test_nll_by_seed"]) for e in doc["rows"]}
    assert by_seed == paper.REPRODUCTION
    text = (ROOT / "benchmarks" / "paper_results.md").read_text()
    for e in doc["rows"]:
        assert e["seeds"] == [0, 1, 2] and e["epochs"] == 100, e["model"]
        assert e["authors_test_nll"] == paper.AUTHORS["jsb"][e["model"]], e["model"]
        assert f"| {e['model']} | {e['params']:,} | 3 |" in text, e["model"]
        shown = sum(by_seed[e["model"]]) / 3            # the table's mean, of rounded values
        assert abs(shown - e["test_nll"]["mean"]) < 1e-3, e["model"]
        assert f"{shown:.3f} ± " in paper.table_markdown(), e["model"]
    table = paper.table_markdown()
    assert all(f"{min(v):.3f} |" in table for v in paper.REPRODUCTION.values())


def test_nottingham_column_equals_the_benchmark_file():             # notebook 04
    doc = json.loads((ROOT / "benchmarks" / "paper_results_paper_nottingham.json").read_text())
    assert doc["task"] == "nottingham" and doc["sweep"]["protocol"] == "paper"
    rows = {e["model"]: e for e in doc["rows"]}
    assert set(rows) == set(paper.MODEL_NAMES)
    for model, e in rows.items():
        assert e["seeds"] == [0] and e["epochs"] == 100, model
        assert e["authors_test_nll"] == paper.AUTHORS["nottingham"][model], model
        assert round(e["test_nll_by_seed"][0], 3) == paper.REPRODUCTION_NOTTINGHAM[model], model
    text = (ROOT / "benchmarks" / "paper_results.md").read_text()
    assert "## Nottingham: paper_nottingham" in text
    for model, e in rows.items():
        assert f"| {model} | {e['params']:,} | 1 |" in text, model
    # the claim the closing of the paper's table rests on: the CL-RNN within 0.10 of 2.776
    assert abs(paper.REPRODUCTION_NOTTINGHAM["clrnn"] - paper.AUTHORS["nottingham"]["clrnn"]) < 0.10


def test_notebooks_take_their_demo_settings_from_carrylab_demos():
    assert "demos.ELMAN" in (SOURCES / "03_rnn_serial_adder.py").read_text()
    nb04 = (SOURCES / "04_clrnn.py").read_text()
    assert "demos.CLRNN" in nb04 and "demos.CLRNN_SHORT" in nb04
    assert "TrainConfig(" not in nb04


# ------------------------------------------------------------------ sentences
def test_sentences_follow_the_numbers():
    d = demos.ELMAN
    assert "four times longer than any it saw" in demos.elman_sentence(1.0, 0.995, d)
    assert "only 49.2% of the 32-bit" in demos.elman_sentence(1.0, 0.492, d)
    assert "did not learn to add" in demos.elman_sentence(0.5, 0.0, d)
    full = {"number_accuracy": 0.999, "accuracy_by_chain": {"3": {"accuracy": 1.0, "count": 5}}}
    assert "got 99.9% of the test sums right" in demos.clrnn_sentence(full, demos.CLRNN)
    assert "training fell short" in demos.clrnn_sentence({**full, "number_accuracy": 0.3}, demos.CLRNN)
    short = {"number_accuracy": 0.8, "accuracy_by_chain": {
        "2": {"accuracy": 1.0, "count": 50}, "3": {"accuracy": 1.0, "count": 50},
        "5": {"accuracy": 0.5, "count": 40}, "9": {"accuracy": 1.0, "count": 10}}}
    text = demos.clrnn_sentence(short, demos.CLRNN_SHORT)
    assert "100.0% of the test sums whose carries" in text and "50.0% of those" in text
    assert "guesses the carries beyond it" in text
    assert "splits the states cleanly" in demos.carry_unit_sentence(3, -0.98, 0.5)
    assert "overlap" in demos.carry_unit_sentence(3, 0.6, -0.2)
    assert demos.seconds_phrase(2.04) == "2.0 s" and demos.seconds_phrase(125) == "2 min 5 s"


# ------------------------------------------------------------------ trained outcomes
@pytest.mark.slow
def test_the_training_demos_earn_their_sentences_over_seeds(tmp_path):
    """Tour chapter 3, notebooks 03 and 04: the Elman RNN adds 8- and 32-bit sums and
    holds its carry in one unit; the CL-RNN with R = 16 adds; R = 4 adds inside its window
    only. The 3 x 10 trainings run as one sweep, side by side on the CPUs."""
    from carrylab.sweeps import run_sweep
    from carrylab.sweeps.claims import CLAIMS, demo_sweep, earned
    sweep = demo_sweep(tmp_path, SEEDS)
    rows = run_sweep(sweep, log=None)
    assert [row["status"] for row in rows] == ["trained"] * len(rows), rows
    result = earned(sweep)
    print(result["seen"])                         # (pytest -s shows the sweep)
    for claim in (name for names in CLAIMS.values() for name in names):
        assert result[claim] >= NEEDED, (claim, result["seen"])


def test_the_demos_share_their_data_and_differ_only_in_levels():
    assert demos.CLRNN_SHORT.task_args == demos.CLRNN.task_args
    full, short = demos.receptive_field(demos.CLRNN), demos.receptive_field(demos.CLRNN_SHORT)
    assert (full, short) == (16, 4) and full >= demos.CLRNN.task_args["n_bits"] + 1 > short
    assert demos.CLRNN_SHORT.levels == 2 and demos.CLRNN_SHORT.seed == demos.CLRNN.seed
