"""The title application process on the review workflow: its definition
(workflows/title_application.json), labels, and how the inbox finds the applications an actor
may act on (a reviewer: those drawn for them and not yet scored)."""

from pathlib import Path

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qiangshi.access.models import Role
from qiangshi.workflow import registry

PROCESS = "title_application"
DEFINITION = registry.load_definition(
    Path(__file__).resolve().parent / "workflows" / "title_application.json"
)

STATES = {
    "draft": _("Draft"),
    "submitted": _("Submitted, awaiting the school's recommendation"),
    "recommended": _("Recommended, awaiting the office's review"),
    "panel": _("With the expert panel"),
    "notice": _("On public notice"),
    "objection": _("Objection under review"),
    "approved": _("Approved"),
    "not_approved": _("Not approved after an objection"),
    "not_selected": _("Not within the quota"),
    "rejected": _("Rejected at review"),
    "not_recommended": _("Not recommended by the school"),
    "withdrawn": _("Withdrawn"),
}

STEPS = {
    "submit": _("Submit the application"),
    "withdraw": _("Withdraw the application"),
    "recommend": _("Recommend"),
    "decline": _("Do not recommend"),
    "pass_review": _("Pass the review and draw the panel"),
    "reject": _("Reject"),
    "score": _("Score"),
    "select": _("Within the quota: to public notice"),
    "not_select": _("Outside the quota"),
    "object": _("Record an objection"),
    "approve": _("Approve after the notice"),
    "dismiss_objection": _("Dismiss the objection and approve"),
    "uphold_objection": _("Uphold the objection"),
}

# Steps taken on their own pages or by the ranking, never from the generic step form.
SPECIAL_STEPS = {"submit", "score", "select", "not_select"}
FINAL_APPROVED = {"approved"}
# Where an application stands from the school's recommendation on (counts against its quota).
RECOMMENDED_ON = {"recommended", "panel", "notice", "objection", "approved", "not_approved",
                  "not_selected"}  # fmt: skip


def _visible(actor):
    from .selectors import application_list

    qs = application_list(actor=actor)
    if actor.role == Role.REVIEWER:
        qs = qs.exclude(scores__reviewer=actor)
    return qs.values("pk")


def _describe(ids):
    from .models import TitleApplication

    return {
        pk: f"#{pk} {name} · {_rank_label(rank)}"
        for pk, name, rank in TitleApplication.objects.filter(pk__in=ids).values_list(
            "pk", "teacher__name", "round__target"
        )
    }


def _rank_label(rank: str) -> str:
    from qiangshi.teachers.models import TitleRank

    return str(TitleRank(rank).label) if rank in TitleRank.values else rank


def register() -> None:
    registry.register(
        registry.Process(
            definition=DEFINITION,
            label=_("Title application"),
            state_labels=STATES,
            transition_labels=STEPS,
            visible_ids=_visible,
            url=lambda pk: reverse("web:title_application", args=[pk]),
            describe=_describe,
        )
    )
