"""Backreading in the Coordinator window: Cohort > Backread a sample… (its dialog, the step,
a refusal as the CLI's) and the Backreads tab of the Scorer agreement view."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QProgressDialog, QWidget
from sqlalchemy import insert, select

from icg_desk.demo.cohort import build_demo_cohort, score_batch
from icg_desk.models.agreement import cohort_agreement
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import ADJUDICATOR, BACKREAD, Assignment, Scorer
from icg_desk.operations.merge import merge_files
from icg_desk.operations.sending import export_batches
from icg_desk.ui.backread_dialog import BackreadDialog
from icg_desk.ui.backread_view import BackreadDifferenceModel, BackreadScorerModel
from icg_desk.ui.coordinator_window import CoordinatorWindow
from icg_desk.ui.tasks import SyncTaskRunner

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
READER = "A-01"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 candidates read twice by 3 scorers, every read merged, and an adjudicator."""
    folder = tmp_path_factory.mktemp("backread-window")
    path = build_demo_cohort(folder, candidates=24, scorers=3, words_per_entry=30)
    with CohortFile.open(path) as cohort, cohort.transaction() as session:
        session.execute(
            insert(Scorer), [{"scorer_id": READER, "name": "Ada Reader", "role": ADJUDICATOR}]
        )
    return folder


@pytest.fixture
def cohort_path(demo: Path, tmp_path: Path) -> Path:
    shutil.copytree(demo, tmp_path / "cohort")
    return tmp_path / "cohort" / "demo.icgcohort"


@pytest.fixture
def window(qtbot, tmp_path: Path, cohort_path: Path) -> CoordinatorWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    made = CoordinatorWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(made)
    made.resize(1366, 800)
    made.show()
    assert made.open_cohort(cohort_path)
    return made


def answering(qtbot, action: Callable[[], object], *answers: Callable[[QWidget], None]) -> list:
    """Run `action`, doing each answer to each modal dialog it opens, in turn (as
    test_ways_out_window's); returns [the action's result, (dialog, text)...]."""
    seen: list[QWidget] = []
    texts: list[str] = []
    pending = list(answers)
    running = [True]

    def poll() -> None:
        if not running[0]:
            return
        dialog = QApplication.activeModalWidget()
        if dialog is not None and not isinstance(dialog, QProgressDialog) and dialog not in seen:
            seen.append(dialog)
            texts.append(dialog.text() if isinstance(dialog, QMessageBox) else "")
            (pending.pop(0) if pending else close)(dialog)
        QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)
    try:
        result = action()
    finally:
        running[0] = False
    assert not pending, f"{len(pending)} dialogs never opened"
    return [result, *zip(seen, texts, strict=True)]


def close(dialog: QWidget) -> None:
    dialog.close() if isinstance(dialog, QMessageBox) else dialog.reject()  # type: ignore[attr-defined]


def pick(
    per_scorer: int | None = 2, *, scorers: list[str] | None = None, seed: int = 4
) -> Callable[[QWidget], None]:
    def answer(dialog: QWidget) -> None:
        assert isinstance(dialog, BackreadDialog)
        # Only adjudicators may read; only scorers with reads back are offered.
        assert [dialog.reader_combo.itemData(i) for i in range(dialog.reader_combo.count())] == [
            READER
        ]
        assert dialog.scorers() == ["S-01", "S-02", "S-03"]
        if scorers is not None:
            dialog.set_scorers(scorers)
        if per_scorer is None:
            dialog.share_button.setChecked(True)
            dialog.share_spin.setValue(25)
        else:
            dialog.per_scorer_spin.setValue(per_scorer)
        dialog.seed_spin.setValue(seed)
        dialog.by_edit.setText("")
        assert not dialog.ok.isEnabled()  # who pulls it is required
        dialog.by_edit.setText("Ana Ruiz")
        assert dialog.ok.isEnabled()
        dialog.ok.click()

    return answer


def _backread_scorers(path: Path) -> list[str]:
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        reads = select(Assignment.of_read).where(Assignment.kind == BACKREAD)
        return sorted(
            session.scalars(
                select(Scorer.scorer_id)
                .join(Assignment, Assignment.scorer_ref == Scorer.id)
                .where(Assignment.id.in_(reads))
            )
        )


