"""Flags kept in the cohort: raised at merge, closed by acceptance (or, later, adjudication).

The rules that find a flag are pure (scoring/flags.py); this module keeps them in the cohort's
`flag` table, with every change in `flag_event` (the flags' audit log).

**When the reads change** (a merge replaces a scorer's read, or completes one), `sync_flags`
runs for the candidates the merge touched, inside the merge's own transaction:

- a disagreement with no flag yet: a new flag, **open**;
- a flag whose reads are the same: left as it is (open stays open, accepted stays accepted);
- an open flag whose reads changed but still disagree: still open, its reads and reasons updated;
- an **accepted** flag whose reads changed: **open again**. The coordinator accepted those reads,
  not these; the acceptance stays in the audit log;
- a flag whose reads no longer disagree (a replaced read brought them together): **cleared**,
  kept with its history; should they disagree again, the same flag opens again;
- an **adjudicated** flag is never changed here: the adjudicator's score stands (adjudication, a
  later step, closes a flag with `close_flag(..., FlagState.ADJUDICATED, ...)`).

**Where adjudication fits** (a later step): an adjudicator's read is kept apart from the
scorers' (it must not be one of the complete reads compared here), its score goes to
`scoring.combine_reads(..., adjudicated=score)` in the results, and the merge that brings it
closes the flags of the factors adjudicated with `close_flag(..., FlagState.ADJUDICATED,
adjudicator, note)`; a decision split closes when the factors that split it are adjudicated, or
when the coordinator accepts it.

Reading results applies the same rule to the reads as they are (`current_flags`), so a cohort
whose flags were never written (one made before format 3) shows the same flags, open, and the
release, which syncs every candidate in its transaction first, refuses the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from icg_desk.models.banked import banked_of
from icg_desk.models.cohort_schema import READ, Assignment, Flag, FlagEvent, ReadScore, Scorer
from icg_desk.models.schema import utcnow
from icg_desk.scoring import Rubric, format_score
from icg_desk.scoring.flags import (
    CompleteRead,
    FlagCondition,
    FlagKind,
    FlagState,
    ReadSide,
    flag_conditions,
)

MERGE_ACTOR = "merge"  # who changed a flag when no person did: the merge that changed the reads


@dataclass(frozen=True)
class StoredFlag:
    """A flag row, as read."""

    id: int
    candidate_ref: int
    kind: str
    factor: str
    state: FlagState
    reads: str
    closed_by: str
    closed_at: datetime | None
    reason: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.factor)


@dataclass(frozen=True)
class CandidateFlag:
    """A flag on a candidate's result as every surface shows it."""

    kind: FlagKind
    factor: str  # the factor key of a discrepancy; "" for a decision split
    state: FlagState
    reads: tuple[ReadSide, ...]  # every complete read, side by side, in scorer id order
    reasons: tuple[str, ...]
    closed_by: str = ""
    closed_at: datetime | None = None
    reason: str = ""  # the coordinator's written reason (accepted), or the adjudication's note

    @property
    def open(self) -> bool:
        return self.state is FlagState.OPEN

    def title(self, rubric: Rubric) -> str:
        """`Data: discrepancy` or `Decision split`."""
        if self.kind is FlagKind.DISCREPANCY:
            known = self.factor in rubric.factor_keys
            name = rubric.factor(self.factor).name if known else self.factor
            return f"{name}: discrepancy"
        return "Decision split"

    def closed_text(self) -> str:
        """`accepted by Ana Ruiz on 2026-10-20 14:02 UTC: reason`, or "" while open."""
        if self.state not in (FlagState.ACCEPTED, FlagState.ADJUDICATED):
            return ""
        when = "" if self.closed_at is None else f" on {self.closed_at:%Y-%m-%d %H:%M} UTC"
        who = f" by {self.closed_by}" if self.closed_by else ""
        return f"{self.state.value}{who}{when}" + (f": {self.reason}" if self.reason else "")

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "factor": self.factor or None,
            "state": self.state.value,
            "reads": [
                {
                    "scorer_id": r.scorer_id,
                    "score": None if r.score is None else format_score(r.score),
                    "overall": None if r.overall is None else format_score(r.overall),
                    "decision": None if r.score is not None else r.headline,
                }
                for r in self.reads
            ],
            "reasons": list(self.reasons),
            "closed_by": self.closed_by or None,
            "closed_at": None if self.closed_at is None else self.closed_at.isoformat(),
            "reason": self.reason or None,
        }


