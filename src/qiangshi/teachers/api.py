"""HTTP API for the teacher registry. Reads go through selectors, writes through services.

National ID numbers and phones are only ever returned masked, except by the reveal endpoint,
which goes through `teacher_reveal` and so writes the access log.
"""

import copy
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.pagination import paginate
from pydantic import ConfigDict, create_model
from pydantic import ValidationError as PydanticValidationError

from qiangshi.access.api import (
    ERRORS,
    MAX_ID,
    ConflictOut,
    Id,
    Pagination,
    etag,
    expected_version,
    input_data,
    plain,
    requires,
)
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.services import snapshot
from qiangshi.org import selectors as org_selectors
from qiangshi.org.models import Stage

from . import selectors, services
from .models import (
    AppraisalGrade,
    CertificateStage,
    EducationLevel,
    EmploymentType,
    Gender,
    MaritalStatus,
    PersonnelStatus,
    PoliticalStatus,
    PostCategory,
    RecognitionKind,
    RecognitionLevel,
    StudyMode,
    Subject,
    TitleRank,
)

router = Router(tags=["teachers"])

TitleFilter = Literal[tuple([*TitleRank.values, "none"])]  # "none": teachers without a title
SortKey = Literal[tuple(selectors.SORTS)]
RecordKind = Literal[tuple(services.RECORD_MODELS)]
Blank = Literal[""]


# --- Output -----------------------------------------------------------------------------------


class TeacherListOut(Schema):
    id: int
    name: str
    gender: Gender
    birth_date: date
    national_id_masked: str
    school_id: int | None = Field(None, alias="current_school_id")
    school_name: str | None = Field(None, alias="current_school_name")
    district_name: str | None = Field(None, alias="current_district_name")
    stage: str | None = Field(None, alias="current_stage")
    subject: str | None = Field(None, alias="current_subject")
    employment_type: str | None = Field(None, alias="current_employment_type")
    title: str | None = Field(None, alias="title_rank")
    highest_education: str | None = Field(None, alias="education_level")


class EmploymentOut(Schema):
    id: int
    school_id: int
    school_name: str = Field(alias="school.name")
    district_name: str = Field(alias="school.district.name")
    employment_type: EmploymentType
    post_category: PostCategory
    is_full_time_teacher: bool
    post_grade: int | None
    main_subject: str
    other_subjects: list[str]
    is_homeroom: bool
    start_date: date | None = Field(
        description="Empty when never given (an import's file left it out)"
    )
    end_date: date | None
    end_reason: str


class EducationOut(Schema):
    id: int
    level: EducationLevel
    institution: str
    major: str
    study_mode: StudyMode
    is_normal_major: bool
    start_date: date | None
    end_date: date | None
    end_date_missing: bool = Field(
        description="Graduated on a date never given (an import's file left it out)"
    )


class TitleOut(Schema):
    id: int
    rank: TitleRank
    obtained_on: date | None = Field(
        description="Empty when never given (an import's file left it out)"
    )
    appointed_on: date | None


class CertificateOut(Schema):
    id: int
    stage: CertificateStage
    subject: Subject
    number: str
    issued_on: date | None
    issuing_authority: str


class RecognitionOut(Schema):
    id: int
    kind: RecognitionKind
    level: RecognitionLevel
    subject: str
    start_date: date
    end_date: date | None


class AppraisalOut(Schema):
    id: int
    year: int
    grade: AppraisalGrade


class TeachingLoadOut(Schema):
    id: int
    school_year: int
    term: int
    stage: CertificateStage
    subjects: list[str]
    weekly_periods: float
    other_periods: float
    concurrent_duties: str


class WorkExperienceOut(Schema):
    id: int
    employer: str
    position: str
    start_date: date
    end_date: date | None


class MissingOut(Schema):
    group: str
    field: str
    label: str


class CompletenessOut(Schema):
    percent: int
    missing: list[MissingOut]


