"""Title evaluation pages (issue 17, POLICY.md §3): rounds and their quotas, applying, the
school's recommendations and the office's review (queues of the round), the reviewers' panel
and scoring, ranking, the public notice and decision, statistics and xlsx exports.

Views parse input and call `qiangshi.titles` selectors and services; every list is scoped
there (a school sees its applicants, a reviewer only what was drawn for them, a teacher their
own application)."""

from __future__ import annotations

import io
from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, require
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.services import ExportAccess, access_record, audit_record
from qiangshi.teachers.models import EducationLevel, RecognitionKind, RecognitionLevel, TitleRank
from qiangshi.titles import eligibility, selectors, services
from qiangshi.titles.models import Aggregation, ApplicationMaterial, RoundStage
from qiangshi.titles.workflow import SPECIAL_STEPS, STATES, STEPS
from qiangshi.web.forms import StyledForm
from qiangshi.web.lists import paginate, query_without_page, xlsx_response
from qiangshi.workflow.selectors import allowed_moves, history, item_for

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})
QUEUES = {"recommend": "submitted", "review": "recommended"}


def _round(request, pk):
    require(request.user, "titleround", "view")
    try:
        return selectors.round_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def _application(request, pk):
    require(request.user, "titleapplication", "view")
    try:
        return selectors.application_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def _error(request, e: ApplicationError) -> None:
    details = "; ".join(e.fields.values())
    messages.error(request, f"{e.message} {details}".strip())


def _rows(apps):
    items = selectors.application_states(apps)
    today = date.today()
    return [
        {
            "app": a,
            "state": items[a.pk].state if a.pk in items else "",
            "state_label": STATES.get(items[a.pk].state, "") if a.pk in items else "",
            "due_on": items[a.pk].due_on if a.pk in items else None,
            "overdue": a.pk in items
            and items[a.pk].due_on is not None
            and items[a.pk].due_on < today,
        }
        for a in apps
    ]


# --- rounds -------------------------------------------------------------------------------------


