"""The cohort database: a coordinator's whole cohort, from roster to released results.

SQLite by default (one `.icgcohort` file), written through the same SQLAlchemy models layer as
the batch file, so a server database can be put behind it later without rewriting it.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from icg_desk.models.schema import JsonList, ScoreText, UtcTime, utcnow

# PRAGMA application_id: "ICGC" in ASCII; a cohort is never mistaken for a batch ("ICGD").
COHORT_APPLICATION_ID = 0x49434743
# 2: merge_log.scores_as_of; 3: flag and flag_event; 4: scorer.role, assignment.kind and
# assignment.factors (adjudication); 5: coordinator_event and withdrawal (the ways out); 6:
# banked_score (retakes); 7: assignment.merged_revision, .merged_lineage and .merged_history, and
# merge_conflict (which copy is newer is decided by the data); 8: candidate.kind and key_score
# (validity and practice portfolios), assignment.of_read (backreads), read_score.changed_at (each
# read's own time), cohort.secret (calibration unlock codes). Older files are upgraded when opened.
COHORT_SCHEMA_VERSION = 8

# A scorer's role (the scorers sheet's `role` column): a scorer reads portfolios; an
# adjudicator settles flagged factors (`icg-desk cohort adjudicate`) and is given no first reads.
SCORER, ADJUDICATOR = "scorer", "adjudicator"
ROLES = (SCORER, ADJUDICATOR)
# An assignment's kind: a scorer's read of every factor, or an adjudication of some factors;
# format 8: a scorer's read of a validity or a practice portfolio, and a backread (a second look
# at a scorer's completed read, `of_read`). Only a "read" counts toward a candidate's result.
READ, ADJUDICATION = "read", "adjudication"
VALIDITY, PRACTICE, BACKREAD = "validity", "practice", "backread"
ASSIGNMENT_KINDS = (READ, ADJUDICATION, VALIDITY, PRACTICE, BACKREAD)
# A candidate row's kind (format 8): a candidate of the cohort, or a portfolio with agreed
# scores (`key_score`) for checking scorers: a validity portfolio, seeded blind among a scorer's
# live portfolios, or a practice portfolio, scored before live scoring and then shown its key.
# Only a "candidate" has a result, a report, a flag or a place in any count of candidates.
CANDIDATE = "candidate"
CANDIDATE_KINDS = (CANDIDATE, VALIDITY, PRACTICE)


def new_secret() -> str:
    """The cohort's secret, from which each batch's calibration unlock code is derived."""
    return secrets.token_hex(32)


class CohortBase(DeclarativeBase):
    pass


class ExactText(TypeDecorator[Fraction]):
    """An exact score that need not be on the scale nor a finite decimal: decimal text where it
    has one ("1.875"), else a fraction ("7/3", a mean of three reads). A banked factor score is
    an earlier cycle's factor score, often a mean."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Fraction | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        if Fraction(exact) != value:
            return f"{value.numerator}/{value.denominator}"
        return f"{exact:.2f}" if exact == exact.quantize(Decimal("0.01")) else str(exact)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Fraction | None:
        return None if value is None else Fraction(value)


