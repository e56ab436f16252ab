"""Local development keys: generated once into var/keys.env so the demo needs no setup.

Production never uses this: it reads DJANGO_SECRET_KEY and QIANGSHI_ENCRYPTION_KEY from the
environment and refuses to start without them.
"""

import os
import secrets
from pathlib import Path


def load_or_create_local_keys(var_dir: Path) -> tuple[str, str]:
    secret = os.environ.get("DJANGO_SECRET_KEY")
    enc = os.environ.get("QIANGSHI_ENCRYPTION_KEY")
    if secret and enc:
        return secret, enc
    path = var_dir / "keys.env"
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                values[k.strip()] = v.strip()
    if "DJANGO_SECRET_KEY" not in values or "QIANGSHI_ENCRYPTION_KEY" not in values:
        values = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "QIANGSHI_ENCRYPTION_KEY": secrets.token_urlsafe(32),
        }
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        path.chmod(0o600)
    return secret or values["DJANGO_SECRET_KEY"], enc or values["QIANGSHI_ENCRYPTION_KEY"]
