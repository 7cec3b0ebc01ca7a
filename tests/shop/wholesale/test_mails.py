"""Quote mails: each kind at most once per quote, with what the contact needs in it (the
24-hour promise, the quote's link, the PDF), and never marked sent when sending fails."""

from __future__ import annotations

import smtplib

import pytest

from shop.wholesale.mails import KINDS, quote_mail_send
from shop.wholesale.models import QuoteEvent, QuoteMail, QuoteStatus
from tests.shop.wholesale.staff_quotes import make_quote

pytestmark = pytest.mark.django_db


def test_received_mail_promises_a_reply_within_24_hours(mailoutbox, settings):
    settings.SHOP_BASE_URL = "https://shop.example"
    quote = make_quote(status=QuoteStatus.REQUESTED)
    assert quote_mail_send(quote_id=quote.pk, kind="received") is True
    (mail,) = mailoutbox
    assert mail.to == ["alice@example.com"]
    assert quote.number in mail.subject
    html = mail.alternatives[0][0]
    for body in (mail.body, html):
        assert "within 24 hours" in body
        assert f"https://shop.example/wholesale/quotes/{quote.number}/{quote.access_key}/" in body
        assert "RUG-PX8-BLU" in body
    assert "$21.50" not in mail.body  # no prices before the quote is made


def test_sent_mail_has_the_link_prices_and_the_pdf(mailoutbox, settings):
    settings.SHOP_BASE_URL = "https://shop.example/"
    quote = make_quote(status=QuoteStatus.SENT)
    assert quote_mail_send(quote_id=quote.pk, kind="sent") is True
    (mail,) = mailoutbox
    link = f"https://shop.example/wholesale/quotes/{quote.number}/{quote.access_key}/"
    assert link in mail.body and link in mail.alternatives[0][0]
    assert "$21.50" in mail.body and "$4347.00" in mail.body
    assert "never ship free" in mail.body
    ((name, content, mimetype),) = mail.attachments
    assert name == f"quote-{quote.number}.pdf" and mimetype == "application/pdf"
    assert content.startswith(b"%PDF-")


def test_html_mail_escapes_what_the_contact_typed(mailoutbox):
    quote = make_quote(status=QuoteStatus.SENT, contact_name="<script>x</script>")
    quote_mail_send(quote_id=quote.pk, kind="sent")
    html = mailoutbox[0].alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_sent_once(mailoutbox, kind):
    quote = make_quote(status=QuoteStatus.SENT)
    assert quote_mail_send(quote_id=quote.pk, kind=kind) is True
    assert quote_mail_send(quote_id=quote.pk, kind=kind) is False
    assert len(mailoutbox) == 1
    assert QuoteMail.objects.get(quote=quote, kind=kind).sent_at is not None
    assert QuoteEvent.objects.filter(quote=quote, kind="mail", data__kind=kind).count() == 1


def test_unknown_kind_or_quote_sends_nothing(mailoutbox):
    quote = make_quote()
    assert quote_mail_send(quote_id=quote.pk, kind="spam") is False
    assert quote_mail_send(quote_id=999_999, kind="sent") is False
    assert mailoutbox == []


def test_a_failed_send_is_not_marked_and_goes_out_on_retry(mailoutbox, monkeypatch):
    quote = make_quote(status=QuoteStatus.SENT)
    from django.core.mail import EmailMultiAlternatives

    real_send = EmailMultiAlternatives.send

    def down(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", down)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        quote_mail_send(quote_id=quote.pk, kind="sent")
    assert QuoteMail.objects.get(quote=quote, kind="sent").sent_at is None
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    assert quote_mail_send(quote_id=quote.pk, kind="sent") is True
    assert len(mailoutbox) == 1
