"""The projection of each teacher's current title and highest education (`TeacherCurrent`)
equals what the history says after every kind of write, `check_projections` finds and puts
right a row that drifted, and the main pages' query counts do not grow with the teachers."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qiangshi.imports.services import import_file
from qiangshi.teachers import projection, services
from qiangshi.teachers.models import Teacher, TeacherCurrent
from tests import factories
from tests.imports.test_history_import import EDUCATION, TITLES, _education, _import, _who
from tests.imports.test_teacher_import import HEADER, _row, _xlsx

pytestmark = pytest.mark.django_db


def assert_projection_is_the_history():
    """Every teacher has one row, and it says what the records say (the model's own
    definitions of the current title and highest completed education)."""
    teachers = list(Teacher.objects.prefetch_related("title_records", "education_records"))
    rows = {r.teacher_id: r for r in TeacherCurrent.objects.all()}
    assert set(rows) == {t.pk for t in teachers}
    for t in teachers:
        title, education = t.current_title, t.highest_education
        row = rows[t.pk]
        assert row.title_rank == (title.rank if title else None), t.name
        assert row.education_level == (education.level if education else None), t.name
    assert projection.mismatches() == []


def test_a_new_teacher_has_an_empty_row(world):
    assert_projection_is_the_history()
    row = TeacherCurrent.objects.get(teacher=world["teachers"]["a"])
    assert (row.title_rank, row.education_level, row.education_due_on) == (None, None, None)


def test_record_services_keep_the_row_current(world):
    actor, teacher = world["users"]["admin"], world["teachers"]["a"]
    add = services.teacher_record_add
    second = add(actor=actor, teacher=teacher, kind="title", data={"rank": "second"})
    assert_projection_is_the_history()
    first = add(
        actor=actor,
        teacher=teacher,
        kind="title",
        data={"rank": "first", "obtained_on": "2015-01-01"},
    )
    assert TeacherCurrent.objects.get(teacher=teacher).title_rank == "first"
    add(
        actor=actor,
        teacher=teacher,
        kind="education",
        data={"level": "bachelor", "institution": "厦门大学", "end_date": "2007-07-01"},
    )
    soon = date.today() + timedelta(days=30)
    master = add(
        actor=actor,
        teacher=teacher,
        kind="education",
        data={"level": "master", "institution": "华东师范大学", "end_date": soon.isoformat()},
    )
    row = TeacherCurrent.objects.get(teacher=teacher)
    assert (row.education_level, row.education_due_on) == ("bachelor", soon)  # not yet a master
    assert_projection_is_the_history()
    services.teacher_record_update(actor=actor, record=first, data={"rank": "senior"})
    assert TeacherCurrent.objects.get(teacher=teacher).title_rank == "senior"
    services.teacher_record_delete(actor=actor, record=first)
    assert TeacherCurrent.objects.get(teacher=teacher).title_rank == "second"
    services.teacher_record_delete(actor=actor, record=second)
    services.teacher_record_update(actor=actor, record=master, data={"end_date": "2010-07-01"})
    assert_projection_is_the_history()
    row = TeacherCurrent.objects.get(teacher=teacher)
    assert (row.title_rank, row.education_level, row.education_due_on) == (None, "master", None)


def test_an_approved_change_request_keeps_the_row_current(world):
    teacher_user = world["users"]["teacher"]
    request = services.change_request_submit(
        actor=teacher_user, kind="title", payload={"rank": "senior", "obtained_on": "2020-12-01"}
    )
    services.change_request_approve(actor=world["users"]["school"], request=request)
    assert TeacherCurrent.objects.get(teacher=world["teachers"]["a"]).title_rank == "senior"
    assert_projection_is_the_history()


def test_a_roster_import_keeps_the_rows_current(world):
    actor = world["users"]["school"]
    rows = [_row(world, 1), _row(world, 2, 职称="高级教师", 最高学历="硕士研究生")]
    result = import_file(actor=actor, kind="teachers", data=_xlsx(rows), filename="r.xlsx")
    assert result.new == 2 and not result.problems
    assert_projection_is_the_history()
    row = TeacherCurrent.objects.get(teacher__name="测试2")
    assert (row.title_rank, row.education_level) == ("senior", "master")
    # A re-import that raises a title
    again = [_row(world, 1, 职称="高级教师")]
    import_file(actor=actor, kind="teachers", data=_xlsx(again), filename="r2.xlsx")
    assert TeacherCurrent.objects.get(teacher__name="测试1").title_rank == "senior"
    assert_projection_is_the_history()


def test_new_teachers_rows_are_written_as_their_history_gives_them(world):
    """An import writes a new teacher's row with the teacher (not recomputed afterwards):
    the same row as the history gives, whatever the title, degree and dates."""
    header = [*HEADER, "毕业日期", "取得职称日期"]
    later = (timezone.localdate() + timedelta(days=40)).isoformat()
    variants = [
        {},
        {"职称": "无"},
        {"职称": ""},
        {"最高学历": ""},
        {"最高学历": "硕士研究生", "毕业日期": later},
        {"最高学历": "博士研究生", "毕业日期": "2015-07-01", "取得职称日期": "2019-09-01"},
        {"职称": "正高级教师", "取得职称日期": ""},
    ]
    rows = []
    for n, over in enumerate(variants, start=1):
        values = dict(zip(HEADER, _row(world, n), strict=True)) | {
            "毕业日期": "",
            "取得职称日期": "",
        }
        values.update(over)
        rows.append([values[h] for h in header])
    result = import_file(
        actor=world["users"]["admin"], kind="teachers", data=_xlsx(rows, header), filename="r.xlsx"
    )
    assert result.new == len(variants) and not result.problems
    assert_projection_is_the_history()
    assert projection.mismatches() == []
    due = TeacherCurrent.objects.get(teacher__name="测试5")
    assert due.education_due_on == date.fromisoformat(later) and due.is_current
    assert due.school_id == world["schools"]["a"].pk
    assert due.district_id == world["schools"]["a"].district_id


def test_a_rejected_import_leaves_the_rows_as_they_were(world):
    before = list(TeacherCurrent.objects.values_list("teacher_id", "title_rank"))
    rows = [_row(world, 1), _row(world, 2, 身份证号码="123")]
    result = import_file(
        actor=world["users"]["school"], kind="teachers", data=_xlsx(rows), filename="r.xlsx"
    )
    assert result.problems
    assert list(TeacherCurrent.objects.values_list("teacher_id", "title_rank")) == before
    assert_projection_is_the_history()


def test_history_imports_keep_the_rows_current(world):
    actor = world["users"]["admin"]
    _import(actor, "titles", TITLES, [_who(world) + ["高级教师", "2015-12-01", ""]])
    _import(actor, "education", EDUCATION, [_education(world), _education(world, "b")])
    assert TeacherCurrent.objects.get(teacher=world["teachers"]["a"]).title_rank == "senior"
    assert TeacherCurrent.objects.get(teacher=world["teachers"]["b"]).education_level == (
        "bachelor"
    )
    assert_projection_is_the_history()


def test_check_projections_reports_and_fixes_a_drifted_row(world):
    teacher = world["teachers"]["b"]
    services.teacher_record_add(
        actor=world["users"]["admin"], teacher=teacher, kind="title", data={"rank": "first"}
    )
    out = StringIO()
    call_command("check_projections", stdout=out)
    assert "0" in out.getvalue()
    TeacherCurrent.objects.filter(teacher=teacher).update(title_rank="senior", title_order=5)
    TeacherCurrent.objects.filter(teacher=world["teachers"]["c"]).delete()
    with pytest.raises(CommandError, match=str(teacher.pk)):
        call_command("check_projections", stdout=StringIO())
    out = StringIO()
    call_command("check_projections", "--fix", stdout=out)
    assert "2" in out.getvalue()
    assert_projection_is_the_history()


def test_a_degree_becomes_current_on_its_graduation_day(world):
    teacher = world["teachers"]["a"]
    soon = date.today() + timedelta(days=3)
    services.teacher_record_add(
        actor=world["users"]["admin"],
        teacher=teacher,
        kind="education",
        data={"level": "master", "institution": "厦门大学", "end_date": soon.isoformat()},
    )
    assert projection.mismatches() == []
    assert projection.mismatches(today=soon) == [teacher.pk]  # the daily check finds it due
    projection.refresh([teacher.pk], today=soon)
    assert TeacherCurrent.objects.get(teacher=teacher).education_level == "master"


def test_the_data_migration_fills_every_row(world):
    TeacherCurrent.objects.all().delete()
    assert projection.refresh_all() == Teacher.objects.count()
    assert_projection_is_the_history()


# --- Query counts of the main pages do not grow with the teachers ----------------------------


def _more_teachers(world, n: int) -> None:
    admin = world["users"]["admin"]
    for i in range(n):
        t = factories.teacher(admin, world["schools"]["a"], f"教师{i}")
        services.teacher_record_add(actor=admin, teacher=t, kind="title", data={"rank": "first"})


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["bureau", "district", "school"])
def test_list_api_and_dashboard_queries_do_not_grow_with_teachers(world, client, role):
    _more_teachers(world, 3)
    client.force_login(world["users"][role])
    pages = [
        reverse("web:teacher_list"),
        reverse("web:teacher_list") + "?sort=-title",
        reverse("web:dashboard"),
    ]
    for url in pages:
        _queries(client, url)  # the first request of a session reads more (its user, caches)
    small = {url: _queries(client, url) for url in pages}
    _more_teachers(world, 12)
    for url in pages:
        assert _queries(client, url) == small[url], url


def test_the_api_list_queries_do_not_grow_with_page_size(world, client):
    _more_teachers(world, 12)
    client.force_login(world["users"]["admin"])
    _queries(client, "/api/teachers?page_size=1")
    counts = [_queries(client, f"/api/teachers?page_size={n}") for n in (2, 10)]
    assert counts[0] == counts[1]


def test_dashboard_counts_are_shared_briefly_per_scope(world, settings, django_assert_num_queries):
    from django.core.cache import cache

    from qiangshi.teachers.selectors import teacher_stats

    settings.QIANGSHI_DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    users = world["users"]
    city = teacher_stats(actor=users["bureau"])
    district = teacher_stats(actor=users["district"])
    assert (city["total"], district["total"]) == (3, 2)  # Xiamen; Siming
    with django_assert_num_queries(0):
        assert teacher_stats(actor=users["bureau"]) == city
    other = factories.user("district", region=world["tree"]["siming"])
    with django_assert_num_queries(0):  # another user of the same area shares them
        assert teacher_stats(actor=other) == district
    settings.QIANGSHI_DASHBOARD_CACHE_SECONDS = 0
    factories.teacher(users["admin"], world["schools"]["a"], "新人")
    assert teacher_stats(actor=users["district"])["total"] == 3
    cache.clear()


def test_a_page_is_read_by_its_keys_in_the_list_order(world):
    from qiangshi.teachers.selectors import teacher_list

    _more_teachers(world, 12)
    actor = world["users"]["admin"]
    for sort in ("name", "-title", "school", "-birth_date"):
        qs = teacher_list(actor=actor, filters={"sort": sort})
        everyone = [t.pk for t in qs.iterator()]
        pages = [qs[i : i + 5] for i in range(0, len(everyone), 5)]
        assert [t.pk for page in pages for t in page] == everyone, sort
        assert all(t.title_rank == "first" for t in pages[-1] if t.name.startswith("教师"))


@pytest.mark.parametrize("sorting", [True, False])
def test_a_page_is_the_same_whether_the_index_is_walked_or_the_rows_sorted(
    world, monkeypatch, sorting
):
    """A narrow area's deep page sorts its rows rather than walk the sort column's index
    (PostgreSQL): the same keys in the same order either way, NULLs included."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qiangshi.teachers import selectors

    _more_teachers(world, 12)
    monkeypatch.setattr(selectors.TeacherPages, "_sorting_is_cheaper", lambda self, stop: sorting)
    actor = world["users"]["district"]
    sorts = ("name", "-name", "title", "-title", "school", "-school", "-education", "birth_date")
    for sort in sorts:
        qs = selectors.teacher_list(actor=actor, filters={"sort": sort})
        everyone = [t.pk for t in qs.iterator()]
        with CaptureQueriesContext(connection) as ctx:
            pages = [qs[i : i + 4] for i in range(0, len(everyone), 4)]
        assert [t.pk for page in pages for t in page] == everyone, sort
        assert any("COALESCE" in q["sql"] for q in ctx.captured_queries) == sorting, sort


