"""The list's school filter offers a district's schools once there are too many to list (the
selects' markup is tests/web/test_renderers.py's)."""

import pytest

from qiangshi.web.forms import TeacherFilterForm

pytestmark = pytest.mark.django_db


def test_the_school_filter_lists_a_districts_schools_above_the_limit(world, tree, monkeypatch):
    monkeypatch.setattr(TeacherFilterForm, "SCHOOLS_LISTED", 2)
    admin = world["users"]["admin"]
    siming_schools = {world["teachers"][k].current_school.pk for k in "ab"}

    def offered(data):
        form = TeacherFilterForm(data, actor=admin)
        values = set()
        for value, label in form.fields["school"].choices:
            if isinstance(label, list | tuple):
                values |= {v for v, _ in label}
            elif value != "":
                values.add(value)
        return form, values

    form, values = offered({})
    assert values == set()  # four schools in scope: choose a district first
    assert form.fields["school"].help_text
    form, values = offered({"district": str(tree["siming"].pk)})
    assert values == siming_schools
    chosen = world["teachers"]["c"].current_school.pk
    form, values = offered({"school": str(chosen)})
    assert values == {chosen}
    assert form.filters()["school"] == chosen  # a link with a school still filters
    monkeypatch.setattr(TeacherFilterForm, "SCHOOLS_LISTED", 300)
    assert len(offered({})[1]) == 4
