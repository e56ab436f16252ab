"""Staffing quotas, the district pool and post structure, checked against numbers worked by hand."""

import doctest
from datetime import date
from fractions import Fraction

import pytest

from qiangshi.engines import staffing
from qiangshi.engines.staffing import (
    Move,
    OnRoll,
    ReallocationError,
    district_pool,
    load_rules,
    post_structure,
    reallocate,
    school_quota,
    staff_position,
)

RULES_2014 = load_rules("2014")
RULES_2001 = load_rules("2001")


def test_doctests():
    result = doctest.testmod(staffing)
    assert result.failed == 0 and result.attempted > 10


# --- rule files -----------------------------------------------------------------------------


def test_rule_files_load_with_version_source_and_date():
    assert RULES_2014.version == "2014"
    assert RULES_2014.effective_from == date(2014, 11, 13)
    assert "2014" in RULES_2014.source
    assert RULES_2001.version == "2001"
    assert RULES_2001.effective_from < RULES_2014.effective_from
    # Ratios are exact fractions: 13.5 is 27/2, not a binary float.
    assert RULES_2014.ratio("junior", "rural") == Fraction(27, 2)
    assert RULES_2014.non_teaching_cap == {
        "senior": Fraction(15, 100),
        "junior": Fraction(12, 100),
        "primary": Fraction(9, 100),
    }
    assert "small_school" in RULES_2014.unverified and "boarding" in RULES_2014.unverified


def test_the_2014_ratios_are_unified_and_the_2001_ratios_differ_by_location():
    for location in staffing.LOCATIONS:
        assert RULES_2014.ratio("senior", location) == Fraction("12.5")
        assert RULES_2014.ratio("junior", location) == Fraction("13.5")
        assert RULES_2014.ratio("primary", location) == 19
    assert [RULES_2001.ratio("primary", loc) for loc in ("urban", "town", "rural")] == [19, 21, 23]
    assert [RULES_2001.ratio("junior", loc) for loc in ("urban", "town", "rural")] == [
        Fraction("13.5"),
        16,
        18,
    ]


def test_rules_in_force_picks_the_latest_effective_set():
    assert staffing.rules_in_force(date(2005, 6, 1)).version == "2001"
    assert staffing.rules_in_force(date(2014, 11, 13)).version == "2014"
    with pytest.raises(ValueError):
        staffing.rules_in_force(date(1999, 1, 1))


def test_unknown_rule_version_or_location_is_refused():
    with pytest.raises(ValueError):
        load_rules("1984")
    with pytest.raises(ValueError):
        school_quota({"primary": 100}, "suburb", RULES_2014)
    with pytest.raises(ValueError):
        school_quota({"kindergarten": 100}, "urban", RULES_2014)


# --- quotas ---------------------------------------------------------------------------------


def test_2014_primary_950_students_give_50_staff():
    # 950 / 19 = 50 exactly, wherever the school is.
    for location in ("urban", "town", "rural"):
        assert school_quota({"primary": 950}, location, RULES_2014).total == 50


def test_2014_junior_and_senior_ratios():
    # Junior 1:13.5: 540 / 13.5 = 40; 1000 / 13.5 = 74.07 → 74.
    assert school_quota({"junior": 540}, "urban", RULES_2014).total == 40
    assert school_quota({"junior": 1000}, "urban", RULES_2014).total == 74
    # Senior 1:12.5: 1000 / 12.5 = 80; 1010 / 12.5 = 80.8 → 81.
    assert school_quota({"senior": 1000}, "urban", RULES_2014).total == 80
    assert school_quota({"senior": 1010}, "urban", RULES_2014).total == 81


def test_2001_ratios_by_location():
    # Primary 1050: 1050/19 = 55.26 → 55; 1050/21 = 50; 1050/23 = 45.65 → 46.
    primary = [school_quota({"primary": 1050}, loc, RULES_2001).total for loc in staffing.LOCATIONS]
    assert primary == [55, 50, 46]
    # Junior 720: 720/13.5 = 53.33 → 53; 720/16 = 45; 720/18 = 40.
    junior = [school_quota({"junior": 720}, loc, RULES_2001).total for loc in staffing.LOCATIONS]
    assert junior == [53, 45, 40]
    # Senior 1300: 1300/12.5 = 104; 1300/13 = 100; 1300/13.5 = 96.30 → 96.
    senior = [school_quota({"senior": 1300}, loc, RULES_2001).total for loc in staffing.LOCATIONS]
    assert senior == [104, 100, 96]


