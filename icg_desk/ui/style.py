"""One calm look on every platform: Fusion, a light palette, and a short stylesheet."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

ACCENT = "#2f5d8a"

STYLESHEET = f"""
QMainWindow, #workspace {{ background: #f4f5f7; }}
#summaryBar {{ background: #ffffff; border-bottom: 1px solid #dcdfe4; }}
#candidateCode {{ font-size: 15pt; font-weight: 600; color: #1f2933; }}
#portfolioStatus {{ color: #5f6b7a; }}
#summaryFactor {{ color: #5f6b7a; font-size: 8pt; }}
#summaryScore {{ font-size: 13pt; font-weight: 600; color: #1f2933; }}
#summaryScore[below="true"] {{ color: #b3261e; }}
#overallScore {{ font-size: 18pt; font-weight: 700; color: #1f2933; }}
#decision {{ padding: 6px 10px; border-radius: 6px; background: #eef0f3; color: #3c4653;
            font-weight: 600; }}
#decision[state="certified"] {{ background: #e3f1e4; color: #1e5e24; }}
#decision[state="not_certified"] {{ background: #fbe9e7; color: #8c1d18; }}
#crossingWarning {{ color: #7a4a00; background: #fff4d6; border-radius: 4px; padding: 3px 8px; }}
#rubricBody {{ background: #f4f5f7; }}
#levelLegend {{ color: #5f6b7a; font-size: 8pt; padding: 0 4px; }}
#factorCard {{ background: #ffffff; border: 1px solid #dcdfe4; border-radius: 8px; }}
#factorCard[active="true"] {{ border: 2px solid {ACCENT}; }}
#factorTitle {{ font-size: 11pt; font-weight: 600; color: #1f2933; }}
#factorScore {{ font-size: 11pt; font-weight: 600; color: {ACCENT}; }}
#factorStandard {{ color: #5f6b7a; font-size: 9pt; }}
#lookFor {{ color: #27313c; }}
QToolButton#scoreButton {{ padding: 4px 0; border: 1px solid #c9ced6; border-radius: 4px;
                           background: #fbfbfc; color: #27313c; }}
QToolButton#scoreButton:hover {{ border-color: {ACCENT}; }}
QToolButton#scoreButton:checked {{ background: {ACCENT}; border-color: {ACCENT}; color: white;
                                   font-weight: 600; }}
QToolButton#scoreButton:disabled {{ color: #9aa3ad; background: #f1f2f4; }}
QToolButton#scoreButton:checked:disabled {{ background: #8fa6bd; color: white; }}
#evidence {{ background: #f6f8fb; border-left: 3px solid {ACCENT}; border-radius: 2px; }}
#evidenceText {{ color: #3c4653; font-style: italic; }}
#lockedBanner {{ background: #e3f1e4; color: #1e5e24; padding: 6px 10px; border-radius: 6px; }}
#startTitle {{ font-size: 20pt; font-weight: 600; color: #1f2933; }}
#startHint {{ color: #5f6b7a; }}
QProgressBar {{ border: none; background: #e3e6ea; border-radius: 4px; }}
QProgressBar::chunk {{ background: #2e7d32; border-radius: 4px; }}
"""


def apply_style(app: QApplication) -> None:
    style = QStyleFactory.create("Fusion")
    if style is not None:
        app.setStyle(style)
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#f4f5f7"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f7f8fa"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    app.setPalette(palette)
    app.setStyleSheet(STYLESHEET)


def muted(widget: QWidget, alpha: float = 0.62) -> None:
    """Quieter text (counts, hints, rules) in the widget's own text colour, on any palette."""
    palette = widget.palette()
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        color = QColor(palette.color(role))
        color.setAlphaF(alpha)
        palette.setColor(role, color)
    widget.setPalette(palette)
