"""The certification decision, from a candidate's factor scores.

Certified when the (weighted) mean of the seven factor scores is at least the certification
threshold and no factor is below the factor floor. Factors below the floor are retaken; the others
stand (are banked). All comparisons are on exact values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from icg_desk.scoring.rubric import Rubric
from icg_desk.scoring.scale import format_against, format_score

FactorScores = Mapping[str, Fraction | None]


class Status(StrEnum):
    CERTIFIED = "certified"
    NOT_CERTIFIED = "not_certified"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class Decision:
    status: Status
    # The overall score; while incomplete, the weighted mean of the factors scored so far.
    overall: Fraction | None
    scored: int
    total: int
    retake: tuple[str, ...]  # factor keys below the floor, in rubric order
    below_accomplished: tuple[str, ...]  # factor keys below "accomplished", in rubric order
    reasons: tuple[str, ...]  # every reason the candidate is not certified, in words
    # For each retake factor, the lowest single-read score that certifies when every retaken
    # factor reaches it; None when retaking cannot certify (the banked scores are too low).
    retake_targets: Mapping[str, Fraction | None]
    headline: str  # "Certified", "Not certified: overall 2.61 is below 2.75", ...

    @property
    def certified(self) -> bool | None:
        if self.status is Status.INCOMPLETE:
            return None
        return self.status is Status.CERTIFIED


def weighted_mean(rubric: Rubric, scores: Mapping[str, Fraction]) -> Fraction:
    """The overall score: sum of weight x score over the sum of the weights (weights 1: /7)."""
    if not scores:
        raise ValueError("an overall score needs at least one factor score")
    if rubric.equal_weights:
        return sum(scores.values(), Fraction(0)) / len(scores)
    weights = rubric.weights
    total_weight = sum((weights[k] for k in scores), Fraction(0))
    return sum((weights[k] * s for k, s in scores.items()), Fraction(0)) / total_weight


def _unknown_keys(rubric: Rubric, scores: FactorScores) -> None:
    unknown = set(scores) - set(rubric.factor_keys)
    if unknown:
        raise KeyError(f"the rubric {rubric.edition!r} has no factor {sorted(unknown)[0]!r}")


def decide(rubric: Rubric, scores: FactorScores) -> Decision:
    """The decision as it stands for these factor scores (a factor missing or None is unscored)."""
    _unknown_keys(rubric, scores)
    t = rubric.thresholds
    scored = {k: s for k in rubric.factor_keys if (s := scores.get(k)) is not None}
    total = len(rubric.factors)
    overall = weighted_mean(rubric, scored) if scored else None
    retake = tuple(k for k, s in scored.items() if s < t.factor_floor)
    below = tuple(k for k, s in scored.items() if s < t.accomplished)

    if len(scored) < total:
        return Decision(
            status=Status.INCOMPLETE,
            overall=overall,
            scored=len(scored),
            total=total,
            retake=retake,
            below_accomplished=below,
            reasons=(f"{total - len(scored)} of {total} factors are not scored yet",),
            retake_targets={},
            headline=f"Incomplete: {len(scored)} of {total} factors scored",
        )

    assert overall is not None
    reasons: list[str] = []
    if overall < t.certification:
        reasons.append(
            f"overall {format_against(overall, t.certification)} is below "
            f"{format_score(t.certification)}"
        )
    for k in retake:
        factor = rubric.factor(k)
        reasons.append(
            f"{factor.name} {format_against(scored[k], t.factor_floor)} is below the factor "
            f"floor {format_score(t.factor_floor)}"
        )

    if not reasons:
        status, headline = Status.CERTIFIED, "Certified"
    elif retake:
        status = Status.NOT_CERTIFIED
        headline = "Retake: " + ", ".join(
            f"{rubric.factor(k).name} ({format_score(scored[k])})" for k in retake
        )
    else:
        status, headline = Status.NOT_CERTIFIED, "Not certified: " + reasons[0]

    return Decision(
        status=status,
        overall=overall,
        scored=total,
        total=total,
        retake=retake,
        below_accomplished=below,
        reasons=tuple(reasons),
        retake_targets=_retake_targets(rubric, scored, retake) if retake else {},
        headline=headline,
    )


def _retake_targets(
    rubric: Rubric, scored: Mapping[str, Fraction], retake: tuple[str, ...]
) -> dict[str, Fraction | None]:
    """The lowest scale value t such that every retaken factor at t, the rest banked, certifies.

    (banked + R t) / W >= certification, with R the retaken factors' weight and W the total:
    solved for t, then raised to the floor and to the next value on the scale.
    """
    t = rubric.thresholds
    weights = rubric.weights
    banked = sum((weights[k] * s for k, s in scored.items() if k not in retake), Fraction(0))
    retaken_weight = sum((weights[k] for k in retake), Fraction(0))
    total_weight = sum((weights[k] for k in scored), Fraction(0))
    needed = max(t.factor_floor, (t.certification * total_weight - banked) / retaken_weight)
    target = rubric.scale.at_least(needed)
    return {k: None if target is None else target.value for k in retake}


def threshold_crossings(rubric: Rubric, before: Decision, after: Decision) -> tuple[str, ...]:
    """What a change did to the decision, in words, when it moved it across a threshold.

    Scorers asked to be told when one score flips the outcome: such a score deserves a second look.
    """
    notes: list[str] = []
    if before.certified is not None and after.certified is not None:
        if before.certified and not after.certified:
            notes.append("This change turned the decision from Certified to Not certified.")
        elif not before.certified and after.certified:
            notes.append("This change turned the decision from Not certified to Certified.")
    floor = format_score(rubric.thresholds.factor_floor)
    for k in after.retake:
        if k not in before.retake:
            notes.append(f"{rubric.factor(k).name} is now below the factor floor {floor}.")
    for k in before.retake:
        if k not in after.retake:
            name = rubric.factor(k).name
            notes.append(f"{name} is no longer below the factor floor.")
    return tuple(notes)
