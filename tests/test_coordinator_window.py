"""The coordinator's window, driven through its real widgets: keys, drops, dialogs and files."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QEvent, QMimeData, QPointF, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QFileDialog,
    QMenu,
    QMessageBox,
    QProgressDialog,
    QWidget,
)

from icg_desk.demo.cohort import (
    accept_every_flag,
    build_demo_cohort,
    score_batch,
    write_demo_inputs,
)
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import cohort_results, release_results
from icg_desk.models.cohort_status import cohort_status
from icg_desk.models.merge import NOT_RETURNED_FILE
from icg_desk.models.rubric_file import DEFAULT_EDITION, builtin_rubric
from icg_desk.operations import cohort as cohort_ops
from icg_desk.operations.merge import merge_files
from icg_desk.scoring import Status, format_score
from icg_desk.ui.coordinator_dashboard import ResultsModel
from icg_desk.ui.coordinator_dialogs import (
    AssignDialog,
    ImportProblemsDialog,
    MergeReportDialog,
    NewCohortDialog,
    plain_tip,
)
from icg_desk.ui.coordinator_window import CoordinatorWindow
from icg_desk.ui.main_window import MainWindow
from icg_desk.ui.tasks import SyncTaskRunner

CANDIDATES, SCORERS = 8, 3
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


# --- a demo cohort, built once, copied per test ---------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Merged, with the first scorer's last two portfolios not yet scored: 2 reads missing."""
    folder = tmp_path_factory.mktemp("demo")
    build_demo_cohort(
        folder, candidates=CANDIDATES, scorers=SCORERS, words_per_entry=60, unscored=2
    )
    return folder


@pytest.fixture
def folder(demo: Path, tmp_path: Path) -> Path:
    target = tmp_path / "cohort"
    shutil.copytree(demo, target)
    return target


@pytest.fixture
def cohort_path(folder: Path) -> Path:
    return folder / "demo.icgcohort"


@pytest.fixture
def finished_batch(folder: Path, tmp_path: Path) -> Path:
    """The first scorer's batch as they return it at last: every portfolio scored."""
    first = sorted((folder / "batches").glob("*.icgbatch"))[0]
    returned = tmp_path / "returned" / first.name
    returned.parent.mkdir()
    shutil.copy(first, returned)
    score_batch(returned)
    return returned


@pytest.fixture
def released_path(cohort_path: Path, finished_batch: Path) -> Path:
    with CohortFile.open(cohort_path) as cohort:
        merge_files(cohort, [finished_batch])
        accept_every_flag(cohort)  # the sample's reads disagree now and then
        release_results(cohort)
    return cohort_path


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings) -> Callable[..., CoordinatorWindow]:
    def make(path: Path | None = None) -> CoordinatorWindow:
        window = CoordinatorWindow(settings, runner=SyncTaskRunner)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        if path is not None:
            assert window.open_cohort(path)
        return window

    return make


@pytest.fixture
def window(make_window, cohort_path) -> CoordinatorWindow:
    return make_window(cohort_path)


# --- answering the dialogs a step opens -----------------------------------------------------


@dataclass
class Seen:
    kind: str
    title: str
    text: str
    dialog: QWidget
    details: str = ""


def _describe(dialog: QWidget) -> Seen:
    if isinstance(dialog, QMessageBox):
        text = dialog.text()
    elif isinstance(dialog, MergeReportDialog):
        text = dialog.report
    elif isinstance(dialog, ImportProblemsDialog):
        text = dialog.text()
    else:
        text = ""
    details = dialog.detailedText() if isinstance(dialog, QMessageBox) else ""
    return Seen(type(dialog).__name__, dialog.windowTitle(), text, dialog, details)


def _button(dialog: QWidget, text: str) -> QAbstractButton:
    for button in dialog.findChildren(QAbstractButton):
        if button.text().replace("&", "") == text and button.isVisible():
            return button
    raise AssertionError(f"no button {text!r} in {dialog.windowTitle()!r}")


Answer = str | Callable[[QWidget], None] | None


def answering(qtbot, action: Callable[[], object], *answers: Answer) -> list[Seen]:
    """Run `action`; answer each modal dialog it opens, in turn, by clicking the button named
    (None: close it; a function: do that to it). Returns what each dialog said."""
    seen: list[Seen] = []
    pending = list(answers)
    handled: list[QWidget] = []

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if (
            dialog is None
            or isinstance(dialog, QProgressDialog)
            or any(dialog is d for d in handled)
        ):
            QTimer.singleShot(10, poll)
            return
        handled.append(dialog)
        seen.append(_describe(dialog))
        answer = pending.pop(0) if pending else None
        if answer is None:
            dialog.close() if isinstance(dialog, QMessageBox) else dialog.reject()
        elif isinstance(answer, str):
            _button(dialog, answer).click()
        else:
            answer(dialog)
        if pending:
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)
    action()
    qtbot.waitUntil(lambda: len(seen) >= max(1, len(answers)) and not pending, timeout=10000)
    return seen


def press(qtbot, window: QWidget, key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier):
    """A shortcut as the coordinator types it, to whatever has focus."""
    window.activateWindow()  # back from a dialog, the window may not be active again yet
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifiers)


def choose_files(monkeypatch, *, open_file=None, open_files=None, folder=None, save=None):
    """The file dialogs answer with these paths (a list: one answer per call, in turn)."""

    def answers(value):
        queue = list(value) if isinstance(value, list) else None
        return lambda: str(queue.pop(0) if queue is not None else value)

    if open_file is not None:
        nxt = answers(open_file)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (nxt(), ""))
    if open_files is not None:
        paths = [str(p) for p in open_files]
        monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: (paths, ""))
    if folder is not None:
        nxt_folder = answers(folder)
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: nxt_folder())
    if save is not None:
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(save), ""))


