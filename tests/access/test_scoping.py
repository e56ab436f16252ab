"""Who sees which teachers and schools: the scope matrix at the selector level."""

import pytest

from qiangshi.access.scoping import scope
from qiangshi.org.models import Region, School
from qiangshi.teachers.models import Teacher

# role → the teachers (keys of world["teachers"]) it may view
VISIBLE_TEACHERS = {
    "admin": {"a", "b", "c", "d"},
    "bureau": {"a", "b", "c"},
    "district": {"a", "b"},
    "school": {"a"},
    "teacher": {"a"},
    "reviewer": set(),
    "pilot": set(),
    "auditor": set(),
}
VISIBLE_SCHOOLS = {
    "admin": {"a", "b", "c", "d"},
    "bureau": {"a", "b", "c"},
    "district": {"a", "b"},
    "school": {"a"},
    "teacher": {"a"},
    "reviewer": set(),
    "pilot": {"a", "b", "c"},
    "auditor": set(),
}


@pytest.mark.parametrize("role", sorted(VISIBLE_TEACHERS))
def test_teacher_scope_per_role(world, role):
    actor = world["users"][role]
    seen = set(scope(Teacher.objects.all(), actor, "view").values_list("pk", flat=True))
    expected = {world["teachers"][k].pk for k in VISIBLE_TEACHERS[role]}
    assert seen == expected


@pytest.mark.parametrize("role", sorted(VISIBLE_SCHOOLS))
def test_school_scope_per_role(world, role):
    actor = world["users"][role]
    seen = set(scope(School.objects.all(), actor, "view").values_list("pk", flat=True))
    assert seen == {world["schools"][k].pk for k in VISIBLE_SCHOOLS[role]}


def test_district_office_sees_its_region_and_ancestors_only(world):
    seen = set(
        scope(Region.objects.all(), world["users"]["district"], "view").values_list(
            "code", flat=True
        )
    )
    assert seen == {"35", "3502", "350203"}


def test_transferred_teacher_leaves_the_old_schools_scope(world):
    from datetime import date

    from qiangshi.teachers.services import employment_change

    t = world["teachers"]["a"]
    employment_change(
        actor=world["users"]["admin"],
        teacher=t,
        data={
            "school": world["schools"]["b"],
            "employment_type": "established",
            "start_date": date(2025, 9, 1),
        },
    )
    school_admin = world["users"]["school"]
    assert not scope(Teacher.objects.all(), school_admin, "view").filter(pk=t.pk).exists()


def test_pilot_may_aggregate_but_not_view_teachers(world):
    pilot = world["users"]["pilot"]
    assert scope(Teacher.objects.all(), pilot, "aggregate").count() == 3
    assert scope(Teacher.objects.all(), pilot, "view").count() == 0


def test_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert scope(Teacher.objects.all(), AnonymousUser(), "view").count() == 0


def test_offices_keep_former_staff_schools_do_not(world):
    from datetime import date

    from qiangshi.teachers.selectors import teacher_list, teacher_stats
    from qiangshi.teachers.services import employment_end

    t = world["teachers"]["a"]
    employment_end(
        actor=world["users"]["school"], teacher=t, end_date=date(2026, 7, 31), reason="retired"
    )
    district, school = world["users"]["district"], world["users"]["school"]
    assert scope(Teacher.objects.all(), district, "view").filter(pk=t.pk).exists()
    assert scope(Teacher.objects.all(), world["users"]["bureau"], "view").filter(pk=t.pk).exists()
    assert not scope(Teacher.objects.all(), school, "view").filter(pk=t.pk).exists()
    # Huli's office never had them.
    from tests import factories

    huli = factories.user("district", region=world["tree"]["huli"])
    assert not scope(Teacher.objects.all(), huli, "view").filter(pk=t.pk).exists()
    # Lists and counts are of current staff unless former staff are asked for.
    assert t not in teacher_list(actor=district)
    assert list(teacher_list(actor=district, filters={"status": "former"})) == [t]
    assert teacher_stats(actor=district)["total"] == 1


def test_former_staff_with_several_jobs_appear_once(world):
    from datetime import date

    from qiangshi.teachers.services import employment_change, employment_end

    admin, t = world["users"]["admin"], world["teachers"]["b"]
    employment_change(
        actor=admin,
        teacher=t,
        data={
            "school": world["schools"]["a"],
            "employment_type": "established",
            "start_date": date(2024, 9, 1),
        },
    )
    employment_end(actor=admin, teacher=t, end_date=date(2025, 7, 31), reason="left")
    rows = scope(Teacher.objects.all(), world["users"]["district"], "view").filter(pk=t.pk)
    assert rows.count() == 1
