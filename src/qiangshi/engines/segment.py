"""Chinese word segmentation for full-text search: jieba in search mode, loaded once.

`tokens(text)` cuts a text into the words a search matches on: jieba's `cut_for_search` (a long
word also yields the shorter words inside it, 教师队伍 → 教师, 队伍, 教师队伍, so a query for
either finds it), ASCII lower-cased, punctuation, spaces and the commonest function words
dropped. The domain's own terms (data/practice-words.txt: 名师出岛, 山海协作, 县管校聘, …) are
added to jieba's dictionary so that they stay whole as well as cut.

Loading jieba's dictionary takes a second or two, so it happens once per process, on first use,
under a lock; `configure(cache_dir)` names a writable directory for jieba's prefix-dictionary
cache (the system temporary directory when not called).

>>> tokens("名师出岛，山海协作！")
['名师', '名师出岛', '山海', '海协', '协作', '山海协作']
>>> field_tokens([("教师培训", 2), ("培训", 1)])
['教师', '培训', '教师', '培训', '培训']
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

WORDS_FILE = Path(__file__).resolve().parent / "data" / "practice-words.txt"

# Function words that carry no topic: left out of documents and queries alike.
_STOPWORDS_TEXT = (
    "的 了 和 与 及 或 是 在 对 为 将 把 被 从 向 等 并 其 之 也 而 又 就 都 要 以 于 由 中 上 下 个 "
    "这 那 有 一 不 我 我们 你 他 她 它 各 该 此 所 着 过 给 让 使 如 则 但 即 还 更 很 已 再"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_WORD = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff]")

_lock = threading.Lock()
_tokenizer = None
_cache_dir: str | None = None


def configure(cache_dir: str | Path | None) -> None:
    """Where jieba keeps its dictionary cache; call before the first `tokens()`."""
    global _cache_dir
    _cache_dir = str(cache_dir) if cache_dir is not None else None


def _load():
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            with warnings.catch_warnings():  # jieba 0.42's regexes use old escapes
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", SyntaxWarning)
                import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            if _cache_dir:
                Path(_cache_dir).mkdir(parents=True, exist_ok=True)
                tokenizer.tmp_dir = _cache_dir
            tokenizer.initialize()
            tokenizer.load_userdict(str(WORDS_FILE))
            _tokenizer = tokenizer
    return _tokenizer


def loaded() -> bool:
    """Whether the dictionary is loaded in this process (for tests and warm-up)."""
    return _tokenizer is not None


def tokens(text: str) -> list[str]:
    """The search words of `text`, in order (see the module docstring)."""
    if not text:
        return []
    out: list[str] = []
    for block in _BLOCK.findall(text):
        out.extend(_block_tokens(block))
    return out


# jieba cuts a text block by block, a block being a run of the characters below (its
# `re_han_default`); cutting block by block gives the same words, and lets repeated blocks (a
# sentence every case of a template shares) be cut once.
_BLOCK = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")


@lru_cache(maxsize=65536)
def _block_tokens(block: str) -> tuple[str, ...]:
    tokenizer = _tokenizer or _load()
    out = []
    for word in tokenizer.cut_for_search(block):
        word = word.strip().lower()
        if word and word not in STOPWORDS and _WORD.search(word):
            out.append(word)
    return tuple(out)


def field_tokens(fields: Iterable[tuple[str, int]]) -> list[str]:
    """The words of several fields, each repeated `weight` times (a title counting twice makes
    a match in it weigh more than one in the body)."""
    out: list[str] = []
    for text, weight in fields:
        words = tokens(text)
        for _ in range(weight):
            out.extend(words)
    return out


def query_terms(text: str) -> list[str]:
    """The distinct words of a query, in first-seen order."""
    return list(dict.fromkeys(tokens(text)))


def split_stored(stored: str) -> Sequence[str]:
    """A persisted token form (words joined by spaces) back into its words."""
    return stored.split()
