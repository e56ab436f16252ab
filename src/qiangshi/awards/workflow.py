"""The award nomination process on the review workflow: its definition
(workflows/award_nomination.json), labels, and how the inbox finds the nominations an actor
may act on."""

from pathlib import Path

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qiangshi.workflow import registry

PROCESS = "award_nomination"
DEFINITION = registry.load_definition(
    Path(__file__).resolve().parent / "workflows" / "award_nomination.json"
)

STATES = {
    "nominated": _("Nominated by the school"),
    "district_review": _("District review"),
    "bureau_review": _("Bureau review"),
    "approved": _("Approved, awaiting the public notice"),
    "notice": _("Public notice: objections open"),
    "awarded": _("Awarded"),
    "not_awarded": _("Not awarded"),
    "withdrawn": _("Withdrawn"),
}

STEPS = {
    "submit": _("Submit to the district"),
    "withdraw": _("Withdraw the nomination"),
    "district_approve": _("Approve and forward to the bureau"),
    "district_return": _("Return to the school"),
    "district_reject": _("Reject"),
    "bureau_approve": _("Approve for the public notice"),
    "bureau_reject": _("Reject"),
    "publish": _("Publish the public notice"),
    "award": _("Decide: award"),
    "refuse": _("Decide: do not award"),
}

# Where a nomination still takes part in the round (for quotas): everything but withdrawn.
ACTIVE_STATES = set(STATES) - {"withdrawn"}


def _visible(actor):
    from .selectors import nomination_list

    return nomination_list(actor=actor).values("pk")


def _describe(ids):
    from .models import AwardNomination

    rows = AwardNomination.objects.filter(pk__in=ids).values_list(
        "pk", "teacher__name", "round__title"
    )
    return {pk: f"{name} · {title}" for pk, name, title in rows}


def register() -> None:
    registry.register(
        registry.Process(
            definition=DEFINITION,
            label=_("Award nomination"),
            state_labels=STATES,
            transition_labels=STEPS,
            visible_ids=_visible,
            url=lambda pk: reverse("web:awards_nomination", args=[pk]),
            describe=_describe,
        )
    )
