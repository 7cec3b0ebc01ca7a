"""The quote workflow through its services: requests and their validation, pricing, staff
review, sending, the client's answer, expiry, and the state machine's rules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.outbox.models import OutboxMessage
from shop.wholesale import services
from shop.wholesale.models import Client, PriceGroup, Quote, QuoteStatus
from shop.wholesale.services import (
    TRANSITIONS,
    IllegalQuoteTransition,
    QuoteError,
    QuoteInvalid,
    quote_create,
    quote_decline,
    quote_request,
    quote_send,
    quote_transition,
)
from tests.configurator.designs import saved_design
from tests.factories import WholesaleClientFactory

from .quoting import *  # noqa: F403 - the fixtures: catalog, sent, wholesale_settings
from .quoting import lines

S = QuoteStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call `fn()` and run what it queued through the outbox (tasks run eagerly here)."""

    def call(fn):
        with django_capture_on_commit_callbacks(execute=True):
            result = fn()
        if isinstance(result, Quote):
            result.refresh_from_db()
        return result

    return call


@pytest.fixture
def client(catalog):
    """A prepaid reseller whose price group takes 10% off."""
    return WholesaleClientFactory(company="Robin's Cases", payment_terms=Client.Terms.PREPAID)


def request(client, *items, country="US", **kwargs) -> Quote:
    return quote_request(client=client, lines=lines(*items), ship_country=country, **kwargs)


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(QuoteInvalid) as caught:
        call()
    return caught.value.errors


# --- requests ----------------------------------------------------------------------------


def test_a_request_is_stored_and_queues_its_pricing_job(client, sent):
    """A request stores the quote (the client's contact, terms, the shop's currency, a
    reply due in 24 hours), its lines and a "requested" event, and queues the pricing job
    through the outbox, all in one transaction."""
    before = timezone.now()
    quote = request(client, ("CLS-IP12-BLK", 100), ("SLM-IP12-BLK", 20), reference="PO-7")
    assert quote.status == S.REQUESTED
    assert (quote.email, quote.company, quote.currency) == (client.email, client.company, "USD")
    assert quote.payment_terms == client.payment_terms
    assert timedelta(hours=23) < quote.reply_due - before <= timedelta(hours=24, seconds=5)
    assert [(line.variant.sku, line.quantity) for line in quote.lines.all()] == [
        ("CLS-IP12-BLK", 100),
        ("SLM-IP12-BLK", 20),
    ]
    assert list(quote.events.values_list("kind", "to_status")) == [("requested", S.REQUESTED)]
    job = OutboxMessage.objects.get(task=services.QUOTE_PRICE_TASK)
    assert job.args == [quote.pk]


@pytest.mark.parametrize(
    ("items", "field", "words"),
    [
        ((), "lines", "at least one"),
        ((("NOPE-1", 10),), "lines.0.sku", "No case with this SKU"),
        ((("", 10),), "lines.0.sku", "SKU"),
        ((("CLS-IP12-BLK", 0),), "lines.0.quantity", "1 to"),
        ((("CLS-IP12-BLK", 1_000_001),), "lines.0.quantity", "1 to"),
        ((("CLS-IP12-BLK", "10"),), "lines.0.quantity", "whole number"),
        ((("CLS-IP12-BLK", True),), "lines.0.quantity", "whole number"),
        ((("CLS-IP12-BLK", 10), ("CLS-IP12-BLK", 5)), "lines.1.sku", "in lines.0"),
        ((("CLS-IP12-BLK", 10, "not-a-design"),), "lines.0.design", "No such design"),
        ((("CLS-IP12-BLK", 10, "x" * 33),), "lines.0.design", "Not a design"),
    ],
)
def test_each_bad_line_is_refused_by_field(client, items, field, words):
    """Each line's problem is reported under its own field, and nothing is stored."""
    errors = errors_of(lambda: request(client, *items))
    assert field in errors and words in " ".join(errors[field]), errors
    assert not Quote.objects.exists() and not OutboxMessage.objects.exists()


def test_more_than_a_hundred_lines_are_refused_before_they_are_read(client):
    many = [(f"SKU-{n}", 10) for n in range(101)]
    assert "at most 100" in errors_of(lambda: request(client, *many))["lines"][0]


