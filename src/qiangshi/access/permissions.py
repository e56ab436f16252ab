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

# Training (POLICY §4): every office and school reads the programmes of its area and the
# training records of its teachers, and assigns teachers to programmes; offices run the
# programmes; the school confirms completions (which credits the hours); records from elsewhere
# arrive by import (an office's or school's).
_TRAINING_READ = {
    "programme.view",
    "programme.export",
    "enrolment.view",
    "enrolment.create",
    "trainingrecord.view",
    "trainingrecord.export",
    "trainingrecord.create",
    "trainingrecord.aggregate",
    "literacyassessment.view",
}
_TRAINING_OFFICE = _TRAINING_READ | {"programme.create", "programme.change"}

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

# Talent and partnerships (POLICY §15): the offices keep their area's recruitment plans,
# olympiad-coach rewards, partnerships (with their people and activities) and teacher perks;
# schools record their own hires, their coaches' results and their take-up of perks; teachers
# see the region's perks and their own partnership activities and hours.
_TALENT_SCHOOL = {
    "recruitmentplan.view",
    "recruitmentplan.export",
    "hire.view",
    "hire.create",
    "hire.change",
    "hire.export",
    "olympiadresult.view",
    "olympiadresult.create",
    "olympiadresult.change",
    "olympiadresult.export",
    "partnership.view",
    "activityparticipant.view",
    "perk.view",
    "perkuptake.view",
    "perkuptake.create",
    "perkuptake.change",
    "perkuptake.export",
}
_TALENT_OFFICE = _TALENT_SCHOOL | {
    "recruitmentplan.create",
    "recruitmentplan.change",
    "partnership.create",
    "partnership.change",
    "partnership.export",
    "perk.create",
    "perk.change",
}

# Ethics (POLICY §6): case content is seen only by the ethics officers (a role of its own, with
# a region like an office: the bureau's officers for the city, a district's for the district),
# the teacher concerned and auditors. Offices and school administrators see that a bar exists
# and until when (`ethicsbar`), never the case; the administrator neither.
_ETHICS_OFFICER = {
    "region.view",
    "school.view",
    "teacher.view",
    "ethicscase.view",
    "ethicscase.create",
    "ethicscase.change",
    "ethicsfile.view",
    "ethicsfile.change",
    "ethicsbar.view",
    "sanction.view",
}
_ETHICS_CONTENT = {
    "ethicscase.view",
    "ethicscase.create",
    "ethicscase.change",
    "ethicsfile.view",
    "ethicsfile.change",
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
        "enrolment.review",
    }
    | _ETHICS_CONTENT
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
        "ethicsbar.view",
    }
    | _ADMISSIONS
    | _WELFARE_OFFICE
    | _TRAINING_OFFICE
    | _TALENT_OFFICE
    | {"pilotindicator.view"},
    Role.DISTRICT: _OFFICE
    | {
        "rotation.create",
        "rotation.change",
        "rotation.export",
        "sanction.view",
        "sanction.create",
        "ethicsbar.view",
    }
    | _ADMISSIONS
    | _WELFARE_OFFICE
    | _TRAINING_OFFICE
    | _TALENT_OFFICE,
    Role.SCHOOL: (_OFFICE - {"school.create"})
    | {"burdenlist.view", "burdenarrival.view", "burdenarrival.create", "burdenarrival.export"}
    | _TRAINING_READ
    | {"enrolment.review", "ethicsbar.view"}
    | _TALENT_SCHOOL,
    Role.TEACHER: {
        "region.view",
        "school.view",
        "teacher.view",
        "teacher.view_sensitive",
        "changerequest.view",
        "changerequest.create",
        "rotation.view",
        "burdenreport.create",
        "programme.view",
        "enrolment.view",
        "enrolment.create",
        "trainingrecord.view",
        "literacyassessment.view",
        "literacyassessment.create",
        # Their own ethics file and cases (scoping narrows a teacher to their own rows).
        "ethicsfile.view",
        "ethicscase.view",
        "ethicsbar.view",
        # The region's perks, and their own partnership activities and hours.
        "perk.view",
        "activityparticipant.view",
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
    Role.AUDITOR: {
        "auditlog.view",
        "accesslog.view",
        "auditlog.export",
        "accesslog.export",
        "ethicscase.view",
        "ethicsfile.view",
    },
    Role.ETHICS: _ETHICS_OFFICER,
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
