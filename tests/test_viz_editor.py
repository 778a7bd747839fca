"""The prefix-network editor: its pure parts against independent references, and the
widget driven from code (no browser; tests/e2e clicks it in JupyterLab)."""
import itertools
import json
import random
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from adders import prefix  # noqa: E402
from adders.prefix import PrefixNetwork  # noqa: E402
from viz._style import artists_with_gid, text_overlaps  # noqa: E402
from viz.editor import (  # noqa: E402
    PrefixDraft,
    check_outputs,
    default_coefficients,
    draw_editor,
    layout_editor,
    submission,
    two_algebras,
    write_submission,
)


# ---------------------------------------------------------------------- references
def _words(network):
    """Each output as the exact sequence of positions it combines (free semigroup)."""
    return network.evaluate([(i,) for i in range(network.n)], lambda hi, lo: hi + lo)


_GENERATE, _PROPAGATE, _KILL = "G", "P", "K"


def _carry_word(word, kinds):
    """A carry out of a word of bit kinds: the first bit (from the top) that is not a
    propagate decides; all propagate: none generated."""
    for p in word:
        if kinds[p] != _PROPAGATE:
            return kinds[p] == _GENERATE
    return False


def _carry_right(word, i):
    """Brute force over every generate/propagate/kill pattern of bits 0..i."""
    exact = tuple(range(i, -1, -1))
    return all(_carry_word(word, kinds) == _carry_word(exact, kinds)
               for kinds in itertools.product((_GENERATE, _PROPAGATE, _KILL), repeat=i + 1))


def _random_network(rng, n):
    levels = []
    for _ in range(rng.randint(0, 5)):
        level = {}
        for i in rng.sample(range(1, n), rng.randint(0, n - 1)):
            level[i] = rng.randrange(i)
        levels.append(sorted(level.items()))
    return PrefixNetwork(n, levels)


def _loop(a_t, b_t):
    """h[t] = a_t h[t-1] + b_t, h[-1] = 0, one step at a time."""
    h, out = 0.0, []
    for a, b in zip(a_t, b_t):
        h = a * h + b
        out.append(h)
    return out


# ---------------------------------------------------------------------- validity
def test_check_outputs_agrees_with_brute_force_on_random_networks():
    rng = random.Random(7)
    kinds = set()
    for _ in range(400):
        net = _random_network(rng, rng.randint(2, 6))
        report = check_outputs(net)
        for i, (word, out) in enumerate(zip(_words(net), report["outputs"])):
            assert out["exact"] == (word == tuple(range(i, -1, -1))), (net, i, word)
            assert out["carry_ok"] == _carry_right(word, i), (net, i, word)
            assert out["twice"] == sorted({p for p in word if word.count(p) > 1})
            kinds.add(out["problem"])
        assert report["valid"] == all(o["exact"] for o in report["outputs"])
        assert report["carries_valid"] == all(o["carry_ok"] for o in report["outputs"])
    assert kinds == {None, "missing", "order", "overlap"}        # every verdict was met


@pytest.mark.parametrize("name", list(prefix.NETWORKS))
def test_named_networks(name):
    for n in (2, 5, 8, 16):
        net = prefix.network(name, n)
        report = check_outputs(net)
        assert report["carries_valid"]
        assert report["valid"] == (not net.overlapping)
        assert (report["first_wrong"] is None) == report["valid"]


def test_messages_name_the_first_wrong_output():
    # outputs 0..4 serial; output 5 stops at the group 5..3
    net = PrefixNetwork(6, [[(1, 0), (5, 4)], [(2, 1), (5, 3)], [(3, 2)], [(4, 3)]])
    r = check_outputs(net)
    assert (r["valid"], r["carries_valid"], r["first_wrong"]) == (False, False, 5)
    assert r["message"] == ("not a prefix network: position 5 does not combine position 2: "
                            "it covers 3..5 only")
    gap = PrefixNetwork(6, [[(1, 0), (5, 4)], [(2, 1)], [(3, 2), (5, 2)], [(4, 3)]])
    assert check_outputs(gap)["outputs"][5]["message"] == (
        "position 5 does not combine position 3: it covers 0..2 and 4..5 only")
    order = PrefixNetwork(4, [[(1, 0)], [(3, 1)], [(2, 1), (3, 2)]])   # 3 meets 1, 0, then 2
    assert check_outputs(order)["message"] == (
        "not a prefix network: position 3 combines position 2 after position 0: its groups "
        "come out of order (3, 1..0, 2)")
    # an overlap at output 2 and a missing position at output 3: the carries' error wins
    both = PrefixNetwork(4, [[(1, 0), (2, 1)], [(2, 1)]])
    r = check_outputs(both)
    assert r["first_wrong"] == 3 and r["message"].startswith("not a prefix network: position 3")
    assert r["outputs"][2]["problem"] == "overlap"


