"""The coordinator's ways out, each audited: who, when and why, in `coordinator_event`.

- **Reassign**: take a read back from a scorer and give it to another. A read not sent yet is
  simply moved; a sent one is taken back: its merged scores (a read in progress) are set aside,
  the new scorer gets it in their next batch, and a later return of the old scorer's batch is
  refused for that portfolio with this event's words, while the rest of that file merges
  (`refused_codes`, which models/merge.py asks). A complete read is not taken back: it came back.
  The new scorer must not read it already, nor have a conflict (the assigning rules).
- **Withdraw** (and `undo`: reinstate): the candidate's reads are no longer needed; results show
  the candidate as withdrawn, neither waiting nor counted; release does not wait for them; no
  report is printed for them; their returned reads are refused with the reason. Merged reads
  are kept, so reinstating gives back the result as it was.
- **Reopen** released results: the steps unlock; a later release stamps again, and reports
  printed after it say "Amended" with that date.

Each step runs in one write transaction with its event, or is refused (a `WayOutRefused`
saying why) with nothing written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from icg_desk.models.assignment import _ineligibility
from icg_desk.models.banked import asked_factors, banked_of
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import (
    REASSIGNED,
    REINSTATED,
    REOPENED,
    UNLOCKED,
    WITHDRAWN,
    ResultsLocked,
    refuse_when_released,
    unlock_results,
)
from icg_desk.models.cohort_schema import (
    CANDIDATE,
    Candidate,
    CoordinatorEvent,
    ReadScore,
    Scorer,
    Withdrawal,
)
from icg_desk.models.errors import UserError
from icg_desk.models.flags import sync_flags
from icg_desk.models.schema import utcnow

MAX_REASON = 2000


class WayOutRefused(UserError):
    """A reassignment, withdrawal or reopening cannot be done; the message says why."""


class WayOutLocked(ResultsLocked, WayOutRefused):
    """Reassign or withdraw asked of released results: reopen them first."""


@dataclass(frozen=True)
class WayOut:
    """One audited step, as done (or read back from the log)."""

    action: str  # reassigned, withdrawn, reinstated, reopened
    at: datetime
    by: str
    reason: str
    candidate_id: str = ""
    code: str = ""
    from_scorer: str = ""
    to_scorer: str = ""
    batch_id: str | None = None
    detail: str = ""

    def text(self) -> str:
        """One line: `2026-10-20 14:02 UTC ana reassigned C27-04813 from S-02 to S-05: why`."""
        who = f"{self.at:%Y-%m-%d %H:%M} UTC {self.by} {self.action}"
        if self.action in (REASSIGNED, "backread"):  # models/backread.py: a read pulled
            what = f" {self.code} ({self.candidate_id}) from {self.from_scorer} to {self.to_scorer}"
        elif self.action == UNLOCKED:
            what = f" batch {self.batch_id} of {self.to_scorer} (unlock code given)"
        elif self.code:
            what = f" {self.code} ({self.candidate_id})"
        else:
            what = " the results"
        more = f" [{self.detail}]" if self.detail else ""
        return f"{who}{what}: {self.reason}{more}"

    def as_json(self) -> dict[str, object]:
        return {
            "action": self.action,
            "at": self.at.isoformat(),
            "by": self.by,
            "reason": self.reason,
            "candidate_id": self.candidate_id or None,
            "code": self.code or None,
            "from_scorer": self.from_scorer or None,
            "to_scorer": self.to_scorer or None,
            "batch_id": self.batch_id,
            "detail": self.detail or None,
        }


def _clean(reason: str, by: str, what: str) -> tuple[str, str]:
    reason = " ".join(reason.split())
    if not reason:
        raise WayOutRefused(f"give a reason for {what} (--reason TEXT); nothing changed")
    if len(reason) > MAX_REASON:
        raise WayOutRefused(f"the reason is {len(reason)} characters; keep it to {MAX_REASON}")
    by = " ".join(by.split())
    if not by:
        raise WayOutRefused(f"say who is {what} (--by NAME); nothing changed")
    return reason, by


def _candidate(session: Session, candidate: str) -> Candidate:
    found = session.scalars(
        select(Candidate).where(
            or_(Candidate.code == candidate, Candidate.candidate_id == candidate),
            Candidate.kind == CANDIDATE,  # a validity or practice portfolio is no candidate
        )
    ).first()
    if found is None:
        raise WayOutRefused(f"no candidate {candidate!r} in this cohort (give a code or id)")
    return found


def _withdrawal(session: Session, candidate_ref: int) -> Withdrawal | None:
    return session.get(Withdrawal, candidate_ref)


def _log(session: Session, **values: object) -> CoordinatorEvent:
    event = CoordinatorEvent(**values)
    session.add(event)
    return event


# --- reassign ------------------------------------------------------------------------------------


def reassign_read(
    cohort: CohortFile, candidate: str, from_scorer: str, to_scorer: str, reason: str, by: str
) -> WayOut:
    """Take the candidate's read from `from_scorer` (sent or not) and give it to `to_scorer`."""
    reason, by = _clean(reason, by, "taking the read back")
    rubric = cohort.rubric
    with cohort.transaction() as session:
        refuse_when_released(session, "reopen them first to take a read back", error=WayOutLocked)
        person = _candidate(session, candidate)
        label = f"candidate {person.candidate_id} ({person.code})"
        if _withdrawal(session, person.id) is not None:
            raise WayOutRefused(f"{label} is withdrawn: none of their reads is needed")
        scorers: dict[str, Scorer] = {}
        for scorer_id in (from_scorer, to_scorer):
            found = session.scalars(select(Scorer).where(Scorer.scorer_id == scorer_id)).first()
            if found is None:
                raise WayOutRefused(f"there is no scorer {scorer_id}")
            scorers[scorer_id] = found
        source, target = scorers[from_scorer], scorers[to_scorer]
        if source.id == target.id:
            raise WayOutRefused(f"{label}: the read is already with scorer {to_scorer}")
        readers = {a.scorer_ref: a for a in person.assignments}
        read = readers.get(source.id)
        if read is None:
            raise WayOutRefused(f"{label} is not assigned to scorer {from_scorer}")
        scored = set(
            session.scalars(
                select(ReadScore.factor_key).where(
                    ReadScore.assignment_ref == read.id,
                    ReadScore.score.is_not(None),
                    ReadScore.factor_key.in_(rubric.factor_keys),
                )
            )
        )
        # Complete: every factor it asks is scored (a retake's read: the retaken ones).
        asked = asked_factors(rubric, banked_of(session, rubric, [person.id]).get(person.id))
        if set(asked) <= scored:
            raise WayOutRefused(
                f"{label}: the read by scorer {from_scorer} came back complete; a returned read "
                "is not taken back (adjudicate or accept its flags instead)"
            )
        if target.id in readers:
            raise WayOutRefused(f"{label}: scorer {to_scorer} already reads this portfolio")
        why = _ineligibility(
            person.candidate_id,
            person.organisation,
            target.organisation,
            frozenset(target.conflicts),
        )
        if why is not None:
            raise WayOutRefused(f"{label} cannot go to scorer {to_scorer}: the scorer {why}")
        batch = read.batch_id
        parts = [] if batch is not None else ["not sent yet: moved"]
        if scored:
            parts.append(f"{scored} scores of {from_scorer}'s read in progress set aside")
        detail = "; ".join(parts)
        session.execute(delete(ReadScore).where(ReadScore.assignment_ref == read.id))
        read.scorer, read.batch_id, read.assigned_at = target, None, utcnow()
        if scored:
            sync_flags(session, rubric, [person.id], actor=by)
        event = _log(
            session,
            at=utcnow(),
            action=REASSIGNED,
            actor=by,
            reason=reason,
            candidate_ref=person.id,
            from_scorer=from_scorer,
            to_scorer=to_scorer,
            batch_id=batch,
            detail=detail,
        )
        return _done(event, person)