class TeacherDetailOut(Schema):
    id: int
    name: str
    former_name: str
    gender: Gender
    birth_date: date
    age: int
    nationality: str
    ethnicity: str
    political_status: PoliticalStatus | Blank
    marital_status: str
    native_place: str
    birthplace: str
    work_start_date: date | None
    personnel_status: PersonnelStatus
    is_free_normal_graduate: bool
    is_special_grade: bool
    is_mental_health_teacher: bool
    national_id_masked: str
    phone_masked: str
    email: str
    address: str
    school_id: int | None
    school_name: str | None
    title: str | None
    highest_education: str | None
    employments: list[EmploymentOut]
    education: list[EducationOut]
    titles: list[TitleOut]
    certificates: list[CertificateOut]
    recognitions: list[RecognitionOut]
    appraisals: list[AppraisalOut]
    teaching_loads: list[TeachingLoadOut]
    work_experience: list[WorkExperienceOut]
    completeness: CompletenessOut
    version: int = Field(description="Send it back as `version` or `If-Match` when editing")
    created_at: datetime
    updated_at: datetime

    # The history groups come from teacher_get's prefetch; none of these queries again.
    @staticmethod
    def resolve_age(obj) -> int:
        return obj.age()

    @staticmethod
    def resolve_school_id(obj) -> int | None:
        school = obj.current_school
        return school.pk if school else None

    @staticmethod
    def resolve_school_name(obj) -> str | None:
        school = obj.current_school
        return school.name if school else None

    @staticmethod
    def resolve_title(obj) -> str | None:
        record = obj.current_title
        return record.rank if record else None

    @staticmethod
    def resolve_highest_education(obj) -> str | None:
        record = obj.highest_education
        return record.level if record else None

    @staticmethod
    def resolve_employments(obj):
        return list(obj.employments.all())

    @staticmethod
    def resolve_education(obj):
        return list(obj.education_records.all())

    @staticmethod
    def resolve_titles(obj):
        return list(obj.title_records.all())

    @staticmethod
    def resolve_certificates(obj):
        return list(obj.certificates.all())

    @staticmethod
    def resolve_recognitions(obj):
        return list(obj.recognitions.all())

    @staticmethod
    def resolve_appraisals(obj):
        return list(obj.appraisals.all())

    @staticmethod
    def resolve_teaching_loads(obj):
        return list(obj.teaching_loads.all())

    @staticmethod
    def resolve_work_experience(obj):
        return list(obj.work_experience.all())

    @staticmethod
    def resolve_completeness(obj):
        return selectors.teacher_completeness(obj)


class RevealIn(Schema):
    field: Literal["national_id", "phone"]


class RevealOut(Schema):
    value: str


class RecordOut(Schema):
    id: int
    kind: str
    data: dict[str, Any]
    version: int


# --- Input ------------------------------------------------------------------------------------


class TeacherFilters(Schema):
    q: str | None = Field(None, description="Part of a name, or a full national ID number")
    district: Id | None = None
    school: Id | None = None
    subject: Subject | None = None
    title: TitleFilter | None = None
    education: EducationLevel | None = None
    employment_type: EmploymentType | None = None
    stage: Stage | None = None
    gender: Gender | None = None
    age_min: int | None = Field(None, ge=0, le=100)
    age_max: int | None = Field(None, ge=0, le=100)
    sort: SortKey | None = None
    status: Literal["current", "former", "all"] | None = Field(
        None, description="current (default): with an open employment; former: retired or left"
    )


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class EmploymentIn(StrictSchema):
    school: Id
    employment_type: EmploymentType
    post_category: PostCategory = PostCategory.TEACHING
    is_full_time_teacher: bool = True
    post_grade: int | None = Field(None, ge=1, le=13)
    main_subject: Subject | Blank = ""
    other_subjects: list[Subject] = []
    is_homeroom: bool = False
    start_date: date | None = Field(None, description="Defaults to today")


class TeacherBasicIn(StrictSchema):
    name: str = Field(max_length=50)
    former_name: str = Field("", max_length=50)
    gender: Gender
    birth_date: date
    national_id: str = Field(max_length=30, description="18 characters, GB 11643 check digit")
    phone: str = Field("", max_length=30)
    nationality: str = Field("中国", max_length=40)
    ethnicity: str = Field("", max_length=20)
    political_status: PoliticalStatus | Blank = ""
    marital_status: MaritalStatus | Blank = ""
    native_place: str = Field("", max_length=100)
    birthplace: str = Field("", max_length=100)
    work_start_date: date | None = None
    personnel_status: PersonnelStatus = PersonnelStatus.ACTIVE
    is_free_normal_graduate: bool = False
    is_special_grade: bool = False
    is_mental_health_teacher: bool = False
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=255)


