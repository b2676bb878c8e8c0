"""The Coordinator window's "Scorer agreement" view: how far the scorers agree, who scores high
or low and who drifts (docs/agreement.md says how to read each figure).

The cohort's figures in a line, the scorers in a sortable table with a plain-words flag column
(flagged scorers first, in the error colour, and named above the table), the selected scorer's
severity by factor and week by week, and the charts (ui/agreement_charts.py). The models are
plain data a test drives without a window; every string is plain text, tooltips go through
`plain_tip`. The figures are read off the UI thread by the window (`CoordinatorWindow`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QItemSelection, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from icg_desk.models.agreement import CohortAgreement
from icg_desk.scoring.agreement import PairFigures, ScorerAgreement
from icg_desk.ui import agreement_quality as quality
from icg_desk.ui import palette as palettes
from icg_desk.ui.agreement_charts import (
    DistributionChart,
    DriftChart,
    DriftSeries,
    FactorCounts,
    SeverityChart,
    SeverityRow,
    points,
)
from icg_desk.ui.backread_view import BackreadPanel
from icg_desk.ui.figure_text import RIGHT, SortRole, estimate_text, share, sort_number
from icg_desk.ui.plain_text import plain_tip
from icg_desk.ui.rubric_panel import plain_label
from icg_desk.ui.table_model import (
    ModelIndex,
    RowsTableModel,
    select_value,
    selected_value,
    table_view,
)

SCORES_HIGH, SCORES_LOW, DRIFTS = "scores high", "scores low", "drifts"




def severity_flag(s: ScorerAgreement) -> str:
    if not s.severe_or_lenient or s.adjusted is None:
        return ""
    return SCORES_HIGH if s.adjusted.value > 0 else SCORES_LOW


def flags(s: ScorerAgreement) -> list[str]:
    """A scorer's flags in plain words: "scores high" or "scores low", and "drifts"."""
    found = [severity_flag(s)] if severity_flag(s) else []
    return found + ([DRIFTS] if s.drift.drifting else []) + quality.flag_words(s)



class AgreementFactorModel(RowsTableModel):
    """The cohort's agreement over all factors, then each factor's."""

    NAME, PAIRS, EXACT, SAME_LEVEL, KAPPA, ALPHA = range(6)
    HEADERS = ("Factor", "Read pairs", "Exact", "Same level", "QWK", "Alpha")
    TIPS = (
        "",
        "Two reads of the same portfolio on this factor by different scorers",
        "The share of read pairs with the same score",
        "The share of read pairs with the same level number (3-, 3 and 3+ are all level 3)",
        "Quadratic weighted kappa: 1 perfect, 0 no better than chance",
        "Krippendorff's alpha (ordinal): rely on 0.80 or more, tentative from 0.67 to 0.80",
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, PairFigures]] = []

    def set_agreement(self, found: CohortAgreement | None) -> None:
        if found is None:
            self._set([])
            return
        rubric = found.rubric
        rows = [("All factors", found.figures.cohort)]
        rows += [(rubric.factor(k).name, f) for k, f in found.figures.factors.items()]
        self._set(rows)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(self.TIPS[section])
        return super().headerData(section, orientation, role)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        name, f = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.NAME:
                return name
            if column == self.PAIRS:
                return f"{f.pairs:,}"
            return share((None, None, f.exact, f.adjacent, f.kappa, f.alpha)[column])
        if role == Qt.ItemDataRole.TextAlignmentRole and column != self.NAME:
            return RIGHT
        if role == Qt.ItemDataRole.FontRole and index.row() == 0:
            font = QFont()
            font.setBold(True)
            return font
        return None


