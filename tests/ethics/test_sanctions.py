"""Sanctions last as POLICY.md §6 says, are audited with the kind masked, and feed the
rotation bar other areas read through ethics_bars."""

from datetime import date, timedelta

import pytest

from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.ethics.selectors import barred_teacher_ids
from qiangshi.ethics.services import sanction_record


@pytest.mark.parametrize(
    ("kind", "decided", "ends"),
    [
        ("warning", date(2025, 8, 31), date(2026, 2, 28)),  # 6 months, end of a short month
        ("demerit", date(2025, 3, 1), date(2026, 3, 1)),
        ("demotion", date(2024, 1, 15), date(2026, 1, 15)),
        ("dismissal", date(2024, 1, 15), None),
    ],
)
def test_durations(world, kind, decided, ends):
    s = sanction_record(
        actor=world["users"]["admin"], teacher_pk=world["teachers"]["a"].pk, kind=kind,
        decided_on=decided,
    )  # fmt: skip
    assert s.ends_on == ends and s.rule_version == "2018"


def test_active_window_and_audit(world):
    t = world["teachers"]["a"]
    sanction_record(
        actor=world["users"]["district"], teacher_pk=t.pk, kind="warning",
        decided_on=date(2025, 1, 10),
    )  # fmt: skip
    assert barred_teacher_ids([t.pk], date(2025, 1, 9), "rotation") == set()
    assert barred_teacher_ids([t.pk], date(2025, 1, 10), "rotation") == {t.pk}
    assert barred_teacher_ids([t.pk], date(2025, 7, 9), "rotation") == {t.pk}
    assert barred_teacher_ids([t.pk], date(2025, 7, 10), "rotation") == set()
    row = AuditLog.objects.get(action="ethics.sanction")
    assert "warning" not in str(row.changes) and "2025" not in str(row.changes)


def test_bad_input_and_scope(world):
    admin = world["users"]["admin"]
    t = world["teachers"]["a"]
    with pytest.raises(ApplicationError):
        sanction_record(actor=admin, teacher_pk=t.pk, kind="flogging", decided_on=date(2025, 1, 1))
    with pytest.raises(ApplicationError):
        sanction_record(
            actor=admin, teacher_pk=t.pk, kind="warning",
            decided_on=date.today() + timedelta(days=1),
        )  # fmt: skip
    with pytest.raises(NotFound):  # Longyan's teacher, outside Siming
        sanction_record(
            actor=world["users"]["district"], teacher_pk=world["teachers"]["d"].pk,
            kind="warning", decided_on=date(2025, 1, 1),
        )  # fmt: skip
