"""The coordinator's side: merging 50 returned batches into a cohort, and its results.

Setup (untimed): a cohort of 5,000 candidates and 50 scorers, each candidate read by 2 of them
(200 reads per scorer), every read sent out in its scorer's batch; each batch filled with
complete reads (7 scores and a rationale per portfolio) as its scorer would have returned it.
The cohort is built once and copied afresh before each merge, so every run merges 50 new files.

Merge: `merge_files` on the 50 files, every check included (header, integrity, identity, the
assignments, the scale); all 50 must come out "accepted". The baseline reads the same
factor_read rows out of the same 50 files with bare sqlite3 and inserts them with `executemany`
into a table shaped like read_score in a fresh database file (WAL, synchronous=FULL like ours),
one commit per file: no checks, no diff, no audit log.

Results: `cohort_results` on the merged cohort. The baseline is bare sqlite3 selecting the
read_score rows joined to their assignments and a plain-Python Fraction mean per candidate per
factor: no completeness rule, no discrepancies, no decisions.

Results with flags: the same cohort with its reads made to agree except for one candidate in
ten, whose Data reads are 1.00 and 3.25 (a discrepancy, and a decision split on the floor), and
its flags kept as a merge leaves them (`sync_flags`); `cohort_results` then finds each flag in
the reads and its state in the flag table. The baseline is the same bare sqlite3 and Fraction
means: the issue asks for at most 3x.
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import tempfile
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from bench.harness import Row, median_seconds
from icg_desk.demo.cohort import score_batch
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import cohort_results
from icg_desk.models.cohort_schema import Assignment, Candidate, Scorer
from icg_desk.models.flags import sync_flags
from icg_desk.models.merge import ACCEPTED
from icg_desk.models.portfolios import EntryContent, PortfolioContent, VideoContent, add_portfolios
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.models.schema import ScoreText, utcnow
from icg_desk.operations.merge import merge_files

COHORT = "2026-27"
FLAGGED_EVERY = 10  # one candidate in ten flagged
CANDIDATES = 5_000
SCORERS = 50
READS = 2  # per candidate: 10,000 reads, 200 per scorer
REPEAT = 3

_BARE_SCHEMA = """
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE read_score (id INTEGER PRIMARY KEY, assignment_ref INTEGER, factor_key TEXT,
    score TEXT, rationale TEXT, UNIQUE (assignment_ref, factor_key));
