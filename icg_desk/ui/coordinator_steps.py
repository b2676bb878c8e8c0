"""The coordinator's steps: import, assign, send, merge, release, print and export.

Every step runs off the UI thread through the window's task runner: the job opens the cohort on
the worker, does the step, reads a fresh `CohortSnapshot` there, and the dashboard is redrawn
from it when the outcome comes back, so the window always shows what the file now holds.

A module of its own so the coordinator's window keeps to building itself and opening, closing
and receiving files; `CoordinatorWindow` takes these steps from `CoordinatorSteps`, a
`WindowShell` that expects the window to set the attributes declared on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog

from icg_desk.models.assignment import Plan
from icg_desk.models.batch_file import BATCH_SUFFIX
from icg_desk.models.cohort_results import ResultsCancelled
from icg_desk.models.merge import MergeOutcome
from icg_desk.models.roster import ImportLocked, ImportRejected, ImportResult
from icg_desk.operations import cohort as cohort_ops
from icg_desk.operations.adjudicating import AdjudicationSent
from icg_desk.operations.changes import Changes, Done
from icg_desk.operations.cohort import CohortInfo, CohortRef, CohortSnapshot
from icg_desk.operations.errors import user_message
from icg_desk.operations.file_lock import FileLock
from icg_desk.operations.merge import MergeStopped
from icg_desk.operations.sending import ExportedBatch
from icg_desk.ui.coordinator_attention import (
    AcceptFlagDialog,
    ResolveConflictDialog,
    release_waits_for,
)
from icg_desk.ui.coordinator_dialogs import AssignDialog, ImportProblemsDialog, MergeReportDialog
from icg_desk.ui.coordinator_ways_out import WayOutDialog
from icg_desk.ui.tasks import Label, Outcome, Task, is_user_error
from icg_desk.ui.window_shell import WindowShell

if TYPE_CHECKING:
    from icg_desk.export.pdf_report import ReportRun
    from icg_desk.scoring import Rubric
    from icg_desk.ui.coordinator_dashboard import Dashboard


@dataclass(frozen=True)
class OpenCohort:
    """The cohort this window has open: what it shows of it, and how its steps reach it."""

    info: CohortInfo
    ref: CohortRef

    @classmethod
    def read(cls, path: Path, lock: FileLock) -> OpenCohort:
        """The cohort at `path`, which this window holds `lock` on; UserError if not one."""
        ref = CohortRef(path, lock=lock)
        return cls(cohort_ops.describe(ref), ref)

    @property
    def path(self) -> Path:
        return self.info.path

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def rubric(self) -> Rubric:
        return self.info.rubric


@dataclass(frozen=True)
class _Done:
    """A step's value, or the problem the coordinator can act on; and the cohort afterwards."""

    value: Any
    problem: BaseException | None
    snapshot: CohortSnapshot


StepWork = Callable[[CohortRef, Callable[[int, int], bool]], Done[Any]]


def local_time(when: datetime) -> str:
    return f"{when.astimezone():%Y-%m-%d %H:%M}"