class TeacherIn(TeacherBasicIn):
    employment: EmploymentIn | None = Field(
        None, description="The current employment; required for every role but the administrator"
    )


class TeacherPatch(StrictSchema):
    name: str | None = Field(None, max_length=50)
    former_name: str | None = Field(None, max_length=50)
    gender: Gender | None = None
    birth_date: date | None = None
    national_id: str | None = Field(None, max_length=30)
    phone: str | None = Field(None, max_length=30)
    nationality: str | None = Field(None, max_length=40)
    ethnicity: str | None = Field(None, max_length=20)
    political_status: PoliticalStatus | None = None
    marital_status: MaritalStatus | Blank | None = None
    native_place: str | None = Field(None, max_length=100)
    birthplace: str | None = Field(None, max_length=100)
    work_start_date: date | None = None
    personnel_status: PersonnelStatus | None = None
    is_free_normal_graduate: bool | None = None
    is_special_grade: bool | None = None
    is_mental_health_teacher: bool | None = None
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=255)
    version: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="The version the edit was made on (or send `If-Match`): 409 if saved since",
    )


class EducationIn(StrictSchema):
    level: EducationLevel
    institution: str = Field(max_length=120)
    major: str = Field("", max_length=120)
    study_mode: StudyMode = StudyMode.FULL_TIME
    is_normal_major: bool = False
    start_date: date | None = None
    end_date: date | None = Field(None, description="Graduation; empty while still studying")


class CertificateIn(StrictSchema):
    stage: CertificateStage
    subject: Subject
    number: str = Field("", max_length=40)
    issued_on: date | None = None
    issuing_authority: str = Field("", max_length=100)


class TitleIn(StrictSchema):
    rank: TitleRank
    obtained_on: date
    appointed_on: date | None = None


class RecognitionIn(StrictSchema):
    kind: RecognitionKind
    level: RecognitionLevel
    subject: Subject | Blank = ""
    start_date: date
    end_date: date | None = None


class AppraisalIn(StrictSchema):
    year: int = Field(ge=1950, le=2100)
    grade: AppraisalGrade


class TeachingLoadIn(StrictSchema):
    school_year: int = Field(ge=1950, le=2100)
    term: Literal[1, 2]
    stage: CertificateStage
    subjects: list[Subject] = Field(min_length=1, description="At least one subject")
    weekly_periods: Decimal = Field(ge=0, le=999, decimal_places=1)
    other_periods: Decimal = Field(Decimal(0), ge=0, le=999, decimal_places=1)
    concurrent_duties: str = Field("", max_length=100)


class WorkExperienceIn(StrictSchema):
    employer: str = Field(max_length=120)
    position: str = Field("", max_length=100)
    start_date: date
    end_date: date | None = None


class VersionIn(StrictSchema):
    version: int | None = Field(None, ge=1, le=MAX_ID)


class EmploymentEndIn(StrictSchema):
    end_date: date | None = Field(None, description="Defaults to today")
    end_reason: str = Field(max_length=100, description="Retirement, leaving the region, …")


RECORD_SCHEMAS: dict[str, type[StrictSchema]] = {
    "education": EducationIn,
    "certificate": CertificateIn,
    "title": TitleIn,
    "recognition": RecognitionIn,
    "appraisal": AppraisalIn,
    "teaching_load": TeachingLoadIn,
    "work": WorkExperienceIn,
}
_RECORD_NULLABLE = frozenset(
    {"start_date", "end_date", "issued_on", "appointed_on", "work_start_date"}
)


def _partial(schema: type[StrictSchema]) -> type[StrictSchema]:
    """The same fields and limits, every one optional: the body of a correction (PATCH)."""
    fields: dict[str, Any] = {}
    for name, info in schema.model_fields.items():
        optional = copy.copy(info)
        optional.default = None
        optional.default_factory = None
        fields[name] = (info.annotation | None, optional)
    return create_model(f"{schema.__name__}Patch", __base__=StrictSchema, **fields)


RECORD_PATCH_SCHEMAS = {kind: _partial(schema) for kind, schema in RECORD_SCHEMAS.items()}


def _record_doc(intro: str = "Add one record to a history group.") -> str:
    lines = [f"{intro} The body's fields depend on `kind`:", ""]
    for kind, schema in RECORD_SCHEMAS.items():
        fields = ", ".join(
            f"`{name}`" + ("" if f.is_required() else "?")
            for name, f in schema.model_fields.items()
        )
        lines.append(f"- **{kind}**: {fields}")
    return "\n".join(lines)


