"""The agreement figures of a cohort (docs/agreement.md): a read-only step.

Like `operations.cohort.results`: it opens the cohort file (checked, and migrated when older,
like every step) and reads it in one transaction; it takes no lock, as it writes nothing.
"""

from __future__ import annotations

from pathlib import Path

from icg_desk.export.quality_report import write_quality_report
from icg_desk.models.agreement import CohortAgreement, cohort_agreement
from icg_desk.models.cohort_file import CohortFile
from icg_desk.operations.cohort import CohortRef


def agreement(ref: CohortRef) -> CohortAgreement:
    with CohortFile.open(ref.path) as cohort:
        return cohort_agreement(cohort)


def quality_report(ref: CohortRef, target: Path) -> tuple[CohortAgreement, Path]:
    """The scoring quality report (export/quality_report.py) at `target`: the figures of
    `agreement`, read in one transaction, and their charts, written whole or not at all."""
    found = agreement(ref)
    return found, write_quality_report(found, target)
