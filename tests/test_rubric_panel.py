"""The rubric panel passes on what each card reports, so a window wires the panel, not the cards."""

from __future__ import annotations

from fractions import Fraction

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QToolButton
from pytestqt.qtbot import QtBot

from icg_desk.operations.batch_work import EvidenceItem, ReadState
from icg_desk.scoring.rubric import Rubric
from icg_desk.ui.rubric_panel import RubricPanel


@pytest.fixture
def panel(qtbot: QtBot, revised: Rubric) -> RubricPanel:
    panel = RubricPanel(revised)
    qtbot.addWidget(panel)
    return panel


def test_a_cards_score_reaches_the_panel(qtbot: QtBot, panel: RubricPanel) -> None:
    key = next(iter(panel.cards))
    value = Fraction(3)
    with qtbot.waitSignal(panel.scoreChosen) as chosen:
        panel.cards[key].selector.button(value).click()
    assert chosen.args == [key, value]


def test_every_card_signal_reaches_the_panel_with_the_same_arguments(
    qtbot: QtBot, panel: RubricPanel
) -> None:
    key = list(panel.cards)[-1]  # any card, not only the first one built
    card = panel.cards[key]
    card.set_read(
        ReadState(
            key, evidence=(EvidenceItem(id=7, entry_number=2, start=5, end=9, quote="coach"),)
        )
    )
    with qtbot.waitSignal(panel.lookForToggled) as toggled:
        card.look_fors[0].click()
    assert toggled.args == [key, 0, True]
    with qtbot.waitSignal(panel.rationaleEdited) as edited:
        card.rationale.setPlainText("Weekly goals")
    assert edited.args == [key, "Weekly goals", ""]
    with qtbot.waitSignal(panel.attachRequested) as attach:
        card.attach.click()
    assert attach.args == [key]
    with qtbot.waitSignal(panel.evidenceShown) as shown:
        next(b for b in card.findChildren(QToolButton) if b.text() == "Show").click()
    assert shown.args == [2, 5, 9]
    with qtbot.waitSignal(panel.evidenceRemoved) as removed:
        card.findChild(QToolButton, "removeEvidence").click()
    assert removed.args == [key, 7]


def test_each_card_signal_reaches_the_panel_once(qtbot: QtBot, panel: RubricPanel) -> None:
    heard: list[str] = []
    panel.attachRequested.connect(heard.append)
    for card in panel.cards.values():
        card.attach.click()
    assert heard == list(panel.cards)


def test_a_click_on_a_look_fors_text_toggles_its_box_unless_locked(
    qtbot: QtBot, panel: RubricPanel
) -> None:
    key = next(iter(panel.cards))
    card = panel.cards[key]
    label = card.findChildren(QLabel, "lookFor")[1]
    assert label.textFormat() == Qt.TextFormat.PlainText
    with qtbot.waitSignal(panel.lookForToggled) as toggled:
        qtbot.mousePress(label, Qt.MouseButton.LeftButton)
    assert toggled.args == [key, 1, True]
    card.set_locked(True)
    with qtbot.assertNotEmitted(panel.lookForToggled):
        qtbot.mousePress(label, Qt.MouseButton.LeftButton)
    assert card.look_fors[1].isChecked()


def test_evidence_rows_never_open_as_windows_of_their_own(qtbot: QtBot, panel: RubricPanel) -> None:
    # Rows rebuilt twice before Qt shows the first ones (quick saves), and an unlocked card's
    # remove button: none of them may become a window (it would take the focus and the keys).
    panel.show()
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    key = next(iter(panel.cards))
    panel.set_current_factor(key)
    card = panel.cards[key]
    card.show()
    item = EvidenceItem(id=1, entry_number=1, start=0, end=5, quote="Goals")
    card.set_read(ReadState(key, evidence=(item,)))
    card.set_read(ReadState(key, evidence=(item, EvidenceItem(2, 1, 6, 9, "set"))))
    QApplication.processEvents()
    stray = [
        w
        for w in QApplication.topLevelWidgets()
        if w.isVisible() and (w.objectName() == "evidence" or isinstance(w, QToolButton))
    ]
    assert stray == []
    assert panel.isActiveWindow()
