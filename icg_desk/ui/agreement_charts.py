"""The agreement view's charts, drawn with plain QPainter (PySide6-Essentials has no QtCharts).

Three pictures of the figures in docs/agreement.md:
- `DistributionChart`: each factor's score distribution, small multiples of bars over the
  scale's scores (how often each score was given);
- `SeverityChart`: each scorer's adjusted severity with its interval, a forest plot around the
  zero line; a flagged scorer (the interval wholly above or below 0) drawn in the error colour;
- `DriftChart`: each scorer's severity week by week, one line per scorer; drifting scorers
  drawn in the error colour and named at the end of their line, the selected one thickest.

Each chart keeps its data as plain values (`rows`, `series`, `highlighted`), which a test reads;
colours come from the palette in use (ui/palette.py); tooltips go through `plain_tip`; the
accessible name and description say the data in words, for a screen reader. Flagged scorers are
told apart by more than colour: a filled marker, a thicker line and their id written beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QHelpEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from icg_desk.ui import palette as palettes
from icg_desk.ui.plain_text import plain_tip


def points(value: float) -> str:
    """+0.41 in score points; never "-0.00"."""
    shown = round(value, 2)
    return f"{shown if shown else 0.0:+.2f}"


@dataclass(frozen=True)
class FactorCounts:
    name: str
    counts: tuple[int, ...]  # per score of the scale, lowest first


@dataclass(frozen=True)
class SeverityRow:
    scorer_id: str
    value: float
    low: float | None
    high: float | None
    flag: str  # "scores high", "scores low" or ""

    @property
    def flagged(self) -> bool:
        return bool(self.flag)


@dataclass(frozen=True)
class DriftSeries:
    scorer_id: str
    weeks: tuple[tuple[date, int, float], ...]  # (Monday, reads, severity), in order
    slope: float | None
    drifting: bool


class _Chart(QWidget):
    """What the three share: margins, the palette, a title, plain tooltips by hit boxes."""

    TITLE = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # reachable, for a screen reader
        self.setAccessibleName(self.TITLE)
        self._tips: list[tuple[QRectF, str]] = []

    def minimumSizeHint(self) -> QSize:
        return QSize(320, 180)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            tip = self.tip_at(QPointF(event.pos()))
            if tip:
                QToolTip.showText(event.globalPos(), plain_tip(tip), self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def tip_at(self, point: QPointF) -> str:
        """The words for what is under `point` (the last box drawn wins), or ""."""
        for box, text in reversed(self._tips):
            if box.contains(point):
                return text
        return ""

    def _say(self, description: str) -> None:
        self.setAccessibleDescription(description)
        self.setToolTip("")
        self.update()

    def _empty(self, painter: QPainter, text: str) -> None:
        painter.setPen(QColor(palettes.current().muted_text))
        painter.drawText(QRectF(self.rect()), int(Qt.AlignmentFlag.AlignCenter), text)

    def _begin(self) -> QPainter:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(palettes.current().surface))
        self._tips = []
        return painter


def _nice_step(span: float, ticks: int) -> float:
    """A round step (1, 2 or 5 times a power of ten) that cuts `span` into about `ticks`."""
    if span <= 0:
        return 1.0
    raw = span / max(1, ticks)
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


class DistributionChart(_Chart):
    """Each factor's score distribution: one small bar chart per factor over the scale."""

    TITLE = "Score distribution by factor"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[FactorCounts] = []
        self.labels: tuple[str, ...] = ()

    def set_data(self, labels: Sequence[str], rows: Sequence[FactorCounts]) -> None:
        self.labels, self.rows = tuple(labels), list(rows)
        parts = []
        for row in self.rows:
            total = sum(row.counts)
            given = ", ".join(
                f"{label} {n}" for label, n in zip(self.labels, row.counts, strict=True) if n
            )
            parts.append(f"{row.name}: {total} scores; {given or 'none'}")
        self._say(
            "How often each score was given, by factor. " + ". ".join(parts)
            if parts
            else "No complete reads yet."
        )

    def minimumSizeHint(self) -> QSize:
        return QSize(420, 260)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = palettes.current()
        painter = self._begin()
        if not self.rows or not any(sum(r.counts) for r in self.rows):
            self._empty(painter, "No complete reads yet")
            return
        metrics = QFontMetricsF(self.font())
        line = metrics.height()
        n = len(self.rows)
        columns = 4 if n > 4 and self.width() >= 700 else (3 if n > 2 else n)
        columns = max(1, min(columns, n))
        grid_rows = math.ceil(n / columns)
        cell_w = (self.width() - 16) / columns
        cell_h = (self.height() - 8) / grid_rows
        top = max(max(r.counts) for r in self.rows)
        small = QFont(self.font())
        small.setPointSizeF(max(6.5, self.font().pointSizeF() * 0.8))
        small_metrics = QFontMetricsF(small)
        for i, row in enumerate(self.rows):
            x0 = 8 + (i % columns) * cell_w
            y0 = 4 + (i // columns) * cell_h
            cell = QRectF(x0 + 6, y0 + 4, cell_w - 12, cell_h - 8)
            painter.setPen(QColor(p.text))
            painter.setFont(self.font())
            title = metrics.elidedText(row.name, Qt.TextElideMode.ElideRight, cell.width() * 0.6)
            painter.drawText(QRectF(cell.left(), cell.top(), cell.width(), line), 0, title)
            painter.setPen(QColor(p.muted_text))
            painter.drawText(
                QRectF(cell.left(), cell.top(), cell.width(), line),
                int(Qt.AlignmentFlag.AlignRight),
                f"tallest {max(row.counts)} of {sum(row.counts)}",
            )
            plot = QRectF(
                cell.left(),
                cell.top() + line + 2,
                cell.width(),
                cell.height() - line - 4 - small_metrics.height(),
            )
            if plot.height() < 10:
                continue
            painter.setPen(QPen(QColor(p.border), 1))
            painter.drawLine(plot.bottomLeft(), plot.bottomRight())
            k = len(row.counts)
            slot = plot.width() / max(1, k)
            painter.setFont(small)
            for j, count in enumerate(row.counts):
                height = plot.height() * count / top if top else 0
                bar = QRectF(
                    plot.left() + j * slot + slot * 0.15, plot.bottom() - height, slot * 0.7, height
                )
                painter.fillRect(bar, QColor(p.accent))
                label = self.labels[j] if j < len(self.labels) else str(j)
                # Every score's label when it fits; else each level's middle one only.
                if small_metrics.horizontalAdvance("4+") < slot or label.isdigit():
                    painter.setPen(QColor(p.muted_text))
                    painter.drawText(
                        QRectF(
                            plot.left() + j * slot - 4,
                            plot.bottom() + 1,
                            slot + 8,
                            small_metrics.height(),
                        ),
                        int(Qt.AlignmentFlag.AlignHCenter),
                        label,
                    )
                total = sum(row.counts)
                share = f" ({100 * count / total:.0f}%)" if total else ""
                self._tips.append(
                    (
                        QRectF(plot.left() + j * slot, plot.top(), slot, plot.height()),
                        f"{row.name}: {label} given {count} times{share}",
                    )
                )
        painter.end()


class SeverityChart(_Chart):
    """Each scorer's adjusted severity with its interval around the zero line (a forest plot)."""

    TITLE = "Adjusted severity by scorer"
    ROW = 18.0  # pixels a scorer's row needs at least
    # The words, which a chart of another difference (ui/agreement_quality.ValidityChart) says.
    FIGURE = "adjusted severity"
    INTRO = (
        "Each scorer's adjusted severity in score points with its interval; an interval "
        "wholly above or below zero is flagged. "
    )
    LOWER, HIGHER = "← scores lower than the others", "scores higher →"
    WIDEST_FLAG = "scores high"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[SeverityRow] = []
        self.selected: str | None = None

    @property
    def highlighted(self) -> list[str]:
        return [r.scorer_id for r in self.rows if r.flagged]

    def set_data(self, rows: Sequence[SeverityRow]) -> None:
        self.rows = list(rows)
        self.setMinimumHeight(int(60 + self.ROW * len(self.rows)))
        flagged = [f"{r.scorer_id} {r.flag}" for r in self.rows if r.flagged]
        described = "; ".join(
            f"{r.scorer_id} {points(r.value)}"
            + (
                f" from {points(r.low)} to {points(r.high)}"
                if r.low is not None and r.high is not None
                else ""
            )
            + (f", {r.flag}" if r.flag else "")
            for r in self.rows
        )
        self._say(
            self.INTRO
            + (f"Flagged: {', '.join(flagged)}. " if flagged else "No scorer is flagged. ")
            + described
        )

    def select(self, scorer_id: str | None) -> None:
        self.selected = scorer_id
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(520, int(40 + self.ROW * max(6, len(self.rows))))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = palettes.current()
        painter = self._begin()
        if not self.rows:
            self._empty(painter, "No scorer has reads to compare yet")
            return
        metrics = QFontMetricsF(self.font())
        label_w = max(metrics.horizontalAdvance(r.scorer_id) for r in self.rows) + 12
        flag_w = metrics.horizontalAdvance(self.WIDEST_FLAG) + 16
        plot = QRectF(
            label_w + 8,
            8,
            self.width() - label_w - flag_w - 24,
            self.height() - 16 - 2 * metrics.height() - 4,
        )
        ends = [0.0]
        for r in self.rows:
            ends += [r.value, r.low if r.low is not None else r.value]
            ends += [r.high if r.high is not None else r.value]
        reach = max(0.25, max(abs(v) for v in ends)) * 1.1
        lo, hi = -reach, reach

        def x(v: float) -> float:
            return plot.left() + (v - lo) / (hi - lo) * plot.width()

        # The grid and its labels, in score points.
        step = _nice_step(hi - lo, 6)
        tick = math.ceil(lo / step) * step
        while tick <= hi + 1e-9:
            painter.setPen(QPen(QColor(p.band), 1))
            painter.drawLine(QPointF(x(tick), plot.top()), QPointF(x(tick), plot.bottom()))
            painter.setPen(QColor(p.muted_text))
            painter.drawText(
                QRectF(x(tick) - 30, plot.bottom() + 2, 60, metrics.height()),
                int(Qt.AlignmentFlag.AlignHCenter),
                points(tick),
            )
            tick += step
        painter.setPen(QPen(QColor(p.text), 1.5))
        painter.drawLine(QPointF(x(0), plot.top()), QPointF(x(0), plot.bottom()))

        row_h = plot.height() / len(self.rows)
        for i, r in enumerate(self.rows):
            cy = plot.top() + (i + 0.5) * row_h
            colour = QColor(p.error if r.flagged else p.secondary_text)
            if r.scorer_id == self.selected:
                painter.fillRect(QRectF(0, cy - row_h / 2, self.width(), row_h), QColor(p.band))
            painter.setPen(colour)
            font = QFont(self.font())
            font.setBold(r.flagged or r.scorer_id == self.selected)
            painter.setFont(font)
            painter.drawText(
                QRectF(4, cy - row_h / 2, label_w, row_h),
                int(Qt.AlignmentFlag.AlignVCenter),
                r.scorer_id,
            )
            if r.low is not None and r.high is not None:
                painter.setPen(QPen(colour, 2.5 if r.flagged else 1.5))
                painter.drawLine(QPointF(x(r.low), cy), QPointF(x(r.high), cy))
                for end in (r.low, r.high):
                    painter.drawLine(QPointF(x(end), cy - 4), QPointF(x(end), cy + 4))
            radius = 5.0 if r.flagged else 4.0
            painter.setPen(QPen(colour, 1.5))
            painter.setBrush(colour if r.flagged else QColor(p.surface))
            painter.drawEllipse(QPointF(x(r.value), cy), radius, radius)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            if r.flag:
                painter.setPen(colour)
                painter.drawText(
                    QRectF(plot.right() + 10, cy - row_h / 2, flag_w, row_h),
                    int(Qt.AlignmentFlag.AlignVCenter),
                    r.flag,
                )
            interval = (
                f", interval {points(r.low)} to {points(r.high)}"
                if r.low is not None and r.high is not None
                else ", no interval (too few reads)"
            )
            self._tips.append(
                (
                    QRectF(0, cy - row_h / 2, self.width(), row_h),
                    f"{r.scorer_id}: {self.FIGURE} {points(r.value)}{interval}"
                    + (f"; {r.flag}" if r.flag else ""),
                )
            )
        painter.setFont(self.font())
        painter.setPen(QColor(p.muted_text))
        below = plot.bottom() + 2 + metrics.height()
        painter.drawText(
            QRectF(plot.left(), below, plot.width() / 2, metrics.height()),
            0,
            self.LOWER,
        )
        painter.drawText(
            QRectF(plot.center().x(), below, plot.width() / 2, metrics.height()),
            int(Qt.AlignmentFlag.AlignRight),
            self.HIGHER,
        )
        painter.end()


class DriftChart(_Chart):
    """Each scorer's severity week by week, one line each; drifting scorers stand out."""

    TITLE = "Severity by week of scoring"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: list[DriftSeries] = []
        self.selected: str | None = None

    @property
    def highlighted(self) -> list[str]:
        return [s.scorer_id for s in self.series if s.drifting]

    def set_data(self, series: Sequence[DriftSeries]) -> None:
        self.series = [s for s in series if s.weeks]
        drifting = [
            f"{s.scorer_id} ({points(s.slope)} a week)" if s.slope is not None else s.scorer_id
            for s in self.series
            if s.drifting
        ]
        weeks = sorted({w for s in self.series for w, _, _ in s.weeks})
        self._say(
            f"Each scorer's severity in each of {len(weeks)} weeks of scoring. "
            + (f"Drifting: {', '.join(drifting)}. " if drifting else "No scorer drifts. ")
            + "; ".join(
                f"{s.scorer_id}: "
                + ", ".join(f"week of {w:%d %b} {points(v)}" for w, _, v in s.weeks)
                for s in self.series
                if s.drifting
            )
        )

    def select(self, scorer_id: str | None) -> None:
        self.selected = scorer_id
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = palettes.current()
        painter = self._begin()
        weeks = sorted({w for s in self.series for w, _, _ in s.weeks})
        if not weeks:
            self._empty(painter, "No dated reads to compare yet")
            return
        metrics = QFontMetricsF(self.font())
        values = [v for s in self.series for _, _, v in s.weeks] + [0.0]
        reach = max(0.25, max(abs(v) for v in values)) * 1.1
        y_label_w = metrics.horizontalAdvance("+0.00") + 10
        name_w = metrics.horizontalAdvance("S-000 ") + 8
        plot = QRectF(
            y_label_w + 8,
            10,
            self.width() - y_label_w - name_w - 24,
            self.height() - 20 - metrics.height(),
        )

        def x(w: date) -> float:
            if len(weeks) == 1:
                return plot.center().x()
            return plot.left() + weeks.index(w) / (len(weeks) - 1) * plot.width()

        def y(v: float) -> float:
            return plot.bottom() - (v + reach) / (2 * reach) * plot.height()

        step = _nice_step(2 * reach, 5)
        tick = math.ceil(-reach / step) * step
        while tick <= reach + 1e-9:
            painter.setPen(QPen(QColor(p.band), 1))
            painter.drawLine(QPointF(plot.left(), y(tick)), QPointF(plot.right(), y(tick)))
            painter.setPen(QColor(p.muted_text))
            painter.drawText(
                QRectF(0, y(tick) - metrics.height() / 2, y_label_w, metrics.height()),
                int(Qt.AlignmentFlag.AlignRight),
                points(tick),
            )
            tick += step
        painter.setPen(QPen(QColor(p.text), 1.5))
        painter.drawLine(QPointF(plot.left(), y(0)), QPointF(plot.right(), y(0)))
        last_label = -1e9
        for w in weeks:
            text = f"{w:%d %b}"
            if x(w) - last_label < metrics.horizontalAdvance(text) + 8:
                continue
            last_label = x(w)
            painter.setPen(QColor(p.muted_text))
            painter.drawText(
                QRectF(x(w) - 40, plot.bottom() + 4, 80, metrics.height()),
                int(Qt.AlignmentFlag.AlignHCenter),
                text,
            )

        # The quiet lines first, the flagged and the selected over them.
        def weight(s: DriftSeries) -> int:
            return (s.scorer_id == self.selected) * 2 + s.drifting

        for s in sorted(self.series, key=weight):
            selected = s.scorer_id == self.selected
            if s.drifting:
                colour, width = QColor(p.error), 3.0
            elif selected:
                colour, width = QColor(p.accent), 2.5
            else:
                colour, width = QColor(p.muted_text), 1.0
            painter.setPen(QPen(colour, width))
            dots = [QPointF(x(w), y(v)) for w, _, v in s.weeks]
            for a, b in zip(dots, dots[1:], strict=False):
                painter.drawLine(a, b)
            painter.setBrush(colour)
            for (w, reads, v), dot in zip(s.weeks, dots, strict=True):
                painter.drawEllipse(dot, 3.0 if (s.drifting or selected) else 2.0, 3.0)
                self._tips.append(
                    (
                        QRectF(dot.x() - 6, dot.y() - 6, 12, 12),
                        f"{s.scorer_id}, week of {w:%d %b %Y}: {reads} reads, severity "
                        f"{points(v)}" + (" (drifts)" if s.drifting else ""),
                    )
                )
            painter.setBrush(Qt.BrushStyle.NoBrush)
            if (s.drifting or selected) and dots:
                font = QFont(self.font())
                font.setBold(True)
                painter.setFont(font)
                painter.drawText(
                    QRectF(
                        dots[-1].x() + 8,
                        dots[-1].y() - metrics.height() / 2,
                        name_w + 12,
                        metrics.height(),
                    ),
                    0,
                    s.scorer_id,
                )
                painter.setFont(self.font())
        painter.end()
