"""Banked factor scores of retake candidates, as every part of the cohort reads them.

A candidate with banked scores (the `banked_score` table, cohort format 6) is a **retake**:

- each read of their portfolio asks for the **retaken factors** only (`Candidate.retake_factors`;
  the batch shows the banked ones, not scored), and is complete when those are scored;
- every other factor's score is the banked one; a retaken factor's new score meets its banked
  score (when there is one) under the rubric's retake rule (scoring.reads.retake_score);
- flags and adjudication concern the retaken factors only: a read is compared with the banked
  scores standing in for the factors it does not ask (so they never differ);
- a retake is always read at least twice (`RETAKE_READS`), whatever the rubric's reads per
  portfolio say (docs/domain: "retakes always are").

A candidate whose roster names retake factors but who has no banked scores is read in full, as
a first submission, until their scores are banked (`icg-desk cohort bank`).

Apart from models/banking.py (which checks and writes) so that the results, the flags, the merge
and the status can read banked scores without importing the writing rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from icg_desk.models.cohort_schema import BankedScore, Candidate
from icg_desk.scoring import Rubric

# Reads a retake needs at least (National Board practice: retakes are always read twice).
RETAKE_READS = 2


@dataclass(frozen=True)
class Banked:
    """One retake candidate's banked scores and what their reads ask for."""

    scores: Mapping[str, Fraction]  # factor key -> banked score (retaken factors may have one)
    cycles: Mapping[str, str]  # factor key -> the cycle it was banked in
    retaken: tuple[str, ...]  # the factors read again, in rubric order

    def standing(self) -> dict[str, Fraction]:
        """The banked scores of the factors not retaken: they stand as the factor scores."""
        return {k: s for k, s in self.scores.items() if k not in self.retaken}

    def filled(self, read: Mapping[str, Fraction | None]) -> dict[str, Fraction]:
        """A retake read as a read of every factor: the banked scores stand in for the factors
        it does not ask, so comparing reads (flags) sees the retaken factors only."""
        new = {k: s for k in self.retaken if (s := read.get(k)) is not None}
        return {**self.standing(), **new}


def asked_factors(rubric: Rubric, banked: Banked | None) -> tuple[str, ...]:
    """The factors a read of this candidate asks for, in rubric order: the retaken ones for a
    retake, every factor otherwise."""
    return rubric.factor_keys if banked is None else banked.retaken


def reads_needed(rubric: Rubric, banked: Banked | None) -> int:
    """Reads a portfolio needs: the rubric's, and at least RETAKE_READS for a retake."""
    per = rubric.reads.per_portfolio
    return per if banked is None else max(per, RETAKE_READS)


def banked_of(
    session: Session, rubric: Rubric, candidate_refs: Iterable[int] | None = None
) -> dict[int, Banked]:
    """candidate ref -> its banked scores, for the retake candidates among these (all when
    None). A factor the rubric does not know is left out (the import checks keys)."""
    query = select(
        BankedScore.candidate_ref, BankedScore.factor_key, BankedScore.score, BankedScore.cycle
    )
    refs: Sequence[int] | None = None if candidate_refs is None else list(candidate_refs)
    if refs is not None:
        query = query.where(BankedScore.candidate_ref.in_(refs))
    scores: dict[int, dict[str, Fraction]] = defaultdict(dict)
    cycles: dict[int, dict[str, str]] = defaultdict(dict)
    for cref, key, score, cycle in session.execute(query):
        if key in rubric.factor_keys:
            scores[cref][key] = score
            cycles[cref][key] = cycle
    if not scores:
        return {}
    retakes: dict[int, list[str]] = {
        cref: factors
        for cref, factors in session.execute(
            select(Candidate.id, Candidate.retake_factors).where(Candidate.id.in_(list(scores)))
        )
    }
    found: dict[int, Banked] = {}
    for cref, got in scores.items():
        wanted = set(retakes.get(cref) or ())
        retaken = tuple(k for k in rubric.factor_keys if k in wanted)
        order = [k for k in rubric.factor_keys if k in got]  # rubric order, for every surface
        found[cref] = Banked(
            {k: got[k] for k in order}, {k: cycles[cref][k] for k in order}, retaken
        )
    return found
