"""Printing many score reports on every core: one file per report, then all of them in one file.

ReportLab keeps global state (its font registry, per-font caches), so the reports are printed by
worker processes, not threads. The processes are started with 'forkserver' (a clean,
single-threaded server forks them; never a fork of this process, which may have Qt's threads)
or 'spawn' where there is no fork server (Windows); in the frozen app `icg_desk/__main__.py`
calls `multiprocessing.freeze_support()` first, so a worker started from it becomes a worker
and not a second app. A small run prints in this process: starting the workers (a Python each,
ReportLab, the fonts) costs a second or more, more than a few dozen reports take.

Each report is written by `pdf_report.write_report`: under a temporary name, renamed when
complete. The combined file is those same files put one after the other with pypdf, in order,
while the workers go on printing: a candidate's pages in it are the pages of their own file,
and rendering every report a second time, as one long document, would cost more than the rest
of the run. pypdf then stores the objects the files share (the fonts) once.

Progress counts reports: (done, total) with `total` the number of reports, each one step once
its file is written or it is skipped. Once every report is done, only the combined file is
left: progress stays at (total, total) while it is finished, and is asked again now and then,
so that a cancel is still heard. A cancel, or Ctrl+C, stops the workers before their next
report and waits for the one each is printing (a report takes a tenth of a second); no worker
outlives the run.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
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
from icg_desk.formats.atomic import atomic_write

#: Fewer reports than this print in this process. Starting two workers took 1.5 to 3 s on the
#: two-core test machine; a report takes 40 to 60 ms, so two workers save about 25 ms a report.
SMALL_RUN = 100
#: `ICG_DESK_REPORT_WORKERS=N` prints with N workers whatever the size of the run (0: in this
#: process), e.g. to leave a core free on a shared machine.
WORKERS_ENV = "ICG_DESK_REPORT_WORKERS"
POLL_SECONDS = 0.1  # how often progress is said (and a cancel heard) while the workers print


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
    if len(paths) != len(reports):
        raise ValueError(f"{len(paths)} paths for {len(reports)} reports")
    for folder in {Path(p).parent for p in paths}:
        folder.mkdir(parents=True, exist_ok=True)
    ticker = _Ticker(len(reports), progress)
    joined = _Joined(combined, [Path(p) for p in paths]) if combined is not None else None
    run = _Run(reports, [Path(p) for p in paths], preview_label, ticker, joined)
    count = choose_workers(len(reports), workers)
    try:
        if count == 0:
            run.in_process()
        else:
            run.in_pool(count)
        if joined is not None and joined.finish(ticker):
            run.combined = joined.spec.path
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


class _Joined:
    """The combined file, put together in report order as the reports' files come in."""

    def __init__(self, spec: Combined, paths: list[Path]) -> None:
        if spec.bookmarks is not None and len(spec.bookmarks) != len(paths):
            raise ValueError(f"{len(spec.bookmarks)} bookmarks for {len(paths)} reports")
        self.spec, self.paths = spec, paths
        self.ready: dict[int, bool] = {}  # report -> its file was written (False: skipped)
        self.next = 0  # the first report not yet in the writer
        self.appended = 0
        self.writer = PdfWriter()

    def add(self, index: int, written: bool) -> None:
        self.ready[index] = written

    def take(self, ticker: _Ticker, seconds: float | None = None) -> None:
        """Append the reports ready in order; for at most about `seconds` (None: all)."""
        start = time.monotonic()
        while self.next in self.ready:
            if self.ready.pop(self.next):
                bookmark = self.spec.bookmarks[self.next] if self.spec.bookmarks else None
                self.writer.append(
                    str(self.paths[self.next]), outline_item=bookmark, import_outline=False
                )
                self.appended += 1
            self.next += 1
            if seconds is not None and time.monotonic() - start > seconds:
                return
            if seconds is None and self.next % 25 == 0:
                ticker.poll()

    def finish(self, ticker: _Ticker) -> bool:
        """Write the combined file (True), or nothing when no report was printed (False)."""
        self.take(ticker)
        ticker.poll()
        if not self.appended:
            return False
        self.writer.add_metadata(
            {"/Title": self.spec.title, "/Author": self.spec.author, "/Creator": "ICG Desk"}
        )
        # The files' fonts, images and styles are the same objects over and over: stored once,
        # 1,000 reports take 10 MB instead of 48.
        self.writer.compress_identical_objects()
        ticker.poll()
        with atomic_write(self.spec.path) as staged:
            self.writer.write(staged.path)
        return True


class _Run:
    def __init__(
        self,
        reports: list[CandidateReport],
        paths: list[Path],
        preview_label: str,
        ticker: _Ticker,
        joined: _Joined | None,
    ) -> None:
        self.reports, self.paths, self.preview_label = reports, paths, preview_label
        self.ticker, self.joined = ticker, joined
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

    def _record(self, index: int, why: str | None) -> None:
        self.outcome[index] = why
        if self.joined is not None:
            self.joined.add(index, why is None)

    def in_process(self) -> None:
        for i, report in enumerate(self.reports):
            self._record(i, _print_one(report, self.paths[i], self.preview_label))
            self.ticker.at(len(self.outcome))
            if self.joined is not None:
                self.joined.take(self.ticker)

    def in_pool(self, workers: int) -> None:
        context = _context()
        stop = context.Event()
        pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker, initargs=(stop,)
        )
        futures: dict[Future[str | None], int] = {}
        try:
            for i, report in enumerate(self.reports):
                futures[
                    pool.submit(_print_in_worker, report, self.paths[i], self.preview_label)
                ] = i
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                for future in done:
                    self._record(futures.pop(future), _outcome(future))
                self.ticker.at(len(self.outcome))
                if self.joined is not None:
                    self.joined.take(self.ticker, POLL_SECONDS)
        except BaseException:
            # A cancel, Ctrl+C, a full disk: no worker starts another report; the ones printing
            # finish theirs (written whole, under its name), and are waited for.
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            self._collect(futures)
            raise
        finally:
            pool.shutdown(wait=True)

    def _collect(self, futures: dict[Future[str | None], int]) -> None:
        """The reports the workers finished while the run was being stopped."""
        for future, index in futures.items():
            if future.done() and not future.cancelled() and future.exception() is None:
                why = future.result()
                if why != _STOPPED:  # a copy, from the worker: compared by value
                    self._record(index, why)


def _outcome(future: Future[str | None]) -> str | None:
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


def _start_worker(stop: Any) -> None:
    global _stop
    # Ctrl+C reaches every process of the terminal's group: the parent stops the run, and each
    # worker finishes the report it is printing (else it would leave a temporary file behind).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _stop = stop
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


def _print_in_worker(report: CandidateReport, path: Path, preview_label: str) -> str | None:
    if _stop is not None and _stop.is_set():
        return _STOPPED
    return _print_one(report, path, preview_label)


def _print_one(report: CandidateReport, path: Path, preview_label: str) -> str | None:
    """Print one report: None when written, else why it could not be (OSError stops the run)."""
    try:
        write_report(report, path, preview_label=preview_label)
    except OSError:
        raise
    except Exception as exc:  # noqa: BLE001 - one bad record must not stop a thousand good ones
        return _why(exc)
    return None
