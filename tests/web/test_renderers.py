"""The form renderer writes the common widgets in Python: its markup must be Django's own,
character for character, for every widget, value and attribute the forms use."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import override_settings
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from qiangshi.web.renderers import FastRenderer


class _Label:
    """A label that is not a string (a model instance, say)."""

    def __str__(self):
        return "Li & <Wang>"


ATTRS = [
    {},
    {"class": "form-control", "required": True, "disabled": False},
    {"data-x": "a\"b<c>&'d", "min": 0, "step": Decimal("0.5"), "aria-label": gettext_lazy("name")},
    {"id": "id_x", "placeholder": mark_safe("<b>safe</b>"), "maxlength": 20},
]
CHOICES = [
    ("", "全部"),
    ('区 <A> & "B"', [(1, "第一小学"), (2, "O'Brien & <b>")]),
    ("x<y", "escaped value"),
    (3, gettext_lazy("Teacher")),
    (4, 17),
    (5, datetime.date(2024, 9, 1)),
    (6, mark_safe("<i>trusted</i>")),
    (None, "none"),
    (7, _Label()),
]


def _widgets():
    for attrs in ATTRS:
        yield forms.TextInput(attrs=attrs), ["", None, "王 <x>", 'a"b', mark_safe("<ok>")]
        yield forms.NumberInput(attrs=attrs), [None, 0, 12, Decimal("1.50"), 2.5]
        yield forms.DateInput(attrs=attrs), [None, datetime.date(2024, 2, 29), "2024-13-01"]
        yield forms.EmailInput(attrs=attrs), [None, "a@b.cn"]
        yield forms.HiddenInput(attrs=attrs), [None, "x&y", 5]
        yield forms.PasswordInput(attrs=attrs), [None, "secret"]
        yield forms.PasswordInput(attrs=attrs, render_value=True), ["secret"]
        yield forms.DateTimeInput(attrs=attrs), [None, datetime.datetime(2024, 5, 1, 8, 30)]
        yield forms.TimeInput(attrs=attrs), [datetime.time(8, 5)]
        yield forms.URLInput(attrs=attrs), ["https://x.cn/?a=1&b=2"]
        yield forms.CheckboxInput(attrs=attrs), [None, True, False, "on", ""]
        yield forms.Textarea(attrs=attrs), [None, "", "line\n<two>", mark_safe("<p>")]
        yield forms.Select(attrs=attrs, choices=CHOICES), ["", "2", 2, "x<y", None, 5, "3"]
        yield forms.SelectMultiple(attrs=attrs, choices=CHOICES), [[], ["1", "2"], None]
        yield forms.NullBooleanSelect(attrs=attrs), [None, True, False, "unknown"]
        yield forms.Select(attrs=attrs, choices=[]), [None]


CASES = [(w, v) for w, values in _widgets() for v in values]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("widget,value", CASES)
def test_fast_markup_is_djangos_exactly(widget, value, language):
    with translation.override(language):
        plain = widget.render("field", value, renderer=DjangoTemplates())
        fast = widget.render("field", value, renderer=FastRenderer())
    assert str(fast) == str(plain)


def test_widgets_it_does_not_write_are_djangos():
    widgets = [
        forms.RadioSelect(choices=CHOICES[:3]),
        forms.CheckboxSelectMultiple(choices=CHOICES[:3]),
        forms.SelectDateWidget(years=[2024]),
        forms.ClearableFileInput(),
        forms.SplitDateTimeWidget(),
    ]
    for widget in widgets:
        plain = widget.render("f", None, renderer=DjangoTemplates())
        assert str(widget.render("f", None, renderer=FastRenderer())) == str(plain)


def test_a_select_with_an_option_template_of_its_own_is_left_to_django():
    class Special(forms.Select):
        option_template_name = "django/forms/widgets/radio_option.html"

    widget = Special(choices=CHOICES[:3])
    plain = widget.render("f", "x<y", renderer=DjangoTemplates())
    assert str(widget.render("f", "x<y", renderer=FastRenderer())) == str(plain)


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_localised_labels_match():
    widget = forms.Select(choices=[(1, 12345), (2, 1234.5), (3, datetime.date(2024, 1, 2))])
    for language in ["zh-hans", "en"]:
        with translation.override(language):
            plain = widget.render("f", 1, renderer=DjangoTemplates())
            assert str(widget.render("f", 1, renderer=FastRenderer())) == str(plain)


def test_the_project_renders_forms_with_it():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FastRenderer)
    field = forms.CharField(widget=forms.Select(choices=CHOICES[:2]))
    form = type("F", (forms.Form,), {"x": field})(initial={"x": ""})
    assert '<option value="" selected>全部</option>' in str(form["x"])
