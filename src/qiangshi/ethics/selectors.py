"""Reads other areas need from the ethics file (system reads: callers scope the teachers)."""

from datetime import date

from django.db.models import Q

from .models import Sanction


def sanctioned_teacher_ids(teacher_ids, on: date) -> set[int]:
    """Ids among `teacher_ids` with a sanction active on `on`."""
    return set(
        Sanction.objects.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gt=on),
            teacher_id__in=teacher_ids,
            decided_on__lte=on,
        ).values_list("teacher_id", flat=True)
    )
