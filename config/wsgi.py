import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# Refuse to serve with an encryption key that is not the database's (qiangshi.core.keys).
from qiangshi.core.keys import ensure_key_matches  # noqa: E402

ensure_key_matches()

# The garbage collector, for a long-running server process. The objects loaded so far (Django,
# the apps, the URL and template machinery) live as long as the process: `gc.freeze` keeps the
# full collections from walking them again and again. A request allocates tens of thousands of
# objects, nearly all freed by reference counting, so the youngest generation is collected
# every 50,000 allocations instead of every 700. With 20 users asking without pause on a
# province, p99 fell from 1.40 s to 1.05-1.08 s and p95 from 0.85-0.90 s to 0.82 s.
import gc  # noqa: E402

gc.freeze()
gc.set_threshold(50_000, 20, 20)
