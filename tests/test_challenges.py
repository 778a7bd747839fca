"""Design challenges: for each, a right, a wrong and a borderline submission, malformed
files, the leaderboard over a folder of mixed submissions, and the command line.

The references are independent of the checkers: Python's ``+`` for sums, plain
``PrefixNetwork.evaluate`` with integer affine maps for the double counting, networkx's
longest path for critical paths, a recount of the simulator's events for glitches, and
a perturbed CL-RNN forward pass for the receptive field.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from adders import build, prefix
from adders.errors import CarrylabError
from adders.timing import Delays, simulate_transition
from carrylab.challenges import (
    CHALLENGES,
    BlockChallenge,
    ClrnnChallenge,
    PrefixChallenge,
    SubmissionError,
    TransitionChallenge,
    check,
    check_file,
    leaderboard,
    prefix_submission,
    receptive_field,
    render,
)
from carrylab.cli import main

# The best transitions the course staff found (transition.py's records).
RIPPLE_BEST = ({"a": 65535, "b": 65535, "cin": 0}, {"a": 16926, "b": 48609, "cin": 1})
KOGGE_STONE_BEST = ({"a": 11766, "b": 16319, "cin": 0}, {"a": 43004, "b": 22530, "cin": 1})
# A carry that vanishes from every bit of the carry-skip adder: its slowest change.
SKIP_VANISHES = ({"a": 65535, "b": 0, "cin": 1}, {"a": 65534, "b": 0, "cin": 1})


def mistakes(submission) -> list[str]:
    with pytest.raises(SubmissionError) as err:
        check(submission)
    assert isinstance(err.value, CarrylabError) and isinstance(err.value, ValueError)
    assert str(err.value) == "\n".join(err.value.mistakes)
    return list(err.value.mistakes)


def lines(result, kind: str) -> list[str]:
    return [line[6:] for line in result.feedback if line.startswith(kind)]


def without(network, cell):
    """The network's levels with one cell taken out."""
    return [[c for c in level if c != cell] for level in network.levels]


# ---------------------------------------------------------------------- the shared format
def test_the_registry_lists_four_kinds_of_challenge():
    kinds = {type(c) for c in CHALLENGES.values()}
    assert kinds == {PrefixChallenge, BlockChallenge, TransitionChallenge, ClrnnChallenge}
    assert list(CHALLENGES)[:2] == ["prefix-16", "prefix-32"]
    for challenge in CHALLENGES.values():
        assert challenge.title and challenge.goal() and challenge.fields and challenge.unit


@pytest.mark.parametrize("submission, expected", [
    ([1, 2], ['a submission is a JSON object {"challenge": ..., "student": ..., ...}, got a list']),
    ({}, ["challenge: missing; one of " + ", ".join(CHALLENGES),
          "student: missing (who submits: a name or an id)"]),
    ({"challenge": "prefix-8", "student": "ada"},
     ['challenge: unknown "prefix-8"; known: ' + ", ".join(CHALLENGES)]),
    ({"challenge": "select-32", "student": "a\nb", "block": 4, "comment": 3},
     ["student: must be 1 to 64 printable characters, got 'a\\nb'",
      "comment: must be a string (free text)"]),
    ({"challenge": "select-32", "student": "x" * 65, "block": True, "blocks": 4},
     [f"student: must be 1 to 64 printable characters, got '{'x' * 65}'",
      "blocks: not a field of select-32; its fields are challenge, student, comment, block",
      "block: must be an integer, got true"]),
    ({"challenge": "select-32", "student": "ada", "block": 33},
     ["block: must be from 1 to 32, got 33"]),
])
def test_malformed_submissions_list_every_mistake_one_a_line(submission, expected):
    assert mistakes(submission) == expected


def test_malformed_files(tmp_path):
    cases = {"trailing.json": '{"challenge": "select-32", "student": "ada", "block": 4,',
             "latin1.json": b'{"student": "\xe9"}',
             "big.json": " " * (1 << 20) + "{}"}
    expected = {"trailing.json": "not JSON: Expecting property name enclosed in double quotes "
                                 "at line 1, column 57",
                "latin1.json": "not UTF-8 text (byte 13)",
                "big.json": "the file is larger than 1,048,576 bytes; a submission is a small "
                            "JSON object"}
    for name, text in cases.items():
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        with pytest.raises(SubmissionError) as err:
            check_file(path)
        assert err.value.mistakes == (expected[name],)
    with pytest.raises(SubmissionError) as err:
        check_file(tmp_path / "missing.json")
    assert err.value.mistakes == ("cannot read the file: No such file or directory",)
    (tmp_path / "folder.json").mkdir()                 # the board lists no folder
    assert [row.file for row in leaderboard(tmp_path)] == sorted(expected)


