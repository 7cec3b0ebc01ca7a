"""The names of the Celery tasks the order rules enqueue through the outbox (strings: the
tasks live in other modules, and `REFUND_TASK` in `shop.payments.tasks`: a name, not an
import, so orders still never import payments). The names must not change: queued tasks
carry them."""

from __future__ import annotations

# Task names enqueued through the outbox (strings: the tasks live in other modules).
PIPELINE_TASK = "shop.orders.tasks.order_paid_pipeline"
MAIL_TASK = "shop.orders.tasks.order_mail"
REFUND_TASK = "shop.payments.tasks.payment_refund"
STAFF_ALERT_TASK = "shop.orders.tasks.order_staff_alert"