def state_now(condition: FlagCondition, stored: StoredFlag | None) -> FlagState:
    """The state of a disagreement found in the reads now, given its stored flag (the rule in
    the module's docstring): accepted only on the very reads accepted."""
    if stored is None:
        return FlagState.OPEN
    if stored.state is FlagState.ADJUDICATED:
        return FlagState.ADJUDICATED
    if stored.state is FlagState.ACCEPTED and stored.reads == condition.fingerprint:
        return FlagState.ACCEPTED
    return FlagState.OPEN


def current_flags(
    conditions: Sequence[FlagCondition], stored: Mapping[tuple[str, str], StoredFlag]
) -> tuple[CandidateFlag, ...]:
    """A candidate's flags now: each disagreement in its reads with its state, then any
    adjudicated flag whose reads no longer disagree (it still says who adjudicated)."""
    shown: list[CandidateFlag] = []
    for condition in conditions:
        row = stored.get(condition.key)
        state = state_now(condition, row)
        closed = row is not None and state is not FlagState.OPEN
        shown.append(
            CandidateFlag(
                kind=condition.kind,
                factor=condition.factor,
                state=state,
                reads=condition.reads,
                reasons=condition.reasons,
                closed_by=row.closed_by if closed and row else "",
                closed_at=row.closed_at if closed and row else None,
                reason=row.reason if closed and row else "",
            )
        )
    live = {c.key for c in conditions}
    for key, row in stored.items():
        if key not in live and row.state is FlagState.ADJUDICATED:
            shown.append(
                CandidateFlag(
                    FlagKind(row.kind), row.factor, row.state, (), (), row.closed_by,
                    row.closed_at, row.reason,
                )
            )  # fmt: skip
    return tuple(shown)


# --- reading -------------------------------------------------------------------------------------


def stored_flags(
    session: Session, candidate_refs: Iterable[int] | None = None
) -> dict[int, dict[tuple[str, str], StoredFlag]]:
    """candidate ref -> (kind, factor) -> its flag row."""
    query = select(
        Flag.id,
        Flag.candidate_ref,
        Flag.kind,
        Flag.factor_key,
        Flag.state,
        Flag.reads,
        Flag.closed_by,
        Flag.closed_at,
        Flag.reason,
    )
    if candidate_refs is not None:
        query = query.where(Flag.candidate_ref.in_(list(candidate_refs)))
    found: dict[int, dict[tuple[str, str], StoredFlag]] = defaultdict(dict)
    for row in session.execute(query):
        flag = StoredFlag(
            row.id,
            row.candidate_ref,
            row.kind,
            row.factor_key,
            FlagState(row.state),
            row.reads,
            row.closed_by,
            row.closed_at,
            row.reason,
        )
        found[flag.candidate_ref][flag.key] = flag
    return found


def complete_reads(
    session: Session, rubric: Rubric, candidate_refs: Iterable[int] | None = None
) -> dict[int, list[CompleteRead]]:
    """candidate ref -> its complete reads (every factor asked scored), as (scorer id, scores
    of every factor: a retake's banked scores fill in the factors its reads do not ask)."""
    keys = rubric.factor_keys
    query = (
        select(Assignment.id, Assignment.candidate_ref, Scorer.scorer_id)
        .join(Scorer, Assignment.scorer_ref == Scorer.id)
        .where(Assignment.kind == READ)  # an adjudication is never one of the reads compared
    )  # fmt: skip
    refs = None if candidate_refs is None else list(candidate_refs)
    if refs is not None:
        query = query.where(Assignment.candidate_ref.in_(refs))
    owner = {aid: (cref, sid) for aid, cref, sid in session.execute(query)}
    scores: dict[int, dict[str, Fraction]] = defaultdict(dict)
    score_query = select(ReadScore.assignment_ref, ReadScore.factor_key, ReadScore.score).where(
        ReadScore.score.is_not(None)
    )
    if refs is not None:
        score_query = score_query.where(ReadScore.assignment_ref.in_(list(owner)))
    for ref, key, score in session.execute(score_query):
        if ref in owner and key in keys and score is not None:
            scores[ref][key] = score
    # A retake's read asks for the retaken factors only; its banked scores stand in for the
    # others, so that flags concern the retaken factors only (models/banked.py).
    banked = banked_of(session, rubric, None if refs is None else {c for c, _ in owner.values()})
    found: dict[int, list[CompleteRead]] = defaultdict(list)
    for aid, (cref, sid) in owner.items():
        got = scores.get(aid, {})
        bank = banked.get(cref)
        if bank is not None:
            if all(k in got for k in bank.retaken):
                found[cref].append((sid, bank.filled(got)))
        elif len(got) == len(keys):
            found[cref].append((sid, got))
    return found


