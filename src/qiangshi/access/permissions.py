"""What each role may do, as data: `<subject>.<action>` strings per role.

Subjects are the scoped models' `scope_subject` (teacher, school, region, auditlog, …). Where a
role may act is decided separately, by `scoping.scope`.
"""

from .models import Role

VIEW, CREATE, CHANGE, EXPORT, AGGREGATE, VIEW_SENSITIVE, REVIEW = (
    "view",
    "create",
    "change",
    "export",
    "aggregate",
    "view_sensitive",
    "review",
)

_OFFICE = {
    "region.view",
    "region.aggregate",
    "school.view",
    "school.create",
    "school.change",
    "school.export",
    "school.aggregate",
    "teacher.view",
    "teacher.create",
    "teacher.change",
    "teacher.export",
    "teacher.aggregate",
    "teacher.view_sensitive",
    "changerequest.view",
    "changerequest.review",
    "rotation.view",
}

# The placement lottery (POLICY §10): the admissions office is the education office of the area
# (the bureau for its city, a district office for its district); only it sees pupils' names and
# ID numbers (`pupilidentity`).
_ADMISSIONS = {"placement.view", "placement.change", "pupilidentity.view"}

# Welfare (POLICY §7, §9): the offices keep the salary parity figures of their area, file the
# lists of inspections and activities, decide requests to enter schools and see what arrived
# and what teachers reported anonymously; schools record what arrived; teachers report.
_WELFARE_OFFICE = {
    "wage.view",
    "wage.change",
    "wage.export",
    "burdenlist.view",
    "burdenlist.create",
    "entryrequest.view",
    "entryrequest.create",
    "entryrequest.review",
    "burdenarrival.view",
    "burdenarrival.export",
    "burdenreport.view",
}

# Separation of duties. The system administrator runs the system (users, the org tree, logins,
# imports) but neither reads the audit trail, which records what administrators do, nor takes the
# business decisions that offices take and the trail holds to account: approving teachers' change
# requests, reviewing rotation plans, recording sanctions, running placement draws. The auditor
# reads the logs and nothing else (ROLE_PERMISSIONS below); the offices do not read the logs.
ADMIN_WITHHELD = frozenset(
    {
        "auditlog.view",
        "auditlog.export",
        "accesslog.view",
        "accesslog.export",
        "changerequest.review",
        "rotation.review",
        "sanction.create",
        "placement.change",
        "entryrequest.review",
        "burdenreport.create",  # teachers' anonymous reports: an administrator is no teacher
    }
)

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.ADMIN: {"*"},
    Role.BUREAU: _OFFICE
    | {
        "rotation.create",
        "rotation.change",
        "rotation.review",
        "rotation.export",
        "sanction.view",
        "sanction.create",
    }
    | _ADMISSIONS
    | _WELFARE_OFFICE
    | {"pilotindicator.view"},
    Role.DISTRICT: _OFFICE
    | {"rotation.create", "rotation.change", "rotation.export", "sanction.view", "sanction.create"}
    | _ADMISSIONS
    | _WELFARE_OFFICE,
    Role.SCHOOL: (_OFFICE - {"school.create"})
    | {"burdenlist.view", "burdenarrival.view", "burdenarrival.create", "burdenarrival.export"},
    Role.TEACHER: {
        "region.view",
        "school.view",
        "teacher.view",
        "teacher.view_sensitive",
        "changerequest.view",
        "changerequest.create",
        "rotation.view",
        "burdenreport.create",
    },
    # Expert reviewers see only what they are assigned; no area assigns cases yet.
    Role.REVIEWER: {"teacher.view"},
    Role.PILOT: {
        "region.view",
        "region.aggregate",
        "school.view",
        "school.aggregate",
        "teacher.aggregate",
        "wage.view",
        "wage.export",
        "pilotindicator.view",
    },
    Role.AUDITOR: {"auditlog.view", "accesslog.view", "auditlog.export", "accesslog.export"},
}


def has_perm(actor, perm: str) -> bool:
    """Whether the actor's role grants `perm` anywhere (scope narrows where)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    granted = ROLE_PERMISSIONS.get(actor.role, set())
    if "*" in granted:
        return perm not in ADMIN_WITHHELD
    return perm in granted


def may_manage_api_tokens(user) -> bool:
    """Whether the "API tokens" page is offered: to every role with a use for the API; to
    teachers and expert reviewers only where the administrator enabled it
    (`QIANGSHI_API_TOKENS_FOR_ALL_ROLES`)."""
    from django.conf import settings

    if user.role in (Role.TEACHER, Role.REVIEWER):
        return bool(getattr(settings, "QIANGSHI_API_TOKENS_FOR_ALL_ROLES", False))
    return True
