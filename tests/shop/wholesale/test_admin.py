"""The wholesale admin: every page loads for staff; API keys issued once from a client's
page; the quote list's reply-due column and filters; staff price overrides; the quote
page's buttons go through the quote rules and a refusal is a message, never a 500."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.urls import reverse

from shop.wholesale import api_keys, services
from shop.wholesale.models import ApiKey, Client, QuoteEvent, QuoteLine, QuoteStatus
from tests.factories import (
    GroupPriceTierFactory,
    InquiryFactory,
    ProductTermsFactory,
    WholesaleClientFactory,
)
from tests.shop.wholesale.quoting import *  # noqa: F403 - the fixtures: sent, wholesale_settings
from tests.shop.wholesale.staff_quotes import make_quote, make_variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(db):
    client = WholesaleClientFactory(company="Acme Cases GmbH")
    services.api_key_issue(client=client, name="backend")
    tier = GroupPriceTierFactory(group=client.price_group)
    terms = ProductTermsFactory()
    quote = make_quote(client=client)
    inquiry = InquiryFactory()
    return {
        "pricegroup": client.price_group,
        "grouppricetier": tier,
        "productterms": terms,
        "client": client,
        "apikey": client.api_keys.get(),
        "quote": quote,
        "inquiry": inquiry,
    }


ADDABLE = {"pricegroup", "productterms", "client", "inquiry"}


@pytest.mark.parametrize(
    "model", ["pricegroup", "productterms", "client", "apikey", "quote", "inquiry"]
)
def test_every_admin_page_loads_for_staff(staff_client, rows, model):
    """Changelist, change page, and add page where adding is allowed, all answer 200."""
    obj = rows[model]
    changelist = staff_client.get(reverse(f"admin:wholesale_{model}_changelist"))
    assert changelist.status_code == 200
    assert (
        staff_client.get(reverse(f"admin:wholesale_{model}_change", args=[obj.pk])).status_code
        == 200
    )
    add = staff_client.get(reverse(f"admin:wholesale_{model}_add"))
    assert add.status_code == (200 if model in ADDABLE else 403)


def test_quote_list_filters_load(staff_client, rows):
    url = reverse("admin:wholesale_quote_changelist")
    for query in (
        "due=late",
        "due=soon",
        "due=attention",
        "reason=large_quantity",
        "status=in_review",
    ):
        assert staff_client.get(f"{url}?{query}").status_code == 200, query


def test_client_list_counts_live_keys(staff_client, rows):
    client = rows["client"]
    row, _ = services.api_key_issue(client=client, name="second")
    services.api_key_revoke(key_id=row.pk)
    body = staff_client.get(reverse("admin:wholesale_client_changelist")).content.decode()
    cell = body[body.index("Acme Cases GmbH") :]
    assert '<td class="field-keys_count">1</td>' in cell


# --- API keys ----------------------------------------------------------------------------


def test_keys_with_an_underscore_in_the_secret_work(rows, monkeypatch):
    """token_urlsafe secrets hold "_" about half the time: such keys work too."""
    client = rows["client"]
    monkeypatch.setattr(api_keys.secrets, "token_urlsafe", lambda n: "ab_cd" * 8)
    _, key = services.api_key_issue(client=client, name="underscore")
    assert services.api_key_check(key=key) is not None


def test_key_issued_from_the_client_page_is_shown_once_and_works(staff_client, rows):
    """The key is on the answer to the POST only; it authenticates; nothing stored (rows,
    admin history, session) holds it."""
    client = rows["client"]
    page = staff_client.get(reverse("admin:wholesale_client_change", args=[client.pk]))
    issue_url = reverse("admin:wholesale_client_issue_key", args=[client.pk])
    assert issue_url in page.content.decode()

    response = staff_client.post(issue_url, {"name": "warehouse"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = response.context["key"]
    assert key in response.content.decode()

    row = services.api_key_check(key=key)
    assert row is not None and row.client == client and row.name == "warehouse"
    # Not stored anywhere in plain text: the key rows, the admin history, the session.
    for stored in ApiKey.objects.values_list("prefix", "hashed", "name"):
        assert key not in " ".join(stored)
    assert ApiKey.objects.get(pk=row.pk).hashed == hashlib.sha256(key.encode()).hexdigest()
    for entry in LogEntry.objects.all():
        assert key not in entry.change_message and key not in entry.object_repr
    assert LogEntry.objects.filter(change_message__contains=row.prefix).exists()
    for session in Session.objects.all():
        assert key not in str(session.get_decoded())
    # And never shown again.
    for url in (
        reverse("admin:wholesale_client_change", args=[client.pk]),
        reverse("admin:wholesale_apikey_changelist"),
        reverse("admin:wholesale_apikey_change", args=[row.pk]),
    ):
        body = staff_client.get(url).content.decode()
        assert key not in body
        assert f"cfk_{row.prefix}_" in body


def test_no_key_for_a_suspended_client(staff_client, rows):
    client = rows["client"]
    Client.objects.filter(pk=client.pk).update(status=Client.Status.SUSPENDED)
    before = ApiKey.objects.count()
    response = staff_client.post(
        reverse("admin:wholesale_client_issue_key", args=[client.pk]), {"name": "x"}, follow=True
    )
    assert ApiKey.objects.count() == before
    assert "is suspended" in response.content.decode()


def test_revoke_action_stops_the_key(staff_client, rows):
    client = rows["client"]
    row, key = services.api_key_issue(client=client, name="to revoke")
    response = staff_client.post(
        reverse("admin:wholesale_apikey_changelist"),
        {"action": "revoke", "_selected_action": [row.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 key(s) revoked." in response.content.decode()
    assert services.api_key_check(key=key) is None


# --- quotes ------------------------------------------------------------------------------


def test_reply_due_column_flags_quotes_near_or_past_the_promise(staff_client, db):
    late = make_quote(reply_in=-timedelta(hours=1), reference="LATE")
    soon = make_quote(reply_in=timedelta(hours=3), reference="SOON")
    calm = make_quote(reply_in=timedelta(hours=20), reference="CALM")
    answered = make_quote(status=QuoteStatus.SENT, reply_in=-timedelta(hours=5))
    url = reverse("admin:wholesale_quote_changelist")
    body = staff_client.get(url).content.decode()

    def row(quote) -> str:
        start = body.index(f">{quote.number}<")
        return body[start : body.index("</tr>", start)]

    assert "(overdue)" in row(late) and "cf-due--late" in row(late)
    assert "(due soon)" in row(soon) and "cf-due--soon" in row(soon)
    assert "cf-due" not in row(calm) and "cf-due" not in row(answered)

    attention = staff_client.get(f"{url}?due=attention").content.decode()
    assert late.number in attention and soon.number in attention
    assert calm.number not in attention and answered.number not in attention
    overdue = staff_client.get(f"{url}?due=late").content.decode()
    assert late.number in overdue and soon.number not in overdue


def test_review_reason_filter(staff_client, db):
    flagged = make_quote(review_reasons=["custom_design"])
    plain = make_quote(status=QuoteStatus.PRICED)
    body = staff_client.get(
        reverse("admin:wholesale_quote_changelist") + "?reason=custom_design"
    ).content.decode()
    assert flagged.number in body and plain.number not in body


def _change_data(quote, overrides: dict[int, str], shipping: str = "") -> dict:
    lines = list(quote.lines.order_by("position"))
    data = {
        "shipping_override": shipping,
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": len(lines),
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
        "events-TOTAL_FORMS": 0,
        "events-INITIAL_FORMS": 0,
        "events-MIN_NUM_FORMS": 0,
        "events-MAX_NUM_FORMS": 1000,
    }
    for i, line in enumerate(lines):
        data[f"lines-{i}-id"] = line.pk
        data[f"lines-{i}-quote"] = quote.pk
        data[f"lines-{i}-unit_price_override"] = overrides.get(line.position, "")
    return data


def test_staff_override_line_price_and_shipping_in_review(staff_client, staff_user, db):
    quote = make_quote(quantity=200, unit_price="21.50", shipping="47.00")
    url = reverse("admin:wholesale_quote_change", args=[quote.pk])
    page = staff_client.get(url).content.decode()
    assert 'name="lines-0-unit_price_override"' in page
    assert 'name="shipping_override"' in page
    assert "large quantity" in page  # the review reason

    response = staff_client.post(url, _change_data(quote, {1: "19.90"}, shipping="39.00"))
    assert response.status_code == 302, response.content.decode()[:2000]
    line = QuoteLine.objects.get(quote=quote)
    quote.refresh_from_db()
    assert line.unit_price_override == Decimal("19.90")
    assert line.line_total == Decimal("3980.00")
    assert quote.shipping_override == Decimal("39.00")
    assert quote.subtotal == Decimal("3980.00")
    assert quote.total == Decimal("4019.00")
    events = QuoteEvent.objects.filter(quote=quote, kind="override")
    assert events.count() == 2 and all(e.actor == staff_user for e in events)
    assert quote.status == QuoteStatus.IN_REVIEW  # prices changed, not the state


def test_prices_of_a_sent_quote_are_read_only(staff_client, db):
    quote = make_quote(status=QuoteStatus.SENT)
    url = reverse("admin:wholesale_quote_change", args=[quote.pk])
    page = staff_client.get(url).content.decode()
    assert 'name="lines-0-unit_price_override"' not in page
    assert 'name="shipping_override"' not in page
    staff_client.post(url, _change_data(quote, {1: "1.00"}, shipping="1.00"))
    line = QuoteLine.objects.get(quote=quote)
    assert line.unit_price_override is None and line.line_total == Decimal("4300.00")
    assert not QuoteEvent.objects.filter(quote=quote, kind="override").exists()


def test_send_button_calls_the_quote_rules(staff_client, staff_user, db, monkeypatch):
    quote = make_quote()
    calls = []
    monkeypatch.setattr(
        services, "quote_send", lambda **kw: calls.append(kw) or quote, raising=True
    )
    response = staff_client.post(
        reverse("admin:wholesale_quote_send", args=[quote.pk]), follow=True
    )
    assert calls == [{"quote_id": quote.pk, "actor": staff_user}]
    assert f"Quote {quote.number} sent" in response.content.decode()


@pytest.mark.parametrize("action", ["send", "decline"])
def test_a_refused_move_is_a_message_not_an_error(staff_client, db, monkeypatch, action):
    quote = make_quote(status=QuoteStatus.EXPIRED)

    def refuse(**kwargs):
        raise services.IllegalQuoteTransition("Quote cannot go from expired to sent.")

    monkeypatch.setattr(services, f"quote_{action}", refuse)
    response = staff_client.post(
        reverse(f"admin:wholesale_quote_{action}", args=[quote.pk]), follow=True
    )
    assert response.status_code == 200
    assert "Quote cannot go from expired to sent." in response.content.decode()


def test_quote_page_links_pdf_and_order_and_inquiry(staff_client, db):
    inquiry = InquiryFactory()
    quote = make_quote(status=QuoteStatus.SENT, inquiry=inquiry)
    body = staff_client.get(
        reverse("admin:wholesale_quote_change", args=[quote.pk])
    ).content.decode()
    assert f"/wholesale/quotes/{quote.number}/{quote.access_key}/pdf" in body
    assert reverse("admin:wholesale_inquiry_change", args=[inquiry.pk]) in body
    inquiry_page = staff_client.get(
        reverse("admin:wholesale_inquiry_change", args=[inquiry.pk])
    ).content.decode()
    assert reverse("admin:wholesale_quote_change", args=[quote.pk]) in inquiry_page


def test_override_then_send_for_real(
    staff_client, staff_user, mailoutbox, settings, django_capture_on_commit_callbacks
):
    """Staff lower a line's price on a quote in review and send it: the contact's mail and
    the quote carry the new price and totals."""
    settings.SHOP_BASE_URL = "https://shop.example"
    quote = make_quote(quantity=200, unit_price="21.50", shipping="47.00")
    url = reverse("admin:wholesale_quote_change", args=[quote.pk])
    staff_client.post(url, _change_data(quote, {1: "19.90"}))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:wholesale_quote_send", args=[quote.pk]), follow=True
        )
    assert f"Quote {quote.number} sent" in response.content.decode()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT
    assert quote.total == Decimal("3980.00") + Decimal("47.00")
    event = quote.events.filter(to_status=QuoteStatus.SENT).get()
    assert event.actor == staff_user
    (mail,) = [m for m in mailoutbox if quote.number in m.subject]
    assert "$19.90" in mail.body and "$4027.00" in mail.body
    # Sent: the prices are read-only now, and the page links the PDF.
    page = staff_client.get(url).content.decode()
    assert 'name="lines-0-unit_price_override"' not in page
    assert f"/wholesale/quotes/{quote.number}/{quote.access_key}/pdf" in page


def test_sending_a_line_without_price_is_refused_with_a_message(staff_client, db):
    quote = make_quote()
    QuoteLine.objects.filter(quote=quote).update(
        unit_price=None, line_total=None, problem="Below the minimum of 500."
    )
    response = staff_client.post(
        reverse("admin:wholesale_quote_send", args=[quote.pk]), follow=True
    )
    assert response.status_code == 200
    assert "Set a price for line 1" in response.content.decode()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.IN_REVIEW


def test_decline_and_reprice_buttons(staff_client, db):
    quote = make_quote()
    page = staff_client.get(reverse("admin:wholesale_quote_change", args=[quote.pk]))
    body = page.content.decode()
    assert 'data-action="send"' in body and 'data-action="decline"' in body
    assert 'data-action="reprice"' in body
    staff_client.post(reverse("admin:wholesale_quote_reprice", args=[quote.pk]))
    quote.refresh_from_db()
    assert quote.status != QuoteStatus.IN_REVIEW  # back to pricing (priced again, eagerly)
    other = make_quote()
    staff_client.post(
        reverse("admin:wholesale_quote_decline", args=[other.pk]), {"reason": "Out of stock."}
    )
    other.refresh_from_db()
    assert other.status == QuoteStatus.DECLINED


def test_a_staff_save_keeps_a_break_protected_line_total(
    staff_client, staff_user, wholesale_settings, sent
):
    """20.00 each, 9.50 from 50: 45 cases cost 475.00 (what 50 would), shown at 10.56 each.
    Staff save the quote page without touching that line (only the shipping), and send it:
    the line still costs 475.00, not 10.56 x 45 = 475.20."""
    from shop.wholesale.models import Quote

    quote = _break_protected_quote()
    line = quote.lines.get()
    url = reverse("admin:wholesale_quote_change", args=[quote.pk])
    response = staff_client.post(url, _change_data(quote, {}, shipping="30.00"))
    assert response.status_code == 302, response.content.decode()[:2000]
    line.refresh_from_db()
    quote.refresh_from_db()
    assert line.line_total == Decimal("475.00")
    assert (quote.subtotal, quote.total) == (Decimal("475.00"), Decimal("505.00"))

    services.quote_send(quote_id=quote.pk, actor=staff_user)
    quote = Quote.objects.get(pk=quote.pk)
    assert quote.status == QuoteStatus.SENT
    assert quote.lines.get().line_total == Decimal("475.00")
    assert (quote.subtotal, quote.shipping, quote.total) == (
        Decimal("475.00"),
        Decimal("30.00"),
        Decimal("505.00"),
    )


def _break_protected_quote():
    """45 cases at 20.00, 9.50 from 50, no discount: priced 475.00, held for staff."""
    from tests.factories import PriceGroupFactory, PriceTierFactory

    variant = make_variant(price="20.00")
    ProductTermsFactory(product=variant.product, min_quantity=1, increment=1)
    PriceTierFactory(variant=variant, min_quantity=50, unit_price=Decimal("9.50"))
    client = WholesaleClientFactory(
        price_group=PriceGroupFactory(name="No discount", discount_percent=Decimal("0"))
    )
    quote = services.quote_request(
        client=client, lines=[services.LineIn(variant.sku, 45)], ship_country="US"
    )
    services.quote_price(quote_id=quote.pk)
    quote.refresh_from_db()
    line = quote.lines.get()
    assert quote.status == QuoteStatus.IN_REVIEW  # deep discount: held for staff
    assert (line.unit_price, line.line_total) == (Decimal("10.56"), Decimal("475.00"))
    return quote


def test_clearing_a_staff_price_restores_the_priced_line_total(
    staff_client, staff_user, wholesale_settings, sent
):
    """Staff set 10.00 on the break-protected line (450.00), then clear it: the line costs
    475.00 again, as priced, not the override's total nor 10.56 x 45."""
    quote = _break_protected_quote()
    url = reverse("admin:wholesale_quote_change", args=[quote.pk])
    staff_client.post(url, _change_data(quote, {1: "10.00"}))
    quote.refresh_from_db()
    assert quote.lines.get().line_total == Decimal("450.00")
    assert quote.subtotal == Decimal("450.00")
    staff_client.post(url, _change_data(quote, {}))
    quote.refresh_from_db()
    line = quote.lines.get()
    assert line.unit_price_override is None
    assert (line.unit_price, line.line_total) == (Decimal("10.56"), Decimal("475.00"))
    assert quote.subtotal == Decimal("475.00")
    assert quote.total == Decimal("475.00") + quote.shipping
    assert [e.data["unit_price_override"] for e in quote.events.filter(kind="override")] == [
        "10.00",
        "",
    ]
    assert all(e.actor == staff_user for e in quote.events.filter(kind="override"))


def test_staff_prices_are_refused_once_the_quote_is_sent(db, staff_user):
    quote = make_quote(status=QuoteStatus.SENT)
    line = quote.lines.get()
    with pytest.raises(services.QuoteError, match="can no longer change"):
        services.quote_adjust(
            quote_id=quote.pk, line_overrides={line.pk: Decimal("1.00")}, actor=staff_user
        )
    line.refresh_from_db()
    assert line.unit_price_override is None
