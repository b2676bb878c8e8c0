"""Merging scorers' returned files into the cohort: check, run, record (the cohort's half).

Reading a returned file is `formats.returned`; the whole merge, file by file, is
`operations.merge.merge_files`. Here: checking a file's content against the cohort, applying it
in one transaction, the audit log and the report.

A returned file is a batch (`.icgbatch`, told by its SQLite header) or a summary workbook (`.xlsx`,
a zip archive), whatever its name. Each file is checked whole before anything is written: it
belongs to this cohort, its batch id and scorer match an assignment, every portfolio in it was
assigned to that scorer in that batch, every score is on the cohort rubric's scale and a summary's
checksum is intact. It is then applied in one transaction, or rejected whole with the reason.

Which copy of a read is newer is decided by the data, never by clocks (scoring/lineage.py): per
portfolio, a returned copy of the version merged is unchanged; one that descends from it (its
history holds the merged lineage) is applied; one the merged version descends from is an older
copy, ignored with a note; one edited apart from it is a conflict, kept aside whole in
`merge_conflict` for the coordinator to choose (models/conflicts.py), never applied, while the
rest of the file and the files after it merge. Every file, accepted or rejected, gets a
`MergeLog` row with its SHA-256, so the audit log shows what came in, from whom, and which
scores it changed (old and new values).

Returned files are never written. The flags of the candidates a file changed are brought in line
with their reads in the same transaction (models/flags.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.orm import Session

from icg_desk.models.adjudication import settle_flags
from icg_desk.models.banked import banked_of
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import ResultsLocked, refuse_when_released
from icg_desk.models.cohort_schema import (
    ADJUDICATION,
    OPEN,
    READ,
    Assignment,
    Candidate,
    MergeConflict,
    MergeLog,
    ReadScore,
    Scorer,
)
from icg_desk.models.flags import sync_flags
from icg_desk.models.schema import ScoreText, utcnow
from icg_desk.models.ways_out import refused_codes
from icg_desk.scoring import Rubric, format_score
from icg_desk.scoring.lineage import CONFLICT as DIVERGED
from icg_desk.scoring.lineage import DESCENDS, OLDER, SAME, Version, base_lineage, relation

ACCEPTED, UNCHANGED, REPLACED, REJECTED = "accepted", "unchanged", "replaced", "rejected"
# A file that brings nothing newer: every portfolio in it an older copy of what was merged.
OLDER_COPY = "older copy"
# A file whose changes are all kept aside: copies edited apart from what was merged.
CONFLICT = "conflict"
# A returned file with no score in it, merged before anything of its batch: the batch as it was
# sent, or one the scorer has not begun. Not "unchanged", which says it was merged before.
NO_SCORES = "no scores"

ReadKey = tuple[str, str]  # (candidate code, factor key)
# The reason logged for a file that is neither kind (formats.returned tells them apart).
NOT_RETURNED_FILE = (
    "not a batch or summary: it is neither an ICG Desk batch (an SQLite database) nor an Excel "
    "workbook; it may be damaged, or another kind of file"
)
_SCORE_TEXT, _SQLITE = ScoreText(), sqlite_dialect()


@dataclass(frozen=True)
class MergeOutcome:
    """What became of one returned file."""

    file: Path
    outcome: str  # accepted, unchanged, no scores, replaced, older copy, conflict or rejected
    scorer_id: str | None
    batch_id: str | None
    reason: str
    changed: int  # the number of scores that changed


class Rejected(Exception):
    """The file cannot be merged; the message is the reason shown in the report.

    Not a UserError: it never reaches the person as an error, only as a rejected outcome.
    """

    def __init__(
        self, reason: str, *, scorer_id: str | None = None, batch_id: str | None = None
    ) -> None:
        super().__init__(reason)
        self.reason, self.scorer_id, self.batch_id = reason, scorer_id, batch_id


@dataclass(frozen=True)
class Returned:
    """A returned file's content, checked against the rubric but not yet against the cohort.

    Made by `formats.returned.read_returned` from a batch or a summary workbook.
    """

    kind: str  # "batch" or "summary"
    batch_id: str
    scorer_id: str
    # Every factor of every portfolio in the file. The rationale is None when the file carries
    # none (a summary): the merged rationale then stays as it was.
    reads: dict[ReadKey, tuple[Fraction | None, str | None]]
    # When its scores were last changed: a batch's last edit, a summary's export. Shown and
    # logged, never trusted to tell which copy is newer.
    as_of: datetime
    # Candidate code -> the version of its read (batch format 4 on); a code without one (an
    # older batch, a summary) is judged by its scores alone.
    versions: dict[str, Version] = field(default_factory=dict)
    # Candidate code -> the portfolio's status in the file, where it says (a batch).
    statuses: dict[str, str] = field(default_factory=dict)
    # When each scored factor was last changed, as the batch recorded it (a summary has none):
    # the drift's clock (models/agreement.py). A scorer's clock, so kept for figures only.
    times: dict[ReadKey, datetime] = field(default_factory=dict)

    @property
    def codes(self) -> set[str]:
        return {code for code, _ in self.reads}


# --- merging -------------------------------------------------------------------------------------


def merge_returned(
    cohort: CohortFile, path: Path, sha256: str, returned: Returned | Rejected
) -> MergeOutcome:
    """Apply one returned file, read and checked against the rubric, in one transaction.

    `returned` is what `formats.returned.read_returned` made of the file, or why it could not:
    a file rejected there is only logged. `sha256` is the hash of the bytes that were read, so
    the audit log names exactly the file that was judged.
    """
    if isinstance(returned, Rejected):
        return _log_rejection(cohort, path, sha256, returned)
    rubric = cohort.rubric
    with cohort.transaction() as session:
        # Checked against the cohort inside the write transaction that applies the file, so the
        # assignments and earlier scores cannot change between the check and the write.
        try:
            try:
                refuse_when_released(session)
            except ResultsLocked as exc:  # not raised on: a refused file is logged as rejected
                raise Rejected(
                    str(exc), scorer_id=returned.scorer_id, batch_id=returned.batch_id
                ) from None
            returned, refusals = _without_refused(session, returned)
            assignments = _assignments_for(session, returned)
        except Rejected as exc:
            _add_log(session, path, sha256, REJECTED, exc.reason, exc.scorer_id, exc.batch_id)
            return _outcome(path, REJECTED, exc.reason, exc.scorer_id, exc.batch_id)
        for code in refusals:  # the refused portfolios' merged reads are left as they are
            assignments.pop(code, None)
        note = "".join(f"; refused for that portfolio: {why}" for why in refusals.values())
        return _apply(session, rubric, path, sha256, returned, assignments, note)


def _without_refused(session: Session, returned: Returned) -> tuple[Returned, dict[str, str]]:
    """The file less its portfolios that are refused (a read taken back from its scorer, a
    candidate withdrawn: models/ways_out.py), and why each is. A file of refused portfolios
    only is rejected, saying why."""
    refusals = refused_codes(session, returned.scorer_id, returned.batch_id, returned.codes)
    if not refusals:
        return returned, {}
    kept = {k: v for k, v in returned.reads.items() if k[0] not in refusals}
    if not kept:
        raise Rejected(
            "; ".join(refusals[c] for c in sorted(refusals)),
            scorer_id=returned.scorer_id,
            batch_id=returned.batch_id,
        )
    return replace(returned, reads=kept), dict(sorted(refusals.items()))


def _log_rejection(cohort: CohortFile, path: Path, sha256: str, exc: Rejected) -> MergeOutcome:
    with cohort.transaction() as session:
        _add_log(session, path, sha256, REJECTED, exc.reason, exc.scorer_id, exc.batch_id)
    return _outcome(path, REJECTED, exc.reason, exc.scorer_id, exc.batch_id)


def _outcome(
    path: Path,
    outcome: str,
    reason: str,
    scorer_id: str | None,
    batch_id: str | None,
    changed: int = 0,
) -> MergeOutcome:
    return MergeOutcome(path, outcome, scorer_id, batch_id, reason, changed)


def _add_log(
    session: Session,
    path: Path,
    sha256: str,
    outcome: str,
    detail: str,
    scorer_id: str | None,
    batch_id: str | None,
    changes: list[list[str | None]] | None = None,
    scores_as_of: datetime | None = None,
) -> None:
    session.add(
        MergeLog(
            file_name=path.name,
            file_sha256=sha256,
            scorer_id=scorer_id,
            batch_id=batch_id,
            outcome=outcome,
            detail=detail,
            changes=changes or [],
            scores_as_of=scores_as_of,
        )
    )


def _apply(
    session: Session,
    rubric: Rubric,
    path: Path,
    sha256: str,
    returned: Returned,
    assignments: dict[str, int],
    note: str = "",
) -> MergeOutcome:
    """Diff the file against the merged reads of its assignments; write it when it differs.

    `note` (the portfolios refused, and why) ends the reason logged and reported."""
    ids = list(assignments.values())
    code_of = {assignment_id: code for code, assignment_id in assignments.items()}
    old: dict[ReadKey, tuple[Fraction | None, str]] = {}
    # One query per file: the batch's reads are found through its assignments.
    for assignment_ref, key, score, rationale in session.execute(
        select(
            ReadScore.assignment_ref, ReadScore.factor_key, ReadScore.score, ReadScore.rationale
        ).where(ReadScore.assignment_ref.in_(ids))
    ):
        old[(code_of[assignment_ref], key)] = (score, rationale or "")

    adjudications = _adjudications(session, ids)
    asked = {**_retake_reads(session, rubric, ids), **adjudications}
    new = _new_reads(returned, old, asked, assignments)

    # Per portfolio, which copy is newer, by the versions (never by the clocks).
    judged = _judge(session, rubric, path, sha256, returned, assignments, old, new)
    note += judged.note
    if judged.skipped:
        assignments = {c: a for c, a in assignments.items() if c not in judged.skipped}
        ids = list(assignments.values())
        old = {k: v for k, v in old.items() if k[0] not in judged.skipped}
        new = {k: v for k, v in new.items() if k[0] not in judged.skipped}

    order = {key: i for i, key in enumerate(rubric.factor_keys)}
    differing = sorted(
        (k for k in old.keys() | new.keys() if old.get(k) != new.get(k)),
        key=lambda k: (k[0], order.get(k[1], len(order)), k[1]),
    )
    changes: list[list[str | None]] = []
    for code, key in differing:
        before, after = old.get((code, key), (None, ""))[0], new.get((code, key), (None, ""))[0]
        if before != after:
            changes.append([code, key, _text(before), _text(after)])
    rationales = len(differing) - len(changes)
    who = (returned.scorer_id, returned.batch_id)

    if not differing:
        if judged.conflicts:
            reason = (
                f"{_count(len(judged.conflicts), 'portfolio')} edited apart from the copy "
                f"already merged ({returned.kind}): kept aside as a conflict between two copies "
                f"for the coordinator to choose; nothing changed{note}"
            )
            _add_log(session, path, sha256, CONFLICT, reason, *who)
            return _outcome(path, CONFLICT, reason, *who)
        if judged.older:
            reason = (
                f"an older copy of what was already merged ({returned.kind}): what was merged "
                f"of {_count(len(judged.older), 'portfolio')} descends from it, so nothing "
                f"changed; ask scorer {returned.scorer_id} for their latest file{note}"
            )
            _add_log(session, path, sha256, OLDER_COPY, reason, *who)
            return _outcome(path, OLDER_COPY, reason, *who)
        if all(score is None for score, _ in returned.reads.values()):
            reason = (
                f"no scores in it yet ({returned.kind}): nothing to merge; it is the batch as "
                "it was sent, or the scorer has not begun"
            )
            reason += note
            _add_log(session, path, sha256, NO_SCORES, reason, *who)
            return _outcome(path, NO_SCORES, reason, *who)
        reason = f"the same scores as already merged ({returned.kind}){note}"
        _add_log(session, path, sha256, UNCHANGED, reason, *who)
        return _outcome(path, UNCHANGED, reason, *who)

    outcome = REPLACED if old else ACCEPTED
    scored = sum(1 for score, _ in new.values() if score is not None)
    if outcome == ACCEPTED:
        # Counted by the portfolios that had scores: "42 scores of 7 portfolios" was 7 in the
        # file when 6 of them were scored.
        with_scores = {code for (code, _), (score, _) in new.items() if score is not None}
        reason = (
            f"{_count(scored, 'score')} of {_count(len(with_scores), 'portfolio')} merged "
            f"({returned.kind})"
        )
        unscored = len(returned.codes - with_scores)
        if unscored:
            reason += f"; {_count(unscored, 'portfolio')} with no scores yet"
    else:
        reason = f"replaces the earlier scores: {len(changes)} changed ({returned.kind})"
    if rationales:
        reason += f"; {rationales} rationales changed"
    reason += note
    session.execute(delete(ReadScore).where(ReadScore.assignment_ref.in_(ids)))
    # One executemany at the driver, in the session's transaction: a cohort merges tens of
    # thousands of reads, and the ORM's bulk insert spent 6x the bare insert converting each
    # score again. A score has one stored form (ScoreText's), made once per scale value.
    # Each score's own time, from the scorer's clock: one ahead of ours is taken as now (a read
    # cannot have been changed after it came back), so a laptop set to next year moves no drift.
    now = utcnow()
    rows = [
        (assignments[code], key, _stored(score), rationale, _moment(returned, (code, key), now))
        for (code, key), (score, rationale) in new.items()
    ]
    if rows:
        session.connection().exec_driver_sql(_INSERT_READS, rows)
    # The flags of the candidates whose reads this file changed, in the same transaction: a
    # flag is never behind the reads it is about (models/flags.py says what becomes of each).
    touched = {assignments[code] for code, _key in differing}
    candidates = list(
        session.scalars(select(Assignment.candidate_ref).where(Assignment.id.in_(touched)))
    )
    sync_flags(session, rubric, candidates)
    if adjudications:  # an adjudication closes the flags it settles, as adjudicated
        settled = settle_flags(session, rubric, candidates)
        if settled:
            reason += f"; {_count(settled, 'flag')} adjudicated"
    _add_log(
        session, path, sha256, outcome, reason, *who, changes=changes, scores_as_of=returned.as_of
    )
    return _outcome(path, outcome, reason, *who, changed=len(changes))


def _adjudications(session: Session, ids: list[int]) -> dict[int, set[str]]:
    """Assignment id -> the factors asked, for the adjudications among these assignments."""
    return {
        aid: set(factors)
        for aid, factors in session.execute(
            select(Assignment.id, Assignment.factors).where(
                Assignment.id.in_(ids), Assignment.kind == ADJUDICATION
            )
        )
    }


def _retake_reads(session: Session, rubric: Rubric, ids: list[int]) -> dict[int, set[str]]:
    """Assignment id -> the retaken factors, for the reads of retake candidates among these
    assignments: a retake read is merged for the retaken factors only (models/banked.py)."""
    owners: dict[int, int] = {
        aid: cref
        for aid, cref in session.execute(
            select(Assignment.id, Assignment.candidate_ref).where(
                Assignment.id.in_(ids), Assignment.kind == READ
            )
        )
    }
    banked = banked_of(session, rubric, set(owners.values()))
    return {aid: set(banked[cref].retaken) for aid, cref in owners.items() if cref in banked}


def _new_reads(
    returned: Returned,
    old: dict[ReadKey, tuple[Fraction | None, str]],
    asked: dict[int, set[str]],
    assignments: dict[str, int],
) -> dict[ReadKey, tuple[Fraction | None, str]]:
    """The reads the file brings, as stored. An adjudication is merged for the factors it asks
    only, a retake read for the retaken factors only: the others are not the scorer's to score
    (the cohort says which, not the file)."""
    new: dict[ReadKey, tuple[Fraction | None, str]] = {}
    for (code, key), (score, given) in returned.reads.items():
        factors = asked.get(assignments[code])
        if factors is not None and key not in factors:
            continue
        kept = old.get((code, key), (None, ""))[1] if given is None else given
        # A read with nothing in it is stored as no row: "unscored" either way.
        if score is not None or kept:
            new[(code, key)] = (score, kept)
    return new


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@dataclass
class _Judged:
    """What the versions say of a file's portfolios: those not applied, and why."""

    skipped: set[str] = field(default_factory=set)  # the same version, older, or a conflict
    older: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    note: str = ""


