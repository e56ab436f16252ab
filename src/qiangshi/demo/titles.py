"""Demo title evaluation (issue 17): a reviewers' pool (the demo reviewer login among them) and
two rounds of Xiamen's primary schools run through the real services.

- This year's senior-teacher round, open: applications in Siming at each stage (a draft, one
  awaiting the school's recommendation, one awaiting the office's review, one not recommended,
  and four with the panel: three scored, one awaiting the demo reviewer).
- Last year's senior-teacher round, ranked within Siming's entered quota: one approved (its
  new title in the registry), one with an objection under review, one outside the quota.

Applicants are teachers of Siming's public primary schools whose registry data meets the rules
(title, education, years, no ethics bar); where the demo's three years of training history fall
short of the current cycle, their remaining hours are added as a degree course and a
centralised programme, and Siming's primary schools with a senior post free are designated
weak schools (the demo has no rural school in Siming), so that the service rule is met too. Deterministic for a seed
and a day.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile

from qiangshi.access.models import Role, User
from qiangshi.core.bulk import bulk_insert_rows
from qiangshi.org.models import School
from qiangshi.teachers.models import Employment, TeacherCurrent, TitleRecord
from qiangshi.training.models import TrainingRecord

EXPERTS = 6  # reviewers besides the demo login


def _day(today: date, n: int) -> date:
    return today + timedelta(days=n)


def _candidates(rank: str, degrees: set[str], schools: list[int], before: date, exclude: set[int]):
    """(teacher, school) of `schools` holding `rank` since `before` at the latest, with a degree
    in `degrees`: the first of each school by registry ID, then the second, …"""
    holders = dict(
        TitleRecord.objects.filter(rank=rank, obtained_on__lte=before).values_list(
            "teacher_id", "obtained_on"
        )
    )
    current = set(
        TeacherCurrent.objects.filter(
            teacher_id__in=list(holders), title_rank=rank, education_level__in=degrees
        ).values_list("teacher_id", flat=True)
    )
    jobs = (
        Employment.objects.filter(
            end_date__isnull=True, school_id__in=schools, post_category="teaching",
            teacher__work_start_date__isnull=False,
        )
        .exclude(main_subject="")
        .order_by("teacher_id")
        .values_list("teacher_id", "school_id")
    )  # fmt: skip
    # One per school first, then a second per school…: recommendations stay within each
    # school's quota.
    seen: Counter = Counter()
    ranked = []
    for tid, school_id in jobs:
        if tid in current and tid not in exclude:
            seen[school_id] += 1
            ranked.append((seen[school_id], tid, school_id))
    return [(t, school_id) for _, t, school_id in sorted(ranked)]


def _eligible(teacher_ids: list[int], target: str, year: int) -> list[int]:
    """Those eligible for `target` in `year`'s round but for their training hours (which the
    demo's short history cannot complete; they are added afterwards)."""
    from dataclasses import replace

    from qiangshi.engines import titles as engine
    from qiangshi.titles import eligibility

    rules = eligibility.rules_on(date(year, 1, 1))
    on = eligibility.reference_date(year, rules)
    found = eligibility.candidates(teacher_ids, on, "primary")
    return [
        t
        for t in teacher_ids
        if engine.evaluate(replace(found[t], training_complete=True), target, rules, on).eligible
    ]


def _top_up_training(teacher_ids: list[int], year: int) -> None:
    rows = []
    for tid in teacher_ids:
        for category, hours, title, provider in (
            ("degree", 180, "教育硕士（在职）课程", "福建师范大学"),
            ("centralised", 120, "骨干教师高级研修班", "厦门市教师进修学院"),
            ("online", 60, "国家智慧教育平台专题研修", "国家中小学智慧教育平台"),
        ):
            rows.append({
                "teacher_id": tid, "date": date(year, 1, 15), "hours": Decimal(hours),
                "category": category, "title": title, "provider": provider, "source": "import",
            })  # fmt: skip
    bulk_insert_rows(TrainingRecord, rows)


