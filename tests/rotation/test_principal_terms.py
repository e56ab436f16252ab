"""A principal's rotation eligibility reads the terms the school leadership record holds; a
principal without a recorded term keeps the years at the school (2 × 5 years)."""

from datetime import date

from qiangshi.leadership import services as leadership
from qiangshi.rotation import selectors

from .world import YEAR


def _principal(rot):
    _, people = selectors.candidates(rot["tree"]["siming"], YEAR)
    return next(c for c in people if c.name == "校长")


def _record(rot, **data):
    principal = rot["people"]["principal"]
    school = principal.employments.get().school
    return leadership.term_record(
        actor=rot["users"]["admin"], school_pk=school.pk,
        data={"post": "principal", "teacher": principal.pk, **data},
    )  # fmt: skip


def test_without_a_recorded_term_the_years_decide(rot):
    assert _principal(rot).reasons == ["principal_years"]


def test_third_term_recorded_makes_the_principal_eligible(rot):
    _record(rot, term_number=3, starts_on=date(2024, 9, 1))
    c = _principal(rot)
    assert c.eligible and c.years == 8  # 8 years at the school would not have been enough


def test_first_term_recorded_keeps_the_principal_with_the_terms_reason(rot):
    _record(rot, term_number=1, starts_on=date(2018, 9, 1), ends_on=date(2023, 9, 1))
    _record(rot, term_number=2, starts_on=date(2023, 9, 1), ends_on=date(2028, 9, 1))
    c = _principal(rot)
    assert c.reasons == ["principal_terms"] and "2" in c.reason_texts[0]