# ---------------------------------------------------------------------- 1: prefix networks
def test_prefix_right_exactly_at_the_depth_limit():
    result = check(prefix_submission(prefix.han_carlson(16), "ada"))
    assert (result.passed, result.score, result.unit) == (True, 32, "cells")
    assert result.key == (32, 4, 2)                    # cells, tracks, fanout
    assert "depth 5 <= 5" in lines(result, "ok")
    assert not lines(result, "FAIL")
    assert any(line.startswith("adder: the prefix adder on this network adds 272 carry-chain "
                               "sums and 4,096 random ones exactly") for line in lines(result, "ok"))
    padded = prefix_submission(prefix.han_carlson(16), "ada")
    padded["levels"].insert(2, [])                     # hand-written files may hold []
    again = check(padded)
    assert again.passed and again.key == result.key
    assert "1 empty level(s) ignored; the levels named below are counted without them" in \
        lines(again, "info")
    # one level more than allowed: scored, not passed
    deep = check(prefix_submission(prefix.brent_kung(16), "bob"))
    assert (deep.passed, deep.score, deep.note) == (False, 26, "depth 7 > 5")


def test_prefix_32_passes_with_a_textbook_network_and_names_the_fanout_at_fault():
    result = check(prefix_submission(prefix.han_carlson(32), "ada"))
    assert (result.passed, result.score) == (True, 80)
    wide = check(prefix_submission(prefix.ladner_fischer(32), "bob"))
    assert not wide.passed and wide.score == 63
    assert lines(wide, "FAIL") == ["max fanout 9 > 4: at level 4 position 15 feeds the cells at "
                                   "17, 19, 21, 23, 25, 27, 29, 31 besides itself"]


def test_prefix_wrong_a_gap_is_caught_by_structure_and_by_the_adder():
    network = prefix.han_carlson(16)
    cell = network.levels[-1][0]                       # the last level fills even positions
    submission = {"challenge": "prefix-16", "student": "cy", "levels": without(network, cell)}
    result = check(submission)
    assert not result.passed and result.score is None and result.key is None
    failures = lines(result, "FAIL")
    assert failures[0] == (f"structure: positions [{cell[0]}] do not reach position 0 (their "
                           f"groups end at [{cell[0]}])")
    # the counterexample the adder check shows really is a wrong sum (Python's + decides)
    a, b, cin = (int(v, 0) for v in re.search(r"gets (0x\w+) \+ (0x\w+) \+ cin (\d)",
                                              failures[1]).groups())
    broken = build_prefix_adder(submission)
    assert broken.evaluate(a=a, b=b, cin=cin) != {"s": (a + b + cin) & 0xFFFF,
                                                   "cout": (a + b + cin) >> 16}
    assert "scan: not run" in " ".join(result.feedback)


def build_prefix_adder(submission):
    from adders.build import prefix_adder
    return prefix_adder(prefix.PrefixNetwork(16, [[tuple(c) for c in level]
                                                  for level in submission["levels"]]))


def test_prefix_overlapping_cells_fail_the_scan_and_say_why():
    network = prefix.knowles(16)
    result = check(prefix_submission(network, "dan"))
    assert not result.passed and result.score == 49
    (scan,) = lines(result, "FAIL")
    assert scan.startswith("scan: the cell [8, 1] at level 3 joins the groups 8..1 and 1..0, "
                           "which overlap at position(s) 1.")
    assert "idempotent (x o x = x)" in scan and "affine_scan refuses the network" in scan
    assert scan.endswith("it would give h[8] = 10, not 9: 1 step(s) counted twice")
    # independent: the same network over integer affine maps h -> h + 1, in plain Python
    maps = network.evaluate([(1, 1)] * 16, lambda hi, lo: (hi[0] * lo[0], hi[0] * lo[1] + hi[1]))
    assert maps[8] == (1, 10) and all(maps[t][1] == t + 1 for t in range(8))
    assert lines(result, "ok")[0] == "structure: every output i holds exactly the group i..0"


