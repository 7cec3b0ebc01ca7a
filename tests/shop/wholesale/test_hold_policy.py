"""How long an accepted quote holds stock, and for whom (issue #17, item 3).

The rule: the order of a quote nobody at the shop looked at (one from the public inquiry
form, or an API client's, priced and sent by the job) holds its stock exactly as a retail
order does: ORDER_HOLD_MINUTES, at most ORDER_HOLD_MAX_MINUTES however many payment pages
open, within the per-buyer cap. Days-long holds exist only when staff granted them: staff
reviewed and sent the quote (WHOLESALE_PAYMENT_HOLD_DAYS), or set the client's own
`payment_hold_days`. A quote over the per-buyer cap is held for staff review, never sent
on its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from shop.catalog.models import Variant
from shop.orders import services as orders
from shop.orders.models import Order, Status, Stock
from shop.wholesale import services
from shop.wholesale.models import Quote, QuoteStatus
from tests.factories import StaffUserFactory, WholesaleClientFactory
from tests.shop.orders.conftest import placed_order
from tests.shop.wholesale.staff_quotes import make_quote, make_variant
from tests.shop.wholesale.test_web_quote import ADDRESS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _hold_settings(settings):
    settings.SHOP_COUNTRY = "US"
    settings.SHOP_CURRENCY = "USD"
    settings.ORDER_HOLD_MINUTES = 30
    settings.ORDER_HOLD_MAX_MINUTES = 120
    settings.WHOLESALE_PAYMENT_HOLD_DAYS = 7
    settings.STOCK_HOLD_MAX_UNITS_PER_BUYER = 50
    settings.RATE_LIMITS = {"inquiry-address": None, "inquiry-email": None, "quote-decide": None}


def accept_url(quote) -> str:
    return reverse("wholesale:quote_accept", args=[quote.number, quote.access_key])


def accept_on_the_page(quote, *, address: str = "203.0.113.7", follow: bool = False):
    """The contact accepts on the public quote page (from `address`)."""
    return Client(REMOTE_ADDR=address).post(accept_url(quote), ADDRESS, follow=follow)


def inquire(variant, capture, *, quantity: int, email: str = "alice@example.com") -> Quote:
    """A visitor's inquiry on the product page, priced by the (eager) job."""
    with capture(execute=True):
        response = Client().post(
            reverse("wholesale:inquiry", args=[variant.product.slug]),
            {
                "name": "Alice Reseller",
                "company": "Alice's Phone Shop",
                "email": email,
                "phone_model": variant.phone_model.slug,
                "sku": variant.sku,
                "quantity": str(quantity),
                "message": "",
                "ship_country": "DE",
            },
        )
    assert response.status_code == 302
    return Quote.objects.get(email=email)


def held_for(order: Order) -> timedelta:
    return order.reserved_until - order.created_at


def test_a_public_inquiry_quote_holds_only_the_retail_hold(django_capture_on_commit_callbacks):
    """Unflagged, the job sends the quote at once; accepted on the public page, its order
    holds the stock for ORDER_HOLD_MINUTES (not days), and the expiry job gives it back."""
    variant = make_variant(stock=59)
    quote = inquire(variant, django_capture_on_commit_callbacks, quantity=40)
    assert quote.status == QuoteStatus.SENT, quote.review_reasons
    response = accept_on_the_page(quote)
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert order.stock == Stock.HELD
    assert held_for(order) <= timedelta(minutes=30, seconds=5)
    assert "(the retail hold)" in order.events.get(kind="placed").message
    # Unpaid past the retail hold: released as any expired hold, back on sale.
    later = order.created_at + timedelta(minutes=31)
    assert orders.orders_release_expired(now=later) == 1
    order.refresh_from_db()
    assert (order.status, order.stock) == (Status.CANCELLED, Stock.RELEASED)
    assert Variant.objects.get(pk=variant.pk).stock_on_hand == 59


@pytest.mark.parametrize("quantity", [51, 59, 250])
def test_a_public_inquiry_over_the_cap_waits_for_staff(
    django_capture_on_commit_callbacks, quantity
):
    """More cases than one buyer may hold: never sent by the job, so it cannot lock the
    whole variant on its own; staff see why ("stock_hold")."""
    variant = make_variant(stock=59)
    quote = inquire(variant, django_capture_on_commit_callbacks, quantity=quantity)
    assert quote.status == QuoteStatus.IN_REVIEW
    assert "stock_hold" in quote.review_reasons