def figure(window: CoordinatorWindow, key: str) -> str:
    return window.dashboard.figures[key].value.text()


def results_table(window: CoordinatorWindow) -> list[tuple[str, ...]]:
    view = window.dashboard.results_view
    model = view.model()
    return [
        tuple(model.index(r, c).data() for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


def drop(window: CoordinatorWindow, paths: Sequence[Path]) -> None:
    """Files dropped from the file manager onto the window."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    centre = QPointF(window.rect().center())
    enter = QDragEnterEvent(
        centre.toPoint(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(
        centre,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, event)
    assert event.isAccepted()


# --- opening: what the dashboard shows ------------------------------------------------------


def test_opening_shows_the_figures_of_the_cohort(window, cohort_path):
    with CohortFile.open(cohort_path) as cohort:
        status, results = cohort_status(cohort), cohort_results(cohort)
    assert window.windowTitle() == f"{status.cohort} — demo.icgcohort — ICG Desk"
    board = window.dashboard
    assert board.name_label.text() == f"Cohort {status.cohort}"
    assert status.rubric_edition in board.detail_label.text()
    assert board.state_label.text() == "Not released"
    assert not board.released_banner.isVisible()

    assert figure(window, "candidates") == str(CANDIDATES) == str(status.candidates)
    assert figure(window, "scorers") == str(SCORERS)
    assert figure(window, "reads_needed") == str(status.reads_needed) == str(2 * CANDIDATES)
    assert figure(window, "reads_returned") == str(status.reads_returned)
    assert figure(window, "reads_still_needed") == "2"
    assert figure(window, "files_merged") == str(status.files_merged) == str(SCORERS)
    assert figure(window, "files_rejected") == "0"
    # Decisions only once every read is in; the two candidates with a read out are waiting.
    assert figure(window, "certified") == str(results.settled(Status.CERTIFIED))
    assert figure(window, "not_certified") == str(results.settled(Status.NOT_CERTIFIED))
    assert figure(window, "waiting") == "2"
    decided = int(figure(window, "certified")) + int(figure(window, "not_certified"))
    assert decided == CANDIDATES - 2

    rubric = results.rubric
    expected = [
        (
            c.candidate_id,
            c.code,
            c.name,
            f"{c.reads_in} of {c.reads_needed}",
            "" if c.decision.overall is None else format_score(c.decision.overall),
            ", ".join(rubric.factor(f.factor).name for f in c.open_flags),
            "",  # Banked: the demo cohort has no retake with banked scores
            c.decision.headline
            if c.state.final
            else f"{c.state.label} (so far: {c.decision.headline})",
        )
        for c in results.candidates
    ]
    assert not any(c.retake for c in results.candidates)
    assert results_table(window) == expected
    assert sum(row[3] == "1 of 2" for row in expected) == 2

    scorers = board.scorer_model
    shown = [
        tuple(scorers.index(r, c).data() for c in range(scorers.columnCount()))
        for r in range(scorers.rowCount())
    ]
    assert shown == [
        (p.scorer_id, p.name, str(p.assigned), str(p.sent), str(p.returned))
        for p in status.per_scorer
    ]
    merges = board.merge_model
    assert merges.rowCount() == SCORERS
    assert {merges.index(r, merges.OUTCOME).data() for r in range(SCORERS)} == {"Accepted"}


def test_the_results_filter_by_text_and_by_what_is_outstanding(qtbot, window):
    board = window.dashboard
    press(qtbot, window, Qt.Key.Key_F, CTRL)
    assert board.search.hasFocus()
    first = results_table(window)[0]
    qtbot.keyClicks(board.search, first[1][-5:])  # a piece of the blind code
    assert [row[0] for row in results_table(window)] == [first[0]]
    board.search.clear()
    board.kind_filter.setCurrentIndex(board.kind_filter.findData("missing"))
    assert [row[3] for row in results_table(window)] == ["1 of 2", "1 of 2"]
    assert board.results_count.text() == f"2 of {CANDIDATES} shown"


# --- merging by drop ------------------------------------------------------------------------


def test_dropping_a_returned_batch_merges_it_and_shows_the_report(qtbot, window, finished_batch):
    assert figure(window, "reads_still_needed") == "2"
    seen = answering(qtbot, lambda: drop(window, [finished_batch]), "Close")

    assert seen[0].kind == "MergeReportDialog"
    report = seen[0].dialog
    assert isinstance(report, MergeReportDialog)
    [row] = report.rows()
    assert row[MergeReportDialog.FILE] == finished_batch.name
    assert row[MergeReportDialog.OUTCOME] == "Replaced"
    assert row[MergeReportDialog.SCORER] == "S-01"
    assert int(row[MergeReportDialog.CHANGED]) > 0
    assert "1 file: 1 replaced" in seen[0].text

    assert figure(window, "reads_returned") == str(2 * CANDIDATES)
    assert figure(window, "reads_still_needed") == "0"
    assert figure(window, "files_merged") == str(SCORERS + 1)
    assert all(row[3] == "2 of 2" for row in results_table(window))
    merges = window.dashboard.merge_model
    assert merges.index(0, merges.OUTCOME).data() == "Replaced"  # newest first


def test_a_rejected_file_shows_its_reason_and_changes_nothing(qtbot, window, tmp_path):
    bogus = tmp_path / "from-scorer.icgbatch"
    bogus.write_text("these are my scores, honest\n")
    before = results_table(window)
    seen = answering(qtbot, lambda: drop(window, [bogus]), "Close")

    [row] = seen[0].dialog.rows()
    assert row[MergeReportDialog.OUTCOME] == "Rejected"
    assert row[MergeReportDialog.REASON] == NOT_RETURNED_FILE
    assert row[MergeReportDialog.CHANGED] == "–"
    assert results_table(window) == before
    assert figure(window, "files_rejected") == "1"
    assert figure(window, "reads_still_needed") == "2"
    merges = window.dashboard.merge_model
    assert merges.index(0, merges.FILE).data() == bogus.name
    assert merges.index(0, merges.REASON).data() == NOT_RETURNED_FILE
    assert bogus.read_text() == "these are my scores, honest\n"


def test_merge_returned_files_from_the_menu(qtbot, window, finished_batch, monkeypatch):
    choose_files(monkeypatch, open_files=[finished_batch])
    seen = answering(qtbot, window.merge_action.trigger, "Close")
    assert seen[0].kind == "MergeReportDialog"
    assert figure(window, "reads_still_needed") == "0"


def test_a_drop_of_something_that_is_not_a_file_is_refused(window):
    mime = QMimeData()
    mime.setText("just some text")
    enter = QDragEnterEvent(
        window.rect().center(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


# --- release --------------------------------------------------------------------------------


def test_release_is_refused_while_reads_are_missing_naming_the_candidates(qtbot, window):
    missing = [row[0] for row in results_table(window) if row[3] == "1 of 2"]
    seen = answering(
        qtbot, lambda: press(qtbot, window, Qt.Key.Key_R, CTRL | SHIFT), "Release and lock", None
    )
    assert "locks the results" in seen[0].text
    assert seen[1].title == "Results not released"
    assert "2 candidates are still waiting for reads" in seen[1].text
    assert all(candidate in seen[1].text for candidate in missing)
    assert window.dashboard.state_label.text() == "Not released"
    assert window.merge_action.isEnabled()
    assert window.release_action.isEnabled()


def test_release_cancelled_changes_nothing(qtbot, window, cohort_path):
    seen = answering(qtbot, window.release_action.trigger, "Cancel")
    assert seen[0].kind == "QMessageBox"
    with CohortFile.open(cohort_path) as cohort:
        assert cohort.released_at is None
    assert window.release_action.isEnabled()


def accept_open_flags(window: CoordinatorWindow) -> None:
    """Accept every flag the reads raised (the sample's reads disagree now and then)."""
    for candidate, flag in window.snapshot.results.open_flags:
        assert window.accept_flag(candidate.code, flag.factor, "checked", "Ana").value


def test_release_through_the_confirm_dialog_locks_the_steps(qtbot, window, finished_batch):
    answering(qtbot, lambda: window.merge_returned([finished_batch]), "Close")
    accept_open_flags(window)
    assert not window.dashboard.release_note.isVisible()
    seen = answering(
        qtbot, lambda: press(qtbot, window, Qt.Key.Key_R, CTRL | SHIFT), "Release and lock"
    )
    assert "Reopen results (with a reason) unlocks them" in seen[0].text
    board = window.dashboard
    assert board.state_label.text().startswith("Released ")
    assert board.released_banner.isVisible()
    assert "locked" in board.released_banner.text()
    assert board.decisions_group.title.text() == "DECISIONS"
    for action in (
        window.import_roster_action,
        window.import_scorers_action,
        window.assign_action,
        window.send_action,
        window.merge_action,
        window.release_action,
    ):
        assert not action.isEnabled()
        assert "released on" in action.toolTip()
    assert window.reports_action.isEnabled()
    assert window.summary_action.isEnabled()
    assert "Released" in window.statusBar().currentMessage()


def test_a_drop_after_release_is_not_merged(qtbot, make_window, released_path, finished_batch):
    window = make_window(released_path)
    merged = figure(window, "files_merged")
    seen = answering(qtbot, lambda: drop(window, [finished_batch]), None)
    assert seen[0].title == "Not merged"
    assert "released on" in seen[0].text
    assert figure(window, "files_merged") == merged


# --- printing and the summary ---------------------------------------------------------------


def test_print_reports_before_release_offers_previews(qtbot, window, tmp_path, monkeypatch):
    out = tmp_path / "previews"
    out.mkdir()
    choose_files(monkeypatch, folder=out)
    seen = answering(qtbot, lambda: press(qtbot, window, Qt.Key.Key_P, CTRL), "Print previews")
    assert "not released yet" in seen[0].text
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == CANDIDATES + 1  # one per candidate and the combined file
    assert all("(preview)" in p.name for p in pdfs)
    assert "Wrote" in window.statusBar().currentMessage()


def test_print_reports_after_release_writes_every_report(
    qtbot, make_window, released_path, tmp_path, monkeypatch
):
    window = make_window(released_path)
    out = tmp_path / "reports"
    out.mkdir()
    choose_files(monkeypatch, folder=out)
    window.reports_action.trigger()  # no question: the results are released
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == CANDIDATES + 1
    assert not any("(preview)" in p.name for p in pdfs)
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)


def _real_runner_window(qtbot, settings, path: Path) -> CoordinatorWindow:
    window = CoordinatorWindow(settings)  # the real runner: the job runs on its worker thread
    qtbot.addWidget(window)
    window.show()
    assert window.open_cohort(path)
    qtbot.waitUntil(lambda: window.snapshot is not None, timeout=20000)
    return window


def test_reports_print_in_worker_processes_from_the_window(
    qtbot, settings, released_path, tmp_path, monkeypatch
):
    """The runner's worker thread starts the printing processes (never a fork of this
    process, which has Qt's threads); they print every report, and are gone after."""
    import multiprocessing

    from icg_desk.export.report_pool import WORKERS_ENV

    monkeypatch.setenv(WORKERS_ENV, "2")  # a pool even for a few reports
    window = _real_runner_window(qtbot, settings, released_path)
    out = tmp_path / "reports"
    task = window.print_reports(out, preview=False)
    qtbot.waitUntil(lambda: task.done, timeout=60000)
    assert len(task.value) == CANDIDATES + 1
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in task.value)
    assert multiprocessing.active_children() == []


def test_cancel_in_the_window_stops_the_printing_processes(
    qtbot, settings, released_path, tmp_path, monkeypatch
):
    import multiprocessing

    from PySide6.QtWidgets import QProgressDialog, QPushButton

    from icg_desk.export.report_pool import WORKERS_ENV

    monkeypatch.setenv(WORKERS_ENV, "2")
    window = _real_runner_window(qtbot, settings, released_path)
    # The progress dialog of the reading of the cohort goes (deleteLater): the one left is ours.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    out = tmp_path / "reports"
    task = window.print_reports(out, preview=False)
    [dialog] = window.findChildren(QProgressDialog, "taskProgress")
    dialog.findChild(QPushButton).click()  # the dialog's Cancel, before any report is done
    qtbot.waitUntil(lambda: task.done, timeout=60000)
    # What the workers had begun is finished and listed; no file with them all, nothing else.
    written = task.value
    assert len(written) < CANDIDATES + 1
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    assert f"Printing cancelled after {len(written)} files" in window.statusBar().currentMessage()
    assert multiprocessing.active_children() == []


def test_reports_refused_before_release_make_no_folder(qtbot, window, tmp_path):
    out = tmp_path / "reports"
    seen = answering(qtbot, lambda: window.print_reports(out, preview=False), None)
    assert seen[0].title == "Reports not printed"
    assert "not released yet" in seen[0].text
    assert not out.exists()


def _released_behind_its_back(window: CoordinatorWindow, finished_batch: Path) -> None:
    """Released behind the window's back: it has not read the cohort since."""
    cohort_ops.merge(window.cohort.ref, [finished_batch])
    for candidate, flag in cohort_ops.results(window.cohort.ref).open_flags:
        cohort_ops.accept(window.cohort.ref, candidate.code, flag.factor or None, "ok", "Ana")
    cohort_ops.release(window.cohort.ref)
    assert window.import_roster_action.isEnabled()
    assert window.send_action.isEnabled()


def test_sending_batches_after_release_makes_no_folder(
    qtbot, window, finished_batch, tmp_path, monkeypatch
):
    _released_behind_its_back(window, finished_batch)
    outbox = tmp_path / "outbox"
    choose_files(monkeypatch, folder=outbox)
    seen = answering(qtbot, lambda: press(qtbot, window, Qt.Key.Key_B, CTRL), None)
    assert seen[0].title == "Batches not written"
    assert "locked" in seen[0].text
    assert not outbox.exists()


def test_importing_after_release_says_only_that_the_results_are_locked(
    qtbot, window, finished_batch, tmp_path, monkeypatch
):
    _released_behind_its_back(window, finished_batch)
    inputs = write_demo_inputs(tmp_path / "inputs", candidates=3, scorers=2, words_per_entry=60)
    choose_files(monkeypatch, open_file=inputs.roster, folder=inputs.documents)
    for step, title in (
        (lambda: press(qtbot, window, Qt.Key.Key_I, CTRL), "Roster not imported"),
        # The window has read the cohort again by now: its import steps are off.
        (lambda: window.import_scorers(inputs.scorers), "Scorers not imported"),
    ):
        seen = answering(qtbot, step, None)
        qtbot.wait(50)
        assert len(seen) == 1
        assert seen[0].kind == "QMessageBox"
        assert seen[0].title == title
        assert "released on" in seen[0].text
        assert "locked" in seen[0].text
        assert "nothing was imported" in seen[0].text
        assert "valid rows" not in seen[0].text
        assert "Fix" not in seen[0].text
        assert QApplication.activeModalWidget() is None
    assert not window.import_roster_action.isEnabled()
    assert figure(window, "candidates") == str(CANDIDATES)
    assert figure(window, "scorers") == str(SCORERS)


def test_export_summary_writes_the_workbook(qtbot, window, tmp_path, monkeypatch):
    target = tmp_path / "cohort summary"  # no suffix: .xlsx is added
    choose_files(monkeypatch, save=target)
    press(qtbot, window, Qt.Key.Key_S, CTRL | SHIFT)
    written = target.with_suffix(".xlsx")
    assert written.is_file()
    workbook = load_workbook(written, read_only=True)
    assert workbook.sheetnames
    workbook.close()
    assert f"Summary written to {written}" in window.statusBar().currentMessage()


def test_the_scoring_quality_report_is_printed_from_the_results_menu(
    qtbot, window, tmp_path, monkeypatch
):
    target = tmp_path / "quality"  # no suffix: .pdf is added
    choose_files(monkeypatch, save=target)
    results_menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Results")
    assert window.quality_action in results_menu.actions()
    assert window.quality_action.isEnabled()
    window.quality_action.trigger()
    written = target.with_suffix(".pdf")
    qtbot.waitUntil(written.is_file, timeout=20000)
    text = "\n".join(page.extract_text() for page in PdfReader(written).pages)
    assert "Scoring quality: cohort 2026-27" in text
    assert "Each scorer's adjusted severity" in text
    qtbot.waitUntil(
        lambda: (
            f"Scoring quality report written to {written}" in window.statusBar().currentMessage()
        )
    )


def test_a_summary_that_cannot_be_written_names_the_file(qtbot, window, tmp_path, monkeypatch):
    target = tmp_path / "nowhere" / "summary.xlsx"
    choose_files(monkeypatch, save=target)
    seen = answering(qtbot, window.summary_action.trigger, None)
    assert seen[0].title == "Summary not written"
    assert str(target) in seen[0].text
    assert window.isVisible()
    assert window.cohort is not None


# --- importing, assigning, sending ----------------------------------------------------------


@pytest.fixture
def empty_cohort(tmp_path: Path) -> Path:
    path = tmp_path / "new.icgcohort"
    CohortFile.create(path, name="2026-27", rubric=builtin_rubric()).close()
    return path


def test_a_rejected_roster_lists_each_problem_and_offers_the_valid_rows(
    qtbot, make_window, empty_cohort, tmp_path, monkeypatch
):
    inputs = write_demo_inputs(tmp_path / "inputs", candidates=6, scorers=4, words_per_entry=60)
    with inputs.roster.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows[1]["email"] = "not an address"
    with inputs.roster.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    window = make_window(empty_cohort)
    choose_files(monkeypatch, open_file=inputs.roster, folder=inputs.documents)

    seen = answering(
        qtbot,
        lambda: press(qtbot, window, Qt.Key.Key_I, CTRL),
        "Import the valid rows only",
        "Close",
    )
    assert seen[0].title == "Roster not imported"
    assert "roster.csv, row 3, column email" in seen[0].text
    assert seen[1].title == "Roster imported, with rows skipped"
    assert figure(window, "candidates") == "5"
    assert "Imported 5 candidates" in window.statusBar().currentMessage()


def test_a_rejected_roster_closed_imports_nothing(
    qtbot, make_window, empty_cohort, tmp_path, monkeypatch
):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,email\nSomeone,someone@example.org\n", encoding="utf-8")
    window = make_window(empty_cohort)
    choose_files(monkeypatch, open_file=roster, folder=tmp_path)
    seen = answering(qtbot, window.import_roster_action.trigger, "Close")
    assert seen[0].kind == "ImportProblemsDialog"
    assert "roster.csv" in seen[0].text
    # A problem with the file as a whole: importing the valid rows would not help.
    assert seen[0].dialog.valid_only_button is None
    assert figure(window, "candidates") == "0"


def test_a_roster_past_its_size_limit_is_a_dialog_naming_the_limit(
    qtbot, make_window, empty_cohort, tmp_path, monkeypatch
):
    roster = tmp_path / "roster.csv"
    with roster.open("wb") as f:
        f.truncate(200_000_000)  # sparse: judged by its size before a byte is read
    window = make_window(empty_cohort)
    choose_files(monkeypatch, open_file=roster, folder=tmp_path)
    seen = answering(qtbot, window.import_roster_action.trigger, "Close")
    assert seen[0].kind == "ImportProblemsDialog"
    assert "roster.csv: is 200 MB; a roster may be at most 50 MB" in seen[0].text
    assert seen[0].dialog.valid_only_button is None
    assert figure(window, "candidates") == "0"


def test_import_scorers_assign_and_send_batches(
    qtbot, make_window, empty_cohort, tmp_path, monkeypatch
):
    inputs = write_demo_inputs(tmp_path / "inputs", candidates=6, scorers=4, words_per_entry=60)
    window = make_window(empty_cohort)
    assert window.import_roster(inputs.roster, inputs.documents).value
    choose_files(monkeypatch, open_file=inputs.scorers)
    press(qtbot, window, Qt.Key.Key_I, CTRL | SHIFT)
    assert figure(window, "scorers") == "4"

    def assign(dialog: QWidget) -> None:
        assert isinstance(dialog, AssignDialog)
        assert dialog.reads_box.value() == 2
        dialog.seed_box.setValue(7)
        _button(dialog, "Assign").click()

    answering(qtbot, lambda: press(qtbot, window, Qt.Key.Key_A, CTRL | SHIFT), assign)
    status = window.snapshot.status
    assert status.reads_assigned == 12
    assert status.reads_sent == 0
    assert "seed 7" in window.statusBar().currentMessage()

    outbox = tmp_path / "outbox"
    outbox.mkdir()
    choose_files(monkeypatch, folder=outbox)
    seen = answering(qtbot, lambda: press(qtbot, window, Qt.Key.Key_B, CTRL), None)
    assert seen[0].title == "Batches written"
    batches = sorted(outbox.glob("*.icgbatch"))
    assert len(batches) == 4
    assert all(b.name in seen[0].text for b in batches)
    assert window.snapshot.status.reads_sent == 12

    # Sending again: nothing left to send, and nothing is overwritten.
    seen = answering(qtbot, window.send_action.trigger, None)
    assert seen[0].title == "Nothing to send"


def test_assigning_again_says_the_reads_were_kept(qtbot, window):
    assigned = window.snapshot.status.reads_assigned
    assert assigned == CANDIDATES * 2

    def another_seed(dialog: QWidget) -> None:
        assert isinstance(dialog, AssignDialog)
        dialog.seed_box.setValue(12345)
        _button(dialog, "Assign").click()

    answering(qtbot, lambda: press(qtbot, window, Qt.Key.Key_A, CTRL | SHIFT), another_seed)
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Already assigned: {assigned} reads kept"), message
    assert "nothing changed" in message
    assert "Assigned" not in message
    assert window.snapshot.status.reads_assigned == assigned


def test_sending_over_an_existing_batch_names_it_and_writes_nothing(
    qtbot, make_window, empty_cohort, tmp_path, monkeypatch
):
    inputs = write_demo_inputs(tmp_path / "inputs", candidates=6, scorers=4, words_per_entry=60)
    window = make_window(empty_cohort)
    assert window.import_roster(inputs.roster, inputs.documents).value
    assert window.import_scorers(inputs.scorers).value
    assert window.assign_reads(seed=3, reads=2).value
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    taken = outbox / "2026-27-S-02.icgbatch"
    taken.write_text("last year's batch")
    choose_files(monkeypatch, folder=outbox)
    seen = answering(qtbot, window.send_action.trigger, None)
    assert seen[0].title == "Batches not written"
    assert f"{taken} already exists" in seen[0].text
    assert sorted(outbox.iterdir()) == [taken]
    assert window.snapshot.status.reads_sent == 0


def test_a_bug_in_a_step_is_shown_once_and_the_window_goes_on(qtbot, window, tmp_path, monkeypatch):
    from icg_desk.operations import roster_import

    def broken(cohort, sheet):
        return {}["scorer_id"]

    monkeypatch.setattr(roster_import, "import_scorers", broken)
    sheet = tmp_path / "scorers.csv"
    sheet.write_text("scorer_id\n")
    seen = answering(qtbot, lambda: window.import_scorers(sheet), None)
    qtbot.wait(50)
    assert len(seen) == 1
    assert seen[0].title == "Import scorers"
    assert "internal error" in seen[0].text
    assert "icg-desk.log" in seen[0].text
    assert "Traceback" in seen[0].details
    assert "KeyError" in seen[0].details
    assert QApplication.activeModalWidget() is None
    assert window.isVisible()
    assert window.cohort is not None
    assert figure(window, "scorers") == str(SCORERS)


# --- a new cohort ---------------------------------------------------------------------------


def saving_as(monkeypatch, path: Path) -> list[str]:
    """The save dialog answers with `path`; returns the names it suggested, one per call."""
    suggested: list[str] = []

    def save(parent, caption, folder, *args, **kwargs):
        suggested.append(folder)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    return suggested


def test_new_cohort_from_the_start_page_makes_it_and_opens_it_empty(
    qtbot, make_window, tmp_path, monkeypatch
):
    window = make_window()
    assert window.stack.currentWidget() is window.start_page
    assert window.new_button.isVisible()
    assert window.new_button.isDefault()
    suggested = saving_as(monkeypatch, tmp_path / "spring")  # no suffix: .icgcohort is added

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, NewCohortDialog)
        assert dialog.edition_box.currentData() == DEFAULT_EDITION
        assert not dialog.create_button.isEnabled()
        qtbot.keyClicks(dialog.name_edit, "  2026-27 ")
        dialog.edition_box.setCurrentIndex(dialog.edition_box.findData("icg-pilot"))
        assert "seven-entry" in dialog.edition_note.text()
        _button(dialog, "Create…").click()

    answering(qtbot, lambda: qtbot.mouseClick(window.new_button, Qt.MouseButton.LeftButton), fill)

    made = (tmp_path / "spring.icgcohort").resolve()
    assert suggested == [str(Path.home() / "2026-27.icgcohort")]  # named after the cohort
    assert window.cohort is not None
    assert window.cohort.path.resolve() == made
    assert window.stack.currentWidget() is window.dashboard
    assert window.windowTitle() == "2026-27 — spring.icgcohort — ICG Desk"
    assert window.dashboard.name_label.text() == "Cohort 2026-27"
    assert "Rubric icg-pilot" in window.dashboard.detail_label.text()
    assert figure(window, "candidates") == "0"
    assert figure(window, "scorers") == "0"
    assert results_table(window) == []
    assert window.import_roster_action.isEnabled()
    assert window.toolbar.isVisible()
    assert window.recent_cohorts()[0] == str(made)
    assert made.with_name(made.name + ".lock").exists()  # open here, like any cohort


