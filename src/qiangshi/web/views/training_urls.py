"""Training pages (issue 16)."""

from django.urls import path

from . import training

urlpatterns = [
    path("training/", training.training_home, name="training_home"),
    path("training/export.xlsx", training.training_export, name="training_export"),
    path("training/new/", training.training_programme_create, name="training_programme_create"),
    path("training/<int:pk>/", training.training_programme, name="training_programme"),
    path("training/<int:pk>/enrol/", training.training_enrol, name="training_enrol"),
    path(
        "training/enrolments/<int:pk>/withdraw/",
        training.training_withdraw,
        name="training_withdraw",
    ),
    path("training/confirm/", training.training_confirm, name="training_confirm"),
    path("training/hours/", training.training_hours, name="training_my_hours"),
    path("training/teachers/<int:pk>/", training.training_hours, name="training_hours"),
    path("training/report/", training.training_report, name="training_report"),
    path("training/literacy/", training.training_literacy, name="training_literacy"),
]
