"""What the scorer's operations record in the batch about its files (not about its scores)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from icg_desk.models.batch_file import BatchFile
from icg_desk.models.schema import BatchInfo


def record_summary_export(batch: BatchFile, exported_at: datetime) -> None:
    """Stamp the batch with the time its summary workbook was written (as the workbook says).

    A step of its own, after the workbook is in place: the writer only reads the batch, so a
    cancelled or failed export leaves the batch as it was.
    """
    with batch.transaction() as session:
        session.execute(update(BatchInfo).values(exported_at=exported_at))
    # The batch's identity is cached; the next reader should see the new export time.
    vars(batch).pop("identity", None)
