"""The audit and access logs in the reader's language.

An audit row stores codes (`rotation.submitted`, `teachers.teacher`, `{"status": [...]}`) so that
it stays the same whatever language wrote it; these functions turn them into words for the page
and the export. A code with no label here is shown as it is, and the page-language test names it.
"""

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

SUBJECTS = {
    "teacher": pgettext_lazy("audit subject", "Teacher"),
    "school": pgettext_lazy("audit subject", "School"),
    "region": pgettext_lazy("audit subject", "Region"),
    "rotation": pgettext_lazy("audit subject", "Rotation plan"),
    "change_request": pgettext_lazy("audit subject", "Change request"),
    "import": pgettext_lazy("audit subject", "Import"),
    "placement": pgettext_lazy("audit subject", "Placement lottery"),
    "staffing": pgettext_lazy("audit subject", "Staffing"),
    "auth": pgettext_lazy("audit subject", "Sign-in"),
    "user": pgettext_lazy("audit subject", "User"),
    "api_token": pgettext_lazy("audit subject", "API token"),
    "demo_region": pgettext_lazy("audit subject", "Demo region"),
    "employment": pgettext_lazy("audit subject", "Employment"),
    "ethics": pgettext_lazy("audit subject", "Ethics"),
    "pilot": pgettext_lazy("audit subject", "Pilot office"),
    "awards": pgettext_lazy("audit subject", "Teacher awards"),
    "titles": pgettext_lazy("audit subject", "Title evaluation"),
    "leadership": pgettext_lazy("audit subject", "School leadership"),
    "training": pgettext_lazy("audit subject", "Training"),
    "practices": pgettext_lazy("audit subject", "Practice library"),
    "welfare": pgettext_lazy("audit subject", "Welfare"),
    "talent": pgettext_lazy("audit subject", "Talent and partnerships"),
}

