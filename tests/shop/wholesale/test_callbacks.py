"""Callback URLs: which targets are refused (and why), registering a URL and its signing
secret, emitting events into the outbox, and the order-status event."""

from __future__ import annotations

import base64
import ipaddress
import socket
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from shop.orders import services as orders
from shop.orders.models import Order, Status
from shop.outbox.models import OutboxMessage
from shop.wholesale.callback_addresses import (
    CallbackUrlRefused,
    address_refusal,
    callback_url_check,
)
from shop.wholesale.callbacks import DELIVER_TASK, callback_emit, callback_url_set
from shop.wholesale.models import CallbackDelivery, Quote
from tests.shop.wholesale.callback_receiver import FakeDns

PUBLIC = "93.184.215.14"


@pytest.fixture
def dns(monkeypatch) -> FakeDns:
    fake = FakeDns()
    fake.names.update({"hooks.reseller.example": [PUBLIC], "both.reseller.example": []})
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture(autouse=True)
def _no_loopback(settings):
    settings.WHOLESALE_CALLBACKS_ALLOW_LOOPBACK = False


# --- which targets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.reseller.example/cb", "https://"),
        ("ftp://hooks.reseller.example/cb", "https://"),
        ("https://user:pw@hooks.reseller.example/cb", "user name or password"),
        ("https://user@hooks.reseller.example/cb", "user name or password"),
        ("https://127.0.0.1/cb", "loopback"),
        ("https://127.8.9.10:8443/cb", "loopback"),
        ("https://localhost/cb", "loopback"),
        ("https://[::1]/cb", "loopback"),
        ("https://10.20.30.40/cb", "private"),
        ("https://172.16.0.1/cb", "private"),
        ("https://192.168.1.1/cb", "private"),
        ("https://169.254.169.254/latest/meta-data/", "metadata"),
        ("https://[fd00:ec2::254]/", "metadata"),
        ("https://100.100.100.200/", "metadata"),
        ("https://169.254.10.10/", "link-local"),
        ("https://[fe80::1]/", "link-local"),
        ("https://100.64.0.1/cb", "shared"),
        ("https://0.0.0.0/cb", "unspecified"),
        ("https://[::]/cb", "unspecified"),
        ("https://224.0.0.1/cb", "multicast"),
        ("https://240.0.0.1/cb", "address"),
        ("https://[::ffff:127.0.0.1]/cb", "loopback"),
        ("https://[::ffff:169.254.169.254]/cb", "metadata"),
        ("https://[::ffff:10.0.0.1]/cb", "private"),
        ("https://[64:ff9b::a00:1]/cb", "private"),  # NAT64 of 10.0.0.1
        ("https://127.1/cb", "non-standard"),
        ("https://2130706433/cb", "non-standard"),
        ("https://0x7f.0.0.1/cb", "non-standard"),
        ("https://private.reseller.example/cb", "10.1.2.3, which is a private"),
        ("https://mixed.reseller.example/cb", "169.254.169.254, which is a cloud metadata"),
        ("https://nowhere.reseller.example/cb", "does not resolve"),
        ("https:///cb", "no host"),
        ("https://hooks.reseller.example:0/cb", "port"),
        ("https://hooks.reseller.example:99999/cb", "not a valid URL"),
        ("https://[::1/cb", "not a valid URL"),
        ("https://hooks.reseller.example/a b", "spaces"),
        ("https://hooks.reseller.example/" + "a" * 480, "longer than 500"),
        ("", "Give a callback URL"),
    ],
)
def test_refused_targets(dns, url, why):
    dns.names["private.reseller.example"] = ["10.1.2.3"]
    # One public address is not enough: every address the name has must pass.
    dns.names["mixed.reseller.example"] = [PUBLIC, "169.254.169.254"]
    with pytest.raises(CallbackUrlRefused, match=why):
        callback_url_check(url)


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://hooks.reseller.example/cb", "https://hooks.reseller.example/cb"),
        (
            "  HTTPS://Hooks.Reseller.Example:443/cb?x=1#top ",
            "https://hooks.reseller.example/cb?x=1",
        ),
        ("https://hooks.reseller.example:8443", "https://hooks.reseller.example:8443/"),
        ("https://93.184.215.14/cb", "https://93.184.215.14/cb"),
        ("https://[2606:4700::1111]/ü", "https://[2606:4700::1111]/%C3%BC"),
    ],
)
def test_accepted_targets_are_normalised(dns, url, normalised):
    assert callback_url_check(url) == normalised


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1:8000/cb", "http://127.0.0.1:8000/cb", "http://[::1]:8000/cb"]
)
def test_loopback_only_with_the_setting(dns, settings, url):
    with pytest.raises(CallbackUrlRefused):
        callback_url_check(url)
    settings.WHOLESALE_CALLBACKS_ALLOW_LOOPBACK = True
    assert callback_url_check(url) == url


