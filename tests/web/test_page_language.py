"""Every page, in each language, as each role sees it: no text of the other language.

Built on a small demo region (every module's data, a published rotation plan), plus a placement
intake with a published draw. Each page the web app routes is either rendered here (in Chinese and
in English, for every role that may open it) or named below with the reason it is not a page.
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.web.language_scan import Scanner

ROLES = [
    "admin",
    "bureau",
    "district",
    "school",
    "teacher",
    "reviewer",
    "pilot",
    "auditor",
    "ethics",
]

# Routes that are not pages a reader sees: actions (POST only), files, redirects.
NOT_PAGES = {
    "logout": "action",
    "login_lock_clear": "action",
    "teacher_export": "file",
    "teacher_export_template": "file",
    "teacher_export_national": "file",
    "teacher_reveal": "action",
    "teacher_photo": "file",
    "teacher_photo_upload": "action",
    "teacher_record_delete": "action",
    "school_export": "file",
    "change_request_approve": "action",
    "change_request_return": "action",
    "change_request_withdraw": "action",
    "change_request_evidence": "file",
    "registration_query_close": "action",
    "audit_export": "file",
    "access_export": "file",
    "api_token_revoke": "action",
    "import_template": "file",
    "import_commit": "action",
    "import_retry": "action",
    "import_annotated": "file",
    "export_download": "file",
    "balance_district_export": "file",
    "balance_district_pdf": "file",
    "staffing_district_export": "file",
    "staffing_forecast_export": "file",
    "staffing_scenario_export": "file",
    "staffing_posts_export": "file",
    "staffing_school_posts_export": "file",
    "staffing_school_export": "file",
    "rotation_solve": "action",
    "rotation_decide": "action",
    "rotation_submit": "action",
    "rotation_review": "action",
    "rotation_publish": "action",
    "rotation_apply": "action",
    "rotation_delete": "action",
    "rotation_budget": "action",
    "rotation_move_form": "action",
    "rotation_notice_set": "action",
    "rotation_export": "file",
    "rotation_pdf": "file",
    "placement_draw": "action",
    "placement_publish": "action",
    "placement_zip": "file",
    "placement_file": "file",
    "welfare_request_decide": "action",
    "training_export": "file",
    "ethics_case_step": "action",
    "ethics_attachment": "file",
    "ethics_teacher_record": "action",
    "training_enrol": "action",
    "awards_round_quota": "action",
    "awards_round_publish": "action",
    "awards_round_decide": "action",
    "awards_nomination_step": "action",
    "awards_objection": "action",
    "awards_objection_handle": "action",
    "awards_notice_pdf": "file",
    "training_withdraw": "action",
    "pilot_report_download": "file",
    "leadership_term_delete": "action",
    "training_programme_session_add": "action",
    "training_programme_attendance_rule": "action",
    "training_session_delete": "action",
    "training_session_attendance": "action",
    "training_claim_approve": "action",
    "training_claim_return": "action",
    "training_claim_withdraw": "action",
    "training_claim_evidence": "file",
    "training_spend_delete": "action",
    "training_remind": "action",
    "training_reminder_acknowledge": "action",
    "training_my_transcript": "file",
    "training_hours_transcript": "file",
    "training_degree_close": "action",
    "practices_export": "file",
    "practices_attachment": "file",
    "practices_attachment_add": "action",
    "practices_attachment_remove": "action",
    "title_round_apply": "action",
    "title_round_quota": "action",
    "title_round_rank": "action",
    "title_application_step": "action",
    "title_application_statement": "action",
    "title_application_material": "action",
    "title_application_score": "action",
    "title_material": "file",
    "title_reviewer_reactivate": "action",
    "title_relation_remove": "action",
    "talent_home": "redirect",
    "talent_plan_delete": "action",
    "talent_olympiad_delete": "action",
    "talent_partnership_delete": "action",
    "talent_exchange_delete": "action",
    "talent_perk_delete": "action",
    "talent_uptake_delete": "action",
}


LOG_PAGES = {"audit_log", "access_log", "login_locks", "audit_record"}


def _web_routes():
    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace == "web":
                yield p.name, list(p.pattern.regex.groupindex)

    return dict(walk(get_resolver().url_patterns))


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """A small demo region with a change request, an import job, a placement draw."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command(
            "demo_region", scale="city", seed=5, year=2026, max_schools=3, size_factor=0.3,
            stdout=StringIO(),
        )  # fmt: skip
        yield _objects()
        transaction.set_rollback(True)