# --- Endpoints --------------------------------------------------------------------------------


@router.get("", response={200: list[TeacherListOut], **ERRORS}, summary="Teachers in your area")
@paginate(Pagination)
@requires("teacher.view")
def teacher_list(request, filters: Query[TeacherFilters]):
    """A search by national ID number (`q` with six or more digits) is refused here, so that no
    ID travels in a URL or a server log: use `POST /api/teachers/search`."""
    if selectors.search_is_sensitive(filters.q):
        raise ApplicationError(
            _("Search by national ID number with POST /api/teachers/search, not in the URL."),
            fields={"q": _("Send an ID number in the body of POST /api/teachers/search.")},
        )
    return selectors.teacher_list(actor=request.auth, filters=plain(filters.model_dump()))


@router.post(
    "/search",
    response={200: list[TeacherListOut], **ERRORS},
    summary="Teachers in your area, filters in the body",
)
@paginate(Pagination)
@requires("teacher.view")
def teacher_search(request, filters: TeacherFilters):
    """The list's filters as a JSON body, for searches by national ID number (`?page=` and
    `?page_size=` stay in the query)."""
    return selectors.teacher_list(actor=request.auth, filters=plain(filters.model_dump()))


@router.get("/{teacher_id}", response={200: TeacherDetailOut, **ERRORS}, summary="One teacher")
@requires("teacher.view")
def teacher_detail(request, response: HttpResponse, teacher_id: Id):
    teacher = selectors.teacher_get(actor=request.auth, pk=teacher_id)
    response["ETag"] = etag(teacher.version)
    return teacher


@router.post("", response={201: TeacherDetailOut, **ERRORS}, summary="Register a teacher")
@requires("teacher.create")
def teacher_create(request, payload: TeacherIn):
    data = input_data(payload, nullable=_RECORD_NULLABLE | {"employment"})
    employment = data.pop("employment", None)
    teacher = services.teacher_create(actor=request.auth, data=data, employment=employment)
    return Status(201, selectors.teacher_get(actor=request.auth, pk=teacher.pk))


@router.patch(
    "/{teacher_id}",
    response={200: TeacherDetailOut, 409: ConflictOut, **ERRORS},
    summary="Change basic information and contact (only the fields given)",
    description=(
        "Send the version you edited (`version`, or the ETag of GET as `If-Match`): if someone "
        "saved the teacher since and your edit would change a field, the answer is 409 with "
        "both values of each such field and nothing is written."
    ),
)
@requires("teacher.change")
def teacher_update(request, response: HttpResponse, teacher_id: Id, payload: TeacherPatch):
    teacher = selectors.teacher_get(actor=request.auth, pk=teacher_id)
    data = input_data(payload, nullable=frozenset({"work_start_date"}))
    data.pop("version", None)
    version = expected_version(request, payload.version)
    services.teacher_update(actor=request.auth, teacher=teacher, data=data, version=version)
    teacher = selectors.teacher_get(actor=request.auth, pk=teacher_id)
    response["ETag"] = etag(teacher.version)
    return teacher


@router.post(
    "/{teacher_id}/reveal",
    response={200: RevealOut, **ERRORS},
    summary="Show a national ID number or phone in full (recorded in the access log)",
)
@requires("teacher.view_sensitive")
def teacher_reveal(request, teacher_id: Id, payload: RevealIn):
    teacher = selectors.teacher_get(actor=request.auth, pk=teacher_id)
    value = services.teacher_reveal(
        actor=request.auth, teacher=teacher, field=payload.field, channel="api"
    )
    return {"value": value}


@router.post(
    "/{teacher_id}/records/{kind}",
    response={201: RecordOut, **ERRORS},
    summary="Add a history record",
    description=_record_doc(),
)
@requires("teacher.change")
def teacher_record_add(request, teacher_id: Id, kind: RecordKind, payload: Body[dict[str, Any]]):
    teacher = selectors.teacher_get(actor=request.auth, pk=teacher_id)
    try:
        parsed = RECORD_SCHEMAS[kind].model_validate(payload)
    except PydanticValidationError as exc:
        raise ValidationError(exc.errors(include_url=False)) from None
    data = input_data(parsed, nullable=_RECORD_NULLABLE)
    record = services.teacher_record_add(actor=request.auth, teacher=teacher, kind=kind, data=data)
    data = snapshot(record, services.RECORD_FIELDS[kind])
    return Status(201, {"id": record.pk, "kind": kind, "data": data, "version": record.version})


