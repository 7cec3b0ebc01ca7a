"""The configurator's records: uploaded artworks, immutable designs and their renditions.

Every artwork and design has exactly one owner: an account, or, for an anonymous visitor,
a random visitor id kept in their session (`configurator.owners`). The session key itself
is never stored: it is a credential, and it changes at login anyway.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q


def public_id() -> str:
    return secrets.token_urlsafe(16)


class OwnedQuerySet(models.QuerySet):
    def owned_by(self, owner):
        """Rows of `owner` (a `configurator.owners.Owner`) and nobody else."""
        if owner.user_id is not None:
            return self.filter(user_id=owner.user_id)
        return self.filter(user__isnull=True, visitor=owner.visitor)


class Owned(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    visitor = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        abstract = True


def _one_owner(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(user__isnull=False) & Q(visitor="")) | (Q(user__isnull=True) & ~Q(visitor="")),
        name=name,
    )


class Artwork(Owned):
    """An upload as the engine re-encoded it (PNG); the upload as sent is never kept."""

    public_id = models.CharField(max_length=32, unique=True, default=public_id)
    file = models.FileField(upload_to="configurator/artworks/")
    sha256 = models.CharField(max_length=64, db_index=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=8)  # the format uploaded: "JPEG", "PNG", ...

    class Meta:
        constraints = [_one_owner("artwork_one_owner")]

    def __str__(self) -> str:
        return f"artwork {self.public_id}"


class Design(Owned):
    """A saved design; never changed after creation (editing saves a new one)."""

    token = models.CharField(max_length=32, unique=True, default=public_id)
    spec = models.JSONField()
    spec_version = models.PositiveSmallIntegerField()
    device = models.CharField(max_length=64)
    # Slugs of the shop's catalog, as plain strings: the configurator never imports the shop.
    product = models.CharField(max_length=100, blank=True)
    colour = models.CharField(max_length=100, blank=True)
    artworks = models.ManyToManyField(Artwork, related_name="designs")
    content_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            _one_owner("design_one_owner"),
            models.UniqueConstraint(
                fields=["user", "content_hash"],
                condition=Q(user__isnull=False),
                name="design_unique_per_user",
            ),
            models.UniqueConstraint(
                fields=["visitor", "content_hash"],
                condition=Q(user__isnull=True),
                name="design_unique_per_visitor",
            ),
        ]

    def __str__(self) -> str:
        return f"design {self.token}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("update_fields"):
            raise ValueError("designs are immutable: save a new design instead")
        super().save(*args, **kwargs)


class Rendition(models.Model):
    """A file rendered from a design; one per (design, kind, spec hash)."""

    class Kind(models.TextChoices):
        PREVIEW = "preview", "Preview"
        PRINT_PNG = "print_png", "Print PNG"
        PRINT_PDF = "print_pdf", "Print PDF"
        PREFLIGHT = "preflight", "Preflight report"
        STL = "stl", "STL"
        THREEMF = "3mf", "3MF"
        GLB = "glb", "GLB"

    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="renditions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    spec_hash = models.CharField(max_length=64)
    file = models.FileField(upload_to="configurator/renditions/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["design", "kind", "spec_hash"], name="rendition_unique_per_spec"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.design}"