"""


def _scorer_id(n: int) -> str:
    return f"S-{n + 1:02d}"


def _build(folder: Path) -> tuple[Path, list[Path]]:
    """The cohort with every read sent out, and the 50 scored batches; returns their paths."""
    rubric = builtin_rubric()
    codes = [f"C27-{10000 + n:05d}" for n in range(CANDIDATES)]
    # Candidate n is read by scorers n and n+1 (mod 50): 200 reads each, never twice the same.
    readers = {n: [(n + r) % SCORERS for r in range(READS)] for n in range(CANDIDATES)}
    batch_ids = [f"bench-batch-{s + 1:02d}" for s in range(SCORERS)]
    now = utcnow()
    path = folder / "bench.icgcohort"
    with CohortFile.create(path, name=COHORT, rubric=rubric) as cohort:
        with cohort.transaction() as session:
            session.execute(
                insert(Candidate),
                [
                    {
                        "id": n + 1,
                        "candidate_id": str(100000 + n),
                        "code": code,
                        "name": f"Candidate {n + 1}",
                        "email": f"candidate{n + 1}@example.org",
                        "organisation": "District",
                        "retake_factors": [],
                    }
                    for n, code in enumerate(codes)
                ],
            )
            session.execute(
                insert(Scorer),
                [
                    {"id": s + 1, "scorer_id": _scorer_id(s), "name": f"Scorer {s + 1}"}
                    for s in range(SCORERS)
                ],
            )
            session.execute(
                insert(Assignment),
                [
                    {
                        "candidate_ref": n + 1,
                        "scorer_ref": s + 1,
                        "batch_id": batch_ids[s],
                        "assigned_at": now,
                    }
                    for n in range(CANDIDATES)
                    for s in readers[n]
                ],
            )

    by_scorer: dict[int, list[str]] = defaultdict(list)
    for n, scorers in readers.items():
        for s in scorers:
            by_scorer[s].append(codes[n])
    clips = (
        VideoContent("Clip 1", "https://youtu.be/a"),
        VideoContent("Clip 2", "https://youtu.be/b"),
    )
    batches = []
    for s in range(SCORERS):
        batch_path = folder / f"{COHORT}-{_scorer_id(s)}.icgbatch"
        with BatchFile.create(
            batch_path,
            batch_id=batch_ids[s],
            cohort=COHORT,
            scorer_id=_scorer_id(s),
            scorer_name=f"Scorer {s + 1}",
            rubric=rubric,
        ) as batch:
            add_portfolios(
                batch,
                [
                    PortfolioContent(
                        code,
                        (
                            EntryContent(1, f"Entry one of {code}.", clips),
                            EntryContent(2, f"Entry two of {code}."),
                        ),
                    )
                    for code in sorted(by_scorer[s])
                ],
            )
        score_batch(batch_path)
        batches.append(batch_path)
    return path, batches


def _bare_merge(batches: list[Path], target: Path) -> int:
    """The same factor_read rows, read with sqlite3 and inserted with one commit per file."""
    out = sqlite3.connect(target)
    out.executescript(_BARE_SCHEMA)
    total = 0
    for n, batch in enumerate(batches):
        con = sqlite3.connect(f"{batch.resolve().as_uri()}?immutable=1", uri=True)
        rows = con.execute(
            "SELECT portfolio_id, factor_key, score, rationale FROM factor_read"
        ).fetchall()
        con.close()
        offset = n * 10_000  # an assignment ref per portfolio of the file
        with out:
            out.executemany(
                "INSERT INTO read_score (assignment_ref, factor_key, score, rationale) "
                "VALUES (?, ?, ?, ?)",
                [(offset + pid, key, score, rationale) for pid, key, score, rationale in rows],
            )
        total += len(rows)
    out.close()
    return total


def _bare_results(path: Path) -> dict[int, dict[str, Fraction]]:
    """Each candidate's mean per factor, from the merged read_score rows, and nothing else."""
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT a.candidate_ref, r.factor_key, r.score FROM read_score r "
        "JOIN assignment a ON a.id = r.assignment_ref"
    ).fetchall()
    con.close()
    reads: dict[int, dict[str, list[Fraction]]] = defaultdict(lambda: defaultdict(list))
    for candidate, key, score in rows:
        if score is not None:
            reads[candidate][key].append(Fraction(score))
    return {
        candidate: {key: sum(values, Fraction(0)) / len(values) for key, values in factors.items()}
        for candidate, factors in reads.items()
    }


