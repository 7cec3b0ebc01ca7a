"""Quotes through the API: request, read, accept (an order, and how to pay it), decline,
the PDF; orders; the callback URL and the account."""

from __future__ import annotations

import ipaddress

import pytest

from shop.wholesale.models import Client, Quote, QuoteStatus
from tests.factories import VariantFactory

from .conftest import ADDRESS, make_order, make_quote

pytestmark = pytest.mark.django_db

PUBLIC_IP = ipaddress.ip_address("93.184.216.34")


@pytest.fixture
def no_dns(monkeypatch):
    """Callback hosts resolve to one public address, without asking any DNS server."""
    from shop.wholesale import callback_addresses

    monkeypatch.setattr(callback_addresses, "_resolve", lambda host, port: (PUBLIC_IP,))


def test_a_quote_request_is_stored_as_requested(api, wholesale_client):
    """POST /quotes/ answers 201 with the requested quote and its lines, no prices yet."""
    variant = VariantFactory()
    response = api.post(
        "/api/v1/quotes/",
        {"lines": [{"sku": variant.sku, "quantity": 100}], "reference": "PO-7", "note": "Hi"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    quote = Quote.objects.get(number=body["number"])
    assert quote.client == wholesale_client
    assert body["status"] in ("requested", "priced", "sent", "in_review")
    assert body["reference"] == "PO-7" and body["ship_country"] == wholesale_client.country
    assert [(li["sku"], li["quantity"]) for li in body["lines"]] == [(variant.sku, 100)]
    if body["status"] == "requested":
        assert body["total"] is None and body["lines"][0]["unit_price"] is None


def test_the_services_refusal_names_the_lines(api):
    """An unknown SKU is a 400 whose fields point at the line."""
    response = api.post(
        "/api/v1/quotes/", {"lines": [{"sku": "NOPE", "quantity": 100}]}, format="json"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and "lines.0.sku" in body["fields"]


def test_prices_show_once_the_quote_is_sent(api, wholesale_client):
    """A priced quote held for review shows no prices; a sent one shows lines, totals,
    lead time, validity and the PDF link; events show statuses, not staff's messages."""
    held = make_quote(wholesale_client, status=QuoteStatus.IN_REVIEW)
    body = api.get(f"/api/v1/quotes/{held.number}/").json()
    assert body["total"] is None and body["lines"][0]["unit_price"] is None
    assert body["pdf_url"] is None
    sent = make_quote(wholesale_client, status=QuoteStatus.SENT)
    body = api.get(f"/api/v1/quotes/{sent.number}/").json()
    assert (body["subtotal"], body["shipping"], body["total"]) == ("900.00", "25.00", "925.00")
    assert body["lines"][0]["unit_price"] == "9.00" and body["lead_time_days"] == 5
    assert body["valid_until"] and body["pdf_url"].endswith(f"/quotes/{sent.number}/pdf")
    assert body["events"] == [
        {"kind": "status", "from_status": "", "to_status": "sent", "at": body["events"][0]["at"]}
    ]
    assert "internal" not in str(body)


def test_staff_overrides_are_the_prices_shown(api, wholesale_client):
    quote = make_quote(wholesale_client, status=QuoteStatus.SENT)
    quote.lines.update(unit_price_override="8.25")
    Quote.objects.filter(pk=quote.pk).update(shipping_override="30.00")
    body = api.get(f"/api/v1/quotes/{quote.number}/").json()
    assert body["lines"][0]["unit_price"] == "8.25" and body["shipping"] == "30.00"


def test_quotes_list_filters_by_status(api, wholesale_client):
    sent = make_quote(wholesale_client, status=QuoteStatus.SENT)
    make_quote(wholesale_client)
    response = api.get("/api/v1/quotes/?status=sent")
    assert [q["number"] for q in response.json()["results"]] == [sent.number]
    assert len(api.get("/api/v1/quotes/").json()["results"]) == 2


@pytest.mark.parametrize("terms", [Client.Terms.PREPAID, Client.Terms.NET_30])
def test_accepting_a_sent_quote_makes_the_order(api, wholesale_client, terms):
    """Acceptance answers 201 with the order and how to pay it: the order's page when
    prepaid, the invoice's due date on net terms."""
    Client.objects.filter(pk=wholesale_client.pk).update(payment_terms=terms)
    wholesale_client.refresh_from_db()
    quote = make_quote(wholesale_client, status=QuoteStatus.SENT)
    response = api.post(
        f"/api/v1/quotes/{quote.number}/accept/", {"shipping_address": ADDRESS}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    quote.refresh_from_db()
    assert body["order"]["number"] == quote.order.number
    assert body["order"]["quote"] == quote.number
    assert body["payment"]["terms"] == terms
    if terms == Client.Terms.PREPAID:
        assert quote.order.access_key in body["payment"]["pay_url"]
        assert body["payment"]["invoice_due"] is None
    else:
        assert body["payment"]["pay_url"] is None and body["payment"]["invoice_due"]
    order = api.get(f"/api/v1/orders/{quote.order.number}/").json()
    assert order["status"] == quote.order.status and order["lines"][0]["quantity"] == 100


def test_accepting_an_unsent_quote_is_409(api, wholesale_client):
    quote = make_quote(wholesale_client)
    response = api.post(
        f"/api/v1/quotes/{quote.number}/accept/", {"shipping_address": ADDRESS}, format="json"
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "quote_state"


def test_an_address_is_validated(api, wholesale_client):
    quote = make_quote(wholesale_client, status=QuoteStatus.SENT)
    address = {**ADDRESS, "country": "usa", "city": "a\nb"}
    response = api.post(
        f"/api/v1/quotes/{quote.number}/accept/", {"shipping_address": address}, format="json"
    )
    assert response.status_code == 400
    assert "shipping_address.country" in response.json()["fields"]


def test_declining_a_sent_quote(api, wholesale_client):
    quote = make_quote(wholesale_client, status=QuoteStatus.SENT)
    response = api.post(f"/api/v1/quotes/{quote.number}/decline/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "declined"


def test_the_pdf_of_a_sent_quote(api, wholesale_client):
    """A sent quote's PDF downloads as an attachment; before it is sent, 409."""
    quote = make_quote(wholesale_client, status=QuoteStatus.SENT)
    response = api.get(f"/api/v1/quotes/{quote.number}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{quote.number}.pdf"'
    assert (
        b"".join(response.streaming_content if response.streaming else [response.content])[:5]
        == b"%PDF-"
    )
    unsent = make_quote(wholesale_client)
    response = api.get(f"/api/v1/quotes/{unsent.number}/pdf", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"


def test_orders_show_status_tracking_and_timeline(api, wholesale_client):
    quote = make_quote(wholesale_client, status=QuoteStatus.SENT)
    order = make_order(quote, tracking_number="1Z999")
    listed = api.get("/api/v1/orders/").json()["results"]
    assert [o["number"] for o in listed] == [order.number]
    body = listed[0]
    assert body["tracking_number"] == "1Z999"
    assert body["shipping_address"] == ADDRESS
    assert [e["kind"] for e in body["events"]] == ["placed"] and "x" not in str(body["events"])


def test_the_callback_url_and_its_secret(api, wholesale_client, no_dns):
    """PUT sets the URL and answers the signing secret; GET shows both; a refused URL is
    a 400 naming `url`."""
    assert api.get("/api/v1/callback/").json() == {"url": "", "secret": None}
    response = api.put("/api/v1/callback/", {"url": "https://hooks.example.com/cf"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["url"] == "https://hooks.example.com/cf" and body["secret"].startswith("whsec_")
    assert api.get("/api/v1/callback/").json() == body
    refused = api.put("/api/v1/callback/", {"url": "http://hooks.example.com/"}, format="json")
    assert refused.status_code == 400 and "url" in refused.json()["fields"]
    loopback = api.put("/api/v1/callback/", {"url": "https://127.0.0.1/x"}, format="json")
    assert loopback.status_code == 400 and "url" in loopback.json()["fields"]


def test_me(api, wholesale_client):
    body = api.get("/api/v1/me/").json()
    assert body["payment_terms"] == wholesale_client.payment_terms
    assert body["price_group"] == wholesale_client.price_group.name
