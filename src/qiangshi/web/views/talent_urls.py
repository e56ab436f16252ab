"""Talent and partnership pages (issue 18; POLICY §15)."""

from django.urls import path

from . import talent

urlpatterns = [
    path("talent/", talent.talent_home, name="talent_home"),
    path("talent/plans/", talent.talent_plans, name="talent_plans"),
    path("talent/plans/<int:pk>/", talent.talent_plan, name="talent_plan"),
    path("talent/plans/<int:pk>/edit/", talent.talent_plan_edit, name="talent_plan_edit"),
    path("talent/plans/<int:pk>/delete/", talent.talent_plan_delete, name="talent_plan_delete"),
    path("talent/hires/", talent.talent_hires, name="talent_hires"),
    path("talent/hires/<int:pk>/", talent.talent_hire, name="talent_hire"),
    path("talent/olympiad/", talent.talent_olympiad, name="talent_olympiad"),
    path(
        "talent/olympiad/schools/", talent.talent_olympiad_schools, name="talent_olympiad_schools"
    ),
    path(
        "talent/olympiad/<int:pk>/delete/",
        talent.talent_olympiad_delete,
        name="talent_olympiad_delete",
    ),
    path("talent/partnerships/", talent.talent_partnerships, name="talent_partnerships"),
    path("talent/partnerships/<int:pk>/", talent.talent_partnership, name="talent_partnership"),
    path(
        "talent/partnerships/<int:pk>/edit/",
        talent.talent_partnership_edit,
        name="talent_partnership_edit",
    ),
    path(
        "talent/partnerships/<int:pk>/delete/",
        talent.talent_partnership_delete,
        name="talent_partnership_delete",
    ),
    path(
        "talent/people/<int:pk>/delete/",
        talent.talent_exchange_delete,
        name="talent_exchange_delete",
    ),
    path("talent/activities/<int:pk>/", talent.talent_activity, name="talent_activity"),
    path("talent/hours/", talent.talent_participations, name="talent_participations"),
    path("talent/perks/", talent.talent_perks, name="talent_perks"),
    path("talent/perks/<int:pk>/", talent.talent_perk, name="talent_perk"),
    path("talent/perks/<int:pk>/edit/", talent.talent_perk_edit, name="talent_perk_edit"),
    path("talent/perks/<int:pk>/delete/", talent.talent_perk_delete, name="talent_perk_delete"),
    path(
        "talent/take-up/<int:pk>/delete/",
        talent.talent_uptake_delete,
        name="talent_uptake_delete",
    ),
    path("talent/take-up/", talent.talent_uptake, name="talent_uptake"),
]
