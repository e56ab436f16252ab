"""Every GET page × every role: never a server error, and the scope answers are right.

The expected status per (role, page) is written out, so a page that starts leaking to a role,
or stops working for one, fails here.
"""

import pytest
from django.urls import reverse

from qiangshi.access.models import Role
from qiangshi.teachers import services as teacher_services

ROLES = [r.value for r in Role]  # every role, the ethics officer included
OK, FORBIDDEN, NOT_FOUND = 200, 403, 404


def _pages(world, request_pk):
    a, b, d = (world["teachers"][k].pk for k in ("a", "b", "d"))
    sa, sb, sd = (world["schools"][k].pk for k in ("a", "b", "d"))
    return {
        "dashboard": reverse("web:dashboard"),
        "teacher_list": reverse("web:teacher_list"),
        "teacher_list_filtered": reverse("web:teacher_list") + f"?school={sb}&q=王",
        "teacher_export": reverse("web:teacher_export"),
        "teacher_create": reverse("web:teacher_create"),
        "teacher_a": reverse("web:teacher_detail", args=[a]),
        "teacher_b": reverse("web:teacher_detail", args=[b]),
        "teacher_d": reverse("web:teacher_detail", args=[d]),
        "teacher_a_edit": reverse("web:teacher_edit", args=[a]),
        "teacher_b_edit": reverse("web:teacher_edit", args=[b]),
        "school_list": reverse("web:school_list"),
        "school_export": reverse("web:school_export"),
        "school_a": reverse("web:school_detail", args=[sa]),
        "school_b": reverse("web:school_detail", args=[sb]),
        "school_d": reverse("web:school_detail", args=[sd]),
        "school_a_edit": reverse("web:school_edit", args=[sa]),
        "request_list": reverse("web:change_request_list"),
        "request_detail": reverse("web:change_request_detail", args=[request_pk]),
        "audit_log": reverse("web:audit_log"),
        "access_log": reverse("web:access_log"),
        "api_tokens": reverse("web:api_tokens"),
        **_staffing_pages(world, sa),
        **_rotation_pages(world),
        **_export_pages(world),
        **_welfare_pages(world),
        **_training_pages(world),
        **_training_more_pages(world),
        **_development_pages(world),
        **_ethics_pages(world),
        **_awards_pages(world),
        **_leadership_pages(world),
        **_practices_pages(world),
        **_titles_pages(world),
        **_talent_pages(world),
    }


def _practices_pages(world):
    """A case of Xiamen's (the bureau writes it) with an attachment."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qiangshi.practices import services as practices

    pilot = world["users"]["pilot"]
    case = practices.practice_create(
        actor=pilot, title="厦门市：推动名师出岛", region_code="3502", pillar="allocation",
        summary="骨干教师到岛外学校交流轮岗。", full_text="组织名师到岛外学校任教。", tags=["名师出岛"],
    )  # fmt: skip
    attachment = practices.practice_attachment_add(
        actor=pilot, practice_pk=case.pk, upload=SimpleUploadedFile("做法.txt", b"text")
    )
    return {
        "practices_home": reverse("web:practices_home")
        + "?q=交流轮岗&pillar=allocation&region=3502",
        "practices_list": reverse("web:practices_home"),
        "practices_export": reverse("web:practices_export") + "?q=名师",
        "practices_create": reverse("web:practices_create"),
        "practices_detail": reverse("web:practices_detail", args=[case.pk]),
        "practices_edit": reverse("web:practices_edit", args=[case.pk]),
        "practices_attachment": reverse("web:practices_attachment", args=[attachment.pk]),
    }


def _awards_pages(world):
    """A round of the bureau's, open now, with teacher A (school A) nominated."""
    from datetime import date, timedelta

    from qiangshi.awards import services as awards
    from tests.awards.conftest import qualify

    today = date.today()
    qualify(world["users"]["admin"], world["teachers"]["a"], years_before=today.year)
    round_ = awards.round_create(
        actor=world["users"]["bureau"], kind="excellent_teacher", year=today.year, level="city",
        title="优秀教师评选", nominations_open_on=today - timedelta(days=5),
        nominations_close_on=today + timedelta(days=5), reference_date=today,
    )  # fmt: skip
    nomination = awards.nomination_create(
        actor=world["users"]["school"], round_pk=round_.pk,
        teacher_pk=world["teachers"]["a"].pk, citation="事迹",
    )  # fmt: skip
    return {
        "awards_home": reverse("web:awards_home") + "?kind=excellent_teacher&q=优秀",
        "awards_home_export": reverse("web:awards_home") + "?format=xlsx",
        "awards_round_create": reverse("web:awards_round_create"),
        "awards_round": reverse("web:awards_round", args=[round_.pk]) + "?state=nominated",
        "awards_round_export": reverse("web:awards_round", args=[round_.pk]) + "?format=xlsx",
        "awards_notice": reverse("web:awards_notice", args=[round_.pk]),
        "awards_notice_pdf": reverse("web:awards_notice_pdf", args=[round_.pk]),
        "awards_nominate": reverse("web:awards_nominate", args=[round_.pk]),
        "awards_nomination": reverse("web:awards_nomination", args=[nomination.pk]),
        "awards_long_service": reverse("web:awards_long_service") + "?year=2026&status=unknown",
        "awards_long_service_export": reverse("web:awards_long_service") + "?format=xlsx",
        "awards_teachers_day": reverse("web:awards_teachers_day"),
        "awards_teachers_day_export": reverse("web:awards_teachers_day") + "?format=xlsx",
    }


