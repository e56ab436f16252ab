"""`qiangshi practices search "QUERY" [--format json] [--pillar P] [--region CODE] [--limit N]`:
the practice cases most relevant to a query (BM25 over jieba's words), best first.

JSON: {"query", "terms", "results": [{"id", "title", "score"}]}; the score is rounded to four
decimals. `qiangshi practices reindex` segments every case again (after a change to the
dictionary of domain words). Runs as a system operator and changes nothing but the words.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from qiangshi.practices import regions, search, selectors
from qiangshi.practices.models import Pillar, Practice


class Command(BaseCommand):
    help = "Search the practice library (BM25 over segmented Chinese), or segment it again."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        find = sub.add_parser("search", help="cases ranked by relevance to a query")
        find.add_argument("query")
        find.add_argument("--format", choices=("table", "json"), default="table")
        find.add_argument("--pillar", choices=Pillar.values, default="")
        find.add_argument("--region", default="", help="a pilot region's code (and below)")
        find.add_argument("--limit", type=int, default=20)
        sub.add_parser("reindex", help="segment every case's words again")

    def handle(self, *args, **opts):
        if opts["action"] == "reindex":
            return self._reindex()
        if not 1 <= opts["limit"] <= 1000:
            raise CommandError("--limit must be between 1 and 1000 (应在 1–1000 之间)")
        region = opts["region"]
        if region and not any(c.startswith(region) for c in regions.codes()):
            raise CommandError(f"Not a pilot region code: {region} (不是试点地区的区划代码)")
        terms, hits = selectors.library_search(
            query=opts["query"],
            pillar=opts["pillar"],
            region=region,
            limit=opts["limit"],
        )
        found = selectors.with_cases(hits)
        results = [
            {"id": f.practice.pk, "title": f.practice.title, "score": round(f.score, 4)}
            for f in found
        ]
        if opts["format"] == "json":
            out = {"query": opts["query"], "terms": terms, "results": results}
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        lines = [f"{len(results)} results for {' '.join(terms) or '—'}"]
        lines += [f"{r['score']:>9.4f}  {r['id']:>6}  {r['title']}" for r in results]
        self.stdout.write("\n".join(lines))

    def _reindex(self):
        done = 0
        for practice in Practice.objects.order_by("id").iterator(chunk_size=500):
            tokens = search.document_tokens(
                title=practice.title,
                summary=practice.summary,
                full_text=practice.full_text,
                tags=practice.tags,
            )
            if tokens != practice.tokens:
                Practice.objects.filter(pk=practice.pk).update(tokens=tokens)
                done += 1
        search.invalidate()
        self.stdout.write(f"{done} cases segmented again")
