"""The region view of school leadership: gaps per school, filters, scope."""

from datetime import date

from qiangshi.leadership import selectors, services
from tests import factories

ON = date(2026, 9, 1)


def _term(actor, school, **data):
    data.setdefault("starts_on", date(2021, 9, 1))
    return services.term_record(actor=actor, school_pk=school.pk, data=data)


def _rows(actor, **filters):
    return {r.school.name: r for r in selectors.school_rows(actor=actor, filters=filters, on=ON)}


def test_gaps_of_each_school(world):
    district, admin = world["users"]["district"], world["users"]["admin"]
    a, b = world["schools"]["a"], world["schools"]["b"]
    chen, wang = world["teachers"]["a"], world["teachers"]["b"]
    secretary = factories.teacher(admin, a, "郑书记")
    _term(district, a, post="secretary", teacher=secretary.pk)
    _term(district, a, post="principal", teacher=chen.pk, term_number=3)
    _term(district, a, post="vice_principal", teacher=chen.pk)
    for post in ("science_vice", "security_vice", "health_vice"):
        _term(district, a, post=post, outside_name="某人", outside_employer="某单位")
    # B: one person both secretary and principal, in a first term; an ended health vice
    _term(district, b, post="secretary", teacher=wang.pk)
    _term(district, b, post="principal", teacher=wang.pk)
    _term(district, b, post="health_vice", outside_name="何医生", outside_employer="中山医院",
          ends_on=date(2024, 9, 1))  # fmt: skip
    rows = _rows(district)
    assert set(rows) == {"思明第一小学", "思明第二小学"}
    assert rows["思明第一小学"].gaps == ["principal_terms"]
    assert rows["思明第一小学"].principal_terms == 2
    assert rows["思明第一小学"].names("secretary") == "郑书记"
    assert rows["思明第二小学"].gaps == [
        "combined", "no_vice_principal", "no_science_vice", "no_security_vice", "no_health_vice",
    ]  # fmt: skip
    assert rows["思明第二小学"].principal_terms == 0
    assert set(_rows(district, gap="combined")) == {"思明第二小学"}
    assert set(_rows(district, gap="principal_terms")) == {"思明第一小学"}
    counts = selectors.gap_counts(list(rows.values()))
    assert counts["combined"] == 1 and counts["no_health_vice"] == 1 and counts["no_secretary"] == 0


def test_school_without_records_shows_every_gap_but_no_terms(world):
    rows = _rows(world["users"]["bureau"])
    row = rows["湖里第一中学"]
    assert "no_secretary" in row.gaps and "no_principal" in row.gaps
    assert "principal_terms" not in row.gaps and row.principal_terms is None


def test_scope_school_sees_its_own_and_teacher_nothing(world):
    users = world["users"]
    assert set(_rows(users["school"])) == {"思明第一小学"}
    assert set(_rows(users["district"], district=world["tree"]["siming"].pk)) == {
        "思明第一小学", "思明第二小学",
    }  # fmt: skip
    assert _rows(users["teacher"]) == {}
    assert "新罗第一小学" in _rows(users["admin"])
    assert "新罗第一小学" not in _rows(users["bureau"])


def test_principal_full_terms_for_rotation(world):
    district, a, chen = world["users"]["district"], world["schools"]["a"], world["teachers"]["a"]
    _term(district, a, post="principal", teacher=chen.pk, term_number=1,
          starts_on=date(2016, 9, 1), ends_on=date(2021, 9, 1))  # fmt: skip
    _term(district, a, post="principal", teacher=chen.pk, term_number=2,
          starts_on=date(2021, 9, 1), ends_on=date(2026, 9, 1))  # fmt: skip
    assert selectors.principal_full_terms([a.pk], date(2026, 8, 31)) == {(chen.pk, a.pk): 1}
    assert selectors.principal_full_terms([a.pk], ON) == {(chen.pk, a.pk): 2}
    assert selectors.principal_full_terms([world["schools"]["b"].pk], ON) == {}
