"""`icg-desk cohort keys` and `icg-desk cohort seed`: validity and practice portfolios.

Thin adapters over `operations.cohort` (docs/validity.md): import portfolios with agreed scores
from a sheet or from an earlier cohort, and seed them into the scorers' next batches.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from icg_desk.cli_common import UsageError, seconds

if TYPE_CHECKING:
    from icg_desk.operations.cohort import CohortRef

KINDS = ("validity", "practice")


class KeysUsageError(UsageError):
    """Input the coordinator can fix; printed without a traceback, exit code 2."""


def _ref(args: argparse.Namespace) -> CohortRef:
    from icg_desk.operations.cohort import CohortRef

    return CohortRef(
        Path(args.db), program=f"icg-desk cohort {args.cohort_command}", wait=args.wait
    )


def cmd_keys(args: argparse.Namespace) -> int:
    from icg_desk.models.roster import ImportLocked, ImportRejected
    from icg_desk.operations.cohort import import_keys, import_keys_from

    try:
        if args.earlier is not None:
            if args.sheet is not None or args.documents is not None:
                raise KeysUsageError(
                    "give either a sheet and its documents folder, or --from EARLIER.icgcohort "
                    "with --candidate, not both; nothing imported"
                )
            if not args.candidate:
                raise KeysUsageError(
                    "--from needs at least one --candidate ID of the earlier cohort; "
                    "nothing imported"
                )
            done = import_keys_from(_ref(args), args.earlier, args.candidate, args.kind)
        else:
            if args.sheet is None or args.documents is None:
                raise KeysUsageError(
                    "give the sheet (.xlsx or .csv) and the folder of its entry documents, or "
                    "--from EARLIER.icgcohort --candidate ID; nothing imported"
                )
            if args.candidate:
                raise KeysUsageError("--candidate goes with --from; nothing imported")
            done = import_keys(_ref(args), args.sheet, args.documents, args.kind)
    except ImportLocked as exc:
        raise KeysUsageError(f"{args.db}: {exc.locked}; nothing imported") from None
    except ImportRejected as exc:
        raise KeysUsageError(
            f"{args.sheet or args.earlier}: nothing imported; fix these and import again:\n{exc}"
        ) from None
    added = done.value
    for ident, code in added.added:
        print(f"  {ident}: {code}")
    print(
        f"Imported {len(added.added)} {added.kind} portfolios; seed them into the scorers' "
        "batches with `icg-desk cohort seed`"
    )
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from icg_desk.operations.cohort import seed

    done = seed(
        _ref(args),
        validity=args.validity,
        practice=args.practice,
        seed=args.seed,
        by=args.by or "",
        reason=args.reason or "",
    ).value
    for s in done.seeded:
        print(f"  {s.scorer_id}: {len(s.validity)} validity, {len(s.practice)} practice")
    print(done.summary())
    return 0


def add_keys_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`cohort keys` and `cohort seed`, added to `icg-desk cohort`'s commands."""

    def command(name: str, help_: str, func: object) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_, description=help_[0].upper() + help_[1:])
        parser.set_defaults(func=func)
        parser.add_argument("db", type=Path, metavar="DB")
        return parser

    keys = command("keys", "import validity or practice portfolios with agreed scores", cmd_keys)
    keys.description = (
        "Import portfolios with agreed scores, as validity portfolios (seeded blind among "
        "live ones to check scorers) or practice portfolios (scored before live scoring, then "
        "shown the key). From a sheet (.xlsx or .csv: portfolio_id, entryN_videos, one agreed "
        "score per factor key, optional rationale_<factor>) and the folder of its entry "
        "documents (<portfolio_id>_entryN.docx/.txt/.md); or from an earlier cohort's "
        "candidates whose results are adjudicated or released (--from, --candidate). Names are "
        "removed; each gets a blind code like a candidate's. Checked whole: any problem names "
        "the file, row and column, and nothing is imported (exit 2). See docs/validity.md."
    )
    keys.add_argument("sheet", type=Path, nargs="?", metavar="FILE", help="the sheet")
    keys.add_argument(
        "documents", type=Path, nargs="?", metavar="DOCUMENTS", help="its entry documents folder"
    )
    keys.add_argument("--kind", required=True, choices=KINDS)
    keys.add_argument(
        "--from",
        dest="earlier",
        type=Path,
        default=None,
        metavar="EARLIER.icgcohort",
        help="an earlier cohort's file: take its candidates (--candidate) instead of a sheet",
    )
    keys.add_argument(
        "--candidate",
        action="append",
        default=[],
        metavar="ID",
        help="a candidate id of the earlier cohort (repeat for more)",
    )

    seed = command("seed", "seed validity and practice portfolios into the next batches", cmd_seed)
    seed.description = (
        "For each scorer with reads not yet sent, add validity portfolios the scorer has not had "
        "so the next batch holds --validity of them (indistinguishable from the live ones), "
        "and --practice practice portfolios first for a scorer who has had no practice yet. "
        "Running it again adds nothing more. Refused, with nothing added, when there are too "
        "few. Kept in the cohort's log (cohort log)."
    )
    seed.add_argument("--validity", type=int, required=True, metavar="N")
    seed.add_argument("--practice", type=int, default=0, metavar="M")
    seed.add_argument("--seed", type=int, default=1, help="the same seed, the same choice")
    seed.add_argument("--reason", default="", metavar="TEXT", help="why (kept in the log)")
    seed.add_argument("--by", default="", metavar="NAME", help="who seeds (kept in the log)")

    for writing in (keys, seed):
        writing.add_argument(
            "--wait",
            type=seconds,
            default=0.0,
            metavar="SECONDS",
            help="when the cohort is open in the Coordinator window or another command, wait "
            "up to SECONDS for it before giving up (default: give up at once, exit 2)",
        )
