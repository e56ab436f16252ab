"""Spreadsheets built to exhaust a reader's memory, written with zipfile as an attacker would.

Each is a few kilobytes to a few megabytes on the wire. Read without limits, they take: the
shared-string bomb ~2 GB (one 1 MB string copied into each of 2,000 cells), the compression
bomb ~300 MB of text from a 300 KB upload (a 1,000× deflate ratio), the extent bomb 549 GB
(calamine allocates the range A1:XFD1048576 and aborts the process), the row bomb ~5 GB
(2.5 million rows). `dry_run` is what a child process runs to measure the import's peak.
"""

from __future__ import annotations

import functools
import io
import resource
import zipfile

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    b'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    b'"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    b'"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    b'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
    b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/'
    b'workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?><workbook ' + NS + b' xmlns:r="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" '
    b'sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/'
    b'sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    b"</Relationships>"
)
HEADER = ["姓名", "身份证号码"]


def workbook(rows, strings=(), *, dimension: str | None = None, level: int = 6) -> bytes:
    """An .xlsx of one sheet: `rows` is an iterable of <row> elements' bytes, written as they
    come (a sheet of hundreds of MB is never held whole); shared strings 0 and 1 are the
    header's, then `strings`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><sst ' + NS + b">")
            for text in [h.encode() for h in HEADER] + list(strings):
                f.write(b"<si><t>" + text + b"</t></si>")
            f.write(b"</sst>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + NS + b">")
            if dimension:
                f.write(b'<dimension ref="' + dimension.encode() + b'"/>')
            f.write(b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>')
            f.write(b'<c r="B1" t="s"><v>1</v></c></row>')
            for row in rows:
                f.write(row)
            f.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def shared_string_bomb(length: int = 1_000_000, cells: int = 2000) -> bytes:
    """One string of `length` characters, used by `cells` cells (two a row)."""

    def rows():
        for r in range(2, cells // 2 + 2):
            yield (
                b'<row r="%d"><c r="A%d" t="s"><v>2</v></c><c r="B%d" t="s"><v>2</v></c></row>'
                % (
                    r,
                    r,
                    r,
                )
            )

    return workbook(rows(), [b"x" * length])


def compression_bomb(cells: int = 300, length: int = 1_000_000) -> bytes:
    """`cells` inline strings of `length` identical characters: deflates about 1,000 times."""
    text = b"x" * length

    def rows():
        for r in range(2, cells + 2):
            yield (
                b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>' % (r, r)
                + text
                + b"</t></is></c></row>"
            )

    return workbook(rows(), level=9)


def extent_bomb() -> bytes:
    """A sheet whose <dimension> claims the whole grid, and whose cells span it: one at A2 and
    one at XFD1048576 (the reader allocates every cell between)."""
    rows = [
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>',
        b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
    ]
    return workbook(rows, dimension="A1:XFD1048576")


def dimension_claim() -> bytes:
    """A two-row sheet whose <dimension> claims A1:XFD1048576: the claim alone costs nothing."""
    rows = [b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>']
    return workbook(rows, dimension="A1:XFD1048576")


def row_bomb(count: int = 2_500_000) -> bytes:
    """`count` rows of four short cells, two of them shared strings."""

    def rows():
        template = (
            b'<row r="%d"><c r="A%d" t="s"><v>2</v></c><c r="B%d"><v>%d</v></c>'
            b'<c r="C%d" t="s"><v>3</v></c><c r="D%d"><v>%d</v></c></row>'
        )
        block = 50_000
        for start in range(2, count + 2, block):
            yield b"".join(
                template % (r, r, r, r, r, r, r * 7)
                for r in range(start, min(start + block, count + 2))
            )

    return workbook(rows(), ["张三".encode(), "思明第一小学".encode()], level=1)


# Each built once per test process (the row bomb takes a few seconds).
BOMBS = {
    "shared_strings": functools.cache(shared_string_bomb),
    "compression": functools.cache(compression_bomb),
    "extent": functools.cache(extent_bomb),
    "rows": functools.cache(row_bomb),
}


def dry_run(kind: str, data: bytes, filename: str) -> dict:
    """Check `data` as an import would (nothing is written; run in a child process, whose own
    peak resident memory is returned): the refusal's code and messages, and the peak in MB."""
    from qiangshi.access.models import Role, User
    from qiangshi.core.errors import ApplicationError
    from qiangshi.imports.services import import_file

    actor = User(username="bomb", role=Role.ADMIN, is_superuser=True)
    outcome: dict = {"code": None}
    try:
        import_file(actor=actor, kind=kind, data=data, filename=filename, dry_run=True)
    except ApplicationError as exc:
        outcome = {"code": exc.fields.get("file"), "zh": exc.message_zh, "en": exc.message_en}
    outcome["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return outcome


def read_without_limits(data: bytes) -> int:
    """Read every row of `data` with calamine and no limit checked, as the reader did before
    the limits (run in a memory-capped child process: a bomb makes it fail there). calamine
    holds a sheet whole; the streaming .xlsx reader that reads checked workbooks holds one
    shared string once, whatever the cells that name it."""
    from qiangshi.engines import tabular

    kind = tabular.detect_format(data)
    table = tabular._read_workbook(data, kind, sheet=0, max_rows=None, header_row=None, lazy=True)
    return sum(1 for _ in table.rows)


class _Aborting:
    """A task whose process dies (as when the reader aborts on a failed allocation)."""

    def apply(self, args, kwargs, throw=True):
        import os

        os.abort()


aborting_task = _Aborting()
