"""The scorer's work on an open batch: every operation the workstation offers, without Qt.

Each change is its own transaction and returns a `Changed` that says what it touched and what
the decision is now, so the list, the rubric panel and the summary each refresh from it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from typing import cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session, joinedload, selectinload

from icg_desk.models.batch_file import BatchFile
from icg_desk.models.calibration import LIVE_LOCKED, Calibration, KeyRow, calibration_of, key_rows
from icg_desk.models.errors import UserError
from icg_desk.models.schema import (
    BatchInfo,
    Change,
    EntryDocument,
    Evidence,
    FactorRead,
    Portfolio,
    PortfolioStatus,
    utcnow,
)
from icg_desk.scoring import Decision, decide, threshold_crossings
from icg_desk.scoring.calibration import code_matches
from icg_desk.scoring.lineage import next_lineage
from icg_desk.scoring.links import BUILTIN_LINKS, LinkPolicy
from icg_desk.scoring.rubric import Rubric
from icg_desk.scoring.scale import format_score

# The score key's statements, built once: constructing a statement costs more than running it.
_PORTFOLIOS = cast(Table, Portfolio.__table__)
_READS = cast(Table, FactorRead.__table__)
_EVIDENCE = cast(Table, Evidence.__table__)
_CHANGES = cast(Table, Change.__table__)
_PORTFOLIO_STATE = select(
    _PORTFOLIOS.c.candidate_code,
    _PORTFOLIOS.c.status,
    _PORTFOLIOS.c.adjudicate,
    _PORTFOLIOS.c.banked,
    _PORTFOLIOS.c.revision,
    _PORTFOLIOS.c.lineage,
    _PORTFOLIOS.c.key_shown_at,
).where(_PORTFOLIOS.c.id == bindparam("portfolio"))
_PORTFOLIO_READS = select(
    _READS.c.id,
    _READS.c.factor_key,
    _READS.c.score,
    _READS.c.rationale,
    _READS.c.look_fors_seen,
).where(_READS.c.portfolio_id == bindparam("portfolio"))
_READ_EVIDENCE = (
    select(
        _EVIDENCE.c.id,
        _EVIDENCE.c.entry_number,
        _EVIDENCE.c.start_offset,
        _EVIDENCE.c.end_offset,
        _EVIDENCE.c.quote,
    )
    .where(_EVIDENCE.c.read_id == bindparam("read"))
    .order_by(_EVIDENCE.c.id)
)
# The portfolio's status, revision and lineage in one UPDATE: every score raises the revision.
_MOVE_PORTFOLIO = (
    _PORTFOLIOS.update()
    .where(_PORTFOLIOS.c.id == bindparam("portfolio"))
    .values(
        status=bindparam("status"), revision=bindparam("revision"), lineage=bindparam("lineage")
    )
)
_SCORE_READ = (
    _READS.update()
    .where(_READS.c.id == bindparam("read"))
    .values(score=bindparam("score"), updated_at=bindparam("updated_at"))
)
_NEW_READ = _READS.insert()
_LOG_CHANGE = _CHANGES.insert()

# What an operation does to the read it changes; returns the history's old and new values.
_Apply = Callable[[FactorRead], tuple[str | None, str | None]]

# Typing a rationale is one change in the history, not one per keystroke: edits to the same
# rationale within this window extend the last history row.
RATIONALE_HISTORY_WINDOW = timedelta(minutes=2)


class WorkError(UserError):
    """An operation the scorer asked for that cannot be done; the message says why."""


class PortfolioLocked(WorkError):
    pass


class FactorNotAsked(PortfolioLocked):
    """A factor an adjudication portfolio does not ask for: shown, not scored."""


class CalibrationLocked(PortfolioLocked):
    """A live portfolio while the scorer's practice has not qualified and the coordinator's
    unlock code was not entered, or a practice portfolio whose agreed scores were shown."""


class NotReady(WorkError):
    def __init__(self, candidate_code: str, reasons: tuple[str, ...]) -> None:
        super().__init__(f"{candidate_code} cannot be marked complete: " + "; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class EvidenceItem:
    id: int
    entry_number: int
    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class ReadState:
    """The scorer's work on one factor of one portfolio."""

    factor_key: str
    score: Fraction | None = None
    rationale: str = ""
    look_fors_seen: frozenset[int] = frozenset()
    evidence: tuple[EvidenceItem, ...] = ()


