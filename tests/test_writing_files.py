"""Every finished file is written through `formats.atomic`: never through a symbolic link, and
what a killed writer left behind is cleaned up on the next write into the folder.

The attacks are planted by the test itself: a link at the temporary name a writer will draw (its
random part made predictable), a link at the final name (dangling or not), a temporary file
swapped for a link while it is written, and stale temporary files beside files that are not ours.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from icg_desk.cli import main
from icg_desk.formats import atomic
from icg_desk.formats.atomic import (
    STALE_AFTER_SECONDS,
    TemporaryReplaced,
    atomic_create,
    atomic_write,
    clean_stale_temporaries,
)
from icg_desk.formats.naming import batch_file_name
from icg_desk.formats.roster_table import write_roster_template
from icg_desk.models.cohort_file import CohortFile, CohortFileError
from icg_desk.models.rubric_file import builtin_rubric

pytestmark = pytest.mark.skipif(os.name != "posix", reason="symbolic links as POSIX has them")
VICTIM = "the coordinator's own file\n"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file outside the output folder that a planted link points to."""
    path = tmp_path / "elsewhere" / "victim.txt"
    path.parent.mkdir()
    path.write_text(VICTIM, encoding="utf-8")
    return path


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def predictable_names(monkeypatch: pytest.MonkeyPatch, *first: str) -> None:
    """The random part of the temporary names: `first` ones, then random again."""
    drawn = iter(first)
    real = atomic.secrets.token_hex
    monkeypatch.setattr(atomic.secrets, "token_hex", lambda n: next(drawn, None) or real(n))


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


# --- the temporary name -------------------------------------------------------------------------


def test_a_link_planted_at_the_temporary_name_is_never_written_through(
    out: Path, victim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = out / ".template.xlsx.aaaaaaaaaaaa.tmp"
    planted.symlink_to(victim)
    predictable_names(monkeypatch, "aaaaaaaaaaaa")
    write_roster_template(out / "template.xlsx", builtin_rubric())
    assert victim.read_text(encoding="utf-8") == VICTIM
    assert load_workbook(out / "template.xlsx").sheetnames == ["Candidates", "Scorers", "Notes"]
    assert planted.is_symlink()  # not ours: left where it was


def test_a_temporary_file_swapped_for_a_link_while_written_is_not_saved(
    out: Path, victim: Path
) -> None:
    target = out / "summary.xlsx"
    target.write_text("the earlier summary", encoding="utf-8")
    with pytest.raises(TemporaryReplaced, match="summary.xlsx: not saved"):  # noqa: PT012
        with atomic_write(target) as staged:
            staged.path.unlink()  # someone else, between our creating it and the move
            staged.path.symlink_to(victim)
    assert target.read_text(encoding="utf-8") == "the earlier summary"  # not the link
    assert not target.is_symlink()
    assert victim.read_text(encoding="utf-8") == VICTIM


# --- the final name -----------------------------------------------------------------------------


@pytest.mark.parametrize("dangling", [False, True], ids=["to-a-file", "dangling"])
def test_a_link_at_the_final_name_is_replaced_by_the_file_never_written_through(
    out: Path, victim: Path, dangling: bool
) -> None:
    target = out / "template.xlsx"
    pointed = victim.with_name("nothing-yet.xlsx") if dangling else victim
    target.symlink_to(pointed)
    write_roster_template(target, builtin_rubric())
    assert not target.is_symlink()
    assert load_workbook(target).sheetnames[0] == "Candidates"
    assert victim.read_text(encoding="utf-8") == VICTIM
    assert not victim.with_name("nothing-yet.xlsx").exists()


def test_atomic_create_refuses_any_name_taken_even_a_dangling_link(out: Path, victim: Path) -> None:
    target = out / "new.icgbatch"
    target.symlink_to(victim.with_name("absent.icgbatch"))
    with pytest.raises(FileExistsError) as taken, atomic_create(target) as staged:
        staged.path.write_text("a batch", encoding="utf-8")
    assert taken.value.filename == str(target)
    assert not victim.with_name("absent.icgbatch").exists()
    assert [p.name for p in out.iterdir()] == ["new.icgbatch"]  # no temporary left either


def test_cohort_batches_refuses_a_dangling_link_at_a_batch_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, victim: Path
) -> None:
    db = tmp_path / "c.icgcohort"
    assert run(capsys, "cohort", "init", db, "--name", "2026-27")[0] == 0
    docs, roster, scorers = tmp_path / "docs", tmp_path / "roster.csv", tmp_path / "s.csv"
    docs.mkdir()
    rows = ["candidate_id,name,email,organisation,cohort,retake_factors,entry1_videos"]
    for i in range(1, 5):
        rows.append(
            f"K{i},C {i},k{i}@example.org,,2026-27,,A | https://youtu.be/a; B | https://youtu.be/b"
        )
        for n in (1, 2):
            (docs / f"K{i}_entry{n}.txt").write_text(f"Entry {n} of {i}.", encoding="utf-8")
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    scorers.write_text(
        "scorer_id,name,email,organisation,conflicts\n"
        "S-1,Ana,ana@example.org,,\nS-2,Ben,ben@example.org,,\n",
        encoding="utf-8",
    )
    assert run(capsys, "cohort", "import", db, roster, docs)[0] == 0
    assert run(capsys, "cohort", "scorers", db, scorers)[0] == 0
    assert run(capsys, "cohort", "assign", db, "--seed", "7")[0] == 0
    outdir = tmp_path / "batches"
    outdir.mkdir()
    where = victim.with_name("written-through.icgbatch")
    (outdir / batch_file_name("2026-27", "S-2")).symlink_to(where)

    code, _, err = run(capsys, "cohort", "batches", db, outdir)
    assert code == 2
    assert "scorer S-2:" in err
    assert "already exists, and a file is never overwritten" in err
    assert not where.exists()
    assert [p.name for p in outdir.iterdir()] == [batch_file_name("2026-27", "S-2")]
    code, out, _ = run(capsys, "cohort", "status", db, "--json")
    assert code == 0
    assert json.loads(out)["reads_sent"] == 0  # nothing marked as sent, no batch left half-sent


