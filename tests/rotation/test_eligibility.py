"""Eligibility from the registry: each rule, with the reasons shown for each exclusion."""

from qiangshi.rotation import selectors

from .world import YEAR


def _by_name(rot):
    region = rot["tree"]["siming"]
    schools, people = selectors.candidates(region, YEAR)
    return schools, {c.name: c for c in people}


def test_each_rule_excludes_with_its_reason(rot):
    schools, people = _by_name(rot)
    assert {s.pk for s in schools} == {rot["u"].pk, rot["r"].pk}
    eligible = {n for n, c in people.items() if c.eligible}
    assert eligible == {"陈一", "陈二", "陈三", "陈四", "陈五", "陈六", "陈七", "陈八", "满六",
                        "旧处分", "连续"}  # fmt: skip
    assert people["新来"].reasons == ["years"]
    assert people["边界"].reasons == ["years"] and people["边界"].years == 5
    assert people["满六"].years == 6
    assert people["合同"].reasons == ["employment_type"]
    assert people["校长"].reasons == ["principal_years"]
    assert "10" in people["校长"].reason_texts[0]
    assert people["临退"].reasons == ["retirement"]
    assert people["休假"].reasons == ["status"]
    assert people["处分"].reasons == ["sanction"]
    assert people["豁免"].reasons == ["exempt"]
    assert "照顾家中病人" in people["豁免"].reason_texts[0]
    assert people["连续"].since.year == 2010
    assert people["山甲"].reasons == ["years"]
    assert "湖里人" not in people


def test_flags_for_the_indicators(rot):
    _, people = _by_name(rot)
    assert people["陈一"].is_backbone and not people["陈二"].is_backbone


def test_summary_and_quotas(rot):
    rows, people, rules = selectors.eligibility_summary(rot["tree"]["siming"], YEAR)
    u = next(r for r in rows if r.school == rot["u"])
    r = next(r for r in rows if r.school == rot["r"])
    assert u.is_sending and not r.is_sending
    assert (u.teachers, u.eligible, u.backbone_eligible) == (19, 11, 1)
    assert u.excluded_by_reason == {
        "years": 2,
        "employment_type": 1,
        "principal_years": 1,
        "retirement": 1,
        "status": 1,
        "sanction": 1,
        "exempt": 1,
    }
    quota = selectors.quota_summary(rows, rules)
    # ceil(10% of 11) = 2 rotations; backbone at least ceil(20% of 2) = 1.
    assert quota["minimum_rotations"] == 2
    assert quota["minimum_backbone"] == 1


def test_backbone_denominator_eligible(rot):
    rows, _, rules = selectors.eligibility_summary(rot["tree"]["siming"], YEAR)
    rules = {**rules, "quotas": {**rules["quotas"], "backbone_denominator": "eligible"}}
    assert selectors.quota_summary(rows, rules)["minimum_backbone"] == 1  # ceil(0.2 × 1)


def test_plan_input(rot):
    inp = selectors.plan_input(rot["tree"]["siming"], YEAR)
    schools = {s.id: s for s in inp.schools}
    u, r = schools[str(rot["u"].pk)], schools[str(rot["r"].pk)]
    assert u.is_sending and not r.is_sending
    assert (u.quota, u.staff, u.enrollment) == (16, 18, 300)
    assert r.staff == 3 and r.quota > r.staff  # small rural school: the staffing rules add posts
    assert u.backbone_teachers == 1
    assert sum(t.eligible for t in inp.teachers) == 11
    # The rural school lacks whole teachers of several subjects (capped at one each); only PE
    # can come by rotation (no eligible teacher of a sending school teaches the others).
    assert r.needs_subjects == {"pe": 1}
    assert u.needs_subjects == {}  # a sending school gets no subject needs
    assert inp.uncoverable[str(rot["r"].pk)] and "pe" not in inp.uncoverable[str(rot["r"].pk)]