def test_the_menu_pulls_a_sample_of_the_scorers_chosen(qtbot, window, cohort_path):
    assert window.backread_action.isEnabled()
    assert window.backread_action.shortcut().toString() == "Ctrl+Shift+P"
    _task, *shown = answering(
        qtbot, window.backread_action.trigger, pick(2, scorers=["S-01", "S-03"])
    )
    assert len(shown) == 1  # the dialog, and no refusal after it
    assert _backread_scorers(cohort_path) == ["S-01", "S-01", "S-03", "S-03"]
    message = window.statusBar().currentMessage()
    assert "Pulled 4 reads for A-01 to backread (seed 4): S-01 2, S-03 2" in message
    # The share: a quarter of each scorer's 16 reads is 4; two of S-01 and S-03 are in.
    answering(qtbot, window.backread_action.trigger, pick(None))
    assert _backread_scorers(cohort_path).count("S-02") == 4
    assert _backread_scorers(cohort_path).count("S-01") == 4


def test_a_refusal_is_shown_and_changes_nothing(qtbot, window, cohort_path):
    _task, _dialog, (_box, text) = answering(qtbot, window.backread_action.trigger, pick(40), close)
    assert "too few completed reads: S-01 has 16 that A-01 may backread, 40 asked" in text
    assert "Nothing changed." in text
    assert _backread_scorers(cohort_path) == []


def test_the_backreads_tab_shows_each_scorer_and_every_difference(qtbot, window, cohort_path):
    answering(qtbot, window.backread_action.trigger, pick(3))
    # The reader's batch goes out, is scored and comes back like any batch.
    outbox = cohort_path.parent / "backreads"
    with CohortFile.open(cohort_path) as cohort:
        (batch,) = export_batches(cohort, outbox)
        score_batch(batch.path, seed=77)
        merge_files(cohort, [batch.path])
        found = cohort_agreement(cohort)
    window.refresh()
    window.show_agreement()
    panel = window.dashboard.agreement
    qtbot.waitUntil(lambda: panel.found is not None, timeout=20000)
    panel.charts.setCurrentWidget(panel.backread_panel)
    view = panel.backread_panel
    scorers = view.scorer_view.model()
    rows = {
        scorers.index(r, BackreadScorerModel.SCORER).data(): scorers.index(
            r, BackreadScorerModel.BACK
        ).data()
        for r in range(scorers.rowCount())
    }
    assert rows == {"S-01": "3 of 3", "S-02": "3 of 3", "S-03": "3 of 3"}
    differences = view.difference_view.model()
    expected = found.backreads.differences
    assert expected, "the made-up reads should differ somewhere"
    assert differences.rowCount() == len(expected)
    assert f"{len(expected)} factors scored differently" in view.line.text()
    # Sorted by the difference, as the coordinator clicks its heading.
    view.difference_view.sortByColumn(
        BackreadDifferenceModel.DIFFERENCE, Qt.SortOrder.DescendingOrder
    )
    shown = [
        float(differences.index(r, BackreadDifferenceModel.DIFFERENCE).data())
        for r in range(differences.rowCount())
    ]
    assert shown == sorted(shown, reverse=True)
    assert shown[0] == max(float(d.points) for d in expected)
    # Choosing a scorer shows theirs only.
    assert view.select_scorer("S-02")
    theirs = [d for d in expected if d.scorer_id == "S-02"]
    assert differences.rowCount() == len(theirs)
    assert {
        differences.index(r, BackreadDifferenceModel.SCORER).data()
        for r in range(differences.rowCount())
    } <= {"S-02"}
    assert f": {len(theirs)}." in view.difference_label.text()


def test_without_an_adjudicator_the_dialog_says_so_and_cannot_pull(qtbot):
    from icg_desk.models.cohort_status import ScorerProgress

    dialog = BackreadDialog(
        [ScorerProgress("S-01", "One", 8, 8, 8), ScorerProgress("S-02", "Two", 8, 8, 0)]
    )
    qtbot.addWidget(dialog)
    assert dialog.reader_combo.count() == 0
    assert dialog.scorers() == ["S-01"]  # S-02 has no read back yet
    assert not dialog.ok.isEnabled()
    dialog.accept()
    assert dialog.result() != BackreadDialog.DialogCode.Accepted
    words = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "No scorer has the role adjudicator" in words
