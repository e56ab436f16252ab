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
