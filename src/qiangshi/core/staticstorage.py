"""Static files in production: hashed names and compressed copies (WhiteNoise), without the
source maps that the vendored minified files name but that are not shipped."""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    return tuple(
        (glob, tuple(p for p in rules if "sourceMappingURL" not in str(p)))
        for glob, rules in patterns
    )


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Bootstrap's and ECharts' files end with a `sourceMappingURL` comment naming a map file
    that `make assets` does not copy; the comment is left as it is (a browser's developer
    tools then find no map) instead of failing collectstatic."""

    patterns = _without_source_maps(ManifestStaticFilesStorage.patterns)
