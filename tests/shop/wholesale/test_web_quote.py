"""The public quote page: reached with the mailed link only (a wrong key is a 404), shows
the quote, its PDF once sent, and lets the contact accept (with an address in the quoted
country: it becomes an order) or decline; both are rate-limited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shop.wholesale import services
from shop.wholesale.models import QuoteStatus
from tests.shop.wholesale.staff_quotes import make_quote

pytestmark = pytest.mark.django_db

ADDRESS = {
    "name": "Alice Reseller",
    "line1": "Hauptstrasse 5",
    "line2": "",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "phone": "",
}


def page_url(quote, key=None, action="") -> str:
    name = {"": "quote", "pdf": "quote_pdf", "accept": "quote_accept", "decline": "quote_decline"}
    return reverse(f"wholesale:{name[action]}", args=[quote.number, key or quote.access_key])


@pytest.mark.parametrize("action", ["", "pdf"])
def test_wrong_key_or_number_is_404(client, action):
    quote = make_quote(status=QuoteStatus.SENT)
    assert client.get(page_url(quote, key="x" * 32, action=action)).status_code == 404
    assert client.get(page_url(quote, key=quote.access_key[:-1], action=action)).status_code == 404
    other = reverse("wholesale:quote", args=["Q-NOTHERE", quote.access_key])
    assert client.get(other).status_code == 404


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_wrong_key_cannot_decide(client, action, monkeypatch):
    quote = make_quote(status=QuoteStatus.SENT)
    monkeypatch.setattr(services, f"quote_{action}", lambda **kw: pytest.fail("called"))
    response = client.post(page_url(quote, key="y" * 32, action=action), ADDRESS)
    assert response.status_code == 404


def test_a_sent_quote_shows_prices_pdf_and_the_accept_form(client):
    quote = make_quote(status=QuoteStatus.SENT)
    response = client.get(page_url(quote))
    body = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    for expected in (quote.number, "$21.50", "$4300.00", "$47.00", "$4347.00", "6 days"):
        assert expected in body, expected
    assert page_url(quote, action="pdf") in body
    assert page_url(quote, action="accept") in body and page_url(quote, action="decline") in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert "<script>" not in body.split("</head>")[1]  # no inline script (CSP)
    pdf = client.get(page_url(quote, action="pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert "attachment" in pdf["Content-Disposition"]


def test_a_quote_being_prepared_shows_no_prices_and_no_pdf(client):
    quote = make_quote(status=QuoteStatus.IN_REVIEW)
    body = client.get(page_url(quote)).content.decode()
    assert "within 24 hours" in body
    assert "$21.50" not in body and "Accept" not in body
    assert client.get(page_url(quote, action="pdf")).status_code == 404


def test_accept_makes_the_order_and_goes_to_its_page(client, monkeypatch):
    quote = make_quote(status=QuoteStatus.SENT)
    calls = []

    class FakeOrder:
        number = "CF-TEST1234"

        def get_absolute_url(self):
            return "/orders/CF-TEST1234/key/"

    monkeypatch.setattr(services, "quote_accept", lambda **kw: calls.append(kw) or FakeOrder())
    response = client.post(page_url(quote, action="accept"), ADDRESS)
    assert response.status_code == 302 and response["Location"] == "/orders/CF-TEST1234/key/"
    # The visitor's address counts against the per-buyer cap on held units.
    assert calls == [{"quote_id": quote.pk, "address": ADDRESS, "client_address": "127.0.0.1"}]


def test_accept_needs_an_address_in_the_quoted_country(client, monkeypatch):
    quote = make_quote(status=QuoteStatus.SENT)  # shipping priced for Germany
    monkeypatch.setattr(services, "quote_accept", lambda **kw: pytest.fail("called"))
    response = client.post(page_url(quote, action="accept"), {**ADDRESS, "country": "FR"})
    assert response.status_code == 400
    assert "priced for Germany" in response.content.decode()
    response = client.post(page_url(quote, action="accept"), {**ADDRESS, "line1": ""})
    assert response.status_code == 400


def test_accept_refused_by_the_rules_is_a_message(client, monkeypatch):
    quote = make_quote(status=QuoteStatus.SENT)

    def refuse(**kwargs):
        raise services.QuoteError("This quote expired.")

    monkeypatch.setattr(services, "quote_accept", refuse)
    response = client.post(page_url(quote, action="accept"), ADDRESS, follow=True)
    assert response.status_code == 200
    assert "This quote expired." in response.content.decode()


def test_decline(client, monkeypatch):
    quote = make_quote(status=QuoteStatus.SENT)
    calls = []
    monkeypatch.setattr(services, "quote_decline", lambda **kw: calls.append(kw) or quote)
    response = client.post(page_url(quote, action="decline"), follow=True)
    assert calls and calls[0]["quote_id"] == quote.pk
    assert f"Quote {quote.number} is declined" in response.content.decode()


def test_deciding_is_rate_limited_per_address(client, settings, monkeypatch):
    settings.RATE_LIMITS = {"quote-decide": "2/h"}
    quote = make_quote(status=QuoteStatus.SENT)
    monkeypatch.setattr(services, "quote_decline", lambda **kw: quote)
    for _ in range(2):
        assert client.post(page_url(quote, action="decline")).status_code == 302
    response = client.post(page_url(quote, action="decline"))
    assert response.status_code == 429
    assert "Retry-After" in response


def test_csrf_is_required(monkeypatch):
    from django.test import Client

    quote = make_quote(status=QuoteStatus.SENT)
    monkeypatch.setattr(services, "quote_decline", lambda **kw: pytest.fail("called"))
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(page_url(quote, action="decline")).status_code == 403


# --- with the quote rules themselves -----------------------------------------------------


def test_accepting_for_real_makes_a_payable_order(client, mailoutbox):
    """A sent web quote, accepted with an address: an order at the quoted prices, and the
    visitor lands on its page, where a prepaid order can be paid. (Sent by the pricing job,
    so within the per-buyer cap: test_hold_policy.py has larger ones.)"""
    from shop.orders.models import Order

    quote = make_quote(status=QuoteStatus.SENT, unit_price="19.90", quantity=40)
    response = client.post(page_url(quote, action="accept"), ADDRESS)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ORDERED
    order = Order.objects.get(pk=quote.order_id)
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert order.total == quote.total and order.ship_city == "Berlin"
    page = client.get(order.get_absolute_url())
    assert page.status_code == 200
    assert quote.number in page.content.decode() or order.number in page.content.decode()
    # The quote page now points to the order and offers nothing more.
    body = client.get(page_url(quote)).content.decode()
    assert order.get_absolute_url() in body and "quote-accept" not in body


def test_declining_for_real_closes_the_quote(client):
    quote = make_quote(status=QuoteStatus.SENT)
    response = client.post(page_url(quote, action="decline"), follow=True)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DECLINED
    body = response.content.decode()
    assert "declined and closed" in body and "quote-accept" not in body
    # A second decline is refused with a message, not an error.
    again = client.post(page_url(quote, action="decline"), follow=True)
    assert again.status_code == 200


def test_an_address_the_order_rules_refuse_goes_on_the_form(client, monkeypatch):
    quote = make_quote(status=QuoteStatus.SENT)

    def refuse(**kwargs):
        raise services.QuoteInvalid("Bad address.", {"address.postal_code": ["Not a German code."]})

    monkeypatch.setattr(services, "quote_accept", refuse)
    response = client.post(page_url(quote, action="accept"), ADDRESS)
    assert response.status_code == 400
    assert "Not a German code." in response.content.decode()


# --- hostile input -----------------------------------------------------------------------


def test_any_number_and_key_is_a_404_never_an_error(client):
    """Whatever a visitor puts in the address, a quote is shown only for its own key."""
    from urllib.parse import quote as urlquote

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    real = make_quote(status=QuoteStatus.SENT)
    segment = st.text(min_size=1, max_size=120).filter(lambda s: s not in (".", ".."))

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(number=st.one_of(st.just(real.number), segment), key=segment)
    def check(number, key):
        for suffix in ("", "pdf"):
            path = f"/wholesale/quotes/{urlquote(number, safe='')}/{urlquote(key, safe='')}/"
            response = client.get(path + suffix)
            expected = 200 if (number, key) == (real.number, real.access_key) else 404
            assert response.status_code == expected, (number, key)

    check()


def test_the_pdf_is_drawn_from_the_quote_not_a_stored_file(client):
    """Whatever the unused `Quote.pdf` field holds, the page serves the PDF drawn from the
    quote as it is (the same bytes as the API's and the mail's)."""
    from django.core.files.base import ContentFile

    from shop.wholesale.pdf import quote_pdf

    quote = make_quote(status=QuoteStatus.SENT)
    quote.pdf.save("stale.pdf", ContentFile(b"%PDF-1.4 stale prices"), save=True)
    response = client.get(page_url(quote, action="pdf"))
    assert response.status_code == 200
    assert b"stale prices" not in response.content
    assert response.content == quote_pdf(quote=quote)