_AWARD_PAGES = (
    "awards_home", "awards_home_export", "awards_round_create", "awards_round",
    "awards_round_export", "awards_notice", "awards_notice_pdf", "awards_nominate",
    "awards_nomination",
    "awards_long_service", "awards_long_service_export", "awards_teachers_day",
    "awards_teachers_day_export",
)  # fmt: skip
# The award pages' answers per role: the bureau opens rounds, a school nominates, offices and
# schools list the honours; a teacher sees the rounds and their own nomination.
AWARDS_EXPECTED = {
    "admin": {"awards_round_create": FORBIDDEN, "awards_nominate": FORBIDDEN},
    "bureau": {"awards_nominate": FORBIDDEN},
    "district": {"awards_round_create": FORBIDDEN, "awards_nominate": FORBIDDEN},
    "school": {"awards_round_create": FORBIDDEN},
    "teacher": {
        "awards_round_create": FORBIDDEN,
        "awards_nominate": FORBIDDEN,
        "awards_home_export": FORBIDDEN,
        "awards_round_export": FORBIDDEN,
        "awards_long_service": FORBIDDEN,
        "awards_long_service_export": FORBIDDEN,
        "awards_teachers_day": FORBIDDEN,
        "awards_teachers_day_export": FORBIDDEN,
    },
    **{
        role: dict.fromkeys(_AWARD_PAGES, FORBIDDEN)
        for role in ("reviewer", "pilot", "auditor", "ethics")
    },
}


def _leadership_pages(world):
    """A principal's term at school A (Siming), recorded by the district office."""
    from datetime import date

    from qiangshi.leadership.services import term_record

    term = term_record(
        actor=world["users"]["district"], school_pk=world["schools"]["a"].pk,
        data={"post": "principal", "teacher": world["teachers"]["a"].pk,
              "starts_on": date(2022, 9, 1)},
    )  # fmt: skip
    sa, sd = world["schools"]["a"].pk, world["schools"]["d"].pk
    siming = world["tree"]["siming"].pk
    return {
        "leadership_region": reverse("web:leadership_region")
        + f"?district={siming}&gap=no_secretary&q=思明",
        "leadership_export": reverse("web:leadership_region") + "?format=xlsx",
        "leadership_school_a": reverse("web:leadership_school", args=[sa]),
        "leadership_school_d": reverse("web:leadership_school", args=[sd]),
        "leadership_term_new": reverse("web:leadership_term_create", args=[sa]),
        "leadership_term_edit": reverse("web:leadership_term_edit", args=[term.pk]),
    }


# School leadership: the offices keep it for their area, a school administrator sees its own
# school's; nobody else sees it.
_LEADERSHIP_NAMES = (
    "leadership_region",
    "leadership_export",
    "leadership_school_a",
    "leadership_school_d",
    "leadership_term_new",
    "leadership_term_edit",
)
LEADERSHIP_EXPECTED = {
    "admin": {},
    "bureau": {"leadership_school_d": NOT_FOUND},
    "district": {"leadership_school_d": NOT_FOUND},
    "school": {
        "leadership_school_d": NOT_FOUND,
        "leadership_term_new": FORBIDDEN,
        "leadership_term_edit": FORBIDDEN,
    },
    **{
        role: dict.fromkeys(_LEADERSHIP_NAMES, FORBIDDEN)
        for role in ("teacher", "reviewer", "pilot", "auditor", "ethics")
    },
}


def _titles_pages(world):
    """A primary round of Xiamen, open today, and teacher A's draft application in it."""
    from datetime import date, timedelta

    from qiangshi.titles import services as titles

    today = date.today()
    round_ = titles.round_create(
        actor=world["users"]["bureau"], year=today.year, target="first", stage="primary",
        opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=30),
    )  # fmt: skip
    app = titles.application_start(actor=world["users"]["teacher"], round_pk=round_.pk)
    pool = _title_pool(world)
    return {
        **pool,
        "title_rounds": reverse("web:title_rounds") + "?year=2026&target=first",
        "title_round_create": reverse("web:title_round_create"),
        "title_panel": reverse("web:title_panel"),
        "title_reviewers": reverse("web:title_reviewers"),
        "title_round": reverse("web:title_round", args=[round_.pk]) + "?state=draft&q=陈",
        "title_queue_recommend": reverse("web:title_round_queue", args=[round_.pk, "recommend"]),
        "title_queue_review": reverse("web:title_round_queue", args=[round_.pk, "review"]),
        "title_notice": reverse("web:title_round_notice", args=[round_.pk]),
        "title_statistics": reverse("web:title_round_statistics", args=[round_.pk]),
        "title_application": reverse("web:title_application", args=[app.pk]),
    }


def _title_pool(world):
    """The offices' lists behind the panels: an expert of Siming and one of Huli in the pool,
    a relation with teacher A, weak-school designations of school A (Siming) and D (Longyan,
    outside both offices' areas)."""
    from datetime import date

    from qiangshi.access.models import User
    from qiangshi.titles import services as titles
    from qiangshi.titles.models import WeakSchool

    bureau, schools = world["users"]["bureau"], world["schools"]
    siming = titles.reviewer_profile_create(
        actor=world["users"]["district"], user_pk=world["users"]["reviewer"].pk,
        subjects=["chinese"], stages=["primary"], school_pk=schools["b"].pk,
    )  # fmt: skip
    huli = titles.reviewer_profile_create(
        actor=bureau, user_pk=User.objects.create(username="expert-huli", role="reviewer").pk,
        subjects=["mathematics"], stages=["junior"], school_pk=schools["c"].pk,
    )  # fmt: skip
    relation = titles.reviewer_relation_record(
        actor=bureau, reviewer_pk=siming.user_id, teacher_pk=world["teachers"]["a"].pk,
        kind="colleague",
    )  # fmt: skip
    weak = titles.weak_school_designate(
        actor=bureau, school_pk=schools["a"].pk, start_date=date(2020, 1, 1), source="认定"
    )
    longyan = WeakSchool.objects.create(school=schools["d"], start_date=date(2020, 1, 1))
    return {
        "title_reviewers_filtered": reverse("web:title_reviewers")
        + f"?q=exp&subject=chinese&stage=primary&district={world['tree']['siming'].pk}&active=1",
        "title_reviewers_export": reverse("web:title_reviewers") + "?format=xlsx",
        "title_reviewer_create": reverse("web:title_reviewer_create"),
        "title_reviewer_edit": reverse("web:title_reviewer_edit", args=[siming.pk]),
        "title_reviewer_edit_huli": reverse("web:title_reviewer_edit", args=[huli.pk]),
        "title_reviewer_deactivate": reverse("web:title_reviewer_deactivate", args=[siming.pk]),
        "title_relations": reverse("web:title_relations") + "?q=陈&kind=colleague",
        "title_relations_export": reverse("web:title_relations") + "?format=xlsx",
        "title_relation_create": reverse("web:title_relation_create"),
        "title_relation_edit": reverse("web:title_relation_edit", args=[relation.pk]),
        "title_weak_schools": reverse("web:title_weak_schools") + "?year=2024&status=current",
        "title_weak_schools_export": reverse("web:title_weak_schools") + "?format=xlsx",
        "title_weak_school_create": reverse("web:title_weak_school_create"),
        "title_weak_school_end": reverse("web:title_weak_school_end", args=[weak.pk]),
        "title_weak_school_end_d": reverse("web:title_weak_school_end", args=[longyan.pk]),
    }


