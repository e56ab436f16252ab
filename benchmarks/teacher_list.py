"""Time the teacher-list query (count + first page) and the dashboard on a built demo region.

    uv run qiangshi demo_region --scale city        # once, into the default database
    uv run python benchmarks/teacher_list.py [--user bureau] [--repeat 3]

Prints the best of N runs per case in milliseconds; the foundation issue asks that list pages
stay interactive (well under a second) at city scale.
"""

import argparse
import os
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="bureau")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from qiangshi.access.models import User
    from qiangshi.teachers.selectors import teacher_list, teacher_stats

    actor = User.objects.get(username=args.user)
    cases = {
        "default (name order)": {},
        "sorted by school": {"sort": "school"},
        "title = senior": {"title": "senior"},
        "search by name 陈": {"q": "陈"},
        "bachelor, age 30–40": {"education": "bachelor", "age_min": 30, "age_max": 40},
        "former staff": {"status": "former"},
    }

    def best(fn) -> float:
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
        return min(times) * 1000

    print(f"as {actor.username} ({actor.role}), best of {args.repeat}:")
    for label, filters in cases.items():
        qs = teacher_list(actor=actor, filters=filters)
        ms = best(lambda qs=qs: (qs.count(), list(qs[:50])))
        print(f"  teacher list, {label:<24} {ms:8.1f} ms  ({qs.count():,} rows)")
    print(f"  dashboard statistics              {best(lambda: teacher_stats(actor=actor)):8.1f} ms")


if __name__ == "__main__":
    main()
