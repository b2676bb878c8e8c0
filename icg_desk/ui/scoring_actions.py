"""The open portfolio in the scorer's window: showing it, scoring it, and moving through it.

The scoring keys (levels, modifiers, clear, attach, complete, reopen) and the rubric panel's
own edits go to the `ScoringSession`, which saves each change and sends it back; this shows
what came back, and moves between factors, entries and portfolios. A module of its own so the
scorer's window keeps to building itself and opening and closing batches: `MainWindow` takes
these from `ScoringActions`, a `WindowShell` that expects the window to set the attributes
declared on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTime
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from icg_desk.models.calibration import LIVE_LOCKED
from icg_desk.models.schema import PortfolioStatus
from icg_desk.operations.batch_work import not_asked_message
from icg_desk.ui import settings
from icg_desk.ui.batch_panel import all_complete_note
from icg_desk.ui.window_shell import APP_NAME, WindowShell

if TYPE_CHECKING:
    from fractions import Fraction

    from PySide6.QtGui import QUndoStack
    from PySide6.QtWidgets import QLabel

    from icg_desk.operations.batch_work import Changed, PortfolioView, ReadState
    from icg_desk.ui.batch_panel import BatchPanel
    from icg_desk.ui.entry_panel import EntryPanel
    from icg_desk.ui.rubric_panel import RubricPanel
    from icg_desk.ui.session import ScoringSession
    from icg_desk.ui.summary_bar import SummaryBar

#: What a key that would change a complete portfolio says, in the status bar.
LOCKED_WORD = "Complete — reopen it (Ctrl+Shift+Return) to change it"


class ScoringActions(WindowShell):
    """What the scorer does to the portfolio shown, and how the window follows it."""

    #: Set by the window: the batch's session (None on the start page), the portfolio shown,
    #: its reads and status as last saved, and the widgets built for the batch.
    session: ScoringSession | None
    _view: PortfolioView | None
    _reads: dict[str, ReadState]
    _status: PortfolioStatus
    batch_panel: BatchPanel
    entry_panel: EntryPanel
    rubric_panel: RubricPanel | None
    summary: SummaryBar | None
    locked_banner: QLabel
    adjudication_banner: QLabel
    saved_label: QLabel

    #: Set while the window itself moves focus, and while an undo or redo runs (with the
    #: factor it changed).
    _refocusing = False
    _showing_portfolio = False  # show_portfolio is at work: one rubric update, at its end
    _following_history = False
    _history_factor: str | None = None

    # --- where the keys go --------------------------------------------------------------------

    def focus_scoring_surface(self) -> None:
        """Focus the entry's text: score keys score, arrows read, Shift+arrows select a passage.
        Never a text field, where the score keys would become text."""
        if self.session is None:
            return
        self._refocusing = True
        try:
            self.entry_panel.focus_text()
        finally:
            self._refocusing = False

    def _focus_moved(self, old: QWidget | None, new: QWidget | None) -> None:
        # When the focused widget hides or is disabled ("Attach selected passage" on completion,
        # a card of another entry), Qt gives focus to the next widget in the chain, which may be
        # a rationale of another factor: the next digit would be typed there. Back to the
        # scoring surface instead. A move the scorer made (Tab, a click) leaves the old widget
        # visible and enabled.
        if self._refocusing or self.session is None or old is None or new is None:
            return
        if old.window() is not self or not self.isAncestorOf(new):
            return
        if old.isVisible() and old.isEnabled():
            return
        if self.entry_panel.isVisible():
            self.focus_scoring_surface()

    def _focus_in_batch_panel(self) -> bool:
        focused = QApplication.focusWidget()
        return focused is not None and self.batch_panel.isAncestorOf(focused)

    def _leave_other_fields(self) -> None:
        """Out of a text field of a factor that is no longer the current one."""
        focused = QApplication.focusWidget()
        if self.rubric_panel is None or focused is None or not _is_text_field(focused):
            return
        key = self.rubric_panel.current_factor()
        if not self.rubric_panel.isAncestorOf(focused):
            return
        if key is None or not self.rubric_panel.cards[key].isAncestorOf(focused):
            self.focus_scoring_surface()

    def watch_locked_typing(self) -> None:
        """Typing into a rationale of a complete portfolio (read-only, so nothing happens)
        says why, as the score keys do."""
        assert self.rubric_panel is not None
        self._locked_typing = _LockedTyping(self)
        for card in self.rubric_panel.cards.values():
            card.rationale.installEventFilter(self._locked_typing)

    def focus_filter(self) -> None:
        """Ctrl+L: the filter takes keys only when chosen."""
        if self.session is not None:
            self.batch_panel.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.batch_panel.search.selectAll()

    # --- showing a portfolio ------------------------------------------------------------------

    def show_portfolio(self, portfolio_id: int) -> None:
        assert self.session is not None
        assert self.summary is not None
        assert self.rubric_panel is not None
        view = self.session.work.portfolio(portfolio_id)
        self._view = view
        self._reads = dict(view.reads)
        self._status = view.status
        # A portfolio opens at its first unscored factor, never at the factor (perhaps on
        # another entry, off-screen) the previous portfolio was left on.
        rubric = self.session.rubric
        # An adjudication opens at its first factor asked not yet scored.
        asked = view.asked
        start = next((k for k in asked if self._reads[k].score is None), asked[0])
        self.rubric_panel.set_asked(view.adjudicate, view.banked)
        self._show_adjudication(view)
        entry = rubric.factor(start).entry
        # Out of this portfolio's text fields before they show another candidate's text.
        was_browsing = self._focus_in_batch_panel()
        # The entry panel says which entry it shows; the rubric panel is given it below, once.
        self._showing_portfolio = True
        try:
            self.entry_panel.show_entries(view.entries, current=entry)
        finally:
            self._showing_portfolio = False
        self.summary.set_asked(view.adjudicate, view.banked)
        practice = f"Practice {view.practice} of {view.practice_total}" if view.practice else ""
        # The header says which practice portfolio this is, under the code: beside it, the
        # long line left the factors' names no room.
        self.summary.set_note(practice)
        self.summary.show_portfolio(
            view.candidate_code,
            view.status,
            {k: r.score for k, r in view.reads.items()},
            view.decision,
        )
        self.show_calibration(view)
        self._show_locked(view.status is PortfolioStatus.COMPLETE)
        self.rubric_panel.show_entry(entry, self._reads, self._frozen(), current=start)
        batch = self.session.batch
        title = f"{view.candidate_code} ({practice})" if practice else view.candidate_code
        self.setWindowTitle(f"{title} — {batch.path.name} — {APP_NAME}")
        self.options.set(settings.LAST_PORTFOLIO.of(batch.identity.batch_id), portfolio_id)
        self.update_actions()
        if not was_browsing:  # the list keeps focus while the scorer goes through it
            self.focus_scoring_surface()

    def _show_adjudication(self, view: PortfolioView) -> None:
        """The banner of an adjudication portfolio: what it asks, and the earlier reads of it
        when the rubric shows them; hidden for a read of every factor."""
        assert self.session is not None
        if not view.adjudicate:
            self.adjudication_banner.hide()
            return
        rubric = self.session.rubric
        names = ", ".join(rubric.factor(k).name for k in view.adjudicate)
        if view.retake:
            by_cycle: dict[str, list[str]] = {}
            for key, cycle in view.banked:
                by_cycle.setdefault(cycle, []).append(rubric.factor(key).name)
            banked = "; ".join(f"{', '.join(n)} banked from {c}" for c, n in by_cycle.items())
            self.adjudication_banner.setText(
                f"Retake: score {names} only. {banked}: shown, not scored; completing needs "
                "only the retaken factors."
            )
            self.adjudication_banner.show()
            return
        text = (
            f"Adjudication: score {names} only. The other factors are shown, not scored; "
            "completing needs only these."
        )
        if view.earlier_reads:
            earlier: dict[str, list[str]] = {}
            for key, score in view.earlier_reads:
                earlier.setdefault(key, []).append(score)
            text += " Earlier reads: " + "; ".join(
                f"{rubric.factor(k).name} {' and '.join(v)}" for k, v in earlier.items()
            )
        self.adjudication_banner.setText(text)
        self.adjudication_banner.show()

    def show_calibration(self, view: PortfolioView) -> None:
        """Calibration's banners and the agreed scores (the window's `Calibrating` part)."""

    def _entry_changed(self, number: int) -> None:
        if self.rubric_panel is None or self._view is None or self._showing_portfolio:
            return
        self.rubric_panel.show_entry(number, self._reads, self._frozen())

    def calibration_refusal(self) -> str:
        """Why calibration forbids changing the portfolio shown, in words; "" when it does not:
        a live portfolio waiting for the practice, a practice portfolio already compared."""
        view = self._view
        if view is None:
            return ""
        if view.live_locked:
            return f"{LIVE_LOCKED} (Calibration > Enter unlock code…, Ctrl+Shift+U)."
        if view.key_shown:
            return (
                f"{view.candidate_code} was compared with the agreed scores: its read is "
                "settled and cannot change."
            )
        return ""

    def _frozen(self) -> bool:
        """Whether the portfolio shown is read-only: complete, or held by calibration."""
        return self._status is PortfolioStatus.COMPLETE or bool(self.calibration_refusal())

    def _show_locked(self, locked: bool) -> None:
        assert self.rubric_panel is not None
        # A settled practice portfolio has its own banner: reopening it is no way out.
        self.locked_banner.setVisible(locked and not self.calibration_refusal())
        self.rubric_panel.set_locked(locked or bool(self.calibration_refusal()))
        self.rubric_panel.reveal_current()  # the banner and the buttons moved the cards

    def _on_changed(self, changed: Changed) -> None:
        if self._following_history and changed.read is not None:
            self._history_factor = changed.read.factor_key
        self.batch_panel.apply(changed)
        self.saved_label.setText(f"Saved {QTime.currentTime().toString('HH:mm:ss')}")
        if self._view is None or changed.portfolio_id != self._view.id:
            return
        assert self.summary is not None
        assert self.rubric_panel is not None
        if changed.read is not None:
            self._reads[changed.read.factor_key] = changed.read
            self.rubric_panel.apply(changed.read)
            self.summary.show_score(changed.read.factor_key, changed.read.score)
        if changed.status is not self._status:
            self._status = changed.status
            self._show_locked(changed.status is PortfolioStatus.COMPLETE)
            if self._view.practice:  # its banner says what comes next
                self.show_calibration(self._view)
        self.summary.show_state(changed.status, changed.decision)
        self.summary.show_crossings(changed.crossings)
        self.update_actions()

    def _show_before_undo(self, portfolio_id: int) -> None:
        if self._view is None or self._view.id != portfolio_id:
            self.batch_panel.select_portfolio(portfolio_id)

    def _on_failed(self, message: str) -> None:
        self.error("Not saved" if "cannot be saved" in message else "ICG Desk", message)

    # --- scoring ------------------------------------------------------------------------------

    def _can_edit(self, key: str | None = None) -> bool:
        if self.session is None or self._view is None:
            return False
        if refusal := self.calibration_refusal():
            self.statusBar().showMessage(refusal, 6000)
            return False
        if self._status is PortfolioStatus.COMPLETE:
            self.say_locked()
            return False
        if key is not None and not self._view.is_asked(key):
            self.say_not_asked(key)
            return False
        return True

    def say_not_asked(self, key: str) -> None:
        """The word for a key on a factor an adjudication portfolio does not ask for."""
        assert self.session is not None
        assert self._view is not None
        self.statusBar().showMessage(
            not_asked_message(
                self._view.candidate_code,
                self.session.rubric,
                key,
                self._view.adjudicate,
                self._view.banked,
            ),
            5000,
        )

    def say_locked(self) -> None:
        """The word for a key that would change a complete portfolio."""
        self.statusBar().showMessage(LOCKED_WORD, 5000)

    def _current_factor(self) -> str | None:
        return None if self.rubric_panel is None else self.rubric_panel.current_factor()

    def _key_target(self) -> str | None:
        """The factor a key acts on: the current one, brought into view if scrolled away."""
        if self.rubric_panel is not None:
            self.rubric_panel.reveal_current()
        return self._current_factor()

    def _set_score(self, key: str, score: Fraction | None) -> None:
        if not self._can_edit(key):
            return
        assert self.session is not None
        assert self._view is not None
        self.session.set_score(self._view.id, key, score, self._reads[key].score)

    def _score_chosen(self, key: str, score: Fraction | None) -> None:
        assert self.rubric_panel is not None
        self.rubric_panel.set_current_factor(key)
        self._set_score(key, score)

    def score_level(self, level: int) -> None:
        key = self._key_target()
        if key is None or self.session is None:
            return
        self._set_score(key, self.session.rubric.scale.level_value(level))

    def score_modifier(self, sign: str) -> None:
        key = self._key_target()
        if key is None or self.session is None or not self._can_edit(key):
            return
        current = self._reads[key].score
        if current is None:
            self.statusBar().showMessage("Choose a level (1-4) first, then + or -.", 4000)
            return
        self._set_score(key, self.session.rubric.scale.toggle_modifier(current, sign))

    def clear_score(self) -> None:
        key = self._key_target()
        if key is not None:
            self._set_score(key, None)

    def _look_for_toggled(self, key: str, index: int, seen: bool) -> None:
        if not self._can_edit(key):
            assert self.rubric_panel is not None
            self.rubric_panel.apply(self._reads[key])  # put the box back as saved
            return
        assert self.session is not None
        assert self._view is not None
        self.session.set_look_for(self._view.id, key, index, seen)

    def toggle_look_for(self, number: int) -> None:
        """Alt+1..6: tick or untick look-for `number` (from 1) of the current factor."""
        key = self._key_target()
        if key is None or self.session is None or not self._can_edit(key):
            return
        assert self._view is not None
        factor = self.session.rubric.factor(key)
        if number > len(factor.look_fors):
            count = len(factor.look_fors)
            self.statusBar().showMessage(
                f"{factor.name} has {count} look-for{'' if count == 1 else 's'}.", 4000
            )
            return
        seen = number - 1 not in self._reads[key].look_fors_seen
        self.session.set_look_for(self._view.id, key, number - 1, seen)

    def _rationale_edited(self, key: str, text: str, old: str) -> None:
        if self.session is None or self._view is None:
            return
        self.session.set_rationale(self._view.id, key, text, old)

    def _edit_rationale(self) -> None:
        if self.rubric_panel is not None and self._view is not None:
            if refusal := self.calibration_refusal():
                self.statusBar().showMessage(refusal, 6000)
            elif self._status is PortfolioStatus.COMPLETE:
                self.say_locked()  # shown to read, not to change
            else:
                key = self.rubric_panel.current_factor()
                if key is not None and not self._view.is_asked(key):
                    self.say_not_asked(key)
            self.rubric_panel.edit_rationale()

    def attach_selection(self) -> None:
        key = self._key_target()
        if key is not None:
            self._attach_to(key)

    def _attach_to(self, key: str) -> None:
        if not self._can_edit(key):
            return
        assert self.session is not None
        assert self._view is not None
        selection = self.entry_panel.selection()
        if selection is None:
            self.statusBar().showMessage(
                "Select a passage in the entry first, then attach it (Ctrl+E).", 5000
            )
            return
        entry_number, start, end, quote = selection
        if self.session.rubric.factor(key).entry != entry_number:
            self.statusBar().showMessage("That factor is scored on another entry.", 5000)
            return
        self.session.add_evidence(self._view.id, key, entry_number, start, end, quote)

    def _remove_evidence(self, key: str, evidence_id: int) -> None:
        if self._can_edit(key):
            assert self.session is not None
            assert self._view is not None
            self.session.remove_evidence(self._view.id, key, evidence_id)

    def mark_complete(self) -> bool:
        """Mark the portfolio shown complete; False (and a dialog saying why) when it cannot be."""
        if self.session is None or self._view is None:
            return False
        if self._status is PortfolioStatus.COMPLETE:
            self.statusBar().showMessage("This portfolio is already complete.", 4000)
            return False
        if refusal := self.calibration_refusal():
            self.statusBar().showMessage(refusal, 6000)
            return False
        if not self.session.mark_complete(self._view.id):
            return False
        done, total = self.batch_panel.model.counts()
        if self._view.practice:
            self.statusBar().showMessage(
                f"{self._view.candidate_code} is complete. Compare it with the agreed scores "
                "(Ctrl+K) when you are sure of your read.",
                8000,
            )
        elif done == total:
            self.statusBar().showMessage(all_complete_note(total), 30_000)
        else:
            self.statusBar().showMessage(
                f"{self._view.candidate_code} is complete ({done} of {total}). "
                "Alt+N opens the next portfolio to score.",
                6000,
            )
        self.focus_scoring_surface()
        return True

    def complete_and_next(self) -> None:
        """Alt+Return: mark the portfolio complete (if it can be; a complete one stays so) and
        go on to the next portfolio left to score."""
        if self.session is None or self._view is None:
            return
        if self._status is not PortfolioStatus.COMPLETE and not self.mark_complete():
            return
        done, total = self.batch_panel.model.counts()
        if done < total:
            self.step_unscored(1)

    def reopen(self) -> None:
        if self.session is None or self._view is None:
            return
        if self._status is not PortfolioStatus.COMPLETE:
            self.statusBar().showMessage("This portfolio is not complete.", 4000)
            return
        if refusal := self.calibration_refusal():
            self.statusBar().showMessage(refusal, 6000)
            return
        if self.session.reopen(self._view.id):
            self.focus_scoring_surface()

    def _undo(self) -> None:
        self._through_history(lambda stack: stack.undo())

    def _redo(self) -> None:
        self._through_history(lambda stack: stack.redo())

    def _through_history(self, step: Callable[[QUndoStack], None]) -> None:
        """Undo or redo, from wherever the key was typed; then show the factor it changed
        (the portfolio is shown first, through `aboutToTouch`) and focus the scoring surface."""
        if self.session is None:
            return
        self._following_history, self._history_factor = True, None
        try:
            step(self.session.undo_stack)
        finally:
            self._following_history = False
        key, self._history_factor = self._history_factor, None
        if key is not None and self.rubric_panel is not None and self._view is not None:
            entry = self.session.rubric.factor(key).entry
            if self.entry_panel.current_entry() != entry:
                self.entry_panel.set_current_entry(entry)
            self.rubric_panel.set_current_factor(key)
            self.rubric_panel.reveal_current()
        self.focus_scoring_surface()

    # --- moving -------------------------------------------------------------------------------

    def step_factor(self, delta: int) -> None:
        key = self._current_factor()
        if self.session is None or key is None or self.rubric_panel is None:
            return
        keys = self.session.rubric.factor_keys
        next_key = keys[(keys.index(key) + delta) % len(keys)]
        entry = self.session.rubric.factor(next_key).entry
        if self.entry_panel.current_entry() != entry:
            self.entry_panel.set_current_entry(entry)
        self.rubric_panel.set_current_factor(next_key)
        self._leave_other_fields()

    def step_entry(self, delta: int) -> None:
        if self.session is None:
            return
        if delta > 0:
            self.entry_panel.next_entry()
        else:
            self.entry_panel.previous_entry()
        self._leave_other_fields()

    def step_portfolio(self, delta: int) -> None:
        if self.session is not None:
            self.batch_panel.step(delta)

    def step_unscored(self, delta: int) -> None:
        """Alt+N, Alt+Shift+N: the next (+1) or previous (-1) portfolio not complete, in the
        batch's order whatever the filter, wrapping round (and saying so) at the end."""
        if self.session is None:
            return
        shown = None if self._view is None else self._view.id
        target, wrapped = self.batch_panel.model.next_to_score(shown, delta)
        if target is None:
            if shown is not None and self._status is not PortfolioStatus.COMPLETE:
                message = "No other portfolio left to score: this is the last one."
            else:
                message = "No portfolio left to score."
            self.statusBar().showMessage(message, 5000)
        else:
            self.batch_panel.select_portfolio(target)
            if wrapped:
                where = "first" if delta > 0 else "last"
                self.statusBar().showMessage(
                    f"Wrapped round: back to the {where} portfolio left to score.", 5000
                )
        self.focus_scoring_surface()