# ---------------------------------------------------------------------- layout and draft
def test_layout_editor_matches_the_groups_and_keeps_empty_rows():
    net = prefix.brent_kung(8)
    rows = [dict(level) for level in net.levels]
    rows.insert(2, {})
    lay = layout_editor(8, rows)
    assert lay["columns"] == list(range(7, -1, -1))
    assert [r["level"] for r in lay["rows"]] == [1, 2, None, 3, 4, 5]
    groups = net.groups()
    for r in lay["rows"]:
        above = sum(1 for cells in rows[:r["row"] - 1] if cells)   # empty rows change nothing
        before = groups[above]
        for slot in r["slots"]:
            i = slot["position"]
            assert slot["holds"] == before[i]
            assert slot["auto"] == (before[i] - 1 if before[i] else None)
            assert slot["cell"] == rows[r["row"] - 1].get(i)


def test_draft_builds_sklansky_from_serial_as_notebook_02_says():
    draft = PrefixDraft(8, "serial")
    st = draft.network.stats()
    assert (st["depth"], st["cells"]) == (7, 7) and check_outputs(draft.network)["valid"]
    assert len(draft.rows) == 8 and draft.rows[-1] == {}            # one spare row
    target = prefix.sklansky(8)
    # row by row, top first, the cells it lacks; the nearest-group rule picks each j
    for row, bits in ((1, (3, 5, 7)), (2, (3, 6, 7)), (3, (4, 5, 6, 7))):
        for i in bits:
            assert (i, draft.add(row, i)) in target.levels[row - 1]
    assert not check_outputs(draft.network)["valid"]                 # the chain's leftovers
    for row, i in [(3, 3)] + [(row, row) for row in range(4, 8)]:
        assert draft.remove(row, i) == i - 1
    assert draft.network.levels == target.levels
    assert draft.network.stats() == target.stats() and target.depth == 3
    assert check_outputs(draft.network)["valid"]
    assert len(draft.rows) == 4                                        # the spare row only


def test_draft_edits_update_stats_and_verdict():
    draft = PrefixDraft(8, "serial")
    assert draft.add(1, 3) == 2
    r = check_outputs(draft.network)
    assert draft.network.size == 8 and r["carries_valid"] and not r["valid"]
    assert r["first_wrong"] == 3
    assert draft.remove(3, 3) == 2
    r = check_outputs(draft.network)
    assert draft.network.stats()["depth"] == 6 and draft.network.size == 7
    assert r["message"] == ("not a prefix network: position 3 does not combine position 1: "
                            "it covers 2..3 only")
    assert draft.toggle(1, 3) == ("removed", 3, 2)
    assert draft.toggle(3, 3, j=2) == ("added", 3, 2)               # a named partner
    assert check_outputs(draft.network)["valid"]


def test_draft_refuses_bad_edits():
    draft = PrefixDraft(4, "serial")
    with pytest.raises(ValueError, match="row 1 already has a cell at position 1"):
        draft.add(1, 1)
    with pytest.raises(ValueError, match="position 1 already holds the group 1..0 before row 2"):
        draft.add(2, 1)
    with pytest.raises(ValueError, match="j must be an int in"):
        draft.add(1, 2, j=2)
    with pytest.raises(ValueError, match="row 2 has no cell at position 3"):
        draft.remove(2, 3)
    with pytest.raises(ValueError, match="row must be an int in"):
        draft.add(9, 1)
    with pytest.raises(ValueError, match="n must be an int in"):
        PrefixDraft(17)
    with pytest.raises(ValueError, match="start must be one of"):
        PrefixDraft(8, "ripple")
    with pytest.raises(ValueError, match="start has n = 4"):
        PrefixDraft(8, prefix.serial(4))


# ---------------------------------------------------------------------- both algebras
def test_two_algebras_against_python_addition_and_the_loop():
    rng = random.Random(3)
    for name in prefix.NETWORKS:
        for n in (3, 8, 13):
            net = prefix.network(name, n)
            a_t, b_t = default_coefficients(n)
            for _ in range(20):
                a, b = rng.randrange(1 << n), rng.randrange(1 << n)
                r = two_algebras(net, a, b)
                total = a + b
                carries = [((total >> k) ^ (a >> k) ^ (b >> k)) & 1 for k in range(1, n)]
                carries.append(total >> n)
                assert r["carries"] == carries and r["sum"] == total
                assert all(r["carry_ok"])
            assert r["h_ref"] == pytest.approx(_loop(a_t, b_t), rel=1e-12)
            if net.overlapping:
                assert not all(r["h_ok"])
                assert r["h"] != pytest.approx(_loop(a_t, b_t), rel=1e-6)
            else:
                assert all(r["h_ok"]) and r["h"] == pytest.approx(_loop(a_t, b_t), rel=1e-12)


