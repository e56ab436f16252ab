"""`qiangshi leadership gaps --region CODE [--gap KEY] [--on YYYY-MM-DD] [--format text|json]
[--out FILE.xlsx]` and `qiangshi leadership due --region CODE [--on YYYY-MM-DD]
[--format text|json] [--out FILE.xlsx]`.

`gaps` lists the active schools of a region (a district, or a city: all its districts) that
have a gap in their leadership on the day (today by default): a post vacant (no Party
secretary, no principal, no vice-principal of a kind), the secretary and the principal the same
person, a principal past the rotation rule set's full terms. `--gap` keeps one kind (keys:
no_secretary, combined, no_principal, no_vice_principal, no_science_vice, no_security_vice,
no_health_vice, principal_terms). JSON: {"region", "on", "schools": [{"code", "name",
"district", "gaps", "principal", "principal_terms"}]}.

`due` lists the principals who have served the full terms after which they should rotate
(POLICY §8, `principal_terms` of the rotation rules in force on the day), with their current
term. JSON: {"region", "on", "terms_needed", "principals": [{"school", "school_name",
"district", "principal", "full_terms", "term_number", "starts_on", "ends_on"}]}.

`--out` writes the same rows to xlsx (the region page's columns for `gaps`), headed in the
operator's language. Both read as a system operator (every school, no user scope) and save
nothing.
"""

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qiangshi.core.xlsx import write_xlsx
from qiangshi.leadership import outputs, selectors
from qiangshi.org.models import Region, RegionLevel


def _day(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--on 应为日期（YYYY-MM-DD） / --on must be a date: {value!r}"
        ) from None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


class Command(BaseCommand):
    help = "School leadership: schools with gaps, and principals due to rotate, in a region."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        gaps = sub.add_parser("gaps", help="schools with a vacancy or another leadership gap")
        due = sub.add_parser("due", help="principals past the full terms, due to rotate")
        gaps.add_argument("--gap", choices=list(selectors.GAPS), default=None, help="one kind")
        for p in (gaps, due):
            p.add_argument("--region", required=True, help="district or city code")
            p.add_argument("--on", default=None, help="the day (YYYY-MM-DD, default today)")
            p.add_argument("--format", choices=("text", "json"), default="text")
            p.add_argument("--out", default=None, help="also write the rows to this xlsx file")

    def handle(self, *args, **opts):
        region = Region.objects.filter(
            code=opts["region"], level__in=(RegionLevel.DISTRICT, RegionLevel.CITY)
        ).first()
        if region is None:
            raise CommandError(
                f"没有代码为 {opts['region']!r} 的区县或城市 / "
                f"No district or city with code {opts['region']!r}"
            )
        on = _day(opts["on"])
        if opts["action"] == "gaps":
            return self._gaps(region, on, opts)
        return self._due(region, on, opts)

    def _gaps(self, region, on, opts):
        rows = selectors.school_rows(
            actor=None, filters={"region": region, "gap": opts["gap"] or ""}, on=on
        )
        rows = [r for r in rows if r.gaps]
        if opts["out"]:
            Path(opts["out"]).write_bytes(write_xlsx([outputs.schools_sheet(rows)]))
        if opts["format"] == "json":
            out = {
                "region": region.code,
                "on": on.isoformat(),
                "schools": [
                    {
                        "code": r.school.code,
                        "name": r.school.name,
                        "district": r.school.district.code,
                        "gaps": r.gaps,
                        "principal": r.names("principal") or None,
                        "principal_terms": r.principal_terms,
                    }
                    for r in rows
                ],
            }
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
            return
        counts = selectors.gap_counts(rows)
        shown = ", ".join(f"{k} {n}" for k, n in counts.items() if n) or "-"
        self.stdout.write(
            f"{region.code} {region.name} {on}: {len(rows)} schools with gaps ({shown})"
        )
        for r in rows:
            self.stdout.write(f"{r.school.code}\t{r.school.name}\t{', '.join(r.gaps)}")
        if opts["out"]:
            self.stdout.write(f"wrote {opts['out']}")

    def _due(self, region, on, opts):
        rows = selectors.school_rows(
            actor=None, filters={"region": region, "gap": "principal_terms"}, on=on
        )
        if opts["out"]:
            Path(opts["out"]).write_bytes(write_xlsx([outputs.principals_due_sheet(rows)]))
        needed = selectors.principal_terms_needed(on)
        principals = []
        for r in rows:
            term = outputs.principal_of(r)
            principals.append(
                {
                    "school": r.school.code,
                    "school_name": r.school.name,
                    "district": r.school.district.code,
                    "principal": term.holder_name,
                    "full_terms": r.principal_terms,
                    "term_number": term.term_number,
                    "starts_on": _iso(term.starts_on),
                    "ends_on": _iso(term.ends_on),
                }
            )
        if opts["format"] == "json":
            out = {
                "region": region.code,
                "on": on.isoformat(),
                "terms_needed": needed,
                "principals": principals,
            }
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
            return
        self.stdout.write(
            f"{region.code} {region.name} {on}: {len(principals)} principals with {needed} or "
            "more full terms at their school"
        )
        for p in principals:
            self.stdout.write(
                f"{p['school']}\t{p['school_name']}\t{p['principal']}\t{p['full_terms']} terms\t"
                f"term {p['term_number']} {p['starts_on']}–{p['ends_on'] or ''}"
            )
        if opts["out"]:
            self.stdout.write(f"wrote {opts['out']}")
