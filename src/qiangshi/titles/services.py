"""Writes for title evaluation: rounds and their quotas, applications and their materials, the
steps on the review workflow (submission gated by eligibility, recommendation within the school's
quota, review with the panel drawn, scores, ranking within the district's quota, notice,
objections, decision creating the `TitleRecord` through the registry's services). Every write is
audited; nothing is written when a step is refused."""

from __future__ import annotations

import base64
import secrets
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiangshi.access.models import Role
from qiangshi.access.scoping import require
from qiangshi.core import crypto
from qiangshi.core.errors import ApplicationError, NotFound, translated
from qiangshi.core.services import audit_record
from qiangshi.engines import titles as engine
from qiangshi.engines.staffing import TITLE_BANDS
from qiangshi.org.models import Region, RegionLevel, School
from qiangshi.teachers import services as registry
from qiangshi.workflow import services as workflow
from qiangshi.workflow.selectors import item_for

from . import eligibility, selectors
from .models import (
    ApplicationMaterial,
    PanelMember,
    QuotaSource,
    ReviewerProfile,
    RoundQuota,
    RoundStage,
    Score,
    TitleApplication,
    TitleRound,
    WeakSchool,
)
from .workflow import PROCESS, STEPS

MAX_MATERIAL_BYTES = 10 * 1024 * 1024


def _field_error(field: str, message) -> ApplicationError:
    return ApplicationError(str(message), fields={field: str(message)})


# --- rounds -----------------------------------------------------------------------------------