def test_a_wrong_network_computes_wrong_numbers():
    net = PrefixNetwork(6, [[(1, 0), (5, 4)], [(2, 1), (5, 3)], [(3, 2)], [(4, 3)]])
    r = two_algebras(net, 0b111111, 0b000001)          # bits 1..5 propagate bit 0's carry
    assert r["carry_ok"] == [True] * 5 + [False] and r["sum"] != 0b100000
    assert r["h_ok"] == [True] * 5 + [False]
    a_t, b_t = default_coefficients(6)
    h5 = b_t[5] + a_t[5] * (b_t[4] + a_t[4] * b_t[3])    # what output 5 combines: 5..3
    assert r["h"][5] == pytest.approx(h5, rel=1e-12)


# ---------------------------------------------------------------------- picture
def test_picture_shows_cells_values_and_the_first_wrong_output():
    net = prefix.knowles(8)
    fig = draw_editor(net)
    cells = {a.get_gid() for a in artists_with_gid(fig, "cell:")}
    assert len(cells) == net.size
    carries = artists_with_gid(fig, "carry:")
    states = artists_with_gid(fig, "state:")
    assert len(carries) == len(states) == 8
    assert all(t.get_text().endswith("✓") for t in carries)      # right for carries ...
    wrong = [t for t in states if t.get_text().endswith("✗")]
    assert wrong and all(t.get_color() != carries[0].get_color() for t in wrong)   # ... not h_t
    first = check_outputs(net)["first_wrong"]
    assert [a.get_gid() for a in artists_with_gid(fig, "wrong:")] == [f"wrong:{first}"]
    assert "valid for carries only" in fig.axes[0].get_title()
    assert not artists_with_gid(draw_editor(prefix.serial(8)), "wrong:")
    for n in (8, 16):
        assert text_overlaps(draw_editor(prefix.kogge_stone(n)), pad=1.0) == []
    plt.close("all")


# ---------------------------------------------------------------------- submissions
def test_submission_round_trip(tmp_path):
    net = prefix.brent_kung(8)
    path = write_submission(tmp_path / "sub" / "bk.json", net, "ada")
    data = json.loads(path.read_text())
    assert data == submission(net, "ada")
    assert data == {"challenge": "prefix-8", "student": "ada", "n": 8,
                    "levels": [[list(cell) for cell in level] for level in net.levels]}
    assert PrefixNetwork(data["n"], data["levels"]).levels == net.levels
    assert [p.name for p in path.parent.iterdir()] == ["bk.json"]      # no temporary left
    with pytest.raises(ValueError, match="student must name who submits"):
        submission(net, " ")


# ---------------------------------------------------------------------- the widget
def test_import_viz_editor_does_not_import_ipywidgets():
    code = "import viz.editor, sys; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture(scope="module")
def editor_class():
    pytest.importorskip("ipywidgets")
    from viz.editor import prefix_editor
    return prefix_editor


def test_clicking_slots_edits_the_network_and_the_picture(editor_class):
    ed = editor_class(8, dpi=30)
    assert "cells 7" in ed.stats.value and "valid prefix network" in ed.verdict.value
    assert "8 of 8 right" in ed.checks.value and "8 of 8 agree" in ed.checks.value
    first_png, first_gids = ed.image.value, ed.gids
    assert "cell:1:3:2" not in first_gids
    ed.buttons[(1, 3)].value = True                                   # a click
    assert ed.draft.rows[0] == {1: 0, 3: 2}
    assert "cells 8" in ed.stats.value
    assert "valid for carries only: position 3 combines position 2 twice" in ed.verdict.value
    assert "8 of 8 right" in ed.checks.value and "3 of 8 agree" in ed.checks.value
    assert "cell:1:3:2" in ed.gids and "wrong:3" in ed.gids and ed.image.value != first_png
    slot = ed.buttons[(1, 3)]
    assert slot.description == "2" and "carrylab-slot-1-3" in slot._dom_classes
    ed.buttons[(3, 3)].value = False                                  # remove serial's (3, 2)
    assert "cells 7" in ed.stats.value and "depth 6" in ed.stats.value
    assert "position 3 does not combine position 1: it covers 2..3 only" in ed.verdict.value
    ed.buttons[(1, 3)].value = False
    assert ed.gids.count("wrong:3") == 1 and "cell:1:3:2" not in ed.gids


