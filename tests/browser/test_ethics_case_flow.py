"""An ethics case in a real browser, from the report to the appeal's outcome (issue 17): the
ethics officer records a report and investigates, the teacher sees their own case only once their
statement is asked for and answers it, the officer decides a sanction with a start date and
notifies it, the teacher appeals within the window and the officer rules on the appeal. At each
step the test checks what each party sees: the teacher never the reporter, the school
administrator only that a bar exists (never the case)."""

from datetime import date

import pytest
from django.utils import translation
from playwright.sync_api import expect

from qiangshi.ethics.models import AppealOutcome, EthicsCase, Sanction, SanctionKind
from qiangshi.ethics.selectors import BAR_LABELS
from qiangshi.ethics.workflow import STATES
from qiangshi.workflow.models import WorkItem
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = "家长反映该教师在校外有偿补课。"
REPORTER = "家长来信（实名）"
FINDINGS = "经调查，该教师在校外有偿补课属实。"
STATEMENT = "本人承认在校外补课，已停止并退还费用。"
DECISION = "给予警告处分，并作书面检查。"
APPEAL = "本人已主动退费，请求减轻处分。"


def _zh(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def _as(page, username: str) -> None:
    page.context.clear_cookies()
    login(page, username)


def _state(page, state: str) -> None:
    expect(page.locator("#case-state")).to_have_text(_zh(STATES[state]))


def _step(page, name: str, **fields) -> None:
    form = page.locator(f"#step-{name}")
    for field, value in fields.items():
        form.locator(f"[name={field}]").fill(value)
    form.locator("button[type=submit]").click()


def test_ethics_case_from_report_to_appeal(world, page):
    officer, school_admin = world["users"]["ethics"], world["users"]["school"]
    teacher_user, teacher = world["users"]["teacher"], world["teachers"]["a"]
    today = date.today().isoformat()
    page.on("dialog", lambda dialog: dialog.accept())
    # The live server's first answer builds the URL map and the API: on a busy machine it takes
    # longer than the default timeout of one step.
    page.goto(page.base_url + "/login/", timeout=120_000)

    # The ethics officer finds the teacher in the registry and records the report from the
    # teacher's ethics file (the form comes with the teacher filled in).
    login(page, officer.username)
    page.goto(page.base_url + "/teachers/?q=" + teacher.name)
    page.click(f"a[href='/teachers/{teacher.pk}/']")
    page.click("#ethics-link")
    expect(page.locator("#no-bars")).to_be_visible()
    page.click("#case-new-for-teacher")
    expect(page.locator("#id_teacher")).to_have_value(str(teacher.pk))
    page.fill("#id_reported_on", today)
    page.fill("#id_reporter", REPORTER)
    page.check("input[name=guidelines][value='10']")
    page.fill("#id_summary", SUMMARY)
    page.click("#case-save")
    _state(page, "reported")
    case = EthicsCase.objects.get()
    case_url = f"{page.base_url}/ethics/{case.pk}/"
    expect(page.locator("#case-facts")).to_contain_text(REPORTER)
    _step(page, "investigate")
    _state(page, "investigating")

    # While the report is being checked, the teacher sees nothing of it.
    _as(page, teacher_user.username)
    page.goto(page.base_url + "/ethics/")
    expect(page.locator(f"a[href='/ethics/{case.pk}/']")).to_have_count(0)
    assert page.goto(case_url).status == 404

    # The officer records the findings and asks for the teacher's statement.
    _as(page, officer.username)
    page.goto(case_url)
    _step(page, "request_statement", findings=FINDINGS)
    _state(page, "statement")

    # The teacher finds their case, sees the findings but not the reporter, and answers.
    _as(page, teacher_user.username)
    page.goto(page.base_url + "/inbox/")
    page.click(f"a[href='/ethics/{case.pk}/']")
    _state(page, "statement")
    facts = page.locator("#case-facts")
    expect(facts).to_contain_text(SUMMARY)
    expect(facts).to_contain_text(FINDINGS)
    expect(facts).not_to_contain_text(REPORTER)
    expect(page.locator("#step-decide")).to_have_count(0)
    _step(page, "submit_statement", statement=STATEMENT)
    _state(page, "deciding")
    expect(page.locator("#case-statement")).to_contain_text(STATEMENT)
    expect(page.locator("#case-steps")).to_have_count(0)  # nothing more for the teacher to do

    # The school administrator: no bar yet, and no access to the case.
    _as(page, school_admin.username)
    page.goto(f"{page.base_url}/teachers/{teacher.pk}/")
    page.click("#ethics-link")
    expect(page.locator("#no-bars")).to_be_visible()
    assert page.goto(case_url).status == 403

    # The officer decides a warning taking effect today, then notifies it.
    _as(page, officer.username)
    page.goto(case_url)
    expect(page.locator("#case-statement")).to_contain_text(STATEMENT)
    decide = page.locator("#step-decide")
    decide.locator("#sanction-kind").select_option("warning")
    decide.locator("#measure-self_examination").check()
    decide.locator("#decided-on").fill(today)
    decide.locator("#starts-on").fill(today)
    _step(page, "decide", decision=DECISION)
    _state(page, "decided")
    expect(page.locator("#case-decision")).to_contain_text(_zh(SanctionKind.WARNING.label))
    _step(page, "notify")
    _state(page, "notice")
    sanction = Sanction.objects.get(teacher=teacher)
    assert (sanction.kind, sanction.decided_on) == ("warning", date.today())

    # The school administrator now sees that bars exist, until when, but not why nor the case.
    _as(page, school_admin.username)
    page.goto(f"{page.base_url}/ethics/teachers/{teacher.pk}/")
    bars = page.locator("#ethics-bars")
    expect(bars).to_contain_text(_zh(BAR_LABELS["title_evaluation"]))
    expect(bars).to_contain_text(_zh(BAR_LABELS["awards"]))
    expect(bars.locator("th")).to_have_count(2)  # barred from, until: no "why"
    expect(page.locator(f"a[href='/ethics/{case.pk}/']")).to_have_count(0)
    expect(page.locator("#ethics-cases")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(SUMMARY)
    expect(page.locator("body")).not_to_contain_text(DECISION)
    assert page.goto(page.base_url + "/ethics/").status == 403

    # The teacher sees the decision and appeals within the window.
    _as(page, teacher_user.username)
    page.goto(case_url)
    expect(page.locator("#case-decision")).to_contain_text(DECISION)
    expect(page.locator("#case-facts")).to_contain_text(today)
    _step(page, "appeal", appeal=APPEAL)
    _state(page, "appeal")
    expect(page.locator("#case-facts")).to_contain_text(APPEAL)

    # The officer upholds the decision: the case closes, the sanction stands.
    _as(page, officer.username)
    page.goto(case_url)
    expect(page.locator("#case-facts")).to_contain_text(APPEAL)
    _step(page, "uphold", comment="申诉理由不足以改变处分。")
    _state(page, "closed")
    expect(page.locator("#case-appeal-outcome")).to_have_text(_zh(AppealOutcome.UPHELD.label))
    assert WorkItem.objects.get(process="ethics_case", object_id=case.pk).state == "closed"
    sanction.refresh_from_db()
    assert sanction.revoked_on is None

    # The teacher sees the outcome; the bars still stand for the school administrator.
    _as(page, teacher_user.username)
    page.goto(case_url)
    _state(page, "closed")
    expect(page.locator("#case-appeal-outcome")).to_be_visible()
    expect(page.locator("#case-steps")).to_have_count(0)
    _as(page, school_admin.username)
    page.goto(f"{page.base_url}/ethics/teachers/{teacher.pk}/")
    expect(page.locator("#ethics-bars")).to_contain_text(_zh(BAR_LABELS["title_evaluation"]))
