"""An award round's public notice and decision as PDF (issue 17): the nominations under
public notice with the objection period, how to object, and the nominations awarded; the same
content as the printable notice page (`awards.selectors.round_notice`).

Laid out with ReportLab like the rotation plan's PDF and the training transcript, in the same
embedded CJK font. Texts are in the active language.
"""

from __future__ import annotations

from datetime import date
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from qiangshi.awards.selectors import RoundNotice
from qiangshi.web.rotation_pdf import BLUE, build_a4, register_cjk_font, table_styles


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def notice_pdf(notice: RoundNotice, *, on: date) -> bytes:
    """The notice as PDF bytes. ApplicationError when no CJK font is installed."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, Spacer

    font = register_cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, textColor=BLUE)
    heading = ParagraphStyle("h", parent=body, fontSize=12, leading=18, textColor=BLUE)

    def p(text, style=body):
        return Paragraph(escape(str(text)), style)

    grid, header = table_styles()
    round_ = notice.round
    story = [p(_("Public notice"), title), p(round_.title, heading), Spacer(1, 3 * mm)]
    facts = [
        (_("Award"), round_.get_kind_display()),
        (_("Level"), round_.get_level_display()),
        (_("Year"), round_.year),
        (_("Organised by"), round_.region.display_name),
        (_("Printed on"), on.isoformat()),
    ]
    story.append(
        LongTable([[p(k), p(v)] for k, v in facts], colWidths=[40 * mm, 130 * mm], style=grid)
    )
    story += [Spacer(1, 4 * mm), p(_("Under public notice"), heading)]
    if notice.notice:
        rows = [[p(_("Teacher")), p(_("School")), p(_("Public notice from")),
                 p(_("Objections until"))]]  # fmt: skip
        for r in notice.notice:
            until = _day(r.item.due_on)
            if r.item.due_on is not None and r.item.due_on < on:
                until += " " + _("ended")
            rows.append(
                [
                    p(r.nomination.teacher.name),
                    p(r.nomination.school.name),
                    p(_day(r.nomination.noticed_on)),
                    p(until),
                ]
            )
        table = LongTable(rows, colWidths=[40 * mm, 60 * mm, 35 * mm, 35 * mm], repeatRows=1)
        table.setStyle(grid)
        table.setStyle(header)
        story += [
            table,
            Spacer(1, 2 * mm),
            p(
                _(
                    "Objections may be made to the bureau's personnel office during the period; "
                    "each is recorded and handled before the decision."
                ),
                small,
            ),
        ]
    else:
        story.append(p(_("No nomination is under public notice.")))
    story += [Spacer(1, 4 * mm), p(_("Awarded"), heading)]
    if notice.decided:
        rows = [[p(_("Teacher")), p(_("School")), p(_("Decided on"))]]
        for n in notice.decided:
            rows.append([p(n.teacher.name), p(n.school.name), p(_day(n.decided_on))])
        table = LongTable(rows, colWidths=[50 * mm, 80 * mm, 40 * mm], repeatRows=1)
        table.setStyle(grid)
        table.setStyle(header)
        story.append(table)
    else:
        story.append(p(_("Nothing decided yet.")))
    footer = f"{round_.title} · {round_.region.display_name} · {on.isoformat()}"
    return build_a4(story, font=font, footer=footer, title=_("Public notice"))
