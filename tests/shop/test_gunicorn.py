"""The README's production command: gunicorn with gunicorn.conf.py, in production mode."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts gunicorn

ROOT = Path(__file__).resolve().parents[2]
UNSET = {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
# Answers without a database or collected static files, like any cheap page would.
PAGE = "/api/schema/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(tmp_path: Path, **env: str) -> dict[str, str]:
    """An operator's environment: DEBUG unset, SQLite in tmp, no HTTPS redirect (no TLS)."""
    (tmp_path / "static").mkdir(exist_ok=True)
    base = {k: v for k, v in os.environ.items() if k not in UNSET | {"REDIS_URL"}}
    return {
        **base,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SECURE_SSL_REDIRECT": "False",
        "LOG_LEVEL": "WARNING",
        **env,
    }


def gunicorn(*args: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.mark.parametrize(
    "config", ["gunicorn.conf.py", "empty.conf.py"], ids=["project config", "no config"]
)
def test_gunicorn_refuses_to_start_without_secret_key(tmp_path, config):
    """With DEBUG unset and no SECRET_KEY, gunicorn stops at once with one line, no traceback."""
    (tmp_path / "empty.conf.py").write_text("")
    path = ROOT / config if config == "gunicorn.conf.py" else tmp_path / config
    server = gunicorn(
        "-c",
        str(path),
        "--bind",
        f"127.0.0.1:{free_port()}",
        "shop.wsgi:application",
        env=production_env(tmp_path),
    )
    try:
        _, stderr = server.communicate(timeout=60)
    finally:
        server.kill()
    assert server.returncode != 0
    assert "Traceback" not in stderr
    messages = [line for line in stderr.splitlines() if "caseforge cannot start" in line]
    assert len(messages) == 1, stderr
    assert messages[0].startswith("caseforge cannot start: SECRET_KEY is not set")
    if config == "gunicorn.conf.py":
        assert stderr.strip() == messages[0]


def wait_until_serving(url: str, server: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited: {server.communicate()[1]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer {url} within {timeout:.0f} s")


def trickle(port: int, stop: threading.Event) -> None:
    """A slow client: starts a request, then sends its headers a byte every half second."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {PAGE} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
        header = b"X-Slow: " + b"z" * 200
        for byte in header:
            if stop.wait(0.5):
                return
            sock.sendall(bytes([byte]))


def test_slow_clients_do_not_stall_other_users(tmp_path):
    """While 8 clients trickle their headers, a normal GET is still answered within 2 s."""
    port = free_port()
    server = gunicorn(
        "-c",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        env=production_env(tmp_path, SECRET_KEY=secrets.token_urlsafe(50)),
    )
    stop = threading.Event()
    slow = [threading.Thread(target=trickle, args=(port, stop)) for _ in range(8)]
    try:
        url = f"http://127.0.0.1:{port}{PAGE}"
        wait_until_serving(url, server)
        for client in slow:
            client.start()
        time.sleep(2)  # every slow client is connected and has sent a few bytes
        started = time.monotonic()
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
            response.read()
        elapsed = time.monotonic() - started
        assert elapsed < 2.0, f"answered after {elapsed:.1f} s"
        assert all(client.is_alive() for client in slow)  # still trickling
    finally:
        stop.set()
        for client in slow:
            client.join(timeout=10)
        server.terminate()
        server.communicate(timeout=30)
