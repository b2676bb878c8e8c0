"""`icg-desk`: the command line. Bad input exits 2 with a message naming what is wrong.

The commands are thin adapters over `icg_desk.operations`. `main` is the one place a problem the
person can act on (a `UserError`) becomes a message on stderr and exit code 2; anything else is
a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from icg_desk import __version__
from icg_desk.cli_cohort import add_cohort_parser
from icg_desk.cli_common import EXIT_USAGE, ProgressBar, UsageError, fail, seconds
from icg_desk.models.errors import UserError
from icg_desk.models.rubric_file import DEFAULT_EDITION, rubric_from_argument
from icg_desk.paths import builtin_editions, data_dir
from icg_desk.scoring import ScoreError, decide, format_score
from icg_desk.scoring.rubric import Rubric
from icg_desk.ui.display import display_problem, opens_window

__all__ = ["EXIT_USAGE", "ProgressBar", "UsageError", "build_parser", "main"]


# --- calc -----------------------------------------------------------------------------------


def _parse_scores(rubric: Rubric, raw: Sequence[str]) -> dict[str, Fraction]:
    keys = rubric.factor_keys
    if len(raw) != len(keys):
        raise UsageError(
            f"expected {len(keys)} scores, one per factor in this order: "
            f"{', '.join(f.name for f in rubric.factors)}; got {len(raw)}"
        )
    scores = {}
    for position, (key, text) in enumerate(zip(keys, raw, strict=True), start=1):
        try:
            scores[key] = rubric.scale.parse(text)
        except ScoreError as exc:
            raise UsageError(f"score {position} ({rubric.factor(key).name}): {exc}") from None
    return scores


def cmd_calc(args: argparse.Namespace) -> int:
    rubric = rubric_from_argument(args.rubric)
    scores = _parse_scores(rubric, args.scores)
    decision = decide(rubric, scores)
    assert decision.overall is not None
    assert decision.certified is not None
    if args.json:
        print(
            json.dumps(
                {
                    "factors": [{"key": k, "score": format_score(s)} for k, s in scores.items()],
                    "overall": format_score(decision.overall),
                    "certified": decision.certified,
                    "retake": list(decision.retake),
                    "below_accomplished": list(decision.below_accomplished),
                }
            )
        )
        return 0
    print(rubric.title)
    print()
    width = max(len(f.name) for f in rubric.factors)
    print(f"  {'Factor':<{width}}  {'Score':>5}  Level")
    for factor in rubric.factors:
        score = scores[factor.key]
        marks = ""
        if factor.key in decision.retake:
            marks = "  retake"
        elif factor.key in decision.below_accomplished:
            marks = "  below accomplished"
        print(
            f"  {factor.name:<{width}}  {format_score(score):>5}  {rubric.level_text(score)}{marks}"
        )
    print(f"  {'Overall':<{width}}  {format_score(decision.overall):>5}")
    print()
    print("Decision:", "Certified" if decision.certified else "Not certified")
    for reason in decision.reasons:
        print(f"  - {reason}")
    for key, target in decision.retake_targets.items():
        name = rubric.factor(key).name
        if target is None:
            print(f"  Retake {name}: retakes alone cannot reach the certification threshold")
        else:
            print(
                f"  Retake {name}: needs {rubric.scale.label(target)} ({format_score(target)}) "
                "or higher to certify"
            )
    return 0


# --- demo -----------------------------------------------------------------------------------


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"{value} is out of range (1 to 100000)")
    return value


def _practice_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= 20:
        raise argparse.ArgumentTypeError(f"{value} is out of range (0 to 20)")
    return value


def cmd_demo(args: argparse.Namespace) -> int:
    from icg_desk.demo.batch import demo_unlock_code, write_demo_batch

    out: Path = args.out or data_dir() / "demo.icgbatch"
    if out.exists() and not out.is_file():
        raise UsageError(f"--out {out}: is a folder, not a file")
    if out.exists() and not args.fresh:
        if args.out is not None:
            raise UsageError(f"--out {out}: already exists; add --fresh to replace it")
        # `make run` twice must not wipe what the person scored in the demo the first time.
        print(f"Opening your demo batch {out} (icg-desk demo --fresh makes a new one)")
        if args.no_gui:
            return 0
        return _scorer_window(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_demo_batch(
            out,
            portfolios=args.portfolios,
            seed=args.seed,
            edition=args.rubric,
            practice=args.practice,
        )
    except OSError as exc:
        from icg_desk.models.environment import environment_error

        if isinstance(exc, FileExistsError) and exc.filename is not None:
            # mkdir met a file where a folder of the path should be.
            exc = NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), exc.filename)
        raise UsageError(f"--out {environment_error(exc, out)}") from None
    print(f"Wrote a demo batch of {args.portfolios} portfolios to {out}")
    if args.practice:
        from icg_desk.models.batch_file import BatchFile

        with BatchFile.open(out) as batch:
            batch_id = batch.identity.batch_id
        print(
            f"It starts with {args.practice} practice portfolio"
            f"{'' if args.practice == 1 else 's'} (calibration); the coordinator's unlock code "
            f"for it is {demo_unlock_code(batch_id)}"
        )
    if args.no_gui:
        return 0
    return _scorer_window(out)


def cmd_open(args: argparse.Namespace) -> int:
    path: Path = args.batch
    if not path.is_file():
        raise UsageError(f"{path}: no such batch file")
    return _scorer_window(path)


def _scorer_window(batch: Path | None) -> int:
    """The scorer's window, on `batch` if given: the ICG Desk already running for this user if
    there is one (brought forward, the batch opened there), else a new one until it is closed."""
    from icg_desk.ui.single_instance import hand_over

    if hand_over(batch) is not None:
        print(
            "Opened in the ICG Desk already running"
            if batch is not None
            else "Brought forward the ICG Desk already running"
        )
        return 0
    from icg_desk.ui.app import run

    return run(batch)


# --- batch summary / reports ----------------------------------------------------------------


def cmd_batch_summary(args: argparse.Namespace) -> int:
    # Imported here: `icg-desk calc` should not wait for SQLAlchemy to load.
    from icg_desk.operations.batch_ops import export_batch_summary

    out: Path = args.out
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"{out}: the summary is an Excel workbook; name it .xlsx")
    if not out.parent.is_dir():
        raise UsageError(f"{out}: the folder {out.parent} does not exist")
    bar = ProgressBar("Writing summary")
    try:
        info = export_batch_summary(args.batch, out, progress=bar, wait=args.wait)
    finally:
        bar.close()
    print(f"Wrote {info.path}: {info.portfolios} portfolios, checksum {info.checksum[:12]}")
    return 0


def cmd_batch_reports(args: argparse.Namespace) -> int:
    from icg_desk.operations.batch_ops import ReportChoice, UnknownPortfolio, export_batch_reports

    outdir: Path = args.outdir
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"{outdir}: is a file; give a folder for the reports")
    combined: Path | None = args.combined
    if combined is not None and combined.suffix.lower() != ".pdf":
        raise UsageError(f"--combined {combined}: name the combined file .pdf")
    code: str | None = args.portfolio
    if code is not None and not code.strip():
        raise UsageError("--portfolio: give a candidate code")
    which = (
        ReportChoice.CURRENT
        if code is not None
        else ReportChoice.ALL
        if args.all
        else ReportChoice.COMPLETED
    )
    bar = ProgressBar("Printing reports")
    try:
        run = export_batch_reports(
            args.batch,
            outdir,
            which=which,
            candidate_code=code.strip() if code is not None else None,
            combined=combined,
            progress=bar,
        )
    except UnknownPortfolio as exc:
        raise UsageError(f"--portfolio {exc}") from None
    finally:
        bar.close()
    per_candidate = [p for p in run.written if p != combined]
    count = len(per_candidate)
    print(f"Wrote {count} score report{'' if count == 1 else 's'} to {outdir}")
    if combined is not None and combined in run.written:
        print(f"Wrote the combined reports to {combined}")
    for code, why in run.skipped:
        print(f"Skipped {code}: {why}", file=sys.stderr)
    return 0


# --- the parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="icg-desk",
        description="ICG Desk: the scoring workstation for the ICG Coaching Certification.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--smoke",
        nargs="?",
        const="",
        metavar="FOLDER",
        help="check this installation offscreen (demo batch, one score, the summary, the reports) "
        "in FOLDER or a new temporary folder; exit 0 if it works",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    editions = ", ".join(builtin_editions()) or DEFAULT_EDITION
    calc = sub.add_parser(
        "calc",
        help="compute factor levels, the overall score and the decision from 7 scores",
        description="The score calculator: give the factor scores in the rubric's factor order "
        "(scores like 3, 3+, 2- or 3.25) and see the overall score and the decision.",
    )
    calc.add_argument("scores", nargs="*", metavar="SCORE", help="one score per factor")
    calc.add_argument(
        "--rubric",
        default=DEFAULT_EDITION,
        metavar="EDITION",
        help=f"rubric edition ({editions}) or a rubric .toml file",
    )
    calc.add_argument("--json", action="store_true", help="print one JSON object")
    calc.set_defaults(func=cmd_calc)

    demo = sub.add_parser(
        "demo",
        help="write a realistic sample batch (and open it)",
        description="Write a sample batch with generated candidate codes and entries.",
    )
    demo.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="where to write it (default: demo.icgbatch in ICG Desk's data folder)",
    )
    demo.add_argument(
        "--portfolios",
        type=_positive,
        default=12,
        metavar="N",
        help="how many portfolios (default 12)",
    )
    demo.add_argument(
        "--practice",
        type=_practice_count,
        default=0,
        metavar="N",
        help="start the batch with N practice portfolios, to try calibration (default 0)",
    )
    demo.add_argument("--seed", type=int, default=2027, help=argparse.SUPPRESS)
    demo.add_argument(
        "--rubric", default=DEFAULT_EDITION, metavar="EDITION", help=f"rubric edition ({editions})"
    )
    demo.add_argument("--no-gui", action="store_true", help="only write the file and say where")
    demo.add_argument(
        "--fresh", action="store_true", help="replace an existing demo batch with a new one"
    )
    demo.set_defaults(func=cmd_demo)

    open_ = sub.add_parser(
        "open",
        help="open a batch in the workstation",
        description="Open a scorer's batch file (.icgbatch) in the workstation window.",
    )
    open_.add_argument("batch", type=Path, metavar="FILE", help="the batch file")
    open_.set_defaults(func=cmd_open)

    batch = sub.add_parser(
        "batch",
        help="export a batch: the Excel summary, the score reports",
        description="Exports from a scorer's batch file.",
    )
    batch_sub = batch.add_subparsers(dest="batch_command", metavar="COMMAND", required=True)
    summary = batch_sub.add_parser(
        "summary",
        help="write the batch's Excel summary (scores, rationales, checksum)",
        description="Write the Excel summary a scorer returns beside the batch file.",
    )
    summary.add_argument("batch", type=Path, metavar="BATCH", help="the batch file")
    summary.add_argument("out", type=Path, metavar="OUT.xlsx", help="the workbook to write")
    summary.add_argument(
        "--wait",
        type=seconds,
        default=0.0,
        metavar="SECONDS",
        help="when the batch is open in the scorer's window, wait up to SECONDS for it "
        "(the export time is recorded in the batch, which needs it to itself)",
    )
    summary.set_defaults(func=cmd_batch_summary)
    reports = batch_sub.add_parser(
        "reports",
        help="print a PDF score report for the batch's completed portfolios (or all, or one)",
        description="Print a score report (PDF) per completed portfolio into OUTDIR (or for "
        "every portfolio with --all, or one with --portfolio), named by candidate code, and "
        "optionally all of them in one combined PDF. From a scorer's batch these are "
        "previews.",
    )
    reports.add_argument("batch", type=Path, metavar="BATCH", help="the batch file")
    reports.add_argument("outdir", type=Path, metavar="OUTDIR", help="folder for the PDFs")
    reports.add_argument(
        "--combined",
        type=Path,
        metavar="FILE.pdf",
        help="also write every report into this one PDF",
    )
    choice = reports.add_mutually_exclusive_group()
    choice.add_argument(
        "--completed",
        action="store_true",
        help="the portfolios marked complete (the default)",
    )
    choice.add_argument(
        "--all", action="store_true", help="every portfolio, the unscored ones included"
    )
    choice.add_argument(
        "--portfolio", metavar="CODE", help="only the portfolio with this candidate code"
    )
    reports.set_defaults(func=cmd_batch_reports)
    add_cohort_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.smoke is not None:
        # The frozen app's self-test (icg_desk/smoke.py); no subcommand runs with it.
        from icg_desk import smoke

        return smoke.main(Path(args.smoke) if args.smoke else None)
    if opens_window(args) and (problem := display_problem(os.environ, sys.platform)):
        print(f"icg-desk: {problem}", file=sys.stderr)  # not Qt's abort and core dump
        return EXIT_USAGE
    if args.command is None:
        # `icg-desk` alone is what a desktop shortcut runs: the window, with recent batches.
        return _scorer_window(None)
    prog = " ".join(
        ["icg-desk", args.command]
        + [
            c
            for c in (getattr(args, "batch_command", None), getattr(args, "cohort_command", None))
            if c
        ]
    )
    try:
        result: int = args.func(args)
    except UserError as exc:
        fail(prog, str(exc))
    except BrokenPipeError:
        # `icg-desk cohort results DB | head`: the reader has gone; say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        # The environment (a read-only file or folder, a file busy in another program, permission
        # denied, the disk full: an OSError, or SQLite saying so), named by the one helper, and
        # user errors from where UserError cannot be imported (scoring's ScoreError). Loaded only
        # now: calc must start quickly.
        from icg_desk.operations.errors import user_message

        message = user_message(exc)
        if message is None:
            raise  # a bug: its traceback is what helps
        fail(prog, message)
    return result
