"""Background work for wholesale."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
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

    The inquiry is marked as notified only when the mail went out: any failure (a refused
    connection, an SMTP error, a bad header) releases the claim, and the task retries with
    backoff, at most 5 times.
    """
    claimed = Inquiry.objects.filter(pk=inquiry_id, staff_notified_at__isnull=True).update(
        staff_notified_at=timezone.now()
    )
    if not claimed:
        return False
    try:
        inquiry = Inquiry.objects.select_related("product", "phone_model").get(pk=inquiry_id)
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
    except BaseException:
        # Release the claim so the retry (or staff, with the "not notified" filter) sends it.
        Inquiry.objects.filter(pk=inquiry_id).update(staff_notified_at=None)
        raise
    return True