def test_new_cohort_with_ctrl_n_asks_only_for_what_is_missing(
    qtbot, make_window, tmp_path, monkeypatch
):
    window = make_window()
    target = tmp_path / "given.icgcohort"
    monkeypatch.setattr(NewCohortDialog, "exec", lambda self: pytest.fail("asked the name"))
    saving_as(monkeypatch, target)
    assert window.new_cohort(name="2026-27", edition=DEFAULT_EDITION)
    assert window.cohort is not None
    assert window.cohort.name == "2026-27"
    assert window.cohort.rubric.edition == DEFAULT_EDITION
    monkeypatch.undo()

    # From the keyboard, with a cohort open: it is closed and the new one opens.
    saving_as(monkeypatch, tmp_path / "other.icgcohort")

    def fill(dialog: QWidget) -> None:
        qtbot.keyClicks(dialog.name_edit, "2027-28")
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)

    answering(qtbot, lambda: press(qtbot, window, Qt.Key.Key_N, CTRL), fill)
    assert window.cohort is not None
    assert window.cohort.name == "2027-28"
    assert not target.with_name(target.name + ".lock").exists()


def test_new_cohort_refuses_an_existing_file_and_leaves_it_as_it_was(
    qtbot, make_window, empty_cohort, monkeypatch
):
    before = empty_cohort.read_bytes()
    window = make_window()
    saving_as(monkeypatch, empty_cohort.with_suffix(""))  # the suffix added makes it that file
    seen = answering(
        qtbot, lambda: window.new_cohort(name="2027-28", edition=DEFAULT_EDITION), None
    )
    assert seen[0].title == "Cohort not created"
    assert f"{empty_cohort}: already exists" in seen[0].text
    assert window.cohort is None
    assert window.stack.currentWidget() is window.start_page
    assert empty_cohort.read_bytes() == before
    assert sorted(p.name for p in empty_cohort.parent.iterdir()) == [empty_cohort.name]


