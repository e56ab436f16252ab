"""Celery task of rotation planning: solving a plan (in-process without a broker)."""

import logging

from celery import shared_task
from django.utils import translation

logger = logging.getLogger(__name__)


@shared_task(name="rotation.solve", ignore_result=True)
def solve_plan(plan_id: int, language: str = "zh-hans") -> None:
    """Solve a plan and store its moves; a failure is recorded on the plan."""
    from .models import RotationPlan
    from .services import solve

    plan = RotationPlan.objects.select_related("region").filter(pk=plan_id).first()
    if plan is None:
        return
    with translation.override(language):
        try:
            solve(plan)
        except Exception:
            logger.exception("rotation plan %s failed to solve", plan_id)
