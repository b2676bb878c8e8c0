"""Flags on a candidate's reads, and whether a candidate's result is final: pure rules.

Two kinds of flag, as the rubric's read policy says (docs/scoring.md, "Several reads"):

- a **discrepancy**: the complete reads of one factor differ by more than the rubric's
  discrepancy threshold (one flag per factor);
- a **decision split**: two complete reads disagree on the decision (one certifies, the other
  does not) or put a factor on either side of the factor floor (one flag per candidate).

A flag is open until it is adjudicated or accepted by the coordinator with a reason; how that is
kept is the models layer's business (models/flags.py). Whether a result is final is decided here,
once, for every surface: `result_state`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from itertools import combinations

from icg_desk.scoring.decision import Decision, Status, decide, weighted_mean
from icg_desk.scoring.reads import decision_disagreement
from icg_desk.scoring.rubric import Rubric
from icg_desk.scoring.scale import format_score


class FlagKind(StrEnum):
    DISCREPANCY = "discrepancy"
    DECISION_SPLIT = "decision_split"


class FlagState(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"  # by the coordinator, with who, when and a written reason
    ADJUDICATED = "adjudicated"  # an adjudicator's score closed it (a later step sets this)
    CLEARED = "cleared"  # the reads no longer disagree (a later file changed them)


CLOSED = frozenset({FlagState.ACCEPTED, FlagState.ADJUDICATED})


@dataclass(frozen=True)
class ReadSide:
    """One complete read as a flag shows it beside the others."""

    scorer_id: str
    score: Fraction | None  # the factor's score (a discrepancy); None for a decision split
    overall: Fraction | None  # the read's own overall score (a decision split)
    headline: str  # the read's own decision (a decision split), or the score in words

    @property
    def text(self) -> str:
        if self.score is not None:
            return f"{self.scorer_id}: {format_score(self.score)}"
        return f"{self.scorer_id}: {self.headline}"


@dataclass(frozen=True)
class FlagCondition:
    """A disagreement found in the complete reads of one candidate."""

    kind: FlagKind
    factor: str  # the factor key of a discrepancy; "" for a decision split
    reads: tuple[ReadSide, ...]  # every complete read, in scorer id order
    reasons: tuple[str, ...]  # in words, for people
    # What the flag is about, as text: the reads it was raised on. A flag accepted on some reads
    # is open again when the reads it is about change.
    fingerprint: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind.value, self.factor)


CompleteRead = tuple[str, Mapping[str, Fraction]]  # (scorer id, a score for every factor)


def flag_conditions(
    rubric: Rubric, reads: Sequence[CompleteRead], spreads: Mapping[str, Fraction] | None = None
) -> tuple[FlagCondition, ...]:
    """Every flag the complete reads of one candidate raise: discrepancies in rubric order, then
    the decision split. With fewer than two complete reads there is nothing to compare.

    `spreads`: each factor's highest read minus its lowest, when the caller has them (the
    results do, from combine_reads).
    """
    if len(reads) < 2:
        return ()
    reads = sorted(reads, key=lambda r: r[0])
    found: list[FlagCondition] = []
    threshold = rubric.reads.discrepancy
    for factor in rubric.factors:
        scores = [scores[factor.key] for _, scores in reads]
        spread = spreads[factor.key] if spreads is not None else max(scores) - min(scores)
        if spread <= threshold:
            continue
        sides = tuple(
            ReadSide(sid, s[factor.key], None, format_score(s[factor.key])) for sid, s in reads
        )
        found.append(
            FlagCondition(
                kind=FlagKind.DISCREPANCY,
                factor=factor.key,
                reads=sides,
                reasons=(
                    f"the reads of {factor.name} differ by {format_score(spread)}, more than "
                    f"{format_score(threshold)} ("
                    + " and ".join(format_score(s) for s in scores)
                    + ")",
                ),
                fingerprint=";".join(f"{sid}={format_score(s[factor.key])}" for sid, s in reads),
            )
        )
    if rubric.reads.flag_decision_disagreement and _may_split(rubric, reads):
        decisions = [(sid, decide(rubric, s)) for sid, s in reads]  # once per read
        reasons: list[str] = []
        for i, j in combinations(range(len(reads)), 2):
            (id_a, a), (id_b, b) = reads[i], reads[j]
            pair = (decisions[i][1], decisions[j][1])
            for why in decision_disagreement(rubric, a, b, pair):
                reasons.append(f"{why} [{id_a}, {id_b}]" if len(reads) > 2 else why)
        if reasons:
            sides = tuple(ReadSide(sid, None, d.overall, _read_headline(d)) for sid, d in decisions)
            found.append(
                FlagCondition(
                    kind=FlagKind.DECISION_SPLIT,
                    factor="",
                    reads=sides,
                    reasons=tuple(dict.fromkeys(reasons)),
                    fingerprint=";".join(
                        f"{sid}=" + ",".join(format_score(s[k]) for k in rubric.factor_keys)
                        for sid, s in reads
                    ),
                )
            )
    return tuple(found)


def _may_split(rubric: Rubric, reads: Sequence[CompleteRead]) -> bool:
    """Whether the reads might disagree on the decision: the same certification and the same
    factors below the floor in every read cannot (a quick test before deciding each read)."""
    floor, needed = rubric.thresholds.factor_floor, rubric.thresholds.certification
    first: tuple[frozenset[str], bool] | None = None
    for _, scores in reads:
        below = frozenset(k for k, v in scores.items() if v < floor)
        if rubric.equal_weights:  # the sum against the threshold times the count: no division
            certifies = sum(scores.values(), Fraction(0)) >= needed * len(scores)
        else:
            certifies = weighted_mean(rubric, scores) >= needed
        if first is None:
            first = (below, certifies)
        elif (below, certifies) != first:
            return True
    return False


def _read_headline(decision: Decision) -> str:
    overall = "" if decision.overall is None else f" {format_score(decision.overall)}"
    if decision.status is Status.CERTIFIED:
        return f"Certified{overall}"
    if decision.retake:
        return f"{decision.headline} (overall{overall})"
    return f"Not certified{overall}"


# --- final or waiting ----------------------------------------------------------------------------


class Standing(StrEnum):
    FINAL = "final"
    WAITING = "waiting"
    WITHDRAWN = "withdrawn"  # no result: the candidate was withdrawn (neither final nor waiting)


@dataclass(frozen=True)
class ResultState:
    """Whether a candidate's result is final, and if not what it waits for.

    The one answer every surface gives (results text and JSON, status, the summary workbook,
    the Coordinator window): a waiting candidate is never counted as certified, whatever the
    reads in so far say.
    """

    standing: Standing
    status: Status  # the decision as the complete reads stand (final only when standing is)
    reads_missing: int  # reads needed that no scorer has started (or that are not assigned)
    reads_in_progress: int  # reads a scorer has started but not completed
    flags_open: tuple[str, ...]  # each open flag in words ("Data: discrepancy")
    waiting_for: tuple[str, ...]  # why it is not final, in words; empty when final
    # Open conflicts between two copies of one of its reads, kept aside at merge.
    conflicts: int = 0

    @property
    def final(self) -> bool:
        return self.standing is Standing.FINAL

    @property
    def counts_as(self) -> Status | None:
        """The decision to count the candidate under: None while waiting."""
        return self.status if self.final else None

    @property
    def label(self) -> str:
        """`Final`, `Withdrawn` or `Waiting: 1 read missing; 1 flag open`."""
        if self.standing is Standing.WITHDRAWN:
            return "Withdrawn"
        return "Final" if self.final else "Waiting: " + "; ".join(self.waiting_for)

    @property
    def waiting(self) -> bool:
        return self.standing is Standing.WAITING


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what.replace('read ', 'reads ', 1)}"


def result_state(
    *,
    reads_needed: int,
    reads_in: int,
    reads_in_progress: int,
    flags_open: Sequence[str],
    decision: Decision,
    conflicts: int = 0,
) -> ResultState:
    """Final when every read needed is complete, no flag is open, no conflict between two
    copies of a read is open (models/conflicts.py) and every factor is scored."""
    in_progress = max(0, min(reads_in_progress, reads_needed - reads_in))
    missing = max(0, reads_needed - reads_in - in_progress)
    why: list[str] = []
    if missing:
        why.append(_count(missing, "read missing"))
    if in_progress:
        why.append(_count(in_progress, "read in progress"))
    if flags_open:
        why.append(f"{len(flags_open)} flag{'s' if len(flags_open) != 1 else ''} open")
    if conflicts:
        why.append(
            "a conflict between two copies"
            if conflicts == 1
            else f"{conflicts} conflicts between two copies"
        )
    if not why and decision.status is Status.INCOMPLETE:
        why.append(decision.headline)
    return ResultState(
        standing=Standing.WAITING if why else Standing.FINAL,
        status=decision.status,
        reads_missing=missing,
        reads_in_progress=in_progress,
        flags_open=tuple(flags_open),
        waiting_for=tuple(why),
        conflicts=conflicts,
    )


# --- what adjudication asks for ------------------------------------------------------------------


def split_factors(rubric: Rubric, reads: Sequence[CompleteRead]) -> tuple[str, ...]:
    """The factors that split a decision, in rubric order: the ones an adjudicator is asked for
    to resolve a decision split.

    Under the rubric's floor rule, a factor on either side of the factor floor splits it; under
    its certification rule, when the reads disagree on certifying, every factor whose reads
    differ does (any of them may move the overall across the threshold). Empty when the reads
    do not split the decision.
    """
    if len(reads) < 2:
        return ()
    floor, needed = rubric.thresholds.factor_floor, rubric.thresholds.certification
    certifies = {weighted_mean(rubric, scores) >= needed for _, scores in reads}
    found: list[str] = []
    for key in rubric.factor_keys:
        values = [scores[key] for _, scores in reads]
        straddles = len({v < floor for v in values}) > 1
        differs = len(set(values)) > 1
        if straddles or (len(certifies) > 1 and differs):
            found.append(key)
    return tuple(found)


def adjudication_factors(
    rubric: Rubric,
    reads: Sequence[CompleteRead],
    open_flags: Sequence[tuple[FlagKind, str]],
    adjudicated: Sequence[str] = (),
) -> tuple[str, ...]:
    """The factors to adjudicate for a candidate's open flags, in rubric order: each open
    discrepancy's factor, and the factors that split an open decision split; less those an
    adjudicator scored already."""
    wanted: set[str] = set()
    for kind, factor in open_flags:
        if kind is FlagKind.DISCREPANCY:
            wanted.add(factor)
        elif kind is FlagKind.DECISION_SPLIT:
            wanted.update(split_factors(rubric, reads))
    done = set(adjudicated)
    return tuple(k for k in rubric.factor_keys if k in wanted and k not in done)
