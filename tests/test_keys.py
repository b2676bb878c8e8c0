"""Validity and practice portfolios: import, seeding, sending, merging, and never a candidate."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import select

from icg_desk.cli import main
from icg_desk.demo.cohort import score_batch, write_demo_inputs
from icg_desk.models.assignment import assign
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import cohort_results
from icg_desk.models.cohort_schema import (
    CANDIDATE,
    PRACTICE,
    READ,
    VALIDITY,
    Assignment,
    Candidate,
    CohortInfo,
    CoordinatorEvent,
    Flag,
    KeyScore,
    ReadScore,
)
from icg_desk.models.cohort_status import cohort_status
from icg_desk.models.keys import KeysRefused
from icg_desk.models.roster import ImportRejected
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.models.schema import BatchInfo, Portfolio, PracticeKey
from icg_desk.models.seeding import SeedRefused, seed_keys
from icg_desk.models.ways_out import WayOutRefused, withdraw_candidate
from icg_desk.operations.keys import import_keys, import_keys_from
from icg_desk.operations.merge import merge_files
from icg_desk.operations.roster_import import import_roster, import_scorers
from icg_desk.operations.sending import export_batches
from icg_desk.scoring.calibration import code_matches, unlock_code

RUBRIC = builtin_rubric()
KEYS = RUBRIC.factor_keys
HOSTILE = '=HYPERLINK("http://x","y") <b>not bold</b>'


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def write_keys(
    folder: Path, ids: list[str], *, scores: dict[str, str] | None = None, name: str = "keys.csv"
) -> tuple[Path, Path]:
    """A keys sheet and its documents: each portfolio scored 3 on every factor but `scores`."""
    docs = folder / "key-docs"
    docs.mkdir(parents=True, exist_ok=True)
    sheet = folder / name
    header = ["portfolio_id", "entry1_videos", *KEYS, *(f"rationale_{k}" for k in KEYS)]
    with sheet.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for n, ident in enumerate(ids):
            links = f"https://youtu.be/K{n}a; https://youtu.be/K{n}b"
            values = [(scores or {}).get(k, "3") for k in KEYS]
            why = [HOSTILE if k == "data" else f"Why {k}" for k in KEYS]
            writer.writerow([ident, links, *values, *why])
            for entry in (1, 2):
                (docs / f"{ident}_entry{entry}.txt").write_text(
                    f"Expert-scored evidence {ident} entry {entry}. " * 20, encoding="utf-8"
                )
    return sheet, docs


def make_cohort(
    folder: Path, *, candidates: int = 6, scorers: int = 3, validity: int = 0, practice: int = 0
) -> Path:
    """A cohort with candidates, scorers, reads assigned and keys imported, nothing sent."""
    inputs = write_demo_inputs(
        folder / "inputs", candidates=candidates, scorers=scorers, words_per_entry=120
    )
    path = folder / "c.icgcohort"
    with CohortFile.create(path, name="2026-27", rubric=RUBRIC) as cohort:
        import_roster(cohort, inputs.roster, inputs.documents)
        import_scorers(cohort, inputs.scorers)
        if validity:
            sheet, docs = write_keys(folder, [f"V{n}" for n in range(1, validity + 1)])
            import_keys(cohort, sheet, docs, VALIDITY)
        if practice:
            sheet, docs = write_keys(
                folder / "p", [f"P{n}" for n in range(1, practice + 1)], scores={"data": "2+"}
            )
            import_keys(cohort, sheet, docs, PRACTICE)
        assign(cohort, seed=3)
    return path


# --- import from a sheet --------------------------------------------------------------------


def test_a_sheet_of_validity_portfolios_comes_in_nameless_with_candidate_like_codes(
    tmp_path: Path,
) -> None:
    path = make_cohort(tmp_path, validity=3)
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        rows = session.scalars(select(Candidate).order_by(Candidate.candidate_id)).all()
        keys = [c for c in rows if c.kind == VALIDITY]
        people = [c for c in rows if c.kind == CANDIDATE]
        assert [c.candidate_id for c in keys] == ["V1", "V2", "V3"]
        # Name, e-mail and organisation removed; the code is the candidates' own form.
        assert {(c.name, c.email, c.organisation) for c in keys} == {("", "", "")}
        form = re.compile(r"^C27-[0-9]{5}$")
        assert all(form.match(c.code) for c in keys + people)
        assert len({c.code for c in rows}) == len(rows)
        scores = session.scalars(select(KeyScore).order_by(KeyScore.factor_key)).all()
        assert len(scores) == 3 * len(KEYS)
        assert {s.score for s in scores} == {Fraction(3)}
        data = [s for s in scores if s.factor_key == "data"]
        assert {s.rationale for s in data} == {HOSTILE}  # kept as text, as written
        assert {s.source for s in scores} == {f"keys.csv row {n}" for n in (2, 3, 4)}
        entries = {c.candidate_id: [e.number for e in c.entries] for c in keys}
        assert entries == {"V1": [1, 2], "V2": [1, 2], "V3": [1, 2]}
        assert keys[0].entries[0].videos == [
            ["Video 1", "https://youtu.be/K0a"],
            ["Video 2", "https://youtu.be/K0b"],
        ]


def test_a_bad_sheet_names_every_problem_and_imports_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = make_cohort(tmp_path)
    sheet, docs = write_keys(tmp_path, ["V1", "V2", "V2", "1001"], scores={"data": "2.5"})
    (docs / "V1_entry2.txt").unlink()
    before = path.read_bytes()
    code, _, err = run(capsys, "cohort", "keys", path, sheet, docs, "--kind", "validity")
    assert code == 2
    assert "nothing imported" in err
    # File, row and column of each: the score off the scale, the missing document, the
    # repeated id, the id a candidate holds.
    assert "keys.csv, row 2, column data: '2.5' is not on the scale" in err
    assert "keys.csv, row 2: no document for entry 2" in err
    assert "keys.csv, row 3, column portfolio_id: 'V2' appears more than once (also row 4)" in err
    assert (
        "keys.csv, row 5, column portfolio_id: '1001' is already in the cohort (a candidate)" in err
    )
    assert path.read_bytes() == before
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        assert not session.scalars(select(Candidate).where(Candidate.kind != CANDIDATE)).all()
        assert not session.scalars(select(KeyScore)).all()


def test_the_command_imports_and_says_what_it_did(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = make_cohort(tmp_path)
    sheet, docs = write_keys(tmp_path, ["P1", "P2"])
    code, out, err = run(capsys, "cohort", "keys", path, sheet, docs, "--kind", "practice")
    assert code == 0, err
    assert "Imported 2 practice portfolios" in out
    assert re.search(r"P1: C27-[0-9]{5}", out)
    # A roster re-import may not take their ids, and says whose the id is.
    inputs = write_demo_inputs(tmp_path / "more", candidates=1, scorers=1, words_per_entry=50)
    text = inputs.roster.read_text(encoding="utf-8").replace("1001,", "P1,", 1)
    inputs.roster.write_text(text, encoding="utf-8")
    for doc in inputs.documents.glob("1001_entry*"):
        doc.rename(inputs.documents / doc.name.replace("1001", "P1"))
    code, _, err = run(capsys, "cohort", "import", path, inputs.roster, inputs.documents)
    assert code == 2
    assert "practice portfolio 'P1' is already in the cohort" in err
    # Usage mistakes: exit 2, nothing done.
    code, _, err = run(capsys, "cohort", "keys", path, "--kind", "validity")
    assert code == 2
    assert "give the sheet" in err


# --- never a candidate ----------------------------------------------------------------------


def test_keys_are_never_planned_counted_or_withdrawn(tmp_path: Path) -> None:
    path = make_cohort(tmp_path, candidates=6, validity=2, practice=1)
    with CohortFile.open(path) as cohort:
        with cohort.reading() as session:
            kinds = dict(session.execute(select(Candidate.id, Candidate.kind)).all())
            reads = session.scalars(select(Assignment)).all()
            assert reads
            assert all(kinds[a.candidate_ref] == CANDIDATE for a in reads)
            code = session.scalars(select(Candidate.code).where(Candidate.kind == VALIDITY)).first()
        results = cohort_results(cohort)
        assert len(results.candidates) == 6
        assert code not in json.dumps(results.as_json())
        assert cohort_status(cohort).candidates == 6
        with pytest.raises(WayOutRefused, match="no candidate"):
            withdraw_candidate(cohort, code, "a test", "me")


# --- seeding --------------------------------------------------------------------------------


def test_seeding_gives_each_scorer_fresh_keys_once_and_is_audited(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = make_cohort(tmp_path, validity=3, practice=2)
    code, out, err = run(
        capsys, "cohort", "seed", path, "--validity", 2, "--practice", 1, "--by", "ana",
        "--reason", "summer checks",
    )  # fmt: skip
    assert code == 0, err
    assert "Seeded 6 validity and 3 practice reads into the next batches of 3 scorers" in out
    with CohortFile.open(path) as cohort:
        with cohort.reading() as session:
            rows = session.execute(
                select(Assignment.scorer_ref, Assignment.kind, Assignment.candidate_ref)
            ).all()
            event = session.execute(
                select(CoordinatorEvent.action, CoordinatorEvent.actor, CoordinatorEvent.reason)
            ).one()
        assert tuple(event) == ("seeded", "ana", "summer checks")
        for scorer in {r[0] for r in rows}:
            mine = [r for r in rows if r[0] == scorer]
            assert sum(r[1] == VALIDITY for r in mine) == 2
            assert sum(r[1] == PRACTICE for r in mine) == 1
            assert len({r[2] for r in mine}) == len(mine)  # never one portfolio twice
        # Again: nothing more.
        again = seed_keys(cohort, validity=2, practice=1)
        assert again.added == 0
        assert "already hold" in again.summary()
        # Too few for what is asked: nothing added, each scorer named.
        with pytest.raises(SeedRefused, match="scorer S-01: needs 2 more validity") as refused:
            seed_keys(cohort, validity=4)
        assert "there are 1" in str(refused.value)
        with cohort.reading() as session:
            assert len(session.scalars(select(Assignment)).all()) == len(rows)
    code, out, _ = run(capsys, "cohort", "log", path)
    assert "ana seeded" in out
    assert "summer checks" in out


# --- sending --------------------------------------------------------------------------------


def _tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, with the batch id, its times and lineages (made from the batch id)
    normalised: what is left must be the same for two batches with the same content."""
    con = sqlite3.connect(path)
    try:
        (batch_id,) = con.execute("SELECT batch_id FROM batch").fetchone()
        found: dict[str, list[tuple[object, ...]]] = {}
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        stamp = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}")
        for name in sorted(names):
            columns = [r[1] for r in con.execute(f"PRAGMA table_info({name})")]
            rows = []
            for row in con.execute(f"SELECT * FROM {name} ORDER BY rowid"):
                cells = []
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, str):
                        value = value.replace(batch_id, "BATCH")
                        if stamp.match(value):
                            value = "TIME"
                        if column == "lineage" and value:
                            value = "LINEAGE"
                    cells.append((column, value))
                rows.append(tuple(cells))
            found[name] = rows
        found["user_version"] = [con.execute("PRAGMA user_version").fetchone()]
        return found
    finally:
        con.close()


