"""The form renderer: Django's, with its most used widgets written out in Python.

Django renders every widget through a template, and a select through one template include per
option (about 0.2 ms each): a teacher's page, with its selects of subjects, ethnic groups,
titles and schools, spent half its time there. `FastRenderer` writes the input widgets (text,
number, date, checkbox and the other `<input>` types), the textarea and the select with its
options in Python, with markup identical to Django's templates (tests/web/test_renderers.py
compares the two character by character), and hands every other template to Django.
"""

import html

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.safestring import SafeData, SafeString
from django.utils.timezone import template_localtime

WIDGETS = "django/forms/widgets/"
# Templates that are exactly {% include "django/forms/widgets/input.html" %} in Django.
INPUTS = frozenset(
    WIDGETS + name + ".html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "checkbox",
    )
)
SELECT = WIDGETS + "select.html"
OPTION = WIDGETS + "select_option.html"
TEXTAREA = WIDGETS + "textarea.html"


def _escape(value) -> str:
    """`value` as {{ value }} writes it in an autoescaped template."""
    if isinstance(value, str):
        return value if isinstance(value, SafeData) else html.escape(value)
    value = localize(template_localtime(value))
    if isinstance(value, SafeData):
        return str(value)
    return html.escape(str(value))


def _formatted(value) -> str:
    """`value` as {{ value|stringformat:'s' }} writes it."""
    if isinstance(value, tuple):
        value = str(value)
    try:
        text = "%s" % value  # noqa: UP031 (the filter's own formatting)
    except (ValueError, TypeError):
        return ""
    return text if isinstance(value, SafeData) else html.escape(text)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(" " + _escape(name))
        else:
            parts.append(f' {_escape(name)}="{_formatted(value)}"')
    return "".join(parts)


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = f' value="{_formatted(value)}"' if value is not None else ""
    return (
        f'<input type="{_escape(widget["type"])}" name="{_escape(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: dict) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{_escape(value) if value else ''}</textarea>"
    )


def _select(widget: dict) -> str | None:
    parts = [f'<select name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f'\n  <optgroup label="{_escape(group)}">')
        for option in options:
            if option["template_name"] != OPTION:
                return None  # an option of its own: Django renders the whole select
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_escape(option['label'])}</option>\n"
            )
        if group:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FastRenderer(DjangoTemplates):
    """Django's default form renderer, with the common widgets written in Python."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None:
            if template_name in INPUTS:
                return SafeString(_input(widget))
            if template_name == SELECT and (out := _select(widget)) is not None:
                return SafeString(out.strip())
            if template_name == TEXTAREA:
                return SafeString(_textarea(widget))
        return super().render(template_name, context, request)
