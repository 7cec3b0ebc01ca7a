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


def receiver_start(receiver: Receiver, *, tls=None) -> Callable[[], None]:
    """Serve `receiver` on 127.0.0.1 (over TLS with the `tls` server context); the function
    returned stops it."""

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

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass  # a refused TLS handshake: the test asserts on the caller's side

    server = Server(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    receiver.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    return stop


def tls_files(tmp_path, host: str) -> tuple[str, str, str]:
    """A test CA, and a certificate it signed for `host`: (CA file, cert file, key file)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def cert(subject, issuer, key, signer, *, ca: bool):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = cert("caseforge test CA", "caseforge test CA", ca_key, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = cert(host, "caseforge test CA", key, ca_key, ca=False)
    files = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    files[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return tuple(str(f) for f in files)
