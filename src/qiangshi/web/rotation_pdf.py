"""The PDF of a rotation plan (issue 6): title, status and approval, solver summary, district CVs
before and after, and every move with its reason, as tables.

Laid out with ReportLab (Platypus): a plan of a thousand moves takes about a second. Chinese
text needs an installed CJK font (Debian's fonts-wqy-microhei, the same the balance report
uses); it is embedded as a subset so the file reads the same everywhere. Texts are in the active
language.
"""

from __future__ import annotations

import io
from functools import cache
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qiangshi.core.errors import ApplicationError
from qiangshi.rotation.outputs import cv_rows, subject_label
from qiangshi.web.balance_pdf import cjk_font

FONT = "QiangshiCJK"
BLUE = "#3b7dd8"
GREY = "#667085"


@cache
def _register(path: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    kwargs = {"subfontIndex": 0} if path.endswith(".ttc") else {}
    pdfmetrics.registerFont(TTFont(FONT, path, **kwargs))
    return FONT


def register_cjk_font() -> str:
    """The name of the installed CJK font, registered with ReportLab once, for every report
    laid out with it (rotation plan, training transcript, award notice). ApplicationError when
    no CJK font is installed."""
    font_path = cjk_font()
    if font_path is None:
        raise ApplicationError(
            _("No CJK font is installed for the PDF report: install fonts-wqy-microhei.")
        )
    return _register(str(font_path))


def _fmt(value, digits: int = 4) -> str:
    return "—" if value is None else f"{float(value):.{digits}f}"


def plan_pdf(plan, moves) -> bytes:
    """The plan as PDF bytes. ApplicationError when no CJK font is installed."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        LongTable,
        Paragraph,
        Spacer,
    )

    font = register_cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=10)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, textColor=BLUE)
    heading = ParagraphStyle("h", parent=body, fontSize=12, leading=18, textColor=BLUE)
    result = plan.result or {}
    footer = f"{plan.region.display_name} · {plan.year} · {plan.get_status_display()}"

    def p(text, style=body):
        return Paragraph(escape(str(text)), style)

    story = [p(_("Teacher rotation plan"), title), p(str(plan), heading), Spacer(1, 3 * mm)]
    facts = [
        (_("Region"), plan.region.display_name),
        (_("School year"), plan.year),
        (_("Effective date"), plan.effective_date.isoformat()),
        (_("Status"), plan.get_status_display()),
        (_("Method"), plan.get_method_display()),
        (_("Solver status"), result.get("status", "")),
        (_("Moves"), result.get("moves", len(moves))),
        (_("Eligible teachers"), result.get("eligible", "")),
        (_("Objective"), _fmt(result.get("objective"), 1)),
        (_("Optimality gap"), _fmt(result.get("gap"))),
    ]
    if plan.reviewed_at:
        facts.append((_("Reviewed"), timezone.localtime(plan.reviewed_at).strftime("%Y-%m-%d")))
    if plan.published_at:
        facts.append((_("Published"), timezone.localtime(plan.published_at).strftime("%Y-%m-%d")))
    if plan.review_comment:
        facts.append((_("Review comment"), plan.review_comment))
    if result.get("message"):
        facts.append((_("Message"), result["message"]))
    grid, header = table_styles()
    story.append(
        LongTable([[p(k), p(v)] for k, v in facts], colWidths=[40 * mm, 130 * mm], style=grid)
    )
    story += [
        Spacer(1, 4 * mm),
        p(_("District coefficient of variation, before and after"), heading),
    ]
    cv = [[p(_("District")), p(_("Stage")), p(_("Indicator")), p(_("CV before")),
           p(_("CV after")), p(_("CV change"))]]  # fmt: skip
    for district, stage, indicator, before, after, change in cv_rows(result):
        cv.append(
            [p(district), p(stage), p(indicator), p(_fmt(before)), p(_fmt(after)), p(_fmt(change))]
        )
    table = LongTable(
        cv, colWidths=[20 * mm, 20 * mm, 62 * mm, 22 * mm, 22 * mm, 24 * mm], repeatRows=1
    )
    table.setStyle(grid)
    table.setStyle(header)
    story += [table, Spacer(1, 4 * mm), p(_("Moves"), heading)]
    rows = [[p(_("Teacher"), small), p(pgettext("rotation move", "From"), small), p(pgettext("rotation move", "To"), small),
             p(_("Subject"), small), p(_("km"), small), p(_("Reason"), small)]]  # fmt: skip
    for m in moves:
        rows.append(
            [
                p(m.teacher.name, small),
                p(m.origin.name, small),
                p(m.destination.name, small),
                p(subject_label(m.subject), small),
                p(f"{m.distance_km:.1f}", small),
                p(m.reason_shown, small),
            ]
        )
    table = LongTable(
        rows, colWidths=[18 * mm, 30 * mm, 30 * mm, 16 * mm, 10 * mm, 66 * mm], repeatRows=1
    )
    table.setStyle(grid)
    table.setStyle(header)
    story.append(table)

    return build_a4(story, font=font, footer=footer, title=_("Teacher rotation plan"))


def table_styles():
    """(grid, header): the tables' lines and the shaded first row, as the reports use them."""
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle

    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#d0d5dd")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
    )
    header = TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde7f3"))])
    return grid, header


def build_a4(story, *, font: str, footer: str, title: str) -> bytes:
    """Lay `story` out on A4 pages with `footer` and the page number at the foot of each."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    def decorate(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.setFillColor(colors.HexColor(GREY))
        canvas.drawString(20 * mm, 10 * mm, footer)
        canvas.drawRightString(190 * mm, 10 * mm, _("Page %(n)s") % {"n": doc.page})
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title + " · " + footer,
        creator="Qiangshi",
    )
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
