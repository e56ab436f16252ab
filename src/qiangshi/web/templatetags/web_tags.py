"""Small template helpers for the web UI: choice labels, sort and page links."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from qiangshi.org.models import Stage
from qiangshi.teachers.models import (
    EducationLevel,
    EmploymentType,
    Gender,
    Subject,
    TitleRank,
)

register = template.Library()

_CHOICES = {
    "stage": Stage,
    "title": TitleRank,
    "education": EducationLevel,
    "employment_type": EmploymentType,
    "gender": Gender,
    "subject": Subject,
}


@register.filter
def choice_label(value, kind: str) -> str:
    """The translated label of a stored choice code (annotated list values are raw codes)."""
    if value in (None, ""):
        return ""
    try:
        return str(_CHOICES[kind](value).label)  # the member's lazy label, in today's language
    except ValueError:
        return str(value)


def _params(request, **changes):
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return params


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (and `page` dropped unless given)."""
    params = _params(context["request"], **changes)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_link(context, key: str, label, target: str = "") -> str:
    """A column header that sorts by `key`, toggling direction; keeps the filters."""
    request = context["request"]
    current = request.GET.get("sort") or ""
    base = key.lstrip("-")
    if current in (base, f"-{base}"):
        descending = current.startswith("-")
        new = base if descending else f"-{base}"
        icon = "bi-sort-down" if descending else "bi-sort-up"
    else:
        new, icon = key, ""
    query = "?" + _params(request, sort=new).urlencode()
    title = _("Sort")
    if target:
        return format_html(
            '<a href="{0}" hx-get="{0}" hx-target="#{1}" hx-push-url="true" title="{2}">{3}{4}</a>',
            query,
            target,
            title,
            label,
            format_html(' <i class="bi {}"></i>', icon) if icon else "",
        )
    return format_html(
        '<a href="{}" title="{}">{}{}</a>',
        query,
        title,
        label,
        format_html(' <i class="bi {}"></i>', icon) if icon else "",
    )


@register.filter
def get_item(mapping, key):
    """mapping[key] in templates (None when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def page_range(paginator, number):
    """Page numbers around the current one, with ellipses (Paginator.ELLIPSIS)."""
    return paginator.get_elided_page_range(number, on_each_side=2, on_ends=1)
