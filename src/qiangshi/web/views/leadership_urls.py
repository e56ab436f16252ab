"""School leadership pages (issue 17, POLICY §14)."""

from django.urls import path

from . import leadership

urlpatterns = [
    path("leadership/", leadership.leadership_region, name="leadership_region"),
    path("leadership/schools/<int:pk>/", leadership.leadership_school, name="leadership_school"),
    path(
        "leadership/schools/<int:pk>/new/",
        leadership.leadership_term_create,
        name="leadership_term_create",
    ),
    path(
        "leadership/terms/<int:pk>/edit/",
        leadership.leadership_term_edit,
        name="leadership_term_edit",
    ),  # fmt: skip
    path(
        "leadership/terms/<int:pk>/delete/",
        leadership.leadership_term_delete,
        name="leadership_term_delete",
    ),  # fmt: skip
]
