"""Printing score reports on every core (export/report_pool.py).

The pool is forced (`workers=2`) on a handful of reports: what matters is that the worker
processes print the same pages as this process does, that progress counts reports, and that a
cancel or Ctrl+C stops them with no half-written file and no process left behind.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from pypdf import PdfReader

from icg_desk.export import report_pool
from icg_desk.export.pdf_report import write_reports
from icg_desk.export.report_data import CandidateReport
from icg_desk.export.report_pool import Combined, choose_workers, print_reports
from icg_desk.scoring import decide
from icg_desk.scoring.rubric import Rubric

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["Zoë Ñúñez-O'Brien", "王小明", "<b>Ann</b> & Co", "محمد علي", "Maya Alvarez", "Liam"]


def reports(rubric: Rubric, count: int, *, huge: int | None = None) -> list[CandidateReport]:
    """`count` reports, of many scripts and decisions; the one at `huge` cannot be laid out."""
    levels = [v.value for v in rubric.scale.values]
    out = []
    for n in range(count):
        scores: dict[str, Fraction | None] = {
            key: levels[(n * 3 + k) % len(levels)] for k, key in enumerate(rubric.factor_keys)
        }
        code = "X " * 3000 if n == huge else f"C27-{n:05d}"
        out.append(
            CandidateReport(
                candidate_code=code,
                display_name=NAMES[n % len(NAMES)],
                cohort="2026-27",
                rubric=rubric,
                scores=scores,
                decision=decide(rubric, scores),
                issued=date(2026, 10, 31),
                preview=False,
            )
        )
    return out


def page_texts(path: Path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _stale(path: Path) -> Path:
    old = time.time() - report_pool.STALE_AFTER_SECONDS - 60
    os.utime(path, (old, old), follow_symlinks=False)
    return path


def test_the_parts_folders_of_killed_runs_are_removed_and_nothing_else(tmp_path: Path) -> None:
    prefix = report_pool.PARTS_PREFIX
    killed = tmp_path / f"{prefix}killed"
    killed.mkdir()
    (killed / "3.pdf").write_bytes(b"%PDF-1.4 part")
    _stale(killed)
    printing = tmp_path / f"{prefix}printing"  # another process's run, now
    printing.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.pdf").write_bytes(b"kept")
    link = tmp_path / f"{prefix}link"
    link.symlink_to(elsewhere, target_is_directory=True)
    _stale(link)
    a_file = tmp_path / f"{prefix}file"
    a_file.touch()
    _stale(a_file)
    other = tmp_path / "someone-elses-folder"
    other.mkdir()
    _stale(other)

    assert report_pool.clean_stale_part_folders(tmp_path) == [killed]
    assert not killed.exists()
    assert printing.is_dir()
    assert other.is_dir()
    assert a_file.is_file()
    assert link.is_symlink()
    assert (elsewhere / "keep.pdf").read_bytes() == b"kept"


def test_the_workers_print_what_one_process_prints(
    tmp_path: Path, revised: Rubric, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The run's own parts folder goes where the system's temporary files go: a killed run's
    # folder left there is removed by the next run.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temporary))
    monkeypatch.setattr(report_pool, "_parts_cleaned_once", [])
    killed = temporary / f"{report_pool.PARTS_PREFIX}killed"
    killed.mkdir()
    _stale(killed)
    batch = reports(revised, 5, huge=2)
    names = [f"{n} report.pdf" for n in range(len(batch))]
    # The one-process result: every file, then the combined file rendered as one document.
    alone = write_reports(
        batch, outdir=tmp_path / "one", combined=tmp_path / "one" / "all.pdf", file_names=names
    )
    calls: list[tuple[int, int]] = []
    workers: set[int] = set()

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        workers.update(p.pid for p in multiprocessing.active_children())
        return True

    out = tmp_path / "pool"
    run = print_reports(
        batch,
        [out / name for name in names],
        combined=Combined(
            out / "all.pdf", "Score reports", "ICG", bookmarks=["a", "b", "c", "d", "e"]
        ),
        progress=progress,
        workers=2,
    )
    assert not run.cancelled
    # The record that cannot be laid out is skipped with the same clear reason, alone.
    assert run.skipped == alone.skipped
    assert len(run.skipped) == 1
    assert "far too long" in run.skipped[0][1]
    assert [p.name for p in run.written] == [p.name for p in alone.written]
    for mine, theirs in zip(run.written, alone.written, strict=True):
        assert page_texts(mine) == page_texts(theirs), mine.name
    combined = PdfReader(out / "all.pdf")
    assert combined.metadata is not None
    assert combined.metadata.title == "Score reports"
    assert [item.title for item in combined.outline] == ["a", "b", "d", "e"]  # type: ignore[union-attr]
    # Progress counts the reports, never goes back, and ends at their number.
    assert {total for _, total in calls} == {5}
    dones = [done for done, _ in calls]
    assert dones == sorted(dones)
    assert dones[-1] == 5
    # The workers were there, and are gone.
    assert workers
    assert multiprocessing.active_children() == []
    assert all(gone(pid) for pid in workers)
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    # Neither the killed run's parts folder nor this run's own is left.
    assert [p for p in temporary.iterdir() if p.name.startswith(report_pool.PARTS_PREFIX)] == []


def test_a_cancel_stops_the_workers_and_leaves_only_whole_files(
    tmp_path: Path, revised: Rubric
) -> None:
    batch = reports(revised, 16)
    workers: set[int] = set()
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        workers.update(p.pid for p in multiprocessing.active_children())
        return done < 2

    paths = [tmp_path / f"{n}.pdf" for n in range(len(batch))]
    run = print_reports(
        batch,
        paths,
        combined=Combined(tmp_path / "all.pdf", "t", "a"),
        progress=progress,
        workers=2,
    )
    assert run.cancelled
    assert 2 <= len(run.written) < len(batch)
    assert run.skipped == []  # the reports never begun are neither written nor skipped
    # The reports the workers were printing when told to stop were finished and are listed;
    # nothing else is in the folder: no combined file, no temporary file.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in run.written)
    for path in run.written:
        assert PdfReader(path).pages
    assert workers
    assert multiprocessing.active_children() == []
    assert all(gone(pid) for pid in workers)
    dones = [done for done, _ in calls]
    assert dones == sorted(dones)


def test_a_disk_that_cannot_be_written_stops_the_run(tmp_path: Path, revised: Rubric) -> None:
    batch = reports(revised, 3)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    paths = [tmp_path / "0.pdf", blocked / "1.pdf", tmp_path / "2.pdf"]
    with pytest.raises(OSError, match="blocked"):
        print_reports(batch, paths, workers=2)
    assert multiprocessing.active_children() == []
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_how_many_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(report_pool.WORKERS_ENV, raising=False)
    monkeypatch.setattr(report_pool, "cpu_count", lambda: 4)
    assert choose_workers(12) == 0  # a small run: starting processes costs more than it saves
    assert choose_workers(1_000) == 4
    assert choose_workers(12, 2) == 2  # asked for: even a small run
    assert choose_workers(1, 2) == 1  # never more workers than reports
    assert choose_workers(1_000, 0) == 0
    monkeypatch.setenv(report_pool.WORKERS_ENV, "3")
    assert choose_workers(12) == 3
    monkeypatch.setenv(report_pool.WORKERS_ENV, "0")
    assert choose_workers(1_000) == 0
    monkeypatch.delenv(report_pool.WORKERS_ENV)
    monkeypatch.setattr(report_pool, "cpu_count", lambda: 1)
    assert choose_workers(1_000) == 0
    assert report_pool.cpu_count() >= 1


CTRL_C_SCRIPT = """
import sys
from pathlib import Path
sys.path[:0] = [{root!r}, {tests!r}]
from icg_desk.export.report_pool import Combined, print_reports
from icg_desk.models.rubric_file import builtin_rubric
from test_report_pool import reports

