import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# Refuse to serve with an encryption key that is not the database's (qiangshi.core.keys).
from qiangshi.core.keys import ensure_key_matches  # noqa: E402

ensure_key_matches()
