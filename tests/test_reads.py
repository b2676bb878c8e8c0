"""Several reads of a portfolio: means, discrepancies, adjudication, retakes, disagreements."""

from dataclasses import replace
from fractions import Fraction as F

import pytest

from icg_desk.scoring import apply_retake, combine_reads, decision_disagreement

KEYS = (
    "impact_cycle",
    "playbook",
    "data",
    "communication",
    "partnership",
    "leadership",
    "system_support",
)


def read(*values: str) -> dict[str, F]:
    return {k: F(v) for k, v in zip(KEYS, values, strict=True)}


@pytest.mark.parametrize(
    ("reads", "score", "discrepant"),
    [
        (("3", "3.25"), F("3.125"), False),
        (("2", "3.25"), F("2.625"), False),  # a spread of exactly 1.25 is not "more than"
        (("1.75", "3.25"), F("2.5"), True),  # 1.50 apart
        (("1.75", "3"), F("2.375"), False),
        (("0.75", "4.25"), F("2.5"), True),
        (("3", "3", "3.25"), F(37, 12), False),  # 3.0833...: not exact in decimal, exact here
        (("3",), F(3), False),  # a single read is never discrepant
    ],
)
def test_factor_score_is_the_mean_and_spreads_over_125_are_discrepant(
    revised, reads, score, discrepant
):
    result = combine_reads(revised, "data", [F(r) for r in reads])
    assert result.score == score
    assert result.discrepant is discrepant
    assert result.needs_adjudication is discrepant
    assert not result.adjudicated


def test_the_adjudicators_score_becomes_the_factor_score(revised):
    result = combine_reads(revised, "data", [F("1.75"), F("3.25")], adjudicated=F("2.75"))
    assert result.score == F("2.75")
    assert result.discrepant
    assert result.adjudicated
    assert not result.needs_adjudication


def test_no_reads_no_score(revised):
    result = combine_reads(revised, "data", [])
    assert result.score is None
    assert not result.discrepant


def test_the_discrepancy_threshold_comes_from_the_rubric(revised):
    strict = replace(revised, reads=replace(revised.reads, discrepancy=F("0.5")))
    assert combine_reads(strict, "data", [F(2), F("2.75")]).discrepant
    assert not combine_reads(revised, "data", [F(2), F("2.75")]).discrepant


def test_reads_off_the_scale_are_refused(revised):
    with pytest.raises(ValueError, match="not on the scale"):
        combine_reads(revised, "data", [F("1.5")])
    with pytest.raises(ValueError, match="not on the scale"):
        combine_reads(revised, "data", [F(3)], adjudicated=F("2.5"))
    with pytest.raises(KeyError):
        combine_reads(revised, "charisma", [F(3)])


def test_retake_rule_higher_keeps_the_banked_score_when_the_retake_is_lower(revised):
    assert revised.retake.rule == "higher"
    assert apply_retake(revised, F("1.25"), F("2.75")) == F("2.75")
    assert apply_retake(revised, F("1.25"), F("1")) == F("1.25")
    latest = replace(revised, retake=replace(revised.retake, rule="latest"))
    assert apply_retake(latest, F("1.25"), F("1")) == F(1)


def test_reads_agreeing_on_the_decision_are_not_flagged(revised):
    assert decision_disagreement(revised, read(*"3333333"), read(*"4444444")) == ()


def test_a_pair_on_either_side_of_certification_is_flagged_even_when_close(revised):
    a = read("3", "3", "3", "3", "3", "2.25", "2")  # 2.75: certified
    b = read("3", "3", "3", "3", "3", "2", "2")  # 2.71: not; no factor differs by > 1.25
    reasons = decision_disagreement(revised, a, b)
    assert reasons == ("one read certifies and the other does not (overall 2.75 and 2.71)",)
    assert decision_disagreement(revised, b, a) == (
        "one read certifies and the other does not (overall 2.71 and 2.75)",
    )


def test_a_factor_on_either_side_of_the_floor_is_flagged(revised):
    a = read("4", "4", "1.75", "4", "4", "4", "4")
    b = read("4", "4", "1.25", "4", "4", "4", "4")
    assert decision_disagreement(revised, a, b) == (
        "one read certifies and the other does not (overall 3.68 and 3.61)",
        "Data is on either side of the factor floor 1.75 (1.75 and 1.25)",
    )


def test_decision_disagreement_can_be_switched_off(revised):
    quiet = replace(revised, reads=replace(revised.reads, flag_decision_disagreement=False))
    a, b = read(*"4444444"), read(*"1111111")
    assert decision_disagreement(quiet, a, b) == ()


def test_decision_disagreement_needs_complete_reads(revised):
    with pytest.raises(ValueError, match="complete reads"):
        decision_disagreement(revised, {"data": F(3)}, read(*"3333333"))
