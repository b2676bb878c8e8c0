"""The coordinator window's dashboard: the cohort's figures, its results, each scorer's progress
and the returned files; and the table models behind them, which a test drives without a window.

Names, file names and reasons are plain text: the models return plain strings, which views never
interpret, and tooltips go through `plain_tip`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QRectF,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from icg_desk.models.cohort_results import CandidateResult, CohortResults
from icg_desk.models.cohort_status import CohortStatus, ScorerProgress
from icg_desk.models.conflicts import Conflict
from icg_desk.models.merge import REJECTED, MergeRecord
from icg_desk.scoring import Rubric, Status
from icg_desk.scoring.scale import format_against, format_score
from icg_desk.ui import palette as palettes
from icg_desk.ui.coordinator_agreement import AgreementPanel
from icg_desk.ui.coordinator_attention import AttentionPanel, release_waits_for
from icg_desk.ui.coordinator_dialogs import OUTCOME_TEXT, outcome_colour, plain_tip
from icg_desk.ui.palette import Palette
from icg_desk.ui.rubric_panel import plain_label
from icg_desk.ui.style import pt
from icg_desk.ui.table_model import ModelIndex, RowsTableModel, table_view

# --- table models -----------------------------------------------------------------------------

_Index = ModelIndex
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTRE = int(Qt.AlignmentFlag.AlignCenter)


def _decision_colour(status: Status, p: Palette) -> QColor:
    return QColor(
        {Status.CERTIFIED: p.certified, Status.NOT_CERTIFIED: p.not_certified}.get(
            status, p.muted_text
        )
    )


SortRole = Qt.ItemDataRole.UserRole + 1


class ResultsModel(RowsTableModel):
    """Every candidate's results: reads in, overall, open flags and the decision (final, or
    waiting and why: `CandidateResult.state`)."""

    ID, CODE, NAME, READS, OVERALL, DISCREPANT, BANKED, DECISION = range(8)
    FLAGS = DISCREPANT
    HEADERS = ("ID", "Code", "Name", "Reads", "Overall", "Flags", "Banked", "Decision")
    StatusRole = Qt.ItemDataRole.UserRole + 2
    CandidateIdRole = Qt.ItemDataRole.UserRole + 3

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[CandidateResult] = []
        self._rubric: Rubric | None = None

    def set_results(self, results: CohortResults | None) -> None:
        self._rubric = None if results is None else results.rubric
        self._set([] if results is None else results.candidates)

    def candidate(self, row: int) -> CandidateResult:
        return self._rows[row]

    def _factor_names(self, keys: Sequence[str]) -> str:
        if self._rubric is None:
            return ", ".join(keys)
        return ", ".join(self._rubric.factor(k).name for k in keys)

    def _overall(self, c: CandidateResult) -> str:
        overall = c.decision.overall
        if overall is None or self._rubric is None:
            return ""
        return format_against(overall, self._rubric.thresholds.certification)

    def _foreground(self, c: CandidateResult, column: int, colours: Palette) -> QColor | None:
        if column == self.READS and c.reads_missing:
            return QColor(colours.waiting)
        if column in (self.DECISION, self.OVERALL):
            # While waiting (reads, flags) the decision is only so far: muted, not green or red.
            if not c.state.final:
                return _decision_colour(Status.INCOMPLETE, colours)
            if column == self.OVERALL:
                return self._overall_colour(c, colours)
            return _decision_colour(c.decision.status, colours)
        if column == self.FLAGS and c.open_flags:
            return QColor(colours.waiting)
        return None

    def _overall_colour(self, c: CandidateResult, colours: Palette) -> QColor:
        """The overall by its own requirement: an overall at or above the rubric's threshold is
        never red, even when a factor below the floor means "not certified" (the decision says so).
        """
        overall = c.decision.overall
        if overall is None or self._rubric is None or c.decision.status is Status.INCOMPLETE:
            return _decision_colour(Status.INCOMPLETE, colours)
        met = overall >= self._rubric.thresholds.certification
        return _decision_colour(Status.CERTIFIED if met else Status.NOT_CERTIFIED, colours)

    def headlines(self) -> set[str]:
        """Every decision the column shows, once each (to size the column for the widest)."""
        return {c.decision.headline for c in self._rows}

    def text(self, row: int, column: int) -> str:
        c = self._rows[row]
        if column == self.ID:
            return c.candidate_id
        if column == self.CODE:
            return c.code
        if column == self.NAME:
            return c.name
        if column == self.READS:
            return f"{c.reads_in} of {c.reads_needed}"
        if column == self.OVERALL:
            return self._overall(c)
        if column == self.FLAGS:
            return self._flag_names(c)
        if column == self.BANKED:
            return self.banked_text(c)
        state = c.state
        if state.final:
            return c.decision.headline
        if not state.waiting:  # withdrawn: no result, and no "so far" either
            return state.label
        return f"{state.label} (so far: {c.decision.headline})"

    def banked_text(self, c: CandidateResult) -> str:
        """A retake: which factors are new and which banked, with the cycle: `New: Data;
        banked (2025-26): Impact Cycle, Playbook, …`. Empty for a first submission."""
        if not c.retake:
            return ""
        new = [f.key for f in c.factors if c.banked_cycle(f.key) is None]
        by_cycle: dict[str, list[str]] = {}
        for key, when in c.banked:
            by_cycle.setdefault(when, []).append(key)
        parts = [f"New: {self._factor_names(new)}"] if new else []
        parts += [f"banked ({c}): {self._factor_names(keys)}" for c, keys in by_cycle.items()]
        return "; ".join(parts)

    def _flag_names(self, c: CandidateResult) -> str:
        """The open flags; with none open, the factors adjudicated and by whom."""
        rubric = self._rubric
        if c.open_flags:
            if rubric is None:
                return ", ".join(f.factor or f.kind.value for f in c.open_flags)
            return ", ".join(
                rubric.factor(f.factor).name if f.factor else "Decision split"
                for f in c.open_flags
            )
        if c.adjudicated_by:
            return "Adjudicated: " + ", ".join(
                f"{rubric.factor(k).name if rubric is not None else k} by {by}"
                for k, by in c.adjudicated_by
            )
        return ""

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        c, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), column)
        if role == SortRole:
            if column == self.READS:
                return c.reads_in - c.reads_needed
            if column == self.OVERALL:
                return -1.0 if c.decision.overall is None else float(c.decision.overall)
            return self.text(index.row(), column).casefold()
        if role == self.StatusRole:
            return c.decision.status.value
        if role == self.CandidateIdRole:
            return c.candidate_id
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(c, column, palettes.current())
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.READS, self.OVERALL):
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(self._tooltip(c, column))
        return None

    def _tooltip(self, c: CandidateResult, column: int) -> str:
        if column == self.READS:
            parts = [f"{c.reads_in} complete reads of {c.reads_needed} needed"]
            if c.reads_partial:
                parts.append(f"{c.reads_partial} read(s) scored in part (not counted)")
            return "; ".join(parts)
        if column == self.BANKED and c.retake:
            rubric = self._rubric
            return "\n".join(
                f"{rubric.factor(f.key).name if rubric is not None else f.key}: "
                f"{'–' if f.score is None else format_score(f.score)}, {c.source_text(f.key)}"
                for f in c.factors
            )
        if column == self.FLAGS and c.flags:
            rubric = self._rubric
            return "\n".join(
                (f.title(rubric) if rubric is not None else f.kind.value)
                + f" ({f.state.value}): "
                + "; ".join(f.reasons)
                for f in c.flags
            )
        state = c.state
        lines = [c.decision.headline, *c.decision.reasons]
        if not state.final:
            lines.append(f"{state.label}: so far only, this can still change.")
        return "\n".join(dict.fromkeys(lines))


class ResultsFilter(QSortFilterProxyModel):
    """The results by a piece of id, code or name, and by decision or what is outstanding."""

    CHOICES = (
        ("All candidates", ""),
        ("Certified", Status.CERTIFIED.value),
        ("Not certified", Status.NOT_CERTIFIED.value),
        ("Incomplete", Status.INCOMPLETE.value),
        ("Waiting", "waiting"),
        ("Reads missing", "missing"),
        ("Flags open", "flagged"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._kind = ""
        self.setSortRole(SortRole)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_kind(self, kind: str) -> None:
        self.beginFilterChange()
        self._kind = kind
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, ResultsModel)
        c = model.candidate(source_row)
        if self._text and not any(
            self._text in s.casefold() for s in (c.candidate_id, c.code, c.name)
        ):
            return False
        if self._kind == "waiting":
            return c.state.waiting
        if self._kind == "missing":
            return c.reads_missing > 0
        if self._kind == "flagged":
            return bool(c.open_flags)
        # By decision: final results only, as counted everywhere.
        if not self._kind:
            return True
        return c.state.counts_as is not None and c.state.status.value == self._kind


class ScorerProgressModel(RowsTableModel):
    """Each scorer's portfolios: assigned, sent out, returned."""

    SCORER, NAME, ASSIGNED, SENT, RETURNED = range(5)
    HEADERS = ("Scorer", "Name", "Assigned", "Sent", "Returned")
    ProgressRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ScorerProgress] = []

    def set_progress(self, rows: Sequence[ScorerProgress]) -> None:
        self._set(rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        p, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (p.scorer_id, p.name, str(p.assigned), str(p.sent), str(p.returned))[column]
        if role == self.ProgressRole:
            return (p.returned, p.sent, p.assigned)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.ASSIGNED, self.SENT):
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and column == self.RETURNED:
            waiting = p.sent - p.returned
            unsent = p.assigned - p.sent
            return plain_tip(
                f"{p.returned} returned, {waiting} out with the scorer, {unsent} not yet sent"
            )
        return None