out = Path(sys.argv[1])
batch = reports(builtin_rubric("icg-revised"), {count})

def progress(done, total):
    print(f"done {{done}}", flush=True)
    if done >= 2:
        # Wait here for the Ctrl+C (stdin is a pipe nobody writes to): the run cannot end
        # before it comes, however slowly the test reads this line on a busy machine.
        sys.stdin.readline()
    return True

if __name__ == "__main__":
    print_reports(batch, [out / f"{{n}}.pdf" for n in range({count})],
                  combined=Combined(out / "all.pdf", "t", "a"), progress=progress, workers=2)
    print("finished", flush=True)
"""
# Enough that the workers, which go on while the run waits for the Ctrl+C, cannot print them
# all before it comes: they stop within a report of it.
CTRL_C_REPORTS = 400


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl+C to a process group is POSIX")
def test_ctrl_c_stops_the_workers_and_leaves_no_process(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    script = tmp_path / "print_them.py"
    script.write_text(
        textwrap.dedent(
            CTRL_C_SCRIPT.format(root=str(ROOT), tests=str(ROOT / "tests"), count=CTRL_C_REPORTS)
        )
    )
    # Its own process group, as a terminal gives a command: Ctrl+C reaches every process in it.
    child = subprocess.Popen(
        [sys.executable, str(script), str(out)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("done ") and int(line.split()[1]) >= 2:
                break
        else:
            pytest.fail(
                f"the printing never started: {child.stderr.read() if child.stderr else ''}"
            )
        os.killpg(child.pid, signal.SIGINT)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
    assert child.returncode != 0
    # The run's own KeyboardInterrupt, and no worker's: they leave Ctrl+C to the run.
    assert err.count("Traceback") == 1, err
    assert "KeyboardInterrupt" in err
    names = {p.name for p in out.iterdir()}
    assert "all.pdf" not in names
    assert not [n for n in names if n.endswith(".tmp")]
    assert 2 <= len(names) < CTRL_C_REPORTS
    for name in names:
        assert PdfReader(out / name).pages  # whole files only
    # Every process of the group (the workers, and the fork server with them) ends.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(child.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("processes of the printing run outlived it")