def test_a_validity_portfolio_is_indistinguishable_in_the_batch(tmp_path: Path) -> None:
    path = make_cohort(tmp_path, candidates=5, scorers=2, validity=2)
    with CohortFile.open(path) as cohort:
        seed_keys(cohort, validity=1)
    twin = tmp_path / "twin.icgcohort"
    shutil.copyfile(path, twin)
    # The twin: the very same portfolio, as a candidate and a read of it.
    con = sqlite3.connect(twin)
    with con:
        con.execute("UPDATE candidate SET kind = 'candidate' WHERE kind = 'validity'")
        con.execute("UPDATE assignment SET kind = 'read' WHERE kind = 'validity'")
    con.close()
    sent = {}
    for name, cohort_path in (("validity", path), ("candidate", twin)):
        with CohortFile.open(cohort_path) as cohort:
            sent[name] = export_batches(cohort, tmp_path / name)
    assert [b.portfolios for b in sent["validity"]] == [b.portfolios for b in sent["candidate"]]
    for a, b in zip(sent["validity"], sent["candidate"], strict=True):
        assert _tables(a.path) == _tables(b.path)
        assert a.path.name == b.path.name
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        seeded = session.scalars(select(Assignment).where(Assignment.kind == VALIDITY)).all()
        assert seeded
        assert all(a.batch_id is not None for a in seeded)


