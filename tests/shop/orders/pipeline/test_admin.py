"""Staff's order admin: the order page (lines, thumbnails, downloads, events, payments), its
actions (ship, deliver, re-render, refund) through the order rules, with refusals shown as
messages, the list's filters and search, and the outbox and address pages."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from shop.orders import pipeline
from shop.orders.models import Address, Order, PaymentState, Status
from shop.outbox.models import OutboxMessage
from tests.factories import StaffUserFactory

from .conftest import pay, place_designed_order

pytestmark = pytest.mark.django_db


def url(view: str, *args) -> str:
    return reverse(f"admin:orders_order_{view}", args=args)


def follow_messages(response) -> str:
    return " ".join(re.findall(r'<li class="(?:success|error|warning)">(.*?)</li>', response.text))


@pytest.fixture
def in_production(cases, django_capture_on_commit_callbacks) -> Order:
    """A paid order that went through the pipeline (eagerly): in production, files made."""
    order = place_designed_order(cases)
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    order.refresh_from_db()
    assert order.status == Status.IN_PRODUCTION
    mail.outbox.clear()
    return order


def test_the_order_page_shows_lines_thumbnails_downloads_events_and_payments(
    staff_client, in_production
):
    """Each line with its SKU; the designed one with its preview thumbnail and a download
    link per production file (which answer with the file); the event log; the payment."""
    order = in_production
    design = order.lines.get(design__isnull=False).design
    page = staff_client.get(url("change", order.pk))
    assert page.status_code == 200
    html = page.text
    assert "CLS-IP12-BLK" in html and "CLS-IP12-BLU" in html and "stock case" in html
    thumbnail = reverse("admin:configurator_design_thumbnail", args=[design.pk])
    assert f'src="{thumbnail}"' in html
    for kind in ("print_png", "print_pdf", "stl", "3mf"):
        link = reverse(f"admin:configurator_design_download_{kind}", args=[design.pk])
        assert f'href="{link}"' in html, kind
        download = staff_client.get(link)
        assert download.status_code == 200 and b"".join(download.streaming_content)
    assert staff_client.get(thumbnail)["Content-Type"] == "image/webp"
    assert "Production files ready" in html and "Sent to production." in html
    assert "Confirmation mail sent to ada@example.com" in html
    assert "pay-1" in html  # the payment's reference
    assert 'value="Re-render production files"' in html and url("ship", order.pk) in html
    assert 'name="_save"' not in html  # nothing to edit by hand


def test_orders_cannot_be_added_edited_or_deleted_by_hand(staff_client, in_production):
    order = in_production
    assert staff_client.get(reverse("admin:orders_order_add")).status_code == 403
    assert staff_client.post(url("change", order.pk), {"email": "x@example.com"}).status_code == 403
    assert staff_client.post(url("delete", order.pk), {"post": "yes"}).status_code == 403
    order.refresh_from_db()
    assert order.email == "ada@example.com"


def test_mark_shipped_asks_the_tracking_number_and_mails_the_customer_once(
    staff_client, in_production, django_capture_on_commit_callbacks
):
    order = in_production
    form = staff_client.get(url("ship", order.pk))
    assert form.status_code == 200 and 'name="tracking_number"' in form.text
    with django_capture_on_commit_callbacks(execute=True):
        done = staff_client.post(
            url("ship", order.pk), {"tracking_number": " 1Z999AA1 "}, follow=True
        )
    assert "is shipped" in follow_messages(done)
    order.refresh_from_db()
    assert (order.status, order.tracking_number) == (Status.SHIPPED, "1Z999AA1")
    assert order.events.filter(to_status=Status.SHIPPED, actor__isnull=False).exists()
    (shipped,) = mail.outbox
    assert shipped.to == ["ada@example.com"] and "1Z999AA1" in shipped.body
    # Shipping it again is refused with a message, and mails nobody.
    with django_capture_on_commit_callbacks(execute=True):
        again = staff_client.post(url("ship", order.pk), {"tracking_number": "X2"}, follow=True)
    assert again.status_code == 200
    assert "cannot go from shipped to shipped" in follow_messages(again)
    assert len(mail.outbox) == 1


def test_a_tracking_number_is_required_on_one_line(staff_client, in_production):
    response = staff_client.post(url("ship", in_production.pk), {"tracking_number": "  "})
    assert response.status_code == 200 and "This field is required" in response.text
    forged = staff_client.post(url("ship", in_production.pk), {"tracking_number": "1Z\nBcc: x"})
    assert forged.status_code == 200 and "single line" in forged.text
    long = staff_client.post(url("ship", in_production.pk), {"tracking_number": "1" * 101})
    assert long.status_code == 200 and "at most 100 characters" in long.text
    in_production.refresh_from_db()
    assert in_production.status == Status.IN_PRODUCTION


def test_an_unpaid_order_cannot_be_shipped_delivered_or_rerendered(staff_client, cases):
    """Each refusal is a clear message on the order page, never an error page."""
    order = place_designed_order(cases)
    shipped = staff_client.post(url("ship", order.pk), {"tracking_number": "1Z"}, follow=True)
    assert "cannot go from pending payment to" in follow_messages(shipped)
    delivered = staff_client.post(url("delivered", order.pk), follow=True)
    assert "cannot go from pending payment to delivered" in follow_messages(delivered)
    rerender = staff_client.post(url("rerender", order.pk), follow=True)
    assert "no production files to render" in follow_messages(rerender)
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT
    assert not OutboxMessage.objects.filter(task=pipeline.RENDER_TASK).exists()


def test_mark_delivered_after_shipping(staff_client, in_production):
    order = in_production
    early = staff_client.post(url("delivered", order.pk), follow=True)
    assert "cannot go from in production to delivered" in follow_messages(early)
    staff_client.post(url("ship", order.pk), {"tracking_number": "1Z"})
    done = staff_client.post(url("delivered", order.pk), follow=True)
    assert "is delivered" in follow_messages(done)
    order.refresh_from_db()
    assert order.status == Status.DELIVERED


def test_rerender_queues_each_designed_line_again(
    staff_client, in_production, django_capture_on_commit_callbacks
):
    """The render of each designed line is queued through the outbox; files already made
    are kept, so the worker renders nothing again."""
    order = in_production
    line = order.lines.get(design__isnull=False)
    before = OutboxMessage.objects.filter(task=pipeline.RENDER_TASK, args=[line.pk]).count()
    with django_capture_on_commit_callbacks(execute=True):
        done = staff_client.post(url("rerender", order.pk), follow=True)
    assert "queued on the render queue" in follow_messages(done)
    queued = OutboxMessage.objects.filter(task=pipeline.RENDER_TASK, args=[line.pk])
    assert queued.count() == before + 1 and queued.last().sent_at is not None
    assert order.events.filter(kind="rerender", actor__isnull=False).exists()
    assert staff_client.get(url("rerender", order.pk)).status_code == 405


def test_an_order_of_stock_cases_has_nothing_to_rerender(staff_client, cases):
    from shop.cart.models import Cart, CartLine
    from shop.orders.services import order_place

    from .conftest import ADDRESS

    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=cases["blue"], quantity=1)
    order = order_place(cart=cart, email="bo@example.com", address=ADDRESS, method="standard")
    pay(order, reference="pay-2")
    response = staff_client.post(url("rerender", order.pk), follow=True)
    assert "has no designed cases" in follow_messages(response)


def test_list_actions_report_what_they_did_and_refused(staff_client, in_production, cases):
    """Mark delivered on a shipped and an unshipped order: one done, one refused."""
    shipped = place_designed_order(cases, email="cy@example.com")
    pay(shipped, reference="pay-2")
    pipeline.pipeline_start(order_id=shipped.pk)
    staff_client.post(url("ship", shipped.pk), {"tracking_number": "1Z"})
    response = staff_client.post(
        url("changelist"),
        {"action": "mark_delivered", "_selected_action": [shipped.pk, in_production.pk]},
        follow=True,
    )
    text = follow_messages(response)
    assert "1 order(s) marked delivered" in text
    assert "cannot go from in production to delivered" in text
    rerender = staff_client.post(
        url("changelist"),
        {"action": "rerender_files", "_selected_action": [in_production.pk]},
        follow=True,
    )
    assert "queued for 1 order(s)" in follow_messages(rerender)


def test_refund_in_full_and_per_line(staff_client, in_production):
    """The refund page refunds some units of a line at their price, then the rest."""
    order = in_production
    blue = order.lines.get(sku="CLS-IP12-BLU")
    page = staff_client.get(url("refund", order.pk))
    assert page.status_code == 200 and f'name="line_{blue.pk}"' in page.text
    one = staff_client.post(
        url("refund", order.pk), {"scope": "lines", f"line_{blue.pk}": "1"}, follow=True
    )
    assert "Refunded $18.00" in follow_messages(one)
    blue.refresh_from_db()
    order.refresh_from_db()
    assert blue.refunded_quantity == 1 and order.payment_state == PaymentState.PARTIALLY_REFUNDED
    rest = staff_client.post(url("refund", order.pk), {"scope": "full"}, follow=True)
    assert f"Refunded ${order.total - Decimal('18.00')}" in follow_messages(rest)
    order.refresh_from_db()
    assert (order.status, order.payment_state) == (Status.REFUNDED, PaymentState.REFUNDED)
    again = staff_client.post(url("refund", order.pk), {"scope": "full"}, follow=True)
    assert "holds no payment to refund" in follow_messages(again)


def test_refund_form_refuses_bad_quantities(staff_client, in_production):
    order = in_production
    blue = order.lines.get(sku="CLS-IP12-BLU")
    too_many = staff_client.post(
        url("refund", order.pk), {"scope": "lines", f"line_{blue.pk}": "3"}
    )
    assert too_many.status_code == 200 and "less than or equal to 2" in too_many.text
    none = staff_client.post(url("refund", order.pk), {"scope": "lines"})
    assert "at least one line" in none.text
    no_amount = staff_client.post(url("refund", order.pk), {"scope": "amount"})
    assert "Give the amount to refund" in no_amount.text
    assert order.payments.count() == 1  # nothing refunded


def test_staff_without_the_change_permission_see_the_order_but_cannot_act(client, in_production):
    viewer = StaffUserFactory(username="vic-viewer", is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(viewer)
    order = in_production
    page = client.get(url("change", order.pk))
    assert page.status_code == 200 and 'value="Re-render production files"' not in page.text
    for view in ("ship", "refund", "rerender", "delivered"):
        assert client.post(url(view, order.pk), {"tracking_number": "1Z"}).status_code == 403
    order.refresh_from_db()
    assert order.status == Status.IN_PRODUCTION


@pytest.mark.parametrize(
    "query,expected",
    [
        ("status=in_production", {"production"}),
        ("status=pending_payment", {"unpaid"}),
        ("payment_state=paid", {"production"}),
        ("payment_state=unpaid", {"unpaid"}),
        ("stock=held", {"unpaid"}),
        ("stock=sold", {"production"}),
        ("designed=yes", {"production", "unpaid"}),
        ("designed=no", set()),
        ("q=ada%40example.com", {"production"}),
        ("q=bo%40example.com", {"unpaid"}),
    ],
)
def test_list_filters_and_search(staff_client, in_production, cases, query, expected):
    unpaid = place_designed_order(cases, email="bo@example.com")
    names = {in_production.pk: "production", unpaid.pk: "unpaid"}
    response = staff_client.get(f"{url('changelist')}?{query}")
    assert response.status_code == 200
    assert {names[o.pk] for o in response.context["cl"].result_list} == expected


def test_search_by_order_number(staff_client, in_production):
    """The whole number, or the part after "CF-" in any case, finds the order."""
    for query in (in_production.number, in_production.number[3:].lower()):
        response = staff_client.get(f"{url('changelist')}?q={query}")
        assert [o.pk for o in response.context["cl"].result_list] == [in_production.pk]


def test_outbox_page_filters_waiting_and_sent(staff_client, in_production):
    waiting = OutboxMessage.objects.create(task="shop.orders.tasks.order_mail", args=[1, "x"])
    changelist = reverse("admin:outbox_outboxmessage_changelist")
    listed = staff_client.get(f"{changelist}?state=waiting").context["cl"].result_list
    assert [m.pk for m in listed] == [waiting.pk]
    sent = staff_client.get(f"{changelist}?state=sent").context["cl"].result_list
    assert waiting.pk not in [m.pk for m in sent] and len(sent) >= 4
    page = staff_client.get(reverse("admin:outbox_outboxmessage_change", args=[waiting.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.text


def test_address_book_entries_are_listed(staff_client, staff_user):
    address = Address.objects.create(
        user=staff_user,
        name="Alice",
        line1="2 High St",
        city="Leeds",
        postal_code="LS1",
        country="GB",
    )
    response = staff_client.get(reverse("admin:orders_address_changelist") + "?q=Leeds")
    assert [a.pk for a in response.context["cl"].result_list] == [address.pk]
    assert (
        staff_client.get(reverse("admin:orders_address_change", args=[address.pk])).status_code
        == 200
    )
