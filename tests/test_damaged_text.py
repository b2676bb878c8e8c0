"""Text that is not UTF-8 in a batch or cohort is refused by name on opening (issue 15).

Found by the fuzz test (tests/test_fuzz_inputs.py): one flipped byte in a returned batch's
schema page made `PRAGMA quick_check` quote what it found there, text Python's sqlite3 cannot
decode (`UnicodeDecodeError`, which is no `sqlite3.Error`). The merge rejected the file as
"unexpected error ... a fault in ICG Desk", and opening the file was a traceback instead of
"Cannot open batch". And text that is not UTF-8 in a value (SQLite keeps whatever bytes it is
given as text) passed the whole check on opening, then failed in the first screen or step that
read it: an OperationalError from SQLAlchemy, a traceback.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from icg_desk.models.batch_file import BatchFile, DamagedBatchError
from icg_desk.models.cohort_file import CohortFile, CohortFileError
from icg_desk.models.merge import REJECTED
from icg_desk.operations.merge import merge_files


def quick_check_cannot_be_decoded(path: Path) -> bool:
    con = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    try:
        list(con.execute("PRAGMA quick_check(5)"))
    except UnicodeDecodeError:
        return True
    except sqlite3.Error:
        return False
    finally:
        con.close()
    return False


def schema_page_damaged(source: Path, target: Path) -> Path:
    """`source` with the first byte of its schema page whose flipped high bit makes SQLite's
    check report undecodable text (found by trying, so a new format still finds one)."""
    data = source.read_bytes()
    for at in range(100, 4096):
        damaged = bytearray(data)
        damaged[at] ^= 0x80
        target.write_bytes(bytes(damaged))
        if quick_check_cannot_be_decoded(target):
            return target
    raise AssertionError("no byte of the schema page makes quick_check's text undecodable")


def test_a_batch_whose_check_reports_text_that_is_not_utf8_is_refused_untouched(
    demo_copies, tmp_path: Path
):
    path = schema_page_damaged(demo_copies.batch(tmp_path / "b.icgbatch"), tmp_path / "x.icgbatch")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(DamagedBatchError, match="is damaged: it holds text that is not UTF-8"):
        BatchFile.open(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_such_a_returned_batch_is_rejected_as_damaged_not_as_a_fault(demo_copies, tmp_path: Path):
    cohort_path = demo_copies.cohort(tmp_path / "demo")
    returned = sorted((cohort_path.parent / "batches").glob("*.icgbatch"))[0]
    damaged = schema_page_damaged(returned, tmp_path / "r.icgbatch")
    with CohortFile.open(cohort_path) as cohort:
        (result,) = merge_files(cohort, [damaged])
    assert result.outcome == REJECTED
    assert result.reason == "is damaged: it holds text that is not UTF-8"


def not_utf8(path: Path, table: str, column: str) -> str:
    con = sqlite3.connect(path)
    with con:
        con.execute(
            f"UPDATE {table} SET {column} = CAST(X'C328' AS TEXT) "
            f"WHERE rowid = (SELECT min(rowid) FROM {table})"
        )
    con.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("batch", "scorer_name"),
        ("portfolio", "candidate_code"),
        ("entry", "text"),
        # Columns whose values are judged one by one (a time, a JSON list, a score): read once,
        # by that judgement, which refuses text that is not UTF-8 the same way.
        ("portfolio", "adjudicate"),
        ("factor_read", "updated_at"),
        ("batch", "created_at"),
    ],
)
def test_a_batch_holding_text_that_is_not_utf8_is_refused_untouched(
    demo_copies, tmp_path: Path, table: str, column: str
):
    path = demo_copies.batch(tmp_path / "b.icgbatch")
    before = not_utf8(path, table, column)
    with pytest.raises(DamagedBatchError, match=f"{table}.{column} holds text that is not UTF-8"):
        BatchFile.open(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


@pytest.mark.parametrize(
    ("table", "column"),
    [("candidate", "name"), ("merge_log", "changes"), ("read_score", "score")],
)
def test_a_cohort_holding_text_that_is_not_utf8_is_refused(
    demo_copies, tmp_path: Path, table: str, column: str
):
    path = demo_copies.cohort(tmp_path / "demo")
    not_utf8(path, table, column)
    with pytest.raises(CohortFileError, match=f"{table}.{column} holds text that is not UTF-8"):
        CohortFile.open(path)
