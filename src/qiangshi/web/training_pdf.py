"""A teacher's training transcript as PDF (issue 16): the teacher, their school, the cycle with
the hours per category against the rule file's minimums and caps, the induction, and every
training record.

Laid out with ReportLab like the rotation plan's PDF, in the same embedded CJK font, so Chinese
reads the same everywhere. Texts are in the active language.
"""

from __future__ import annotations

from datetime import date
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from qiangshi.training.models import TrainingCategory
from qiangshi.web.rotation_pdf import BLUE, build_a4, register_cjk_font, table_styles


def _hours(value) -> str:
    return "—" if value is None else f"{value:g}"


def transcript_pdf(*, teacher, cycle, records, on: date) -> bytes:
    """The transcript as PDF bytes. ApplicationError when no CJK font is installed."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, Spacer

    from qiangshi.training.selectors import cycle_bounds

    font = register_cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, textColor=BLUE)
    heading = ParagraphStyle("h", parent=body, fontSize=12, leading=18, textColor=BLUE)

    def p(text, style=body):
        return Paragraph(escape(str(text)), style)

    grid, header = table_styles()
    status = cycle.status
    rules = cycle_bounds(on, status.start)[2]
    school = teacher.current_school
    state = (
        _("Complete") if status.complete else (_("At risk") if status.at_risk else _("On track"))
    )
    facts = [
        (_("Teacher"), teacher.name),
        (_("School"), school.name if school else "—"),
        (
            _("Cycle"),
            _("%(start)s to %(end)s") % {"start": status.start, "end": status.end},
        ),
        (
            _("Hours in the cycle"),
            _("%(hours)s of %(required)s hours")
            % {"hours": _hours(status.hours), "required": _hours(rules.required_hours)},
        ),
        (_("Status"), state),
        (_("Hours still needed"), _hours(status.shortfall)),
        (_("Training rules"), status.rule_version),
        (_("Printed on"), on.isoformat()),
    ]
    story = [p(_("Training transcript"), title), p(teacher.name, heading), Spacer(1, 3 * mm)]
    story.append(
        LongTable([[p(k), p(v)] for k, v in facts], colWidths=[40 * mm, 130 * mm], style=grid)
    )
    labels = dict(TrainingCategory.choices)
    story += [Spacer(1, 4 * mm), p(_("Hours by category"), heading)]
    rows = [[p(_("Category")), p(_("Hours counted")), p(_("Minimum")), p(_("Cap"))]]
    for code, hours in status.by_category.items():
        rule = rules.categories.get(code)
        rows.append(
            [
                p(labels.get(code, code)),
                p(_hours(hours)),
                p(_hours(rule.minimum) if rule and rule.minimum else "—"),
                p(_hours(rule.cap) if rule and rule.cap is not None else "—"),
            ]
        )
    table = LongTable(rows, colWidths=[70 * mm, 34 * mm, 33 * mm, 33 * mm], repeatRows=1)
    table.setStyle(grid)
    table.setStyle(header)
    story += [table, Spacer(1, 4 * mm), p(_("New-teacher induction"), heading)]
    induction = cycle.induction
    if induction is None:
        story.append(p(_("Not a new teacher in this cycle.")))
    else:
        story.append(
            p(
                _("%(hours)s of %(required)s induction hours, due before %(until)s.")
                % {
                    "hours": _hours(induction.hours),
                    "required": _hours(induction.required),
                    "until": induction.end.isoformat(),
                }
                + " "
                + (_("Complete") if induction.complete else _("Not complete"))
            )
        )
    story += [Spacer(1, 4 * mm), p(_("Training record"), heading)]
    rows = [[p(_("Date"), small), p(_("Training"), small), p(_("Category"), small),
             p(_("Hours"), small), p(_("Source"), small)]]  # fmt: skip
    for r in records:
        rows.append(
            [
                p(r.date.isoformat(), small),
                p(f"{r.title}（{r.provider}）" if r.provider else r.title, small),
                p(r.get_category_display(), small),
                p(_hours(r.hours), small),
                p(r.get_source_display(), small),
            ]
        )
    if not records:
        rows.append([p(_("No training hours recorded."), small), "", "", "", ""])
    table = LongTable(rows, colWidths=[22 * mm, 74 * mm, 26 * mm, 14 * mm, 34 * mm], repeatRows=1)
    table.setStyle(grid)
    table.setStyle(header)
    story.append(table)
    footer = f"{teacher.name} · {school.name if school else ''} · {on.isoformat()}"

    return build_a4(story, font=font, footer=footer, title=_("Training transcript"))


def teacher_transcript_pdf(*, actor, teacher, on: date) -> bytes:
    """The transcript of `teacher` (whom `training.selectors.transcript_teacher` gave the
    actor) on `on`, as the page and the API download it: the cycle holding `on` and the
    records the actor sees (the latest 2,000)."""
    from qiangshi.training import selectors

    return transcript_pdf(
        teacher=teacher,
        cycle=selectors.teacher_cycle(teacher=teacher, on=on),
        records=list(selectors.record_list(actor=actor, teacher_pk=teacher.pk)[:2000]),
        on=on,
    )