def test_a_quote_staff_reviewed_and_sent_holds_for_the_wholesale_days():
    """Staff review a 200-case web quote and send it: its order holds the stock
    WHOLESALE_PAYMENT_HOLD_DAYS, past the retail ceiling, outside the per-buyer cap."""
    quote = make_quote(status=QuoteStatus.IN_REVIEW, quantity=200)
    services.quote_send(quote_id=quote.pk, actor=StaffUserFactory())
    assert accept_on_the_page(quote).status_code == 302
    order = Order.objects.get()
    assert timedelta(days=7) - timedelta(seconds=5) <= held_for(order) <= timedelta(days=7)
    assert orders.orders_release_expired(now=order.created_at + timedelta(days=6)) == 0
    order.refresh_from_db()
    assert order.stock == Stock.HELD


@pytest.mark.parametrize(
    ("hold_days", "expected"),
    [
        (None, timedelta(minutes=30)),  # an API client staff granted nothing: retail hold
        (3, timedelta(days=3)),
        (14, timedelta(days=14)),
    ],
)
def test_a_clients_granted_hold_applies_to_quotes_the_job_sent(hold_days, expected):
    client = WholesaleClientFactory(payment_hold_days=hold_days)
    quote = make_quote(status=QuoteStatus.SENT, client=client, quantity=40)
    order = services.quote_accept(quote_id=quote.pk, address=ADDRESS)
    assert expected - timedelta(seconds=5) <= held_for(order) <= expected


def test_a_clients_granted_hold_lets_the_job_send_a_large_quote(settings):
    """With a hold granted, a quote over the per-buyer cap is not held back for it."""
    known = WholesaleClientFactory(payment_hold_days=7)
    stranger = WholesaleClientFactory(payment_hold_days=None)
    for client, flagged in ((known, False), (stranger, True)):
        quote = make_quote(status=QuoteStatus.REQUESTED, client=client, quantity=200)
        services.quote_price(quote_id=quote.pk)
        quote.refresh_from_db()
        assert ("stock_hold" in quote.review_reasons) is flagged


def test_one_email_cannot_hold_more_than_the_cap_across_orders():
    """30 cases held in a retail order, then a 40-case quote for the same email (another
    case): refused with a reason, nothing placed; a different buyer still can."""
    retail = make_variant(sku="RUG-PX8-BLU-R", stock=100)
    placed_order(retail, quantity=10, email="Alice@Example.com")
    placed_order(retail, quantity=10, email="alice@example.com ")
    placed_order(retail, quantity=10, email="ALICE@example.com")
    before = Variant.objects.get(pk=retail.pk).stock_on_hand
    quote = make_quote(status=QuoteStatus.SENT, quantity=40, variant=retail)
    response = accept_on_the_page(quote, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/{quote.access_key}/")
    assert "already have 30 case(s) held" in response.content.decode()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT and quote.order_id is None
    assert Order.objects.count() == 3
    assert Variant.objects.get(pk=retail.pk).stock_on_hand == before
    # Another buyer, another address: within the cap.
    other = make_quote(
        status=QuoteStatus.SENT, quantity=40, variant=retail, email="bob@example.com"
    )
    assert accept_on_the_page(other, address="198.51.100.9").status_code == 302
    other.refresh_from_db()
    assert other.status == QuoteStatus.ORDERED


def test_one_address_cannot_hold_more_than_the_cap_under_several_emails():
    variant = make_variant(stock=500)
    first = make_quote(status=QuoteStatus.SENT, quantity=40, variant=variant, email="a@example.com")
    second = make_quote(
        status=QuoteStatus.SENT, quantity=40, variant=variant, email="b@example.com"
    )
    third = make_quote(status=QuoteStatus.SENT, quantity=40, variant=variant, email="c@example.com")
    accept_on_the_page(first, address="203.0.113.7")
    accept_on_the_page(second, address="203.0.113.7")
    accept_on_the_page(third, address="198.51.100.9")
    statuses = [Quote.objects.get(pk=q.pk).status for q in (first, second, third)]
    assert statuses == [QuoteStatus.ORDERED, QuoteStatus.SENT, QuoteStatus.ORDERED]
    assert Variant.objects.get(pk=variant.pk).stock_on_hand == 500 - 80


def test_paid_orders_no_longer_count_against_the_cap():
    variant = make_variant(stock=500)
    order = placed_order(variant, quantity=10, email="alice@example.com")
    orders.payment_received(
        order_id=order.pk,
        provider="dev",
        reference="dev_paid",
        amount=order.total,
        currency=order.currency,
    )
    quote = make_quote(status=QuoteStatus.SENT, quantity=50, variant=variant)
    accept_on_the_page(quote)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ORDERED
    assert orders.buyer_units_held(email="alice@example.com") == 50
