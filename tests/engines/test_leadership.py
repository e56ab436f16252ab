"""Leadership terms: holding on a date, overlaps, full terms (engines/leadership.py)."""

from datetime import date

from qiangshi.engines.leadership import Term, full_terms, holds_on, is_full, overlaps


def test_holder_leaves_on_the_day_the_term_ends_or_the_day_they_left():
    t = Term(1, date(2020, 9, 1), ends_on=date(2025, 9, 1))
    assert holds_on(t, date(2020, 9, 1)) and holds_on(t, date(2025, 8, 31))
    assert not holds_on(t, date(2025, 9, 1)) and not holds_on(t, date(2020, 8, 31))
    left = Term(1, date(2020, 9, 1), ends_on=date(2025, 9, 1), left_on=date(2023, 3, 1))
    assert left.until == date(2023, 3, 1) and not holds_on(left, date(2023, 3, 1))
    assert holds_on(Term(1, date(2020, 9, 1)), date(2099, 1, 1))


def test_back_to_back_terms_do_not_overlap_and_one_shared_day_does():
    a = Term(1, date(2016, 9, 1), ends_on=date(2021, 9, 1))
    assert not overlaps(a, Term(2, date(2021, 9, 1)))
    assert overlaps(a, Term(2, date(2021, 8, 31)))
    assert overlaps(Term(1, date(2016, 9, 1)), Term(2, date(2030, 1, 1)))  # open term
    left_early = Term(1, date(2016, 9, 1), ends_on=date(2021, 9, 1), left_on=date(2019, 1, 1))
    assert not overlaps(left_early, Term(1, date(2019, 1, 1)))


def test_a_term_is_full_when_its_end_passed_and_the_holder_stayed_to_it():
    t = Term(1, date(2016, 9, 1), ends_on=date(2021, 9, 1))
    assert not is_full(t, date(2021, 8, 31)) and is_full(t, date(2021, 9, 1))
    assert not is_full(Term(1, date(2016, 9, 1)), date(2030, 1, 1))  # no end recorded
    early = Term(1, date(2016, 9, 1), ends_on=date(2021, 9, 1), left_on=date(2021, 8, 1))
    assert not is_full(early, date(2025, 1, 1))


def test_full_terms_count_the_terms_before_the_first_recorded():
    on = date(2026, 9, 1)
    assert full_terms([], on) == 0
    assert full_terms([Term(3, date(2024, 9, 1))], on) == 2
    assert full_terms([Term(1, date(2024, 9, 1))], on) == 0
    t2 = Term(2, date(2019, 9, 1), ends_on=date(2024, 9, 1))
    assert full_terms([t2, Term(3, date(2024, 9, 1))], on) == 2
    # a term that has not started by the day asked about does not count
    assert full_terms([Term(3, date(2027, 9, 1))], on) == 0
