"""Digital-literacy aggregates on hand-made scores: means only over the teachers scored, the
histogram's bins and edges, the change year over year."""

from qiangshi.engines.literacy_stats import (
    Score,
    group_means,
    histogram,
    histograms,
    means,
    yearly_means,
)

ROWS = [
    Score("1", "A", 2025, {"aw": 2.0, "sk": 3.0}),
    Score("2", "A", 2025, {"aw": 4.0, "sk": None}),
    Score("1", "A", 2026, {"aw": 3.0, "sk": 4.0}),
    Score("2", "A", 2026, {"aw": 5.0, "sk": 2.0}),
    Score("3", "B", 2026, {"aw": 1.0, "sk": None}),
]


def test_a_mean_counts_only_the_teachers_scored_on_the_dimension():
    m = means([r for r in ROWS if r.year == 2025], ["aw", "sk"])
    assert (m["aw"].mean, m["aw"].n) == (3.0, 2)
    assert (m["sk"].mean, m["sk"].n) == (3.0, 1)


def test_a_dimension_nobody_answered_has_no_mean_not_zero():
    m = means([Score("1", "A", 2026, {"aw": None})], ["aw"])
    assert (m["aw"].mean, m["aw"].n) == (None, 0)


def test_group_means_per_school_of_the_year():
    by = group_means(ROWS, year=2026)
    assert by["A"]["aw"].mean == 4.0 and by["B"]["aw"].mean == 1.0
    assert by["B"]["sk"].n == 0


def test_histogram_bins_are_half_open_and_the_last_is_closed():
    assert histogram([1.0, 1.99, 2.0, 4.99, 5.0, 0.5, 5.5], (1, 5)) == [2, 1, 0, 2]


def test_histograms_of_a_year():
    h = histograms(ROWS, ["aw", "sk"], (1, 5), year=2026)
    assert h == {"aw": [1, 0, 1, 1], "sk": [0, 1, 0, 1]}


def test_yearly_means_and_their_change():
    years = yearly_means(ROWS, "aw")
    assert [(y.year, y.mean, y.n) for y in years] == [(2025, 3.0, 2), (2026, 3.0, 3)]
    assert years[0].change is None and years[1].change == 0.0
    sk = yearly_means(ROWS, "sk")
    assert [(y.mean, y.change) for y in sk] == [(3.0, None), (3.0, 0.0)]