@transaction.atomic
def round_create(
    *,
    actor,
    year: int,
    target: str,
    stage: str,
    opens_on: date,
    closes_on: date,
    aggregation: str = "mean",
    panel_size: int = 3,
    avoid_same_district: bool = False,
    materials: list[str] | None = None,
    seed: str = "",
) -> TitleRound:
    """Open a round in the office's region (the bureau's city or a district office's
    district), with the rule files in force on its reference date and quotas from the post
    structure where the province's shares allow (else the office enters them). `seed`: the
    panel seed when the office drew one in public (else one is drawn at the first review)."""
    require(actor, "titleround", "create")
    region = actor.region
    if region is None or region.level not in (RegionLevel.CITY, RegionLevel.DISTRICT):
        raise ApplicationError(_("Only a city or district office opens a round."))
    if target not in engine.LADDER:
        raise _field_error("target", _("Unknown title."))
    if stage not in RoundStage.values:
        raise _field_error("stage", _("Unknown stage."))
    if closes_on < opens_on:
        raise _field_error("closes_on", _("Applications cannot close before they open."))
    if panel_size < 1 or panel_size > 15:
        raise _field_error("panel_size", _("Enter a panel of 1 to 15 reviewers."))
    if aggregation not in ("mean", "trimmed_mean"):
        raise _field_error("aggregation", _("Unknown aggregation."))
    if aggregation == "trimmed_mean" and panel_size < 3:
        raise _field_error("panel_size", _("A trimmed mean needs at least 3 reviewers."))
    if TitleRound.objects.filter(year=year, target=target, stage=stage, region=region).exists():
        raise _field_error("target", _("This round already exists."))
    rules = eligibility.rules_on(date(year, 1, 1))
    on = eligibility.reference_date(year, rules)
    names = [m.strip()[:80] for m in (materials or []) if m and m.strip()]
    round_ = TitleRound.objects.create(
        year=year,
        target=target,
        stage=stage,
        region=region,
        opens_on=opens_on,
        closes_on=closes_on,
        reference_date=on,
        rule_version=rules["version"],
        rubric_version=eligibility.rubric_on(on)["version"],
        aggregation=aggregation,
        panel_size=panel_size,
        avoid_same_district=avoid_same_district,
        seed=(seed or "").strip()[:64],
        materials=[{"key": f"m{i + 1}", "label": n} for i, n in enumerate(names)],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _quotas_from_posts(round_)
    audit_record(
        actor=actor,
        action="titles.round.create",
        target=round_,
        changes={"year": [None, year], "target": [None, target], "stage": [None, stage]},
    )
    return round_


def _districts(region: Region) -> list[Region]:
    if region.level == RegionLevel.DISTRICT:
        return [region]
    return list(
        Region.objects.filter(level=RegionLevel.DISTRICT, path__startswith=region.path).order_by(
            "code"
        )
    )


def _quotas_from_posts(round_: TitleRound) -> None:
    """The round's quotas from the staffing module's post structure: per school, the
    promotions its band (senior, intermediate, junior) allows; per district, their sum. When
    the province's post shares do not cover a school's stage, every quota is left to the
    office (`quota_source` = entered) and the reason kept for the page."""
    from qiangshi.staffing.selectors import district_posts

    band = TITLE_BANDS[round_.target]
    rows = []
    try:
        for district in _districts(round_.region):
            posts = district_posts(actor=None, district=district, year=round_.year)
            total = 0
            for s in posts.schools:
                if round_.stage not in engine.SCHOOL_STAGES.get(s.stage, ()):
                    continue
                n = next(b.promotions for b in s.structure.bands if b.band == band)
                rows.append(
                    RoundQuota(round=round_, district=district, school_id=s.school_id, quota=n,
                               source=QuotaSource.POST_STRUCTURE)
                )  # fmt: skip
                total += n
            rows.append(
                RoundQuota(round=round_, district=district, school=None, quota=total,
                           source=QuotaSource.POST_STRUCTURE)
            )  # fmt: skip
    except (ApplicationError, KeyError, ValueError) as exc:
        round_.quota_source = QuotaSource.ENTERED
        round_.quota_note = str(exc)[:300]
        round_.save(update_fields=["quota_source", "quota_note"])
        return
    RoundQuota.objects.bulk_create(rows)
    round_.quota_source = QuotaSource.POST_STRUCTURE
    round_.save(update_fields=["quota_source"])


@transaction.atomic
def round_quota_set(*, actor, round_pk, district_pk, quota: int, school_pk=None) -> RoundQuota:
    """Enter (or correct) a district's or a school's quota in a round."""
    require(actor, "titleround", "change")
    round_ = selectors.round_get(actor=actor, pk=round_pk)
    districts = {d.pk: d for d in _districts(round_.region)}
    if int(district_pk) not in districts:
        raise _field_error("district", _("This district is not in the round's region."))
    if quota < 0:
        raise _field_error("quota", _("Enter a number of 0 or more."))
    school = None
    if school_pk:
        school = School.objects.filter(pk=school_pk, district_id=district_pk).first()
        if school is None:
            raise _field_error("school", _("This school is not in the district."))
    row, _created = RoundQuota.objects.update_or_create(
        round=round_,
        district_id=district_pk,
        school=school,
        defaults={"quota": quota, "source": QuotaSource.ENTERED},
    )
    audit_record(
        actor=actor,
        action="titles.round.quota",
        target=round_,
        changes={"quota": [None, quota], "district": [None, int(district_pk)],
                 "school": [None, school.pk if school else None]},
    )  # fmt: skip
    return row


# --- applications -------------------------------------------------------------------------------


def _check(app: TitleApplication, on: date) -> engine.Eligibility:
    """Re-check an application against its round's rule version on the round's reference date
    (the ethics bar on `on` too, when later), storing the registry data and every result."""
    round_ = app.round
    rules = eligibility.rules_version(round_.rule_version)
    snapshot, candidate = selectors.prefill(app.teacher, round_.reference_date, round_.stage)
    result = engine.evaluate(candidate, round_.target, rules, round_.reference_date)
    app.snapshot = snapshot
    app.checks = eligibility.check_rows(result)
    app.eligible = result.eligible
    app.rule_version = result.rule_version
    app.checked_on = on
    app.current_title = candidate.current_title or ""
    return result


@transaction.atomic
def application_start(*, actor, round_pk, today: date | None = None) -> TitleApplication:
    """A teacher starts their application in an open round: pre-filled from the registry and
    checked (an ineligible draft may be kept, never submitted)."""
    require(actor, "titleapplication", "create")
    today = today or date.today()
    teacher = getattr(actor, "teacher_profile", None)
    if actor.role != Role.TEACHER or teacher is None:
        raise PermissionDenied
    round_ = selectors.round_get(actor=actor, pk=round_pk)
    if not round_.opens_on <= today <= round_.closes_on:
        raise translated(
            gettext_lazy("Applications are open from %(opens)s to %(closes)s."),
            {"opens": round_.opens_on, "closes": round_.closes_on},
        )
    job = teacher.current_employment
    if job is None or not job.school.district.path.startswith(round_.region.path):
        raise translated(gettext_lazy("Your current school is not in this round's region."))
    if round_.stage not in engine.SCHOOL_STAGES.get(job.school.stage, ()):
        raise translated(gettext_lazy("Your school does not teach this round's stage."))
    if TitleApplication.objects.filter(round=round_, teacher=teacher).exists():
        raise translated(gettext_lazy("You have already applied in this round."))
    app = TitleApplication(
        round=round_,
        teacher=teacher,
        school=job.school,
        district=job.school.district,
        subject=job.main_subject,
        checked_on=today,
    )
    _check(app, today)
    app.save()
    workflow.work_start(actor=actor, process=PROCESS, object_id=app.pk, today=today)
    audit_record(
        actor=actor,
        action="titles.application.start",
        target=app,
        changes={"round": [None, round_.pk], "eligible": [None, app.eligible]},
    )
    return app


def _own_draft(actor, application_pk) -> TitleApplication:
    app = selectors.application_get(actor=actor, pk=application_pk)
    teacher = getattr(actor, "teacher_profile", None)
    if teacher is None or app.teacher_id != teacher.pk:
        raise PermissionDenied
    if selectors.state_of(app) != "draft":
        raise translated(gettext_lazy("Only a draft application can be changed."))
    return app


@transaction.atomic
def application_update(*, actor, application_pk, statement: str, today=None) -> TitleApplication:
    """The applicant's statement, and a fresh check against the registry."""
    app = _own_draft(actor, application_pk)
    app.statement = (statement or "").strip()[:5000]
    _check(app, today or date.today())
    app.save()
    audit_record(actor=actor, action="titles.application.update", target=app)
    return app


@transaction.atomic
def material_upload(*, actor, application_pk, kind: str, upload) -> ApplicationMaterial:
    """Attach a file for one of the round's required materials (replacing an earlier one)."""
    app = _own_draft(actor, application_pk)
    kinds = {m["key"] for m in app.round.materials}
    if kind not in kinds:
        raise _field_error("kind", _("Unknown material."))
    data = upload.read()
    if not data:
        raise _field_error("file", _("The file is empty."))
    if len(data) > MAX_MATERIAL_BYTES:
        raise translated(gettext_lazy("The file %(name)s is larger than 10 MB."),
                         {"name": upload.name})  # fmt: skip
    ApplicationMaterial.objects.filter(application=app, kind=kind).delete()
    material = ApplicationMaterial.objects.create(
        application=app,
        kind=kind,
        name=upload.name[:255],
        content_type=(getattr(upload, "content_type", "") or "")[:100],
        size=len(data),
        content_encrypted=crypto.encrypt(base64.b64encode(data).decode()),
    )
    audit_record(
        actor=actor, action="titles.application.material", target=app,
        changes={"material": [None, kind]},
    )  # fmt: skip
    return material


def _blocking(app: TitleApplication) -> ApplicationError:
    """The error naming every rule that blocks submission, in both languages."""
    from django.utils import translation

    texts = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            parts = [
                f"{eligibility.RULE_LABELS[row['rule']]}: "
                f"{eligibility.stored_check_message(row, app.round.target)}"
                for row in app.checks
                if row["status"] != engine.PASS
            ]
            texts[language] = str(_("Not eligible: the application cannot be submitted.")) + (
                " " + " ".join(parts)
            )
    from qiangshi.core.errors import bilingual

    error = bilingual(texts["en"], texts["zh-hans"])
    error.code = "not_eligible"
    return error


def _submit(app: TitleApplication, today: date) -> None:
    if today > app.round.closes_on:
        raise translated(gettext_lazy("Applications closed on %(closes)s."),
                         {"closes": app.round.closes_on})  # fmt: skip
    _check(app, today)
    if not app.eligible:
        raise _blocking(app)
    uploaded = set(app.materials.values_list("kind", flat=True))
    missing = [m["label"] for m in app.round.materials if m["key"] not in uploaded]
    if missing:
        raise translated(gettext_lazy("Upload the required materials first: %(missing)s."),
                         {"missing": "; ".join(missing)})  # fmt: skip
    app.submitted_on = today


def _recommend(app: TitleApplication) -> None:
    limit = selectors.quotas(app.round)["schools"].get(app.school_id)
    if limit is not None and selectors.recommended_count(app.round, app.school_id) >= limit:
        raise translated(
            gettext_lazy("The school's quota of %(quota)s recommendations is used up."),
            {"quota": limit},
        )


def _draw(app: TitleApplication, actor, today: date) -> None:
    round_ = app.round
    if not round_.seed:
        round_.seed = secrets.token_hex(8)
        round_.save(update_fields=["seed"])
    drawn = engine.draw_panel(
        selectors.reviewer_pool(),
        _applicant(app),
        round_.panel_size,
        round_.seed,
        avoid_same_district=round_.avoid_same_district,
    )
    if len(drawn.members) < round_.panel_size:
        raise translated(
            gettext_lazy("Only %(n)s reviewers of this subject and stage have no conflict with "
                         "the applicant; the panel needs %(size)s."),
            {"n": drawn.eligible, "size": round_.panel_size},
        )  # fmt: skip
    PanelMember.objects.filter(application=app).delete()
    PanelMember.objects.bulk_create(
        PanelMember(application=app, reviewer_id=r, position=i, seed=round_.seed, drawn_on=today)
        for i, r in enumerate(drawn.members, start=1)
    )
    audit_record(
        actor=actor, action="titles.panel.draw", target=app,
        changes={"panel": [None, list(drawn.members)], "seed": [None, round_.seed]},
    )  # fmt: skip


def _applicant(app: TitleApplication) -> engine.Applicant:
    return engine.Applicant(
        id=app.pk,
        teacher=app.teacher_id,
        subject=app.subject,
        stage=app.round.stage,
        school=app.school_id,
        district=app.district_id,
    )


def _decide(app: TitleApplication, actor, today: date) -> None:
    """Create the new title in the registry (the projection follows)."""
    record = registry.teacher_record_add(
        actor=actor,
        teacher=app.teacher,
        kind="title",
        data={"rank": app.round.target, "obtained_on": today},
    )
    app.title_record = record
    app.decided_on = today


@transaction.atomic
def application_step(
    *, actor, application_pk, step: str, comment: str = "", attachments=(), today=None
) -> TitleApplication:
    """Take a step on an application (workflows/title_application.json). The workflow refuses
    what the role, state or deadline does not allow; here: submission needs eligibility and the
    materials, recommendation the school's quota, the review a full panel drawn, approval
    creates the title. Scoring and ranking have their own services."""
    today = today or date.today()
    if step in ("score", "select", "not_select"):
        raise translated(gettext_lazy("This step is taken on its own page."))
    app = selectors.application_get(actor=actor, pk=application_pk)
    if actor.role == Role.TEACHER and app.teacher.user_id != actor.pk:
        raise PermissionDenied
    app = TitleApplication.objects.select_for_update().get(pk=app.pk)
    item = item_for(PROCESS, app.pk)
    refusal = workflow.registry.get(PROCESS).definition.refusal(
        item.state, step, actor.role, item.due_on, today, comment or ""
    )
    if refusal is None:
        if step == "submit":
            _submit(app, today)
        elif step == "recommend":
            _recommend(app)
        elif step == "pass_review":
            _draw(app, actor, today)
        elif step in ("approve", "dismiss_objection"):
            _decide(app, actor, today)
    workflow.work_advance(
        actor=actor, item=item, transition=step, comment=comment, attachments=attachments,
        today=today,
    )  # fmt: skip
    app.save()
    audit_record(actor=actor, action=f"titles.application.{step}", target=app)
    return app


@transaction.atomic
def score_submit(*, actor, application_pk, scores: dict, comment: str = "", today=None) -> Score:
    """A reviewer drawn for the application scores it on the round's rubric (once)."""
    require(actor, "titlescore", "create")
    today = today or date.today()
    app = selectors.application_get(actor=actor, pk=application_pk)
    if not PanelMember.objects.filter(application=app, reviewer=actor).exists():
        raise NotFound("Not found")
    if Score.objects.filter(application=app, reviewer=actor).exists():
        raise translated(gettext_lazy("You have already scored this application."))
    rubric = eligibility.rubric_version(app.round.rubric_version)
    try:
        total = engine.score_total(rubric, scores)
    except engine.ScoreError as e:
        criterion = rubric["criteria"].get(e.params.get("criterion"), {})
        from django.utils import translation

        label = criterion.get(
            "en" if (translation.get_language() or "").startswith("en") else "zh", ""
        )
        message = {
            "missing": _("Score every criterion (%(criterion)s is missing)."),
            "out_of_range": _("%(criterion)s: enter a score from 0 to %(max)s."),
            "not_a_number": _("%(criterion)s: enter a number."),
            "unknown_criterion": _("Unknown criterion."),
        }[e.code] % {"criterion": label, "max": e.params.get("max", "")}
        raise ApplicationError(
            message, fields={e.params.get("criterion", "scores"): message}
        ) from None
    item = item_for(PROCESS, app.pk)
    workflow.work_advance(actor=actor, item=item, transition="score", comment=comment, today=today)
    score = Score.objects.create(
        application=app,
        reviewer=actor,
        scores={k: str(v) for k, v in scores.items()},
        total=total,
        rubric_version=rubric["version"],
        scored_on=today,
    )
    audit_record(
        actor=actor, action="titles.score", target=app, changes={"total": [None, str(total)]}
    )
    return score


@transaction.atomic
def round_rank(*, actor, round_pk, today=None) -> list[engine.Ranked]:
    """Rank the applications with the panel in each district of a round: each one's score
    aggregated from its reviewers' totals (the round's mean or trimmed mean), the first within
    the district's quota go to public notice, the others are not selected. Refused while a
    reviewer has not scored or a district has no quota."""
    require(actor, "titleround", "change")
    today = today or date.today()
    round_ = selectors.round_get(actor=actor, pk=round_pk)
    apps = [
        a
        for a in selectors.application_list(
            actor=actor, filters={"round": round_.pk, "state": "panel"}
        )
    ]
    if not apps:
        raise translated(gettext_lazy("No application is with the panel."))
    quotas = selectors.quotas(round_)["districts"]
    totals: dict[int, list] = {a.pk: [] for a in apps}
    for app_id, total in Score.objects.filter(application__in=apps).values_list(
        "application_id", "total"
    ):
        totals[app_id].append(total)
    panels: dict[int, int] = {a.pk: 0 for a in apps}
    for app_id in PanelMember.objects.filter(application__in=apps).values_list(
        "application_id", flat=True
    ):
        panels[app_id] += 1
    waiting = [a for a in apps if len(totals[a.pk]) < panels[a.pk] or not panels[a.pk]]
    if waiting:
        raise translated(
            gettext_lazy("Scores are missing for %(n)s applications (e.g. #%(first)s)."),
            {"n": len(waiting), "first": waiting[0].pk},
        )
    by_district: dict[int, list] = {}
    for a in apps:
        if a.district_id not in quotas:
            raise translated(gettext_lazy("Enter the quota of %(district)s first."),
                             {"district": a.district.name})  # fmt: skip
        by_district.setdefault(a.district_id, []).append(a)
    out = []
    for district_id, group in by_district.items():
        scored = [(a.pk, engine.aggregate(totals[a.pk], round_.aggregation)) for a in group]
        ranked = engine.rank_within_quota(scored, quotas[district_id])
        by_id = {a.pk: a for a in group}
        for r in ranked:
            app = by_id[r.id]
            app.score, app.rank, app.within_quota = r.score, r.rank, r.within_quota
            app.save(update_fields=["score", "rank", "within_quota"])
            workflow.work_advance(
                actor=actor, item=item_for(PROCESS, app.pk),
                transition="select" if r.within_quota else "not_select", today=today,
            )  # fmt: skip
        out += ranked
    round_.ranked_on = today
    round_.save(update_fields=["ranked_on"])
    audit_record(
        actor=actor, action="titles.round.rank", target=round_,
        changes={"ranked": [None, len(out)], "within_quota": [None, sum(r.within_quota for r in out)]},
    )  # fmt: skip
    return out


# --- the reviewers' pool ------------------------------------------------------------------------


def _pool_values(actor, *, subjects, stages, school_pk=None, district_pk=None):
    """Validated subjects, stages and workplace of a profile: the school (when given) in the
    actor's area, the district that of the school, else one in the actor's area; a district
    office's experts are of its district, and only an office above district level keeps
    city-wide experts (no district)."""
    from qiangshi.org.selectors import district_choices, school_get
    from qiangshi.teachers.models import Subject

    subjects = sorted({s for s in subjects or [] if s})
    stages = sorted({s for s in stages or [] if s})
    if not subjects:
        raise _field_error("subjects", _("Declare at least one subject."))
    if not stages:
        raise _field_error("stages", _("Declare at least one stage."))
    if set(subjects) - set(Subject.values):
        raise _field_error("subjects", _("Unknown subject."))
    if set(stages) - set(RoundStage.values):
        raise _field_error("stages", _("Unknown stage."))
    school = district = None
    if school_pk:
        try:
            school = school_get(actor=actor, pk=school_pk)
        except NotFound:
            raise _field_error("school", _("No school with this ID in your area.")) from None
        district = school.district
    elif district_pk:
        district = district_choices(actor=actor).filter(pk=district_pk).first()
        if district is None:
            raise _field_error("district", _("This district is not in your area."))
    elif actor.role != Role.ADMIN:
        region = actor.region
        if region is None:
            raise PermissionDenied
        if region.level == RegionLevel.DISTRICT:
            district = region
    return subjects, stages, school, district


def _profile_changes(profile: ReviewerProfile) -> dict:
    return {
        "subjects": profile.subjects,
        "stages": profile.stages,
        "school": profile.school_id,
        "district": profile.district_id,
        "is_active": profile.is_active,
    }


def _diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


@transaction.atomic
def reviewer_profile_create(
    *, actor, user_pk, subjects: list[str], stages: list[str], school_pk=None, district_pk=None
) -> ReviewerProfile:
    """An office puts an expert reviewer's login in the pool with the subjects and stages they
    review and where they work (their school's colleagues and, when a round asks, their
    district are never drawn for an applicant)."""
    from qiangshi.access.models import User

    require(actor, "reviewerprofile", "create")
    user = User.objects.filter(pk=user_pk, role=Role.REVIEWER, is_active=True).first()
    if user is None:
        raise _field_error("user", _("Choose an expert reviewer's login."))
    if ReviewerProfile.objects.filter(user=user).exists():
        raise _field_error("user", _("This reviewer is already in the pool."))
    subjects, stages, school, district = _pool_values(
        actor, subjects=subjects, stages=stages, school_pk=school_pk, district_pk=district_pk
    )
    profile = ReviewerProfile.objects.create(
        user=user, subjects=subjects, stages=stages, school=school, district=district
    )
    audit_record(
        actor=actor, action="titles.reviewer.create", target=profile,
        changes=_diff({}, _profile_changes(profile)),
    )  # fmt: skip
    return profile


@transaction.atomic
def reviewer_profile_update(
    *, actor, profile_pk, subjects: list[str], stages: list[str], school_pk=None,
    district_pk=None,
) -> ReviewerProfile:  # fmt: skip
    """Change a reviewer's subjects, stages or workplace (a profile of the office's area)."""
    require(actor, "reviewerprofile", "change")
    profile = selectors.reviewer_profile_get(actor=actor, pk=profile_pk, action="change")
    before = _profile_changes(profile)
    profile.subjects, profile.stages, profile.school, profile.district = _pool_values(
        actor, subjects=subjects, stages=stages, school_pk=school_pk, district_pk=district_pk
    )
    profile.save(update_fields=["subjects", "stages", "school", "district"])
    changes = _diff(before, _profile_changes(profile))
    if changes:
        audit_record(actor=actor, action="titles.reviewer.update", target=profile, changes=changes)
    return profile


@transaction.atomic
def reviewer_profile_deactivate(*, actor, profile_pk, reason: str = "") -> ReviewerProfile:
    """Take a reviewer out of the pool: never drawn for a panel again (panels drawn before
    stay, with their scores). The profile and its relations are kept."""
    return _profile_activity(actor, profile_pk, False, reason)


@transaction.atomic
def reviewer_profile_reactivate(*, actor, profile_pk) -> ReviewerProfile:
    """Put a reviewer taken out back in the pool."""
    return _profile_activity(actor, profile_pk, True, "")


def _profile_activity(actor, profile_pk, active: bool, reason: str) -> ReviewerProfile:
    require(actor, "reviewerprofile", "change")
    profile = selectors.reviewer_profile_get(actor=actor, pk=profile_pk, action="change")
    if profile.is_active == active:
        raise translated(
            gettext_lazy("This reviewer is already in the pool.")
            if active
            else gettext_lazy("This reviewer is already out of the pool.")
        )
    profile.is_active = active
    profile.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="titles.reviewer.reactivate" if active else "titles.reviewer.deactivate",
        target=profile,
        changes={"is_active": [not active, active]},
        note=(reason or "").strip()[:300],
    )
    return profile


