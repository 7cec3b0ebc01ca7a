"""Background work for questions, enqueued through the outbox (`shop.outbox`).

Tasks take ids, are idempotent (see `mails`), and retry with backoff like the order tasks.
"""

from celery import shared_task

from . import mails

RETRY = {
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


# EMAIL_TIMEOUT bounds each wait on the mail server.
@shared_task(ignore_result=True, soft_time_limit=90, time_limit=120, **RETRY)
def question_answered_mail(question_id: int) -> bool:
    """Mail the asker that their question has an answer, once."""
    return mails.question_answered_mail_send(question_id=question_id)