class ProgressDelegate(QStyledItemDelegate):
    """The returned count, then a bar: returned (green) and sent (blue-grey) of assigned."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        returned, sent, assigned = index.data(ScorerProgressModel.ProgressRole)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = QRectF(option.rect).adjusted(6, 0, -8, 0)
        number_width = float(opt.fontMetrics.horizontalAdvance("00000"))
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setPen(
            opt.palette.color(
                QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
            )
        )
        painter.drawText(
            QRectF(rect.left(), rect.top(), number_width, rect.height()),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            str(returned),
        )
        height = min(10.0, rect.height() - 8)
        track = QRectF(
            rect.left() + number_width + 10,
            rect.top() + (rect.height() - height) / 2,
            max(0.0, rect.width() - number_width - 10),
            height,
        )
        if track.width() >= 12:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            colours = palettes.current()
            painter.setBrush(QColor(colours.track))
            painter.drawRoundedRect(track, 4, 4)
            for count, colour in ((sent, colours.sent_fill), (returned, colours.progress_fill)):
                if assigned and count:
                    part = QRectF(track)
                    part.setWidth(track.width() * min(count, assigned) / assigned)
                    painter.setBrush(QColor(colour))
                    painter.drawRoundedRect(part, 4, 4)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        return QSize(140, max(24, super().sizeHint(option, index).height()))


class MergeLogModel(RowsTableModel):
    """The cohort's latest returned files, newest first."""

    WHEN, FILE, OUTCOME, SCORER, REASON = range(5)
    HEADERS = ("When", "File", "Outcome", "Scorer", "Reason")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[MergeRecord] = []

    def set_rows(self, rows: Sequence[MergeRecord]) -> None:
        self._set(rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        m, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            reason = m.detail or (
                f"{m.changed} scores changed" if m.outcome != REJECTED else "rejected"
            )
            local = m.at.astimezone()
            today = local.date() == datetime.now().astimezone().date()
            return (
                f"{local:%H:%M}" if today else f"{local:%d %b %Y}",
                m.file_name,
                OUTCOME_TEXT.get(m.outcome, m.outcome),
                m.scorer_id or "–",
                reason,
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == self.OUTCOME:
            return outcome_colour(m.outcome, palettes.current())
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(
                f"{m.file_name}: {OUTCOME_TEXT.get(m.outcome, m.outcome).lower()} on "
                f"{m.at.astimezone():%Y-%m-%d %H:%M}\n"
                f"Scorer {m.scorer_id or 'unknown'}, batch {m.batch_id or 'unknown'}"
                + (f"\n{m.detail}" if m.detail else "")
            )
        return None


# --- the dashboard ----------------------------------------------------------------------------


def dashboard_stylesheet(p: Palette, scale: float = 1.0) -> str:
    return f"""
#cohortHeader {{ background: {p.surface}; border-bottom: 1px solid {p.border}; }}
#cohortName {{ font-size: {pt(17, scale)}; font-weight: 700; color: {p.text}; }}
#cohortDetail {{ color: {p.muted_text}; }}
#releaseState {{ padding: 5px 12px; border-radius: 6px; background: {p.band}; color: {p.secondary_text};
                font-weight: 600; }}
#releaseState[released="true"] {{ background: {p.certified_surface}; color: {p.certified}; }}
#releaseNote {{ background: {p.band}; color: {p.text}; padding: 6px 12px; border-radius: 6px; }}
#releasedBanner {{ background: {p.certified_surface}; color: {p.certified}; padding: 6px 12px; border-radius: 6px; }}
#figureGroup {{ background: {p.surface}; border: 1px solid {p.border}; border-radius: 8px; }}
#figureGroupTitle {{ color: {p.muted_text}; font-size: {pt(8, scale)}; font-weight: 600; }}
#figureValue {{ font-size: {pt(18, scale)}; font-weight: 700; color: {p.text}; }}
#figureValue[tone="good"] {{ color: {p.certified}; }}
#figureValue[tone="bad"] {{ color: {p.not_certified}; }}
#figureValue[tone="waiting"] {{ color: {p.waiting}; }}
#figureCaption {{ color: {p.muted_text}; font-size: {pt(8, scale)}; }}
#panelTitle {{ font-size: {pt(11, scale)}; font-weight: 600; color: {p.text}; }}
#panelNote {{ color: {p.muted_text}; }}
#agreementFlagged {{ color: {p.text}; font-weight: 600; }}
#agreementFlagged[flagged="true"] {{ color: {p.error}; }}
QTableView {{ border: 1px solid {p.border}; background: {p.surface}; gridline-color: {p.band}; }}
QTableView QHeaderView::section {{
    background: {p.background}; color: {p.muted_text}; font-weight: 600; padding: 4px 6px;
    border: none; border-bottom: 1px solid {p.border};
}}
"""  # noqa: E501




class _Figure(QWidget):
    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = plain_label("–", wrap=False, object_name="figureValue")
        self.caption = plain_label(caption, wrap=False, object_name="figureCaption")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def show_value(self, value: int | str, tone: str = "") -> None:
        self.value.setText(f"{value:,}" if isinstance(value, int) else value)
        if self.value.property("tone") != tone:
            self.value.setProperty("tone", tone)
            self.value.style().unpolish(self.value)
            self.value.style().polish(self.value)


class _FigureGroup(QFrame):
    def __init__(
        self, title: str, figures: Sequence[_Figure], below: QWidget | None = None
    ) -> None:
        super().__init__()
        self.setObjectName("figureGroup")
        self.title = plain_label(title.upper(), wrap=False, object_name="figureGroupTitle")
        row = QHBoxLayout()
        row.setSpacing(22)
        for figure in figures:
            row.addWidget(figure)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 10)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addLayout(row)
        if below is not None:
            layout.addWidget(below)


def _panel(
    title: str, note: QLabel | None, *widgets: QWidget, tools: QWidget | None = None
) -> QWidget:
    panel = QWidget()
    top = QHBoxLayout()
    top.setSpacing(10)
    top.addWidget(plain_label(title, wrap=False, object_name="panelTitle"))
    if note is not None:
        top.addWidget(note)
    top.addStretch(1)
    if tools is not None:
        top.addWidget(tools)
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)
    layout.addLayout(top)
    for widget in widgets:
        layout.addWidget(widget, 1)
    return panel


