"""The palettes: every text readable on what it is drawn on, every colour from the palette."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette

from icg_desk.ui import (
    calculator,
    coordinator_dashboard,
    coordinator_dialogs,
    entry_panel,
    shortcuts_dialog,
    style,
)
from icg_desk.ui.palette import (
    HIGH_CONTRAST,
    LIGHT,
    NOT_TEXT_ROLES,
    PALETTES,
    TEXT_ON_BACKGROUND,
    Palette,
    colour_roles,
    contrast_ratio,
    current,
    low_contrast_pairs,
)

HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
UI = Path(entry_panel.__file__).parent

STYLESHEETS = (
    style.app_stylesheet,
    style.start_buttons_stylesheet,
    coordinator_dashboard.dashboard_stylesheet,
    coordinator_dialogs.dialog_stylesheet,
    calculator.calculator_stylesheet,
    shortcuts_dialog.shortcuts_stylesheet,
    entry_panel.over_limit_stylesheet,
)


def test_contrast_ratio_follows_wcag() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#5f6b7a", "#5f6b7a") == pytest.approx(1.0)
    # WebAIM's reference: #767676 is the lightest grey that passes AA on white.
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#ffffff") < 4.5
    with pytest.raises(ValueError, match="not a #rrggbb colour"):
        contrast_ratio("white", "#000000")


# Every pair, disabled text included: WCAG 1.4.3 exempts text of inactive components, but a
# locked portfolio's chosen score and the calculator's unscored levels are read, not decoration.
@pytest.mark.parametrize("palette", PALETTES, ids=lambda p: p.name)
@pytest.mark.parametrize(("fg", "bg"), TEXT_ON_BACKGROUND, ids="{0[0]}-{0[1]}".format)
def test_every_text_role_reads_on_its_background(palette: Palette, fg: str, bg: str) -> None:
    ratio = contrast_ratio(getattr(palette, fg), getattr(palette, bg))
    assert ratio >= 4.5, f"{fg} on {bg}: {ratio:.2f}"


def test_high_contrast_is_high() -> None:
    assert low_contrast_pairs(HIGH_CONTRAST, minimum=7.0) == []


def test_no_palette_has_a_pair_below_aa() -> None:
    for palette in PALETTES:
        assert low_contrast_pairs(palette) == [], palette.name


def test_every_role_is_a_colour_and_has_a_place() -> None:
    roles = set(colour_roles())
    assert len(roles) > 30
    for palette in PALETTES:
        for role in roles:
            assert re.fullmatch(r"#[0-9a-f]{6}", getattr(palette, role)), (palette.name, role)
    in_pairs = {role for pair in TEXT_ON_BACKGROUND for role in pair}
    assert in_pairs <= roles
    # A new role is either held to a contrast or said to be no text and no background.
    assert roles == in_pairs | NOT_TEXT_ROLES


def test_the_app_draws_with_the_light_palette_for_now() -> None:
    assert current() is LIGHT


@pytest.mark.parametrize("sheet", STYLESHEETS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("palette", PALETTES, ids=lambda p: p.name)
def test_stylesheets_take_every_colour_from_the_palette(sheet, palette: Palette) -> None:
    text = sheet(palette)
    own = {getattr(palette, role).lower() for role in colour_roles()}
    assert {c.lower() for c in HEX.findall(text)} <= own
    assert not re.search(r"\b(white|black|red|green|blue|gray|grey)\b", text)


def test_no_colour_is_written_outside_the_palette_module() -> None:
    for path in sorted(UI.glob("*.py")):
        if path.name == "palette.py":
            continue
        found = HEX.findall(path.read_text(encoding="utf-8"))
        assert not found, f"{path.name}: {found}"


@pytest.mark.parametrize("palette", PALETTES, ids=lambda p: p.name)
def test_a_qt_palette_sets_every_text_role_whatever_the_system_one(qapp, palette) -> None:
    base = QPalette(QColor("#808080"))
    qt = style.qt_palette(palette, base)
    assert qt.color(QPalette.ColorRole.Window) == QColor(palette.background)
    assert qt.color(QPalette.ColorRole.Highlight) == QColor(palette.selection)
    assert qt.color(QPalette.ColorRole.WindowText) == QColor(palette.text)
    assert qt.color(QPalette.ColorRole.Text) == QColor(palette.text)
    assert qt.color(QPalette.ColorRole.Base) == QColor(palette.surface)
    disabled = qt.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert disabled == QColor(palette.disabled_text)


def test_a_palette_is_a_value() -> None:
    with pytest.raises(AttributeError):
        LIGHT.text = "#000000"  # type: ignore[misc]
    assert replace(LIGHT, name="light") == LIGHT


def _dark_system_palette() -> QPalette:
    dark = QPalette(QColor("#202020"))
    for role, colour in (
        (QPalette.ColorRole.Window, "#202020"),
        (QPalette.ColorRole.Base, "#181818"),
        (QPalette.ColorRole.AlternateBase, "#242424"),
        (QPalette.ColorRole.Button, "#2a2a2a"),
        (QPalette.ColorRole.Text, "#ffffff"),
        (QPalette.ColorRole.WindowText, "#ffffff"),
        (QPalette.ColorRole.ButtonText, "#ffffff"),
    ):
        dark.setColor(role, QColor(colour))
    return dark


def _ratio(a: QColor, b: QColor) -> float:
    return contrast_ratio(a.name(), b.name())


def test_a_dark_system_palette_never_leaks_into_the_light_window(qtbot, qapp, tmp_path) -> None:
    """Issue 13: with a dark system palette the entry text was white on LIGHT's white."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QLineEdit, QTextEdit

    from icg_desk.demo.batch import write_demo_batch
    from icg_desk.ui.main_window import MainWindow
    from icg_desk.ui.tasks import SyncTaskRunner

    before_palette, before_sheet = QPalette(qapp.palette()), qapp.styleSheet()
    try:
        qapp.setPalette(_dark_system_palette())
        style.apply_style(qapp, LIGHT)
        batch = write_demo_batch(tmp_path / "b.icgbatch", portfolios=2, seed=1)
        settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings, runner=SyncTaskRunner)
        qtbot.addWidget(window)
        window.show()
        assert window.open_batch(batch)
        edits = [e for e in window.entry_panel.findChildren(QTextEdit) if e.isVisible()]
        assert edits
        fields = [e for e in window.findChildren(QLineEdit) if e.isVisible()]
        for edit in edits + fields:
            pal = edit.palette()
            text, base = pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)
            if base.alpha() == 0:  # drawn on its parent's background: the window's, below
                base = pal.color(QPalette.ColorRole.Window)
            assert _ratio(text, base) >= 4.5, (type(edit).__name__, text.name(), base.name())
        own = window.palette()
        ratio = _ratio(
            own.color(QPalette.ColorRole.WindowText), own.color(QPalette.ColorRole.Window)
        )
        assert ratio >= 4.5
        # What is drawn, not only what the palette says: the darkest pixel of the entry text
        # against its page.
        image = edits[0].viewport().grab().toImage()
        page = image.pixelColor(2, 2)
        darkest = min(
            (
                image.pixelColor(x, y)
                for x in range(0, image.width(), 2)
                for y in range(0, image.height(), 2)
            ),
            key=lambda c: c.lightnessF(),
        )
        assert _ratio(darkest, page) >= 4.5
        window.close()
    finally:
        qapp.setStyleSheet(before_sheet)
        qapp.setPalette(before_palette)
