"""Render jobs: staff's "render production files", run by a Celery task on the `render`
queue, eagerly here and on a real worker over Redis."""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from kombu import Connection

from configurator import production, renditions, services
from configurator.engine.mesh import MeshError
from configurator.models import RenderJob, Rendition
from configurator.tasks import render_design_job
from shop.celery import app
from tests.shop.test_celery_redis import _forget_broker_connections, wait_until
from tests.tools import needs, tool_missing

from .designs import saved_design

REDIS_URL = os.environ.get("CASEFORGE_TEST_REDIS_URL", "")
REDIS_MISSING = "set CASEFORGE_TEST_REDIS_URL=redis://127.0.0.1:6379/8 to run against Redis"
needs_redis = needs(REDIS_URL, REDIS_MISSING)

Status = RenderJob.Status
Kind = Rendition.Kind
ALL = len(production.PRODUCTION_KINDS)


def current_kinds(design) -> set[str]:
    return set(production.renditions_current(design=design))


@pytest.mark.django_db
def test_a_job_renders_every_production_file_and_counts_each(
    django_capture_on_commit_callbacks, monkeypatch
):
    """Started, the job runs once its transaction commits (eagerly without a broker): it
    renders each kind in turn, counting each as done, and ends DONE with every file."""
    design = saved_design()
    seen = []
    real = renditions.rendition_get_or_create

    def watched(*, design, kind):
        seen.append((kind, RenderJob.objects.get().done))
        return real(design=design, kind=kind)

    monkeypatch.setattr(renditions, "rendition_get_or_create", watched)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = production.render_job_start(design=design)
        assert RenderJob.objects.get().status == Status.QUEUED
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.error) == (Status.DONE, ALL, ALL, "")
    assert job.started_at <= job.finished_at
    assert seen == [(kind, i) for i, kind in enumerate(production.PRODUCTION_KINDS)]
    assert current_kinds(design) == set(Kind.values)


@pytest.mark.django_db
def test_a_job_for_some_kinds_renders_only_those(django_capture_on_commit_callbacks):
    design = saved_design()
    with django_capture_on_commit_callbacks(execute=True):
        job = production.render_job_start(design=design, kinds=[Kind.PREFLIGHT, Kind.STL])
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (Status.DONE, 2, 2)
    assert current_kinds(design) == {Kind.PREFLIGHT, Kind.STL}


@pytest.mark.django_db
def test_an_unknown_kind_is_refused_and_queues_nothing():
    with pytest.raises(services.Invalid):
        production.render_job_start(design=saved_design(), kinds=["png-of-the-artwork"])
    assert not RenderJob.objects.exists()


@pytest.mark.django_db
def test_the_render_task_is_routed_to_the_render_queue():
    """The task goes to the `render` queue, not the default one (mail, imports)."""
    route = app.amqp.router.route({}, render_design_job.name, args=(1,), kwargs={})
    assert route["queue"].name == "render"


def test_production_queues_the_render_task_by_its_registered_name():
    """`production` names the task it queues (it never imports the tasks module)."""
    assert render_design_job.name == production.RENDER_TASK


@pytest.mark.django_db
def test_a_failing_render_marks_the_job_failed_with_one_line(
    django_capture_on_commit_callbacks, monkeypatch
):
    """A renderer that raises ends the job FAILED, with the files before it done and a
    one-line message naming the file; the files already made stay."""
    design = saved_design()

    def broken(d):
        raise MeshError("the case mesh is not watertight\n(open edges: 12)")

    monkeypatch.setitem(renditions.RENDERERS, Kind.STL, broken)
    with django_capture_on_commit_callbacks(execute=True):
        job = production.render_job_start(design=design)
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.done == production.PRODUCTION_KINDS.index(Kind.STL)
    assert "\n" not in job.error
    assert "STL" in job.error and "not watertight" in job.error
    assert Kind.PRINT_PDF in current_kinds(design) and Kind.STL not in current_kinds(design)
    assert job.finished_at is not None


def running_job(design, *, claimed_ago: timedelta) -> RenderJob:
    """A job a worker claimed `claimed_ago` and then stopped answering for (it died)."""
    return RenderJob.objects.create(
        design=design,
        kinds=[Kind.PREFLIGHT, Kind.STL],
        status=Status.RUNNING,
        done=1,
        started_at=timezone.now() - claimed_ago,
    )


@pytest.mark.django_db
def test_a_duplicate_delivery_leaves_a_freshly_claimed_job_alone():
    """A second, ordinary delivery of the task does not run a job another worker is
    running; nor one that has finished."""
    design = saved_design()
    job = running_job(design, claimed_ago=timedelta(seconds=5))
    assert production.render_job_run(job_id=job.pk) is False
    job.refresh_from_db()
    assert (job.status, job.done) == (Status.RUNNING, 1)
    assert current_kinds(design) == set()
    RenderJob.objects.filter(pk=job.pk).update(status=Status.DONE)
    assert production.render_job_run(job_id=job.pk, redelivered=True) is False