_TITLE_POOL_WRITE = (
    "title_reviewer_create", "title_reviewer_edit", "title_reviewer_edit_huli",
    "title_reviewer_deactivate", "title_relation_create", "title_relation_edit",
    "title_weak_school_create", "title_weak_school_end", "title_weak_school_end_d",
)  # fmt: skip
_TITLE_POOL_READ = (
    "title_reviewers_filtered", "title_reviewers_export", "title_relations",
    "title_relations_export", "title_weak_schools", "title_weak_schools_export",
)  # fmt: skip
_TITLE_PAGES = (
    "title_rounds", "title_round_create", "title_panel", "title_reviewers", "title_round",
    "title_queue_recommend", "title_queue_review", "title_notice", "title_statistics",
    "title_application", *_TITLE_POOL_READ, *_TITLE_POOL_WRITE,
)  # fmt: skip
# The pool, the relations and the weak schools: the offices keep those of their area (the
# administrator reads them, writes none); every other role is refused.
_NO_POOL = dict.fromkeys(_TITLE_POOL_READ + _TITLE_POOL_WRITE, FORBIDDEN)
_OFFICE_TITLES = {"title_panel": FORBIDDEN, "title_queue_recommend": FORBIDDEN,
                  "title_weak_school_end_d": NOT_FOUND}  # fmt: skip
# Title evaluation: offices run rounds, schools recommend, teachers apply (their own),
# reviewers see only what was drawn for them (here: nothing), other roles nothing.
TITLES_EXPECTED = {
    "admin": {**_OFFICE_TITLES, "title_queue_review": FORBIDDEN,
              **dict.fromkeys(_TITLE_POOL_WRITE, FORBIDDEN)},
    "bureau": _OFFICE_TITLES,
    "district": {**_OFFICE_TITLES, "title_reviewer_edit_huli": NOT_FOUND},
    "school": {"title_round_create": FORBIDDEN, "title_panel": FORBIDDEN,
               "title_reviewers": FORBIDDEN, "title_queue_review": FORBIDDEN, **_NO_POOL},
    "teacher": {"title_round_create": FORBIDDEN, "title_panel": FORBIDDEN,
                "title_reviewers": FORBIDDEN, "title_queue_review": FORBIDDEN,
                "title_queue_recommend": FORBIDDEN, **_NO_POOL},
    "reviewer": {"title_round_create": FORBIDDEN, "title_reviewers": FORBIDDEN, **_NO_POOL,
                 **dict.fromkeys(("title_round", "title_queue_recommend", "title_queue_review",
                                  "title_notice", "title_statistics", "title_application"),
                                 NOT_FOUND)},
    **{role: dict.fromkeys(_TITLE_PAGES, FORBIDDEN) for role in ("pilot", "auditor", "ethics")},
}  # fmt: skip


def _ethics_pages(world):
    """A case on teacher A (Siming), asked for a statement so that the teacher sees it."""
    from datetime import date

    from qiangshi.ethics import services as ethics

    officer = world["users"]["ethics"]
    case = ethics.case_report(
        actor=officer, teacher_pk=world["teachers"]["a"].pk, reported_on=date(2026, 1, 5),
        summary="有偿补课", guidelines=[10],
    )  # fmt: skip
    ethics.case_step(actor=officer, case_pk=case.pk, step="investigate")
    ethics.case_step(
        actor=officer, case_pk=case.pk, step="request_statement", data={"findings": "属实"}
    )
    a, b = world["teachers"]["a"].pk, world["teachers"]["b"].pk
    return {
        "inbox": reverse("web:inbox"),
        "ethics_cases": reverse("web:ethics_case_list") + "?q=陈&state=statement",
        "ethics_case_new": reverse("web:ethics_case_create"),
        "ethics_case": reverse("web:ethics_case", args=[case.pk]),
        "ethics_teacher_a": reverse("web:ethics_teacher", args=[a]),
        "ethics_teacher_b": reverse("web:ethics_teacher", args=[b]),
    }


def _export_pages(world):
    """The export job pages, for a job of the bureau's: nobody else sees it."""
    from qiangshi.imports.export_jobs import export_job_start

    job = export_job_start(actor=world["users"]["bureau"], kind="teachers", fmt="national")
    return {
        "export_list": reverse("web:export_list"),
        "export_detail": reverse("web:export_detail", args=[job.pk]),
        "export_progress": reverse("web:export_progress", args=[job.pk]),
        "export_download": reverse("web:export_download", args=[job.pk]),
    }


