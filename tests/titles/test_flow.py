"""A title round from application to decision on the workflow: eligibility gates submission,
the school's quota limits recommendations, the panel is drawn without conflicts from the
recorded seed, scores are aggregated and ranked within the district's quota, the notice runs,
and the decision creates the TitleRecord through the registry (projection kept right)."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.engines import titles as engine
from qiangshi.ethics import services as ethics
from qiangshi.teachers.models import TeacherCurrent, TitleRecord
from qiangshi.titles import selectors, services
from qiangshi.titles.models import PanelMember, ReviewerRelation, RoundQuota
from qiangshi.workflow.selectors import inbox, item_for
from tests import factories

from .conftest import TODAY


def start(world, who="teacher"):
    return services.application_start(
        actor=world["users"][who], round_pk=world["round"].pk, today=TODAY
    )


def upload(world, app, who="teacher"):
    services.material_upload(
        actor=world["users"][who], application_pk=app.pk, kind="m1",
        upload=SimpleUploadedFile("业绩.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
    )  # fmt: skip


def step(actor, app, name, day=TODAY, comment=""):
    return services.application_step(
        actor=actor, application_pk=app.pk, step=name, comment=comment, today=day
    )


def state(app):
    return item_for("title_application", app.pk).state


def second_applicant(world):
    user = factories.user("teacher", username="teacher-b")
    world["teachers"]["b"].user = user
    world["teachers"]["b"].save(update_fields=["user"])
    world["users"]["teacher_b"] = user
    return user


def scored(world, app, totals):
    rubric = {"ethics": 10, "teaching": 35, "homeroom": 15, "research": 25, "service": 15}
    members = list(PanelMember.objects.filter(application=app).order_by("position"))
    for member, total in zip(members, totals, strict=True):
        scores = dict(rubric)
        deficit = 100 - total  # taken off teaching, then research
        scores["teaching"] = 35 - min(deficit, 35)
        scores["research"] = 25 - max(0, deficit - 35)
        services.score_submit(
            actor=member.reviewer, application_pk=app.pk, scores=scores, today=TODAY
        )


def test_application_is_prefilled_from_the_registry(titles_world):
    app = start(titles_world)
    assert app.eligible
    s = app.snapshot
    assert s["education"] == "bachelor" and s["current_title"] == "first"
    assert s["title_obtained_on"] == "2019-12-31" and s["years_in_title"] == 7
    assert s["rural_days"] == (date(2008, 8, 31) - date(2005, 9, 1)).days
    assert s["training_complete"] is True and s["training_hours"] == "400"
    assert s["ethics_barred"] is False
    assert {c["rule"] for c in app.checks} == set(engine.RULES)


def test_round_to_decision_end_to_end(titles_world):
    w = titles_world
    second_applicant(w)
    a = start(w)
    b = start(w, "teacher_b")
    for app, who in ((a, "teacher"), (b, "teacher_b")):
        upload(w, app, who)
        step(w["users"][who], app, "submit")
        assert state(app) == "submitted"
    school = w["users"]["school"]  # school A: only teacher a
    step(school, a, "recommend")
    with pytest.raises(NotFound):
        step(school, b, "recommend")  # another school's applicant
    school_b = factories.user("school", school=w["schools"]["b"])
    step(school_b, b, "recommend")
    bureau = w["users"]["bureau"]
    step(bureau, a, "pass_review")
    step(bureau, b, "pass_review")
    round_ = type(w["round"]).objects.get(pk=w["round"].pk)
    assert round_.seed
    for app in (a, b):
        members = PanelMember.objects.filter(application=app)
        assert members.count() == 3
        assert app.school_id not in {m.reviewer.reviewer_profile.school_id for m in members}
    # A reviewer sees only what was drawn for them, and it waits in their inbox.
    reviewer = PanelMember.objects.filter(application=a).first().reviewer
    assert a.pk in {e.object_id for e in inbox(reviewer, today=TODAY)}
    assert set(selectors.application_list(actor=reviewer)) <= {a, b}
    with pytest.raises(ApplicationError):
        services.round_rank(actor=bureau, round_pk=round_.pk, today=TODAY)  # scores missing
    scored(w, a, [90, 80, 70])
    scored(w, b, [95, 60, 85])
    assert a.pk not in {e.object_id for e in inbox(reviewer, today=TODAY)}
    ranked = services.round_rank(actor=bureau, round_pk=round_.pk, today=TODAY)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.score, b.score) == (80, 85)  # trimmed means
    assert [(r.id, r.within_quota) for r in ranked] == [(b.pk, True), (a.pk, False)]
    assert state(b) == "notice" and state(a) == "not_selected"
    with pytest.raises(ApplicationError):
        step(bureau, b, "approve", TODAY + timedelta(days=3))  # the notice period runs
    step(bureau, b, "approve", TODAY + timedelta(days=8))
    b.refresh_from_db()
    assert state(b) == "approved"
    record = TitleRecord.objects.get(teacher=b.teacher, rank="senior")
    assert b.title_record == record and record.obtained_on == TODAY + timedelta(days=8)
    assert TeacherCurrent.objects.get(teacher=b.teacher).title_rank == "senior"
    stats = selectors.round_statistics(actor=bureau, round_=round_)
    assert stats.overall.applications == 2 and stats.overall.pass_rate == 0.5
    assert AuditLog.objects.filter(action="titles.round.rank").exists()


def test_an_ineligible_application_cannot_be_submitted_and_says_which_rule(titles_world):
    w = titles_world
    teacher = w["teachers"]["a"]
    ethics.sanction_record(
        actor=w["users"]["bureau"], teacher_pk=teacher.pk, kind="warning",
        decided_on=date(2026, 3, 1),
    )  # fmt: skip
    app = start(w)
    upload(w, app)
    assert not app.eligible
    with pytest.raises(ApplicationError) as e:
        step(w["users"]["teacher"], app, "submit")
    assert "Ethics" in e.value.message_en and "师德" in e.value.message_zh
    assert state(app) == "draft"


def test_submission_needs_the_required_materials(titles_world):
    app = start(titles_world)
    with pytest.raises(ApplicationError) as e:
        step(titles_world["users"]["teacher"], app, "submit")
    assert "教学业绩材料" in e.value.message


def test_the_school_quota_limits_recommendations(titles_world):
    w = titles_world
    RoundQuota.objects.create(
        round=w["round"], district=w["tree"]["siming"], school=w["schools"]["a"], quota=0,
        source="entered",
    )  # fmt: skip
    app = start(w)
    upload(w, app)
    step(w["users"]["teacher"], app, "submit")
    with pytest.raises(ApplicationError) as e:
        step(w["users"]["school"], app, "recommend")
    assert "0" in e.value.message
    assert state(app) == "submitted"


def test_a_declared_relation_keeps_a_reviewer_off_the_panel(titles_world):
    w = titles_world
    teacher = w["teachers"]["a"]
    related = w["reviewers"][0]
    ReviewerRelation.objects.create(reviewer=related, teacher=teacher, kind="relative",
                                    declared_on=TODAY)  # fmt: skip
    app = start(w)
    upload(w, app)
    step(w["users"]["teacher"], app, "submit")
    step(w["users"]["school"], app, "recommend")
    # Four reviewers, one related and one at... none at school A: three remain, exactly enough.
    step(w["users"]["bureau"], app, "pass_review")
    assert related.pk not in set(
        PanelMember.objects.filter(application=app).values_list("reviewer_id", flat=True)
    )


def test_too_few_reviewers_without_conflict_refuses_the_review(titles_world):
    w = titles_world
    round_ = w["round"]
    round_.avoid_same_district = True
    round_.panel_size = 4
    round_.save()
    app = start(w)
    upload(w, app)
    step(w["users"]["teacher"], app, "submit")
    step(w["users"]["school"], app, "recommend")
    with pytest.raises(ApplicationError):
        step(w["users"]["bureau"], app, "pass_review")  # one of the four is in Siming
    assert state(app) == "recommended"


def test_panel_is_reproducible_from_the_recorded_seed(titles_world):
    w = titles_world
    app = start(w)
    upload(w, app)
    step(w["users"]["teacher"], app, "submit")
    step(w["users"]["school"], app, "recommend")
    step(w["users"]["bureau"], app, "pass_review")
    round_ = type(w["round"]).objects.get(pk=w["round"].pk)
    drawn = list(PanelMember.objects.filter(application=app).order_by("position")
                 .values_list("reviewer_id", flat=True))  # fmt: skip
    again = engine.draw_panel(
        selectors.reviewer_pool(), services._applicant(app), round_.panel_size, round_.seed
    )
    assert list(again.members) == drawn


def test_a_teacher_sees_only_their_own_application(titles_world):
    w = titles_world
    app = start(w)
    other = factories.user("teacher", username="nobody")
    assert list(selectors.application_list(actor=w["users"]["teacher"])) == [app]
    assert list(selectors.application_list(actor=other)) == []
    assert list(selectors.application_list(actor=w["users"]["reviewer"])) == []


def test_materials_are_encrypted_at_rest(titles_world):
    app = start(titles_world)
    upload(titles_world, app)
    material = app.materials.get()
    assert b"%PDF" not in material.content_encrypted.encode()
    assert material.content() == b"%PDF-1.4 test"
    assert BytesIO(material.content()).read(4) == b"%PDF"


def test_quotas_come_from_the_post_structure_or_are_entered(titles_world):
    round_ = titles_world["round"]
    # The test schools have no enrollment: the post structure gives a quota of 0 per school,
    # or the round says the quota is to be entered; either way the page can tell which.
    assert round_.quota_source in ("post_structure", "entered")
    if round_.quota_source == "entered":
        assert round_.quota_note
