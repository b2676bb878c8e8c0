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
    DARK,
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


def test_a_dark_qt_palette_sets_the_text_a_light_one_leaves_to_the_platform(qapp) -> None:
    base = QPalette(QColor("#808080"))
    light = style.qt_palette(LIGHT, base)
    assert light.color(QPalette.ColorRole.Window) == QColor(LIGHT.background)
    assert light.color(QPalette.ColorRole.Highlight) == QColor(LIGHT.selection)
    assert light.color(QPalette.ColorRole.WindowText) == base.color(QPalette.ColorRole.WindowText)
    dark = style.qt_palette(DARK, base)
    assert dark.color(QPalette.ColorRole.WindowText) == QColor(DARK.text)
    assert dark.color(QPalette.ColorRole.Base) == QColor(DARK.surface)
    disabled = dark.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert disabled == QColor(DARK.disabled_text)


def test_a_palette_is_a_value() -> None:
    with pytest.raises(AttributeError):
        LIGHT.text = "#000000"  # type: ignore[misc]
    assert replace(LIGHT, name="light") == LIGHT