# Another user's export job: not found for everyone but the bureau user who asked for it.
OTHERS_EXPORT = {
    "export_detail": NOT_FOUND,
    "export_progress": NOT_FOUND,
    "export_download": NOT_FOUND,
}


def _welfare_pages(world):
    siming = world["tree"]["siming"].pk
    return {
        "welfare_parity": reverse("web:welfare_parity"),
        "welfare_parity_export": reverse("web:welfare_parity") + "?year=2024&format=xlsx",
        "welfare_parity_district": reverse("web:welfare_parity_district", args=[siming]),
        "welfare_parity_edit": reverse("web:welfare_parity_edit", args=[siming]) + "?year=2024",
        "welfare_payroll": reverse("web:welfare_payroll", args=[siming]) + "?year=2024",
        "welfare_burden": reverse("web:welfare_burden"),
        "welfare_burden_export": reverse("web:welfare_burden") + "?format=xlsx",
        "welfare_lists": reverse("web:welfare_lists"),
        "welfare_requests": reverse("web:welfare_requests"),
        "welfare_arrivals": reverse("web:welfare_arrivals") + "?unapproved=1",
        "welfare_report": reverse("web:welfare_report"),
        "welfare_reports": reverse("web:welfare_reports"),
        "pilot_indicators": reverse("web:pilot_indicators"),
        **_pilot_pages(world),
    }


def _pilot_pages(world):
    """The pilot office's pages; the report is Shanghai's (a region that does not run here)."""
    from qiangshi.pilot.services import pilot_report_start

    report = pilot_report_start(actor=world["users"]["admin"], code="31", year=2025, fmt="xlsx")
    return {
        "pilot_indicators_export": reverse("web:pilot_indicators") + "?format=xlsx",
        "pilot_trend": reverse("web:pilot_trend", args=["bachelor_share"]),
        "pilot_reports": reverse("web:pilot_reports"),
        "pilot_report": reverse("web:pilot_report", args=[report.pk]),
        "pilot_report_progress": reverse("web:pilot_report_progress", args=[report.pk]),
        "pilot_report_download": reverse("web:pilot_report_download", args=[report.pk]),
    }


PILOT_PAGES = (
    "pilot_indicators",
    "pilot_indicators_export",
    "pilot_trend",
    "pilot_reports",
    "pilot_report",
    "pilot_report_progress",
    "pilot_report_download",
)
# A bureau compares the pilot regions of its own area: Shanghai's report is not found.
PILOT_BUREAU = dict.fromkeys(
    ("pilot_report", "pilot_report_progress", "pilot_report_download"), 404
)


def _talent_pages(world):
    """A city plan with hires at schools A and B, an olympiad result, the city's partnership
    with an activity teacher A took part in, a perk (issue 18, talent and partnerships)."""
    from datetime import date

    from qiangshi.talent import services as talent

    bureau = world["users"]["bureau"]
    plan = talent.recruitment_plan_create(actor=bureau, year=2026)
    hires = {
        k: talent.hire_record(
            actor=bureau, plan_pk=plan.pk, category="doctoral", name=f"博士{k}",
            school_pk=world["schools"][k].pk, hired_on=date(2026, 6, 1),
        )
        for k in ("a", "b")
    }  # fmt: skip
    talent.olympiad_result_record(
        actor=bureau, olympiad="physics", competition="全国中学生物理竞赛",
        coach_pk=world["teachers"]["a"].pk, pupil="小明", level="provincial_first",
        awarded_on=date(2025, 9, 1),
    )  # fmt: skip
    p = talent.partnership_create(
        actor=bureau, kind="mountain_sea", title="厦龙山海协作", partner="龙岩市教育局",
        starts_on=date(2025, 1, 1),
    )  # fmt: skip
    activity = talent.activity_add(
        actor=bureau, partnership_pk=p.pk, title="同课异构", kind="training",
        starts_on=date(2025, 4, 1), ends_on=date(2025, 4, 1), hours=6,
    )  # fmt: skip
    talent.activity_participants_add(
        actor=bureau, activity_pk=activity.pk, teacher_pks=[world["teachers"]["a"].pk]
    )
    perk = talent.perk_create(
        actor=bureau, name="教师免费体检", provider="市总工会", eligibility="在编教师",
        starts_on=date(2025, 1, 1),
    )  # fmt: skip
    return {
        "talent_plans": reverse("web:talent_plans") + "?year=2026&q=厦门",
        "talent_plans_export": reverse("web:talent_plans") + "?format=xlsx",
        "talent_plan": reverse("web:talent_plan", args=[plan.pk]),
        "talent_plan_edit": reverse("web:talent_plan_edit", args=[plan.pk]),
        "talent_hires": reverse("web:talent_hires") + "?category=doctoral&status=signed",
        "talent_hire_a": reverse("web:talent_hire", args=[hires["a"].pk]),
        "talent_hire_b": reverse("web:talent_hire", args=[hires["b"].pk]),
        "talent_olympiad": reverse("web:talent_olympiad") + "?olympiad=physics",
        "talent_olympiad_schools": reverse("web:talent_olympiad_schools") + "?year=2025",
        "talent_partnerships": reverse("web:talent_partnerships") + "?kind=mountain_sea",
        "talent_partnership": reverse("web:talent_partnership", args=[p.pk]),
        "talent_partnership_edit": reverse("web:talent_partnership_edit", args=[p.pk]),
        "talent_activity": reverse("web:talent_activity", args=[activity.pk]),
        "talent_participations": reverse("web:talent_participations"),
        "talent_perks": reverse("web:talent_perks") + "?current=1",
        "talent_perk": reverse("web:talent_perk", args=[perk.pk]),
        "talent_perk_edit": reverse("web:talent_perk_edit", args=[perk.pk]),
        "talent_uptake": reverse("web:talent_uptake"),
    }