def _objects():
    from qiangshi.access.models import User
    from qiangshi.awards.models import AwardNomination, AwardRound
    from qiangshi.ethics.models import EthicsCase
    from qiangshi.imports.export_jobs import export_job_start
    from qiangshi.imports.jobs import import_job_start
    from qiangshi.leadership.models import LeadershipTerm
    from qiangshi.org.models import Region
    from qiangshi.pilot.services import pilot_report_start
    from qiangshi.practices.models import Practice
    from qiangshi.rotation.models import RotationPlan
    from qiangshi.talent.models import Hire, PartnershipActivity, Perk, RecruitmentPlan
    from qiangshi.teachers import services as teacher_services
    from qiangshi.teachers.models import Employment, Teacher
    from qiangshi.training.models import Programme

    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    me = Teacher.objects.get(user__username="teacher")
    job = Employment.objects.filter(teacher=me, end_date__isnull=True).select_related("school")
    request = teacher_services.change_request_submit(
        actor=users["teacher"], kind="contact", payload={"email": "t@example.com"}
    )
    upload = import_job_start(
        actor=users["admin"], kind="teachers", data="姓名,性别\n张三,x\n".encode(),
        filename="bad.csv",
    )  # fmt: skip
    return {
        "users": users,
        "teacher": me,
        "school": job.first().school,
        "district": Region.objects.get(code="350203"),
        "request": request,
        "plan": RotationPlan.objects.order_by("pk").first(),
        "import": upload,
        "export": export_job_start(actor=users["admin"], kind="schools"),
        "title": me.title_records.first(),
        "programme": Programme.objects.order_by("pk").first(),
        "case": EthicsCase.objects.order_by("pk").first(),
        "pilot_report": pilot_report_start(
            actor=users["pilot"], code="3502", year=2026, fmt="xlsx"
        ),
        "award_round": AwardRound.objects.order_by("pk").first(),
        "nomination": AwardNomination.objects.order_by("pk").first(),
        "leadership_term": LeadershipTerm.objects.order_by("pk").first(),
        "practice": Practice.objects.order_by("pk").first(),
        **_title_objects(users),
        "talent_plan": RecruitmentPlan.objects.order_by("pk").first(),
        "talent_hire": Hire.objects.order_by("pk").first(),
        "talent_activity": PartnershipActivity.objects.filter(status="confirmed")
        .order_by("pk")
        .first(),
        "talent_partnership": PartnershipActivity.objects.filter(status="confirmed")
        .order_by("pk")
        .first()
        .partnership,
        "talent_perk": Perk.objects.order_by("pk").first(),
    }


def _title_objects(users):
    """The demo's open title round and an application in it (the demo teacher's draft when
    the small demo has no applicants)."""
    from qiangshi.titles import services as titles
    from qiangshi.titles.models import TitleApplication, TitleRound

    round_ = TitleRound.objects.filter(target="senior").order_by("pk").first()
    app = TitleApplication.objects.order_by("pk").first()
    if app is None and round_ is not None:
        app = titles.application_start(actor=users["teacher"], round_pk=round_.pk)
    return {"title_round": round_, "title_application": app, **_title_pool(users)}