def _done(event: CoordinatorEvent, person: Candidate | None) -> WayOut:
    return WayOut(
        event.action,
        event.at,
        event.actor,
        event.reason,
        "" if person is None else person.candidate_id,
        "" if person is None else person.code,
        event.from_scorer,
        event.to_scorer,
        event.batch_id,
        event.detail,
    )


# --- withdraw ------------------------------------------------------------------------------------


def withdraw_candidate(
    cohort: CohortFile, candidate: str, reason: str, by: str, *, undo: bool = False
) -> WayOut:
    """Withdraw the candidate (or, with `undo`, reinstate them), with the event logged."""
    reason, by = _clean(reason, by, "reinstating the candidate" if undo else "the withdrawal")
    with cohort.transaction() as session:
        doing = "reopen them first to " + ("reinstate" if undo else "withdraw") + " a candidate"
        refuse_when_released(session, doing, error=WayOutLocked)
        person = _candidate(session, candidate)
        label = f"candidate {person.candidate_id} ({person.code})"
        held = _withdrawal(session, person.id)
        now = utcnow()
        if undo:
            if held is None:
                raise WayOutRefused(f"{label} is not withdrawn; there is nothing to undo")
            session.delete(held)
            event = _log(
                session, at=now, action=REINSTATED, actor=by, reason=reason, candidate_ref=person.id
            )
        else:
            if held is not None:
                raise WayOutRefused(
                    f"{label} was already withdrawn by {held.actor} on "
                    f"{held.at:%Y-%m-%d %H:%M} UTC: {held.reason}"
                )
            session.add(Withdrawal(candidate_ref=person.id, at=now, actor=by, reason=reason))
            event = _log(
                session, at=now, action=WITHDRAWN, actor=by, reason=reason, candidate_ref=person.id
            )
        return _done(event, person)


