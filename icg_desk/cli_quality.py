"""`icg-desk cohort unlock`: the coordinator's calibration unlock code (docs/agreement.md).

Registered by cli_cohort beside the other commands; kept here, with its words, so the
commands of scorers' quality stay together.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from icg_desk.cli_common import seconds


def cmd_unlock(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import CohortRef
    from icg_desk.operations.unlocking import unlock

    ref = CohortRef(Path(args.db), program="icg-desk cohort unlock", wait=args.wait)
    done = unlock(ref, scorer=args.scorer, batch=args.batch, reason=args.reason, by=args.by).value
    print(f"Unlock code for batch {done.batch_id} of {done.scorer_id}: {done.code}")
    print(
        f"  Given by {done.by} at {done.at:%Y-%m-%d %H:%M} UTC: {done.reason} (kept in the "
        "cohort's log: icg-desk cohort log)"
    )
    print(
        "  The scorer types it in their batch to open the live portfolios without qualifying; "
        "their practice reads still come back and show in icg-desk cohort agreement."
    )
    return 0


def add_unlock(command: Callable[[str, str, object], argparse.ArgumentParser]) -> None:
    unlock = command(
        "unlock", "give a scorer the code that unlocks their batch's live portfolios", cmd_unlock
    )
    unlock.description = (
        "Print the unlock code of a batch sent with practice portfolios: the scorer types it "
        "to open the live portfolios without meeting the rubric's qualifying rule. Who, when, "
        "why, which scorer and batch are kept in the cohort's log (cohort log). Refused for an "
        "unknown scorer or batch, or a batch with no practice portfolios (docs/agreement.md)."
    )
    unlock.add_argument("db", type=Path, metavar="DB")
    which = unlock.add_mutually_exclusive_group(required=True)
    which.add_argument("--scorer", metavar="ID", help="the scorer (their one practice batch)")
    which.add_argument("--batch", metavar="BATCH_ID", help="the batch, by its id")
    unlock.add_argument("--by", required=True, metavar="NAME", help="who gives the code")
    unlock.add_argument("--reason", required=True, metavar="TEXT", help="why, for the log")
    unlock.add_argument(
        "--wait",
        type=seconds,
        default=0.0,
        metavar="SECONDS",
        help="when the cohort is open in the Coordinator window or another command, wait up to "
        "SECONDS for it before giving up (default: give up at once, exit 2)",
    )


def _share(value: object) -> str:
    return "-" if value is None else f"{float(value):.2f}"  # type: ignore[arg-type]


def _points(value: float | None) -> str:
    if value is None:
        return "-"
    shown = round(value, 2)
    return f"{shown if shown else 0.0:+.2f}"  # never "-0.00"


def quality_lines(found: object) -> list[str]:
    """The validity and practice figures as `cohort agreement` prints them, after the
    inter-rater figures (docs/agreement.md, "Validity" and "Practice")."""
    from icg_desk.models.agreement import CohortAgreement

    assert isinstance(found, CohortAgreement)
    figures = found.figures
    lines: list[str] = []
    validity = [s for s in figures.scorers if s.validity is not None]
    cohort = figures.validity
    if cohort is not None and validity:
        level = round(figures.confidence * 100)
        lines.append(
            f"Validity portfolios: {cohort.reads} complete reads, {cohort.compared} factor "
            f"scores against the agreed scores: exact {_share(cohort.exact)}, same level "
            f"{_share(cohort.same_level)}. Difference: the mean of (score - agreed score), points "
            f"(+ scores higher), with its {level}% interval (simultaneous)."
        )
        for s in validity:
            v = s.validity
            assert v is not None
            d = v.difference
            interval = (
                f" [{_points(d.low)}, {_points(d.high)}]"
                if d is not None and d.low is not None and d.high is not None
                else ""
            )
            flags = ", ".join(v.flags).upper()
            lines.append(
                f"  {s.scorer_id:<10} {v.reads:>5} reads  exact {_share(v.exact)}  same level "
                f"{_share(v.same_level)}  difference "
                f"{_points(None if d is None else d.value)}{interval}"
                + (f"  {flags}" if flags else "")
            )
    practice = [s for s in figures.scorers if s.practice is not None]
    if practice:
        rule = found.rubric.calibration
        lines.append(f"Practice portfolios, judged by the rubric's rule ({rule.words()}):")
        for s in practice:
            p = s.practice
            assert p is not None
            mark = "  NOT QUALIFIED" if p.flagged else ""
            lines.append(f"  {s.scorer_id:<10} {p.words()}{mark}")
    return lines
