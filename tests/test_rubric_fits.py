"""The rubric fits a laptop's screen: at 1366x768 the current factor is shown whole, without
scrolling, and the entry's other factors are compact rows that open on demand; the first window
fits the screen it opens on."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QApplication

from icg_desk.ui.main_window import MainWindow
from icg_desk.ui.rubric_panel import RubricPanel
from icg_desk.ui.tasks import SyncTaskRunner

ALT = Qt.KeyboardModifier.AltModifier
COMPACT = 40  # px: a folded factor is one row


@pytest.fixture
def batch(tmp_path: Path, demo_copies) -> Path:
    return demo_copies.batch(tmp_path / "laptop.icgbatch", portfolios=3, seed=11, prefill=False)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def laptop_window(
    qtbot, settings: QSettings, batch: Path, size: tuple[int, int] = (1366, 768)
) -> MainWindow:
    window = MainWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert window.open_batch(batch)
    return window


def fill_every_factor(window: MainWindow, passages: int = 2) -> None:
    """A scorer's day: every factor with a score, a few look-fors, a rationale of some lines
    and `passages` evidence passages (two: the card at its tallest in ordinary use)."""
    session, view = window.session, window._view
    assert session is not None
    assert view is not None
    for factor in session.rubric.factors:
        session.set_score(view.id, factor.key, F(3), None)
        for i in range(0, len(factor.look_fors), 2):
            session.set_look_for(view.id, factor.key, i, True)
        session.set_rationale(
            view.id,
            factor.key,
            "Clear evidence across the cycle: the teacher set the goal, the coach modelled the "
            "strategy with a checklist, and the two met three times to review progress.",
            "",
        )
        text = view.entries[factor.entry - 1].text
        for start in (200, 900)[:passages]:
            end = text.find(".", start) + 1
            session.add_evidence(view.id, factor.key, factor.entry, start, end, text[start:end])


def assert_fits(panel: RubricPanel) -> None:
    key = panel.current_factor()
    assert key is not None
    card = panel.cards[key]
    viewport = panel.viewport()
    top_left = card.mapTo(viewport, QPoint(0, 0))
    shown = QRect(top_left, card.size())
    assert viewport.rect().contains(shown), f"{key}: {shown} not inside {viewport.rect()}"
    assert panel.expanded_factors() == [key]
    for other, c in panel.cards.items():
        if other != key and c.isVisible():
            assert c.height() < COMPACT, f"{other} is {c.height()} px high"
            assert not c.body.isVisible()


@pytest.mark.parametrize(
    ("size", "passages"),
    [
        ((1366, 768), 2),
        # Maximized on a 1366x768 laptop, less a top bar and a title bar: room for one passage
        # (with two, the card is some 15 px taller than the view, which shows its top).
        ((1366, 700), 1),
    ],
)
def test_at_1366x768_the_current_factor_is_whole_and_the_others_are_rows(
    qtbot, settings, batch, size, passages
) -> None:
    window = laptop_window(qtbot, settings, batch, size)
    fill_every_factor(window, passages)
    panel = window.rubric_panel
    assert panel is not None
    rubric = window.session.rubric
    seen = []
    for _ in range(len(rubric.factors) * 2):  # every factor of both entries, twice round
        QApplication.processEvents()
        assert_fits(panel)
        seen.append(panel.current_factor())
        focused = QApplication.focusWidget()
        assert focused is not None
        assert focused.window() is window  # keys go to the scorer's window
        qtbot.keyClick(focused, Qt.Key.Key_Down, ALT)
    assert set(seen) == set(rubric.factor_keys)


def test_a_compact_row_opens_on_a_click_and_a_score_key_scores_it(qtbot, settings, batch) -> None:
    window = laptop_window(qtbot, settings, batch)
    panel = window.rubric_panel
    assert panel is not None
    assert panel.current_factor() == "impact_cycle"
    row = panel.cards["data"]
    assert not row.rationale_mark.isVisible()
    row.rationale.setPlainText("Started")  # saved through the session, as typed
    window.rubric_panel.set_current_factor("impact_cycle")
    assert row.rationale_mark.isVisible()  # "rationale started" on the compact row
    assert row.height() < COMPACT
    qtbot.mouseClick(row, Qt.MouseButton.LeftButton, pos=QPoint(20, row.height() // 2))
    assert panel.current_factor() == "data"
    assert row.is_expanded()
    assert row.property("active")
    assert not row.rationale_mark.isVisible()
    assert not panel.cards["impact_cycle"].is_expanded()
    assert_fits(panel)
    window.focus_scoring_surface()
    focused = QApplication.focusWidget()
    assert focused is not None
    qtbot.keyClick(focused, "2")
    assert window._reads["data"].score == F(2)
    assert panel.cards["data"].score_label.text() == "2.00"


def fake_screen(monkeypatch: pytest.MonkeyPatch, width: int, height: int) -> None:
    monkeypatch.setattr(QScreen, "availableGeometry", lambda _self: QRect(0, 0, width, height))


@pytest.mark.parametrize(
    ("available", "expected", "maximized"),
    [
        ((1366, 728), (1229, 655), True),  # a laptop: maximized, 90% once un-maximized
        ((1280, 760), (1152, 684), True),
        ((1440, 860), (1296, 774), False),
        ((1920, 1040), (1600, 936), False),
        ((2560, 1400), (1600, 1000), False),
    ],
)
def test_the_first_window_fits_the_screens_available_area(
    qtbot, settings, monkeypatch, available, expected, maximized
) -> None:
    fake_screen(monkeypatch, *available)
    window = MainWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    assert (window.width(), window.height()) == expected
    assert QRect(0, 0, *available).contains(window.frameGeometry())
    assert bool(window.windowState() & Qt.WindowState.WindowMaximized) == maximized


def test_a_remembered_window_larger_than_the_screen_is_shrunk_to_fit(
    qtbot, settings, monkeypatch
) -> None:
    big = MainWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(big)
    big.setGeometry(100, 80, 1800, 1100)
    big.show()
    qtbot.waitExposed(big)
    big.close()  # remembers its geometry
    fake_screen(monkeypatch, 1366, 728)
    window = MainWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    assert QRect(0, 0, 1366, 728).contains(window.frameGeometry())


def test_the_coordinators_first_window_fits_a_laptop_too(qtbot, settings, monkeypatch) -> None:
    from icg_desk.ui.coordinator_window import CoordinatorWindow

    fake_screen(monkeypatch, 1366, 728)
    window = CoordinatorWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    assert (window.width(), window.height()) == (1229, 655)
    assert window.windowState() & Qt.WindowState.WindowMaximized


@pytest.mark.parametrize("size", [(1229, 655), (1024, 640), (900, 600)])
def test_the_cards_are_never_wider_than_the_rubric_panel(qtbot, settings, batch, size) -> None:
    """At any window width the cards fit across the panel: a card wider than it hides its right
    edge (the 4+ button, Attach), and Tab to a button there scrolls the panel sideways, cutting
    off the look-fors' boxes and the factor's name (seen on a 1366x768 laptop's first window)."""
    window = laptop_window(qtbot, settings, batch, size)
    panel = window.rubric_panel
    assert panel is not None
    window.rubric_panel.edit_rationale()
    qtbot.keyClicks(QApplication.focusWidget(), "Clear goal set by the teacher")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # to Attach selected passage
    QApplication.processEvents()
    body = panel.widget()
    assert body is not None
    assert body.width() <= panel.viewport().width()
    assert panel.horizontalScrollBar().value() == 0
    card = panel.cards[panel.current_factor()]
    assert card.mapTo(panel.viewport(), QPoint(0, 0)).x() >= 0
