"""The projection's employment part (whether an employment is open, its school, and the area
an office scopes the teacher by) follows every write that moves a teacher, and scoping reads
it: a teacher who moves, leaves or whose school changes district is seen by the right office."""

from datetime import date

import pytest

from qiangshi.access.scoping import scope
from qiangshi.org import services as org_services
from qiangshi.teachers import projection, selectors, services
from qiangshi.teachers.models import Teacher, TeacherCurrent
from tests import factories

pytestmark = pytest.mark.django_db


def _seen_by(user) -> set[str]:
    return set(scope(Teacher.objects.all(), user).values_list("name", flat=True))


def _row(teacher) -> TeacherCurrent:
    return TeacherCurrent.objects.select_related("district", "school").get(teacher=teacher)


def test_a_new_teacher_is_current_at_their_school(world):
    a = world["teachers"]["a"]
    row = _row(a)
    assert (row.is_current, row.school, row.district) == (
        True,
        a.current_school,
        a.current_school.district,
    )
    assert projection.mismatches() == []


def test_a_transfer_moves_the_teacher_to_the_new_office(world):
    admin, a = world["users"]["admin"], world["teachers"]["a"]
    huli_school = world["teachers"]["c"].current_school
    assert "陈静" in _seen_by(world["users"]["district"])
    services.employment_change(
        actor=admin,
        teacher=a,
        data={
            "school": huli_school,
            "employment_type": "established",
            "main_subject": "chinese",
            "start_date": date(2026, 9, 1),
        },
    )
    row = _row(a)
    assert (row.is_current, row.school_id) == (True, huli_school.pk)
    assert projection.mismatches() == []
    assert "陈静" not in _seen_by(world["users"]["district"])  # Siming no longer
    assert "陈静" in _seen_by(world["users"]["bureau"])  # still in Xiamen
    # The list's school filter reads the projection too.
    listed = selectors.teacher_list(actor=admin, filters={"school": huli_school.pk})
    assert {t.name for t in listed} == {"陈静", "李强"}


def test_a_teacher_who_leaves_stays_with_the_office_that_had_them(world):
    admin, a = world["users"]["admin"], world["teachers"]["a"]
    services.employment_end(actor=admin, teacher=a, end_date=date(2026, 7, 31), reason="退休")
    row = _row(a)
    assert (row.is_current, row.school_id, row.district_id) == (
        False,
        None,
        a.employments.get().school.district_id,
    )
    assert projection.mismatches() == []
    district = world["users"]["district"]
    assert "陈静" in _seen_by(district)
    current = selectors.teacher_list(actor=district)
    former = selectors.teacher_list(actor=district, filters={"status": "former"})
    assert "陈静" not in {t.name for t in current}
    assert [t.name for t in former] == ["陈静"]
    assert (current.count(), former.count()) == (1, 1)


def test_a_school_moved_to_another_district_takes_its_teachers(world, tree):
    admin, a = world["users"]["admin"], world["teachers"]["a"]
    school = a.current_school
    org_services.school_update(actor=admin, school=school, data={"district": tree["huli"]})
    assert _row(a).district_id == tree["huli"].pk
    assert projection.mismatches() == []
    assert "陈静" not in _seen_by(world["users"]["district"])


def test_check_projections_finds_a_drifted_area(world, tree):
    a = world["teachers"]["a"]
    TeacherCurrent.objects.filter(teacher=a).update(district=tree["xinluo"])
    assert projection.mismatches() == [a.pk]
    projection.refresh([a.pk])
    assert projection.mismatches() == []


@pytest.mark.parametrize(
    ("q", "names"),
    [
        ("陈", {"陈静", "陈建国"}),
        ("陈建", {"陈建国"}),
        ("建陈", set()),  # every character is there, not in this order
        ("静", {"陈静", "吴琳"}),  # 吴琳 was 林静怡: a former name counts
        ("lin", {"Lin Hai"}),  # case-insensitive
        ("LIN", {"Lin Hai"}),
    ],
)
def test_a_name_search_finds_names_and_former_names(world, q, names):
    admin = world["users"]["admin"]
    school = world["teachers"]["a"].current_school
    factories.teacher(admin, school, "陈建国")
    factories.teacher(admin, school, "吴琳", former_name="林静怡")
    factories.teacher(admin, school, "Lin Hai")
    listed = selectors.teacher_list(actor=admin, filters={"q": q})
    assert {t.name for t in listed} == names
    assert listed.count() == len(names)
    in_order = [t.name for t in selectors.teacher_list(actor=admin) if t.name in names]
    assert [t.name for t in listed] == in_order  # still in the list's name order


@pytest.mark.parametrize("sort", sorted(selectors.SORTS))
def test_a_pages_keys_come_in_the_lists_order(world, sort):
    """A page reads its keys from the projection's sort column, the list (an export) reads the
    annotated rows: both in the same order, teachers without a title or school included."""
    admin = world["users"]["admin"]
    school = world["teachers"]["a"].current_school
    services.teacher_record_add(
        actor=admin, teacher=world["teachers"]["b"], kind="title", data={"rank": "first"}
    )
    services.teacher_record_add(
        actor=admin, teacher=world["teachers"]["c"], kind="title", data={"rank": "second"}
    )
    factories.teacher(admin, school, "陈建国")
    listed = selectors.teacher_list(actor=admin, filters={"sort": sort, "status": "all"})
    assert [t.pk for t in listed[0:50]] == [t.pk for t in listed]
    assert [t.pk for t in listed[1:3]] == [t.pk for t in listed][1:3]
