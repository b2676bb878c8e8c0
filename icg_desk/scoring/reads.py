"""Several reads of one portfolio: combining them, discrepancies, adjudication and retakes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from icg_desk.scoring.decision import Decision, decide
from icg_desk.scoring.rubric import Rubric
from icg_desk.scoring.scale import format_score


@dataclass(frozen=True)
class FactorResult:
    key: str
    reads: tuple[Fraction, ...]
    # The factor score: the adjudicator's where there is one, else the mean of the reads;
    # None while there is no read at all.
    score: Fraction | None
    spread: Fraction  # highest read minus lowest
    discrepant: bool  # the reads differ by more than the rubric's discrepancy threshold
    adjudicated: bool

    @property
    def needs_adjudication(self) -> bool:
        return self.discrepant and not self.adjudicated


def combine_reads(
    rubric: Rubric,
    key: str,
    reads: Sequence[Fraction],
    adjudicated: Fraction | None = None,
) -> FactorResult:
    """One factor's score from its reads under the rubric's read policy."""
    rubric.factor(key)  # an unknown key is a bug in the caller: fail loudly
    for r in (*reads, *(() if adjudicated is None else (adjudicated,))):
        if not rubric.scale.contains(r):
            raise ValueError(f"{format_score(r)} is not on the scale ({key})")
    policy = rubric.reads
    if policy.combine != "mean":  # the loader allows nothing else; guard against a new rule
        raise ValueError(f"unknown combine rule {policy.combine!r}")
    spread = max(reads) - min(reads) if reads else Fraction(0)
    discrepant = len(reads) > 1 and spread > policy.discrepancy
    if adjudicated is not None:
        score: Fraction | None = adjudicated
    elif reads:
        score = sum(reads, Fraction(0)) / len(reads)
    else:
        score = None
    return FactorResult(
        key=key,
        reads=tuple(reads),
        score=score,
        spread=spread,
        discrepant=discrepant,
        adjudicated=adjudicated is not None,
    )


def decision_disagreement(
    rubric: Rubric,
    read_a: Mapping[str, Fraction],
    read_b: Mapping[str, Fraction],
    decided: tuple[Decision, Decision] | None = None,
) -> tuple[str, ...]:
    """Why two complete reads of one portfolio disagree on the decision (empty when they agree).

    Flagged for the coordinator even when no factor differs by more than the discrepancy
    threshold: two reads of 3.00 and 2.50 overall are both "close", yet one certifies.
    `decided`: the two reads' decisions when the caller has them already.
    """
    if not rubric.reads.flag_decision_disagreement:
        return ()
    a, b = decided if decided is not None else (decide(rubric, read_a), decide(rubric, read_b))
    if a.certified is None or b.certified is None:
        raise ValueError("a decision disagreement needs two complete reads")
    reasons: list[str] = []
    if a.certified != b.certified:
        reasons.append(
            "one read certifies and the other does not "
            f"(overall {format_score(a.overall or Fraction(0))} and "
            f"{format_score(b.overall or Fraction(0))})"
        )
    floor = rubric.thresholds.factor_floor
    for factor in rubric.factors:
        below_a, below_b = read_a[factor.key] < floor, read_b[factor.key] < floor
        if below_a != below_b:
            reasons.append(
                f"{factor.name} is on either side of the factor floor {format_score(floor)} "
                f"({format_score(read_a[factor.key])} and {format_score(read_b[factor.key])})"
            )
    return tuple(reasons)


RETAKE_RULES = ("higher", "latest")
DEFAULT_RETAKE_RULE = "higher"


@dataclass(frozen=True)
class RetakeScore:
    """A retaken factor's score under the retake rule, and whether it is the banked one."""

    score: Fraction | None  # None while the retake has no score of this cycle yet
    banked: bool  # the banked score stands (the new one did not replace it)


def retake_score(rule: str, banked: Fraction | None, new: Fraction | None) -> RetakeScore:
    """A retaken factor's final score from its banked score (an earlier cycle's, if any) and its
    new score (this cycle's: the mean of the reads, or the adjudicator's), under `rule`:

    - "higher": the new score replaces the banked one when it is higher; a tie keeps the new one
      (the retake reached it), a lower new score leaves the banked one standing;
    - "latest": the new score always replaces the banked one.

    With no new score yet the factor has no score (the retake is still being read); with no
    banked score the new one is the score.
    """
    if rule not in RETAKE_RULES:
        raise ValueError(f"unknown retake rule {rule!r}")
    if new is None:
        return RetakeScore(None, False)
    if banked is None or rule == "latest" or new >= banked:
        return RetakeScore(new, False)
    return RetakeScore(banked, True)


def apply_retake(rubric: Rubric, banked: Fraction, retaken: Fraction) -> Fraction:
    """A retaken factor's score under the rubric's retake rule."""
    score = retake_score(rubric.retake.rule, banked, retaken).score
    assert score is not None  # a new score always gives one
    return score