class ScorerAgreementModel(RowsTableModel):
    """Every scorer: reads, exact agreement, severity and adjusted severity with intervals,
    drift per week, and the flags in words."""

    # The flag beside the scorer: seen at once, however narrow the window; agreement with the
    # other reads beside agreement with the validity portfolios and the practice result, so a
    # window 1366 pixels wide shows all three before the intervals.
    SCORER, FLAGS, READS, EXACT, VALIDITY, PRACTICE, SEVERITY, ADJUSTED, DRIFT = range(9)
    HEADERS = (
        "Scorer",
        "Flag",
        "Reads",
        "Exact",
        quality.VALIDITY_HEAD,
        quality.PRACTICE_HEAD,
        "Severity [interval]",
        "Adjusted [interval]",
        "Drift per week [interval]",
    )
    TIPS = (
        "",
        "Scores high or low: the adjusted interval lies wholly above or below 0. Drifts: the "
        "drift's interval does. A reason to look at the reads, not a verdict.",
        "Complete reads; in brackets, those of portfolios someone else read too",
        "The share of this scorer's read pairs with the same score as the other read",
        quality.VALIDITY_TIP,
        quality.PRACTICE_TIP,
        "Mean difference from the other reads of the same portfolios, in score points "
        "(+ scores higher), with its simultaneous interval",
        "The same with each partner's own severity and drift taken out: this one flags",
        "The change of the adjusted difference per week of scoring, with its interval",
    )
    ScorerRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ScorerAgreement] = []

    def set_agreement(self, found: CohortAgreement | None) -> None:
        self._set([] if found is None else found.figures.scorers)

    def scorer(self, row: int) -> ScorerAgreement:
        return self._rows[row]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(self.TIPS[section])
        return super().headerData(section, orientation, role)

    def text(self, row: int, column: int) -> str:
        s = self._rows[row]
        if column == self.SCORER:
            return s.scorer_id
        if column == self.READS:
            return f"{s.reads} ({s.compared})" if s.compared != s.reads else str(s.reads)
        if column == self.EXACT:
            return share(s.figures.exact)
        if column == self.SEVERITY:
            return estimate_text(s.severity)
        if column == self.ADJUSTED:
            return estimate_text(s.adjusted)
        if column == self.DRIFT:
            return estimate_text(s.drift.slope)
        if column == self.VALIDITY:
            return quality.validity_text(s)
        if column == self.PRACTICE:
            return quality.practice_text(s)
        return ", ".join(flags(s))  # FLAGS

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        s, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), column)
        if role == SortRole:
            return self.sort_key(s, column)
        if role == self.ScorerRole:
            return s.scorer_id
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.READS, self.EXACT):
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            if (column in (self.SCORER, self.FLAGS, self.ADJUSTED) and s.severe_or_lenient) or (
                column in (self.SCORER, self.FLAGS, self.DRIFT) and s.drift.drifting
            ):
                return QColor(palettes.current().error)
            named = (self.SCORER, self.FLAGS)
            if (column in (*named, self.VALIDITY) and quality.validity_flagged(s)) or (
                column in (*named, self.PRACTICE) and quality.practice_flagged(s)
            ):
                return QColor(palettes.current().error)
            return None
        if role == Qt.ItemDataRole.FontRole and flags(s):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(self._tooltip(s))
        return None

    def sort_key(self, s: ScorerAgreement, column: int) -> str | float:
        """Numbers by their value (a figure missing sorts first), flags by how many."""
        if column == self.SCORER:
            return s.scorer_id.casefold()
        if column == self.FLAGS:
            return len(flags(s))
        if column == self.READS:
            return s.reads
        if column == self.EXACT:
            return sort_number(s.figures.exact)
        if column == self.VALIDITY:
            return quality.validity_sort(s)
        if column == self.PRACTICE:
            return quality.practice_sort(s)
        slope = s.drift.slope
        estimate = {self.SEVERITY: s.severity, self.ADJUSTED: s.adjusted, self.DRIFT: slope}
        found = estimate.get(column)
        return sort_number(None if found is None else found.value)

    def _tooltip(self, s: ScorerAgreement) -> str:
        lines = [
            f"{s.scorer_id}: {s.reads} complete reads, {s.compared} compared with another read",
            f"Severity {estimate_text(s.severity)}; adjusted {estimate_text(s.adjusted)}",
            f"Drift {estimate_text(s.drift.slope)} per week over {len(s.drift.weeks)} weeks",
            *quality.quality_tooltip(s),
        ]
        words = flags(s)
        if words:
            lines.append("Flagged: " + ", ".join(words))
        return "\n".join(lines)


