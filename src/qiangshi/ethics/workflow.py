"""The ethics case process on the review workflow: its definition (workflows/ethics_case.json),
labels, and how the inbox finds the cases an actor may act on."""

from pathlib import Path

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qiangshi.workflow import registry

PROCESS = "ethics_case"
DEFINITION = registry.load_definition(
    Path(__file__).resolve().parent / "workflows" / "ethics_case.json"
)

STATES = {
    "reported": _("Reported"),
    "investigating": _("Under investigation"),
    "statement": _("Awaiting the teacher's statement"),
    "deciding": _("Awaiting decision"),
    "decided": _("Decided, to be notified"),
    "notice": _("Notified: appeal window open"),
    "appeal": _("Appeal under review"),
    "closed": _("Closed"),
}

STEPS = {
    "investigate": _("Open the investigation"),
    "dismiss": _("Dismiss the report"),
    "request_statement": _("Record findings and ask for the teacher's statement"),
    "submit_statement": _("Submit my statement"),
    "proceed": _("Proceed without a statement"),
    "decide": _("Record the decision"),
    "clear": _("Decide: no violation"),
    "notify": _("Notify the decision"),
    "appeal": _("Appeal"),
    "close": _("Close after the appeal window"),
    "uphold": _("Uphold the decision"),
    "revoke": _("Revoke the decision"),
}


def _visible(actor):
    from .selectors import case_list

    return case_list(actor=actor).values("pk")


def _describe(ids):
    from .models import EthicsCase

    return {
        pk: f"#{pk} {name}"
        for pk, name in EthicsCase.objects.filter(pk__in=ids).values_list("pk", "teacher__name")
    }


def register() -> None:
    registry.register(
        registry.Process(
            definition=DEFINITION,
            label=_("Ethics case"),
            state_labels=STATES,
            transition_labels=STEPS,
            visible_ids=_visible,
            url=lambda pk: reverse("web:ethics_case", args=[pk]),
            describe=_describe,
        )
    )