def test_new_cohort_refuses_an_empty_name_in_the_dialog(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: pytest.fail("saved"))

    def blank(dialog: QWidget) -> None:
        assert isinstance(dialog, NewCohortDialog)
        try:
            qtbot.keyClicks(dialog.name_edit, "   ")
            assert not dialog.create_button.isEnabled()
            qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
            dialog.accept()  # even asked directly, it does not go on without a name
            assert dialog.isVisible()
            assert dialog.focusWidget() is dialog.name_edit
        finally:
            dialog.reject()

    answering(qtbot, window.new_action.trigger, blank)
    assert window.cohort is None
    assert list(tmp_path.glob("*.icgcohort")) == []

    # Given directly, a blank name is refused too, before anything is asked or written.
    seen = answering(qtbot, lambda: window.new_cohort(name="  ", edition=DEFAULT_EDITION), None)
    assert seen[0].title == "Cohort not created"
    assert "needs a name" in seen[0].text


# --- opening: refusals, the lock, what is remembered ----------------------------------------


def test_a_file_that_is_not_a_cohort_gets_a_dialog_and_the_window_goes_on(
    qtbot, make_window, tmp_path, monkeypatch
):
    bogus = tmp_path / "notes.icgcohort"
    bogus.write_text("not a cohort at all\n" * 10)
    before = bogus.read_bytes()
    window = make_window()
    choose_files(monkeypatch, open_file=bogus)
    seen = answering(qtbot, lambda: press(qtbot, window, Qt.Key.Key_O, CTRL | SHIFT), None)
    assert seen[0].title == "Cannot open cohort"
    assert seen[0].text.startswith("The file “notes.icgcohort” is not an ICG Desk cohort")
    assert f"{bogus}: is not an ICG Desk cohort" in seen[0].details
    assert window.cohort is None
    assert window.isVisible()
    assert window.stack.currentWidget() is window.start_page
    assert bogus.read_bytes() == before
    assert not bogus.with_name("notes.icgcohort.lock").exists()