# Talent pages per role: offices and schools see their area's (a school only its own hires);
# teachers the perks and their own partnership hours; the other roles none.
_TALENT_ALL = {
    "talent_plans", "talent_plans_export", "talent_plan", "talent_hires", "talent_hire_a",
    "talent_hire_b", "talent_olympiad", "talent_olympiad_schools", "talent_partnerships",
    "talent_partnership", "talent_activity", "talent_participations", "talent_perks",
    "talent_perk", "talent_uptake", "talent_plan_edit", "talent_partnership_edit",
    "talent_perk_edit",
}  # fmt: skip
# The city's plan, partnership and perk are changed by the bureau (and the administrator) only.
_TALENT_EDITS = dict.fromkeys(
    ("talent_plan_edit", "talent_partnership_edit", "talent_perk_edit"), FORBIDDEN
)
TALENT_EXPECTED = {
    "admin": {},
    "bureau": {},
    "district": _TALENT_EDITS,
    "school": {"talent_hire_b": NOT_FOUND, **_TALENT_EDITS},
    "teacher": dict.fromkeys(
        _TALENT_ALL - {"talent_participations", "talent_perks", "talent_perk"}, FORBIDDEN
    ),
    **{
        r: dict.fromkeys(_TALENT_ALL, FORBIDDEN) for r in ("reviewer", "pilot", "auditor", "ethics")
    },
}


# Welfare pages (issue 18) a role may not use: parity is the offices' and the pilot office's,
# the burden pages the offices' and (for what arrived) the schools'; teachers report.
WELFARE_FORBIDDEN = {
    "admin": {"welfare_report"},
    "bureau": {"welfare_report"},
    "district": {"welfare_report", *PILOT_PAGES},  # pilot indicators: bureau and up
    "school": {
        *PILOT_PAGES,
        "welfare_parity",
        "welfare_parity_export",
        "welfare_parity_district",
        "welfare_parity_edit",
        "welfare_payroll",
        "welfare_requests",
        "welfare_reports",
        "welfare_report",
    },
}


def _training_pages(world):
    from datetime import date
    from decimal import Decimal

    from qiangshi.training.services import programme_create

    programme = programme_create(
        actor=world["users"]["district"],
        title="新课标专题培训",
        level="district",
        provider="思明区教师进修学校",
        hours=Decimal(24),
        category="centralised",
        capacity=30,
        starts_on=date(2026, 3, 2),
        ends_on=date(2026, 3, 6),
        mode="in_person",
    )
    a, b = world["teachers"]["a"].pk, world["teachers"]["b"].pk
    return {
        "training_home": reverse("web:training_home") + "?q=新课标&category=centralised&open=1",
        "training_export": reverse("web:training_export"),
        "training_programme": reverse("web:training_programme", args=[programme.pk]),
        "training_programme_create": reverse("web:training_programme_create"),
        "training_confirm": reverse("web:training_confirm"),
        "training_my_hours": reverse("web:training_my_hours"),
        "training_hours_a": reverse("web:training_hours", args=[a]),
        "training_hours_b": reverse("web:training_hours", args=[b]),
        "training_report": reverse("web:training_report"),
        "training_report_siming": reverse("web:training_report") + "?region=350203",
        "training_literacy": reverse("web:training_literacy"),
    }


# The training pages' answers per role (a programme of Siming's district office; teacher a works
# at school a, whose administrator is "school"; b at another Siming school).
TRAINING_EXPECTED = {
    # The self-assessment is a teacher's own: the administrator has no teacher record (404).
    "admin": {
        "training_confirm": FORBIDDEN,
        "training_my_hours": NOT_FOUND,
        "training_literacy": NOT_FOUND,
    },
    "bureau": {
        "training_confirm": FORBIDDEN,
        "training_my_hours": NOT_FOUND,
        "training_literacy": FORBIDDEN,
    },
    "district": {
        "training_confirm": FORBIDDEN,
        "training_my_hours": NOT_FOUND,
        "training_literacy": FORBIDDEN,
    },
    "school": {
        "training_literacy": FORBIDDEN,
        "training_programme_create": FORBIDDEN,
        "training_my_hours": NOT_FOUND,
        "training_hours_b": NOT_FOUND,
    },
    "teacher": {
        "training_export": FORBIDDEN,
        "training_programme_create": FORBIDDEN,
        "training_confirm": FORBIDDEN,
        "training_hours_b": NOT_FOUND,
        "training_report": FORBIDDEN,
        "training_report_siming": FORBIDDEN,
    },
    **{
        role: {
            name: FORBIDDEN
            for name in (
                "training_home",
                "training_export",
                "training_programme",
                "training_programme_create",
                "training_confirm",
                "training_my_hours",
                "training_hours_a",
                "training_hours_b",
                "training_report",
                "training_report_siming",
                "training_literacy",
            )
        }
        for role in ("reviewer", "pilot", "auditor", "ethics")
    },
}


def _training_more_pages(world):
    """Sessions of a programme of Siming's, the hours entered by teachers, the training spend,
    school A's training page and teacher A's transcript."""
    from qiangshi.training.models import Programme

    programme = Programme.objects.order_by("pk").first()
    sa, a = world["schools"]["a"].pk, world["teachers"]["a"].pk
    return {
        "training_sessions": reverse("web:training_programme_sessions", args=[programme.pk]),
        "training_claims": reverse("web:training_claims") + "?status=pending&q=陈",
        "training_spend": reverse("web:training_spend") + "?year=2026&region=350203",
        "training_spend_school": reverse("web:training_spend_school", args=[sa]),
        "training_school": reverse("web:training_school", args=[sa]),
        "training_my_transcript": reverse("web:training_my_transcript"),
        "training_transcript_a": reverse("web:training_hours_transcript", args=[a]),
    }


