"""The periodic report of a pilot region for a year (issue 18): a PDF (cover page, the
indicator table with where each figure comes from, charts, and the module details per district
where the region runs Qiangshi) and an xlsx with the same tables.

Laid out with ReportLab (Platypus), charts drawn with matplotlib (PNG, embedded). Chinese text
needs an installed CJK font (Debian's fonts-wqy-microhei, the one the balance and rotation
reports use), embedded as a subset. Texts are in the active language. Figures come from
`selectors.region_year`, the same function behind the comparison page: a figure is the same
number in both. Missing figures are printed as missing, never as zero.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _

from qiangshi.core.errors import ApplicationError
from qiangshi.core.xlsx import write_xlsx

from . import selectors
from .selectors import COMPUTED, IMPORTED, Figure, RegionYear

BLUE, GREY, RED = "#3b7dd8", "#667085", "#c8102e"
Progress = Callable[[int, int], None]
# Report steps after the figures: charts, tables, writing the file.
LAYOUT_STEPS = 2


def total_steps() -> int:
    return selectors.COMPUTE_STEPS + LAYOUT_STEPS


def _no_progress(done: int, total: int) -> None:
    pass


def gather(pilot_region, year: int, progress: Progress | None = None) -> RegionYear:
    """The region's figures and details for the year, reporting progress per module."""
    progress = progress or _no_progress
    total = total_steps()
    done = [0]

    def step(_name: str) -> None:
        done[0] += 1
        progress(done[0], total)

    data = selectors.region_year(pilot_region, year, step)
    done[0] = selectors.COMPUTE_STEPS
    progress(done[0], total)
    return data


def shown(value: Decimal | None, digits: int = 2) -> str:
    return _("missing") if value is None else f"{value:,.{digits}f}"


def origin_text(figure: Figure) -> str:
    """Where a figure comes from, in words."""
    if figure.origin == COMPUTED:
        return _("Computed from the region's own data")
    if figure.origin == IMPORTED:
        when = timezone.localtime(figure.at).strftime("%Y-%m-%d") if figure.at else ""
        parts = [_("Imported"), figure.source, when, figure.by]
        return " · ".join(p for p in parts if p)
    return _("Not available")


def indicator_rows(data: RegionYear) -> list[list]:
    """[indicator, value, unit, origin] per indicator, in the file's order."""
    rows = []
    for ind in selectors.indicators():
        figure = data.figures[ind.key]
        rows.append([ind.label, shown(figure.value, ind.digits), ind.unit, origin_text(figure)])
    return rows


def _stage(stage: str) -> str:
    return {"primary": _("Primary"), "junior": _("Junior")}.get(stage, stage)


def _verdict(passed) -> str:
    if passed is None:
        return _("Not judged")
    return _("Passes") if passed else _("Does not pass")


def balance_rows(data: RegionYear) -> list[list]:
    out = []
    for row in data.details.get("balance", []):
        cvs = [v for v in row["cvs"].values() if v is not None]
        out.append(
            [
                row["district"].display_name,
                _stage(row["stage"]),
                _verdict(row["passed"]),
                f"{max(cvs):.3f}" if cvs else _("missing"),
                row["rule_set"] or "",
            ]
        )
    return out


def parity_rows(data: RegionYear) -> list[list]:
    out = []
    for r in data.details.get("parity", []):
        res = r.result
        out.append(
            [
                r.district.display_name,
                shown(res.teacher_wage, 0),
                shown(res.civil_servant_wage, 0),
                shown(res.gap, 0),
                _verdict(res.passed),
            ]
        )
    return out


