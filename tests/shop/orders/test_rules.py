"""The order rules on their own: placing holds stock, the state machine refuses illegal
moves, the ledger records each movement once, and stock comes back when it should."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.cart.models import Cart, CartLine
from shop.catalog.cache import catalog_revision
from shop.orders import services
from shop.orders.models import Order, PaymentState, Status, Stock
from shop.outbox.models import OutboxMessage
from tests.factories import VariantFactory
from tests.shop.orders.conftest import ADDRESS

pytestmark = pytest.mark.django_db


def place(*lines, method="standard", address=ADDRESS) -> Order:
    cart = Cart.objects.create()
    for variant, quantity in lines:
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    return services.order_place(cart=cart, email="ada@example.com", address=address, method=method)


def test_placing_snapshots_lines_holds_stock_and_empties_the_cart():
    variant = VariantFactory(price=Decimal("19.90"), stock_on_hand=40)
    order = place((variant, 2))
    variant.refresh_from_db()
    assert variant.stock_on_hand == 38
    line = order.lines.get()
    assert (line.sku, line.unit_price, line.quantity, line.line_total) == (
        variant.sku,
        Decimal("19.90"),
        2,
        Decimal("39.80"),
    )
    assert order.shipping == Decimal("4.90") and order.total == Decimal("44.70")
    assert order.stock == Stock.HELD and order.status == Status.PENDING_PAYMENT
    assert not CartLine.objects.exists()
    variant.price = Decimal("99.00")
    variant.save()
    line.refresh_from_db()
    assert line.unit_price == Decimal("19.90")


def test_standard_shipping_is_free_from_the_threshold_express_never():
    variant = VariantFactory(price=Decimal("25.00"), stock_on_hand=40)
    assert place((variant, 2)).shipping == Decimal("0.00")
    assert place((variant, 2), method="express").shipping == Decimal("12.90")
    assert place((variant, 2), address={**ADDRESS, "country": "DE"}).shipping == Decimal("0.00")
    assert place((variant, 1), address={**ADDRESS, "country": "JP"}).shipping == Decimal("14.90")


def test_more_than_in_stock_is_refused_and_nothing_is_saved():
    variant = VariantFactory(stock_on_hand=1)
    with pytest.raises(services.OrderError, match="Only 1 left"):
        place((variant, 2))
    assert not Order.objects.exists()
    variant.refresh_from_db()
    assert variant.stock_on_hand == 1


def test_illegal_transitions_raise_and_legal_ones_write_events():
    order = place((VariantFactory(stock_on_hand=9), 1))
    with pytest.raises(services.IllegalTransition):
        services.order_set_status(order_id=order.pk, to=Status.SHIPPED)
    with pytest.raises(services.IllegalTransition):
        services.order_set_status(order_id=order.pk, to=Status.DELIVERED)
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT
    services.payment_received(
        order_id=order.pk, provider="dev", reference="p1", amount=order.total, currency="usd"
    )
    order.refresh_from_db()
    assert (order.status, order.payment_state, order.stock) == (
        Status.PAID,
        PaymentState.PAID,
        Stock.SOLD,
    )
    kinds = list(order.events.values_list("kind", "to_status"))
    assert ("status", "paid") in kinds and kinds[0] == ("placed", "pending_payment")
    assert OutboxMessage.objects.filter(task=services.PIPELINE_TASK, args=[order.pk]).exists()


def test_the_same_payment_twice_is_recorded_once():
    order = place((VariantFactory(stock_on_hand=9), 1))
    for _ in range(2):
        services.payment_received(
            order_id=order.pk, provider="dev", reference="p1", amount=order.total, currency="USD"
        )
    assert order.payments.count() == 1
    assert OutboxMessage.objects.filter(task=services.PIPELINE_TASK).count() == 1


def test_a_wrong_amount_does_not_make_the_order_paid():
    order = place((VariantFactory(stock_on_hand=9), 1))
    result = services.payment_received(
        order_id=order.pk, provider="dev", reference="p1", amount=Decimal("1.00"), currency="USD"
    )
    order.refresh_from_db()
    assert "mismatch" in result and order.status == Status.PENDING_PAYMENT


def test_an_expired_hold_gives_the_stock_back_once():
    variant = VariantFactory(stock_on_hand=3)
    order = place((variant, 2))
    later = timezone.now() + timedelta(minutes=31)
    assert services.orders_release_expired(now=later) == 1
    assert services.orders_release_expired(now=later) == 0
    variant.refresh_from_db()
    order.refresh_from_db()
    assert variant.stock_on_hand == 3
    assert (order.status, order.stock) == (Status.CANCELLED, Stock.RELEASED)


def test_a_late_payment_takes_the_stock_again_or_is_refunded():
    variant = VariantFactory(stock_on_hand=2)
    first = place((variant, 2))
    services.orders_release_expired(now=timezone.now() + timedelta(minutes=31))
    services.payment_received(
        order_id=first.pk, provider="dev", reference="a", amount=first.total, currency="USD"
    )
    first.refresh_from_db()
    variant.refresh_from_db()
    assert first.status == Status.PAID and variant.stock_on_hand == 0

    variant.stock_on_hand = 1
    variant.save()
    second = place((variant, 1))
    services.orders_release_expired(now=timezone.now() + timedelta(minutes=31))
    place((variant, 1))  # someone else buys the last one
    result = services.payment_received(
        order_id=second.pk, provider="dev", reference="b", amount=second.total, currency="USD"
    )
    second.refresh_from_db()
    assert "refund" in result and second.status == Status.CANCELLED
    assert OutboxMessage.objects.filter(task=services.REFUND_TASK, args__0=second.pk).exists()
    assert OutboxMessage.objects.filter(task=services.STAFF_ALERT_TASK).exists()


def test_a_refund_seen_before_its_payment_ends_refunded():
    variant = VariantFactory(stock_on_hand=5)
    order = place((variant, 1))
    services.refund_recorded(
        order_id=order.pk, provider="dev", reference="r1", amount=order.total, currency="USD"
    )
    services.payment_received(
        order_id=order.pk, provider="dev", reference="p1", amount=order.total, currency="USD"
    )
    order.refresh_from_db()
    variant.refresh_from_db()
    assert (order.status, order.payment_state) == (Status.REFUNDED, PaymentState.REFUNDED)
    assert variant.stock_on_hand == 5


def test_a_sale_bumps_the_storefront_only_when_a_stock_label_changes(settings):
    settings.LOW_STOCK_THRESHOLD = 5
    plenty = VariantFactory(stock_on_hand=40)
    before = catalog_revision()
    place((plenty, 1))
    assert catalog_revision() == before  # "In stock" before and after
    few = VariantFactory(stock_on_hand=7)
    before = catalog_revision()
    place((few, 2))  # 7 -> 5: "In stock" -> "Only 5 left"
    assert catalog_revision() != before


def test_a_second_payment_for_a_paid_order_is_refunded_and_staff_told():
    order = place((VariantFactory(stock_on_hand=9), 1))
    for reference in ("tab-1", "tab-2"):  # two payment pages, both paid
        result = services.payment_received(
            order_id=order.pk,
            provider="dev",
            reference=reference,
            amount=order.total,
            currency="USD",
        )
    assert "refund queued" in result
    refund = OutboxMessage.objects.get(task=services.REFUND_TASK)
    assert refund.args[:3] == [order.pk, "dev", "tab-2"]
    assert OutboxMessage.objects.filter(
        task=services.STAFF_ALERT_TASK, args=[order.pk, "extra_payment"]
    ).exists()
    assert OutboxMessage.objects.filter(task=services.PIPELINE_TASK).count() == 1


def test_a_full_refund_before_shipping_gives_the_stock_back_after_shipping_not():
    variant = VariantFactory(stock_on_hand=5)
    kept = place((variant, 2))
    services.payment_received(
        order_id=kept.pk, provider="dev", reference="p1", amount=kept.total, currency="USD"
    )
    services.refund_recorded(
        order_id=kept.pk, provider="dev", reference="r1", amount=kept.total, currency="USD"
    )
    variant.refresh_from_db()
    kept.refresh_from_db()
    assert (kept.status, kept.stock, variant.stock_on_hand) == (Status.REFUNDED, Stock.RELEASED, 5)

    shipped = place((variant, 2))
    services.payment_received(
        order_id=shipped.pk, provider="dev", reference="p2", amount=shipped.total, currency="USD"
    )
    services.order_start_production(order_id=shipped.pk)
    services.order_ship(order_id=shipped.pk, tracking_number="1Z1")
    services.refund_recorded(
        order_id=shipped.pk, provider="dev", reference="r2", amount=shipped.total, currency="USD"
    )
    variant.refresh_from_db()
    assert variant.stock_on_hand == 3  # the two shipped cases are gone


def test_an_order_holding_a_wrong_payment_is_not_released_by_the_expiry_job():
    order = place((VariantFactory(stock_on_hand=9), 1))
    services.payment_received(
        order_id=order.pk, provider="dev", reference="p1", amount=Decimal("1.00"), currency="USD"
    )
    assert services.orders_release_expired(now=timezone.now() + timedelta(minutes=31)) == 0
    order.refresh_from_db()
    assert (order.status, order.stock) == (Status.PENDING_PAYMENT, Stock.HELD)
