"""The pilot office's indicators page (issue 18, a first slice): pilot regions side by side."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from qiangshi.access.scoping import can
from qiangshi.pilot import selectors
from qiangshi.web.lists import xlsx_response


def _year(request) -> int:
    today = timezone.localdate()
    default = today.year if today.month >= 9 else today.year - 1
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 1990 <= int(raw) <= 2100 else default


@login_required
def pilot_indicators(request):
    """Indicators per pilot region and year, side by side; xlsx export."""
    from django.utils.translation import gettext as _

    if not can(request.user, "pilotindicator", "view"):
        raise PermissionDenied
    year = _year(request)
    columns = selectors.pilot_indicators(actor=request.user, year=year)
    rows = [
        (_("Schools"), [c.schools for c in columns]),
        (_("Pupils"), [c.pupils for c in columns]),
        (_("Full-time teachers"), [c.teachers for c in columns]),
        (_("Teachers per 100 pupils"), [c.teachers_per_100_pupils for c in columns]),
        (_("Bachelor's degree or above (%)"), [c.degree_share for c in columns]),
        (_("Postgraduate degree (%)"), [c.postgraduate_share for c in columns]),
        (_("Senior titles (%)"), [c.senior_title_share for c in columns]),
        (
            _("Salary parity: districts passing"),
            [
                f"{c.parity_passing} / {c.parity_districts} ({c.parity_year})"
                if c.parity_year
                else None
                for c in columns
            ],
        ),
        (_("Demands entering schools, per school"), [c.burden_demands_per_school for c in columns]),
    ]
    if request.GET.get("format") == "xlsx":
        header = [_("Indicator")] + [c.region.display_name for c in columns]
        body = [[label, *values] for label, values in rows]
        return xlsx_response(f"pilot-indicators-{year}", [(_("Pilot indicators"), header, body)])
    return render(
        request,
        "web/pilot/indicators.html",
        {"year": year, "columns": columns, "rows": rows},
    )
