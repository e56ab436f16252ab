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
