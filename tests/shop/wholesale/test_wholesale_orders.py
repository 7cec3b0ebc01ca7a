"""Accepting a quote: the order at the quoted prices (prepaid: waiting for payment with a
longer hold; net 30: in production at once, invoiced), refused when expired or short of
stock, once under concurrent accepts; and the expiry job."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from shop.catalog.models import Variant
from shop.orders import services as orders
from shop.orders.models import Order, PaymentState, Status, Stock
from shop.wholesale.models import Client, Quote, QuoteStatus
from shop.wholesale.services import (
    IllegalQuoteTransition,
    QuoteError,
    QuoteExpired,
    QuoteInvalid,
    quote_accept,
    quote_request,
    quote_send,
    quotes_expire,
)
from tests.configurator.designs import saved_design
from tests.factories import WholesaleClientFactory
from tests.locks import postgres_only, race

from .quoting import *  # noqa: F403 - the fixtures: catalog, sent, wholesale_settings
from .quoting import ADDRESS, lines

S = QuoteStatus


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def call(fn):
        with django_capture_on_commit_callbacks(execute=True):
            result = fn()
        if isinstance(result, Quote | Order):
            result.refresh_from_db()
        return result

    return call


def sent_quote(run, client, *items) -> Quote:
    """A quote requested, priced and sent (unflagged: it goes out at once)."""
    quote = run(lambda: quote_request(client=client, lines=lines(*items), ship_country="US"))
    assert quote.status == S.SENT, quote.review_reasons
    return quote


def stock(sku: str) -> int:
    return Variant.objects.get(sku=sku).stock_on_hand


@pytest.mark.django_db
def test_a_prepaid_quote_becomes_an_order_at_the_quoted_prices(catalog, sent, run):
    """Accepted: an order waiting for payment at the quote's prices and shipping, its stock
    held for the wholesale hold (7 days, not 30 minutes), the quote ordered, the contact
    mailed; the payment link is the order's page on the shop's address."""
    client = WholesaleClientFactory(payment_terms=Client.Terms.PREPAID)
    quote = sent_quote(run, client, ("CLS-IP12-BLK", 100), ("SLM-IP12-BLK", 30))
    # Staff's later price change does not touch a sent quote's order.
    Variant.objects.filter(sku="CLS-IP12-BLK").update(price=Decimal("99.00"))
    order = run(lambda: quote_accept(quote_id=quote.pk, address=ADDRESS))
    quote.refresh_from_db()
    assert quote.status == S.ORDERED and quote.order == order
    assert [e.to_status for e in quote.events.filter(kind="status")][-2:] == [
        S.ACCEPTED,
        S.ORDERED,
    ]
    assert order.is_wholesale and order.payment_terms == "prepaid"
    assert order.status == Status.PENDING_PAYMENT and order.stock == Stock.HELD
    assert order.email == client.email and order.invoice_due is None
    hold = order.reserved_until - timezone.now()
    assert timedelta(days=6, hours=23) < hold <= timedelta(days=7)
    assert [
        (line.sku, line.quantity, line.unit_price, line.line_total) for line in order.lines.all()
    ] == [
        ("CLS-IP12-BLK", 100, Decimal("18.00"), Decimal("1800.00")),
        ("SLM-IP12-BLK", 30, Decimal("9.00"), Decimal("270.00")),
    ]
    assert (order.subtotal, order.shipping, order.total) == (
        quote.subtotal,
        quote.shipping,
        quote.total,
    )
    assert order.total == order.subtotal + order.shipping and order.shipping > 0
    assert order.ship_name == "Robin Buyer" and order.ship_country == "US"
    assert stock("CLS-IP12-BLK") == 400 and stock("SLM-IP12-BLK") == 470
    assert sent.mail_kinds(quote) == ["sent", "ordered"]


@pytest.mark.django_db
def test_the_payment_link_is_the_order_page_on_the_shop_address(catalog, sent, run, settings):
    settings.SHOP_BASE_URL = "https://shop.example/"
    quote = sent_quote(run, WholesaleClientFactory(), ("CLS-IP12-BLK", 10))
    order = run(lambda: quote_accept(quote_id=quote.pk, address=ADDRESS))
    assert orders.order_pay_url(order) == (
        f"https://shop.example/orders/{order.number}/{order.access_key}/"
    )


@pytest.mark.django_db
def test_a_prepaid_order_is_not_released_after_thirty_minutes(catalog, sent, run):
    quote = sent_quote(run, WholesaleClientFactory(), ("CLS-IP12-BLK", 10))
    order = run(lambda: quote_accept(quote_id=quote.pk, address=ADDRESS))
    assert orders.orders_release_expired(now=timezone.now() + timedelta(hours=2)) == 0
    assert orders.orders_release_expired(now=timezone.now() + timedelta(days=8)) == 1
    order.refresh_from_db()
    assert order.status == Status.CANCELLED and stock("CLS-IP12-BLK") == 500


@pytest.mark.django_db
def test_a_net_30_order_goes_into_production_at_once(catalog, sent, run):
    """Net 30: no payment to wait for: in production at once (the move from pending payment
    only net-terms orders may make), stock taken, invoice due in 30 days, the confirmation
    says so and staff are told to invoice; never released by the payment hold."""
    client = WholesaleClientFactory(payment_terms=Client.Terms.NET_30)
    quote = sent_quote(run, client, ("CLS-IP12-BLK", 50))
    assert quote.payment_terms == "net30"
    order = run(lambda: quote_accept(quote_id=quote.pk, address=ADDRESS))
    assert order.payment_terms == "net30" and order.reserved_until is None
    assert order.invoice_due == timezone.localdate() + timedelta(days=30)
    assert order.status == Status.IN_PRODUCTION and order.stock == Stock.SOLD
    assert order.payment_state == PaymentState.UNPAID and order.paid_at is None
    assert list(order.events.filter(kind="status").values_list("from_status", "to_status")) == [
        (Status.PENDING_PAYMENT, Status.IN_PRODUCTION)
    ]
    assert stock("CLS-IP12-BLK") == 450
    confirmation = [m for m in mail.outbox if m.to == [client.email]]
    assert len(confirmation) == 1 and "net 30" in confirmation[0].body
    assert "We have your payment" not in confirmation[0].body
    staff = [m for m in mail.outbox if "invoice" in m.subject]
    assert len(staff) == 1 and order.number in staff[0].subject
    assert orders.orders_release_expired(now=timezone.now() + timedelta(days=60)) == 0
    # The invoice, paid later, is kept (not refunded as an extra payment).
    result = run(
        lambda: orders.payment_received(
            order_id=order.pk,
            provider="dev",
            reference="inv-1",
            amount=order.total,
            currency=order.currency,
        )
    )
    order.refresh_from_db()
    assert result == "invoice paid" and order.payment_state == PaymentState.PAID
    assert order.status == Status.IN_PRODUCTION
    assert order.paid_at is not None


def _invoice_paid(run, order, reference: str) -> str:
    return run(
        lambda: orders.payment_received(
            order_id=order.pk,
            provider="dev",
            reference=reference,
            amount=order.total,
            currency=order.currency,
        )
    )


@pytest.mark.django_db
def test_a_net_30_invoice_paid_twice_is_refunded_the_second_time(catalog, sent, run):
    """The invoice paid once is kept (paid, paid_at set); the same amount paid again is an
    extra payment: given back (a refund queued) and staff told, never kept silently."""
    from shop.outbox.models import OutboxMessage

    client = WholesaleClientFactory(payment_terms=Client.Terms.NET_30)
    quote = sent_quote(run, client, ("CLS-IP12-BLK", 50))
    order = run(lambda: quote_accept(quote_id=quote.pk, address=ADDRESS))
    assert _invoice_paid(run, order, "inv-1") == "invoice paid"
    order.refresh_from_db()
    assert order.payment_state == PaymentState.PAID and order.paid_at is not None
    paid_at = order.paid_at
    assert not OutboxMessage.objects.filter(task=orders.REFUND_TASK).exists()

    result = _invoice_paid(run, order, "inv-2")
    assert "refund queued" in result
    refund = OutboxMessage.objects.get(task=orders.REFUND_TASK)
    assert refund.args[:4] == [order.pk, "dev", "inv-2", str(order.total)]
    assert OutboxMessage.objects.filter(
        task=orders.STAFF_ALERT_TASK, args=[order.pk, "extra_payment"]
    ).exists()
    order.refresh_from_db()
    assert order.paid_at == paid_at and order.status == Status.IN_PRODUCTION
    assert order.events.filter(kind="invoice_paid").count() == 1


@pytest.mark.django_db
def test_the_net_30_move_is_refused_to_prepaid_orders(catalog, sent, run):
    quote = sent_quote(run, WholesaleClientFactory(), ("CLS-IP12-BLK", 10))
    order = run(lambda: quote_accept(quote_id=quote.pk, address=ADDRESS))
    assert orders.order_start_production(order_id=order.pk) is False
    with pytest.raises(orders.IllegalTransition):
        orders.order_set_status(order_id=order.pk, to=Status.IN_PRODUCTION)


@pytest.mark.django_db
def test_a_designed_line_keeps_its_design_on_the_order(catalog, sent, run, staff_user):
    client = WholesaleClientFactory()
    design = saved_design(visitor=client.design_owner_visitor)
    quote = run(
        lambda: quote_request(
            client=client, lines=lines(("CLS-IP12-BLK", 10, design.token)), ship_country="US"
        )
    )
    assert quote.status == S.IN_REVIEW
    quote = run(lambda: quote_send(quote_id=quote.pk, actor=staff_user))
    order = run(lambda: quote_accept(quote_id=quote.pk, address=ADDRESS))
    line = order.lines.get()
    assert (line.design, line.design_token, line.design_hash) == (
        design,
        design.token,
        design.content_hash,
    )
    assert line.unit_price == Decimal("20.50")  # 18.00 + 2.50 for printing the design
    assert "with your design" in line.name


@pytest.mark.django_db
def test_an_expired_quote_cannot_be_accepted(catalog, sent, run):
    """Past its date, acceptance expires the quote on the spot and says so; no order."""
    quote = sent_quote(run, WholesaleClientFactory(), ("CLS-IP12-BLK", 10))
    later = quote.valid_until + timedelta(seconds=1)
    with pytest.raises(QuoteExpired, match="expired"):
        quote_accept(quote_id=quote.pk, address=ADDRESS, now=later)
    quote.refresh_from_db()
    assert quote.status == S.EXPIRED and quote.order is None
    assert not Order.objects.exists() and stock("CLS-IP12-BLK") == 500
    with pytest.raises(IllegalQuoteTransition):
        quote_accept(quote_id=quote.pk, address=ADDRESS)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.REQUESTED, S.PRICED, S.IN_REVIEW, S.DECLINED, S.ORDERED])
def test_only_a_sent_quote_can_be_accepted(catalog, sent, run, status):
    quote = sent_quote(run, WholesaleClientFactory(), ("CLS-IP12-BLK", 10))
    Quote.objects.filter(pk=quote.pk).update(status=status)
    with pytest.raises(IllegalQuoteTransition):
        quote_accept(quote_id=quote.pk, address=ADDRESS)
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_short_stock_refuses_the_order_and_changes_nothing(catalog, sent, run):
    quote = sent_quote(run, WholesaleClientFactory(), ("CLS-IP12-BLK", 100), ("SLM-IP12-BLK", 10))
    Variant.objects.filter(sku="CLS-IP12-BLK").update(stock_on_hand=60)
    events = quote.events.count()
    with pytest.raises(QuoteError, match="only 60 left"):
        quote_accept(quote_id=quote.pk, address=ADDRESS)
    quote.refresh_from_db()
    assert quote.status == S.SENT and quote.events.count() == events
    assert not Order.objects.exists()
    assert stock("CLS-IP12-BLK") == 60 and stock("SLM-IP12-BLK") == 500


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"city": ""}, "address.city"),
        ({"country": "DE"}, "address.country"),
        ({"country": "XX"}, "address.country"),
        ({"name": "Robin\r\nBcc: x@example.com"}, "address.name"),
        ({"line1": "x" * 121}, "address.line1"),
    ],
)
def test_a_bad_address_is_refused_by_field(catalog, sent, run, change, field):
    quote = sent_quote(run, WholesaleClientFactory(), ("CLS-IP12-BLK", 10))
    with pytest.raises(QuoteInvalid) as caught:
        quote_accept(quote_id=quote.pk, address={**ADDRESS, **change})
    assert field in caught.value.errors
    quote.refresh_from_db()
    assert quote.status == S.SENT and not Order.objects.exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_accepts_make_one_order(catalog, sent, run):
    quote = sent_quote(run, WholesaleClientFactory(), ("CLS-IP12-BLK", 100))

    def accept():
        try:
            return quote_accept(quote_id=quote.pk, address=ADDRESS).number
        except QuoteError as exc:
            return f"refused: {exc}"

    results = race(accept)
    assert sum(r.startswith("CF-") for r in results) == 1, results
    assert Order.objects.count() == 1 and stock("CLS-IP12-BLK") == 400
    quote.refresh_from_db()
    assert quote.status == S.ORDERED and quote.events.filter(to_status=S.ORDERED).count() == 1


# --- the expiry job -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_expiry_job_expires_and_warns_once(catalog, sent, run):
    """Quotes past their date expire (with an event); those within 48 hours of it are
    warned once, by mail and callback; others are left alone."""
    client = WholesaleClientFactory()
    old, near, fresh = (sent_quote(run, client, ("CLS-IP12-BLK", 10)) for _ in range(3))
    now = timezone.now()
    Quote.objects.filter(pk=old.pk).update(valid_until=now - timedelta(minutes=1))
    Quote.objects.filter(pk=near.pk).update(valid_until=now + timedelta(hours=47))
    Quote.objects.filter(pk=fresh.pk).update(valid_until=now + timedelta(hours=49))
    assert run(lambda: quotes_expire(now=now)) == 1
    for quote in (old, near, fresh):
        quote.refresh_from_db()
    assert old.status == S.EXPIRED and old.events.latest("pk").to_status == S.EXPIRED
    assert near.status == S.SENT and near.expiry_warned_at == now
    assert fresh.status == S.SENT and fresh.expiry_warned_at is None
    assert sent.mail_kinds(near) == ["sent", "expiring"]
    assert sent.mail_kinds(old) == ["sent"] and sent.mail_kinds(fresh) == ["sent"]
    assert sent.events(client).count("quote.expiring") == 1
    assert run(lambda: quotes_expire(now=now + timedelta(minutes=5))) == 0
    assert sent.mail_kinds(near) == ["sent", "expiring"]
    assert sent.events(client).count("quote.expiring") == 1
    assert run(lambda: quotes_expire(now=now + timedelta(hours=48))) == 1
    near.refresh_from_db()
    assert near.status == S.EXPIRED


@pytest.mark.django_db
def test_a_divided_unit_price_is_rounded_half_up_on_the_order_and_the_callback(
    wholesale_settings, sent, run, staff_user
):
    """20.00 each, 8.10 from 10: 8 cases cost 81.00 (break protection), 10.125 each, shown
    as 10.13 (half-up, `pricing.cents`) on the order's line and in the callback's data, as
    on the quote; never 10.12 (half-even)."""
    from shop.wholesale.services import quote_send
    from tests.factories import (
        PriceGroupFactory,
        PriceTierFactory,
        ProductTermsFactory,
        VariantFactory,
    )

    variant = VariantFactory(sku="EVN-8", price=Decimal("20.00"), stock_on_hand=50)
    ProductTermsFactory(product=variant.product, min_quantity=1, increment=1)
    PriceTierFactory(variant=variant, min_quantity=10, unit_price=Decimal("8.10"))
    client = WholesaleClientFactory(
        price_group=PriceGroupFactory(name="List prices", discount_percent=Decimal("0"))
    )
    quote = run(lambda: quote_request(client=client, lines=lines(("EVN-8", 8)), ship_country="US"))
    line = quote.lines.get()
    assert (line.unit_price, line.line_total) == (Decimal("10.13"), Decimal("81.00"))
    assert quote.status == S.IN_REVIEW  # a deep discount: staff send it as priced
    quote = run(lambda: quote_send(quote_id=quote.pk, actor=staff_user))
    assert quote.status == S.SENT
    (ready,) = [data for _, event, data in sent.callbacks if event == "quote.ready"]
    assert ready["lines"][0]["unit_price"] == "10.13"
    assert ready["lines"][0]["line_total"] == "81.00"
    order = run(lambda: quote_accept(quote_id=quote.pk, address=ADDRESS))
    (order_line,) = order.lines.all()
    assert (order_line.unit_price, order_line.line_total) == (Decimal("10.13"), Decimal("81.00"))