VERBS = {
    "create": pgettext_lazy("audit action", "created"),
    "update": pgettext_lazy("audit action", "changed"),
    "change": pgettext_lazy("audit action", "changed"),
    "delete": pgettext_lazy("audit action", "deleted"),
    "export": pgettext_lazy("audit action", "exported"),
    "view": pgettext_lazy("audit action", "viewed"),
    "aggregate": pgettext_lazy("audit action", "figures viewed"),
    "approve": pgettext_lazy("audit action", "approved"),
    "return": pgettext_lazy("audit action", "returned"),
    "submit": pgettext_lazy("audit action", "submitted"),
    "withdraw": pgettext_lazy("audit action", "withdrawn"),
    "commit": pgettext_lazy("audit action", "imported"),
    "fail": pgettext_lazy("audit action", "failed"),
    "build": pgettext_lazy("audit action", "built"),
    "rotate": pgettext_lazy("audit action", "moved by rotation"),
    "sanction": pgettext_lazy("audit action", "sanction recorded"),
    "login": pgettext_lazy("audit action", "signed in"),
    "logout": pgettext_lazy("audit action", "signed out"),
    "login_failed": pgettext_lazy("audit action", "failed sign-in"),
    "lockout": pgettext_lazy("audit action", "locked out"),
    "otp_failed": pgettext_lazy("audit action", "wrong one-time code"),
    "password_change": pgettext_lazy("audit action", "password changed"),
    "password_reset": pgettext_lazy("audit action", "password reset"),
    "totp_enrol": pgettext_lazy("audit action", "two-step sign-in turned on"),
    "totp_remove": pgettext_lazy("audit action", "two-step sign-in turned off"),
    "unlock": pgettext_lazy("audit action", "unlocked"),
    "revoke": pgettext_lazy("audit action", "revoked"),
    "budget": pgettext_lazy("audit action", "number of moves chosen"),
    "decision": pgettext_lazy("audit action", "decision recorded"),
    "decision_remove": pgettext_lazy("audit action", "decision removed"),
    "exempt": pgettext_lazy("audit action", "exemption recorded"),
    "exempt_remove": pgettext_lazy("audit action", "exemption removed"),
    "form": pgettext_lazy("audit action", "form of a move set"),
    "notice": pgettext_lazy("audit action", "public notice set"),
    "preference": pgettext_lazy("audit action", "preference recorded"),
    "solve": pgettext_lazy("audit action", "plan computed"),
    "solve_stopped": pgettext_lazy("audit action", "computation stopped"),
    "draft": pgettext_lazy("audit action", "back to draft"),
    "submitted": pgettext_lazy("audit action", "submitted for review"),
    "returned": pgettext_lazy("audit action", "returned for changes"),
    "approved": pgettext_lazy("audit action", "approved"),
    "published": pgettext_lazy("audit action", "published"),
    "effective": pgettext_lazy("audit action", "put into effect"),
    "draw_rehearsal": pgettext_lazy("audit action", "rehearsal draw"),
    "draw_ceremony": pgettext_lazy("audit action", "official draw"),
    "draw_publish": pgettext_lazy("audit action", "results published"),
    "intake_create": pgettext_lazy("audit action", "intake created"),
    "enrollment_set": pgettext_lazy("audit action", "enrolment entered"),
    "quota_allocate": pgettext_lazy("audit action", "quotas allocated"),
    "employment_change": pgettext_lazy("audit action", "post changed"),
    "employment_end": pgettext_lazy("audit action", "employment ended"),
    "photo_set": pgettext_lazy("audit action", "photo changed"),
    "registration_query": pgettext_lazy("audit action", "registration query raised"),
    "registration_query_close": pgettext_lazy("audit action", "registration query closed"),
    "import_create": pgettext_lazy("audit action", "created by import"),
    "import_update": pgettext_lazy("audit action", "changed by import"),
    "facility_import": pgettext_lazy("audit action", "facilities imported"),
    "births_import": pgettext_lazy("audit action", "births imported"),
    "view_sensitive": pgettext_lazy("audit action", "sensitive data viewed"),
    "figures_import": pgettext_lazy("audit action", "pilot figures imported"),
    "report_create": pgettext_lazy("audit action", "report requested"),
    "region_link": pgettext_lazy("audit action", "pilot region linked"),
    # Title evaluation (`titles.<what>.<step>`; keyed by the whole code where a verb of the
    # same name means something else in another subject).
    "titles.round.create": pgettext_lazy("audit action", "title round opened"),
    "titles.round.quota": pgettext_lazy("audit action", "promotion quota set"),
    "titles.round.rank": pgettext_lazy("audit action", "applications ranked within the quota"),
    "titles.application.start": pgettext_lazy("audit action", "application started"),
    "titles.application.update": pgettext_lazy("audit action", "application updated"),
    "titles.application.material": pgettext_lazy("audit action", "material uploaded"),
    "titles.application.submit": pgettext_lazy("audit action", "application submitted"),
    "titles.application.withdraw": pgettext_lazy("audit action", "application withdrawn"),
    "titles.application.recommend": pgettext_lazy("audit action", "recommended by the school"),
    "titles.application.decline": pgettext_lazy("audit action", "not recommended by the school"),
    "titles.application.pass_review": pgettext_lazy("audit action", "passed the office's review"),
    "titles.application.reject": pgettext_lazy("audit action", "rejected at the review"),
    "titles.application.score": pgettext_lazy("audit action", "scored by the panel"),
    "titles.application.select": pgettext_lazy("audit action", "selected within the quota"),
    "titles.application.not_select": pgettext_lazy("audit action", "not selected within the quota"),
    "titles.application.object": pgettext_lazy("audit action", "objection raised"),
    "titles.application.approve": pgettext_lazy("audit action", "title approved"),
    "titles.application.dismiss_objection": pgettext_lazy("audit action", "objection dismissed"),
    "titles.application.uphold_objection": pgettext_lazy("audit action", "objection upheld"),
    "titles.panel.draw": pgettext_lazy("audit action", "expert panel drawn"),
    "titles.score": pgettext_lazy("audit action", "rubric scores entered"),
    "titles.reviewer.profile": pgettext_lazy("audit action", "reviewer's profile changed"),
    "titles.reviewer.relation": pgettext_lazy("audit action", "reviewer's relation declared"),
    "titles.reviewer.create": pgettext_lazy("audit action", "reviewer added to the pool"),
    "titles.reviewer.update": pgettext_lazy(
        "audit action", "reviewer's subjects or workplace changed"
    ),
    "titles.reviewer.deactivate": pgettext_lazy("audit action", "reviewer taken out of the pool"),
    "titles.reviewer.reactivate": pgettext_lazy("audit action", "reviewer put back in the pool"),
    "titles.reviewer.export": pgettext_lazy("audit action", "reviewers' pool exported"),
    "titles.relation.record": pgettext_lazy("audit action", "declared relation recorded"),
    "titles.relation.update": pgettext_lazy("audit action", "declared relation corrected"),
    "titles.relation.remove": pgettext_lazy("audit action", "declared relation removed"),
    "titles.relation.export": pgettext_lazy("audit action", "declared relations exported"),
    "titles.weak_school.designate": pgettext_lazy("audit action", "school designated as weak"),
    "titles.weak_school.end": pgettext_lazy("audit action", "weak-school designation ended"),
    "titles.weak_school.export": pgettext_lazy("audit action", "weak schools exported"),
    # Without these, `round.export` (the award rounds') would name a title export.
    "titles.round.export": pgettext_lazy("audit action", "title rounds exported"),
    "titles.round.statistics_export": pgettext_lazy("audit action", "round statistics exported"),
    "titles.application.export": pgettext_lazy("audit action", "title applications exported"),
    # Teacher awards (`awards.<what>.<step>`).
    "round.create": pgettext_lazy("audit action", "award round opened"),
    "round.export": pgettext_lazy("audit action", "award rounds exported"),
    "quota.set": pgettext_lazy("audit action", "nomination quota set"),
    "nomination.create": pgettext_lazy("audit action", "teacher nominated"),
    "nomination.export": pgettext_lazy("audit action", "nominations exported"),
    "nomination.submit": pgettext_lazy("audit action", "nomination submitted to the district"),
    "nomination.withdraw": pgettext_lazy("audit action", "nomination withdrawn"),
    "nomination.district_approve": pgettext_lazy("audit action", "approved by the district"),
    "nomination.district_return": pgettext_lazy("audit action", "returned by the district"),
    "nomination.district_reject": pgettext_lazy("audit action", "rejected by the district"),
    "nomination.bureau_approve": pgettext_lazy("audit action", "approved by the bureau"),
    "nomination.bureau_reject": pgettext_lazy("audit action", "rejected by the bureau"),
    "nomination.publish": pgettext_lazy("audit action", "public notice published"),
    "nomination.award": pgettext_lazy("audit action", "award decided"),
    "nomination.refuse": pgettext_lazy("audit action", "decided not to award"),
    "objection.record": pgettext_lazy("audit action", "objection recorded"),
    "objection.handle": pgettext_lazy("audit action", "objection handled"),
    "long_service.export": pgettext_lazy("audit action", "long-service honours exported"),
    "teachers_day.export": pgettext_lazy("audit action", "Teachers' Day list exported"),
    # Training: sessions, attendance, hours entered by teachers, spend, reminders, transcripts.
    "session_create": pgettext_lazy("audit action", "session added"),
    "session_delete": pgettext_lazy("audit action", "session removed"),
    "attendance_rule": pgettext_lazy("audit action", "crediting of hours by attendance set"),
    "attendance_mark": pgettext_lazy("audit action", "attendance marked"),
    "claim_submit": pgettext_lazy("audit action", "hours entered for approval"),
    "claim_approve": pgettext_lazy("audit action", "hours entered approved"),
    "claim_return": pgettext_lazy("audit action", "hours entered rejected"),
    "claim_withdraw": pgettext_lazy("audit action", "hours entered withdrawn"),
    "claim_evidence": pgettext_lazy("audit action", "certificate downloaded"),
    "budget_set": pgettext_lazy("audit action", "public funds budget entered"),
    "spend_add": pgettext_lazy("audit action", "training spend recorded"),
    "spend_delete": pgettext_lazy("audit action", "training spend removed"),
    "spend_export": pgettext_lazy("audit action", "training spend exported"),
    "reminder_send": pgettext_lazy("audit action", "reminder sent"),
    "reminder_acknowledge": pgettext_lazy("audit action", "reminder acknowledged"),
    "transcript": pgettext_lazy("audit action", "transcript downloaded"),
    # Training, teacher development (issue 16, part B)
    "degree_study_create": pgettext_lazy("audit action", "degree study recorded"),
    "degree_study_complete": pgettext_lazy("audit action", "degree obtained"),
    "degree_study_discontinue": pgettext_lazy("audit action", "degree study discontinued"),
    "degree_study_export": pgettext_lazy("audit action", "degree studies exported"),
    "science_export": pgettext_lazy("audit action", "science teachers' training exported"),
    "literacy_export": pgettext_lazy("audit action", "digital literacy overview exported"),
    "recommend_assign": pgettext_lazy("audit action", "recommended programmes assigned"),
    "attachment_add": pgettext_lazy("audit action", "file attached"),
    "attachment_remove": pgettext_lazy("audit action", "attachment removed"),
    "payroll_import": pgettext_lazy("audit action", "payroll rows imported"),
    "hire_link": pgettext_lazy("audit action", "linked to the registry"),
    "activity_confirm": pgettext_lazy("audit action", "activity confirmed, hours credited"),
    "activity_cancel": pgettext_lazy("audit action", "activity cancelled, hours taken back"),
}

