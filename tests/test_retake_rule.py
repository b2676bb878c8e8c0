"""The retake rule: a retaken factor's final score from its banked and its new score.

Exhaustive over the scale: every banked value (and none) against every new value (and none),
under both rules the rubric allows, against a rule written out independently here.
"""

from fractions import Fraction as F

import pytest

from icg_desk.models.rubric_file import RubricError, parse_rubric
from icg_desk.scoring import apply_retake, retake_score
from icg_desk.scoring.reads import RETAKE_RULES


def _values(revised):
    return [v.value for v in revised.scale.values]


def test_every_pair_of_scale_values_under_both_rules(revised):
    values = _values(revised)
    assert len(values) == 12  # 1- ... 4+
    checked = 0
    for banked in [None, *values]:
        for new in [None, *values]:
            higher = retake_score("higher", banked, new)
            latest = retake_score("latest", banked, new)
            if new is None:  # no score of this cycle yet: the factor is not scored
                assert (higher.score, higher.banked) == (None, False)
                assert (latest.score, latest.banked) == (None, False)
            elif banked is None:  # nothing banked: the new score is the score
                assert (higher.score, higher.banked) == (new, False)
                assert (latest.score, latest.banked) == (new, False)
            else:
                # higher: the larger of the two; the banked one stands only when strictly higher
                if banked > new:
                    assert (higher.score, higher.banked) == (banked, True)
                else:
                    assert (higher.score, higher.banked) == (new, False)
                assert higher.score == max(banked, new)
                # latest: always the new one
                assert (latest.score, latest.banked) == (new, False)
            checked += 1
    assert checked == 13 * 13


def test_means_of_reads_are_compared_exactly():
    # A mean of two reads (1.875) against a banked 1.88 from a rounded workbook: the exact
    # values decide, never two decimals.
    assert retake_score("higher", F("1.88"), F("1.875")).banked
    assert not retake_score("higher", F("1.875"), F("1.88")).banked
    assert retake_score("higher", F(7, 3), F(7, 3)) == retake_score("latest", F(1), F(7, 3))


def test_a_tie_is_the_new_score():
    result = retake_score("higher", F("1.5"), F("1.5"))
    assert result.score == F("1.5")
    assert not result.banked


def test_an_unknown_rule_fails_loudly():
    assert RETAKE_RULES == ("higher", "latest")
    with pytest.raises(ValueError, match="unknown retake rule 'best'"):
        retake_score("best", F(1), F(2))


def test_apply_retake_follows_the_rubric(revised):
    assert revised.retake.rule == "higher"
    for banked in _values(revised):
        for new in _values(revised):
            assert apply_retake(revised, banked, new) == max(banked, new)


def _without_retake(text: str) -> str:
    start = text.index("[retake]")
    end = text.index("\n[", start + 1)
    return text[:start] + text[end + 1 :]


def test_the_rule_is_optional_in_the_rubric_and_defaults_to_higher(revised):
    text = _without_retake(revised.source_text)
    assert "[retake]" not in text
    assert parse_rubric(text, "no-retake.toml").retake.rule == "higher"
    empty = text + "\n[retake]\n"
    assert parse_rubric(empty, "empty-retake.toml").retake.rule == "higher"
    latest = text + '\n[retake]\nrule = "latest"\n'
    assert parse_rubric(latest, "latest.toml").retake.rule == "latest"
    with pytest.raises(RubricError, match=r"retake\.rule: 'best' is not one of higher, latest"):
        parse_rubric(text + '\n[retake]\nrule = "best"\n', "best.toml")
