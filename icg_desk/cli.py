"""`icg-desk`: the command line. Bad input exits 2 with a message naming what is wrong."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import NoReturn

from icg_desk import __version__
from icg_desk.models.rubric_file import DEFAULT_EDITION, RubricError, rubric_from_argument
from icg_desk.paths import builtin_editions, data_dir
from icg_desk.scoring import ScoreError, decide, format_score
from icg_desk.scoring.rubric import Rubric

EXIT_USAGE = 2


class UsageError(Exception):
    """Input the person can fix; printed without a traceback, exit code 2."""


def _fail(prog: str, message: str) -> NoReturn:
    print(f"{prog}: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


# --- calc -----------------------------------------------------------------------------------


def _parse_scores(rubric: Rubric, raw: Sequence[str]) -> dict[str, Fraction]:
    keys = rubric.factor_keys
    if len(raw) != len(keys):
        raise UsageError(
            f"expected {len(keys)} scores, one per factor in this order: "
            f"{' '.join(keys)}; got {len(raw)}"
        )
    scores = {}
    for position, (key, text) in enumerate(zip(keys, raw, strict=True), start=1):
        try:
            scores[key] = rubric.scale.parse(text)
        except ScoreError as exc:
            raise UsageError(f"score {position} ({key}): {exc}") from None
    return scores


def cmd_calc(args: argparse.Namespace) -> int:
    rubric = rubric_from_argument(args.rubric)
    scores = _parse_scores(rubric, args.scores)
    decision = decide(rubric, scores)
    assert decision.overall is not None and decision.certified is not None
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


def cmd_demo(args: argparse.Namespace) -> int:
    from icg_desk.models.demo import write_demo_batch

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
        from icg_desk.ui.app import run

        return run(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_demo_batch(out, portfolios=args.portfolios, seed=args.seed, edition=args.rubric)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot be written: {exc.strerror or exc}") from None
    print(f"Wrote a demo batch of {args.portfolios} portfolios to {out}")
    if args.no_gui:
        return 0
    from icg_desk.ui.app import run

    return run(out)


def cmd_open(args: argparse.Namespace) -> int:
    path: Path = args.batch
    if not path.is_file():
        raise UsageError(f"{path}: no such batch file")
    from icg_desk.ui.app import run

    return run(path)


# --- the parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="icg-desk",
        description="ICG Desk: the scoring workstation for the ICG Coaching Certification.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # `icg-desk` alone is what a desktop shortcut runs: the window, with recent batches.
        from icg_desk.ui.app import run

        return run(None)
    prog = f"icg-desk {args.command}"
    try:
        result: int = args.func(args)
    except (UsageError, RubricError) as exc:
        _fail(prog, str(exc))
    return result