@pytest.mark.django_db
def test_a_redelivered_task_takes_over_a_job_stuck_running():
    """The broker redelivers the task of a worker that died mid-job: the job, still RUNNING
    under the dead worker's claim, is taken over and finishes."""
    design = saved_design()
    job = running_job(design, claimed_ago=timedelta(seconds=5))
    assert production.render_job_run(job_id=job.pk, redelivered=True) is True
    job.refresh_from_db()
    assert (job.status, job.done, job.error) == (Status.DONE, 2, "")
    assert current_kinds(design) == {Kind.PREFLIGHT, Kind.STL}


@pytest.mark.django_db
def test_a_stale_claim_is_taken_over_by_any_delivery():
    """A job claimed longer ago than the stale limit (its worker died unnoticed) is taken
    over even by a delivery the broker did not flag as redelivered."""
    design = saved_design()
    job = running_job(design, claimed_ago=production.STALE_CLAIM + timedelta(minutes=1))
    assert production.render_job_run(job_id=job.pk) is True
    job.refresh_from_db()
    assert job.status == Status.DONE


@pytest.mark.django_db
def test_a_superseded_task_stops_writing(monkeypatch):
    """When a redelivery takes a job over, the first task stops at its next step and
    leaves the job to the one that took it over."""
    design = saved_design()
    job = RenderJob.objects.create(design=design, kinds=[Kind.PREFLIGHT, Kind.STL])
    real = renditions.rendition_get_or_create
    calls = []

    def taken_over_during_first_file(*, design, kind):
        calls.append(kind)
        result = real(design=design, kind=kind)
        if len(calls) == 1:  # meanwhile the broker redelivered the task to another worker
            RenderJob.objects.filter(pk=job.pk).update(started_at=timezone.now())
        return result

    monkeypatch.setattr(renditions, "rendition_get_or_create", taken_over_during_first_file)
    assert production.render_job_run(job_id=job.pk) is False
    assert calls == [Kind.PREFLIGHT]
    job.refresh_from_db()
    assert (job.status, job.done) == (Status.RUNNING, 0)


# --- a real worker on Redis ------------------------------------------------------------------


def _purge_render_queue() -> None:
    with Connection(REDIS_URL) as conn:
        conn.default_channel.queue_purge("render")


@pytest.fixture
def redis_app(transactional_db):
    """Celery talking to Redis (eager mode off); the `render` queue starts empty."""
    if not REDIS_URL:
        tool_missing(REDIS_MISSING)
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    _forget_broker_connections()
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    _purge_render_queue()
    try:
        yield app
    finally:
        _purge_render_queue()
        _forget_broker_connections()
        app.conf.update(saved)


@contextmanager
def render_worker():
    """A worker thread consuming the `render` queue only, as `celery -A shop worker -Q
    render` does."""
    # `-Q` selects the queues on the app itself, for every later worker of this process:
    # put the app's selection back afterwards (no public call for it).
    queues = app.amqp.queues
    saved = (queues._consume_from, dict(queues._default_consume_from))
    try:
        with start_worker(
            app,
            pool="solo",
            queues=["render"],
            perform_ping_check=False,
            shutdown_timeout=10,
            loglevel="WARNING",
        ):
            yield
    finally:
        queues._consume_from = saved[0]
        queues._default_consume_from = saved[1]


@pytest.mark.slow
@needs_redis
def test_a_worker_on_the_render_queue_runs_the_job(redis_app):
    """The job travels through Redis to a worker that consumes only the `render` queue,
    which renders every file; the web process renders nothing itself."""
    design = saved_design()
    job = production.render_job_start(design=design)  # autocommit: queued at once
    with render_worker():
        finished = wait_until(
            lambda: RenderJob.objects.get(pk=job.pk).status in (Status.DONE, Status.FAILED),
            timeout=120,
        )
    assert finished, "the worker did not finish the job within 120 s"
    job.refresh_from_db()
    assert (job.status, job.done, job.error) == (Status.DONE, ALL, "")
    assert current_kinds(design) == set(Kind.values)


@pytest.mark.slow
@needs_redis
def test_a_redelivered_message_takes_over_the_dead_workers_job(redis_app):
    """A worker took the message and died before acknowledging it (acks_late), leaving the
    job RUNNING. Redis gives the message back flagged as redelivered, and the next worker
    takes the stuck job over and finishes it."""
    design = saved_design()
    job = running_job(design, claimed_ago=timedelta(seconds=1))
    render_design_job.apply_async(args=[job.pk])
    # The "dead worker": receives the message and never acknowledges it. Closing its
    # channel is what the broker sees when a worker goes away: the message is restored.
    with Connection(REDIS_URL) as conn:
        queue = conn.SimpleQueue("render", no_ack=False)
        message = queue.get(timeout=10)
        assert message.payload[0] == [job.pk]
        assert not message.delivery_info.get("redelivered")
        queue.close()
    with render_worker():
        finished = wait_until(
            lambda: RenderJob.objects.get(pk=job.pk).status == Status.DONE, timeout=120
        )
    assert finished, "the stuck job was not taken over within 120 s"
    job.refresh_from_db()
    assert (job.done, job.total) == (2, 2)
    assert current_kinds(design) == {Kind.PREFLIGHT, Kind.STL}
