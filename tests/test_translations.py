"""The Simplified Chinese catalogue is complete, consistent and compiled.

The .po file is parsed by a minimal reader (no extra dependency) and compared with the compiled
.mo, so a forgotten `qiangshi compilemessages` fails here.
"""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PO_PATH = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

PLACEHOLDER = re.compile(r"%\([^)]+\)[sdif]|%[sdif]|\{[^{}]*\}")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
HAN = re.compile(r"[\u4e00-\u9fff]")


def _unquote(text):
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: ESCAPES[m.group(1)], text[1:-1])


def parse_po(path):
    """Entries of a .po file as dicts: flags, msgctxt, msgid, msgid_plural, msgstr {index: str}.

    Obsolete (#~) entries are skipped; the header (empty msgid) is included.
    """
    entries = []
    entry = None
    field = None

    def finish():
        if entry is not None and entry["msgid"] is not None:
            entries.append(entry)

    def fresh():
        return {"flags": set(), "msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}}

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#~"):
            continue
        if not line.strip():
            finish()
            entry, field = None, None
            continue
        if entry is None:
            entry = fresh()
        starts_new = line.startswith(("#", "msgctxt ", "msgid ")) and entry["msgid"] is not None
        if starts_new:
            finish()
            entry = fresh()
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            field, entry["msgctxt"] = "msgctxt", _unquote(line[8:])
        elif line.startswith("msgid_plural "):
            field, entry["msgid_plural"] = "msgid_plural", _unquote(line[13:])
        elif line.startswith("msgid "):
            field, entry["msgid"] = "msgid", _unquote(line[6:])
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            field = index
            entry["msgstr"][index] = _unquote(line[line.index("]") + 1 :])
        elif line.startswith("msgstr "):
            field, entry["msgstr"][0] = 0, _unquote(line[7:])
        elif line.startswith('"'):
            if isinstance(field, int):
                entry["msgstr"][field] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            raise AssertionError(f"unparsable line in {path}: {line!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def entries():
    assert PO_PATH.exists(), "run: qiangshi makemessages -l zh_Hans"
    parsed = parse_po(PO_PATH)
    assert parsed and parsed[0]["msgid"] == ""
    return parsed


@pytest.fixture(scope="module")
def messages(entries):
    return [e for e in entries if e["msgid"] != ""]


def _label(entry):
    return entry["msgid"] if entry["msgctxt"] is None else f"{entry['msgctxt']}|{entry['msgid']}"


def test_the_header_declares_chinese_utf8_and_one_plural_form(entries):
    header = entries[0]["msgstr"][0]
    assert "Language: zh_Hans\n" in header
    assert "charset=UTF-8" in header
    assert "Plural-Forms: nplurals=1; plural=0;" in header
    assert "fuzzy" not in entries[0]["flags"]


def test_every_message_is_translated_and_none_is_fuzzy(messages):
    assert len(messages) > 100
    untranslated = [_label(e) for e in messages if not all(e["msgstr"].values())]
    assert untranslated == []
    fuzzy = [_label(e) for e in messages if "fuzzy" in e["flags"]]
    assert fuzzy == []
    plural_without_form = [
        _label(e) for e in messages if e["msgid_plural"] and 0 not in e["msgstr"]
    ]
    assert plural_without_form == []


def test_placeholders_are_kept(messages):
    mismatched = []
    for e in messages:
        expected = sorted(PLACEHOLDER.findall(e["msgid"]))
        for text in e["msgstr"].values():
            if sorted(PLACEHOLDER.findall(text)) != expected:
                mismatched.append((_label(e), text))
    assert mismatched == []


def test_the_compiled_catalogue_matches_the_po_file(messages):
    assert MO_PATH.exists(), "run: qiangshi compilemessages"
    with MO_PATH.open("rb") as f:
        catalogue = gettext.GNUTranslations(f)
    stale = []
    for e in messages:
        msgid = e["msgid"] if e["msgctxt"] is None else f"{e['msgctxt']}\x04{e['msgid']}"
        if e["msgid_plural"] is None:
            compiled = catalogue._catalog.get(msgid)
            if compiled != e["msgstr"][0]:
                stale.append(_label(e))
        else:
            for index, text in e["msgstr"].items():
                if catalogue._catalog.get((msgid, index)) != text:
                    stale.append(_label(e))
    assert stale == [], "the .mo is out of date: run qiangshi compilemessages"


def test_django_serves_the_chinese_catalogue():
    with translation.override("zh-hans"):
        assert translation.gettext("Teachers") == "教师"
        assert translation.gettext("Established") == "在编"
        assert HAN.search(translation.gettext("Log in"))
        assert translation.ngettext("%(counter)s teacher", "%(counter)s teachers", 3) % {
            "counter": 3
        } == ("3 名教师")
    with translation.override("en"):
        assert translation.gettext("Teachers") == "Teachers"
