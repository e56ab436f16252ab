"""What reading an uploaded file may cost: the caps of the settings (README, "Settings").

Every reading of an upload (the check, the import, the national conversion, the annotated file)
takes its caps from here, so that a file the check refused can never be read whole elsewhere.
"""

from django.conf import settings

from qiangshi.engines.tabular import ReadLimits

MB = 1024 * 1024


def read_limits() -> ReadLimits:
    """The caps on one workbook (see `engines.workbook_limits`)."""
    return ReadLimits(
        max_rows=settings.QIANGSHI_IMPORT_MAX_ROWS,
        max_cells=settings.QIANGSHI_IMPORT_MAX_CELLS,
        max_uncompressed=settings.QIANGSHI_IMPORT_MAX_UNCOMPRESSED_MB * MB,
        max_ratio=float(settings.QIANGSHI_IMPORT_MAX_COMPRESSION_RATIO),
        max_shared_strings=settings.QIANGSHI_IMPORT_MAX_SHARED_STRINGS_MB * MB,
        max_text=settings.QIANGSHI_IMPORT_MAX_TEXT_MB * MB,
    )


def max_rows() -> int:
    """Data rows one file may have."""
    return settings.QIANGSHI_IMPORT_MAX_ROWS


def max_upload_bytes() -> int:
    """The largest upload: a request body beyond it is refused before it is read."""
    return settings.QIANGSHI_IMPORT_MAX_UPLOAD_MB * MB