class CoordinatorSteps(WindowShell):
    """The coordinator's steps on the open cohort, each a `Task` the window's actions start."""

    #: Set by the window: the cohort open (None on the start page), what was last read of it,
    #: its path, and the dashboard that shows it.
    cohort: OpenCohort | None
    snapshot: CohortSnapshot | None
    _path: Path | None
    dashboard: Dashboard

    # --- running the steps --------------------------------------------------------------------

    def _step(
        self,
        title: str,
        label: Label,
        work: StepWork,
        on_done: Callable[[_Done], Any],
        *,
        cancellable: bool = True,
        failed: Any = None,
    ) -> Task[Any]:
        """Run one step on the worker, read there what it changed, and show it.

        `on_done` gets the step's value, or the problem the coordinator can act on, with the
        cohort as it is afterwards; a bug is shown here with its details, and the task's value
        is then `failed`.
        """
        assert self.cohort is not None
        ref, previous = self.cohort.ref, self.snapshot

        def job(progress: Callable[[int, int], bool]) -> _Done:
            changes: Changes | None
            try:
                done = work(ref, progress)
                value, problem, changes = done.value, None, done.changes
            except Exception as exc:
                if not is_user_error(exc):
                    raise
                # Refused whole: read it all again, for the window to show what the file holds.
                value, problem, changes = None, exc, None
            snapshot = cohort_ops.snapshot(ref, previous=previous, changes=changes)
            return _Done(value, problem, snapshot)

        def finished(outcome: Outcome[_Done]) -> Any:
            if outcome.error is not None:
                self.explain(title, "", outcome)
                return failed
            done = outcome.result
            assert done is not None
            if self.cohort is not None and self.cohort.ref is ref:
                self._show(done.snapshot)
            return on_done(done)

        return self.run_step(title, label, job, finished, cancellable=cancellable)

    def refresh(self) -> Task[Any]:
        """Read the cohort again (F5); other steps read what they changed themselves."""
        if self.cohort is None:
            return Task.finished("Refresh", None)
        ref = self.cohort.ref

        def job(progress: Callable[[int, int], bool]) -> CohortSnapshot | None:
            try:
                return cohort_ops.snapshot(ref, progress=progress)
            except ResultsCancelled:
                return None

        def finished(outcome: Outcome[CohortSnapshot | None]) -> CohortSnapshot | None:
            if outcome.error is not None:
                self.explain("Cannot read the cohort", "", outcome)
            elif outcome.result is not None and self.cohort is not None and self.cohort.ref is ref:
                self._show(outcome.result)
            return outcome.result

        return self.run_step("Reading the cohort", "Reading the cohort…", job, finished)

    def _show(self, snapshot: CohortSnapshot) -> None:
        self.snapshot = snapshot
        self.dashboard.show_snapshot(snapshot.status, snapshot.results, snapshot.merges)
        self.dashboard.show_conflicts(snapshot.conflicts, snapshot.results)
        self.update_actions()

    def _not_done(self, title: str, what: str, problem: BaseException) -> bool:
        # An OSError's own text is "[Errno 28] ..."; the one helper names the file and the cause.
        self.error(title, f"{what}\n\n{user_message(problem) or problem}")
        return False

    def import_roster(self, roster: Path | None = None, documents: Path | None = None) -> Task[Any]:
        """Cohort > Import roster: the roster file, then the folder of entry documents."""
        title = "Import roster"
        if self.cohort is None:
            return Task.finished(title, False)
        if roster is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, title, self._last_folder(), "Rosters (*.xlsx *.csv);;All files (*)"
            )
            if not chosen:
                return Task.finished(title, False)
            roster = Path(chosen)
        if documents is None:
            guess = roster.parent / "documents"
            chosen = QFileDialog.getExistingDirectory(
                self,
                "The folder of entry documents",
                str(guess if guess.is_dir() else roster.parent),
            )
            if not chosen:
                return Task.finished(title, False)
            documents = Path(chosen)
        self.remember_folder(roster.parent)
        sheet, docs = roster, documents
        refused = "Roster not imported"

        def attempt(valid_only: bool) -> Task[Any]:
            return self._step(
                title,
                "Importing candidates…",
                lambda ref, _p: cohort_ops.import_roster(ref, sheet, docs, valid_only=valid_only),
                lambda done: imported(done, valid_only),
                failed=False,
            )

        def imported(done: _Done, valid_only: bool) -> Any:
            if isinstance(done.problem, ImportLocked):
                # Nothing to fix in the roster, no valid rows to import: only the lock to say.
                self.error(refused, self._import_locked(sheet, done.problem))
                return False
            if isinstance(done.problem, ImportRejected):
                if valid_only:
                    # Still refused with the valid rows only: the roster as a whole is wrong.
                    ImportProblemsDialog(
                        refused,
                        f"{sheet}: nothing was imported.",
                        done.problem.problems,
                        parent=self,
                    ).exec()
                    return False
                dialog = ImportProblemsDialog(
                    refused,
                    f"{sheet}: nothing was imported. Fix these problems and import it again, or "
                    "import the valid rows now.",
                    done.problem.problems,
                    offer_valid_only=True,
                    parent=self,
                )
                dialog.exec()
                if not dialog.chose_valid_only:
                    return False
                return attempt(True)
            if done.problem is not None:
                return self._not_done(refused, f"{sheet}: nothing was imported.", done.problem)
            result: ImportResult = done.value
            message = f"Imported {result.imported} candidates from {sheet.name}"
            if result.skipped:
                message += f"; skipped {result.skipped} rows with problems"
            self.statusBar().showMessage(message + ".", 10000)
            if result.problems:
                ImportProblemsDialog(
                    "Roster imported, with rows skipped",
                    f"{message}. These rows were not imported:",
                    result.problems,
                    parent=self,
                ).exec()
            return True

        return attempt(False)

    def bank_retakes(self, source: Path | None = None) -> Task[Any]:
        """Cohort > Bank retake scores: last cycle's cohort file or summary workbook, checked
        whole; every retake banked or none (operations/banking.py)."""
        title, refused = "Bank retake scores", "Scores not banked"
        if self.cohort is None:
            return Task.finished(title, False)
        if source is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self,
                title,
                self._last_folder(),
                "Last cycle's results (*.icgcohort *.xlsx);;All files (*)",
            )
            if not chosen:
                return Task.finished(title, False)
            source = Path(chosen)
        self.remember_folder(source.parent)
        chosen_file = source

        def banked(done: _Done) -> bool:
            if isinstance(done.problem, ImportRejected):
                ImportProblemsDialog(
                    refused,
                    f"{chosen_file}: nothing was banked. Fix these problems and bank it again.",
                    done.problem.problems,
                    parent=self,
                ).exec()
                return False
            if done.problem is not None:
                return self._not_done(refused, f"{chosen_file}: nothing was banked.", done.problem)
            result = done.value
            left = f" Left out: {'; '.join(result.left_out)}." if result.left_out else ""
            self.inform(
                title,
                f"Banked the scores of {len(result.banked)} retake candidates from "
                f"{chosen_file.name} (cycle {result.cycle}). Their portfolios ask scorers for "
                f"the retaken factors only, and each is read twice.{left}",
            )
            return True

        return self._step(
            title,
            "Banking retake scores…",
            lambda ref, _p: cohort_ops.bank(ref, chosen_file),
            banked,
            failed=False,
        )

    def import_scorers(self, sheet: Path | None = None) -> Task[Any]:
        """Cohort > Import scorers: every row or none."""
        title, refused = "Import scorers", "Scorers not imported"
        if self.cohort is None:
            return Task.finished(title, False)
        if sheet is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, title, self._last_folder(), "Scorers (*.xlsx *.csv);;All files (*)"
            )
            if not chosen:
                return Task.finished(title, False)
            sheet = Path(chosen)
        self.remember_folder(sheet.parent)
        source = sheet

        def imported(done: _Done) -> bool:
            if isinstance(done.problem, ImportLocked):
                self.error(refused, self._import_locked(source, done.problem))
                return False
            if isinstance(done.problem, ImportRejected):
                ImportProblemsDialog(
                    refused,
                    f"{source}: no scorer was imported. Fix these problems and import it again.",
                    done.problem.problems,
                    parent=self,
                ).exec()
                return False
            if done.problem is not None:
                return self._not_done(refused, f"{source}: no scorer was imported.", done.problem)
            self.statusBar().showMessage(
                f"Imported {done.value.imported} scorers from {source.name}.", 10000
            )
            return True

        return self._step(
            title,
            "Importing scorers…",
            lambda ref, _p: cohort_ops.import_scorers(ref, source),
            imported,
            failed=False,
        )

    def assign_reads(self, seed: int | None = None, reads: int | None = None) -> Task[Any]:
        """Cohort > Assign: the seed and reads per portfolio in a small dialog, then assign."""
        if self.cohort is None:
            return Task.finished("Assign", False)
        if seed is None or reads is None:
            scorers = self.snapshot.status.scorers if self.snapshot is not None else 0
            dialog = AssignDialog(
                reads=reads or self.cohort.rubric.reads.per_portfolio,
                scorers=scorers,
                seed=seed,
                parent=self,
            )
            if dialog.exec() != AssignDialog.DialogCode.Accepted:
                return Task.finished("Assign", False)
            seed, reads = dialog.values()
        chosen_seed, chosen_reads = seed, reads

        def assigned(done: _Done) -> bool:
            if done.problem is not None:
                return self._not_done("Not assigned", "No read was assigned.", done.problem)
            plan: Plan = done.value
            load = ", ".join(f"{sid} {n}" for sid, n in sorted(plan.load.items()))
            self.statusBar().showMessage(
                f"{plan.summary(chosen_seed)}. Portfolios per scorer: {load}.", 15000
            )
            return True

        return self._step(
            "Assign",
            "Assigning portfolios…",
            lambda ref, _p: cohort_ops.assign(ref, seed=chosen_seed, reads=chosen_reads),
            assigned,
            failed=False,
        )

    def send_batches(self, folder: Path | None = None) -> Task[Any]:
        """Cohort > Send batches: one batch file per scorer with reads not yet sent."""
        if self.cohort is None:
            return Task.finished("Send batches", [])
        folder = folder or self._choose_out_folder("Write the scorers' batches into")
        if folder is None:
            return Task.finished("Send batches", [])
        outdir = folder

        def sent(done: _Done) -> list[Path]:
            if done.problem is not None:
                self._not_done("Batches not written", f"Nothing was written to {outdir}.",
                               done.problem)  # fmt: skip
                return []
            batches: list[ExportedBatch] = done.value
            if not batches:
                self.inform(
                    "Nothing to send",
                    "Every assigned read was already sent out. Assign first if portfolios still "
                    "need reads.",
                )
                return []
            lines = "\n".join(
                f"{b.scorer_id}: {b.path.name} ({b.portfolios} portfolios)" for b in batches
            )
            self.inform(
                "Batches written",
                f"Wrote {len(batches)} batches to {outdir}. Send each scorer their own file:"
                f"\n\n{lines}",
            )
            return [b.path for b in batches]

        return self._step(
            "Send batches",
            "Writing batches…",
            lambda ref, _p: cohort_ops.send_batches(ref, outdir),
            sent,
            failed=[],
        )

    def send_for_adjudication(self, folder: Path | None = None) -> Task[Any]:
        """Results > Send for adjudication (or the button in Needs attention): one batch per
        adjudicator with the flagged portfolios, each asking for its flags' factors."""
        title = "Send for adjudication"
        if self.cohort is None:
            return Task.finished(title, [])
        folder = folder or self._choose_out_folder("Write the adjudicators' batches into")
        if folder is None:
            return Task.finished(title, [])
        outdir, rubric = folder, self.cohort.rubric

        def sent(done: _Done) -> list[Path]:
            if done.problem is not None:
                self._not_done("Not sent for adjudication", f"Nothing was written to {outdir}.",
                               done.problem)  # fmt: skip
                return []
            result: AdjudicationSent = done.value
            out = "".join(
                f"\n{cid}: its adjudication is out and not back yet." for cid in result.still_out
            )
            if not result.batches:
                self.inform(
                    "Nothing to adjudicate",
                    "No candidate has an open flag to send for adjudication." + out,
                )
                return []
            asked = "\n".join(
                f"{i.code}: {', '.join(rubric.factor(k).name for k in i.factors)} "
                f"→ {i.adjudicator_id}"
                for i in result.items
            )
            files = "\n".join(
                f"{b.scorer_id}: {b.path.name} ({b.portfolios} portfolios)" for b in result.batches
            )
            self.inform(
                "Sent for adjudication",
                f"Wrote {len(result.batches)} adjudication batches to {outdir}. Send each "
                f"adjudicator their own file, then merge it back like any batch:\n\n{files}"
                f"\n\n{asked}{out}",
            )
            return [b.path for b in result.batches]

        return self._step(
            title,
            "Writing adjudication batches…",
            lambda ref, _p: cohort_ops.adjudicate(ref, outdir),
            sent,
            failed=[],
        )

    def merge_returned(self, files: Sequence[Path] | None = None) -> Task[Any]:
        """Cohort > Merge returned files (or a drop): merge each, then show the report."""
        title = "Merge returned files"
        if self.cohort is None:
            return Task.finished(title, [])
        if files is None:
            chosen, _ = QFileDialog.getOpenFileNames(
                self,
                title,
                self._last_folder(),
                f"Returned batches and summaries (*{BATCH_SUFFIX} *.xlsx);;All files (*)",
            )
            if not chosen:
                return Task.finished(title, [])
            files = [Path(p) for p in chosen]
        if self.snapshot is not None and self.snapshot.released_at is not None:
            self.error("Not merged", self._locked_reason() + " Nothing was merged.")
            return Task.finished(title, [])
        paths = [Path(f) for f in files]
        self.remember_folder(paths[0].parent)

        def merged(done: _Done) -> list[MergeOutcome]:
            if done.problem is not None:
                self._not_done("Not merged", "The returned files were not merged.", done.problem)
                if isinstance(done.problem, MergeStopped) and done.problem.outcomes:
                    # The cohort failed part way: what became of the files merged before.
                    MergeReportDialog(done.problem.outcomes, self).exec()
                    return done.problem.outcomes
                return []
            outcomes: list[MergeOutcome] = done.value
            if len(outcomes) < len(paths):
                self.statusBar().showMessage(
                    f"Merging stopped: {len(outcomes)} of {len(paths)} files merged.", 10000
                )
            if outcomes:
                MergeReportDialog(outcomes, self).exec()
            return outcomes

        return self._step(
            title,
            "Merging…",
            lambda ref, progress: cohort_ops.merge(ref, paths, progress=progress),
            merged,
            failed=[],
        )

    def accept_flag(
        self,
        code: str | None = None,
        factor: str | None = None,
        reason: str | None = None,
        by: str | None = None,
    ) -> Task[Any]:
        """Results > Accept flag: the selected flag of Needs attention (or the one given) is
        accepted with a written reason, asked for in a dialog unless given."""
        title = "Accept flag"
        if self.cohort is None:
            return Task.finished(title, False)
        attention = self.dashboard.attention
        if code is not None and not attention.select(code, factor or ""):
            self.error("Flag not accepted", f"Candidate {code} has no such flag.")
            return Task.finished(title, False)
        row = attention.selected()
        if row is None or not row.flag.open:
            self.error(
                "Flag not accepted",
                "Choose an open flag in Needs attention first: the flag's reads are shown "
                "side by side there.",
            )
            return Task.finished(title, False)
        if reason is None or by is None:
            dialog = AcceptFlagDialog(row, self.cohort.rubric, self)
            if by is not None:
                dialog.by_edit.setText(by)
            if dialog.exec() != AcceptFlagDialog.DialogCode.Accepted:
                return Task.finished(title, False)
            by, reason = dialog.values()
        chosen_code, chosen_factor = row.code, row.flag.factor or None
        given_reason, given_by = reason, by

        def accepted(done: _Done) -> bool:
            if done.problem is not None:
                return self._not_done("Flag not accepted", "Nothing was accepted.", done.problem)
            what = f"the discrepancy on {chosen_factor}" if chosen_factor else "the decision split"
            self.statusBar().showMessage(
                f"Accepted {what} of {done.value.candidate_id} ({done.value.code}).", 15000
            )
            return True

        return self._step(
            title,
            "Accepting…",
            lambda ref, _p: cohort_ops.accept(
                ref, chosen_code, chosen_factor, given_reason, given_by
            ),
            accepted,
            cancellable=False,
            failed=False,
        )

    def resolve_conflict(
        self,
        code: str | None = None,
        scorer_id: str | None = None,
        take: str | None = None,
        reason: str | None = None,
        by: str | None = None,
    ) -> Task[Any]:
        """Needs attention > Resolve: the selected conflict between two copies of a read (or
        the one given) is resolved, taking the merged or the returned version with a written
        reason, asked for in a dialog unless given (`icg-desk cohort resolve`)."""
        title = "Resolve conflict"
        if self.cohort is None:
            return Task.finished(title, False)
        attention = self.dashboard.attention
        if code is not None and not attention.select_conflict(code, scorer_id or ""):
            self.error("Conflict not resolved", f"Candidate {code} has no such conflict.")
            return Task.finished(title, False)
        conflict = attention.selected_conflict()
        if conflict is None:
            self.error(
                "Conflict not resolved",
                "Choose a conflict in Needs attention first: both versions are shown there.",
            )
            return Task.finished(title, False)
        if take is None or reason is None or by is None:
            dialog = ResolveConflictDialog(conflict, self.cohort.rubric, self)
            if dialog.exec() != ResolveConflictDialog.DialogCode.Accepted:
                return Task.finished(title, False)
            take, by, reason = dialog.values()
        chosen = (conflict.code, conflict.scorer_id, take, reason, by)

        def resolved(done: _Done) -> bool:
            if done.problem is not None:
                return self._not_done("Conflict not resolved", "Nothing changed.", done.problem)
            self.statusBar().showMessage(
                f"Resolved the conflict in {done.value.from_scorer}'s read of "
                f"{done.value.code}: {done.value.detail}.",
                15000,
            )
            return True

        return self._step(
            title,
            "Resolving…",
            lambda ref, _p: cohort_ops.resolve(ref, *chosen),
            resolved,
            cancellable=False,
            failed=False,
        )

    # --- the ways out (each with who and why, kept in the cohort's log) -------------------------

    def _candidates(self, *, withdrawn: bool) -> list[tuple[str, str]]:
        results = self.snapshot.results if self.snapshot is not None else None
        if results is None:
            return []
        return [
            (c.code, f"{c.code}  {c.candidate_id}  {c.name}")
            for c in results.candidates
            if (c.withdrawn is not None) == withdrawn
        ]

    def _way_out(
        self,
        title: str,
        label: Label,
        work: StepWork,
        said: Callable[[Any], str],
    ) -> Task[Any]:
        def finished(done: _Done) -> bool:
            if done.problem is not None:
                return self._not_done(title, "Nothing changed.", done.problem)
            self.statusBar().showMessage(said(done.value), 15000)
            return True

        return self._step(title, label, work, finished, cancellable=False, failed=False)

    def reassign_read(
        self,
        code: str | None = None,
        from_scorer: str | None = None,
        to_scorer: str | None = None,
        reason: str | None = None,
        by: str | None = None,
    ) -> Task[Any]:
        """Cohort > Take a read back: a read (sent or not) goes from one scorer to another, with
        a reason; the old scorer's later return of it is refused. Asked in a dialog unless all
        is given."""
        title = "Take a read back"
        if self.cohort is None or self.snapshot is None:
            return Task.finished(title, False)
        if None in (code, from_scorer, to_scorer, reason, by):
            scorers = [(p.scorer_id, f"{p.scorer_id}  {p.name}") for p in
                       self.snapshot.status.per_scorer]  # fmt: skip
            readers: dict[str, list[tuple[str, str]]] = {}
            for r in self.snapshot.results.reads:
                readers.setdefault(r.code, []).append((r.scorer_id, r.scorer_id))
            dialog = WayOutDialog(
                title,
                "Take a candidate's read back from a scorer and give it to another, who gets it "
                "in their next batch (Send batches). A read in progress is set aside; a read "
                "that came back complete is not taken back. Should the first scorer return it "
                "later, it is refused for that portfolio, and the rest of their file merges.",
                "Take back and give",
                [
                    ("wayOutCandidate", "&Candidate", self._candidates(withdrawn=False)),
                    ("wayOutFrom", "&From scorer", []),
                    ("wayOutTo", "&To scorer", scorers),
                ],
                self,
            )
            combos = dialog.combos

            def candidate_chosen(*_args: object) -> None:
                chosen = dialog.choice("wayOutCandidate")
                dialog.set_options(combos["wayOutFrom"], readers.get(chosen, []))
                dialog._check()

            combos["wayOutCandidate"].currentIndexChanged.connect(candidate_chosen)
            if code is not None:
                dialog.choose("wayOutCandidate", code)
            candidate_chosen()
            for name, value in (("wayOutFrom", from_scorer), ("wayOutTo", to_scorer)):
                if value is not None:
                    dialog.choose(name, value)
            if by is not None:
                dialog.by_edit.setText(by)
            if reason is not None:
                dialog.reason_edit.setPlainText(reason)
            if dialog.exec() != WayOutDialog.DialogCode.Accepted:
                return Task.finished(title, False)
            code, from_scorer = dialog.choice("wayOutCandidate"), dialog.choice("wayOutFrom")
            to_scorer = dialog.choice("wayOutTo")
            by, reason = dialog.values()
        args = (code or "", from_scorer or "", to_scorer or "", reason or "", by or "")
        return self._way_out(
            title,
            "Taking the read back…",
            lambda ref, _p: cohort_ops.reassign(ref, *args),
            lambda v: f"{v.code}: the read of {v.from_scorer} is now {v.to_scorer}'s.",
        )

    def withdraw_candidate(
        self,
        code: str | None = None,
        reason: str | None = None,
        by: str | None = None,
        *,
        undo: bool = False,
    ) -> Task[Any]:
        """Cohort > Withdraw candidate (or, with `undo`, Reinstate candidate), with a reason."""
        title = "Reinstate candidate" if undo else "Withdraw candidate"
        if self.cohort is None:
            return Task.finished(title, False)
        if code is None or reason is None or by is None:
            intro = (
                "Reinstate a withdrawn candidate: their reads are needed again, and those "
                "merged before count as they did."
                if undo
                else "Withdraw a candidate: their reads are no longer needed, the results show "
                "them as withdrawn (neither waiting nor counted), release does not wait for "
                "them, no score report is printed for them, and their scorers' returned reads "
                "are refused. Reinstate undoes it."
            )
            dialog = WayOutDialog(
                title,
                intro,
                "Reinstate" if undo else "Withdraw",
                [("wayOutCandidate", "&Candidate", self._candidates(withdrawn=undo))],
                self,
            )
            if code is not None:
                dialog.choose("wayOutCandidate", code)
            if by is not None:
                dialog.by_edit.setText(by)
            if reason is not None:
                dialog.reason_edit.setPlainText(reason)
            if dialog.exec() != WayOutDialog.DialogCode.Accepted:
                return Task.finished(title, False)
            code = dialog.choice("wayOutCandidate")
            by, reason = dialog.values()
        args = (code, reason, by)
        verb = "Reinstated" if undo else "Withdrew"
        return self._way_out(
            title,
            "Reinstating…" if undo else "Withdrawing…",
            lambda ref, _p: cohort_ops.withdraw(ref, *args, undo=undo),
            lambda v: f"{verb} candidate {v.candidate_id} ({v.code}).",
        )

    def reopen_results(self, reason: str | None = None, by: str | None = None) -> Task[Any]:
        """Results > Reopen results: unlock released results, with a reason; release again to
        lock them, and the reports printed then say "Amended"."""
        title = "Reopen results"
        if self.cohort is None:
            return Task.finished(title, False)
        if reason is None or by is None:
            dialog = WayOutDialog(
                title,
                f"Reopen the released results of cohort {self.cohort.name}: every step unlocks "
                "(merge, assign, accept, withdraw…) until you release them again. Score "
                'reports printed after that release say "Amended" with its date. Who and why '
                "are kept in the cohort's log.",
                "Reopen",
                (),
                self,
            )
            if by is not None:
                dialog.by_edit.setText(by)
            if reason is not None:
                dialog.reason_edit.setPlainText(reason)
            if dialog.exec() != WayOutDialog.DialogCode.Accepted:
                return Task.finished(title, False)
            by, reason = dialog.values()
        args = (reason, by)
        return self._way_out(
            title,
            "Reopening…",
            lambda ref, _p: cohort_ops.reopen(ref, *args),
            lambda v: "Reopened the results: the steps are unlocked until you release again.",
        )

    def release(self) -> Task[Any]:
        """Results > Release: confirm that it locks the results, then release."""
        if self.cohort is None:
            return Task.finished("Release results", False)
        if not self.ask(
            "Release results",
            f"Release the results of cohort {self.cohort.name}?\n\n"
            "This locks the results: from then on nothing is imported, assigned, sent out or "
            "merged, and the score reports print with the candidates' names. Should an "
            "error be found later, Reopen results (with a reason) unlocks them.",
            "Release and lock",
        ):
            return Task.finished("Release results", False)
        name = self.cohort.name

        def released(done: _Done) -> bool:
            if done.problem is not None:
                return self._not_done("Results not released", "Nothing was released.",
                                      done.problem)  # fmt: skip
            self.statusBar().showMessage(
                f"Released the results of {name} on {local_time(done.value)}. "
                "They are locked; print the score reports (Ctrl+P).",
                15000,
            )
            return True

        return self._step(
            "Release results",
            "Releasing…",
            lambda ref, _p: cohort_ops.release(ref),
            released,
            cancellable=False,
            failed=False,
        )

    def print_reports(self, folder: Path | None = None, preview: bool | None = None) -> Task[Any]:
        """Results > Print reports: every candidate's score report; previews before release."""
        title = "Print reports"
        if self.cohort is None:
            return Task.finished(title, [])
        released = self.snapshot is not None and self.snapshot.released_at is not None
        if preview is None:
            preview = not released
            if preview and not self.ask(
                "Print previews",
                "The results are not released yet: the candidates' score reports print once "
                "they are.\n\nPrint previews now, to check them? Every page is marked as the "
                'coordinator\'s preview and every file name ends in "(preview)".',
                "Print previews",
            ):
                return Task.finished(title, [])
        folder = folder or self._choose_out_folder("Print score reports into")
        if folder is None:
            return Task.finished(title, [])
        outdir, as_preview = folder, preview
        kind = "previews" if preview else "score reports"

        def work(ref: CohortRef, progress: Callable[[int, int], bool]) -> Done[ReportRun]:
            # The folder is made by the printing itself, once it is allowed: a refusal (results
            # not released, no preview asked for) leaves nothing behind.
            _, run = cohort_ops.print_reports(ref, outdir, preview=as_preview, progress=progress)
            return Done(run, Changes())

        def printed(done: _Done) -> list[Path]:
            if done.problem is not None:
                self._not_done("Reports not printed", f"The {kind} were not printed.",
                               done.problem)  # fmt: skip
                return []
            run: ReportRun = done.value
            if run.cancelled:
                self.statusBar().showMessage(
                    f"Printing cancelled after {len(run.written)} files.", 8000
                )
                return run.written
            message = (
                f"Wrote {len(run.written)} PDF files to {outdir}: the {kind}, one per "
                "candidate, and one file with them all."
            )
            if run.skipped:
                skipped = "\n".join(f"{who}: {why}" for who, why in run.skipped)
                self.error("Reports printed, with problems", f"{message}\n\nSkipped:\n{skipped}")
            else:
                self.statusBar().showMessage(message, 10000)
            return run.written

        def label(done: int, total: int) -> str:
            # Progress counts reports; once the last is written only the file with them all
            # is left, and the dialog says so rather than sitting at "1,000 of 1,000".
            if not total:
                return f"Printing {kind}…"
            if done >= total:
                return f"Putting the {total:,} {kind} in one file…"
            return f"Printing {kind}…  {done:,} of {total:,}"

        return self._step(title, label, work, printed, failed=[])

    def export_summary(self, target: Path | None = None) -> Task[Any]:
        """Results > Export summary: the cohort's results workbook."""
        title = "Export summary"
        if self.cohort is None or self._path is None:
            return Task.finished(title, None)
        from icg_desk.export.summary_xlsx import SummaryCancelled

        out = self.workbook_target(title, target, self._path)
        if out is None:
            return Task.finished(title, None)

        def work(ref: CohortRef, progress: Callable[[int, int], bool]) -> Done[Path | None]:
            try:
                _, written = cohort_ops.export_summary(ref, out, progress=progress)
            except SummaryCancelled:
                return Done(None, Changes())
            return Done(written, Changes())

        def written(done: _Done) -> Path | None:
            if done.problem is not None:
                self._not_done("Summary not written", f"{out}: was not written.", done.problem)
                return None
            if done.value is None:
                self.statusBar().showMessage("Export cancelled; no file was written.", 8000)
                return None
            self.statusBar().showMessage(f"Summary written to {done.value}", 10000)
            return Path(done.value)

        return self._step(title, "Writing the summary…", work, written)

    def print_quality_report(self, target: Path | None = None) -> Task[Any]:
        """Results > Print scoring quality report: the agreement figures and charts as a PDF."""
        title = "Print scoring quality report"
        if self.cohort is None or self._path is None:
            return Task.finished(title, None)
        if target is None:
            suggested = self._path.with_name(f"{self._path.stem}-scoring-quality.pdf")
            chosen, _ = QFileDialog.getSaveFileName(
                self, title, str(suggested), "PDF documents (*.pdf)"
            )
            if not chosen:
                return Task.finished(title, None)
            target = Path(chosen)
        out = target if target.suffix.lower() == ".pdf" else target.with_suffix(".pdf")

        def work(ref: CohortRef, progress: Callable[[int, int], bool]) -> Done[Path]:
            from icg_desk.operations.agreement import quality_report

            _, written = quality_report(ref, out)
            return Done(written, Changes())

        def written(done: _Done) -> Path | None:
            if done.problem is not None:
                self._not_done("Report not printed", f"{out}: was not written.", done.problem)
                return None
            self.statusBar().showMessage(f"Scoring quality report written to {done.value}", 10000)
            return Path(done.value)

        return self._step(
            title, "Printing the scoring quality report…", work, written, cancellable=False
        )

    # --- what the steps share -----------------------------------------------------------------

    @staticmethod
    def _import_locked(file: Path, problem: ImportLocked) -> str:
        return (
            f"The results were released on {local_time(problem.released_at)} and are locked: "
            f"nothing was imported from {file.name}."
        )

    def _release_waits(self) -> str:
        """What release waits for, said before Release is pressed; "" when nothing."""
        return release_waits_for(self.snapshot.results if self.snapshot is not None else None)

    def _locked_reason(self) -> str:
        when = self.snapshot.released_at if self.snapshot is not None else None
        if when is None:
            return ""
        return f"The results were released on {local_time(when)} and are locked."

    def _choose_out_folder(self, caption: str) -> Path | None:
        """The folder a step writes into, chosen by the person (None: they cancelled)."""
        chosen = QFileDialog.getExistingDirectory(self, caption, self._last_folder())
        return Path(chosen) if chosen else None

    def _last_folder(self) -> str:
        return str(self.last_folder(self._path.parent if self._path is not None else None))
