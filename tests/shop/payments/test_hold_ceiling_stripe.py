"""The hold's ceiling with Stripe Checkout (the stand-in): each "Try again" on the
payment-cancelled page may open a new Checkout Session, but the order's stock is held no
longer than ORDER_HOLD_MAX_MINUTES from placing; past it no session is asked for and the
stock goes back. A session still open then may be paid: the late payment takes the stock
again when it is there (issue #17, item 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.catalog.models import Variant
from shop.orders.models import Status, Stock
from shop.payments.models import CheckoutSession
from tests.shop.payments.conftest import deliver, place
from tests.shop.payments.stripe_standin import event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.ORDER_HOLD_MINUTES = 30
    settings.ORDER_HOLD_MAX_MINUTES = 120
    settings.RATE_LIMITS = {"payment-start": None}


def test_try_again_cannot_push_the_hold_past_its_ceiling(variant, stripe_server, monkeypatch):
    clock = {"now": timezone.now().replace(microsecond=0)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    order = place((variant, 2))
    ceiling = order.created_at + timedelta(minutes=120)
    guest = Client()
    retry = reverse("payments:cancel", args=[order.number, order.access_key])
    sessions = []
    for step in range(1, 7):  # a new session every 25 minutes
        clock["now"] += timedelta(minutes=25)
        response = guest.post(retry, {"action": "retry"})
        order.refresh_from_db()
        assert order.reserved_until is None or order.reserved_until <= ceiling, step
        if clock["now"] < ceiling:
            assert response.status_code == 302
            assert response["Location"].startswith("https://checkout.stripe.test/")
            sessions = list(CheckoutSession.objects.filter(order=order).order_by("pk"))
            assert len(sessions) == step
            assert order.stock == Stock.HELD
        else:  # 125 and 150 minutes: no new session, the stock back on sale
            assert response.status_code == 302 and response["Location"] == retry
            assert CheckoutSession.objects.filter(order=order).count() == 4
            assert (order.status, order.stock) == (Status.CANCELLED, Stock.RELEASED)
            assert Variant.objects.get(pk=variant.pk).stock_on_hand == 10
    # The last session (opened at 100 minutes) outlives the hold; paid now, the late payment
    # takes the stock again, since it is still there.
    paid = stripe_server.pay(sessions[-1].session_id)
    assert deliver(Client(), event("checkout.session.completed", paid)).status_code == 200
    order.refresh_from_db()
    assert (order.status, order.stock) == (Status.PAID, Stock.SOLD)
    assert Variant.objects.get(pk=variant.pk).stock_on_hand == 8
