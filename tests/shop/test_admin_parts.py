"""The shared admin list filters: `NullDateFilter` as the outbox and the webhook events use it."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import timezone

from shop.outbox.admin import WaitingFilter
from shop.outbox.models import OutboxMessage
from shop.payments.admin import ProcessedFilter
from shop.payments.models import WebhookEvent

pytestmark = pytest.mark.django_db


def _filter(filter_class, model, value: str | None = None):
    params = {} if value is None else {filter_class.parameter_name: [value]}
    return filter_class(RequestFactory().get("/"), params, model, admin.site._registry[model])


def test_each_null_date_filter_keeps_its_title_parameter_and_choices_in_order():
    waiting = _filter(WaitingFilter, OutboxMessage)
    assert (waiting.title, waiting.parameter_name) == ("state", "state")
    assert list(waiting.lookup_choices) == [("waiting", "Waiting for the broker"), ("sent", "Sent")]
    processed = _filter(ProcessedFilter, WebhookEvent)
    assert (processed.title, processed.parameter_name) == ("processed", "processed")
    assert list(processed.lookup_choices) == [("yes", "Processed"), ("no", "Not processed yet")]


def test_a_null_date_filter_lists_rows_with_the_date_set_or_not_yet():
    done = WebhookEvent.objects.create(event_id="evt_done", type="charge.refunded", payload={})
    WebhookEvent.objects.filter(pk=done.pk).update(processed_at=timezone.now())
    todo = WebhookEvent.objects.create(event_id="evt_todo", type="charge.refunded", payload={})
    rows = WebhookEvent.objects.all()

    def listed(value):
        return {e.pk for e in _filter(ProcessedFilter, WebhookEvent, value).queryset(None, rows)}

    assert listed("yes") == {done.pk}
    assert listed("no") == {todo.pk}
    assert listed(None) == {done.pk, todo.pk}
    assert listed("maybe") == {done.pk, todo.pk}  # not a choice: the filter leaves rows alone
