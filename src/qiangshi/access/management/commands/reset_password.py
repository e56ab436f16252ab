"""`qiangshi reset_password --user USERNAME`: a temporary password the user must replace."""

from django.core.management.base import BaseCommand, CommandError

from qiangshi.access.models import User
from qiangshi.access.services import user_password_reset


class Command(BaseCommand):
    help = (
        "Give a user a new temporary password (printed once) and unlock their login; with "
        "production settings they must choose their own password at their next login."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username")

    def handle(self, *args, user: str, **options):
        target = User.objects.filter(username=user).first()
        if target is None:
            raise CommandError(f"No user named {user!r}. / 没有名为 {user!r} 的用户。")
        temporary = user_password_reset(actor=None, user=target)
        self.stderr.write(f"Temporary password for {target.username} (shown this once):")
        self.stdout.write(temporary)
