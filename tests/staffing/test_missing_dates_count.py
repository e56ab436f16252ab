"""A date nobody gave is not a reason to drop a person from a count: a teacher with no start
date at the school is on its roll, a title with no date is held, a degree whose graduation date
is unknown counts (staffing, balance and rotation alike)."""

from datetime import date

from qiangshi.balance.rules import rule_set_on
from qiangshi.balance.selectors import _teacher_counts
from qiangshi.staffing.selectors import _staff_counts, _titles_by_school
from qiangshi.teachers.models import EducationRecord, Employment, TitleRecord

ON = date(2026, 9, 1)


def test_missing_dates_still_count(world):
    school = world["schools"]["a"]
    teacher = world["teachers"]["a"]
    Employment.objects.filter(teacher=teacher).update(
        start_date=None, employment_type="established"
    )
    TitleRecord.objects.filter(teacher=teacher).delete()
    TitleRecord.objects.create(teacher=teacher, rank="senior", obtained_on=None)
    EducationRecord.objects.filter(teacher=teacher).delete()
    EducationRecord.objects.create(
        teacher=teacher, level="master", end_date=None, end_date_missing=True
    )
    staff = _staff_counts([school.pk], ON)[school.pk]
    assert sum(staff.values()) >= 1 and staff["established_teachers"] == 1
    bands = _titles_by_school([school.pk], ON)[school.pk]
    assert None not in bands or bands[None] == 0
    counts = _teacher_counts([school.pk], 2026, ON, rule_set_on(ON))
    row = next(iter(counts.values()))
    assert row["higher_primary"] == 1 and row["higher_junior"] == 1
