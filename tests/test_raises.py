"""The smallest set of raises that would certify (scoring/raises.py), against a brute force.

The reference below knows nothing of the implementation: it tries every plan (each factor left
as it is, or raised to any higher value on the scale), keeps those that certify by the rule
restated in integers, and orders them by the module's definition of "smallest".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from fractions import Fraction as F
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.scoring import decide
from icg_desk.scoring.raises import RaisePlan, smallest_raises
from icg_desk.scoring.rubric import Rubric

RUBRIC = builtin_rubric("icg-revised")
VALUES = [v.value for v in RUBRIC.scale.values]
# A factor score is a single read or the mean of two: eighths, 0.75 to 4.25.
MEANS = sorted({(a + b) / 2 for a in VALUES for b in VALUES})


def small_rubric(weights: Sequence[int]) -> Rubric:
    """The revised rubric cut to its first len(weights) factors, with these weights."""
    factors = tuple(
        dataclasses.replace(f, weight=F(w)) for f, w in zip(RUBRIC.factors, weights, strict=False)
    )
    return dataclasses.replace(RUBRIC, factors=factors)


def reference(rubric: Rubric, scores: Sequence[F]) -> tuple[object, ...] | None:
    """The rank of the smallest plan by brute force, in integers (eighths), or None."""
    t = rubric.thresholds
    weights = [int(f.weight) for f in rubric.factors]
    cert8, floor8 = int(t.certification * 8), int(t.factor_floor * 8)
    current = [int(s * 8) for s in scores]
    assert [F(c, 8) for c in current] == list(scores)
    options = [[None, *(int(v * 8) for v in VALUES if v > s)] for s in scores]
    best: tuple[object, ...] | None = None
    total_weight = sum(weights)
    for plan in product(*options):
        after = [c if v is None else v for c, v in zip(current, plan, strict=True)]
        weighted = sum(w * a for w, a in zip(weights, after, strict=True))
        if weighted < cert8 * total_weight or min(after) < floor8:
            continue
        raised = [i for i, v in enumerate(plan) if v is not None]
        rank = (
            len(raised),
            sum(after[i] - current[i] for i in raised),
            tuple(sorted(current[i] for i in raised)),
            tuple(raised),
            tuple(sorted((after[i] for i in raised), reverse=True)),
            tuple(after[i] for i in raised),
        )
        if best is None or rank < best:
            best = rank
    return best


def rank_of(rubric: Rubric, plan: RaisePlan) -> tuple[object, ...]:
    keys = rubric.factor_keys
    return (
        len(plan.raises),
        int(plan.total * 8),
        tuple(sorted(int(r.current * 8) for r in plan.raises)),
        tuple(keys.index(r.key) for r in plan.raises),
        tuple(sorted((int(r.target.value * 8) for r in plan.raises), reverse=True)),
        tuple(int(r.target.value * 8) for r in plan.raises),
    )


def check(rubric: Rubric, values: Sequence[F]) -> None:
    scores = dict(zip(rubric.factor_keys, values, strict=True))
    plan = smallest_raises(rubric, scores)
    expected = reference(rubric, values)
    if expected is None:
        assert plan is None, values
        return
    assert plan is not None, values
    assert rank_of(rubric, plan) == expected, values
    raised = dict(scores) | {r.key: r.target.value for r in plan.raises}
    d = decide(rubric, raised)
    assert d.certified, values
    assert plan.overall == d.overall


def test_every_three_factor_portfolio_of_single_reads() -> None:
    # All 1,728 portfolios of a three-factor rubric, each against every one of its plans.
    rubric = small_rubric([1, 1, 1])
    for values in product(VALUES, repeat=3):
        check(rubric, values)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(MEANS), min_size=4, max_size=4),
    st.lists(st.sampled_from([1, 2, 3]), min_size=4, max_size=4),
)
def test_means_of_two_reads_and_weights_match_the_brute_force(values, weights) -> None:
    check(small_rubric(weights), values)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(MEANS), min_size=7, max_size=7))
def test_seven_factors_no_plan_is_smaller(values) -> None:
    """On the whole rubric, where the brute force is too slow: the plan certifies, no set of
    fewer factors can (even at the top of the scale), and no target can come down a step."""
    keys = RUBRIC.factor_keys
    scores = dict(zip(keys, values, strict=True))
    plan = smallest_raises(RUBRIC, scores)
    assert plan is not None  # every factor at 4.25 certifies
    decision = decide(RUBRIC, scores)
    if decision.certified:
        assert plan.raises == ()
        return
    raised = scores | {r.key: r.target.value for r in plan.raises}
    assert decide(RUBRIC, raised).certified
    assert set(decision.retake) <= set(plan.keys)  # a factor below the floor is always raised
    # Fewer factors: the retaken ones and those with the most room, all at the top.
    fewer = len(plan.raises) - 1
    if fewer >= len(decision.retake):
        room = sorted(
            (k for k in keys if k not in decision.retake), key=lambda k: scores[k]
        )  # the lowest have the most room below 4.25
        best = set(decision.retake) | set(room[: fewer - len(decision.retake)])
        top = scores | {k: RUBRIC.scale.highest for k in best}
        assert not decide(RUBRIC, top).certified
    # Each target is the least: one step lower, and the plan no longer certifies.
    for r in plan.raises:
        lower = [v for v in VALUES if scores[r.key] < v < r.target.value]
        if lower:
            assert not decide(RUBRIC, raised | {r.key: lower[-1]}).certified


def plan_of(values: Sequence[str]) -> RaisePlan | None:
    scores = dict(zip(RUBRIC.factor_keys, (F(v) for v in values), strict=True))
    return smallest_raises(RUBRIC, scores)


def test_an_overall_of_2_50_needs_one_factor_at_the_top() -> None:
    plan = plan_of(["2.5"] * 7)  # 17.50; 19.25 needed: one factor 1.75 higher
    assert plan is not None
    assert [(r.key, r.target.label) for r in plan.raises] == [("impact_cycle", "4+")]
    assert plan.overall == F(11, 4)


def test_an_overall_of_2_73_needs_the_closest_step() -> None:
    # 19.125 / 7 = 2.73: 0.125 short. Raising 2.875 to 3.00 closes it exactly; raising any
    # other factor overshoots (2.50 to 2.75 adds 0.25).
    plan = plan_of(["2.5", "2.75", "2.875", "2.75", "2.75", "3.0", "2.5"])
    assert plan is not None
    assert [(r.key, r.current, r.target.label) for r in plan.raises] == [("data", F("2.875"), "3")]
    assert plan.total == F(1, 8)
    assert plan.overall == F(11, 4)


def test_certified_scores_need_nothing_and_incomplete_ones_are_refused() -> None:
    plan = plan_of(["3"] * 7)
    assert plan is not None
    assert plan.raises == ()
    assert plan.overall == 3
    scores: dict[str, F | None] = {k: F(3) for k in RUBRIC.factor_keys}
    scores["data"] = None
    with pytest.raises(ValueError, match="'data'"):
        smallest_raises(RUBRIC, scores)
    with pytest.raises(KeyError, match="no_such"):
        smallest_raises(RUBRIC, {**scores, "no_such": F(3)})


def test_no_plan_when_the_scale_cannot_reach_the_threshold() -> None:
    strict = dataclasses.replace(
        RUBRIC, thresholds=dataclasses.replace(RUBRIC.thresholds, certification=F(9, 2))
    )
    assert smallest_raises(strict, {k: F(3) for k in RUBRIC.factor_keys}) is None
