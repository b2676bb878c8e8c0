"""The coordinator's steps on a cohort file, as functions of plain data.

Each step opens its own `CohortFile` on the calling thread and closes it before returning, so a
window may run it on a worker: no ORM object or open file is returned or crosses threads, and
what comes back is frozen data with the `Changes` the step made. A step that writes holds the
cohort's lock: the one the window keeps while the cohort is open (`CohortRef.lock`), or else
one taken for the step's duration, so a command never writes into a cohort open in the window
(it is refused with FileBusy naming the window, or waits `CohortRef.wait` seconds first). Steps
that only read take no lock. "Results locked" is refused in one place for every step that would
change the results (`models.cohort_results.refuse_when_released`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from icg_desk.export.cohort_reports import write_cohort_reports
from icg_desk.export.cohort_summary import write_cohort_summary
from icg_desk.export.pdf_report import ReportRun
from icg_desk.formats.roster_table import write_roster_template as _write_template
from icg_desk.models.agreement import agreement_in
from icg_desk.models.assignment import Plan, move_assignment
from icg_desk.models.assignment import assign as _assign
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import (
    CohortResults,
    ResultsLocked,
    cohort_results,
    release_results,
    results_in,
)
from icg_desk.models.cohort_status import CohortStatus, cohort_status
from icg_desk.models.conflicts import Conflict, open_conflicts, resolve_conflict
from icg_desk.models.flag_accept import Accepted, accept_flag
from icg_desk.models.merge import ACCEPTED, REPLACED, MergeOutcome, MergeRecord, recent_merges
from icg_desk.models.roster import ImportResult
from icg_desk.models.ways_out import (
    WayOut,
    coordinator_log,
    reassign_read,
    reopen_results,
    withdraw_candidate,
)
from icg_desk.operations import adjudicating, roster_import, sending
from icg_desk.operations.adjudicating import AdjudicationSent
from icg_desk.operations.banking import BankDone, bank_scores
from icg_desk.operations.changes import NOTHING, Changes, Done
from icg_desk.operations.file_lock import COORDINATOR_WINDOW, FileLock, lock_file
from icg_desk.operations.merge import merge_files
from icg_desk.operations.sending import ExportedBatch
from icg_desk.scoring import Rubric

Progress = Callable[[int, int], bool]  # (done, total) -> keep going

EVERYTHING = Changes(
    candidates=True,
    scorers=True,
    assignments=True,
    reads=True,
    merges=True,
    release=True,
    flags=True,
)


@dataclass(frozen=True)
class CohortRef:
    """Which cohort file a step works on, and how it may write.

    `lock`: the window's lock, held while the cohort is open there; a step then checks it is
    held and does not lock again. Without it (the command line) a writing step takes the lock
    itself for `program` ("icg-desk cohort merge"), trying for `wait` seconds before FileBusy.
    """

    path: Path
    lock: FileLock | None = None
    program: str = "icg-desk cohort"
    wait: float = 0.0


@contextmanager
def _writing(ref: CohortRef) -> Iterator[CohortFile]:
    if ref.lock is not None:
        if not ref.lock.held or ref.lock.path.resolve() != Path(ref.path).resolve():
            raise RuntimeError(f"{ref.path}: the lock given is not held on this cohort")
        with CohortFile.open(ref.path) as cohort:
            yield cohort
        return
    # Locked before opening: a refusal leaves the file untouched, not even opened.
    with lock_file(ref.path, ref.program, wait=ref.wait), CohortFile.open(ref.path) as cohort:
        yield cohort


@contextmanager
def _reading(ref: CohortRef) -> Iterator[CohortFile]:
    with CohortFile.open(ref.path) as cohort:
        yield cohort


def lock_for_window(path: Path, *, wait: float = 0.0) -> FileLock:
    """The lock the Coordinator window holds while the cohort is open (pass it in CohortRef).

    FileBusy names whoever has the cohort: another window, or a command still writing.
    """
    return lock_file(path, COORDINATOR_WINDOW, wait=wait)


def check_cohort(ref: CohortRef) -> None:
    """Open and close the file: CohortFileError when it is not a cohort ICG Desk can open."""
    with _reading(ref):
        pass


@dataclass(frozen=True)
class CohortInfo:
    """What a window shows of a cohort before anything else is read: its name and rubric."""

    path: Path
    name: str
    rubric: Rubric


def describe(ref: CohortRef) -> CohortInfo:
    """The cohort's name and rubric; CohortFileError when it is not a cohort ICG Desk opens."""
    with _reading(ref) as cohort:
        return CohortInfo(Path(ref.path), cohort.name, cohort.rubric)


# --- making and filling a cohort ---------------------------------------------------------


def create_cohort(path: Path, name: str, rubric: Rubric) -> Done[Path]:
    """A new cohort file at `path` for `rubric`; CohortFileError when `path` exists."""
    CohortFile.create(path, name=name, rubric=rubric).close()
    return Done(path, EVERYTHING)


def write_roster_template(path: Path, rubric: Rubric) -> Path:
    """The roster workbook to fill in (Candidates, Scorers, Notes), written whole or not at all."""
    _write_template(path, rubric)
    return path


