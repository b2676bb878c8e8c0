"""Banking a retake candidate's factor scores: the checks and the write.

Banked scores come with the roster (its optional `banked_cycle` and `banked_<factor key>`
columns, models/roster.py) or from last cycle's results (`icg-desk cohort bank DB FILE`, from
last cycle's cohort file or its summary workbook: operations/banking.py reads them). Either way
each candidate's scores are checked here, whole, before anything is written:

- a banked score is a factor score of an earlier cycle: a scale label (`2+`) or a number within
  the scale (`1.875`, a mean of reads; a workbook's two decimals are taken as they are);
- the cycle is named (`2025-26`) and is not this cohort's own;
- a candidate with banked scores retakes at least one factor, and has a banked score for every
  factor they do not retake (those scores stand), none below the factor floor (that one must be
  retaken); a retaken factor's banked score is optional (the retake rule weighs it against the
  new one);
- banking is refused for a candidate whose reads were sent out already: the batch asked for
  every factor, and the scorer's work would be half thrown away. Bank before `cohort batches`.

Who banked what, from which file and row, is kept in each `banked_score` row (`source`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import delete, select

from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import refuse_when_released
from icg_desk.models.cohort_schema import CANDIDATE, Assignment, BankedScore, Candidate
from icg_desk.models.errors import UserError
from icg_desk.models.schema import utcnow
from icg_desk.scoring import Rubric, ScoreError, format_score

BANKED_CYCLE = "banked_cycle"
BANKED_PREFIX = "banked_"


def banked_column(key: str) -> str:
    """The roster column of a factor's banked score: `banked_data`."""
    return f"{BANKED_PREFIX}{key}"


class BankRefused(UserError):
    """Nothing was banked; the message names each file, row and problem."""


def parse_banked_score(rubric: Rubric, text: str) -> Fraction:
    """A banked factor score from a cell: a label of the scale, or a number within it (a mean of
    reads need not be on the scale). ScoreError says why not."""
    cleaned = text.strip()
    if cleaned in rubric.scale.labels:
        return rubric.scale.parse(cleaned)
    try:
        value = Fraction(cleaned)
    except (ValueError, ZeroDivisionError):
        raise ScoreError(
            f"{text!r} is not a score; a banked score is a label of the scale "
            f"({', '.join(rubric.scale.labels)}) or a number from "
            f"{format_score(rubric.scale.lowest)} to {format_score(rubric.scale.highest)}"
        ) from None
    low, high = rubric.scale.lowest, rubric.scale.highest
    if not low <= value <= high:
        raise ScoreError(
            f"{cleaned} is not within the scale ({format_score(low)} to {format_score(high)})"
        )
    return value


def check_banked(
    rubric: Rubric,
    cohort_name: str,
    retake_factors: Sequence[str],
    cycle: str,
    scores: Mapping[str, str],
) -> tuple[dict[str, Fraction], list[tuple[str | None, str]]]:
    """One candidate's banked scores (factor key -> cell text, empty cells left out), checked.

    Returns the scores and the problems as (column, message); no scores given is no problem
    (a first submission)."""
    problems: list[tuple[str | None, str]] = []
    given = {k: v for k, v in scores.items() if v.strip()}
    if not given:
        if cycle.strip():
            problems.append((BANKED_CYCLE, "a cycle is given but no banked score"))
        return {}, problems
    parsed: dict[str, Fraction] = {}
    for key in rubric.factor_keys:
        if key not in given:
            continue
        try:
            parsed[key] = parse_banked_score(rubric, given[key])
        except ScoreError as exc:
            problems.append((banked_column(key), str(exc)))
    if not cycle.strip():
        problems.append((BANKED_CYCLE, "banked scores are given, but not the cycle they are from"))
    elif cycle.strip() == cohort_name:
        problems.append(
            (BANKED_CYCLE, f"{cycle.strip()!r} is this cohort; a banked score is an earlier one's")
        )
    if not retake_factors:
        problems.append(
            ("retake_factors", "banked scores are given, but no factor to retake is named")
        )
    missing = [
        rubric.factor(k).name
        for k in rubric.factor_keys
        if k not in retake_factors and k not in given
    ]
    floor = rubric.thresholds.factor_floor
    for key, score in parsed.items():
        if key not in retake_factors and score < floor:
            problems.append(
                (
                    banked_column(key),
                    f"{rubric.factor(key).name} was {format_score(score)}, below the factor "
                    f"floor {format_score(floor)}: it must be retaken, not banked (name it in "
                    "retake_factors)",
                )
            )
    if missing and retake_factors:
        problems.append(
            (
                None,
                "a retake needs a banked score for every factor not retaken; none for "
                + ", ".join(missing),
            )
        )
    return parsed, problems


@dataclass(frozen=True)
class BankEntry:
    """One candidate's banked scores, checked, ready to write."""

    candidate_id: str
    retake_factors: tuple[str, ...]
    scores: Mapping[str, Fraction]
    cycle: str
    source: str  # the file and row it came from


def write_banked(cohort: CohortFile, entries: Sequence[BankEntry]) -> int:
    """Bank these candidates' scores (replacing any banked before), all or nothing; returns how
    many candidates. BankRefused, with nothing written, for a candidate who is not in the cohort
    or whose reads were sent out already."""
    with cohort.transaction() as session:
        refuse_when_released(session, "nothing is banked")
        people = {
            c.candidate_id.casefold(): c
            for c in session.scalars(select(Candidate).where(Candidate.kind == CANDIDATE))
        }
        sent = set(
            session.scalars(
                select(Assignment.candidate_ref).where(Assignment.batch_id.is_not(None))
            )
        )
        problems: list[str] = []
        for e in entries:
            person = people.get(e.candidate_id.casefold())
            if person is None:
                problems.append(f"{e.source}: candidate {e.candidate_id} is not in this cohort")
            elif person.id in sent:
                problems.append(
                    f"{e.source}: candidate {e.candidate_id}'s reads were sent out already "
                    "(asking for every factor); bank a retake's scores before `cohort batches`"
                )
        if problems:
            raise BankRefused("nothing was banked:\n  " + "\n  ".join(problems))
        now = utcnow()
        for e in entries:
            person = people[e.candidate_id.casefold()]
            person.retake_factors = list(e.retake_factors)
            session.execute(delete(BankedScore).where(BankedScore.candidate_ref == person.id))
            session.add_all(
                BankedScore(
                    candidate_ref=person.id,
                    factor_key=key,
                    score=score,
                    cycle=e.cycle,
                    source=e.source,
                    banked_at=now,
                )
                for key, score in e.scores.items()
            )
    return len(entries)
