"""The order rules' public face: what other apps (wholesale, payments, accounts, reviews,
the configurator) and the tests call, re-exported from the modules that hold each role.
Code inside `shop.orders` imports the role modules themselves.

- `errors`: the refusals (`OrderError` and its kinds).
- `transitions`: the state machine, `order_transition`, the `order_status_changed` signal.
- `holds`: how long and how much stock an unpaid order holds; the per-buyer cap.
- `totals`: shipping options and an order's totals.
- `placement`: placing a retail order from the cart, or a wholesale quote's order.
- `payment_records`: the payment ledger (charges, refunds) and what it does to an order.
- `release`: cancelling unpaid orders and giving their stock back (the expiry job).
- `fulfilment`: into production and shipped.
- `stock`: the stock moves under row locks; `task_names`: the outbox's task names.
"""

from __future__ import annotations

from .errors import AddressInvalid, IllegalTransition, OrderError
from .fulfilment import order_ship, order_start_production
from .holds import (
    buyer_address_key,
    buyer_units_cap,
    buyer_units_held,
    hold_ceiling,
    hold_max_minutes,
    hold_minutes,
    order_hold_extend,
)
from .payment_records import (
    order_paid_amount,
    payment_failed,
    payment_processing,
    payment_received,
    refund_recorded,
)
from .placement import address_errors, order_pay_url, order_place, order_place_wholesale
from .release import order_cancel_unpaid, order_release_if_expired, orders_release_expired
from .task_names import MAIL_TASK, PIPELINE_TASK, REFUND_TASK, STAFF_ALERT_TASK
from .totals import Totals, order_totals, shipping_options, shipping_region, shipping_settings
from .transitions import (
    NET_30,
    TRANSITIONS,
    order_set_status,
    order_status_changed,
    order_transition,
)

__all__ = [
    "MAIL_TASK",
    "NET_30",
    "PIPELINE_TASK",
    "REFUND_TASK",
    "STAFF_ALERT_TASK",
    "TRANSITIONS",
    "AddressInvalid",
    "IllegalTransition",
    "OrderError",
    "Totals",
    "address_errors",
    "buyer_address_key",
    "buyer_units_cap",
    "buyer_units_held",
    "hold_ceiling",
    "hold_max_minutes",
    "hold_minutes",
    "order_cancel_unpaid",
    "order_hold_extend",
    "order_paid_amount",
    "order_pay_url",
    "order_place",
    "order_place_wholesale",
    "order_release_if_expired",
    "order_set_status",
    "order_ship",
    "order_start_production",
    "order_status_changed",
    "order_totals",
    "order_transition",
    "orders_release_expired",
    "payment_failed",
    "payment_processing",
    "payment_received",
    "refund_recorded",
    "shipping_options",
    "shipping_region",
    "shipping_settings",
]
