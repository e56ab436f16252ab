"""The PDF report of a district's balance evaluation (issue 5): title, rule set, verdict, the
seven-indicator table, the failing schools with the changes they need, and one bar chart per
indicator with every school's value and the minimum line.

Drawn with matplotlib (its PDF backend, no browser and nothing fetched at run time). Chinese text
needs an installed CJK font: Debian's fonts-wqy-microhei (`make system-deps` installs it); the
font is embedded (TrueType subset) so the file reads the same everywhere. The texts are those of
the pages, in the active language.
"""

import io
import re
import unicodedata
from datetime import date
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from qiangshi.core.errors import ApplicationError
from qiangshi.engines.balance import DistrictResult

# The first font found is used; settings.BALANCE_PDF_FONT, if set, comes first.
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
A4 = (8.27, 11.69)  # inches
LEFT, RIGHT, TOP, BOTTOM = 0.08, 0.92, 0.95, 0.06  # page margins, figure fractions
CHARTS_PER_PAGE = 3
BLUE, RED, GREY, INK = "#3b7dd8", "#c8102e", "#667085", "#1d2939"


def cjk_font() -> Path | None:
    """The CJK font file the report uses, or None when none is installed."""
    configured = getattr(settings, "BALANCE_PDF_FONT", "")
    for candidate in (configured, *CJK_FONTS):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


