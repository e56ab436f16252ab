"""Searching the library through the selectors and the command: the ranking on a small
hand-made library, the filters, similar cases, and the index kept current."""

import json
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from qiangshi.practices import search, selectors, services
from qiangshi.practices.models import Practice


def _ids(found):
    return [f.practice.pk for f in found]


def test_a_title_match_ranks_above_a_summary_match(world, library):
    found = selectors.practice_search(actor=world["users"]["teacher"], query="交流轮岗")

    # The Shanghai case holds the word in its title (counted twice) and text; Xiamen's only in
    # its summary. Nothing else holds it.
    assert _ids(found) == [library["rotation"].pk, library["island"].pk]
    assert "交流轮岗" in found[0].terms


def test_a_query_is_segmented_before_matching(world, library):
    found = selectors.practice_search(actor=world["users"]["teacher"], query="怎样减轻教师的负担")

    # The burden case holds 减轻, 教师 and 负担 (in its title and text); the whitelist case 减轻
    # and 负担; the others only the common 教师, if anything.
    assert _ids(found)[:2] == [library["burden"].pk, library["whitelist"].pk]


def test_filters_by_pillar_and_region(world, library):
    teacher = world["users"]["teacher"]

    welfare = selectors.practice_search(actor=teacher, query="教师 白名单", pillar="welfare")
    xiamen = selectors.practice_search(actor=teacher, query="交流轮岗", region="3502")
    fujian = selectors.practice_list(actor=teacher, region="35")

    assert set(_ids(welfare)) <= {library[k].pk for k in ("burden", "whitelist", "perks")}
    assert library["whitelist"].pk in _ids(welfare)
    assert _ids(xiamen) == [library["island"].pk]
    assert {p.pk for p in fujian} == {library[k].pk for k in ("island", "whitelist", "perks")}


def test_similar_cases_are_explained_by_shared_words(world, library):
    teacher = world["users"]["teacher"]

    similar = selectors.practice_similar(actor=teacher, practice=library["burden"])

    assert library["burden"].pk not in _ids(similar)
    assert _ids(similar)[0] == library["whitelist"].pk
    assert {"减轻", "负担"} <= set(similar[0].terms)


def test_an_edit_is_found_at_once(world, library):
    pilot = world["users"]["pilot"]
    perks = library["perks"]
    assert library["perks"].pk not in _ids(selectors.practice_search(actor=pilot, query="交流轮岗"))

    services.practice_update(
        actor=pilot, practice_pk=perks.pk, title=perks.title, region_code="3502",
        pillar="welfare", summary=perks.summary, full_text="交流轮岗教师优先享受惠师政策。",
        tags=perks.tags,
    )  # fmt: skip

    assert perks.pk in _ids(selectors.practice_search(actor=pilot, query="交流轮岗"))


def test_a_change_by_another_process_is_seen_through_the_stamp(world, library, monkeypatch):
    monkeypatch.setattr(search, "CHECK_SECONDS", 0)  # check the stamp on every search
    teacher = world["users"]["teacher"]
    selectors.practice_search(actor=teacher, query="体检")  # the index is built
    # Another process rewrote a case: this process's index was not told.
    Practice.objects.filter(pk=library["island"].pk).update(
        tokens="体检 体检", updated_at=timezone.now() + timezone.timedelta(seconds=1)
    )

    found = selectors.practice_search(actor=teacher, query="体检")

    assert library["island"].pk in _ids(found)


def test_the_persisted_words_are_the_segmented_fields(world, library):
    case = library["rotation"]

    words = case.tokens.split()

    assert words.count("交流轮岗") == 3  # the title twice, the text once
    assert case.tokens == search.document_tokens(
        title=case.title, summary=case.summary, full_text=case.full_text, tags=case.tags
    )


def test_command_prints_ranked_results_as_json(world, library):
    out = StringIO()

    call_command("practices", "search", "交流轮岗", "--format", "json", stdout=out)

    answer = json.loads(out.getvalue())
    assert [r["id"] for r in answer["results"]] == [library["rotation"].pk, library["island"].pk]
    assert set(answer["results"][0]) == {"id", "title", "score"}
    assert answer["results"][0]["title"] == "上海市：教师交流轮岗管理办法"
    assert answer["results"][0]["score"] > answer["results"][1]["score"] > 0


def test_command_filters_and_limits(world, library):
    out = StringIO()

    call_command(
        "practices", "search", "减轻负担 白名单", "--format", "json", "--pillar", "welfare",
        "--region", "3502", "--limit", "1", stdout=out,
    )  # fmt: skip

    assert [r["id"] for r in json.loads(out.getvalue())["results"]] == [library["whitelist"].pk]


def test_command_table_and_reindex(world, library):
    Practice.objects.filter(pk=library["perks"].pk).update(tokens="")
    out = StringIO()

    call_command("practices", "reindex", stdout=out)
    call_command("practices", "search", "惠师政策", stdout=out)

    assert "1 cases segmented again" in out.getvalue()
    assert "厦门市：惠师政策清单" in out.getvalue()