def test_a_batch_is_not_a_cohort(qtbot, make_window, folder):
    batch = sorted((folder / "batches").glob("*.icgbatch"))[0]
    window = make_window()
    seen = answering(qtbot, lambda: window.open_cohort(batch), None)
    assert f"{batch.resolve()}: is an SQLite database of another program" in seen[0].details
    assert window.cohort is None


def test_a_second_window_cannot_open_the_same_cohort(qtbot, make_window, window, cohort_path):
    second = make_window()
    seen = answering(qtbot, lambda: second.open_cohort(cohort_path), None)
    assert seen[0].title == "Cohort already open"
    assert f"{cohort_path.resolve()}: is open in the Coordinator window (process" in seen[0].text
    assert second.cohort is None
    window.close()
    assert second.open_cohort(cohort_path)


def test_a_failed_open_keeps_the_cohort_that_was_open(qtbot, window, tmp_path):
    bogus = tmp_path / "empty.icgcohort"
    bogus.write_bytes(b"")
    answering(qtbot, lambda: window.open_cohort(bogus), None)
    assert window.cohort is not None
    assert window.stack.currentWidget() is window.dashboard


def test_recent_cohorts_and_layout_are_remembered(qtbot, make_window, window, cohort_path):
    splitter = window.dashboard.main_splitter
    left = splitter.sizes()[0] - 80
    splitter.setSizes([left, sum(splitter.sizes()) - left])
    window.close()
    again = make_window()
    assert again.recent_list.count() == 1
    assert again.recent_list.item(0).data(Qt.ItemDataRole.UserRole) == str(cohort_path.resolve())
    assert [a.text() for a in again.recent_menu.actions()] == [str(cohort_path.resolve())]
    again.recent_menu.actions()[0].trigger()
    assert again.cohort is not None
    assert abs(again.dashboard.main_splitter.sizes()[0] - left) <= 2


