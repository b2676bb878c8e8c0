"""Every rule of domain.md about the decision, at its boundaries."""

from dataclasses import replace
from fractions import Fraction as F

import pytest

from icg_desk.scoring import Status, decide, threshold_crossings, weighted_mean

KEYS = (
    "impact_cycle",
    "playbook",
    "data",
    "communication",
    "partnership",
    "leadership",
    "system_support",
)


def scores(*values: str) -> dict[str, F]:
    assert len(values) == 7
    return {k: F(v) for k, v in zip(KEYS, values, strict=True)}


def test_the_rubrics_score_the_seven_success_factors_in_order(revised, pilot):
    assert revised.factor_keys == KEYS == pilot.factor_keys


def test_overall_is_the_sum_of_the_seven_over_seven(revised):
    s = scores("3", "3.25", "1.75", "4", "3", "3", "2.25")
    assert weighted_mean(revised, s) == F("20.25") / 7
    assert decide(revised, s).overall == F(81, 28)


@pytest.mark.parametrize(
    ("values", "certified", "retake", "below"),
    [
        # exactly at the certification threshold: certified
        (("2.75",) * 7, True, (), ()),
        # sum 19.25 -> 2.75 exactly, two factors below accomplished but above the floor
        (("3", "3", "3", "3", "3", "2.25", "2"), True, (), ("leadership", "system_support")),
        # sum 19 -> 2.714: just below
        (("3", "3", "3", "3", "3", "2", "2"), False, (), ("leadership", "system_support")),
        # a factor exactly at the floor is not retaken
        (("4", "4", "4", "4", "4", "4", "1.75"), True, (), ("system_support",)),
        # a factor just below the floor is retaken, however high the overall
        (("4.25",) * 6 + ("1.25",), False, ("system_support",), ("system_support",)),
        # both reasons at once
        (("1.25", "2", "2", "2", "2", "2", "2"), False, ("impact_cycle",), KEYS),
        # the lowest and highest possible portfolios
        (("0.75",) * 7, False, KEYS, KEYS),
        (("4.25",) * 7, True, (), ()),
        # 2.75 on a factor is accomplished
        (("2.75", "4", "4", "4", "4", "4", "4"), True, (), ()),
    ],
)
def test_decision_boundaries(revised, values, certified, retake, below):
    d = decide(revised, scores(*values))
    assert d.certified is certified
    assert d.status is (Status.CERTIFIED if certified else Status.NOT_CERTIFIED)
    assert d.retake == retake
    assert d.below_accomplished == below
    assert (d.reasons == ()) is certified


def test_reasons_and_headlines_say_why(revised):
    low = decide(revised, scores("3", "3", "3", "3", "3", "2", "2"))
    assert low.reasons == ("overall 2.71 is below 2.75",)
    assert low.headline == "Not certified: overall 2.71 is below 2.75"

    floor = decide(revised, scores("4", "4", "1.25", "4", "4", "4", "4"))
    assert floor.reasons == ("Data 1.25 is below the factor floor 1.75",)
    assert floor.headline == "Retake: Data (1.25)"

    both = decide(revised, scores("1", "2", "2", "2", "2", "2", "1.25"))
    assert both.reasons == (
        "overall 1.75 is below 2.75",
        "Impact Cycle 1.00 is below the factor floor 1.75",
        "System Support 1.25 is below the factor floor 1.75",
    )
    assert both.headline == "Retake: Impact Cycle (1.00), System Support (1.25)"

    assert decide(revised, scores(*("3",) * 7)).headline == "Certified"


def test_an_incomplete_portfolio_has_no_decision_yet(revised):
    d = decide(
        revised,
        {"impact_cycle": F(3), "playbook": F("3.25"), "data": F("1.25"), "communication": None},
    )
    assert d.status is Status.INCOMPLETE
    assert d.certified is None
    assert d.headline == "Incomplete: 3 of 7 factors scored"
    assert d.scored == 3
    assert d.total == 7
    assert d.overall == (F(3) + F("3.25") + F("1.25")) / 3  # the overall so far
    assert d.retake == ("data",)  # already known to need a retake
    assert decide(revised, {}).overall is None


def test_an_unknown_factor_is_a_bug_not_a_score(revised):
    with pytest.raises(KeyError, match="no factor 'charisma'"):
        decide(revised, {"charisma": F(3)})


@pytest.mark.parametrize(
    ("values", "targets"),
    [
        # one retake, the banked six sum to 18: any score at the floor certifies
        (("3", "3", "1.25", "3", "3", "3", "3"), {"data": F("1.75")}),
        # banked six at 2.75 (16.5): the retake must reach 2.75 itself
        (("2.75", "2.75", "1", "2.75", "2.75", "2.75", "2.75"), {"data": F("2.75")}),
        # banked six at 2.25 (13.5): 5.75 needed, beyond the scale
        (("2.25", "2.25", "1", "2.25", "2.25", "2.25", "2.25"), {"data": None}),
        # two retakes, banked 16.25: 2t >= 3 -> the floor, 1.75
        (
            ("3.25", "3.25", "1", "3.25", "3.25", "3.25", "1.25"),
            {"data": F("1.75"), "system_support": F("1.75")},
        ),
        # two retakes, banked 13.75: 2t >= 5.5 -> 2.75
        (
            ("2.75", "2.75", "1", "2.75", "2.75", "2.75", "1.25"),
            {"data": F("2.75"), "system_support": F("2.75")},
        ),
    ],
)
def test_what_each_retake_must_reach(revised, values, targets):
    d = decide(revised, scores(*values))
    assert dict(d.retake_targets) == targets


def test_no_retake_targets_without_retakes(revised):
    assert decide(revised, scores("3", "3", "3", "3", "3", "2", "2")).retake_targets == {}


def test_weights_from_the_rubric_count(revised):
    heavy = tuple(
        replace(f, weight=F(3)) if f.key == "impact_cycle" else f for f in revised.factors
    )
    rubric = replace(revised, factors=heavy)
    s = scores("4", "2", "2", "2", "2", "2", "2")
    assert weighted_mean(rubric, s) == F(3 * 4 + 12, 9)  # 24 / 9 = 2.67
    assert decide(rubric, s).certified is False
    s = scores("4.25", "2.75", "2.25", "2.25", "2.25", "2.25", "2.25")
    assert weighted_mean(rubric, s) == (3 * F("4.25") + F("2.75") + 5 * F("2.25")) / 9


def test_threshold_crossings_name_what_changed(revised):
    before = decide(revised, scores("3", "3", "3", "3", "3", "2.25", "2"))  # 2.75: certified
    after = decide(revised, scores("3", "3", "3", "3", "3", "2.25", "1.75"))
    assert threshold_crossings(revised, before, after) == (
        "This change turned the decision from Certified to Not certified.",
    )
    dropped = decide(revised, scores("3", "3", "3", "3", "3", "2.25", "1.25"))
    assert threshold_crossings(revised, after, dropped) == (
        "System Support is now below the factor floor 1.75.",
    )
    assert threshold_crossings(revised, dropped, before) == (
        "This change turned the decision from Not certified to Certified.",
        "System Support is no longer below the factor floor.",
    )
    assert threshold_crossings(revised, before, before) == ()