# Hours entered by teachers are the teacher's and their school's only; the budget and spend
# the offices' and schools'; a transcript the teacher's and their school's.
_OFFICE_MORE = {
    "training_claims": FORBIDDEN,
    "training_my_transcript": NOT_FOUND,
    "training_transcript_a": FORBIDDEN,
}
for _role, _answers in {
    "admin": _OFFICE_MORE,
    "bureau": _OFFICE_MORE,
    "district": _OFFICE_MORE,
    "school": {"training_my_transcript": NOT_FOUND},
    "teacher": {
        "training_spend": FORBIDDEN,
        "training_spend_school": FORBIDDEN,
        "training_school": FORBIDDEN,
    },
}.items():
    TRAINING_EXPECTED[_role].update(_answers)
for _role in ("reviewer", "pilot", "auditor", "ethics"):
    TRAINING_EXPECTED[_role].update(
        dict.fromkeys(
            (
                "training_sessions",
                "training_claims",
                "training_spend",
                "training_spend_school",
                "training_school",
                "training_my_transcript",
                "training_transcript_a",
            ),
            FORBIDDEN,
        )
    )


def _development_pages(world):
    """Growth paths, degree upgrading, science teachers, literacy overview, bulk assignment."""
    a, b = world["teachers"]["a"].pk, world["teachers"]["b"].pk
    sa, sb = world["schools"]["a"].pk, world["schools"]["b"].pk
    effect = reverse("web:training_degree_effect")
    recommend = reverse("web:training_recommendations")
    return {
        "training_paths": reverse("web:training_paths"),
        "training_teacher_paths_a": reverse("web:training_teacher_paths", args=[a]),
        "training_teacher_paths_b": reverse("web:training_teacher_paths", args=[b]),
        "training_school_paths_a": reverse("web:training_school_paths", args=[sa]),
        "training_school_paths_b": reverse("web:training_school_paths", args=[sb]),
        "training_degrees": reverse("web:training_degrees") + "?status=studying&q=陈",
        "training_degrees_export": reverse("web:training_degrees") + "?format=xlsx",
        "training_degree_create": reverse("web:training_degree_create"),
        "training_degree_effect": effect,
        "training_degree_effect_a": effect + f"?school={sa}&by=2027-08-31",
        "training_degree_effect_b": effect + f"?school={sb}",
        "training_science": reverse("web:training_science"),
        "training_science_siming": reverse("web:training_science") + "?region=350203",
        "training_science_export": reverse("web:training_science") + "?format=xlsx",
        "training_literacy_overview": reverse("web:training_literacy_overview") + "?year=2026",
        "training_literacy_overview_export": reverse("web:training_literacy_overview")
        + "?format=xlsx",
        "training_recommendations": recommend,
        "training_recommendations_a": recommend + f"?school={sa}",
        "training_recommendations_b": recommend + f"?school={sb}",
    }


# The development pages' answers where not 200: a school sees its own school and teachers only,
# a teacher their own growth paths and degree studies; the other roles none.
_OFFICE_ONLY = (
    "training_school_paths_a",
    "training_school_paths_b",
    "training_degree_create",
    "training_degree_effect",
    "training_degree_effect_a",
    "training_degree_effect_b",
    "training_science",
    "training_science_siming",
    "training_science_export",
    "training_literacy_overview",
    "training_literacy_overview_export",
    "training_recommendations",
    "training_recommendations_a",
    "training_recommendations_b",
)
DEVELOPMENT_EXPECTED = {
    "school": {
        "training_paths": 302,  # to the school's own overview
        "training_teacher_paths_b": NOT_FOUND,
        "training_school_paths_b": NOT_FOUND,
        "training_degree_effect_b": NOT_FOUND,
        "training_recommendations_b": NOT_FOUND,
    },
    "teacher": {
        "training_paths": 302,  # to their own paths
        "training_teacher_paths_b": NOT_FOUND,
        "training_degrees_export": FORBIDDEN,
        **dict.fromkeys(_OFFICE_ONLY, FORBIDDEN),
    },
    **{
        role: dict.fromkeys(
            (
                "training_paths",
                "training_teacher_paths_a",
                "training_teacher_paths_b",
                "training_degrees",
                "training_degrees_export",
                *_OFFICE_ONLY,
            ),
            FORBIDDEN,
        )
        for role in ("reviewer", "pilot", "auditor", "ethics")
    },
}
for _role, _answers in DEVELOPMENT_EXPECTED.items():
    TRAINING_EXPECTED[_role].update(_answers)


def _rotation_pages(world):
    from datetime import date

    from qiangshi.rotation.models import RotationPlan

    plan = RotationPlan.objects.create(
        region=world["tree"]["siming"], year=2026, effective_date=date(2026, 9, 1)
    )
    return {
        "rotation_home": reverse("web:rotation_home"),
        "rotation_eligibility": reverse("web:rotation_eligibility") + "?region=350203&year=2026",
        "rotation_plan": reverse("web:rotation_plan", args=[plan.pk]),
        "rotation_export": reverse("web:rotation_export", args=[plan.pk]),
    }


def _staffing_pages(world, sa):
    siming = world["tree"]["siming"].pk
    return {
        "staffing_posts": reverse("web:staffing_posts", args=[siming]),
        "staffing_school_posts": reverse("web:staffing_school_posts", args=[sa]),
        "staffing_scenario": reverse("web:staffing_forecast", args=[siming])
        + "?cap_primary=40&births_change=-10&retire_female=58&attrition=3",
    }


# Ethics case content is for the ethics officers, the teacher concerned and auditors: offices,
# school administrators and the administrator see only the bars (on the teacher's ethics page).
NO_CASES = {"ethics_cases": FORBIDDEN, "ethics_case_new": FORBIDDEN, "ethics_case": FORBIDDEN}

