"""Ethics pages and the workflow inbox (issue 17)."""

from django.urls import path

from . import ethics

urlpatterns = [
    path("inbox/", ethics.inbox_page, name="inbox"),
    path("ethics/", ethics.ethics_case_list, name="ethics_case_list"),
    path("ethics/new/", ethics.ethics_case_create, name="ethics_case_create"),
    path("ethics/<int:pk>/", ethics.ethics_case, name="ethics_case"),
    path("ethics/<int:pk>/step/", ethics.ethics_case_step, name="ethics_case_step"),
    path("ethics/attachments/<int:pk>/", ethics.ethics_attachment, name="ethics_attachment"),
    path("ethics/teachers/<int:pk>/", ethics.ethics_teacher, name="ethics_teacher"),
    path(
        "ethics/teachers/<int:pk>/record/",
        ethics.ethics_teacher_record,
        name="ethics_teacher_record",
    ),
]