def test_a_new_cohort_is_never_created_through_a_dangling_link(tmp_path: Path) -> None:
    where = tmp_path / "somewhere-else.icgcohort"
    path = tmp_path / "c.icgcohort"
    path.symlink_to(where)
    with pytest.raises(CohortFileError, match="already exists"):
        CohortFile.create(path, name="2026-27", rubric=builtin_rubric())
    assert not where.exists()


# --- leftovers of killed writers ----------------------------------------------------------------


@pytest.fixture
def leftovers(out: Path, victim: Path) -> dict[str, Path]:
    old = time.time() - STALE_AFTER_SECONDS - 60
    made: dict[str, Path] = {}

    def put(key: str, name: str, *, age: float = old, link: bool = False) -> None:
        path = out / name
        if link:
            path.symlink_to(victim)
            os.utime(path, (age, age), follow_symlinks=False)
        else:
            path.write_text("left behind", encoding="utf-8")
            os.utime(path, (age, age))
        made[key] = path

    put("ours", ".1001 Maya.pdf.0123456789ab.tmp")
    put("ours, an earlier .part", ".2026-27 score reports.pdf.0123456789ab.part")
    put("ours, 8 digits", ".summary.xlsx.01234567.tmp")
    put("ours, fixed name", ".roster-template.xlsx.tmp")
    put("sqlite beside ours", ".S-1.icgbatch.0123456789ab.tmp-journal")
    put("still being written", ".big.pdf.fedcba987654.tmp", age=time.time() - 60)
    put("a link by our name", ".x.pdf.abcdefabcdef.tmp", link=True)
    put("someone's hidden file", ".notes.tmp")
    put("someone's file", "draft.pdf.tmp")
    put("a finished report", "1001 Maya.pdf")
    return made


def test_stale_temporaries_of_our_naming_are_removed_and_nothing_else(
    out: Path, victim: Path, leftovers: dict[str, Path]
) -> None:
    removed = clean_stale_temporaries(out)
    gone = {k for k, p in leftovers.items() if not os.path.lexists(p)}
    assert gone == {
        "ours",
        "ours, an earlier .part",
        "ours, 8 digits",
        "ours, fixed name",
        "sqlite beside ours",
    }
    assert sorted(removed) == sorted(leftovers[k] for k in gone)
    assert victim.read_text(encoding="utf-8") == VICTIM


def test_the_next_write_into_a_folder_cleans_it(out: Path, leftovers: dict[str, Path]) -> None:
    with atomic_write(out / "summary.xlsx") as staged:
        staged.path.write_text("new", encoding="utf-8")
    assert not leftovers["ours"].exists()
    assert leftovers["still being written"].exists()
    assert leftovers["a finished report"].exists()
    assert (out / "summary.xlsx").read_text(encoding="utf-8") == "new"
