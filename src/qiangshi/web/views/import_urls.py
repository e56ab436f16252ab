"""Bulk import pages."""

from django.urls import path

from . import imports

urlpatterns = [
    path("imports/", imports.import_list, name="import_list"),
    path("imports/template/<str:kind>.xlsx", imports.import_template, name="import_template"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:pk>/commit/", imports.import_commit, name="import_commit"),
    path("imports/<int:pk>/mapping/", imports.import_remap, name="import_remap"),
    path("imports/<int:pk>/retry/", imports.import_retry, name="import_retry"),
    path("imports/<int:pk>/annotated.xlsx", imports.import_annotated, name="import_annotated"),
]
