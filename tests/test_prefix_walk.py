"""adders.prefix.low_ends, the one walk of the groups, and evaluate's recorded levels."""
import pytest

from adders.prefix import NETWORKS, PrefixNetwork, PrefixNetworkError, low_ends, network, serial
from rnn.scan import scan


def _walk_by_hand(n, levels):
    """The walk written out again: lo after each level, from the cells alone."""
    lo, out = list(range(n)), [list(range(n))]
    for level in levels:
        source = dict(level)  # i -> j: position i absorbs the group ending at j
        lo = [lo[source[i]] if i in source else lo[i] for i in range(n)]
        out.append(lo)
    return out


@pytest.mark.parametrize("name", sorted(NETWORKS))
@pytest.mark.parametrize("n", [1, 2, 5, 8, 13])
def test_low_ends_walks_every_network(name, n):
    net = network(name, n)
    lo = low_ends(n, net.levels)
    assert lo == net.groups() == _walk_by_hand(n, net.levels)
    assert len(lo) == net.depth + 1 and lo[0] == list(range(n)) and lo[-1] == [0] * n


def test_low_ends_of_an_invalid_network_show_the_gap():
    assert low_ends(3, [[(2, 0)]]) == [[0, 1, 2], [0, 1, 0]]
    with pytest.raises(PrefixNetworkError, match="leaves a gap"):
        PrefixNetwork(3, [[(2, 0)], [(1, 0)]]).check()


@pytest.mark.parametrize("name", ["sklansky", "kogge-stone", "brent-kung"])
def test_evaluate_records_the_levels_scan_reports(name):
    net = network(name, 6)
    values = list("abcdef")
    combine = lambda hi, lo: lo + hi  # noqa: E731  (string concatenation: associative)
    prefixes, history = net.evaluate(values, combine, record=True)
    assert prefixes == net.evaluate(values, combine) == ["a", "ab", "abc", "abcd", "abcde", "abcdef"]
    assert len(history) == net.depth + 1 and history[0] == values and history[-1] == prefixes
    assert scan(net, values, combine, record=True) == (prefixes, history)
    assert serial(1).evaluate(["x"], combine, record=True) == (["x"], [["x"]])
