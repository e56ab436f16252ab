"""Pilot office pages (issue 18)."""

from django.urls import path

from . import pilot

urlpatterns = [
    path("pilot/", pilot.pilot_indicators, name="pilot_indicators"),
    path("pilot/trend/<str:key>/", pilot.pilot_trend, name="pilot_trend"),
    path("pilot/reports/", pilot.pilot_reports, name="pilot_reports"),
    path("pilot/reports/<int:pk>/", pilot.pilot_report, name="pilot_report"),
    path(
        "pilot/reports/<int:pk>/progress/",
        pilot.pilot_report_progress,
        name="pilot_report_progress",
    ),
    path(
        "pilot/reports/<int:pk>/download/",
        pilot.pilot_report_download,
        name="pilot_report_download",
    ),
]
