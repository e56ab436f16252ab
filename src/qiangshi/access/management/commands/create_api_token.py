"""`qiangshi create_api_token --user USERNAME [--name NAME]`: issue a bearer key for the API."""

from django.core.management.base import BaseCommand, CommandError

from qiangshi.access.models import User
from qiangshi.access.services import api_token_create
from qiangshi.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Create an API token for a user and print its key (shown this once only)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username of the token's owner")
        parser.add_argument("--name", default="cli", help="a label to recognise the token by")

    def handle(self, *args, user: str, name: str, **options):
        owner = User.objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"No user named {user!r}.")
        if not owner.is_active:
            raise CommandError(f"User {user!r} is inactive.")
        try:
            token, key = api_token_create(actor=owner, name=name)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.fields}") from None
        self.stderr.write(f"Token {token.name!r} ({token.prefix}…) for {owner.username}:")
        self.stdout.write(key)
