"""`qiangshi awards list [--year Y] [--kind KIND] [--format text|json]` and
`qiangshi awards export --out FILE.xlsx [--round ID [--state STATE] | --year Y] [--kind KIND]`.

`list` prints the award rounds (newest first) with each round's figures: nominations taking
part, still in review, awarded, not awarded, withdrawn (the round page's statistics).
JSON: {"rounds": [{"id", "kind", "year", "level", "region", "title", "nominations_open_on",
"nominations_close_on", "rule_version", "nominated", "in_review", "awarded", "not_awarded",
"withdrawn"}]}.

`export` writes the rounds to xlsx, or with `--round` the nominations of that round with their
stage and the decision (the columns of the web pages' exports; `--state` keeps one stage of the
workflow). Headings are in the operator's language.

Both read as a system operator (every round and nomination, no user scope) and save nothing.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qiangshi.awards import outputs, selectors
from qiangshi.awards.models import AwardKind
from qiangshi.awards.workflow import STATES
from qiangshi.core.xlsx import write_xlsx

FIGURES = ("nominated", "in_review", "awarded", "not_awarded", "withdrawn")


def _filters(opts) -> dict:
    year = opts.get("year")
    if year is not None and not 2000 <= year <= 2100:
        raise CommandError(f"年份无效 / Invalid year: {year}")
    return {"year": year, "kind": opts.get("kind") or ""}


class Command(BaseCommand):
    help = "Teacher awards: list the rounds; export rounds or a round's nominations to xlsx."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="award rounds with their figures")
        export = sub.add_parser("export", help="rounds, or one round's nominations, as xlsx")
        for p in (listing, export):
            p.add_argument("--year", type=int, default=None, help="only rounds of this year")
            p.add_argument("--kind", choices=AwardKind.values, default=None, help="award kind")
        listing.add_argument("--format", choices=("text", "json"), default="text")
        export.add_argument("--out", required=True, help="the xlsx file to write")
        export.add_argument("--round", type=int, default=None, help="a round's id: its nominations")
        export.add_argument(
            "--state", choices=list(STATES), default=None, help="with --round: one stage only"
        )

    def handle(self, *args, **opts):
        if opts["action"] == "list":
            return self._list(opts)
        return self._export(opts)

    def _list(self, opts):
        rounds = list(selectors.round_list(actor=None, filters=_filters(opts)))
        out = []
        for r in rounds:
            total = selectors.round_statistics(actor=None, round_=r)["total"]
            out.append(
                {
                    "id": r.pk,
                    "kind": r.kind,
                    "year": r.year,
                    "level": r.level,
                    "region": r.region.code,
                    "title": r.title,
                    "nominations_open_on": r.nominations_open_on.isoformat(),
                    "nominations_close_on": r.nominations_close_on.isoformat(),
                    "rule_version": r.rule_version,
                    **{k: total[k] for k in FIGURES},
                }
            )
        if opts["format"] == "json":
            self.stdout.write(json.dumps({"rounds": out}, ensure_ascii=False, indent=1))
            return
        self.stdout.write(f"{len(out)} rounds")
        for r in out:
            figures = "  ".join(f"{k} {r[k]}" for k in FIGURES)
            self.stdout.write(
                f"{r['id']}\t{r['year']}\t{r['kind']}\t{r['level']}\t{r['region']}\t{r['title']}\t"
                f"{r['nominations_open_on']}–{r['nominations_close_on']}\t{figures}"
            )

    def _export(self, opts):
        path = Path(opts["out"])
        if opts["round"] is None:
            if opts["state"]:
                raise CommandError("--state 需与 --round 同用 / --state needs --round")
            rounds = list(selectors.round_list(actor=None, filters=_filters(opts)))
            path.write_bytes(write_xlsx([outputs.rounds_sheet(rounds)]))
            self.stdout.write(f"{len(rounds)} rounds; wrote {path}")
            return
        if opts["year"] is not None or opts["kind"]:
            raise CommandError(
                "--round 不与 --year、--kind 同用 / --round goes without --year, --kind"
            )
        round_ = selectors.round_list(actor=None).filter(pk=opts["round"]).first()
        if round_ is None:
            raise CommandError(
                f"没有编号为 {opts['round']} 的评选 / No award round with id {opts['round']}"
            )
        noms = list(
            selectors.nomination_list(
                actor=None, filters={"round": round_.pk, "state": opts["state"] or ""}
            )
        )
        path.write_bytes(write_xlsx([outputs.nominations_sheet(noms)]))
        self.stdout.write(f"{round_.pk} {round_.title}: {len(noms)} nominations; wrote {path}")
