"""Background work for questions, enqueued through the outbox (`shop.outbox`).

Tasks take ids, are idempotent (see `mails`), and retry with backoff like the order tasks.
"""

from celery import shared_task

from shop.celery import TASK_RETRY as RETRY

from . import mails


# EMAIL_TIMEOUT bounds each wait on the mail server.
@shared_task(ignore_result=True, soft_time_limit=90, time_limit=120, **RETRY)
def question_answered_mail(question_id: int) -> bool:
    """Mail the asker that their question has an answer, once."""
    return mails.question_answered_mail_send(question_id=question_id)
