"""Navigation for the layout: which menu entries the actor's role may open."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from qiangshi.access.models import Role
from qiangshi.access.permissions import may_manage_api_tokens
from qiangshi.access.scoping import can
from qiangshi.imports.jobs import may_import

# The product's logotype: shown as is in every language (it is a name, not UI text).
PRODUCT_MARK = "强师"
PRODUCT_NAME = "Qiangshi"


def _link(url_name: str, label, icon: str, match: tuple[str, ...], args=None) -> dict | None:
    """A sidebar entry, or None while the page it points to does not exist yet."""
    try:
        url = reverse(url_name, args=args)
    except NoReverseMatch:
        return None
    return {"url_name": url_name, "url": url, "label": label, "icon": icon, "match": match}


def _nav_links(user, current: str) -> list[dict]:
    entries = [
        ("web:dashboard", _("Dashboard"), "speedometer2", ("dashboard",), True, None),
    ]
    teacher = getattr(user, "teacher_profile", None) if user.role == Role.TEACHER else None
    own_school = user.school_id if user.role == Role.SCHOOL else None
    if teacher is not None:
        entries.append(
            (
                "web:teacher_detail",
                _("My record"),
                "person-vcard",
                ("teacher_detail",),
                True,
                [teacher.pk],
            )
        )
    else:
        entries.append(
            (
                "web:teacher_list",
                _("Teachers"),
                "people",
                ("teacher_",),
                can(user, "teacher", "view") and user.role != Role.REVIEWER,
                None,
            )
        )
    entries += [
        (
            "web:school_list",
            _("Schools"),
            "building",
            ("school_",),
            can(user, "school", "view"),
            None,
        ),
        # A school administrator's area is their school: its own balance and post pages.
        (
            "web:balance_school" if own_school else "web:balance_region",
            _("Balance"),
            "bar-chart-line",
            ("balance_",),
            can(user, "school", "aggregate"),
            [own_school] if own_school else None,
        ),
        (
            "web:staffing_school_posts" if own_school else "web:staffing_region",
            _("Staffing"),
            "diagram-3",
            ("staffing_",),
            can(user, "school", "aggregate"),
            [own_school] if own_school else None,
        ),
        (
            "web:rotation_home",
            _("Rotation"),
            "arrow-left-right",
            ("rotation_",),
            can(user, "rotation", "view"),
            None,
        ),
        (
            "web:training_home",
            _("Training"),
            "mortarboard",
            ("training_",),
            can(user, "programme", "view"),
            None,
        ),
        (
            "web:leadership_region",
            _("School leadership"),
            "person-badge",
            ("leadership_",),
            can(user, "leadership", "view"),
            None,
        ),
        (
            "web:placement_home",
            _("Placement lottery"),
            "shuffle",
            ("placement_",),
            can(user, "placement", "view"),
            None,
        ),
        (
            "web:welfare_home",
            _("Welfare and burden"),
            "heart-pulse",
            ("welfare_",),
            can(user, "wage", "view")
            or can(user, "burdenarrival", "view")
            or can(user, "burdenreport", "create"),
            None,
        ),
        (
            "web:talent_home",
            _("Talent and partnerships"),
            "people",
            ("talent_",),
            can(user, "recruitmentplan", "view")
            or can(user, "partnership", "view")
            or can(user, "perk", "view")
            or can(user, "activityparticipant", "view"),
            None,
        ),
        (
            "web:pilot_indicators",
            _("Pilot indicators"),
            "columns-gap",
            ("pilot_indicators", "pilot_trend"),
            can(user, "pilotindicator", "view"),
            None,
        ),
        (
            "web:pilot_reports",
            _("Pilot reports"),
            "file-earmark-pdf",
            ("pilot_report",),
            can(user, "pilotreport", "view"),
            None,
        ),
        (
            "web:practices_home",
            _("Practice library"),
            "journal-richtext",
            ("practices_",),
            can(user, "practice", "view"),
            None,
        ),
        (
            "web:ethics_case_list",
            _("Ethics cases"),
            "shield-check",
            ("ethics_",),
            can(user, "ethicscase", "view"),
            None,
        ),
        (
            "web:awards_home",
            _("Teacher awards"),
            "award",
            ("awards_",),
            can(user, "awardround", "view"),
            None,
        ),
        (
            "web:title_rounds",
            _("Title evaluation"),
            "award",
            ("title_round", "title_application", "title_panel", "title_material"),
            can(user, "titleround", "view"),
            None,
        ),
        (
            "web:title_reviewers",
            _("Reviewers' pool"),
            "person-check",
            ("title_reviewer", "title_relation"),
            can(user, "reviewerprofile", "view"),
            None,
        ),
        (
            "web:title_weak_schools",
            _("Weak schools"),
            "building-exclamation",
            ("title_weak_school",),
            can(user, "weakschool", "view"),
            None,
        ),
        (
            "web:inbox",
            _("Inbox"),
            "inbox-fill",
            ("inbox",),
            True,
            None,
        ),
        (
            "web:import_list",
            _("Imports"),
            "upload",
            ("import_",),
            may_import(user),
            None,
        ),
        (
            "web:export_list",
            _("My exports"),
            "download",
            ("export_list", "export_detail"),
            can(user, "teacher", "export") or can(user, "school", "export"),
            None,
        ),
        (
            "web:change_request_list",
            _("Change requests"),
            "inbox",
            ("change_request",),
            can(user, "changerequest", "view"),
            None,
        ),
        (
            "web:audit_log",
            _("Audit log"),
            "journal-text",
            ("audit_log",),
            can(user, "auditlog", "view"),
            None,
        ),
        (
            "web:access_log",
            _("Access log"),
            "eye",
            ("access_log",),
            can(user, "accesslog", "view"),
            None,
        ),
        (
            "web:login_locks",
            _("Locked logins"),
            "lock",
            ("login_lock",),
            can(user, "loginlock", "view"),
            None,
        ),
        (
            "web:api_tokens",
            _("API tokens"),
            "key",
            ("api_token",),
            may_manage_api_tokens(user),
            None,
        ),
        (
            "web:account_security",
            _("Password and sign-in"),
            "shield-lock",
            ("account_security", "password_change"),
            True,
            None,
        ),
    ]
    links = []
    for url_name, label, icon, match, allowed, args in entries:
        if not allowed:
            continue
        link = _link(url_name, label, icon, match, args)
        if link is None:
            continue
        link["active"] = any(current.startswith(m) for m in match)
        links.append(link)
    return links


def navigation(request):
    context = {"product_mark": PRODUCT_MARK, "product_name": PRODUCT_NAME}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    match = getattr(request, "resolver_match", None)
    current = (match.url_name or "") if match else ""
    context["nav"] = {
        "teachers": can(user, "teacher", "view"),
        "schools": can(user, "school", "view"),
        "change_requests": can(user, "changerequest", "view"),
        "audit": can(user, "auditlog", "view"),
        "access_log": can(user, "accesslog", "view"),
    }
    context["nav_links"] = _nav_links(user, current)
    return context
