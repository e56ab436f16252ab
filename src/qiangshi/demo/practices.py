"""The demo's practice library (issue 18): about 200 cases of replicable practice written in
Chinese from the templates of `engines.practice_cases`, across the seed's ten pilot regions and
the five pillars; the demo pilot office is their author.

Deterministic (the build's seed), inserted in bulk with each case's segmented words."""

from qiangshi.access.models import Role, User
from qiangshi.engines import practice_cases
from qiangshi.practices import regions, search
from qiangshi.practices.models import Practice

CASES = 200


def practice_rows(cases, author=None) -> list[Practice]:
    """Unsaved rows of template cases, each with its segmented words (also the benchmark's)."""
    return [
        Practice(
            title=c.title,
            region_code=c.region_code,
            pillar=c.pillar,
            summary=c.summary,
            full_text=c.full_text,
            tags=list(c.tags),
            tokens=search.document_tokens(
                title=c.title, summary=c.summary, full_text=c.full_text, tags=list(c.tags)
            ),
            created_by=author,
        )
        for c in cases
    ]


def demo_practices_build(*, seed: int, counts) -> None:
    author = User.objects.filter(username="pilot", role=Role.PILOT).first()
    cases = practice_cases.generate(regions.short_names(), n=CASES, seed=seed)
    rows = practice_rows(cases, author)
    Practice.objects.bulk_create(rows, batch_size=500)
    search.invalidate()
    counts["practice cases"] += len(rows)