_TOKEN = re.compile(
    r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uff00-\uffef]+\s*|\s+"
)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` half-width columns: Chinese breaks between characters, other
    text between words."""
    lines, line = [], ""
    for token in _TOKEN.findall(text):
        if line and _width(line + token.rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


class _Pages:
    """Text laid out top to bottom on A4 pages, a new page when one is full."""

    def __init__(self, pdf, footer: str):
        self.pdf, self.footer = pdf, footer
        self.fig = None
        self.count = 0
        self.y = TOP

    def new(self):
        from matplotlib.figure import Figure

        self.close()
        self.fig = Figure(figsize=A4)
        self.count += 1
        self.y = TOP
        return self.fig

    def close(self):
        if self.fig is not None:
            self.fig.text(LEFT, 0.03, self.footer, size=7, color=GREY)
            self.fig.text(RIGHT, 0.03, _("Page %(n)s") % {"n": self.count}, size=7, color=GREY,
                          ha="right")  # fmt: skip
            self.pdf.savefig(self.fig)
            self.fig = None

    def room(self, height: float) -> None:
        if self.fig is None or self.y - height < BOTTOM:
            self.new()

    def text(self, text: str, *, size=9.0, color=INK, indent=0.0, gap=0.0):
        """Wrapped lines (the CJK font has one weight: headings differ by size and colour)."""
        columns = int((RIGHT - LEFT - indent) * A4[0] * 72 / (size * 0.55))
        step = size * 1.55 / 72 / A4[1]
        for line in wrap(text, columns):
            self.room(step)
            self.fig.text(LEFT + indent, self.y, line, size=size, color=color,
                          va="top")  # fmt: skip
            self.y -= step
        self.y -= gap


def _indicator_table(pages: _Pages, data: dict) -> None:
    header = [
        _("Indicator"),
        _("Unit"),
        _("District mean (weighted)"),
        _("Minimum"),
        _("Coefficient of variation"),
        _("Limit"),
        _("Spread: CV within the limit"),
        _("Level: mean reaches the minimum"),
    ]
    rows = [
        [
            ind["short"],
            ind["unit"],
            ind["mean_text"],
            ind["minimum_text"],
            ind["cv_text"],
            ind["limit_text"],
            str(_("Yes") if ind["within_limit"] else _("No")),
            str(_("Yes") if ind["level_met"] else _("No")),
        ]
        for ind in data["indicators"]
    ]
    row_h = 0.028
    height = row_h * (len(rows) + 1)
    pages.room(height)
    ax = pages.fig.add_axes((LEFT, pages.y - height, RIGHT - LEFT, height))
    ax.axis("off")
    table = ax.table(
        cellText=rows,
        colLabels=[str(h) for h in header],
        colWidths=[0.20, 0.13, 0.12, 0.10, 0.11, 0.08, 0.13, 0.13],
        cellLoc="center",
        bbox=(0, 0, 1, 1),
    )
    table.auto_set_font_size(False)
    table.set_fontsize(7.5)
    for (r, c), cell in table.get_celld().items():
        cell.set_edgecolor("#98a2b3")
        cell.set_linewidth(0.5)
        if r == 0:
            cell.set_facecolor("#dde7f3")
        else:
            ind = data["indicators"][r - 1]
            spread_failed = not ind["within_limit"] and c in (4, 6)
            level_failed = not ind["level_met"] and c in (2, 7)
            if spread_failed or level_failed:
                cell.get_text().set_color(RED)
        if c == 0 and r:
            cell.get_text().set_ha("left")
            cell.PAD = 0.04
    pages.y -= height + 0.02


def _short_name(name: str, width: int = 16) -> str:
    return name if _width(name) <= width else wrap(name, width - 1)[0] + "…"


def _chart(ax, ind: dict, chart: dict) -> None:
    names, values, met = chart["names"], chart["values"], chart["met"]
    x = list(range(len(values)))
    ax.bar(x, values, color=[BLUE if m else RED for m in met], width=0.7)
    minimum = chart["minimum"]
    ax.axhline(minimum, color=RED, linestyle="--", linewidth=1,
               label=f"{chart['minimum_label']} {ind['minimum_text']}")  # fmt: skip
    if chart["mean"] is not None:
        ax.axhline(chart["mean"], color=GREY, linestyle=":", linewidth=1,
                   label=f"{chart['mean_label']} {ind['mean_text']}")  # fmt: skip
    top = max([minimum, *values, chart["mean"] or 0]) or 1
    ax.set_ylim(0, top * 1.18)
    size = 7 if len(x) <= 20 else 5 if len(x) <= 45 else 3.5
    ax.set_xticks(x, [_short_name(n) for n in names], rotation=45 if len(x) > 5 else 0,
                  ha="right" if len(x) > 5 else "center", fontsize=size)  # fmt: skip
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlim(-0.7, len(x) - 0.3)
    ax.set_title(f"{ind['label']} ({ind['unit']})", fontsize=9, loc="left")
    cv = _("CV %(cv)s, limit %(limit)s") % {"cv": ind["cv_text"], "limit": ind["limit_text"]}
    ax.set_title(cv, fontsize=8, loc="right", color=INK if ind["within_limit"] else RED)
    ax.legend(fontsize=7, loc="upper right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)


def _stage_pages(pages: _Pages, district, year: int, data: dict, on: date | None) -> None:
    from qiangshi.web.views.balance import _stage_label

    result: DistrictResult = data["result"]
    rules = data["rules"]
    pages.new()
    title = _("%(district)s, school year %(year)s, %(stage)s: quality-balance evaluation report")
    pages.text(
        title
        % {"district": district.display_name, "year": year, "stage": _stage_label(result.stage)},
        size=15,
        gap=0.008,
    )
    pages.text(
        _("Rule set %(version)s: %(source)s, in effect from %(since)s.")
        % {
            "version": rules.version,
            "source": rules.source,
            "since": rules.effective_from.isoformat(),
        },
        size=8.5,
        color=GREY,
    )
    made = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    registry = _("Teacher counts from the registry on %(on)s; produced %(made)s.") % {
        "on": (on.isoformat() if on else "—"),
        "made": made,
    }
    pages.text(registry, size=8.5, color=GREY, gap=0.012)
    verdict = (
        _("Meets the quality-balance standard")
        if result.passed
        else _("Does not meet the quality-balance standard")
    )
    pages.text(verdict, size=13, color="#067647" if result.passed else RED)
    n, failing = len(data["rows"]), len(data["failing"])
    total, over = len(data["indicators"]), len(data["over_limit"])
    summary = [
        ngettext("%(failing)s of %(n)s school fails", "%(failing)s of %(n)s schools fail", n)
        % {"failing": failing, "n": n},
        ngettext(
            "%(over)s of %(total)s indicator above the CV limit",
            "%(over)s of %(total)s indicators above the CV limit",
            total,
        )
        % {"over": over, "total": total},
        _("%(students)s students") % {"students": f"{data['total_students']:,.0f}"},
    ]
    pages.text(" · ".join(summary), size=9.5, gap=0.015)
    pages.text(_("Indicators"), size=11, gap=0.004)
    _indicator_table(pages, data)
    floor = round(rules.missed_floor * 100)
    pages.text(
        _(
            "A school passes when it meets at least %(met)s of the %(count)s minimums and the one "
            "it misses is at least %(floor)s%% of its minimum."
        )
        % {"met": rules.min_met, "count": len(rules.keys), "floor": floor},
        size=8,
        color=GREY,
        gap=0.015,
    )
    pages.text(
        _("Failing schools and the smallest changes that make them pass"),
        size=11,
        gap=0.004,
    )
    if not data["failing"]:
        pages.text(_("Every school passes."), size=9)
    for row in data["failing"]:
        met = _("%(met)s of %(total)s indicators met") % {"met": row["met_count"], "total": total}
        pages.text(f"{row['name']} ({row['code']}, {met})", size=9)
        pages.text(row["changes_text"], size=9, indent=0.03, gap=0.004)
    if data["excluded"]:
        pages.text("", size=4)
        pages.text(_("Not evaluated"), size=11, gap=0.004)
        for e in data["excluded"]:
            pages.text(f"{e['name']}: {e['reason']}", size=8.5)

    charts = {c["id"]: c for c in data["chart_data"]}
    indicators = data["indicators"]
    for start in range(0, len(indicators), CHARTS_PER_PAGE):
        fig = pages.new()
        fig.text(LEFT, TOP, _("Values of every school against the minimum"), size=11,
                 va="top")  # fmt: skip
        grid = fig.add_gridspec(CHARTS_PER_PAGE, 1, left=LEFT + 0.02, right=RIGHT, top=TOP - 0.05,
                                bottom=BOTTOM + 0.04, hspace=0.75)  # fmt: skip
        for n, ind in enumerate(indicators[start : start + CHARTS_PER_PAGE]):
            _chart(fig.add_subplot(grid[n]), ind, charts[f"chart-{ind['key']}"])
    pages.close()


@cache
def _family(font: Path) -> str:
    """Register the font with matplotlib once per process; its family name."""
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(font))
    return font_manager.FontProperties(fname=str(font)).get_name()


def district_pdf(district, year: int, results: list[DistrictResult], *, on=None) -> bytes:
    """The report of one or more stages of a district as PDF bytes. ApplicationError when no
    CJK font is installed."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    from qiangshi.web.views.balance import district_context

    font = cjk_font()
    if font is None:
        raise ApplicationError(
            _("No CJK font is installed for the PDF report: install fonts-wqy-microhei.")
        )
    family = _family(font)
    buffer = io.BytesIO()
    rc = {
        "font.family": [family, "DejaVu Sans"],
        "pdf.fonttype": 42,  # TrueType, subset: text stays text (searchable, copyable)
        "axes.unicode_minus": False,
        "axes.titlepad": 4,
    }
    footer = f"{district.display_name} · {year}"
    with matplotlib.rc_context(rc), PdfPages(buffer, metadata={"Creator": "Qiangshi"}) as pdf:
        pages = _Pages(pdf, footer)
        for result in results:
            _stage_pages(pages, district, year, district_context(district, result), on)
        info = pdf.infodict()
        info["Title"] = str(_("Quality-balance evaluation report")) + " · " + footer
    return buffer.getvalue()