def _judge(
    session: Session,
    rubric: Rubric,
    path: Path,
    sha256: str,
    returned: Returned,
    assignments: dict[str, int],
    old: dict[ReadKey, tuple[Fraction | None, str]],
    new: dict[ReadKey, tuple[Fraction | None, str]],
) -> _Judged:
    """Per portfolio, the returned copy against the version merged (scoring/lineage.py): the
    same, descending from it (applied, and its version recorded), older (ignored) or edited
    apart (kept aside as a conflict). A copy without a version (an older batch, a summary) is
    applied over the base only, and is otherwise the same scores or a conflict. Two queries
    per file, none per portfolio."""
    ids = list(assignments.values())
    merged = {
        aid: (revision, lineage, history)
        for aid, revision, lineage, history in session.execute(
            select(
                Assignment.id,
                Assignment.merged_revision,
                Assignment.merged_lineage,
                Assignment.merged_history,
            ).where(Assignment.id.in_(ids))
        )
    }
    kept_aside = {
        c.assignment_ref: c
        for c in session.scalars(
            select(MergeConflict).where(
                MergeConflict.assignment_ref.in_(ids), MergeConflict.state == OPEN
            )
        )
    }
    judged = _Judged()
    merged_from: str | None = None
    for code, aid in sorted(assignments.items()):
        base = base_lineage(returned.batch_id, returned.scorer_id, code)
        revision, lineage, history = merged[aid]
        mine = Version(revision, lineage or base, frozenset(history))
        theirs = returned.versions.get(code)
        if theirs is not None:
            kind = relation(mine, theirs, base)
        elif lineage is None:
            kind = DESCENDS  # nothing versioned merged yet: applied, the version kept at the base
        else:
            kind = SAME if _reads_of(old, code) == _reads_of(new, code) else DIVERGED
        if kind == SAME:
            # The same version: the same data, applied (a summary merged first lacks the
            # rationales its batch brings); nothing changes when nothing differs.
            continue
        if kind == DESCENDS:
            if theirs is not None:
                held = sorted(theirs.history | {theirs.lineage})
                session.execute(
                    update(Assignment)
                    .where(Assignment.id == aid)
                    .values(
                        merged_revision=theirs.revision,
                        merged_lineage=theirs.lineage,
                        merged_history=held,
                    )
                )
            continue
        judged.skipped.add(code)
        if kind == OLDER:
            judged.older.append(code)
        elif kind == DIVERGED:
            judged.conflicts.append(code)
            if merged_from is None:
                merged_from = _merged_from(session, returned)
            _keep_aside(
                session,
                rubric,
                kept_aside.get(aid),
                aid,
                code,
                (mine, theirs),
                (path, sha256, merged_from),
                returned,
                (_reads_of(old, code), _reads_of(new, code)),
            )
    if judged.older:
        judged.note += f"; older copy, ignored: {_codes(judged.older)}"
    if judged.conflicts:
        judged.note += (
            f"; a conflict between two copies, kept aside for the coordinator: "
            f"{_codes(judged.conflicts)} (icg-desk cohort conflicts)"
        )
    return judged


