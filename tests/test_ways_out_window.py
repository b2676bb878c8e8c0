"""The ways out in the Coordinator window: menus, the reason dialog, refusals as the CLI's."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget
from sqlalchemy import select

from icg_desk.demo.cohort import build_demo_cohort
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import release_results
from icg_desk.models.cohort_schema import Scorer
from icg_desk.models.ways_out import coordinator_log
from icg_desk.ui.coordinator_ways_out import WayOutDialog
from icg_desk.ui.coordinator_window import CoordinatorWindow
from icg_desk.ui.tasks import SyncTaskRunner


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four candidates, every read merged but the first batch's last portfolio; flags accepted."""
    folder = tmp_path_factory.mktemp("ways-window")
    build_demo_cohort(folder, candidates=4, scorers=3, words_per_entry=30, unscored=1)
    return folder


@pytest.fixture
def cohort_path(demo: Path, tmp_path: Path) -> Path:
    shutil.copytree(demo, tmp_path / "cohort")
    return tmp_path / "cohort" / "demo.icgcohort"


@pytest.fixture
def window(qtbot, tmp_path, cohort_path) -> CoordinatorWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = CoordinatorWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    assert window.open_cohort(cohort_path)
    return window


def answering(qtbot, action: Callable[[], object], *answers: Callable[[QWidget], None]) -> list:
    """Run `action`, doing each answer to each modal dialog it opens, in turn; a dialog beyond
    the answers is closed and reported too. Returns [the action's result, (dialog, text)...]."""
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


def fill(reason: str, by: str = "Ana Ruiz", **choices: str) -> Callable[[QWidget], None]:
    def answer(dialog: QWidget) -> None:
        assert isinstance(dialog, WayOutDialog)
        for name, value in choices.items():
            assert dialog.choose(name, value), (name, value)
        dialog.by_edit.setText(by)
        assert not dialog.ok.isEnabled() or dialog.reason_edit.toPlainText()
        dialog.reason_edit.setPlainText(reason)
        assert dialog.ok.isEnabled() == bool(reason.strip() and by.strip())
        dialog.ok.click() if dialog.ok.isEnabled() else dialog.reject()

    return answer


def close(dialog: QWidget) -> None:
    dialog.close() if isinstance(dialog, QMessageBox) else dialog.reject()  # type: ignore[attr-defined]


def waiting_code(window: CoordinatorWindow) -> str:
    (c,) = window.snapshot.results.waiting
    return c.code


def test_withdraw_from_the_menu_asks_why_and_release_then_goes(qtbot, window, cohort_path):
    code = waiting_code(window)
    assert window.withdraw_action.isEnabled()
    assert not window.reopen_action.isEnabled()  # nothing released to reopen
    # Without a reason the button stays off; the dialog is cancelled and nothing changes.
    task, (dialog, _) = answering(
        qtbot, window.withdraw_action.trigger, fill("", wayOutCandidate=code)
    )
    assert window.snapshot.results.waiting
    with CohortFile.open(cohort_path) as cohort:
        assert coordinator_log(cohort) == ()

    answering(
        qtbot, window.withdraw_action.trigger, fill("Left the district", wayOutCandidate=code)
    )
    results = window.snapshot.results
    assert results.waiting == ()
    assert [c.code for c in results.withdrawn] == [code]
    model = window.dashboard.results_view.model()
    rows = [
        [model.index(r, col).data() for col in range(model.columnCount())]
        for r in range(model.rowCount())
    ]
    (mine,) = [row for row in rows if code in row]
    assert "Withdrawn" in mine
    assert "Withdrew candidate" in window.statusBar().currentMessage()
    with CohortFile.open(cohort_path) as cohort:
        (event,) = coordinator_log(cohort)
    assert (event.action, event.by, event.reason) == ("withdrawn", "Ana Ruiz", "Left the district")

    # Withdrawing again: the window says what the CLI says, and nothing changes.
    _task, (box, text) = answering(
        qtbot, lambda: window.withdraw_candidate(code, "again", "Ana Ruiz"), close
    )
    assert isinstance(box, QMessageBox)
    assert "already withdrawn by Ana Ruiz" in text
    assert "Nothing changed." in text

    # Reinstating from the menu lists the withdrawn candidate only.
    def reinstate(dialog: QWidget) -> None:
        assert isinstance(dialog, WayOutDialog)
        combo = dialog.combos["wayOutCandidate"]
        assert [combo.itemData(i) for i in range(combo.count())] == [code]
        fill("Came back")(dialog)

    answering(qtbot, window.reinstate_action.trigger, reinstate)
    assert [c.code for c in window.snapshot.results.waiting] == [code]


