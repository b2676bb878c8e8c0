"""The coordinator accepts a flagged result with a written reason (kept in the flags' audit log).

Accepting closes one open flag of one candidate: the decision split (no factor given) or the
discrepancy of one factor. It is refused when the results are released, when the reason is
empty, or when there is no such open flag (the message lists the candidate's flags). A flag
accepted on some reads opens again when a later merge changes them (models/flags.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import ResultsLocked, refuse_when_released
from icg_desk.models.cohort_schema import CANDIDATE, Candidate, Flag
from icg_desk.models.errors import UserError
from icg_desk.models.flags import close_flag, sync_flags
from icg_desk.scoring.flags import FlagKind, FlagState

MAX_REASON = 2000


class AcceptRefused(UserError):
    """The flag cannot be accepted; the message says why and what there is."""


class AcceptLocked(ResultsLocked, AcceptRefused):
    """The results are released: nothing is accepted any more."""


@dataclass(frozen=True)
class Accepted:
    candidate_id: str
    code: str
    kind: FlagKind
    factor: str
    by: str
    at: datetime
    reason: str


def accept_flag(
    cohort: CohortFile, candidate: str, factor: str | None, reason: str, by: str
) -> Accepted:
    """Close the candidate's open decision split (factor None) or discrepancy of `factor`.

    `candidate` is the candidate code or the roster's candidate id. In one write transaction:
    the candidate's flags are brought in line with the reads first, so what is accepted is the
    flag on the reads as they are now.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise AcceptRefused("give a reason for accepting the result (--reason TEXT)")
    if len(reason) > MAX_REASON:
        raise AcceptRefused(f"the reason is {len(reason)} characters; keep it to {MAX_REASON}")
    by = " ".join(by.split())
    if not by:
        raise AcceptRefused("say who accepts the result (--by NAME)")
    rubric = cohort.rubric
    if factor is not None and factor not in rubric.factor_keys:
        keys = ", ".join(rubric.factor_keys)
        raise AcceptRefused(f"--factor {factor!r} is not a factor of the rubric; one of: {keys}")
    with cohort.transaction() as session:
        refuse_when_released(session, "nothing can be accepted any more", error=AcceptLocked)
        row = session.execute(
            select(Candidate.id, Candidate.candidate_id, Candidate.code).where(
                or_(Candidate.code == candidate, Candidate.candidate_id == candidate),
                Candidate.kind == CANDIDATE,
            )
        ).first()
        if row is None:
            raise AcceptRefused(f"no candidate {candidate!r} in this cohort (give a code or id)")
        sync_flags(session, rubric, [row.id], actor=by)
        flags = list(
            session.scalars(select(Flag).where(Flag.candidate_ref == row.id).order_by(Flag.id))
        )
        kind = FlagKind.DISCREPANCY if factor is not None else FlagKind.DECISION_SPLIT
        wanted = factor or ""
        chosen = next((f for f in flags if (f.kind, f.factor_key) == (kind, wanted)), None)
        if chosen is None or chosen.state != FlagState.OPEN:
            raise AcceptRefused(_no_open_flag(row.candidate_id, kind, wanted, chosen, flags))
        at = close_flag(session, chosen, FlagState.ACCEPTED, by, reason)
        return Accepted(row.candidate_id, row.code, kind, wanted, by, at, reason)


def _describe(flag: Flag) -> str:
    what = "decision split" if flag.kind == FlagKind.DECISION_SPLIT else f"{flag.factor_key}"
    return f"{what} ({flag.state})"


def _no_open_flag(
    candidate_id: str, kind: FlagKind, factor: str, chosen: Flag | None, flags: list[Flag]
) -> str:
    what = "a decision split" if kind is FlagKind.DECISION_SPLIT else f"a discrepancy on {factor}"
    if chosen is not None:
        state = chosen.state
        if state == FlagState.ACCEPTED:
            done = f"was already accepted by {chosen.closed_by}"
        elif state == FlagState.ADJUDICATED:
            done = "was adjudicated"
        else:
            done = "was cleared: the reads no longer disagree"
        return f"candidate {candidate_id}: {what} is not open: it {done}"
    open_ = [f for f in flags if f.state == FlagState.OPEN]
    if not open_:
        return f"candidate {candidate_id} has no open flag; there is nothing to accept"
    hints = ", ".join(
        "no --factor (the decision split)"
        if f.kind == FlagKind.DECISION_SPLIT
        else f"--factor {f.factor_key}"
        for f in open_
    )
    listed = ", ".join(_describe(f) for f in flags)
    return f"candidate {candidate_id} has no open {what}; its flags: {listed}. Accept with {hints}"
