"""Ethics pages: a case from report to appeal through the web, what each role sees of it, the
bars on a teacher's ethics page, the access log, and the inbox on the dashboard."""

from datetime import date, timedelta

from django.urls import reverse

from qiangshi.core.models import AccessLog
from qiangshi.ethics.models import EthicsCase
from qiangshi.workflow.models import WorkItem


def _post_step(client, case, step, **data):
    return client.post(reverse("web:ethics_case_step", args=[case.pk]), {"step": step, **data})


def test_a_case_through_the_pages(client, world):
    officer, teacher = world["users"]["ethics"], world["users"]["teacher"]
    client.force_login(officer)
    answer = client.post(
        reverse("web:ethics_case_create"),
        {
            "teacher": world["teachers"]["a"].pk,
            "reported_on": "2026-01-05",
            "reporter": "家长来信",
            "guidelines": ["5", "7"],
            "summary": "体罚学生",
        },
    )
    case = EthicsCase.objects.get()
    assert answer.status_code == 302 and case.guidelines == [5, 7]
    _post_step(client, case, "investigate")
    _post_step(client, case, "request_statement", findings="基本属实")
    client.force_login(teacher)
    page = client.get(reverse("web:ethics_case", args=[case.pk])).content.decode()
    assert "体罚学生" in page and "家长来信" not in page  # never the reporter
    assert "step-submit_statement" in page
    dashboard = client.get("/").context["work"]
    assert any(item["url"] == reverse("web:inbox") for item in dashboard)
    assert case.teacher.name in client.get(reverse("web:inbox")).content.decode()
    _post_step(client, case, "submit_statement", statement="我认错")
    client.force_login(officer)
    today = date.today().isoformat()
    _post_step(
        client, case, "decide", sanction_kind="demerit", measures=["self_examination"],
        decision="记过处分", decided_on=today, starts_on=today,
    )  # fmt: skip
    _post_step(client, case, "notify")
    client.force_login(teacher)
    _post_step(client, case, "appeal", appeal="不服")
    client.force_login(officer)
    _post_step(client, case, "uphold", comment="维持")
    case.refresh_from_db()
    assert case.appeal_outcome == "upheld" and case.sanction.kind == "demerit"
    assert WorkItem.objects.get(object_id=case.pk).state == "closed"
    page = client.get(reverse("web:ethics_case", args=[case.pk])).content.decode()
    assert "家长来信" in page and "不服" in page
    assert AccessLog.objects.filter(field="ethics_case", object_id=str(case.pk)).count() >= 2


def test_a_refused_step_shows_the_reason_and_changes_nothing(client, world):
    from qiangshi.ethics import services

    case = services.case_report(
        actor=world["users"]["ethics"], teacher_pk=world["teachers"]["a"].pk,
        reported_on=date(2026, 1, 5), summary="x", guidelines=[1],
    )  # fmt: skip
    client.force_login(world["users"]["ethics"])
    client.cookies["django_language"] = "en"
    answer = _post_step(client, case, "notify")
    answer = client.get(answer["Location"])
    assert "is not possible in the state" in answer.content.decode()
    assert WorkItem.objects.get(object_id=case.pk).state == "reported"


def test_the_school_sees_the_bar_and_until_when_but_not_the_case(client, world):
    from qiangshi.ethics import services

    t = world["teachers"]["a"]
    start = date.today() - timedelta(days=30)
    services.sanction_record(actor=world["users"]["district"], teacher_pk=t.pk, kind="warning",
                             decided_on=start)  # fmt: skip
    client.force_login(world["users"]["school"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("web:ethics_teacher", args=[t.pk])).content.decode()
    assert "Rotation eligibility" in page and "Awards and honours" in page
    assert "Sanction #" not in page and "Warning" not in page
    assert 'id="ethics-assessments"' not in page and 'id="ethics-cases"' not in page
    client.force_login(world["users"]["ethics"])
    page = client.get(reverse("web:ethics_teacher", args=[t.pk])).content.decode()
    assert "Sanction #" in page and 'id="ethics-assessments"' in page


def test_the_officer_records_the_file(client, world):
    t = world["teachers"]["a"]
    client.force_login(world["users"]["ethics"])
    url = reverse("web:ethics_teacher_record", args=[t.pk])
    client.post(url, {"kind": "assessment", "year": "2025", "grade": "excellent"})
    client.post(url, {"kind": "commitment", "year": "2025", "signed_on": "2025-09-01"})
    client.post(url, {"kind": "commendation", "title": "师德标兵", "awarded_by": "思明区教育局",
                      "awarded_on": "2025-09-10"})  # fmt: skip
    page = client.get(reverse("web:ethics_teacher", args=[t.pk])).content.decode()
    assert "优秀" in page and "2025-09-01" in page and "师德标兵" in page
    client.force_login(world["users"]["school"])
    assert (
        client.post(url, {"kind": "assessment", "year": "2025", "grade": "pass"}).status_code == 403
    )


def test_case_export_and_attachment_download_are_logged(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qiangshi.core.models import AuditLog
    from qiangshi.ethics import services

    officer = world["users"]["ethics"]
    case = services.case_report(
        actor=officer, teacher_pk=world["teachers"]["a"].pk, reported_on=date(2026, 1, 5),
        summary="秘密内容", guidelines=[2],
        attachments=[SimpleUploadedFile("举报信.pdf", b"%PDF-1.4 x", content_type="application/pdf")],
    )  # fmt: skip
    client.force_login(officer)
    answer = client.get(reverse("web:ethics_case_list") + "?format=xlsx")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/vnd")
    assert b"\xe7\xa7\x98\xe5\xaf\x86" not in answer.content  # no case text (秘密)
    log = AccessLog.objects.get(channel="export", object_type="ethics.ethicscase")
    assert log.subject_count == 1
    assert AuditLog.objects.filter(action="ethics.case.export").exists()
    step = WorkItem.objects.get(object_id=case.pk).steps.get()
    download = client.get(reverse("web:ethics_attachment", args=[step.attachments.get().pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 x"
    assert AccessLog.objects.filter(field="ethics_attachment").count() == 1
    client.force_login(world["users"]["school"])
    assert client.get(reverse("web:ethics_case_list") + "?format=xlsx").status_code == 403
    url = reverse("web:ethics_attachment", args=[step.attachments.get().pk])
    assert client.get(url).status_code == 403