class RoundForm(StyledForm):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    target = forms.ChoiceField(label=gettext_lazy("Title"), choices=TitleRank.choices)
    stage = forms.ChoiceField(label=gettext_lazy("Stage"), choices=RoundStage.choices)
    opens_on = forms.DateField(label=gettext_lazy("Applications open on"), widget=DATE)
    closes_on = forms.DateField(label=gettext_lazy("Applications close on"), widget=DATE)
    aggregation = forms.ChoiceField(label=gettext_lazy("Aggregation"), choices=Aggregation.choices)
    panel_size = forms.IntegerField(
        label=gettext_lazy("Reviewers per application"), min_value=1, max_value=15, initial=3
    )
    avoid_same_district = forms.BooleanField(
        label=gettext_lazy("No reviewer from the applicant's district"), required=False
    )
    materials = forms.CharField(
        label=gettext_lazy("Required materials (one per line)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


@login_required
def round_list(request):
    require(request.user, "titleround", "view")
    filters = {
        "year": request.GET.get("year", "").strip()[:4],
        "target": request.GET.get("target", "")
        if request.GET.get("target") in TitleRank.values
        else "",
        "stage": request.GET.get("stage", "")
        if request.GET.get("stage") in RoundStage.values
        else "",
    }
    if not filters["year"].isdigit():
        filters["year"] = ""
    rounds = selectors.round_list(actor=request.user, filters=filters)
    if request.GET.get("format") == "xlsx":
        require(request.user, "titleround", "export")
        audit_record(actor=request.user, action="titles.round.export")
        header = [_("Year"), _("Title"), _("Stage"), _("Region"), _("Applications open on"),
                  _("Applications close on"), _("Reference date"), _("Rule version")]  # fmt: skip
        rows = ([r.year, r.get_target_display(), r.get_stage_display(), r.region.name, r.opens_on,
                 r.closes_on, r.reference_date, r.rule_version] for r in rounds)  # fmt: skip
        return xlsx_response("title-rounds", [(_("Title rounds"), header, rows)])
    page = paginate(request, rounds)
    return render(
        request,
        "web/titles/round_list.html",
        {
            "page": page,
            "filters": filters,
            "targets": TitleRank.choices,
            "stages": RoundStage.choices,
            "query": query_without_page(request),
            "may_create": can(request.user, "titleround", "create"),
            "may_export": can(request.user, "titleround", "export"),
            "is_reviewer": request.user.role == Role.REVIEWER,
            "may_pool": can(request.user, "reviewerprofile", "view"),
            "may_weak": can(request.user, "weakschool", "view"),
        },
    )


@login_required
def round_create(request):
    require(request.user, "titleround", "create")
    today = date.today()
    form = RoundForm(
        request.POST or None,
        initial={"year": today.year, "opens_on": today, "closes_on": today, "panel_size": 3},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            round_ = services.round_create(
                actor=request.user, year=d["year"], target=d["target"], stage=d["stage"],
                opens_on=d["opens_on"], closes_on=d["closes_on"], aggregation=d["aggregation"],
                panel_size=d["panel_size"], avoid_same_district=d["avoid_same_district"],
                materials=d["materials"].splitlines(),
            )  # fmt: skip
        except ApplicationError as e:
            for field, message in e.fields.items():
                form.add_error(field if field in form.fields else None, message)
            if not e.fields:
                form.add_error(None, e.message)
        else:
            messages.success(request, _("Round opened."))
            return redirect("web:title_round", round_.pk)
    return render(request, "web/titles/round_form.html", {"form": form})


@login_required
def round_detail(request, pk):
    round_ = _round(request, pk)
    state = request.GET.get("state", "")
    filters = {
        "round": round_.pk,
        "q": request.GET.get("q", "").strip()[:50],
        "state": state if state in STATES else "",
    }
    apps = selectors.application_list(actor=request.user, filters=filters)
    if request.GET.get("format") == "xlsx":
        return _applications_export(request, round_, apps)
    page = paginate(request, apps)
    own = selectors.own_application(actor=request.user, round_=round_)
    today = date.today()
    quota_rows = selectors.quota_rows(round_)
    return render(
        request,
        "web/titles/round_detail.html",
        {
            "round": round_,
            "page": page,
            "rows": _rows(list(page)),
            "filters": filters,
            "states": STATES.items(),
            "query": query_without_page(request),
            "own": own,
            "may_apply": request.user.role == Role.TEACHER
            and own is None
            and round_.opens_on <= today <= round_.closes_on,
            "is_open": round_.opens_on <= today <= round_.closes_on,
            "quota_rows": quota_rows,
            "district_quotas": [q for q in quota_rows if q.school_id is None],
            "may_change": can(request.user, "titleround", "change"),
            "may_export": can(request.user, "titleapplication", "export"),
            "is_school": request.user.role == Role.SCHOOL,
            "districts": services._districts(round_.region),
        },
    )


def _applications_export(request, round_, apps):
    require(request.user, "titleapplication", "export")
    apps = list(apps)
    items = selectors.application_states(apps)
    access = ExportAccess(
        actor=request.user, object_type="titles.titleapplication", fields=["application"],
        what=str(_("Title applications")), note=f"round={round_.pk}",
    )  # fmt: skip
    access.add([{"pk": a.pk, "application": True} for a in apps])
    audit_record(actor=request.user, action="titles.application.export", target=round_)
    header = [_("Application"), _("Teacher"), _("School"), _("District"), _("Subject"),
              _("Current title"), pgettext("title evaluation", "Eligible"), _("State"), _("Score"), _("Rank"),
              _("Within the quota"), _("Decided on")]  # fmt: skip
    rows = (
        [a.pk, a.teacher.name, a.school.name, a.district.name, a.subject,
         a.get_current_title_display() if a.current_title else "", _("Yes") if a.eligible else _("No"),
         str(STATES.get(items[a.pk].state, "")) if a.pk in items else "", a.score, a.rank,
         "" if a.within_quota is None else (_("Yes") if a.within_quota else _("No")), a.decided_on]
        for a in apps
    )  # fmt: skip
    return xlsx_response("title-applications", [(_("Title applications"), header, rows)])


@login_required
@require_POST
def round_apply(request, pk):
    round_ = _round(request, pk)
    try:
        app = services.application_start(actor=request.user, round_pk=round_.pk)
    except ApplicationError as e:
        _error(request, e)
        return redirect("web:title_round", round_.pk)
    messages.success(request, _("Application started: check the data and upload the materials."))
    return redirect("web:title_application", app.pk)


@login_required
@require_POST
def round_quota(request, pk):
    round_ = _round(request, pk)
    try:
        quota = int(request.POST.get("quota", ""))
        district = int(request.POST.get("district", ""))
    except ValueError:
        messages.error(request, _("Enter a number of 0 or more."))
        return redirect("web:title_round", round_.pk)
    try:
        services.round_quota_set(
            actor=request.user, round_pk=round_.pk, district_pk=district, quota=quota
        )
    except ApplicationError as e:
        _error(request, e)
    else:
        messages.success(request, _("Quota saved."))
    return redirect("web:title_round", round_.pk)


@login_required
@require_POST
def round_rank(request, pk):
    round_ = _round(request, pk)
    try:
        ranked = services.round_rank(actor=request.user, round_pk=round_.pk)
    except ApplicationError as e:
        _error(request, e)
        return redirect("web:title_round", round_.pk)
    messages.success(
        request,
        _("Ranked %(n)s applications; %(k)s within the quota go to public notice.")
        % {"n": len(ranked), "k": sum(r.within_quota for r in ranked)},
    )
    return redirect("web:title_round_notice", round_.pk)


@login_required
def round_queue(request, pk, queue):
    """The school's recommendations (submitted applications, with the quota used) or the
    office's review (recommended applications)."""
    round_ = _round(request, pk)
    if queue not in QUEUES:
        raise Http404
    role_ok = request.user.role == Role.SCHOOL if queue == "recommend" else request.user.role in (
        Role.BUREAU, Role.DISTRICT)  # fmt: skip
    if not role_ok:
        raise PermissionDenied
    apps = list(
        selectors.application_list(
            actor=request.user, filters={"round": round_.pk, "state": QUEUES[queue]}
        )
    )
    quota = used = None
    if queue == "recommend" and request.user.school_id:
        quota = selectors.quotas(round_)["schools"].get(request.user.school_id)
        used = selectors.recommended_count(round_, request.user.school_id)
    return render(
        request,
        "web/titles/queue.html",
        {"round": round_, "queue": queue, "rows": _rows(apps), "quota": quota, "used": used},
    )


@login_required
def round_notice(request, pk):
    """The public notice: the applications within the quota, their rank and score, the end of
    the objection period, and the decision once taken."""
    round_ = _round(request, pk)
    apps = selectors.notice_list(actor=request.user, round_=round_)
    rows = _rows(apps)
    for r in rows:
        item = item_for("title_application", r["app"].pk)
        r["moves"] = [
            m for m in allowed_moves(request.user, item) if m["name"] not in SPECIAL_STEPS
        ]
    return render(
        request, "web/titles/notice.html", {"round": round_, "rows": rows, "today": date.today()}
    )


@login_required
def round_statistics(request, pk):
    round_ = _round(request, pk)
    stats = selectors.round_statistics(actor=request.user, round_=round_)
    groups = [
        (_("By district"), stats.by_district),
        (_("By subject"), stats.by_subject),
        (_("Rural, town and urban schools"), stats.by_location),
    ]
    if request.GET.get("format") == "xlsx":
        require(request.user, "titleround", "export")
        audit_record(actor=request.user, action="titles.round.statistics_export", target=round_)
        header = [_("Group"), _("Applications"), _("Decided"), _("Approved"), _("Pass rate")]
        sheets = [
            (
                title,
                header,
                [
                    [
                        r.label,
                        r.applications,
                        r.decided,
                        r.approved,
                        None if r.pass_rate is None else round(r.pass_rate, 4),
                    ]
                    for r in rates
                ],
            )  # fmt: skip
            for title, rates in groups
        ]
        states = [[str(STATES.get(s, s)), n] for s, n in sorted(stats.by_state.items())]
        sheets.append((_("By state"), [_("State"), _("Applications")], states))
        return xlsx_response("title-round-statistics", sheets)
    return render(
        request,
        "web/titles/statistics.html",
        {
            "round": round_,
            "stats": stats,
            "groups": groups,
            "states": [(STATES.get(s, s), n) for s, n in sorted(stats.by_state.items())],
            "may_export": can(request.user, "titleround", "export"),
        },
    )


# --- applications --------------------------------------------------------------------------------


def _snapshot_rows(app) -> list[tuple[str, object]]:
    s = app.snapshot
    levels = dict(EducationLevel.choices)
    kinds, rec_levels = dict(RecognitionKind.choices), dict(RecognitionLevel.choices)
    missing = _("not in the registry")

    def shown(v):
        return missing if v is None or v == "" else v

    recognitions = "; ".join(
        f"{rec_levels.get(r['level'], '')}{kinds.get(r['kind'], '')} ({r['start_date']})"
        for r in s.get("recognitions", [])
    ) or _("none")
    if s.get("ethics_barred"):
        ethics = _("Barred from title evaluation until %(date)s") % {
            "date": s.get("ethics_barred_until") or _("no end date")
        }
    else:
        ethics = _("No bar")
    if s.get("training_complete") is None:
        training = missing
    else:
        training = _("%(hours)s of %(required)s hours (%(state)s)") % {
            "hours": s.get("training_hours"),
            "required": s.get("training_required"),
            "state": _("complete") if s.get("training_complete") else _("not complete"),
        }
    return [
        (pgettext("title evaluation", "Education"), shown(levels.get(s.get("education")))),
        (
            _("Current title"),
            TitleRank(s["current_title"]).label if s.get("current_title") else _("none"),
        ),
        (_("Title obtained on"), shown(s.get("title_obtained_on"))),
        (_("Years in the current title"), shown(s.get("years_in_title"))),
        (_("Teaching years"), shown(s.get("teaching_years"))),
        (_("Rural service (days)"), shown(s.get("rural_days"))),
        (_("Weak-school service (days)"), shown(s.get("weak_days"))),
        (_("Continuing-education hours in the cycle"), training),
        (_("Recognitions"), recognitions),
        (_("Ethics"), ethics),
    ]


@login_required
def application_detail(request, pk):
    app = _application(request, pk)
    access_record(actor=request.user, target=app, field="title_application")
    item = item_for("title_application", app.pk)
    own = getattr(request.user, "teacher_profile", None)
    is_applicant = (
        own is not None and own.pk == app.teacher_id and request.user.role == Role.TEACHER
    )
    moves = [m for m in allowed_moves(request.user, item) if m["name"] not in SPECIAL_STEPS]
    may_submit = is_applicant and item.state == "draft"
    panel = selectors.panel(app)
    is_panel_member = any(m.reviewer_id == request.user.pk for m in panel)
    my_score = next((s for s in selectors.scores(app) if s.reviewer_id == request.user.pk), None)
    rubric = eligibility.rubric_version(app.round.rubric_version)
    english = (request.LANGUAGE_CODE or "").startswith("en")
    criteria = [
        {"key": k, "label": v["en"] if english else v["zh"], "max": v["max"]}
        for k, v in rubric["criteria"].items()
    ]
    office = request.user.role in (Role.BUREAU, Role.DISTRICT)
    uploaded = {m.kind: m for m in app.materials.all()}
    return render(
        request,
        "web/titles/application_detail.html",
        {
            "app": app,
            "item": item,
            "state_label": STATES.get(item.state, ""),
            "snapshot": _snapshot_rows(app),
            "checks": [
                {
                    "label": eligibility.RULE_LABELS.get(c["rule"], c["rule"]),
                    "status": c["status"],
                    "message": eligibility.stored_check_message(c, app.round.target),
                }
                for c in app.checks
            ],
            "materials": [
                {"key": m["key"], "label": m["label"], "file": uploaded.get(m["key"])}
                for m in app.round.materials
            ],
            "steps": [
                {
                    "step": s,
                    "label": STEPS.get(s.transition, _("Application started")),
                    "role": Role(s.actor_role).label if s.actor_role in Role.values else "",
                }
                for s in history(item)
            ],
            "moves": moves,
            "may_submit": may_submit,
            "may_edit": may_submit,
            "show_panel": office,
            "panel": panel,
            "scores": selectors.scores(app) if office else [],
            "may_score": is_panel_member and my_score is None and item.state == "panel",
            "my_score": my_score,
            "criteria": criteria,
        },
    )


@login_required
@require_POST
def application_step(request, pk):
    app = _application(request, pk)
    step = request.POST.get("step", "")
    try:
        services.application_step(
            actor=request.user, application_pk=app.pk, step=step,
            comment=request.POST.get("comment", ""),
            attachments=request.FILES.getlist("attachment"),
        )  # fmt: skip
    except ApplicationError as e:
        _error(request, e)
    else:
        messages.success(request, _("Step recorded: %(step)s.") % {"step": STEPS.get(step, step)})
    back = request.POST.get("next", "")
    if back in ("notice", "recommend", "review"):
        if back == "notice":
            return redirect("web:title_round_notice", app.round_id)
        return redirect("web:title_round_queue", app.round_id, back)
    return redirect("web:title_application", app.pk)


@login_required
@require_POST
def application_statement(request, pk):
    app = _application(request, pk)
    try:
        services.application_update(
            actor=request.user, application_pk=app.pk, statement=request.POST.get("statement", "")
        )
    except ApplicationError as e:
        _error(request, e)
    else:
        messages.success(request, _("Saved, and the data checked again."))
    return redirect("web:title_application", app.pk)


@login_required
@require_POST
def application_material(request, pk):
    app = _application(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file."))
        return redirect("web:title_application", app.pk)
    try:
        services.material_upload(
            actor=request.user, application_pk=app.pk, kind=request.POST.get("kind", ""),
            upload=upload,
        )  # fmt: skip
    except ApplicationError as e:
        _error(request, e)
    else:
        messages.success(request, _("File uploaded."))
    return redirect("web:title_application", app.pk)


@login_required
@require_POST
def application_score(request, pk):
    app = _application(request, pk)
    rubric = eligibility.rubric_version(app.round.rubric_version)
    scores = {k: request.POST.get(f"score_{k}", "").strip() for k in rubric["criteria"]}
    try:
        services.score_submit(
            actor=request.user, application_pk=app.pk, scores=scores,
            comment=request.POST.get("comment", ""),
        )  # fmt: skip
    except NotFound:
        raise Http404 from None
    except ApplicationError as e:
        _error(request, e)
    else:
        messages.success(request, _("Scores recorded."))
        return redirect("web:title_panel")
    return redirect("web:title_application", app.pk)


@login_required
def material_file(request, pk):
    material = ApplicationMaterial.objects.filter(pk=pk).first()
    if material is None:
        raise Http404
    app = _application(request, material.application_id)
    access_record(actor=request.user, target=app, field="title_material")
    return FileResponse(
        io.BytesIO(material.content()),
        as_attachment=True,
        filename=material.name,
        content_type=material.content_type or "application/octet-stream",
    )


# --- the panel (the pool: titles_pool.py) ----------------------------------------------------------------------


@login_required
def panel_list(request):
    """What was drawn for the reviewer: to score, and scored."""
    if request.user.role != Role.REVIEWER:
        raise PermissionDenied
    apps = list(selectors.application_list(actor=request.user))
    scored = selectors.scored_by(request.user)
    rows = _rows(apps)
    for r in rows:
        r["scored"] = r["app"].pk in scored
    page = paginate(request, rows)
    return render(
        request, "web/titles/panel.html", {"page": page, "query": query_without_page(request)}
    )
