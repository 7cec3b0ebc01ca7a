"""Queues a large CSV import as an `ImportJob` for the Celery task that runs it.

This module sits above both `csv_import` (which reads, checks and runs imports) and `tasks`
(the Celery task that runs a queued job through `csv_import`), so neither imports the other
back.
"""

from __future__ import annotations

from django.db import transaction

from .csv_import import CsvFile
from .models import ImportJob
from .tasks import catalog_import_run


def import_job_start(*, kind: str, file_name: str, csv_file: CsvFile, user) -> ImportJob:
    """Queue a large import; a worker runs it once this transaction commits."""
    job = ImportJob.objects.create(
        kind=kind,
        file_name=file_name[:255],
        source=csv_file.text,
        rows_total=csv_file.rows,
        created_by=user,
    )
    # Without a broker the job runs in this request when it commits (eager mode): the
    # README asks for a worker in production.
    transaction.on_commit(lambda: catalog_import_run.delay(job.pk), robust=True)
    return job