def import_roster(
    ref: CohortRef, roster: Path, documents: Path, *, valid_only: bool = False
) -> Done[ImportResult]:
    with _writing(ref) as cohort:
        result = roster_import.import_roster(cohort, roster, documents, valid_only=valid_only)
    return Done(result, Changes(candidates=result.imported > 0))


def bank(ref: CohortRef, source: Path, *, cycle: str | None = None) -> Done[BankDone]:
    """Bank retake candidates' scores from last cycle's cohort file or results workbook."""
    with _writing(ref) as cohort:
        done = bank_scores(cohort, source, cycle)
    return Done(done, Changes(candidates=bool(done.banked)))


def import_scorers(ref: CohortRef, sheet: Path) -> Done[ImportResult]:
    with _writing(ref) as cohort:
        result = roster_import.import_scorers(cohort, sheet)
    return Done(result, Changes(scorers=result.imported > 0))


# --- reads and batches -------------------------------------------------------------------


def assign(ref: CohortRef, *, seed: int, reads: int | None = None) -> Done[Plan]:
    with _writing(ref) as cohort:
        plan = _assign(cohort, seed=seed, reads=reads)
    return Done(plan, Changes(assignments=plan.added > 0))


def move_read(ref: CohortRef, candidate: str, from_scorer: str, to_scorer: str) -> Done[None]:
    with _writing(ref) as cohort:
        move_assignment(cohort, candidate, from_scorer, to_scorer)
    return Done(None, Changes(assignments=True))


def send_batches(
    ref: CohortRef, outdir: Path, *, scorer_ids: Sequence[str] | None = None
) -> Done[list[ExportedBatch]]:
    with _writing(ref) as cohort:
        exported = sending.export_batches(cohort, outdir, scorer_ids=scorer_ids)
    return Done(exported, Changes(assignments=bool(exported)))


def adjudicate(ref: CohortRef, outdir: Path) -> Done[AdjudicationSent]:
    """Write the adjudication batches of the flagged portfolios (operations.adjudicating);
    AdjudicationRefused when one has no eligible adjudicator, nothing written then."""
    with _writing(ref) as cohort:
        sent = adjudicating.send_for_adjudication(cohort, outdir)
    # Sending brings the flags in line with the reads first (a cohort from before flags).
    return Done(sent, Changes(assignments=bool(sent.batches), flags=True))


def merge(
    ref: CohortRef, files: Sequence[Path], *, progress: Progress | None = None
) -> Done[list[MergeOutcome]]:
    """Merge each returned file in order (see operations.merge.merge_files)."""
    with _writing(ref) as cohort:
        outcomes = merge_files(cohort, files, progress=progress)
    applied = any(o.outcome in (ACCEPTED, REPLACED) for o in outcomes)
    # Every file judged is logged, rejected ones too.
    return Done(outcomes, Changes(reads=applied, merges=bool(outcomes)))


# --- results -----------------------------------------------------------------------------


def status(ref: CohortRef) -> CohortStatus:
    with _reading(ref) as cohort:
        return cohort_status(cohort)


def results(ref: CohortRef, *, progress: Progress | None = None) -> CohortResults:
    with _reading(ref) as cohort:
        return cohort_results(cohort, progress=progress)


@dataclass(frozen=True)
class CohortSnapshot:
    """Everything the dashboard shows, read in one go (on a worker thread, in the window)."""

    status: CohortStatus
    results: CohortResults
    merges: tuple[MergeRecord, ...]
    # Conflicts between two copies of a read, open (models/conflicts.py): Needs attention.
    conflicts: tuple[Conflict, ...] = ()

    @property
    def released_at(self) -> datetime | None:
        return self.results.released_at


def snapshot(
    ref: CohortRef,
    *,
    progress: Progress | None = None,
    previous: CohortSnapshot | None = None,
    changes: Changes | None = None,
) -> CohortSnapshot:
    """The dashboard's data; with `previous` and `changes`, only the parts they touch re-read."""
    if previous is None or changes is None:
        with _reading(ref) as cohort:
            found_results = cohort_results(cohort, progress=progress)
            return CohortSnapshot(
                status=cohort_status(cohort, found_results),
                results=found_results,
                merges=recent_merges(cohort),
                conflicts=open_conflicts(cohort),
            )
    if not changes.any:
        return previous
    c = changes
    found = previous
    with _reading(ref) as cohort:
        if c.candidates or c.scorers or c.assignments or c.reads or c.release or c.flags:
            found = replace(found, results=cohort_results(cohort, progress=progress))
        # Status counts candidates, scorers, reads assigned, sent and returned, merged files,
        # and (from the results) the candidates final and waiting.
        if c.candidates or c.scorers or c.assignments or c.reads or c.merges or c.flags:
            found = replace(found, status=cohort_status(cohort, found.results))
        if c.merges:
            found = replace(found, merges=recent_merges(cohort))
        if c.merges or c.reads or c.assignments or c.candidates:
            found = replace(found, conflicts=open_conflicts(cohort))
    return found


