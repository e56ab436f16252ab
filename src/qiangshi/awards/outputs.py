"""Award rounds and a round's nominations as workbook sheets, headed in the active language:
the pages' xlsx exports and `qiangshi awards export` write the same columns."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .selectors import nomination_states
from .workflow import STATES


def rounds_sheet(rounds) -> tuple:
    """(sheet title, header, rows) of rounds."""
    header = [_("Award"), _("Level"), _("Year"), pgettext("award round", "Title"),
              _("Nominations open on"),
              _("Nominations close on"), _("Nominations per school"),
              _("Nominations per district"), _("Rule version")]  # fmt: skip
    rows = (
        [r.get_kind_display(), r.get_level_display(), r.year, r.title, r.nominations_open_on,
         r.nominations_close_on, r.school_quota, r.district_quota, r.rule_version]
        for r in rounds
    )  # fmt: skip
    return (_("Award rounds"), header, rows)


def nominations_sheet(nominations) -> tuple:
    """(sheet title, header, rows) of nominations with their stage and the decision."""
    noms = list(nominations)
    items = nomination_states(noms)
    header = [_("Teacher"), _("School"), _("District"), _("Nominated on"),
              _("Stage of the nomination"), _("Decided on"), _("Outcome")]  # fmt: skip
    rows = (
        [n.teacher.name, n.school.name, n.school.district.display_name, n.nominated_on,
         str(STATES.get(items[n.pk].state, "")) if n.pk in items else "", n.decided_on,
         n.get_outcome_display() if n.outcome else ""]
        for n in noms
    )  # fmt: skip
    return (_("Nominations"), header, rows)