@transaction.atomic
def reviewer_profile_set(
    *, actor, user, subjects: list[str], stages: list[str], school=None, district=None,
    is_active: bool = True,
) -> ReviewerProfile:  # fmt: skip
    """Declare a reviewer's subjects, stages and workplace in one call, creating or changing
    the profile (the demo and the tests build the pool with it; the pages and the API use the
    create, update and deactivate services)."""
    require(actor, "reviewerprofile", "change")
    if getattr(user, "role", None) != Role.REVIEWER:
        raise translated(gettext_lazy("Only an expert reviewer can be in the pool."))
    if not subjects or not stages:
        raise translated(gettext_lazy("Declare at least one subject and one stage."))
    if school is not None and district is None:
        district = school.district
    profile, _created = ReviewerProfile.objects.update_or_create(
        user=user,
        defaults={"subjects": sorted(set(subjects)), "stages": sorted(set(stages)),
                  "school": school, "district": district, "is_active": is_active},
    )  # fmt: skip
    audit_record(actor=actor, action="titles.reviewer.profile", target=profile)
    return profile


# --- declared relations ---------------------------------------------------------------------------


def _relation_values(kind: str, declared_on: date | None, today: date) -> date:
    from .models import RelationKind

    if kind not in RelationKind.values:
        raise _field_error("kind", _("Unknown relation."))
    declared_on = declared_on or today
    if declared_on > today:
        raise _field_error("declared_on", _("The declaration cannot be dated in the future."))
    return declared_on