def _flag_one_in_ten(cohort: CohortFile) -> int:
    """Make each candidate's second read the same as its first, except one candidate in ten
    whose Data reads become 1.00 and 3.25; keep the flags as a merge would. Returns how many
    candidates are flagged."""
    stored = ScoreText()
    low, high = (stored.process_bind_param(Fraction(v), sqlite_dialect()) for v in (1, 13 / 4))
    with cohort.transaction() as session:
        pairs: dict[int, list[int]] = defaultdict(list)
        for aid, cref in session.execute(
            select(Assignment.id, Assignment.candidate_ref).order_by(Assignment.id)
        ):
            pairs[cref].append(aid)
        con = session.connection()
        con.execute(
            text(
                "UPDATE read_score SET score = (SELECT s.score FROM read_score s WHERE "
                "s.assignment_ref = :first AND s.factor_key = read_score.factor_key) "
                "WHERE assignment_ref = :second"
            ),
            [{"first": a, "second": b} for a, b in pairs.values()],
        )
        flagged = [ids for cref, ids in pairs.items() if cref % FLAGGED_EVERY == 0]
        set_data = text(
            "UPDATE read_score SET score = :score WHERE assignment_ref = :ref "
            "AND factor_key = 'data'"
        )
        con.execute(set_data, [{"score": low, "ref": a} for a, _ in flagged])
        con.execute(set_data, [{"score": high, "ref": b} for _, b in flagged])
        sync_flags(session, cohort.rubric)
    return len(flagged)


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def rows() -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix="icg-bench-cohort-"))
    try:
        built, batches = _build(folder)
        work, bare_db = folder / "work.icgcohort", folder / "bare.sqlite"
        expected_reads = CANDIDATES * READS * len(builtin_rubric().factor_keys)
        opened: list[CohortFile] = []

        def fresh_cohort() -> None:
            _remove(work)
            shutil.copyfile(built, work)
            cohort = CohortFile.open(work)
            _ = cohort.name  # read once on opening, as the merge command's report does
            opened.append(cohort)

        def ours() -> None:
            outcomes = merge_files(opened[-1], batches)
            assert [o.outcome for o in outcomes] == [ACCEPTED] * SCORERS, outcomes

        def fresh_bare() -> None:
            _remove(bare_db)

        def bare() -> None:
            assert _bare_merge(batches, bare_db) == expected_reads

        # Alternating, so a neighbour busy for a while slows both sides alike.
        merge_times, bare_times = [], []
        for _ in range(REPEAT):
            merge_times.append(median_seconds(ours, repeat=1, setup=fresh_cohort))
            opened.pop().close()
            bare_times.append(median_seconds(bare, repeat=1, setup=fresh_bare))

        # Results on the merged cohort of the last merge run.
        fresh_cohort()
        cohort = opened.pop()
        try:
            outcomes = merge_files(cohort, batches)
            assert all(o.outcome == ACCEPTED for o in outcomes)
            results = cohort_results(cohort)
            assert len(results.candidates) == CANDIDATES
            assert all(c.reads_in == READS for c in results.candidates)
            # Both sides compute the same means (candidates are in id order on both).
            means = _bare_results(work)
            assert [c.scores for c in results.candidates] == [
                means[n + 1] for n in range(CANDIDATES)
            ]

            results_times, bare_results_times = [], []
            for _ in range(REPEAT):
                results_times.append(median_seconds(lambda: cohort_results(cohort), repeat=1))
                bare_results_times.append(median_seconds(lambda: _bare_results(work), repeat=1))

            flagged = _flag_one_in_ten(cohort)
            found = cohort_results(cohort)
            assert sum(1 for c in found.candidates if c.flags) == flagged == CANDIDATES // 10
            assert len(found.waiting) == flagged  # every flag open, holding its candidate
            flag_times, bare_flag_times = [], []
            for _ in range(REPEAT):
                flag_times.append(median_seconds(lambda: cohort_results(cohort), repeat=1))
                bare_flag_times.append(median_seconds(lambda: _bare_results(work), repeat=1))
        finally:
            cohort.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return [
        Row(
            f"merge {SCORERS} returned batches of {CANDIDATES * READS // SCORERS} portfolios "
            f"into a {CANDIDATES:,}-candidate cohort",
            statistics.median(merge_times),
            statistics.median(bare_times),
            "s",
            "bare sqlite3 SELECT of the factor_read rows + executemany, a commit per file",
        ),
        Row(
            f"cohort results for {CANDIDATES:,} candidates ({CANDIDATES * READS:,} reads)",
            statistics.median(results_times),
            statistics.median(bare_results_times),
            "s",
            "bare sqlite3 SELECT of read_score joined to assignment + Fraction means",
        ),
        Row(
            f"cohort results with flags for {CANDIDATES:,} candidates ({CANDIDATES * READS:,} "
            f"reads, 1 in {FLAGGED_EVERY} flagged; the issue asks at most 3x)",
            statistics.median(flag_times),
            statistics.median(bare_flag_times),
            "s",
            "bare sqlite3 SELECT of read_score joined to assignment + Fraction means",
        ),
    ]


if __name__ == "__main__":
    from bench.harness import render

    print(render(rows()))
