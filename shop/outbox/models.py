"""Tasks waiting to reach the broker: written in the same transaction as the state change
that calls for them, relayed to Celery after commit and by a periodic job (services)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class OutboxMessage(models.Model):
    task = models.CharField(max_length=200, help_text="The Celery task's registered name.")
    args = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "outbox message"
        indexes = [
            models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="outbox_unsent"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}" + ("" if self.sent_at else " (waiting)")

    @property
    def task_id(self) -> str:
        """The Celery task id: the same on every relay of this message."""
        return f"outbox-{self.pk}"
