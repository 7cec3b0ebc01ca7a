"""Staff see payment pages and webhook events in the admin, read-only."""

from __future__ import annotations

import pytest

from shop.payments import services
from shop.payments.models import CheckoutSession, WebhookEvent

pytestmark = pytest.mark.django_db


def test_checkout_sessions_are_listed_and_read_only(staff_client, order, settings):
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""
    services.payment_start(order=order, success_url="/s/", cancel_url="/c/")
    session = CheckoutSession.objects.get()
    listing = staff_client.get("/admin/payments/checkoutsession/?provider=dev")
    assert listing.status_code == 200 and session.session_id.encode() in listing.content
    page = staff_client.get(f"/admin/payments/checkoutsession/{session.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert staff_client.get("/admin/payments/checkoutsession/add/").status_code == 403


def test_webhook_events_filter_by_type_and_processed(staff_client):
    done = WebhookEvent.objects.create(
        event_id="evt_done", type="charge.refunded", payload={}, result="refund recorded"
    )
    WebhookEvent.objects.filter(pk=done.pk).update(processed_at="2026-01-01T00:00:00Z")
    WebhookEvent.objects.create(event_id="evt_todo", type="checkout.session.completed", payload={})
    todo = staff_client.get("/admin/payments/webhookevent/?processed=no")
    assert b"evt_todo" in todo.content and b"evt_done" not in todo.content
    by_type = staff_client.get("/admin/payments/webhookevent/?type=charge.refunded")
    assert b"evt_done" in by_type.content and b"evt_todo" not in by_type.content
    assert staff_client.get("/admin/payments/webhookevent/add/").status_code == 403
