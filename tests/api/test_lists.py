"""List endpoints: pagination, filters, bad filter values, and a bounded number of queries."""

from datetime import date

import pytest

from qiangshi.teachers.services import teacher_record_add
from tests import factories


@pytest.fixture
def crowded(world):
    """Twelve more teachers at school A, each with a title and an education record."""
    admin = world["users"]["admin"]
    for i in range(12):
        teacher = factories.teacher(admin, world["schools"]["a"], f"教师{i:02d}")
        teacher_record_add(
            actor=admin,
            teacher=teacher,
            kind="title",
            data={"rank": "second", "obtained_on": date(2015, 1, 1)},
        )
        teacher_record_add(
            actor=admin,
            teacher=teacher,
            kind="education",
            data={"level": "bachelor", "institution": "厦门大学", "end_date": date(2008, 7, 1)},
        )
    return world


def test_teacher_list_pages_with_page_and_page_size(crowded, api_as):
    client = api_as("admin")

    first = client.get("/api/teachers", {"page_size": 5}).json()
    third = client.get("/api/teachers", {"page_size": 5, "page": 3}).json()

    assert first["count"] == third["count"] == 16
    assert len(first["items"]) == 5
    assert len(third["items"]) == 5
    assert not {t["id"] for t in first["items"]} & {t["id"] for t in third["items"]}


def test_page_size_above_200_is_refused_with_422(world, api_as):
    client = api_as("admin")

    too_large = client.get("/api/teachers", {"page_size": 201})
    largest = client.get("/api/teachers", {"page_size": 200})

    assert too_large.status_code == 422
    assert set(too_large.json()["fields"]) == {"page_size"}
    assert largest.status_code == 200
    assert largest.json()["page_size"] == 200


def test_teacher_list_items_carry_the_current_state(crowded, api_as):
    items = api_as("admin").get("/api/teachers", {"q": "教师00"}).json()["items"]

    assert len(items) == 1
    item = items[0]
    assert item["school_id"] == crowded["schools"]["a"].pk
    assert item["school_name"] == "思明第一小学"
    assert item["district_name"] == "思明区"
    assert item["title"] == "second"
    assert item["highest_education"] == "bachelor"
    assert item["employment_type"] == "established"
    assert item["national_id_masked"].count("*") >= 8


def test_teacher_list_filters_combine(crowded, api_as):
    client = api_as("admin")

    titled = client.get("/api/teachers", {"title": "second"}).json()
    untitled = client.get("/api/teachers", {"title": "none"}).json()
    men = client.get("/api/teachers", {"gender": "male"}).json()
    junior = client.get("/api/teachers", {"stage": "junior"}).json()
    in_b = client.get("/api/teachers", {"school": crowded["schools"]["b"].pk}).json()

    assert (titled["count"], untitled["count"]) == (12, 4)
    assert {t["id"] for t in men["items"]} == {
        crowded["teachers"]["c"].pk,
        crowded["teachers"]["d"].pk,
    }
    assert [t["id"] for t in junior["items"]] == [crowded["teachers"]["c"].pk]
    assert [t["id"] for t in in_b["items"]] == [crowded["teachers"]["b"].pk]


def test_teacher_list_filters_by_age_range(world, api_as):
    young = factories.teacher(
        world["users"]["admin"],
        world["schools"]["a"],
        "小林",
        birth=date(date.today().year - 25, 1, 1),
    )
    client = api_as("admin")

    under_30 = client.get("/api/teachers", {"age_max": 29}).json()
    over_30 = client.get("/api/teachers", {"age_min": 30}).json()

    assert [t["id"] for t in under_30["items"]] == [young.pk]
    assert young.pk not in {t["id"] for t in over_30["items"]}
    assert over_30["count"] == 4


def test_teacher_list_sorts_by_birth_date(world, api_as):
    older = factories.teacher(
        world["users"]["admin"], world["schools"]["a"], "老李", birth=date(1965, 1, 1)
    )

    items = api_as("admin").get("/api/teachers", {"sort": "birth_date"}).json()["items"]

    assert items[0]["id"] == older.pk


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"age_min": "abc"}, "age_min"),
        ({"age_max": 5000}, "age_max"),
        ({"school": "x"}, "school"),
        ({"district": 2**70}, "district"),
        ({"subject": "alchemy"}, "subject"),
        ({"title": "emperor"}, "title"),
        ({"sort": "salary"}, "sort"),
        ({"page": 0}, "page"),
        ({"page_size": "many"}, "page_size"),
    ],
)
def test_bad_teacher_filters_answer_422_with_the_field(world, api_as, params, field):
    response = api_as("admin").get("/api/teachers", params)

    assert response.status_code == 422
    assert field in response.json()["fields"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/teachers/abc",
        "/api/teachers/0",
        f"/api/teachers/{2**70}",
        "/api/schools/x",
        "/api/regions/1.5",
    ],
)
def test_bad_ids_answer_422_not_500(world, api_as, url):
    assert api_as("admin").get(url).status_code == 422


def test_bad_school_and_region_filters_answer_422(world, api_as):
    client = api_as("admin")

    assert client.get("/api/schools", {"location": "moon"}).status_code == 422
    assert client.get("/api/regions", {"level": "county"}).status_code == 422
    assert client.get("/api/regions", {"parent": "top"}).status_code == 422


def test_validation_messages_follow_accept_language(world, api_as):
    client = api_as("admin")

    english = client.get("/api/teachers", {"age_min": "x"}, **{"Accept-Language": "en"})
    chinese = client.get("/api/teachers", {"age_min": "x"}, **{"Accept-Language": "zh-hans"})

    assert english.json()["fields"]["age_min"] == "Enter a whole number."
    assert chinese.json()["fields"]["age_min"] != "Enter a whole number."


def test_teacher_list_query_count_does_not_grow_with_rows(
    crowded, api_as, django_assert_max_num_queries
):
    client = api_as("admin")
    client.get("/api/me")  # the token's first use also stamps last_used_at

    # the token, the count, the page's keys, the page's rows (teachers.selectors.TeacherPages)
    with django_assert_max_num_queries(4):
        response = client.get("/api/teachers", {"page_size": 200})

    assert len(response.json()["items"]) == 16


def test_school_and_region_lists_query_count_is_bounded(
    crowded, api_as, django_assert_max_num_queries
):
    client = api_as("admin")
    client.get("/api/me")
    for _ in range(10):
        factories.school(crowded["tree"]["huli"])

    with django_assert_max_num_queries(5):
        schools = client.get("/api/schools", {"page_size": 200})
    with django_assert_max_num_queries(3):
        regions = client.get("/api/regions", {"page_size": 200})

    assert schools.json()["count"] == 14
    assert regions.json()["count"] == 6


def test_teacher_detail_query_count_is_bounded(crowded, api_as, django_assert_max_num_queries):
    client = api_as("admin")
    client.get("/api/me")
    teacher = crowded["teachers"]["a"]

    with django_assert_max_num_queries(12):
        response = client.get(f"/api/teachers/{teacher.pk}")

    assert response.status_code == 200
