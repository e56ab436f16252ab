"""The teacher development API: growth paths, degree studies (record, complete into the
registry, list shape), the degree effect and science figures; 403 for a refused permission,
404 outside the caller's area."""

from qiangshi.teachers.models import EducationRecord


def test_growth_paths_of_a_teacher_and_404_outside_the_school(world, api_as):
    a, b = world["teachers"]["a"].pk, world["teachers"]["b"].pk
    r = api_as("teacher").get(f"/api/training/teachers/{a}/growth")
    assert r.status_code == 200
    body = r.json()
    assert body["paths_version"] == "xiamen-2024" and body["unverified"] is True
    assert [p["code"] for p in body["paths"]] == ["teaching", "digital", "qualification"]
    assert api_as("teacher").get(f"/api/training/teachers/{b}/growth").status_code == 404
    assert api_as("school").get(f"/api/training/teachers/{b}/growth").status_code == 404
    assert api_as("auditor").get(f"/api/training/teachers/{a}/growth").status_code == 403


def test_degree_study_record_list_and_complete(world, api_as):
    school = api_as("school")
    teacher = world["teachers"]["a"]
    r = school.post(
        "/api/training/degree-studies",
        {
            "teacher_id": teacher.pk,
            "level": "bachelor",
            "institution": "福建师范大学",
            "programme": "小学教育",
            "start_date": "2024-03-01",
            "expected_on": "2026-07-01",
        },
    )
    assert r.status_code == 201, r.content
    study = r.json()
    assert study["status"] == "studying" and study["study_mode"] == "in_service"
    listed = school.get("/api/training/degree-studies", {"status": "studying"}).json()
    assert set(listed) == {"items", "count", "page", "page_size"} and listed["count"] == 1
    assert api_as("district").get("/api/training/degree-studies").json()["count"] == 1
    r = school.post(
        f"/api/training/degree-studies/{study['id']}/complete", {"completed_on": "2026-01-10"}
    )
    assert r.status_code == 200 and r.json()["status"] == "completed"
    assert EducationRecord.objects.get(pk=r.json()["education_record_id"]).teacher == teacher
    again = school.post(f"/api/training/degree-studies/{study['id']}/discontinue", {})
    assert again.status_code == 400
    assert api_as("teacher").get("/api/training/degree-studies").json()["count"] == 1


def test_degree_study_of_another_school_is_404_and_teachers_may_not_record(world, api_as):
    body = {
        "teacher_id": world["teachers"]["b"].pk,
        "level": "bachelor",
        "institution": "福建师范大学",
        "programme": "小学教育",
        "start_date": "2024-03-01",
        "expected_on": "2026-07-01",
    }
    assert api_as("school").post("/api/training/degree-studies", body).status_code == 404
    assert api_as("teacher").post("/api/training/degree-studies", body).status_code == 403


def test_degree_effect_and_science_are_scoped(world, api_as):
    sa, sb = world["schools"]["a"].pk, world["schools"]["b"].pk
    r = api_as("school").get(f"/api/training/schools/{sa}/degree-effect", {"by": "2027-08-31"})
    assert r.status_code == 200
    assert [s["stage"] for s in r.json()["stages"]] == ["primary"]
    assert r.json()["stages"][0]["now"] is None  # no enrollment recorded: not judged
    assert (
        api_as("school").get(f"/api/training/schools/{sb}/degree-effect", {"by": "2027-08-31"})
    ).status_code == 404
    science = api_as("district").get("/api/training/science", {"region": "350203"})
    assert science.status_code == 200 and "physics" in science.json()["subjects"]
    assert api_as("district").get("/api/training/science", {"region": "350206"}).status_code == 404
    assert api_as("teacher").get("/api/training/science").status_code == 403