def test_prefix_cells_that_cannot_make_an_adder_are_reported_not_raised():
    """Knowles 16 without its first cell: two groups would drive one net of the adder."""
    network = prefix.knowles(16)
    submission = {"challenge": "prefix-16", "student": "eve", "levels": without(network, (1, 0))}
    result = check(submission)
    assert not result.passed and result.score is None
    failures = lines(result, "FAIL")
    assert failures[0].startswith("structure: positions [1, 3, 5, 7, 8, 9, 10, 11]")
    assert failures[1].startswith("adder: its cells do not make an adder: net 'G8_1_t' is "
                                  "multiply driven")


def test_prefix_small_widths_are_checked_on_every_input():
    tiny = PrefixChallenge("prefix-4-test", n=4, max_depth=2, max_fanout=3)
    right = tiny.judge(prefix.kogge_stone(4).levels, "ada")
    assert right.passed and right.score == 5          # n L - n + 1 cells
    assert "carries: carry_scan matches the ripple loop on all 256 (g, p) inputs" in lines(right, "ok")
    assert any("adds all 512 inputs (a, b, cin) exactly" in line for line in lines(right, "ok"))
    wrong = tiny.judge((((1, 0), (3, 2)), ((3, 1),)), "bob")      # position 2 never reaches 0
    failures = lines(wrong, "FAIL")
    assert failures[0].startswith("structure: positions [2] do not reach position 0")
    assert failures[2].startswith("carries: with g = ") and failures[2].endswith(
        "output(s) [2] are wrong")


def test_prefix_malformed_levels():
    bad = {"challenge": "prefix-16", "student": "eve", "n": 8,
           "levels": [[[1, 0], [1, 0]], [[3, 5]], "x", [[2, True]], [[4]]]}
    assert mistakes(bad) == [
        "n: 8, but prefix-16 is for n = 16",
        "levels[0][1]: position 1 already has a cell in level 0 (levels[0][0]); one cell per "
        "position a level",
        "levels[1][0]: cell [3, 5] needs 0 <= j < i < 16 (position i absorbs the group that "
        "ends at j, below it)",
        "levels[2]: must be a list of cells [i, j], got a string",
        "levels[3][0]: a cell is a pair [i, j] of integers, got [2, true]",
        "levels[4][0]: a cell is a pair [i, j] of integers, got [4]"]
    assert mistakes({"challenge": "prefix-16", "student": "eve"}) == [
        "levels: missing; a list of levels, each a list of cells [i, j]"]
    many = {"challenge": "prefix-16", "student": "eve", "levels": [[[0, 1]] * 20]}
    found = mistakes(many)
    assert len(found) == 13 and found[-1] == "... and 8 more mistakes in levels"


def test_prefix_submission_for_the_editor():
    sub = prefix_submission(prefix.sklansky(16), "ada")
    assert json.loads(json.dumps(sub)) == sub
    assert sub["levels"][0][:2] == [[1, 0], [3, 2]] and sub["n"] == 16
    with pytest.raises(CarrylabError, match="no prefix challenge 'select-32'; the prefix "
                                            "challenges are prefix-16, prefix-32"):
        prefix_submission(prefix.sklansky(16), "ada", challenge="select-32")
    with pytest.raises(SubmissionError, match="student: must be"):
        prefix_submission(prefix.sklansky(16), "")
    with pytest.raises(CarrylabError, match="network must be a PrefixNetwork"):
        prefix_submission([[(1, 0)]], "ada")


def test_the_editor_exports_what_the_checker_reads(tmp_path):
    from viz.editor import write_submission
    path = write_submission(tmp_path / "ada.json", prefix.han_carlson(16), "ada")
    assert check_file(path) == check(prefix_submission(prefix.han_carlson(16), "ada"))


# ---------------------------------------------------------------------- 2: block sizes
def longest_path(circuit, xor_delay: int) -> int:
    """Critical path by networkx: the heaviest path, each gate weighing its delay."""
    graph = circuit.graph
    weighted = nx.DiGraph()
    for u, v in graph.edges:
        kind = graph.nodes[v]["kind"]
        weighted.add_edge(u, v, weight=xor_delay if kind == "XOR" else 1)
    return nx.dag_longest_path_length(weighted, weight="weight")


