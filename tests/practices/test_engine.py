"""The search engines on their own (no database): jieba's segmentation of Chinese queries and
BM25's ranking on a small hand-made corpus whose order follows from the formula."""

import math

import pytest

from qiangshi.engines import bm25, practice_cases, segment


def test_a_query_keeps_the_domain_words_whole_and_their_parts():
    terms = segment.query_terms("名师出岛和交流轮岗")

    assert "名师出岛" in terms and "交流轮岗" in terms  # from the domain dictionary
    assert "名师" in terms and "交流" in terms and "轮岗" in terms  # search mode cuts them too
    assert "和" not in terms  # a function word


def test_segmentation_drops_punctuation_and_lowercases_latin_words():
    words = segment.tokens("AI助力教师数字素养提升！！")

    assert "ai" in words and "数字素养" in words
    assert all(w not in words for w in ("！", "！！", " "))


def test_query_terms_are_distinct_and_in_order():
    assert segment.query_terms("教师 教师 培训") == ["教师", "培训"]
    assert segment.query_terms("，。的") == []


def test_field_weights_repeat_a_title():
    assert segment.field_tokens([("轮岗", 2), ("轮岗", 1)]) == ["轮岗", "轮岗", "轮岗"]


# Five documents of hand-counted words. avgdl = 14; "轮岗" is in four of them (a common word,
# low idf), "名师" in one (rare, high idf).
CORPUS = [
    bm25.Doc(1, ["轮岗"] + ["教师"] * 9, {"pillar": "allocation", "region": "3502"}),
    bm25.Doc(2, ["轮岗"] * 3 + ["教师"] * 7, {"pillar": "allocation", "region": "31"}),
    bm25.Doc(3, ["轮岗"] * 3 + ["教师"] * 27, {"pillar": "allocation", "region": "3502"}),
    bm25.Doc(4, ["工资"] + ["教师"] * 9, {"pillar": "welfare", "region": "3502"}),
    bm25.Doc(5, ["轮岗", "名师"] + ["教师"] * 8, {"pillar": "allocation", "region": "63"}),
]


@pytest.fixture
def index():
    return bm25.Index(CORPUS)


def test_more_occurrences_rank_higher_and_a_long_document_is_discounted(index):
    hits = index.search(["轮岗"])

    # 2 and 3 both hold the word three times, but 3 is three times as long: 2 first, then 3;
    # 1 and 5 hold it once in documents of the same length: equal scores, by id; 4 lacks it.
    assert [h.id for h in hits] == [2, 3, 1, 5]
    assert hits[2].score == pytest.approx(hits[3].score)


def test_score_is_the_bm25_formula(index):
    idf = math.log(1 + (5 - 4 + 0.5) / (4 + 0.5))
    norm = 1.2 * (1 - 0.75 + 0.75 * 10 / 14)
    expected = idf * 3 * 2.2 / (3 + norm)

    assert index.search(["轮岗"])[0].score == pytest.approx(expected)


def test_a_rare_word_outweighs_a_common_one(index):
    hits = index.search(["轮岗", "名师"])

    # 5 alone holds the rare "名师": first, although 2 and 3 hold "轮岗" more often.
    assert [h.id for h in hits] == [5, 2, 3, 1]
    assert hits[0].terms == ("名师", "轮岗")  # heaviest contribution first
    assert hits[1].terms == ("轮岗",)


def test_facets_filter_by_equality_and_prefix(index):
    assert [h.id for h in index.search(["教师"], where={"pillar": "welfare"})] == [4]
    assert [h.id for h in index.search(["轮岗"], prefix={"region": "35"})] == [3, 1]
    assert index.search(["轮岗"], where={"pillar": "ethics"}) == []
    assert index.count(["轮岗"], prefix={"region": "35"}) == 2


def test_unknown_words_and_empty_queries_find_nothing(index):
    assert index.search(["不存在"]) == []
    assert index.search([]) == []
    assert index.search(["轮岗"], limit=0) == []


def test_limit_keeps_the_best(index):
    assert [h.id for h in index.search(["轮岗"], limit=2)] == [2, 3]


def test_similar_documents_share_the_heaviest_words_and_leave_out_the_document(index):
    similar = index.similar(5, limit=3)

    # 5's heaviest words of two characters: 名师 (nobody else), 轮岗, 教师. The shared 轮岗 ranks
    # 2 (three times, short) before 3 and 1.
    assert 5 not in [h.id for h in similar]
    assert [h.id for h in similar] == [2, 3, 1]
    assert similar[0].terms[0] == "轮岗"
    assert index.similar(99) == []


def test_template_cases_are_reproducible_and_cover_every_pillar():
    regions = [("3502", "厦门市"), ("31", "上海市"), ("63", "青海省")]
    first = practice_cases.generate(regions, n=50, seed=7)

    assert first == practice_cases.generate(regions, n=50, seed=7)
    assert first != practice_cases.generate(regions, n=50, seed=8)
    assert {c.pillar for c in first} == set(practice_cases.PILLARS)
    assert {c.region_code for c in first} == {"3502", "31", "63"}
    assert all(c.title.startswith(("厦门市", "上海市", "青海省")) for c in first)
