"""Finds text of the wrong language on a rendered page.

A Chinese page must show no English message of the catalogue (an untranslated message id, or a
string that bypassed translation), no internal names (`teacher.export`, `too_large`) and no
region code standing in for a name. An English page must show no Chinese message of the
catalogue. Names of people, schools and regions are data and may be in either language.

The text checked is what a reader sees: text nodes outside `<script>` and `<style>`, the
attributes a browser shows (title, placeholder, aria-label, alt, button values) and the strings of
`<script type="application/json">` blocks, which feed the charts' labels and tooltips.
"""

import json
import re
from functools import cache
from html.parser import HTMLParser

from tests.test_translations import PLACEHOLDER, PO_PATH, parse_po

HAN = re.compile(r"[\u4e00-\u9fff]")
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-bs-title"}
FILE_NAME = re.compile(r".+\.(?:csv|xlsx|xls|pdf|zip|json|txt)$")
INTERNAL_NAME = re.compile(r"^[a-z]+(?:_[a-z]+)+$|^[a-z_]+\.[a-z_]+(?:\.[a-z_]+)*$")


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0  # inside <script>/<style> (not JSON data)
        self._json = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template"):
            if tag == "script" and attrs.get("type") == "application/json":
                self._json = True
            else:
                self._skip += 1
            return
        for name in SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            if self._json:
                self._json = False
            elif self._skip:
                self._skip -= 1

    def handle_data(self, data):
        if self._json:
            self.texts.extend(_json_strings(data))
        elif not self._skip and data.strip():
            self.texts.append(data)


def _json_strings(data):
    try:
        value = json.loads(data)
    except ValueError:
        return []
    out = []

    def walk(v):
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            for k, item in v.items():
                if k not in ("url", "href", "id", "code", "key", "color", "type"):
                    walk(item)
        elif isinstance(v, list):
            for item in v:
                walk(item)

    walk(value)
    return out


