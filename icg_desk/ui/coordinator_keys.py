"""Cohort > Import validity or practice portfolios…, and Cohort > Seed validity and practice
portfolios…: the coordinator's window over `operations.cohort.import_keys` and `seed`.

Each step runs off the UI thread like the other imports (`CoordinatorSteps._step`); a problem is
shown in a dialog naming its file, row and column, and the window keeps running.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from icg_desk.models.keys import KEY_KINDS, KeysAdded
from icg_desk.models.roster import ImportLocked, ImportRejected
from icg_desk.models.seeding import MAX_SEEDED, SeedDone
from icg_desk.operations import cohort as cohort_ops
from icg_desk.ui import palette as palettes
from icg_desk.ui.coordinator_dialogs import ImportProblemsDialog, dialog_stylesheet
from icg_desk.ui.coordinator_steps import CoordinatorSteps, _Done
from icg_desk.ui.rubric_panel import plain_label
from icg_desk.ui.tasks import Task

SHEET, EARLIER = "sheet", "earlier"


class KeysImportDialog(QDialog):
    """Which kind of portfolio, and from where: a sheet with its documents, or an earlier
    cohort's candidates (their ids); the files are chosen next."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keysImportDialog")
        self.setWindowTitle("Import validity or practice portfolios")
        self.setStyleSheet(dialog_stylesheet(palettes.current()))
        intro = plain_label(
            "Portfolios with agreed scores. Validity portfolios are seeded blind among each "
            "scorer's live portfolios to check the scoring; practice portfolios come first in a "
            "batch and show the scorer the agreed scores and the rationale once scored. Names "
            "are removed; each gets a blind code like a candidate's. See docs/validity.md.",
            object_name="dialogIntro",
        )
        self.kind_box = QComboBox()
        self.kind_box.setObjectName("keysKind")
        for kind in KEY_KINDS:
            self.kind_box.addItem(f"{kind.capitalize()} portfolios", kind)
        self.source_box = QComboBox()
        self.source_box.setObjectName("keysSource")
        self.source_box.addItem("A sheet (.xlsx or .csv) and its documents folder", SHEET)
        self.source_box.addItem(
            "Candidates of an earlier cohort (adjudicated or released)", EARLIER
        )
        self.ids_edit = QLineEdit()
        self.ids_edit.setObjectName("keysCandidates")
        self.ids_edit.setPlaceholderText("candidate ids of the earlier cohort, e.g. 1042, 1077")
        self.ids_edit.setEnabled(False)
        self.source_box.currentIndexChanged.connect(
            lambda _i: self.ids_edit.setEnabled(self.source() == EARLIER)
        )
        form = QFormLayout()
        form.addRow("&Kind", self.kind_box)
        form.addRow("&From", self.source_box)
        form.addRow("&Candidates", self.ids_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Choose files…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        self.adjustSize()

    def kind(self) -> str:
        return str(self.kind_box.currentData())

    def source(self) -> str:
        return str(self.source_box.currentData())

    def candidate_ids(self) -> list[str]:
        text = self.ids_edit.text().replace(";", ",")
        return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


class SeedDialog(QDialog):
    """How many validity portfolios each scorer's next batch holds, how many practice ones a
    first-time scorer starts with, the seed, and (optional) why."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("seedDialog")
        self.setWindowTitle("Seed validity and practice portfolios")
        self.setStyleSheet(dialog_stylesheet(palettes.current()))
        intro = plain_label(
            "For each scorer with reads not yet sent: validity portfolios the scorer has not "
            "had, placed among the live ones so nothing tells them apart, and practice "
            "portfolios first for a scorer who has had no practice yet. Seeding again adds "
            "nothing more. The same seed, the same choice.",
            object_name="dialogIntro",
        )
        self.validity_box = QSpinBox()
        self.validity_box.setObjectName("seedValidity")
        self.practice_box = QSpinBox()
        self.practice_box.setObjectName("seedPractice")
        for box in (self.validity_box, self.practice_box):
            box.setRange(0, MAX_SEEDED)
        self.validity_box.setValue(2)
        self.seed_box = QSpinBox()
        self.seed_box.setObjectName("seedSeed")
        self.seed_box.setRange(0, 2**31 - 1)
        self.seed_box.setValue(1)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("seedReason")
        self.reason_edit.setPlaceholderText("optional: kept in the cohort's log")
        form = QFormLayout()
        form.addRow("&Validity portfolios per batch", self.validity_box)
        form.addRow("&Practice portfolios (first batch)", self.practice_box)
        form.addRow("&Seed", self.seed_box)
        form.addRow("&Reason", self.reason_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Seed")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self.adjustSize()

    def values(self) -> tuple[int, int, int, str]:
        return (
            self.validity_box.value(),
            self.practice_box.value(),
            self.seed_box.value(),
            self.reason_edit.text().strip(),
        )


class KeySteps(CoordinatorSteps):
    """The window's steps for validity and practice portfolios."""

    def import_keys(
        self,
        kind: str | None = None,
        sheet: Path | None = None,
        documents: Path | None = None,
        *,
        earlier: Path | None = None,
        candidates: Sequence[str] = (),
    ) -> Task[Any]:
        """Cohort > Import validity or practice portfolios: the kind and source in a dialog,
        then the files; arguments given skip what they answer."""
        title, refused = "Import validity or practice portfolios", "Portfolios not imported"
        if self.cohort is None:
            return Task.finished(title, False)
        chosen_source = self._key_source(kind, sheet, documents, earlier, candidates)
        if chosen_source is None:
            return Task.finished(title, False)
        kind, sheet, documents, earlier, candidates = chosen_source
        source = earlier if earlier is not None else sheet
        assert source is not None
        self.remember_folder(source.parent)
        chosen_kind, ids, from_sheet, docs = kind, list(candidates), sheet, documents

        def work(ref: cohort_ops.CohortRef, _progress: object) -> Any:
            if earlier is not None:
                return cohort_ops.import_keys_from(ref, earlier, ids, chosen_kind)
            assert from_sheet is not None
            assert docs is not None
            return cohort_ops.import_keys(ref, from_sheet, docs, chosen_kind)

        def imported(done: _Done) -> bool:
            if isinstance(done.problem, ImportLocked):
                self.error(refused, self._import_locked(source, done.problem))
                return False
            if isinstance(done.problem, ImportRejected):
                ImportProblemsDialog(
                    refused,
                    f"{source}: nothing was imported. Fix these problems and import it again.",
                    done.problem.problems,
                    parent=self,
                ).exec()
                return False
            if done.problem is not None:
                return self._not_done(refused, f"{source}: nothing was imported.", done.problem)
            added: KeysAdded = done.value
            self.inform(
                title,
                f"Imported {len(added.added)} {added.kind} portfolios from {source.name}. Seed "
                "them into the scorers' next batches with Cohort > Seed validity and practice "
                "portfolios.",
            )
            return True

        return self._step(title, "Importing portfolios…", work, imported, failed=False)

    def _key_source(
        self,
        kind: str | None,
        sheet: Path | None,
        documents: Path | None,
        earlier: Path | None,
        candidates: Sequence[str],
    ) -> tuple[str, Path | None, Path | None, Path | None, Sequence[str]] | None:
        """What `import_keys` was not given, asked in its dialog and the file dialogs; None
        when the coordinator cancels."""
        title = "Import validity or practice portfolios"
        if kind is None:
            dialog = KeysImportDialog(self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            kind = dialog.kind()
            if dialog.source() == EARLIER:
                candidates = dialog.candidate_ids()
                if not candidates:
                    self.error(
                        "Portfolios not imported",
                        "Name at least one candidate of the earlier cohort.",
                    )
                    return None
                chosen, _ = QFileDialog.getOpenFileName(
                    self, "The earlier cohort", self._last_folder(),
                    "Cohorts (*.icgcohort);;All files (*)",
                )  # fmt: skip
                if not chosen:
                    return None
                earlier = Path(chosen)
        if earlier is None:
            if sheet is None:
                chosen, _ = QFileDialog.getOpenFileName(
                    self, title, self._last_folder(), "Sheets (*.xlsx *.csv);;All files (*)"
                )
                if not chosen:
                    return None
                sheet = Path(chosen)
            if documents is None:
                chosen = QFileDialog.getExistingDirectory(
                    self, "The folder of the portfolios' entry documents", str(sheet.parent)
                )
                if not chosen:
                    return None
                documents = Path(chosen)
        return kind, sheet, documents, earlier, candidates

    def seed_keys(
        self,
        validity: int | None = None,
        practice: int = 0,
        seed: int = 1,
        reason: str = "",
    ) -> Task[Any]:
        """Cohort > Seed validity and practice portfolios: the numbers in a dialog, then seed."""
        title = "Seed validity and practice portfolios"
        if self.cohort is None:
            return Task.finished(title, False)
        if validity is None:
            dialog = SeedDialog(self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return Task.finished(title, False)
            validity, practice, seed, reason = dialog.values()
        asked = (validity, practice, seed, reason)

        def seeded(done: _Done) -> bool:
            if done.problem is not None:
                return self._not_done("Nothing seeded", "No portfolio was seeded.", done.problem)
            result: SeedDone = done.value
            lines = [
                f"{s.scorer_id}: {len(s.validity)} validity, {len(s.practice)} practice"
                for s in result.seeded
            ]
            self.inform(title, "\n".join([result.summary() + ".", *lines]))
            return True

        return self._step(
            title,
            "Seeding portfolios…",
            lambda ref, _p: cohort_ops.seed(
                ref, validity=asked[0], practice=asked[1], seed=asked[2], by=_user(),
                reason=asked[3],
            ),
            seeded,
            failed=False,
        )  # fmt: skip


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in this environment: said as unknown
        return ""
