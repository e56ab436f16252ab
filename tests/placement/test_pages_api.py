"""The placement pages and API per role: who sees the intake, who may import and draw, who sees
pupils' names; the ceremony flow from witnesses' parts to the published lookup by pupil code;
downloads that `qiangshi lottery verify` accepts."""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from qiangshi.access.services import api_token_create
from qiangshi.placement import services
from qiangshi.placement.models import Draw, DrawKind, Pupil

from .conftest import PARTS

ROLES = ["admin", "bureau", "district", "huli", "school", "teacher", "reviewer", "pilot", "auditor"]
# Offices of other areas see nothing of Siming's intake; roles without the permission get 403.
INTAKE_STATUS = {
    "admin": 200,
    "bureau": 200,
    "district": 200,
    "huli": 404,
    "school": 403,
    "teacher": 403,
    "reviewer": 403,
    "pilot": 403,
    "auditor": 403,
}
NAMES = {"admin", "bureau", "district"}
# Who may run a draw: the admissions offices, not the system administrator (separation of duties).
DRAWERS = {"bureau", "district"}


@pytest.fixture
def drawn(place):
    draw = services.draw_run(
        actor=place["users"]["district"], intake=place["intake"], kind="ceremony", seed_parts=PARTS
    )
    return {**place, "draw": draw}


@pytest.mark.parametrize("role", ROLES)
def test_pages_per_role(client, drawn, role):
    client.force_login(drawn["users"][role])
    intake, draw = drawn["intake"], drawn["draw"]
    pages = {
        "home": reverse("web:placement_home"),
        "intake": reverse("web:placement_intake", args=[intake.pk]),
        "draw": reverse("web:placement_draw", args=[draw.pk]),
        "file": reverse("web:placement_file", args=[draw.pk, "result.csv"]),
        "zip": reverse("web:placement_zip", args=[draw.pk]),
    }
    expected = INTAKE_STATUS[role]
    home = client.get(pages["home"])
    assert home.status_code == (200 if expected != 403 else 403)
    for name in ("intake", "draw", "file", "zip"):
        assert client.get(pages[name]).status_code == expected, name
    if expected == 200:
        body = client.get(pages["draw"]).content.decode()
        assert draw.seed in body and draw.chain_sha256 in body
        assert ("学生P03" in body) == (role in NAMES)
        assert drawn["ids"]["P03"] not in body  # masked even for the office
        assert intake.name in home.content.decode()
    nav = client.get(reverse("web:dashboard")).content.decode()
    assert (reverse("web:placement_home") in nav) == (expected != 403)


