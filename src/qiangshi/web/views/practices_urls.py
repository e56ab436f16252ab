"""Practice library pages (issue 18)."""

from django.urls import path

from . import practices

urlpatterns = [
    path("practices/", practices.practices_home, name="practices_home"),
    path("practices/export.xlsx", practices.practices_export, name="practices_export"),
    path("practices/new/", practices.practices_create, name="practices_create"),
    path("practices/<int:pk>/", practices.practices_detail, name="practices_detail"),
    path("practices/<int:pk>/edit/", practices.practices_edit, name="practices_edit"),
    path(
        "practices/<int:pk>/attachments/",
        practices.practices_attachment_add,
        name="practices_attachment_add",
    ),
    path(
        "practices/attachments/<int:pk>/",
        practices.practices_attachment,
        name="practices_attachment",
    ),
    path(
        "practices/attachments/<int:pk>/remove/",
        practices.practices_attachment_remove,
        name="practices_attachment_remove",
    ),
]