def module_facts(data: RegionYear) -> list[tuple[str, str]]:
    """The counts behind the computed indicators."""
    d = data.details
    facts: list[tuple[str, str]] = []
    if d.get("staffing"):
        facts.append(
            (_("Full-time teachers (public schools)"), str(d["staffing"]["full_time_teachers"]))
        )
        facts.append((_("Pupils (public schools)"), str(d["staffing"]["pupils"] or _("missing"))))
    if d.get("structure"):
        facts.append((_("Current teachers"), str(d["structure"]["teachers"])))
    if d.get("training"):
        t = d["training"]
        facts.append(
            (
                _("Training cycle"),
                _(
                    "%(start)s to %(end)s: %(complete)s of %(teachers)s teachers complete, %(risk)s at risk"
                )
                % {
                    "start": t["start"],
                    "end": t["end"],
                    "complete": t["complete"],
                    "teachers": t["teachers"],
                    "risk": t["at_risk"],
                },
            )
        )
    if "rotation" in d:
        o = d["rotation"]
        facts.append(
            (
                _("Rotation"),
                _("no approved plan")
                if o is None
                else _(
                    "%(moves)s moving of %(eligible)s eligible (%(backbone)s backbone), %(plans)s plans"
                )
                % {
                    "moves": o.moves,
                    "eligible": o.eligible,
                    "backbone": o.backbone_moves,
                    "plans": o.plans,
                },
            )
        )
    if "burden" in d:
        b = d["burden"]
        facts.append(
            (
                _("Non-teaching demands"),
                _("none recorded")
                if b is None
                else _("%(count)s demands, %(hours)s teacher-hours, %(schools)s schools")
                % {"count": b.index.count, "hours": b.index.teacher_hours, "schools": b.schools},
            )
        )
    if d.get("ethics"):
        facts.append(
            (
                _("Ethics cases"),
                _("%(reported)s reported, %(violations)s decided as violations") % d["ethics"],
            )
        )
    return facts


# --- charts -----------------------------------------------------------------------------------


def _chart(draw, font_path, width=6.6, height=3.2) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.font_manager import FontProperties

    font = FontProperties(fname=str(font_path))
    fig, ax = plt.subplots(figsize=(width, height), dpi=150)
    try:
        draw(ax, font)
        for label in ax.get_xticklabels() + ax.get_yticklabels():
            label.set_fontproperties(font)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(fig)


def share_chart(data: RegionYear, font_path) -> bytes:
    """The percentage indicators as horizontal bars (missing ones named, without a bar)."""
    items = [
        (ind.label, data.figures[ind.key].value)
        for ind in selectors.indicators()
        if ind.unit == "%"
    ]

    def draw(ax, font):
        labels = [label for label, _v in items][::-1]
        values = [float(v) if v is not None else 0 for _l, v in items][::-1]
        colours = [BLUE if v is not None else "#ffffff" for _l, v in items][::-1]
        ax.barh(range(len(items)), values, color=colours)
        for i, (_l, v) in enumerate(items[::-1]):
            ax.text(
                (float(v) if v is not None else 0) + 1,
                i,
                f"{v:.1f}" if v is not None else _("missing"),
                va="center",
                fontproperties=font,
                fontsize=7,
                color=GREY if v is None else "#1d2939",
            )
        ax.set_yticks(range(len(items)))
        ax.set_yticklabels(labels, fontsize=7)
        ax.set_xlim(0, 110)
        ax.set_title(_("Shares (%)"), fontproperties=font, fontsize=9)

    return _chart(draw, font_path, height=0.3 * len(items) + 1)


def parity_chart(data: RegionYear, font_path) -> bytes | None:
    """Teachers' minus civil servants' wage per district (the districts with figures)."""
    rows = [r for r in data.details.get("parity", []) if r.result.gap is not None]
    if not rows:
        return None

    def draw(ax, font):
        gaps = [float(r.result.gap) for r in rows]
        ax.bar(range(len(rows)), gaps, color=[BLUE if g >= 0 else RED for g in gaps])
        ax.axhline(0, color=GREY, linewidth=0.8)
        ax.set_xticks(range(len(rows)))
        ax.set_xticklabels([r.district.display_name for r in rows], fontsize=7, rotation=30)
        ax.set_title(_("Salary parity gap per district (yuan)"), fontproperties=font, fontsize=9)

    return _chart(draw, font_path)


