"""Time the practice library's search (BM25 over jieba's words, issue 18) on 10,000 cases,
against the peer it must beat: SQL `LIKE` on SQLite, `ILIKE` on PostgreSQL.

    uv run python benchmarks/practices.py [--cases 10000] [--repeat 20] [--limit 20]
    DATABASE_URL=postgres://… uv run python benchmarks/practices.py     # ILIKE as the peer

SQLite goes to a temporary directory (migrated fresh); with DATABASE_URL set, that database is
used (it must be migrated) and the cases are rolled back at the end. The cases are written from
the demo's templates (`engines.practice_cases`) across the ten pilot regions.

Each query is answered the way the list page needs it: how many cases match, and the first
page of `--limit` cases with their titles. BM25: every case holding a word of the segmented
query, ranked (the warm per-process index; its build time is printed apart). The peer, given
the same words: the cases whose title, summary or full text holds any of them
(`LIKE '%word%'`), counted, and the first page by newest — it cannot rank. Both return the
same number of rows (`--limit`), checked. Prints min and median over `--repeat` runs per query,
and the ratio peer / BM25 of the medians; the issue's target is under 100 ms per search.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

QUERIES = [
    "名师出岛 交流轮岗",
    "减轻教师非教育教学任务负担",
    "博士优培生 竞赛教练",
    "教师数字素养 人工智能",
    "山海协作 教育共同体",
    "师德考核 一票否决",
    "乡村教师 职称评审",
    "惠师政策",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if not os.environ.get("DATABASE_URL"):
        os.environ["QIANGSHI_VAR_DIR"] = tempfile.mkdtemp(prefix="qiangshi-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log: time what production runs
    from django.core.management import call_command
    from django.db import connection, transaction

    if not os.environ.get("DATABASE_URL"):
        call_command("migrate", verbosity=0)
    with transaction.atomic():
        run(args, connection)
        transaction.set_rollback(True)


def _timed(fn, repeat: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times), result


def run(args, connection) -> None:
    from qiangshi.demo.practices import practice_rows
    from qiangshi.engines import practice_cases, segment
    from qiangshi.practices import regions, search, selectors
    from qiangshi.practices.models import Practice

    started = time.perf_counter()
    segment.tokens("教师")
    load = time.perf_counter() - started
    started = time.perf_counter()
    cases = practice_cases.generate(regions.short_names(), n=args.cases, seed=args.seed)
    rows = practice_rows(cases)
    segmenting = time.perf_counter() - started
    Practice.objects.bulk_create(rows, batch_size=1000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE practices_practice")
    search.invalidate()
    started = time.perf_counter()
    index = search.index()
    build = time.perf_counter() - started

    like = "ILIKE" if connection.vendor == "postgresql" else "LIKE"
    table = Practice._meta.db_table
    print(
        f"{len(index):,} cases ({connection.vendor}); jieba loaded in {load:.1f} s, "
        f"{args.cases:,} cases segmented in {segmenting:.1f} s, index built in "
        f"{build * 1000:.0f} ms; {args.repeat} runs per query, first page of {args.limit}"
    )
    print(f"{'query':<28} {'BM25 min/med ms':>16} {'matches':>8}   {like + ' min/med ms':>16} "
          f"{'matches':>8}   {'ratio':>6}")  # fmt: skip
    ratios, worst = [], 0.0
    for query in QUERIES:

        def bm25(query=query):
            _terms, hits = selectors.library_search(query=query)
            page = selectors.with_cases(hits[: args.limit])
            return len(hits), [(f.practice.pk, f.practice.title) for f in page]

        parts = segment.query_terms(query)
        where = " OR ".join(
            f"title {like} %s OR summary {like} %s OR full_text {like} %s" for _ in parts
        )
        params = [f"%{p}%" for p in parts for _ in range(3)]

        def peer(where=where, params=params):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", params)
                count = cursor.fetchone()[0]
                cursor.execute(
                    f"SELECT id, title FROM {table} WHERE {where} ORDER BY id DESC LIMIT %s",
                    [*params, args.limit],
                )
                return count, cursor.fetchall()

        b_min, b_med, (b_count, b_rows) = _timed(bm25, args.repeat)
        p_min, p_med, (p_count, p_rows) = _timed(peer, args.repeat)
        assert len(b_rows) == len(p_rows) == args.limit, (query, len(b_rows), len(p_rows))
        ratio = p_med / b_med
        ratios.append(ratio)
        worst = max(worst, b_med)
        print(
            f"{query:<28} {b_min:7.1f} /{b_med:7.1f} {b_count:>8,}   {p_min:7.1f} /{p_med:7.1f} "
            f"{p_count:>8,}   {ratio:5.1f}×"
        )
    print(
        f"BM25 slowest median {worst:.1f} ms (target < 100 ms); "
        f"{like} / BM25 median ratio {statistics.median(ratios):.1f}×"
    )


if __name__ == "__main__":
    main()
