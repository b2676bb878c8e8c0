"""One calm look on every platform: Fusion, the palette's colours, and a short stylesheet.

The stylesheets are functions of a Palette (icg_desk/ui/palette.py) and of the text scale, so a
theme is a palette and Ctrl++ is a number. `appearance()` holds both for the application: it
applies them (the Qt palette, the application font, the application stylesheet) and says so with
`changed`, which every widget that sets a stylesheet of its own connects to re-set it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

from icg_desk.ui import palette as palettes
from icg_desk.ui.palette import Palette


def pt(size: float, scale: float) -> str:
    """A stylesheet font size: `size` points at the normal scale."""
    return f"{size * scale:.1f}pt"


def app_stylesheet(p: Palette, scale: float = 1.0) -> str:
    """The whole application's stylesheet: both windows' own object names."""
    return f"""
QMainWindow, #workspace {{ background: {p.background}; }}
#summaryBar {{ background: {p.surface}; border-bottom: 1px solid {p.border}; }}
#candidateCode {{ font-size: {pt(15, scale)}; font-weight: 600; color: {p.text}; }}
#portfolioStatus {{ color: {p.muted_text}; }}
#summaryFactor {{ color: {p.muted_text}; font-size: {pt(8, scale)}; }}
#summaryScore {{ font-size: {pt(13, scale)}; font-weight: 600; color: {p.text}; }}
#summaryScore[below="true"] {{ color: {p.error}; }}
#summaryScore[asked="false"] {{ color: {p.muted_text}; font-weight: 400; }}
#overallScore {{ font-size: {pt(18, scale)}; font-weight: 700; color: {p.text}; }}
#decision {{ padding: 6px 10px; border-radius: 6px; background: {p.band}; color: {p.secondary_text};
            font-weight: 600; }}
