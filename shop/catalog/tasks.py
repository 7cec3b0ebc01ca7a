"""Background work for the catalog."""

from celery import shared_task

from .csv_import import import_job_run


@shared_task
def catalog_import_run(job_id: int) -> None:
    """Run a queued CSV import job (once: a repeated delivery finds it already claimed)."""
    import_job_run(job_id=job_id)