class CohortInfo(CohortBase):
    """The cohort's identity and rubric: exactly one row."""

    __tablename__ = "cohort"
    __table_args__ = (CheckConstraint("id = 1", name="one_cohort_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    name: Mapped[str] = mapped_column(String(64))  # e.g. 2026-27
    rubric_edition: Mapped[str] = mapped_column(String(64))
    rubric_text: Mapped[str] = mapped_column(Text)  # the rubric every batch of it carries
    format_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcTime(), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UtcTime(), default=None)
    # Format 8: the key of the unlock codes the coordinator gives a scorer whose practice reads
    # did not qualify (models/calibration.py); never written into a batch.
    secret: Mapped[str] = mapped_column(String(64), default=new_secret)


class Candidate(CohortBase):
    """A candidate and their portfolio. Scorers only ever see `code`."""

    __tablename__ = "candidate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[str] = mapped_column(String(64), unique=True)  # the roster's id
    code: Mapped[str] = mapped_column(String(64), unique=True)  # blind code, e.g. C27-04813
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    # Factor keys this candidate retakes; empty for a first submission.
    retake_factors: Mapped[list[str]] = mapped_column(JsonList(), default=list)
    # "candidate", or "validity" / "practice": a portfolio with agreed scores (key_score), its
    # name removed, which is never a candidate anywhere a candidate is counted (format 8).
    kind: Mapped[str] = mapped_column(String(16), default=CANDIDATE, server_default=CANDIDATE)

    entries: Mapped[list[CandidateEntry]] = relationship(
        back_populates="candidate", order_by="CandidateEntry.number", cascade="all, delete-orphan"
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan"
    )


class CandidateEntry(CohortBase):
    __tablename__ = "candidate_entry"
    __table_args__ = (UniqueConstraint("candidate_ref", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_ref: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    source_file: Mapped[str] = mapped_column(Text, default="")  # the document it came from
    # [[label, url], ...] in order; untrusted, checked against the rubric's links on import.
    videos: Mapped[list[list[str]]] = mapped_column(JsonList(sort=False), default=list)

    candidate: Mapped[Candidate] = relationship(back_populates="entries")


class Scorer(CohortBase):
    __tablename__ = "scorer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scorer_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    # Candidate ids (the roster's) the scorer declared a conflict of interest with.
    conflicts: Mapped[list[str]] = mapped_column(JsonList(), default=list)
    role: Mapped[str] = mapped_column(String(16), default=SCORER)  # scorer or adjudicator

    assignments: Mapped[list[Assignment]] = relationship(back_populates="scorer")


class Assignment(CohortBase):
    """One read: a candidate's portfolio given to one scorer, in one batch."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("candidate_ref", "scorer_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_ref: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    scorer_ref: Mapped[int] = mapped_column(ForeignKey("scorer.id", ondelete="RESTRICT"))
    # The batch the read was sent out in (set when batches are exported).
    batch_id: Mapped[str | None] = mapped_column(String(64), default=None)
    assigned_at: Mapped[datetime] = mapped_column(UtcTime(), default=utcnow)
    # "read" (a scorer's read of every factor) or "adjudication" (an adjudicator's score of
    # `factors` only, kept apart from the reads: it is never one of the reads compared or
    # averaged, and replaces the factor score; models/adjudication.py).
    kind: Mapped[str] = mapped_column(String(16), default=READ)
    factors: Mapped[list[str]] = mapped_column(JsonList(sort=False), default=list)
    # The version of the read merged last (format 7, scoring/lineage.py): its revision, its
    # lineage (None: the base the sending gave, nothing of a versioned copy merged yet) and the
    # lineages its history held, so an older copy returned later is told by the data.
    # (SQL defaults too, as the migration's columns have: a row written by another program
    # without them is the base.)
    merged_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    merged_lineage: Mapped[str | None] = mapped_column(String(64), default=None)
    merged_history: Mapped[list[str]] = mapped_column(
        JsonList(sort=False), default=list, server_default="[]"
    )
    # A backread (format 8): the id of the scorer's read it takes a second look at; None
    # otherwise. A plain number, not a foreign key: a read given to another scorer keeps its
    # row (models/ways_out.py), and SQLite cannot drop a referencing column to go back.
    of_read: Mapped[int | None] = mapped_column(Integer, default=None)

    candidate: Mapped[Candidate] = relationship(back_populates="assignments")
    scorer: Mapped[Scorer] = relationship(back_populates="assignments")
    scores: Mapped[list[ReadScore]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan"
    )


class ReadScore(CohortBase):
    """A merged score of one read, from the scorer's returned batch or summary."""

    __tablename__ = "read_score"
    __table_args__ = (UniqueConstraint("assignment_ref", "factor_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_ref: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    factor_key: Mapped[str] = mapped_column(String(64))
    score: Mapped[Fraction | None] = mapped_column(ScoreText(), default=None)
    rationale: Mapped[str] = mapped_column(Text, default="")
    # When the scorer last changed this factor of the read, as their batch recorded it (format
    # 8); None for a score merged from a summary or by an older ICG Desk. The drift's clock.
    changed_at: Mapped[datetime | None] = mapped_column(UtcTime(), default=None)

    assignment: Mapped[Assignment] = relationship(back_populates="scores")


class MergeLog(CohortBase):
    """The audit log of every returned file: what it was, whose, and what it changed."""

    __tablename__ = "merge_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcTime(), default=utcnow)
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(String(64))
    scorer_id: Mapped[str | None] = mapped_column(String(64), default=None)
    batch_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # accepted, unchanged, no scores, replaced, rejected
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    # [[candidate code, factor key, old, new], ...] for accepted and replaced files.
    changes: Mapped[list[list[str | None]]] = mapped_column(JsonList(sort=False), default=list)
    # When the file's scores were last changed (a batch's last edit, a summary's export), for
    # files applied: a file older than the one applied before it for the same batch is refused.
    scores_as_of: Mapped[datetime | None] = mapped_column(UtcTime(), default=None)


class Flag(CohortBase):
    """A disagreement between the complete reads of one candidate, and what became of it.

    Written whenever the reads change (a merge) by models/flags.sync_flags; one row per
    candidate, kind and factor ("" for a decision split), kept for the audit even when the reads
    stop disagreeing (state "cleared"). `reads` is the fingerprint of the reads the flag was last
    raised on: a flag accepted on some reads is open again when they change.
    """

    __tablename__ = "flag"
    __table_args__ = (
        UniqueConstraint("candidate_ref", "kind", "factor_key"),
        CheckConstraint(
            "state IN ('open', 'accepted', 'adjudicated', 'cleared')", name="flag_state"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_ref: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # discrepancy, decision_split
    factor_key: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16), default="open")
    reads: Mapped[str] = mapped_column(Text)  # e.g. "S-01=1.25;S-02=3.00"
    detail: Mapped[str] = mapped_column(Text, default="")  # the reasons, in words
    raised_at: Mapped[datetime] = mapped_column(UtcTime(), default=utcnow)
    # Who closed it (accepted or adjudicated), when and why; empty while open.
    closed_by: Mapped[str] = mapped_column(String(200), default="")
    closed_at: Mapped[datetime | None] = mapped_column(UtcTime(), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")


class FlagEvent(CohortBase):
    """The audit log of flags: every flag raised, changed, cleared, reopened or closed."""

    __tablename__ = "flag_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flag_ref: Mapped[int] = mapped_column(ForeignKey("flag.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(16))  # raised, changed, cleared, reopened, accepted
    state: Mapped[str] = mapped_column(String(16))  # the flag's state after it
    actor: Mapped[str] = mapped_column(String(200), default="")  # a person, or "merge"
    reads: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")

    # Set through the flag, so a merge raising many flags writes them all in one flush.
    flag: Mapped[Flag] = relationship()


class CoordinatorEvent(CohortBase):
    """The audit log of the coordinator's ways out: a read taken back and given to another
    scorer, a candidate withdrawn or reinstated, released results reopened.

    Who (a person), when and why, always. A read taken back keeps the scorer and the batch it
    was taken from (`from_scorer`, `batch_id`): a later return of that batch is refused for that
    portfolio, with this row's words (models/ways_out.py).
    """

    __tablename__ = "coordinator_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(16))  # reassigned, withdrawn, reinstated, reopened
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    candidate_ref: Mapped[int | None] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), default=None
    )
    from_scorer: Mapped[str] = mapped_column(String(64), default="")
    to_scorer: Mapped[str] = mapped_column(String(64), default="")
    batch_id: Mapped[str | None] = mapped_column(String(64), default=None)  # the batch taken from
    detail: Mapped[str] = mapped_column(Text, default="")  # what else changed, in words


class Withdrawal(CohortBase):
    """A candidate withdrawn: a row while withdrawn, removed when reinstated (the events keep
    the history). The candidate's reads are no longer needed, nor counted, nor printed."""

    __tablename__ = "withdrawal"

    candidate_ref: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(UtcTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)


class BankedScore(CohortBase):
    """A retake candidate's factor score banked from an earlier cycle (format 6).

    A candidate with banked scores is a **retake**: their portfolio is read for the retaken
    factors (`Candidate.retake_factors`) only; every other factor's score is the banked one, and
    a retaken factor's banked score (when there is one) meets the new score under the rubric's
    retake rule (scoring.reads.retake_score). Written by the roster import (its `banked_*`
    columns) or `icg-desk cohort bank` (models/banking.py).
    """

    __tablename__ = "banked_score"

    candidate_ref: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), primary_key=True
    )
    factor_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    score: Mapped[Fraction] = mapped_column(ExactText())
    cycle: Mapped[str] = mapped_column(String(64))  # the cycle it was scored in, e.g. 2025-26
    source: Mapped[str] = mapped_column(Text, default="")  # the file (and row) it came from
    banked_at: Mapped[datetime] = mapped_column(UtcTime(), default=utcnow)


class KeyScore(CohortBase):
    """A validity or practice portfolio's agreed score of one factor (format 8), with the
    expert's rationale and where it came from (a sheet's row, an earlier cohort's candidate)."""

    __tablename__ = "key_score"

    candidate_ref: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), primary_key=True
    )
    factor_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    score: Mapped[Fraction] = mapped_column(ScoreText())
    rationale: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")


