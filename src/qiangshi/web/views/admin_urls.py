"""Schools, change requests, audit and access logs, API tokens."""

from django.urls import path

from . import audit, change_requests, schools, tokens

urlpatterns = [
    path("schools/", schools.school_list, name="school_list"),
    path("schools/export/", schools.school_export, name="school_export"),
    path("schools/new/", schools.school_create, name="school_create"),
    path("schools/<int:pk>/", schools.school_detail, name="school_detail"),
    path("schools/<int:pk>/edit/", schools.school_edit, name="school_edit"),
    path("requests/", change_requests.change_request_list, name="change_request_list"),
    path("requests/new/", change_requests.change_request_create, name="change_request_create"),
    path("requests/<int:pk>/", change_requests.change_request_detail, name="change_request_detail"),
    path(
        "requests/<int:pk>/approve/",
        change_requests.change_request_approve,
        name="change_request_approve",
    ),
    path(
        "requests/<int:pk>/return/",
        change_requests.change_request_return,
        name="change_request_return",
    ),
    path(
        "requests/<int:pk>/withdraw/",
        change_requests.change_request_withdraw,
        name="change_request_withdraw",
    ),
    path(
        "requests/<int:pk>/evidence/",
        change_requests.change_request_evidence,
        name="change_request_evidence",
    ),
    path(
        "requests/registration/<int:pk>/close/",
        change_requests.registration_query_close,
        name="registration_query_close",
    ),
    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/export/", audit.audit_export, name="audit_export"),
    path("audit/access/", audit.access_log, name="access_log"),
    path(
        "audit/record/<str:object_type>/<str:object_id>/", audit.audit_record, name="audit_record"
    ),
    path("audit/access/export/", audit.access_export, name="access_export"),
    path("account/tokens/", tokens.api_tokens, name="api_tokens"),
    path("account/tokens/<int:pk>/revoke/", tokens.api_token_revoke, name="api_token_revoke"),
]