def test_sorting_is_chosen_when_the_walk_reads_more_rows(world, monkeypatch):
    from django.db import connection

    from qiangshi.teachers import selectors

    qs = selectors.teacher_list(actor=world["users"]["district"])
    qs._count = 7_000  # a district of a 410,000-teacher province
    monkeypatch.setattr(selectors, "_teachers_estimate", lambda: 410_000)
    postgres = connection.vendor == "postgresql"
    assert qs._sorting_is_cheaper(50) is False  # page 1: about 2,900 index entries
    assert qs._sorting_is_cheaper(1_000) is postgres  # page 20: 58,000 entries against 7,000
    qs._count = 410_000  # everyone: the index is read in order
    assert qs._sorting_is_cheaper(25_000) is False


def test_a_list_shorter_than_the_page_sorts_without_asking_the_estimate(world, monkeypatch):
    from django.db import connection

    from qiangshi.teachers import selectors

    def no_estimate():
        raise AssertionError("the estimate is not needed")

    qs = selectors.teacher_list(actor=world["users"]["district"])
    qs._count = 30
    monkeypatch.setattr(selectors, "_teachers_estimate", no_estimate)
    assert qs._sorting_is_cheaper(50) is (connection.vendor == "postgresql")


@pytest.mark.parametrize("status", ["current", "all"])
def test_current_teachers_sorted_by_school_are_joined_to_their_school(world, status):
    """A current teacher has a current school: the page's keys join the school (so PostgreSQL
    can walk the schools in name order) and give the list's order; with former teachers, whose
    school is empty, the join stays an outer one and they come last."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qiangshi.teachers import selectors

    _more_teachers(world, 12)
    actor = world["users"]["bureau"]
    for sort in ("school", "-school"):
        qs = selectors.teacher_list(actor=actor, filters={"sort": sort, "status": status})
        everyone = [t.pk for t in qs.iterator()]
        assert everyone
        with CaptureQueriesContext(connection) as ctx:
            pages = [qs[i : i + 5] for i in range(0, len(everyone), 5)]
        assert [t.pk for page in pages for t in page] == everyone, sort
        keys = next(q["sql"] for q in ctx.captured_queries if 'AS "pk"' in q["sql"])
        joined = 'INNER JOIN "org_school"' in keys
        assert joined == (status == "current"), keys
