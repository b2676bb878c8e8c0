"""Fuzzing every file kind ICG Desk reads (issue 15, "Done when").

Hypothesis mutates valid files (a batch, a cohort, a summary workbook, a roster and a scorers
sheet as CSV and .xlsx, a rubric's TOML) and feeds each to the paths a person reaches them by:
opening (`BatchFile.open` and what the scorer's window then reads, `CohortFile.open` and what
the cohort commands read), merging (`merge_files`, a batch or a summary as a returned file),
importing (`import_roster`, `import_scorers`) and loading a rubric (`parse_rubric`,
`load_rubric`).

The property, for every example: the outcome is success (a mutation that keeps the file valid)
or a clean refusal: a `UserError` with a message, or for a returned file the merge's rejection
of that file alone, with a reason that is not "unexpected error" (the merge's name for a bug).
Never another exception, never a hang; within a time and a memory bound (`bounded`); a refused
file is byte for byte as it was, and a cohort is unchanged by a rejected file or import.

Deterministic (`derandomize=True`). `ICG_DESK_FUZZ_SCALE=N` runs N times the examples of each
kind (docs/reliability.md, "Fuzzing").
"""

from __future__ import annotations

import functools
import hashlib
import os
import resource
import shutil
import sqlite3
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fuzz_mutations import (
    CELL_VALUES,
    ENCODINGS,
    Schema,
    apply_bytes,
    apply_sql,
    apply_table,
    apply_toml,
    apply_xlsx,
    byte_mutations,
    csv_bytes,
    sql_mutations,
    table_mutations,
    toml_mutations,
    xlsx_mutations,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.errors import UserError
from icg_desk.models.merge import REJECTED
from icg_desk.models.rubric_file import builtin_rubric, load_rubric, parse_rubric
from icg_desk.operations.batch_work import BatchWork
from icg_desk.operations.merge import merge_files
from icg_desk.operations.roster_import import import_roster, import_scorers

T = TypeVar("T")

SCALE = max(1, int(os.environ.get("ICG_DESK_FUZZ_SCALE", "1")))
# Per example: far above what a small file takes, far below a hang or a runaway build. Time is
# the process's CPU time: other work on a shared machine must not fail an example, and a hang
# or a vast number being built spends CPU. Hypothesis's deadline (wall time) is kept generous.
CPU_SECONDS = 5.0
MEMORY_BYTES = 200 * 1024 * 1024
# A test still running after this is stuck in an example: pytest-timeout prints every stack and
# ends the run (an example stuck in C code never returns to a Python-level check).
HANG_SECONDS = 600


SEEN: Counter[str] = Counter()  # the outcomes of the examples of the test running now


def fuzz(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Hypothesis's settings for one kind, and a check that its examples met both outcomes: a
    fuzzer whose every mutation is refused (or none is) tests less than it seems to."""

    def decorate(test: Callable[..., None]) -> Callable[..., None]:
        inner = settings(
            max_examples=examples * SCALE,
            deadline=timedelta(seconds=30),
            derandomize=True,
            database=None,
            print_blob=True,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
                HealthCheck.function_scoped_fixture,
                HealthCheck.large_base_example,
            ],
        )(test)

        @functools.wraps(inner)
        def outer(*args: Any, **kwargs: Any) -> None:
            SEEN.clear()
            inner(*args, **kwargs)
            assert {"success", "refusal"} <= set(SEEN), f"only {dict(SEEN)}"

        return pytest.mark.timeout(HANG_SECONDS * SCALE, method="thread")(outer)

    return decorate


def peak_rss() -> int:
    """The process's largest resident size so far, in bytes (Linux counts kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@contextmanager
def bounded() -> Iterator[None]:
    """One example's CPU time and memory bound.

    Memory is the process's peak resident size, which counts what SQLite, lxml and openpyxl
    allocate in C too: it must stay within MEMORY_BYTES of what the process had reached when the
    fuzz tests began (the peak only grows, so one example past the bound fails the check).
    Warnings are shown, not raised, as in the app: the suite's `filterwarnings = error` would
    turn a library's warning on a damaged file into an exception ICG Desk never meets.
    """
    start = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    spent = time.process_time() - start
    assert spent < CPU_SECONDS, f"took {spent:.1f} s of CPU"
    grown = peak_rss() - _RSS_AT_START[0]
    assert grown < MEMORY_BYTES, f"the process grew by {grown / 2**20:.0f} MB"


_RSS_AT_START = [0]


@pytest.fixture(scope="module", autouse=True)
def _rss_at_start() -> None:
    _RSS_AT_START[0] = peak_rss()


def outcome(call: Callable[[], T]) -> T | UserError:
    """What `call` returns, or the UserError it raised (with a message); anything else fails."""
    try:
        result = call()
    except UserError as exc:
        refusal = exc
    else:
        SEEN["success"] += 1
        return result
    SEEN["refusal"] += 1
    assert str(refusal).strip(), f"{type(refusal).__name__} without a message"
    return refusal


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"


def beside(path: Path) -> list[str]:
    """What SQLite may leave beside a file: a refused file must have nothing there."""
    return sorted(p.name for p in path.parent.glob(path.name + "-*"))


def content(path: Path, leave_out: tuple[str, ...] = ("merge_log",)) -> str:
    """A digest of a cohort's rows, every table but those left out (the merge log records a
    rejected file: that is the merge's job, not a change of the cohort)."""
    digest = hashlib.sha256()
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name not in leave_out
        ]
        for table in sorted(tables):
            for row in con.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                digest.update(repr((table, row)).encode())
    finally:
        con.close()
    return digest.hexdigest()


@contextmanager
def scratch() -> Iterator[Path]:
    """A folder of one example's own (the fixtures' tmp_path is one per test, not example)."""
    with tempfile.TemporaryDirectory(prefix="icg-fuzz-") as folder:
        yield Path(folder)


# --- the valid files every mutation starts from -------------------------------------------------


@dataclass(frozen=True)
class Templates:
    cohort: Path  # the demo cohort, its batches merged
    returned: Path  # one of its batches, scored, as a scorer sends it back
    summary: Path  # that batch's summary workbook
    empty_cohort: Path  # a cohort with nothing imported
    roster: Path
    scorers: Path
    documents: Path
    rubric_text: str


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    from icg_desk.demo.cohort import build_demo_cohort
    from icg_desk.operations.batch_ops import export_batch_summary

    folder = tmp_path_factory.mktemp("fuzz-templates")
    cohort = build_demo_cohort(folder / "demo", candidates=4, scorers=3, words_per_entry=40)
    returned = sorted((cohort.parent / "batches").glob("*.icgbatch"))[0]
    copy = folder / "for-summary.icgbatch"
    shutil.copyfile(returned, copy)
    summary = folder / "summary.xlsx"
    export_batch_summary(copy, summary)
    empty = folder / "empty.icgcohort"
    rubric = builtin_rubric()
    CohortFile.create(empty, name="2026-27", rubric=rubric).close()
    assert rubric.source_text
    return Templates(
        cohort=cohort,
        returned=returned,
        summary=summary,
        empty_cohort=empty,
        roster=cohort.parent / "roster.csv",
        scorers=cohort.parent / "scorers.csv",
        documents=cohort.parent / "documents",
        rubric_text=rubric.source_text,
    )


_SCHEMAS: dict[Path, Schema] = {}


def schema_of(path: Path) -> Schema:
    if path not in _SCHEMAS:
        _SCHEMAS[path] = Schema.of(path)
    return _SCHEMAS[path]


def sqlite_mutations(path: Path) -> st.SearchStrategy[tuple[list[Any], list[Any]]]:
    """SQL mutations of the file's content, then perhaps byte damage on top."""
    size = path.stat().st_size
    return st.tuples(
        st.one_of(sql_mutations(schema_of(path)), st.just([])),
        st.one_of(st.just([]), st.just([]), byte_mutations(size)),
    )


def mutated_copy(template: Path, target: Path, data: st.DataObject) -> Path:
    sql, damage = data.draw(sqlite_mutations(template), label="mutations")
    shutil.copyfile(template, target)
    apply_sql(target, schema_of(template), sql)
    if damage:
        target.write_bytes(apply_bytes(target.read_bytes(), damage))
    for suffix in ("-wal", "-shm", "-journal"):  # a mutation's connection is closed: none left
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    return target


# --- batches ----------------------------------------------------------------------------------


def use_batch(batch: BatchFile) -> None:
    """What the scorer's window reads once a batch is open: its identity, rubric, the list,
    each portfolio and the progress."""
    assert batch.identity.batch_id is not None
    work = BatchWork(batch)
    assert work.rubric.factor_keys
    for summary in work.portfolios():
        work.portfolio(summary.id)
    work.progress()


@fuzz(150)
@given(data=st.data())
def test_a_mutated_batch_opens_or_is_refused_untouched(
    templates: Templates, data: st.DataObject
) -> None:
    with scratch() as folder:
        path = mutated_copy(templates.returned, folder / "b.icgbatch", data)
        before, near = sha256(path), beside(path)
        with bounded():
            opened = outcome(lambda: BatchFile.open(path))
            if isinstance(opened, BatchFile):
                with opened:
                    use_batch(opened)
        if isinstance(opened, UserError):
            assert sha256(path) == before, f"refused ({opened}) and changed"
            assert beside(path) == near, f"refused ({opened}) and left {beside(path)}"


def merge_one(cohort_template: Path, returned: Path, folder: Path) -> None:
    """Merge `returned` into a copy of the cohort: accepted, or rejected alone for a reason of
    the file's; the returned file untouched, the cohort unchanged when it is rejected."""
    cohort_path = folder / "c.icgcohort"
    shutil.copyfile(cohort_template, cohort_path)
    before_file, before_cohort = sha256(returned), content(cohort_path)
    with bounded(), CohortFile.open(cohort_path) as cohort:
        (result,) = merge_files(cohort, [returned])
    assert sha256(returned) == before_file, "a returned file was written"
    SEEN["refusal" if result.outcome == REJECTED else "success"] += 1
    if result.outcome == REJECTED:
        assert result.reason.strip()
        assert not result.reason.startswith("unexpected error"), result.reason
        assert content(cohort_path) == before_cohort, f"rejected ({result.reason}) and changed"


@fuzz(150)
@given(data=st.data())
def test_a_mutated_returned_batch_is_merged_or_rejected_alone(
    templates: Templates, data: st.DataObject
) -> None:
    with scratch() as folder:
        returned = mutated_copy(templates.returned, folder / "r.icgbatch", data)
        merge_one(templates.cohort, returned, folder)


# --- cohorts ----------------------------------------------------------------------------------


def use_cohort(cohort: CohortFile) -> None:
    """What the cohort commands and the Coordinator window read once a cohort is open."""
    from icg_desk.models.cohort_results import cohort_results
    from icg_desk.models.cohort_status import cohort_status

    assert cohort.name is not None
    assert cohort.rubric.factor_keys
    cohort_status(cohort, cohort_results(cohort))


@fuzz(120)
@given(data=st.data())
def test_a_mutated_cohort_opens_or_is_refused_untouched(
    templates: Templates, data: st.DataObject
) -> None:
    with scratch() as folder:
        path = mutated_copy(templates.cohort, folder / "c.icgcohort", data)
        before, near = sha256(path), beside(path)
        with bounded():
            opened = outcome(lambda: CohortFile.open(path))
            if isinstance(opened, CohortFile):
                with opened:
                    use_cohort(opened)
        if isinstance(opened, UserError):
            assert sha256(path) == before, f"refused ({opened}) and changed"
            assert beside(path) == near, f"refused ({opened}) and left {beside(path)}"


# --- summary workbooks ------------------------------------------------------------------------


def summary_cells(template: Path) -> st.SearchStrategy[list[tuple[str, int, int, Any]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(template)
    sheets = {ws.title: (ws.max_row + 1, ws.max_column + 1) for ws in workbook.worksheets}
    cell = st.sampled_from(sorted(sheets)).flatmap(
        lambda s: st.tuples(
            st.just(s), st.integers(1, sheets[s][0]), st.integers(1, sheets[s][1]), CELL_VALUES
        )
    )
    return st.lists(cell, min_size=1, max_size=4)


def write_cells(template: Path, target: Path, cells: list[tuple[str, int, int, Any]]) -> None:
    """The workbook with cells set through openpyxl (a value it cannot write is left out)."""
    from openpyxl import load_workbook

    workbook = load_workbook(template)
    for sheet, row, column, value in cells:
        # A value openpyxl refuses (an illegal character) no workbook can carry this way.
        with suppress(ValueError, TypeError, IllegalCharacterError):
            workbook[sheet].cell(row, column).value = value
    workbook.save(target)


@fuzz(120)
@given(data=st.data())
def test_a_mutated_summary_is_merged_or_rejected_alone(
    templates: Templates, data: st.DataObject
) -> None:
    with scratch() as folder:
        target = folder / "s.xlsx"
        how = data.draw(st.sampled_from(("cells", "xml", "bytes")), label="how")
        if how == "cells":
            write_cells(templates.summary, target, data.draw(summary_cells(templates.summary)))
        else:
            source = templates.summary.read_bytes()
            if how == "xml":
                mutated = apply_xlsx(source, data.draw(xlsx_mutations(), label="xml"))
            else:
                mutated = apply_bytes(source, data.draw(byte_mutations(len(source))))
            target.write_bytes(mutated)
        merge_one(templates.cohort, target, folder)


# --- rosters and scorers sheets ---------------------------------------------------------------


def read_rows(path: Path) -> list[list[str]]:
    import csv

    with path.open(newline="", encoding="utf-8") as stream:
        return [list(r) for r in csv.reader(stream)]


def write_table(rows: list[list[Any]], target: Path, kind: str, encoding: str, junk: bytes) -> Path:
    if kind == "csv":
        target = target.with_suffix(".csv")
        target.write_bytes(csv_bytes(rows, encoding, junk))
        return target
    from openpyxl import Workbook

    target = target.with_suffix(".xlsx")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            with suppress(ValueError, TypeError, IllegalCharacterError):
                sheet.cell(r, c).value = value  # or left out: a value openpyxl will not write
    workbook.save(target)
    if junk:  # zip damage
        target.write_bytes(
            apply_bytes(target.read_bytes(), [("flip", len(junk) * 97, junk[0] or 1)])
        )
    return target


def table_example(template: Path, data: st.DataObject, folder: Path) -> Path:
    rows = read_rows(template)
    mutations = data.draw(table_mutations(max(len(r) for r in rows), len(rows)), label="rows")
    kind = data.draw(st.sampled_from(("csv", "csv", "xlsx")), label="kind")
    encoding = data.draw(st.sampled_from(ENCODINGS), label="encoding")
    junk = data.draw(
        st.one_of(st.just(b""), st.just(b""), st.binary(min_size=1, max_size=20)), label="junk"
    )
    return write_table(apply_table(rows, mutations), folder / "table", kind, encoding, junk)


def import_one(
    cohort_template: Path, table: Path, call: Callable[[CohortFile, Path], object]
) -> None:
    cohort_path = table.parent / "c.icgcohort"
    shutil.copyfile(cohort_template, cohort_path)
    before_table, before_cohort = sha256(table), content(cohort_path, leave_out=())
    with bounded(), CohortFile.open(cohort_path) as cohort:
        result = outcome(lambda: call(cohort, table))
    assert sha256(table) == before_table, "an imported file was written"
    if isinstance(result, UserError):
        assert content(cohort_path, leave_out=()) == before_cohort, f"refused ({result}), changed"


@fuzz(120)
@given(data=st.data())
def test_a_mutated_roster_is_imported_or_refused_whole(
    templates: Templates, data: st.DataObject
) -> None:
    with scratch() as folder:
        table = table_example(templates.roster, data, folder)
        valid_only = data.draw(st.booleans(), label="valid only")
        import_one(
            templates.empty_cohort,
            table,
            lambda c, t: import_roster(c, t, templates.documents, valid_only=valid_only),
        )


@fuzz(80)
@given(data=st.data())
def test_a_mutated_scorers_sheet_is_imported_or_refused_whole(
    templates: Templates, data: st.DataObject
) -> None:
    with scratch() as folder:
        table = table_example(templates.scorers, data, folder)
        import_one(templates.empty_cohort, table, import_scorers)


# --- rubrics ------------------------------------------------------------------------------------


@fuzz(400)
@given(mutations=toml_mutations(), encoding=st.sampled_from(("utf-8", "utf-8-sig", "utf-16")))
def test_a_mutated_rubric_is_read_or_refused(
    templates: Templates, mutations: list[Any], encoding: str
) -> None:
    text = apply_toml(templates.rubric_text, mutations)
    with scratch() as folder:
        path = folder / "rubric.toml"
        path.write_bytes(text.encode(encoding, errors="replace"))
        with bounded():
            parsed = outcome(lambda: parse_rubric(text, "fuzz.toml"))
            outcome(lambda: load_rubric(path))  # the file, as `--rubric` and the window read it
            if not isinstance(parsed, UserError):
                # What a batch or cohort carries is read again on every opening.
                again = parse_rubric(parsed.source_text or "", "again")
                assert again.factor_keys == parsed.factor_keys
