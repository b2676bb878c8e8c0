"""The Excel summary of a 10,000-portfolio batch, against bare openpyxl writing the same cells.

Ours reads the batch, decides every portfolio, styles and checksums the workbook, writes it under a
temporary name and records the export in the batch. The baseline is openpyxl's write-only mode
alone, appending the very cell values ours wrote (read back from its workbook) with the same
0.00 number format on the score cells, and nothing else: no fills, no wrapping, no checks.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from bench.harness import Row, median_seconds
from icg_desk.demo.batch import write_demo_batch
from icg_desk.export.summary_xlsx import write_batch_summary
from icg_desk.models.batch_file import BatchFile

PORTFOLIOS = 10_000
WORDS = 150  # the entry texts are not in the summary: short ones make the batch quicker to make

# The columns holding scores (0-based), where both writers put the 0.00 number format.
_SCORE_COLUMNS = {"Scores": range(2, 10), "Rationales": range(2, 3)}


def _cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
    workbook = load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.values) for ws in workbook.worksheets}
    finally:
        workbook.close()


def rows() -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix="icg-bench-summary-"))
    try:
        batch_path = write_demo_batch(
            folder / "bench.icgbatch", portfolios=PORTFOLIOS, words_per_entry=WORDS, prefill=True
        )
        ours_path, bare_path = folder / "ours.xlsx", folder / "bare.xlsx"
        with BatchFile.open(batch_path) as batch:

            def ours() -> None:
                write_batch_summary(batch, ours_path)

            value = median_seconds(ours)
        sheets = _cells(ours_path)

        def bare() -> None:
            workbook = Workbook(write_only=True)
            for title, values in sheets.items():
                ws = workbook.create_sheet(title)
                columns = _SCORE_COLUMNS.get(title, range(0))
                for row in values:
                    out: list[object] = list(row)
                    for i in columns:
                        if i < len(out) and out[i] is not None:
                            cell = WriteOnlyCell(ws, out[i])  # type: ignore[arg-type]
                            cell.number_format = "0.00"
                            out[i] = cell
                    ws.append(out)
            workbook.save(bare_path)

        baseline = median_seconds(bare)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return [
        Row(
            f"Excel summary of a {PORTFOLIOS:,}-portfolio batch",
            value,
            baseline,
            "s",
            "bare openpyxl write-only append of the same cells",
        ),
    ]