@transaction.atomic
def reviewer_relation_record(
    *, actor, reviewer_pk, teacher_pk, kind: str, declared_on: date | None = None, today=None
):
    """An office records a relation a reviewer of its pool declared with a teacher of its area
    (a colleague, a relative, a mentor or former student, another interest): the reviewer is
    never drawn for that teacher's applications afterwards. Panels drawn before stay as they
    are."""
    from qiangshi.access.scoping import get_in_scope
    from qiangshi.teachers.models import Teacher

    from .models import ReviewerRelation

    require(actor, "reviewerrelation", "create")
    today = today or date.today()
    declared_on = _relation_values(kind, declared_on, today)
    profile = (
        selectors.reviewer_profiles(actor=actor).filter(user_id=reviewer_pk).first()
        if reviewer_pk
        else None
    )
    if profile is None:
        raise _field_error("reviewer", _("Choose a reviewer of your pool."))
    try:
        teacher = get_in_scope(Teacher.objects.all(), actor, "view", pk=teacher_pk)
    except NotFound:
        raise _field_error("teacher", _("No teacher with this ID in your area.")) from None
    if ReviewerRelation.objects.filter(reviewer_id=profile.user_id, teacher=teacher).exists():
        raise _field_error("teacher", _("This relation is already recorded."))
    row = ReviewerRelation.objects.create(
        reviewer_id=profile.user_id, teacher=teacher, kind=kind, declared_on=declared_on
    )
    audit_record(
        actor=actor, action="titles.relation.record", target=row,
        changes={"reviewer": [None, profile.user_id], "teacher": [None, teacher.pk],
                 "kind": [None, kind], "declared_on": [None, declared_on.isoformat()]},
    )  # fmt: skip
    return row