def balance_chart(data: RegionYear, font_path) -> bytes | None:
    """The largest CV per district and stage, with the stage's limit of the rule set."""
    rows = [r for r in data.details.get("balance", []) if r["cvs"]]
    rows = [r for r in rows if any(v is not None for v in r["cvs"].values())]
    if not rows:
        return None

    def draw(ax, font):
        values = [max(v for v in r["cvs"].values() if v is not None) for r in rows]
        ax.bar(range(len(rows)), values, color=BLUE)
        ax.set_xticks(range(len(rows)))
        ax.set_xticklabels(
            [f"{r['district'].display_name} {_stage(r['stage'])}" for r in rows],
            fontsize=6,
            rotation=35,
            ha="right",
        )
        ax.set_title(
            _("Largest coefficient of variation per district and stage"),
            fontproperties=font,
            fontsize=9,
        )

    return _chart(draw, font_path)


# --- the files --------------------------------------------------------------------------------


def title_of(data: RegionYear) -> str:
    return _("%(region)s pilot report, %(year)s") % {
        "region": data.pilot_region.display_name,
        "year": data.year,
    }


def report_pdf(
    data: RegionYear, *, requested_by: str = "", progress: Progress | None = None
) -> bytes:
    """The report as PDF bytes. ApplicationError when no CJK font is installed."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        LongTable,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )

    from qiangshi.web.balance_pdf import cjk_font
    from qiangshi.web.rotation_pdf import _register  # the CJK font, registered once

    progress = progress or _no_progress
    font_path = cjk_font()
    if font_path is None:
        raise ApplicationError(
            _("No CJK font is installed for the PDF report: install fonts-wqy-microhei.")
        )
    font = _register(str(font_path))
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=10)
    cover = ParagraphStyle("cover", parent=body, fontSize=24, leading=34, textColor=BLUE)
    heading = ParagraphStyle("h", parent=body, fontSize=12, leading=18, textColor=BLUE)

    def p(text, style=body):
        return Paragraph(escape(str(text)), style)

    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#d0d5dd")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde7f3")),
        ]
    )

    def table(header, rows, widths):
        t = LongTable(
            [[p(h, small) for h in header]] + [[p(c, small) for c in r] for r in rows],
            colWidths=[w * mm for w in widths],
            repeatRows=1,
        )
        t.setStyle(grid)
        return t

    rules = selectors.indicator_rules()
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    region = data.pilot_region
    story = [
        Spacer(1, 60 * mm),
        p(_("Pilot region periodic report"), cover),
        Spacer(1, 8 * mm),
        p(region.display_name, heading),
        p(_("Year %(year)s") % {"year": data.year}, heading),
        Spacer(1, 30 * mm),
        p(
            _("Figures computed from the region's own data in Qiangshi")
            if region.runs_here
            else _("Figures imported from the region's returns (the region does not run Qiangshi)")
        ),
        p(_("Indicator file: %(version)s") % {"version": rules["version"]}),
        p(_("Generated %(when)s") % {"when": generated}),
    ]
    if requested_by:
        story.append(p(_("Requested by %(user)s") % {"user": requested_by}))
    story += [PageBreak(), p(_("Indicators"), heading), Spacer(1, 2 * mm)]
    story.append(
        table(
            [_("Indicator"), _("Value"), _("Unit"), _("Source")],
            indicator_rows(data),
            [62, 24, 12, 72],
        )
    )
    story += [
        Spacer(1, 2 * mm),
        p(_("Missing figures were neither computed nor sent: they are not zero."), small),
        Spacer(1, 4 * mm),
    ]
    charts = [
        share_chart(data, font_path),
        parity_chart(data, font_path),
        balance_chart(data, font_path),
    ]
    progress(selectors.COMPUTE_STEPS + 1, total_steps())
    story += [p(_("Charts"), heading)]
    for png in charts:
        if png is None:
            continue
        img = Image(io.BytesIO(png))
        scale = 170 * mm / img.imageWidth
        img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
        story += [img, Spacer(1, 3 * mm)]
    facts = module_facts(data)
    if facts:
        story += [p(_("Behind the figures"), heading)]
        story.append(table([_("Module"), _("Figures")], facts, [50, 120]))
    balance = balance_rows(data)
    if balance:
        story += [
            Spacer(1, 4 * mm),
            p(_("Quality-balanced compulsory education per district"), heading),
        ]
        story.append(
            table(
                [_("District"), _("Stage"), _("Verdict"), _("Largest CV"), _("Rule set")],
                balance,
                [40, 20, 30, 25, 55],
            )
        )
    parity = parity_rows(data)
    if parity:
        story += [Spacer(1, 4 * mm), p(_("Salary parity per district"), heading)]
        story.append(
            table(
                [
                    _("District"),
                    _("Teachers (yuan)"),
                    _("Civil servants (yuan)"),
                    _("Gap (yuan)"),
                    _("Verdict"),
                ],
                parity,
                [40, 32, 32, 32, 34],
            )
        )
    footer = f"{region.display_name} · {data.year} · Qiangshi"

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
        title=title_of(data),
        creator="Qiangshi",
    )
    doc.build(story, onFirstPage=lambda c, d: None, onLaterPages=decorate)
    progress(total_steps(), total_steps())
    return buffer.getvalue()


def report_xlsx(
    data: RegionYear, *, requested_by: str = "", progress: Progress | None = None
) -> bytes:
    """The report's tables as an xlsx workbook: the indicators (with their sources), and the
    per-district details where the region runs Qiangshi."""
    progress = progress or _no_progress
    rows = []
    for ind in selectors.indicators():
        f = data.figures[ind.key]
        rows.append(
            [
                ind.key,
                ind.label,
                None if f.value is None else float(f.value),
                ind.unit,
                origin_text(f),
                f.source,
                timezone.localtime(f.at).strftime("%Y-%m-%d") if f.at else "",
                f.by,
            ]
        )
    sheets = [
        (
            _("Indicators"),
            [
                _("Key"),
                _("Indicator"),
                _("Value"),
                _("Unit"),
                _("Origin"),
                _("Source"),
                _("Date"),
                _("By"),
            ],
            rows,
        ),
        (
            _("Report"),
            [_("Item"), _("Value")],
            [
                [_("Pilot region"), data.pilot_region.display_name],
                [_("Code"), data.pilot_region.code],
                [_("Year"), data.year],
                [_("Indicator file"), selectors.indicator_rules()["version"]],
                [_("Generated"), timezone.localtime().strftime("%Y-%m-%d %H:%M")],
                [_("Requested by"), requested_by],
            ],
        ),
    ]
    progress(selectors.COMPUTE_STEPS + 1, total_steps())
    if data.details.get("balance"):
        sheets.append(
            (
                _("Balance"),
                [_("District"), _("Stage"), _("Verdict"), _("Largest CV"), _("Rule set")],
                balance_rows(data),
            )
        )
    if data.details.get("parity"):
        sheets.append(
            (
                _("Salary parity"),
                [
                    _("District"),
                    _("Teachers (yuan)"),
                    _("Civil servants (yuan)"),
                    _("Gap (yuan)"),
                    _("Verdict"),
                ],
                parity_rows(data),
            )
        )
    facts = module_facts(data)
    if facts:
        sheets.append((_("Behind the figures"), [_("Module"), _("Figures")], facts))
    content = write_xlsx(sheets)
    progress(total_steps(), total_steps())
    return content


def build(
    pilot_region, year: int, fmt: str, *, requested_by: str = "", progress: Progress | None = None
) -> bytes:
    """The report file (`fmt` "pdf" or "xlsx") of a pilot region for a year."""
    data = gather(pilot_region, year, progress)
    writer = report_pdf if fmt == "pdf" else report_xlsx
    return writer(data, requested_by=requested_by, progress=progress)


def file_name(pilot_region, year: int, fmt: str) -> str:
    return f"pilot-report-{pilot_region.code}-{year}.{fmt}"
