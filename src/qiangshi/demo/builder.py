"""Write a demo region into the database: the Django side of `qiangshi.engines.demo_data`.

The engine yields plain dataclasses; this module maps them onto model rows and inserts them with
`bulk_create` in one transaction, one city at a time and teachers in chunks, so that a city
(~45,000 teachers, ~500,000 rows) builds in well under two minutes on SQLite.
"""

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.db import transaction

from qiangshi.access.models import Role, User
from qiangshi.core import crypto
from qiangshi.core.bulk import statistics_refreshed, tally
from qiangshi.core.services import audit_record
from qiangshi.demo import pilot as pilot_demo
from qiangshi.demo import talent as talent_demo
from qiangshi.demo import welfare as welfare_demo
from qiangshi.demo.awards import demo_awards_build
from qiangshi.demo.ethics import demo_ethics_build
from qiangshi.demo.leadership import demo_leadership_build
from qiangshi.demo.practices import demo_practices_build
from qiangshi.demo.titles import demo_titles_build
from qiangshi.engines import demo_data
from qiangshi.org.models import (
    STAGE_GRADES,
    Region,
    School,
    SchoolEnrollment,
    SchoolFacility,
)
from qiangshi.rotation.models import RotationPlan
from qiangshi.teachers import projection
from qiangshi.teachers.models import (
    Appraisal,
    Certificate,
    EducationRecord,
    Employment,
    Recognition,
    Teacher,
    TeachingLoad,
    TitleRecord,
)

from .development import demo_development
from .training import demo_training
from .training_more import demo_training_more

DEMO_CITY_CODE = "3502"
DEMO_PASSWORD = "qiangshi-demo"
BATCH_SIZE = 2000
TEACHER_CHUNK = 5000

Progress = Callable[[str], None]


class DemoBuildError(Exception):
    """The demo region cannot be built into this database."""


@dataclass
class DemoLogin:
    username: str
    role: str
    display_name: str
    area: str
    created: bool


@dataclass
class BuildResult:
    scale: str
    seed: int
    year: int
    counts: Counter = field(default_factory=Counter)
    students: int = 0
    logins: list[DemoLogin] = field(default_factory=list)
    elapsed: float = 0.0


def current_school_year(today: date) -> int:
    """The school year in progress, named by the calendar year it started (September)."""
    return today.year if today.month >= 9 else today.year - 1


def demo_region_exists() -> bool:
    return Region.objects.filter(code=DEMO_CITY_CODE).exists()


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _bulk_create(model, rows: list, **options) -> list:
    """bulk_create, counted for the planner statistics refreshed after the build."""
    options.setdefault("batch_size", BATCH_SIZE)
    created = model.objects.bulk_create(rows, **options)
    tally(model, len(created))
    return created


def _dec(value: float, places: int) -> Decimal:
    return Decimal(f"{value:.{places}f}")


