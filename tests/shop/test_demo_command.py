"""`manage.py demo`: the README's run command migrates, seeds and serves where it is told."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.core.management.commands import runserver

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def served(monkeypatch, settings):
    """Stands in for the development server: records the address instead of serving."""
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    addresses = []
    monkeypatch.setattr(
        runserver.Command, "handle", lambda self, *args, **options: addresses.append(options)
    )
    return addresses


def demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("addrport", "site"),
    [
        ("127.0.0.1:8601", "http://127.0.0.1:8601/"),
        ("8601", "http://127.0.0.1:8601/"),
        ("0.0.0.0:9000", "http://0.0.0.0:9000/"),
        ("[::1]:8601", "http://[::1]:8601/"),
    ],
)
def test_demo_prints_the_admin_address_it_serves(served, addrport, site):
    """The printed admin link and the serving line name the address given, not :8000."""
    output = demo(addrport)
    assert re.search(rf"^Admin:\s+{re.escape(site)}admin/$", output, re.M), output
    assert f"Serving the store on {site} " in output
    assert ":8000" not in output
    assert [options["addrport"] for options in served] == [addrport]


@pytest.mark.parametrize(
    ("addrport", "base"),
    [("127.0.0.1:8601", "http://127.0.0.1:8601"), ("9000", "http://127.0.0.1:9000")],
)
def test_links_in_mail_and_api_answers_name_the_address_served(
    served, monkeypatch, settings, addrport, base
):
    """Served on another address, the links the store writes (an order's pay link, a quote
    mail's links, the API's share and PDF links) point there, not to :8000."""
    from shop.orders.mails import absolute_url as order_mail_url
    from shop.questions.mails import absolute_url as question_mail_url
    from shop.wholesale.api.serializers import DesignSerializer
    from shop.wholesale.presentation import absolute_url as quote_mail_url

    monkeypatch.delenv("SHOP_BASE_URL", raising=False)
    links = []

    def serve(self, *args, **options):
        design = type("Design", (), {"token": "tok"})()
        links.extend(
            [
                order_mail_url("/orders/1/"),
                quote_mail_url("/wholesale/q/"),
                question_mail_url("/products/p/"),
                DesignSerializer().get_share_url(design),
            ]
        )

    monkeypatch.setattr(runserver.Command, "handle", serve)
    demo(addrport)
    assert links == [
        f"{base}/orders/1/",
        f"{base}/wholesale/q/",
        f"{base}/products/p/",
        f"{base}/design/s/tok/",
    ]


def test_an_operators_shop_base_url_wins_over_the_served_address(served, monkeypatch, settings):
    """SHOP_BASE_URL set in the environment is kept (a proxy in front serves elsewhere)."""
    monkeypatch.setenv("SHOP_BASE_URL", "https://shop.example")
    settings.SHOP_BASE_URL = "https://shop.example"
    demo("8601")
    assert settings.SHOP_BASE_URL == "https://shop.example"


def test_demo_defaults_to_port_8000(served):
    """Without an address the store is served, and its admin printed, on 127.0.0.1:8000."""
    output = demo()
    assert re.search(r"^Admin:\s+http://127\.0\.0\.1:8000/admin/$", output, re.M), output
    assert [options["addrport"] for options in served] == ["127.0.0.1:8000"]


def test_demo_refuses_a_bad_address_before_doing_anything(served):
    """A malformed address is refused at once: nothing is seeded or served."""
    from shop.catalog.models import PhoneModel

    with pytest.raises(CommandError, match="not a valid port number"):
        demo("localhost:http")
    assert served == [] and PhoneModel.objects.count() == 0


def test_demo_help_explains_the_address_argument(capsys):
    """`demo --help` says what the optional address is, with examples and the default."""
    with pytest.raises(SystemExit):
        call_command("demo", "--help")
    help_text = " ".join(capsys.readouterr().out.split())
    assert "addrport" in help_text
    assert "port number (e.g. 8601)" in help_text
    assert "address:port (e.g. 0.0.0.0:8601)" in help_text
    assert "Default 127.0.0.1:8000" in help_text


@pytest.mark.slow
def test_the_readme_run_command_serves_the_store_in_development_mode(tmp_path):
    """`manage.py demo` with nothing set migrates, seeds (demo password) and serves."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    unset = {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unset | {"REDIS_URL"}}
    env |= {
        # A folder that does not exist yet, as var/ in a fresh clone.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "demo", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        status = None
        while status is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    status = page.status
            except OSError:
                time.sleep(0.5)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert status == 200, output
    assert re.search(rf"^Admin:\s+http://127\.0\.0\.1:{port}/admin/$", output, re.M), output
    assert re.search(r"^Password:\s+caseforge-demo$", output, re.M), output
