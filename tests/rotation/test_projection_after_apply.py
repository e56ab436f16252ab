"""Rotation apply moves teachers between schools: the projection of their current title and
education still equals their history afterwards (and every moved teacher keeps a row)."""

import pytest
from django.core.management import call_command

from qiangshi.rotation import services
from qiangshi.rotation.models import PlanStatus
from qiangshi.teachers import projection
from qiangshi.teachers.models import Employment, Teacher, TeacherCurrent
from tests.rotation.world import YEAR

pytestmark = pytest.mark.django_db


def test_the_projection_equals_the_history_after_rotation_apply(
    rot, django_capture_on_commit_callbacks
):
    bureau = rot["users"]["bureau"]
    plan = services.plan_create(actor=bureau, region_code="350203", year=YEAR, subject_needs=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_solve(actor=bureau, plan=plan)
    plan.refresh_from_db()
    services.plan_submit(actor=bureau, plan=plan)
    services.plan_review(actor=bureau, plan=plan, approve=True)
    services.plan_publish(actor=bureau, plan=plan)
    jobs = Employment.objects.count()
    call_command("rotation", "apply", "--today", f"{YEAR}-09-01")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.EFFECTIVE
    assert Employment.objects.count() > jobs  # teachers moved
    assert TeacherCurrent.objects.count() == Teacher.objects.count()
    assert projection.mismatches() == []
