"""The exports as people reach them: `icg-desk batch ...` and the window's File menu."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QSettings

from icg_desk.cli import main
from icg_desk.operations.batch_ops import ReportChoice
from icg_desk.ui.main_window import MainWindow
from icg_desk.ui.tasks import SyncTaskRunner


@pytest.fixture
def batch(tmp_path: Path, demo_copies) -> Path:
    return demo_copies.batch(tmp_path / "summer.icgbatch", portfolios=5, seed=8)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_writes_the_summary_workbook(capsys, batch, tmp_path):
    out = tmp_path / "summary.xlsx"
    code, stdout, _ = run(capsys, "batch", "summary", str(batch), str(out))
    assert code == 0
    assert f"Wrote {out}: 5 portfolios" in stdout
    workbook = load_workbook(out, read_only=True)
    assert {"Scores", "Rationales", "About"} <= set(workbook.sheetnames)
    codes = [row[0] for row in workbook["Scores"].iter_rows(values_only=True)]
    assert sum(1 for c in codes if isinstance(c, str) and c.startswith("C27-")) == 5
    workbook.close()


def test_cli_prints_a_report_per_portfolio_and_a_combined_file(capsys, batch, tmp_path):
    outdir, combined = tmp_path / "reports", tmp_path / "all.pdf"
    code, stdout, _ = run(
        capsys, "batch", "reports", str(batch), str(outdir), "--all", "--combined", str(combined)
    )
    assert code == 0
    assert "Wrote 5 score reports" in stdout
    assert len(list(outdir.glob("*.pdf"))) == 5
    assert len(PdfReader(combined).pages) >= 5


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["batch", "summary", "{missing}", "{out}.xlsx"], "no such file"),
        (["batch", "summary", "{batch}", "{out}.csv"], "name it .xlsx"),
        (["batch", "summary", "{batch}", "{tmp}/nowhere/x.xlsx"], "does not exist"),
        (["batch", "summary", "{notes}", "{out}.xlsx"], "is not an ICG Desk batch"),
        (["batch", "reports", "{batch}", "{notes}"], "is a file; give a folder"),
        (
            ["batch", "reports", "{batch}", "{tmp}/r", "--combined", "{out}.txt"],
            "name the combined",
        ),
    ],
)
def test_cli_bad_arguments_exit_2_naming_them(capsys, batch, tmp_path, argv, message):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a batch")
    values = {
        "missing": tmp_path / "missing.icgbatch",
        "out": tmp_path / "out",
        "batch": batch,
        "tmp": tmp_path,
        "notes": notes,
    }
    code, _, err = run(capsys, *(a.format(**values) for a in argv))
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert notes.read_text() == "not a batch"


@pytest.fixture
def window(qtbot, batch, tmp_path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    window.show()
    assert window.open_batch(batch)
    return window


def test_file_export_summary_runs_with_progress_and_writes_the_workbook(window, tmp_path):
    target = tmp_path / "mine.xlsx"
    assert window.export_summary(target).value == target
    assert target.is_file()
    assert "Summary written" in window.statusBar().currentMessage()


def test_file_export_reports_writes_every_report_when_asked_for_all(window, tmp_path):
    written = window.print_reports(tmp_path / "printed", which=ReportChoice.ALL).value
    names = {p.name for p in written}
    assert "summer-reports.pdf" in names
    assert len(names) == 6  # five candidates and the combined file
    assert all(p.read_bytes().startswith(b"%PDF") for p in written)
