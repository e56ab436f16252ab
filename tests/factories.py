"""Test data built through the real services where a service exists (Zulip's advice)."""

import itertools
from datetime import date

from qiangshi.access.models import Role, User
from qiangshi.engines import idcard
from qiangshi.org.models import Region, School
from qiangshi.teachers import services as teacher_services

_seq = itertools.count(1)
PASSWORD = "pw-for-tests"


def region(code: str, name: str, level: str, parent: Region | None = None, **extra) -> Region:
    return Region.objects.create(
        code=code,
        name=name,
        level=level,
        parent=parent,
        path=(parent.path if parent else "") + code + "/",
        **extra,
    )


def region_tree() -> dict[str, Region]:
    """Fujian → Xiamen (pilot) → Siming, Huli; Fujian → Longyan → Xinluo."""
    fj = region("35", "福建省", "province")
    xm = region("3502", "厦门市", "city", fj, is_pilot=True, name_en="Xiamen")
    sm = region("350203", "思明区", "district", xm, name_en="Siming")
    hl = region("350206", "湖里区", "district", xm, name_en="Huli")
    ly = region("3508", "龙岩市", "city", fj, name_en="Longyan")
    xl = region("350802", "新罗区", "district", ly, name_en="Xinluo")
    return {"fujian": fj, "xiamen": xm, "siming": sm, "huli": hl, "longyan": ly, "xinluo": xl}


def school(district: Region, name: str | None = None, stage: str = "primary", **extra) -> School:
    n = next(_seq)
    return School.objects.create(
        code=extra.pop("code", f"{district.code}{n:04d}"),
        name=name or f"{district.name}第{n}小学",
        district=district,
        stage=stage,
        location=extra.pop("location", "urban"),
        **extra,
    )


def user(role: str, username: str | None = None, **extra) -> User:
    u = User(username=username or f"{role}{next(_seq)}", role=role, **extra)
    u.set_password(PASSWORD)
    u.save()
    return u


def admin() -> User:
    return user(Role.ADMIN, is_staff=True, is_superuser=True)


def national_id(birth: date = date(1985, 3, 1), gender: str = "female") -> str:
    return idcard.make("350203", birth, next(_seq) % 100, gender)


_used_ids: set[str] = set()


_REGION_CODES = [f"35{c:04d}" for c in range(200, 300)] + [f"3508{c:02d}" for c in range(1, 90)]


def unique_national_id(birth: date, gender: str) -> str:
    """A valid ID not used before in this session (189 regions × 100 sequences per birth date)."""
    for code in _REGION_CODES:
        for sequence in range(100):
            number = idcard.make(code, birth, sequence, gender)
            if number not in _used_ids:
                _used_ids.add(number)
                return number
    raise AssertionError("ran out of national ID numbers for this birth date")


def teacher(
    actor,
    school: School,
    name: str = "林晓",
    *,
    birth: date = date(1985, 3, 1),
    gender: str = "female",
    **extra,
):
    data = {
        "name": name,
        "gender": gender,
        "birth_date": birth,
        "national_id": extra.pop("national_id", None) or unique_national_id(birth, gender),
        "phone": extra.pop("phone", "13800001234"),
    }
    employment = {
        "school": school,
        "employment_type": "established",
        "main_subject": extra.pop("subject", "chinese"),
        "start_date": date(2010, 9, 1),
    }
    data.update(extra)
    return teacher_services.teacher_create(actor=actor, data=data, employment=employment)