@dataclass(frozen=True)
class VideoView:
    label: str
    url: str
    allowed: bool  # passes the rubric's link policy: the only links ever opened
    # The policy `allowed` was decided by; the window checks the address it opens against it
    # again. A rubric's policy is never wider than the built-in one (`icg_desk.scoring.links`).
    policy: LinkPolicy = BUILTIN_LINKS


@dataclass(frozen=True)
class EntryView:
    number: int
    title: str
    text: str
    words: int
    max_words: int
    videos: tuple[VideoView, ...]


@dataclass(frozen=True)
class PortfolioSummary:
    """One line of the batch list."""

    id: int
    position: int
    candidate_code: str
    status: PortfolioStatus
    decision: Decision
    # A read of some factors only (an adjudication, a retake): its decision is not the
    # candidate's, so the list shows no overall for it.
    partial: bool = False
    # A practice portfolio (calibration): its number among them, from 1; 0 for a live one.
    practice: int = 0


@dataclass(frozen=True)
class PortfolioView:
    id: int
    candidate_code: str
    status: PortfolioStatus
    entries: tuple[EntryView, ...]
    reads: dict[str, ReadState]
    decision: Decision
    # An adjudication: the factors asked (the others are shown, not scored); empty for a read
    # of every factor. The earlier reads of those factors when the rubric shows them.
    adjudicate: tuple[str, ...] = ()
    earlier_reads: tuple[tuple[str, str], ...] = ()
    # A retake (batch format 3): the banked factors, not asked, each with its cycle; `adjudicate`
    # then holds the retaken factors.
    banked: tuple[tuple[str, str], ...] = ()
    # Calibration (batch format 5). A practice portfolio: its number among them (from 1) and
    # how many there are, whether the scorer has compared it with the agreed scores, and then
    # those scores beside the scorer's. A live portfolio: whether it waits for the practice.
    practice: int = 0
    practice_total: int = 0
    key_shown: bool = False
    key: tuple[KeyRow, ...] = ()
    live_locked: bool = False

    @property
    def retake(self) -> bool:
        return bool(self.banked)

    @property
    def asked(self) -> tuple[str, ...]:
        """The factor keys this portfolio asks the scorer for, in rubric order."""
        return self.adjudicate or tuple(self.reads)

    def is_asked(self, factor_key: str) -> bool:
        return not self.adjudicate or factor_key in self.adjudicate


def not_asked_message(
    code: str,
    rubric: Rubric,
    factor_key: str,
    asked: Iterable[str],
    banked: Iterable[tuple[str, str]] = (),
) -> str:
    """Why a factor of an adjudication or retake portfolio cannot be changed, in words."""
    names = ", ".join(rubric.factor(k).name for k in asked)
    cycles = dict(banked)
    if cycles:
        cycle = cycles.get(factor_key)
        why = f"banked from {cycle}" if cycle else "not retaken"
        return (
            f"{code} is a retake of {names} only; {rubric.factor(factor_key).name} is {why}, "
            "shown, not scored"
        )
    return (
        f"{code} is an adjudication of {names} only; {rubric.factor(factor_key).name} is shown, "
        "not scored"
    )


@dataclass(frozen=True)
class Changed:
    """What one operation did."""

    portfolio_id: int
    factor_key: str | None
    field: str  # score, rationale, look_for, evidence, status or key_shown
    status: PortfolioStatus
    read: ReadState | None
    decision: Decision
    # Set when the change moved the decision across a threshold, in words.
    crossings: tuple[str, ...]


