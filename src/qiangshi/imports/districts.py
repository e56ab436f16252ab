"""The district column of the per-district import kinds (births, salary parity): each row's
district code looked up among the districts the actor may load, its optional name checked."""

from django.db.models import QuerySet

from qiangshi.org.models import Region, RegionLevel


def match_districts(rows, allowed: QuerySet, title: dict, problem, problems: list, rejected: set):
    """Set `r.district` on each row (`r.row`, `r.values["district_code"]` and optionally
    `r.values["district_name"]`) from `allowed`, the districts the actor may load. A code
    outside them (or unknown), or a name that does not match the code, adds a problem and
    rejects the row. Returns the allowed districts found, by code."""
    codes = sorted({r.values["district_code"] for r in rows})
    found = {d.code: d for d in allowed.filter(code__in=codes)}
    known = set(
        Region.objects.filter(code__in=codes, level=RegionLevel.DISTRICT).values_list(
            "code", flat=True
        )
    )
    for r in rows:
        code = r.values["district_code"]
        r.district = found.get(code)
        if r.district is None:
            zh, en = (
                ("该区县不在您的管理范围内", "This district is outside your area")
                if code in known
                else ("未知的区县代码", "Unknown district code")
            )
            problems.append(problem(r.row, title["district_code"], code, zh, en))
            rejected.add(r.row)
            continue
        name = r.values.get("district_name")
        if name and name not in (r.district.name, r.district.name_en):
            problems.append(
                problem(
                    r.row,
                    title["district_name"],
                    name,
                    f"区县名称与代码不符（应为“{r.district.name}”）",
                    f"The district name does not match the code (expected '{r.district.name}')",
                )
            )
            rejected.add(r.row)
    return found