def visible_texts(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return [" ".join(t.split()) for t in parser.texts if t.strip()]


def _pattern(text):
    """A regex matching the message with any value in its placeholders."""
    parts = PLACEHOLDER.split(text)
    return ".+?".join(re.escape(" ".join(p.split())) for p in parts)


@cache
def _catalogue():
    """(English patterns, Chinese patterns) of every translated message whose translation differs
    from its id, each a compiled regex matched against a whole text or, for messages long enough
    not to be a word of a name, anywhere in it."""
    english, chinese = [], []
    for entry in parse_po(PO_PATH):
        msgid, text = entry["msgid"], entry["msgstr"].get(0, "")
        if not msgid or not text or msgid == text:
            continue
        for source, bucket, long_enough in (
            (msgid, english, lambda s: len(s) >= 14 and " " in s.strip()),
            (text, chinese, lambda s: len(HAN.findall(s)) >= 4),
        ):
            plain = PLACEHOLDER.sub("", source).strip()
            if not plain or not re.search(r"[A-Za-z\u4e00-\u9fff]", plain):
                continue
            if PLACEHOLDER.search(source) and len(re.findall(r"[A-Za-z\u4e00-\u9fff]", plain)) < 3:
                continue  # "%(n)d 名%(what)s": too little of its own to tell it from data
            if bucket is english and not re.search(r"[A-Za-z]{2}", plain):
                continue  # "%(n)s ×", "—": no language in it
            if bucket is english and HAN.search(source):
                continue  # an id written in Chinese (rare): nothing English to find
            whole = re.compile(rf"^{_pattern(source)}$", re.S)
            anywhere = re.compile(_pattern(source), re.S) if long_enough(plain) else None
            bucket.append((source, whole, anywhere))
    return english, chinese


@cache
def _any_message(bucket: str):
    """One regex matching a text wherever any message of the bucket ("en": the English ids,
    "zh": their Chinese translations) matches it, whole or anywhere: a text it does not match
    need not be tried message by message."""
    english, chinese = _catalogue()
    messages = english if bucket == "en" else chinese
    wholes = "|".join(whole.pattern[1:-1] for _, whole, _ in messages)
    anywheres = "|".join(anywhere.pattern for _, _, anywhere in messages if anywhere)
    return re.compile(
        rf"(?:{wholes})$|.*?(?:{anywheres})" if anywheres else rf"(?:{wholes})$", re.S
    )


# Shown in both languages on purpose: the product's name in both scripts, and each language's
# name in the language switcher written in that language.
BOTH_LANGUAGES = ("强师", "Qiangshi", "English", "简体中文", "中文")


def wrong_language(html: str, language: str, *, data_names=(), region_codes=()) -> list[str]:
    """The texts on the page that belong to the other language (or are internal names/codes)."""
    return Scanner(language, data_names=data_names, region_codes=region_codes)(html)


class Scanner:
    """`wrong_language` for many pages of one language and the same data: a text repeated on
    many pages (the menu, a table's headings) is checked once, and only the names that occur in
    a text are looked for in it. The result is the same as checking every text in full."""

    def __init__(self, language: str, *, data_names=(), region_codes=()):
        self.language = language
        self.region_codes = region_codes
        # Names are taken out of a text in this order (the caller's: longest first).
        self.names = [n for n in (*data_names, *BOTH_LANGUAGES) if n]
        self.places: dict[str, list[int]] = {}
        for i, name in enumerate(self.names):
            self.places.setdefault(name, []).append(i)
        # Taking a name out leaves a space, so each space-free piece of a name found in a text
        # was in the text from the start: a name is only looked for in the texts that hold its
        # longest piece (found by the text's windows) and all its other pieces.
        self.pieces: dict[str, list[str]] = {}
        self.by_piece: dict[int, dict[str, list[str]]] = {}
        self.always: list[str] = []  # nothing but spaces
        for name in self.places:
            pieces = [p for p in name.split(" ") if p]
            if not pieces:
                self.always.append(name)
                continue
            self.pieces[name] = pieces
            key = max(pieces, key=len)
            self.by_piece.setdefault(len(key), {}).setdefault(key, []).append(name)
        self.memo: dict[str, list[str]] = {}

    def __call__(self, html: str) -> list[str]:
        found = []
        for text in visible_texts(html):
            problems = self.memo.get(text)
            if problems is None:
                problems = self.memo[text] = self._check(text)
            found.extend(problems)
        return sorted(set(found))

    def _names_in(self, text: str) -> list[str]:
        """The names that may be taken out of the text, in the order they are taken out."""
        present = set(self.always)
        for length, keyed in self.by_piece.items():
            for i in range(len(text) - length + 1):
                for name in keyed.get(text[i : i + length], ()):
                    if all(p in text for p in self.pieces[name]):
                        present.add(name)
        return [self.names[i] for i in sorted(i for n in present for i in self.places[n])]

    def _check(self, text: str) -> list[str]:
        english, chinese = _catalogue()
        found = []
        bare = text
        for name in self._names_in(text):
            if name in bare:
                bare = bare.replace(name, " ")
        bare = " ".join(bare.split())
        if not bare:
            return found
        if self.language == "zh-hans":
            for source, whole, anywhere in english if _any_message("en").match(bare) else ():
                if whole.match(bare) or (anywhere and anywhere.search(bare)):
                    found.append(f"English message {source!r} in {text!r}")
                    break
            if INTERNAL_NAME.match(bare) and not FILE_NAME.match(bare):
                found.append(f"internal name {text!r}")
            if bare in self.region_codes:
                found.append(f"region code {text!r} in place of its name")
        else:
            if not HAN.search(bare):
                return found
            for source, whole, anywhere in chinese if _any_message("zh").match(bare) else ():
                if whole.match(bare) or (anywhere and anywhere.search(bare)):
                    found.append(f"Chinese message {source!r} in {text!r}")
                    break
        return found
