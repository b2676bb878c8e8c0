"""The scorer's operations on a batch file that are not scoring itself: open, export, print,
send back.

Functions of plain data (paths, options, a progress callback), each opening its own `BatchFile`
on the calling thread and closing it before it returns, so a window can run them on a worker.
Scoring in the window goes through `operations.batch_work.BatchWork` on the window's own batch.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from icg_desk.formats.atomic import atomic_write
from icg_desk.formats.naming import free_names, sent_batch_stem
from icg_desk.models.batch_file import BATCH_SUFFIX, BatchFile, validate_batch
from icg_desk.models.batch_marks import record_summary_export
from icg_desk.models.errors import UserError
from icg_desk.models.schema import Portfolio, PortfolioStatus
from icg_desk.models.sqlite_file import sqlite_user_error
from icg_desk.operations.file_lock import SCORER_WINDOW, FileLock, lock_file

if TYPE_CHECKING:
    from icg_desk.export.pdf_report import ReportRun
    from icg_desk.export.summary_xlsx import SummaryInfo

Progress = Callable[[int, int], bool]


def open_batch_for_scoring(path: Path, *, wait: float = 0.0) -> tuple[FileLock, BatchFile]:
    """Lock the batch for the scorer's window, then open it; FileBusy when it is open elsewhere.

    The caller keeps both for as long as the batch is open, closes the batch and then releases
    the lock. A batch that cannot be opened leaves no lock behind.
    """
    lock = lock_file(path, SCORER_WINDOW, wait=wait)
    try:
        return lock, BatchFile.open(path)
    except BaseException:
        lock.release()
        raise


@contextmanager
def holding(
    path: Path, lock: FileLock | None, program: str, *, wait: float = 0.0
) -> Iterator[None]:
    """The lock on `path` for the duration: `lock` when the caller holds it, else our own."""
    if lock is not None:
        if not lock.held or lock.path.resolve() != Path(path).resolve():
            raise RuntimeError(f"{path}: the lock given is not held on this file")
        yield
        return
    with lock_file(path, program, wait=wait):
        yield


def export_batch_summary(
    path: Path,
    target: Path,
    *,
    progress: Progress | None = None,
    lock: FileLock | None = None,
    program: str = "icg-desk batch summary",
    wait: float = 0.0,
) -> SummaryInfo:
    """Write the batch's summary workbook at `target`, then record the export time in the batch.

    Two steps: the workbook is complete under its name before the batch is stamped, and a
    cancelled export (`SummaryCancelled`) changes neither. Writing the stamp needs the batch's
    lock: `lock` when the window holding it asks, otherwise taken for `program` here.
    """
    # Imported here: openpyxl (and ReportLab, below) would otherwise load with the scorer's
    # window, a quarter of a second and 27 MiB before anything is exported.
    from icg_desk.export.summary_xlsx import write_batch_summary

    with holding(path, lock, program, wait=wait), BatchFile.open(path) as batch:
        info = write_batch_summary(batch, target, progress=progress)
        record_summary_export(batch, info.exported_at)
    return info


class ReportChoice(StrEnum):
    """Which portfolios' score reports to print."""

    COMPLETED = "completed"  # those marked complete: the default
    CURRENT = "current"  # one portfolio, named by its id or its candidate code
    ALL = "all"  # every portfolio, the unscored ones included


NOTHING_COMPLETE = "No portfolio is complete yet: nothing to print"


class UnknownPortfolio(UserError):
    """A portfolio asked for by id or candidate code that is not in the batch."""


def chosen_portfolios(
    batch: BatchFile,
    which: ReportChoice,
    *,
    portfolio_id: int | None = None,
    candidate_code: str | None = None,
) -> list[int]:
    """The ids of the portfolios `which` means, in batch order; a `UserError` when none.

    CURRENT needs `portfolio_id` or `candidate_code` (an `UnknownPortfolio` when the batch has
    no such portfolio); COMPLETED with no complete portfolio says so (`NOTHING_COMPLETE`).
    """
    with batch.reading() as session:
        rows = session.execute(
            select(Portfolio.id, Portfolio.candidate_code, Portfolio.status).order_by(
                Portfolio.position
            )
        ).all()
    if which is ReportChoice.CURRENT:
        if portfolio_id is None and candidate_code is None:
            raise ValueError("ReportChoice.CURRENT needs a portfolio_id or a candidate_code")
        found = [
            pid
            for pid, code, _status in rows
            if pid == portfolio_id or (candidate_code is not None and code == candidate_code)
        ]
        if not found:
            if candidate_code is not None:
                raise UnknownPortfolio(
                    f"{candidate_code}: no portfolio with this candidate code in the batch"
                )
            raise UnknownPortfolio(f"no portfolio {portfolio_id} in the batch")
        return found[:1]
    if which is ReportChoice.COMPLETED:
        ids = [pid for pid, _code, status in rows if status == PortfolioStatus.COMPLETE.value]
        if not ids:
            raise UserError(NOTHING_COMPLETE)
        return ids
    if not rows:
        raise UserError("This batch has no portfolio: nothing to print")
    return [pid for pid, _code, _status in rows]


