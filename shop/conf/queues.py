"""Background work: Celery's broker (Redis, or every task eagerly in the web process without
it), its two queues and task routes, and the periodic jobs of `celery -A shop beat`."""

from shop.conf.environment import env

# Celery: with no REDIS_URL every task runs eagerly in the web process (said once at start-up).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Two queues: `default` (mail, webhooks, order moves, the outbox relay) and `render` (below).
CELERY_TASK_DEFAULT_QUEUE = "default"
# A task taken by a worker whose machine vanished goes back to the queue after this long
# (Redis); longer than any task's hard time limit plus its longest retry delay.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 1800}
# A worker that loses Redis stops its running tasks (they will be delivered again) rather
# than finishing them alongside their redelivered copies.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Renders are slow and memory-hungry: they get their own queue, and workers of their own
# (`celery -A shop worker -Q render`), so mail and imports never wait behind them.
CELERY_TASK_ROUTES = {
    "configurator.tasks.render_design_job": {"queue": "render"},
    "shop.orders.tasks.order_render_line": {"queue": "render"},
    # Quick database work: pricing a quote takes milliseconds.
    "shop.wholesale.tasks.quote_price_job": {"queue": "default"},
}
# Periodic jobs (`celery -A shop beat`): relay the outbox rows the broker missed, give back
# the stock of unpaid orders whose hold ran out, retry webhook events not yet processed,
# delete expired sessions.
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {"task": "shop.outbox.tasks.outbox_relay", "schedule": 10.0},
    "orders-release-expired": {
        "task": "shop.orders.tasks.orders_release_expired",
        "schedule": 60.0,
    },
    "payments-webhook-retry": {
        "task": "shop.payments.tasks.webhook_events_retry",
        "schedule": 60.0,
    },
    # Wholesale callbacks whose next attempt is due (retries with backoff).
    "wholesale-callbacks-retry-due": {
        "task": "shop.wholesale.callback_tasks.callbacks_retry_due",
        "schedule": 15.0,
    },
    # Sent quotes past their date expire; those nearing it are warned once.
    "wholesale-quotes-expire": {
        "task": "shop.wholesale.tasks.quotes_expire_job",
        "schedule": 300.0,
    },
    # The API's Idempotency-Key rows older than WHOLESALE_IDEMPOTENCY_KEEP_HOURS.
    "wholesale-idempotency-purge": {
        "task": "shop.wholesale.tasks.idempotency_purge",
        "schedule": 3600.0,
    },
    # Expired sessions (database sessions are otherwise kept for ever): clearsessions.
    "sessions-clear-expired": {
        "task": "shop.accounts.tasks.sessions_clear_expired",
        "schedule": 3600.0,
    },
}