def test_practice_portfolios_come_first_with_their_key_and_an_unlock_hash(tmp_path: Path) -> None:
    path = make_cohort(tmp_path, candidates=4, scorers=2, validity=1, practice=2)
    with CohortFile.open(path) as cohort:
        seed_keys(cohort, validity=1, practice=2)
        with cohort.reading() as session:
            secret = session.scalars(select(CohortInfo.secret)).one()
            practice_codes = set(
                session.scalars(select(Candidate.code).where(Candidate.kind == PRACTICE))
            )
        exported = export_batches(cohort, tmp_path / "out")
    for batch in exported:
        with BatchFile.open(batch.path) as opened, opened.reading() as session:
            info = session.scalars(select(BatchInfo)).one()
            rows = session.scalars(select(Portfolio).order_by(Portfolio.position)).all()
            codes = [p.candidate_code for p in rows]
            assert set(codes[:2]) == practice_codes
            assert codes[2:] == sorted(codes[2:])
            keyed = session.scalars(select(PracticeKey)).all()
            assert {k.portfolio_id for k in keyed} == {p.id for p in rows[:2]}
            data = {(k.portfolio_id, k.factor_key): k.score for k in keyed}
            assert {data[p.id, "data"] for p in rows[:2]} == {Fraction(9, 4)}
            assert code_matches(unlock_code(secret, info.batch_id), info.unlock_hash)


