"""The validity and practice figures in the Coordinator window (issue 16, items 1, 3 and 4): the
Scorer agreement view's Validity and Practice columns, flags and forest plot, the unlock code
dialog, and the Agreement sheet's validity and practice tables.

The cohort is docs/agreement.md's demo (S-01 a level high on three factors, S-02 drifting) with
8 validity portfolios per scorer and 5 practice portfolios; S-01 did not qualify on practice and
the coordinator let them through."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget
from sqlalchemy import select

from icg_desk.demo.agreement import DEMO_BIASES, DEMO_UNLOCKED, build_agreement_cohort
from icg_desk.export.agreement_sheet import AGREEMENT
from icg_desk.export.quality_sheet import PRACTICE_HEADS, VALIDITY_HEADS
from icg_desk.models.agreement import cohort_agreement
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import CohortInfo, CoordinatorEvent
from icg_desk.operations import cohort as cohort_ops
from icg_desk.scoring.calibration import unlock_code
from icg_desk.scoring.quality import MISSES_KEY, SCORES_HIGH_ON_KEY
from icg_desk.ui import palette as palettes
from icg_desk.ui.coordinator_agreement import ScorerAgreementModel
from icg_desk.ui.coordinator_unlock import UnlockCodeDialog
from icg_desk.ui.coordinator_ways_out import WayOutDialog
from icg_desk.ui.coordinator_window import CoordinatorWindow
from icg_desk.ui.tasks import SyncTaskRunner

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


@pytest.fixture(scope="module")
def seeded_cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("agreement-quality")
    return build_agreement_cohort(
        folder / "demo.icgcohort",
        weeks=5,
        biases=DEMO_BIASES,
        validity=8,
        practice=5,
        unlocked=DEMO_UNLOCKED,
    )


@pytest.fixture
def cohort(seeded_cohort: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo.icgcohort"
    shutil.copyfile(seeded_cohort, target)
    return target


@pytest.fixture
def window(qtbot, tmp_path: Path, cohort: Path) -> CoordinatorWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    made = CoordinatorWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(made)
    made.resize(1366, 768)
    made.show()
    assert made.open_cohort(cohort)
    qtbot.waitUntil(lambda: made.snapshot is not None, timeout=20000)
    return made


def _open_view(qtbot, window: CoordinatorWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_G, CTRL | SHIFT)
    panel = window.dashboard.agreement
    qtbot.waitUntil(lambda: panel.found is not None, timeout=20000)


def _cells(window: CoordinatorWindow, column: int) -> dict[str, str]:
    model = window.dashboard.agreement.scorer_view.model()
    return {
        model.index(r, ScorerAgreementModel.SCORER).data(): model.index(r, column).data()
        for r in range(model.rowCount())
    }


def test_the_view_shows_each_scorers_validity_and_practice_in_words_and_colour(qtbot, window):
    _open_view(qtbot, window)
    panel = window.dashboard.agreement
    model = panel.scorer_view.model()
    validity = _cells(window, ScorerAgreementModel.VALIDITY)
    practice = _cells(window, ScorerAgreementModel.PRACTICE)
    flags = _cells(window, ScorerAgreementModel.FLAGS)
    assert len(validity) == 12
    # S-01: low exact share, well above the agreed scores, with the interval in the cell.
    exact, _, difference = validity["S-01"].partition(" exact, ")
    assert 0 < float(exact) < 0.45
    value, _, interval = difference.partition(" [")
    low, high = (float(x) for x in interval.rstrip("]").split(", "))
    assert 0.125 < low < float(value) < high
    assert practice["S-01"] == "not qualified, unlocked by Coordinator"
    assert flags["S-01"].startswith("scores high, ")
    assert SCORES_HIGH_ON_KEY in flags["S-01"]
    # The scorers on the level: no validity flag, qualified on practice.
    on_level = [s for s in validity if s not in ("S-01", "S-02")]
    assert all(flags[s] == "" for s in on_level), flags
    assert all(practice[s].startswith("qualified (") for s in on_level), practice
    # The drifting scorer is off the key at both ends of the summer: the exact share says so.
    assert flags["S-02"] == f"drifts, {MISSES_KEY}"
    # In the error colour where flagged, on the Validity column; never for a scorer on the level.
    error = QColor(palettes.current().error)
    for row in range(model.rowCount()):
        scorer = model.index(row, ScorerAgreementModel.SCORER).data()
        colour = model.index(row, ScorerAgreementModel.VALIDITY).data(
            Qt.ItemDataRole.ForegroundRole
        )
        assert (colour == error) == (scorer in ("S-01", "S-02")), scorer
    # Named above the table, and in the tooltip with the practice result in full.
    assert "S-01 scores high, scores high on validity" in panel.flagged_label.text()
    s01 = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "S-01")
    tip = model.index(s01, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "Validity: 8 reads, 56 factor scores" in tip
    assert "Practice:" in tip
    assert "not qualified; unlocked by Coordinator" in tip
    # Selected, the scorer's validity and practice are said beside their other figures.
    assert panel.select_scorer("S-01")
    detail = panel.detail_label.text().splitlines()[-1]
    assert detail.startswith("Validity ")
    assert detail.endswith("(8 reads); practice not qualified, unlocked by Coordinator")
    # Sorting by Practice puts the unqualified at one end.
    panel.scorer_view.sortByColumn(ScorerAgreementModel.PRACTICE, Qt.SortOrder.DescendingOrder)
    assert model.index(0, ScorerAgreementModel.SCORER).data() == "S-01"


def test_the_validity_forest_plot_beside_the_severity_one(qtbot, window):
    _open_view(qtbot, window)
    panel = window.dashboard.agreement
    chart = panel.validity_chart
    assert [r.scorer_id for r in chart.rows] == [f"S-{n:02d}" for n in range(1, 13)]
    assert chart.highlighted == ["S-01", "S-02"]
    assert next(r for r in chart.rows if r.scorer_id == "S-01").flag.startswith("scores high")
    assert "difference from the validity portfolios' agreed scores" in (
        chart.accessibleDescription()
    )
    tabs = panel.charts
    index = next(i for i in range(tabs.count()) if tabs.tabText(i) == "Validity")
    tabs.setCurrentIndex(index)
    qtbot.waitExposed(chart)
    image = chart.grab().toImage()
    assert not image.isNull()
    assert image.width() > 300
    panel.select_scorer("S-03")
    assert chart.selected == "S-03"


def _answering(qtbot, action: Callable[[], object], *answers: Callable[[QWidget], None]) -> list:
    """Run `action`, answering each modal dialog it opens in turn; returns the dialogs seen."""
    seen: list[QWidget] = []
    pending = list(answers)
    running = [True]

    def poll() -> None:
        if not running[0]:
            return
        dialog = QApplication.activeModalWidget()
        if dialog is not None and not isinstance(dialog, QProgressDialog) and dialog not in seen:
            seen.append(dialog)
            if pending:
                pending.pop(0)(dialog)
            else:
                dialog.close() if isinstance(dialog, QMessageBox) else dialog.reject()  # type: ignore[attr-defined]
        QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)
    try:
        action()
    finally:
        running[0] = False
    assert not pending, f"{len(pending)} dialogs never opened"
    return seen


def test_the_unlock_code_is_shown_after_the_reason_and_logged(qtbot, window, cohort):
    codes: list[str] = []

    def ask(dialog: QWidget) -> None:
        assert isinstance(dialog, WayOutDialog)
        assert not dialog.ok.isEnabled()  # the reason first
        assert dialog.choose("unlockBatch", "agreement-S-04")
        dialog.by_edit.setText("Ana Ruiz")
        dialog.reason_edit.setPlainText("missed the practice day; calibrated by phone")
        assert dialog.ok.isEnabled()
        dialog.ok.click()

    def show(dialog: QWidget) -> None:
        assert isinstance(dialog, UnlockCodeDialog)
        label = dialog.code_label
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
        assert label.font().pointSizeF() >= 20
        codes.append(label.text())
        dialog.copy_button.click()
        dialog.reject()

    seen = _answering(qtbot, window.unlock_action.trigger, ask, show)
    assert len(seen) == 2
    with CohortFile.open(cohort) as opened, opened.reading() as session:
        secret = session.scalar(select(CohortInfo.secret))
        events = list(session.scalars(select(CoordinatorEvent).order_by(CoordinatorEvent.id)))
        assert secret
        assert codes == [unlock_code(secret, "agreement-S-04")]
        last = events[-1]
        assert (last.action, last.actor, last.to_scorer, last.batch_id) == (
            "unlocked",
            "Ana Ruiz",
            "S-04",
            "agreement-S-04",
        )
        assert last.reason == "missed the practice day; calibrated by phone"
    assert QGuiApplication.clipboard().text() == codes[0]
    # The agreement view shows it beside S-04's practice result once read again.
    window.show_agreement()
    panel = window.dashboard.agreement
    qtbot.waitUntil(lambda: panel.found is not None, timeout=20000)
    assert panel.found is not None
    s04 = panel.found.figures.scorer("S-04")
    assert "unlocked by Ana Ruiz" in panel.scorer_model._tooltip(s04)


def test_a_cancelled_unlock_gives_no_code_and_logs_nothing(qtbot, window, cohort):
    def cancel(dialog: QWidget) -> None:
        assert isinstance(dialog, WayOutDialog)
        dialog.reason_edit.setPlainText("changed my mind")
        dialog.reject()

    seen = _answering(qtbot, window.unlock_action.trigger, cancel)
    assert len(seen) == 1
    with CohortFile.open(cohort) as opened, opened.reading() as session:
        actors = list(session.scalars(select(CoordinatorEvent.actor)))
    assert actors == ["Coordinator"]  # the demo's own unlock of S-01 only


def test_the_agreement_sheet_has_the_validity_and_practice_tables(tmp_path, cohort):
    target = tmp_path / "summary.xlsx"
    cohort_ops.export_summary(cohort_ops.CohortRef(cohort), target)
    with CohortFile.open(cohort) as opened:
        expected = cohort_agreement(opened).as_json()
    rows = [list(r) for r in load_workbook(target)[AGREEMENT].iter_rows(values_only=True)]

    def table(head: tuple[str, ...]) -> list[list[object]]:
        start = next(i for i, r in enumerate(rows) if tuple(r[: len(head)]) == head)
        end = next((i for i in range(start + 1, len(rows)) if rows[i][0] is None), len(rows))
        return [r[: len(head)] for r in rows[start + 1 : end]]

    scorers = expected["scorers"]
    assert isinstance(scorers, list)
    validity = table(VALIDITY_HEADS)
    assert [r[0] for r in validity] == [s["scorer_id"] for s in scorers]
    for row, s in zip(validity, scorers, strict=True):
        v = s["validity"]
        assert row[1:8] == [
            v["reads"],
            v["factor_scores"],
            v["exact"],
            v["same_level"],
            v["difference"],
            *v["difference_interval"],
        ]
        assert (row[8] or "") == ", ".join(v["flags"])
    practice = table(PRACTICE_HEADS)
    first = practice[0]
    assert first[0] == "S-01"
    assert first[7] == "unlocked by the coordinator"
    assert first[8] == "Coordinator"
    assert all(r[7] == "qualified" for r in practice[1:])
    # The scorers table's Validity exact column is the same number.
    head = next(r for r in rows if r[0] == "Scorer")
    s01 = next(r for r in rows if r[0] == "S-01")
    assert s01[head.index("Validity exact")] == scorers[0]["validity_exact"]
