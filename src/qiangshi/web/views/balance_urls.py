"""Quality-balance monitor pages (issue 5)."""

from django.urls import path

from . import balance

urlpatterns = [
    path("balance/", balance.balance_region, name="balance_region"),
    path("balance/<int:district_pk>/", balance.balance_district, name="balance_district"),
    path(
        "balance/<int:district_pk>/export.xlsx",
        balance.balance_district_export,
        name="balance_district_export",
    ),
    path(
        "balance/<int:district_pk>/report.pdf",
        balance.balance_district_pdf,
        name="balance_district_pdf",
    ),
    path("balance/school/<int:school_pk>/", balance.balance_school, name="balance_school"),
]