def test_an_inactive_case_is_not_for_sale(client, catalog):
    catalog["slim"].is_active = False
    catalog["slim"].save()
    product = catalog["blue"].product
    product.is_active = False
    product.save()
    errors = errors_of(lambda: request(client, ("SLM-IP12-BLK", 10), ("CLS-IP12-BLU", 10)))
    assert set(errors) == {"lines.0.sku", "lines.1.sku"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"country": "XX"}, "ship_country"),
        ({"country": ""}, "ship_country"),
        ({"reference": "x" * 81}, "reference"),
        ({"reference": "PO\nSubject: forged"}, "reference"),
        ({"note": "n" * 2001}, "note"),
    ],
)
def test_bad_fields_are_refused_by_name(client, kwargs, field):
    assert field in errors_of(lambda: request(client, ("CLS-IP12-BLK", 10), **kwargs))


def test_every_problem_is_reported_at_once(client):
    errors = errors_of(
        lambda: request(client, ("NOPE", 10), ("CLS-IP12-BLK", 0), country="ZZ", note="n" * 3000)
    )
    assert set(errors) == {"lines.0.sku", "lines.1.quantity", "ship_country", "note"}


def test_a_design_must_be_the_clients_own_and_fit_the_case(client, catalog):
    """The client's own design is taken; another owner's is "not found" (nothing says it
    exists); one made for another case, or the same case in another colour, is refused
    (the cart's rule, shop.catalog.design_fit)."""
    own = saved_design(visitor=client.design_owner_visitor)
    stranger = saved_design(visitor="someone-else", x_mm=30.0)
    errors = errors_of(
        lambda: request(
            client,
            ("CLS-IP12-BLK", 10, stranger.token),
            ("SLM-IP12-BLK", 10, own.token),
            ("CLS-IP12-BLU", 10, own.token),
        )
    )
    assert errors["lines.0.design"] == ["No such design of yours."]
    assert "another case" in errors["lines.1.design"][0]
    assert "another colour than Blue" in errors["lines.2.design"][0]
    quote = request(client, ("CLS-IP12-BLK", 10, own.token))
    assert quote.lines.get().design == own


def test_a_web_quote_cannot_carry_a_design(catalog):
    design = saved_design()
    errors = errors_of(
        lambda: quote_create(
            client=None,
            email="shop@example.com",
            lines=lines(("CLS-IP12-BLK", 10, design.token)),
            ship_country="US",
        )
    )
    assert "API clients" in errors["lines.0.design"][0]


def test_a_web_quote_needs_a_valid_email(catalog):
    errors = errors_of(
        lambda: quote_create(
            client=None, email="not an email", lines=lines(("CLS-IP12-BLK", 10)), ship_country="US"
        )
    )
    assert "email" in errors


def test_a_suspended_client_cannot_request(client):
    client.status = Client.Status.SUSPENDED
    client.save()
    with pytest.raises(QuoteInvalid, match="suspended"):
        request(client, ("CLS-IP12-BLK", 10))


def test_quantity_rules_are_no_error_at_request_time(client, sent, run):
    """25 where the minimum is 10 in steps of 5 is fine; 12 is requested all the same, then
    held for staff with the line's problem shown and no price on it."""
    quote = run(lambda: request(client, ("CLS-IP12-BLK", 12), ("SLM-IP12-BLK", 10)))
    assert quote.status == S.IN_REVIEW and quote.review_reasons == ["quantity_rules"]
    off, fine = quote.lines.order_by("position")
    assert "steps of 5" in off.problem and "nearest: 15" in off.problem
    assert off.unit_price is None and off.line_total is None
    assert fine.problem == "" and fine.line_total == Decimal("90.00")


# --- pricing -----------------------------------------------------------------------------


def test_an_unflagged_quote_is_priced_and_sent_at_once(client, sent, run):
    """100 classic cases to the US for a 10% group: 18.00 each = 1,800.00; 100 packages of
    100 g = 10 kg (their volume, 100 x 200 cm3 / 5000, is only 4 kg): 15.00 + 10 x 1.20 =
    27.00 shipping; 3 days + 100/500 of a day's capacity, rounded up = 4 days."""
    quote = run(lambda: request(client, ("CLS-IP12-BLK", 100)))
    assert quote.status == S.SENT
    line = quote.lines.get()
    assert (line.list_price, line.unit_price, line.surcharge) == (
        Decimal("20.00"),
        Decimal("18.00"),
        Decimal("0.00"),
    )
    assert line.line_total == Decimal("1800.00")
    assert (quote.subtotal, quote.shipping, quote.total) == (
        Decimal("1800.00"),
        Decimal("27.00"),
        Decimal("1827.00"),
    )
    assert quote.weight_kg == Decimal("10.000") and quote.lead_time_days == 4
    assert quote.review_reasons == []
    assert timedelta(days=13, hours=23) < quote.valid_until - timezone.now() <= timedelta(days=14)
    assert list(quote.events.values_list("to_status", flat=True)) == [
        S.REQUESTED,
        S.PRICED,
        S.SENT,
    ]
    assert sent.mail_kinds(quote) == ["sent"]
    assert sent.events(client) == ["quote.ready"]
    data = sent.callbacks[0][2]
    assert data["number"] == quote.number and data["total"] == "1827.00"
    assert data["lines"][0] == {
        "position": 1,
        "sku": "CLS-IP12-BLK",
        "design": None,
        "quantity": 100,
        "unit_price": "18.00",
        "line_total": "1800.00",
    }


