"""Issue 13, legible all day: View > Theme and Ctrl++ / Ctrl+- / Ctrl+0 over the whole window,
remembered, and the system's colour scheme followed when the theme is System."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from icg_desk.ui import palette as palettes
from icg_desk.ui import style
from icg_desk.ui.coordinator_window import CoordinatorWindow
from icg_desk.ui.main_window import MainWindow
from icg_desk.ui.palette import DARK, HIGH_CONTRAST, LIGHT, contrast_ratio, low_contrast_pairs
from icg_desk.ui.settings import TEXT_SCALE, THEME, Settings
from icg_desk.ui.tasks import SyncTaskRunner


@pytest.fixture(autouse=True)
def _fresh_appearance(qapp: QApplication) -> Iterator[None]:
    """Each test starts as a new run of the app would, and leaves the application as it was."""
    palette, font, sheet = QPalette(qapp.palette()), QFont(qapp.font()), qapp.styleSheet()
    style._appearance.clear()
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setFont(font)
    palettes.set_current(LIGHT)
    style._appearance.clear()


@pytest.fixture
def batch(tmp_path: Path, demo_copies) -> Path:
    return demo_copies.batch(tmp_path / "summer.icgbatch", portfolios=3, seed=3, prefill=False)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings) -> Callable[..., MainWindow]:
    def make(batch: Path | None = None) -> MainWindow:
        window = MainWindow(settings, runner=SyncTaskRunner)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        if batch is not None:
            assert window.open_batch(batch)
        return window

    return make


def restart() -> None:
    """What a new start of the app forgets: the application's Appearance."""
    style._appearance.clear()


def label(window: QWidget, name: str) -> QLabel:
    found = [w for w in window.findChildren(QLabel, name) if w.isVisible()]
    assert found, name
    return found[0]


def point_size(widget: QWidget) -> float:
    widget.ensurePolished()
    return widget.font().pointSizeF()


def test_choosing_dark_repaints_every_stylesheet_and_is_remembered(
    qtbot, qapp, make_window, batch, settings
):
    window = make_window(batch)
    coordinator = CoordinatorWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(coordinator)
    assert palettes.current() is LIGHT
    assert DARK.surface not in coordinator.styleSheet()

    window.theme_actions["dark"].trigger()

    assert palettes.current() is DARK
    assert window.theme_actions["dark"].isChecked()
    assert DARK.surface in qapp.styleSheet()
    assert LIGHT.background not in qapp.styleSheet()
    assert DARK.text in coordinator.styleSheet()  # the dashboard's own sheet, re-set
    assert qapp.palette().color(QPalette.ColorRole.Base).name() == DARK.surface
    assert Settings(settings).get(THEME) == "dark"
    # The muted counts took the dark text: no light grey left on the dark surfaces.
    quiet = [w for w in window.findChildren(QWidget) if w.property("icgMutedAlpha") == 0.7]
    assert quiet
    for widget in quiet:
        text = widget.palette().color(QPalette.ColorRole.WindowText)
        assert contrast_ratio(text.name(), DARK.background) >= 4.5
    # Every pair of the palette in use passes AA.
    assert low_contrast_pairs(palettes.current()) == []

    window.theme_actions["high-contrast"].trigger()
    assert palettes.current() is HIGH_CONTRAST
    assert HIGH_CONTRAST.muted_text in coordinator.styleSheet()

    window.theme_actions["dark"].trigger()
    window.close()
    coordinator.close()
    restart()
    palettes.set_current(LIGHT)
    again = make_window(batch)
    assert palettes.current() is DARK
    assert again.theme_actions["dark"].isChecked()


def test_system_follows_the_colour_scheme(qtbot, make_window, settings):
    window = make_window()
    look = style.appearance()
    assert look.theme == "system"
    hints = QGuiApplication.styleHints()

    look.system_scheme = lambda: Qt.ColorScheme.Dark
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert palettes.current() is DARK

    look.system_scheme = lambda: Qt.ColorScheme.Light
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert palettes.current() is LIGHT

    # A chosen theme stays put whatever the system does.
    window.theme_actions["light"].trigger()
    look.system_scheme = lambda: Qt.ColorScheme.Dark
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert palettes.current() is LIGHT
    window.theme_actions["system"].trigger()
    assert palettes.current() is DARK
    assert Settings(settings).get(THEME) == "system"