def export_batch_reports(
    path: Path,
    outdir: Path,
    *,
    which: ReportChoice = ReportChoice.COMPLETED,
    portfolio_id: int | None = None,
    candidate_code: str | None = None,
    combined: Path | None = None,
    progress: Progress | None = None,
) -> ReportRun:
    """A PDF score report in `outdir` per portfolio `which` chooses (see `chosen_portfolios`;
    the completed ones by default), named by candidate code, and all of them in `combined`,
    if given. Progress counts reports (see `write_reports`).

    A choice of no portfolio is a `UserError` and writes nothing: no folder, no combined file.
    Only reads the batch, so it takes no lock: printing never waits for a window.
    """
    from icg_desk.export.pdf_report import write_reports
    from icg_desk.export.report_data import reports_from_batch

    with BatchFile.open(path) as batch:
        ids = chosen_portfolios(
            batch, which, portfolio_id=portfolio_id, candidate_code=candidate_code
        )
        reports = reports_from_batch(batch, only=ids)
    outdir.mkdir(parents=True, exist_ok=True)
    return write_reports(reports, outdir=outdir, combined=combined, progress=progress)


#: How the summary sent beside the batch copy is named: "<cohort> <scorer> <date> summary.xlsx".
SENT_SUMMARY_ENDING = " summary.xlsx"


@dataclass(frozen=True)
class SentFiles:
    """The two files a scorer sends back: the batch's self-contained copy and its summary."""

    batch_copy: Path
    summary: Path


def send_to_coordinator(
    path: Path,
    folder: Path,
    *,
    lock: FileLock | None,
    progress: Progress | None = None,
    now: datetime | None = None,
    program: str = "icg-desk batch send",
    wait: float = 0.0,
) -> SentFiles:
    """Write what the scorer sends back into `folder`: a copy of the batch that is one whole
    file, and its summary workbook, both named by cohort, scorer and date (`now`'s, local).

    The copy is made by SQLite's online backup from the open batch, so it holds every change
    saved so far, those still in the write-ahead log included, and is switched to the rollback
    journal: it needs no -wal beside it, and opens as any batch does. Neither file overwrites
    one there: the names are numbered " (2)" and on. Both are written whole or not at all; the
    summary first (which stamps its export time in the batch), so the copy carries the stamp.
    Progress counts the summary's portfolios and then the copy. Writing the stamp needs the
    batch's lock: `lock` when the window holding it asks, otherwise taken for `program` here.
    A folder that cannot be written is refused with a `UserError` naming it.
    """
    from icg_desk.export.summary_xlsx import write_batch_summary

    folder = Path(folder)
    _check_writable(folder)
    day = (now or datetime.now().astimezone()).date()
    seen_total = [0]

    def summary_progress(done: int, total: int) -> bool:
        seen_total[0] = total
        return progress is None or progress(done, total + 1)

    with holding(path, lock, program, wait=wait), BatchFile.open(path) as batch:
        ident = batch.identity
        stem = sent_batch_stem(ident.cohort, ident.scorer_id, day)
        copy_target, summary_target = free_names(folder, stem, (BATCH_SUFFIX, SENT_SUMMARY_ENDING))
        try:
            info = write_batch_summary(batch, summary_target, progress=summary_progress)
            record_summary_export(batch, info.exported_at)
            try:
                _write_copy(batch, copy_target)
            except BaseException:
                summary_target.unlink(missing_ok=True)  # ours, named afresh: both or neither
                raise
        except OSError as exc:
            raise UserError(
                f"{folder}: cannot save the files there ({exc.strerror or exc}); "
                "choose another folder"
            ) from exc
    if progress is not None:
        progress(seen_total[0] + 1, seen_total[0] + 1)
    return SentFiles(copy_target, summary_target)


def _check_writable(folder: Path) -> None:
    if not folder.exists():
        raise UserError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise UserError(f"{folder}: is a file, not a folder; choose a folder to save in")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"{folder}: this folder is read-only; choose another folder")


def _write_copy(batch: BatchFile, target: Path) -> None:
    """The batch as it stands, whole in one file at `target` (see `send_to_coordinator`)."""
    try:
        with atomic_write(target) as staged:
            with closing(sqlite3.connect(staged.path, isolation_level=None)) as copy:
                batch.backup_into(copy)
                # The backup copies the WAL flag in the header too: one file, no -wal to send.
                copy.execute("PRAGMA journal_mode = DELETE")
            # What opening it will check, read-only: a whole batch with a rubric it can read.
            validate_batch(staged.path)
    except sqlite3.Error as exc:
        user = sqlite_user_error(target, exc)
        if user is None:
            raise
        raise user from exc