def test_reopen_from_the_menu_unlocks_the_steps(qtbot, window, cohort_path):
    code = waiting_code(window)
    assert window.withdraw_candidate(code, "Left", "Ana Ruiz").value
    with CohortFile.open(cohort_path) as cohort:
        release_results(cohort)
    window.refresh()
    assert window.snapshot.released_at is not None
    assert window.reopen_action.isEnabled()
    assert not window.withdraw_action.isEnabled()
    assert not window.reassign_action.isEnabled()

    answering(qtbot, window.reopen_action.trigger, fill("A score was misread"))
    assert window.snapshot.released_at is None
    assert not window.reopen_action.isEnabled()
    assert window.withdraw_action.isEnabled()
    assert window.merge_action.isEnabled()
    # Reopening again is refused as on the command line.
    _task, (_box, text) = answering(
        qtbot, lambda: window.reopen_results("again", "Ana Ruiz"), close
    )
    assert "not released; there is nothing to reopen" in text
    with CohortFile.open(cohort_path) as cohort:
        actions = [e.action for e in coordinator_log(cohort)]
    assert actions == ["withdrawn", "reopened"]


def test_take_a_read_back_lists_the_candidates_scorers_and_refuses_as_the_cli_does(
    qtbot, window, cohort_path
):
    results = window.snapshot.results
    code = waiting_code(window)
    reads = [r for r in results.reads if r.code == code]
    partial = next(r for r in reads if not r.complete)
    others = sorted({p.scorer_id for p in window.snapshot.status.per_scorer} -
                    {r.scorer_id for r in reads})  # fmt: skip

    def pick(dialog: QWidget) -> None:
        assert isinstance(dialog, WayOutDialog)
        assert dialog.choose("wayOutCandidate", code)
        froms = dialog.combos["wayOutFrom"]
        assert sorted(froms.itemData(i) for i in range(froms.count())) == sorted(
            r.scorer_id for r in reads
        )
        fill("Gone quiet", wayOutFrom=partial.scorer_id, wayOutTo=others[0])(dialog)

    target = others[0]

    def conflicts(cids: list[str]) -> None:
        with CohortFile.open(cohort_path) as cohort, cohort.transaction() as s:
            scorer = s.scalars(select(Scorer).where(Scorer.scorer_id == target)).one()
            scorer.conflicts, scorer.organisation = cids, "Elsewhere"  # no clash but this
        window.refresh()

    # A scorer with a declared conflict: refused as on the command line, nothing changed.
    conflicts([next(c.candidate_id for c in results.candidates if c.code == code)])
    _task, *shown = answering(qtbot, window.reassign_action.trigger, pick)
    assert len(shown) == 2
    text = shown[1][1]
    assert f"cannot go to scorer {target}: the scorer declared a conflict of interest" in text
    assert "Nothing changed." in text
    assert [r.scorer_id for r in window.snapshot.results.reads if r.code == code] == [
        r.scorer_id for r in reads
    ]
    conflicts([])
    window.refresh()
    _task, *shown = answering(qtbot, window.reassign_action.trigger, pick)
    assert len(shown) == 1, shown[1:]  # the dialog, and no refusal after it
    after = [r for r in window.snapshot.results.reads if r.code == code]
    assert sorted(r.scorer_id for r in after) == sorted(
        [others[0], *(r.scorer_id for r in reads if r is not partial)]
    )
    assert f"the read of {partial.scorer_id} is now {others[0]}'s" in (
        window.statusBar().currentMessage()
    )

    complete = next(c for c in results.candidates if c.reads_in == 2)
    scorer = next(r.scorer_id for r in results.reads if r.code == complete.code)
    _task, (_box, text) = answering(
        qtbot,
        lambda: window.reassign_read(complete.code, scorer, others[0], "x", "Ana Ruiz"),
        close,
    )
    assert f"the read by scorer {scorer} came back complete" in text
