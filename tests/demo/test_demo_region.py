"""`qiangshi demo_region`: builds a plausible, consistent demo region once, and only once."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q, Sum

from qiangshi.access.models import Role, User
from qiangshi.balance.selectors import default_on, stage_reports
from qiangshi.core import crypto
from qiangshi.core.models import AuditLog
from qiangshi.demo.builder import DEMO_PASSWORD
from qiangshi.engines import demo_data, idcard
from qiangshi.org.models import STAGE_GRADES, Region, School, SchoolEnrollment, SchoolFacility
from qiangshi.teachers.models import Employment, Teacher
from tests.engines.demo_balance import evaluate_city

MINIMUMS = {  # POLICY §1, per student
    "primary": {"teaching": 4.5, "sports": 7.5},
    "junior": {"teaching": 5.8, "sports": 10.2},
}


@pytest.fixture(scope="class")
def district_demo(django_db_setup, django_db_blocker):
    """The district scale, built once for the tests of a class and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("demo_region", scale="district", seed=1, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_engine_stage_grades_mirror_the_model():
    assert {str(k): v for k, v in STAGE_GRADES.items()} == demo_data.STAGE_GRADES


class TestDistrictScale:
    """`demo_region --scale district --seed 1`, checked from several sides."""

    def test_district_scale_builds_siming_with_schools_and_teachers(self, district_demo):
        assert "Demo region built" in district_demo
        assert list(Region.objects.values_list("code", "path")) == [
            ("35", "35/"),
            ("3502", "35/3502/"),
            ("350203", "35/3502/350203/"),
        ]
        xiamen = Region.objects.get(code="3502")
        assert xiamen.is_pilot and xiamen.name_en == "Xiamen"
        assert School.objects.filter(district__code="350203").count() == 70
        teachers = Teacher.objects.count()
        assert 3_000 <= teachers <= 6_000
        school = School.objects.first()
        years = set(SchoolEnrollment.objects.filter(school=school).values_list("year", flat=True))
        assert len(years) == 6
        grades = set(SchoolEnrollment.objects.filter(school=school).values_list("grade", flat=True))
        assert grades == set(STAGE_GRADES[school.stage])
        assert SchoolFacility.objects.count() == 70
        assert AuditLog.objects.filter(action="demo_region.build", object_type="demo").count() == 1

    def test_every_national_id_is_valid_unique_and_agrees_with_the_teacher(self, district_demo):
        hashes = set()
        for t in Teacher.objects.only(
            "birth_date", "gender", "national_id_encrypted", "national_id_hash", "phone_encrypted"
        ):
            number = t.national_id
            parsed = idcard.parse(number)
            assert parsed.birth_date == t.birth_date
            assert parsed.gender == t.gender
            assert t.national_id_hash == crypto.lookup_hash(number)
            hashes.add(t.national_id_hash)
        assert len(hashes) == Teacher.objects.count()
        phone = Teacher.objects.first().phone
        assert len(phone) == 11 and phone.startswith("1")

    def test_each_teacher_has_exactly_one_open_employment(self, district_demo):
        open_jobs = Teacher.objects.annotate(
            n=Count("employments", filter=Q(employments__end_date__isnull=True))
        )
        assert not open_jobs.exclude(n=1).exists()
        closed = Employment.objects.filter(end_date__isnull=False).count()
        assert 0.15 <= closed / Teacher.objects.count() <= 0.35

    def test_one_principal_per_school_and_a_births_series(self, district_demo):
        from qiangshi.org.models import School
        from qiangshi.staffing.models import BirthRecord

        principals = Employment.objects.filter(is_principal=True, end_date__isnull=True)
        schools = School.objects.count()  # a few small schools have no established staff
        assert 0.9 * schools <= principals.count() <= schools
        assert principals.values("school").distinct().count() == principals.count()
        years = list(BirthRecord.objects.values_list("year", flat=True))
        from datetime import date

        from qiangshi.demo.builder import current_school_year

        # births of year − 11 … year − 6 from the six years of entrants, then five more
        assert len(years) == 11 and max(years) == current_school_year(date.today()) - 1

    def test_demo_logins_have_their_roles_and_areas(self, district_demo):
        users = {u.username: u for u in User.objects.select_related("region", "school")}
        expected = {
            "admin": Role.ADMIN,
            "bureau": Role.BUREAU,
            "district": Role.DISTRICT,
            "school": Role.SCHOOL,
            "teacher": Role.TEACHER,
            "reviewer": Role.REVIEWER,
            "pilot": Role.PILOT,
            "auditor": Role.AUDITOR,
            "ethics": Role.ETHICS,
        }
        assert {name: users[name].role for name in expected} == expected
        assert all(users[name].check_password(DEMO_PASSWORD) for name in expected)
        # A shared password: production settings make each demo user choose their own.
        assert all(users[name].must_change_password for name in expected)
        assert users["admin"].is_superuser and users["admin"].is_staff
        assert users["bureau"].region.code == "3502"
        assert users["district"].region.code == "350203"
        school = users["school"].school
        assert school.district.code == "350203" and school.stage == "primary"
        teacher = Teacher.objects.get(user=users["teacher"])
        assert teacher.current_school == school
        assert users["teacher"].display_name == teacher.name
        for name in ("admin", "bureau", "district", "school", "teacher", "reviewer"):
            assert name in district_demo  # the logins table

    def test_a_published_rotation_plan_moves_the_demo_teacher(self, district_demo, client):
        """A newcomer sees a teacher's view of rotation: the demo teacher moves in a published
        plan of Siming, which keeps every rule (scope, fit, one principal per school)."""
        from qiangshi.rotation.models import PlanStatus, RotationPlan
        from qiangshi.rotation.selectors import plan_moves_for

        plan = RotationPlan.objects.get(region__code="350203")
        assert plan.status == PlanStatus.PUBLISHED
        teacher_user = User.objects.get(username="teacher")
        mine = list(plan_moves_for(teacher_user, plan))
        assert len(mine) == 1 and mine[0].teacher.user == teacher_user
        assert "rotation plan:" in district_demo
        moves = list(plan.moves.select_related("origin", "destination"))
        for m in moves:
            assert m.origin.ownership == m.destination.ownership == "public"
            if not m.is_principal:
                assert m.stage_from == m.stage_to and m.stage_to in ("primary", "junior")
        into = [m.destination_id for m in moves if m.is_principal]
        out = [m.origin_id for m in moves if m.is_principal]
        assert sorted(into) == sorted(out) and len(set(into)) == len(into)
        client.force_login(teacher_user)
        page = client.get(f"/rotation/{plan.pk}/").content.decode()
        assert mine[0].destination.name in page

    def test_training_history_programmes_and_a_cycle_report(self, district_demo, client):
        from datetime import date

        from qiangshi.training.models import Enrolment, Programme, TrainingRecord
        from qiangshi.training.selectors import cycle_report

        teachers = Teacher.objects.count()
        records = TrainingRecord.objects.count()
        assert 3 * teachers <= records <= 9 * teachers  # a few years of yearly rows each
        assert TrainingRecord.objects.filter(teacher__isnull=True).count() == 0
        assert Programme.objects.count() == 7 + 4  # and the science programmes (demo.development)
        assert Enrolment.objects.filter(status="waiting").exists()
        completed = Enrolment.objects.filter(status="completed")
        assert completed.count() == TrainingRecord.objects.filter(source="programme").count()
        report = cycle_report(actor=None, on=date.today())
        assert report.teachers == Employment.objects.filter(end_date__isnull=True).count()
        # Some teachers keep pace with the cycle, some fall behind.
        assert 0 < report.at_risk_count < report.teachers
        client.force_login(User.objects.get(username="school"))
        assert client.get("/training/confirm/").status_code == 200
        client.force_login(User.objects.get(username="teacher"))
        assert client.get("/training/hours/").status_code == 200

    def test_training_sessions_claims_spend_and_reminders(self, district_demo, client):
        """Sessions with attendance, the demo teacher's hours entered (one awaiting the demo
        school), budgets with a few missing, a reminder; their pages open."""
        from datetime import date

        from qiangshi.training import selectors
        from qiangshi.training.models import (
            Attendance,
            HoursClaim,
            Session,
            TrainingRecord,
            TrainingReminder,
        )

        assert Session.objects.exists() and Attendance.objects.filter(present=False).exists()
        teacher_user = User.objects.get(username="teacher")
        claims = HoursClaim.objects.filter(teacher__user=teacher_user)
        assert sorted(claims.values_list("status", flat=True)) == [
            "approved", "pending", "returned",
        ]  # fmt: skip
        approved = claims.get(status="approved")
        assert TrainingRecord.objects.get(pk=approved.record_id).source == "self"
        school_user = User.objects.get(username="school")
        report = selectors.spend_report(actor=school_user, year=date.today().year)
        assert report.schools and report.schools[0].status.budget is not None
        district = User.objects.filter(role="district").first()
        area = selectors.spend_report(actor=district, year=date.today().year).area
        assert area.missing > 0 and area.meets is None and area.share is not None
        assert TrainingReminder.objects.count() == 1
        client.force_login(school_user)
        assert client.get("/training/claims/").status_code == 200
        assert client.get(f"/training/schools/{school_user.school_id}/").status_code == 200

    def test_development_demo_assessments_degree_studies_and_science_training(
        self, district_demo, client
    ):
        from datetime import date

        from qiangshi.teachers.models import EducationRecord
        from qiangshi.training import degrees, growth, literacy_stats, science
        from qiangshi.training.models import DegreeStudy, LiteracyAssessment

        today = date.today()
        bureau = User.objects.get(username="bureau")
        overview = literacy_stats.literacy_overview(actor=bureau, year=today.year)
        assert 0.4 * overview.teachers <= overview.assessed <= 0.7 * overview.teachers
        assert len(overview.years) == 3 and LiteracyAssessment.objects.count() > 0
        first = overview.dimensions[0][0]
        assert all(y.mean is not None for y in overview.trend[first])
        studies = DegreeStudy.objects.all()
        assert studies.filter(status="studying").exists()
        done = studies.filter(status="completed")
        assert done.exists() and all(
            EducationRecord.objects.filter(pk=s.education_record_id, level=s.level).exists()
            for s in done[:20]
        )
        report = science.science_report(actor=bureau, on=today)
        assert 0 < report.total.trained < report.total.teachers
        teacher = Teacher.objects.get(user__username="teacher")
        result = growth.teacher_growth(actor=bureau, teacher_pk=teacher.pk, on=today)
        assert result.file["region"] == "3502" and len(result.results) == 3
        school = User.objects.get(username="school")
        effect = degrees.degree_effect(
            actor=school, school=school.school, by=date(today.year + 2, 8, 31)
        )
        assert all(s.now is not None for s in effect.stages)
        client.force_login(school)
        for url in ("/training/paths/", "/training/degrees/", "/training/science/",
                    "/training/literacy/overview/", "/training/recommendations/"):  # fmt: skip
            assert client.get(url, follow=True).status_code == 200, url

    def test_ethics_cases_at_each_stage_and_their_bars(self, district_demo):
        """Demo ethics cases: one per stage, the demo teacher's awaiting their statement (and
        in their inbox), bars only from the decided ones, never on the demo teacher."""
        from qiangshi.ethics.models import EthicsCase
        from qiangshi.ethics.selectors import ethics_bars
        from qiangshi.workflow.models import WorkItem
        from qiangshi.workflow.selectors import inbox

        states = sorted(
            WorkItem.objects.filter(process="ethics_case").values_list("state", flat=True)
        )
        assert states == ["closed", "closed", "notice", "reported", "statement"]
        teacher_user = User.objects.get(username="teacher")
        mine = EthicsCase.objects.get(teacher__user=teacher_user)
        assert [e.object_id for e in inbox(teacher_user)] == [mine.pk]
        assert ethics_bars(mine.teacher) == []
        barred = [c for c in EthicsCase.objects.all() if ethics_bars(c.teacher)]
        assert sorted(c.sanction_kind for c in barred) == ["demerit", "warning"]
        assert len(inbox(User.objects.get(username="ethics"))) == 1  # the new report

    def test_award_rounds_at_several_stages(self, district_demo):
        """Demo awards: a decided master-teacher round whose recognitions are in the registry
        and on the Teachers' Day list, an open round with a nomination at each stage waiting in
        each reviewer's inbox (and an open objection), and an open round without nominations."""
        from qiangshi.awards.models import AwardNomination, AwardRound
        from qiangshi.awards.selectors import teachers_day_list
        from qiangshi.workflow.models import WorkItem
        from qiangshi.workflow.selectors import inbox

        assert AwardRound.objects.count() == 3
        states = set(
            WorkItem.objects.filter(process="award_nomination").values_list("state", flat=True)
        )
        assert {"awarded", "nominated", "district_review", "bureau_review", "notice"} <= states
        awarded = AwardNomination.objects.filter(outcome="awarded")
        assert awarded and all(n.recognition_id for n in awarded)
        for login in ("school", "district"):
            assert any(
                e.process == "award_nomination" for e in inbox(User.objects.get(username=login))
            ), login
        year = awarded[0].decided_on.year
        honoured = teachers_day_list(actor=User.objects.get(username="bureau"), year=year)
        assert {n.teacher_id for n in awarded} <= {r.teacher.pk for r in honoured}

    def test_leadership_gaps_of_each_kind_and_outside_vice_principals(self, district_demo):
        """School leadership in the demo: most schools with both posts, some combined, some
        without a vice-principal of a kind, some principals past two terms; outside
        vice-principals from the police, hospitals and research institutes."""
        from collections import Counter
        from datetime import date

        from qiangshi.access.models import User
        from qiangshi.leadership.models import LeadershipTerm
        from qiangshi.leadership.selectors import gap_counts, school_rows

        bureau = User.objects.get(username="bureau")
        rows = school_rows(actor=bureau, on=date.today())
        counts = gap_counts(rows)
        schools = len(rows)
        assert schools > 20
        assert counts["no_secretary"] + counts["combined"] < schools / 2  # most have both posts
        assert counts["combined"] >= 1 and counts["no_secretary"] >= 1
        assert counts["principal_terms"] >= 1
        assert 1 <= counts["no_health_vice"] < schools
        # every principal marked in the registry has a current term
        assert counts["no_principal"] <= schools - sum(
            1 for r in rows if r.holders.get("principal")
        ) and all(r.principal_terms is not None for r in rows if r.holders.get("principal"))
        employers = Counter()
        for t in LeadershipTerm.objects.filter(teacher__isnull=True):
            assert t.post in ("science_vice", "security_vice", "health_vice") and t.outside_employer
            employers[t.post] += 1
        assert all(employers[p] for p in ("science_vice", "security_vice", "health_vice"))
        assert LeadershipTerm.objects.filter(outside_employer__contains="派出所").exists()
        assert LeadershipTerm.objects.filter(outside_employer__contains="医院").exists()

    def test_title_rounds_with_applications_at_several_stages(self, district_demo, client):
        """Demo title evaluation: an open round with applications at each stage (one waiting
        for the demo reviewer), a ranked round with an approval that entered the registry."""
        from qiangshi.teachers.models import TeacherCurrent
        from qiangshi.titles.models import TitleApplication
        from qiangshi.workflow.models import WorkItem
        from qiangshi.workflow.selectors import inbox

        states = sorted(
            WorkItem.objects.filter(process="title_application").values_list("state", flat=True)
        )
        assert states == sorted(
            ["draft", "submitted", "recommended", "not_recommended", "panel", "panel", "panel",
             "panel", "approved", "objection", "not_selected"]
        )  # fmt: skip
        reviewer = User.objects.get(username="reviewer")
        assert len(inbox(reviewer)) == 1
        approved = TitleApplication.objects.get(title_record__isnull=False)
        assert TeacherCurrent.objects.get(teacher=approved.teacher).title_rank == "senior"
        assert all(a.eligible for a in TitleApplication.objects.all())
        from qiangshi.core.models import AuditLog
        from qiangshi.titles.models import WeakSchool

        designated = AuditLog.objects.filter(action="titles.weak_school.designate").count()
        assert designated == WeakSchool.objects.count() > 0  # through the district's service
        client.force_login(reviewer)
        assert client.get("/titles/panel/").status_code == 200

    def test_running_again_changes_nothing(self, district_demo):
        before = (Region.objects.count(), School.objects.count(), Teacher.objects.count())
        out = StringIO()
        call_command("demo_region", scale="district", seed=1, stdout=out)
        assert "already exists" in out.getvalue()
        assert (Region.objects.count(), School.objects.count(), Teacher.objects.count()) == before
        assert User.objects.filter(username="admin").count() == 1

    def test_staffing_roughly_fits_the_policy_ratios(self, district_demo):
        year = SchoolEnrollment.objects.order_by("-year").values_list("year", flat=True).first()
        students = SchoolEnrollment.objects.filter(year=year).aggregate(n=Sum("students"))["n"]
        teachers = Teacher.objects.count()
        assert 14 <= students / teachers <= 21  # between the senior (12.5) and primary (19) ratios
        primary = School.objects.filter(stage="primary")
        per_school = primary.annotate(
            staff=Count("employments", filter=Q(employments__end_date__isnull=True), distinct=True),
        )
        pupils = dict(
            SchoolEnrollment.objects.filter(year=year, school__in=primary)
            .values_list("school")
            .annotate(n=Sum("students"))
        )
        ratios = [pupils[s.pk] / s.staff for s in per_school if pupils[s.pk] >= 400]
        assert all(19 * 0.7 <= r <= 19 * 1.4 for r in ratios)
        assert min(ratios) < 19 < max(ratios)  # some schools over their quota, some under

    def test_some_schools_are_below_and_some_above_the_facility_minimums(self, district_demo):
        year = SchoolFacility.objects.values_list("year", flat=True).first()
        pupils = dict(
            SchoolEnrollment.objects.filter(year=year)
            .values_list("school")
            .annotate(n=Sum("students"))
        )
        below, above = set(), set()
        for f in SchoolFacility.objects.filter(
            school__stage__in=("primary", "junior")
        ).select_related("school"):
            n = pupils[f.school_id]
            for key, value in (("teaching", f.teaching_area_m2), ("sports", f.sports_area_m2)):
                per_student = float(value) / n
                minimum = MINIMUMS[f.school.stage][key]
                (below if per_student < minimum else above).add(key)
        assert below == {"teaching", "sports"}
        assert above == {"teaching", "sports"}

    def test_balance_of_the_registry_matches_the_generated_data(self, district_demo):
        """The database-free count of the generated data (tests/engines/demo_balance, behind
        the city-scale spread test) gives the registry's balance evaluation, school by school."""
        year = SchoolEnrollment.objects.order_by("-year").values_list("year", flat=True).first()
        plan = demo_data.region_plan("district")
        city = demo_data.generate_city(
            plan.cities[0], seed=1, year=year, size_factor=plan.size_factor
        )
        teachers = list(demo_data.iter_teachers(city, seed=1, ids=demo_data.IdAllocator()))
        mirror = evaluate_city(city, teachers, on=default_on(year))
        registry = stage_reports(district="350203", year=year)
        assert set(registry) == {stage for _, stage in mirror}
        for stage, result in registry.items():
            expected = mirror[("350203", stage)]
            assert result.passed == expected.passed
            assert [(s.code, s.passed) for s in result.schools] == [
                (s.code, s.passed) for s in expected.schools
            ]
            for key, indicator in result.indicators.items():
                assert indicator.cv == pytest.approx(expected.indicators[key].cv, abs=1e-6)


def test_max_schools_builds_a_small_region_quickly():
    out = StringIO()
    call_command(
        "demo_region", scale="city", seed=5, year=2026, max_schools=3, size_factor=0.3, stdout=out
    )
    assert School.objects.count() == 3 * 6  # three per district
    assert Teacher.objects.count() > 0
    assert set(User.objects.values_list("username", flat=True)) >= {"admin", "school", "teacher"}
    assert Teacher.objects.filter(user__username="teacher").exists()


def test_demo_welfare_records_are_plausible_and_deterministic(tree):
    from collections import Counter

    from qiangshi.demo import welfare as welfare_demo
    from qiangshi.welfare.models import AnonymousReport, BurdenArrival, WageFigure
    from qiangshi.welfare.selectors import parity_report
    from tests import factories

    for n in range(6):
        factories.school(tree["siming"] if n % 2 else tree["huli"])
    regions = {r.code: r for r in tree.values()}
    counts = Counter()
    welfare_demo.build(regions=regions, year=2026, seed=3, counts=counts)
    assert counts["wage figures"] == 3 * 5 * 4 * 2  # 3 districts, 5 years, 4 components, 2 groups
    verdicts = [r.result.passed for y in range(2021, 2026)
                for r in parity_report(region=tree["fujian"], year=y)]  # fmt: skip
    assert None not in verdicts and True in verdicts and False in verdicts
    assert BurdenArrival.objects.filter(request__isnull=True).exists()
    assert BurdenArrival.objects.filter(request__isnull=False).exists()
    assert AnonymousReport.objects.count() == 3
    first = sorted(WageFigure.objects.values_list("district__code", "year", "group", "component",
                                                  "amount"))  # fmt: skip
    WageFigure.objects.all().delete()
    welfare_demo._parity(sorted((r for r in tree.values() if r.level == "district"),
                                key=lambda r: r.path), 2025, 3, Counter())  # fmt: skip
    again = sorted(WageFigure.objects.values_list("district__code", "year", "group", "component",
                                                  "amount"))  # fmt: skip
    assert first == again