@transaction.atomic
def reviewer_relation_update(
    *, actor, relation_pk, kind: str, declared_on: date | None = None, today=None
):
    """Correct the kind or the date of a recorded relation."""
    require(actor, "reviewerrelation", "change")
    row = selectors.relation_get(actor=actor, pk=relation_pk, action="change")
    declared_on = _relation_values(kind, declared_on or row.declared_on, today or date.today())
    changes = _diff(
        {"kind": row.kind, "declared_on": row.declared_on.isoformat()},
        {"kind": kind, "declared_on": declared_on.isoformat()},
    )
    row.kind, row.declared_on = kind, declared_on
    row.save(update_fields=["kind", "declared_on"])
    if changes:
        audit_record(actor=actor, action="titles.relation.update", target=row, changes=changes)
    return row


@transaction.atomic
def reviewer_relation_remove(*, actor, relation_pk, reason: str = "") -> None:
    """Remove a relation recorded by mistake (the audit trail keeps what it was): the reviewer
    may be drawn for the teacher again."""
    require(actor, "reviewerrelation", "delete")
    row = selectors.relation_get(actor=actor, pk=relation_pk, action="delete")
    audit_record(
        actor=actor, action="titles.relation.remove", target=row,
        changes={"reviewer": [row.reviewer_id, None], "teacher": [row.teacher_id, None],
                 "kind": [row.kind, None]},
        note=(reason or "").strip()[:300],
    )  # fmt: skip
    row.delete()


