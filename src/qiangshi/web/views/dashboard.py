"""The landing page: counts and charts over the actor's scope, or a short page for roles that
aggregate nothing."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from qiangshi.access.models import Role
from qiangshi.access.scoping import can
from qiangshi.org.models import Stage
from qiangshi.org.selectors import school_list
from qiangshi.teachers.models import EducationLevel, EmploymentType, TitleRank
from qiangshi.teachers.selectors import teacher_for_user, teacher_stats

_BACHELOR_OR_ABOVE = (EducationLevel.BACHELOR, EducationLevel.MASTER, EducationLevel.DOCTORATE)


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


@login_required
def dashboard(request):
    actor = request.user
    if not can(actor, "teacher", "aggregate"):
        return render(
            request,
            "web/dashboard.html",
            {
                "charts": False,
                "is_auditor": actor.role == Role.AUDITOR,
                "is_reviewer": actor.role == Role.REVIEWER,
                "own_record": teacher_for_user(actor) if actor.role == Role.TEACHER else None,
                "can_view_teachers": can(actor, "teacher", "view"),
            },
        )
    stats = teacher_stats(actor=actor)
    total = stats["total"]
    bachelor = sum(stats["by_education"].get(level, 0) for level in _BACHELOR_OR_ABOVE)
    return render(
        request,
        "web/dashboard.html",
        {
            "charts": True,
            "stats": stats,
            "school_count": school_list(actor=actor, action="aggregate").count(),
            "bachelor_share": round(100 * bachelor / total, 1) if total else None,
            "chart_data": chart_data(stats),
            "can_view_teachers": can(actor, "teacher", "view"),
        },
    )
