"""Delivering callbacks to a receiver the test starts on 127.0.0.1, which verifies every
request's signature with the `standardwebhooks` library: delivered, retried with backoff,
timed out, refused at delivery time, given up, and the admin's list and "Retry now"."""

from __future__ import annotations

import socket
import ssl
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from shop.wholesale import callback_tasks
from shop.wholesale.callbacks import (
    callback_delivery_attempt,
    callback_emit,
    callback_url_set,
    retry_delay,
)
from shop.wholesale.models import CallbackAttempt, CallbackDelivery
from tests.shop.wholesale.callback_receiver import FakeDns, Receiver, receiver_start, tls_files

HOST = "hooks.reseller.example"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.WHOLESALE_CALLBACKS_ALLOW_LOOPBACK = True
    settings.WHOLESALE_CALLBACK_TIMEOUT = 5
    settings.WHOLESALE_CALLBACK_MAX_ATTEMPTS = 8


@pytest.fixture
def dns(monkeypatch) -> FakeDns:
    fake = FakeDns()
    fake.names[HOST] = ["127.0.0.1"]
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def receiver():
    receiver = Receiver()
    stop = receiver_start(receiver)
    yield receiver
    stop()


@pytest.fixture
def registered(wholesale_client, receiver, dns):
    """The client's callback URL is the receiver's, by a name that resolves to 127.0.0.1."""
    callback_url_set(client=wholesale_client, url=receiver.url(host=HOST))
    receiver.secret = wholesale_client.callback_secret
    return wholesale_client


def emit(client, capture, *, execute=True, data=None) -> CallbackDelivery:
    with capture(execute=execute), transaction.atomic():
        delivery = callback_emit(
            client=client, event_type="quote.ready", data=data or {"quote": "Q-TEST2345"}
        )
    delivery.refresh_from_db()
    return delivery


def make_due(delivery: CallbackDelivery) -> None:
    CallbackDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def attempts(delivery) -> list[tuple[int | None, str]]:
    return [(a.status_code, a.error) for a in delivery.attempt_log.order_by("pk")]


def test_one_event_is_delivered_once_signed(
    registered, receiver, dns, django_capture_on_commit_callbacks
):
    dns.lookups.clear()
    delivery = emit(registered, django_capture_on_commit_callbacks)

    assert delivery.status == CallbackDelivery.Status.DELIVERED
    assert delivery.attempts == 1 and delivery.delivered_at is not None
    assert attempts(delivery) == [(200, "")]
    (got,) = receiver.received
    assert got.error == "" and got.verified == delivery.payload  # the library verified it
    assert got.verified["data"] == {"quote": "Q-TEST2345"}
    assert got.headers["webhook-id"] == delivery.msg_id
    assert got.headers["host"] == f"{HOST}:{receiver.port}"
    assert got.path == "/hook"
    # The name was looked up once (checked again at delivery), and the connection went to
    # the address that was checked.
    assert dns.lookups == [HOST, "127.0.0.1"]

    # Repeated or late tasks send nothing more.
    callback_tasks.callback_deliver.delay(delivery.pk)
    assert callback_tasks.callbacks_retry_due.delay().get() == 0
    assert len(receiver.received) == 1


def test_a_tampered_body_or_another_secret_fails_verification(
    registered, receiver, django_capture_on_commit_callbacks
):
    emit(registered, django_capture_on_commit_callbacks)
    (got,) = receiver.received
    assert Webhook(receiver.secret).verify(got.body, got.headers)
    tampered = got.body.replace(b"Q-TEST2345", b"Q-TEST2346")
    with pytest.raises(WebhookVerificationError):
        Webhook(receiver.secret).verify(tampered, got.headers)
    other = "whsec_" + "A" * 32
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(got.body, got.headers)