def test_closing_the_cohort_releases_it(qtbot, window, cohort_path):
    press(qtbot, window, Qt.Key.Key_W, CTRL)
    assert window.cohort is None
    assert window.windowTitle() == "Coordinator — ICG Desk"
    assert not window.reports_action.isEnabled()
    assert not cohort_path.with_name(cohort_path.name + ".lock").exists()


def test_dropping_a_cohort_file_opens_it(qtbot, make_window, cohort_path):
    window = make_window()
    drop(window, [cohort_path])
    qtbot.waitUntil(lambda: window.cohort is not None)
    assert figure(window, "candidates") == str(CANDIDATES)


# --- actions, keys and plain text -----------------------------------------------------------


def test_every_step_has_a_key_and_a_tooltip_and_help_lists_them(qtbot, window):
    keys = {
        a.text().replace("&", ""): a.shortcut().toString()
        for a in window.actions()
        if not a.shortcut().isEmpty()
    }
    assert keys["New cohort…"] == "Ctrl+N"
    assert keys["Open cohort…"] == "Ctrl+Shift+O"
    assert keys["Import roster…"] == "Ctrl+I"
    assert keys["Release results…"] == "Ctrl+Shift+R"
    assert keys["Print reports…"] == "Ctrl+P"
    for action in window.toolbar.actions():
        if action.isSeparator():
            continue
        assert action.shortcut().toString() in action.toolTip()
    seen = answering(qtbot, lambda: press(qtbot, window, Qt.Key.Key_F1), None)
    assert "Keyboard shortcuts" in seen[0].title


