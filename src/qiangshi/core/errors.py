"""The one exception services raise for a request that breaks a rule."""


class ApplicationError(Exception):
    """A user-facing error: a message and, optionally, per-field messages.

    Views turn it into form errors, the API into a JSON 400, commands into a non-zero exit.
    """

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = str(message)
        self.fields = {k: str(v) for k, v in (fields or {}).items()}


class NotFound(ApplicationError):
    """Missing or outside the actor's scope: both answer the same way."""