@transaction.atomic
def reviewer_relation_declare(*, actor, teacher, kind: str, on: date | None = None):
    """A reviewer declares a relation with a teacher (never drawn for them afterwards)."""
    from .models import RelationKind, ReviewerRelation

    if actor.role != Role.REVIEWER:
        raise PermissionDenied
    if kind not in RelationKind.values:
        raise _field_error("kind", _("Unknown relation."))
    row, _created = ReviewerRelation.objects.get_or_create(
        reviewer=actor, teacher=teacher, defaults={"kind": kind, "declared_on": on or date.today()}
    )
    audit_record(actor=actor, action="titles.reviewer.relation", target=row)
    return row


# --- weak schools -----------------------------------------------------------------------------------


@transaction.atomic
def weak_school_designate(
    *, actor, school_pk, start_date: date, end_date: date | None = None, source: str
) -> WeakSchool:
    """Designate a school of the office's area as weak (薄弱学校) from `start_date`, until
    `end_date` (the first day no longer designated; open when empty), for the reason and on the
    decision given in `source`. Service there counts towards the weak-school service required
    before senior from the next eligibility check. Periods of one school do not overlap."""
    from qiangshi.org.selectors import school_get

    require(actor, "weakschool", "create")
    try:
        school = school_get(actor=actor, pk=school_pk)
    except NotFound:
        raise _field_error("school", _("No school with this ID in your area.")) from None
    source = (source or "").strip()
    if not source:
        raise _field_error("source", _("Give the reason and the decision it rests on."))
    if len(source) > 200:
        raise _field_error("source", _("Write at most 200 characters."))
    if end_date is not None and end_date <= start_date:
        raise _field_error("end_date", _("The designation must end after it starts."))
    _no_overlap(school, start_date, end_date)
    row = WeakSchool.objects.create(
        school=school, start_date=start_date, end_date=end_date, source=source
    )
    audit_record(
        actor=actor, action="titles.weak_school.designate", target=row,
        changes={"school": [None, school.pk], "start_date": [None, start_date.isoformat()],
                 "end_date": [None, end_date.isoformat() if end_date else None],
                 "source": [None, source]},
    )  # fmt: skip
    return row


