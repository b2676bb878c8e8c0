"""The coordinator's view of agreement (issue 16, item 3): the Scorer agreement tab of the
Coordinator window, its charts, and the Agreement sheet of the summary workbook, on the demo
cohort of docs/agreement.md (S-01 scores a level high on three factors, S-02 drifts)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QColor

from icg_desk.demo.agreement import DEMO_BIASES, build_agreement_cohort
from icg_desk.export.agreement_sheet import AGREEMENT, SCORER_HEADS
from icg_desk.models.agreement import cohort_agreement
from icg_desk.models.cohort_file import CohortFile
from icg_desk.operations import cohort as cohort_ops
from icg_desk.ui import palette as palettes
from icg_desk.ui.agreement_charts import DriftChart, SeverityChart
from icg_desk.ui.coordinator_agreement import ScorerAgreementModel
from icg_desk.ui.coordinator_window import CoordinatorWindow
from icg_desk.ui.tasks import SyncTaskRunner

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


@pytest.fixture(scope="module")
def demo_cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("agreement")
    return build_agreement_cohort(folder / "demo.icgcohort", weeks=5, biases=DEMO_BIASES)


@pytest.fixture
def cohort(demo_cohort: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo.icgcohort"
    shutil.copyfile(demo_cohort, target)
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


def _rows(window: CoordinatorWindow) -> list[tuple[str, str]]:
    """(scorer, flag) as the table shows them, top to bottom."""
    view = window.dashboard.agreement.scorer_view
    model = view.model()
    return [
        (
            model.index(r, ScorerAgreementModel.SCORER).data(),
            model.index(r, ScorerAgreementModel.FLAGS).data(),
        )
        for r in range(model.rowCount())
    ]


def test_tab_leaves_the_scorer_table_for_the_next_control(qtbot, window):
    """A person reading the table with the arrows leaves it with Tab, as any control: Tab
    moving from cell to cell kept the keyboard in the table (seen driving it with xdotool)."""
    _open_view(qtbot, window)
    panel = window.dashboard.agreement
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    panel.scorer_view.setFocus()
    qtbot.waitUntil(panel.scorer_view.hasFocus)
    qtbot.keyClick(panel.scorer_view, Qt.Key.Key_Down)
    row = panel.scorer_view.currentIndex().row()
    qtbot.keyClick(panel.scorer_view, Qt.Key.Key_Tab)
    assert not panel.scorer_view.hasFocus()
    assert panel.scorer_view.currentIndex().row() == row  # Tab moved the focus, not the row


def test_the_keyboard_opens_the_view_and_the_flagged_scorers_stand_out(qtbot, window):
    _open_view(qtbot, window)
    panel = window.dashboard.agreement
    assert window.dashboard.tabs.currentWidget() is panel
    assert panel.scorer_view.hasFocus()
    # The flagged first, in plain words; every other scorer without a flag.
    rows = _rows(window)
    assert rows[:2] == [("S-01", "scores high"), ("S-02", "drifts")]
    assert all(flag == "" for _, flag in rows[2:])
    assert len(rows) == 12
    assert panel.flagged_label.text() == "Flagged: S-01 scores high; S-02 drifts"
    # Flagged rows are drawn in the theme's error colour; the others are not.
    model = panel.scorer_view.model()
    error = QColor(palettes.current().error)
    for row, (scorer, _flag) in enumerate(rows):
        colour = model.index(row, ScorerAgreementModel.SCORER).data(Qt.ItemDataRole.ForegroundRole)
        assert (colour == error) == (scorer in ("S-01", "S-02")), scorer
    # The same two are highlighted in the charts' data, and said in words.
    assert panel.severity_chart.highlighted == ["S-01"]
    assert panel.drift_chart.highlighted == ["S-02"]
    assert "Flagged: S-01 scores high" in panel.severity_chart.accessibleDescription()
    assert "Drifting: S-02 (+0.30 a week)" in panel.drift_chart.accessibleDescription()
    # The view takes the window's room while shown; the side panel returns with Results.
    assert not window.dashboard.side_splitter.isVisible()
    window.dashboard.tabs.setCurrentIndex(0)
    assert window.dashboard.side_splitter.isVisible()


def test_selecting_a_scorer_shows_their_factors_and_weeks(qtbot, window, cohort):
    _open_view(qtbot, window)
    panel = window.dashboard.agreement
    view = panel.scorer_view
    row = next(r for r, (s, _) in enumerate(_rows(window)) if s == "S-02")
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.selected_scorer() == "S-02"

    with CohortFile.open(cohort) as opened:
        expected = cohort_agreement(opened).figures.scorer("S-02")
    weeks = panel.week_model
    assert weeks.rowCount() == len(expected.drift.weeks) == 5
    shown = [weeks.index(r, 2).data() for r in range(weeks.rowCount())]
    assert shown == [f"{w.severity:+.2f}" for w in expected.drift.weeks]
    # Rising week by week: the drift, in the numbers as in the chart.
    assert [w.severity for w in expected.drift.weeks] == sorted(
        w.severity for w in expected.drift.weeks
    )
    assert "drifts" in panel.detail_label.text()
    factors = panel.factor_detail_model
    assert factors.rowCount() == 7
    assert factors.index(0, 0).data() == "Impact Cycle"
    assert panel.drift_chart.selected == "S-02"
    assert panel.severity_chart.selected == "S-02"

    # S-01's by-factor severity shows where: a level high on the first three factors.
    assert panel.select_scorer("S-01")
    values = [float(factors.index(r, 1).data()) for r in range(7)]
    assert all(v > 0.6 for v in values[:3]), values
    assert all(abs(v) < 0.3 for v in values[3:]), values


def test_the_scorers_sort_by_a_column(qtbot, window):
    _open_view(qtbot, window)
    view = window.dashboard.agreement.scorer_view
    header = view.horizontalHeader()
    column = ScorerAgreementModel.ADJUSTED
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    first_order = [s for s, _ in _rows(window)]
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    second_order = [s for s, _ in _rows(window)]
    assert second_order == list(reversed(first_order))
    # By the number, not the text: the most severe one at one end.
    assert "S-01" in (first_order[0], first_order[-1])
    assert sorted(first_order) != first_order or sorted(second_order) != second_order


def test_the_charts_draw_in_each_theme_with_plain_tooltips(qtbot, window):
    _open_view(qtbot, window)
    panel = window.dashboard.agreement
    before = palettes.current()
    try:
        for palette in palettes.PALETTES:
            palettes.set_current(palette)
            for chart in (panel.severity_chart, panel.drift_chart):
                chart.resize(700, 400)
                image = chart.grab().toImage()
                error = QColor(palette.error).rgb()
                reds = sum(
                    1
                    for x in range(0, image.width(), 2)
                    for y in range(0, image.height(), 2)
                    if image.pixel(x, y) == error
                )
                # The flagged scorer is drawn in this theme's colour for a flag.
                assert reds > 20, (palette.name, type(chart).__name__, reds)
    finally:
        palettes.set_current(before)
    # A tooltip says what is under the pointer, in words.
    chart: SeverityChart | DriftChart = panel.severity_chart
    chart.grab()
    tips = [text for _box, text in chart._tips]
    assert any(t.startswith("S-01: adjusted severity +0.38, interval +0.32 to +0.43") for t in tips)
    box = next(box for box, text in chart._tips if text.startswith("S-01"))
    assert chart.tip_at(QPointF(box.center())).endswith("scores high")
    panel.distribution_chart.resize(900, 500)
    panel.distribution_chart.grab()
    assert any(t.startswith("Impact Cycle: 3 given") for _b, t in panel.distribution_chart._tips)


def test_the_view_reads_again_after_a_change(qtbot, window, cohort):
    _open_view(qtbot, window)
    panel = window.dashboard.agreement
    first = panel.found
    window.refresh()  # a step that re-reads the cohort marks the figures stale
    qtbot.waitUntil(lambda: panel.found is not first, timeout=20000)
    assert panel.found is not None
    window.close_cohort()
    assert panel.found is None
    assert panel.scorer_model.rowCount() == 0


def test_the_view_remembers_its_layout(qtbot, tmp_path, cohort):
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    first = CoordinatorWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(first)
    first.resize(1366, 768)
    first.show()
    assert first.open_cohort(cohort)
    first.agreement_action.trigger()  # the menu's action (the key is tested above)
    splitter = first.dashboard.agreement.splitter
    splitter.setSizes([150, 400])
    sizes = splitter.sizes()
    first.close()
    second = CoordinatorWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(second)
    second.resize(1366, 768)
    second.show()
    assert second.open_cohort(cohort)
    second.agreement_action.trigger()
    assert second.dashboard.agreement.splitter.sizes() == sizes


# --- the summary workbook ---------------------------------------------------------------------


def test_the_summary_workbook_has_the_agreement_sheet_and_charts(tmp_path, cohort):
    target = tmp_path / "summary.xlsx"
    cohort_ops.export_summary(cohort_ops.CohortRef(cohort), target)
    with CohortFile.open(cohort) as opened:
        expected = json.loads(json.dumps(cohort_agreement(opened).as_json()))
    book = load_workbook(target)
    sheet = book[AGREEMENT]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]

    def block(first: str) -> tuple[list[object], list[list[object]]]:
        start = next(i for i, r in enumerate(rows) if r[0] == first)
        end = next((i for i in range(start + 1, len(rows)) if rows[i][0] is None), len(rows))
        return rows[start], rows[start + 1 : end]

    head, factors = block("Factor")
    assert factors[0][2:7] == [
        expected[k]
        for k in (
            "read_pairs",
            "exact_agreement",
            "adjacent_agreement",
            "quadratic_weighted_kappa",
            "krippendorff_alpha",
        )
    ]
    for row in factors[1:]:
        figures = expected["factors"][row[1]]
        assert row[2:7] == [
            figures["read_pairs"],
            figures["exact_agreement"],
            figures["adjacent_agreement"],
            figures["quadratic_weighted_kappa"],
            figures["krippendorff_alpha"],
        ]

    head, scorers = block("Scorer")
    column = {name: head.index(name) for name in SCORER_HEADS}
    assert [r[0] for r in scorers] == [s["scorer_id"] for s in expected["scorers"]]
    for row, s in zip(scorers, expected["scorers"], strict=True):
        assert row[column["Reads"]] == s["reads"]
        assert row[column["Exact agreement"]] == s["exact_agreement"]
        assert row[column["Severity"]] == s["severity"]
        assert [row[column["Severity low"]], row[column["Severity high"]]] == (
            s["severity_interval"]
        )
        assert row[column["Adjusted severity"]] == s["severity_adjusted"]
        assert [row[column["Adjusted low"]], row[column["Adjusted high"]]] == (
            s["severity_adjusted_interval"]
        )
        assert row[column["Drift per week"]] == s["drift"]["slope_per_week"]
        assert [row[column["Drift low"]], row[column["Drift high"]]] == (
            s["drift"]["slope_interval"]
        )
    flags = {r[0]: r[column["Flag"]] for r in scorers}
    assert flags["S-01"] == "scores high"
    assert flags["S-02"] == "drifts"
    assert all(v is None for k, v in flags.items() if k not in ("S-01", "S-02"))

    head, weeks = block("Week")
    s02 = head.index("S-02")
    assert [r[s02] for r in weeks] == [
        w["severity"] for w in expected["scorers"][1]["drift"]["weeks"]
    ]
    head, scores = block("Score")
    assert [r[0] for r in scores] == [
        "1-",
        "1",
        "1+",
        "2-",
        "2",
        "2+",
        "3-",
        "3",
        "3+",
        "4-",
        "4",
        "4+",
    ]
    assert sum(r[1] for r in scores) == expected["reads"]  # every read scores every factor

    # Three native charts: distributions, severity with error bars, drift.
    charts = sheet._charts
    assert len(charts) == 3
    kinds = sorted(type(c).__name__ for c in charts)
    assert kinds == ["BarChart", "BarChart", "LineChart"]
    severity = next(c for c in charts if c.type == "bar" if type(c).__name__ == "BarChart")
    bars = severity.series[0]
    assert bars.errBars is not None
    assert bars.errBars.errValType == "cust"
    assert [p.idx for p in bars.dPt] == [0]  # S-01, the flagged bar
    drift = next(c for c in charts if type(c).__name__ == "LineChart")
    widths = [s.graphicalProperties.line.width for s in drift.series]
    assert widths[1] > widths[0]  # S-02's line, drifting, is the thick one
    # Scorers and weeks labelled at the plot's low edge, not on the bars at 0 (LibreOffice).
    assert [c.x_axis.tickLblPos for c in charts] == ["low"] * 3


def test_text_in_the_agreement_sheet_is_text_not_a_formula(tmp_path, cohort):
    con = sqlite3.connect(cohort)
    con.execute("UPDATE scorer SET scorer_id = '=1+1' WHERE scorer_id = 'S-03'")
    con.commit()
    con.close()
    target = tmp_path / "summary.xlsx"
    cohort_ops.export_summary(cohort_ops.CohortRef(cohort), target)
    sheet = load_workbook(target)[AGREEMENT]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=1+1"]
    assert cells, "the scorer id is in the sheet"
    assert all(c.data_type == "s" for c in cells)
