"""A Celery worker, as `celery -A shop worker -Q default,render -c 2` starts it, whose task
process dies once, with SIGKILL, at the point the test names (as a machine losing power or
the kernel's OOM killer would end it):

- CASEFORGE_TEST_CRASH=render: while rendering a line's STL, once the confirmation mail of
  its order has been sent by the other process;
- CASEFORGE_TEST_CRASH=mail: right after the confirmation mail task finished (its mail sent
  and marked), before the worker acknowledged the message.

The first process to get there writes its pid to CASEFORGE_TEST_CRASH_MARKER and dies;
later ones carry on. Every task start is appended to CASEFORGE_TEST_RUNS (one line:
task name and args). Mail is written to files under CASEFORGE_TEST_MAIL_DIR. Run by
tests/shop/orders/pipeline/test_workers.py with the test database and its own Redis in the
environment (DATABASE_URL, REDIS_URL, MEDIA_ROOT).
"""

from __future__ import annotations

import os
import signal
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from celery.signals import task_postrun, task_prerun  # noqa: E402
from django.conf import settings  # noqa: E402

from configurator import services  # noqa: E402
from configurator.models import Rendition  # noqa: E402
from shop.celery import app  # noqa: E402
from shop.orders.models import OrderMail  # noqa: E402

CRASH = os.environ["CASEFORGE_TEST_CRASH"]
MARKER = os.environ["CASEFORGE_TEST_CRASH_MARKER"]
RUNS = os.environ["CASEFORGE_TEST_RUNS"]

settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
settings.EMAIL_FILE_PATH = os.environ["CASEFORGE_TEST_MAIL_DIR"]


def die_once() -> None:
    """SIGKILL this process, the first time any process of this worker gets here."""
    try:
        fd = os.open(MARKER, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)


@task_prerun.connect
def record_run(task=None, args=None, **_):
    with open(RUNS, "a") as log:
        log.write(f"{task.name} {list(args or ())}\n")


if CRASH == "render":
    real_stl = services.RENDERERS[Rendition.Kind.STL]

    def stl_then_die(design):
        deadline = time.monotonic() + 60
        while (
            time.monotonic() < deadline
            and not OrderMail.objects.filter(kind="confirmation", sent_at__isnull=False).exists()
        ):
            time.sleep(0.1)
        die_once()
        return real_stl(design)

    services.RENDERERS[Rendition.Kind.STL] = stl_then_die

elif CRASH == "mail":

    @task_postrun.connect
    def die_after_mail(task=None, args=None, **_):
        if task.name == "shop.orders.tasks.order_mail" and list(args or ())[1:] == ["confirmation"]:
            die_once()


if __name__ == "__main__":
    app.worker_main(
        [
            "worker",
            "-Q",
            "default,render",
            "-c",
            "2",
            "-P",
            "prefork",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )
