"""The offices keep the reviewers' pool, the relations reviewers declared and the weak-school
designations through the services: each write checked (role, then area), validated and audited;
a reviewer taken out is never drawn, a recorded relation keeps the reviewer off that teacher's
panel, a designation counts as weak-school service for its period only."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.titles import eligibility, selectors, services
from qiangshi.titles.models import ReviewerProfile, ReviewerRelation, WeakSchool
from tests import factories

pytestmark = pytest.mark.django_db


def _expert(name="expert-x"):
    return factories.user("reviewer", username=name, display_name="评审专家")


def _profile(world, actor="bureau", school="c", user=None):
    return services.reviewer_profile_create(
        actor=world["users"][actor], user_pk=(user or _expert()).pk, subjects=["chinese"],
        stages=["primary"], school_pk=world["schools"][school].pk if school else None,
    )  # fmt: skip


# --- profiles -------------------------------------------------------------------------------------


def test_the_bureau_adds_a_reviewer_with_the_district_of_their_school(world):
    profile = _profile(world, school="c")  # Huli
    assert (profile.district, profile.is_active) == (world["tree"]["huli"], True)
    row = AuditLog.objects.get(action="titles.reviewer.create")
    assert row.object_id == str(profile.pk) and row.changes["subjects"] == [None, ["chinese"]]


def test_a_district_offices_expert_without_a_school_is_of_its_district(world):
    profile = _profile(world, actor="district", school=None)
    assert profile.district == world["tree"]["siming"] and profile.school is None


def test_a_bureau_expert_without_school_or_district_is_city_wide(world):
    profile = _profile(world, school=None)
    assert profile.district is None


def test_a_school_outside_the_office_area_is_refused_next_to_the_field(world):
    with pytest.raises(ApplicationError) as e:
        _profile(world, actor="district", school="c")  # Huli, not Siming
    assert set(e.value.fields) == {"school"}
    assert not ReviewerProfile.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"subjects": []}, "subjects"),
        ({"stages": []}, "stages"),
        ({"subjects": ["alchemy"]}, "subjects"),
        ({"stages": ["university"]}, "stages"),
        ({"district_pk": -1}, "district"),
    ],
)
def test_bad_subjects_stages_or_district_are_refused(world, values, field):
    data = {"subjects": ["chinese"], "stages": ["primary"], **values}
    with pytest.raises(ApplicationError) as e:
        services.reviewer_profile_create(
            actor=world["users"]["bureau"], user_pk=_expert().pk, **data
        )
    assert field in e.value.fields


def test_only_an_expert_reviewers_login_not_yet_in_the_pool_can_be_added(world):
    bureau = world["users"]["bureau"]
    with pytest.raises(ApplicationError) as e:
        services.reviewer_profile_create(
            actor=bureau, user_pk=world["users"]["teacher"].pk, subjects=["chinese"],
            stages=["primary"],
        )  # fmt: skip
    assert "user" in e.value.fields
    expert = _expert()
    _profile(world, user=expert)
    assert expert not in selectors.reviewer_candidates(actor=bureau)
    with pytest.raises(ApplicationError) as e:
        _profile(world, user=expert)
    assert "user" in e.value.fields


@pytest.mark.parametrize("role", ["admin", "school", "teacher", "reviewer", "pilot", "auditor",
                                  "ethics"])  # fmt: skip
def test_roles_other_than_the_offices_may_not_keep_the_pool(world, role):
    actor = world["users"][role]
    profile = _profile(world)
    with pytest.raises(PermissionDenied):
        services.reviewer_profile_create(
            actor=actor, user_pk=_expert("other").pk, subjects=["chinese"], stages=["primary"]
        )
    with pytest.raises(PermissionDenied):
        services.reviewer_profile_update(
            actor=actor, profile_pk=profile.pk, subjects=["english"], stages=["primary"]
        )
    with pytest.raises(PermissionDenied):
        services.reviewer_profile_deactivate(actor=actor, profile_pk=profile.pk)
    profile.refresh_from_db()
    assert profile.subjects == ["chinese"] and profile.is_active


def test_a_district_office_changes_its_own_experts_only(world):
    district = world["users"]["district"]
    huli = _profile(world, school="c", user=_expert("huli"))
    city = _profile(world, school=None, user=_expert("city"))
    own = _profile(world, actor="district", school="a", user=_expert("siming"))
    # It sees the city-wide expert (it may draw them) but changes only its district's.
    assert set(selectors.reviewer_profiles(actor=district)) == {city, own}
    for other in (huli, city):
        with pytest.raises(NotFound):
            services.reviewer_profile_update(
                actor=district, profile_pk=other.pk, subjects=["english"], stages=["primary"]
            )
    services.reviewer_profile_update(
        actor=district, profile_pk=own.pk, subjects=["english", "chinese"], stages=["junior"],
        school_pk=world["schools"]["b"].pk,
    )  # fmt: skip
    own.refresh_from_db()
    assert (own.subjects, own.stages, own.school) == (
        ["chinese", "english"], ["junior"], world["schools"]["b"]
    )  # fmt: skip
    row = AuditLog.objects.get(action="titles.reviewer.update")
    assert row.changes == {
        "subjects": [["chinese"], ["chinese", "english"]],
        "stages": [["primary"], ["junior"]],
        "school": [world["schools"]["a"].pk, world["schools"]["b"].pk],
    }


def test_a_reviewer_taken_out_is_not_drawn_and_can_be_put_back(world):
    bureau = world["users"]["bureau"]
    profile = _profile(world)
    assert [r.id for r in selectors.reviewer_pool()] == [profile.user_id]
    services.reviewer_profile_deactivate(actor=bureau, profile_pk=profile.pk, reason="退休")
    assert selectors.reviewer_pool() == []
    row = AuditLog.objects.get(action="titles.reviewer.deactivate")
    assert row.note == "退休" and row.changes == {"is_active": [True, False]}
    with pytest.raises(ApplicationError):
        services.reviewer_profile_deactivate(actor=bureau, profile_pk=profile.pk)
    services.reviewer_profile_reactivate(actor=bureau, profile_pk=profile.pk)
    assert [r.id for r in selectors.reviewer_pool()] == [profile.user_id]
    assert AuditLog.objects.filter(action="titles.reviewer.reactivate").count() == 1


def test_pool_filters(world):
    bureau = world["users"]["bureau"]
    a = _profile(world, school="c", user=_expert("a"))
    b = services.reviewer_profile_create(
        actor=bureau, user_pk=_expert("b").pk, subjects=["mathematics"], stages=["junior"],
        school_pk=world["schools"]["a"].pk,
    )  # fmt: skip
    services.reviewer_profile_deactivate(actor=bureau, profile_pk=b.pk)

    def listed(**filters):
        return list(selectors.reviewer_profiles(actor=bureau, filters=filters))

    assert listed(subject="mathematics") == [b]
    assert listed(stage="primary") == [a]
    assert listed(district=world["tree"]["huli"].pk) == [a]
    assert listed(active="0") == [b]
    assert listed(q="b") == [b]


# --- declared relations ---------------------------------------------------------------------------


def test_an_office_records_corrects_and_removes_a_relation(world):
    district = world["users"]["district"]
    profile = _profile(world, actor="district", school="b")
    teacher = world["teachers"]["a"]
    row = services.reviewer_relation_record(
        actor=district, reviewer_pk=profile.user_id, teacher_pk=teacher.pk, kind="relative",
        declared_on=date(2026, 3, 1),
    )  # fmt: skip
    assert [r.related for r in selectors.reviewer_pool()] == [frozenset({teacher.pk})]
    assert list(selectors.relation_list(actor=district)) == [row]
    services.reviewer_relation_update(actor=district, relation_pk=row.pk, kind="mentor")
    row.refresh_from_db()
    assert (row.kind, row.declared_on) == ("mentor", date(2026, 3, 1))
    services.reviewer_relation_remove(actor=district, relation_pk=row.pk, reason="录入错误")
    assert not ReviewerRelation.objects.exists()
    assert [r.related for r in selectors.reviewer_pool()] == [frozenset()]
    actions = list(AuditLog.objects.filter(action__startswith="titles.relation.")
                   .order_by("pk").values_list("action", flat=True))  # fmt: skip
    assert actions == ["titles.relation.record", "titles.relation.update", "titles.relation.remove"]
    removed = AuditLog.objects.get(action="titles.relation.remove")
    assert removed.changes["teacher"] == [teacher.pk, None] and removed.note == "录入错误"


def test_a_relation_needs_a_reviewer_of_the_pool_and_a_teacher_of_the_area(world):
    district = world["users"]["district"]
    huli = _profile(world, school="c", user=_expert("huli"))  # not in Siming's pool
    own = _profile(world, actor="district", school="b", user=_expert("own"))

    def record(reviewer, teacher, **extra):
        with pytest.raises(ApplicationError) as e:
            services.reviewer_relation_record(
                actor=district, reviewer_pk=reviewer.user_id, teacher_pk=teacher.pk,
                **{"kind": "colleague", **extra},
            )  # fmt: skip
        return set(e.value.fields)

    assert record(huli, world["teachers"]["a"]) == {"reviewer"}
    assert record(own, world["teachers"]["d"]) == {"teacher"}  # Longyan
    assert record(own, world["teachers"]["a"], kind="enemy") == {"kind"}
    assert record(own, world["teachers"]["a"], declared_on=date(2999, 1, 1)) == {"declared_on"}
    services.reviewer_relation_record(
        actor=district, reviewer_pk=own.user_id, teacher_pk=world["teachers"]["a"].pk,
        kind="colleague",
    )  # fmt: skip
    assert record(own, world["teachers"]["a"]) == {"teacher"}  # already recorded
    with pytest.raises(PermissionDenied):
        services.reviewer_relation_record(
            actor=world["users"]["school"], reviewer_pk=own.user_id,
            teacher_pk=world["teachers"]["a"].pk, kind="colleague",
        )  # fmt: skip


def test_relations_are_listed_for_the_teachers_of_the_area_only(world):
    bureau = world["users"]["bureau"]
    profile = _profile(world)
    on_b = services.reviewer_relation_record(
        actor=bureau, reviewer_pk=profile.user_id, teacher_pk=world["teachers"]["b"].pk,
        kind="colleague",
    )  # fmt: skip
    on_c = services.reviewer_relation_record(
        actor=bureau, reviewer_pk=profile.user_id, teacher_pk=world["teachers"]["c"].pk,
        kind="mentor",
    )  # fmt: skip
    assert set(selectors.relation_list(actor=bureau)) == {on_b, on_c}
    assert list(selectors.relation_list(actor=world["users"]["district"])) == [on_b]
    assert list(selectors.relation_list(actor=bureau, filters={"kind": "mentor"})) == [on_c]
    assert list(selectors.relation_list(actor=bureau, filters={"q": "王芳"})) == [on_b]
    for role in ("school", "teacher", "reviewer"):
        assert list(selectors.relation_list(actor=world["users"][role])) == []
    with pytest.raises(NotFound):
        services.reviewer_relation_update(
            actor=world["users"]["district"], relation_pk=on_c.pk, kind="other"
        )


# --- weak schools ---------------------------------------------------------------------------------


def _designate(world, actor="district", school="a", start=date(2020, 1, 1), end=None, **extra):
    return services.weak_school_designate(
        actor=world["users"][actor], school_pk=world["schools"][school].pk, start_date=start,
        end_date=end, source=extra.pop("source", "思明区教育局认定（2020）1号"), **extra,
    )  # fmt: skip


def test_a_designation_counts_as_weak_school_service_for_its_period_only(world):
    teacher = world["teachers"]["a"]  # at school A since 2010-09-01
    on = date(2021, 1, 1)
    assert eligibility._service([teacher.pk], on)[teacher.pk][1] == 0
    row = _designate(world)
    assert eligibility._service([teacher.pk], on)[teacher.pk][1] == 366
    services.weak_school_end(
        actor=world["users"]["district"], designation_pk=row.pk, end_date=date(2020, 7, 1)
    )
    assert eligibility._service([teacher.pk], on)[teacher.pk][1] == 182
    assert list(
        AuditLog.objects.filter(action__startswith="titles.weak_school.").order_by("pk").values_list(
            "action", "changes"
        )
    ) == [
        ("titles.weak_school.designate", {"school": [None, world["schools"]["a"].pk],
                                          "start_date": [None, "2020-01-01"],
                                          "end_date": [None, None],
                                          "source": [None, "思明区教育局认定（2020）1号"]}),
        ("titles.weak_school.end", {"end_date": [None, "2020-07-01"]}),
    ]  # fmt: skip


def test_a_designation_is_refused_outside_the_area_overlapping_or_without_a_reason(world):
    _designate(world, start=date(2020, 1, 1), end=date(2022, 1, 1))

    def refused(**kwargs):
        with pytest.raises(ApplicationError) as e:
            _designate(world, **kwargs)
        return set(e.value.fields)

    assert refused(school="c") == {"school"}  # Huli: not the Siming office's
    assert refused(start=date(2021, 6, 1)) == {"start_date"}
    assert refused(start=date(2019, 1, 1), end=None) == {"start_date"}
    assert refused(start=date(2023, 1, 1), end=date(2023, 1, 1)) == {"end_date"}
    assert refused(start=date(2023, 1, 1), source="  ") == {"source"}
    _designate(world, start=date(2022, 1, 1))  # the day the first one ended: no overlap
    assert WeakSchool.objects.count() == 2
    with pytest.raises(PermissionDenied):
        _designate(world, actor="school", start=date(2030, 1, 1))
    with pytest.raises(PermissionDenied):
        _designate(world, actor="admin", start=date(2030, 1, 1))


def test_ending_a_designation(world):
    district = world["users"]["district"]
    row = _designate(world, end=date(2024, 1, 1))
    for end in (date(2020, 1, 1), date(2024, 1, 1), date(2025, 1, 1)):
        with pytest.raises(ApplicationError):
            services.weak_school_end(actor=district, designation_pk=row.pk, end_date=end)
    services.weak_school_end(actor=district, designation_pk=row.pk, end_date=date(2023, 1, 1))
    row.refresh_from_db()
    assert row.end_date == date(2023, 1, 1)
    other = _designate(world, actor="bureau", school="c")
    with pytest.raises(NotFound):
        services.weak_school_end(actor=district, designation_pk=other.pk, end_date=date(2023, 1, 1))


def test_designations_filter_by_district_year_and_status(world):
    bureau = world["users"]["bureau"]
    old = _designate(world, start=date(2015, 1, 1), end=date(2018, 1, 1))
    now = _designate(world, school="b", start=date(2018, 6, 1))
    later = _designate(world, actor="bureau", school="c", start=date(2099, 1, 1))
    today = date(2026, 6, 1)

    def listed(**filters):
        return set(selectors.weak_school_list(actor=bureau, filters=filters, today=today))

    assert listed() == {old, now, later}
    assert listed(district=world["tree"]["huli"].pk) == {later}
    assert listed(year=2017) == {old}
    assert listed(year=2018) == {now}  # the first one ended on 2018-01-01
    assert listed(status="current") == {now}
    assert listed(status="upcoming") == {later}
    assert listed(status="ended") == {old}
    assert listed(q="第二") == {now}
    assert set(selectors.weak_school_list(actor=world["users"]["district"])) == {old, now}
    assert list(selectors.weak_school_list(actor=world["users"]["school"])) == []