def test_the_setting_allows_loopback_and_nothing_else(dns, settings):
    settings.WHOLESALE_CALLBACKS_ALLOW_LOOPBACK = True
    dns.names["private.reseller.example"] = ["10.1.2.3"]
    for url in (
        "https://10.0.0.1/cb",
        "https://169.254.169.254/",
        "https://private.reseller.example/",
    ):
        with pytest.raises(CallbackUrlRefused):
            callback_url_check(url)
    # Plain http goes to loopback only.
    with pytest.raises(CallbackUrlRefused, match="https://"):
        callback_url_check("http://hooks.reseller.example/cb")


# --- registering ----------------------------------------------------------------------------


def test_registering_makes_a_standard_webhooks_secret_once(dns, wholesale_client):
    callback_url_set(client=wholesale_client, url="https://Hooks.reseller.example/cb")
    wholesale_client.refresh_from_db()
    assert wholesale_client.callback_url == "https://hooks.reseller.example/cb"
    secret = wholesale_client.callback_secret
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24

    callback_url_set(client=wholesale_client, url="https://hooks.reseller.example/other")
    wholesale_client.refresh_from_db()
    assert wholesale_client.callback_secret == secret  # kept: the client already has it

    callback_url_set(client=wholesale_client, url="")
    wholesale_client.refresh_from_db()
    assert wholesale_client.callback_url == ""


def test_a_refused_url_is_not_saved(dns, wholesale_client):
    callback_url_set(client=wholesale_client, url="https://hooks.reseller.example/cb")
    dns.names["inside.reseller.example"] = ["192.168.0.10"]
    with pytest.raises(CallbackUrlRefused, match="private"):
        callback_url_set(client=wholesale_client, url="https://inside.reseller.example/cb")
    wholesale_client.refresh_from_db()
    assert wholesale_client.callback_url == "https://hooks.reseller.example/cb"


# --- emitting -------------------------------------------------------------------------------


def test_no_url_no_delivery(wholesale_client):
    with transaction.atomic():
        assert callback_emit(client=wholesale_client, event_type="quote.ready", data={}) is None
    assert not CallbackDelivery.objects.exists()


def test_emit_records_the_event_and_enqueues_its_delivery(dns, wholesale_client):
    callback_url_set(client=wholesale_client, url="https://hooks.reseller.example/cb")
    with transaction.atomic():
        delivery = callback_emit(
            client=wholesale_client,
            event_type="quote.ready",
            data={"quote": "Q-ABC", "total": Decimal("12.30")},
        )
    delivery.refresh_from_db()
    assert delivery.msg_id.startswith("msg_")
    assert delivery.url == "https://hooks.reseller.example/cb"
    assert delivery.status == CallbackDelivery.Status.PENDING
    assert delivery.payload["type"] == "quote.ready"
    assert delivery.payload["data"] == {"quote": "Q-ABC", "total": "12.30"}
    assert delivery.payload["timestamp"]
    (message,) = OutboxMessage.objects.all()
    assert (message.task, message.args) == (DELIVER_TASK, [delivery.pk])


# --- order.status ---------------------------------------------------------------------------


def _order(*, wholesale: bool, status: str = Status.PAID) -> Order:
    return Order.objects.create(
        email="buyer@reseller.example",
        status=status,
        is_wholesale=wholesale,
        ship_name="Robin Buyer",
        ship_line1="1 Main St",
        ship_city="Springfield",
        ship_postal_code="12345",
        ship_country="US",
        shipping_region="domestic",
        shipping_method="standard",
        currency="USD",
        subtotal=Decimal("100.00"),
        shipping=Decimal("15.00"),
        total=Decimal("115.00"),
    )