def _users(teachers: list[int]) -> dict[int, User]:
    """A login for each applicant (demo applicants act through the services as themselves)."""
    from qiangshi.teachers.models import Teacher

    password = make_password(None)  # unusable: these logins exist to act in the demo only
    out = {}
    for teacher in Teacher.objects.filter(pk__in=teachers).order_by("pk"):
        if teacher.user_id:
            out[teacher.pk] = teacher.user
            continue
        user = User.objects.create(
            username=f"t{teacher.pk}", role=Role.TEACHER, display_name=teacher.name,
            password=password,
        )  # fmt: skip
        teacher.user = user
        teacher.save(update_fields=["user"])
        out[teacher.pk] = user
    return out


def demo_titles_build(counts: Counter, today: date | None = None, seed: int = 2024) -> None:
    """The demo reviewers and rounds; nothing without the demo bureau, district, school and
    reviewer logins or without enough eligible teachers."""
    from qiangshi.titles import services
    from qiangshi.titles.selectors import quotas

    today = today or date.today()
    logins = {u.username: u for u in User.objects.filter(
        username__in=["bureau", "district", "school", "reviewer", "teacher"])}  # fmt: skip
    if not {"bureau", "district", "school", "reviewer"} <= set(logins):
        return
    bureau, district = logins["bureau"], logins["district"]
    siming = district.region
    demo_school = logins["school"].school
    schools = list(
        School.objects.filter(
            district=siming, stage__in=("primary", "nine_year"), ownership="public"
        )
        .exclude(pk=getattr(demo_school, "pk", None))
        .order_by("code")
        .values_list("pk", flat=True)
    )
    demo_teacher = getattr(logins.get("teacher"), "teacher_profile", None)
    exclude = {demo_teacher.pk} if demo_teacher else set()
    year = today.year
    materials = ["教育教学业绩材料", "教研成果材料"]
    open_round = services.round_create(
        actor=bureau, year=year, target="senior", stage="primary", opens_on=_day(today, -40),
        closes_on=_day(today, 20), aggregation="trimmed_mean", panel_size=3,
        materials=materials, seed=f"demo-{seed}-senior",
    )  # fmt: skip
    last = date(year - 1, 3, 1)  # last year's round, decided in the spring
    closed = services.round_create(
        actor=bureau, year=year - 1, target="senior", stage="primary", opens_on=last,
        closes_on=_day(last, 30), aggregation="mean", panel_size=3, materials=materials,
        seed=f"demo-{seed}-{year - 1}",
    )  # fmt: skip
    services.round_quota_set(actor=bureau, round_pk=closed.pk, district_pk=siming.pk, quota=2)
    counts["title rounds"] += 2
    if len(schools) < 12:
        return  # a demo too small for applicants: the rounds only
    senior_quota = quotas(open_round)["schools"]
    last_quota = quotas(closed)["schools"]
    # Weak schools: Siming's primary schools with a senior post free (up to twelve).
    weak = [pk for pk in schools if senior_quota.get(pk, 0) >= 1][:12]
    for pk in weak:  # designated by the district office, as on its page
        services.weak_school_designate(
            actor=district, school_pk=pk, start_date=date(2012, 1, 1),
            source="思明区教育局薄弱学校认定（演示）",
        )  # fmt: skip
    counts["weak schools"] += len(weak)

    def within(pairs, quota):
        used: Counter = Counter()
        out = []
        for tid, school_id in pairs:
            if used[school_id] < quota.get(school_id, 0):
                used[school_id] += 1
                out.append(tid)
        return out

    senior = within(
        _candidates("first", {"bachelor", "master"}, weak, date(year - 6, 12, 31), exclude),
        senior_quota,
    )
    senior = _eligible(senior[:60], "senior", year)[:8]
    first = within(
        _candidates("first", {"bachelor", "master"}, weak, date(year - 7, 12, 31),
                    exclude | set(senior)),
        last_quota,
    )  # fmt: skip
    first = _eligible(first[:60], "senior", year - 1)[:3]
    if len(senior) < 8 or len(first) < 3:
        return
    _top_up_training(senior, year)
    _top_up_training(first, year - 1)
    users = _users(senior + first)

    # The reviewers' pool: the demo login and experts of other Siming primary schools.
    subjects = sorted(set(Employment.objects.filter(
        teacher_id__in=senior + first, end_date__isnull=True).values_list("main_subject", flat=True)))  # fmt: skip
    password = make_password(None)
    experts = [logins["reviewer"]] + [
        User.objects.create(username=f"expert{i:02d}", role=Role.REVIEWER,
                            display_name=f"评审专家{i:02d}", password=password)
        for i in range(1, EXPERTS + 1)
    ]  # fmt: skip
    for i, user in enumerate(experts):
        services.reviewer_profile_set(
            actor=bureau, user=user, subjects=subjects, stages=["primary"],
            school=School.objects.get(pk=schools[-1 - i]),
        )  # fmt: skip
    counts["reviewers"] += len(experts)

    def step(user, app, name, on, comment=""):
        services.application_step(
            actor=user, application_pk=app.pk, step=name, comment=comment, today=on
        )

    def school_admin(app):
        return User.objects.filter(role=Role.SCHOOL, school=app.school).first() or User.objects.create(
            username=f"school{app.school.code}", role=Role.SCHOOL, school=app.school,
            display_name=f"{app.school.name}管理员", password=password,
        )  # fmt: skip

    def apply(round_, teacher_pk, on, upto):
        """An application taken from the start up to the state `upto`."""
        user = users[teacher_pk]
        app = services.application_start(actor=user, round_pk=round_.pk, today=on)
        if upto == "draft":
            return app
        for m in round_.materials:
            services.material_upload(
                actor=user, application_pk=app.pk, kind=m["key"],
                upload=SimpleUploadedFile(f"{m['label']}.pdf", b"%PDF-1.4\n% demo\n",
                                          content_type="application/pdf"),
            )  # fmt: skip
        step(user, app, "submit", on)
        if upto == "submitted":
            return app
        if upto == "not_recommended":
            step(school_admin(app), app, "decline", _day(on, 2), "本校推荐名额已用于其他教师。")
            return app
        step(school_admin(app), app, "recommend", _day(on, 2))
        if upto == "recommended":
            return app
        step(district, app, "pass_review", _day(on, 5))
        return app

    rubric = {"ethics": 9, "teaching": 30, "homeroom": 12, "research": 20, "service": 12}

    def score(app, on, skip=None):
        import random

        rng = random.Random(f"{seed}:{app.pk}")
        for member in app.panel_members.order_by("position"):
            if member.reviewer_id == getattr(skip, "pk", None):
                continue
            marks = {k: max(0, v - rng.randint(0, 4)) for k, v in rubric.items()}
            services.score_submit(actor=member.reviewer, application_pk=app.pk, scores=marks,
                                  today=on)  # fmt: skip

    # 1. This year's senior round, open.
    stages = ["draft", "submitted", "recommended", "not_recommended", "panel", "panel", "panel",
              "panel"]  # fmt: skip
    apps = [
        apply(open_round, t, _day(today, -30 + i), s)
        for i, (t, s) in enumerate(zip(senior, stages, strict=True))
    ]
    waiting = None
    for app in apps[4:]:
        if waiting is None and app.panel_members.filter(reviewer=logins["reviewer"]).exists():
            waiting = app
            score(app, _day(today, -5), skip=logins["reviewer"])
        else:
            score(app, _day(today, -5))
    # 2. Last year's round, ranked and decided.
    done = [apply(closed, t, _day(last, 2 + i), "panel") for i, t in enumerate(first)]
    for app in done:
        score(app, _day(last, 40))
    ranked = services.round_rank(actor=district, round_pk=closed.pk, today=_day(last, 60))
    chosen = [r.id for r in ranked if r.within_quota]
    by_id = {a.pk: a for a in done}
    step(
        district,
        by_id[chosen[1]],
        "object",
        _day(last, 62),
        "收到实名异议：反映其教研成果存在署名争议。",
    )
    step(district, by_id[chosen[0]], "approve", _day(last, 70))
    counts["title applications"] += len(apps) + len(done)
