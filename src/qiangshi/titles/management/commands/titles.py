"""`qiangshi titles eligibility --region CODE --year Y [--format json] [--language zh-hans|en]`.

For every teacher working now in the region (a district or a city: all its districts), the
title they would apply for in `Y`'s round and whether they are eligible under the rule file in
force that year, counted to its reference date: `teacher` (registry ID), `current_title`,
`next_title`, `eligible`, and `reasons` — one {rule, status, message} per rule not passed
(status "fail", or "unknown" when the registry lacks what the rule needs). `rule` keys are
stable; messages are in the operator's language (settings.LANGUAGE_CODE unless --language).
A teacher at the top of the ladder has `next_title` null and is not eligible, with no reason.
It reads only; nothing is saved.
"""

import json
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from qiangshi.org.models import Region, RegionLevel
from qiangshi.teachers.models import Employment
from qiangshi.titles.eligibility import evaluate_teachers, reasons, rules_on

LANGUAGES = ("zh-hans", "en")


class Command(BaseCommand):
    help = "Title evaluation: who is eligible for their next title in a year's round."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        e = sub.add_parser("eligibility", help="eligibility of every teacher of a region")
        e.add_argument("--region", required=True, help="district or city code")
        e.add_argument("--year", required=True, type=int, help="the round's year")
        e.add_argument("--format", choices=("text", "json"), default="text")
        e.add_argument("--language", choices=LANGUAGES, default=None)

    def handle(self, *args, **opts):
        language = opts["language"] or settings.LANGUAGE_CODE.lower()
        with translation.override(language):
            return self._eligibility(opts)

    def _eligibility(self, opts):
        region = Region.objects.filter(
            code=opts["region"], level__in=(RegionLevel.DISTRICT, RegionLevel.CITY)
        ).first()
        if region is None:
            raise CommandError(
                f"没有代码为 {opts['region']!r} 的区县或城市 / "
                f"No district or city with code {opts['region']!r}"
            )
        year = opts["year"]
        if not 2000 <= year <= 2100:
            raise CommandError(f"年份无效 / Invalid year: {year}")
        ids = list(
            Employment.objects.filter(
                end_date__isnull=True, school__district__path__startswith=region.path
            )
            .order_by("teacher_id")
            .values_list("teacher_id", flat=True)
        )
        rows = []
        for result, current in sorted(evaluate_teachers(ids, year), key=lambda r: r[0].teacher):
            rows.append(
                {
                    "teacher": result.teacher,
                    "current_title": current,
                    "next_title": result.target,
                    "eligible": result.eligible,
                    "reasons": reasons(result),
                }
            )
        version = rules_on(date(year, 1, 1))["version"]
        if opts["format"] == "json":
            out = {"region": region.code, "year": year, "rule_version": version, "teachers": rows}
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
            return
        eligible = sum(r["eligible"] for r in rows)
        self.stdout.write(f"{region.code} {region.name} {year} ({version}): {eligible}/{len(rows)}")
        for r in rows:
            why = "; ".join(f"[{x['rule']}] {x['message']}" for x in r["reasons"])
            self.stdout.write(
                f"{r['teacher']}\t{r['current_title'] or '-'}\t{r['next_title'] or '-'}\t"
                f"{'yes' if r['eligible'] else 'no'}\t{why}"
            )
