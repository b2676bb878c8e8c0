"""The scorer's window on an adjudication portfolio: only the factors asked take keys."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from icg_desk.models.batch_file import BatchFile
from icg_desk.models.portfolios import EntryContent, PortfolioContent, add_portfolios
from icg_desk.models.schema import PortfolioStatus

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def adjudication_batch(path: Path, rubric, earlier: tuple[tuple[str, str], ...] = ()) -> Path:
    entries = tuple(
        EntryContent(e.number, f"Entry {e.number}: what the coach did and why. " * 20)
        for e in rubric.entries
    )
    with BatchFile.create(
        path, batch_id="adj-1", cohort="2026-27", scorer_id="A-1", scorer_name="Ada", rubric=rubric
    ) as batch:
        add_portfolios(
            batch,
            [PortfolioContent("C27-00001", entries, ("playbook", "data"), earlier)],
        )
    return path


def saved(path: Path) -> dict[str, str | None]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(con.execute("SELECT factor_key, score FROM factor_read"))
    finally:
        con.close()


def status_of(path: Path) -> str:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("SELECT status FROM portfolio").fetchone()[0]
    finally:
        con.close()


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    widget = QApplication.focusWidget()
    assert widget is not None
    qtbot.keyClick(widget, key, modifier)


def test_keys_score_only_the_factors_asked_and_completion_needs_only_them(
    qtbot, scorer_window, tmp_path: Path, revised
) -> None:
    path = adjudication_batch(tmp_path / "adj.icgbatch", revised)
    window = scorer_window(path)
    panel = window.rubric_panel
    # It opens at the first factor asked, and says what it asks.
    assert panel.current_factor() == "playbook"
    assert window.adjudication_banner.isVisible()
    playbook, data = revised.factor("playbook").name, revised.factor("data").name
    assert f"score {playbook}, {data} only" in window.adjudication_banner.text()
    assert "Earlier reads" not in window.adjudication_banner.text()
    # The factors not asked are shown locked: no score buttons, a read-only rationale.
    assert not panel.cards["impact_cycle"].selector.isEnabled()
    assert panel.cards["impact_cycle"].rationale.isReadOnly()
    assert panel.cards["playbook"].selector.isEnabled()

    assert panel.cards["impact_cycle"].score_label.text() == "not asked"
    assert panel.cards["data"].score_label.text() == "not scored"

    press(qtbot, "3")
    assert saved(path) == {"playbook": "3.00"}
    # The summary counts the factors asked: a mean of some factors is not the candidate's
    # overall, and "Incomplete: 1 of 7" would never end for a read that asks for two.
    summary = window.summary
    assert summary.decision.headline() == "Adjudication: 1 of 2 factors asked scored"
    assert summary.overall.text() == "—"
    assert summary.factor_scores["playbook"].text() == "3.00"
    assert summary.factor_scores["data"].text() == "—"
    assert summary.factor_scores["impact_cycle"].text() == "·"
    model = window.batch_panel.model
    assert model.data(model.index(0, model.OVERALL)) == ""
    press(qtbot, Qt.Key.Key_Up, ALT)  # back to Impact Cycle: shown, not asked
    assert panel.current_factor() == "impact_cycle"
    press(qtbot, "2")
    assert saved(path) == {"playbook": "3.00"}  # nothing saved
    message = window.statusBar().currentMessage()
    assert f"adjudication of {playbook}, {data} only" in message
    assert f"{revised.factor('impact_cycle').name} is shown, not scored" in message
    press(qtbot, Qt.Key.Key_Down, ALT)
    press(qtbot, Qt.Key.Key_Down, ALT)
    assert panel.current_factor() == "data"
    press(qtbot, "2")
    assert saved(path) == {"playbook": "3.00", "data": "2.00"}
    assert summary.decision.headline() == "Adjudication: 2 of 2 factors asked scored"
    press(qtbot, Qt.Key.Key_Return, CTRL)  # the other five are never scored: complete
    assert status_of(path) == PortfolioStatus.COMPLETE.value


def test_the_earlier_reads_are_shown_when_the_batch_carries_them(
    qtbot, scorer_window, tmp_path: Path, revised
) -> None:
    earlier = (("playbook", "1.25"), ("playbook", "3.00"), ("data", "2.00"), ("data", "3.50"))
    path = adjudication_batch(tmp_path / "adj.icgbatch", revised, earlier)
    window = scorer_window(path)
    text = window.adjudication_banner.text()
    playbook, data = revised.factor("playbook").name, revised.factor("data").name
    assert f"Earlier reads: {playbook} 1.25 and 3.00; {data} 2.00 and 3.50" in text


def retake_batch(path: Path, rubric) -> Path:
    entries = tuple(
        EntryContent(e.number, f"Entry {e.number}: the revised evidence. " * 20)
        for e in rubric.entries
    )
    banked = tuple((k, "2025-26") for k in rubric.factor_keys if k != "data")
    with BatchFile.create(
        path, batch_id="r-1", cohort="2026-27", scorer_id="S-1", scorer_name="Sam", rubric=rubric
    ) as batch:
        add_portfolios(batch, [PortfolioContent("C27-00002", entries, ("data",), (), banked)])
    return path


def test_a_retake_asks_for_the_retaken_factor_and_shows_the_banked_ones_locked(
    qtbot, scorer_window, tmp_path: Path, revised
) -> None:
    path = retake_batch(tmp_path / "retake.icgbatch", revised)
    window = scorer_window(path)
    panel = window.rubric_panel
    data, impact = revised.factor("data").name, revised.factor("impact_cycle").name
    assert panel.current_factor() == "data"  # it opens at the factor retaken
    banner = window.adjudication_banner.text()
    assert window.adjudication_banner.isVisible()
    assert banner.startswith(f"Retake: score {data} only. {impact}, ")
    assert "banked from 2025-26: shown, not scored" in banner
    assert "Adjudication" not in banner
    # A banked factor's card says so instead of "not scored", and is locked.
    card = panel.cards["impact_cycle"]
    assert card.score_label.text() == "banked (2025-26)"
    assert not card.selector.isEnabled()
    assert panel.cards["data"].score_label.text() == "not scored"

    press(qtbot, "3")
    assert saved(path) == {"data": "3.00"}
    # The scorer has no banked scores (they are not sent): no overall, no decision here.
    assert window.summary.decision.headline() == "Retake: 1 of 1 factor asked scored"
    assert window.summary.overall.text() == "—"
    assert window.summary.factor_scores["impact_cycle"].text() == "banked"
    assert window.summary.factor_scores["data"].text() == "3.00"
    press(qtbot, Qt.Key.Key_Up, ALT)  # Instructional Playbook: banked
    press(qtbot, "1")
    assert saved(path) == {"data": "3.00"}  # nothing saved on a banked factor
    message = window.statusBar().currentMessage()
    assert f"is a retake of {data} only" in message
    assert "is banked from 2025-26, shown, not scored" in message
    press(qtbot, Qt.Key.Key_Return, CTRL)  # the banked six are never scored: complete
    assert status_of(path) == PortfolioStatus.COMPLETE.value