def _no_overlap(school, start: date, end: date | None, exclude=None) -> None:
    others = WeakSchool.objects.filter(school=school).exclude(pk=exclude)
    for other in others:
        if start < (other.end_date or date.max) and other.start_date < (end or date.max):
            error = translated(
                gettext_lazy("The school is already designated from %(start)s%(until)s."),
                {
                    "start": other.start_date.isoformat(),
                    "until": (" – " + other.end_date.isoformat()) if other.end_date else "",
                },
            )
            error.fields = {"start_date": error.message}
            raise error


@transaction.atomic
def weak_school_end(*, actor, designation_pk, end_date: date) -> WeakSchool:
    """End a designation: from `end_date` on the school is no longer weak (an open one, or one
    set to end later). The period before stays and still counts."""
    require(actor, "weakschool", "change")
    row = selectors.weak_school_get(actor=actor, pk=designation_pk, action="change")
    row = WeakSchool.objects.select_for_update().get(pk=row.pk)
    if end_date <= row.start_date:
        raise _field_error("end_date", _("The designation must end after it starts."))
    if row.end_date is not None and end_date >= row.end_date:
        raise translated(
            gettext_lazy("This designation already ends on %(end)s."),
            {"end": row.end_date.isoformat()},
        )
    before = row.end_date
    row.end_date = end_date
    row.save(update_fields=["end_date"])
    audit_record(
        actor=actor, action="titles.weak_school.end", target=row,
        changes={"end_date": [before.isoformat() if before else None, end_date.isoformat()]},
    )  # fmt: skip
    return row


STEP_LABELS = STEPS
