"""Recording leadership terms: the holder, the dates, one holder of a single-holder post."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.leadership import services
from qiangshi.leadership.models import LeadershipTerm
from tests import factories


def _term(actor, school, **data):
    data.setdefault("starts_on", date(2021, 9, 1))
    return services.term_record(actor=actor, school_pk=school.pk, data=data)


def test_principal_term_recorded_and_audited(world):
    district = world["users"]["district"]
    a, chen = world["schools"]["a"], world["teachers"]["a"]
    term = _term(district, a, post="principal", teacher=chen.pk, term_number=2,
                 ends_on=date(2026, 9, 1))  # fmt: skip
    assert term.holder_name == "陈静" and term.term_number == 2
    log = AuditLog.objects.get(action="leadership.create")
    assert log.object_id == str(term.pk) and log.changes["post"] == [None, "principal"]


def test_second_principal_in_the_same_period_is_refused_in_both_languages(world):
    from django.utils import translation

    district, admin = world["users"]["district"], world["users"]["admin"]
    a = world["schools"]["a"]
    _term(district, a, post="principal", teacher=world["teachers"]["a"].pk,
          ends_on=date(2026, 9, 1))  # fmt: skip
    other = factories.teacher(admin, a, "林森")
    for lang, text in (("en", "already has a holder"), ("zh-hans", "已有任职人")):
        with translation.override(lang), pytest.raises(ApplicationError) as e:
            _term(district, a, post="principal", teacher=other.pk, starts_on=date(2026, 8, 1))
        assert text in e.value.fields["starts_on"]
    # the day the term ends, the next one may start
    nxt = _term(district, a, post="principal", teacher=other.pk, starts_on=date(2026, 9, 1))
    assert nxt.pk


def test_vice_principals_may_be_several_but_not_the_same_person_twice(world):
    district = world["users"]["district"]
    a = world["schools"]["a"]
    police = {"post": "security_vice", "outside_name": "黄警官", "outside_employer": "思明公安分局",
              "outside_position": "派出所副所长"}  # fmt: skip
    _term(district, a, **police)
    _term(district, a, **{**police, "outside_name": "吴警官"})
    with pytest.raises(ApplicationError) as e:
        _term(district, a, **police, starts_on=date(2022, 1, 1))
    assert "starts_on" in e.value.fields


def test_outside_person_only_for_science_security_health_and_needs_employer(world):
    district, a = world["users"]["district"], world["schools"]["a"]
    with pytest.raises(ApplicationError) as e:
        _term(district, a, post="principal", outside_name="外人", outside_employer="某单位")
    assert "teacher" in e.value.fields
    with pytest.raises(ApplicationError) as e:
        _term(district, a, post="health_vice", outside_name="何医生")
    assert "outside_employer" in e.value.fields
    with pytest.raises(ApplicationError) as e:
        _term(district, a, post="health_vice", teacher=world["teachers"]["a"].pk,
              outside_name="何医生")  # fmt: skip
    assert "outside_name" in e.value.fields


def test_holder_must_have_worked_at_the_school_and_be_in_the_area(world):
    district = world["users"]["district"]
    with pytest.raises(ApplicationError) as e:  # 王芳 works at B
        _term(district, world["schools"]["a"], post="secretary", teacher=world["teachers"]["b"].pk)
    assert "teacher" in e.value.fields
    with pytest.raises(ApplicationError) as e:  # 李强 is in Huli, outside the district
        _term(district, world["schools"]["a"], post="secretary", teacher=world["teachers"]["c"].pk)
    assert "teacher" in e.value.fields
    with pytest.raises(NotFound):
        _term(district, world["schools"]["c"], post="secretary", teacher=world["teachers"]["c"].pk)


def test_dates_checked(world):
    district, a, chen = world["users"]["district"], world["schools"]["a"], world["teachers"]["a"]
    base = {"post": "secretary", "teacher": chen.pk}
    for extra, key in (
        ({"ends_on": date(2021, 9, 1)}, "ends_on"),
        ({"left_on": date(2020, 1, 1)}, "left_on"),
        ({"left_on": date(2999, 1, 1)}, "left_on"),
        ({"starts_on": None}, "starts_on"),
        ({"term_number": 0}, "term_number"),
        ({"post": "janitor"}, "post"),
    ):
        with pytest.raises(ApplicationError) as e:
            _term(district, a, **{**base, **extra})
        assert key in e.value.fields, extra


def test_update_records_the_end_and_delete_removes(world):
    district, a, chen = world["users"]["district"], world["schools"]["a"], world["teachers"]["a"]
    term = _term(district, a, post="secretary", teacher=chen.pk)
    services.term_update(actor=district, term_pk=term.pk, data={"left_on": date(2024, 1, 1)})
    term.refresh_from_db()
    assert term.left_on == date(2024, 1, 1) and term.teacher_id == chen.pk
    log = AuditLog.objects.get(action="leadership.change")
    assert log.changes == {"left_on": [None, "2024-01-01"]}
    # an outside person replaces the teacher on a vice post
    vice = _term(district, a, post="science_vice", teacher=chen.pk)
    services.term_update(actor=district, term_pk=vice.pk,
                         data={"outside_name": "郑研究员", "outside_employer": "厦门大学"})  # fmt: skip
    vice.refresh_from_db()
    assert vice.teacher_id is None and vice.outside_name == "郑研究员"
    services.term_delete(actor=district, term_pk=term.pk)
    assert not LeadershipTerm.objects.filter(pk=term.pk).exists()
    assert AuditLog.objects.filter(action="leadership.delete", object_id=str(term.pk)).exists()


def test_only_offices_write_and_only_in_their_area(world):
    users, a = world["users"], world["schools"]["a"]
    chen = world["teachers"]["a"]
    for role in ("school", "teacher", "ethics", "auditor", "pilot"):
        with pytest.raises(PermissionDenied):
            _term(users[role], a, post="secretary", teacher=chen.pk)
    term = _term(users["bureau"], a, post="secretary", teacher=chen.pk)
    huli = factories.user("district", region=world["tree"]["huli"])
    with pytest.raises(NotFound):
        services.term_update(actor=huli, term_pk=term.pk, data={"term_number": 2})
    with pytest.raises(NotFound):
        services.term_delete(actor=huli, term_pk=term.pk)