def test_the_pricing_job_prices_a_quote_once(client, sent, run):
    """A second run of the job (a redelivered task) finds it priced and does nothing."""
    quote = run(lambda: request(client, ("CLS-IP12-BLK", 100)))
    events = quote.events.count()
    assert run(lambda: services.quote_price(quote_id=quote.pk)) == "not priced: sent"
    assert quote.events.count() == events and sent.mail_kinds(quote) == ["sent"]
    assert services.quote_price(quote_id=10**9) == "no such quote"


@pytest.mark.parametrize(
    ("setup", "items", "reasons"),
    [
        ("none", [("CLS-IP12-BLK", 400), ("CLS-IP12-BLU", 605)], ["large_quantity"]),
        ("design", [("CLS-IP12-BLK", 10, "DESIGN")], ["custom_design"]),
        ("deep", [("CLS-IP12-BLK", 10)], ["deep_discount"]),
        ("none", [("CLS-IP12-BLK", 11)], ["quantity_rules"]),
    ],
)
def test_flagged_quotes_wait_for_staff(client, sent, run, setup, items, reasons, mailoutbox):
    """Large, designed, deeply discounted or off-rules quotes are held for review, and
    staff are mailed once."""
    if setup == "design":
        design = saved_design(visitor=client.design_owner_visitor)
        items = [(sku, q, design.token) for sku, q, _ in items]
    if setup == "deep":
        group = client.price_group
        group.discount_percent = Decimal("45")
        group.save()
    quote = run(lambda: request(client, *items))
    assert quote.status == S.IN_REVIEW and quote.review_reasons == reasons
    assert sent.mail_kinds(quote) == [] and sent.events(client) == []
    staff = [m for m in mailoutbox if quote.number in m.subject]
    assert len(staff) == 1 and reasons[0] in staff[0].subject
    assert quote.events.filter(kind="staff_notified").count() == 1
    assert services.QUOTE_REVIEW_TASK in OutboxMessage.objects.values_list("task", flat=True)


def test_a_designed_line_pays_the_surcharge(client, sent, run):
    design = saved_design(visitor=client.design_owner_visitor)
    quote = run(lambda: request(client, ("CLS-IP12-BLK", 20, design.token)))
    line = quote.lines.get()
    assert (line.unit_price, line.surcharge, line.line_total) == (
        Decimal("18.00"),
        Decimal("2.50"),
        Decimal("410.00"),  # (18.00 + 2.50) x 20
    )


def test_a_web_quote_is_priced_with_the_web_price_group(catalog, sent, run, settings):
    """No client: the web group's prices (made with no discount when first needed)."""
    settings.WHOLESALE_WEB_PRICE_GROUP = "Product pages"
    quote = run(
        lambda: quote_create(
            client=None,
            email="shop@example.com",
            contact_name="Sam",
            company="Sam's",
            lines=lines(("SLM-IP12-BLK", 10)),
            ship_country="DE",
        )
    )
    assert PriceGroup.objects.get(name="Product pages").discount_percent == 0
    assert quote.status == S.SENT and quote.lines.get().unit_price == Decimal("10.00")
    assert (quote.email, quote.contact_name, quote.company) == ("shop@example.com", "Sam", "Sam's")
    assert sent.mail_kinds(quote) == ["received", "sent"]
    assert sent.callbacks == []  # nobody to call back


# --- staff review and sending --------------------------------------------------------------


