"""Welfare pages (issue 18): salary parity and the non-teaching burden."""

from django.urls import path

from . import welfare

urlpatterns = [
    path("welfare/", welfare.welfare_home, name="welfare_home"),
    path("welfare/parity/", welfare.welfare_parity, name="welfare_parity"),
    path(
        "welfare/parity/<int:district_pk>/",
        welfare.welfare_parity_district,
        name="welfare_parity_district",
    ),
    path(
        "welfare/parity/<int:district_pk>/edit/",
        welfare.welfare_parity_edit,
        name="welfare_parity_edit",
    ),
    path(
        "welfare/parity/<int:district_pk>/payroll/",
        welfare.welfare_payroll,
        name="welfare_payroll",
    ),
    path("welfare/burden/", welfare.welfare_burden, name="welfare_burden"),
    path("welfare/burden/lists/", welfare.welfare_lists, name="welfare_lists"),
    path("welfare/burden/requests/", welfare.welfare_requests, name="welfare_requests"),
    path(
        "welfare/burden/requests/<int:pk>/decide/",
        welfare.welfare_request_decide,
        name="welfare_request_decide",
    ),
    path("welfare/burden/arrivals/", welfare.welfare_arrivals, name="welfare_arrivals"),
    path("welfare/burden/report/", welfare.welfare_report, name="welfare_report"),
    path("welfare/burden/reports/", welfare.welfare_reports, name="welfare_reports"),
]