def test_names_and_reasons_are_plain_text():
    tip = plain_tip("<b>Robert');</b> & co")
    assert "&lt;b&gt;" in tip
    assert "<b>" not in tip
    model = ResultsModel()
    assert model.rowCount() == 0
    assert model.columnCount() == len(ResultsModel.HEADERS)


def test_the_results_model_without_a_window(cohort_path):
    with CohortFile.open(cohort_path) as cohort:
        results = cohort_results(cohort)
    model = ResultsModel()
    model.set_results(results)
    assert model.rowCount() == CANDIDATES
    first = results.candidates[0]
    assert model.index(0, ResultsModel.NAME).data() == first.name
    # A candidate with a read still out is waiting: its decision is only so far.
    decisions = [model.index(n, ResultsModel.DECISION).data() for n in range(CANDIDATES)]
    assert decisions == [
        c.decision.headline
        if c.state.final
        else f"Waiting: 1 read missing (so far: {c.decision.headline})"
        for c in results.candidates
    ]
    assert sum(d.startswith("Waiting: ") for d in decisions) == 2
    assert model.index(0, ResultsModel.ID).data(ResultsModel.CandidateIdRole) == first.candidate_id


# --- reached from the scorer's window and from the command line -----------------------------


def test_file_open_cohort_in_the_scorers_window(qtbot, settings, cohort_path, monkeypatch):
    main = MainWindow(settings)
    qtbot.addWidget(main)
    main.show()
    choose_files(monkeypatch, open_file=cohort_path)
    main.open_cohort_action.trigger()
    coordinator = main.coordinator
    assert isinstance(coordinator, CoordinatorWindow)
    qtbot.addWidget(coordinator)
    assert coordinator.isVisible()
    assert coordinator.cohort is not None
    assert main.open_cohort_action.shortcut().toString() == "Ctrl+Shift+O"
    # The real runner: the dashboard is read off the UI thread, and arrives.
    qtbot.waitUntil(lambda: coordinator.snapshot is not None, timeout=20000)
    assert not coordinator.tasks.busy


