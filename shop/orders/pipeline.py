"""What happens to an order once it is paid: it goes into production, each designed line's
production files are rendered, and the shopper and staff are mailed (`mails`).

Each step is its own Celery task (`tasks`), enqueued through the outbox in the transaction
of the change that calls for it, and safe to run twice: starting production moves the order
only from paid, and a line's files are renditions made once per design (get-or-create
under a unique constraint), so a redelivered or repeated task redoes nothing.
"""

from __future__ import annotations

import logging

from django.db import transaction

from configurator.models import Design, Rendition
from configurator.production import print_cache_clear, rendition_current
from configurator.services import rendition_get_or_create
from shop.outbox.services import outbox_enqueue

from .errors import OrderError
from .fulfilment import order_start_production
from .models import Order, OrderEvent, OrderLine, Status
from .task_names import MAIL_TASK, STAFF_ALERT_TASK
from .transitions import NET_30

logger = logging.getLogger(__name__)

RENDER_TASK = "shop.orders.tasks.order_render_line"

Kind = Rendition.Kind

# A designed line's production files, and its preview (the admin's thumbnail), in the order
# they are made: the preview first, as it is quick; the print PNG and PDF share one raster.
LINE_FILES: tuple[str, ...] = (
    Kind.PREVIEW,
    Kind.PRINT_PNG,
    Kind.PRINT_PDF,
    Kind.STL,
    Kind.THREEMF,
)

# Orders whose files may be (re-)rendered: paid, and not cancelled or refunded.
RENDERABLE = frozenset(
    {Status.PAID, Status.IN_PRODUCTION, Status.READY_TO_SHIP, Status.SHIPPED, Status.DELIVERED}
)


def _designed_line_ids(order_id: int) -> list[int]:
    return list(
        OrderLine.objects.filter(order_id=order_id, design__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def pipeline_start(*, order_id: int) -> bool:
    """Paid -> in production and, in the same transaction, queue the render of every
    designed line, the confirmation mail and the staff alert. False (nothing done) when
    the order is not paid any more: it moved on already, or was refunded meanwhile. A
    wholesale order on net terms takes the same path from pending payment (it is invoiced:
    `services.order_place_wholesale` queues it at once)."""
    with transaction.atomic():
        try:
            started = order_start_production(order_id=order_id)
        except Order.DoesNotExist:
            logger.warning("Pipeline: no order %s", order_id)
            return False
        if not started:
            return False
        for line_id in _designed_line_ids(order_id):
            outbox_enqueue(RENDER_TASK, line_id)
        outbox_enqueue(MAIL_TASK, order_id, "confirmation")
        # A wholesale order on net terms starts unpaid: staff are told to invoice it.
        net = Order.objects.filter(pk=order_id, payment_terms=NET_30, paid_at__isnull=True)
        outbox_enqueue(STAFF_ALERT_TASK, order_id, "net30_started" if net.exists() else "paid")
    return True


def _file_ensure(design: Design, kind: str) -> bool:
    """Make the design's rendition of `kind` unless it is there; True if rendered now.

    A rendition whose file has gone from the storage (a restored backup, a bucket
    cleaned by hand) is rendered again: its row is removed first, then made anew under the
    rendition's own lock. A file that is there is never replaced: it is the same bytes,
    and staff may be downloading it.
    """
    current = rendition_current(design=design, kind=kind)
    if current is not None:
        if current.file.storage.exists(current.file.name):
            return False
        logger.warning("Rendition %s of design %s lost its file: rendering it again", kind, design)
        Rendition.objects.filter(pk=current.pk).delete()
    rendition_get_or_create(design=design, kind=kind)
    return True


def line_render(*, line_id: int) -> list[str]:
    """Render a designed line's production files (print PNG and PDF, STL, 3MF) and its
    preview, each at most once. Returns the kinds rendered now (empty when all were there).

    The order's event log says when a line's files are ready (once, or again when some had
    to be made anew), and when the last designed line's are."""
    line = OrderLine.objects.select_related("order", "design").filter(pk=line_id).first()
    if line is None or line.design is None:
        return []
    if line.order.status not in RENDERABLE:
        logger.info("Not rendering line %s: order %s is %s", line_id, line.order, line.order.status)
        return []
    made: list[str] = []
    try:
        for kind in LINE_FILES:
            if _file_ensure(line.design, kind):
                made.append(str(kind))
    finally:
        print_cache_clear()  # a print raster is large: keep none between tasks
    _files_ready_record(line, made)
    return made


def _files_ready_record(line: OrderLine, made: list[str]) -> None:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=line.order_id)
        ready = order.events.filter(kind="files_ready")
        if made or not ready.filter(data__line=line.pk).exists():
            OrderEvent.objects.create(
                order=order,
                kind="files_ready",
                message=(
                    f"Production files ready for {line.quantity} x {line.sku} "
                    f"(design {line.design.token})."
                ),
                data={"line": line.pk, "design": line.design.token, "rendered": made},
            )
        designed = set(_designed_line_ids(order.pk))
        done = set(ready.values_list("data__line", flat=True))
        if designed <= done and not order.events.filter(kind="production_files_ready").exists():
            OrderEvent.objects.create(
                order=order,
                kind="production_files_ready",
                message="All production files are ready.",
            )


def order_files_rerender(*, order_id: int, actor=None) -> int:
    """Staff: queue the render of every designed line of a paid order again. Files that
    exist are kept (the same design renders the same bytes); missing ones are made anew.
    Returns how many lines were queued; OrderError says why there is nothing to do."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status not in RENDERABLE:
            raise OrderError(
                f"Order {order.number} is {order.get_status_display().lower()}: "
                "there are no production files to render."
            )
        line_ids = _designed_line_ids(order_id)
        if not line_ids:
            raise OrderError(f"Order {order.number} has no designed cases: nothing to render.")
        for line_id in line_ids:
            outbox_enqueue(RENDER_TASK, line_id)
        OrderEvent.objects.create(
            order=order,
            kind="rerender",
            message=f"Production files queued again for {len(line_ids)} designed line(s).",
            actor=actor if getattr(actor, "pk", None) else None,
        )
    return len(line_ids)
