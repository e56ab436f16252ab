"""Audit rows written one at a time and in bulk are the same."""

from qiangshi.core.models import AuditLog
from qiangshi.core.services import audit_record, audit_records


def test_bulk_audit_rows_match_single_ones(world):
    actor = world["users"]["district"]
    a, b = world["teachers"]["a"], world["teachers"]["b"]
    one = audit_record(actor=actor, action="x.single", target=a, changes={"k": [1, 2]}, note="n")
    audit_records(actor=actor, action="x.bulk", entries=[(a, {"k": [1, 2]}), (b, {})], note="n")
    bulk = list(AuditLog.objects.filter(action="x.bulk").order_by("id"))
    assert [r.object_id for r in bulk] == [str(a.pk), str(b.pk)]
    for field in ("actor_id", "actor_username", "object_type", "object_repr", "changes", "note"):
        assert getattr(bulk[0], field) == getattr(one, field), field
    assert bulk[0].at is not None and one.pk is not None
