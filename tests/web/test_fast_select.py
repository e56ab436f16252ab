"""The school selects of a province: written without per-option templates (same markup as
Django's Select), and the list's school filter offers a district's schools once there are too
many to list."""

import re

import pytest
from django import forms

from qiangshi.web.forms import FastSelect, TeacherFilterForm

pytestmark = pytest.mark.django_db


def _tight(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


@pytest.mark.parametrize("value", ["", "2", "x<y"])
def test_the_markup_is_djangos(value):
    choices = [
        ("", "全部"),
        ('区 <A> & "B"', [(1, "第一小学"), (2, "O'Brien & <b>")]),
        ("x<y", "escaped value"),
    ]
    attrs = {"class": "form-select", "data-x": "1", "required": True}
    plain = forms.Select(attrs=attrs, choices=choices).render("school", value)
    fast = FastSelect(attrs=attrs, choices=choices).render("school", value)
    assert _tight(fast) == _tight(plain)
    assert "<b>" not in str(fast)


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
