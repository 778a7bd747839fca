"""Prefix networks: validity at every width, and the textbook figures at n = 2^k."""
import itertools

import pytest
from hypothesis import given, settings, strategies as st

from adders import prefix
from adders.prefix import NETWORKS, PrefixNetwork, PrefixNetworkError


def reference_prefixes(values):
    """Prefix sums of a list by a plain loop (the associative op here: concatenation)."""
    out, acc = [], ()
    for v in values:
        acc = acc + (v,)
        out.append(acc)
    return out


@pytest.mark.parametrize("name", list(NETWORKS))
@pytest.mark.parametrize("n", list(range(1, 70)) + [100, 127, 128, 129, 257, 300])
def test_every_network_is_valid_and_computes_prefixes(name, n):
    net = NETWORKS[name](n).check()
    # Each value is the span (lo, hi) of positions it covers; a cell may only join a span
    # with the span just below it (touching, or overlapping if the op is idempotent). The
    # expected prefixes and the overlap seen come from this test, not from the network.
    overlaps = []

    def combine(upper, lower):
        assert lower[0] < upper[0] <= lower[1] + 1 and upper[1] > lower[1], (upper, lower)
        overlaps.append(upper[0] <= lower[1])
        return (lower[0], upper[1])

    assert net.evaluate([(i, i) for i in range(n)], combine) == [(0, i) for i in range(n)]
    assert net.overlapping == any(overlaps)
    if not any(overlaps):       # then any associative op works: the exact concatenation
        assert net.evaluate([(i,) for i in range(n)], lambda hi, lo: lo + hi) == \
            reference_prefixes(list(range(n)))


def test_prefix_sums_match_loop():
    net = prefix.brent_kung(13)
    assert net.evaluate(list(range(1, 14)), lambda hi, lo: hi + lo) == [sum(range(1, k + 1)) for k in range(1, 14)]


L_RANGE = range(1, 9)


@pytest.mark.parametrize("L", L_RANGE)
def test_textbook_figures(L):
    n = 2 ** L
    sk = prefix.sklansky(n)
    assert (sk.depth, sk.size, sk.max_fanout) == (L, n // 2 * L, n // 2 + 1)
    ks = prefix.kogge_stone(n)
    assert (ks.depth, ks.size, ks.max_fanout, ks.tracks) == (L, n * L - n + 1, 2, n // 2)
    bk = prefix.brent_kung(n)
    assert (bk.depth, bk.size, bk.max_fanout) == (2 * L - 1, 2 * n - 2 - L, 2)
    if L >= 2:
        hc = prefix.han_carlson(n)
        assert (hc.depth, hc.size, hc.max_fanout, hc.tracks) == (L + 1, n // 2 * L, 2, n // 4)
        lf = prefix.ladner_fischer(n)
        assert (lf.depth, lf.size, lf.max_fanout) == (L + 1, n // 4 * (L - 1) + n - 1, n // 4 + 1)
        assert lf.levels == prefix.from_taxonomy(n, 1, L - 2, 0).levels
        kn = prefix.knowles(n, [2] + [1] * (L - 1))
        assert (kn.depth, kn.max_fanout, kn.tracks) == (L, 3, n // 4)


@pytest.mark.parametrize("L", range(1, 9))
def test_taxonomy_spans_the_cube(L):
    n = 2 ** L
    named = {(L - 1, 0, 0): "brent-kung", (0, L - 1, 0): "sklansky", (0, 0, L - 1): "kogge-stone"}
    if L >= 2:
        named[(1, 0, L - 2)] = "han-carlson"
    for l in range(L):
        for f in range(L - l):
            t = L - 1 - l - f
            net = prefix.from_taxonomy(n, l, f, t)
            assert net.depth == L + l
            assert net.max_fanout == 2 ** f + 1 or L == 1
            assert net.tracks == 2 ** t
            if (l, f, t) in named:
                assert net.levels == NETWORKS[named[(l, f, t)]](n).levels


@pytest.mark.parametrize("n", [3, 5, 6, 7, 9, 12, 17, 24, 33, 47, 65, 100, 200, 300])
def test_depth_bounds_other_widths(n):
    L = (n - 1).bit_length()
    bounds = {"serial": n - 1, "sklansky": L, "kogge-stone": L, "brent-kung": 2 * L - 1,
              "han-carlson": L + 1, "ladner-fischer": L + 1, "knowles": L}
    for name, bound in bounds.items():
        assert NETWORKS[name](n).depth <= bound, name


def test_knowles_lanes_all_valid_configurations():
    for L in range(1, 6):
        for combo in itertools.product(range(L), repeat=L):
            first = [1 << c for c in combo]
            ok = all(first[k] <= 1 << k for k in range(L)) and all(
                first[k] <= first[k + 1] for k in range(L - 1))
            lanes = first[::-1]
            for n in (2 ** (L - 1) + 1, 2 ** L):
                if ok:
                    net = prefix.knowles(n, lanes)
                    assert net.depth <= L
                    assert net.max_fanout <= max(lanes) + 1
                else:
                    with pytest.raises(ValueError, match="lane"):
                        prefix.knowles(n, lanes)


def test_knowles_sklansky_lanes_give_sklansky():
    assert prefix.knowles(32, [16, 8, 4, 2, 1]).levels == prefix.sklansky(32).levels
    assert prefix.knowles(32, [1] * 5).levels == prefix.kogge_stone(32).levels


@given(st.integers(1, 300), st.sampled_from(list(NETWORKS)))
@settings(max_examples=60, deadline=None)
def test_groups_end_at_zero(n, name):
    net = NETWORKS[name](n)
    assert net.groups()[-1] == [0] * n
    assert len(net.groups()) == net.depth + 1


def test_check_reports_gaps_and_incomplete_positions():
    with pytest.raises(PrefixNetworkError, match="gap"):
        PrefixNetwork(4, (((1, 0), (3, 1)),)).check()
    with pytest.raises(PrefixNetworkError, match="do not reach position 0"):
        PrefixNetwork(3, (((1, 0),),)).check()
    with pytest.raises(PrefixNetworkError, match="0 <= j < i"):
        PrefixNetwork(4, (((1, 2),),))
    with pytest.raises(PrefixNetworkError, match="two cells"):
        PrefixNetwork(4, (((2, 1), (2, 0)),))


@pytest.mark.parametrize("bad", [0, -3])
def test_width_must_be_positive(bad):
    with pytest.raises(ValueError, match=r"n must be an int in \[1, 65,536\]"):
        prefix.kogge_stone(bad)


@pytest.mark.parametrize("bad", [2.0, "8", True, None])
def test_width_must_be_int(bad):
    with pytest.raises(TypeError, match="n must be an int"):
        prefix.sklansky(bad)


def test_taxonomy_errors():
    with pytest.raises(ValueError, match="power of two"):
        prefix.from_taxonomy(12, 1, 1, 1)
    with pytest.raises(ValueError, match="must equal log2 n - 1 = 3"):
        prefix.from_taxonomy(16, 1, 1, 0)
    with pytest.raises(ValueError, match="f must be an int >= 0"):
        prefix.from_taxonomy(16, 1, -1, 3)


def test_unknown_network_lists_known():
    with pytest.raises(ValueError, match="known: serial, sklansky"):
        prefix.network("wallace", 8)


def test_overlapping_flag():
    assert not prefix.kogge_stone(64).overlapping
    assert prefix.knowles(16).overlapping