@dataclass(frozen=True)
class Calibrated:
    """What comparing a practice portfolio with its agreed scores, or entering the unlock code,
    did: the calibration as it now stands, and whether this very step opened the live
    portfolios (to be said once)."""

    calibration: Calibration
    opened: bool
    changed: Changed | None = None  # the practice portfolio compared
    key: tuple[KeyRow, ...] = ()  # its agreed scores beside the scorer's


def _read_state(read: FactorRead | None, key: str) -> ReadState:
    if read is None:
        return ReadState(key)
    return ReadState(
        factor_key=key,
        score=read.score,
        rationale=read.rationale,
        look_fors_seen=frozenset(read.look_fors_seen),
        evidence=tuple(
            EvidenceItem(e.id, e.entry_number, e.start_offset, e.end_offset, e.quote)
            for e in read.evidence
        ),
    )


def _score_text(rubric: Rubric, score: Fraction | None) -> str | None:
    return None if score is None else rubric.scale.label(score)


class BatchWork:
    def __init__(self, batch: BatchFile) -> None:
        self.batch = batch
        self.rubric = batch.rubric
        # Calibration, read at the first need and kept: the practice portfolios never change,
        # and whether the live ones are open changes only through this object's show_key and
        # unlock. The score key's checks then cost no query.
        self._practice: tuple[int, ...] | None = None
        self._live_open = True

    # --- reading ------------------------------------------------------------------------------

    def decision_for(self, scores: dict[str, Fraction | None]) -> Decision:
        return decide(self.rubric, scores)

    def portfolios(self) -> list[PortfolioSummary]:
        """Every portfolio in batch order, with its decision as it stands."""
        with self.batch.reading() as session:
            scores: dict[int, dict[str, Fraction | None]] = defaultdict(dict)
            for pid, key, score in session.execute(
                select(FactorRead.portfolio_id, FactorRead.factor_key, FactorRead.score)
            ):
                scores[pid][key] = score
            rows = session.execute(
                select(
                    Portfolio.id,
                    Portfolio.position,
                    Portfolio.candidate_code,
                    Portfolio.status,
                    Portfolio.adjudicate,
                ).order_by(Portfolio.position)
            ).all()
            practice = self._gate(session)
        number = {pid: i for i, pid in enumerate(practice, start=1)}
        listed = [
            PortfolioSummary(
                pid,
                position,
                code,
                PortfolioStatus(status),
                decide(self.rubric, scores.get(pid, {})),
                partial=bool(asked),
                practice=number.get(pid, 0),
            )
            for pid, position, code, status, asked in rows
        ]
        # A batch with practice portfolios starts with them, wherever they were placed.
        return sorted(listed, key=lambda p: not p.practice) if practice else listed

    def portfolio(self, portfolio_id: int) -> PortfolioView:
        with self.batch.reading() as session:
            p = session.get(
                Portfolio,
                portfolio_id,
                options=[
                    selectinload(Portfolio.entries).selectinload(EntryDocument.videos),
                    selectinload(Portfolio.reads).selectinload(FactorRead.evidence),
                ],
            )
            if p is None:
                raise WorkError(f"there is no portfolio {portfolio_id} in this batch")
            entries = tuple(
                EntryView(
                    number=e.number,
                    title=self.rubric.entry(e.number).title,
                    text=e.text,
                    words=len(e.text.split()),
                    max_words=self.rubric.entry(e.number).max_words,
                    videos=tuple(
                        VideoView(
                            v.label, v.url, self.rubric.links.allows(v.url), self.rubric.links
                        )
                        for v in e.videos
                    ),
                )
                for e in p.entries
            )
            by_key = {r.factor_key: r for r in p.reads}
            reads = {k: _read_state(by_key.get(k), k) for k in self.rubric.factor_keys}
            practice = self._gate(session)
            number = practice.index(p.id) + 1 if p.id in practice else 0
            shown = bool(number) and p.key_shown_at is not None
            return PortfolioView(
                id=p.id,
                candidate_code=p.candidate_code,
                status=PortfolioStatus(p.status),
                entries=entries,
                reads=reads,
                decision=decide(self.rubric, {k: r.score for k, r in reads.items()}),
                adjudicate=self._asked(p),
                earlier_reads=tuple((str(k), str(v)) for k, v in p.earlier_reads),
                banked=tuple((str(k), str(c)) for k, c in p.banked),
                practice=number,
                practice_total=len(practice),
                key_shown=shown,
                key=key_rows(session, self.rubric, p.id) if shown else (),
                live_locked=not number and not self._live_open,
            )

    def calibration(self) -> Calibration:
        """Where the scorer's calibration stands (every batch has one: a batch without
        practice portfolios is simply open)."""
        with self.batch.reading() as session:
            found = calibration_of(session, self.rubric)
        self._practice, self._live_open = found.practice, found.live_open
        return found

    def show_key(self, portfolio_id: int) -> Calibrated:
        """Compare a completed practice portfolio with its agreed scores: records when
        (`key_shown_at`), as a logged change like any other (revision, lineage), and settles the
        read: it cannot change from then. When it was the last practice portfolio compared,
        the rubric's qualifying rule decides whether the live portfolios open."""
        with self.batch.transaction() as session:
            p = self._portfolio(session, portfolio_id)
            practice = self._gate(session)
            code = p.candidate_code
            if p.id not in practice:
                raise WorkError(f"{code} is not a practice portfolio: it has no agreed scores")
            if p.key_shown_at is not None:
                raise WorkError(f"{code} was already compared with the agreed scores")
            if p.status != PortfolioStatus.COMPLETE:
                raise WorkError(
                    f"Mark {code} complete first: the agreed scores are shown once your own "
                    "read is finished, and it cannot change after that"
                )
            was_open = self._live_open
            p.key_shown_at = now = utcnow()
            change = self._logged(p, None, "key_shown", None, "agreed scores shown")
            change.at = now
            session.add(change)
            session.flush()
            found = calibration_of(session, self.rubric)
            self._live_open = found.live_open
            decision = decide(self.rubric, {r.factor_key: r.score for r in p.reads})
            changed = Changed(
                p.id, None, "key_shown", PortfolioStatus(p.status), None, decision, ()
            )
            rows = key_rows(session, self.rubric, p.id)
        return Calibrated(found, found.live_open and not was_open, changed, rows)

    def unlock(self, typed: str) -> Calibrated:
        """The coordinator's unlock code: when it matches the batch's hash, the live portfolios
        open (`batch.unlocked_at`, logged on the first practice portfolio's history). A wrong
        code changes nothing."""
        with self.batch.transaction() as session:
            found = calibration_of(session, self.rubric)
            if not found.has_practice:
                raise WorkError(
                    "This batch has no practice portfolios: its live portfolios are open already"
                )
            if found.live_open:
                raise WorkError("The live portfolios are open already: no unlock code is needed")
            if not typed.strip():
                raise WorkError("Type the unlock code your coordinator gave you")
            info = session.scalars(select(BatchInfo)).one()
            if not found.has_code:
                raise WorkError(
                    "This batch carries no unlock code, so none can open it; ask your "
                    "coordinator to send the batch again"
                )
            if not code_matches(typed, info.unlock_hash):
                raise WorkError(
                    "That is not this batch's unlock code; nothing changed. Check it with your "
                    "coordinator: it has 12 letters and digits, like ABCD-EFGH-JKMN"
                )
            info.unlocked_at = now = utcnow()
            first = self._portfolio(session, found.practice[0])
            change = self._logged(
                first, None, "unlock", None, "live portfolios unlocked with the coordinator's code"
            )
            change.at = now
            session.add(change)
            session.flush()
            found = calibration_of(session, self.rubric)
            self._practice, self._live_open = found.practice, found.live_open
        return Calibrated(found, True)

    def _gate(self, session: Session) -> tuple[int, ...]:
        """The practice portfolios in batch order (read once, with whether the live ones are
        open, then kept: see __init__)."""
        if self._practice is None:
            found = calibration_of(session, self.rubric)
            self._practice, self._live_open = found.practice, found.live_open
        return self._practice

    def progress(self) -> tuple[int, int]:
        """(complete, total) portfolios."""
        with self.batch.reading() as session:
            statuses = session.scalars(select(Portfolio.status)).all()
        return sum(s == PortfolioStatus.COMPLETE for s in statuses), len(statuses)

    # --- changing -----------------------------------------------------------------------------

    def set_score(self, portfolio_id: int, factor_key: str, score: Fraction | None) -> Changed:
        """The scorer's most frequent change, a key at a time all day: written with statements
        built once and run on the connection (no unit of work), because the ORM's load, flush
        and commit of one read cost a score key more than the disk does. The same checks and
        history as `_change`."""
        if score is not None and not self.rubric.scale.contains(score):
            raise WorkError(f"{format_score(score)} is not on the scale")
        factor = self.rubric.factor(factor_key)  # an unknown key is a bug: KeyError
        with self.batch.transaction() as session:
            run = session.connection().execute
            found = run(_PORTFOLIO_STATE, {"portfolio": portfolio_id}).one_or_none()
            if found is None:
                raise WorkError(f"there is no portfolio {portfolio_id} in this batch")
            code, status, adjudicate, banked, revision, lineage, key_shown_at = found
            self._check_changeable(
                code,
                PortfolioStatus(status),
                adjudicate,
                factor.key,
                banked,
                calibration=(session, portfolio_id, key_shown_at is not None),
            )
            rows = run(_PORTFOLIO_READS, {"portfolio": portfolio_id}).all()
            scores: dict[str, Fraction | None] = {row.factor_key: row.score for row in rows}
            mine = next((row for row in rows if row.factor_key == factor.key), None)
            before = decide(self.rubric, scores)
            now = utcnow()
            if status == PortfolioStatus.NOT_STARTED:
                # Logged before the score, as `_change` does.
                status = PortfolioStatus.IN_PROGRESS.value
                started = (None, "status", PortfolioStatus.NOT_STARTED.value, status)
                revision += 1
                lineage = next_lineage(lineage, revision, *started)
                run(
                    _LOG_CHANGE,
                    {
                        "portfolio_id": portfolio_id,
                        "factor_key": None,
                        "field": "status",
                        "old_value": PortfolioStatus.NOT_STARTED.value,
                        "new_value": status,
                        "at": now,
                        "revision": revision,
                        "lineage": lineage,
                    },
                )
            if mine is None:
                run(
                    _NEW_READ,
                    {
                        "portfolio_id": portfolio_id,
                        "factor_key": factor.key,
                        "score": score,
                        "rationale": "",
                        "look_fors_seen": [],
                        "updated_at": now,
                    },
                )
                state = ReadState(factor.key, score)
            else:
                run(_SCORE_READ, {"read": mine.id, "score": score, "updated_at": now})
                evidence = run(_READ_EVIDENCE, {"read": mine.id}).all()
                state = ReadState(
                    factor_key=factor.key,
                    score=score,
                    rationale=mine.rationale,
                    look_fors_seen=frozenset(mine.look_fors_seen),
                    evidence=tuple(EvidenceItem(*item) for item in evidence),
                )
            old_text = _score_text(self.rubric, mine.score if mine else None)
            new_text = _score_text(self.rubric, score)
            revision += 1
            lineage = next_lineage(lineage, revision, factor.key, "score", old_text, new_text)
            run(
                _MOVE_PORTFOLIO,
                {
                    "portfolio": portfolio_id,
                    "status": status,
                    "revision": revision,
                    "lineage": lineage,
                },
            )
            run(
                _LOG_CHANGE,
                {
                    "portfolio_id": portfolio_id,
                    "factor_key": factor.key,
                    "field": "score",
                    "old_value": old_text,
                    "new_value": new_text,
                    "at": now,
                    "revision": revision,
                    "lineage": lineage,
                },
            )
            scores[factor.key] = score
            after = decide(self.rubric, scores)
        return Changed(
            portfolio_id=portfolio_id,
            factor_key=factor.key,
            field="score",
            status=PortfolioStatus(status),
            read=state,
            decision=after,
            crossings=threshold_crossings(self.rubric, before, after),
        )

    def set_rationale(self, portfolio_id: int, factor_key: str, rationale: str) -> Changed:
        def apply(read: FactorRead) -> tuple[str | None, str | None]:
            old = read.rationale
            read.rationale = rationale
            return old, rationale

        return self._change(portfolio_id, factor_key, "rationale", apply)

    def set_look_for(self, portfolio_id: int, factor_key: str, index: int, seen: bool) -> Changed:
        look_fors = self.rubric.factor(factor_key).look_fors
        if not 0 <= index < len(look_fors):
            raise WorkError(f"{factor_key} has no look-for {index + 1}")

        def apply(read: FactorRead) -> tuple[str | None, str | None]:
            before = set(read.look_fors_seen)
            after = before | {index} if seen else before - {index}
            read.look_fors_seen = sorted(after)
            state = "seen" if seen else "not seen"
            return None, f"look-for {index + 1} {state}: {look_fors[index]}"

        return self._change(portfolio_id, factor_key, "look_for", apply)

    def add_evidence(
        self,
        portfolio_id: int,
        factor_key: str,
        entry_number: int,
        start: int,
        end: int,
        quote: str,
    ) -> Changed:
        if not quote.strip():
            raise WorkError("select a passage of the entry to attach as evidence")
        if self.rubric.factor(factor_key).entry != entry_number:
            raise WorkError(
                f"{self.rubric.factor(factor_key).name} is scored on entry "
                f"{self.rubric.factor(factor_key).entry}, not entry {entry_number}"
            )
        with self.batch.reading() as session:
            text = session.scalar(
                select(EntryDocument.text).where(
                    EntryDocument.portfolio_id == portfolio_id,
                    EntryDocument.number == entry_number,
                )
            )
        # Evidence must be the entry's own words at that place, so "Show" finds it again.
        if text is None:
            raise WorkError(f"there is no portfolio {portfolio_id} in this batch")
        if not 0 <= start <= end <= len(text) or text[start:end] != quote:
            raise WorkError("that passage is not valid: the entry has other words at that place")

        def apply(read: FactorRead) -> tuple[str | None, str | None]:
            read.evidence.append(
                Evidence(entry_number=entry_number, start_offset=start, end_offset=end, quote=quote)
            )
            return None, quote

        return self._change(portfolio_id, factor_key, "evidence", apply)

    def remove_evidence(self, portfolio_id: int, factor_key: str, evidence_id: int) -> Changed:
        def apply(read: FactorRead) -> tuple[str | None, str | None]:
            for item in read.evidence:
                if item.id == evidence_id:
                    read.evidence.remove(item)
                    return item.quote, None
            raise WorkError("that evidence passage is no longer attached")

        return self._change(portfolio_id, factor_key, "evidence", apply)

    def completion_problems(self, portfolio_id: int) -> tuple[str, ...]:
        view = self.portfolio(portfolio_id)
        return self._problems(view.reads[k] for k in view.asked)

    def _asked(self, p: Portfolio) -> tuple[str, ...]:
        """The factors an adjudication portfolio asks for, in rubric order (empty: every one)."""
        wanted = set(p.adjudicate)
        return tuple(k for k in self.rubric.factor_keys if k in wanted)

    def _problems(self, reads: Iterable[ReadState]) -> tuple[str, ...]:
        problems = []
        for read in reads:
            factor = self.rubric.factor(read.factor_key)
            if read.score is None:
                problems.append(f"{factor.name} is not scored")
            elif factor.rationale_required and not read.rationale.strip():
                problems.append(f"{factor.name} needs a rationale")
        return tuple(problems)

    def mark_complete(self, portfolio_id: int) -> Changed:
        with self.batch.transaction() as session:
            p = self._portfolio(session, portfolio_id)
            self._check_calibration(session, p.id, p.candidate_code, p.key_shown_at is not None)
            if p.status == PortfolioStatus.COMPLETE:
                # Marking it again would log a change that is none and move completed_at.
                raise WorkError(f"{p.candidate_code} is already complete")
            by_key = {r.factor_key: r for r in p.reads}
            # An adjudication needs only the factors it asks for.
            keys = self._asked(p) or self.rubric.factor_keys
            reads = [_read_state(by_key.get(k), k) for k in keys]
            problems = self._problems(reads)
            if problems:
                raise NotReady(p.candidate_code, problems)
            changed = self._set_status(session, p, PortfolioStatus.COMPLETE)
        # Committed: now into the file itself, so a copy of the .icgbatch alone (e-mailed while
        # ICG Desk runs, without its -wal) holds every portfolio completed so far.
        self.batch.checkpoint()
        return changed

    def reopen(self, portfolio_id: int) -> Changed:
        with self.batch.transaction() as session:
            p = self._portfolio(session, portfolio_id)
            self._check_calibration(session, p.id, p.candidate_code, p.key_shown_at is not None)
            if p.status != PortfolioStatus.COMPLETE:
                raise WorkError(f"{p.candidate_code} is not complete")
            return self._set_status(session, p, PortfolioStatus.IN_PROGRESS)

    def checkpoint(self) -> bool:
        """Fold what is saved into the batch file itself (see `SqliteFile.checkpoint`): the
        window calls it when the scorer has paused."""
        return self.batch.checkpoint()

    # --- the one write path -------------------------------------------------------------------

    def _portfolio(self, session: Session, portfolio_id: int) -> Portfolio:
        # With its reads and their evidence in one query: every change reads them all (the
        # decision before and after), and three round trips cost a score key more than the write.
        p = session.get(
            Portfolio,
            portfolio_id,
            options=[joinedload(Portfolio.reads).joinedload(FactorRead.evidence)],
        )
        if p is None:
            raise WorkError(f"there is no portfolio {portfolio_id} in this batch")
        return p

    def _set_status(self, session: Session, p: Portfolio, status: PortfolioStatus) -> Changed:
        old = p.status
        p.status = status.value
        p.completed_at = utcnow() if status is PortfolioStatus.COMPLETE else None
        session.add(self._logged(p, None, "status", old, status.value))
        scores = {r.factor_key: r.score for r in p.reads}
        decision = decide(self.rubric, scores)
        return Changed(p.id, None, "status", status, None, decision, ())

    def _check_changeable(
        self,
        code: str,
        status: PortfolioStatus,
        adjudicate: Iterable[str],
        factor_key: str,
        banked: Iterable[Sequence[str]] = (),
        *,
        calibration: tuple[Session, int, bool] | None = None,
    ) -> None:
        """Refuse a change to a complete portfolio, or to a factor an adjudication or a retake
        does not ask for (a retake's banked factors); with `calibration` (the session, the
        portfolio's id, whether its agreed scores were shown), a change calibration forbids."""
        if calibration is not None:
            self._check_calibration(calibration[0], calibration[1], code, calibration[2])
        if status is PortfolioStatus.COMPLETE:
            raise PortfolioLocked(f"{code} is marked complete; reopen it to change it")
        wanted = set(adjudicate)
        asked = tuple(k for k in self.rubric.factor_keys if k in wanted)
        if asked and factor_key not in asked:
            cycles = tuple((str(b[0]), str(b[1])) for b in banked)
            raise FactorNotAsked(not_asked_message(code, self.rubric, factor_key, asked, cycles))

    def _check_calibration(
        self, session: Session, portfolio_id: int, code: str, key_shown: bool
    ) -> None:
        """Refuse any change to a practice portfolio compared with its agreed scores (its read
        is settled), and to a live portfolio while the practice has not opened them."""
        practice = self._gate(session)
        if not practice:
            return  # a batch without practice portfolios: as it always was
        if portfolio_id in practice:
            if key_shown:
                raise CalibrationLocked(
                    f"{code} is a practice portfolio you have compared with the agreed scores: "
                    "its read is settled and cannot change"
                )
        elif not self._live_open:
            raise CalibrationLocked(f"{code}: {LIVE_LOCKED}.")

    def _change(self, portfolio_id: int, factor_key: str, field: str, apply: _Apply) -> Changed:
        factor = self.rubric.factor(factor_key)  # an unknown key is a bug: KeyError
        with self.batch.transaction() as session:
            p = self._portfolio(session, portfolio_id)
            self._check_changeable(
                p.candidate_code,
                PortfolioStatus(p.status),
                p.adjudicate,
                factor.key,
                p.banked,
                calibration=(session, p.id, p.key_shown_at is not None),
            )
            if p.status == PortfolioStatus.NOT_STARTED:
                # Logged before the change itself, so that the change stays the history's last
                # row and the next keystroke of a rationale extends it.
                p.status = PortfolioStatus.IN_PROGRESS.value
                started = self._logged(
                    p,
                    None,
                    "status",
                    PortfolioStatus.NOT_STARTED.value,
                    PortfolioStatus.IN_PROGRESS.value,
                )
                started.at = utcnow()  # stamped now: at the flush it would follow its change
                session.add(started)
            reads = {r.factor_key: r for r in p.reads}
            before = decide(self.rubric, {k: r.score for k, r in reads.items()})
            read = reads.get(factor.key)
            if read is None:
                read = FactorRead(factor_key=factor.key, rationale="", look_fors_seen=[])
                p.reads.append(read)
                reads[factor.key] = read
            old, new = apply(read)
            read.updated_at = now = utcnow()
            change = self._logged(p, factor.key, field, old, new)
            change.at = now
            if not (
                field == "rationale"
                and self._extend_rationale_history(session, p.id, factor.key, change)
            ):
                session.add(change)
            session.flush()
            after = decide(self.rubric, {k: r.score for k, r in reads.items()})
            return Changed(
                portfolio_id=p.id,
                factor_key=factor.key,
                field=field,
                status=PortfolioStatus(p.status),
                read=_read_state(read, factor.key),
                decision=after,
                crossings=threshold_crossings(self.rubric, before, after),
            )

    @staticmethod
    def _logged(
        p: Portfolio, factor_key: str | None, field: str, old: str | None, new: str | None
    ) -> Change:
        """The history's row of one change, which raises the portfolio's revision and moves its
        lineage (scoring/lineage.py): the row records both, so a later copy of the batch shows
        it descends from this one."""
        p.revision += 1
        p.lineage = next_lineage(p.lineage, p.revision, factor_key, field, old, new)
        return Change(
            portfolio_id=p.id,
            factor_key=factor_key,
            field=field,
            old_value=old,
            new_value=new,
            revision=p.revision,
            lineage=p.lineage,
        )

    def _extend_rationale_history(
        self, session: Session, portfolio_id: int, factor_key: str, change: Change
    ) -> bool:
        """Whether the last history row, a rationale of the same read typed within the window,
        takes this change: its new value, time, and the revision and lineage the change made
        (the rationale is still one change in the history, and the version is the latest).

        Not once the batch was sent or its summary exported since that row: the copy sent holds
        the row's version, which a later copy's history must still hold to be told its
        continuation (scoring/lineage.py)."""
        last = session.scalars(select(Change).order_by(Change.id.desc()).limit(1)).first()
        if (
            last is not None
            and last.portfolio_id == portfolio_id
            and last.factor_key == factor_key
            and last.field == "rationale"
            and utcnow() - last.at < RATIONALE_HISTORY_WINDOW
        ):
            sent = session.scalar(select(BatchInfo.exported_at))
            if sent is not None and sent >= last.at.replace(microsecond=0):
                return False
            last.new_value = change.new_value
            last.at = utcnow()
            last.revision, last.lineage = change.revision, change.lineage
            return True
        return False
