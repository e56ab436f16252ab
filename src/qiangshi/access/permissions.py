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
# Sessions, attendance (marked by the school or the organiser), the public-funds budget and the
# training spend against it, and reminders to teachers who are behind.
_TRAINING_READ |= {
    "attendance.view",
    "attendance.create",
    "trainingbudget.view",
    "trainingbudget.create",
    "trainingreminder.view",
    "trainingreminder.create",
}
# Hours a teacher enters with evidence: only the teacher and their school see them (and the
# certificate); the school approves or rejects.
_HOURS_CLAIM_SCHOOL = {"hoursclaim.view", "hoursclaim.review"}
_HOURS_CLAIM_TEACHER = {"hoursclaim.view", "hoursclaim.create"}
# Degree upgrading (学历提升): offices and schools record their teachers' studies and their
# completion (which writes the degree into the teacher's history); the balance effect is an
# aggregate.
_DEGREE_STUDY = {
    "degreestudy.view",
    "degreestudy.create",
    "degreestudy.change",
    "degreestudy.export",
    "degreestudy.aggregate",
}
_TRAINING_READ |= _DEGREE_STUDY
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

# The pilot office (issue 18) compares the pilot regions, loads the figures of those that do not
# run Qiangshi (`pilotfigure`) and writes their periodic reports (`pilotreport`), which it keeps;
# a bureau compares and reports on the pilot regions of its own area (`pilot.selectors`).
_PILOT_BUREAU = {
    "pilotindicator.view",
    "pilotindicator.export",
    "pilotreport.view",
    "pilotreport.create",
}
_PILOT_OFFICE = _PILOT_BUREAU | {"pilotfigure.view", "pilotfigure.change"}
# Awards (issue 17, teacher award selection): the bureau's personnel office runs the rounds,
# reviews last, handles objections during the public notice and decides; the district office
# reviews its schools' nominations; a school nominates its teachers within its quota; everyone of
# them lists the long-service and Teachers' Day honours of their area. A teacher sees the rounds
# and their own nominations. Objections (who objected, what) are the offices' only.
_AWARDS_READ = {
    "awardround.view",
    "awardround.export",
    "awardnomination.view",
    "awardhonour.view",
    "awardhonour.export",
}
_AWARDS_BUREAU = _AWARDS_READ | {
    "awardround.create",
    "awardround.change",
    "awardnomination.review",
    "awardnomination.change",
    "awardobjection.view",
    "awardobjection.create",
    "awardobjection.change",
}
_AWARDS_DISTRICT = _AWARDS_READ | {"awardnomination.review", "awardobjection.view"}
_AWARDS_SCHOOL = _AWARDS_READ | {"awardnomination.create"}
# School leadership (POLICY §14): the offices keep the Party secretaries, principals and
# vice-principals of their area's schools; a school administrator sees its own school's.
_LEADERSHIP_OFFICE = {
    "leadership.view",
    "leadership.create",
    "leadership.change",
    "leadership.delete",
    "leadership.export",
}
_LEADERSHIP_SCHOOL = {"leadership.view", "leadership.export"}
# Per-teacher payroll rows (POLICY §7): the offices import them; what they give is shown as an
# average (through `wage.view`); only the bureau's personnel office sees a teacher's own pay
# (`payroll.view`, each view in the access log).
_PAYROLL_IMPORT = {"payroll.create"}

