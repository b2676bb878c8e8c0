"""A national-size cohort from roster to reports, one command per step, as a coordinator runs it.

    .venv/bin/python -m bench.national [--candidates 10000] [--scorers 100] [--words 1500]
    make bench-national

Issue 14 asks each step to take under 60 s on this kind of machine (two cores), the reports
under 5 minutes, with each step's peak memory. Each step is the real command line
(`python -m icg_desk cohort ...`) in a process of its own, so its time includes starting ICG Desk
and its peak memory is its own (`os.wait4`). The baseline beside each is the same start of ICG
Desk doing nothing (`icg-desk --version`), measured in the same run.

Untimed set-up, in this process: the inputs (a roster of N candidates with their entry documents,
a quarter of them .docx, one in ten a retake; a scorers sheet of S scorers and S/10
adjudicators), the scorers' reads (every batch filled as `cohort demo --score` fills it: reads
that disagree now and then, so some portfolios are flagged), and before release, what the
adjudicators and the coordinator decide (every flag left open accepted with a reason).

Not part of `make bench` (the whole run takes about a quarter of an hour); it writes
bench/national.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

CANDIDATES = 10_000
SCORERS = 100
WORDS = 1_500  # per entry: entries run 1,200 to 4,000 words; the batches carry every one
STEP_LIMIT_S = 60.0
REPORTS_LIMIT_S = 300.0


@dataclass(frozen=True)
class Step:
    name: str
    seconds: float
    peak_mib: float
    limit_s: float
    said: str  # the command's last line of output, to show what it did


def _run(args: list[str], log: Path) -> tuple[float, float, str]:
    """Run `python -m icg_desk ARGS`; (wall seconds, peak MiB, last line of its output)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with log.open("w", encoding="utf-8") as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "icg_desk", *args], stdout=out, stderr=subprocess.STDOUT, env=env
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    if process.returncode != 0:
        raise SystemExit(
            f"icg-desk {' '.join(args)} failed ({process.returncode}):\n" + "\n".join(lines[-20:])
        )
    return seconds, usage.ru_maxrss / 1024, (lines[-1] if lines else "")


