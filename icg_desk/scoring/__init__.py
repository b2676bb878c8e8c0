"""The rules of scoring, as pure functions: no Qt, no database, no files."""

from icg_desk.scoring.decision import Decision, Status, decide, threshold_crossings, weighted_mean
from icg_desk.scoring.reads import (
    FactorResult,
    RetakeScore,
    apply_retake,
    combine_reads,
    decision_disagreement,
    retake_score,
)
from icg_desk.scoring.rubric import (
    Entry,
    Factor,
    Level,
    LinkPolicy,
    ReadPolicy,
    RetakePolicy,
    Rubric,
    Thresholds,
)
from icg_desk.scoring.scale import Scale, ScaleValue, ScoreError, format_score, to_decimal

__all__ = [
    "Decision",
    "Entry",
    "Factor",
    "FactorResult",
    "Level",
    "LinkPolicy",
    "ReadPolicy",
    "RetakeScore",
    "RetakePolicy",
    "Rubric",
    "Scale",
    "ScaleValue",
    "ScoreError",
    "Status",
    "Thresholds",
    "apply_retake",
    "combine_reads",
    "decide",
    "decision_disagreement",
    "format_score",
    "retake_score",
    "threshold_crossings",
    "to_decimal",
    "weighted_mean",
]