# The practice library (issue 18): every role of a region reads the cases of every pilot region;
# the pilot office and the bureau write them (the bureau for the pilot regions in its area).
_PRACTICE_READ = {"practice.view", "practice.export"}
_PRACTICE_WRITE = _PRACTICE_READ | {"practice.create", "practice.change"}
# Title evaluation (POLICY §3): offices run rounds (quotas, review, panels, ranking, notice,
# decision) and keep the reviewers' pool; schools recommend their applicants; teachers apply
# (their own applications); expert reviewers see and score only the applications drawn for
# them (scoping's `scope_reviewer_path`).
_TITLES_OFFICE = {
    "titleround.view",
    "titleround.create",
    "titleround.change",
    "titleround.export",
    "titleapplication.view",
    "titleapplication.change",
    "titleapplication.export",
    "reviewerprofile.view",
    "reviewerprofile.change",
}
# The reviewers' pool (who reviews which subjects and stages, who is taken out) and the relations
# reviewers declared with teachers (conflicts of interest), kept by the offices; and the schools
# the offices designate as weak (service there counts towards the senior title).
_TITLES_POOL = {
    "reviewerprofile.create",
    "reviewerprofile.export",
    "reviewerrelation.view",
    "reviewerrelation.create",
    "reviewerrelation.change",
    "reviewerrelation.delete",
    "reviewerrelation.export",
    "weakschool.view",
    "weakschool.create",
    "weakschool.change",
    "weakschool.export",
}
_TITLES_OFFICE |= _TITLES_POOL
_TITLES_SCHOOL = {
    "titleround.view",
    "titleround.export",
    "titleapplication.view",
    "titleapplication.change",
    "titleapplication.export",
}
_TITLES_TEACHER = {"titleround.view", "titleapplication.view", "titleapplication.create"}
_TITLES_REVIEWER = {"titleround.view", "titleapplication.view", "titlescore.create"}

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
        "awardround.create",
        "awardround.change",
        "awardnomination.create",
        "awardnomination.review",
        "awardnomination.change",
        "awardobjection.view",
        "awardobjection.create",
        "awardobjection.change",
        "payroll.view",  # a teacher's own pay: the personnel office's, not the system's
        "titleapplication.change",  # recommending, reviewing and deciding are the offices'
        "titlescore.create",
        # Who reviews, the conflicts declared and the weak schools shape title decisions.
        "reviewerprofile.create",
        "reviewerprofile.change",
        "reviewerrelation.create",
        "reviewerrelation.change",
        "reviewerrelation.delete",
        "weakschool.create",
        "weakschool.change",
    }
    | _ETHICS_CONTENT
    | _HOURS_CLAIM_SCHOOL
    | _HOURS_CLAIM_TEACHER
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
    | _AWARDS_BUREAU
    | _LEADERSHIP_OFFICE
    | _PILOT_BUREAU
    | _PRACTICE_WRITE
    | _PAYROLL_IMPORT
    | {"payroll.view"}
    | _TITLES_OFFICE
    | _TALENT_OFFICE,
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
    | _AWARDS_DISTRICT
    | _LEADERSHIP_OFFICE
    | _PRACTICE_READ
    | _PAYROLL_IMPORT
    | _TITLES_OFFICE
    | _TALENT_OFFICE,
    Role.SCHOOL: (_OFFICE - {"school.create"})
    | {"burdenlist.view", "burdenarrival.view", "burdenarrival.create", "burdenarrival.export"}
    | _TRAINING_READ
    | _LEADERSHIP_SCHOOL
    | {"enrolment.review", "ethicsbar.view"}
    | _AWARDS_SCHOOL
    | _HOURS_CLAIM_SCHOOL
    | _PRACTICE_READ
    | _TITLES_SCHOOL
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
        "attendance.view",
        "trainingreminder.view",
        "trainingreminder.change",
        *_HOURS_CLAIM_TEACHER,
        "degreestudy.view",
        # Their own ethics file and cases (scoping narrows a teacher to their own rows).
        "ethicsfile.view",
        "ethicscase.view",
        "ethicsbar.view",
        # The award rounds of their area and their own nominations.
        "awardround.view",
        "awardnomination.view",
        # The region's perks, and their own partnership activities and hours.
        "perk.view",
        "activityparticipant.view",
    }
    | _PRACTICE_READ
    | _TITLES_TEACHER,
    # Expert reviewers see only what they are assigned (title applications drawn for them).
    Role.REVIEWER: {"teacher.view"} | _TITLES_REVIEWER,
    Role.PILOT: {
        "region.view",
        "region.aggregate",
        "school.view",
        "school.aggregate",
        "teacher.aggregate",
        "wage.view",
        "wage.export",
    }
    | _PILOT_OFFICE
    | _PRACTICE_WRITE,
    Role.AUDITOR: {
        "auditlog.view",
        "accesslog.view",
        "auditlog.export",
        "accesslog.export",
        "ethicscase.view",
        "ethicsfile.view",
    },
    Role.ETHICS: _ETHICS_OFFICER | _PRACTICE_READ,
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
