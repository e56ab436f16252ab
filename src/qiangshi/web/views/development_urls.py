"""Teacher development pages of the training area (issue 16, part B)."""

from django.urls import path

from . import development as v

urlpatterns = [
    path("training/paths/", v.training_paths, name="training_paths"),
    path(
        "training/paths/teachers/<int:pk>/",
        v.training_teacher_paths,
        name="training_teacher_paths",
    ),
    path("training/paths/schools/<int:pk>/", v.training_school_paths, name="training_school_paths"),
    path("training/degrees/", v.training_degrees, name="training_degrees"),
    path("training/degrees/new/", v.training_degree_create, name="training_degree_create"),
    path("training/degrees/<int:pk>/close/", v.training_degree_close, name="training_degree_close"),
    path("training/degrees/effect/", v.training_degree_effect, name="training_degree_effect"),
    path("training/science/", v.training_science, name="training_science"),
    path(
        "training/literacy/overview/",
        v.training_literacy_overview,
        name="training_literacy_overview",
    ),
    path("training/recommendations/", v.training_recommendations, name="training_recommendations"),
]