def test_run_coordinator_opens_the_cohort_in_the_window(qtbot, cohort_path, monkeypatch):
    from icg_desk.ui import app

    seen: list[CoordinatorWindow] = []

    class Running:
        """The application, without a real event loop: app.exec() in a test breaks the next."""

        def exec(self) -> int:
            seen.extend(
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, CoordinatorWindow) and w.isVisible()
            )
            return 0

    monkeypatch.setattr(app, "application", Running)
    assert app.run_coordinator(cohort_path) == 0
    [window] = seen
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.snapshot is not None, timeout=20000)  # the real runner
    assert window.cohort is not None
    assert figure(window, "candidates") == str(CANDIDATES)


def test_a_merge_from_the_command_line_into_the_open_cohort_is_refused(
    qtbot, window, cohort_path, finished_batch
):
    """The window holds the cohort; `icg-desk cohort merge` in another process is refused,
    naming the window, and changes nothing; once the window closes the cohort, it merges."""
    import subprocess
    import sys

    def merge() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "icg_desk", "cohort", "merge", str(cohort_path),
             str(finished_batch)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    before = cohort_path.read_bytes()
    refused = merge()
    assert refused.returncode == 2, refused.stderr
    assert f"{cohort_path.resolve()}: is open in the Coordinator window (process " in refused.stderr
    assert "Traceback" not in refused.stderr
    assert cohort_path.read_bytes() == before
    window.close_cohort()
    merged = merge()
    assert merged.returncode == 0, merged.stderr
    assert cohort_path.read_bytes() != before


# --- adjudication, from the window alone -----------------------------------------------------


def test_flagged_candidates_are_sent_for_adjudication_merged_and_released(
    qtbot, make_window, tmp_path, monkeypatch
):
    from fractions import Fraction

    from icg_desk.models.batch_file import BatchFile
    from icg_desk.operations.batch_work import BatchWork

    path = build_demo_cohort(
        tmp_path / "flagged", candidates=30, words_per_entry=20, accept_flags=False
    )
    window = make_window(path)
    attention = window.dashboard.attention
    flagged = {c.code for c, _ in window.snapshot.results.open_flags}
    assert len(flagged) >= 2  # one portfolio at least for each adjudicator
    assert attention.model.open_count == len(window.snapshot.results.open_flags)
    assert attention.adjudicate_button.isEnabled()

    # No adjudicator yet: refused, saying why, and nothing written.
    outdir = tmp_path / "adjudication"
    choose_files(monkeypatch, folder=outdir)
    seen = answering(qtbot, attention.adjudicate_button.click, None)
    assert seen[0].title == "Not sent for adjudication"
    assert "names no adjudicator" in seen[0].text + seen[0].details
    assert not outdir.exists()

    sheet = tmp_path / "adjudicators.csv"
    sheet.write_text(
        "scorer_id,name,email,organisation,conflicts,role\n"
        "A-1,Ada Adj,ada@example.org,Far Away District,,adjudicator\n"
        "A-2,Bo Adj,bo@example.org,Other Far District,,adjudicator\n",
        encoding="utf-8",
    )
    assert window.import_scorers(sheet).value
    seen = answering(qtbot, lambda: press(qtbot, window, Qt.Key.Key_J, CTRL | SHIFT), None)
    assert seen[0].title == "Sent for adjudication"
    batches = sorted(outdir.glob("*.icgbatch"))
    assert len(batches) == 2
    assert all(b.name in seen[0].text for b in batches)
    assert all(code in seen[0].text for code in flagged)

    for batch_path in batches:  # the adjudicators score the factors asked
        with BatchFile.open(batch_path) as batch:
            work = BatchWork(batch)
            for p in work.portfolios():
                for key in work.portfolio(p.id).adjudicate:
                    work.set_score(p.id, key, Fraction(3))
                work.mark_complete(p.id)
    seen = answering(qtbot, lambda: window.merge_returned(batches), "Close")
    assert "adjudicated" in seen[0].text
    assert attention.model.open_count == 0
    assert not attention.adjudicate_button.isEnabled()
    # The results table says which factors were adjudicated, and by whom.
    flags_column = [row[ResultsModel.FLAGS] for row in results_table(window)]
    adjudicated = [t for t in flags_column if t.startswith("Adjudicated: ")]
    assert len(adjudicated) == len({c for c in flagged})
    assert all(" by A-" in t for t in adjudicated)
    seen = answering(qtbot, window.release_action.trigger, "Release and lock")
    assert window.snapshot.released_at is not None