def _title_pool(users):
    """The demo reviewer in the pool, a relation they declared with the demo teacher and a
    weak-school designation of the demo school (the small demo has none of them)."""
    from datetime import date

    from qiangshi.teachers.models import Teacher
    from qiangshi.titles import services as titles
    from qiangshi.titles.models import ReviewerProfile, ReviewerRelation, WeakSchool

    bureau, reviewer = users["bureau"], users["reviewer"]
    profile = ReviewerProfile.objects.filter(user=reviewer).first()
    if profile is None:
        profile = titles.reviewer_profile_create(
            actor=bureau, user_pk=reviewer.pk, subjects=["chinese"], stages=["primary"]
        )
    teacher = Teacher.objects.get(user__username="teacher")
    relation = ReviewerRelation.objects.filter(reviewer=reviewer, teacher=teacher).first()
    if relation is None:
        relation = titles.reviewer_relation_record(
            actor=bureau, reviewer_pk=reviewer.pk, teacher_pk=teacher.pk, kind="colleague"
        )
    weak = WeakSchool.objects.order_by("pk").first() or titles.weak_school_designate(
        actor=bureau, school_pk=teacher.current_school.pk, start_date=date(2020, 1, 1),
        source="思明区教育局薄弱学校认定",
    )  # fmt: skip
    return {"reviewer_profile": profile, "reviewer_relation": relation, "weak_school": weak}


def _url(name, params, objects):
    """The URL of a route, its parameters taken from the demo's objects."""
    values = {
        "district_pk": objects["district"].pk,
        "school_pk": objects["school"].pk,
        "kind": "title",
        "record_pk": objects["title"].pk if objects["title"] else None,
        "object_type": "teachers.teacher",
        "object_id": objects["teacher"].pk,
        "key": "bachelor_share",
        "queue": "recommend",
    }
    owners = {
        "ethics_teacher": "teacher",
        "ethics_case": "case",
        "awards_nomination": "nomination",
        "awards_": "award_round",
        "title_application": "title_application",
        "title_round": "title_round",
        "title_reviewer_": "reviewer_profile",
        "title_relation_": "reviewer_relation",
        "title_weak_school_": "weak_school",
        "training_hours": "teacher",
        "training_teacher_paths": "teacher",
        "training_school_paths": "school",
        "training_programme": "programme",
        "leadership_school": "school",
        "leadership_term_create": "school",
        "leadership_term_": "leadership_term",
        "practices_": "practice",
        # The edit pages of the plan, partnership and perk: the same objects as their pages.
        "talent_plan_edit": "talent_plan",
        "talent_partnership_edit": "talent_partnership",
        "talent_perk_edit": "talent_perk",
        "talent_plan": "talent_plan",
        "talent_hire": "talent_hire",
        "talent_activity": "talent_activity",
        "talent_partnership": "talent_partnership",
        "talent_perk": "talent_perk",
        "teacher_": "teacher",
        "school_": "school",
        "change_request_": "request",
        "rotation_": "plan",
        "import_": "import",
        "export_": "export",
        "pilot_report": "pilot_report",
    }
    for prefix, key in owners.items():
        if name.startswith(prefix) and "pk" in params:
            values["pk"] = getattr(objects[key], "pk", None)
            break
    kwargs = {p: values.get(p) for p in params}
    missing = [p for p, v in kwargs.items() if v is None]
    assert not missing, f"{name}: no value for {missing}: give this page its object here"
    return reverse(f"web:{name}", kwargs=kwargs)


