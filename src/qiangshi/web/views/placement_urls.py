"""Placement lottery pages (issue 19)."""

from django.urls import path

from . import placement

urlpatterns = [
    path("placement/", placement.placement_home, name="placement_home"),
    path("placement/lookup/", placement.placement_lookup, name="placement_lookup"),
    path("placement/<int:pk>/", placement.placement_intake, name="placement_intake"),
    path("placement/<int:pk>/import/", placement.placement_import, name="placement_import"),
    path(
        "placement/<int:pk>/rehearsal/", placement.placement_rehearsal, name="placement_rehearsal"
    ),
    path("placement/<int:pk>/ceremony/", placement.placement_ceremony, name="placement_ceremony"),
    path("placement/draw/<int:pk>/", placement.placement_draw, name="placement_draw"),
    path("placement/draw/<int:pk>/publish/", placement.placement_publish, name="placement_publish"),
    path("placement/draw/<int:pk>/files.zip", placement.placement_zip, name="placement_zip"),
    path("placement/draw/<int:pk>/<str:name>", placement.placement_file, name="placement_file"),
]
