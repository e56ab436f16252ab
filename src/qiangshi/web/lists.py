"""Shared list-page helpers: pagination and xlsx responses."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils import timezone

from qiangshi.core.xlsx import write_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def paginate(request, queryset, per_page: int | None = None):
    """The requested page of a queryset (?page=N, ?per_page=N up to 200)."""
    try:
        size = min(int(request.GET.get("per_page") or per_page or settings.PAGE_SIZE), 200)
    except ValueError:
        size = settings.PAGE_SIZE
    return Paginator(queryset, max(size, 1)).get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    """The current query string minus `page`, for pagination and sort links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def xlsx_response(filename_stem: str, sheets) -> HttpResponse:
    """An xlsx download named `<stem>-<timestamp>.xlsx`."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(write_xlsx(sheets), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename_stem}-{stamp}.xlsx"'
    return response
