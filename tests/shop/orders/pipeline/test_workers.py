"""The paid-order pipeline on real Celery workers over Redis: end to end, through a Redis
outage, and through a worker process killed mid-task."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.db import connection
from kombu import Connection

from configurator.models import Rendition
from shop.celery import app
from shop.orders import tasks
from shop.orders.models import Order, OrderMail, Status
from shop.orders.services import PIPELINE_TASK
from shop.outbox.models import OutboxMessage
from shop.outbox.services import outbox_relay
from tests.shop.test_celery_redis import _forget_broker_connections, wait_until
from tests.tools import needs, tool_missing

from .conftest import pay, place_designed_order

pytestmark = pytest.mark.slow  # real Celery workers, redis-server and worker processes

REDIS_URL = os.environ.get("CASEFORGE_TEST_REDIS_URL", "")
REDIS_MISSING = "set CASEFORGE_TEST_REDIS_URL=redis://127.0.0.1:6379/8 to run against Redis"
needs_redis = needs(REDIS_URL, REDIS_MISSING)
needs_redis_server = needs(shutil.which("redis-server"), "redis-server is not installed")

Kind = Rendition.Kind
PRODUCTION = {Kind.PRINT_PNG, Kind.PRINT_PDF, Kind.STL, Kind.THREEMF}
QUEUES = ("default", "render")
REPO = Path(__file__).resolve().parents[4]


# --- brokers and workers -------------------------------------------------------------------


def _purge(url: str) -> None:
    with Connection(url) as conn:
        for queue in QUEUES:
            conn.default_channel.queue_purge(queue)


@contextmanager
def broker(url: str):
    """Celery talking to Redis at `url`, eager mode off; the queues start and end empty."""
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    _forget_broker_connections()
    app.conf.update(broker_url=url, task_always_eager=False)
    _purge(url)
    try:
        yield
    finally:
        _forget_broker_connections()
        app.conf.update(saved)


@contextmanager
def worker():
    """A worker thread consuming both queues, as `celery -A shop worker -Q default,render`."""
    # `-Q` selects the queues on the app itself: put the app's selection back afterwards.
    queues = app.amqp.queues
    saved = (queues._consume_from, dict(queues._default_consume_from))
    try:
        with start_worker(
            app,
            pool="solo",
            queues=list(QUEUES),
            perform_ping_check=False,
            shutdown_timeout=30,
            loglevel="WARNING",
        ):
            yield
    finally:
        queues._consume_from = saved[0]
        queues._default_consume_from = saved[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A Redis of the test's own, on a free port, that the test may stop and start again
    (never the shared one)."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_until(self.answers, timeout=10), "redis-server did not start"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(tmp_path, transactional_db):
    if not shutil.which("redis-server"):
        tool_missing("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- what the pipeline left behind ---------------------------------------------------------


def pipeline_done(order: Order) -> bool:
    return (
        OrderMail.objects.filter(order=order, sent_at__isnull=False).count() == 2
        and order.events.filter(kind="production_files_ready").exists()
    )


def renditions(order: Order) -> dict[str, int]:
    """How many renditions of each kind the order's designed case has."""
    design = order.lines.get(design__isnull=False).design
    counts: dict[str, int] = {}
    for kind in design.renditions.values_list("kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def assert_ran_once(order: Order, confirmations: list[str]) -> None:
    """In production once, every production file made once, one confirmation mail (text
    and HTML), staff told once."""
    order.refresh_from_db()
    assert order.status == Status.IN_PRODUCTION
    assert order.events.filter(to_status=Status.IN_PRODUCTION).count() == 1
    made = renditions(order)
    assert set(made) >= PRODUCTION and all(made[k] == 1 for k in made), made
    assert len(confirmations) == 1, confirmations
    assert set(OrderMail.objects.filter(order=order).values_list("kind", flat=True)) == {
        "confirmation",
        "staff:paid",
    }
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


# --- end to end ----------------------------------------------------------------------------


@needs_redis
def test_a_paid_order_goes_through_the_pipeline_on_a_worker(transactional_db, cases):
    """Paid: the work travels through Redis to a worker consuming both queues, which puts
    the order in production, renders its designed case's files, mails the confirmation
    in HTML and text, and tells staff; a duplicate delivery changes nothing."""
    if not REDIS_URL:
        tool_missing(REDIS_MISSING)
    runs: list[tuple[str, object]] = []

    def finished(sender=None, retval=None, **_):
        runs.append((sender.name, retval))

    task_postrun.connect(finished, weak=False)
    try:
        with broker(REDIS_URL):
            order = place_designed_order(cases)
            assert pay(order) == "paid"  # committed: the outbox row is relayed at once
            outbox_relay()  # the periodic relay finds nothing left
            with worker():
                assert wait_until(lambda: pipeline_done(order), timeout=120), "unfinished"
                # Duplicate deliveries (the relay sent them, then failed to mark them sent).
                tasks.order_paid_pipeline.apply_async(args=[order.pk])
                tasks.order_mail.apply_async(args=[order.pk, "confirmation"])
                duplicates = [
                    (tasks.order_paid_pipeline.name, False),
                    (tasks.order_mail.name, False),
                ]
                assert wait_until(lambda: all(d in runs for d in duplicates), timeout=30), runs
    finally:
        task_postrun.disconnect(finished)
    assert runs.count((tasks.order_paid_pipeline.name, True)) == 1
    assert runs.count((tasks.order_mail.name, True)) == 1
    shopper = [m for m in mail.outbox if m.to == [order.email]]
    staff = [m for m in mail.outbox if m.to == list(settings.STAFF_NOTIFY_EMAILS)]
    assert_ran_once(order, [m.subject for m in shopper])
    assert len(staff) == 1 and "paid" in staff[0].subject
    (html, content_type), text = shopper[0].alternatives[0], shopper[0].body
    assert content_type == "text/html" and order.number in html and order.number in text


def _queues_empty(url: str) -> bool:
    with Connection(url) as conn:
        client = conn.default_channel.client
        return all(client.llen(q) == 0 for q in QUEUES)


# --- a Redis outage ------------------------------------------------------------------------


@needs_redis_server
def test_an_order_paid_while_redis_is_down_is_worked_once_when_it_is_back(own_redis, cases):
    """Redis is down while the order is paid: the payment and the outbox row are kept, the
    row waits; when Redis is back the relay sends it and a worker does the work, once."""
    with broker(own_redis.url):
        order = place_designed_order(cases)
        own_redis.stop()
        assert pay(order) == "paid"  # the relay after commit fails: the row waits
        order.refresh_from_db()
        assert order.status == Status.PAID and order.payments.count() == 1
        waiting = OutboxMessage.objects.get(task=PIPELINE_TASK, args=[order.pk])
        assert waiting.sent_at is None and waiting.attempts >= 1 and waiting.last_error
        assert outbox_relay() == 0  # the periodic relay, still down: still waiting
        assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 1

        own_redis.start()
        assert outbox_relay() == 1
        assert outbox_relay() == 0
        with worker():
            assert wait_until(lambda: pipeline_done(order), timeout=120), "pipeline unfinished"
            assert wait_until(lambda: _queues_empty(own_redis.url), timeout=30)
            time.sleep(0.5)
    shopper = [m.subject for m in mail.outbox if m.to == [order.email]]
    assert_ran_once(order, shopper)
    waiting.refresh_from_db()
    assert waiting.sent_at is not None and waiting.last_error == ""


# --- a worker process killed mid-task -----------------------------------------------------


def _test_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@contextmanager
def crashing_worker(tmp_path: Path, redis_url: str, crash: str):
    """`tests/shop/orders/pipeline/crashing_worker.py` in a process of its own (prefork, two task
    processes), on the test database and this Redis; yields its files."""
    files = {
        "marker": tmp_path / "killed.pid",
        "runs": tmp_path / "runs.log",
        "mail": tmp_path / "mail",
        "log": tmp_path / "worker.log",
    }
    if connection.vendor != "postgresql":
        tool_missing("the worker process shares the test database: set DATABASE_URL (PostgreSQL)")
    files["mail"].mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CONN_MAX_AGE": "0",
        "CASEFORGE_TEST_CRASH": crash,
        "CASEFORGE_TEST_CRASH_MARKER": str(files["marker"]),
        "CASEFORGE_TEST_RUNS": str(files["runs"]),
        "CASEFORGE_TEST_MAIL_DIR": str(files["mail"]),
    }
    with open(files["log"], "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.shop.orders.pipeline.crashing_worker"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield files
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def mails_with_subject(folder: Path, subject: str) -> int:
    """How many mails the file backend wrote with this subject (a file may hold several)."""
    return sum(p.read_text().count(f"Subject: {subject}\n") for p in folder.iterdir())


def runs_of(files: dict[str, Path], task: str) -> int:
    if not files["runs"].exists():
        return 0
    return sum(line.startswith(task + " ") for line in files["runs"].read_text().splitlines())


def dead(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@needs_redis_server
@pytest.mark.parametrize(
    "crash,task",
    [("render", tasks.order_render_line.name), ("mail", tasks.order_mail.name)],
    ids=["killed-while-rendering", "killed-after-mailing"],
)
def test_a_task_killed_mid_run_runs_again_without_a_second_mail(
    own_redis, cases, tmp_path, crash, task
):
    """A worker's task process is killed (SIGKILL) mid-task: while rendering after the
    confirmation mail went out, or after the mail task sent and marked its mail but before
    the message was acknowledged. The message is delivered again (late acknowledgement);
    the rerun finishes the renders and the shopper gets exactly one confirmation."""
    with broker(own_redis.url):
        order = place_designed_order(cases)
        pay(order)
        with crashing_worker(tmp_path, own_redis.url, crash) as files:
            finished = wait_until(
                lambda: pipeline_done(order) and runs_of(files, task) >= 2, timeout=180
            )
            assert finished, files["log"].read_text()[-3000:]
            assert wait_until(lambda: _queues_empty(own_redis.url), timeout=30)
    assert dead(int(files["marker"].read_text())), "the task process was not killed"
    assert runs_of(files, task) == 2  # killed, then delivered again
    subject = f"Your caseforge order {order.number}"
    confirmations = [subject] * mails_with_subject(files["mail"], subject)
    assert_ran_once(order, confirmations)
