"""`icg-desk cohort ...`: the coordinator's commands, thin adapters over `operations.cohort`.

Each command turns its arguments into one operation's call and its result into lines of text.
Problems the coordinator can fix are `UserError`s, printed by `cli.main` with exit code 2; a
few are worded again here to say what the command did not do. Commands that write take the
cohort's lock, so they never write into a cohort open in the Coordinator window: they are
refused naming the window, or wait `--wait SECONDS` for it first.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from icg_desk.cli_common import ProgressBar, UsageError, seconds
from icg_desk.cli_keys import add_keys_commands
from icg_desk.cli_quality import add_unlock, quality_lines
from icg_desk.models.rubric_file import DEFAULT_EDITION, rubric_from_argument

if TYPE_CHECKING:
    from icg_desk.operations.cohort import CohortRef


class CohortUsageError(UsageError):
    """Input the coordinator can fix; printed without a traceback, exit code 2."""


def _ref(args: argparse.Namespace) -> CohortRef:
    # Imported here, as in every command: `icg-desk calc` should not wait for SQLAlchemy.
    from icg_desk.operations.cohort import CohortRef

    return CohortRef(
        Path(args.db),
        program=f"icg-desk cohort {args.cohort_command}",
        wait=getattr(args, "wait", 0.0),
    )


def cmd_init(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import create_cohort

    rubric = rubric_from_argument(args.rubric)
    create_cohort(args.db, args.name, rubric)
    print(f"Made cohort {args.name} ({rubric.edition}) in {args.db}")
    return 0


def _output_file(path: Path, suffix: str, what: str) -> None:
    """A file a command writes: named with `suffix`, in a folder that exists (exit code 2)."""
    if path.suffix.lower() != suffix:
        raise CohortUsageError(f"{path}: {what}; name it {suffix}")
    if not path.parent.is_dir():
        raise CohortUsageError(f"{path}: the folder {path.parent} does not exist")


def cmd_template(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import write_roster_template

    if args.out.suffix.lower() != ".xlsx":
        raise CohortUsageError(f"{args.out}: the template is an Excel workbook; name it .xlsx")
    write_roster_template(args.out, rubric_from_argument(args.rubric))
    print(f"Wrote the roster template to {args.out} (see docs/roster-format.md)")
    return 0


def _problems(result_problems: object) -> None:
    for problem in result_problems:  # type: ignore[attr-defined]
        print(f"  {problem}")


def cmd_import(args: argparse.Namespace) -> int:
    from icg_desk.models.roster import ImportLocked, ImportRejected
    from icg_desk.operations.cohort import import_roster

    try:
        done = import_roster(_ref(args), args.roster, args.documents, valid_only=args.valid_only)
    except ImportLocked as exc:
        # The only problem reported: no fix to the file, and no --valid-only, can help.
        raise CohortUsageError(f"{args.db}: {exc.locked}; nothing imported") from None
    except ImportRejected as exc:
        raise CohortUsageError(
            f"{args.roster}: nothing imported; fix these and import again (or --valid-only):\n{exc}"
        ) from None
    print(f"Imported {done.value.imported} candidates; skipped {done.value.skipped}")
    _problems(done.value.problems)
    return 0


def cmd_scorers(args: argparse.Namespace) -> int:
    from icg_desk.models.roster import ImportLocked, ImportRejected
    from icg_desk.operations.cohort import import_scorers

    try:
        done = import_scorers(_ref(args), args.sheet)
    except ImportLocked as exc:
        raise CohortUsageError(f"{args.db}: {exc.locked}; nothing imported") from None
    except ImportRejected as exc:
        raise CohortUsageError(f"{args.sheet}: no scorer imported:\n{exc}") from None
    print(f"Imported {done.value.imported} scorers")
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import assign, move_read

    if args.move:
        candidate, from_scorer, to_scorer = args.move
        move_read(_ref(args), candidate, from_scorer, to_scorer)
        print(f"Moved candidate {candidate} from {from_scorer} to {to_scorer}")
        return 0
    plan = assign(_ref(args), seed=args.seed, reads=args.reads).value
    for scorer_id, load in sorted(plan.load.items()):
        print(f"  {scorer_id}: {load} portfolios")
    print(plan.summary(args.seed))
    return 0


def cmd_batches(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import send_batches

    if args.outdir.exists() and not args.outdir.is_dir():
        raise CohortUsageError(f"{args.outdir}: is a file; give a folder for the batches")
    # Not made here: sending makes the folder only once every check has passed, so a refused
    # step (released results, a batch already there) leaves nothing behind.
    exported = send_batches(_ref(args), args.outdir).value
    if not exported:
        print(
            "Nothing to send: every assigned read is already in a batch that went out "
            "(`icg-desk cohort status` lists them); no file was written"
        )
        return 0
    for batch in exported:
        print(f"  {batch.scorer_id}: {batch.portfolios} portfolios -> {batch.path}")
    print(f"Wrote {len(exported)} batches to {args.outdir}")
    return 0


def cmd_adjudicate(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import adjudicate

    if args.outdir.exists() and not args.outdir.is_dir():
        raise CohortUsageError(f"{args.outdir}: is a file; give a folder for the batches")
    sent = adjudicate(_ref(args), args.outdir).value
    for candidate_id in sent.still_out:
        print(f"  {candidate_id}: its adjudication is out and not back yet; not sent again")
    if not sent.batches:
        print(
            "Nothing to send for adjudication: no candidate has an open flag to adjudicate "
            "(`icg-desk cohort flags` lists them); no file was written"
        )
        return 0
    for item in sent.items:
        print(f"  {item.code}: {', '.join(item.factor_names)} -> {item.adjudicator_id}")
    for batch in sent.batches:
        print(f"  {batch.scorer_id}: {batch.portfolios} portfolios -> {batch.path}")
    print(
        f"Wrote {len(sent.batches)} adjudication batches ({len(sent.items)} portfolios) to "
        f"{args.outdir}; merge them back like any batch"
    )
    return 0


def _returned_files(arguments: Sequence[Path]) -> list[Path]:
    """The files to merge: each argument a file, or a pattern (`returned/*.xlsx`).

    A pattern the shell left as it was matched nothing there (Windows shells expand none, so it
    is expanded here); one matching nothing is a note, not a stop: scorers may send batches
    only. A named file that does not exist, or no file at all, stops the merge before any file
    is merged (exit code 2).
    """
    files: list[Path] = []
    unmatched: list[Path] = []
    for argument in arguments:
        if argument.is_file():
            files.append(argument)
        elif argument.is_dir():
            raise CohortUsageError(
                f"{argument}: is a folder; give the files in it ({argument / '*'}); nothing merged"
            )
        elif glob.has_magic(str(argument)):
            found = sorted(Path(p) for p in glob.glob(str(argument)) if Path(p).is_file())
            files.extend(found)
            if not found:
                unmatched.append(argument)
        else:
            raise CohortUsageError(f"{argument}: no such file; nothing merged")
    if not files:
        patterns = " or ".join(str(p) for p in unmatched)
        raise CohortUsageError(f"no file to merge: {patterns} matched no file; nothing merged")
    for pattern in unmatched:
        print(f"Note: {pattern} matched no file; merging the others", file=sys.stderr)
    return files


def cmd_merge(args: argparse.Namespace) -> int:
    from icg_desk.models.merge import REJECTED, merge_report
    from icg_desk.operations.cohort import merge
    from icg_desk.operations.merge import MergeStopped

    files = _returned_files(args.files)
    try:
        outcomes = merge(_ref(args), files).value
    except MergeStopped as exc:  # the cohort itself failed: what was merged before it, then why
        if exc.outcomes:
            print(merge_report(exc.outcomes))
        raise
    print(merge_report(outcomes))
    rejected = sum(o.outcome == REJECTED for o in outcomes)
    if rejected:
        kept = len(outcomes) - rejected
        others = (
            "the other file was merged"
            if kept == 1
            else f"the other {kept} files were merged"
            if kept
            else "nothing was merged"
        )
        noun = "file" if len(outcomes) == 1 else "files"
        raise CohortUsageError(
            f"{rejected} of {len(outcomes)} {noun} rejected (left out whole); {others}"
        )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import status as cohort_status

    status = cohort_status(_ref(args))
    if args.json:
        print(json.dumps(status.as_json()))
        return 0
    print(f"Cohort {status.cohort} ({status.rubric_edition})")
    print(f"  {status.candidates} candidates, {status.scorers} scorers")
    if status.validity_portfolios or status.practice_portfolios:  # never candidates
        print(
            f"  and {status.validity_portfolios} validity, {status.practice_portfolios} "
            "practice portfolios (docs/validity.md)"
        )
    print(
        f"  reads: {status.reads_needed} needed, {status.reads_assigned} assigned, "
        f"{status.reads_sent} sent, {status.reads_returned} returned"
    )
    if status.reads_in_progress:
        print(f"  {status.reads_in_progress} more in progress (scored in part: not returned yet)")
    print(f"  files merged: {status.files_merged}, rejected: {status.files_rejected}")
    print(
        f"  results: {status.certified} certified, {status.not_certified} not certified, "
        f"{status.waiting} waiting ({status.flags_open} flags open)"
        + (f", {status.withdrawn} withdrawn" if status.withdrawn else "")
    )
    for p in status.per_scorer:
        print(f"  {p.scorer_id:<10} {p.name:<28} {p.returned}/{p.assigned} returned")
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import results as cohort_results
    from icg_desk.scoring import Status
    from icg_desk.scoring.scale import format_against, format_score

    results = cohort_results(_ref(args))
    if args.json:
        print(json.dumps(results.as_json(), ensure_ascii=False))
        return 0
    released = (
        f"released {results.released_at:%Y-%m-%d %H:%M} UTC"
        if results.released_at
        else "not released: provisional"
    )
    if results.amended_at is not None:
        released += " (amended: reopened and released again)"
    print(f"Cohort {results.cohort} ({results.rubric.edition}), {released}")
    rubric = results.rubric
    cert = rubric.thresholds.certification
    for c in results.candidates:
        overall = c.decision.overall
        shown = "–" if overall is None else format_against(overall, cert)
        state = c.state
        # A waiting candidate's decision is only so far: said so, never as the result.
        result = (
            c.decision.headline
            if state.final
            else f"{state.label} (so far: {c.decision.headline})"
            if state.waiting
            else f"Withdrawn ({c.withdrawn.text() if c.withdrawn else ''})"
        )
        print(
            f"  {c.candidate_id:<10} {c.name[:28]:<28} reads {c.reads_in}/{c.reads_needed}  "
            f"overall {shown:>5}  {result}"
        )
        if c.retake:  # each factor banked (with its cycle) or new, and the banked scores
            for key, score in c.scores.items():
                shown_score = "–" if score is None else format_score(score)
                print(f"      {rubric.factor(key).name}: {shown_score}, {c.source_text(key)}")
            print(
                "      retake of "
                + ", ".join(rubric.factor(k).name for k in c.retake_factors)
                + "; banked: "
                + ", ".join(
                    f"{rubric.factor(k).name} {format_score(s)} ({cycle})"
                    for k, s, cycle in c.banked_scores
                )
            )
        for key, by in c.adjudicated_by:
            score = c.scores[key]
            shown_score = "–" if score is None else format_score(score)
            print(f"      {rubric.factor(key).name}: {shown_score}, adjudicated by {by}")
        for flag in c.flags:
            closed = flag.closed_text()
            print(f"      flag: {flag.title(rubric)}, {closed or flag.state.value}")
    print(
        f"{results.count(Status.CERTIFIED)} certified, "
        f"{results.count(Status.NOT_CERTIFIED)} not certified, "
        f"{len(results.waiting)} waiting"
        + (f", {len(results.withdrawn)} withdrawn" if results.withdrawn else "")
        + "; "
        f"{sum(c.reads_missing for c in results.candidates)} reads still missing, "
        f"{len(results.open_flags)} flags open"
    )
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    from icg_desk.operations.agreement import agreement

    found = agreement(_ref(args))
    if args.json:
        print(json.dumps(found.as_json(), ensure_ascii=False))
        return 0
    for line in agreement_lines(found):
        print(line)
    return 0


def cmd_quality_report(args: argparse.Namespace) -> int:
    from icg_desk.operations.agreement import quality_report

    _output_file(args.out, ".pdf", "the scoring quality report is a PDF")
    found, path = quality_report(_ref(args), args.out)
    flagged = [
        s.scorer_id for s in found.figures.scorers if s.severe_or_lenient or s.drift.drifting
    ]
    print(
        f"Wrote the scoring quality report to {path}: {len(found.figures.scorers)} scorers, "
        + (f"flagged: {', '.join(flagged)}" if flagged else "none flagged")
    )
    return 0


def _share(value: object) -> str:
    return "-" if value is None else f"{float(value):.2f}"  # type: ignore[arg-type]


def _points(value: float | None) -> str:
    if value is None:
        return "-"
    shown = round(value, 2)
    return f"{shown if shown else 0.0:+.2f}"  # never "-0.00"


def _estimate(estimate: object) -> str:
    """+0.41 [+0.32, +0.50], or "-" when there is none."""
    if estimate is None:
        return "-"
    value, low, high = (getattr(estimate, k) for k in ("value", "low", "high"))
    interval = f" [{_points(low)}, {_points(high)}]" if low is not None else ""
    return f"{_points(value)}{interval}"


def agreement_lines(found: object) -> list[str]:
    """The agreement figures as the command prints them (docs/agreement.md)."""
    from icg_desk.models.agreement import CohortAgreement

    assert isinstance(found, CohortAgreement)
    figures, rubric = found.figures, found.rubric
    level = round(figures.confidence * 100)
    lines = [
        f"Cohort {found.cohort} ({rubric.edition}): {figures.reads} complete reads, "
        f"{figures.portfolios_compared} portfolios read by two scorers or more",
    ]
    if not figures.cohort.pairs:
        lines.append("  No portfolio has two complete reads yet: nothing to compare.")
    header = f"  {'':<24} {'pairs':>7} {'exact':>6} {'same level':>10} {'QWK':>6} {'alpha':>6}"
    lines.append(header)
    rows = [("All factors", figures.cohort)] + [
        (rubric.factor(key).name, f) for key, f in figures.factors.items()
    ]
    for name, f in rows:
        lines.append(
            f"  {name[:24]:<24} {f.pairs:>7} {_share(f.exact):>6} {_share(f.adjacent):>10} "
            f"{_share(f.kappa):>6} {_share(f.alpha):>6}"
        )
    lines.append(
        "Scorers: severity is the mean difference from the other reads of the same portfolios "
        f"(points; + scores higher), with its {level}% interval (simultaneous); adjusted takes "
        "each partner's own severity and drift out; drift is the adjusted change per week."
    )
    for s in figures.scorers:
        slope = s.drift.slope
        drift = "-" if slope is None else f"{_points(slope.value)}/week"
        marks = []
        if s.severe_or_lenient and s.adjusted is not None:
            marks.append("SCORES HIGH" if s.adjusted.value > 0 else "SCORES LOW")
        if s.drift.drifting:
            marks.append("DRIFTS")
        lines.append(
            f"  {s.scorer_id:<10} {s.reads:>5} reads  exact {_share(s.figures.exact)}  "
            f"severity {_estimate(s.severity)}  adjusted {_estimate(s.adjusted)}  "
            f"drift {drift}" + (f"  {', '.join(marks)}" if marks else "")
        )
    lines.extend(quality_lines(found))
    lines.extend(backread_lines(found))
    return lines


def _share_argument(text: str) -> object:
    """--share: a share of each scorer's completed reads, 0.1 or 10%, exactly."""
    from decimal import Decimal, InvalidOperation
    from fractions import Fraction

    cleaned = text.strip()
    percent = cleaned.endswith("%")
    try:
        value = Fraction(Decimal(cleaned.rstrip("%").strip()))
    except (InvalidOperation, ValueError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a share (e.g. 0.1 or 10%)") from None
    if percent:
        value /= 100
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a share above 0 and at most 1 (100%)")
    return value


def cmd_backread(args: argparse.Namespace) -> int:
    from icg_desk.operations.backread import backread

    done = backread(
        _ref(args),
        args.reader,
        per_scorer=args.per_scorer,
        share=args.share,
        scorer_ids=args.scorer or None,
        seed=args.seed,
        by=args.by or _user_name(),
    ).value
    print(done.text())
    for read in done.reads:
        print(f"  {read.code}: {read.scorer_id}'s read -> {done.reader_id}")
    print(
        f"  {done.reader_id} gets them in their next batch (`icg-desk cohort batches`); merge "
        "it back like any batch, then `icg-desk cohort agreement` shows the differences"
    )
    return 0


def backread_lines(found: object) -> list[str]:
    """Each scorer's backreads, as `cohort agreement` prints them (docs/agreement.md)."""
    from icg_desk.models.agreement import CohortAgreement
    from icg_desk.scoring import format_score

    assert isinstance(found, CohortAgreement)
    backreads = found.backreads
    if not backreads.scorers:
        return ["Backreads: none pulled (`icg-desk cohort backread`)."]
    level = round(backreads.confidence * 100)
    lines = [
        f"Backreads: {backreads.returned} of {backreads.pulled} back; the difference is the "
        "scorer's score minus the backreader's (points; + the scorer scores higher), per read, "
        f"with its {level}% interval (simultaneous)."
    ]
    for s in backreads.scorers.values():
        mark = ""
        if s.flagged and s.difference is not None:
            mark = "  HIGHER THAN BACKREADS" if s.difference.value > 0 else "  LOWER THAN BACKREADS"
        lines.append(
            f"  {s.scorer_id:<10} {s.returned:>3} of {s.pulled:<3} back  exact "
            f"{_share(s.exact)}  same level {_share(s.same_level)}  "
            f"difference {_estimate(s.difference)}{mark}"
        )
    rubric = found.rubric
    if backreads.differences:
        lines.append("  Scored differently (code, factor, the scorer's score, the backreader's):")
    for d in backreads.differences:
        lines.append(
            f"    {d.portfolio:<12} {rubric.factor(d.factor_key).name[:24]:<24} "
            f"{d.scorer_id} {format_score(d.scorer_score)}  {d.reader_id} "
            f"{format_score(d.reader_score)}"
        )
    return lines


def cmd_flags(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import results as cohort_results

    results = cohort_results(_ref(args))
    rubric = results.rubric
    flagged = [(c, f) for c in results.candidates for f in c.flags]
    if args.json:
        print(
            json.dumps(
                {
                    "cohort": results.cohort,
                    "flags": len(flagged),
                    "open": len(results.open_flags),
                    "candidates": [
                        {
                            "candidate_id": c.candidate_id,
                            "code": c.code,
                            "name": c.name,
                            "result": c.state.standing.value,
                            "flags": [f.as_json() for f in c.flags],
                        }
                        for c in results.candidates
                        if c.flags
                    ],
                },
                ensure_ascii=False,
            )
        )
        return 0
    opened = len(results.open_flags)
    print(f"Cohort {results.cohort}: {len(flagged)} flags, {opened} open")
    for c, f in flagged:
        print(f"  {c.candidate_id:<10} {c.code:<12} {c.name[:28]:<28} {f.title(rubric)}: {f.state}")
        print("      reads: " + "  |  ".join(r.text for r in f.reads))
        for reason in f.reasons:
            print(f"      {reason}")
        if f.closed_text():
            print(f"      {f.closed_text()}")
    if opened:
        print(
            "Release waits for every open flag: adjudicate it (`icg-desk cohort adjudicate DB "
            "OUTDIR`, then merge the adjudicators' batches), or accept it with "
            "`icg-desk cohort accept DB CODE [--factor KEY] --reason TEXT`"
        )
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import accept

    by = args.by or _user_name()
    done = accept(_ref(args), args.candidate, args.factor, args.reason, by).value
    what = f"the discrepancy on {done.factor}" if done.factor else "the decision split"
    print(
        f"Accepted {what} of candidate {done.candidate_id} ({done.code}) as {done.by} at "
        f"{done.at:%Y-%m-%d %H:%M} UTC: {done.reason}"
    )
    return 0


def cmd_reassign(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import reassign

    by = args.by or _user_name()
    done = reassign(
        _ref(args), args.candidate, args.from_scorer, args.to_scorer, args.reason, by
    ).value
    how = "taken back" if done.batch_id is not None else "moved (it was not sent yet)"
    print(
        f"Candidate {done.candidate_id} ({done.code}): the read of {done.from_scorer} was {how} "
        f"and given to {done.to_scorer} by {done.by} at {done.at:%Y-%m-%d %H:%M} UTC: "
        f"{done.reason}"
    )
    if done.detail and done.batch_id is not None:
        print(f"  {done.detail}")
    if done.batch_id is not None:
        print(
            f"  A later return of it in {done.from_scorer}'s batch is refused for that "
            "portfolio; the rest of that file still merges"
        )
    print(f"  {done.to_scorer} gets it in their next batch (`icg-desk cohort batches`)")
    return 0


def cmd_bank(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import bank

    done = bank(_ref(args), args.file, cycle=args.cycle).value
    rubric_names = _rubric_names(args)
    for entry in done.banked:
        retaken = ", ".join(rubric_names.get(k, k) for k in entry.retake_factors)
        print(f"  {entry.candidate_id}: retakes {retaken}; the other factors banked ({done.cycle})")
    for why in done.left_out:
        print(f"  left out {why}")
    print(
        f"Banked the scores of {len(done.banked)} retake candidates from {done.source.name} "
        f"(cycle {done.cycle})"
        + (
            f"; {done.not_in_cohort} of its candidates are not in this cohort"
            if done.not_in_cohort
            else ""
        )
        + ". Their portfolios ask scorers for the retaken factors only, and each is read twice."
    )
    return 0


def _rubric_names(args: argparse.Namespace) -> dict[str, str]:
    from icg_desk.operations.cohort import describe

    return {f.key: f.name for f in describe(_ref(args)).rubric.factors}


def cmd_withdraw(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import withdraw

    by = args.by or _user_name()
    done = withdraw(_ref(args), args.candidate, args.reason, by, undo=args.undo).value
    if args.undo:
        print(
            f"Reinstated candidate {done.candidate_id} ({done.code}) as {done.by} at "
            f"{done.at:%Y-%m-%d %H:%M} UTC: {done.reason}"
        )
        print("  Their reads are needed again; those merged before count as they did")
        return 0
    print(
        f"Withdrew candidate {done.candidate_id} ({done.code}) as {done.by} at "
        f"{done.at:%Y-%m-%d %H:%M} UTC: {done.reason}"
    )
    print(
        "  Their reads are no longer needed, release does not wait for them, no report is "
        "printed for them, and their returned reads are refused (--undo reinstates them)"
    )
    return 0


def cmd_conflicts(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import conflicts, describe

    found = conflicts(_ref(args))
    rubric = describe(_ref(args)).rubric
    if args.json:
        print(
            json.dumps(
                {"open": len(found), "conflicts": [c.as_json(rubric) for c in found]},
                ensure_ascii=False,
            )
        )
        return 0
    if not found:
        print("No conflict between two copies of a read is open")
        return 0
    print(
        f"{len(found)} open: two copies of a read edited apart, kept aside at merge (* marks "
        "the factors that differ). Choose one with: icg-desk cohort resolve DB CANDIDATE SCORER "
        "--take merged|returned --reason TEXT"
    )
    for conflict in found:
        print()
        print(conflict.text(rubric))
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import resolve

    by = args.by or _user_name()
    done = resolve(_ref(args), args.candidate, args.scorer, args.take, args.reason, by).value
    print(
        f"Resolved the conflict in scorer {done.from_scorer}'s read of {done.code} "
        f"({done.candidate_id}) as {done.by} at {done.at:%Y-%m-%d %H:%M} UTC: {done.reason}"
    )
    print(f"  {done.detail[0].upper()}{done.detail[1:]} (kept in the cohort log)")
    return 0


def cmd_reopen(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import reopen

    by = args.by or _user_name()
    done = reopen(_ref(args), args.reason, by).value
    print(
        f"Reopened the results of {args.db} as {done.by} at {done.at:%Y-%m-%d %H:%M} UTC "
        f"({done.detail}): {done.reason}"
    )
    print(
        "  The steps are unlocked; release again to lock them (reports printed then say "
        '"Amended" with that day)'
    )
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import ways_out_log

    events = ways_out_log(_ref(args))
    if args.json:
        print(json.dumps({"events": [e.as_json() for e in events]}, ensure_ascii=False))
        return 0
    if not events:
        print("No read taken back, no candidate withdrawn, no release reopened")
        return 0
    for event in events:
        print(event.text())
    return 0


def _user_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or the password database
        return ""


def cmd_release(args: argparse.Namespace) -> int:
    from icg_desk.models.cohort_results import ReleaseError
    from icg_desk.operations.cohort import release

    try:
        stamp = release(_ref(args)).value
    except ReleaseError as exc:
        raise CohortUsageError(f"{args.db}: not released: {exc}") from None
    print(f"Released the results of {args.db} at {stamp:%Y-%m-%d %H:%M} UTC; they are now locked")
    return 0


def cmd_reports(args: argparse.Namespace) -> int:
    from icg_desk.export.cohort_reports import ResultsNotReleased, combined_file_name
    from icg_desk.operations.cohort import NoPreviewsAfterRelease, print_reports

    if args.outdir.exists() and not args.outdir.is_dir():
        raise CohortUsageError(f"{args.outdir}: is a file; give a folder for the reports")
    # The reports print on every core (export/report_pool.py); once the last is written, the
    # file with them all is finished.
    bar = ProgressBar("Printing reports", then="putting them in one file")
    try:
        results, run = print_reports(_ref(args), args.outdir, preview=args.preview, progress=bar)
    except KeyboardInterrupt:
        # The workers have stopped, and each report written is whole: say so, not a traceback.
        bar.close()
        print(
            f"Stopped (Ctrl+C). The reports already in {args.outdir} are complete; there is no "
            "file with them all: print again to have it.",
            file=sys.stderr,
        )
        return 130
    except NoPreviewsAfterRelease as exc:
        raise CohortUsageError(
            f"{args.db}: {exc.reason}, so there are no previews to print; print the "
            "candidates' score reports without --preview"
        ) from None
    except ResultsNotReleased as exc:
        raise CohortUsageError(f"{args.db}: {exc}") from None
    finally:
        bar.close()
    kind = "preview reports" if results.released_at is None else "score reports"
    combined = [p for p in run.written if p.name == combined_file_name(results)]
    print(f"Wrote {len(run.written) - len(combined)} {kind} to {args.outdir}")
    for path in combined:
        print(f"  and all of them in one file: {path.name}")
    for code, why in run.skipped:
        print(f"Skipped {code}: {why}", file=sys.stderr)
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import export_summary

    _output_file(args.out, ".xlsx", "the summary is an Excel workbook")
    bar = ProgressBar("Writing summary")
    try:
        results, path = export_summary(_ref(args), args.out, progress=bar)
    finally:
        bar.close()
    state = "released" if results.released_at else "provisional (not released)"
    print(f"Wrote the cohort summary to {path}: {len(results.candidates)} candidates, {state}")
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import check_cohort

    if not args.db.is_file():
        raise CohortUsageError(f"{args.db}: no such cohort file")
    check_cohort(_ref(args))  # a file that is not a cohort is refused here, with exit code 2
    from icg_desk.ui.app import run_coordinator

    return run_coordinator(args.db)


def cmd_demo(args: argparse.Namespace) -> int:
    from icg_desk.demo.cohort import score_batch, write_demo_inputs

    if args.score:
        for path in args.score:
            scored = score_batch(path)  # a file that is not a batch: a UserError for cli.main
            print(f"  {path}: {scored} portfolios scored")
        return 0
    if args.folder is None:
        raise CohortUsageError("give a FOLDER for the sample roster, or --score BATCH...")
    if args.build:
        return _demo_cohort(args)
    if args.folder.exists() and any(args.folder.iterdir()):
        raise CohortUsageError(f"{args.folder}: is not empty; give a new folder")
    inputs = write_demo_inputs(args.folder, candidates=args.candidates, scorers=args.scorers)
    print(f"Wrote a sample roster of {args.candidates} candidates to {inputs.roster}")
    print(f"  their entry documents in {inputs.documents}")
    print(f"  {args.scorers} scorers in {inputs.scorers}")
    return 0


def _demo_cohort(args: argparse.Namespace) -> int:
    """The whole path to merged reads in FOLDER; kept and reopened when it is already there."""
    from icg_desk.demo.cohort import DEMO_COHORT_FILE, build_demo_cohort

    path = args.folder / DEMO_COHORT_FILE
    if path.is_file():
        print(f"Opening your demo cohort {path} (remove {args.folder} for a new one)")
    elif args.folder.exists() and any(args.folder.iterdir()):
        raise CohortUsageError(f"{args.folder}: is not empty; give a new folder")
    else:
        path = build_demo_cohort(args.folder, candidates=args.candidates, scorers=args.scorers)
        print(
            f"Made a demo cohort of {args.candidates} candidates and {args.scorers} scorers, "
            f"every read merged and ready to release: {path}"
        )
    if not args.open:
        return 0
    from icg_desk.ui.app import run_coordinator

    return run_coordinator(path)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 5000:
        raise argparse.ArgumentTypeError(f"{value} is out of range (1 to 5000)")
    return value


def add_cohort_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cohort = sub.add_parser(
        "cohort",
        help="run a cohort: import, assign, send batches out, merge them back",
        description="The coordinator's commands, on one cohort database (.icgcohort).",
    )
    commands = cohort.add_subparsers(dest="cohort_command", metavar="COMMAND", required=True)

    def command(name: str, help_: str, func: object) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_, description=help_[0].upper() + help_[1:])
        parser.set_defaults(func=func)
        return parser

    init = command("init", "make a new cohort database", cmd_init)
    init.add_argument("db", type=Path, metavar="DB", help="the cohort file to make (.icgcohort)")
    init.add_argument("--name", required=True, help="the cohort, e.g. 2026-27")
    init.add_argument(
        "--rubric", default=DEFAULT_EDITION, metavar="EDITION", help="rubric edition or .toml file"
    )

    template = command("template", "write the roster template workbook", cmd_template)
    template.add_argument("out", type=Path, metavar="OUT.xlsx")
    template.add_argument("--rubric", default=DEFAULT_EDITION, metavar="EDITION")

    import_ = command("import", "import candidates and their entry documents", cmd_import)
    import_.add_argument("db", type=Path, metavar="DB")
    import_.add_argument("roster", type=Path, metavar="ROSTER", help="roster .xlsx or .csv")
    import_.add_argument(
        "documents",
        type=Path,
        metavar="DOCUMENTS",
        help="folder of entry documents (<id>_entry<N>.docx/.txt/.md)",
    )
    import_.add_argument(
        "--valid-only", action="store_true", help="import the valid rows and report the others"
    )

    scorers = command("scorers", "import the scorers sheet", cmd_scorers)
    scorers.add_argument("db", type=Path, metavar="DB")
    scorers.add_argument("sheet", type=Path, metavar="SHEET", help="scorers .xlsx or .csv")

    assign = command("assign", "give each portfolio to its scorers (or move one)", cmd_assign)
    assign.add_argument("db", type=Path, metavar="DB")
    assign.add_argument(
        "--seed",
        type=int,
        default=1,
        help="the same seed, the same plan; it places only the reads not yet assigned (those "
        "already assigned are kept, so assigning again adds only what is still missing)",
    )
    assign.add_argument(
        "--reads", type=int, default=None, help="reads per portfolio (default: the rubric's)"
    )
    assign.add_argument(
        "--move",
        nargs=3,
        metavar=("CANDIDATE", "FROM", "TO"),
        help="move one read from a scorer to another",
    )

    batches = command("batches", "write one batch file per scorer", cmd_batches)
    batches.add_argument("db", type=Path, metavar="DB")
    batches.add_argument("outdir", type=Path, metavar="OUTDIR")

    adjudicate = command(
        "adjudicate", "send the flagged portfolios to adjudicators", cmd_adjudicate
    )
    adjudicate.description = (
        "Write one adjudication batch per adjudicator (a scorer whose role is adjudicator) "
        "with the flagged portfolios only: each asks for the factors of its open flags (a "
        "discrepant factor; for a decision split, the factors that split it). An adjudicator "
        "never gets a portfolio they read or have a conflict with; the portfolios are shared "
        "out evenly. Refused, with nothing written, when a flagged portfolio has no eligible "
        "adjudicator. Merge the returned batches with `cohort merge`."
    )
    adjudicate.add_argument("db", type=Path, metavar="DB")
    adjudicate.add_argument("outdir", type=Path, metavar="OUTDIR")

    merge = command("merge", "merge returned batch files and summaries", cmd_merge)
    merge.add_argument("db", type=Path, metavar="DB")
    merge.add_argument(
        "files",
        type=Path,
        nargs="+",
        metavar="FILE",
        help="returned batches (.icgbatch) and summaries (.xlsx), or patterns such as "
        "returned/*.xlsx; a pattern that matches no file is noted and left out",
    )

    status = command("status", "how far the cohort's scoring is", cmd_status)
    status.add_argument("db", type=Path, metavar="DB")
    status.add_argument("--json", action="store_true", help="print one JSON object")

    results = command("results", "every candidate's scores and decision", cmd_results)
    results.add_argument("db", type=Path, metavar="DB")
    results.add_argument(
        "--json", action="store_true", help="print one JSON object (scores as 2-decimal strings)"
    )

    agreement = command(
        "agreement", "how far scorers agree; each scorer's severity and drift", cmd_agreement
    )
    agreement.description = (
        "Agreement of the complete reads: exact, same level, quadratic weighted kappa and "
        "Krippendorff's alpha (ordinal), for the cohort and each factor; each scorer's "
        "agreement, severity (mean difference from the other reads of the same portfolios, "
        "with a 95% simultaneous interval) and drift per week (docs/agreement.md)."
    )
    agreement.add_argument("db", type=Path, metavar="DB")
    agreement.add_argument("--json", action="store_true", help="print one JSON object")

    quality = command(
        "quality-report",
        "print the scoring quality report (the agreement figures and charts) as a PDF",
        cmd_quality_report,
    )
    quality.add_argument("db", type=Path, metavar="DB")
    quality.add_argument("out", type=Path, metavar="OUT.pdf")
    add_unlock(command)

    flags = command("flags", "every flag: discrepant factors and decision splits", cmd_flags)
    flags.add_argument("db", type=Path, metavar="DB")
    flags.add_argument("--json", action="store_true", help="print one JSON object")

    accept = command(
        "accept", "accept a candidate's flagged result with a written reason", cmd_accept
    )
    accept.description = (
        "Accept one open flag of one candidate with a written reason, kept in the cohort's "
        "audit log with who and when: the decision split, or with --factor the discrepancy of "
        "that factor. A flag accepted on some reads opens again when a later merge changes them."
    )
    accept.add_argument("db", type=Path, metavar="DB")
    accept.add_argument("candidate", metavar="CODE", help="the candidate code (or roster id)")
    accept.add_argument(
        "--factor", metavar="KEY", default=None, help="the discrepant factor's key, e.g. data"
    )
    accept.add_argument("--reason", required=True, metavar="TEXT", help="why the result stands")
    accept.add_argument(
        "--by", default=None, metavar="NAME", help="who accepts (default: your user name)"
    )

    release = command("release", "release the results, which locks them", cmd_release)
    release.add_argument("db", type=Path, metavar="DB")

    def by_option(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--by", default=None, metavar="NAME", help="who does it (default: your user name)"
        )

    backread_ = command(
        "backread", "pull a sample of each scorer's completed reads for a second look", cmd_backread
    )
    backread_.description = (
        "Backreading: a seeded random sample of each scorer's completed reads (every factor "
        "merged; not withdrawn; not backread already) is given to a reader, a scorer whose "
        "role is adjudicator who has not read the portfolio and has no conflict with it, as a "
        "backread. It goes out in the reader's next batch (cohort batches) and merges like any "
        "batch; it never counts toward a result, never raises a flag and is not one of the "
        "reads compared; cohort agreement shows each scorer's differences from their "
        "backreads. Refused, with nothing changed, for an unknown reader or one who is not an "
        "adjudicator, too few reads, and released results. Kept in the cohort's log."
    )
    backread_.add_argument("db", type=Path, metavar="DB")
    backread_.add_argument(
        "--reader", required=True, metavar="ID", help="the adjudicator who backreads"
    )
    how_many = backread_.add_mutually_exclusive_group(required=True)
    how_many.add_argument(
        "--per-scorer", type=int, metavar="N", help="pull N more of each scorer's reads"
    )
    how_many.add_argument(
        "--share",
        type=_share_argument,
        metavar="F",
        help="pull as many as bring each scorer's reads backread up to this share of their "
        "completed reads (0.1 or 10%%; at least one read of a scorer with any)",
    )
    backread_.add_argument(
        "--scorer",
        action="append",
        metavar="ID",
        help="only this scorer's reads (repeat for more; default: every scorer with a "
        "completed read)",
    )
    backread_.add_argument(
        "--seed", type=int, default=1, help="the same seed and cohort, the same sample"
    )
    by_option(backread_)

    reassign = command(
        "reassign", "take a read back from a scorer and give it to another", cmd_reassign
    )
    reassign.description = (
        "Take a candidate's read back from a scorer, sent or not, and give it to another "
        "scorer, who gets it in their next batch. A later return of the taken-back read in the "
        "first scorer's batch is refused for that portfolio (the rest of that file merges). "
        "Refused for a read that came back complete, a scorer who already reads it or has a "
        "conflict, and once the results are released. Kept in the cohort's log (cohort log)."
    )
    reassign.add_argument("db", type=Path, metavar="DB")
    reassign.add_argument("candidate", metavar="CODE", help="the candidate code (or roster id)")
    reassign.add_argument("--from", dest="from_scorer", required=True, metavar="SCORER")
    reassign.add_argument("--to", dest="to_scorer", required=True, metavar="SCORER")
    reassign.add_argument("--reason", required=True, metavar="TEXT", help="why")
    by_option(reassign)

    withdraw = command("withdraw", "withdraw a candidate (or reinstate with --undo)", cmd_withdraw)
    withdraw.description = (
        "Withdraw a candidate: their reads are no longer needed, results show them as "
        "withdrawn (not waiting, not counted), release does not wait for them, no report is "
        "printed for them and their returned reads are refused. --undo reinstates them. Kept "
        "in the cohort's log (cohort log)."
    )
    withdraw.add_argument("db", type=Path, metavar="DB")
    withdraw.add_argument("candidate", metavar="CODE", help="the candidate code (or roster id)")
    withdraw.add_argument("--reason", required=True, metavar="TEXT", help="why")
    withdraw.add_argument("--undo", action="store_true", help="reinstate a withdrawn candidate")
    by_option(withdraw)

    bank = command("bank", "bank retake candidates' scores from last cycle's results", cmd_bank)
    bank.description = (
        "Bank the factor scores of this cohort's retake candidates from last cycle's cohort "
        "file (.icgcohort, exact scores) or its summary workbook (.xlsx, two decimals). Each "
        "candidate of that file who is in this cohort (by roster id) and was not certified is "
        "banked, with the cycle (the file's cohort name, or --cycle). The factors retaken are "
        "those the roster names (retake_factors), else those below the floor last cycle. Their "
        "portfolios then ask scorers for the retaken factors only, and each is read twice. "
        "Checked whole: any problem names the file and row, and nothing is banked (exit 2)."
    )
    bank.add_argument("db", type=Path, metavar="DB")
    bank.add_argument("file", type=Path, metavar="FILE", help="last cycle's .icgcohort or .xlsx")
    bank.add_argument(
        "--cycle", default=None, metavar="NAME", help="the cycle the scores are from (e.g. 2025-26)"
    )

    conflicts = command(
        "conflicts", "two copies of a read edited apart, both versions side by side", cmd_conflicts
    )
    conflicts.description = (
        "Every conflict still open: a returned copy of a read that neither continues the "
        "version merged nor is an older copy of it (two copies of one batch edited apart). "
        "Kept aside at merge, never applied; the candidate waits and release is refused until "
        "you choose one with cohort resolve."
    )
    conflicts.add_argument("db", type=Path, metavar="DB")
    conflicts.add_argument("--json", action="store_true", help="print one JSON object")

    resolve = command(
        "resolve", "choose one version of a read kept aside as a conflict", cmd_resolve
    )
    resolve.description = (
        "Resolve a conflict between two copies of a read: --take merged keeps the version "
        "merged; --take returned puts the returned copy's scores and rationales in its place, "
        "and later copies continuing it merge. With a written reason, kept in the cohort's log "
        "(cohort log). Refused once the results are released."
    )
    resolve.add_argument("db", type=Path, metavar="DB")
    resolve.add_argument("candidate", metavar="CANDIDATE", help="the candidate code (or roster id)")
    resolve.add_argument("scorer", metavar="SCORER", help="the scorer id whose read it is")
    resolve.add_argument("--take", required=True, choices=("merged", "returned"))
    resolve.add_argument("--reason", required=True, metavar="TEXT", help="why")
    by_option(resolve)

    reopen = command("reopen", "reopen released results, with a reason", cmd_reopen)
    reopen.description = (
        "Reopen released results: every step unlocks; release again to lock them. Reports "
        'printed after that release say "Amended" with its date. Kept in the cohort\'s log.'
    )
    reopen.add_argument("db", type=Path, metavar="DB")
    reopen.add_argument("--reason", required=True, metavar="TEXT", help="why")
    by_option(reopen)

    log = command("log", "the ways out taken: reads taken back, withdrawals, reopenings", cmd_log)
    log.add_argument("db", type=Path, metavar="DB")
    log.add_argument("--json", action="store_true", help="print one JSON object")

    reports = command("reports", "print every candidate's score report, with names", cmd_reports)
    reports.description = (
        "Print every candidate's score report, with names: one PDF per candidate and all of "
        "them in one file. Only released results print the candidates' copies; before release "
        "this is refused unless --preview is given, and once released --preview is refused. "
        "Nothing is written (not even OUTDIR) when refused. A cohort of 100 or more prints on "
        "every core (ICG_DESK_REPORT_WORKERS=N sets the number of worker processes; 0: one "
        "process). Ctrl+C stops every worker; the reports written by then are whole."
    )
    reports.add_argument("db", type=Path, metavar="DB")
    reports.add_argument("outdir", type=Path, metavar="OUTDIR", help="folder for the PDFs")
    reports.add_argument(
        "--preview",
        action="store_true",
        help="before release: print previews, marked as such on every page and in every file "
        "name; refused (exit 2) once the results are released (then print without it)",
    )

    summary = command("summary", "write the coordinator's summary workbook", cmd_summary)
    summary.add_argument("db", type=Path, metavar="DB")
    summary.add_argument("out", type=Path, metavar="OUT.xlsx")

    for writing in (
        import_,
        scorers,
        assign,
        batches,
        adjudicate,
        merge,
        accept,
        release,
        reassign,
        withdraw,
        reopen,
        bank,
        resolve,
        backread_,
    ):
        writing.add_argument(
            "--wait",
            type=seconds,
            default=0.0,
            metavar="SECONDS",
            help="when the cohort is open in the Coordinator window or another command, wait "
            "up to SECONDS for it before giving up (default: give up at once, exit 2)",
        )

    add_keys_commands(commands)  # cohort keys, cohort seed (validity and practice portfolios)

    open_ = command("open", "open the Coordinator window on a cohort", cmd_open)
    open_.add_argument("db", type=Path, metavar="DB")

    demo = command("demo", "write a sample roster, scorers and documents to try", cmd_demo)
    demo.add_argument("folder", type=Path, nargs="?", metavar="FOLDER", help="a new folder")
    demo.add_argument("--candidates", type=_count, default=12)
    demo.add_argument("--scorers", type=_count, default=3)
    demo.add_argument(
        "--build",
        action="store_true",
        help="run the whole path in FOLDER: a cohort with every read merged, ready to release",
    )
    demo.add_argument("--open", action="store_true", help="with --build: open it in the window")
    demo.add_argument(
        "--score",
        type=Path,
        nargs="+",
        metavar="BATCH",
        help="instead: fill these exported batches with sample reads, as if scored",
    )