def accept(
    ref: CohortRef, candidate: str, factor: str | None, reason: str, by: str
) -> Done[Accepted]:
    """Accept a candidate's open flag (the decision split, or `factor`'s discrepancy) with a
    written reason, kept in the flags' audit log; AcceptRefused says why not."""
    with _writing(ref) as cohort:
        done = accept_flag(cohort, candidate, factor, reason, by)
    return Done(done, Changes(flags=True))


def release(ref: CohortRef) -> Done[datetime]:
    """Lock the results (every candidate final: reads in, no flag open); ReleaseError says why
    not, listing each open flag."""
    with _writing(ref) as cohort:
        stamp = release_results(cohort)
    return Done(stamp, Changes(release=True))


# --- the ways out (each audited: who, when, why) -------------------------------------------


def reassign(
    ref: CohortRef, candidate: str, from_scorer: str, to_scorer: str, reason: str, by: str
) -> Done[WayOut]:
    """Take a read back from a scorer (sent or not) and give it to another; WayOutRefused
    says why not (models/ways_out.py)."""
    with _writing(ref) as cohort:
        done = reassign_read(cohort, candidate, from_scorer, to_scorer, reason, by)
    return Done(done, Changes(assignments=True, reads=True, flags=True))


def withdraw(
    ref: CohortRef, candidate: str, reason: str, by: str, *, undo: bool = False
) -> Done[WayOut]:
    """Withdraw a candidate (or with `undo` reinstate them), with a written reason."""
    with _writing(ref) as cohort:
        done = withdraw_candidate(cohort, candidate, reason, by, undo=undo)
    return Done(done, Changes(candidates=True, flags=True))


def reopen(ref: CohortRef, reason: str, by: str) -> Done[WayOut]:
    """Unlock released results, with a written reason; release again to lock them."""
    with _writing(ref) as cohort:
        done = reopen_results(cohort, reason, by)
    return Done(done, Changes(release=True))


def conflicts(ref: CohortRef) -> tuple[Conflict, ...]:
    """Every conflict between two copies of a read still open, both versions side by side."""
    with _reading(ref) as cohort:
        return open_conflicts(cohort)


def resolve(
    ref: CohortRef, candidate: str, scorer_id: str, take: str, reason: str, by: str
) -> Done[WayOut]:
    """Take the merged or the returned version of a read kept aside as a conflict, with a
    written reason (models/conflicts.py); ConflictRefused says why not, and nothing changed."""
    with _writing(ref) as cohort:
        done = resolve_conflict(cohort, candidate, scorer_id, take, reason, by)
    return Done(done, Changes(reads=True, flags=True))


def ways_out_log(ref: CohortRef) -> tuple[WayOut, ...]:
    """Every reassignment, withdrawal, reinstatement and reopening, oldest first."""
    with _reading(ref) as cohort:
        return coordinator_log(cohort)


# --- what the coordinator prints and sends on ----------------------------------------------


class NoPreviewsAfterRelease(ResultsLocked):
    """Previews asked for once the results are released: the reports are final by then.

    Not printed quietly in place of the previews asked for.
    """


def print_reports(
    ref: CohortRef, outdir: Path, *, preview: bool = False, progress: Progress | None = None
) -> tuple[CohortResults, ReportRun]:
    """Every candidate's score report in `outdir`, with names; nothing written when refused.

    Before release only previews may be printed (`ResultsNotReleased` otherwise); after it,
    only the candidates' copies (`NoPreviewsAfterRelease`). Reads the results, then renders them
    (export.cohort_reports); takes no lock.
    """
    found = results(ref)
    if preview and found.released_at is not None:
        raise NoPreviewsAfterRelease(found.released_at, "there are no previews to print")
    return found, write_cohort_reports(found, outdir, preview=preview, progress=progress)


def export_summary(
    ref: CohortRef, target: Path, *, progress: Progress | None = None
) -> tuple[CohortResults, Path]:
    """The coordinator's summary workbook at `target`: overview, results, statistics, reads,
    flags, and the scorers' agreement with its charts: both read in one transaction, so a
    merge landing meanwhile can make them differ in nothing."""
    with _reading(ref) as cohort, cohort.reading() as session:
        found = results_in(session, cohort)
        agreement = agreement_in(session, cohort)
    return found, write_cohort_summary(found, target, progress=progress, agreement=agreement)


__all__ = [
    "NOTHING",
    "CohortInfo",
    "CohortRef",
    "CohortSnapshot",
    "NoPreviewsAfterRelease",
    "accept",
    "adjudicate",
    "bank",
    "conflicts",
    "check_cohort",
    "lock_for_window",
    "Progress",
    "assign",
    "create_cohort",
    "describe",
    "export_summary",
    "import_roster",
    "import_scorers",
    "merge",
    "move_read",
    "print_reports",
    "reassign",
    "release",
    "reopen",
    "resolve",
    "results",
    "send_batches",
    "snapshot",
    "status",
    "ways_out_log",
    "withdraw",
    "write_roster_template",
]
