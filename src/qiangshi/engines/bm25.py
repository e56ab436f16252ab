"""Okapi BM25 ranking over an inverted index of segmented documents.

For a query of distinct terms q₁…qₙ and a document d of |d| words (avgdl the mean length):

    score(d) = Σᵢ idf(qᵢ) · tf(qᵢ, d) · (k1 + 1) / (tf(qᵢ, d) + k1 · (1 − b + b · |d| / avgdl))
    idf(t)   = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))

with N documents, df(t) of them holding t, k1 = 1.2 and b = 0.75. A rare term weighs more
than a common one; repeating a term helps less and less; a long document is discounted. Only
documents holding at least one query term are returned; equal scores rank by id.

The index keeps, per term, the documents that hold it (sorted) and each one's term weight (the
summand above), computed once when the index is built, so that a search is one vectorised
add per query term over its posting list. Each document may carry facets (pillar, region, …)
that a search can require (`where`: equal; `prefix`: starts with).

"Similar documents" of d: its `n_terms` heaviest terms (by their weight in d) as a query, d
itself left out; each hit names the shared terms that scored, heaviest first — the explanation.

>>> index = Index([
...     Doc(1, ["教师", "培训", "培训"], {"pillar": "capability"}),
...     Doc(2, ["教师", "工资"], {"pillar": "welfare"}),
...     Doc(3, ["乡村", "教师", "培训"], {"pillar": "capability"}),
... ])
>>> [(h.id, h.terms) for h in index.search(["培训"])]
[(1, ('培训',)), (3, ('培训',))]
>>> [h.id for h in index.search(["培训"], where={"pillar": "welfare"})]
[]
>>> [h.id for h in index.similar(3, limit=2, min_length=1)]
[1, 2]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field

import numpy as np

K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class Doc:
    """A document to index: its id, its words (already segmented) and its facets."""

    id: int
    tokens: Sequence[str]
    facets: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    """A ranked document: its id, its score and the query terms it holds (heaviest first)."""

    id: int
    score: float
    terms: tuple[str, ...]


class Index:
    """An immutable BM25 index (see the module docstring)."""

    def __init__(self, docs: Iterable[Doc], *, k1: float = K1, b: float = B):
        ids: list[int] = []
        lengths: list[int] = []
        facets: dict[str, list[str]] = {}
        vocab: dict[str, int] = {}
        term_ids: list[int] = []
        for n, doc in enumerate(docs):
            ids.append(doc.id)
            lengths.append(len(doc.tokens))
            for key, value in doc.facets.items():
                facets.setdefault(key, [""] * n).append(value or "")
            for key in facets:
                if len(facets[key]) < n + 1:
                    facets[key].append("")
            term_ids.extend([vocab.setdefault(t, len(vocab)) for t in doc.tokens])
        self.size = size = len(ids)
        self.ids = np.array(ids, dtype=np.int64)
        self._row = {pk: n for n, pk in enumerate(ids)}
        self.facets = {k: np.array(v, dtype=object) for k, v in facets.items()}
        self._terms = list(vocab)
        dl = np.array(lengths, dtype=np.float64)
        avgdl = float(dl.mean()) if size and dl.mean() > 0 else 1.0
        norm = k1 * (1 - b + b * dl / avgdl)
        # Every (term, document) pair once with its count, sorted by term then document: the
        # postings are slices of these arrays.
        doc_of_token = np.repeat(np.arange(size, dtype=np.int64), lengths)
        pairs, tf = np.unique(
            np.array(term_ids, dtype=np.int64) * max(size, 1) + doc_of_token, return_counts=True
        )
        term_of, doc_of = np.divmod(pairs, max(size, 1))
        bounds = np.searchsorted(term_of, np.arange(len(vocab) + 1))
        df = np.diff(bounds).astype(np.float64)
        idf = np.log(1 + (size - df + 0.5) / (df + 0.5))
        tf = tf.astype(np.float64)
        weights = idf[term_of] * tf * (k1 + 1) / (tf + norm[doc_of])
        self.idf = dict(zip(self._terms, idf.tolist(), strict=True))
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {
            term: (doc_of[bounds[t] : bounds[t + 1]], weights[bounds[t] : bounds[t + 1]])
            for t, term in enumerate(self._terms)
        }
        # The same pairs by document (for a document's heaviest terms).
        by_doc = np.argsort(doc_of, kind="stable")
        self._doc_bounds = np.searchsorted(doc_of[by_doc], np.arange(size + 1))
        self._doc_term_ids = term_of[by_doc]
        self._doc_weights = weights[by_doc]
        self._masks: dict[tuple[str, str, bool], np.ndarray] = {}

    def __len__(self) -> int:
        return self.size

    def __contains__(self, doc_id: int) -> bool:
        return doc_id in self._row

    def mask(
        self, where: Mapping[str, str] | None = None, prefix: Mapping[str, str] | None = None
    ) -> np.ndarray | None:
        """The documents whose facets equal `where` and start with `prefix` (None: all)."""
        wanted = [(k, v, False) for k, v in (where or {}).items() if v]
        wanted += [(k, v, True) for k, v in (prefix or {}).items() if v]
        if not wanted:
            return None
        out = np.ones(self.size, dtype=bool)
        for key in wanted:
            m = self._masks.get(key)
            if m is None:
                name, value, starts = key
                column = self.facets.get(name, np.array([""] * self.size, dtype=object))
                if starts:
                    m = np.fromiter((v.startswith(value) for v in column), bool, self.size)
                else:
                    m = column == value
                self._masks[key] = m
            out &= m
        return out

    def _rank(
        self, terms: Sequence[str], limit: int | None, allowed, exclude: int | None
    ) -> Ranking:
        present = [t for t in dict.fromkeys(terms) if t in self._postings]
        if not present or (limit is not None and limit <= 0):
            return Ranking(self, np.empty(0, dtype=np.int64), np.empty(0), ())
        scores = np.zeros(self.size, dtype=np.float64)
        for term in present:
            rows, weights = self._postings[term]
            scores[rows] += weights
        if allowed is not None:
            scores[~allowed] = 0.0
        if exclude is not None:
            scores[exclude] = 0.0
        candidates = np.flatnonzero(scores > 0)
        if limit is not None and len(candidates) > limit:
            # The `limit` best, and every document tied with the last of them, then sorted.
            cut = len(candidates) - limit
            kth = np.partition(scores[candidates], cut)[cut]
            candidates = candidates[scores[candidates] >= kth]
        order = np.lexsort((self.ids[candidates], -scores[candidates]))
        if limit is not None:
            order = order[:limit]
        rows = candidates[order]
        return Ranking(self, rows, scores[rows], tuple(present))

    def search(
        self,
        terms: Sequence[str],
        *,
        limit: int | None = 20,
        where: Mapping[str, str] | None = None,
        prefix: Mapping[str, str] | None = None,
    ) -> Ranking:
        """The `limit` best documents for the query `terms` (every match when None), best
        first (see the module docstring)."""
        return self._rank(terms, limit, self.mask(where, prefix), None)

    def count(
        self,
        terms: Sequence[str],
        *,
        where: Mapping[str, str] | None = None,
        prefix: Mapping[str, str] | None = None,
    ) -> int:
        """How many documents hold at least one of `terms` (within the facets)."""
        hit = np.zeros(self.size, dtype=bool)
        for term in dict.fromkeys(terms):
            if term in self._postings:
                hit[self._postings[term][0]] = True
        allowed = self.mask(where, prefix)
        return int((hit & allowed).sum() if allowed is not None else hit.sum())

    def top_terms(
        self, doc_id: int, n: int = 10, *, min_length: int = 1
    ) -> list[tuple[str, float]]:
        """The document's `n` heaviest terms of at least `min_length` characters, with their
        weight in it (ties: alphabetical)."""
        row = self._row.get(doc_id)
        if row is None:
            return []
        lo, hi = self._doc_bounds[row], self._doc_bounds[row + 1]
        out = [
            (self._terms[t], w)
            for t, w in zip(
                self._doc_term_ids[lo:hi].tolist(), self._doc_weights[lo:hi].tolist(), strict=True
            )
            if len(self._terms[t]) >= min_length
        ]
        out.sort(key=lambda p: (-p[1], p[0]))
        return out[:n]

    def similar(
        self,
        doc_id: int,
        *,
        limit: int = 5,
        n_terms: int = 10,
        min_length: int = 2,
        where: Mapping[str, str] | None = None,
        prefix: Mapping[str, str] | None = None,
    ) -> Ranking:
        """The documents most like `doc_id` by its `n_terms` heaviest terms of at least
        `min_length` characters (a single character says little of a topic), itself left out."""
        row = self._row.get(doc_id)
        if row is None:
            return Ranking(self, np.empty(0, dtype=np.int64), np.empty(0), ())
        terms = [t for t, _w in self.top_terms(doc_id, n_terms, min_length=min_length)]
        return self._rank(terms, limit, self.mask(where, prefix), row)


class Ranking(SequenceABC):
    """Ranked documents, best first, as a sequence of `Hit`s: its length is the number of
    matches, and the terms each hit holds (the explanation) are found only for the hits read —
    a page of a long list costs a page."""

    def __init__(self, index: Index, rows: np.ndarray, scores: np.ndarray, terms: tuple):
        self._index = index
        self._rows = rows
        self._scores = scores
        self._terms = terms

    def __len__(self) -> int:
        return len(self._rows)

    def _hits(self, positions: range) -> list[Hit]:
        """The hits at `positions`, with the terms each holds: one vectorised lookup per query
        term for all of them."""
        if not len(positions):
            return []
        rows = self._rows[positions.start : positions.stop : positions.step]
        held: list[list[tuple[float, str]]] = [[] for _ in range(len(rows))]
        for term in self._terms:
            term_rows, weights = self._index._postings[term]
            at = np.minimum(np.searchsorted(term_rows, rows), len(term_rows) - 1)
            found = term_rows[at] == rows
            for k in np.flatnonzero(found):
                held[k].append((-float(weights[at[k]]), term))
        ids = self._index.ids[rows]
        scores = self._scores[positions.start : positions.stop : positions.step]
        return [
            Hit(int(ids[k]), float(scores[k]), tuple(t for _w, t in sorted(held[k])))
            for k in range(len(rows))
        ]

    def __getitem__(self, item):
        if isinstance(item, slice):
            return self._hits(range(*item.indices(len(self))))
        if item < 0:
            item += len(self)
        if not 0 <= item < len(self):
            raise IndexError(item)
        return self._hits(range(item, item + 1))[0]

    def __eq__(self, other) -> bool:
        return list(self) == list(other) if isinstance(other, SequenceABC) else NotImplemented

    @property
    def ids(self) -> list[int]:
        """The ranked documents' ids (no explanation computed)."""
        return [int(i) for i in self._index.ids[self._rows]]
