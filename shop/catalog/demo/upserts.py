"""Idempotent writes of demo rows: `upsert` creates a row or writes only what differs, and
`Tally` counts what each step created, updated or left unchanged."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def upsert(model: type[Model], lookup: dict, values: dict, existing: Model | None = None):
    """Create the row, or write only the fields that differ; says which it did.

    Like `update_or_create` keyed by `lookup`, but an unchanged row is not written at all,
    so a second run really changes nothing (and can say so).
    """
    obj = existing if existing is not None else model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), CREATED
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, UNCHANGED
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=changed)
    return obj, UPDATED
