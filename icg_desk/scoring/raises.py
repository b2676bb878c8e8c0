"""What would certify: the smallest set of factor raises that turns a decision into "Certified".

A candidate who is not certified retakes factors in a later cycle; a retaken factor's new score
replaces the one that stood when it is higher (the rubric's default retake rule). This module
answers the candidate's question "what is the least I would have to raise?" exactly.

Definitions, all on exact values:

- A **raise** lifts one factor from its current score to a higher single-read score on the scale
  (its *target*: a retake read at least that high). A factor below the floor must be raised,
  and to at least the floor.
- A set of raises **certifies** when, with every raised factor exactly at its target and every
  other factor as it stands, the decision is "Certified" (overall at least the certification
  threshold, no factor below the floor). Scores are monotone in the decision, so reaching at
  least each target certifies too.
- The **smallest** such set is the one with (1) the fewest factors raised; among those, (2) the
  least total raise, in points on the factor scale (the sum of target minus current score);
  among those, (3) the one that raises the weaker factors (the raised factors' current scores,
  lowest first, compared in turn: lower wins); then (4) the one first in rubric order (the
  raised factors' positions in the rubric, compared in turn); and for those factors, (5) the
  targets spread most evenly (the targets, highest first, compared in turn: the plan whose
  highest target is lowest wins), and last (6) the targets in rubric order, lower first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from math import lcm

from icg_desk.scoring.decision import weighted_mean
from icg_desk.scoring.rubric import Rubric
from icg_desk.scoring.scale import ScaleValue


@dataclass(frozen=True)
class Raise:
    key: str
    current: Fraction  # the factor score as it stands
    target: ScaleValue  # the lowest single-read score this plan needs the factor to reach

    @property
    def amount(self) -> Fraction:
        return self.target.value - self.current


@dataclass(frozen=True)
class RaisePlan:
    raises: tuple[Raise, ...]  # in rubric order; empty when the scores certify as they stand
    overall: Fraction  # the overall score with each raised factor exactly at its target

    @property
    def total(self) -> Fraction:
        """The total raise, in points on the factor scale."""
        return sum((r.amount for r in self.raises), Fraction(0))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.raises)


# While a set is built: the weighted gain so far (capped at what is needed) -> the best partial
# plan reaching it, as its order (total raise, targets highest first, targets in order) and
# the indices of its targets on the scale. All in integers: a common denominator of every
# score, scale value, weight and threshold (Fractions are ten times slower, and a cohort's
# reports ask this for every candidate not certified).
_Order = tuple[int, tuple[int, ...], tuple[int, ...]]
_State = dict[int, tuple[_Order, tuple[int, ...]]]


def smallest_raises(rubric: Rubric, scores: Mapping[str, Fraction | None]) -> RaisePlan | None:
    """The smallest set of raises that certifies (see the module's definitions).

    Returns an empty plan when the scores certify as they stand, and None when no set does
    (not even every factor at the top of the scale). Every factor must be scored.
    """
    keys = rubric.factor_keys
    unknown = set(scores) - set(keys)
    if unknown:
        raise KeyError(f"the rubric {rubric.edition!r} has no factor {sorted(unknown)[0]!r}")
    missing = [k for k in keys if scores.get(k) is None]
    if missing:
        raise ValueError(f"every factor must be scored to plan raises; {missing[0]!r} is not")
    current: dict[str, Fraction] = {k: s for k in keys if (s := scores[k]) is not None}
    t = rubric.thresholds
    weights = rubric.weights
    total_weight = sum(weights.values(), Fraction(0))
    # The weighted sum the factors must reach, and how far short of it they are.
    needed = t.certification * total_weight - sum(
        (weights[k] * s for k, s in current.items()), Fraction(0)
    )
    must = [k for k in keys if current[k] < t.factor_floor]
    if needed <= 0 and not must:
        return RaisePlan((), weighted_mean(rubric, current))

    values = rubric.scale.values
    options = {
        k: [
            i
            for i, v in enumerate(values)
            if v.value > current[k] and (k not in must or v.value >= t.factor_floor)
        ]
        for k in keys
    }
    if any(not options[k] for k in must):
        return None
    # Integers: scores and values times `unit`, weights times `weight_unit`.
    unit = lcm(*(x.denominator for x in (*current.values(), *(v.value for v in values))))
    weight_unit = lcm(*(w.denominator for w in weights.values()))
    cur = {k: int(current[k] * unit) for k in keys}
    val = [int(v.value * unit) for v in values]
    wgt = {k: int(weights[k] * weight_unit) for k in keys}
    goal = max(0, _ceil(needed * unit * weight_unit))
    top = val[-1]

    optional = [k for k in keys if k not in must and options[k]]
    for extra in range(len(optional) + 1):
        best: tuple[tuple[object, ...], tuple[str, ...], tuple[int, ...]] | None = None
        for chosen in combinations(optional, extra):
            subset = tuple(k for k in keys if k in must or k in chosen)  # rubric order
            if sum(wgt[k] * (top - cur[k]) for k in subset) < goal:
                continue  # even at the top of the scale these factors fall short
            found = _least_raise(subset, options, cur, val, wgt, goal)
            if found is None:
                continue
            (amount, spread, in_order), targets = found
            rank: tuple[object, ...] = (
                amount,
                tuple(sorted(cur[k] for k in subset)),
                tuple(keys.index(k) for k in subset),
                spread,
                in_order,
            )
            if best is None or rank < best[0]:
                best = (rank, subset, targets)
        if best is not None:
            _, subset, targets = best
            raised = dict(current)
            raised.update({k: values[i].value for k, i in zip(subset, targets, strict=True)})
            plan = tuple(
                Raise(k, current[k], values[i]) for k, i in zip(subset, targets, strict=True)
            )
            return RaisePlan(plan, weighted_mean(rubric, raised))
    return None


def _ceil(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)


def _least_raise(
    subset: tuple[str, ...],
    options: Mapping[str, list[int]],
    cur: Mapping[str, int],
    val: list[int],
    wgt: Mapping[str, int],
    goal: int,
) -> tuple[_Order, tuple[int, ...]] | None:
    """The least total raise of exactly these factors (each raised) whose weighted gain reaches
    `goal`, with its targets (ties broken by rules 5 and 6). None when none does.

    Dynamic programming over the factors, one state per weighted gain so far: two partial plans
    with the same gain have the same completions, and the order kept (amount, then the targets
    highest first, then in order) is preserved by adding the same targets to both, so keeping
    the better one of each state is exact.
    """
    states: _State = {0: ((0, (), ()), ())}
    for k in subset:
        grown: _State = {}
        for gain, ((amount, spread, in_order), targets) in states.items():
            for i in options[k]:
                step = val[i] - cur[k]
                key = min(goal, gain + wgt[k] * step)
                order = (
                    amount + step,
                    tuple(sorted((*spread, val[i]), reverse=True)),
                    (*in_order, val[i]),
                )
                kept = grown.get(key)
                if kept is None or order < kept[0]:
                    grown[key] = (order, (*targets, i))
        states = grown
    return states.get(goal)