RECORD_VERBS = {
    "add": pgettext_lazy("audit action", "added"),
    "update": pgettext_lazy("audit action", "changed"),
    "delete": pgettext_lazy("audit action", "deleted"),
    "import_update": pgettext_lazy("audit action", "changed by import"),
    "import": pgettext_lazy("audit action", "imported"),
}

# Record kinds of a teacher's history, for actions such as `teacher.title_add` and changes such as
# `title.rank`: the model whose field names and choices label them.
RECORD_MODELS = {
    "employment": "teachers.employment",
    "education": "teachers.educationrecord",
    "work": "teachers.workexperience",
    "work_experience": "teachers.workexperience",
    "certificate": "teachers.certificate",
    "title": "teachers.titlerecord",
    "recognition": "teachers.recognition",
    "appraisal": "teachers.appraisal",
    "load": "teachers.teachingload",
    "teaching_load": "teachers.teachingload",
    "secondment": "teachers.secondment",
}

# Keys of `changes` that are not fields of the object's model.
EXTRA_FIELDS = {
    "national_id": gettext_lazy("national ID number"),
    "phone": gettext_lazy("phone"),
    "address": gettext_lazy("address"),
    "budget": gettext_lazy("number of moves"),
    "changed": gettext_lazy("changed"),
    "new": gettext_lazy("new"),
    "rows": gettext_lazy("rows"),
    "schools": gettext_lazy("schools"),
    "moves": gettext_lazy("moves"),
    "format": gettext_lazy("format"),
    "kind": gettext_lazy("kind"),
    "decision": gettext_lazy("decision"),
    "exemption": gettext_lazy("exemption"),
    "reason": gettext_lazy("reason"),
    "quota": gettext_lazy("quota"),
    "photo": gettext_lazy("photo"),
    "seed": gettext_lazy("seed"),
    "chain_sha256": gettext_lazy("checksum of the draw"),
    "teacher": gettext_lazy("teacher"),
    "year": gettext_lazy("year"),
    "status": gettext_lazy("status"),
    "email": gettext_lazy("email"),
    "method": gettext_lazy("method"),
    "region": gettext_lazy("region"),
    "filters": gettext_lazy("filters"),
    "count": gettext_lazy("count"),
    "pupils": gettext_lazy("pupils"),
    "scale": gettext_lazy("scale"),
    "regions": gettext_lazy("regions"),
    "students": gettext_lazy("students"),
    "teachers": gettext_lazy("teachers"),
    "employments": gettext_lazy("employment records"),
    "seconds": gettext_lazy("seconds"),
    "pilot_region": gettext_lazy("pilot region"),
    "shortfall": gettext_lazy("hours missing"),
    "attachment": gettext_lazy("attachment"),
    "payroll": gettext_lazy("pay (payroll rows)"),
    "participant_count": gettext_lazy("participants"),
    "credited": gettext_lazy("teachers credited with hours"),
}

