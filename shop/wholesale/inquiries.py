"""Inquiries from product pages: stored, rate-limited, and staff notified once committed.

Staff's mail is the task `tasks.inquiry_notify_staff`, queued when the inquiry commits
(`tasks` never imports this module: the dependency is one way).
"""

from __future__ import annotations

import logging

from django.db import transaction

from shop.catalog.models import CaseProduct, PhoneModel
from shop.ratelimit import rate_limit_hit

from .models import Inquiry
from .tasks import inquiry_notify_staff

logger = logging.getLogger(__name__)


def inquiry_create(
    *,
    product: CaseProduct,
    name: str,
    company: str,
    email: str,
    quantity: int,
    message: str = "",
    phone_model: PhoneModel | None = None,
) -> Inquiry:
    """Store a wholesale inquiry and notify staff by email once it is committed.

    A failure to enqueue or send the email is logged and never undoes the inquiry.
    """
    with transaction.atomic():
        inquiry = Inquiry.objects.create(
            product=product,
            phone_model=phone_model,
            name=name,
            company=company,
            email=email,
            quantity=quantity,
            message=message,
        )
        # robust: the inquiry is stored whatever happens to the mail. Without a broker the
        # task runs right here, and a mail server that is down must not turn the shopper's
        # confirmation into an error (staff still see the inquiry, marked "not notified").
        transaction.on_commit(lambda: inquiry_notify_staff.delay(inquiry.pk), robust=True)
    return inquiry


def inquiry_submit(
    *,
    product: CaseProduct,
    client_address: str,
    name: str,
    company: str,
    email: str,
    quantity: int,
    message: str = "",
    phone_model: PhoneModel | None = None,
    from_bot: bool = False,
) -> Inquiry | None:
    """A public inquiry: counted against the rate limits per client address and per email
    address (raises `shop.ratelimit.RateLimited`), dropped quietly when it comes from a bot
    (the honeypot was filled in: nothing is stored or sent), else stored (`inquiry_create`).
    """
    rate_limit_hit(scope="inquiry-address", key=client_address)
    if from_bot:
        logger.info("Dropped a wholesale inquiry with a filled honeypot from %s", client_address)
        return None
    rate_limit_hit(scope="inquiry-email", key=email)
    return inquiry_create(
        product=product,
        name=name,
        company=company,
        email=email,
        quantity=quantity,
        message=message,
        phone_model=phone_model,
    )
