"""The wholesale inquiry form on every product page: posting, errors, abuse limits, mail."""

from __future__ import annotations

import re
import smtplib

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from shop.wholesale.models import WHOLESALE_MIN_QUANTITY, Inquiry
from shop.wholesale.tasks import inquiry_notify_staff
from tests.factories import InquiryFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "inquiry-region"}


def staff_mails(outbox) -> list:
    """The staff notifications among the sent mails (the visitor also gets quote mails)."""
    return [m for m in outbox if m.subject.startswith("Wholesale inquiry:")]


def inquiry_url(product) -> str:
    return reverse("wholesale:inquiry", args=[product.slug])


def valid_data(**overrides) -> dict:
    data = {
        "name": "Alice Reseller",
        "company": "Alice's Phone Shop",
        "email": "alice@example.com",
        "phone_model": "pixel-8",
        "quantity": "250",
        "message": "Blue please, logo on the back.",
        "ship_country": "US",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_every_product_page_has_the_inquiry_form(client, shop_products):
    """Each product page offers a wholesale inquiry form with labelled fields and CSRF."""
    body = client.get(shop_products["clear"].get_absolute_url()).content.decode()
    assert 'id="inquiry"' in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert f'action="{inquiry_url(shop_products["clear"])}"' in body
    for field in ("name", "company", "email", "phone_model", "quantity", "message"):
        assert f'for="inquiry-{field}"' in body
    assert f'min="{WHOLESALE_MIN_QUANTITY}"' in body


def test_page_says_wholesale_is_quoted_with_shipping(client, shop_products):
    """The page states that wholesale quotes include shipping and never ship free."""
    body = client.get(shop_products["clear"].get_absolute_url()).content.decode()
    assert "Shipping is quoted with every wholesale order." in body
    assert "Wholesale orders never ship free" in body
    assert "free shipping" not in body.lower()


def test_inquiry_phone_models_are_the_products_compatible_models(client, shop_products):
    """The phone model choice lists only models this product is made for (and 'not sure')."""
    body = client.get(shop_products["rugged"].get_absolute_url()).content.decode()
    select = body[body.index('id="inquiry-phone_model"') :]
    select = select[: select.index("</select>")]
    assert '<option value="">Not sure yet / several</option>' in select
    assert 'value="iphone-14"' in select and 'value="pixel-8"' in select
    assert 'value="iphone-15"' not in select


def test_valid_inquiry_is_stored_and_emails_staff(
    client, shop_products, phones, mailoutbox, settings, django_capture_on_commit_callbacks
):
    """A valid inquiry is saved, staff get an email, and the shopper sees a thank-you."""
    settings.STAFF_NOTIFY_EMAILS = ["sales@caseforge.test", "boss@caseforge.test"]
    product = shop_products["rugged"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(inquiry_url(product), valid_data())
    assert response.status_code == 302
    assert response["Location"] == f"{product.get_absolute_url()}#inquiry"

    inquiry = Inquiry.objects.get()
    assert inquiry.product == product
    assert inquiry.phone_model == phones["px8"]
    assert (inquiry.name, inquiry.company, inquiry.email, inquiry.quantity) == (
        "Alice Reseller",
        "Alice's Phone Shop",
        "alice@example.com",
        250,
    )
    assert inquiry.message == "Blue please, logo on the back."
    assert inquiry.staff_notified_at is not None

    assert len(staff_mails(mailoutbox)) == 1
    email = staff_mails(mailoutbox)[0]
    assert email.to == ["sales@caseforge.test", "boss@caseforge.test"]
    assert "250 x Rugged Hybrid Armor" in email.subject

    page = client.get(response["Location"])
    success = page.content.decode()
    assert 'data-testid="inquiry-success"' in success
    assert "we received your inquiry for 250 x Rugged Hybrid Armor" in success


def test_inquiry_without_phone_model_is_fine(
    client, shop_products, mailoutbox, django_capture_on_commit_callbacks
):
    """The phone model is optional."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(inquiry_url(shop_products["clear"]), valid_data(phone_model=""))
    assert response.status_code == 302
    assert Inquiry.objects.get().phone_model is None
    assert len(staff_mails(mailoutbox)) == 1


def test_redirect_keeps_the_picked_variant(
    client, shop_products, django_capture_on_commit_callbacks
):
    """After sending, the shopper lands back on the same variant they were looking at."""
    product = shop_products["rugged"]
    page = f"http://testserver{product.get_absolute_url()}?model=pixel-8"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(inquiry_url(product), valid_data(), HTTP_REFERER=page)
    assert response["Location"] == f"{product.get_absolute_url()}?model=pixel-8#inquiry"


@pytest.mark.parametrize(
    "referer",
    ["https://evil.example/products/rugged-hybrid-armor/?x=1", "http://testserver/admin/?x=1"],
)
def test_redirect_never_follows_a_foreign_referer(client, shop_products, referer):
    """The redirect goes to this product's page only, whatever the Referer says."""
    product = shop_products["rugged"]
    response = client.post(inquiry_url(product), valid_data(), HTTP_REFERER=referer)
    assert response["Location"] == f"{product.get_absolute_url()}#inquiry"


def test_htmx_inquiry_answers_with_the_thank_you_in_the_form_region(
    client, shop_products, mailoutbox, django_capture_on_commit_callbacks
):
    """With htmx the answer is the form's region: the thank-you above a fresh, empty form."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(inquiry_url(shop_products["rugged"]), valid_data(), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="inquiry-region"')
    assert "we received your inquiry for 250 x Rugged Hybrid Armor" in body
    assert body.index('data-testid="inquiry-success"') < body.index("<form")
    assert 'value="Alice Reseller"' not in body
    assert "<html" not in body
    assert Inquiry.objects.count() == 1 and len(staff_mails(mailoutbox)) == 1


def test_htmx_inquiry_with_errors_shows_them_in_the_region(client, shop_products):
    """With htmx an invalid form comes back in the region, errors next to the fields."""
    response = client.post(inquiry_url(shop_products["rugged"]), valid_data(email="nope"), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="inquiry-region"')
    assert 'id="inquiry-email_error"' in body
    assert 'value="Alice Reseller"' in body
    assert Inquiry.objects.count() == 0


def test_inquiry_with_errors_without_javascript_is_a_page_of_its_own(client, shop_products):
    """Without htmx, an invalid form is shown on a full page that links back to the product."""
    product = shop_products["rugged"]
    response = client.post(inquiry_url(product), valid_data(email="nope"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" in body and 'id="inquiry-email_error"' in body
    assert f'href="{product.get_absolute_url()}"' in body


def test_product_page_no_longer_takes_posts(client, shop_products):
    """The product page itself only answers GET and HEAD; inquiries go to the wholesale app."""
    response = client.post(shop_products["rugged"].get_absolute_url(), valid_data())
    assert response.status_code == 405
    assert Inquiry.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "error"),
    [
        ({"email": "not-an-email"}, "email", "Enter a valid email address, like name@example.com."),
        ({"email": None}, "email", "This field is required."),
        ({"name": ""}, "name", "This field is required."),
        ({"company": ""}, "company", "This field is required."),
        (
            {"quantity": "5"},
            "quantity",
            f"Wholesale orders start at {WHOLESALE_MIN_QUANTITY} cases.",
        ),
        ({"quantity": "lots"}, "quantity", "Enter a whole number of cases."),
        ({"quantity": "2000000"}, "quantity", "please write to us directly"),
        ({"phone_model": "iphone-15"}, "phone_model", "Pick one of the listed phone models."),
        ({"message": "x" * 5001}, "message", "at most 5000 characters"),
    ],
)
def test_invalid_inquiry_shows_inline_errors_and_stores_nothing(
    client, shop_products, mailoutbox, django_capture_on_commit_callbacks, overrides, field, error
):
    """Invalid input re-shows the form with the error next to the field; nothing is sent."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(inquiry_url(shop_products["rugged"]), valid_data(**overrides))
    assert response.status_code == 200
    body = response.content.decode()
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert error in errors[field][0]
    # The error sits in the field's group and is wired to the input for screen readers.
    assert f'id="inquiry-{field}_error"' in body
    widget = re.search(rf'<(?:input|select|textarea)[^>]*id="inquiry-{field}"[^>]*>', body).group()
    assert 'aria-invalid="true"' in widget
    assert re.search(rf'aria-describedby="[^"]*inquiry-{field}_error', widget)
    assert 'data-testid="inquiry-errors"' in body
    assert Inquiry.objects.count() == 0
    assert mailoutbox == []


def test_invalid_inquiry_keeps_the_entered_values(client, shop_products):
    """After an error the shopper's input is still in the form."""
    response = client.post(
        inquiry_url(shop_products["rugged"]),
        valid_data(email="alice-at-example", message="Need 3 colours"),
    )
    body = response.content.decode()
    assert 'value="Alice Reseller"' in body
    assert 'value="Alice&#x27;s Phone Shop"' in body
    assert 'value="alice-at-example"' in body
    assert 'value="250"' in body
    assert "Need 3 colours</textarea>" in body
    assert '<option value="pixel-8" selected>' in body


def test_inquiry_needs_a_csrf_token(shop_products):
    """Posting without the CSRF token is refused."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(inquiry_url(shop_products["clear"]), valid_data())
    assert response.status_code == 403
    assert Inquiry.objects.count() == 0


def test_inquiry_for_an_inactive_product_is_not_found(client, shop_products):
    """A retired product cannot receive inquiries."""
    response = client.post(inquiry_url(shop_products["retired"]), valid_data())
    assert response.status_code == 404
    assert Inquiry.objects.count() == 0


class RefusingMailBackend:
    """A mail server that is down: every send fails like a refused SMTP connection."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server is down")


def test_inquiry_survives_a_mail_server_that_is_down(
    client, shop_products, settings, django_capture_on_commit_callbacks, caplog
):
    """With mail down the inquiry is still stored and the shopper still gets the thank-you."""
    settings.EMAIL_BACKEND = f"{__name__}.RefusingMailBackend"
    product = shop_products["rugged"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(inquiry_url(product), valid_data())
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.staff_notified_at is None  # staff can find it with the "not notified" filter
    assert "mail server is down" in caplog.text


# --- abuse: rate limits, honeypot, single-line fields ---------------------------------------


def _post_many(client, product, count: int, **kwargs) -> list:
    return [client.post(inquiry_url(product), valid_data(**kwargs)) for _ in range(count)]


def test_one_client_address_may_send_five_inquiries_an_hour(
    client, shop_products, mailoutbox, django_capture_on_commit_callbacks
):
    """The sixth inquiry within the hour from one address gets a clear 429 page; nothing is
    stored or mailed for it."""
    product = shop_products["rugged"]
    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            client.post(inquiry_url(product), valid_data(email=f"buyer{i}@example.com"))
            for i in range(6)
        ]
    assert [r.status_code for r in responses] == [302] * 5 + [429]
    limited = responses[-1]
    assert 0 < int(limited["Retry-After"]) <= 3600
    assert limited["Content-Type"].startswith("text/html")
    body = limited.content.decode()
    assert "Too many requests" in body and "Please try again in" in body
    assert Inquiry.objects.count() == 5
    assert len(staff_mails(mailoutbox)) == 5


def test_one_email_address_may_send_three_inquiries_an_hour_from_any_address(client, shop_products):
    """Changing the client address does not help: an email address has its own limit."""
    product = shop_products["rugged"]
    codes = [
        client.post(inquiry_url(product), valid_data(), REMOTE_ADDR=f"203.0.113.{i}").status_code
        for i in range(1, 5)
    ]
    assert codes == [302, 302, 302, 429]
    again = client.post(
        inquiry_url(product), valid_data(email="ALICE@example.com"), REMOTE_ADDR="203.0.113.9"
    )
    assert again.status_code == 429  # the same address in other letter case
    assert Inquiry.objects.count() == 3


def test_rate_limits_are_read_from_settings_at_call_time(client, shop_products, settings):
    """RATE_LIMITS overrides a default on the next request."""
    settings.RATE_LIMITS = {"inquiry-address": "1/m"}
    product = shop_products["rugged"]
    first, second = _post_many(client, product, 2)
    assert (first.status_code, second.status_code) == (302, 429)
    assert int(second["Retry-After"]) <= 60


def test_rate_limited_json_request_gets_a_json_error(client, shop_products, settings):
    """A client asking for JSON gets {"error": ...} with the 429 and Retry-After."""
    settings.RATE_LIMITS = {"inquiry-address": "1/h"}
    product = shop_products["rugged"]
    client.post(inquiry_url(product), valid_data())
    response = client.post(inquiry_url(product), valid_data(), HTTP_ACCEPT="application/json")
    assert response.status_code == 429
    assert "Retry-After" in response
    assert "Please try again in" in response.json()["error"]


def test_rate_limited_htmx_post_keeps_the_form_and_says_when_to_retry(
    client, shop_products, settings
):
    """With htmx the 429 is the form's region, input kept, with a note on when to retry."""
    settings.RATE_LIMITS = {"inquiry-address": "1/h"}
    product = shop_products["rugged"]
    client.post(inquiry_url(product), valid_data(), **HTMX)
    response = client.post(inquiry_url(product), valid_data(), **HTMX)
    body = response.content.decode()
    assert response.status_code == 429 and "Retry-After" in response
    assert 'data-testid="inquiry-rate-limited"' in body
    assert 'value="Alice Reseller"' in body
    assert Inquiry.objects.count() == 1


def test_filled_honeypot_is_dropped_quietly(
    client, shop_products, mailoutbox, django_capture_on_commit_callbacks
):
    """A bot that fills in the hidden field sees the usual thank-you; nothing is stored or sent."""
    product = shop_products["rugged"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(inquiry_url(product), valid_data(website="http://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == f"{product.get_absolute_url()}#inquiry"
    assert "we received your inquiry" in client.get(response["Location"]).content.decode()
    assert Inquiry.objects.count() == 0
    assert mailoutbox == []


def test_honeypot_is_hidden_by_a_css_class_not_an_inline_style(client, shop_products):
    """The honeypot sits in a block hidden by the stylesheet, out of the tab order."""
    body = client.get(shop_products["rugged"].get_absolute_url()).content.decode()
    trap = re.search(r'<div class="inquiry__trap" aria-hidden="true">(.*?)</div>', body, re.S)
    assert trap is not None
    assert 'name="website"' in trap.group(1) and 'tabindex="-1"' in trap.group(1)
    assert "style=" not in trap.group(0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Eve\nSubject: Your invoice is overdue"),
        ("name", "Eve\r\nBcc: everyone@example.com"),
        ("company", "Evil Corp\x00"),
        ("company", "Evil\u2028Corp"),
        ("name", "Eve\x1b[31m"),
    ],
)
def test_single_line_fields_refuse_line_breaks_and_control_characters(
    client, shop_products, mailoutbox, django_capture_on_commit_callbacks, field, value
):
    """A name or company with a line break or control character is refused: it can forge
    no line (e.g. "Subject:") in the staff email."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(inquiry_url(shop_products["rugged"]), valid_data(**{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert "single line" in errors[field][0]
    assert Inquiry.objects.count() == 0
    assert mailoutbox == []


def test_staff_email_body_has_no_forged_lines(
    client, shop_products, mailoutbox, django_capture_on_commit_callbacks
):
    """The staff email lists each field on its own line; no input adds a header-like line."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            inquiry_url(shop_products["rugged"]),
            valid_data(name="Eve Subject: urgent", company="Bcc: x@example.com Ltd"),
        )
    (email,) = staff_mails(mailoutbox)
    lines = email.body.splitlines()
    assert lines[0] == "From: Eve Subject: urgent <alice@example.com>"
    assert not [line for line in lines if line.startswith(("Subject:", "Bcc:"))]


def test_inquiry_model_refuses_multi_line_names():
    """The inquiry's name and company are single-line in the model too (admin edits)."""
    from django.core.exceptions import ValidationError

    inquiry = InquiryFactory.build(name="Eve\nSubject: hi", product=None)
    with pytest.raises(ValidationError) as exc:
        inquiry.full_clean(exclude=["product"])
    assert "name" in exc.value.message_dict


# --- staff mail: notified only when the mail went out ---------------------------------------


class FailingMailBackend:
    """A mail server that answers every send with `error` (set by the test); counts tries."""

    error: Exception = ValueError("bad header")
    attempts = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        FailingMailBackend.attempts += 1
        raise FailingMailBackend.error


@pytest.mark.parametrize(
    "error",
    [ValueError("bad header"), smtplib.SMTPException("550 rejected"), RuntimeError("bug")],
    ids=["ValueError", "SMTPException", "RuntimeError"],
)
def test_failed_mail_leaves_the_inquiry_not_notified_and_is_retried(settings, monkeypatch, error):
    """Any failure to send releases the claim: the task retries (bounded), and a later run
    sends the mail once."""
    from shop.celery import app

    # As a worker runs it: each failure is retried, up to max_retries, then the task fails.
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)
    settings.EMAIL_BACKEND = f"{__name__}.FailingMailBackend"
    FailingMailBackend.error, FailingMailBackend.attempts = error, 0
    inquiry = InquiryFactory()
    result = inquiry_notify_staff.apply(args=[inquiry.pk])
    assert result.failed() and isinstance(result.result, type(error))
    inquiry.refresh_from_db()
    assert inquiry.staff_notified_at is None
    assert FailingMailBackend.attempts == 1 + inquiry_notify_staff.max_retries

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    assert inquiry_notify_staff.delay(inquiry.pk).get() is True
    assert inquiry_notify_staff.delay(inquiry.pk).get() is False
    inquiry.refresh_from_db()
    assert inquiry.staff_notified_at is not None
    assert len(mail.outbox) == 1


class DyingMailBackend:
    """The worker process is killed while the mail is being sent: no handler runs."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import os

        os._exit(9)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_the_mail_to_its_redelivery(settings):
    """Nothing is marked before the mail went out: the redelivered task sends it."""
    import os
    import subprocess
    import sys

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the killed worker is a second process: it needs a shared database")
    inquiry = InquiryFactory()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_BACKEND_FOR_TEST": f"{__name__}.DyingMailBackend",
    }
    script = (
        "import django, os; django.setup(); from django.conf import settings;"
        "settings.EMAIL_BACKEND = os.environ['EMAIL_BACKEND_FOR_TEST'];"
        "from shop.wholesale.tasks import inquiry_notify_staff;"
        f"inquiry_notify_staff.run({inquiry.pk})"
    )
    worker = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, timeout=120
    )
    assert worker.returncode == 9, worker.stderr.decode()[-2000:]
    inquiry.refresh_from_db()
    assert inquiry.staff_notified_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    assert inquiry_notify_staff.run(inquiry.pk) is True
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_delivery_during_a_live_send_sends_nothing(settings):
    from django.db import connection

    from tests.locks import row_locked_elsewhere

    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("SKIP LOCKED tells a live send from a finished one (PostgreSQL)")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    inquiry = InquiryFactory()
    with row_locked_elsewhere(Inquiry, inquiry.pk):
        assert inquiry_notify_staff.run(inquiry.pk) is False
        assert mail.outbox == []


# --- the inquiry becomes a quote request -------------------------------------------------


def test_inquiry_becomes_a_quote_request_for_the_picked_variant(
    client, shop_products, phones, mailoutbox, django_capture_on_commit_callbacks, settings
):
    """The inquiry is stored with its destination and the variant picked on the product
    page, and a quote request is made for it, whose "received" mail is queued."""
    # Within what one buyer may hold, so sent without review (test_hold_policy.py: above it).
    settings.STOCK_HOLD_MAX_UNITS_PER_BUYER = 250
    from shop.outbox.models import OutboxMessage
    from shop.wholesale.models import QuoteStatus
    from shop.wholesale.services import QUOTE_MAIL_TASK

    product = shop_products["rugged"]
    blue_pixel = product.variants.get(phone_model=phones["px8"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            inquiry_url(product), valid_data(sku=blue_pixel.sku, ship_country="DE")
        )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert (inquiry.variant, inquiry.ship_country) == (blue_pixel, "DE")
    quote = inquiry.quote
    assert (quote.email, quote.contact_name, quote.company) == (
        "alice@example.com",
        "Alice Reseller",
        "Alice's Phone Shop",
    )
    assert quote.client is None and quote.ship_country == "DE"
    assert quote.note == "Blue please, logo on the back."
    ((sku, quantity),) = quote.lines.values_list("variant__sku", "quantity")
    assert (sku, quantity) == (blue_pixel.sku, 250)
    assert OutboxMessage.objects.filter(task=QUOTE_MAIL_TASK, args=[quote.pk, "received"]).exists()
    # Priced by the job (eager in tests): 250 stock cases (the cap) need no review: sent.
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT and quote.total > 0
    link = f"/wholesale/quotes/{quote.number}/{quote.access_key}/"
    received, sent = (m for m in mailoutbox if m.to == ["alice@example.com"])
    assert "within 24 hours" in received.body and link in received.body
    assert link in sent.body and sent.attachments[0][2] == "application/pdf"
    page = client.get(link).content.decode()
    assert str(quote.total) in page


def test_phone_model_chosen_in_the_form_wins_over_the_page_variant(
    client, shop_products, phones, django_capture_on_commit_callbacks
):
    product = shop_products["rugged"]
    iphone = product.variants.get(phone_model=phones["ip14"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(inquiry_url(product), valid_data(sku=iphone.sku, phone_model="pixel-8"))
    assert Inquiry.objects.get().variant.phone_model == phones["px8"]


def test_a_sku_of_another_product_is_not_used(
    client, shop_products, django_capture_on_commit_callbacks
):
    other = shop_products["clear"].variants.first()
    product = shop_products["rugged"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(inquiry_url(product), valid_data(sku=other.sku, phone_model=""))
    variant = Inquiry.objects.get().variant
    assert variant is not None and variant.product == product


def test_an_unknown_destination_country_is_refused(client, shop_products):
    response = client.post(
        inquiry_url(shop_products["rugged"]), valid_data(ship_country="XX"), **HTMX
    )
    assert response.status_code == 200
    assert 'id="inquiry-ship_country_error"' in response.content.decode()
    assert not Inquiry.objects.exists()


def test_without_a_destination_the_shops_country_is_meant(
    client, shop_products, settings, django_capture_on_commit_callbacks
):
    """A form without the field (a product page cached before it existed) still works."""
    settings.SHOP_COUNTRY = "US"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(inquiry_url(shop_products["rugged"]), valid_data(ship_country=None))
    assert response.status_code == 302
    assert Inquiry.objects.get().ship_country == "US"


def test_product_page_form_carries_the_shown_variant_and_a_country(client, shop_products, phones):
    product = shop_products["rugged"]
    body = client.get(f"{product.get_absolute_url()}?model=pixel-8").content.decode()
    pixel = product.variants.get(phone_model=phones["px8"])
    assert f'name="sku" id="inquiry-sku" value="{pixel.sku}"' in body
    assert 'for="inquiry-ship_country"' in body


def test_a_request_the_quote_rules_refuse_stores_nothing(
    client, shop_products, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    """The quote rules' refusal (e.g. below the product's minimum) is shown on the form;
    neither the inquiry nor a quote is stored, and staff are not mailed."""
    from shop.wholesale import services
    from shop.wholesale.models import Quote

    def refuse(**kwargs):
        raise services.QuoteInvalid(
            "Refused.", {"lines.0.quantity": ["This case is sold in steps of 50 from 100."]}
        )

    monkeypatch.setattr(services, "quote_create", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(inquiry_url(shop_products["rugged"]), valid_data(), **HTMX)
    body = response.content.decode()
    assert "This case is sold in steps of 50 from 100." in body
    assert 'id="inquiry-quantity_error"' in body
    assert not Inquiry.objects.exists() and not Quote.objects.exists()
    assert mailoutbox == []


def test_any_posted_sku_gives_this_products_variant_or_none(shop_products, phones):
    """The hidden SKU is whatever a visitor sends: the form only ever picks one of the
    product's own variants (or none), never fails."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from shop.catalog import selectors
    from shop.catalog.presentation import select_variant
    from shop.wholesale.forms import InquiryForm

    product = shop_products["rugged"]
    detail = selectors.product_detail(product.slug, with_media=False)
    models = select_variant(detail.variants, None, None).phone_models
    own = {v.pk for v in detail.variants}
    skus = [v.sku for v in detail.variants] + ["SLM-IP15-BLK"]

    @settings(max_examples=80, deadline=None)
    @given(
        sku=st.one_of(st.sampled_from(skus), st.text(max_size=100)),
        phone=st.sampled_from(["", "pixel-8", "iphone-14", "iphone-15", "nope"]),
    )
    def check(sku, phone):
        form = InquiryForm(
            valid_data(sku=sku, phone_model=phone), phone_models=models, variants=detail.variants
        )
        if form.is_valid():
            variant = form.cleaned_data["variant"]
            assert variant is not None and variant.pk in own
            if form.cleaned_data["phone_model"] is not None:
                assert variant.phone_model == form.cleaned_data["phone_model"]

    check()
