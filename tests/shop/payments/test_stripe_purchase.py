"""The whole purchase paid through Stripe: the real `stripe` library against the local
stand-in, the payment told by a webhook signed as Stripe signs it. A guest buys a case with
their own design and a stock case; the paid order goes into production (its pipeline run
at once, as without a broker), the production files are rendered, the shopper and staff are
mailed; staff ship it and the shopper is mailed the tracking number."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from configurator.models import Rendition
from shop.orders import services as orders
from shop.orders.models import Order, PaymentState, Status
from shop.payments.models import CheckoutSession, WebhookEvent
from tests.configurator.conftest import photo_png, post_json, spec_with, upload
from tests.factories import CaseProductFactory, PhoneModelFactory, VariantFactory
from tests.shop.orders.conftest import checkout_data
from tests.shop.payments.conftest import deliver
from tests.shop.payments.stripe_standin import event

pytestmark = pytest.mark.django_db


def test_a_designed_and_a_stock_case_paid_with_stripe_go_into_production_and_ship(
    stripe_server, django_capture_on_commit_callbacks, settings
):
    settings.SHIPPING_FREE_OVER = "50.00"
    phone = PhoneModelFactory(brand="Apple", name="iPhone 12", slug="iphone-12")
    designable = VariantFactory(
        sku="ARM-IP12-BLK",
        product=CaseProductFactory(name="Armor"),
        phone_model=phone,
        price=Decimal("24.90"),
        stock_on_hand=5,
    )
    stock_case = VariantFactory(sku="SLIM-IP12-BLK", phone_model=phone, price=Decimal("19.90"))
    shopper = Client()
    artwork = upload(shopper, photo_png()).json()["id"]
    made_for = {
        "product": designable.product.slug,
        "colour": designable.colour.slug,
    }  # the editor's way
    design = post_json(
        shopper,
        "/design/api/designs/",
        {"device": "iphone-12", "spec": spec_with(artwork), **made_for},
    ).json()["token"]
    shopper.post("/cart/add/", {"sku": designable.sku, "quantity": 1, "design": design})
    shopper.post("/cart/add/", {"sku": stock_case.sku, "quantity": 1})

    # Checkout opens Stripe's hosted page for the order.
    response = shopper.post("/checkout/", checkout_data(email="grace@example.com"))
    order = Order.objects.get()
    session = CheckoutSession.objects.get(order=order)
    assert response.status_code == 302
    assert response["Location"] == f"https://checkout.stripe.test/c/pay/{session.session_id}"
    # $24.90 + the $5.00 design surcharge + $19.90 = $49.80: under $50, so shipping is paid.
    assert (order.subtotal, order.shipping, order.total) == (
        Decimal("49.80"),
        Decimal("4.90"),
        Decimal("54.70"),
    )

    # The shopper pays on Stripe; Stripe tells the shop by a signed webhook.
    paid = stripe_server.pay(session.session_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(Client(), event("checkout.session.completed", paid)).status_code == 200
    order.refresh_from_db()
    assert (order.status, order.payment_state) == (Status.IN_PRODUCTION, PaymentState.PAID)
    assert WebhookEvent.objects.get().result == "paid"
    line = order.lines.get(design__isnull=False)
    assert line.design_token == design and line.design_hash
    made = set(Rendition.objects.filter(design=line.design).values_list("kind", flat=True))
    assert {"print_png", "print_pdf", "stl", "3mf"} <= made
    to_shopper = [m for m in mail.outbox if m.to == ["grace@example.com"]]
    assert len(to_shopper) == 1 and order.number in to_shopper[0].subject
    assert to_shopper[0].alternatives[0][1] == "text/html"
    assert any(order.number in m.subject for m in mail.outbox if m.to != ["grace@example.com"])

    # Staff ship it; the shopper is mailed the tracking number.
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_ship(order_id=order.pk, tracking_number="1Z999AA10123456784")
    order.refresh_from_db()
    assert order.status == Status.SHIPPED
    shipped = [m for m in mail.outbox if m.to == ["grace@example.com"]][-1]
    assert "1Z999AA10123456784" in shipped.body
