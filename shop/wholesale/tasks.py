"""Background work for wholesale."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Inquiry


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


from .callback_tasks import *  # noqa: E402, F403 - registers the callback tasks with Celery
