"""Serving the store for an HTTP benchmark: a throw-away folder, the environment the served
store runs in, and gunicorn on a free port of 127.0.0.1, started, waited for and stopped.

    with scratch_folder() as tmp:
        env = store_env(tmp, database_url)
        with gunicorn(env, SYNC_WORKERS) as server:
            ...load f"{server.base}/..."

The store is served as in production (DEBUG off, a fresh SECRET_KEY, bench settings: the
store's URLs plus the bare views of bench/urls.py), and is ready once its bare view answers.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# gunicorn as deployed: the repository's gunicorn.conf.py (threaded workers).
PRODUCTION_CONFIG = ("-c", str(ROOT / "gunicorn.conf.py"))
# gunicorn's own defaults (sync workers), two processes; no control socket, as in
# gunicorn.conf.py (its default path is one per user: two servers at once would share it).
SYNC_WORKERS = ("shop.wsgi:application", "--workers", "2", "--no-control-socket")
READY_PATH = "/bench/bare/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {url} within {timeout:.0f} s")


@contextmanager
def scratch_folder() -> Iterator[Path]:
    """A temporary folder (database, media, static files), removed afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="caseforge-bench-"))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def store_env(tmp: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    """This process's environment for the served store: the database at `database_url`
    (else SQLite in `tmp`), media and static files in `tmp`, DEBUG off, bench settings,
    no Redis (pass REDIS_URL in `extra` for one); `extra` is added last."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url or f"sqlite:///{tmp / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(tmp / "media"),
        "STATIC_ROOT": str(tmp / "static"),
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def manage(env: dict[str, str], *command: str, **run) -> subprocess.CompletedProcess:
    """`manage.py <command>` in `env`; fails the benchmark if the command fails."""
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *command], check=True, cwd=ROOT, env=env, **run
    )


@dataclass(frozen=True)
class Server:
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def gunicorn(
    env: dict[str, str], options: Sequence[str] = PRODUCTION_CONFIG, *, stop_timeout: float = 30
) -> Iterator[Server]:
    """gunicorn with `options` on a free port, in `env`, answering its bare view; stopped
    (SIGTERM, then waited for) when the block ends."""
    server = Server(free_port())
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *options]
        + ["--bind", f"127.0.0.1:{server.port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(server.base + READY_PATH)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=stop_timeout)