# Codes stored as values of keys that are not model fields.
EXTRA_VALUES = {
    "scale": {
        "district": gettext_lazy("one district"),
        "city": gettext_lazy("a city"),
        "province": gettext_lazy("a province"),
    },
    "placed": gettext_lazy("placed"),
    "unplaced": gettext_lazy("not placed"),
}


def action_label(action: str) -> str:
    """`rotation.submitted` → "轮岗方案：提交审核"; an unknown code as it is."""
    subject, _dot, verb = action.partition(".")
    if not verb:
        label = VERBS.get(subject)
        return str(label) if label else action
    noun = SUBJECTS.get(subject)
    what = VERBS.get(action, VERBS.get(verb))  # a subject's own verb first
    if what is None:
        for suffix, record_verb in RECORD_VERBS.items():
            kind = verb.removesuffix(f"_{suffix}")
            if kind != verb and kind in RECORD_MODELS:
                model = apps.get_model(RECORD_MODELS[kind])
                what = f"{model._meta.verbose_name} {record_verb}"
                break
    if noun is None or what is None:
        return action
    return pgettext("audit action", "%(subject)s: %(verb)s") % {"subject": noun, "verb": what}


def object_type_label(object_type: str) -> str:
    """`teachers.teacher` → "教师" (the model's name); other codes as they are."""
    model = _model(object_type)
    if model is not None:
        return str(model._meta.verbose_name)
    if object_type == "demo":
        return str(SUBJECTS["demo_region"])
    return object_type


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model, name):
    try:
        return model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return None