def _inputs(folder: Path, candidates: int, scorers: int, words: int) -> tuple[Path, Path, Path]:
    from icg_desk.demo.cohort import write_demo_inputs

    inputs = write_demo_inputs(
        folder, candidates=candidates, scorers=scorers, words_per_entry=words
    )
    # Adjudicators join the scorers sheet: one for every ten scorers.
    with inputs.scorers.open(newline="", encoding="utf-8") as sheet:
        rows = [dict(row, role="scorer") for row in csv.DictReader(sheet)]
    for n in range(max(1, scorers // 10)):
        rows.append(
            {
                "scorer_id": f"A-{n + 1:02d}",
                "name": f"Adjudicator {n + 1}",
                "email": f"adjudicator{n + 1}@example.org",
                "organisation": "ICG",
                "conflicts": "",
                "role": "adjudicator",
            }
        )
    with inputs.scorers.open("w", newline="", encoding="utf-8") as sheet:
        writer = csv.DictWriter(sheet, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return inputs.roster, inputs.scorers, inputs.documents


def _score(outbox: Path) -> int:
    from icg_desk.demo.cohort import score_batch

    return sum(score_batch(path) for path in sorted(outbox.glob("*.icgbatch")))


def _decide_flags(db: Path) -> int:
    from icg_desk.demo.cohort import accept_every_flag
    from icg_desk.models.cohort_file import CohortFile

    with CohortFile.open(db) as cohort:
        return accept_every_flag(cohort)


def run(candidates: int, scorers: int, words: int, keep: Path | None) -> list[Step]:
    folder = keep or Path(tempfile.mkdtemp(prefix="icg-bench-national-"))
    folder.mkdir(parents=True, exist_ok=True)
    logs = folder / "logs"
    logs.mkdir(exist_ok=True)
    db = folder / "national.icgcohort"
    outbox, adjudication, reports = folder / "batches", folder / "adjudication", folder / "reports"
    steps: list[Step] = []

    def step(name: str, args: list[str], limit: float = STEP_LIMIT_S) -> None:
        print(f"  {name} ...", file=sys.stderr, flush=True)
        seconds, peak, said = _run(args, logs / f"{len(steps):02d}.log")
        steps.append(Step(name, seconds, peak, limit, said))

    inputs = folder / "inputs"
    if keep is not None and (inputs / "roster.csv").is_file():
        # A kept folder's inputs are used again (writing 20,000 documents takes minutes); what
        # the steps made last time goes.
        print(f"inputs: reusing {inputs}", file=sys.stderr, flush=True)
        for made in (outbox, adjudication, reports):
            shutil.rmtree(made, ignore_errors=True)
        for made in (db, folder / "summary.xlsx"):
            made.unlink(missing_ok=True)
        roster, scorer_sheet, documents = (
            inputs / "roster.csv",
            inputs / "scorers.csv",
            inputs / "documents",
        )
    else:
        print(f"inputs: {candidates:,} candidates, {scorers} scorers ...", file=sys.stderr)
        roster, scorer_sheet, documents = _inputs(inputs, candidates, scorers, words)
    step("start ICG Desk and stop (baseline)", ["--version"])
    step("init", ["cohort", "init", "--name", "2026-27", str(db)])
    step(
        "import the roster and documents",
        ["cohort", "import", str(db), str(roster), str(documents)],
    )
    step("import the scorers sheet", ["cohort", "scorers", str(db), str(scorer_sheet)])
    step("assign", ["cohort", "assign", str(db)])
    step("send: write the batches", ["cohort", "batches", str(db), str(outbox)])
    print("  scoring every batch (untimed) ...", file=sys.stderr, flush=True)
    _score(outbox)
    returned = [str(p) for p in sorted(outbox.glob("*.icgbatch"))]
    step("merge every returned batch", ["cohort", "merge", str(db), *returned])
    step("results with flags (--json)", ["cohort", "results", "--json", str(db)])
    step("adjudication batches", ["cohort", "adjudicate", str(db), str(adjudication)])
    step("summary workbook", ["cohort", "summary", str(db), str(folder / "summary.xlsx")])
    print("  accepting the flags left (untimed) ...", file=sys.stderr, flush=True)
    _decide_flags(db)
    step("release", ["cohort", "release", str(db)])
    step(
        "score reports (one per candidate + the combined PDF)",
        ["cohort", "reports", str(db), str(reports)],
        REPORTS_LIMIT_S,
    )
    if keep is None:
        shutil.rmtree(folder)
    return steps


def render(steps: list[Step], candidates: int, scorers: int, words: int) -> str:
    base = steps[0]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        "# A national-size cohort end to end",
        "",
        f"{stamp} on {machine}: {candidates:,} candidates, {2 * candidates:,} reads, "
        f"{scorers} scorers, entries of {words:,} words. Each step is one `icg-desk cohort` "
        "command in its own process; the baseline is the same start of ICG Desk doing nothing "
        f"({base.seconds:.2f} s, {base.peak_mib:.0f} MiB).",
        "",
        "| step | seconds | limit | peak memory | baseline start | what it said |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for s in steps[1:]:
        mark = "" if s.seconds <= s.limit_s else " **over**"
        said = "(the JSON)" if s.said.startswith("{") else s.said.replace("|", "\\|")[:120]
        lines.append(
            f"| {s.name} | {s.seconds:.1f}{mark} | {s.limit_s:.0f} | {s.peak_mib:.0f} MiB | "
            f"{base.seconds:.2f} s, {base.peak_mib:.0f} MiB | {said} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.national", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--candidates", type=int, default=CANDIDATES)
    parser.add_argument("--scorers", type=int, default=SCORERS)
    parser.add_argument("--words", type=int, default=WORDS)
    parser.add_argument(
        "--keep",
        type=Path,
        help="build in this folder and keep it; its inputs, if there, are used again",
    )
    args = parser.parse_args(argv)
    steps = run(args.candidates, args.scorers, args.words, args.keep)
    text = render(steps, args.candidates, args.scorers, args.words)
    print(text)
    Path(__file__).with_name("national.md").write_text(text, encoding="utf-8")
    over = [s.name for s in steps[1:] if s.seconds > s.limit_s]
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
