"""Opening is validating, and a backup: what the whole check and a backup cost on a large batch.

The baselines are measured in the same run: the checks opening made before (header, integrity,
tables, identity row, embedded rubric) for the whole check, and a plain copy of the file's bytes
for a backup through SQLite's backup API.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import tempfile
from pathlib import Path

from bench.harness import Row, median_seconds
from icg_desk.demo.batch import generate_portfolios
from icg_desk.models.batch_file import BATCH_FORMAT, BatchFile
from icg_desk.models.portfolios import add_portfolios
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.models.sqlite_file import embedded_rubric_check, validate_file
from icg_desk.operations.backups import make_backup

PORTFOLIOS = 1_000
WORDS = 3_000


def _scored_batch(path: Path) -> None:
    rubric = builtin_rubric()
    content = generate_portfolios(rubric, PORTFOLIOS, seed=11, words_per_entry=WORDS)
    with BatchFile.create(
        path, batch_id="bench", cohort="bench", scorer_id="S", scorer_name="Bench", rubric=rubric
    ) as batch:
        add_portfolios(batch, content)
    con = sqlite3.connect(path)
    with con:
        ids = [row[0] for row in con.execute("SELECT id FROM portfolio")]
        con.executemany(
            "INSERT INTO factor_read (portfolio_id, factor_key, score, rationale, "
            "look_fors_seen, updated_at) VALUES (?, ?, '3.25', 'because', '[0, 2]', "
            "'2026-07-01T09:00:00.000000+00:00')",
            [(pid, f.key) for pid in ids for f in rubric.factors],
        )
        con.execute("UPDATE portfolio SET status = 'complete'")
    con.close()


def rows() -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix="icg-bench-open-"))
    batch = folder / "large.icgbatch"
    _scored_batch(batch)
    before = dataclasses.replace(BATCH_FORMAT, layout=None)
    rubric_check = embedded_rubric_check("batch")

    value = median_seconds(lambda: validate_file(batch, BATCH_FORMAT, check=rubric_check))
    baseline = median_seconds(lambda: validate_file(batch, before, check=rubric_check))

    backups = folder / "data"

    def clean() -> None:
        shutil.rmtree(backups, ignore_errors=True)

    copy = folder / "copy.icgbatch"
    backup = median_seconds(lambda: make_backup(batch, base=backups), setup=clean)
    plain = median_seconds(lambda: shutil.copyfile(batch, copy))
    size = batch.stat().st_size / 1e6
    shutil.rmtree(folder)
    return [
        Row(
            f"validate a {PORTFOLIOS:,}-portfolio scored batch ({size:.0f} MB), whole",
            value,
            baseline,
            "s",
            "the same validation without the layout (header, quick_check, tables, rubric)",
        ),
        Row(
            f"back up the same batch ({size:.0f} MB) with the backup API",
            backup,
            plain,
            "s",
            "shutil.copyfile of the closed file",
        ),
    ]


if __name__ == "__main__":
    from bench.harness import render

    print(render(rows()))