def _quote(client, order) -> Quote:
    from django.utils import timezone

    return Quote.objects.create(
        client=client,
        email=client.email,
        ship_country="US",
        currency="USD",
        reply_due=timezone.now(),
        status="ordered",
        order=order,
    )


def test_order_status_event_for_a_wholesale_order_from_a_quote(dns, wholesale_client):
    callback_url_set(client=wholesale_client, url="https://hooks.reseller.example/cb")
    order = _order(wholesale=True)
    quote = _quote(wholesale_client, order)

    orders.order_set_status(order_id=order.pk, to=Status.IN_PRODUCTION)
    orders.order_ship(order_id=order.pk, tracking_number="1Z 999")

    events = list(CallbackDelivery.objects.order_by("pk"))
    assert [e.event_type for e in events] == ["order.status"] * 3
    steps = [(e.payload["data"]["from"], e.payload["data"]["to"]) for e in events]
    assert steps == [
        ("paid", "in_production"),
        ("in_production", "ready_to_ship"),
        ("ready_to_ship", "shipped"),
    ]
    data = events[-1].payload["data"]
    assert data["order"] == order.number
    assert data["quote"] == quote.number
    assert data["tracking_number"] == "1Z 999"
    assert data["at"]
    assert events[0].payload["data"]["tracking_number"] is None
    assert OutboxMessage.objects.filter(task=DELIVER_TASK).count() == 3


def test_no_order_status_event_for_a_retail_order(dns, wholesale_client):
    callback_url_set(client=wholesale_client, url="https://hooks.reseller.example/cb")
    retail = _order(wholesale=False)
    orders.order_set_status(order_id=retail.pk, to=Status.IN_PRODUCTION)
    # Nor for a wholesale order made without a client's quote.
    orphan = _order(wholesale=True)
    orders.order_set_status(order_id=orphan.pk, to=Status.IN_PRODUCTION)
    assert not CallbackDelivery.objects.exists()
    assert Order.objects.get(pk=retail.pk).status == Status.IN_PRODUCTION


def test_a_failing_callback_never_undoes_the_order_change(dns, wholesale_client, monkeypatch):
    callback_url_set(client=wholesale_client, url="https://hooks.reseller.example/cb")
    order = _order(wholesale=True)
    _quote(wholesale_client, order)

    def broken(**kwargs):
        CallbackDelivery.objects.create(
            client=wholesale_client, msg_id="msg_x", event_type="x", payload={}, url="x"
        )
        raise RuntimeError("callbacks are down")

    monkeypatch.setattr("shop.wholesale.callbacks.callback_emit", broken)
    orders.order_set_status(order_id=order.pk, to=Status.IN_PRODUCTION)
    assert Order.objects.get(pk=order.pk).status == Status.IN_PRODUCTION
    assert not CallbackDelivery.objects.exists()  # its own writes were rolled back


# --- any text -------------------------------------------------------------------------------


def _refused_ip(text: str) -> bool:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return False
    return address_refusal(ip) is not None or not ip.is_global


URL_PARTS = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda scheme, host, rest: f"{scheme}://{host}{rest}",
        st.sampled_from(["https", "http", "HTTPS", "ftp", ""]),
        st.one_of(
            st.ip_addresses(v=4).map(str),
            st.ip_addresses(v=6).map(lambda ip: f"[{ip}]"),
            st.from_regex(r"[a-z0-9.\-_@:%\[\]]{0,30}", fullmatch=True),
            st.text(max_size=20),
        ),
        st.text(max_size=30),
    ),
)


@hsettings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(url=URL_PARTS)
def test_any_text_is_refused_cleanly_or_safe(url):
    """Whatever the text: CallbackUrlRefused or a URL whose IP literal host is public.
    (No fixtures in a Hypothesis test: the fake DNS is installed by hand.)"""
    fake = FakeDns()
    original = socket.getaddrinfo
    socket.getaddrinfo = fake
    try:
        try:
            checked = callback_url_check(url)
        except CallbackUrlRefused:
            return
    finally:
        socket.getaddrinfo = original
    host = urlsplit(checked).hostname
    assert checked.startswith("https://")
    assert not _refused_ip(host)
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return
    for network in ("10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10", "::1/128"):
        assert ip not in ipaddress.ip_network(network)
