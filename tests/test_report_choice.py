"""Which score reports a scorer exports: the completed portfolios (the default), the one shown,
or all; through the operation, the command line and File > Export score reports (PDF)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from icg_desk.cli import main
from icg_desk.models.errors import UserError
from icg_desk.operations.batch_ops import (
    NOTHING_COMPLETE,
    ReportChoice,
    UnknownPortfolio,
    export_batch_reports,
)
from icg_desk.ui.batch_exports import ReportsDialog
from icg_desk.ui.main_window import MainWindow
from icg_desk.ui.tasks import SyncTaskRunner

COMBINED = "all.pdf"


def codes_in(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT candidate_code FROM portfolio ORDER BY position")
        return [code for (code,) in rows]


def mark_complete(path: Path, codes: list[str]) -> None:
    # Only the status matters to the choice; the reports print whatever is scored.
    with closing(sqlite3.connect(path)) as db, db:
        db.executemany(
            "UPDATE portfolio SET status = 'complete' WHERE candidate_code = ?",
            [(c,) for c in codes],
        )


@pytest.fixture
def batch(tmp_path: Path, demo_copies) -> Path:
    # Four portfolios, none complete: the test says which are.
    return demo_copies.batch(tmp_path / "summer.icgbatch", portfolios=4, seed=5, prefill=False)


@pytest.fixture
def codes(batch: Path) -> list[str]:
    return codes_in(batch)


def pdf_names(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("*.pdf")}


# --- the operation ---------------------------------------------------------------------------


def test_the_default_is_the_completed_portfolios(batch, codes, tmp_path):
    mark_complete(batch, [codes[1], codes[3]])
    out = tmp_path / "out"
    run = export_batch_reports(batch, out, combined=out / COMBINED)
    assert pdf_names(out) == {f"{codes[1]}.pdf", f"{codes[3]}.pdf", COMBINED}
    assert run.written == [out / f"{codes[1]}.pdf", out / f"{codes[3]}.pdf", out / COMBINED]


@pytest.mark.parametrize(
    ("which", "by", "expected"),
    [
        (ReportChoice.COMPLETED, None, [1, 3]),
        (ReportChoice.ALL, None, [0, 1, 2, 3]),
        (ReportChoice.CURRENT, "code", [2]),
        (ReportChoice.CURRENT, "id", [2]),
    ],
)
def test_each_choice_writes_exactly_its_reports_and_the_combined_file(
    batch, codes, tmp_path, which, by, expected
):
    mark_complete(batch, [codes[1], codes[3]])
    out = tmp_path / "out"
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return True

    options: dict[str, object] = {}
    if by == "code":
        options["candidate_code"] = codes[2]
    elif by == "id":
        with closing(sqlite3.connect(batch)) as db:
            (options["portfolio_id"],) = db.execute(
                "SELECT id FROM portfolio WHERE candidate_code = ?", (codes[2],)
            ).fetchone()
    run = export_batch_reports(
        batch, out, which=which, combined=out / COMBINED, progress=progress, **options
    )
    assert pdf_names(out) == {f"{codes[i]}.pdf" for i in expected} | {COMBINED}
    assert not run.skipped
    # Progress counts reports; the combined file is the one last step.
    n = len(expected)
    assert {total for _, total in calls} == {n + 1}
    assert [done for done, _ in calls if done < n] == list(range(1, n))
    assert calls[-1] == (n + 1, n + 1)


def test_progress_without_a_combined_file_counts_the_reports_alone(batch, codes, tmp_path):
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return True

    export_batch_reports(batch, tmp_path / "out", which=ReportChoice.ALL, progress=progress)
    assert calls == [(i, 4) for i in range(1, 5)]


def test_no_completed_portfolio_writes_nothing_and_says_so(batch, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(UserError, match="No portfolio is complete yet: nothing to print"):
        export_batch_reports(batch, out, combined=out / COMBINED)
    assert NOTHING_COMPLETE == "No portfolio is complete yet: nothing to print"
    assert not out.exists()  # no folder, no empty combined file


def test_an_unknown_portfolio_is_refused_and_writes_nothing(batch, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(UnknownPortfolio, match="C27-NOPE"):
        export_batch_reports(batch, out, which=ReportChoice.CURRENT, candidate_code="C27-NOPE")
    with pytest.raises(UnknownPortfolio):
        export_batch_reports(batch, out, which=ReportChoice.CURRENT, portfolio_id=10_000)
    assert not out.exists()


# --- the command line ------------------------------------------------------------------------


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], [1, 3]),
        (["--completed"], [1, 3]),
        (["--all"], [0, 1, 2, 3]),
        (["--portfolio", "{2}"], [2]),
    ],
)
def test_cli_reports_choice(capsys, batch, codes, tmp_path, options, expected):
    mark_complete(batch, [codes[1], codes[3]])
    out, combined = tmp_path / "out", tmp_path / "all.pdf"
    argv = [o.format(*codes) for o in options]
    code, stdout, err = run_cli(
        capsys, "batch", "reports", str(batch), str(out), "--combined", str(combined), *argv
    )
    assert code == 0, err
    assert pdf_names(out) == {f"{codes[i]}.pdf" for i in expected}
    assert combined.is_file()
    plural = "" if len(expected) == 1 else "s"
    assert f"Wrote {len(expected)} score report{plural} to {out}" in stdout


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--portfolio", "C27-NOPE"], "--portfolio C27-NOPE: no portfolio with this candidate"),
        (["--portfolio", " "], "--portfolio: give a candidate code"),
        (["--all", "--portfolio", "C27-NOPE"], "--portfolio: not allowed with argument --all"),
        ([], NOTHING_COMPLETE),
    ],
)
def test_cli_bad_choice_exits_2_naming_the_argument_and_writes_nothing(
    capsys, batch, tmp_path, options, message
):
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "batch", "reports", str(batch), str(out), *options)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not out.exists()


# --- the window ------------------------------------------------------------------------------


@pytest.fixture
def window(scorer_window, batch, codes) -> MainWindow:
    mark_complete(batch, [codes[1], codes[3]])
    return scorer_window(batch)


def shown_code(window: MainWindow) -> str:
    assert window._view is not None
    return window._view.candidate_code


def answering_dialog(answer, action):
    """Run `action`; `answer(dialog)` fills in the reports dialog it opens (then accepted),
    and each message box is read and closed. Returns (result, dialogs seen, messages)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    dialogs: list[dict[str, object]] = []
    messages: list[str] = []
    stop = [False]

    def close_it() -> None:
        if stop[0]:
            return
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, ReportsDialog):
            dialogs.append(
                {
                    "choice": dialog.choice(),
                    "current": dialog.current.text(),
                    "current_enabled": dialog.current.isEnabled(),
                    "folder": dialog.folder.text(),
                }
            )
            if answer is None:
                dialog.reject()
            else:
                answer(dialog)
                dialog.accept()
        elif isinstance(dialog, QMessageBox):
            messages.append(f"{dialog.windowTitle()}|{dialog.text()}")
            dialog.close()
        QTimer.singleShot(10, close_it)

    QTimer.singleShot(0, close_it)
    try:
        result = action()
    finally:
        stop[0] = True
    return result, dialogs, messages


