"""Training spend against the public-funds budget (POLICY.md §4: schools spend at least 5% of
their yearly public budget on teacher training; the share is a rule-file parameter).

    share   = spend / budget
    verdict = share >= minimum

A missing budget gives neither share nor verdict (never a guess). An area's figure adds up the
schools that have a budget; its verdict is given only when every school has one.

>>> s = spend_status(Decimal(1000000), Decimal(60000), Decimal("0.05"))
>>> (s.share, s.meets)
(Decimal('0.06'), True)
>>> spend_status(None, Decimal(60000), Decimal("0.05")).meets is None
True
>>> a = area_status([s, spend_status(Decimal(1000000), Decimal(30000), Decimal("0.05"))],
...                 Decimal("0.05"))
>>> (a.share, a.meets, a.missing)
(Decimal('0.045'), False, 0)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class SpendStatus:
    budget: Decimal | None
    spend: Decimal
    minimum: Decimal
    share: Decimal | None
    meets: bool | None
    missing: int = 0  # schools (of an area) without a budget

    @property
    def required(self) -> Decimal | None:
        """The spend the minimum asks for (None without a budget)."""
        return (
            None if self.budget is None else (self.budget * self.minimum).quantize(Decimal("0.01"))
        )


def spend_status(budget: Decimal | None, spend: Decimal, minimum: Decimal) -> SpendStatus:
    """One school's year."""
    if budget is None or budget <= 0:
        return SpendStatus(None, spend, minimum, None, None, missing=1)
    share = spend / budget
    return SpendStatus(budget, spend, minimum, share, share >= minimum)


def area_status(schools: Iterable[SpendStatus], minimum: Decimal) -> SpendStatus:
    """An area's year from its schools' statuses."""
    schools = list(schools)
    known = [s for s in schools if s.budget is not None]
    missing = len(schools) - len(known)
    spend = sum((s.spend for s in known), Decimal(0))
    budget = sum((s.budget for s in known), Decimal(0))
    if not known:
        return SpendStatus(None, spend, minimum, None, None, missing=missing)
    share = spend / budget
    return SpendStatus(
        budget, spend, minimum, share, None if missing else share >= minimum, missing
    )
