"""The `qiangshi` command speaks the operator's language (from the locale variables)."""

import pytest

from qiangshi.cli import language_from_environment


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANGUAGE": "en:zh_CN", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh-hans"),
        ({"LC_ALL": "C.UTF-8", "LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, None),
        ({}, None),
    ],
)
def test_language_from_environment(environ, language):
    assert language_from_environment(environ) == language


def test_the_language_does_not_load_the_settings_before_the_command_line_chooses_them():
    import os
    import subprocess
    import sys

    env = {**os.environ, "LANG": "en_US.UTF-8", "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    env.pop("DATABASE_URL", None)
    code = "import sys; from qiangshi.cli import main; sys.argv = sys.argv[1:]; main()"
    out = subprocess.run(
        [sys.executable, "-c", code, "qiangshi", "diffsettings", "--settings=config.settings.test"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "QIANGSHI_JOBS_IN_THREADS = False" in out  # the test settings, not the local ones