def test_block_size_delays_match_an_independent_longest_path():
    sweep = CHALLENGES["select-32"].sweep()
    for block in (1, 2, 4, 7, 8, 32):
        assert sweep[block][0] == longest_path(build("carry-select", 32, block=block), 2)
    best = min(longest_path(build("carry-select", 32, block=b), 2) for b in range(1, 33))
    assert best == 25
    assert [b for b, (delay, _) in sweep.items() if delay == best] == [4, 5, 6, 7, 8]


def test_block_right_wrong_and_tied():
    right = check({"challenge": "select-32", "student": "ada", "block": 4})
    tied = check({"challenge": "select-32", "student": "bob", "block": 8})
    wrong = check({"challenge": "select-32", "student": "cy", "block": 2})
    assert (right.passed, right.score, right.key) == (True, 25, (25, 321))
    assert (tied.passed, tied.score, tied.key) == (True, 25, (25, 301))
    assert tied.key < right.key                   # equal delay: fewer gates rank first
    assert lines(right, "ok") == ["25 gd is the shortest critical path any block size gives at 32 "
                                  "bits; 4 other block sizes give it too, and among equal delays "
                                  "fewer gates rank first"]
    assert (wrong.passed, wrong.score) == (False, 37)
    assert lines(wrong, "FAIL")[0].startswith("37 gd is not the shortest critical path at 32 bits")
    assert ("critical path a0 -> ... -> s28 (24 gates): ripples through c1-c4, then crosses the "
            "block carries c8, c12, c16, c20, c24, c28, then the multiplexer of s28"
            in lines(right, "info"))
    assert ("ripple-carry, 32 bits: 66 gd with 160 gates; this adder is 2.64x as fast for 2.01x "
            "the gates" in lines(right, "info"))
    assert 66 == longest_path(build("ripple", 32), 2)


def test_select_64_has_one_best_block():
    result = check({"challenge": "select-64", "student": "ada", "block": 8})
    assert (result.passed, result.score) == (True, 33)
    assert lines(result, "ok") == ["33 gd is the shortest critical path any block size gives at "
                                   "64 bits"]