OPEN, TOOK_MERGED, TOOK_RETURNED = "open", "merged", "returned"
CONFLICT_STATES = (OPEN, TOOK_MERGED, TOOK_RETURNED)


class MergeConflict(CohortBase):
    """Two copies of one read edited apart (format 7): the version merged and a returned copy
    that does not descend from it, nor it from the copy. Kept aside, never applied, until the
    coordinator takes one (`icg-desk cohort resolve`); both versions are stored whole.

    Reads are [[factor key, score text or None, rationale], ...] in rubric order.
    """

    __tablename__ = "merge_conflict"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_ref: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcTime(), default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default=OPEN)  # open, merged, returned
    # The version merged: revision, lineage, and the file it came from with when it was merged.
    merged_revision: Mapped[int] = mapped_column(Integer, default=0)
    merged_lineage: Mapped[str] = mapped_column(String(64), default="")
    merged_from: Mapped[str] = mapped_column(Text, default="")
    merged_reads: Mapped[list[list[str | None]]] = mapped_column(JsonList(sort=False), default=list)
    # The returned copy: its file, revision, lineage and history, status and reads; its scores'
    # time is shown, never trusted.
    file_name: Mapped[str] = mapped_column(Text, default="")
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    returned_revision: Mapped[int] = mapped_column(Integer, default=0)
    returned_lineage: Mapped[str] = mapped_column(String(64), default="")
    returned_history: Mapped[list[str]] = mapped_column(JsonList(sort=False), default=list)
    returned_status: Mapped[str] = mapped_column(String(16), default="")
    returned_as_of: Mapped[datetime | None] = mapped_column(UtcTime(), default=None)
    returned_reads: Mapped[list[list[str | None]]] = mapped_column(
        JsonList(sort=False), default=list
    )
    # Who resolved it, when and why; empty while open.
    resolved_by: Mapped[str] = mapped_column(String(200), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(UtcTime(), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")

    assignment: Mapped[Assignment] = relationship()


# Every table of the current format. The flag tables came with format 3, the ways out with 5,
# banked scores with 6: an older file, which lacks them, is migrated before it is used, so they
# are not required when it is validated.
COHORT_TABLES = frozenset(CohortBase.metadata.tables) - {
    "flag",
    "flag_event",
    "coordinator_event",
    "withdrawal",
    "banked_score",
    "merge_conflict",
    "key_score",
}


def _add_scores_as_of(con: sqlite3.Connection) -> None:
    """1 -> 2: merge_log.scores_as_of. Older files' merges have none, and are never refused."""
    columns = {row[1] for row in con.execute("PRAGMA table_info(merge_log)")}
    if "scores_as_of" not in columns:
        con.execute("ALTER TABLE merge_log ADD COLUMN scores_as_of VARCHAR(40)")


def _add_flags(con: sqlite3.Connection) -> None:
    """2 -> 3: the flag tables, empty. Flags of reads merged before are found when results are
    read (models/flags.py) and written by the next merge or the release."""
    con.execute(
        """CREATE TABLE IF NOT EXISTS flag (
            id INTEGER NOT NULL PRIMARY KEY,
            candidate_ref INTEGER NOT NULL REFERENCES candidate (id) ON DELETE CASCADE,
            kind VARCHAR(32) NOT NULL,
            factor_key VARCHAR(64) NOT NULL,
            state VARCHAR(16) NOT NULL,
            reads TEXT NOT NULL,
            detail TEXT NOT NULL,
            raised_at VARCHAR(40) NOT NULL,
            closed_by VARCHAR(200) NOT NULL,
            closed_at VARCHAR(40),
            reason TEXT NOT NULL,
            UNIQUE (candidate_ref, kind, factor_key),
            CONSTRAINT flag_state CHECK (state IN ('open', 'accepted', 'adjudicated', 'cleared'))
        )"""
    )
    con.execute(
        """CREATE TABLE IF NOT EXISTS flag_event (
            id INTEGER NOT NULL PRIMARY KEY,
            flag_ref INTEGER NOT NULL REFERENCES flag (id) ON DELETE CASCADE,
            at VARCHAR(40) NOT NULL,
            action VARCHAR(16) NOT NULL,
            state VARCHAR(16) NOT NULL,
            actor VARCHAR(200) NOT NULL,
            reads TEXT NOT NULL,
            reason TEXT NOT NULL
        )"""
    )


def _add_adjudication(con: sqlite3.Connection) -> None:
    """3 -> 4: scorer.role (every scorer of an older file is a scorer), assignment.kind (every
    assignment of an older file is a read) and assignment.factors (empty for a read).

    A self-contained step: should another step land before it, it is renumbered, not rewritten.
    """
    columns = {row[1] for row in con.execute("PRAGMA table_info(scorer)")}
    if "role" not in columns:
        con.execute("ALTER TABLE scorer ADD COLUMN role VARCHAR(16) NOT NULL DEFAULT 'scorer'")
    columns = {row[1] for row in con.execute("PRAGMA table_info(assignment)")}
    if "kind" not in columns:
        con.execute("ALTER TABLE assignment ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'read'")
    if "factors" not in columns:
        con.execute("ALTER TABLE assignment ADD COLUMN factors TEXT NOT NULL DEFAULT '[]'")


def _add_ways_out(con: sqlite3.Connection) -> None:
    """4 -> 5: the coordinator_event and withdrawal tables, empty (nothing was taken back,
    withdrawn or reopened before). A step of its own: it touches no other table."""
    con.execute(
        """CREATE TABLE IF NOT EXISTS coordinator_event (
            id INTEGER NOT NULL PRIMARY KEY,
            at VARCHAR(40) NOT NULL,
            action VARCHAR(16) NOT NULL,
            actor VARCHAR(200) NOT NULL,
            reason TEXT NOT NULL,
            candidate_ref INTEGER REFERENCES candidate (id) ON DELETE CASCADE,
            from_scorer VARCHAR(64) NOT NULL,
            to_scorer VARCHAR(64) NOT NULL,
            batch_id VARCHAR(64),
            detail TEXT NOT NULL
        )"""
    )
    con.execute(
        """CREATE TABLE IF NOT EXISTS withdrawal (
            candidate_ref INTEGER NOT NULL PRIMARY KEY
                REFERENCES candidate (id) ON DELETE CASCADE,
            at VARCHAR(40) NOT NULL,
            actor VARCHAR(200) NOT NULL,
            reason TEXT NOT NULL
        )"""
    )


def _add_banked_scores(con: sqlite3.Connection) -> None:
    """5 -> 6: the banked_score table, empty: an older cohort has no banked scores, so its
    retake candidates (if its roster named retake factors) are read in full, as they were."""
    con.execute(
        """CREATE TABLE IF NOT EXISTS banked_score (
            candidate_ref INTEGER NOT NULL REFERENCES candidate (id) ON DELETE CASCADE,
            factor_key VARCHAR(64) NOT NULL,
            score VARCHAR(32) NOT NULL,
            cycle VARCHAR(64) NOT NULL,
            source TEXT NOT NULL,
            banked_at VARCHAR(40) NOT NULL,
            PRIMARY KEY (candidate_ref, factor_key)
        )"""
    )


def _add_revisions(con: sqlite3.Connection) -> None:
    """6 -> 7: assignment.merged_revision (0), .merged_lineage (NULL: the base) and
    .merged_history (empty), and the merge_conflict table, empty. What an older cohort merged
    is taken as the base: the next copy of a batch applies over it, as it did before."""
    columns = {row[1] for row in con.execute("PRAGMA table_info(assignment)")}
    if "merged_revision" not in columns:
        con.execute("ALTER TABLE assignment ADD COLUMN merged_revision INTEGER NOT NULL DEFAULT 0")
    if "merged_lineage" not in columns:
        con.execute("ALTER TABLE assignment ADD COLUMN merged_lineage VARCHAR(64)")
    if "merged_history" not in columns:
        con.execute("ALTER TABLE assignment ADD COLUMN merged_history TEXT NOT NULL DEFAULT '[]'")
    con.execute(
        """CREATE TABLE IF NOT EXISTS merge_conflict (
            id INTEGER NOT NULL PRIMARY KEY,
            assignment_ref INTEGER NOT NULL REFERENCES assignment (id) ON DELETE CASCADE,
            at VARCHAR(40) NOT NULL,
            state VARCHAR(16) NOT NULL,
            merged_revision INTEGER NOT NULL,
            merged_lineage VARCHAR(64) NOT NULL,
            merged_from TEXT NOT NULL,
            merged_reads TEXT NOT NULL,
            file_name TEXT NOT NULL,
            file_sha256 VARCHAR(64) NOT NULL,
            returned_revision INTEGER NOT NULL,
            returned_lineage VARCHAR(64) NOT NULL,
            returned_history TEXT NOT NULL,
            returned_status VARCHAR(16) NOT NULL,
            returned_as_of VARCHAR(40),
            returned_reads TEXT NOT NULL,
            resolved_by VARCHAR(200) NOT NULL,
            resolved_at VARCHAR(40),
            reason TEXT NOT NULL
        )"""
    )


def _add_quality(con: sqlite3.Connection) -> None:
    """7 -> 8: candidate.kind ("candidate" for every row of an older cohort), the key_score
    table (empty), assignment.of_read (none: no backreads), read_score.changed_at (unknown: the
    drift takes those reads' times from the merge log, as before), cohort.secret (new)."""
    columns = {row[1] for row in con.execute("PRAGMA table_info(candidate)")}
    if "kind" not in columns:
        con.execute(
            "ALTER TABLE candidate ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'candidate'"
        )
    columns = {row[1] for row in con.execute("PRAGMA table_info(assignment)")}
    if "of_read" not in columns:
        con.execute("ALTER TABLE assignment ADD COLUMN of_read INTEGER")
    columns = {row[1] for row in con.execute("PRAGMA table_info(read_score)")}
    if "changed_at" not in columns:
        con.execute("ALTER TABLE read_score ADD COLUMN changed_at VARCHAR(40)")
    columns = {row[1] for row in con.execute("PRAGMA table_info(cohort)")}
    if "secret" not in columns:
        con.execute("ALTER TABLE cohort ADD COLUMN secret VARCHAR(64) NOT NULL DEFAULT ''")
        con.execute("UPDATE cohort SET secret = ?", (new_secret(),))
    con.execute(
        """CREATE TABLE IF NOT EXISTS key_score (
            candidate_ref INTEGER NOT NULL REFERENCES candidate (id) ON DELETE CASCADE,
            factor_key VARCHAR(64) NOT NULL,
            score VARCHAR(16) NOT NULL,
            rationale TEXT NOT NULL,
            source TEXT NOT NULL,
            PRIMARY KEY (candidate_ref, factor_key)
        )"""
    )


# The cohort's migration ladder: from_version -> the step that makes it from_version + 1, on a
# plain sqlite3 connection inside the step's own transaction (models/sqlite_file.migrate_file).
COHORT_MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _add_scores_as_of,
    2: _add_flags,
    3: _add_adjudication,
    4: _add_ways_out,
    5: _add_banked_scores,
    6: _add_revisions,
    7: _add_quality,
}
