"""Award pages (issue 17)."""

from django.urls import path

from . import awards

urlpatterns = [
    path("awards/", awards.awards_home, name="awards_home"),
    path("awards/new/", awards.awards_round_create, name="awards_round_create"),
    path("awards/<int:pk>/", awards.awards_round, name="awards_round"),
    path("awards/<int:pk>/quota/", awards.awards_round_quota, name="awards_round_quota"),
    path("awards/<int:pk>/publish/", awards.awards_round_publish, name="awards_round_publish"),
    path("awards/<int:pk>/decide/", awards.awards_round_decide, name="awards_round_decide"),
    path("awards/<int:pk>/notice/", awards.awards_notice, name="awards_notice"),
    path("awards/<int:pk>/notice.pdf", awards.awards_notice_pdf, name="awards_notice_pdf"),
    path("awards/<int:pk>/nominate/", awards.awards_nominate, name="awards_nominate"),
    path("awards/nominations/<int:pk>/", awards.awards_nomination, name="awards_nomination"),
    path(
        "awards/nominations/<int:pk>/step/",
        awards.awards_nomination_step,
        name="awards_nomination_step",
    ),
    path(
        "awards/nominations/<int:pk>/objection/",
        awards.awards_objection,
        name="awards_objection",
    ),
    path(
        "awards/objections/<int:pk>/handle/",
        awards.awards_objection_handle,
        name="awards_objection_handle",
    ),
    path("awards/long-service/", awards.awards_long_service, name="awards_long_service"),
    path("awards/teachers-day/", awards.awards_teachers_day, name="awards_teachers_day"),
]