# ---------------------------------------------------------------------- 3: transitions
def recount(trace) -> int:
    """Hazard pulses from the raw events: a net's changes beyond what it must make."""
    changes: dict[str, list] = {}
    for event in trace.events:
        changes.setdefault(event.net, []).append(event.new)
    return sum((len(c) - (trace.initial[net] != c[-1])) // 2 for net, c in changes.items())


def submit(challenge, student, change):
    return {"challenge": challenge, "student": student, "before": change[0], "after": change[1]}


def test_transition_right_and_tied_with_the_best():
    best = check(submit("glitch-ripple-16", "ada", RIPPLE_BEST))
    trace = simulate_transition(build("ripple", 16), *RIPPLE_BEST)
    assert best.passed and best.score == 377 == recount(trace)
    total = 16926 + 48609 + 1
    assert trace.final == {"s": total & 0xFFFF, "cout": total >> 16}
    assert best.key == (-377, -33)
    # a and b swapped: the same g and p, so the same pulses and settle time: a tie
    swapped = {"a": RIPPLE_BEST[1]["b"], "b": RIPPLE_BEST[1]["a"], "cin": 1}
    tie = check(submit("glitch-ripple-16", "bob", (RIPPLE_BEST[0], swapped)))
    assert tie.key == best.key
    assert lines(best, "info")[1].startswith(
        "377 pulses on 47 nets: sum bits s15 x15, s14 x14, s13 x13, s12 x12, s11 x11, s10 x10, "
        "+10 more; carries c16 x16")
    ks = check(submit("glitch-kogge-stone-16", "ada", KOGGE_STONE_BEST))
    assert ks.passed and ks.score == 81 == recount(
        simulate_transition(build("kogge-stone", 16), *KOGGE_STONE_BEST))


def test_transition_wrong_and_exactly_at_the_target():
    classic = ({"a": 0, "b": 0}, {"a": "0xffff", "b": 1})
    result = check(submit("glitch-ripple-16", "cy", classic))
    assert (result.passed, result.score) == (False, 15)
    assert lines(result, "FAIL")[0].startswith("15 pulses, below the target of 150")
    at_target = TransitionChallenge("glitch-ripple-16-at-15", arch="ripple", n=16, target=15)
    assert at_target.judge(((0, 0, 0), (65535, 1, 0)), "cy").passed


def test_settle_last_reaches_the_static_bound_only_when_the_carry_vanishes():
    result = check(submit("settle-carry-skip-16", "ada", SKIP_VANISHES))
    assert (result.passed, result.score) == (True, 37)
    assert longest_path(build("carry-skip", 16), 1) == 37
    arrives = ({"a": 0, "b": 0, "cin": 0}, {"a": 65535, "b": 0, "cin": 1})
    early = check(submit("settle-carry-skip-16", "bob", arrives))
    assert (early.passed, early.score) == (False, 14)
    assert lines(early, "FAIL") == ["settles at 14 gd, before the target of 37 gd: some transition "
                                    "sends a change along the whole critical path"]


def test_transition_with_xor_delay_uses_it():
    slow_xor = TransitionChallenge("t", arch="ripple", n=4, objective="settle", xor_delay=2)
    result = slow_xor.judge(((0, 0, 0), (15, 1, 0)), "ada")
    trace = simulate_transition(build("ripple", 4), {"a": 0, "b": 0}, {"a": 15, "b": 1},
                                Delays(per_kind={"XOR": 2}))
    assert result.score == trace.settle_time and slow_xor.passing() == longest_path(
        build("ripple", 4), 2)


def test_transition_malformed():
    bad = {"challenge": "glitch-ripple-16", "student": "eve",
           "before": {"a": 65536, "b": "0xg", "c": 1}, "after": [0, 0]}
    assert mistakes(bad) == [
        "before.c: not an input of the adder; its inputs are a, b, cin",
        "before.a: must be from 0 to 65,535, got 65,536",
        "before.b: '0xg' is not an integer (write 255, 0xff or 0b11111111)",
        'after: must be an object {"a": ..., "b": ..., "cin": 0 or 1}']
    assert mistakes({"challenge": "settle-carry-skip-16", "student": "eve",
                     "before": {"a": 0, "b": 0, "cin": 2}}) == [
        "before.cin: must be from 0 to 1, got 2",
        'after: missing; an object {"a": ..., "b": ..., "cin": 0 or 1}']


# ---------------------------------------------------------------------- 4: the CL-RNN
def clrnn_params(k: int, L: int, H: int) -> int:
    """Parameters of a CL-RNN adder, counted by hand: each weight-normalised convolution has
    a direction v, a gain g and a bias per output channel; the tanh cell W_ih, b_ih, W_hh,
    b_hh; the read-out H weights and a bias."""
    first = H * 2 * k + H + H                       # 2 inputs (a_t, b_t)
    later = (H * H * k + H + H) * (L - 1)
    cell = H * 2 + H + H * H + H
    return first + later + cell + H + 1


@pytest.mark.parametrize("k, L", [(2, 1), (2, 3), (3, 2), (4, 1)])
def test_receptive_field_matches_a_perturbed_forward_pass(k, L):
    from rnn.models import CLRNN
    body = CLRNN(2, 4, levels=L, kernel_size=k, seed=0)
    T = receptive_field(k, L) + 3
    x = np.random.default_rng(0).random((1, T, 2))
    base = body.forward(x)
    seen = []
    for s in range(T):
        y = x.copy()
        y[0, s] += 1.0
        if not np.allclose(body.forward(y)[0, -1], base[0, -1]):
            seen.append(s)
    assert seen == list(range(T - receptive_field(k, L), T))


def test_clrnn_too_short_a_window_is_refused_without_training():
    result = check({"challenge": "clrnn-8", "student": "dan", "kernel_size": 2, "levels": 3,
                    "hidden": 4})
    assert not result.passed and result.score is None
    (reason,) = lines(result, "FAIL")
    assert reason.startswith("R = 8 < n + 1 = 9: the carry out (step 8) depends on a_0 and b_0, "
                             "8 steps back")
    assert reason.endswith("No training can fix that: raise k or L (not trained)")
    assert lines(result, "info") == ["k = 2, L = 3, H = 4: 141 parameters; receptive field R = 1 + "
                                     "(k - 1)(2^L - 1) = 8"]
    assert clrnn_params(2, 3, 4) == 141


def test_clrnn_held_out_sums_are_never_trained_on():
    challenge = CHALLENGES["clrnn-6"]
    task = challenge.task(seed=1)
    weights = 1 << np.arange(6)

    def sums(split):
        return {(int(a), int(b)) for x, _ in split.groups
                for a, b in zip(x[:, :6, 0] @ weights, x[:, :6, 1] @ weights)}
    held = sums(task.test)
    assert len(held) == len(task.test) == 1000
    assert not held & sums(task.train) and not held & sums(task.valid)
    x, y = task.test.groups[0]
    a, b = x[:, :6, 0] @ weights, x[:, :6, 1] @ weights
    assert np.array_equal(y[:, :, 0] @ (1 << np.arange(7)), a + b)


def test_clrnn_malformed():
    assert mistakes({"challenge": "clrnn-6", "student": "eve", "kernel_size": 5, "levels": 0,
                     "hidden": 2.5}) == ["kernel_size: must be from 1 to 4, got 5",
                                         "levels: must be from 1 to 5, got 0",
                                         "hidden: must be an integer, got 2.5"]


def test_clrnn_that_does_not_learn_is_not_scored():
    tiny = ClrnnChallenge("clrnn-3-test", n=3, n_train=200, n_valid=50, epochs=1)
    result = tiny.judge((2, 2, 1), "eve")
    assert not result.passed and result.score is None
    assert lines(result, "ok") == ["R = 4 >= n + 1 = 4: the module can see every bit a carry "
                                   "comes from"]
    assert lines(result, "FAIL")[-1].startswith("0 of 2 run(s) add, 2 needed")
    assert "Right by longest carry chain (bits): " in lines(result, "FAIL")[0]
    assert lines(result, "info")[-1] == "seed 2: not run, the verdict was settled"


def test_clrnn_a_diverged_training_is_a_run_that_does_not_add(monkeypatch):
    import rnn.train

    def diverge(*args, **kwargs):
        raise rnn.train.TrainingDiverged("epoch 1, step 1: the loss is not finite")
    monkeypatch.setattr(rnn.train, "fit", diverge)
    result = ClrnnChallenge("clrnn-3-test", n=3).judge((2, 2, 4), "eve")
    assert not result.passed
    assert lines(result, "FAIL")[:2] == [
        f"seed {s}: the training diverged (a loss or gradient became infinite), so this run "
        f"does not add" for s in (0, 1)]


@pytest.mark.slow
def test_clrnn_window_exactly_n_plus_one_learns_to_add():
    result = check({"challenge": "clrnn-6", "student": "ada", "kernel_size": 3, "levels": 2,
                    "hidden": 16})
    assert result.passed and result.score == clrnn_params(3, 2, 16) == 1265
    assert "R = 7 >= n + 1 = 7: the module can see every bit a carry comes from" in lines(result, "ok")
    assert re.fullmatch(r"2 of [23] run\(s\) add, 2 needed", lines(result, "ok")[-1])
    assert "held-out sums exactly right (all 4,096 sums: " in lines(result, "ok")[1]


# ---------------------------------------------------------------------- the leaderboard
def write(folder, name, content):
    text = content if isinstance(content, str) else json.dumps(content)
    (folder / name).write_text(text, encoding="utf-8")


def mixed_folder(folder):
    hc = prefix_submission(prefix.han_carlson(16), "ada")
    write(folder, "ada-prefix.json", hc)
    write(folder, "bob-prefix.json", prefix_submission(prefix.ladner_fischer(16), "bob"))
    write(folder, "cy-prefix.json", {**hc, "student": "cy",
                                     "levels": without(prefix.han_carlson(16), (2, 1))})
    write(folder, "dan-prefix.json", prefix_submission(prefix.kogge_stone(16), "dan"))
    write(folder, "ada-select.json", {"challenge": "select-32", "student": "ada", "block": 4})
    write(folder, "ada-select-old.json", {"challenge": "select-32", "student": "ada", "block": "x"})
    write(folder, "bob-select.json", {"challenge": "select-32", "student": "bob", "block": 8})
    write(folder, "cy-select.json", {"challenge": "select-32", "student": "cy", "block": 4})
    write(folder, "dan-select-1.json", {"challenge": "select-32", "student": "dan", "block": 2})
    write(folder, "dan-select-2.json", {"challenge": "select-32", "student": "dan", "block": 6})
    write(folder, "eve-select.json", {"challenge": "select-32", "student": "eve", "block": 0})
    write(folder, "ada-glitch.json", submit("glitch-ripple-16", "ada", RIPPLE_BEST))
    swapped = {"a": RIPPLE_BEST[1]["b"], "b": RIPPLE_BEST[1]["a"], "cin": 1}
    write(folder, "bob-glitch.json", submit("glitch-ripple-16", "bob", (RIPPLE_BEST[0], swapped)))
    write(folder, "cy-glitch.json", submit("glitch-ripple-16", "cy",
                                           ({"a": 0, "b": 0}, {"a": 65535, "b": 1})))
    write(folder, "dan-clrnn.json", {"challenge": "clrnn-8", "student": "dan", "kernel_size": 2,
                                     "levels": 3, "hidden": 4})
    write(folder, "broken.json", '{"challenge": "select-32", ')
    write(folder, "who.json", {"challenge": "select-64", "block": 8})
    write(folder, "what.json", {"challenge": "prefix-8", "student": "fay", "levels": []})
    write(folder, "notes.txt", "not a submission")


BOARD = """\
| challenge | rank | student | score | unit | status | file | note |
|---|---|---|---|---|---|---|---|
| prefix-16 | 1 | ada | 32 | cells | passed | ada-prefix.json | tracks 4, max fanout 2, depth 5 |
| prefix-16 | 2 | dan | 49 | cells | passed | dan-prefix.json | tracks 8, max fanout 2, depth 4 |
| prefix-16 | - | bob | 27 | cells | not passed | bob-prefix.json | max fanout 5 > 4 |
| prefix-16 | - | cy | - | cells | not passed | cy-prefix.json | not a prefix network: positions [2] do not reach position 0 (their gr... |
| select-32 | 1 | bob | 25 | gd | passed | bob-select.json | block 8, 301 gates |
| select-32 | 2 | dan | 25 | gd | passed | dan-select-2.json | block 6, 311 gates; best of 2 files |
| select-32 | 3 | ada | 25 | gd | passed | ada-select.json | block 4, 321 gates; 1 more file(s) invalid |
| select-32 | 3 | cy | 25 | gd | passed | cy-select.json | block 4, 321 gates |
| select-32 | - | eve | - | gd | invalid | eve-select.json | block: must be from 1 to 32, got 0 |
| select-64 | - | ? (who.json) | - | gd | invalid | who.json | student: missing (who submits: a name or an id) |
| glitch-ripple-16 | 1 | ada | 377 | pulses | passed | ada-glitch.json | settles at 33 gd |
| glitch-ripple-16 | 1 | bob | 377 | pulses | passed | bob-glitch.json | settles at 33 gd |
| glitch-ripple-16 | - | cy | 15 | pulses | not passed | cy-glitch.json | below the target of 150 pulses |
| clrnn-8 | - | dan | - | parameters | not passed | dan-clrnn.json | R = 8 < n + 1 = 9: cannot add |
| ? | - | ? (broken.json) | - |   | invalid | broken.json | not JSON: Expecting property name enclosed in double quotes at line 1, column 28 |
| ? | - | fay | - |   | invalid | what.json | challenge: unknown "prefix-8"; known: prefix-16, prefix-32, select-32, select-64, glitch-ripple-16, glitch-kogge-stone-16, settle-carry-skip-16, clrnn-6, clrnn-8 |"""


def test_leaderboard_over_a_folder_of_mixed_submissions(tmp_path):
    mixed_folder(tmp_path)
    checked = []
    rows = leaderboard(tmp_path, log=checked.append)
    assert render(rows) == BOARD
    # equal designs are judged once: ada's and cy's block 4 share one check
    assert sum("checking select-32" in line for line in checked) == 4
    csv = render(rows, "csv").splitlines()
    assert csv[0] == "challenge,rank,student,score,unit,status,file,note"
    assert csv[5] == 'select-32,1,bob,25,gd,passed,bob-select.json,"block 8, 301 gates"'
    assert len(csv) == len(rows) + 1 == 17


def test_a_design_the_checker_cannot_judge_does_not_stop_the_board(tmp_path):
    from carrylab.challenges import register

    class Broken(BlockChallenge):
        def judge(self, design, student):
            raise CarrylabError("the sweep ran out of memory")
    register(Broken("broken-test", n=4))
    try:
        write(tmp_path, "ada.json", {"challenge": "broken-test", "student": "ada", "block": 2})
        write(tmp_path, "bob.json", {"challenge": "select-32", "student": "bob", "block": 4})
        rows = leaderboard(tmp_path)
    finally:
        del CHALLENGES["broken-test"]
    assert [(r.challenge, r.student, r.status, r.note) for r in rows] == [
        ("select-32", "bob", "passed", "block 4, 321 gates"),
        ("broken-test", "ada", "invalid", "cannot be checked: the sweep ran out of memory")]


def test_leaderboard_of_an_empty_or_missing_folder(tmp_path):
    assert leaderboard(tmp_path) == []
    assert render([]).count("\n") == 1
    with pytest.raises(CarrylabError, match="no such folder"):
        leaderboard(tmp_path / "nope")
    with pytest.raises(CarrylabError, match="format must be one of md, csv"):
        render([], "html")


# ---------------------------------------------------------------------- what the docs say
def test_the_readme_example_and_commands():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    example = re.search(r'`(\{"challenge": "select-32".*?\})`', readme).group(1)
    assert check(json.loads(example)).score == 25
    for command in ("carrylab challenge list", "carrylab challenge check ada.json",
                    "carrylab challenge leaderboard submissions/ --format md -o board.md"):
        assert command in readme


def test_a_teacher_registers_a_variant():
    from carrylab.challenges import register
    variant = register(PrefixChallenge("prefix-24", n=24, max_depth=6, max_fanout=3))
    try:
        result = check(prefix_submission(prefix.han_carlson(24), "ada"))
        assert result.challenge == "prefix-24" and result.passed
        with pytest.raises(CarrylabError, match="'prefix-24' is registered already"):
            register(variant)
    finally:
        del CHALLENGES["prefix-24"]


# ---------------------------------------------------------------------- the command line
def test_cli_list_check_and_leaderboard(tmp_path, capsys):
    assert main(["challenge", "list"]) == 0
    out = capsys.readouterr().out
    for challenge_id in CHALLENGES:
        assert f"\n{challenge_id}: " in "\n" + out
    write(tmp_path, "ada.json", {"challenge": "select-32", "student": "ada", "block": 4})
    write(tmp_path, "cy.json", {"challenge": "select-32", "student": "cy", "block": 2})
    write(tmp_path, "eve.json", {"challenge": "select-32", "student": "", "block": "x"})
    assert main(["challenge", "check", str(tmp_path / "ada.json")]) == 0
    assert capsys.readouterr().out.startswith("select-32 (ada): PASSED, score 25 gd\n  info  ")
    assert main(["challenge", "check", str(tmp_path / "cy.json")]) == 1
    assert "select-32 (cy): NOT PASSED, score 37 gd" in capsys.readouterr().out
    assert main(["challenge", "check", str(tmp_path / "eve.json")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"carrylab challenge: {tmp_path / 'eve.json'}: student: must be 1 to 64 "
                   f"printable characters, got ''",
                   f"carrylab challenge: {tmp_path / 'eve.json'}: block: must be an integer, "
                   f"got 'x'"]
    assert main(["challenge", "check", str(tmp_path / "none.json")]) == 2
    assert capsys.readouterr().err == (f"carrylab challenge: {tmp_path / 'none.json'}: cannot "
                                       f"read the file: No such file or directory\n")
    board = tmp_path / "out" / "board.csv"
    board.parent.mkdir()
    assert main(["challenge", "leaderboard", str(tmp_path), "--format", "csv", "-o", str(board),
                 "--quiet"]) == 0
    assert capsys.readouterr() == (f"3 row(s) written to {board}\n", "")
    assert board.read_text().splitlines()[1:3] == [
        'select-32,1,ada,25,gd,passed,ada.json,"block 4, 321 gates"',
        "select-32,-,cy,37,gd,not passed,cy.json,block 2: a shorter critical path exists"]
    assert main(["challenge", "leaderboard", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_a_challenge_must_implement_the_whole_interface():
    from dataclasses import dataclass

    from carrylab.challenges import Challenge

    @dataclass(frozen=True)
    class NoJudge(Challenge):
        @property
        def title(self):
            return "no judge"

        def goal(self):
            return []

        def parse(self, submission, mistakes):
            return None

    with pytest.raises(TypeError, match="judge"):
        NoJudge("no-judge")