def _parse(schema: type[StrictSchema], payload: dict[str, Any]) -> StrictSchema:
    try:
        return schema.model_validate(payload)
    except PydanticValidationError as exc:
        raise ValidationError(exc.errors(include_url=False)) from None


def _record_get(teacher, kind: str, record_id: int):
    """One record of the group, only if it belongs to this teacher (else 404)."""
    record = services.RECORD_MODELS[kind].objects.filter(teacher=teacher, pk=record_id).first()
    if record is None:
        raise NotFound("Not found")
    return record


@router.patch(
    "/{teacher_id}/records/{kind}/{record_id}",
    response={200: RecordOut, 409: ConflictOut, **ERRORS},
    summary="Correct a history record (only the fields given)",
    description=_record_doc(
        "Correct one record; the audit log keeps the values before the correction. "
        "Every field is optional. Send the record's `version` (in the body or as `If-Match`): "
        "409 with both values when it was corrected since."
    ),
)
@requires("teacher.change")
def teacher_record_update(
    request,
    response: HttpResponse,
    teacher_id: Id,
    kind: RecordKind,
    record_id: Id,
    payload: Body[dict[str, Any]],
):
    teacher = selectors.teacher_get(actor=request.auth, pk=teacher_id, action="change")
    record = _record_get(teacher, kind, record_id)
    payload = dict(payload)
    body_version = _parse(VersionIn, {"version": payload.pop("version", None)}).version
    version = expected_version(request, body_version)
    data = input_data(_parse(RECORD_PATCH_SCHEMAS[kind], payload), nullable=_RECORD_NULLABLE)
    record = services.teacher_record_update(
        actor=request.auth, record=record, data=data, version=version
    )
    response["ETag"] = etag(record.version)
    return {
        "id": record.pk,
        "kind": kind,
        "data": snapshot(record, services.RECORD_FIELDS[kind]),
        "version": record.version,
    }


@router.delete(
    "/{teacher_id}/records/{kind}/{record_id}",
    response={204: None, **ERRORS},
    summary="Remove a history record entered by mistake (the audit log keeps what it held)",
)
@requires("teacher.change")
def teacher_record_delete(request, teacher_id: Id, kind: RecordKind, record_id: Id):
    teacher = selectors.teacher_get(actor=request.auth, pk=teacher_id, action="change")
    record = _record_get(teacher, kind, record_id)
    services.teacher_record_delete(actor=request.auth, record=record)
    return Status(204, None)


@router.post(
    "/{teacher_id}/employment",
    response={201: EmploymentOut, **ERRORS},
    summary="Start a new employment (a transfer, a new post or type)",
    description=(
        "The open employment ends the day before the new one starts; the history is kept. "
        "The new school must be within your area."
    ),
)
@requires("teacher.change")
def teacher_employment_change(request, teacher_id: Id, payload: EmploymentIn):
    teacher = selectors.teacher_get(actor=request.auth, pk=teacher_id, action="change")
    data = input_data(payload, nullable=frozenset({"post_grade", "start_date"}))
    # Answer a school outside the actor's area as a field error before the service runs.
    if not org_selectors.school_list(actor=request.auth).filter(pk=data["school"]).exists():
        raise ApplicationError(
            _("The employment could not be saved."),
            fields={"school": _("Choose a school within your area.")},
        )
    if data.get("start_date") is None:
        data["start_date"] = date.today()
    job = services.employment_change(actor=request.auth, teacher=teacher, data=data)
    return Status(201, job)


@router.post(
    "/{teacher_id}/employment/end",
    response={200: EmploymentOut, **ERRORS},
    summary="End the current employment (retirement, leaving the region)",
)
@requires("teacher.change")
def teacher_employment_end(request, teacher_id: Id, payload: EmploymentEndIn):
    teacher = selectors.teacher_get(actor=request.auth, pk=teacher_id, action="change")
    job = services.employment_end(
        actor=request.auth,
        teacher=teacher,
        end_date=payload.end_date or date.today(),
        reason=payload.end_reason,
    )
    return job
