"""School leadership as workbook sheets, headed in the active language: the region page's
export and `qiangshi leadership` write the same columns from `selectors.school_rows`."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import VICE_POSTS, Post


def schools_sheet(rows) -> tuple:
    """(sheet title, header, rows): each school's leadership and its gaps."""
    header = [
        _("School code"),
        _("School"),
        _("District"),
        Post.SECRETARY.label,
        Post.PRINCIPAL.label,
        _("Full terms of the principal"),
        *[Post(p).label for p in VICE_POSTS],
        _("Gaps"),
    ]
    data = (
        [
            r.school.code,
            r.school.name,
            r.school.district.display_name,
            r.names(Post.SECRETARY),
            r.names(Post.PRINCIPAL),
            r.principal_terms,
            *[r.names(p) for p in VICE_POSTS],
            "; ".join(r.gap_labels),
        ]
        for r in rows
    )
    return (_("School leadership"), header, data)


def principal_of(row):
    """The principal's current term of a school row (None without a principal)."""
    holders = row.holders.get(Post.PRINCIPAL, [])
    return holders[0] if holders else None


def principals_due_sheet(rows) -> tuple:
    """(sheet title, header, rows): the principals of `rows` (schools whose principal has
    served the full terms after which they should rotate), with their current term."""
    header = [
        _("School code"),
        _("School"),
        _("District"),
        Post.PRINCIPAL.label,
        _("Full terms of the principal"),
        _("Term number"),
        _("Term starts on"),
        _("Term ends on"),
    ]
    data = []
    for r in rows:
        term = principal_of(r)
        data.append(
            [
                r.school.code,
                r.school.name,
                r.school.district.display_name,
                term.holder_name if term else "",
                r.principal_terms,
                term.term_number if term else None,
                term.starts_on if term else None,
                term.ends_on if term else None,
            ]
        )
    return (_("Principals due to rotate"), header, data)
