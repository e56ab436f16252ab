"""Writes to users and API tokens."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qiangshi.core.errors import ApplicationError, Forbidden
from qiangshi.core.services import audit_record

from .models import ApiToken, Role, User
from .permissions import has_perm


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str,
    role: str,
    region=None,
    school=None,
    display_name: str = "",
) -> User:
    """Create a login. Office roles need a region, a school administrator a school."""
    if actor is not None and not has_perm(actor, "user.create"):
        raise Forbidden(_("You may not create users."))
    errors = {}
    if role not in Role.values:
        errors["role"] = _("Unknown role.")
    if role in (Role.BUREAU, Role.DISTRICT) and region is None:
        errors["region"] = _("This role needs a region.")
    if role == Role.SCHOOL and school is None:
        errors["school"] = _("This role needs a school.")
    if User.objects.filter(username=username).exists():
        errors["username"] = _("This username is taken.")
    try:
        validate_password(password, User(username=username, display_name=display_name))
    except ValidationError as exc:
        errors["password"] = " ".join(exc.messages)
    if errors:
        raise ApplicationError(_("The user could not be saved."), fields=errors)
    user = User(
        username=username,
        role=role,
        region=region,
        school=school,
        display_name=display_name,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
        # Someone else chose this password: the user must choose their own (production).
        must_change_password=True,
    )
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        target=user,
        changes={"username": [None, username], "role": [None, role]},
    )
    return user


@transaction.atomic
def api_token_create(*, actor, name: str) -> tuple[ApiToken, str]:
    """Create a token for the actor; the key is returned once and only its hash is kept."""
    if not name.strip():
        raise ApplicationError(
            _("The token could not be created."), fields={"name": _("This field is required.")}
        )
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=actor, name=name.strip(), prefix=key[3:9], key_hash=ApiToken.hash_key(key)
    )
    audit_record(actor=actor, action="api_token.create", target=token)
    return token, key


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> None:
    if token.user_id != actor.pk and actor.role != Role.ADMIN:
        raise ApplicationError(_("Not found"))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="api_token.revoke", target=token)


def api_token_authenticate(key: str) -> User | None:
    """The active user a bearer key belongs to, or None."""
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def user_password_reset(*, actor, user: User) -> str:
    """Give `user` a new random temporary password (returned, to be handed over once), which
    they must replace at their next login (production), and lift any login lock on them.

    `actor` None is the operator at the command line; otherwise an administrator."""
    import secrets

    from axes.utils import reset

    if actor is not None and not has_perm(actor, "user.create"):
        raise Forbidden(_("You may not reset passwords."))
    temporary = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    user.set_password(temporary)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    reset(username=user.username)
    audit_record(actor=actor, action="user.password_reset", target=user)
    return temporary