def test_ctrl_plus_scales_every_text_and_is_remembered(qtbot, qapp, make_window, batch, settings):
    window = make_window(batch)
    style.appearance().apply()  # as the app starts: its stylesheet in place
    window.statusBar().showMessage("Saved")
    qtbot.wait(10)
    before = {
        "standard": point_size(label(window, "factorStandard")),
        "title": point_size(label(window, "factorTitle")),
        "candidate": point_size(label(window, "candidateCode")),
        "status": point_size(window.statusBar()),
        "entry": window.entry_panel.font_point_size(),
    }
    rows = window.batch_panel.table.verticalHeader().defaultSectionSize()

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.rubric_panel.setFocus()
    qtbot.keyClick(window.rubric_panel, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(10)

    after = {
        "standard": point_size(label(window, "factorStandard")),
        "title": point_size(label(window, "factorTitle")),
        "candidate": point_size(label(window, "candidateCode")),
        "status": point_size(window.statusBar()),
        "entry": window.entry_panel.font_point_size(),
    }
    for what, size in before.items():
        assert after[what] > size, what
    for _ in range(5):
        window.zoom_in_action.trigger()
    assert window.batch_panel.table.verticalHeader().defaultSectionSize() > rows
    for _ in range(5):
        window.zoom_out_action.trigger()
    assert Settings(settings).get(TEXT_SCALE) == pytest.approx(1.1)

    window.zoom_in_action.trigger()
    assert Settings(settings).get(TEXT_SCALE) == pytest.approx(1.2)
    window.close()
    restart()
    qapp.setFont(QFont(qapp.font().family(), -1))  # a new start: the platform's font again
    again = make_window(batch)
    assert style.appearance().scale == pytest.approx(1.2)
    again.zoom_reset_action.trigger()
    assert style.appearance().scale == 1.0
    assert Settings(settings).get(TEXT_SCALE) == 1.0


def test_zoom_works_without_a_batch_and_stops_at_its_bounds(make_window, settings):
    window = make_window()
    assert window.zoom_in_action.isEnabled()
    for _ in range(30):
        window.zoom_out_action.trigger()
    assert style.appearance().scale == pytest.approx(0.7)
    for _ in range(30):
        window.zoom_in_action.trigger()
    assert style.appearance().scale == pytest.approx(2.0)
    assert Settings(settings).get(TEXT_SCALE) == pytest.approx(2.0)


def test_a_stylesheet_font_size_is_a_function_of_the_scale():
    assert "font-size: 15.0pt" in style.app_stylesheet(LIGHT)
    assert "font-size: 30.0pt" in style.app_stylesheet(LIGHT, 2.0)
    assert style.pt(9, 1.1) == "9.9pt"


def test_a_factor_name_too_wide_for_its_column_is_drawn_smaller_not_cut(qtbot, make_window, batch):
    """At 1366 pixels and Ctrl++ three times, "Communication" is wider than its column of the
    summary: it is drawn in a smaller font (never below 70%), whole, and its label's size does
    not change for it; on a wide screen at 1.0 every name is drawn in the label's own font."""
    from PySide6.QtGui import QFontMetricsF

    from icg_desk.ui.summary_bar import FactorCaption

    window = make_window(batch)
    style.appearance().apply()
    window.resize(1366, 768)
    for _ in range(3):
        window.zoom_in_action.trigger()
    qtbot.wait(20)
    captions = {c.text(): c for c in window.findChildren(FactorCaption) if c.isVisible()}
    assert len(captions) == 7
    narrowed = 0
    for name, caption in captions.items():
        font = caption.drawn_font()
        size = caption.size()
        metrics, room = QFontMetricsF(font), caption.contentsRect().width()
        widest = max(metrics.horizontalAdvance(w) for w in name.split())
        smallest = font.pointSizeF() <= caption.font().pointSizeF() * FactorCaption.LEAST + 0.01
        assert widest <= room + 0.5 or smallest, name
        # Whatever is drawn fits: a word still too wide at the least size ends in "…".
        drawn = caption.drawn_text(font).split()
        assert len(drawn) == len(name.split()), name
        for word, whole in zip(drawn, name.split(), strict=True):
            assert metrics.horizontalAdvance(word) <= room + 0.5, name
            assert word == whole or (word.endswith("…") and whole.startswith(word[:-1])), name
        if font.pointSizeF() < caption.font().pointSizeF():
            narrowed += 1
            caption.repaint()  # drawing in the smaller font moves nothing
            assert caption.size() == size
    assert narrowed >= 1  # "Communication" at least, or the test no longer tests this

    for _ in range(3):
        window.zoom_out_action.trigger()
    window.resize(2400, 1200)
    qtbot.wait(20)
    for caption in captions.values():
        assert caption.drawn_font() == caption.font(), caption.text()
