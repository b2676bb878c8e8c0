"""Printing many score reports on every core: one file per report, then all of them in one file.

ReportLab keeps global state (its font registry, per-font caches), so the reports are printed by
worker processes, not threads. The processes are started with 'forkserver' (a clean,
single-threaded server forks them; never a fork of this process, which may have Qt's threads)
or 'spawn' where there is no fork server (Windows); in the frozen app `icg_desk/__main__.py`
calls `multiprocessing.freeze_support()` first, so a worker started from it becomes a worker
and not a second app. A small run prints in this process: starting the workers (a Python each,
ReportLab, the fonts) costs a second or more, more than a few dozen reports take.

Each report is written by `pdf_report.write_report`: under a temporary name, renamed when
complete. The combined file is those same files put one after the other with pypdf, in order:
a candidate's pages in it are the pages of their own file, and rendering every report a second
time, as one long document, would cost more than the rest of the run. Each worker prints a run
of consecutive reports and puts them together in a part (a temporary file), so that the
workers share the putting together too (pypdf reads each file back: about a fifth of the work);
this process puts the parts together, in order, as they come in. pypdf stores the objects the
files share (the fonts) once.

Progress counts reports: (done, total) with `total` the number of reports, each one step once
its file is written or it is skipped. Once every report is done, only the combined file is
left: progress stays at (total, total) while it is finished, and is asked again now and then,
so that a cancel is still heard. A cancel, or Ctrl+C, stops the workers before their next
report and waits for the one each is printing (a report takes a tenth of a second); no worker
outlives the run.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from pypdf import PdfWriter

from icg_desk.export.pdf_report import (
    SCORERS_PREVIEW,
    ProgressCallback,
    ReportRun,
    _why,
    write_report,
)
from icg_desk.export.report_data import CandidateReport
from icg_desk.formats.atomic import STALE_AFTER_SECONDS, atomic_write

#: Fewer reports than this print in this process. Starting two workers took 1.5 to 3 s on the
#: two-core test machine; a report takes 40 to 60 ms, so two workers save about 25 ms a report.
SMALL_RUN = 100
#: `ICG_DESK_REPORT_WORKERS=N` prints with N workers whatever the size of the run (0: in this
#: process), e.g. to leave a core free on a shared machine.
WORKERS_ENV = "ICG_DESK_REPORT_WORKERS"
POLL_SECONDS = 0.1  # how often progress is said (and a cancel heard) while the workers print
#: The most consecutive reports a worker prints into one part: short enough that the workers
#: end together (the last part takes about a second), long enough that its fonts are shared.
PART_REPORTS = 25
PARTS_PER_WORKER = 8  # at least, when there are fewer reports than that makes full parts


#: The workers' parts go to a private folder of this name in the system's temporary folder.
PARTS_PREFIX = "icg-desk-report-parts-"
_parts_cleaned = threading.Lock()
_parts_cleaned_once: list[bool] = []


def clean_stale_part_folders(folder: Path | None = None, *, now: float | None = None) -> list[Path]:
    """Remove the parts folders of runs that were killed (a run removes its own when it ends,
    even on a cancel; a SIGKILL or a power cut leaves it); the ones removed.

    Only in `folder` (the system's temporary folder by default), only folders named by
    PARTS_PREFIX (a link by that name is not ours, and is not followed), only this user's (on
    POSIX), only untouched for STALE_AFTER_SECONDS (a run's parts come and go all through it).
    Best effort: what cannot be listed or removed is left as it is.
    """
    where = Path(tempfile.gettempdir()) if folder is None else folder
    moment = time.time() if now is None else now
    uid = os.getuid() if hasattr(os, "getuid") else None
    removed: list[Path] = []
    try:
        entries = [e for e in os.scandir(where) if e.name.startswith(PARTS_PREFIX)]
    except OSError:
        return removed
    for entry in entries:
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or (uid is not None and st.st_uid != uid):
            continue
        if moment - st.st_mtime < STALE_AFTER_SECONDS:
            continue  # perhaps another process's run, printing now
        shutil.rmtree(entry.path, ignore_errors=True)
        if not os.path.lexists(entry.path):
            removed.append(Path(entry.path))
    return removed


def _clean_part_folders_once() -> None:
    with _parts_cleaned:
        if _parts_cleaned_once:
            return
        _parts_cleaned_once.append(True)
    clean_stale_part_folders()


class PrintingFailed(RuntimeError):
    """A worker process stopped without a word (killed, or out of memory): nothing more prints."""


def cpu_count() -> int:
    """The cores this process may run on (its affinity, where the system tells), at least 1."""
    counted = getattr(os, "process_cpu_count", None)  # Python 3.13
    if counted is not None:
        return max(1, counted() or 1)
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def choose_workers(reports: int, workers: int | None = None) -> int:
    """How many worker processes print `reports` reports; 0 prints them in this process.

    `workers` given (or `ICG_DESK_REPORT_WORKERS` set) is used as it is, even for a small run;
    else one per core, and none for a small run or a single core.
    """
    if workers is None:
        env = os.environ.get(WORKERS_ENV, "").strip()
        if env.isdigit():
            workers = int(env)
    if workers is not None:
        return max(0, min(workers, reports))
    cores = cpu_count()
    if cores < 2 or reports < SMALL_RUN:
        return 0
    return min(cores, reports)


@dataclass(frozen=True)
class Combined:
    """The file with every report in it: where, its title, and the bookmark of each report."""

    path: Path
    title: str
    author: str
    bookmarks: Sequence[str] | None = None  # one per report, in order; None: no bookmarks


def print_reports(
    reports: Sequence[CandidateReport],
    paths: Sequence[Path],
    *,
    combined: Combined | None = None,
    progress: ProgressCallback | None = None,
    preview_label: str = SCORERS_PREVIEW,
    workers: int | None = None,
) -> ReportRun:
    """Each report at its path (one each), and all of them in `combined`; see the module.

    A record that cannot be printed is skipped, with its reason, and the rest go on; a disk that
    cannot be written stops the run (OSError). `workers`: see `choose_workers`.
    """
    reports = list(reports)
    paths = [Path(p) for p in paths]
    if len(paths) != len(reports):
        raise ValueError(f"{len(paths)} paths for {len(reports)} reports")
    marks = combined.bookmarks if combined is not None else None
    if marks is not None and len(marks) != len(reports):
        raise ValueError(f"{len(marks)} bookmarks for {len(reports)} reports")
    for folder in {p.parent for p in paths}:
        folder.mkdir(parents=True, exist_ok=True)
    ticker = _Ticker(len(reports), progress)
    run = _Run(reports, paths, preview_label, ticker, combined)
    count = choose_workers(len(reports), workers)
    try:
        if count == 0:
            run.in_process()
        else:
            run.in_pool(count)
        if run.joined is not None and run.joined.finish(ticker):
            run.combined = run.joined.spec.path
    except _Cancelled:
        return run.result(cancelled=True)
    return run.result(cancelled=False)


# --- the run, in this process ------------------------------------------------------------------


class _Cancelled(Exception):
    pass


class _Ticker:
    """Says (done, total) as done grows, and again when asked; a False answer is a cancel."""

    def __init__(self, total: int, callback: ProgressCallback | None) -> None:
        self.total, self.callback, self.done = total, callback, 0

    def at(self, done: int) -> None:
        if done > self.done:
            self.done = done
        self.poll()

    def poll(self) -> None:
        if self.callback is not None and self.callback(self.done, self.total) is False:
            raise _Cancelled


@dataclass(frozen=True)
class _Piece:
    path: Path | None  # None: nothing to add (a report skipped, a part with none printed)
    bookmark: str | None = None  # for a single report's file; a part carries its own


class _Joined:
    """The combined file, put together in order as its pieces (report files, or parts of
    consecutive reports) come in."""

    def __init__(self, spec: Combined) -> None:
        self.spec = spec
        self.ready: dict[int, _Piece] = {}  # piece number -> the piece
        self.next = 0  # the first piece not yet in the writer
        self.appended = 0
        self.writer = PdfWriter()

    def add(self, number: int, piece: _Piece) -> None:
        self.ready[number] = piece

    def take(self, ticker: _Ticker, seconds: float | None = None) -> None:
        """Append the pieces ready in order; for at most about `seconds` (None: all)."""
        start = time.monotonic()
        while self.next in self.ready:
            piece = self.ready.pop(self.next)
            if piece.path is not None:
                self.writer.append(
                    str(piece.path),
                    outline_item=piece.bookmark,
                    import_outline=piece.bookmark is None,
                )
                self.appended += 1
            self.next += 1
            if seconds is None:
                ticker.poll()  # putting many together: a cancel is still heard
            elif time.monotonic() - start > seconds:
                return

    def finish(self, ticker: _Ticker) -> bool:
        """Write the combined file (True), or nothing when no report was printed (False)."""
        self.take(ticker)
        ticker.poll()
        if not self.appended:
            return False
        self.writer.add_metadata(
            {"/Title": self.spec.title, "/Author": self.spec.author, "/Creator": "ICG Desk"}
        )
        # Again over the parts: each has the fonts of its own reports once, the file once.
        _share_objects(self.writer)
        ticker.poll()
        with atomic_write(self.spec.path) as staged:
            self.writer.write(staged.path)
        return True


def _share_objects(writer: PdfWriter) -> None:
    # The files' fonts are the same objects over and over: stored once, 1,000 reports take
    # 10 MB instead of 48.
    writer.compress_identical_objects()


class _Run:
    def __init__(
        self,
        reports: list[CandidateReport],
        paths: list[Path],
        preview_label: str,
        ticker: _Ticker,
        combined: Combined | None,
    ) -> None:
        self.reports, self.paths, self.preview_label = reports, paths, preview_label
        self.ticker, self.spec = ticker, combined
        self.joined = _Joined(combined) if combined is not None else None
        self.outcome: dict[int, str | None] = {}  # report -> None (written) or why it was skipped
        self.combined: Path | None = None  # once written

    def result(self, *, cancelled: bool) -> ReportRun:
        skipped = [
            (str(getattr(self.reports[i], "candidate_code", "?")), why)
            for i, why in sorted(self.outcome.items())
            if why is not None
        ]
        # In report order, whichever worker finished first; the combined file last.
        written = [self.paths[i] for i, why in sorted(self.outcome.items()) if why is None]
        if self.combined is not None:
            written.append(self.combined)
        return ReportRun(written, skipped, cancelled)

    def _bookmark(self, index: int) -> str | None:
        marks = self.spec.bookmarks if self.spec is not None else None
        return marks[index] if marks is not None else None

    def in_process(self) -> None:
        for i, report in enumerate(self.reports):
            why = _print_one(report, self.paths[i], self.preview_label)
            self.outcome[i] = why
            self.ticker.at(len(self.outcome))
            if self.joined is not None:
                self.joined.add(
                    i, _Piece(self.paths[i] if why is None else None, self._bookmark(i))
                )
                self.joined.take(self.ticker, POLL_SECONDS)

    def in_pool(self, workers: int) -> None:
        context = _context()
        stop, done = context.Event(), context.Value("q", 0)
        share = math.ceil(len(self.reports) / (workers * PARTS_PER_WORKER))
        size = max(1, min(PART_REPORTS, share))
        starts = range(0, len(self.reports), size)
        _clean_part_folders_once()
        parts = Path(tempfile.mkdtemp(prefix=PARTS_PREFIX))
        pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker, initargs=(stop, done)
        )
        futures: dict[Future[_PartDone], int] = {}
        try:
            for number, first in enumerate(starts):
                job = _PartJob(
                    first,
                    self.reports[first : first + size],
                    self.paths[first : first + size],
                    [self._bookmark(i) for i in range(first, first + size) if i < len(self.paths)],
                    self.preview_label,
                    parts / f"{number}.pdf" if self.joined is not None else None,
                )
                futures[pool.submit(_print_part, job)] = number
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                for future in finished:
                    self._record(futures.pop(future), _outcome(future))
                self.ticker.at(done.value)
                if self.joined is not None:
                    self.joined.take(self.ticker, POLL_SECONDS)
            if self.joined is not None:
                self.joined.take(self.ticker)  # every part, before they go
        except BaseException:
            # A cancel, Ctrl+C, a full disk: no worker starts another report; the ones printing
            # finish theirs (written whole, under its name), and are waited for.
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            self._collect(futures)
            raise
        finally:
            pool.shutdown(wait=True)
            shutil.rmtree(parts, ignore_errors=True)

    def _record(self, number: int, done: _PartDone) -> None:
        for offset, why in enumerate(done.outcomes):
            if why != _STOPPED:  # a copy, from the worker: compared by value
                self.outcome[done.first + offset] = why
        if self.joined is not None:
            self.joined.add(number, _Piece(done.part))

    def _collect(self, futures: dict[Future[_PartDone], int]) -> None:
        """The reports the workers finished while the run was being stopped."""
        for future, number in futures.items():
            if future.done() and not future.cancelled() and future.exception() is None:
                self._record(number, future.result())


def _outcome(future: Future[_PartDone]) -> _PartDone:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise PrintingFailed(
            "a printing process stopped unexpectedly (out of memory, or ended by the system); "
            "no more reports were printed"
        ) from exc


def _context() -> BaseContext:
    """A fork server where the system has one; else spawn. Never a plain fork: see the module."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # The server imports the printing once; each worker it forks starts with it loaded.
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


# --- in a worker -------------------------------------------------------------------------------

_STOPPED = "\0stopped"  # what a worker answers for a report it was told not to start
_stop: Any = None  # the run's stop event, in a worker
_done: Any = None  # the run's count of reports done (written or skipped), shared


@dataclass(frozen=True)
class _PartJob:
    first: int  # the index of its first report in the run
    reports: list[CandidateReport]
    paths: list[Path]
    bookmarks: list[str | None]
    preview_label: str
    part: Path | None  # where to put them together; None: no combined file


@dataclass(frozen=True)
class _PartDone:
    first: int
    outcomes: list[str | None]  # per report: None written, why skipped, or _STOPPED
    part: Path | None  # None: no part (none written, stopped, or none wanted)


def _start_worker(stop: Any, done: Any) -> None:
    global _stop, _done
    # Ctrl+C reaches every process of the terminal's group: the parent stops the run, and each
    # worker finishes the report it is printing (else it would leave a temporary file behind).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _stop, _done = stop, done
    _exit_with_parent()


def _exit_with_parent() -> None:
    """End this worker if the app ends without stopping it (killed, or crashed)."""
    if sys.platform == "win32":
        parent = multiprocessing.parent_process()
        if parent is None:
            return

        def watch() -> None:
            parent.join()  # the parent process's handle: signalled when it ends
            os._exit(1)

    else:
        # Under a fork server the parent is the server, which ends with the app.
        first = os.getppid()

        def watch() -> None:
            while os.getppid() == first:
                time.sleep(0.5)
            os._exit(1)

    threading.Thread(target=watch, name="icg-desk-parent-watch", daemon=True).start()


def _print_part(job: _PartJob) -> _PartDone:
    """Print a run of consecutive reports, each to its file, and put them together in a part."""
    outcomes: list[str | None] = []
    writer = PdfWriter() if job.part is not None else None
    for report, path, bookmark in zip(job.reports, job.paths, job.bookmarks, strict=True):
        if _stop is not None and _stop.is_set():
            outcomes.append(_STOPPED)
            continue
        why = _print_one(report, path, job.preview_label)
        outcomes.append(why)
        if why is None and writer is not None:
            writer.append(str(path), outline_item=bookmark, import_outline=False)
        if _done is not None:
            with _done.get_lock():
                _done.value += 1
    if writer is None or _STOPPED in outcomes or all(why is not None for why in outcomes):
        return _PartDone(job.first, outcomes, None)
    assert job.part is not None
    _share_objects(writer)
    writer.write(job.part)
    return _PartDone(job.first, outcomes, job.part)


def _print_one(report: CandidateReport, path: Path, preview_label: str) -> str | None:
    """Print one report: None when written, else why it could not be (OSError stops the run)."""
    try:
        write_report(report, path, preview_label=preview_label)
    except OSError:
        raise
    except Exception as exc:  # noqa: BLE001 - one bad record must not stop a thousand good ones
        return _why(exc)
    return None
