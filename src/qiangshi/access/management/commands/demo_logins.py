"""`qiangshi demo_logins`: the demo accounts to log in with, one per role."""

import os

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from qiangshi.access.models import User

DEMO_USERNAMES = [
    "admin",
    "bureau",
    "district",
    "school",
    "teacher",
    "reviewer",
    "pilot",
    "auditor",
]
DEMO_PASSWORD = "qiangshi-demo"


def _area(user: User) -> str:
    if user.school_id:
        return user.school.name
    if user.region_id:
        return user.region.name
    teacher = getattr(user, "teacher_profile", None)
    if teacher is not None:
        school = teacher.current_school
        return f"{teacher.name} · {school.name}" if school else teacher.name
    return "—"


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Print the demo accounts (one per role), their area and password, and the URL."

    def handle(self, *args, **options):
        found = {
            u.username: u
            for u in User.objects.filter(username__in=DEMO_USERNAMES).select_related(
                "region", "school", "teacher_profile"
            )
        }
        users = [found[name] for name in DEMO_USERNAMES if name in found]
        if not users:
            self.stdout.write(
                _("No demo accounts found. Build the demo region first: %(command)s")
                % {"command": "qiangshi demo_region"}
            )
            return
        rows = [[_("Username"), _("Role"), _("Area"), _("Password")]]
        rows += [[u.username, str(u.get_role_display()), _area(u), DEMO_PASSWORD] for u in users]
        widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
        port = os.environ.get("PORT") or "8000"
        self.stdout.write(_("Qiangshi demo: %(url)s") % {"url": f"http://127.0.0.1:{port}/"})
        self.stdout.write("")
        for i, row in enumerate(rows):
            self.stdout.write(
                "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
            if i == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