def demo_region_build(
    *,
    scale: str = "city",
    seed: int = 2024,
    year: int | None = None,
    max_schools: int | None = None,
    size_factor: float | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the demo region for `scale` and the demo logins, in one transaction.

    Raises DemoBuildError when the demo city already exists or its school codes are taken;
    callers check `demo_region_exists()` first to skip quietly.
    """
    say = progress or (lambda _msg: None)
    started = time.monotonic()
    year = year if year is not None else current_school_year(date.today())
    plan = demo_data.region_plan(scale, size_factor=size_factor)
    result = BuildResult(scale=scale, seed=seed, year=year)
    stage_grades = {getattr(k, "value", k): v for k, v in STAGE_GRADES.items()}

    # Every table the build grew is analyzed once it commits (PostgreSQL), with the full
    # statistics target, so that the first pages are planned for the rows just written.
    with statistics_refreshed(target=None), transaction.atomic():
        if demo_region_exists():
            raise DemoBuildError("The demo region (厦门市, code 3502) already exists.")
        regions = _insert_regions(plan.regions, result.counts)
        say(f"regions: {result.counts['regions']} created")
        # National IDs must not clash with teachers already in the database either.
        existing = set(Teacher.objects.values_list("national_id_hash", flat=True))
        taken = (lambda number: crypto.lookup_hash(number) in existing) if existing else None
        ids = demo_data.IdAllocator(taken)
        for city_plan in plan.cities:
            city = demo_data.generate_city(
                city_plan,
                seed=seed,
                year=year,
                size_factor=plan.size_factor,
                max_schools=max_schools,
                stage_grades=stage_grades,
            )
            school_ids = _insert_schools(city, regions, result)
            _insert_births(city, regions, seed, result.counts)
            say(
                f"{city_plan.name}: {len(city.schools)} schools, "
                f"{len(city.enrollments)} enrollment rows, {len(city.facilities)} facility rows"
            )
            expected = sum(s.teachers for s in city.schools)
            done = 0
            teachers = demo_data.iter_teachers(city, seed=seed, ids=ids)
            for chunk in _chunks(teachers, TEACHER_CHUNK):
                _insert_teachers(chunk, school_ids, result.counts)
                done += len(chunk)
                say(f"{city_plan.name}: teachers {done:,} / {expected:,}")
        _mark_principals(result.counts)
        welfare_demo.build(regions=regions, year=year, seed=seed, counts=result.counts)
        say(f"welfare: {result.counts['wage figures']} wage figures, "
            f"{result.counts['burden arrivals']} demands that arrived")  # fmt: skip
        result.logins = _create_logins(regions, result.counts)
        say(f"demo logins: {sum(login.created for login in result.logins)} created")
        demo_training(seed=seed, today=date.today(), city_code=DEMO_CITY_CODE, counts=result.counts)
        say(f"training: {result.counts['training records']:,} records of hours")
        demo_training_more(seed=seed, today=date.today(), counts=result.counts)
        demo_development(result.counts, seed=seed, city_code=DEMO_CITY_CODE)
        demo_ethics_build(result.counts)
        pilot_demo.build(city_code=DEMO_CITY_CODE, year=year, seed=seed, counts=result.counts)
        demo_awards_build(result.counts)
        demo_leadership_build(seed=seed, today=date.today(), counts=result.counts)
        demo_practices_build(seed=seed, counts=result.counts)
        demo_titles_build(result.counts, seed=seed)
        talent_demo.build(seed=seed, year=year, today=date.today(), city_code=DEMO_CITY_CODE, counts=result.counts)  # fmt: skip
        result.elapsed = time.monotonic() - started
        audit_record(
            actor=None,
            action="demo_region.build",
            object_type="demo",
            changes=_summary(result),
        )
    return result


def _mark_principals(counts: Counter) -> None:
    """One principal per school: the longest-serving established staff member in an
    administration post (else in any post) among those working there now."""
    best: dict[int, tuple] = {}
    for pk, school_id, category, start in (
        Employment.objects.filter(end_date__isnull=True, employment_type="established")
        .order_by()
        .values_list("pk", "school_id", "post_category", "start_date")
    ):
        key = (category != "administration", start, pk)
        if school_id not in best or key < best[school_id]:
            best[school_id] = key
    ids = [key[2] for key in best.values()]
    for chunk in _chunks(ids, 5000):
        Employment.objects.filter(pk__in=chunk).update(is_principal=True)
    counts["principals"] += len(ids)


def _summary(result: BuildResult) -> dict:
    """What was built, as codes and counts the audit page labels in the reader's language."""
    c = result.counts
    return {
        "scale": result.scale,
        "seed": result.seed,
        "year": result.year,
        "regions": c["regions"],
        "schools": c["schools"],
        "students": result.students,
        "teachers": c["teachers"],
        "employments": c["employments"],
        "seconds": round(result.elapsed, 1),
    }


def _insert_regions(specs: Iterable[demo_data.RegionSpec], counts: Counter) -> dict[str, Region]:
    specs = list(specs)
    by_code = {r.code: r for r in Region.objects.filter(code__in=[s.code for s in specs])}
    for level in ("province", "city", "district"):  # parents first: children need their ids
        new = [
            Region(
                code=s.code,
                name=s.name,
                name_en=s.name_en,
                level=s.level,
                parent=by_code.get(s.parent_code) if s.parent_code else None,
                path=s.path,
                is_pilot=s.is_pilot,
                is_off_island=s.is_off_island,
            )
            for s in specs
            if s.level == level and s.code not in by_code
        ]
        _bulk_create(Region, new)
        by_code.update({r.code: r for r in new})
        counts["regions"] += len(new)
    return by_code


def _insert_births(city, regions: dict[str, Region], seed: int, counts: Counter) -> None:
    """The districts' births series (the forecast's first-grade intake six years later)."""
    from qiangshi.staffing.models import BirthRecord

    rows = [
        BirthRecord(district_id=regions[code].pk, year=year, births=births)
        for code, year, births in demo_data.births_series(city, seed)
    ]
    _bulk_create(BirthRecord, rows)
    counts["births records"] += len(rows)


def _insert_schools(
    city: demo_data.CityData, regions: dict[str, Region], result: BuildResult
) -> dict[str, int]:
    codes = [s.code for s in city.schools]
    clash = list(School.objects.filter(code__in=codes).values_list("code", flat=True)[:5])
    if clash:
        raise DemoBuildError(f"School codes already in use: {', '.join(clash)}")
    schools = [
        School(
            code=s.code,
            name=s.name,
            district_id=regions[s.district_code].pk,
            stage=s.stage,
            location=s.location,
            ownership=s.ownership,
            is_boarding=s.is_boarding,
            address=s.address,
            latitude=_dec(s.latitude, 6),
            longitude=_dec(s.longitude, 6),
        )
        for s in city.schools
    ]
    _bulk_create(School, schools)
    ids = {s.code: s.pk for s in schools}
    _bulk_create(
        SchoolEnrollment,
        (
            SchoolEnrollment(
                school_id=ids[e.school_code],
                year=e.year,
                grade=e.grade,
                students=e.students,
                classes=e.classes,
            )
            for e in city.enrollments
        ),
        batch_size=BATCH_SIZE,
    )
    _bulk_create(
        SchoolFacility,
        (
            SchoolFacility(
                school_id=ids[f.school_code],
                year=f.year,
                teaching_area_m2=_dec(f.teaching_area_m2, 2),
                sports_area_m2=_dec(f.sports_area_m2, 2),
                equipment_value_yuan=_dec(f.equipment_value_yuan, 2),
                multimedia_rooms=f.multimedia_rooms,
            )
            for f in city.facilities
        ),
        batch_size=BATCH_SIZE,
    )
    result.counts["schools"] += len(schools)
    result.counts["enrollment rows"] += len(city.enrollments)
    result.counts["facility rows"] += len(city.facilities)
    result.students += sum(s.students for s in city.schools)
    return ids


def _insert_teachers(
    chunk: list[demo_data.TeacherSpec], school_ids: dict[str, int], counts: Counter
) -> None:
    encrypt, lookup_hash = crypto.encrypt, crypto.lookup_hash
    teachers = [
        Teacher(
            name=t.name,
            gender=t.gender,
            birth_date=t.birth_date,
            ethnicity=t.ethnicity,
            political_status=t.political_status,
            marital_status=t.marital_status,
            native_place=t.native_place,
            birthplace=t.birthplace,
            national_id_encrypted=encrypt(t.national_id),
            national_id_hash=lookup_hash(t.national_id),
            phone_encrypted=encrypt(t.phone),
            work_start_date=t.work_start_date,
            personnel_status=t.personnel_status,
            is_free_normal_graduate=t.is_free_normal_graduate,
            is_special_grade=t.is_special_grade,
            is_mental_health_teacher=t.is_mental_health_teacher,
        )
        for t in chunk
    ]
    _bulk_create(Teacher, teachers)
    pairs = [(obj.pk, spec) for obj, spec in zip(teachers, chunk, strict=True)]

    def insert(model, rows: list) -> None:
        _bulk_create(model, rows)
        counts[_COUNT_KEYS[model]] += len(rows)

    insert(
        Employment,
        [
            Employment(
                teacher_id=pk,
                school_id=school_ids[e.school_code],
                employment_type=e.employment_type,
                post_category=e.post_category,
                is_full_time_teacher=e.is_full_time_teacher,
                post_grade=e.post_grade,
                main_subject=e.main_subject,
                other_subjects=list(e.other_subjects),
                is_homeroom=e.is_homeroom,
                start_date=e.start_date,
                end_date=e.end_date,
                end_reason=e.end_reason,
            )
            for pk, t in pairs
            for e in t.employments
        ],
    )
    insert(
        EducationRecord,
        [
            EducationRecord(
                teacher_id=pk,
                level=e.level,
                institution=e.institution,
                major=e.major,
                study_mode=e.study_mode,
                is_normal_major=e.is_normal_major,
                start_date=e.start_date,
                end_date=e.end_date,
            )
            for pk, t in pairs
            for e in t.education
        ],
    )
    insert(
        TitleRecord,
        [
            TitleRecord(
                teacher_id=pk, rank=r.rank, obtained_on=r.obtained_on, appointed_on=r.appointed_on
            )
            for pk, t in pairs
            for r in t.titles
        ],
    )
    insert(
        Certificate,
        [
            Certificate(
                teacher_id=pk,
                stage=c.stage,
                subject=c.subject,
                number=c.number,
                issued_on=c.issued_on,
                issuing_authority=c.issuing_authority,
            )
            for pk, t in pairs
            for c in t.certificates
        ],
    )
    insert(
        Recognition,
        [
            Recognition(
                teacher_id=pk,
                kind=r.kind,
                level=r.level,
                subject=r.subject,
                start_date=r.start_date,
                end_date=r.end_date,
            )
            for pk, t in pairs
            for r in t.recognitions
        ],
    )
    insert(
        Appraisal,
        [
            Appraisal(teacher_id=pk, year=a.year, grade=a.grade)
            for pk, t in pairs
            for a in t.appraisals
        ],
    )
    insert(
        TeachingLoad,
        [
            TeachingLoad(
                teacher_id=pk,
                school_year=load.school_year,
                term=load.term,
                stage=load.stage,
                subjects=list(load.subjects),
                weekly_periods=_dec(load.weekly_periods, 1),
                other_periods=_dec(load.other_periods, 1),
                concurrent_duties=load.concurrent_duties,
            )
            for pk, t in pairs
            for load in t.teaching_loads
        ],
    )
    projection.refresh([obj.pk for obj in teachers])
    counts["teachers"] += len(teachers)


_COUNT_KEYS = {
    Employment: "employments",
    EducationRecord: "education records",
    TitleRecord: "title records",
    Certificate: "certificates",
    Recognition: "recognitions",
    Appraisal: "appraisals",
    TeachingLoad: "teaching loads",
}


def _create_logins(regions: dict[str, Region], counts: Counter) -> list[DemoLogin]:
    """One login per role. The school login manages the first public urban primary school of
    Siming; the teacher login is the first teaching-post teacher there. Usernames already taken
    are left alone."""
    siming = regions["350203"]
    xiamen = regions[DEMO_CITY_CODE]
    schools = School.objects.filter(district=siming).order_by("code")
    school = (
        schools.filter(stage="primary", ownership="public", location="urban").first()
        or schools.filter(stage="primary").first()
        or schools.first()
    )
    job = (
        Employment.objects.filter(school=school, end_date__isnull=True, post_category="teaching")
        .select_related("teacher")
        .order_by("teacher_id")
        .first()
        if school
        else None
    )
    teacher = job.teacher if job else None
    wanted = [
        ("admin", Role.ADMIN, "系统管理员", {"is_staff": True, "is_superuser": True}, "—"),
        ("bureau", Role.BUREAU, f"{xiamen.name}教育局人事处", {"region": xiamen}, xiamen.name),
        ("district", Role.DISTRICT, f"{siming.name}教育局", {"region": siming}, siming.name),
        ("school", Role.SCHOOL, f"{school.name}管理员" if school else "学校管理员",
         {"school": school}, school.name if school else "—"),
        ("teacher", Role.TEACHER, teacher.name if teacher else "教师", {},
         f"{teacher.name} · {school.name}" if teacher and school else "—"),
        ("reviewer", Role.REVIEWER, "评审专家", {}, "—"),
        ("pilot", Role.PILOT, "试点办公室", {}, "—"),
        ("auditor", Role.AUDITOR, "审计员", {}, "—"),
        ("ethics", Role.ETHICS, f"{xiamen.name}教育局师德专员", {"region": xiamen}, xiamen.name),
    ]  # fmt: skip
    taken = set(
        User.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", flat=True)
    )
    password = make_password(DEMO_PASSWORD)  # hashed once, shared by all demo logins
    new_users = [
        User(
            username=u,
            role=role,
            display_name=shown,
            password=password,
            # A shared demo password: production settings make each user choose their own.
            must_change_password=True,
            **extra,
        )
        for u, role, shown, extra, _area in wanted
        if u not in taken
    ]
    _bulk_create(User, new_users)
    counts["users"] += len(new_users)
    created = {u.username: u for u in new_users}
    if teacher is not None and "teacher" in created and teacher.user_id is None:
        teacher.user = created["teacher"]
        teacher.save(update_fields=["user"])
    return [
        DemoLogin(u, str(role), shown, area, u in created)
        for u, role, shown, _extra, area in wanted
    ]


def demo_rotation_plan(year: int, progress=None) -> RotationPlan | None:
    """A published rotation plan of Siming for the next school year, so that a newcomer sees a
    teacher's, a school's and the office's view of one: the greedy baseline (seconds, where the
    optimiser's trade-off takes minutes; the office re-solves it with the optimiser from the
    plan page), with the demo teacher's move fixed when the rules allow one. Its public notice
    runs for two weeks from today. Nothing when the demo logins or Siming are missing, or when
    a plan for that year exists already."""
    from qiangshi.rotation import services as rotation
    from qiangshi.rotation.selectors import candidates

    say = progress or (lambda _msg: None)
    bureau = User.objects.filter(username="bureau", role=Role.BUREAU).first()
    siming = Region.objects.filter(code="350203").first()
    if bureau is None or siming is None:
        return None
    if RotationPlan.objects.filter(region=siming, year=year + 1).exists():
        return None
    plan = rotation.plan_create(
        actor=bureau,
        region_code=siming.code,
        year=year + 1,
        method="greedy",
        name=f"{siming.name}{year + 1}学年交流轮岗（示例）",
    )
    teacher = Teacher.objects.filter(user__username="teacher").first()
    if teacher is not None:
        _schools, people = candidates(siming, year + 1)
        me = next((c for c in people if c.teacher_id == teacher.pk), None)
        fits = me is not None and me.stage in ("primary", "junior") and bool(me.subject)
        if fits and me.stage in me.certified_stages and "private" not in me.reasons:
            rotation.decision_add(actor=bureau, plan=plan, teacher_pk=teacher.pk, kind="must")
    rotation.solve(plan)
    plan.refresh_from_db()
    if plan.result.get("status") not in ("optimal", "feasible", "incomplete"):
        say(f"rotation plan: {plan.result.get('status')} ({plan.result.get('message', '')})")
        return plan
    rotation.plan_submit(actor=bureau, plan=plan)
    rotation.plan_review(actor=bureau, plan=plan, approve=True)
    rotation.plan_publish(actor=bureau, plan=plan)
    today = date.today()
    rotation.plan_set_notice(actor=bureau, plan=plan, start=today, end=today + timedelta(days=14))
    say(f"rotation plan: {plan.moves.count()} moves published ({plan})")
    return plan