def test_the_ceremony_flow_to_the_public_lookup(client, place):
    client.force_login(place["users"]["district"])
    intake = place["intake"]
    url = reverse("web:placement_ceremony", args=[intake.pk])
    page = client.get(url).content.decode()
    assert page.count('name="part"') == 3 and "公证" in page
    assert client.get(url + "?witnesses=5").content.decode().count('name="part"') == 5
    # a rehearsal first, with a test seed
    response = client.post(
        reverse("web:placement_rehearsal", args=[intake.pk]), {"seed_parts": "test\nrun 2"}
    )
    rehearsal = Draw.objects.get(kind=DrawKind.REHEARSAL)
    assert response.status_code == 302 and rehearsal.seed_parts == ["test", "run 2"]
    # an empty part draws nothing
    response = client.post(
        url, {"witness": ["监督室", "公证处", "家长"], "part": [PARTS[0], "", PARTS[2]]}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "第 2 个种子分段为空" in body
    assert not Draw.objects.filter(kind=DrawKind.CEREMONY).exists()
    response = client.post(url, {"witness": ["监督室", "公证处", "家长"], "part": PARTS})
    ceremony = Draw.objects.get(kind=DrawKind.CEREMONY)
    assert response.status_code == 302 and response["Location"].endswith(f"/draw/{ceremony.pk}/")
    assert ceremony.witnesses == ["监督室", "公证处", "家长"]
    # the ceremony runs once; the import is closed
    assert "ceremony-done" in client.get(url).content.decode()
    client.post(url, {"witness": ["a"], "part": ["again"]})
    assert Draw.objects.filter(kind=DrawKind.CEREMONY).count() == 1
    # not published yet: the lookup finds nothing
    anonymous = Client()
    lookup = reverse("web:placement_lookup")
    body = anonymous.get(lookup, {"intake": intake.pk, "code": "P01"}).content.decode()
    assert 'id="not-found"' in body and "尚未公布任何派位结果" in body
    client.post(reverse("web:placement_publish", args=[ceremony.pk]))
    ceremony.refresh_from_db()
    assert ceremony.published_at is not None
    body = anonymous.get(lookup, {"intake": intake.pk, "code": "P07"}).content.decode()
    assert "思明J02中学" in body and ceremony.chain_sha256 in body and "学生P07" not in body
    body = anonymous.get(lookup, {"intake": intake.pk, "code": "P99"}).content.decode()
    assert 'id="not-found"' in body


def test_a_rehearsal_cannot_be_published(client, place):
    client.force_login(place["users"]["district"])
    draw = services.draw_run(
        actor=place["users"]["district"], intake=place["intake"], kind="rehearsal", seed_parts=["t"]
    )
    assert (
        'id="publish"'
        not in client.get(reverse("web:placement_draw", args=[draw.pk])).content.decode()
    )
    client.post(reverse("web:placement_publish", args=[draw.pk]))
    draw.refresh_from_db()
    assert draw.published_at is None


def test_the_downloaded_zip_verifies_with_the_command(client, drawn, tmp_path, capsys):
    client.force_login(drawn["users"]["bureau"])
    response = client.get(reverse("web:placement_zip", args=[drawn["draw"].pk]))
    zipfile.ZipFile(io.BytesIO(response.content)).extractall(tmp_path)
    call_command(
        "lottery",
        "verify",
        "--inputs",
        str(tmp_path / "inputs"),
        "--result",
        str(tmp_path / "result"),
    )
    assert "Verified" in capsys.readouterr().out
    single = client.get(reverse("web:placement_file", args=[drawn["draw"].pk, "manifest.json"]))
    assert json.loads(single.content)["chain_sha256"] == drawn["draw"].chain_sha256
    assert (
        client.get(reverse("web:placement_file", args=[drawn["draw"].pk, "x.csv"])).status_code
        == 404
    )


def test_import_page_shows_every_problem_and_imports_nothing(client, place):
    client.force_login(place["users"]["district"])
    intake = place["intake"]
    bad = place["pupils_csv"].replace(b"P02,Z1", b"P01,Z1").replace(b"P09,Z2", b"P09,Z8")
    response = client.post(
        reverse("web:placement_import", args=[intake.pk]),
        {
            "schools": SimpleUploadedFile("schools.csv", place["schools_csv"]),
            "pupils": SimpleUploadedFile("pupils.csv", bad),
        },
        follow=True,
    )
    body = response.content.decode()
    assert "学生编码“P01”重复" in body and "片区“Z8”不存在" in body
    assert Pupil.objects.filter(intake=intake).count() == 12
    response = client.post(
        reverse("web:placement_import", args=[intake.pk]),
        {
            "schools": SimpleUploadedFile("schools.csv", place["schools_csv"]),
            "pupils": SimpleUploadedFile(
                "pupils.csv", place["pupils_csv"].replace(b"P12,", b"P13,")
            ),
        },
        follow=True,
    )
    assert Pupil.objects.filter(intake=intake, code="P13").exists()


def test_home_creates_an_intake_for_the_offices_area_only(client, place):
    client.force_login(place["users"]["huli"])
    page = client.get(reverse("web:placement_home")).content.decode()
    assert "350206" in page and "350203" not in page
    client.post(reverse("web:placement_home"), {"region": "350206", "year": "2026", "name": "湖里"})
    assert place["intake"].__class__.objects.filter(name="湖里").exists()
    response = client.post(reverse("web:placement_home"), {"region": "350203", "year": "2027"})
    assert response.status_code == 200 and 'id="placement-errors"' in response.content.decode()


# ------------------------------------------------------------------------------------------ API


def _api(place, role):
    _, key = api_token_create(actor=place["users"][role], name="t")
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.mark.parametrize("role", ROLES)
def test_api_per_role(drawn, role):
    api = _api(drawn, role)
    intake, draw = drawn["intake"], drawn["draw"]
    ok = INTAKE_STATUS[role] == 200
    listed = api.get("/api/placement/intakes")
    assert listed.status_code == (200 if INTAKE_STATUS[role] != 403 else 403)
    if listed.status_code == 200:
        assert [i["id"] for i in listed.json()["items"]] == ([intake.pk] if ok else [])
    for url in (
        f"/api/placement/intakes/{intake.pk}",
        f"/api/placement/draws/{draw.pk}",
        f"/api/placement/draws/{draw.pk}/results",
        f"/api/placement/draws/{draw.pk}/files/result.csv",
    ):
        assert api.get(url).status_code == INTAKE_STATUS[role], url
    if ok:
        results = api.get(f"/api/placement/draws/{draw.pk}/results").json()
        assert results["count"] == 12
        assert ("name" in results["items"][0]) == (role in NAMES)
        detail = api.get(f"/api/placement/draws/{draw.pk}").json()
        assert detail["manifest"]["chain_sha256"] == draw.chain_sha256
    response = api.post(
        f"/api/placement/intakes/{intake.pk}/draws",
        {"kind": "rehearsal", "seed_parts": ["t"]},
        content_type="application/json",
    )
    # The admissions offices draw; one outside the intake's area finds no such intake (404);
    # every other role, the system administrator included, may not draw at all (403).
    expected = 201 if role in DRAWERS else 404 if role == "huli" else 403
    assert response.status_code == expected


def test_api_draw_publish_and_published_lookup(place):
    api = _api(place, "bureau")
    intake = place["intake"]
    response = api.post(
        f"/api/placement/intakes/{intake.pk}/draws",
        {"kind": "ceremony", "seed_parts": PARTS, "witnesses": ["a", "b", "c"]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    draw = response.json()
    assert draw["counts"]["zone"] == 1
    again = api.post(
        f"/api/placement/intakes/{intake.pk}/draws",
        {"kind": "ceremony", "seed_parts": ["x"]},
        content_type="application/json",
    )
    assert again.status_code == 400
    lookup = f"/api/placement/intakes/{intake.pk}/published/P07"
    assert api.get(lookup).status_code == 404
    assert api.post(f"/api/placement/draws/{draw['id']}/publish").status_code == 200
    found = api.get(lookup).json()
    assert found["school_code"] == "J02" and found["round"] == "zone"


def test_api_import_reports_bad_input_in_the_requests_language(place):
    api = _api(place, "district")
    bad = place["schools_csv"].replace(b"J03,Z2,2", b"J03,Z2,-2")
    response = api.post(
        f"/api/placement/intakes/{place['intake'].pk}/import",
        {
            "schools": SimpleUploadedFile("schools.csv", bad),
            "pupils": SimpleUploadedFile("pupils.csv", place["pupils_csv"]),
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "negative places (-2)" in response.json()["message"]
    good = api.post(
        f"/api/placement/intakes/{place['intake'].pk}/import",
        {
            "schools": SimpleUploadedFile("schools.csv", place["schools_csv"]),
            "pupils": SimpleUploadedFile("pupils.csv", place["pupils_csv"]),
        },
    )
    assert good.json() == {"zones": 2, "schools": 4, "pupils": 12}