def test_quotas_round_half_up_not_to_even():
    # 2001, town junior 1:16: 40 / 16 = 2.5 → 3 (banker's rounding would give 2);
    # 24 / 16 = 1.5 → 2; 39 / 16 = 2.44 → 2.
    assert school_quota({"junior": 40}, "town", RULES_2001).total == 3
    assert school_quota({"junior": 24}, "town", RULES_2001).total == 2
    assert school_quota({"junior": 39}, "town", RULES_2001).total == 2


def test_nine_year_school_is_computed_per_stage_part():
    # Primary part 600 / 19 = 31.58 → 32; junior part 270 / 13.5 = 20 → 52 in all
    # (at the primary ratio alone the 870 pupils would give 45.8 → 46).
    quota = school_quota({"primary": 600, "junior": 270}, "urban", RULES_2014)
    assert quota.by_stage == {"primary": 32, "junior": 20}
    assert quota.total == 52
    part = quota.parts[0]
    assert part.by_students == Fraction(600, 19) and part.quota == 32
    # Non-teaching cap: 9% × 32 + 12% × 20 = 2.88 + 2.40 = 5.28 → at most 5.
    assert quota.non_teaching_max == 5


def test_twelve_year_school_has_three_parts():
    # 380/19 = 20, 405/13.5 = 30, 500/12.5 = 40 → 90;
    # non-teaching 0.09 × 20 + 0.12 × 30 + 0.15 × 40 = 1.8 + 3.6 + 6 = 11.4 → 11.
    quota = school_quota({"primary": 380, "junior": 405, "senior": 500}, "town", RULES_2014)
    assert quota.by_stage == {"primary": 20, "junior": 30, "senior": 40}
    assert quota.total == 90
    assert quota.non_teaching_max == 11
    assert quota.rule_version == "2014"


def test_non_teaching_cap():
    # Primary 950 → 50 posts; 9% of 50 = 4.5 → at most 4 non-teaching staff.
    quota = school_quota({"primary": 950}, "urban", RULES_2014)
    assert staffing.non_teaching_check(quota, 4).ok
    check = staffing.non_teaching_check(quota, 5)
    assert (check.allowed, check.excess, check.ok) == (4, 1, False)
    # Senior 1000 → 80 posts; 15% of 80 = 12.
    assert school_quota({"senior": 1000}, "urban", RULES_2014).non_teaching_max == 12


def test_small_rural_school_is_staffed_by_classes():
    # 60 pupils in 6 classes: 60/19 = 3.16, but 6 classes × 1.5 = 9 (the unverified default).
    classes = {"primary": 6}
    quota = school_quota({"primary": 60}, "rural", RULES_2014, classes_by_stage=classes)
    assert quota.total == 9
    assert quota.adjustments == ("small_school",)
    assert quota.parts[0].by_classes == 9
    # Not rural, or not small (120 pupils: 6.32 → 6), or no class counts: by students only.
    assert school_quota({"primary": 60}, "urban", RULES_2014, classes_by_stage=classes).total == 3
    assert school_quota({"primary": 120}, "rural", RULES_2014, classes_by_stage=classes).total == 6
    assert school_quota({"primary": 60}, "rural", RULES_2014).total == 3


def test_boarding_school_gets_the_extra_share():
    # 950 / 19 = 50, × 1.10 = 55 (the unverified default extra share).
    quota = school_quota({"primary": 950}, "rural", RULES_2014, boarding=True)
    assert quota.total == 55
    assert quota.adjustments == ("boarding",)


def test_staff_position_counts_only_established_staff_against_the_quota():
    quota = school_quota({"primary": 950}, "urban", RULES_2014)  # 50
    short = staff_position(
        quota, OnRoll(established_teachers=40, established_non_teaching=4, other_teachers=6)
    )
    assert (short.established, short.vacancies, short.overstaffing) == (44, 6, 0)
    assert short.other_employment == 6
    assert short.full_time_teachers == 46
    assert short.non_teaching.ok
    over = staff_position(quota, OnRoll(established_teachers=47, established_non_teaching=6))
    assert (over.vacancies, over.overstaffing, over.non_teaching.excess) == (0, 3, 2)


