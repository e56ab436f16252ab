"""The embedded default: SQLite under var/, debug on, keys read from var/ when not in the env."""

from .base import *  # noqa: F403
from .base import VAR_DIR
from .keys import load_or_create_local_keys

DEBUG = True
SECRET_KEY, QIANGSHI_ENCRYPTION_KEY = load_or_create_local_keys(VAR_DIR)
