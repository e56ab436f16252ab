"""The landing page: counts and charts over the actor's scope, or a short page for roles that
aggregate nothing."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from qiangshi.access.models import Role
from qiangshi.access.scoping import can
from qiangshi.imports.export_jobs import export_job_running
from qiangshi.imports.models import ImportStatus
from qiangshi.imports.selectors import import_job_list
from qiangshi.org.models import Stage
from qiangshi.org.selectors import school_list
from qiangshi.rotation import selectors as rotation_selectors
from qiangshi.teachers.models import ChangeRequestStatus, EducationLevel, EmploymentType, TitleRank
from qiangshi.teachers.selectors import (
    BACHELOR_OR_ABOVE,
    change_request_list,
    stats_share,
    teacher_for_user,
    teacher_stats,
)
from qiangshi.workflow.selectors import inbox


def _series(counts: dict[str, int], choices, empty_label: str) -> list[dict]:
    """[{name, value}] in the choices' order, with the translated labels; unknown codes last."""
    labels = {code: str(label) for code, label in choices}
    ordered = [c for c in labels if c in counts] + [c for c in counts if c not in labels]
    return [
        {
            "code": code,
            "name": labels.get(code) or (empty_label if code == "" else code),
            "value": n,
        }
        for code in ordered
        if (n := counts[code])
    ]


def chart_data(stats: dict) -> dict:
    """The dashboard's chart data, labelled for the current language."""
    not_recorded = _("Not recorded")
    return {
        "stage": _series(stats["by_stage"], Stage.choices, _("No current school")),
        "title": _series(stats["by_title"], TitleRank.choices, _("No title")),
        "education": _series(stats["by_education"], EducationLevel.choices, not_recorded),
        "employment_type": _series(
            stats["by_employment_type"], EmploymentType.choices, not_recorded
        ),
        "pyramid": {
            "bands": [row["band"] for row in stats["age_pyramid"]],
            "male": [row["male"] for row in stats["age_pyramid"]],
            "female": [row["female"] for row in stats["age_pyramid"]],
            "male_label": _("Male"),
            "female_label": _("Female"),
        },
        "total": stats["total"],
    }


def _work(actor) -> list[dict]:
    """What waits for the actor, first on their home page: each item a label, a count and the
    page where it is done (only items with something waiting)."""
    items = []

    def add(label, count, url_name, query=""):
        if count:
            items.append({"label": label, "count": count, "url": reverse(url_name) + query})

    if can(actor, "changerequest", "review"):
        add(
            _("Change requests to review"),
            change_request_list(actor=actor, status=ChangeRequestStatus.PENDING).count(),
            "web:change_request_list",
            "?status=pending",
        )
    if actor.role == Role.TEACHER:
        add(
            _("My change requests awaiting review"),
            change_request_list(actor=actor, status=ChangeRequestStatus.PENDING).count(),
            "web:change_request_list",
        )
        add(_("My rotation moves"), rotation_selectors.my_moves(actor).count(), "web:rotation_home")
    add(
        _("Imports checked and waiting for your confirmation"),
        import_job_list(actor=actor).filter(status=ImportStatus.VALIDATED).count(),
        "web:import_list",
    )
    add(
        _("My exports being written"),
        len(export_job_running(actor=actor)),
        "web:export_list",
    )
    waiting = rotation_selectors.plans_waiting(actor)
    add(
        _("Rotation plans to review"),
        waiting.get("review", 0),
        "web:rotation_home",
        "?status=submitted",
    )
    add(_("Rotation plans being drafted"), waiting.get("drafts", 0), "web:rotation_home")
    add(_("Review steps waiting for you (inbox)"), len(inbox(actor)), "web:inbox")
    return items


@login_required
def dashboard(request):
    actor = request.user
    if actor.role == Role.PILOT:  # the pilot office's home: the pilot regions side by side
        from .pilot import pilot_home

        return pilot_home(request, work=_work(actor))
    work = _work(actor)
    if not can(actor, "teacher", "aggregate"):
        return render(
            request,
            "web/dashboard.html",
            {
                "charts": False,
                "work": work,
                "is_auditor": actor.role == Role.AUDITOR,
                "is_reviewer": actor.role == Role.REVIEWER,
                "own_record": teacher_for_user(actor) if actor.role == Role.TEACHER else None,
                "can_view_teachers": can(actor, "teacher", "view"),
            },
        )
    stats = teacher_stats(actor=actor)
    total = stats["total"]
    return render(
        request,
        "web/dashboard.html",
        {
            "charts": True,
            "work": work,
            "stats": stats,
            "school_count": school_list(actor=actor, action="aggregate").count(),
            "bachelor_share": stats_share(stats["by_education"], BACHELOR_OR_ABOVE, total),
            "chart_data": chart_data(stats),
            "can_view_teachers": can(actor, "teacher", "view"),
        },
    )
