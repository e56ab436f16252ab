"""Who reads and who writes the library: every role of a region reads every case; the pilot
office writes for every pilot region, a bureau for those in its area; the API and pages follow."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.core.errors import ApplicationError, Forbidden, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.practices import selectors, services
from qiangshi.practices.models import Practice, PracticeAttachment

from .conftest import add

READERS = ["admin", "bureau", "district", "school", "teacher", "pilot", "ethics"]


@pytest.mark.parametrize("role", READERS)
def test_every_role_of_a_region_reads_every_case(world, library, role):
    assert selectors.practice_list(actor=world["users"][role]).count() == len(library)


@pytest.mark.parametrize("role", ["auditor", "reviewer"])
def test_auditor_and_reviewer_read_nothing(world, library, role):
    user = world["users"][role]
    assert selectors.practice_list(actor=user).count() == 0
    assert selectors.practice_search(actor=user, query="交流轮岗") == []
    with pytest.raises(NotFound):
        selectors.practice_get(actor=user, pk=library["island"].pk)


def test_bureau_writes_for_the_pilot_regions_in_its_area_only(world):
    bureau = world["users"]["bureau"]  # Xiamen

    case = add(bureau, "厦门市：博士优培生", "3502", "allocation", "引进博士。", "正文。")
    with pytest.raises(ApplicationError) as refused:
        add(bureau, "上海市：某做法", "31", "allocation", "摘要。", "正文。")

    assert case.created_by == bureau
    assert set(refused.value.fields) == {"region_code"}
    assert selectors.writable_regions(bureau) == ["3502"]


@pytest.mark.parametrize("role", ["district", "school", "teacher", "ethics"])
def test_readers_may_not_write(world, role):
    with pytest.raises(Forbidden):
        add(world["users"][role], "某做法", "3502", "ethics", "摘要。", "正文。")


def test_bureau_may_not_edit_another_regions_case(world, library):
    shanghai = library["rotation"]
    with pytest.raises(NotFound):
        services.practice_update(
            actor=world["users"]["bureau"], practice_pk=shanghai.pk, title="改", region_code="3502",
            pillar="allocation", summary="改", full_text="改",
        )  # fmt: skip


def test_validation_names_each_bad_field(world):
    with pytest.raises(ApplicationError) as refused:
        add(world["users"]["pilot"], "", "99", "nope", "", "正文", ["x" * 21])

    assert set(refused.value.fields) == {"title", "region_code", "pillar", "summary", "tags"}
    assert Practice.objects.count() == 0


def test_writes_are_audited(world, library):
    actions = set(AuditLog.objects.filter(object_type="practices.practice").values_list(
        "action", flat=True
    ))  # fmt: skip
    assert actions == {"practices.create"}


def test_api_search_ranks_and_pages(world, library, api_as):
    answer = api_as("teacher").get("/api/practices", {"q": "交流轮岗", "page_size": 1}).json()

    assert answer["count"] == 2
    assert [i["id"] for i in answer["items"]] == [library["rotation"].pk]
    assert answer["items"][0]["score"] > 0 and "交流轮岗" in answer["items"][0]["terms"]


def test_api_list_filters_and_detail_with_similar(world, library, api_as):
    client = api_as("district")

    welfare = client.get("/api/practices", {"pillar": "welfare"}).json()
    detail = client.get(f"/api/practices/{library['burden'].pk}").json()

    assert welfare["count"] == 3
    assert detail["full_text"] == library["burden"].full_text
    assert detail["region_name"] == "青海省"
    assert detail["similar"][0]["id"] == library["whitelist"].pk
    assert "负担" in detail["similar"][0]["shared_terms"]


def test_api_refuses_the_auditor_and_answers_404_for_a_missing_case(world, library, api_as):
    assert api_as("auditor").get("/api/practices").status_code == 403
    assert api_as("teacher").get("/api/practices/999999").status_code == 404


def test_list_page_searches_and_exports(world, library, client):
    client.force_login(world["users"]["school"])

    page = client.get(reverse("web:practices_home"), {"q": "交流轮岗"}).content.decode()
    export = client.get(reverse("web:practices_export"), {"q": "交流轮岗"})

    assert page.index("上海市：教师交流轮岗管理办法") < page.index("厦门市：推动名师出岛")
    assert "惠师政策清单" not in page
    sheet = load_workbook(io.BytesIO(export.content)).active
    titles = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["上海市：教师交流轮岗管理办法", "厦门市：推动名师出岛"]


def test_detail_page_lists_similar_cases(world, library, client):
    client.force_login(world["users"]["teacher"])

    page = client.get(reverse("web:practices_detail", args=[library["burden"].pk]))

    assert page.status_code == 200
    body = page.content.decode()
    assert "similar-cases" in body and "进校园活动白名单" in body
    assert "practice-edit" not in body  # a teacher does not edit


def test_pilot_office_writes_a_case_through_the_form(world, client):
    client.force_login(world["users"]["pilot"])

    response = client.post(reverse("web:practices_create"), {
        "title": "永城市：乡村教师专项培训", "region_code": "411481", "pillar": "capability",
        "summary": "送培下乡。", "full_text": "分层分类开展乡村教师培训。", "tags": "乡村教师、全员培训",
    })  # fmt: skip

    case = Practice.objects.get()
    assert response.status_code == 302
    assert case.tags == ["乡村教师", "全员培训"]
    assert client.get(reverse("web:practices_create")).status_code == 200


def test_form_shows_the_errors(world, client):
    client.force_login(world["users"]["bureau"])

    response = client.post(reverse("web:practices_create"), {"title": "", "region_code": "31"})

    assert response.status_code == 200
    assert Practice.objects.count() == 0
    assert "is-invalid" in response.content.decode()


def test_district_may_not_open_the_form(world, library, client):
    client.force_login(world["users"]["district"])
    assert client.get(reverse("web:practices_create")).status_code == 403
    edit = reverse("web:practices_edit", args=[library["island"].pk])
    assert client.get(edit).status_code == 403


def test_attachments_are_added_downloaded_and_removed(world, library, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = library["island"]
    client.force_login(world["users"]["bureau"])

    client.post(
        reverse("web:practices_attachment_add", args=[case.pk]),
        {"file": SimpleUploadedFile("做法.pdf", b"%PDF-1.4 test", "application/pdf")},
    )
    attachment = PracticeAttachment.objects.get(practice=case)
    client.force_login(world["users"]["teacher"])
    download = client.get(reverse("web:practices_attachment", args=[attachment.pk]))
    refused = client.post(reverse("web:practices_attachment_remove", args=[attachment.pk]))
    client.force_login(world["users"]["bureau"])
    client.post(reverse("web:practices_attachment_remove", args=[attachment.pk]))

    assert attachment.name == "做法.pdf" and attachment.size == 13
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert refused.status_code == 404
    assert not PracticeAttachment.objects.exists()


def test_an_attachment_of_the_wrong_type_is_refused(world, library, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ApplicationError) as refused:
        services.practice_attachment_add(
            actor=world["users"]["pilot"], practice_pk=library["island"].pk,
            upload=SimpleUploadedFile("run.exe", b"MZ"),
        )  # fmt: skip
    assert set(refused.value.fields) == {"file"}