def test_city_input_with_programme(rot):
    inp = selectors.plan_input(
        rot["tree"]["xiamen"],
        YEAR,
        overrides={"origins": ["350203"], "destinations": ["350206"]},
    )
    sending = {s.id for s in inp.schools if s.is_sending}
    assert sending == {str(rot["u"].pk), str(rot["r"].pk)}
    assert inp.params.allowed_pairs == frozenset({("350203", "350206"), ("350206", "350203")})
    one_way = selectors.plan_input(
        rot["tree"]["xiamen"],
        YEAR,
        overrides={"origins": ["350203"], "destinations": ["350206"], "exchange": False},
    )
    assert one_way.params.allowed_pairs == frozenset({("350203", "350206")})


def test_scope_excludes_each_kind_with_its_reason(rot):
    """POLICY §8: administrative, auxiliary and logistics staff, part-time and senior-high
    teachers, private schools, and teachers without a stage, subject or certificate for it."""
    from qiangshi.teachers.models import Employment, TeachingLoad
    from tests import factories

    from .world import hire

    admin = rot["users"]["admin"]
    u = rot["u"]
    office = hire(admin, u, "行政")
    Employment.objects.filter(teacher=office).update(post_category="administration")
    lab = hire(admin, u, "实验员")
    Employment.objects.filter(teacher=lab).update(post_category="auxiliary")
    part = hire(admin, u, "兼职")
    Employment.objects.filter(teacher=part).update(is_full_time_teacher=False)
    hire(admin, u, "无证", cert=None)
    hire(admin, u, "初中证", cert="junior")
    nosubject = hire(admin, u, "无学科")
    Employment.objects.filter(teacher=nosubject).update(main_subject="")
    private = factories.school(rot["tree"]["siming"], "思明民办小学", location="urban")
    private.ownership = "private"
    private.save()
    hire(admin, private, "民办")
    twelve = factories.school(rot["tree"]["siming"], "思明一贯制学校", stage="twelve_year")
    senior = hire(admin, twelve, "高中部", subject="physics", cert="senior")
    junior = hire(admin, twelve, "初中部", subject="physics", cert="junior")
    hire(admin, twelve, "未排课")
    for t, stage in ((senior, "senior"), (junior, "junior")):
        TeachingLoad.objects.create(
            teacher=t, school_year=2025, term=2, stage=stage, subjects=["physics"],
            weekly_periods=12,
        )  # fmt: skip
    _, people = _by_name(rot)
    assert people["行政"].reasons == ["not_teaching"]
    assert people["实验员"].reasons == ["not_teaching"]
    assert people["兼职"].reasons == ["part_time"]
    assert people["无证"].reasons == ["certificate"]
    assert people["初中证"].reasons == ["certificate"]
    assert people["无学科"].reasons == ["subject_missing"]
    assert people["民办"].reasons == ["private"]
    assert people["高中部"].reasons == ["senior"]
    assert people["初中部"].eligible and people["初中部"].stage == "junior"
    assert people["未排课"].reasons == ["stage_missing"]
    assert (
        "Private school" in people["民办"].reason_texts[0]
        or "民办" in people["民办"].reason_texts[0]
    )
    # the principal is judged as a principal, whatever the post
    assert people["校长"].reasons == ["principal_years"]
    # the optimiser's input: no private school, nobody of it
    inp = selectors.plan_input(rot["tree"]["siming"], YEAR)
    assert str(private.pk) not in {s.id for s in inp.schools}
    movable = {inp.candidate_by_id[t.id].name for t in inp.teachers if t.eligible}
    assert {"行政", "实验员", "兼职", "无证", "民办", "高中部", "未排课"}.isdisjoint(movable)
    assert "初中部" in movable
    schools = {s.id: s for s in inp.schools}
    assert schools[str(twelve.pk)].stages == frozenset({"primary", "junior"})
    assert ("junior", "physics") in schools[str(twelve.pk)].teaches
    assert ("primary", "physics") not in schools[str(u.pk)].teaches