def test_staff_overrides_replace_the_prices_when_sent(client, sent, run, staff_user):
    """A line off the rules is sent once staff priced it; line totals, subtotal, shipping and
    total are those of staff's prices."""
    quote = run(lambda: request(client, ("CLS-IP12-BLK", 12), ("SLM-IP12-BLK", 10)))
    with pytest.raises(QuoteError, match="Set a price for line 1"):
        quote_send(quote_id=quote.pk, actor=staff_user)
    quote.refresh_from_db()
    assert quote.status == S.IN_REVIEW
    off, fine = quote.lines.order_by("position")
    off.unit_price_override = Decimal("17.25")
    off.save()
    fine.unit_price_override = Decimal("8.10")
    fine.save()
    Quote.objects.filter(pk=quote.pk).update(shipping_override=Decimal("40.00"))
    quote = run(lambda: quote_send(quote_id=quote.pk, actor=staff_user))
    assert quote.status == S.SENT
    assert [line.line_total for line in quote.lines.order_by("position")] == [
        Decimal("207.00"),  # 12 x 17.25
        Decimal("81.00"),  # 10 x 8.10
    ]
    assert (quote.subtotal, quote.shipping, quote.total) == (
        Decimal("288.00"),
        Decimal("40.00"),
        Decimal("328.00"),
    )
    event = quote.events.get(to_status=S.SENT)
    assert event.actor == staff_user
    assert sent.mail_kinds(quote) == ["sent"] and sent.events(client) == ["quote.ready"]


def test_staff_can_send_a_quote_back_for_pricing(client, sent, run, staff_user):
    quote = run(lambda: request(client, ("CLS-IP12-BLK", 2000)))
    assert quote.status == S.IN_REVIEW
    client.price_group.discount_percent = Decimal("20")
    client.price_group.save()
    quote = run(lambda: services.quote_reprice(quote_id=quote.pk, actor=staff_user))
    assert quote.status == S.IN_REVIEW  # still large
    assert quote.lines.get().unit_price == Decimal("16.00")
    assert list(
        quote.events.exclude(kind="staff_notified").values_list("to_status", flat=True)
    ) == [
        S.REQUESTED,
        S.PRICED,
        S.IN_REVIEW,
        S.REQUESTED,
        S.PRICED,
        S.IN_REVIEW,
    ]
    assert quote.events.filter(kind="staff_notified").count() == 2


# --- the state machine ----------------------------------------------------------------------


def _all_moves():
    for frm in S:
        for to in S:
            yield frm, to


@pytest.mark.parametrize(("frm", "to"), list(_all_moves()))
def test_every_move_is_allowed_or_raises_and_every_move_writes_an_event(client, frm, to):
    quote = request(client, ("CLS-IP12-BLK", 10))
    Quote.objects.filter(pk=quote.pk).update(status=frm)
    quote.refresh_from_db()
    events = quote.events.count()
    if to in TRANSITIONS[frm]:
        quote_transition(quote, to)
        quote.refresh_from_db()
        assert quote.status == to
        event = quote.events.latest("pk")
        assert (event.from_status, event.to_status) == (frm, to)
        assert quote.events.count() == events + 1
    else:
        with pytest.raises(IllegalQuoteTransition):
            quote_transition(quote, to)
        quote.refresh_from_db()
        assert quote.status == frm and quote.events.count() == events


@pytest.mark.parametrize("status", [S.REQUESTED, S.PRICED, S.IN_REVIEW, S.SENT])
def test_a_quote_not_yet_answered_can_be_declined(client, sent, status, staff_user):
    quote = request(client, ("CLS-IP12-BLK", 10))
    Quote.objects.filter(pk=quote.pk).update(status=status)
    quote = quote_decline(quote_id=quote.pk, reason="Too\ndear")
    assert quote.status == S.DECLINED and quote.decided_at is not None
    event = quote.events.latest("pk")
    assert event.message == "Declined by the client: Too dear"


def test_staff_declining_mails_the_contact(client, sent, run, staff_user):
    quote = run(lambda: request(client, ("CLS-IP12-BLK", 2000)))
    quote = run(lambda: quote_decline(quote_id=quote.pk, reason="No capacity", actor=staff_user))
    assert quote.status == S.DECLINED and sent.mail_kinds(quote) == ["declined"]


@pytest.mark.parametrize("status", [S.ACCEPTED, S.DECLINED, S.EXPIRED, S.ORDERED])
def test_an_answered_quote_cannot_be_declined_or_sent(client, status, staff_user):
    quote = request(client, ("CLS-IP12-BLK", 10))
    Quote.objects.filter(pk=quote.pk).update(status=status)
    with pytest.raises(IllegalQuoteTransition):
        quote_decline(quote_id=quote.pk)
    with pytest.raises(IllegalQuoteTransition):
        quote_send(quote_id=quote.pk, actor=staff_user)
