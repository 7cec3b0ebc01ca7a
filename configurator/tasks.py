"""Background work for the configurator, on the Celery `render` queue (see
`CELERY_TASK_ROUTES` in shop/settings.py). `configurator.production` queues these tasks by
name (`production.RENDER_TASK`), so this module builds on production, never the reverse."""

from celery import shared_task

from .production import render_job_run


@shared_task(bind=True)
def render_design_job(self, job_id: int) -> bool:
    """Render a queued job's production files. A delivery the broker flags as redelivered
    (its worker died: acks_late and reject_on_worker_lost are on) takes the job over."""
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    return render_job_run(job_id=job_id, redelivered=redelivered)