def _codes(codes: list[str]) -> str:
    shown = ", ".join(codes[:5])
    return shown + (f" and {len(codes) - 5} more" if len(codes) > 5 else "")


def _reads_of(
    reads: dict[ReadKey, tuple[Fraction | None, str]], code: str
) -> dict[str, tuple[Fraction | None, str]]:
    return {key: value for (c, key), value in reads.items() if c == code}


def _merged_from(session: Session, returned: Returned) -> str:
    """The file the merged version came from, and when it was merged, in words."""
    row = session.execute(
        select(MergeLog.file_name, MergeLog.at)
        .where(
            MergeLog.scorer_id == returned.scorer_id,
            MergeLog.batch_id == returned.batch_id,
            MergeLog.outcome.in_((ACCEPTED, REPLACED)),
        )
        .order_by(MergeLog.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return ""
    return f"{row.file_name}, merged {row.at:%Y-%m-%d %H:%M} UTC"


def _keep_aside(
    session: Session,
    rubric: Rubric,
    conflict: MergeConflict | None,
    assignment_id: int,
    code: str,
    versions: tuple[Version, Version | None],
    source: tuple[Path, str, str],
    returned: Returned,
    reads: tuple[dict[str, tuple[Fraction | None, str]], dict[str, tuple[Fraction | None, str]]],
) -> None:
    """Store both versions whole: a new conflict, or the open one of this read, now with this
    later copy on the returned side (the merged side is what it was)."""
    mine, theirs = versions
    path, sha256, merged_from = source
    if conflict is None:
        conflict = MergeConflict(
            assignment_ref=assignment_id,
            merged_revision=mine.revision,
            merged_lineage=mine.lineage,
            merged_from=merged_from,
            merged_reads=_stored_reads(rubric, reads[0]),
        )
        session.add(conflict)
    conflict.at = utcnow()
    conflict.file_name, conflict.file_sha256 = path.name, sha256
    conflict.returned_revision = 0 if theirs is None else theirs.revision
    conflict.returned_lineage = "" if theirs is None else theirs.lineage
    conflict.returned_history = [] if theirs is None else sorted(theirs.history)
    conflict.returned_status = returned.statuses.get(code, "")
    conflict.returned_as_of = returned.as_of
    conflict.returned_reads = _stored_reads(rubric, reads[1])


def _stored_reads(
    rubric: Rubric, reads: dict[str, tuple[Fraction | None, str]]
) -> list[list[str | None]]:
    """[[factor key, score text or None, rationale], ...] in rubric order."""
    return [
        [key, _stored(reads[key][0]), reads[key][1]] for key in rubric.factor_keys if key in reads
    ]


_INSERT_READS = (
    f"INSERT INTO {ReadScore.__tablename__} "
    "(assignment_ref, factor_key, score, rationale, changed_at) VALUES (?, ?, ?, ?, ?)"
)


def _moment(returned: Returned, key: ReadKey, now: datetime) -> str | None:
    """A score's time as stored (UtcTime's form), never later than `now`."""
    moment = returned.times.get(key)
    if moment is None:
        return None
    return min(moment.astimezone(UTC), now).isoformat(timespec="microseconds")


@lru_cache(maxsize=256)  # a scale has a dozen values; a merge converts tens of thousands
def _stored(score: Fraction | None) -> str | None:
    return _SCORE_TEXT.process_bind_param(score, _SQLITE)


@lru_cache(maxsize=256)
def _text(score: Fraction | None) -> str | None:
    return None if score is None else format_score(score)


def _assignments_for(session: Session, returned: Returned) -> dict[str, int]:
    """Candidate code -> assignment id of the file's scorer in its batch; rejects a mismatch."""
    batch_id, scorer_id = returned.batch_id, returned.scorer_id
    rows = session.execute(
        select(Assignment.id, Scorer.scorer_id, Candidate.code)
        .join(Scorer, Assignment.scorer_ref == Scorer.id)
        .join(Candidate, Assignment.candidate_ref == Candidate.id)
        .where(Assignment.batch_id == batch_id)
    ).all()
    if not rows:
        raise Rejected(
            f"batch id {batch_id!r} is not a batch of this cohort (no assignment has it)",
            scorer_id=scorer_id,
            batch_id=batch_id,
        )
    assignments = {
        code: assignment_id for assignment_id, scorer, code in rows if scorer == scorer_id
    }
    if not assignments:
        scorers = ", ".join(sorted({scorer for _, scorer, _ in rows}))
        raise Rejected(
            f"batch {batch_id} was sent to scorer {scorers}, not to scorer {scorer_id}",
            scorer_id=scorer_id,
            batch_id=batch_id,
        )
    foreign = sorted(returned.codes - assignments.keys())
    if foreign:
        more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
        raise Rejected(
            f"candidate {foreign[0]}{more} is not assigned to scorer {scorer_id} in batch "
            f"{batch_id}",
            scorer_id=scorer_id,
            batch_id=batch_id,
        )
    return assignments


# --- the report ----------------------------------------------------------------------------------


def merge_report(outcomes: Sequence[MergeOutcome]) -> str:
    """A plain-text table: one line per file with its outcome and why, then the totals."""
    header = ("File", "Outcome", "Scorer", "Batch", "Changed", "Reason")
    lines = [
        (
            o.file.name,
            o.outcome,
            o.scorer_id or "-",
            o.batch_id or "-",
            str(o.changed) if o.outcome != REJECTED else "-",
            o.reason,
        )
        for o in outcomes
    ]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header) - 1)]

    def line(row: tuple[str, ...]) -> str:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        return "  ".join([*cells, row[-1]]).rstrip()

    counts = {kind: sum(o.outcome == kind for o in outcomes) for kind in _KINDS}
    total = ", ".join(f"{n} {_TOTAL_WORDS.get(kind, kind)}" for kind, n in counts.items() if n)
    files = f"{len(outcomes)} file" + ("" if len(outcomes) == 1 else "s")
    return "\n".join(
        [line(header), *(line(row) for row in lines), f"{files}: {total or 'none merged'}"]
    )


_KINDS = (ACCEPTED, UNCHANGED, NO_SCORES, REPLACED, OLDER_COPY, CONFLICT, REJECTED)
_TOTAL_WORDS = {
    NO_SCORES: "with no scores yet",
    OLDER_COPY: "older copies",
    CONFLICT: "with conflicts",
}


# --- the audit log, read back --------------------------------------------------------------------


@dataclass(frozen=True)
class MergeRecord:
    """One returned file in the cohort's audit log: when, which file, what became of it, and why."""

    at: datetime
    file_name: str
    outcome: str  # accepted, unchanged, no scores, replaced or rejected
    scorer_id: str | None
    batch_id: str | None
    detail: str  # the reason, as the merge report gave it
    changed: int  # the number of scores it changed


def recent_merges(cohort: CohortFile, limit: int = 100) -> tuple[MergeRecord, ...]:
    """The latest `limit` returned files, newest first, from the cohort's merge log (read only)."""
    with cohort.reading() as session:
        rows = session.scalars(select(MergeLog).order_by(MergeLog.id.desc()).limit(limit)).all()
        return tuple(
            MergeRecord(
                r.at, r.file_name, r.outcome, r.scorer_id, r.batch_id, r.detail, len(r.changes)
            )
            for r in rows
        )
