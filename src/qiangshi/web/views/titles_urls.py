"""Title evaluation pages (issue 17)."""

from django.urls import path

from . import titles, titles_pool

urlpatterns = [
    path("titles/", titles.round_list, name="title_rounds"),
    path("titles/new/", titles.round_create, name="title_round_create"),
    path("titles/panel/", titles.panel_list, name="title_panel"),
    path("titles/reviewers/", titles_pool.reviewer_list, name="title_reviewers"),
    path("titles/reviewers/new/", titles_pool.reviewer_create, name="title_reviewer_create"),
    path("titles/reviewers/<int:pk>/edit/", titles_pool.reviewer_edit, name="title_reviewer_edit"),
    path("titles/reviewers/<int:pk>/deactivate/", titles_pool.reviewer_deactivate,
         name="title_reviewer_deactivate"),
    path("titles/reviewers/<int:pk>/reactivate/", titles_pool.reviewer_reactivate,
         name="title_reviewer_reactivate"),
    path("titles/relations/", titles_pool.relation_list, name="title_relations"),
    path("titles/relations/new/", titles_pool.relation_create, name="title_relation_create"),
    path("titles/relations/<int:pk>/edit/", titles_pool.relation_edit, name="title_relation_edit"),
    path("titles/relations/<int:pk>/remove/", titles_pool.relation_remove,
         name="title_relation_remove"),
    path("titles/weak-schools/", titles_pool.weak_school_list, name="title_weak_schools"),
    path("titles/weak-schools/new/", titles_pool.weak_school_create,
         name="title_weak_school_create"),
    path("titles/weak-schools/<int:pk>/end/", titles_pool.weak_school_end,
         name="title_weak_school_end"),
    path("titles/<int:pk>/", titles.round_detail, name="title_round"),
    path("titles/<int:pk>/apply/", titles.round_apply, name="title_round_apply"),
    path("titles/<int:pk>/quota/", titles.round_quota, name="title_round_quota"),
    path("titles/<int:pk>/rank/", titles.round_rank, name="title_round_rank"),
    path("titles/<int:pk>/queue/<str:queue>/", titles.round_queue, name="title_round_queue"),
    path("titles/<int:pk>/notice/", titles.round_notice, name="title_round_notice"),
    path("titles/<int:pk>/statistics/", titles.round_statistics, name="title_round_statistics"),
    path("titles/applications/<int:pk>/", titles.application_detail, name="title_application"),
    path("titles/applications/<int:pk>/step/", titles.application_step, name="title_application_step"),
    path("titles/applications/<int:pk>/statement/", titles.application_statement,
         name="title_application_statement"),
    path("titles/applications/<int:pk>/material/", titles.application_material,
         name="title_application_material"),
    path("titles/applications/<int:pk>/score/", titles.application_score, name="title_application_score"),
    path("titles/materials/<int:pk>/", titles.material_file, name="title_material"),
]  # fmt: skip
