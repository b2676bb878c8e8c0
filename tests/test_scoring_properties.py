"""Properties of the rules, over every possible portfolio or many random ones."""

from fractions import Fraction as F
from itertools import combinations_with_replacement

from hypothesis import given
from hypothesis import strategies as st

from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.scoring import combine_reads, decide, decision_disagreement

RUBRIC = builtin_rubric("icg-revised")
VALUES = [v.value for v in RUBRIC.scale.values]
KEYS = RUBRIC.factor_keys

score_vectors = st.lists(st.sampled_from(VALUES), min_size=7, max_size=7)


def as_scores(values: list[F]) -> dict[str, F]:
    return dict(zip(KEYS, values, strict=True))


def test_every_possible_portfolio_against_an_integer_reference():
    # With equal weights the decision depends only on the multiset of the seven scores: all
    # 31,824 of them, checked against the rule restated in whole quarters (no fractions at all).
    quarters = {v: int(v * 4) for v in VALUES}
    for combo in combinations_with_replacement(VALUES, 7):
        total_quarters = sum(quarters[v] for v in combo)
        expected = total_quarters >= 77 and min(quarters[v] for v in combo) >= 7  # 2.75*28, 1.75*4
        d = decide(RUBRIC, as_scores(list(combo)))
        assert d.certified is expected, combo
        assert d.overall == F(total_quarters, 28)


@given(score_vectors, st.integers(0, 6), st.sampled_from(VALUES))
def test_raising_one_factor_never_loses_certification(values, index, new):
    before = decide(RUBRIC, as_scores(values))
    raised = list(values)
    raised[index] = max(values[index], new)
    after = decide(RUBRIC, as_scores(raised))
    if before.certified:
        assert after.certified
    assert after.overall >= before.overall


@given(score_vectors)
def test_overall_lies_between_the_lowest_and_highest_factor(values):
    d = decide(RUBRIC, as_scores(values))
    assert min(values) <= d.overall <= max(values)
    assert d.overall == sum(values, F(0)) / 7


@given(score_vectors)
def test_certified_exactly_when_both_thresholds_hold(values):
    d = decide(RUBRIC, as_scores(values))
    floor, cert = RUBRIC.thresholds.factor_floor, RUBRIC.thresholds.certification
    assert d.certified == (d.overall >= cert and min(values) >= floor)
    assert set(d.retake) == {k for k, v in zip(KEYS, values, strict=True) if v < floor}
    assert set(d.below_accomplished) == {
        k for k, v in zip(KEYS, values, strict=True) if v < RUBRIC.thresholds.accomplished
    }
    assert set(d.retake) <= set(d.below_accomplished)
    assert (len(d.reasons) == 0) == d.certified


@given(score_vectors)
def test_retake_targets_are_the_lowest_scores_that_certify(values):
    d = decide(RUBRIC, as_scores(values))
    floor = RUBRIC.thresholds.factor_floor
    for key, target in d.retake_targets.items():
        assert key in d.retake
        if target is None:
            best = {k: (VALUES[-1] if k in d.retake else v) for k, v in as_scores(values).items()}
            assert not decide(RUBRIC, best).certified
            continue
        assert target >= floor
        after = {k: (target if k in d.retake else v) for k, v in as_scores(values).items()}
        assert decide(RUBRIC, after).certified
        lower = [v for v in VALUES if floor <= v < target]
        if lower:
            under = {k: (lower[-1] if k in d.retake else v) for k, v in as_scores(values).items()}
            assert not decide(RUBRIC, under).certified


@given(st.lists(st.sampled_from(VALUES), min_size=1, max_size=5))
def test_the_mean_of_reads_lies_between_them_and_flags_wide_spreads(reads):
    result = combine_reads(RUBRIC, "data", reads)
    assert min(reads) <= result.score <= max(reads)
    assert result.discrepant == (max(reads) - min(reads) > F("1.25"))


@given(score_vectors, score_vectors)
def test_decision_disagreement_is_symmetric_and_matches_the_decisions(a, b):
    ra, rb = as_scores(a), as_scores(b)
    ab, ba = decision_disagreement(RUBRIC, ra, rb), decision_disagreement(RUBRIC, rb, ra)
    assert len(ab) == len(ba)
    if decide(RUBRIC, ra).certified != decide(RUBRIC, rb).certified:
        assert ab
        assert ab[0].startswith("one read certifies")