def test_the_action_is_export_score_reports_on_ctrl_p(window):
    action = window.reports_action
    assert action.text().replace("&", "") == "Export score reports (PDF)…"
    assert action.shortcut().toString() == "Ctrl+P"
    assert action in window.menuBar().actions()[0].menu().actions()
    assert action.isEnabled()


def test_the_dialog_defaults_to_completed_in_the_batch_folder(window, batch, tmp_path):
    result, dialogs, messages = answering_dialog(None, lambda: window.print_reports().value)
    assert result == []
    assert messages == []
    (seen,) = dialogs
    assert seen["choice"] is ReportChoice.COMPLETED
    assert seen["current_enabled"] is True
    assert shown_code(window) in str(seen["current"])
    assert seen["folder"] == str(batch.parent)
    assert not (tmp_path / "summer-reports.pdf").exists()


def test_this_portfolio_is_off_when_none_is_shown(qtbot, tmp_path):
    dialog = ReportsDialog(None, tmp_path, None)
    qtbot.addWidget(dialog)
    assert not dialog.current.isEnabled()
    assert dialog.choice() is ReportChoice.COMPLETED


@pytest.mark.parametrize(
    ("button", "expected"),
    [("completed", [1, 3]), ("all", [0, 1, 2, 3]), ("current", "shown")],
)
def test_the_dialog_writes_what_was_chosen(window, codes, tmp_path, button, expected):
    out = tmp_path / "chosen"

    def answer(dialog: ReportsDialog) -> None:
        getattr(dialog, button).setChecked(True)
        dialog.folder.setText(str(out))

    written, dialogs, messages = answering_dialog(answer, lambda: window.print_reports().value)
    assert len(dialogs) == 1
    assert messages == []
    wanted = [shown_code(window)] if expected == "shown" else [codes[i] for i in expected]
    assert pdf_names(out) == {f"{c}.pdf" for c in wanted} | {"summer-reports.pdf"}
    assert {p.name for p in written} == pdf_names(out)
    plural = "" if len(wanted) == 1 else "s"
    assert window.statusBar().currentMessage() == (
        f"Wrote {len(wanted)} score report{plural} and summer-reports.pdf to {out}."
    )


def test_print_reports_with_a_folder_defaults_to_completed(window, codes, tmp_path):
    # The smoke test's call, and any script's: no dialog.
    written = window.print_reports(folder=tmp_path / "out").value
    assert {p.name for p in written} == {f"{codes[1]}.pdf", f"{codes[3]}.pdf", "summer-reports.pdf"}


def test_no_completed_portfolio_says_so_and_writes_nothing(qtbot, batch, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    window.show()
    assert window.open_batch(batch)  # nothing complete in it
    out = tmp_path / "out"
    written, _, messages = answering_dialog(
        None, lambda: window.print_reports(folder=out).value
    )
    assert written == []
    assert messages == [f"No score reports written|{NOTHING_COMPLETE}"]
    assert not out.exists()


def test_the_progress_dialog_counts_reports(window, tmp_path, monkeypatch):
    labels = []
    run = window.tasks.run

    def keep_label(title, label, job, on_done, **options):
        labels.append(label)
        return run(title, label, job, on_done, **options)

    monkeypatch.setattr(window.tasks, "run", keep_label)
    window.print_reports(folder=tmp_path / "out", which=ReportChoice.ALL)
    (label,) = labels
    # Fifty reports and the combined file: "12 of 50 reports", then the combined file.
    assert label(12, 51) == "Writing score reports…  12 of 50 reports"
    assert label(50, 51) == "Writing summer-reports.pdf: the 50 reports in one file…"
