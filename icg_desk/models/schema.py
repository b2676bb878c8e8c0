"""The batch file's tables, as SQLAlchemy 2 typed ORM models.

The batch file is what a scorer works in offline and sends back; docs/batch-format.md describes
it for anyone reading it without ICG Desk. A schema change bumps SCHEMA_VERSION and adds the step
from the old version to MIGRATIONS (tests/test_migrations.py then checks it from every version).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Dialect,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from icg_desk.scoring.lineage import base_lineage

# PRAGMA application_id: "ICGD" in ASCII, so `file` and sqlite3 tell a batch from other databases.
APPLICATION_ID = 0x49434744
# 2: portfolio.adjudicate and portfolio.earlier_reads (adjudication batches); 3: portfolio.banked
# (retakes); 4: portfolio.revision and portfolio.lineage, change_log.revision and
# change_log.lineage (which copy is newer is decided by the data: scoring/lineage.py); 5: the
# practice_key table, batch.unlock_hash and batch.unlocked_at, portfolio.key_shown_at
# (calibration before live scoring: docs/calibration.md).
SCHEMA_VERSION = 5


def _add_adjudication(con: sqlite3.Connection) -> None:
    """1 -> 2: portfolio.adjudicate and portfolio.earlier_reads, empty: every portfolio of an
    older batch is a read of every factor."""
    columns = {row[1] for row in con.execute("PRAGMA table_info(portfolio)")}
    if "adjudicate" not in columns:
        con.execute("ALTER TABLE portfolio ADD COLUMN adjudicate TEXT NOT NULL DEFAULT '[]'")
    if "earlier_reads" not in columns:
        con.execute("ALTER TABLE portfolio ADD COLUMN earlier_reads TEXT NOT NULL DEFAULT '[]'")


def _add_banked(con: sqlite3.Connection) -> None:
    """2 -> 3: portfolio.banked, empty: no portfolio of an older batch is a retake."""
    columns = {row[1] for row in con.execute("PRAGMA table_info(portfolio)")}
    if "banked" not in columns:
        con.execute("ALTER TABLE portfolio ADD COLUMN banked TEXT NOT NULL DEFAULT '[]'")


def _add_revisions(con: sqlite3.Connection) -> None:
    """3 -> 4: portfolio.revision (0) and portfolio.lineage (the base the sending gives: batch
    id, scorer id and candidate code), change_log.revision and change_log.lineage (empty for
    the changes made before: an older batch's history proves nothing, and needs not)."""
    columns = {row[1] for row in con.execute("PRAGMA table_info(portfolio)")}
    if "revision" not in columns:
        con.execute("ALTER TABLE portfolio ADD COLUMN revision INTEGER NOT NULL DEFAULT 0")
    if "lineage" not in columns:
        con.execute("ALTER TABLE portfolio ADD COLUMN lineage VARCHAR(64) NOT NULL DEFAULT ''")
    columns = {row[1] for row in con.execute("PRAGMA table_info(change_log)")}
    if "revision" not in columns:
        con.execute("ALTER TABLE change_log ADD COLUMN revision INTEGER")
    if "lineage" not in columns:
        con.execute("ALTER TABLE change_log ADD COLUMN lineage VARCHAR(64)")
    batch_id, scorer_id = con.execute("SELECT batch_id, scorer_id FROM batch").fetchone()
    codes = con.execute("SELECT id, candidate_code FROM portfolio").fetchall()
    con.executemany(
        "UPDATE portfolio SET revision = 0, lineage = ? WHERE id = ?",
        [(base_lineage(batch_id, scorer_id, code), pid) for pid, code in codes],
    )


def _add_calibration(con: sqlite3.Connection) -> None:
    """4 -> 5: the practice_key table, empty (an older batch has no practice portfolios, so
    its live portfolios are open as they were), batch.unlock_hash and batch.unlocked_at (none),
    portfolio.key_shown_at (none)."""
    columns = {row[1] for row in con.execute("PRAGMA table_info(batch)")}
    if "unlock_hash" not in columns:
        con.execute("ALTER TABLE batch ADD COLUMN unlock_hash VARCHAR(64) NOT NULL DEFAULT ''")
    if "unlocked_at" not in columns:
        con.execute("ALTER TABLE batch ADD COLUMN unlocked_at VARCHAR(40)")
    columns = {row[1] for row in con.execute("PRAGMA table_info(portfolio)")}
    if "key_shown_at" not in columns:
        con.execute("ALTER TABLE portfolio ADD COLUMN key_shown_at VARCHAR(40)")
    con.execute(
        """CREATE TABLE IF NOT EXISTS practice_key (
            portfolio_id INTEGER NOT NULL REFERENCES portfolio (id) ON DELETE CASCADE,
            factor_key VARCHAR(64) NOT NULL,
            score VARCHAR(16) NOT NULL,
            rationale TEXT NOT NULL,
            PRIMARY KEY (portfolio_id, factor_key)
        )"""
    )


# The batch's migration ladder: from_version -> the step that makes it from_version + 1, on a
# plain sqlite3 connection inside the step's own transaction (models/sqlite_file.migrate_file).
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _add_adjudication,
    2: _add_banked,
    3: _add_revisions,
    4: _add_calibration,
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class ScoreText(TypeDecorator[Fraction]):
    """An exact score stored as decimal text ("3.25"), readable in any SQLite tool."""

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: Fraction | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        if Fraction(exact) != value:
            raise ValueError(f"{value} has no exact decimal form and cannot be stored as a score")
        return f"{exact:.2f}" if exact == exact.quantize(Decimal("0.01")) else str(exact)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Fraction | None:
        return None if value is None else Fraction(Decimal(value))


class UtcTime(TypeDecorator[datetime]):
    """A UTC timestamp stored as ISO 8601 text with its offset, so it sorts and reads plainly."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must carry a time zone")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


class JsonList(TypeDecorator[list[Any]]):
    """A list stored as JSON text; sorted by default, for sets such as look-fors seen."""

    impl = Text
    cache_ok = True

    def __init__(self, *, sort: bool = True) -> None:
        super().__init__()
        self.sort = sort

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> str:
        items = list(value or [])
        return json.dumps(sorted(items) if self.sort else items, ensure_ascii=False)

    def process_result_value(self, value: str | None, dialect: Dialect) -> list[Any]:
        return list(json.loads(value)) if value else []


class PortfolioStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"


class Base(DeclarativeBase):
    pass


class BatchInfo(Base):
    """The batch's identity: exactly one row."""

    __tablename__ = "batch"
    __table_args__ = (CheckConstraint("id = 1", name="one_batch_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    batch_id: Mapped[str] = mapped_column(String(64))
    cohort: Mapped[str] = mapped_column(String(64))
    scorer_id: Mapped[str] = mapped_column(String(64))
    scorer_name: Mapped[str] = mapped_column(String(200))
    rubric_edition: Mapped[str] = mapped_column(String(64))
    # The whole rubric file: the batch is scored on exactly this, wherever it is opened.
    rubric_text: Mapped[str] = mapped_column(Text)
    format_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcTime())
    exported_at: Mapped[datetime | None] = mapped_column(UtcTime(), default=None)
    # Calibration (format 5): the SHA-256 (hex) of the coordinator's unlock code for this batch,
    # "" when it has no practice portfolios; when the code was entered, if it was. The code
    # itself is the coordinator's (`icg-desk cohort unlock`), never in the file.
    unlock_hash: Mapped[str] = mapped_column(String(64), default="")
    unlocked_at: Mapped[datetime | None] = mapped_column(UtcTime(), default=None)


class Portfolio(Base):
    """One candidate's portfolio, known by candidate code only: scoring is blind."""

    __tablename__ = "portfolio"
    __table_args__ = (
        CheckConstraint(
            "status IN ('not_started', 'in_progress', 'complete')", name="portfolio_status"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, unique=True)
    candidate_code: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=PortfolioStatus.NOT_STARTED.value)
    completed_at: Mapped[datetime | None] = mapped_column(UtcTime(), default=None)
    # The factor keys the portfolio asks for, the others shown, not scored: an adjudication's
    # factors, or a retake's retaken factors (then `banked` is not empty); empty for a read of
    # every factor.
    adjudicate: Mapped[list[str]] = mapped_column(JsonList(sort=False), default=list)
    # A retake: the banked factors, not asked, each with the cycle it was banked in
    # ([[factor key, cycle], ...]; the scores themselves stay with the coordinator). Format 3.
    banked: Mapped[list[list[str]]] = mapped_column(JsonList(sort=False), default=list)
    # The earlier reads of the factors asked, when the rubric shows them to the adjudicator
    # ([[factor key, score], ...], scorers unnamed); empty otherwise.
    earlier_reads: Mapped[list[list[str]]] = mapped_column(JsonList(sort=False), default=list)
    # Format 4: every change the scorer makes raises the revision by one and chains the lineage
    # from the base the sending gives (scoring/lineage.py); the merge compares them, not clocks.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    lineage: Mapped[str] = mapped_column(String(64), default="")
    # A practice portfolio (format 5, it has a `practice_key`): when the scorer asked to see the
    # agreed scores; its read is settled from then. None for every other portfolio.
    key_shown_at: Mapped[datetime | None] = mapped_column(UtcTime(), default=None)

    entries: Mapped[list[EntryDocument]] = relationship(
        back_populates="portfolio", order_by="EntryDocument.number", cascade="all, delete-orphan"
    )
    reads: Mapped[list[FactorRead]] = relationship(
        back_populates="portfolio", cascade="all, delete-orphan"
    )


class EntryDocument(Base):
    """The candidate's written document for one entry, and its video links."""

    __tablename__ = "entry"
    __table_args__ = (UniqueConstraint("portfolio_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolio.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    portfolio: Mapped[Portfolio] = relationship(back_populates="entries")
    videos: Mapped[list[VideoLink]] = relationship(
        back_populates="entry", order_by="VideoLink.position", cascade="all, delete-orphan"
    )


class VideoLink(Base):
    __tablename__ = "video_link"
    __table_args__ = (UniqueConstraint("entry_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))
    # Untrusted: opened only when the rubric's link policy allows it.
    url: Mapped[str] = mapped_column(Text)

    entry: Mapped[EntryDocument] = relationship(back_populates="videos")


class FactorRead(Base):
    """The scorer's work on one factor of one portfolio."""

    __tablename__ = "factor_read"
    __table_args__ = (UniqueConstraint("portfolio_id", "factor_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolio.id", ondelete="CASCADE"))
    factor_key: Mapped[str] = mapped_column(String(64))
    score: Mapped[Fraction | None] = mapped_column(ScoreText(), default=None)
    rationale: Mapped[str] = mapped_column(Text, default="")
    # Indexes into the factor's look-fors in the batch's own rubric copy.
    look_fors_seen: Mapped[list[int]] = mapped_column(JsonList(), default=list)
    updated_at: Mapped[datetime] = mapped_column(UtcTime(), default=utcnow)

    portfolio: Mapped[Portfolio] = relationship(back_populates="reads")
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="read", order_by="Evidence.id", cascade="all, delete-orphan"
    )


class Evidence(Base):
    """A passage of an entry the scorer attached to a factor."""

    __tablename__ = "evidence"
    __table_args__ = (CheckConstraint("start_offset <= end_offset", name="evidence_span"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    read_id: Mapped[int] = mapped_column(ForeignKey("factor_read.id", ondelete="CASCADE"))
    entry_number: Mapped[int] = mapped_column(Integer)
    start_offset: Mapped[int] = mapped_column(Integer)  # in characters of the entry text
    end_offset: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcTime(), default=utcnow)

    read: Mapped[FactorRead] = relationship(back_populates="evidence")


class Change(Base):
    """Every change the scorer made, so a coordinator can see how a score came about."""

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcTime(), default=utcnow)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolio.id", ondelete="CASCADE"))
    factor_key: Mapped[str | None] = mapped_column(String(64), default=None)
    # score, rationale, look_for, evidence or status
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text, default=None)
    new_value: Mapped[str | None] = mapped_column(Text, default=None)
    # The portfolio's revision and lineage after this change (format 4; empty for the changes
    # of an older batch): a later copy's history holds an earlier copy's version.
    revision: Mapped[int | None] = mapped_column(Integer, default=None)
    lineage: Mapped[str | None] = mapped_column(String(64), default=None)


class PracticeKey(Base):
    """A practice portfolio's agreed score of one factor and the expert's rationale (format 5).

    A portfolio with rows here is a practice portfolio: the scorer scores it, then sees these
    beside their own read. It travels in the batch because calibration happens offline; the
    cohort judges the practice reads again from its own copy of the key when they come back."""

    __tablename__ = "practice_key"

    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolio.id", ondelete="CASCADE"), primary_key=True
    )
    factor_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    score: Mapped[Fraction] = mapped_column(ScoreText())
    rationale: Mapped[str] = mapped_column(Text, default="")


# Every table of the current format but practice_key (format 5): an older batch lacks it until
# it is migrated, after it is validated.
REQUIRED_TABLES = frozenset(Base.metadata.tables) - {"practice_key"}

# When a batch's scores were last changed: every change is logged and stamps its read, and an
# untouched batch is as old as its making. The stamps are ISO text in UTC, so they sort as text.
# A summary records it and the merge shows it; which copy is newer is decided by the
# portfolios' revisions and lineages (scoring/lineage.py), never by this time.
LAST_CHANGE_SQL = (
    "SELECT max(t) FROM (SELECT max(at) AS t FROM change_log "
    "UNION ALL SELECT max(updated_at) FROM factor_read "
    "UNION ALL SELECT created_at FROM batch)"
)