def test_two_errors_then_success_is_three_attempts(
    registered, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500, 503, 200]
    delivery = emit(registered, django_capture_on_commit_callbacks)
    assert delivery.status == CallbackDelivery.Status.PENDING
    assert attempts(delivery) == [(500, "HTTP 500")]
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 5 < wait <= 12  # 10 s, give or take the jitter

    # Not due yet: neither a repeated task nor the beat job tries again.
    assert callback_delivery_attempt(delivery_id=delivery.pk) is None
    assert callback_tasks.callbacks_retry_due.delay().get() == 0
    assert len(receiver.received) == 1

    make_due(delivery)
    assert callback_tasks.callbacks_retry_due.delay().get() == 1
    delivery.refresh_from_db()
    second_wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 30 < second_wait <= 48  # 40 s: the wait grows
    make_due(delivery)
    callback_tasks.callbacks_retry_due.delay()

    delivery.refresh_from_db()
    assert delivery.status == CallbackDelivery.Status.DELIVERED
    assert attempts(delivery) == [(500, "HTTP 500"), (503, "HTTP 503"), (200, "")]
    # Every attempt is signed afresh and verifies; the message id stays the same.
    assert [r.error for r in receiver.received] == ["", "", ""]
    assert {r.headers["webhook-id"] for r in receiver.received} == {delivery.msg_id}


