"""The scorer's operations on a batch file that are not scoring itself: open, export, print.

Functions of plain data (paths, options, a progress callback), each opening its own `BatchFile`
on the calling thread and closing it before it returns, so a window can run them on a worker.
Scoring in the window goes through `operations.batch_work.BatchWork` on the window's own batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from icg_desk.models.batch_file import BatchFile
from icg_desk.models.batch_marks import record_summary_export
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


def export_batch_reports(
    path: Path,
    outdir: Path,
    *,
    combined: Path | None = None,
    progress: Progress | None = None,
) -> ReportRun:
    """A PDF score report per portfolio in `outdir` (and all of them in `combined`, if given).

    Only reads the batch, so it takes no lock: printing never waits for a window.
    """
    from icg_desk.export.pdf_report import write_reports
    from icg_desk.export.report_data import reports_from_batch

    with BatchFile.open(path) as batch:
        reports = reports_from_batch(batch)
    outdir.mkdir(parents=True, exist_ok=True)
    return write_reports(reports, outdir=outdir, combined=combined, progress=progress)