class ScorerFactorModel(RowsTableModel):
    """The selected scorer's plain severity on each factor."""

    HEADERS = ("Factor", "Severity")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, float]] = []

    def show(self, found: CohortAgreement | None, s: ScorerAgreement | None) -> None:
        if found is None or s is None:
            self._set([])
            return
        self._set([(found.rubric.factor(k).name, v) for k, v in s.severity_by_factor.items()])

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        name, value = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return name if index.column() == 0 else points(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return RIGHT
        # Half a level or more above or below the others on a factor: where to look.
        if role == Qt.ItemDataRole.ForegroundRole and abs(value) >= 0.5:
            return QColor(palettes.current().error)
        return None


class ScorerWeekModel(RowsTableModel):
    """The selected scorer's plain severity in each week of scoring."""

    HEADERS = ("Week", "Reads", "Severity")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, date, int, float]] = []

    def show(self, s: ScorerAgreement | None) -> None:
        if s is None:
            self._set([])
            return
        self._set([(w.week, w.monday, w.reads, w.severity) for w in s.drift.weeks])

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        week, monday, reads, value = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            shown = f"{week.partition('-')[2]}, {monday:%d %b}"  # W27, 29 Jun
            return (shown, str(reads), points(value))[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(
                f"{week} (from Monday {monday:%d %B %Y}): {reads} reads, on average "
                f"{points(value)} points from the other reads of the same portfolios"
            )
        return None


def flagged_summary(found: CohortAgreement | None) -> str:
    """The flagged scorers in one line: "Flagged: S-01 scores high; S-02 drifts"."""
    if found is None:
        return ""
    named = [f"{s.scorer_id} {', '.join(flags(s))}" for s in found.figures.scorers if flags(s)]
    if not named:
        return "No scorer is flagged."
    return "Flagged: " + "; ".join(named)


def cohort_line(found: CohortAgreement) -> str:
    f = found.figures
    c = f.cohort
    return (
        f"{f.reads:,} complete reads, {f.portfolios_compared:,} portfolios read by two scorers or "
        f"more  ·  exact {share(c.exact)}  ·  same level {share(c.adjacent)}  ·  QWK "
        f"{share(c.kappa)}  ·  alpha {share(c.alpha)}  ·  intervals "
        f"{round(f.confidence * 100)}% simultaneous"
    )


def _scrolled(chart: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(chart)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


class AgreementPanel(QWidget):
    """The "Scorer agreement" tab of the coordinator's dashboard."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("agreementPanel")
        self.found: CohortAgreement | None = None
        self.cohort_label = plain_label("", object_name="panelNote")
        self.flagged_label = plain_label("", object_name="agreementFlagged")
        self.flagged_label.setAccessibleName("Flagged scorers")

        self.scorer_model = ScorerAgreementModel(self)
        self.scorer_sort = QSortFilterProxyModel(self)
        self.scorer_sort.setSourceModel(self.scorer_model)
        self.scorer_sort.setSortRole(SortRole)
        self.scorer_view = table_view(
            self.scorer_sort, "agreementScorerView", row_height=24, single=True
        )
        self.scorer_view.setAccessibleName("Scorers' agreement, severity and drift")
        self.scorer_view.setSortingEnabled(True)
        header = self.scorer_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        # The flagged first: the scorers to look at are at the top.
        self.scorer_view.sortByColumn(ScorerAgreementModel.FLAGS, Qt.SortOrder.DescendingOrder)
        self.scorer_view.selectionModel().selectionChanged.connect(self._selected)

        self.detail_label = plain_label(
            "Select a scorer to see their figures by factor and by week.", object_name="panelNote"
        )
        self.factor_detail_model = ScorerFactorModel(self)
        self.factor_detail_view = table_view(
            self.factor_detail_model, "agreementScorerFactors", row_height=24, single=True
        )
        self.factor_detail_view.setAccessibleName("The selected scorer's severity by factor")
        self.week_model = ScorerWeekModel(self)
        self.week_view = table_view(
            self.week_model, "agreementScorerWeeks", row_height=24, single=True
        )
        self.week_view.setAccessibleName("The selected scorer's severity by week")
        for view in (self.factor_detail_view, self.week_view):
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            view.horizontalHeader().setStretchLastSection(True)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.detail_label)
        tables = QHBoxLayout()
        tables.addWidget(self.factor_detail_view, 1)
        tables.addWidget(self.week_view, 1)
        detail_layout.addLayout(tables, 1)

        self.factor_model = AgreementFactorModel(self)
        self.factor_view = table_view(
            self.factor_model, "agreementFactorView", row_height=24, single=True
        )
        self.factor_view.setAccessibleName("Agreement by factor")
        self.factor_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.factor_view.horizontalHeader().setStretchLastSection(True)

        self.severity_chart = SeverityChart()
        self.drift_chart = DriftChart()
        self.distribution_chart = DistributionChart()
        self.validity_chart = quality.ValidityChart()
        self.charts = QTabWidget()
        self.charts.setObjectName("agreementCharts")
        self.charts.setDocumentMode(True)
        self.charts.addTab(_scrolled(self.severity_chart), "Severity")
        self.charts.addTab(self.drift_chart, "Drift by week")
        self.charts.addTab(_scrolled(self.validity_chart), "Validity")
        self.charts.addTab(self.distribution_chart, "Score distribution")
        self.charts.addTab(self.factor_view, "Agreement by factor")
        self.backread_panel = BackreadPanel()  # each scorer against their backreads
        self.charts.addTab(self.backread_panel, "Backreads")

        self.top_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.top_splitter.setObjectName("agreementTopSplitter")
        self.top_splitter.addWidget(self.scorer_view)
        self.top_splitter.addWidget(detail)
        self.top_splitter.setChildrenCollapsible(False)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("agreementSplitter")
        self.splitter.addWidget(self.top_splitter)
        self.splitter.addWidget(self.charts)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.cohort_label)
        layout.addWidget(self.flagged_label)
        layout.addWidget(self.splitter, 1)
        self.show_agreement(None)

    # --- what it shows ------------------------------------------------------------------------

    def show_agreement(self, found: CohortAgreement | None) -> None:
        previous = self.selected_scorer()
        self.found = found
        self.scorer_model.set_agreement(found)
        self.factor_model.set_agreement(found)
        if found is None:
            self.cohort_label.setText("Reading the agreement figures…")
            self.flagged_label.setText("")
        elif not found.figures.cohort.pairs:
            self.cohort_label.setText(
                f"{found.figures.reads:,} complete reads: no portfolio has two complete reads "
                "yet, so there is nothing to compare."
            )
            self.flagged_label.setText("")
        else:
            self.cohort_label.setText(cohort_line(found))
            self.flagged_label.setText(flagged_summary(found))
        flagged = found is not None and any(flags(s) for s in found.figures.scorers)
        self.flagged_label.setProperty("flagged", flagged)
        self.flagged_label.style().unpolish(self.flagged_label)
        self.flagged_label.style().polish(self.flagged_label)
        self.severity_chart.set_data(severity_rows(found))
        self.drift_chart.set_data(drift_series(found))
        self.validity_chart.set_data(quality.validity_rows(found))
        labels = () if found is None else found.rubric.scale.labels
        self.distribution_chart.set_data(labels, distribution_rows(found))
        self.backread_panel.show_backreads(found)
        for column in range(len(ScorerAgreementModel.HEADERS) - 1):  # the last stretches
            self.scorer_view.resizeColumnToContents(column)
        if previous is not None:
            self.select_scorer(previous)
        else:
            self._show_scorer(None)

    def selected_scorer(self) -> str | None:
        return selected_value(self.scorer_view, ScorerAgreementModel.ScorerRole)

    def select_scorer(self, scorer_id: str) -> bool:
        return select_value(self.scorer_view, ScorerAgreementModel.ScorerRole, scorer_id)

    def _selected(self, *_args: QItemSelection) -> None:
        chosen = self.selected_scorer()
        found = self.found
        s = None
        if found is not None and chosen is not None:
            s = next((x for x in found.figures.scorers if x.scorer_id == chosen), None)
        self._show_scorer(s)

    def _show_scorer(self, s: ScorerAgreement | None) -> None:
        self.factor_detail_model.show(self.found, s)
        self.week_model.show(s)
        if s is None:
            self.detail_label.setText(
                "Select a scorer to see their severity by factor and week by week."
            )
        else:
            words = flags(s)
            self.detail_label.setText(
                f"{s.scorer_id}: severity {estimate_text(s.severity)} by factor and week by "
                f"week; drift {estimate_text(s.drift.slope)} per week"
                + (f" — {', '.join(words)}" if words else "")
                + quality.detail_line(s)
            )
        chosen = None if s is None else s.scorer_id
        self.severity_chart.select(chosen)
        self.drift_chart.select(chosen)
        self.validity_chart.select(chosen)

    # --- layout remembered by the window ------------------------------------------------------

    def splitters(self) -> list[QSplitter]:
        return [self.splitter, self.top_splitter]


def severity_rows(found: CohortAgreement | None) -> list[SeverityRow]:
    if found is None:
        return []
    return [
        SeverityRow(
            s.scorer_id, s.adjusted.value, s.adjusted.low, s.adjusted.high, severity_flag(s)
        )
        for s in found.figures.scorers
        if s.adjusted is not None
    ]


def drift_series(found: CohortAgreement | None) -> list[DriftSeries]:
    if found is None:
        return []
    return [
        DriftSeries(
            s.scorer_id,
            tuple((w.monday, w.reads, w.severity) for w in s.drift.weeks),
            None if s.drift.slope is None else s.drift.slope.value,
            s.drift.drifting,
        )
        for s in found.figures.scorers
    ]


def distribution_rows(found: CohortAgreement | None) -> list[FactorCounts]:
    if found is None:
        return []
    rubric = found.rubric
    return [FactorCounts(rubric.factor(k).name, c) for k, c in found.distribution.items()]