def test_refused_click_springs_back_and_partner_menu(editor_class):
    ed = editor_class(4, dpi=30)
    ed.buttons[(2, 1)].value = True                  # position 1 already holds 1..0
    assert ed.buttons[(2, 1)].value is False and "not added" in ed.note.value
    assert ed.draft.rows[1] == {2: 1}
    ed.partner.value = 1                              # j = i - 1: an overlapping cell
    ed.buttons[(2, 1)].value = True
    assert ed.draft.rows[1] == {1: 0, 2: 1} and "valid for carries only" in ed.verdict.value
    ed.partner.value = 3
    ed.buttons[(1, 2)].value = True                   # 2 - 3 < 0
    assert ed.buttons[(1, 2)].value is False and "no partner" in ed.note.value
    ed.load("empty")
    ed.partner.value = 0
    assert len(ed.draft.rows) == 1 and "cells 0" in ed.stats.value
    ed.buttons[(1, 3)].value = True                   # the spare row: a new level
    assert len(ed.draft.rows) == 2 and (2, 3) in ed.buttons
    assert "position 1 does not combine position 0" in ed.verdict.value
    ed.buttons[(1, 3)].value = False
    assert len(ed.draft.rows) == 1 and (2, 3) not in ed.buttons


def test_sliders_start_menu_and_export(editor_class, tmp_path):
    ed = editor_class(8, start="knowles", student="ada", dpi=30)
    assert "valid for carries only" in ed.verdict.value
    for a in (0, 77, 255):
        ed.a_slider.value = a
        assert f"carries of a + b = {a} + 5 = {a + 5}: 8 of 8 right" in ed.checks.value
    ed.start.value = "brent-kung"
    assert ed.network.levels == prefix.brent_kung(8).levels and "cells 11" in ed.stats.value
    ed.path.value = str(tmp_path / "bk.json")
    ed.student.value = ""
    ed._export_clicked()
    assert "not written: student must name" in ed.exported.value
    ed.student.value = "ada"
    ed._export_clicked()
    assert "wrote" in ed.exported.value and "prefix-8: 11 cells, a valid" in ed.exported.value
    data = json.loads((tmp_path / "bk.json").read_text())
    assert data["student"] == "ada" and data == submission(ed.network, "ada")


def test_the_overlap_of_notebook_02_keeps_carries_and_breaks_h(editor_class):
    """Sklansky's network (built by the walkthrough above), then the click the text asks
    for: j = i - 1 at bit 1 in row 2."""
    ed = editor_class(8, start="sklansky", dpi=30)
    assert "depth 3 " in ed.stats.value and "valid prefix network" in ed.verdict.value
    ed.partner.value = 1
    ed.buttons[(2, 1)].value = True
    assert ed.draft.rows[1][1] == 0
    assert ed.verdict.value.endswith(
        "valid for carries only: position 1 combines position 0 twice: right for carries "
        "(the carry operator is idempotent), wrong for a linear RNN</span>")
    rng = random.Random(5)
    for _ in range(30):
        r = two_algebras(ed.network, rng.randrange(256), rng.randrange(256), ed.coefficients)
        assert all(r["carry_ok"])
    assert r["h_ok"][1] is False and "wrong:1" in ed.gids


def test_exported_files_are_challenge_submissions(editor_class, tmp_path):
    """What the editor exports is what the prefix challenge reads (tests may import both
    sides; viz itself never imports carrylab)."""
    from carrylab.challenges import check_file, prefix_submission
    ed = editor_class(16, start="han-carlson", student="ada", dpi=30)
    assert submission(ed.network, "ada") == prefix_submission(ed.network, "ada")
    result = check_file(ed.export(tmp_path / "hc.json"))
    assert result.passed and result.score == ed.network.size == 32
    ed.load("knowles")                                      # right for carries only
    result = check_file(ed.export(tmp_path / "kn.json"))
    assert not ed.report["valid"] and ed.report["carries_valid"] and not result.passed
    ed.load("han-carlson")
    ed.remove(1, 1)                                         # not a prefix network at all
    result = check_file(ed.export(tmp_path / "broken.json"))
    assert not ed.report["carries_valid"] and not result.passed and result.score is None


def _shown(ax):
    """The editor picture's words: every tagged text and its colour, and the title."""
    texts = {t.get_gid(): (t.get_text(), matplotlib.colors.to_hex(t.get_color()))
             for t in ax.texts if t.get_gid()}
    return texts, ax.get_title()


def test_editor_redraws_in_place_like_a_fresh_picture(editor_class):
    ed = editor_class(8, dpi=30)
    for a, b in [(3, 250), (0, 0), (255, 1)]:                  # sliders: texts restated
        ed.a_slider.value, ed.b_slider.value = a, b
        fresh = draw_editor(ed.network, ed.result, ed.report)
        assert _shown(ed._figure.axes[0]) == _shown(fresh.axes[0])
        plt.close(fresh)
    ed.add(1, 3)                                               # same depth: drawn again
    ed.a_slider.value = 77                                     # and restated
    fresh = draw_editor(ed.network, ed.result, ed.report)
    assert _shown(ed._figure.axes[0]) == _shown(fresh.axes[0])
    assert sorted(a.get_gid() for a in artists_with_gid(fresh, "")) == ed.gids
    plt.close(fresh)