# Pages whose answer is not 200 for a role. Everything else must be 200.
EXPECTED = {
    # Separation of duties: the administrator does not read the audit and access logs.
    "admin": {"audit_log": FORBIDDEN, "access_log": FORBIDDEN, **NO_CASES, **OTHERS_EXPORT},
    "bureau": {
        "teacher_d": NOT_FOUND,
        "school_d": NOT_FOUND,
        "audit_log": FORBIDDEN,
        "access_log": FORBIDDEN,
        **NO_CASES,
    },
    "district": {
        **OTHERS_EXPORT,
        "teacher_d": NOT_FOUND,
        "school_d": NOT_FOUND,
        "audit_log": FORBIDDEN,
        "access_log": FORBIDDEN,
        **NO_CASES,
    },
    # The ethics officer of Siming: cases and ethics files in the district, and nothing else
    # of the offices' work.
    "ethics": {
        **OTHERS_EXPORT,
        "teacher_export": FORBIDDEN,
        "teacher_create": FORBIDDEN,
        "teacher_d": NOT_FOUND,
        "teacher_a_edit": NOT_FOUND,
        "teacher_b_edit": NOT_FOUND,
        "school_export": FORBIDDEN,
        "school_d": NOT_FOUND,
        "school_a_edit": NOT_FOUND,
        "request_list": FORBIDDEN,
        "request_detail": NOT_FOUND,
        "audit_log": FORBIDDEN,
        "access_log": FORBIDDEN,
        "staffing_posts": FORBIDDEN,
        "staffing_school_posts": FORBIDDEN,
        "staffing_scenario": FORBIDDEN,
        "rotation_home": FORBIDDEN,
        "rotation_eligibility": FORBIDDEN,
        "rotation_plan": FORBIDDEN,
        "rotation_export": FORBIDDEN,
    },
    "school": {
        **OTHERS_EXPORT,
        "teacher_b": NOT_FOUND,
        "teacher_d": NOT_FOUND,
        "teacher_b_edit": NOT_FOUND,
        "school_b": NOT_FOUND,
        "school_d": NOT_FOUND,
        "audit_log": FORBIDDEN,
        "access_log": FORBIDDEN,
        "staffing_posts": NOT_FOUND,  # a school admin does not cover the whole district
        "staffing_scenario": NOT_FOUND,
        "rotation_eligibility": FORBIDDEN,  # offices plan rotation
        "rotation_plan": NOT_FOUND,  # a draft: schools see published plans only
        "rotation_export": FORBIDDEN,
        **NO_CASES,
        "ethics_teacher_b": NOT_FOUND,
    },
}
# The ethics officer keeps ethics files and cases, nothing of welfare.
WELFARE_FORBIDDEN["ethics"] = {
    "welfare_parity",
    "welfare_parity_export",
    "welfare_parity_district",
    "welfare_parity_edit",
    "welfare_payroll",
    "welfare_burden",
    "welfare_burden_export",
    "welfare_lists",
    "welfare_requests",
    "welfare_arrivals",
    "welfare_report",
    "welfare_reports",
    *PILOT_PAGES,
}
for _role, _names in WELFARE_FORBIDDEN.items():
    EXPECTED[_role].update(dict.fromkeys(_names, FORBIDDEN))
EXPECTED["bureau"].update(PILOT_BUREAU)

# The practice library: every role of a region reads it, the pilot office and the bureau write
# it; the auditor and the expert reviewer have no use for it.
PRACTICES_READ_ONLY = {"practices_create": FORBIDDEN, "practices_edit": FORBIDDEN}
PRACTICES_NONE = dict.fromkeys(
    ("practices_home", "practices_list", "practices_export", "practices_create",
     "practices_detail", "practices_edit", "practices_attachment"),
    FORBIDDEN,
)  # fmt: skip
PRACTICES_EXPECTED = {
    "admin": {},
    "bureau": {},
    "pilot": {},
    "district": PRACTICES_READ_ONLY,
    "school": PRACTICES_READ_ONLY,
    "teacher": PRACTICES_READ_ONLY,
    "ethics": PRACTICES_READ_ONLY,
    "reviewer": PRACTICES_NONE,
    "auditor": PRACTICES_NONE,
}
for _role in EXPECTED:
    EXPECTED[_role].update(TALENT_EXPECTED[_role])

