"""Rotation planning pages (issue 6)."""

from django.urls import path

from . import rotation

urlpatterns = [
    path("rotation/", rotation.rotation_home, name="rotation_home"),
    path("rotation/new/", rotation.rotation_create, name="rotation_create"),
    path("rotation/eligibility/", rotation.rotation_eligibility, name="rotation_eligibility"),
    path("rotation/exemptions/", rotation.rotation_exempt, name="rotation_exempt"),
    path("rotation/preferences/", rotation.rotation_preference, name="rotation_preference"),
    path("rotation/<int:pk>/", rotation.rotation_plan, name="rotation_plan"),
    path("rotation/<int:pk>/status/", rotation.rotation_plan_status, name="rotation_plan_status"),
    path("rotation/<int:pk>/solve/", rotation.rotation_solve, name="rotation_solve"),
    path("rotation/<int:pk>/decide/", rotation.rotation_decide, name="rotation_decide"),
    path("rotation/<int:pk>/submit/", rotation.rotation_submit, name="rotation_submit"),
    path("rotation/<int:pk>/review/", rotation.rotation_review, name="rotation_review"),
    path("rotation/<int:pk>/publish/", rotation.rotation_publish, name="rotation_publish"),
    path("rotation/<int:pk>/apply/", rotation.rotation_apply, name="rotation_apply"),
    path("rotation/<int:pk>/delete/", rotation.rotation_delete, name="rotation_delete"),
    path("rotation/<int:pk>/budget/", rotation.rotation_budget, name="rotation_budget"),
    path(
        "rotation/<int:pk>/moves/<int:move_pk>/form/",
        rotation.rotation_move_form,
        name="rotation_move_form",
    ),
    path("rotation/<int:pk>/notice/", rotation.rotation_notice, name="rotation_notice"),
    path("rotation/<int:pk>/notice/set/", rotation.rotation_notice_set, name="rotation_notice_set"),
    path("rotation/<int:pk>/export.xlsx", rotation.rotation_plan_export, name="rotation_export"),
    path("rotation/<int:pk>/export.pdf", rotation.rotation_plan_pdf, name="rotation_pdf"),
]
