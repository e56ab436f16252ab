"""Demo data of the pilot office (issue 18): Xiamen, the demo city, is linked to its pilot
region (its indicators are computed from the demo registry), and the nine other pilot regions of
the seed get plausible imported figures for the last three years, marked as demo figures in
their source. Deterministic for a seed. A few figures are left out on purpose: a region that
did not send a figure has it missing, and the pages show it so."""

import random
from collections import Counter

from django.utils import timezone

from qiangshi.org.models import Region
from qiangshi.pilot.models import PilotFigure, PilotRegion
from qiangshi.pilot.selectors import indicators

SOURCE = "演示数据（模拟的年度报送，非真实统计）"

# (centre, spread) per indicator: plausible ranges for a Chinese region's figures.
PLAUSIBLE = {
    "teachers_per_100_pupils": (6.5, 1.2),
    "bachelor_share": (82.0, 10.0),
    "postgraduate_share": (9.0, 5.0),
    "senior_title_share": (14.0, 5.0),
    "rotation_rate": (12.0, 3.0),
    "rotation_backbone_share": (24.0, 5.0),
    "training_completion": (92.0, 6.0),
    "balance_districts_passing": (70.0, 25.0),
    "balance_max_cv_primary": (0.42, 0.08),
    "balance_max_cv_junior": (0.38, 0.07),
    "parity_districts_passing": (85.0, 15.0),
    "parity_gap": (3500.0, 6000.0),
    "burden_hours_per_teacher": (9.0, 4.0),
    "burden_demands_per_school": (5.0, 1.5),
    "ethics_cases": (20.0, 15.0),
    "ethics_violations": (8.0, 6.0),
    "recruitment_against_plan": (88.0, 12.0),
}


def build(*, city_code: str, year: int, seed: int, counts: Counter) -> None:
    """Link the demo city's pilot region and import demo figures for the others."""
    city = Region.objects.filter(code=city_code).first()
    PilotRegion.objects.filter(region=city).exclude(code=city_code).update(region=None)
    if city is not None:
        PilotRegion.objects.filter(code=city_code).update(region=city)
    rng = random.Random(seed * 7919 + 18)
    inds = {i.key: i for i in indicators()}
    now = timezone.now()
    figures = []
    for p in PilotRegion.objects.exclude(code=city_code).order_by("sort_order", "code"):
        for y in range(year - 2, year + 1):
            for key, (centre, spread) in PLAUSIBLE.items():
                if rng.random() < 0.08:  # not sent: stays missing
                    continue
                ind = inds[key]
                value = rng.gauss(centre, spread / 2)
                value = min(float(ind.maximum), max(float(ind.minimum), value))
                if ind.unit == "%":
                    value = min(100.0, max(0.0, value))
                if key == "ethics_violations":
                    value = min(value, centre * 2)
                figures.append(
                    PilotFigure(
                        pilot_region=p,
                        year=y,
                        key=key,
                        value=round(value, ind.digits),
                        source=SOURCE,
                        imported_at=now,
                    )
                )
    PilotFigure.objects.filter(source=SOURCE).delete()
    PilotFigure.objects.bulk_create(figures)
    counts["pilot figures"] = len(figures)