# --- writing -------------------------------------------------------------------------------------


def _event(
    session: Session,
    flag: Flag,
    action: str,
    actor: str,
    reason: str = "",
    at: datetime | None = None,
) -> None:
    session.add(
        FlagEvent(
            flag=flag,
            at=at or utcnow(),
            action=action,
            state=flag.state,
            actor=actor,
            reads=flag.reads,
            reason=reason,
        )
    )


def sync_flags(
    session: Session,
    rubric: Rubric,
    candidate_refs: Iterable[int] | None = None,
    *,
    actor: str = MERGE_ACTOR,
) -> int:
    """Bring the flags of these candidates (all when None) in line with their reads now.

    Runs inside the caller's write transaction; returns how many flags changed.
    """
    refs = None if candidate_refs is None else set(candidate_refs)
    if refs is not None and not refs:
        return 0
    reads = complete_reads(session, rubric, refs)
    rows: dict[int, dict[tuple[str, str], Flag]] = defaultdict(dict)
    query = select(Flag)
    if refs is not None:
        query = query.where(Flag.candidate_ref.in_(list(refs)))
    for flag in session.scalars(query):
        rows[flag.candidate_ref][(flag.kind, flag.factor_key)] = flag
    changed = 0
    for cref in rows.keys() | reads.keys():
        found = {c.key: c for c in flag_conditions(rubric, reads.get(cref, []))}
        mine = rows.get(cref, {})
        for key, condition in found.items():
            changed += _raise(session, cref, condition, mine.get(key), actor)
        for key, flag in mine.items():
            if key not in found and flag.state in (FlagState.OPEN, FlagState.ACCEPTED):
                flag.state = FlagState.CLEARED
                _event(session, flag, "cleared", actor, "the reads no longer disagree")
                changed += 1
    return changed


def _raise(
    session: Session, cref: int, condition: FlagCondition, flag: Flag | None, actor: str
) -> int:
    detail = "; ".join(condition.reasons)
    if flag is None:
        flag = Flag(
            candidate_ref=cref,
            kind=condition.kind.value,
            factor_key=condition.factor,
            state=FlagState.OPEN,
            reads=condition.fingerprint,
            detail=detail,
            closed_by="",
            reason="",
        )
        session.add(flag)
        _event(session, flag, "raised", actor, detail)  # flushed with the flag, in one go
        return 1
    if flag.state == FlagState.ADJUDICATED or (
        flag.reads == condition.fingerprint and flag.state != FlagState.CLEARED
    ):
        return 0
    was = FlagState(flag.state)
    flag.reads, flag.detail = condition.fingerprint, detail
    if was is FlagState.OPEN:
        _event(session, flag, "changed", actor, detail)
        return 1
    # Accepted on other reads, or cleared and disagreeing again: open once more.
    flag.state = FlagState.OPEN
    flag.closed_by, flag.closed_at, flag.reason = "", None, ""
    why = "the reads changed since it was accepted" if was is FlagState.ACCEPTED else "raised again"
    _event(session, flag, "reopened", actor, f"{why}: {detail}")
    return 1


def close_flag(session: Session, flag: Flag, state: FlagState, actor: str, reason: str) -> datetime:
    """Close an open flag as accepted (the coordinator) or adjudicated; in the caller's
    transaction, with its event in the audit log. Returns when."""
    if state not in (FlagState.ACCEPTED, FlagState.ADJUDICATED):
        raise ValueError(f"a flag is closed as accepted or adjudicated, not {state}")
    if flag.state != FlagState.OPEN:
        raise ValueError(f"flag {flag.id} is {flag.state}, not open")
    when = utcnow()
    flag.state, flag.closed_by, flag.closed_at, flag.reason = state, actor, when, reason
    _event(session, flag, state.value, actor, reason, at=when)
    return when
