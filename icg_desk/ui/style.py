"""One calm look on every platform: Fusion, the palette's colours, and a short stylesheet.

The stylesheets are functions of a Palette (icg_desk/ui/palette.py), so a theme is a palette.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

from icg_desk.ui import palette as palettes
from icg_desk.ui.palette import Palette


def app_stylesheet(p: Palette) -> str:
    """The whole application's stylesheet: both windows' own object names."""
    return f"""
QMainWindow, #workspace {{ background: {p.background}; }}
#summaryBar {{ background: {p.surface}; border-bottom: 1px solid {p.border}; }}
#candidateCode {{ font-size: 15pt; font-weight: 600; color: {p.text}; }}
#portfolioStatus {{ color: {p.muted_text}; }}
#summaryFactor {{ color: {p.muted_text}; font-size: 8pt; }}
#summaryScore {{ font-size: 13pt; font-weight: 600; color: {p.text}; }}
#summaryScore[below="true"] {{ color: {p.error}; }}
#overallScore {{ font-size: 18pt; font-weight: 700; color: {p.text}; }}
#decision {{ padding: 6px 10px; border-radius: 6px; background: {p.band}; color: {p.secondary_text};
            font-weight: 600; }}
#decision[state="certified"] {{ background: {p.certified_surface}; color: {p.certified}; }}
#decision[state="not_certified"] {{ background: {p.not_certified_surface}; color: {p.not_certified}; }}
#crossingWarning {{ color: {p.warning}; background: {p.warning_surface}; border-radius: 4px; padding: 3px 8px; }}
#rubricBody {{ background: {p.background}; }}
#levelLegend {{ color: {p.muted_text}; font-size: 8pt; padding: 0 4px; }}
#factorCard {{ background: {p.surface}; border: 1px solid {p.border}; border-radius: 8px; }}
#factorCard[active="true"] {{ border: 2px solid {p.accent}; }}
#factorTitle {{ font-size: 11pt; font-weight: 600; color: {p.text}; }}
#factorScore {{ font-size: 11pt; font-weight: 600; color: {p.accent}; }}
#factorStandard {{ color: {p.muted_text}; font-size: 9pt; }}
#lookFor {{ color: {p.body_text}; }}
QToolButton#scoreButton {{ padding: 4px 0; border: 1px solid {p.control_border}; border-radius: 4px;
                           background: {p.control}; color: {p.body_text}; }}
QToolButton#scoreButton:hover {{ border-color: {p.accent}; }}
QToolButton#scoreButton:checked {{ background: {p.accent_fill}; border-color: {p.accent_fill}; color: {p.accent_text};
                                   font-weight: 600; }}
QToolButton#scoreButton:disabled {{ color: {p.disabled_text}; background: {p.control_disabled}; }}
QToolButton#scoreButton:checked:disabled {{ background: {p.accent_fill_disabled}; color: {p.accent_text}; }}
#evidence {{ background: {p.quote_surface}; border-left: 3px solid {p.accent}; border-radius: 2px; }}
#evidenceText {{ color: {p.secondary_text}; font-style: italic; }}
#lockedBanner {{ background: {p.certified_surface}; color: {p.certified}; padding: 6px 10px; border-radius: 6px; }}
#startTitle {{ font-size: 20pt; font-weight: 600; color: {p.text}; }}
#startHint {{ color: {p.muted_text}; }}
QProgressBar {{ border: none; background: {p.track}; border-radius: 4px; }}
QProgressBar::chunk {{ background: {p.progress_fill}; border-radius: 4px; }}
"""  # noqa: E501 (one rule a line reads better than rules wrapped to fit)


def start_buttons_stylesheet(p: Palette) -> str:
    """The start page's two large buttons, the default one (the likely first step) in the accent.

    Not bold: the default moves between the two, and a bold label would outgrow the width
    measured for it. The coordinator's start page uses it.
    """
    return f"""
#startButtons QPushButton {{ padding: 7px 18px; border: 1px solid {p.control_border}; border-radius: 5px;
                             background: {p.surface}; color: {p.text}; }}
#startButtons QPushButton:hover {{ border-color: {p.accent}; }}
#startButtons QPushButton:focus {{ border: 2px solid {p.focus}; padding: 6px 17px; }}
#startButtons QPushButton:default {{ background: {p.accent_fill}; border-color: {p.accent_fill};
                                     color: {p.accent_text}; }}
#startButtons QPushButton:default:hover {{ background: {p.accent_fill_hover}; }}
#startButtons QPushButton:pressed {{ background: {p.control_pressed}; }}
#startButtons QPushButton:default:pressed {{ background: {p.accent_fill_pressed}; }}
"""  # noqa: E501


def qt_palette(p: Palette, base: QPalette) -> QPalette:
    """`base` with the palette's colours in Qt's roles, for widgets no stylesheet reaches."""
    palette = QPalette(base)

    def put(role: QPalette.ColorRole, colour: str) -> None:
        palette.setColor(role, QColor(colour))

    put(QPalette.ColorRole.Window, p.background)
    put(QPalette.ColorRole.Base, p.surface)
    put(QPalette.ColorRole.AlternateBase, p.alternate_surface)
    put(QPalette.ColorRole.Highlight, p.selection)
    put(QPalette.ColorRole.HighlightedText, p.selection_text)
    if p.platform_text:
        return palette
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.ToolTipText,
    ):
        put(role, p.text)
    put(QPalette.ColorRole.Button, p.control)
    put(QPalette.ColorRole.ToolTipBase, p.surface)
    put(QPalette.ColorRole.PlaceholderText, p.muted_text)
    put(QPalette.ColorRole.Link, p.accent)
    put(QPalette.ColorRole.LinkVisited, p.accent)
    put(QPalette.ColorRole.BrightText, p.error)
    put(QPalette.ColorRole.Light, p.control_pressed)
    put(QPalette.ColorRole.Midlight, p.control_border)
    put(QPalette.ColorRole.Mid, p.border)
    put(QPalette.ColorRole.Dark, p.border)
    put(QPalette.ColorRole.Shadow, p.background)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(p.disabled_text))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, QColor(p.background))
    palette.setColor(
        QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button, QColor(p.control_disabled)
    )
    return palette


def apply_style(app: QApplication, palette: Palette | None = None) -> None:
    p = palette if palette is not None else palettes.current()
    style = QStyleFactory.create("Fusion")
    if style is not None:
        app.setStyle(style)
    app.setPalette(qt_palette(p, app.palette()))
    app.setStyleSheet(app_stylesheet(p))


def muted(widget: QWidget, alpha: float = 0.62) -> None:
    """Quieter text (counts, hints, rules) in the widget's own text colour, on any palette."""
    palette = widget.palette()
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        color = QColor(palette.color(role))
        color.setAlphaF(alpha)
        palette.setColor(role, color)
    widget.setPalette(palette)
