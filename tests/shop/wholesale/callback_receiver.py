"""Test helpers for callbacks: a fake DNS (names the test chooses; no outside lookups) and
a receiver on 127.0.0.1 that verifies each request's Standard Webhooks signature with the
`standardwebhooks` library and records what it got."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

_real_getaddrinfo = socket.getaddrinfo


class FakeDns:
    """`socket.getaddrinfo` for the names in `names` (name -> addresses); IP literals and
    localhost resolve as usual; any other name does not resolve (nothing leaves the host)."""

    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {}
        self.lookups: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else str(host)
        self.lookups.append(name)
        if name in self.names:
            port = int(port or 0)
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    socket.IPPROTO_TCP,
                    "",
                    (a, port, 0, 0) if ":" in a else (a, port),
                )
                for a in self.names[name]
            ]
        try:
            import ipaddress

            ipaddress.ip_address(name)
        except ValueError:
            if name != "localhost":
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return _real_getaddrinfo(host, port, family, type, proto, flags)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: object | None  # the payload the library verified, or None
    error: str = ""


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1. `answers` are the status codes to give, in turn (the
    last one repeats); `delay` seconds are slept before answering."""

    secret: str = ""
    answers: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def verify(self, body: bytes, headers: dict[str, str]):
        return Webhook(self.secret).verify(body, headers)

    def _handle(self, handler: BaseHTTPRequestHandler) -> int:
        length = min(int(handler.headers.get("content-length") or 0), 1_000_000)
        body = handler.rfile.read(length)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        verified, error = None, ""
        try:
            verified = self.verify(body, headers)
        except WebhookVerificationError as exc:
            error = str(exc)
        self.received.append(Received(handler.path, headers, body, verified, error))
        index = min(len(self.received), len(self.answers)) - 1
        if self.delay:
            time.sleep(self.delay)
        return self.answers[index]


def receiver_start(receiver: Receiver) -> Callable[[], None]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            code = receiver._handle(self)
            try:
                self.send_response(code)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:  # the caller gave up waiting
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    return stop