def test_a_receiver_that_never_answers_in_time(
    registered, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WHOLESALE_CALLBACK_TIMEOUT = 0.3
    receiver.delay = 1.5
    delivery = emit(registered, django_capture_on_commit_callbacks)
    assert delivery.status == CallbackDelivery.Status.PENDING
    ((code, error),) = attempts(delivery)
    assert code is None and error.startswith("Timed out")
    assert delivery.attempt_log.get().duration_ms >= 300
    assert delivery.next_attempt_at > timezone.now()  # retried later

    receiver.delay = 0
    make_due(delivery)
    callback_tasks.callbacks_retry_due.delay()
    delivery.refresh_from_db()
    assert delivery.status == CallbackDelivery.Status.DELIVERED


def test_given_up_after_the_last_attempt(
    registered, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WHOLESALE_CALLBACK_MAX_ATTEMPTS = 2
    receiver.answers = [500]
    delivery = emit(registered, django_capture_on_commit_callbacks)
    make_due(delivery)
    callback_tasks.callbacks_retry_due.delay()
    delivery.refresh_from_db()
    assert delivery.status == CallbackDelivery.Status.FAILED
    assert delivery.attempts == 2 and delivery.next_attempt_at is None
    make_due(delivery)
    callback_tasks.callbacks_retry_due.delay()
    assert len(receiver.received) == 2


def test_a_redirect_is_not_followed(registered, receiver, django_capture_on_commit_callbacks):
    receiver.answers = [302]
    delivery = emit(registered, django_capture_on_commit_callbacks)
    assert attempts(delivery) == [(302, "HTTP 302")]
    assert delivery.status == CallbackDelivery.Status.PENDING
    assert len(receiver.received) == 1


def test_refused_again_at_delivery(registered, receiver, dns, django_capture_on_commit_callbacks):
    """Registered while the name was fine; by delivery time it resolves inside."""
    with django_capture_on_commit_callbacks() as pending, transaction.atomic():
        delivery = callback_emit(client=registered, event_type="quote.ready", data={})
    dns.names[HOST] = ["10.0.0.1"]
    for callback in pending:
        callback()
    delivery.refresh_from_db()
    assert delivery.status == CallbackDelivery.Status.FAILED  # for good: no retry
    ((code, error),) = attempts(delivery)
    assert code is None
    assert "Refused" in error and "10.0.0.1" in error and "private" in error
    assert receiver.received == []


@pytest.mark.parametrize(
    "address", ["fec0::1", "fd12::1", "100.64.0.1", "198.18.0.1", "64:ff9b::a00:1", "2002:a00:1::1"]
)
def test_every_special_address_is_refused_again_at_delivery(
    registered, receiver, dns, django_capture_on_commit_callbacks, address
):
    """Not only the private names: a name that resolves to any address that is not
    globally reachable by delivery time fails the delivery for good."""
    with django_capture_on_commit_callbacks() as pending, transaction.atomic():
        delivery = callback_emit(client=registered, event_type="quote.ready", data={})
    dns.names[HOST] = [address]
    for callback in pending:
        callback()
    delivery.refresh_from_db()
    assert delivery.status == CallbackDelivery.Status.FAILED
    ((code, error),) = attempts(delivery)
    assert code is None and "Refused" in error and address in error
    assert receiver.received == []


def test_dns_rebinding_after_the_check_is_not_followed(
    registered, receiver, dns, monkeypatch, django_capture_on_commit_callbacks
):
    """The name resolves to the (allowed) receiver when checked, then to a private address:
    the connection goes to the address that was checked, never to a second lookup's."""
    answers = iter([["127.0.0.1"]])

    def rebinding(host, *args, **kwargs):
        if host == HOST:
            dns.names[HOST] = next(answers, ["10.0.0.1"])
        return dns(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    delivery = emit(registered, django_capture_on_commit_callbacks)
    assert delivery.status == CallbackDelivery.Status.DELIVERED
    assert len(receiver.received) == 1


def test_the_client_removed_its_url(registered, receiver, django_capture_on_commit_callbacks):
    delivery = emit(registered, django_capture_on_commit_callbacks, execute=False)
    callback_url_set(client=registered, url="")
    callback_tasks.callback_deliver.delay(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == CallbackDelivery.Status.FAILED
    assert attempts(delivery) == [(None, "The client removed its callback URL.")]
    assert receiver.received == []


def test_retry_delays_grow_and_are_capped():
    assert 8 <= retry_delay(1) <= 12
    assert 32 <= retry_delay(2) <= 48
    assert all(retry_delay(n) <= 6 * 3600 * 1.2 for n in range(1, 60))
    assert retry_delay(30) >= 6 * 3600 * 0.8


# --- HTTPS: the certificate is checked against the name, the connection goes to the IP ----


@pytest.mark.parametrize(("cert_for", "delivered"), [(HOST, True), ("other.example", False)])
def test_https_to_the_checked_address_with_the_name_for_sni(
    wholesale_client,
    dns,
    tmp_path,
    settings,
    django_capture_on_commit_callbacks,
    cert_for,
    delivered,
):
    ca_file, cert_file, key_file = tls_files(tmp_path, cert_for)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    receiver = Receiver()
    stop = receiver_start(receiver, tls=tls)
    try:
        settings.WHOLESALE_CALLBACK_CA_FILE = ca_file
        callback_url_set(client=wholesale_client, url=f"https://{HOST}:{receiver.port}/hook")
        receiver.secret = wholesale_client.callback_secret
        delivery = emit(wholesale_client, django_capture_on_commit_callbacks)
    finally:
        stop()
    if delivered:
        assert delivery.status == CallbackDelivery.Status.DELIVERED
        (got,) = receiver.received
        assert got.verified is not None and got.headers["host"] == f"{HOST}:{receiver.port}"
    else:  # a certificate for another name: refused by the caller, retried later
        assert delivery.status == CallbackDelivery.Status.PENDING
        ((code, error),) = attempts(delivery)
        assert code is None and "ConnectError" in error
        assert receiver.received == []


# --- admin -------------------------------------------------------------------------------------


def test_admin_lists_deliveries_with_their_attempts_and_retries_now(
    staff_client, registered, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WHOLESALE_CALLBACK_MAX_ATTEMPTS = 1
    receiver.answers = [500, 200]
    delivery = emit(registered, django_capture_on_commit_callbacks)
    assert delivery.status == CallbackDelivery.Status.FAILED

    page = staff_client.get("/admin/wholesale/callbackdelivery/?status__exact=failed")
    assert page.status_code == 200
    assert delivery.msg_id in page.content.decode()
    detail = staff_client.get(f"/admin/wholesale/callbackdelivery/{delivery.pk}/change/")
    assert detail.status_code == 200
    assert "HTTP 500" in detail.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/wholesale/callbackdelivery/",
            {"action": "retry_now", "_selected_action": [delivery.pk]},
            follow=True,
        )
    assert "1 deliveries queued" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == CallbackDelivery.Status.DELIVERED
    assert CallbackAttempt.objects.filter(delivery=delivery).count() == 2
