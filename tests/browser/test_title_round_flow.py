"""One title round in a real browser, from application to decision: the bureau opens the round
and enters the district's quota, the teacher applies (pre-filled, eligible) with a material and
submits, the school recommends, the bureau passes the review (the panel is drawn), each reviewer
drawn scores, the bureau ranks within the quota, the notice runs out and the bureau approves:
the new title is in the registry."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from qiangshi.teachers.models import TeacherCurrent, TitleRecord
from qiangshi.titles import services
from qiangshi.titles.models import PanelMember, RoundQuota, TitleApplication, TitleRound
from qiangshi.workflow.models import WorkItem
from tests import factories
from tests.browser.conftest import login as _login
from tests.titles.conftest import make_eligible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def as_user(page, user):
    page.context.clear_cookies()
    _login(page, user.username)


def test_a_round_from_application_to_decision(world, page, tmp_path):
    today = timezone.localdate()
    teacher = world["teachers"]["a"]
    make_eligible(world["users"]["admin"], teacher)
    bureau = world["users"]["bureau"]
    reviewers = []
    for i in range(3):
        user = factories.user("reviewer", username=f"expert{i}")
        school = factories.school(world["tree"]["huli"], f"专家学校{i}")
        services.reviewer_profile_set(
            actor=bureau, user=user, subjects=["chinese"], stages=["primary"], school=school
        )
        reviewers.append(user)
    page.set_default_timeout(60000)  # a loaded machine: the first pages are slow
    page.on("dialog", lambda dialog: dialog.accept())

    # The bureau opens the round.
    as_user(page, bureau)
    page.goto(page.base_url + "/titles/new/")
    page.select_option("#id_target", "senior")
    page.select_option("#id_stage", "primary")
    page.fill("#id_opens_on", today.isoformat())
    page.fill("#id_closes_on", (today + timedelta(days=10)).isoformat())
    page.select_option("#id_aggregation", "trimmed_mean")
    page.fill("#id_materials", "教学业绩材料")
    page.click("#round-save")
    expect(page.locator("#round-facts")).to_contain_text("教学业绩材料")
    round_ = TitleRound.objects.get()
    # The test schools have no students: their post structure allows no promotion, so the
    # schools' rows go and the district's quota is entered on the page.
    RoundQuota.objects.filter(round=round_, school__isnull=False).delete()
    page.select_option("#quota-district", str(world["tree"]["siming"].pk))
    page.fill("#quota-value", "1")
    page.click("#quota-form button")
    expect(page.locator("#round-quotas")).to_contain_text("思明区")

    # The teacher applies, uploads the material and submits.
    as_user(page, world["users"]["teacher"])
    page.goto(page.base_url + f"/titles/{round_.pk}/")
    page.click("#apply")
    expect(page.locator("#eligible-badge")).to_have_text("符合条件")
    expect(page.locator("#application-facts")).to_contain_text("本科")
    material = tmp_path / "业绩.pdf"
    material.write_bytes(b"%PDF-1.4 test")
    page.set_input_files("#material-m1", str(material))
    page.click("#upload-m1")
    expect(page.locator("#materials")).to_contain_text("业绩.pdf")
    page.click("#submit-application")
    app = TitleApplication.objects.get()
    expect(page.locator("#application-state")).to_contain_text("学校推荐")

    # The school recommends; the bureau passes the review and the panel is drawn.
    as_user(page, world["users"]["school"])
    page.goto(page.base_url + f"/titles/{round_.pk}/queue/recommend/")
    page.click("#queue-table button[value=recommend]")
    expect(page.locator("#queue-table")).to_have_count(0)
    as_user(page, bureau)
    page.goto(page.base_url + f"/titles/{round_.pk}/queue/review/")
    page.click("#queue-table button[value=pass_review]")
    assert PanelMember.objects.filter(application=app).count() == 3

    # Each reviewer drawn scores the application from their assignments.
    for i, reviewer in enumerate(reviewers):
        as_user(page, reviewer)
        page.goto(page.base_url + "/titles/panel/")
        page.click(f"#panel-table a[href='/titles/applications/{app.pk}/']")
        for key, value in (("ethics", 9), ("teaching", 30 - i), ("homeroom", 12),
                           ("research", 20), ("service", 12)):  # fmt: skip
            page.fill(f"#score-{key}", str(value))
        page.click("#score-save")
        expect(page.locator("#panel-table")).to_contain_text("是")

    # The bureau ranks within the quota: the application goes on public notice.
    as_user(page, bureau)
    page.goto(page.base_url + f"/titles/{round_.pk}/")
    page.click("#round-rank")
    expect(page.locator("#notice-table")).to_contain_text(teacher.name)
    expect(page.locator("#notice-table")).to_contain_text("82.00")  # trimmed mean of 83, 82, 81

    # The notice period runs out (the clock moved on); the bureau approves.
    WorkItem.objects.filter(process="title_application", object_id=app.pk).update(
        due_on=today - timedelta(days=1)
    )
    page.reload()
    page.click(f"#notice-approve-{app.pk}")
    expect(page.locator("#notice-table")).to_contain_text("已通过")
    record = TitleRecord.objects.get(teacher=teacher, rank="senior")
    assert record.obtained_on == today
    assert TeacherCurrent.objects.get(teacher=teacher).title_rank == "senior"