# --- the district pool ----------------------------------------------------------------------


def test_district_pool_totals():
    pool = district_pool([("A", 50, 52), ("B", 30, 26), ("C", 20, 20)])
    assert (pool.total, pool.entitled, pool.allocated, pool.unallocated) == (100, 100, 98, 2)
    assert pool.difference("A") == 2 and pool.difference("B") == -4
    approved = district_pool([("A", 50, 52), ("B", 30, 26)], total=75)
    assert approved.unallocated == -3 and approved.over_allocated
    with pytest.raises(ValueError):
        district_pool([("A", 1, 1), ("A", 2, 2)])


def test_reallocate_moves_quota_between_schools_and_the_reserve():
    allocations = {"A": 52, "B": 26, "C": 20}
    moves = [Move("A", "B", 2), Move(None, "C", 2), Move("C", None, 1)]
    result = reallocate(100, allocations, moves)
    assert result == {"A": 50, "B": 28, "C": 21}
    assert allocations == {"A": 52, "B": 26, "C": 20}  # not mutated


def test_reallocate_never_goes_above_the_pool():
    with pytest.raises(ReallocationError) as exc:
        reallocate(100, {"A": 52, "B": 26, "C": 20}, [Move(None, "A", 3)])
    assert exc.value.code == "above_pool"


@pytest.mark.parametrize(
    ("move", "code"),
    [
        (Move("A", "B", 0), "amount"),
        (Move("A", "B", 1.5), "amount"),
        (Move("A", "A", 1), "same_school"),
        (Move("A", "Z", 1), "unknown_school"),
        (Move("B", "A", 12), "insufficient"),  # B holds 10 + 1
    ],
)
def test_reallocate_refuses_bad_moves(move, code):
    with pytest.raises(ReallocationError) as exc:
        reallocate(100, {"A": 50, "B": 10}, [Move("A", "B", 1), move])
    assert exc.value.code == code
    assert exc.value.index == 1


# --- post structure -------------------------------------------------------------------------


def test_staff_by_band_groups_titles():
    titles = ["professor", "senior", "senior", "first", "second", "third", "third", None]
    assert staffing.staff_by_band(titles) == {"senior": 3, "intermediate": 1, "junior": 3}


def test_post_structure_by_hand():
    # 52 posts, shares 20% / 45% / 35%:
    #   senior       floor(0.20 × 52) = floor(10.4) = 10
    #   intermediate floor(0.65 × 52) − 10 = floor(33.8) − 10 = 23
    #   junior       52 − 10 − 23 = 19
    # Used 8 / 25 / 15: senior has 2 free posts (25 first-grade candidates) → 2 promotions;
    # intermediate is over by 2 → 0; junior has 4 free posts → 4 appointments.
    shares = {"senior": 0.20, "intermediate": 0.45, "junior": 0.35}
    result = post_structure({"senior": 8, "intermediate": 25, "junior": 15}, shares, 52)
    bands = result.by_band
    assert [bands[b].allowed for b in staffing.BANDS] == [10, 23, 19]
    assert sum(b.allowed for b in result.bands) == 52
    assert [bands[b].promotions for b in staffing.BANDS] == [2, 0, 4]
    assert bands["intermediate"].over == 2 and bands["senior"].vacant == 2


def test_promotions_are_bounded_by_candidates_in_the_band_below():
    # 100 posts at 30% senior: 30 allowed, 10 used → 20 free, but only 5 first-grade teachers.
    shares = {"senior": 0.3, "intermediate": 0.4, "junior": 0.3}
    result = post_structure({"senior": 10, "intermediate": 5, "junior": 0}, shares, 100)
    assert result.by_band["senior"].promotions == 5
    assert result.by_band["intermediate"].promotions == 0


def test_post_shares_must_add_up_to_one():
    with pytest.raises(ValueError):
        post_structure({}, {"senior": 0.2, "intermediate": 0.4, "junior": 0.3}, 10)
