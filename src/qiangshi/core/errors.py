"""The one exception services raise for a request that breaks a rule."""

from django.utils import translation


class ApplicationError(Exception):
    """A user-facing error: a message and, optionally, per-field messages.

    Views turn it into form errors, the API into a JSON 400 (403 for Forbidden), commands into
    a non-zero exit.
    `message` is in the active language; `message_zh` and `message_en` hold both languages
    where the raiser gave them (see `bilingual`), for reports that show both.
    """

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, str] | None = None,
        message_zh: str | None = None,
        message_en: str | None = None,
    ):
        super().__init__(message)
        self.message = str(message)
        self.fields = {k: str(v) for k, v in (fields or {}).items()}
        self.message_zh = message_zh if message_zh is not None else self.message
        self.message_en = message_en if message_en is not None else self.message


class NotFound(ApplicationError):
    """Missing or outside the actor's scope: both answer the same way."""


class Forbidden(ApplicationError):
    """The actor's role may not do this at all, or may see the record but not act on it (a plan
    of a larger region, another person's upload): the API answers 403. A record the actor may
    not even see is NotFound instead, like a missing one."""


class Gone(ApplicationError):
    """Known, but no longer there (a stored file deleted): views answer 410."""


class EditConflict(ApplicationError):
    """Someone saved the record after the editor loaded it (optimistic locking): nothing was
    written. `conflicts` holds, per field, the editor's value and the value saved meanwhile
    (as shown to users: sensitive values masked); `version` is the record's current version,
    which a deliberate second save sends to keep the editor's values."""

    def __init__(
        self,
        message: str,
        *,
        conflicts: dict[str, tuple[str, str]],
        version: int,
        fields: dict[str, str] | None = None,
    ):
        super().__init__(message, fields=fields)
        self.conflicts = conflicts
        self.version = version


class InvalidInput(ApplicationError):
    """A request value no rule can accept (a year before any rule set, a NUL character): the
    API answers 422 and a page answers 422 with the message, never a server error."""


def bilingual(
    message_en: str,
    message_zh: str,
    *,
    fields: dict[str, str] | None = None,
    error: type[ApplicationError] = ApplicationError,
) -> ApplicationError:
    """An error with its message in both languages, `message` in the active one."""
    english = (translation.get_language() or "zh-hans").startswith("en")
    return error(
        message_en if english else message_zh,
        fields=fields,
        message_zh=message_zh,
        message_en=message_en,
    )


def translated(message, params: dict | None = None, **kwargs) -> ApplicationError:
    """`bilingual` for a (lazy) gettext message: rendered in English and in Chinese."""
    texts = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            text = str(message)
            texts[language] = text % params if params else text
    return bilingual(texts["en"], texts["zh-hans"], **kwargs)