def _is_text_field(widget: QWidget) -> bool:
    """A widget that types printable keys (and so would take a score key as text)."""
    if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
        return not widget.isReadOnly()
    return False


class _LockedTyping(QObject):
    """On a rationale: a key that would change its text, while the portfolio is complete (the
    field read-only), gets the window's word for it."""

    def __init__(self, window: ScoringActions) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and isinstance(watched, QPlainTextEdit)
            and watched.isReadOnly()
            and _would_edit(event)
        ):
            if refusal := self._window.calibration_refusal():
                self._window.statusBar().showMessage(refusal, 6000)
            elif self._window._status is PortfolioStatus.COMPLETE:
                self._window.say_locked()
            elif (key := self._card_key(watched)) is not None:
                self._window.say_not_asked(key)  # an adjudication's factor not asked
        return super().eventFilter(watched, event)

    def _card_key(self, rationale: QPlainTextEdit) -> str | None:
        panel = self._window.rubric_panel
        if panel is None or self._window._view is None:
            return None
        for key, card in panel.cards.items():
            if card.rationale is rationale and not self._window._view.is_asked(key):
                return key
        return None


def _would_edit(event: QKeyEvent) -> bool:
    if event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
        return True
    if event.matches(QKeySequence.StandardKey.Paste) or event.matches(QKeySequence.StandardKey.Cut):
        return True
    text = event.text()
    control = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    return bool(text) and text.isprintable() and not event.modifiers() & control