def test_a_batch_without_practice_has_no_unlock_hash(tmp_path: Path) -> None:
    path = make_cohort(tmp_path, candidates=3, scorers=2, validity=2)
    with CohortFile.open(path) as cohort:
        seed_keys(cohort, validity=1)
        exported = export_batches(cohort, tmp_path / "out")
    for batch in exported:
        with BatchFile.open(batch.path) as opened, opened.reading() as session:
            assert session.scalars(select(BatchInfo.unlock_hash)).one() == ""
            assert not session.scalars(select(PracticeKey)).all()


# --- merging, and the end to end --------------------------------------------------------------


def _without_keys(path: Path, target: Path) -> Path:
    """A copy of the cohort with every validity and practice portfolio deleted."""
    shutil.copyfile(path, target)
    con = sqlite3.connect(target)
    con.execute("PRAGMA foreign_keys = ON")
    with con:
        con.execute("DELETE FROM candidate WHERE kind != 'candidate'")
    con.close()
    return target


def test_keys_merge_into_their_reads_and_never_reach_a_candidate_surface(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pypdf = pytest.importorskip("pypdf")
    path = make_cohort(tmp_path, candidates=6, scorers=3, validity=3, practice=2)
    with CohortFile.open(path) as cohort:
        seed_keys(cohort, validity=2, practice=1)
        exported = export_batches(cohort, tmp_path / "out")
        for batch in exported:
            score_batch(batch.path)
        outcomes = merge_files(cohort, [b.path for b in exported])
        assert all(o.outcome == "accepted" for o in outcomes), outcomes
        with cohort.reading() as session:
            keys = dict(
                session.execute(
                    select(Candidate.id, Candidate.code).where(Candidate.kind != CANDIDATE)
                ).all()
            )
            key_reads = session.scalars(
                select(Assignment).where(Assignment.kind.in_([VALIDITY, PRACTICE]))
            ).all()
            assert len(key_reads) == 9
            scored = session.scalars(
                select(ReadScore.assignment_ref).where(
                    ReadScore.assignment_ref.in_([a.id for a in key_reads])
                )
            ).all()
            # Every factor of every validity and practice read came back into its read.
            assert len(scored) == 9 * len(KEYS)
            flagged = set(session.scalars(select(Flag.candidate_ref)))
            assert not flagged & set(keys)
            assert all(a.kind != READ for a in key_reads)
    # Merged again: nothing changes (the revisions path serves them as any read).
    with CohortFile.open(path) as cohort:
        again = merge_files(cohort, [exported[0].path])
        assert again[0].outcome == "unchanged", again[0]
    # Each of the candidates' results is what it is without the keys.
    plain = _without_keys(path, tmp_path / "plain.icgcohort")
    for db in (path, plain):
        for code_ in json.loads(run(capsys, "cohort", "flags", db, "--json")[1])["candidates"]:
            for f in code_["flags"]:
                if f["state"] == "open":
                    extra = ["--factor", f["factor"]] if f["factor"] else []
                    run(capsys, "cohort", "accept", db, code_["code"], *extra, "--reason", "ok")
    with_keys = json.loads(run(capsys, "cohort", "results", path, "--json")[1])
    without = json.loads(run(capsys, "cohort", "results", plain, "--json")[1])
    # The same, but for when each flag was accepted (each cohort's own acceptance, just now).
    stamp = re.compile(r'"closed_at": "[^"]+"')
    assert with_keys["results"]
    assert stamp.sub("", json.dumps(with_keys)) == stamp.sub("", json.dumps(without))
    status = json.loads(run(capsys, "cohort", "status", path, "--json")[1])
    plain_status = json.loads(run(capsys, "cohort", "status", plain, "--json")[1])
    # Counted apart, and only there: every other figure is the same without them.
    assert (status.pop("validity_portfolios"), status.pop("practice_portfolios")) == (3, 2)
    assert (plain_status.pop("validity_portfolios"), plain_status.pop("practice_portfolios")) == (
        0,
        0,
    )
    assert status == plain_status
    code, out, err = run(capsys, "cohort", "release", path)
    assert code == 0, err
    assert run(capsys, "cohort", "reports", path, tmp_path / "reports")[0] == 0
    assert run(capsys, "cohort", "summary", path, tmp_path / "cohort.xlsx")[0] == 0

    texts = [json.dumps(with_keys), json.dumps(status)]
    texts.append(run(capsys, "cohort", "results", path)[1])
    said = run(capsys, "cohort", "status", path)[1]
    assert "6 candidates, 3 scorers\n  and 3 validity, 2 practice portfolios" in said
    texts.append(said)
    pdfs = sorted((tmp_path / "reports").glob("*.pdf"))
    assert len(pdfs) == 7  # six candidates and the combined file
    for pdf in pdfs:
        texts.append(pdf.name)
        texts.extend(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    from openpyxl import load_workbook

    workbook = load_workbook(tmp_path / "cohort.xlsx", read_only=True)
    candidate_sheets = [s for s in workbook.sheetnames if s not in ("Agreement",)]
    for name in candidate_sheets:
        for row in workbook[name].iter_rows(values_only=True):
            texts.extend(str(v) for v in row if v is not None)
    workbook.close()
    everything = "\n".join(texts)
    people = {r["code"] for r in with_keys["results"]}
    assert all(code_ in everything for code_ in people)  # the search finds a code
    for code_ in keys.values():
        assert code_ not in everything, code_
    for ident in ("V1", "V2", "V3", "P1", "P2"):
        assert not re.search(rf"\b{ident}\b", everything), ident


# --- from an earlier cohort -------------------------------------------------------------------


def test_an_earlier_cohorts_candidate_becomes_a_validity_portfolio(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from icg_desk.demo.cohort import build_demo_cohort

    earlier = build_demo_cohort(tmp_path / "earlier", candidates=6, scorers=3)
    # The first candidate's two reads agree on every factor (the second made the first's copy).
    con = sqlite3.connect(earlier)
    with con:
        first, second = [
            r[0]
            for r in con.execute(
                "SELECT id FROM assignment WHERE candidate_ref = 1 AND kind = 'read' ORDER BY id"
            )
        ]
        con.execute(
            "UPDATE read_score SET score = (SELECT s.score FROM read_score s WHERE "
            "s.assignment_ref = ? AND s.factor_key = read_score.factor_key) "
            "WHERE assignment_ref = ?",
            (first, second),
        )
    con.close()
    with CohortFile.open(earlier) as cohort:
        results = cohort_results(cohort)
        single = [
            c for c in results.candidates
            if all(RUBRIC.scale.contains(Fraction(f.score)) for f in c.factors) and not c.retake
        ]  # fmt: skip
        mean = [
            c for c in results.candidates
            if any(not RUBRIC.scale.contains(Fraction(f.score)) for f in c.factors)
        ]  # fmt: skip
    assert single
    assert mean
    path = make_cohort(tmp_path / "now")
    # Not released yet, nor adjudicated: refused, saying so.
    code, _, err = run(
        capsys, "cohort", "keys", path, "--from", earlier, "--candidate", single[0].candidate_id,
        "--kind", "validity",
    )  # fmt: skip
    assert code == 2
    assert "neither adjudicated nor released" in err
    assert run(capsys, "cohort", "release", earlier)[0] == 0
    # A mean of two reads that differ is not an agreed score: named, with what to do.
    with CohortFile.open(path) as cohort, pytest.raises(KeysRefused) as refused:
        import_keys_from(cohort, earlier, [single[0].candidate_id, mean[0].candidate_id], VALIDITY)
    message = str(refused.value)
    assert f"candidate {mean[0].candidate_id}:" in message
    assert "not one value of the scale" in message
    assert "adjudicated" in message
    assert f"candidate {single[0].candidate_id}" not in message
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        assert not session.scalars(select(KeyScore)).all()
    # Entries this rubric would not take from a sheet are refused too (a link off its list).
    con = sqlite3.connect(earlier)
    with con:
        (videos,) = con.execute(
            "SELECT videos FROM candidate_entry WHERE number = 1 AND candidate_ref = "
            "(SELECT id FROM candidate WHERE candidate_id = ?)",
            (single[0].candidate_id,),
        ).fetchone()
        con.execute(
            "UPDATE candidate_entry SET videos = ? WHERE number = 1 AND candidate_ref = "
            "(SELECT id FROM candidate WHERE candidate_id = ?)",
            ('[["Clip", "https://example.com/v"]]', single[0].candidate_id),
        )
    with CohortFile.open(path) as cohort, pytest.raises(KeysRefused) as refused:
        import_keys_from(cohort, earlier, [single[0].candidate_id], VALIDITY)
    assert "link 'https://example.com/v' is not allowed by this rubric" in str(refused.value)
    with con:
        con.execute(
            "UPDATE candidate_entry SET videos = ? WHERE number = 1 AND candidate_ref = "
            "(SELECT id FROM candidate WHERE candidate_id = ?)",
            (videos, single[0].candidate_id),
        )
    con.close()
    code, out, err = run(
        capsys, "cohort", "keys", path, "--from", earlier, "--candidate", single[0].candidate_id,
        "--kind", "validity",
    )  # fmt: skip
    assert code == 0, err
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        row = session.scalars(select(Candidate).where(Candidate.kind == VALIDITY)).one()
        assert (row.name, row.email) == ("", "")
        assert row.candidate_id == f"{results.cohort}-{single[0].candidate_id}"
        assert row.code != single[0].code
        agreed = {k.factor_key: k.score for k in session.scalars(select(KeyScore))}
        assert agreed == {f.key: f.score for f in single[0].factors}
        sources = set(session.scalars(select(KeyScore.source)))
        assert sources == {f"{results.cohort} candidate {single[0].candidate_id} (demo.icgcohort)"}
        assert [e.number for e in row.entries] == [1, 2]


def test_an_unknown_kind_or_candidate_is_refused(tmp_path: Path) -> None:
    path = make_cohort(tmp_path)
    sheet, docs = write_keys(tmp_path, ["V1"])
    with CohortFile.open(path) as cohort:
        with pytest.raises(KeysRefused, match="a kind is validity or practice"):
            import_keys(cohort, sheet, docs, "candidate")
        with pytest.raises(ImportRejected, match="is not a folder"):
            import_keys(cohort, sheet, tmp_path / "nowhere", VALIDITY)


def test_two_copies_of_a_validity_read_edited_apart_are_a_conflict_resolved_as_any(
    tmp_path: Path,
) -> None:
    from icg_desk.models.conflicts import open_conflicts, resolve_conflict
    from icg_desk.operations.batch_work import BatchWork

    path = make_cohort(tmp_path, candidates=3, scorers=2, validity=1)
    with CohortFile.open(path) as cohort:
        seed_keys(cohort, validity=1)
        exported = export_batches(cohort, tmp_path / "out")
        with cohort.reading() as session:
            code = session.scalars(select(Candidate.code).where(Candidate.kind == VALIDITY)).one()
    sent = exported[0].path
    copies = {}
    for name, score in (("a", Fraction(3)), ("b", Fraction(2))):
        copy = tmp_path / f"{name}-{sent.name}"
        shutil.copyfile(sent, copy)
        with BatchFile.open(copy) as batch:
            work = BatchWork(batch)
            for p in work.portfolios():
                for key in KEYS:
                    work.set_score(p.id, key, score)
                work.mark_complete(p.id)
        copies[name] = copy
    with CohortFile.open(path) as cohort:
        merge_files(cohort, [copies["a"]])
        second = merge_files(cohort, [copies["b"]])[0]
        assert "conflict" in second.reason
        conflicts = open_conflicts(cohort)
        assert code in {c.code for c in conflicts}
        # A portfolio with agreed scores has no result to hold up.
        assert code not in {c.code for c in cohort_results(cohort).candidates}
        resolve_conflict(cohort, code, exported[0].scorer_id, "returned", "checked", "ana")
        with cohort.reading() as session:
            read = session.scalars(
                select(Assignment).where(
                    Assignment.kind == VALIDITY, Assignment.batch_id == exported[0].batch_id
                )
            ).one()
            scores = set(
                session.scalars(select(ReadScore.score).where(ReadScore.assignment_ref == read.id))
            )
        assert scores == {Fraction(2)}


def test_an_adjudicated_candidate_brings_the_adjudicators_rationale(tmp_path: Path) -> None:
    from icg_desk.demo.cohort import build_demo_cohort
    from icg_desk.operations.adjudicating import send_for_adjudication
    from icg_desk.operations.batch_work import BatchWork

    earlier = build_demo_cohort(
        tmp_path / "earlier", candidates=12, words_per_entry=20, accept_flags=False
    )
    sheet = tmp_path / "adjudicators.csv"
    sheet.write_text(
        "scorer_id,name,email,organisation,conflicts,role\n"
        "A-1,Ada Adj,ada@example.org,Far Away District,,adjudicator\n",
        encoding="utf-8",
    )
    with CohortFile.open(earlier) as cohort:
        import_scorers(cohort, sheet)
        sent = send_for_adjudication(cohort, tmp_path / "adjudication")
        assert sent.items
        for batch in sent.batches:
            with BatchFile.open(batch.path) as opened:
                work = BatchWork(opened)
                for p in work.portfolios():
                    for key in work.portfolio(p.id).adjudicate:
                        work.set_score(p.id, key, Fraction(3))
                        work.set_rationale(p.id, key, f"Adjudicated: {HOSTILE}")
                    work.mark_complete(p.id)
        merge_files(cohort, [b.path for b in sent.batches])
        item = sent.items[0]
        with cohort.reading() as session:
            session_ref = session.scalars(
                select(Candidate.id).where(Candidate.candidate_id == item.candidate_id)
            ).one()
    # Its factors not adjudicated: the two reads made to agree, so each is one value.
    con = sqlite3.connect(earlier)
    with con:
        first, second = [
            r[0]
            for r in con.execute(
                "SELECT id FROM assignment WHERE candidate_ref = ? AND kind = 'read' ORDER BY id",
                (session_ref,),
            )
        ]
        con.execute(
            "UPDATE read_score SET score = (SELECT s.score FROM read_score s WHERE "
            "s.assignment_ref = ? AND s.factor_key = read_score.factor_key) "
            "WHERE assignment_ref = ?",
            (first, second),
        )
    con.close()
    path = make_cohort(tmp_path / "now")
    with CohortFile.open(path) as cohort:
        import_keys_from(cohort, earlier, [item.candidate_id], PRACTICE)
        with cohort.reading() as session:
            rows = {
                key: (score, why)
                for key, score, why in session.execute(
                    select(KeyScore.factor_key, KeyScore.score, KeyScore.rationale)
                )
            }
    assert set(rows) == set(KEYS)
    assert item.factors
    for key in KEYS:
        if key in item.factors:
            assert rows[key] == (Fraction(3), f"Adjudicated: {HOSTILE}")
        else:
            assert rows[key][1] == ""


def test_a_workbook_sheet_takes_scores_as_labels_or_numbers(tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = make_cohort(tmp_path)
    _, docs = write_keys(tmp_path, ["W1"])
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Notes"
    sheet = workbook.create_sheet("Portfolios")
    sheet.append(["Portfolio ID", "entry1_videos", *KEYS, "rationale_data"])
    numbers: list[object] = [2.75, 3.0, "4+", 1, "2-", 3.25, "3"]
    sheet.append(["W1", "https://youtu.be/a; https://youtu.be/b", *numbers, "=1+1"])
    cell = sheet.cell(row=2, column=3 + len(KEYS))
    cell.data_type = "s"  # text that looks like a formula, as a spreadsheet keeps '=1+1
    workbook.save(tmp_path / "keys.xlsx")
    with CohortFile.open(path) as cohort:
        import_keys(cohort, tmp_path / "keys.xlsx", docs, VALIDITY)
        with cohort.reading() as session:
            agreed = dict(session.execute(select(KeyScore.factor_key, KeyScore.score)).all())
            why = session.scalars(
                select(KeyScore.rationale).where(KeyScore.factor_key == "data")
            ).one()
    expected = [Fraction(11, 4), Fraction(3), Fraction(17, 4), Fraction(1), Fraction(7, 4)]
    expected += [Fraction(13, 4), Fraction(3)]
    assert agreed == dict(zip(KEYS, expected, strict=True))
    assert why == "=1+1"  # a formula's text, never evaluated


def test_validity_portfolios_alone_wait_and_a_scorers_conflicts_are_kept(tmp_path: Path) -> None:
    from icg_desk.models.cohort_schema import Scorer

    path = make_cohort(tmp_path, candidates=4, scorers=2, validity=2)
    with CohortFile.open(path) as cohort:
        with cohort.transaction() as session:
            first = session.scalars(select(Scorer).order_by(Scorer.scorer_id)).first()
            assert first is not None
            first.conflicts = [*first.conflicts, "v1"]  # ids match as document names do
            first_id, first_ref = first.scorer_id, first.id
        done = seed_keys(cohort, validity=1)
        mine = next(s for s in done.seeded if s.scorer_id == first_id)
        with cohort.reading() as session:
            v1 = session.scalars(select(Candidate.code).where(Candidate.candidate_id == "V1")).one()
            other = session.scalars(
                select(Candidate.code).where(Candidate.candidate_id == "V2")
            ).one()
        assert mine.validity == (other,)
        assert v1 not in mine.validity
        # Too few once the conflict is left out: asked for 2, the first scorer has 1.
        with pytest.raises(SeedRefused, match=f"scorer {first_id}: needs 1 more validity"):
            seed_keys(cohort, validity=2)
        # The first scorer's live reads taken away: their validity portfolio is not sent alone.
        with cohort.transaction() as session:
            for a in session.scalars(
                select(Assignment).where(
                    Assignment.kind == READ, Assignment.scorer_ref == first_ref
                )
            ):
                session.delete(a)
        exported = export_batches(cohort, tmp_path / "out")
        assert first_id not in {b.scorer_id for b in exported}
        with cohort.reading() as session:
            waiting = session.scalars(
                select(Assignment.batch_id).where(
                    Assignment.kind == VALIDITY, Assignment.scorer_ref == first_ref
                )
            ).all()
        assert waiting == [None]