def field_label(object_type: str, key: str) -> tuple[str, object]:
    """A key of an audit row's changes as words, with the model field (for its choices) if any.

    `title.rank` → ("职称等级", field); `status` on a rotation plan → ("状态", field);
    `2026 births` and other free keys → as they are.
    """
    model = _model(object_type)
    name = key
    kind, dot, rest = key.partition(".")
    if dot and kind in RECORD_MODELS:
        model, name = _model(RECORD_MODELS[kind]), rest
    elif dot and kind == "teacher":
        model, name = _model("teachers.teacher"), rest
    field = _field(model, name)
    if field is not None:
        return str(field.verbose_name), field
    extra = EXTRA_FIELDS.get(name)
    return (str(extra) if extra else key), None


def value_label(field, value, key: str = ""):
    """A stored code in words: a choice's label, or the name of a region or school recorded by
    its code (one query, only for the rows of a page that hold one)."""
    if field is None and isinstance(value, str) and key in EXTRA_VALUES:
        return str(EXTRA_VALUES[key].get(value, value))
    if field is None or value in (None, ""):
        return value
    if getattr(field, "choices", None) and isinstance(value, str):
        return str(dict(field.flatchoices).get(value, value))
    related = field.related_model if field.is_relation else None
    if related is not None and isinstance(value, str) and _field(related, "code") is not None:
        name = related.objects.filter(code=value).values_list("name", flat=True).first()
        return name or value
    return value


CHANNELS = {
    "web": gettext_lazy("web page"),
    "api": gettext_lazy("API"),
    "export": gettext_lazy("export"),
    "cli": gettext_lazy("command line"),
}


def channel_label(channel: str) -> str:
    label = CHANNELS.get(channel)
    return str(label) if label else channel


def access_fields_label(object_type: str, fields: str) -> str:
    """An access-log row's fields ("national_id,phone") as the record's field names."""
    return "、".join(
        field_label(object_type or "teachers.teacher", f)[0] for f in fields.split(",") if f
    )