# --- reopen --------------------------------------------------------------------------------------


def reopen_results(cohort: CohortFile, reason: str, by: str) -> WayOut:
    """Unlock released results; a later release stamps again and its reports say "Amended"."""
    reason, by = _clean(reason, by, "reopening the results")
    with cohort.transaction() as session:
        when = unlock_results(session)
        if when is None:
            raise WayOutRefused("the results are not released; there is nothing to reopen")
        event = _log(
            session,
            at=utcnow(),
            action=REOPENED,
            actor=by,
            reason=reason,
            detail=f"released {when:%Y-%m-%d %H:%M} UTC",
        )
        return _done(event, None)


# --- what the merge asks, and the log ------------------------------------------------------------


def refused_codes(
    session: Session, scorer_id: str, batch_id: str, codes: Iterable[str]
) -> dict[str, str]:
    """Candidate code -> why this scorer's return of it in this batch is refused: the read was
    taken back from them, or the candidate is withdrawn. Codes not refused are left out."""
    wanted = set(codes)
    if not wanted:
        return {}
    refused: dict[str, str] = {}
    taken = session.execute(
        select(Candidate.code, CoordinatorEvent)
        .join(Candidate, CoordinatorEvent.candidate_ref == Candidate.id)
        .where(
            CoordinatorEvent.action == REASSIGNED,
            CoordinatorEvent.from_scorer == scorer_id,
            CoordinatorEvent.batch_id == batch_id,
            Candidate.code.in_(wanted),
        )
        .order_by(CoordinatorEvent.id)
    ).all()
    for code, event in taken:
        refused[code] = (
            f"{code} was taken back from {scorer_id} on {event.at:%Y-%m-%d} and given to "
            f"{event.to_scorer}: {event.reason}"
        )
    gone = session.execute(
        select(Candidate.code, Withdrawal)
        .join(Candidate, Withdrawal.candidate_ref == Candidate.id)
        .where(Candidate.code.in_(wanted))
    ).all()
    for code, held in gone:
        refused.setdefault(
            code, f"{code} was withdrawn on {held.at:%Y-%m-%d} by {held.actor}: {held.reason}"
        )
    return refused


def withdrawn_refs(session: Session) -> set[int]:
    return set(session.scalars(select(Withdrawal.candidate_ref)))


def coordinator_log(cohort: CohortFile) -> tuple[WayOut, ...]:
    """Every way out taken, oldest first (read only)."""
    with cohort.reading() as session:
        return log_in_session(session)


def log_in_session(session: Session) -> tuple[WayOut, ...]:
    rows = session.execute(
        select(CoordinatorEvent, Candidate.candidate_id, Candidate.code)
        .join(Candidate, CoordinatorEvent.candidate_ref == Candidate.id, isouter=True)
        .order_by(CoordinatorEvent.id)
    ).all()
    return tuple(
        WayOut(
            e.action,
            e.at,
            e.actor,
            e.reason,
            cid or "",
            code or "",
            e.from_scorer,
            e.to_scorer,
            e.batch_id,
            e.detail,
        )
        for e, cid, code in rows
    )
