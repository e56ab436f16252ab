"""Staffing and forward-planning pages (issue 4)."""

from django.urls import path

from . import staffing

urlpatterns = [
    path("staffing/", staffing.staffing_region, name="staffing_region"),
    path("staffing/<int:district_pk>/", staffing.staffing_district, name="staffing_district"),
    path(
        "staffing/<int:district_pk>/export.xlsx",
        staffing.staffing_district_export,
        name="staffing_district_export",
    ),
    path(
        "staffing/<int:district_pk>/forecast/",
        staffing.staffing_forecast,
        name="staffing_forecast",
    ),
    path(
        "staffing/<int:district_pk>/forecast/export.xlsx",
        staffing.staffing_forecast_export,
        name="staffing_forecast_export",
    ),
    path(
        "staffing/<int:district_pk>/forecast/scenario.xlsx",
        staffing.staffing_scenario_export,
        name="staffing_scenario_export",
    ),
    path("staffing/<int:district_pk>/posts/", staffing.staffing_posts, name="staffing_posts"),
    path(
        "staffing/<int:district_pk>/posts/export.xlsx",
        staffing.staffing_posts_export,
        name="staffing_posts_export",
    ),
    path(
        "staffing/school/<int:school_pk>/posts/",
        staffing.staffing_school_posts,
        name="staffing_school_posts",
    ),
    path(
        "staffing/school/<int:school_pk>/posts/export.xlsx",
        staffing.staffing_school_posts_export,
        name="staffing_school_posts_export",
    ),
    path("staffing/school/<int:school_pk>/", staffing.staffing_school, name="staffing_school"),
    path(
        "staffing/school/<int:school_pk>/export.xlsx",
        staffing.staffing_school_export,
        name="staffing_school_export",
    ),
]