#decision[state="certified"] {{ background: {p.certified_surface}; color: {p.certified}; }}
#decision[state="not_certified"] {{ background: {p.not_certified_surface}; color: {p.not_certified}; }}
#crossingWarning {{ color: {p.warning}; background: {p.warning_surface}; border-radius: 4px; padding: 3px 8px; }}
#rubricBody {{ background: {p.background}; }}
#levelLegend {{ color: {p.muted_text}; font-size: {pt(9, scale)}; padding: 0 4px; }}
#factorCard {{ background: {p.surface}; border: 1px solid {p.border}; border-radius: 8px; }}
#factorCard[active="true"] {{ border: 2px solid {p.accent}; }}
#factorTitle {{ font-size: {pt(11, scale)}; font-weight: 600; color: {p.text}; }}
#factorScore {{ font-size: {pt(11, scale)}; font-weight: 600; color: {p.accent}; }}
#factorStandard {{ color: {p.muted_text}; font-size: {pt(9, scale)}; }}
#lookFor {{ color: {p.body_text}; }}
QCheckBox::indicator:unchecked {{ width: 12px; height: 12px; border: 1px solid {p.muted_text};
                                  border-radius: 2px; background: {p.surface}; }}
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
#practiceBanner {{ background: {p.surface}; color: {p.text}; border-left: 3px solid {p.accent}; padding: 6px 10px; }}
#calibrationBanner {{ background: {p.band}; color: {p.secondary_text}; padding: 8px 10px; border-radius: 6px; }}
#keyComparisonBody {{ background: {p.background}; }}
#keyHeading {{ color: {p.text}; font-weight: 600; padding: 2px 2px; }}
#keyCard {{ background: {p.surface}; border: 1px solid {p.border}; border-radius: 8px; }}
#keyFactor {{ color: {p.text}; font-weight: 600; }}
#keyScores {{ color: {p.text}; }}
#keyRationale {{ color: {p.body_text}; }}
#closeness {{ padding: 1px 8px; border-radius: 4px; font-weight: 600; background: {p.band}; color: {p.secondary_text}; }}
#closeness[kind="exact"] {{ background: {p.certified_surface}; color: {p.certified}; }}
#closeness[kind="near"] {{ background: {p.warning_surface}; color: {p.warning}; }}
#closeness[kind="far"] {{ background: {p.not_certified_surface}; color: {p.not_certified}; }}
#startTitle {{ font-size: {pt(20, scale)}; font-weight: 600; color: {p.text}; }}
#startHint {{ color: {p.muted_text}; }}
QProgressBar {{ border: none; background: {p.track}; border-radius: 4px; }}
QProgressBar::chunk {{ background: {p.progress_fill}; border-radius: 4px; }}
"""  # noqa: E501 (one rule a line reads better than rules wrapped to fit)


def start_buttons_stylesheet(p: Palette, scale: float = 1.0) -> str:
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


class Appearance(QObject):
    """The application's theme and text scale: chosen, remembered by the windows, applied here.

    The theme is a name of palette.THEMES; "system" follows Qt's colour scheme (Qt 6.5+) and
    re-applies when it changes. The scale multiplies the application font and every font size
    a stylesheet states. `changed` is emitted after each application.
    """

    changed = Signal()

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        self.theme = palettes.SYSTEM
        self.scale = 1.0
        font = app.font()
        self._base_point_size = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
        #: The platform's colour scheme; a test puts its own here.
        self.system_scheme: Callable[[], Qt.ColorScheme] = lambda: (
            QGuiApplication.styleHints().colorScheme()
        )
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._scheme_changed)

    def palette(self) -> Palette:
        """The palette the chosen theme stands for now."""
        if self.theme == palettes.SYSTEM:
            dark = self.system_scheme() == Qt.ColorScheme.Dark
            return palettes.DARK if dark else palettes.LIGHT
        return palettes.by_name(self.theme)

    def set_theme(self, theme: str) -> None:
        if theme not in palettes.THEMES:
            theme = palettes.SYSTEM
        if theme != self.theme or self.palette() is not palettes.current():
            self.theme = theme
            self.apply()

    def set_scale(self, scale: float) -> None:
        from icg_desk.ui.settings import MAX_TEXT_SCALE, MIN_TEXT_SCALE

        scale = round(min(max(scale, MIN_TEXT_SCALE), MAX_TEXT_SCALE), 2)
        if scale != self.scale:
            self.scale = scale
            self.apply()

    def restore(self, theme: str, scale: float) -> None:
        """What a window remembered: applied only when it differs from what is applied."""
        if theme in palettes.THEMES:
            self.theme = theme
        self.set_scale(scale)
        if self.palette() is not palettes.current():
            self.apply()

    def apply(self) -> None:
        p = self.palette()
        palettes.set_current(p)
        self.app.setPalette(qt_palette(p, self.app.palette()))
        font = self.app.font()
        font.setPointSizeF(self._base_point_size * self.scale)
        self.app.setFont(font)
        self.app.setStyleSheet(app_stylesheet(p, self.scale))
        for widget in self.app.allWidgets():
            alpha = widget.property(_MUTED)
            if isinstance(alpha, float):
                muted(widget, alpha)
        self.changed.emit()

    def _scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if _appearance and _appearance[0] is not self:
            return  # one made for an earlier test, still a child of the application
        if self.theme == palettes.SYSTEM and self.palette() is not palettes.current():
            self.apply()


_appearance: list[Appearance] = []


def appearance() -> Appearance:
    """The application's one Appearance (made on first use, once a QApplication exists)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    if not _appearance or _appearance[0].app is not app:
        _appearance[:] = [Appearance(app)]
    return _appearance[0]


def apply_style(app: QApplication, palette: Palette | None = None) -> None:
    """Fusion and `palette` (by default the remembered theme's, see `Appearance`) on `app`."""
    style = QStyleFactory.create("Fusion")
    if style is not None:
        app.setStyle(style)
    if palette is None:
        appearance().apply()
        return
    palettes.set_current(palette)
    app.setPalette(qt_palette(palette, app.palette()))
    app.setStyleSheet(app_stylesheet(palette))


_MUTED = "icgMutedAlpha"


def muted(widget: QWidget, alpha: float = 0.7) -> None:
    """Quieter text (counts, hints, rules) in the widget's own text colour, on any palette.

    0.7, not less: the app's text at 0.7 reads at 5.3:1 on LIGHT's background (0.62 was 4.2).
    The widget is marked, so a theme change re-derives the colour from the new palette.
    """
    widget.setProperty(_MUTED, float(alpha))
    own = widget.palette()
    app = QApplication.palette(widget)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        color = QColor(app.color(role))
        color.setAlphaF(alpha)
        own.setColor(role, color)
    widget.setPalette(own)
