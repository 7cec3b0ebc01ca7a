"""The paid-order pipeline, its steps run eagerly: into production, every designed line's
production files rendered once, the confirmation mail once in HTML and text, staff told."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core import mail

from configurator.models import Rendition
from configurator.production import rendition_current
from shop.orders import mails, pipeline, tasks
from shop.orders.models import OrderMail, Status
from shop.outbox.models import OutboxMessage

from .conftest import pay, place_designed_order

pytestmark = pytest.mark.django_db

Kind = Rendition.Kind
PRODUCTION = {Kind.PRINT_PNG, Kind.PRINT_PDF, Kind.STL, Kind.THREEMF}


def kinds_made(design) -> set[str]:
    return {k for k in Kind.values if rendition_current(design=design, kind=k)}


def test_paying_runs_the_whole_pipeline(cases, django_capture_on_commit_callbacks):
    """Paid: the order goes into production, its designed case's print PNG, PDF, STL and
    3MF are rendered, the shopper gets one confirmation (text and HTML) and staff one mail."""
    order = place_designed_order(cases)
    with django_capture_on_commit_callbacks(execute=True):
        assert pay(order) == "paid"
    order.refresh_from_db()
    assert order.status == Status.IN_PRODUCTION
    design = order.lines.get(design__isnull=False).design
    assert PRODUCTION | {Kind.PREVIEW} <= kinds_made(design)
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    to_shopper = [m for m in mail.outbox if m.to == ["ada@example.com"]]
    to_staff = [m for m in mail.outbox if m.to == ["staff@caseforge.local"]]
    assert len(to_shopper) == 1 and len(to_staff) == 1
    confirmation = to_shopper[0]
    assert order.number in confirmation.subject
    html, kind = confirmation.alternatives[0]
    assert kind == "text/html"
    for body in (confirmation.body, html):
        assert order.number in body
        assert "CLS-IP12-BLK" in body and "CLS-IP12-BLU" in body
        assert "1 Main St" in body and "Springfield" in body
        assert f"http://127.0.0.1:8000{order.get_absolute_url()}" in body
    assert "$" + str(order.total) in confirmation.body
    assert "paid" in to_staff[0].subject
    events = list(order.events.values_list("kind", flat=True))
    assert events.count("files_ready") == 1 and "production_files_ready" in events


def test_running_the_pipeline_again_does_nothing(cases, django_capture_on_commit_callbacks):
    """A repeated pipeline task finds the order in production already and queues nothing."""
    order = place_designed_order(cases)
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    queued = OutboxMessage.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.order_paid_pipeline(order.pk) is False
    assert OutboxMessage.objects.count() == queued
    assert order.events.filter(to_status=Status.IN_PRODUCTION).count() == 1


def test_the_pipeline_of_an_unknown_order_does_nothing():
    assert pipeline.pipeline_start(order_id=999_999) is False


def test_each_mail_is_sent_once(cases):
    """The confirmation and each staff alert go out once, however often their task runs."""
    order = place_designed_order(cases)
    pay(order)
    for _ in range(3):
        tasks.order_mail(order.pk, "confirmation")
        tasks.order_staff_alert(order.pk, "paid")
        tasks.order_staff_alert(order.pk, "payment_mismatch")
    assert len(mail.outbox) == 3
    assert set(OrderMail.objects.values_list("kind", flat=True)) == {
        "confirmation",
        "staff:paid",
        "staff:payment_mismatch",
    }
    assert not OrderMail.objects.filter(sent_at__isnull=True).exists()


def test_a_failed_send_is_not_marked_sent_and_is_sent_on_retry(cases, monkeypatch):
    """A mail server error leaves the mail unsent (the task retries); the retry sends it."""
    order = place_designed_order(cases)

    def refused(self, *args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.EmailMessage.send", refused)
        with pytest.raises(ConnectionRefusedError):
            mails.order_mail_send(order_id=order.pk, kind="confirmation")
    assert OrderMail.objects.get(order=order, kind="confirmation").sent_at is None
    assert mails.order_mail_send(order_id=order.pk, kind="confirmation") is True
    assert len(mail.outbox) == 1


def test_an_unknown_mail_kind_sends_nothing(cases):
    order = place_designed_order(cases)
    assert mails.order_mail_send(order_id=order.pk, kind="spam") is False
    assert mails.order_staff_alert_send(order_id=order.pk, reason="bored") is False
    assert mail.outbox == []


def test_the_shipped_mail_gives_the_tracking_number(cases, django_capture_on_commit_callbacks):
    from shop.orders.services import order_ship

    order = place_designed_order(cases)
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order_ship(order_id=order.pk, tracking_number="1Z 999 AA1")
    (shipped,) = mail.outbox
    assert shipped.to == ["ada@example.com"] and "on its way" in shipped.subject
    assert "1Z 999 AA1" in shipped.body and "1Z 999 AA1" in shipped.alternatives[0][0]


def test_rendering_a_line_twice_renders_once(cases, monkeypatch):
    """A redelivered render task finds every file made and renders nothing."""
    order = place_designed_order(cases)
    pay(order)
    line = order.lines.get(design__isnull=False)
    assert set(pipeline.line_render(line_id=line.pk)) == PRODUCTION | {Kind.PREVIEW}
    assert pipeline.line_render(line_id=line.pk) == []
    assert order.events.filter(kind="files_ready").count() == 1


def test_a_lost_file_is_rendered_again(cases):
    """A production file missing from the storage is rendered anew; the others are kept."""
    order = place_designed_order(cases)
    pay(order)
    line = order.lines.get(design__isnull=False)
    pipeline.line_render(line_id=line.pk)
    stl = rendition_current(design=line.design, kind=Kind.STL)
    pdf = rendition_current(design=line.design, kind=Kind.PRINT_PDF)
    stl.file.storage.delete(stl.file.name)
    assert pipeline.line_render(line_id=line.pk) == [Kind.STL]
    again = rendition_current(design=line.design, kind=Kind.STL)
    assert again.pk != stl.pk and again.file.storage.exists(again.file.name)
    assert rendition_current(design=line.design, kind=Kind.PRINT_PDF).pk == pdf.pk


def test_an_unpaid_orders_lines_are_not_rendered(cases):
    order = place_designed_order(cases)
    line = order.lines.get(design__isnull=False)
    assert pipeline.line_render(line_id=line.pk) == []
    assert kinds_made(line.design) == set()


def test_the_tasks_are_routed_and_bounded():
    """Renders go to the render queue, the rest to default; each task retries with backoff
    and has time limits."""
    from shop.celery import app

    router = app.amqp.router
    all_tasks = (
        tasks.order_paid_pipeline,
        tasks.order_render_line,
        tasks.order_mail,
        tasks.order_staff_alert,
        tasks.orders_release_expired,
    )
    for task in all_tasks:
        queue = router.route({}, task.name)["queue"].name
        assert queue == ("render" if task is tasks.order_render_line else "default"), task.name
        assert task.autoretry_for and task.retry_backoff and task.max_retries
        assert task.soft_time_limit < task.time_limit
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    # Redis gives a task back only after it could have finished, retry delay included.
    longest = max(t.time_limit + t.retry_backoff_max for t in all_tasks)
    assert app.conf.broker_transport_options["visibility_timeout"] > longest


def test_a_web_process_finds_every_outbox_task():
    """A process that never imported the orders' or payments' tasks (a web process: Celery
    discovers tasks modules when a worker starts) still finds them to relay."""
    from shop.orders.services import MAIL_TASK, PIPELINE_TASK, REFUND_TASK, STAFF_ALERT_TASK

    names = [PIPELINE_TASK, MAIL_TASK, STAFF_ALERT_TASK, REFUND_TASK, pipeline.RENDER_TASK]
    code = (
        "import django, sys; django.setup()\n"
        "from shop.outbox.services import _task\n"
        "for name in sys.argv[1:]: assert _task(name).name == name, name\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *names],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
