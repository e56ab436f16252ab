"""Training's processes on the review workflow: hours a teacher entered, waiting for their
school (workflows/training_hours_claim.json), and reminders waiting for the teacher to
acknowledge them (workflows/training_reminder.json); labels, and how the inbox finds them."""

from pathlib import Path

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qiangshi.workflow import registry

HERE = Path(__file__).resolve().parent / "workflows"
CLAIM_PROCESS = "training_hours_claim"
REMINDER_PROCESS = "training_reminder"


def _claims_to_review(actor):
    from qiangshi.access.scoping import scope

    from .models import HoursClaim

    return scope(HoursClaim.objects.all(), actor, "review").values("pk")


def _describe_claims(ids):
    from django.utils.translation import gettext

    from qiangshi.engines.training import number

    from .models import HoursClaim

    return {
        pk: gettext("%(name)s: %(title)s (%(hours)s h)")
        % {"name": name, "title": title, "hours": number(hours)}
        for pk, name, title, hours in HoursClaim.objects.filter(pk__in=ids).values_list(
            "pk", "teacher__name", "title", "hours"
        )
    }


def _own_reminders(actor):
    from qiangshi.access.scoping import scope

    from .models import TrainingReminder

    return scope(TrainingReminder.objects.all(), actor, "view").values("pk")


def _describe_reminders(ids):
    from django.utils.translation import gettext

    from qiangshi.engines.training import number

    from .models import TrainingReminder

    return {
        r.pk: gettext("%(kind)s: %(hours)s h missing")
        % {"kind": r.get_kind_display(), "hours": number(r.shortfall)}
        for r in TrainingReminder.objects.filter(pk__in=ids)
    }


def register() -> None:
    registry.register(
        registry.Process(
            definition=registry.load_definition(HERE / f"{CLAIM_PROCESS}.json"),
            label=_("Training hours entered by a teacher"),
            state_labels={
                "submitted": _("Awaiting the school's review"),
                "approved": _("Approved"),
                "returned": _("Rejected"),
                "withdrawn": _("Withdrawn"),
            },
            transition_labels={
                "approve": _("Approve"),
                "return": _("Reject"),
                "withdraw": _("Withdraw"),
            },
            visible_ids=_claims_to_review,
            url=lambda pk: reverse("web:training_claims") + f"#claim-{pk}",
            describe=_describe_claims,
        )
    )
    registry.register(
        registry.Process(
            definition=registry.load_definition(HERE / f"{REMINDER_PROCESS}.json"),
            label=_("Training reminder"),
            state_labels={"sent": _("To acknowledge"), "acknowledged": _("Acknowledged")},
            transition_labels={"acknowledge": _("Acknowledge")},
            visible_ids=_own_reminders,
            url=lambda pk: reverse("web:training_my_hours") + f"#reminder-{pk}",
            describe=_describe_reminders,
        )
    )