class Dashboard(QWidget):
    """Where the cohort stands: its identity, the figures, the results, scorers and merges."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cohortDashboard")
        self._source: Path | None = None

        # The header: which cohort, which rubric, whether released.
        self.name_label = plain_label("", wrap=False, object_name="cohortName")
        self.detail_label = plain_label("", wrap=False, object_name="cohortDetail")
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_label = plain_label("", wrap=False, object_name="releaseState")
        header = QFrame()
        header.setObjectName("cohortHeader")
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.name_label)
        names.addWidget(self.detail_label)
        header_row = QHBoxLayout(header)
        header_row.setContentsMargins(16, 10, 16, 10)
        header_row.addLayout(names, 1)
        header_row.addWidget(self.state_label, 0, Qt.AlignmentFlag.AlignVCenter)
        self.released_banner = plain_label("", object_name="releasedBanner")
        self.released_banner.hide()

        # The figures.
        f = _Figure
        self.figures: dict[str, _Figure] = {
            "candidates": f("candidates"),
            "scorers": f("scorers"),
            "reads_needed": f("needed"),
            "reads_returned": f("returned"),
            "reads_still_needed": f("still needed"),
            "files_merged": f("merged"),
            "files_rejected": f("rejected"),
            "certified": f("certified"),
            "not_certified": f("not certified"),
            "waiting": f("waiting"),
        }
        self.reads_bar = QProgressBar()
        self.reads_bar.setObjectName("readsBar")
        self.reads_bar.setTextVisible(False)
        self.reads_bar.setFixedHeight(6)
        groups = [
            _FigureGroup("Cohort", [self.figures["candidates"], self.figures["scorers"]]),
            _FigureGroup(
                "Reads",
                [self.figures[k] for k in ("reads_needed", "reads_returned", "reads_still_needed")],
                below=self.reads_bar,
            ),
            _FigureGroup(
                "Returned files", [self.figures["files_merged"], self.figures["files_rejected"]]
            ),
            _FigureGroup(
                "Decisions so far",
                [self.figures[k] for k in ("certified", "not_certified", "waiting")],
            ),
        ]
        self.decisions_group = groups[3]
        self.figures_row = QWidget()
        figure_row = QHBoxLayout(self.figures_row)
        figure_row.setContentsMargins(0, 0, 0, 0)
        figure_row.setSpacing(10)
        for group in groups:
            figure_row.addWidget(group, 1)

        # The results.
        self.results_model = ResultsModel(self)
        self.results_filter = ResultsFilter(self)
        self.results_filter.setSourceModel(self.results_model)
        self.results_view = table_view(self.results_filter, "resultsView")
        self.results_view.setSortingEnabled(True)
        self.results_view.sortByColumn(ResultsModel.ID, Qt.SortOrder.AscendingOrder)
        header_view = self.results_view.horizontalHeader()
        header_view.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The decision, last, takes the room left: it is the column that matters most. Never
        # less than its widest headline (`_fit_columns`), though: the table scrolls sideways
        # sooner than cut "Not certified: overall 2.61 is below 2.75" before its "2.75".
        header_view.setStretchLastSection(True)
        self.results_view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.search = QLineEdit()
        self.search.setObjectName("resultsSearch")
        self.search.setPlaceholderText("Find id, code or name (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setFixedWidth(240)
        self.search.textChanged.connect(self.results_filter.set_text)
        self.kind_filter = QComboBox()
        self.kind_filter.setObjectName("resultsKind")
        for text, kind in ResultsFilter.CHOICES:
            self.kind_filter.addItem(text, kind)
        self.kind_filter.currentIndexChanged.connect(
            lambda _i: self.results_filter.set_kind(self.kind_filter.currentData())
        )
        self.results_count = plain_label("", wrap=False, object_name="panelNote")
        self.results_filter.rowsInserted.connect(self._count_results)
        self.results_filter.rowsRemoved.connect(self._count_results)
        self.results_filter.modelReset.connect(self._count_results)
        self.results_filter.layoutChanged.connect(self._count_results)
        tools = QWidget()
        tools_row = QHBoxLayout(tools)
        tools_row.setContentsMargins(0, 0, 0, 0)
        tools_row.addWidget(self.search)
        tools_row.addWidget(self.kind_filter)
        results_panel = _panel("Results", self.results_count, self.results_view, tools=tools)
        # What needs the coordinator: every flag with its reads side by side, and Accept.
        self.attention = AttentionPanel(self)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("resultsTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(results_panel, "Results")
        self.tabs.addTab(self.attention, "Needs attention")
        # How far the scorers agree, who scores high or low, who drifts (View > Scorer
        # agreement, Ctrl+Shift+G): read by the window when shown, off the UI thread.
        self.agreement = AgreementPanel(self)
        self.tabs.addTab(self.agreement, "Scorer agreement")
        # Before Release is pressed, the window says what it waits for.
        self.release_note = plain_label("", object_name="releaseNote")
        self.release_note.hide()

        # The scorers and the returned files.
        self.scorer_model = ScorerProgressModel(self)
        self.scorer_view = table_view(self.scorer_model, "scorerView")
        self.scorer_view.setItemDelegateForColumn(
            ScorerProgressModel.RETURNED, ProgressDelegate(self.scorer_view)
        )
        scorer_header = self.scorer_view.horizontalHeader()
        scorer_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        scorer_header.setSectionResizeMode(
            ScorerProgressModel.RETURNED, QHeaderView.ResizeMode.Stretch
        )
        scorer_panel = _panel("Scorers", None, self.scorer_view)
        self.merge_model = MergeLogModel(self)
        self.merge_view = table_view(self.merge_model, "mergeView")
        merge_header = self.merge_view.horizontalHeader()
        merge_header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # Stretch mode, not the stretched last section: that one never shrinks below the
        # default size, and a narrow panel would scroll sideways for a few pixels.
        merge_header.setSectionResizeMode(MergeLogModel.REASON, QHeaderView.ResizeMode.Stretch)
        # Wraps: on one line it held the side panel so wide that the results' decisions were cut.
        self.merge_note = plain_label(
            "Drop returned files on the window to merge them", object_name="panelNote"
        )
        merge_panel = _panel("Returned files", self.merge_note, self.merge_view)

        self.side_splitter = QSplitter(Qt.Orientation.Vertical)
        self.side_splitter.setObjectName("sideSplitter")
        self.side_splitter.addWidget(scorer_panel)
        self.side_splitter.addWidget(merge_panel)
        self.side_splitter.setChildrenCollapsible(False)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("dashboardSplitter")
        self.main_splitter.addWidget(self.tabs)
        self.main_splitter.addWidget(self.side_splitter)
        self.main_splitter.setStretchFactor(0, 2)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setChildrenCollapsible(False)

        body = QVBoxLayout()
        body.setContentsMargins(14, 12, 14, 12)
        body.setSpacing(12)
        body.addWidget(self.released_banner)
        body.addWidget(self.release_note)
        body.addWidget(self.figures_row)
        body.addWidget(self.main_splitter, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addLayout(body, 1)

    # --- what it shows ------------------------------------------------------------------------

    def set_source(self, path: Path) -> None:
        self._source = path

    def show_snapshot(
        self, status: CohortStatus, results: CohortResults, merges: Sequence[MergeRecord]
    ) -> None:
        released = results.released_at
        self.name_label.setText(f"Cohort {status.cohort}")
        where = f"  ·  {self._source}" if self._source is not None else ""
        reads = results.rubric.reads.per_portfolio
        self.detail_label.setText(
            f"Rubric {status.rubric_edition}  ·  {reads} read{'s' if reads != 1 else ''} per "
            f"portfolio{where}"
        )
        self.state_label.setText(
            "Not released"
            if released is None
            else f"Released {released.astimezone():%Y-%m-%d %H:%M}"
        )
        self.state_label.setProperty("released", released is not None)
        self.state_label.style().unpolish(self.state_label)
        self.state_label.style().polish(self.state_label)
        self.released_banner.setVisible(released is not None)
        if released is not None:
            self.released_banner.setText(
                f"The results were released on {released.astimezone():%Y-%m-%d at %H:%M} and "
                "are locked: importing, assigning, sending batches and merging are off. Print "
                "the score reports (Ctrl+P)."
            )

        still = max(0, status.reads_needed - status.reads_returned)
        figures = self.figures
        figures["candidates"].show_value(status.candidates)
        keys = status.validity_portfolios, status.practice_portfolios
        # Portfolios with agreed scores are never candidates: said apart (docs/validity.md).
        figures["candidates"].setToolTip(
            f"Not counted here: {keys[0]} validity, {keys[1]} practice portfolios"
            if any(keys)
            else ""
        )
        self.detail_label.setText(
            self.detail_label.text()
            + (f"  ·  {keys[0]} validity, {keys[1]} practice portfolios" if any(keys) else "")
        )
        figures["scorers"].show_value(status.scorers)
        figures["reads_needed"].show_value(status.reads_needed)
        figures["reads_returned"].show_value(status.reads_returned)
        figures["reads_still_needed"].show_value(still, "waiting" if still else "good")
        figures["files_merged"].show_value(status.files_merged)
        figures["files_rejected"].show_value(
            status.files_rejected, "bad" if status.files_rejected else ""
        )
        # Only final decisions: a candidate with a read still out or a flag open is counted as
        # waiting, not by the decision its reads so far would give (CandidateResult.state).
        waiting = len(results.waiting)
        figures["certified"].show_value(results.count(Status.CERTIFIED), "good")
        figures["not_certified"].show_value(results.count(Status.NOT_CERTIFIED), "bad")
        figures["waiting"].show_value(waiting, "waiting" if waiting else "")
        self.reads_bar.setRange(0, max(1, status.reads_needed))
        self.reads_bar.setValue(min(status.reads_returned, status.reads_needed))
        self.decisions_group.title.setText(
            "DECISIONS" if released is not None else "DECISIONS SO FAR"
        )

        self.results_model.set_results(results)
        self.attention.show_results(results)
        open_flags = self.attention.model.open_count
        self.tabs.setTabText(
            1, f"Needs attention ({open_flags})" if open_flags else "Needs attention"
        )
        waits = release_waits_for(results)
        self.release_note.setText(waits + ".")
        self.release_note.setVisible(bool(waits))
        self.scorer_model.set_progress(status.per_scorer)
        self.merge_model.set_rows(merges)
        self.merge_note.setText(
            "Merging is off: the results are released"
            if released is not None
            else "Drop returned files on the window to merge them"
        )
        self._fit_columns()

    def _fit_columns(self) -> None:
        view = self.results_view
        for column in range(len(ResultsModel.HEADERS)):
            if column != ResultsModel.DECISION:
                view.resizeColumnToContents(column)
        # A long name or a long list of factors must not push the decision out of sight.
        for column, cap in (
            (ResultsModel.NAME, 220),
            (ResultsModel.DISCREPANT, 170),
            (ResultsModel.BANKED, 200),
        ):
            view.setColumnWidth(column, min(view.columnWidth(column), cap))
        # The last section stretches over the room left, and never below the size set here.
        view.setColumnWidth(ResultsModel.DECISION, self._decision_width())
        # Every column but the reason, which takes the rest and elides: no sideways scrolling.
        for column in range(MergeLogModel.REASON):
            self.merge_view.resizeColumnToContents(column)
        self.merge_view.setColumnWidth(
            MergeLogModel.FILE, min(self.merge_view.columnWidth(MergeLogModel.FILE), 220)
        )

    def _decision_width(self) -> int:
        """The width of the widest headline of every candidate, not only of the rows measured.

        Qt measures the first thousand rows; a cohort has ten thousand, with a few hundred
        different headlines: the widest of those is measured by the font, with the margins Qt
        gives an item's text.
        """
        view = self.results_view
        measured = max(
            view.sizeHintForColumn(ResultsModel.DECISION),
            view.horizontalHeader().sectionSizeHint(ResultsModel.DECISION),
        )
        headlines = self.results_model.headlines()
        if not headlines:
            return measured
        metrics = view.fontMetrics()
        margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
        widest = max(metrics.horizontalAdvance(h) for h in headlines) + 2 * margin + 4
        return max(measured, widest)

    def show_conflicts(self, conflicts: tuple[Conflict, ...], results: CohortResults) -> None:
        """Needs attention's conflicts between two copies, counted in its tab with the flags."""
        self.attention.show_conflicts(conflicts, results.rubric)
        waiting = self.attention.model.open_count + len(conflicts)
        self.tabs.setTabText(1, f"Needs attention ({waiting})" if waiting else "Needs attention")

    def _count_results(self, *_args: object) -> None:
        shown, total = self.results_filter.rowCount(), self.results_model.rowCount()
        self.results_count.setText(
            f"{total} candidates" if shown == total else f"{shown} of {total} shown"
        )

    def clear(self) -> None:
        self.results_model.set_results(None)
        self.attention.show_results(None)
        self.attention.show_conflicts((), None)
        self.release_note.hide()
        self.scorer_model.set_progress([])
        self.merge_model.set_rows([])
        self.agreement.show_agreement(None)
        self.search.clear()
        self.kind_filter.setCurrentIndex(0)

    def show_agreement_tab(self, shown: bool) -> None:
        """The Scorer agreement view takes the room of the results' figures and the side
        panel (the scorers' progress, the returned files); they come back with the other tabs."""
        self.figures_row.setVisible(not shown)
        self.side_splitter.setVisible(not shown)

    # --- layout remembered by the window ------------------------------------------------------

    def splitters(self) -> list[QSplitter]:
        return [self.main_splitter, self.side_splitter, *self.agreement.splitters()]

    def default_sizes(self, splitter: QSplitter) -> None:
        if splitter is self.agreement.splitter:  # the tables over the charts
            splitter.setSizes([300, 340])
            return
        if splitter is self.agreement.top_splitter:  # the scorers beside the one chosen
            # In proportion: the view may not be laid out yet (another tab is current).
            splitter.setSizes([800, 520])
            return
        total = sum(splitter.sizes()) or (1200 if splitter is self.main_splitter else 500)
        if splitter is self.main_splitter:
            splitter.setSizes([total * 2 // 3, total - total * 2 // 3])
        else:
            splitter.setSizes([total // 2, total - total // 2])
