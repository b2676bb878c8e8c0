"""The calibration rule (scoring/calibration.py) and the rubric's [calibration] section."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from icg_desk.models.rubric_file import RubricError, parse_rubric
from icg_desk.scoring.calibration import (
    QualifyingRule,
    code_matches,
    judge_practice,
    normalise_code,
    unlock_code,
    unlock_hash,
)

F = Fraction


def test_the_builtin_rubrics_say_the_rule(revised, pilot):
    for rubric in (revised, pilot):
        assert rubric.calibration == QualifyingRule(F(7, 10), 1)


def test_seven_in_ten_exact_and_none_two_levels_off_qualifies(revised):
    scale, rule = revised.scale, revised.calibration
    exact = [(F(3), F(3))] * 7
    near = [(F(2), F(3)), (F(13, 4), F(3)), (F(4), F(3))]  # 2, 3+ and 4 against 3
    result = judge_practice(exact + near, scale, rule)
    assert (result.compared, result.exact, result.worst_levels_off) == (10, 7, 1)
    assert result.exact_share == F(7, 10)
    assert result.qualified
    # One fewer exact: 60%, not qualified.
    result = judge_practice(exact[1:] + near + [(F(2), F(3))], scale, rule)
    assert result.exact_share == F(6, 10)
    assert not result.qualified
    assert "not qualified" in result.words()
    assert "6 of 10" in result.words()
    # Every other score exact, one two levels off: not qualified however many are exact.
    result = judge_practice([(F(3), F(3))] * 99 + [(F(1), F(3))], scale, rule)
    assert result.worst_levels_off == 2
    assert not result.qualified


def test_nothing_compared_never_qualifies(revised):
    result = judge_practice([], revised.scale, revised.calibration)
    assert result.exact_share is None
    assert not result.qualified


@pytest.mark.parametrize(("given", "agreed"), list(itertools.product(range(1, 5), repeat=2)))
def test_levels_off_is_the_difference_of_levels(revised, given, agreed):
    result = judge_practice([(F(given), F(agreed))], revised.scale, QualifyingRule(F(0), 3))
    assert result.worst_levels_off == abs(given - agreed)
    assert result.qualified  # nothing needed exact, three levels allowed


def test_the_section_is_read_and_checked(revised):
    text = revised.source_text.replace('min_exact = "0.70"', 'min_exact = "0.80"')
    assert parse_rubric(text, "r.toml").calibration == QualifyingRule(F(4, 5), 1)
    without = revised.source_text.replace("[calibration]", "[not_calibration]")
    assert parse_rubric(without, "r.toml").calibration == QualifyingRule()
    for bad, problem in (
        ('min_exact = "1.5"', "calibration.min_exact: must be a share from 0 to 1"),
        ("min_exact = 0.7", 'write the number as a string, "0.7"'),
    ):
        with pytest.raises(RubricError, match=problem):
            parse_rubric(revised.source_text.replace('min_exact = "0.70"', bad), "r.toml")
    with pytest.raises(RubricError, match="max_levels_off: must be at most 3"):
        parse_rubric(revised.source_text.replace("max_levels_off = 1", "max_levels_off = 4"), "r")


def test_an_unlock_code_is_per_batch_and_read_forgivingly():
    code = unlock_code("cohort secret", "batch-1")
    assert len(code) == 14
    assert code.count("-") == 2
    assert code == unlock_code("cohort secret", "batch-1")
    assert code != unlock_code("cohort secret", "batch-2")
    assert code != unlock_code("another secret", "batch-1")
    digest = unlock_hash(code)
    typed = f"  {code.lower().replace('-', ' ')} "
    assert code_matches(typed, digest)
    assert not code_matches(unlock_code("cohort secret", "batch-2"), digest)
    assert not code_matches(code, "")  # a batch with no code is never unlocked by one
    assert normalise_code("o1l-i") == "0111"


def test_the_validity_section_is_read_and_checked(revised):
    from icg_desk.scoring.calibration import ValidityRule

    assert revised.validity == ValidityRule(F(1, 8), F(1, 2))
    text = revised.source_text.replace('margin = "0.125"', 'margin = "0.25"')
    assert parse_rubric(text, "r.toml").validity == ValidityRule(F(1, 4), F(1, 2))
    without = revised.source_text.replace("[validity]", "[not_validity]")
    assert parse_rubric(without, "r.toml").validity == ValidityRule()
    with pytest.raises(RubricError, match="validity.margin: must be from 0 to the scale's span"):
        parse_rubric(revised.source_text.replace('margin = "0.125"', 'margin = "9"'), "r")
    with pytest.raises(RubricError, match="validity.min_exact: must be a share from 0 to 1"):
        parse_rubric(revised.source_text.replace('min_exact = "0.50"', 'min_exact = "2"'), "r")


def test_the_rubrics_validity_rule_decides_who_is_flagged(tmp_path):
    """The severe demo scorer is flagged by the validity portfolios under the rubric's rule, and
    by no one under a rubric whose margin is a whole point and whose exact floor is 0."""
    from pathlib import Path

    from icg_desk.demo.agreement import DEMO_BIASES, build_agreement_cohort
    from icg_desk.models.agreement import cohort_agreement
    from icg_desk.models.cohort_file import CohortFile

    path = build_agreement_cohort(
        Path(tmp_path) / "c.icgcohort", candidates=160, weeks=4, biases=DEMO_BIASES, validity=10
    )
    with CohortFile.open(path) as cohort:
        strict = cohort_agreement(cohort).figures
        loose_rubric = parse_rubric(
            cohort.rubric.source_text.replace('margin = "0.125"', 'margin = "1"').replace(
                'min_exact = "0.50"', 'min_exact = "0"'
            ),
            "loose",
        )
        cohort.__dict__["rubric"] = loose_rubric  # the same reads judged by another rule
        loose = cohort_agreement(cohort).figures
    flagged = [s.scorer_id for s in strict.scorers if s.validity and s.validity.flagged]
    assert "S-01" in flagged
    assert [s.scorer_id for s in loose.scorers if s.validity and s.validity.flagged] == []