def _names(objects):
    from qiangshi.balance import rules as balance_rules
    from qiangshi.core.models import AuditLog
    from qiangshi.org.models import Region, School
    from qiangshi.rotation.models import RotationPlan
    from qiangshi.teachers.models import Teacher

    names = set(Region.objects.values_list("name", flat=True))
    names |= set(Region.objects.exclude(name_en="").values_list("name_en", flat=True))
    names |= set(School.objects.values_list("name", flat=True))
    names |= set(Teacher.objects.values_list("name", flat=True))
    names |= {u.display_name for u in objects["users"].values()}
    # Written once, in the writer's language: the name a plan was given, an audit row's record
    # of its object as it was, the official title of a rule set's source.
    names |= set(RotationPlan.objects.values_list("name", flat=True))
    names |= set(AuditLog.objects.values_list("object_repr", flat=True))
    names |= {r.source for r in balance_rules.load_rule_sets()}
    names |= _typed_texts()
    # A practice case's tags and the words its text was cut into (shown as the words that make
    # cases similar): typed data, in the writer's language.
    from qiangshi.practices.models import Practice

    for tags, tokens in Practice.objects.values_list("tags", "tokens"):
        names |= set(tags) | {w for w in tokens.split() if len(w) > 1}
    # The materials a title round asks for, as the office typed them.
    from qiangshi.titles.models import TitleRound

    for materials in TitleRound.objects.values_list("materials", flat=True):
        names |= {m["label"] for m in materials}
    return sorted(names, key=len, reverse=True)


# Apps whose text fields hold what the software wrote (messages, reasons, notes), not what a
# person typed: their text is checked, never taken as data.
SYSTEM_TEXT_APPS = {"core", "imports", "rotation", "access", "placement", "staffing", "balance"}
SYSTEM_TEXT_FIELD = re.compile(r"(_zh|_en|^reason.*|^note|^message.*|^changes|^errors|.*_version)$")


def _typed_texts():
    """What people typed into the area apps' free-text fields (a request's title, a list entry's
    requester): data, in whatever language its writer used."""
    from django.apps import apps
    from django.db import models

    texts = set()
    for model in apps.get_models():
        label = model._meta.app_label
        if not model.__module__.startswith("qiangshi.") or label in SYSTEM_TEXT_APPS:
            continue
        for f in model._meta.get_fields():
            if not isinstance(f, models.CharField | models.TextField) or f.choices:
                continue
            if SYSTEM_TEXT_FIELD.match(f.name) or f.name in ("code", "name_en"):
                continue
            texts |= {v for v in model.objects.values_list(f.name, flat=True)[:5000] if v}
    return texts


def _scan(client, objects, pages, roles=ROLES):
    from qiangshi.org.models import Region

    codes = {c for c in Region.objects.values_list("code", flat=True) if len(c) >= 6}
    names = _names(objects)
    # The logs name each actor by their login name, which is data.
    logins = sorted({u.username for u in objects["users"].values()}, key=len, reverse=True)
    scanners = {
        (language, log): Scanner(
            language, data_names=names + logins if log else names, region_codes=codes
        )
        for language in ("zh-hans", "en")
        for log in (False, True)
    }
    leaks = []
    for role in roles:
        client.force_login(objects["users"][role])
        for language in ("zh-hans", "en"):
            client.cookies["django_language"] = language
            for name, url in pages.items():
                response = client.get(url)
                if response.status_code != 200:
                    continue
                if not response.get("Content-Type", "").startswith("text/html"):
                    continue
                scan = scanners[language, name in LOG_PAGES]
                for problem in scan(response.content.decode()):
                    leaks.append(f"{language} {role} {name}: {problem}")
    return sorted(set(leaks))


def test_every_route_is_a_page_here_or_named_as_not_a_page():
    routes = _web_routes()
    placement = {n for n in routes if n.startswith("placement_")}
    unknown = set(NOT_PAGES) - set(routes)
    assert unknown == set(), f"NOT_PAGES names routes that do not exist: {unknown}"
    assert placement, "the placement pages are scanned by their own test"


@pytest.mark.django_db
def test_no_page_shows_the_other_language(demo, client):
    pages = {
        name: _url(name, params, demo)
        for name, params in _web_routes().items()
        if name not in NOT_PAGES and not name.startswith("placement_")
    }
    assert len(pages) > 40
    leaks = _scan(client, demo, pages)
    assert leaks == [], "\n".join(leaks)
