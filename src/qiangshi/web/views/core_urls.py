"""Login, dashboard, teachers (owned by the UI-core work)."""

from django.urls import path

from . import auth, dashboard, teachers

urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("login/verify/", auth.otp_verify, name="otp_verify"),
    path("account/password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("account/security/", auth.account_security, name="account_security"),
    path("account/locks/", auth.login_locks, name="login_locks"),
    path("account/locks/unlock/", auth.login_lock_clear, name="login_lock_clear"),
    path("", dashboard.dashboard, name="dashboard"),
    path("teachers/", teachers.teacher_list, name="teacher_list"),
    path("teachers/export.xlsx", teachers.teacher_export, name="teacher_export"),
    path(
        "teachers/export-template.xlsx",
        teachers.teacher_export_template,
        name="teacher_export_template",
    ),
    path(
        "teachers/export-national.xlsx",
        teachers.teacher_export_template,
        {"fmt": "national"},
        name="teacher_export_national",
    ),
    path("teachers/new/", teachers.teacher_create, name="teacher_create"),
    path("teachers/<int:pk>/", teachers.teacher_detail, name="teacher_detail"),
    path("teachers/<int:pk>/edit/", teachers.teacher_edit, name="teacher_edit"),
    path("teachers/<int:pk>/reveal/<str:field>/", teachers.teacher_reveal, name="teacher_reveal"),
    path("teachers/<int:pk>/photo/", teachers.teacher_photo, name="teacher_photo"),
    path(
        "teachers/<int:pk>/photo/upload/",
        teachers.teacher_photo_upload,
        name="teacher_photo_upload",
    ),
    path(
        "teachers/<int:pk>/records/<str:kind>/add/",
        teachers.teacher_record_add,
        name="teacher_record_add",
    ),
    path(
        "teachers/<int:pk>/records/<str:kind>/<int:record_pk>/edit/",
        teachers.teacher_record_edit,
        name="teacher_record_edit",
    ),
    path(
        "teachers/<int:pk>/records/<str:kind>/<int:record_pk>/delete/",
        teachers.teacher_record_delete,
        name="teacher_record_delete",
    ),
    path(
        "teachers/<int:pk>/employment/change/",
        teachers.teacher_employment_change,
        name="teacher_employment_change",
    ),
    path(
        "teachers/<int:pk>/employment/end/",
        teachers.teacher_employment_end,
        name="teacher_employment_end",
    ),
]
