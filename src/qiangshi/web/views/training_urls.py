"""Training pages (issue 16)."""

from django.urls import path

from . import training, training_school

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
    *[
        path(route, view, name=name)
        for route, view, name in (
            (
                "training/<int:pk>/sessions/",
                training_school.training_programme_sessions,
                "training_programme_sessions",
            ),
            (
                "training/<int:pk>/sessions/add/",
                training_school.training_programme_session_add,
                "training_programme_session_add",
            ),
            (
                "training/<int:pk>/sessions/rule/",
                training_school.training_programme_attendance_rule,
                "training_programme_attendance_rule",
            ),
            (
                "training/sessions/<int:pk>/delete/",
                training_school.training_session_delete,
                "training_session_delete",
            ),
            (
                "training/sessions/<int:pk>/attendance/",
                training_school.training_session_attendance,
                "training_session_attendance",
            ),
            ("training/claims/", training_school.training_claims, "training_claims"),
            (
                "training/claims/<int:pk>/approve/",
                training_school.training_claim_approve,
                "training_claim_approve",
            ),
            (
                "training/claims/<int:pk>/return/",
                training_school.training_claim_return,
                "training_claim_return",
            ),
            (
                "training/claims/<int:pk>/withdraw/",
                training_school.training_claim_withdraw,
                "training_claim_withdraw",
            ),
            (
                "training/claims/<int:pk>/evidence/",
                training_school.training_claim_evidence,
                "training_claim_evidence",
            ),
            ("training/spend/", training_school.training_spend, "training_spend"),
            (
                "training/spend/schools/<int:school_pk>/",
                training_school.training_spend_school,
                "training_spend_school",
            ),
            (
                "training/spend/entries/<int:pk>/delete/",
                training_school.training_spend_delete,
                "training_spend_delete",
            ),
            (
                "training/schools/<int:school_pk>/",
                training_school.training_school,
                "training_school",
            ),
            (
                "training/schools/<int:school_pk>/remind/",
                training_school.training_remind,
                "training_remind",
            ),
            (
                "training/reminders/<int:pk>/acknowledge/",
                training_school.training_reminder_acknowledge,
                "training_reminder_acknowledge",
            ),
            (
                "training/hours/transcript.pdf",
                training_school.training_transcript,
                "training_my_transcript",
            ),
            (
                "training/teachers/<int:pk>/transcript.pdf",
                training_school.training_transcript,
                "training_hours_transcript",
            ),
        )
    ],  # fmt: skip
]
