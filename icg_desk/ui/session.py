"""The open batch as the window sees it: every change goes through here, as an undoable command.

`ScoringSession` owns the `BatchWork` (the application layer) and the undo stack. A command's
redo/undo writes through `BatchWork` at once and the resulting `Changed` is broadcast on
`changed`; the list, the rubric panel and the summary each refresh from it.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from icg_desk.models.batch_file import BatchFile, BatchFileError
from icg_desk.operations.batch_work import BatchWork, Calibrated, Changed, WorkError

# Consecutive typing in one rationale is one undo step (QUndoCommand.id must be an int).
_RATIONALE_COMMAND_ID = 1001

# How long after the last change the batch is checkpointed: the scorer has paused (reading the
# next entry, a break), and a copy of the .icgbatch alone then holds everything saved.
IDLE_CHECKPOINT_MS = 30_000


class ScoringSession(QObject):
    changed = Signal(object)  # Changed
    # A portfolio an undo/redo is about to touch: the window shows it first, so a scorer sees
    # what Ctrl+Z changed.
    aboutToTouch = Signal(int)
    failed = Signal(str)  # a message for the person: the change was not made

    def __init__(self, batch: BatchFile, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.batch = batch
        self.work = BatchWork(batch)
        self.rubric = self.work.rubric
        self.undo_stack = QUndoStack(self)
        # Restarted by every change; when it runs out, the write-ahead log goes into the file.
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(IDLE_CHECKPOINT_MS)
        self.idle_timer.timeout.connect(self.checkpoint)

    # --- what the widgets call ----------------------------------------------------------------

    def set_score(
        self, portfolio_id: int, factor_key: str, score: Fraction | None, old: Fraction | None
    ) -> None:
        if score == old:
            return
        label = "clear" if score is None else self.rubric.scale.label(score)
        name = self.rubric.factor(factor_key).name
        self._push(
            f"Score {name}: {label}",
            portfolio_id,
            lambda: self.work.set_score(portfolio_id, factor_key, score),
            lambda: self.work.set_score(portfolio_id, factor_key, old),
        )

    def set_rationale(self, portfolio_id: int, factor_key: str, text: str, old: str) -> None:
        if text == old:
            return
        command = _RationaleCommand(self, portfolio_id, factor_key, text, old)
        self._push_command(command)

    def set_look_for(self, portfolio_id: int, factor_key: str, index: int, seen: bool) -> None:
        name = self.rubric.factor(factor_key).name
        self._push(
            f"{'Check' if seen else 'Uncheck'} look-for {index + 1} of {name}",
            portfolio_id,
            lambda: self.work.set_look_for(portfolio_id, factor_key, index, seen),
            lambda: self.work.set_look_for(portfolio_id, factor_key, index, not seen),
        )

    def add_evidence(
        self,
        portfolio_id: int,
        factor_key: str,
        entry_number: int,
        start: int,
        end: int,
        quote: str,
    ) -> None:
        self._push_command(
            _EvidenceCommand(self, portfolio_id, factor_key, entry_number, start, end, quote)
        )

    def remove_evidence(self, portfolio_id: int, factor_key: str, evidence_id: int) -> None:
        view = self.work.portfolio(portfolio_id)
        item = next((e for e in view.reads[factor_key].evidence if e.id == evidence_id), None)
        if item is None:
            return
        command = _EvidenceCommand(
            self,
            portfolio_id,
            factor_key,
            item.entry_number,
            item.start,
            item.end,
            item.quote,
            removing=item.id,
        )
        self._push_command(command)

    def mark_complete(self, portfolio_id: int) -> bool:
        code = self.work.portfolio(portfolio_id).candidate_code
        return self._push(
            f"Mark {code} complete",
            portfolio_id,
            lambda: self.work.mark_complete(portfolio_id),
            lambda: self.work.reopen(portfolio_id),
        )

    def reopen(self, portfolio_id: int) -> bool:
        code = self.work.portfolio(portfolio_id).candidate_code
        return self._push(
            f"Reopen {code}",
            portfolio_id,
            lambda: self.work.reopen(portfolio_id),
            lambda: self.work.mark_complete(portfolio_id),
        )

    def show_key(self, portfolio_id: int) -> Calibrated | None:
        """Compare a completed practice portfolio with its agreed scores. Not undoable: it
        settles the read. None (and `failed`) when it cannot be done."""
        try:
            done = self.work.show_key(portfolio_id)
        except (WorkError, BatchFileError) as exc:
            self.failed.emit(str(exc))
            return None
        self.idle_timer.start()
        # The history before it cannot be undone any more: the read it built is settled, and
        # the live portfolios were locked meanwhile, so only practice changes were in it.
        self.undo_stack.clear()
        if done.changed is not None:
            self.changed.emit(done.changed)
        return done

    def unlock(self, typed: str) -> tuple[Calibrated | None, str]:
        """The coordinator's unlock code: what it did, or why not (a wrong code is said where
        it was typed, so it is returned, not sent to `failed`)."""
        try:
            done = self.work.unlock(typed)
        except (WorkError, BatchFileError) as exc:
            return None, str(exc)
        self.idle_timer.start()
        return done, ""

    def checkpoint(self) -> bool:
        """Fold every saved change into the batch file itself (`BatchWork.checkpoint`)."""
        return self.work.checkpoint()

    # --- machinery ----------------------------------------------------------------------------

    def _push(
        self, text: str, portfolio_id: int, do: Callable[[], Changed], undo: Callable[[], Changed]
    ) -> bool:
        return self._push_command(_Command(self, text, portfolio_id, do, undo))

    def _push_command(self, command: _Command) -> bool:
        self.undo_stack.push(command)
        if command.error:
            # Qt drops an obsolete command right after push(): nothing to undo, nothing done.
            self.failed.emit(command.error)
            return False
        return True

    def run(self, portfolio_id: int, operation: Callable[[], Changed], first: bool) -> str:
        """Apply one write; returns an error message, or "" when it was saved."""
        if not first:
            self.aboutToTouch.emit(portfolio_id)
        try:
            changed = operation()
        except (WorkError, BatchFileError) as exc:
            return str(exc)
        self.idle_timer.start()
        self.changed.emit(changed)
        return ""


class _Command(QUndoCommand):
    def __init__(
        self,
        session: ScoringSession,
        text: str,
        portfolio_id: int,
        do: Callable[[], Changed],
        undo: Callable[[], Changed],
    ) -> None:
        super().__init__(text)
        self.session, self.portfolio_id = session, portfolio_id
        self._do, self._undo = do, undo
        self.error = ""
        self._first = True

    def redo(self) -> None:
        self.error = self.session.run(self.portfolio_id, self._do, self._first)
        self._first = False
        if self.error:
            self.setObsolete(True)

    def undo(self) -> None:
        error = self.session.run(self.portfolio_id, self._undo, False)
        if error:
            self.session.failed.emit(error)


class _RationaleCommand(_Command):
    def __init__(
        self, session: ScoringSession, portfolio_id: int, factor_key: str, text: str, old: str
    ) -> None:
        self.factor_key, self.new_text, self.old_text = factor_key, text, old
        name = session.rubric.factor(factor_key).name
        super().__init__(
            session,
            f"Edit rationale of {name}",
            portfolio_id,
            lambda: session.work.set_rationale(portfolio_id, factor_key, self.new_text),
            lambda: session.work.set_rationale(portfolio_id, factor_key, self.old_text),
        )

    def id(self) -> int:
        return _RATIONALE_COMMAND_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _RationaleCommand) or other.error:
            return False
        if (other.portfolio_id, other.factor_key) != (self.portfolio_id, self.factor_key):
            return False
        self.new_text = other.new_text
        return True


class _EvidenceCommand(_Command):
    """Attach a passage (or, with `removing`, detach one); the other way round on undo."""

    def __init__(
        self,
        session: ScoringSession,
        portfolio_id: int,
        factor_key: str,
        entry_number: int,
        start: int,
        end: int,
        quote: str,
        removing: int | None = None,
    ) -> None:
        self.evidence_id = removing
        work = session.work

        def attach() -> Changed:
            changed = work.add_evidence(portfolio_id, factor_key, entry_number, start, end, quote)
            assert changed.read is not None
            self.evidence_id = changed.read.evidence[-1].id
            return changed

        def detach() -> Changed:
            assert self.evidence_id is not None
            return work.remove_evidence(portfolio_id, factor_key, self.evidence_id)

        name = session.rubric.factor(factor_key).name
        if removing is None:
            super().__init__(session, f"Attach evidence to {name}", portfolio_id, attach, detach)
        else:
            super().__init__(session, f"Remove evidence from {name}", portfolio_id, detach, attach)