# Roles checked against their own expectations (the rest of their pages are checked generally).
ETHICS_PAGES = {
    "teacher": {"ethics_cases": OK, "ethics_case": OK, "ethics_case_new": FORBIDDEN,
                "ethics_teacher_a": OK, "ethics_teacher_b": NOT_FOUND},
    "auditor": {"ethics_cases": OK, "ethics_case": OK, "ethics_case_new": FORBIDDEN,
                "ethics_teacher_a": FORBIDDEN, "ethics_teacher_b": FORBIDDEN},
    "reviewer": {**NO_CASES, "ethics_teacher_a": FORBIDDEN, "ethics_teacher_b": FORBIDDEN},
    "pilot": {**NO_CASES, "ethics_teacher_a": FORBIDDEN, "ethics_teacher_b": FORBIDDEN},
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role(world, client, role):
    request = teacher_services.change_request_submit(
        actor=world["users"]["teacher"], kind="contact", payload={"email": "t@example.com"}
    )
    client.force_login(world["users"][role])
    answers = {}
    for name, url in _pages(world, request.pk).items():
        answers[name] = client.get(url).status_code
    assert all(code < 500 for code in answers.values()), answers
    training = {name: code for name, code in answers.items() if name.startswith("training_")}
    assert training == {name: TRAINING_EXPECTED[role].get(name, OK) for name in training}
    awards = {name: code for name, code in answers.items() if name.startswith("awards_")}
    assert awards == {name: AWARDS_EXPECTED[role].get(name, OK) for name in awards}
    leadership = {name: code for name, code in answers.items() if name.startswith("leadership_")}
    assert leadership == {name: LEADERSHIP_EXPECTED[role].get(name, OK) for name in leadership}
    practices = {name: code for name, code in answers.items() if name.startswith("practices_")}
    assert practices == {name: PRACTICES_EXPECTED[role].get(name, OK) for name in practices}
    titles = {name: code for name, code in answers.items() if name.startswith("title_")}
    assert titles == {name: TITLES_EXPECTED[role].get(name, OK) for name in titles}
    talent = {name: code for name, code in answers.items() if name.startswith("talent_")}
    assert talent == {name: TALENT_EXPECTED[role].get(name, OK) for name in talent}
    if role in EXPECTED:
        expected = {name: EXPECTED[role].get(name, OK) for name in answers}
        expected.update({name: TRAINING_EXPECTED[role].get(name, OK) for name in training})
        expected.update({name: AWARDS_EXPECTED[role].get(name, OK) for name in awards})
        expected.update({n: LEADERSHIP_EXPECTED[role].get(n, OK) for n in leadership})
        expected.update({name: PRACTICES_EXPECTED[role].get(name, OK) for name in practices})
        expected.update({name: TITLES_EXPECTED[role].get(name, OK) for name in titles})
        assert answers == expected
    else:
        # Teacher, reviewer, pilot, auditor: never another person's record.
        for name in ("teacher_b", "teacher_d", "teacher_b_edit"):
            assert answers[name] in (FORBIDDEN, NOT_FOUND), (name, answers[name])
        assert {k: answers[k] for k in ETHICS_PAGES[role]} == ETHICS_PAGES[role]
        assert {name: answers[name] for name in OTHERS_EXPORT} == OTHERS_EXPORT
        assert answers["export_list"] == OK


def test_school_admins_filter_for_another_school_shows_nobody(world, client):
    client.force_login(world["users"]["school"])
    url = reverse("web:teacher_list") + f"?school={world['schools']['b'].pk}"
    body = client.get(url).content.decode()
    assert world["teachers"]["b"].name not in body


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=99999",
        "sort=evil",
        "age_min=-5",
        "age_min=abc",
        "district=abc",
        "school=99999999999999999999",
        "title=emperor",
        "per_page=0",
        "per_page=abc",
    ],
)
def test_odd_list_parameters_never_crash(world, client, query):
    client.force_login(world["users"]["bureau"])
    for name in ("web:teacher_list", "web:school_list", "web:teacher_export"):
        assert client.get(reverse(name) + "?" + query).status_code < 500, (name, query)


def test_export_audit_note_masks_an_id_search(world, client):
    from qiangshi.core.models import AuditLog

    number = world["teachers"]["a"].national_id
    client.force_login(world["users"]["school"])
    client.get(reverse("web:teacher_export") + f"?q={number}")
    note = AuditLog.objects.get(action="teacher.export").note
    assert number not in note and number[:4] in note


def test_school_page_shows_teacher_titles_without_a_query_per_row(
    world, client, django_assert_max_num_queries
):
    from qiangshi.teachers.services import teacher_record_add

    admin = world["users"]["admin"]
    teacher_record_add(
        actor=admin,
        teacher=world["teachers"]["a"],
        kind="title",
        data={"rank": "senior", "obtained_on": "2020-09-01"},
    )
    client.force_login(admin)
    with django_assert_max_num_queries(20):
        body = client.get(
            reverse("web:school_detail", args=[world["schools"]["a"].pk])
        ).content.decode()
    assert "高级教师" in body and "2020-09-01" not in body


def test_former_staff_filter_in_list_and_api(world, client):
    from datetime import date

    from qiangshi.access.services import api_token_create
    from qiangshi.teachers.services import employment_end

    t = world["teachers"]["a"]
    employment_end(
        actor=world["users"]["admin"], teacher=t, end_date=date(2026, 7, 31), reason="retired"
    )
    district = world["users"]["district"]
    client.force_login(district)
    url = reverse("web:teacher_list")
    assert t.name not in client.get(url).content.decode()
    assert t.name in client.get(url + "?status=former").content.decode()
    _, key = api_token_create(actor=district, name="t")
    body = client.get("/api/teachers?status=former", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert [item["name"] for item in body["items"]] == [t.name]


def test_template_export_round_trips_and_logs_full_ids(world, client):
    import io

    from openpyxl import load_workbook

    from qiangshi.core.models import AccessLog
    from qiangshi.imports.services import import_file

    school_admin = world["users"]["school"]
    client.force_login(school_admin)
    response = client.get(reverse("web:teacher_export_template"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [world["teachers"]["a"].name]  # scope: school a only
    assert AccessLog.objects.filter(actor_username=school_admin.username, channel="export").exists()
    result = import_file(
        actor=school_admin, kind="teachers", data=response.content, filename="back.xlsx"
    )
    assert (result.problems, result.new, result.changed) == ([], 0, 0)
    national = client.get(reverse("web:teacher_export_national"))
    assert (
        national.status_code == 200
        and len(load_workbook(io.BytesIO(national.content)).sheetnames) > 3
    )


def test_template_export_forbidden_without_export_permission(world, client):
    client.force_login(world["users"]["pilot"])
    assert client.get(reverse("web:teacher_export_template")).status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_balance_pages_answer_every_role_without_errors(world, client, role):
    client.force_login(world["users"][role])
    siming = world["tree"]["siming"].pk
    answers = {
        "region": client.get(reverse("web:balance_region")).status_code,
        "district": client.get(reverse("web:balance_district", args=[siming])).status_code,
        "school": client.get(
            reverse("web:balance_school", args=[world["schools"]["a"].pk])
        ).status_code,
    }
    if role in ("admin", "bureau", "district", "pilot"):
        assert answers["region"] == 200 and answers["district"] == 200
    elif role in ("teacher", "reviewer", "auditor"):
        assert set(answers.values()) <= {403, 404}
    assert all(code < 500 for code in answers.values()), answers
