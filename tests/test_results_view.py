"""The Coordinator window's results table: whole decisions, and colours that agree with the rules.

Driven through the real window on a demo cohort whose reads of two candidates are rewritten: one
with an overall above the threshold and a factor below the floor (not certified, overall met),
one below the threshold.
"""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor
from sqlalchemy import select

from icg_desk.demo.cohort import build_demo_cohort
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import Assignment, Candidate, ReadScore
from icg_desk.scoring import format_score
from icg_desk.ui import palette as palettes
from icg_desk.ui.coordinator_dashboard import ResultsModel
from icg_desk.ui.coordinator_window import CoordinatorWindow
from icg_desk.ui.tasks import SyncTaskRunner

F = Fraction


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    return build_demo_cohort(folder, candidates=8, scorers=3, words_per_entry=40)


def rescore(path: Path, candidate_id: str, scores: dict[str, Fraction]) -> None:
    """Every read of the candidate, as if each scorer had given these scores."""
    with CohortFile.open(path) as cohort, cohort.transaction() as session:
        rows = session.scalars(
            select(ReadScore)
            .join(Assignment, ReadScore.assignment_ref == Assignment.id)
            .join(Candidate, Assignment.candidate_ref == Candidate.id)
            .where(Candidate.candidate_id == candidate_id)
        ).all()
        assert rows
        for row in rows:
            row.score = scores[row.factor_key]


@pytest.fixture
def cohort_path(demo: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "cohort"
    shutil.copytree(demo.parent, folder)
    path = folder / demo.name
    with CohortFile.open(path) as cohort:
        keys = cohort.rubric.factor_keys
        with cohort.reading() as session:
            ids = sorted(session.scalars(select(Candidate.candidate_id)))
    # Overall (6 x 4.00 + 1.00) / 7 = 3.57, and Data below the floor: not certified.
    rescore(path, ids[0], {k: F(1) if k == "data" else F(4) for k in keys})
    # Overall 2.00: below 2.75.
    rescore(path, ids[1], dict.fromkeys(keys, F(2)))
    return path


@pytest.fixture
def window(qtbot, tmp_path: Path, cohort_path: Path) -> CoordinatorWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = CoordinatorWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    assert window.open_cohort(cohort_path)
    return window


def rows(window: CoordinatorWindow) -> dict[str, int]:
    model = window.dashboard.results_view.model()
    return {model.index(r, ResultsModel.ID).data(): r for r in range(model.rowCount())}


def colour(window: CoordinatorWindow, row: int, column: int) -> str:
    model = window.dashboard.results_view.model()
    found = model.index(row, column).data(Qt.ItemDataRole.ForegroundRole)
    assert isinstance(found, QColor)
    return found.name()


def test_an_overall_at_or_above_the_threshold_is_never_red(window: CoordinatorWindow) -> None:
    p = palettes.current()
    model = window.dashboard.results_view.model()
    at = rows(window)
    first, second = sorted(at)[:2]
    overall, decision = ResultsModel.OVERALL, ResultsModel.DECISION
    assert model.index(at[first], overall).data() == "3.57"
    assert model.index(at[first], decision).data() == "Retake: Data (1.00)"
    assert colour(window, at[first], overall) == QColor(p.certified).name()  # the overall: met
    assert colour(window, at[first], decision) == QColor(p.not_certified).name()
    assert model.index(at[second], overall).data() == "2.00"
    assert colour(window, at[second], overall) == QColor(p.not_certified).name()

    threshold = window.snapshot.results.rubric.thresholds.certification
    for c in window.snapshot.results.candidates:
        if c.decision.overall is not None and c.decision.overall >= threshold:
            assert colour(window, at[c.candidate_id], overall) != QColor(p.not_certified).name()
            assert format_score(c.decision.overall) >= "2.75"


@pytest.mark.parametrize("width", [1280, 1000, 0])
def test_the_decision_column_shows_every_headline_whole(
    qtbot, window: CoordinatorWindow, width: int
) -> None:
    width = width or window.minimumSizeHint().width()  # 0: as narrow as the window goes
    window.resize(width, 800)
    qtbot.waitUntil(lambda: window.width() == width)
    view = window.dashboard.results_view
    model = view.model()
    column = ResultsModel.DECISION
    shown = view.columnWidth(column)
    metrics = view.fontMetrics()
    headlines = [model.index(r, column).data() for r in range(model.rowCount())]
    assert any("is below 2.75" in h or h.startswith("Retake:") for h in headlines)
    for row, headline in enumerate(headlines):
        assert view.sizeHintForIndex(model.index(row, column)).width() <= shown, headline
        assert metrics.horizontalAdvance(headline) < shown, headline
    # The column still takes the room left over when there is more than it needs.
    left = view.viewport().width() - sum(view.columnWidth(c) for c in range(column))
    assert shown >= left
    if width == 1280:  # a laptop's window: the 2.00 candidate's decision is in view, unscrolled
        (row,) = [r for r, h in enumerate(headlines) if "overall 2.00 is below 2.75" in h]
        rect = view.visualRect(model.index(row, column))
        assert rect.left() + metrics.horizontalAdvance(headlines[row]) < view.viewport().width()
