"""The score calculator and the keyboard shortcuts dialog, driven through their real widgets."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QWidget

from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.scoring import Status, decide
from icg_desk.scoring.rubric import Rubric
from icg_desk.ui.calculator import NOT_SCORED, ScoreCalculatorDialog
from icg_desk.ui.shortcuts_dialog import ShortcutsDialog

CERTIFIED = ("3", "3+", "2-", "4", "3", "3", "2+")  # 20.25 / 7 = 2.89
RETAKE_DATA = ("3", "3+", "1+", "4", "3", "3", "2+")


# --- score calculator -----------------------------------------------------------------------


@pytest.fixture
def calculator(qtbot, revised: Rubric) -> Callable[..., ScoreCalculatorDialog]:
    def make(rubric: Rubric = revised) -> ScoreCalculatorDialog:
        dialog = ScoreCalculatorDialog(rubric)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        return dialog

    return make


def type_scores(qtbot, dialog: ScoreCalculatorDialog, labels: Sequence[str]) -> None:
    """Type each score into its field, moving on with Tab, as a person at the keyboard does."""
    dialog.selectors[0].setFocus()
    for label in labels:
        field = dialog.focusWidget()
        assert field is not None
        qtbot.keyClicks(field, label)
        qtbot.keyClick(field, Qt.Key.Key_Tab)


def shown(dialog: ScoreCalculatorDialog) -> list[str]:
    return [s.currentText() for s in dialog.selectors]


def test_typing_scores_with_tab_shows_overall_and_certified(qtbot, calculator) -> None:
    dialog = calculator()
    type_scores(qtbot, dialog, CERTIFIED)

    assert shown(dialog) == list(CERTIFIED)
    assert dialog.overall_label.text() == "2.89"
    assert dialog.overall_caption.text() == "OVERALL"
    assert dialog.headline_label.text() == "Certified"
    assert dialog.headline_label.property("state") == "certified"
    assert [label.text() for label in dialog.score_labels] == [
        "3.00",
        "3.25",
        "1.75",
        "4.00",
        "3.00",
        "3.00",
        "2.25",
    ]
    assert dialog.level_labels[1].text() == "3 - Clear evidence"
    assert dialog.level_labels[2].text() == "2 - Limited evidence"
    assert dialog.level_labels[3].text() == "4 - Clear, consistent, and convincing evidence"
    # Data (1.75) and System Support (2.25) are below accomplished, yet not retaken.
    marks = [m.text() if m.isVisibleTo(dialog) else "" for m in dialog.mark_labels]
    assert marks == ["", "", "below accomplished", "", "", "", "below accomplished"]
    assert dialog.reasons_label.isHidden()
    assert dialog.retake_label.isHidden()
    assert dialog.decision().status is Status.CERTIFIED


def test_the_fields_offer_exactly_the_scale(calculator, revised: Rubric) -> None:
    dialog = calculator()
    assert len(dialog.selectors) == len(revised.factors) == 7
    for selector in dialog.selectors:
        items = [selector.itemText(i) for i in range(selector.count())]
        assert items == [
            NOT_SCORED,
            "1-",
            "1",
            "1+",
            "2-",
            "2",
            "2+",
            "3-",
            "3",
            "3+",
            "4-",
            "4",
            "4+",
        ]


def test_choosing_from_the_list_updates_live(qtbot, calculator) -> None:
    dialog = calculator()
    selector = dialog.selectors[2]
    selector.setCurrentIndex(selector.findText("2-"))
    assert dialog.score_labels[2].text() == "1.75"
    assert dialog.overall_label.text() == "1.75"
    assert dialog.headline_label.text() == "Incomplete: 1 of 7 factors scored"
    # The arrow keys step along the scale from there.
    qtbot.keyClick(selector, Qt.Key.Key_Down)
    assert selector.currentText() == "2"
    assert dialog.score_labels[2].text() == "2.00"


def test_a_factor_below_the_floor_shows_retake_and_its_target(calculator) -> None:
    dialog = calculator()
    dialog.set_scores(RETAKE_DATA)

    assert dialog.overall_label.text() == "2.82"
    assert dialog.headline_label.text() == "Retake: Data (1.25)"
    assert dialog.headline_label.property("state") == "not_certified"
    assert dialog.reasons_label.text() == "• Data 1.25 is below the factor floor 1.75"
    assert dialog.retake_label.isVisibleTo(dialog)
    # The banked six need Data back at the floor, 2- (1.75), to certify.
    assert dialog.retake_label.text() == "• Retake Data: needs 2- (1.75) or higher to certify"
    assert dialog.mark_labels[2].text() == "retake"
    assert dialog.level_labels[2].text() == "1 - Little or no evidence"
    assert dict(dialog.decision().retake_targets) == {"data": dialog.rubric.scale.parse("2-")}


def test_a_retake_that_alone_cannot_certify_says_so(calculator) -> None:
    dialog = calculator()
    dialog.set_scores(["2-", "2-", "2-", "2-", "2-", "2-", "1-"])

    assert dialog.headline_label.text() == "Retake: System Support (0.75)"
    assert dialog.retake_label.text() == (
        "• Retake System Support: retakes alone cannot reach the certification threshold"
    )
    assert dialog.reasons_label.text().splitlines() == [
        "• Overall 1.61 is below 2.75",
        "• System Support 0.75 is below the factor floor 1.75",
    ]


def test_many_retakes_grow_the_dialog_instead_of_overlapping(qtbot, calculator) -> None:
    dialog = calculator()
    before = dialog.height()
    dialog.set_scores(["1+", "1", "1-", "4", "1", "1", "1-"])  # six retakes, while shown

    assert len(dialog.retake_label.text().splitlines()) == 6
    assert dialog.height() > before
    for label in (dialog.headline_label, dialog.reasons_label, dialog.retake_label):
        # Every wrapped line gets its room once the layout has run.
        qtbot.waitUntil(lambda label=label: label.height() >= label.heightForWidth(label.width()))
    assert dialog.reasons_label.geometry().bottom() < dialog.retake_label.geometry().top()


def test_low_overall_without_retake_is_not_certified(calculator) -> None:
    dialog = calculator()
    dialog.set_scores(["3-", "2+", "2", "3", "3-", "2+", "3"])

    assert dialog.overall_label.text() == "2.57"
    assert dialog.headline_label.text() == "Not certified: overall 2.57 is below 2.75"
    assert dialog.retake_label.isHidden()


def test_partial_entry_is_incomplete(qtbot, calculator) -> None:
    dialog = calculator()
    type_scores(qtbot, dialog, ["3", "3+", "2-"])

    assert dialog.headline_label.text() == "Incomplete: 3 of 7 factors scored"
    assert dialog.headline_label.property("state") == "incomplete"
    assert dialog.reasons_label.text() == "• 4 of 7 factors are not scored yet"
    # Until every factor is scored the figure is the mean so far, and is labelled so.
    assert dialog.overall_caption.text() == "MEAN SO FAR"
    assert dialog.overall_label.text() == "2.67"
    assert [label.text() for label in dialog.level_labels[3:]] == ["not scored"] * 4
    assert [label.text() for label in dialog.score_labels[3:]] == [NOT_SCORED] * 4


def test_reset_clears_every_factor(qtbot, calculator) -> None:
    dialog = calculator()
    dialog.set_scores(RETAKE_DATA)
    qtbot.mouseClick(dialog.reset_button, Qt.MouseButton.LeftButton)

    assert shown(dialog) == [NOT_SCORED] * 7
    assert dialog.overall_label.text() == NOT_SCORED
    assert dialog.headline_label.text() == "Incomplete: 0 of 7 factors scored"
    assert dialog.retake_label.isHidden()
    assert not any(m.isVisibleTo(dialog) for m in dialog.mark_labels)
    assert dialog.decision().scored == 0
    assert dialog.focusWidget() is dialog.selectors[0]


def test_typing_only_accepts_scores_on_the_scale(qtbot, calculator) -> None:
    dialog = calculator()
    field = dialog.selectors[0].lineEdit()
    assert field is not None
    field.selectAll()
    qtbot.keyClicks(field, "5x")  # neither is the start of any score: both keys refused
    assert field.text() == NOT_SCORED

    qtbot.keyClicks(field, "3.2")  # on the way to 3.25: allowed, not a score yet
    assert field.text() == "3.2"
    assert dialog.score_labels[0].text() == NOT_SCORED
    assert dialog.level_labels[0].text() == "not a score yet"
    assert dialog.decision().scored == 0

    qtbot.keyClicks(field, "5")
    assert dialog.score_labels[0].text() == "3.25"
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    # Finished, the value reads back as the scale label.
    assert dialog.selectors[0].currentText() == "3+"


def test_a_typed_level_is_not_completed_to_a_minus(qtbot, calculator) -> None:
    dialog = calculator()
    type_scores(qtbot, dialog, ["3"])
    assert dialog.selectors[0].currentText() == "3"
    assert dialog.score_labels[0].text() == "3.00"


def test_return_in_a_field_does_not_close(qtbot, calculator) -> None:
    dialog = calculator()
    field = dialog.selectors[0].lineEdit()
    assert field is not None
    qtbot.keyClicks(field, "4")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.score_labels[0].text() == "4.00"


def test_labels_never_interpret_their_text(calculator) -> None:
    dialog = calculator()
    for label in (
        dialog.overall_label,
        dialog.headline_label,
        dialog.reasons_label,
        dialog.retake_label,
        *dialog.score_labels,
        *dialog.level_labels,
    ):
        assert label.textFormat() is Qt.TextFormat.PlainText


def test_the_pilot_rubric(calculator) -> None:
    pilot = builtin_rubric("icg-pilot")
    dialog = calculator(pilot)
    assert dialog.rubric.edition == "icg-pilot"
    shown_text = {label.text() for label in dialog.findChildren(QLabel)}
    assert {f.name for f in pilot.factors} <= shown_text
    assert pilot.title in shown_text

    dialog.set_scores(RETAKE_DATA)
    scores = {f.key: pilot.scale.parse(s) for f, s in zip(pilot.factors, RETAKE_DATA, strict=True)}
    assert dialog.decision() == decide(pilot, scores)
    assert dialog.headline_label.text() == decide(pilot, scores).headline


@pytest.mark.parametrize(
    "labels",
    [
        CERTIFIED,
        RETAKE_DATA,
        ("4+", "4+", "4+", "4+", "4+", "4+", "4+"),
        ("1-", "1-", "1-", "1-", "1-", "1-", "1-"),
        ("3", None, "2", None, "3.25", None, "0.75"),
    ],
)
def test_the_dialog_decides_as_the_rules_do(calculator, revised: Rubric, labels) -> None:
    dialog = calculator()
    dialog.set_scores(labels)
    scores = {
        f.key: None if s is None else revised.scale.parse(s)
        for f, s in zip(revised.factors, labels, strict=True)
    }
    assert dialog.decision() == decide(revised, scores)


def test_set_scores_needs_one_score_per_factor(calculator) -> None:
    with pytest.raises(ValueError, match="expected 7 scores"):
        calculator().set_scores(["3"])


# --- keyboard shortcuts ---------------------------------------------------------------------


def native(*keys: str) -> str:
    return ", ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in keys)


@pytest.fixture
def window_actions(qtbot) -> Iterator[list[QAction]]:
    owner = QWidget()  # held until the test ends: the actions die with their parent
    qtbot.addWidget(owner)

    def action(text: str, keys: Sequence[str], group: str | None = None) -> QAction:
        a = QAction(text, owner)
        a.setShortcuts([QKeySequence(k) for k in keys])
        if group is not None:
            a.setProperty("shortcutGroup", group)
        return a

    # A generator, not a return: its frame holds `owner` (and so the actions) until teardown.
    yield [  # noqa: PT022
        action("&Open batch…", ["Ctrl+O"], "File"),
        action("&Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], "Edit"),
        action("Score level &3", ["3"], "Scoring"),
        action("About ICG Desk", [], "Help"),  # no key: not listed
        action("Clear score", ["Delete"], "Scoring"),
        action("Save && close", ["Ctrl+S"]),  # ungrouped; "&&" is a literal ampersand
    ]


@pytest.fixture
def shortcuts(qtbot, window_actions) -> ShortcutsDialog:
    dialog = ShortcutsDialog(window_actions)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_lists_grouped_actions_with_native_shortcuts(shortcuts) -> None:
    assert shortcuts.visible_rows() == [
        ("File", "Open batch…", native("Ctrl+O")),
        ("Edit", "Redo", native("Ctrl+Shift+Z", "Ctrl+Y")),
        ("Scoring", "Score level 3", native("3")),
        ("Scoring", "Clear score", native("Delete")),
        ("General", "Save & close", native("Ctrl+S")),
    ]
    # On this platform, the words a person sees.
    if QKeySequence("Ctrl+O").toString(QKeySequence.SequenceFormat.NativeText) == "Ctrl+O":
        assert ("Edit", "Redo", "Ctrl+Shift+Z, Ctrl+Y") in shortcuts.visible_rows()


def test_actions_without_a_shortcut_are_left_out(shortcuts) -> None:
    listed = [action for _group, action, _keys in shortcuts.visible_rows()]
    assert "About ICG Desk" not in listed
    # A group with nothing to list is not shown at all.
    model = shortcuts.view.model()
    groups = [model.index(g, 0).data() for g in range(model.rowCount())]
    assert groups == ["File", "Edit", "Scoring", "General"]


def test_filter_hides_rows_that_do_not_match(qtbot, shortcuts) -> None:
    qtbot.keyClicks(shortcuts.filter_edit, "score")
    assert [row[1] for row in shortcuts.visible_rows()] == ["Score level 3", "Clear score"]

    shortcuts.filter_edit.clear()
    qtbot.keyClicks(shortcuts.filter_edit, native("Ctrl+Y"))  # by key as well as by name
    assert [row[1] for row in shortcuts.visible_rows()] == ["Redo"]

    shortcuts.filter_edit.clear()
    qtbot.keyClicks(shortcuts.filter_edit, "FILE")  # a group's name lists the whole group
    assert shortcuts.visible_rows() == [("File", "Open batch…", native("Ctrl+O"))]

    shortcuts.filter_edit.clear()
    qtbot.keyClicks(shortcuts.filter_edit, "nothing like this")
    assert shortcuts.visible_rows() == []
    assert shortcuts.empty_label.isVisible()
    assert shortcuts.empty_label.text() == "No shortcut matches \u201cnothing like this\u201d"

    shortcuts.filter_edit.clear()
    assert len(shortcuts.visible_rows()) == 5
    assert shortcuts.view.isVisible()
    assert not shortcuts.empty_label.isVisible()


def test_the_list_is_read_only(shortcuts) -> None:
    model = shortcuts.view.model()
    group = model.index(0, 0)
    row = model.index(0, 0, group)
    assert not (model.flags(row) & Qt.ItemFlag.ItemIsEditable)
    assert not shortcuts.view.edit(row, shortcuts.view.EditTrigger.AllEditTriggers, None)
