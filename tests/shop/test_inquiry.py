"""The wholesale inquiry form on every product page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from shop.wholesale.models import WHOLESALE_MIN_QUANTITY, Inquiry

pytestmark = pytest.mark.django_db


def valid_data(**overrides) -> dict:
    data = {
        "name": "Alice Reseller",
        "company": "Alice's Phone Shop",
        "email": "alice@example.com",
        "phone_model": "pixel-8",
        "quantity": "250",
        "message": "Blue please, logo on the back.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_every_product_page_has_the_inquiry_form(client, shop_products):
    """Each product page offers a wholesale inquiry form with labelled fields and CSRF."""
    body = client.get(shop_products["clear"].get_absolute_url()).content.decode()
    assert 'id="inquiry"' in body
    assert 'name="csrfmiddlewaretoken"' in body
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
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(product.get_absolute_url(), valid_data())
    assert len(callbacks) == 1
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

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
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
        response = client.post(
            shop_products["clear"].get_absolute_url(), valid_data(phone_model="")
        )
    assert response.status_code == 302
    assert Inquiry.objects.get().phone_model is None
    assert len(mailoutbox) == 1


def test_redirect_keeps_the_picked_variant(
    client, shop_products, django_capture_on_commit_callbacks
):
    """After sending, the shopper lands back on the same variant they were looking at."""
    product = shop_products["rugged"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{product.get_absolute_url()}?model=pixel-8", valid_data())
    assert response["Location"] == f"{product.get_absolute_url()}?model=pixel-8#inquiry"


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
        response = client.post(shop_products["rugged"].get_absolute_url(), valid_data(**overrides))
    assert response.status_code == 200
    body = response.content.decode()
    errors = response.context["inquiry_form"].errors
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
        shop_products["rugged"].get_absolute_url(),
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
    response = client.post(shop_products["clear"].get_absolute_url(), valid_data())
    assert response.status_code == 403
    assert Inquiry.objects.count() == 0


def test_inquiry_for_an_inactive_product_is_not_found(client, shop_products):
    """A retired product cannot receive inquiries."""
    response = client.post(shop_products["retired"].get_absolute_url(), valid_data())
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
        response = client.post(product.get_absolute_url(), valid_data())
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.staff_notified_at is None  # staff can find it with the "not notified" filter
    assert "mail server is down" in caplog.text
