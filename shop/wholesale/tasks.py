"""Background work for wholesale, enqueued through the outbox (`shop.outbox`).

Every task takes ids, is idempotent (a redelivered or repeated task redoes nothing: the
quote's state and the marks in the role modules and `mails` say what is done), is acknowledged
late, and retries with exponential backoff; all run on the `default` queue.
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from shop.celery import TASK_RETRY as RETRY

from . import mails
from .api_keys import idempotency_purge as purge_idempotent_requests
from .models import Inquiry, Quote, QuoteEvent
from .quote_answers import quotes_expire
from .quote_pricing_jobs import quote_price
from .quote_states import S


@shared_task(
    bind=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def inquiry_notify_staff(self, inquiry_id: int) -> bool:
    """Email staff about a new inquiry, once: a retried or repeated task sends nothing more.

    The inquiry's row is locked while the mail is sent, and marked as notified in the same
    transaction, only when the mail went out. Any failure (a refused connection, an SMTP
    error, a bad header) rolls the mark back and the task retries with backoff, at most 5
    times; a worker that dies mid-send leaves the inquiry unmarked and unlocked, so the
    redelivered task sends it (at least once, never lost). A duplicate delivery while a live
    worker sends finds the row locked and skips it (SKIP LOCKED, PostgreSQL).
    """
    with transaction.atomic():
        inquiry = (
            Inquiry.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("product", "phone_model")
            .filter(pk=inquiry_id, staff_notified_at__isnull=True)
            .first()
        )
        if inquiry is None:  # notified already, or being sent by a live worker
            return False
        send_mail(
            subject=f"Wholesale inquiry: {inquiry.quantity} x {inquiry.product}",
            message=(
                f"From: {inquiry.name} <{inquiry.email}>\n"
                f"Company: {inquiry.company}\n"
                f"Product: {inquiry.product}\n"
                f"Phone model: {inquiry.phone_model or 'not given'}\n"
                f"Quantity: {inquiry.quantity}\n\n"
                f"{inquiry.message}\n\n"
                "Quote it with shipping: wholesale orders never ship free."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=settings.STAFF_NOTIFY_EMAILS,
        )
        Inquiry.objects.filter(pk=inquiry_id).update(staff_notified_at=timezone.now())
    return True


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90, **RETRY)
def quote_price_job(quote_id: int) -> str:
    """Price a requested quote; send it or hold it for staff (once: see `quote_price`)."""
    return quote_price(quote_id=quote_id)


# EMAIL_TIMEOUT (30 s by default) bounds each wait on the mail server.
@shared_task(ignore_result=True, soft_time_limit=90, time_limit=120, **RETRY)
def quote_mail(quote_id: int, kind: str) -> bool:
    """Mail the quote's contact ("received", "sent", "expiring", "declined", "ordered"), once."""
    return mails.quote_mail_send(quote_id=quote_id, kind=kind)


@shared_task(ignore_result=True, soft_time_limit=90, time_limit=120, **RETRY)
def quote_review_notify(quote_id: int) -> bool:
    """Mail staff that a quote waits for their review, once per review (marked by a
    "staff_notified" event written with the mail, under the quote's row lock, as
    `inquiry_notify_staff` does)."""
    with transaction.atomic():
        quote = (
            Quote.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=quote_id, status=S.IN_REVIEW)
            .first()
        )
        if quote is None:  # reviewed meanwhile, or being sent by a live worker
            return False
        since = quote.events.filter(to_status=S.IN_REVIEW).order_by("-pk").first()
        told = quote.events.filter(kind="staff_notified")
        if since is not None and told.filter(pk__gt=since.pk).exists():
            return False
        try:
            link = settings.SHOP_BASE_URL.rstrip("/") + reverse(
                "admin:wholesale_quote_change", args=[quote.pk]
            )
        except NoReverseMatch:
            link = ""
        reasons = ", ".join(quote.review_reasons) or "review"
        send_mail(
            subject=f"Wholesale quote {quote.number} to review: {reasons}",
            message=(
                f"Quote {quote.number} from {quote.company or quote.email} waits for review "
                f"({reasons}).\n"
                f"Total as priced: {quote.total} {quote.currency}\n"
                f"Reply due: {quote.reply_due:%Y-%m-%d %H:%M %Z}\n\n{link}\n"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=settings.STAFF_NOTIFY_EMAILS,
        )
        QuoteEvent.objects.create(quote=quote, kind="staff_notified", message="Staff mailed.")
    return True


# Periodic (beat, every 5 minutes): a failed run is retried a little, then the next does it.
@shared_task(ignore_result=True, soft_time_limit=240, time_limit=270, **{**RETRY, "max_retries": 2})
def quotes_expire_job() -> int:
    """Expire sent quotes past their date; warn those nearing it, once."""
    return quotes_expire()


# Periodic (beat, hourly): the API's Idempotency-Key rows past WHOLESALE_IDEMPOTENCY_KEEP_HOURS.
@shared_task(ignore_result=True, soft_time_limit=240, time_limit=270, **{**RETRY, "max_retries": 2})
def idempotency_purge() -> int:
    """Delete the Idempotency-Key rows kept longer than WHOLESALE_IDEMPOTENCY_KEEP_HOURS."""
    return purge_idempotent_requests()


from .callback_tasks import *  # noqa: E402, F403 - registers the callback tasks with Celery
