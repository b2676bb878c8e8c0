"""The agreement figures of a cohort (docs/agreement.md): a read-only step.

Like `operations.cohort.results`: it opens the cohort file (checked, and migrated when older,
like every step) and reads it in one transaction; it takes no lock, as it writes nothing.
"""

from __future__ import annotations

from icg_desk.models.agreement import CohortAgreement, cohort_agreement
from icg_desk.models.cohort_file import CohortFile
from icg_desk.operations.cohort import CohortRef


def agreement(ref: CohortRef) -> CohortAgreement:
    with CohortFile.open(ref.path) as cohort:
        return cohort_agreement(cohort)
