"""Writing a demo batch through the models, against bare sqlite3 inserts of the same rows."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from bench.harness import Row, median_seconds
from icg_desk.demo.batch import generate_portfolios
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.portfolios import add_portfolios
from icg_desk.models.rubric_file import builtin_rubric

PORTFOLIOS = 1_000
WORDS = 3_000

_BARE_SCHEMA = """
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE portfolio (id INTEGER PRIMARY KEY, position INTEGER UNIQUE,
    candidate_code TEXT UNIQUE, status TEXT, completed_at TEXT);
CREATE TABLE entry (id INTEGER PRIMARY KEY, portfolio_id INTEGER REFERENCES portfolio(id),
    number INTEGER, text TEXT, UNIQUE (portfolio_id, number));
CREATE TABLE video_link (id INTEGER PRIMARY KEY, entry_id INTEGER REFERENCES entry(id),
    position INTEGER, label TEXT, url TEXT, UNIQUE (entry_id, position));
"""


def rows() -> list[Row]:
    rubric = builtin_rubric()
    content = generate_portfolios(rubric, PORTFOLIOS, seed=11, words_per_entry=WORDS)
    folder = Path(tempfile.mkdtemp(prefix="icg-bench-"))
    ours_path, bare_path = folder / "ours.icgbatch", folder / "bare.sqlite"

    def clean() -> None:
        for p in folder.iterdir():
            p.unlink()

    def ours() -> None:
        with BatchFile.create(
            ours_path,
            batch_id="bench",
            cohort="bench",
            scorer_id="S",
            scorer_name="Bench",
            rubric=rubric,
        ) as batch:
            add_portfolios(batch, content)

    def bare() -> None:
        con = sqlite3.connect(bare_path)
        con.executescript(_BARE_SCHEMA)
        with con:
            entry_id = 0
            con.executemany(
                "INSERT INTO portfolio VALUES (?, ?, ?, 'not_started', NULL)",
                [(i, i, p.candidate_code) for i, p in enumerate(content, start=1)],
            )
            entries, videos = [], []
            for i, p in enumerate(content, start=1):
                for e in p.entries:
                    entry_id += 1
                    entries.append((entry_id, i, e.number, e.text))
                    videos += [(entry_id, n, v.label, v.url) for n, v in enumerate(e.videos, 1)]
            con.executemany("INSERT INTO entry VALUES (?, ?, ?, ?)", entries)
            con.executemany(
                "INSERT INTO video_link (entry_id, position, label, url) VALUES (?, ?, ?, ?)",
                videos,
            )
        con.close()

    value = median_seconds(ours, setup=clean)
    baseline = median_seconds(bare, setup=clean)
    clean()
    folder.rmdir()
    return [
        Row(
            f"write a {PORTFOLIOS:,}-portfolio batch ({WORDS:,} words/entry)",
            value,
            baseline,
            "s",
            "bare sqlite3 executemany of the same rows",
        ),
    ]
