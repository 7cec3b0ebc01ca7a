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
    """An upload as the engine re-encoded it (its master: lossless WebP, or PNG); the upload
    as sent is never kept.

    Rows are per owner; the stored file is shared by content: `file` is named by the
    master's sha256 (`configurator/artworks/<sha256[:2]>/<sha256>.<ext>`), so a copy, a
    re-upload or another owner's identical picture names the same file, which is deleted
    only when no row names it any more (`configurator.artwork_files`). Rows stored before
    this keep their random names; the same rules hold for them.
    """

    public_id = models.CharField(max_length=32, unique=True, default=public_id)
    file = models.FileField(upload_to="configurator/artworks/", max_length=200, db_index=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=8)  # the format uploaded: "JPEG", "PNG", ...

    class Meta:
        constraints = [_one_owner("artwork_one_owner")]

    def __str__(self) -> str:
        return f"artwork {self.public_id}"


class ArtworkFile(models.Model):
    """The lock row of one stored artwork file (by storage name): whoever writes the file
    or a row naming it, or deletes the file, holds this row's lock for that
    (`configurator.artwork_files`). `size` is what was written, once it was written whole
    (None for files stored before, or not written through it)."""

    name = models.CharField(max_length=200, unique=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class CaseTemplate(models.Model):
    """The case one product makes for one phone model, as the engine's case parameters.

    The shop keeps these in step with its catalog (the configurator never imports the
    shop): `device_data` is the phone model in the engine's device format, `params` the
    engine's `CaseParams` fields for the product's material and style, `finish` the
    product's finish. `content_hash` covers all three, so renders made from an older
    geometry are not served for a newer one.
    """

    product = models.CharField(max_length=120)  # the catalog product's slug
    device = models.CharField(max_length=100)  # the phone model's slug
    material = models.CharField(max_length=16)
    style = models.CharField(max_length=16, blank=True)
    finish = models.CharField(max_length=16, blank=True)
    device_data = models.JSONField()
    params = models.JSONField()
    content_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "device"], name="case_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product} for {self.device}"


class Design(Owned):
    """A saved design; never changed after creation (editing saves a new one).

    `case` is the case it was designed on, frozen at save time ({"device": <engine device
    dict>, "params": <CaseParams fields>}), so a later geometry fix in the catalog never
    changes a design a shopper saved or ordered; empty for designs on a built-in device
    with the material's default case.
    """

    token = models.CharField(max_length=32, unique=True, default=public_id)
    spec = models.JSONField()
    spec_version = models.PositiveSmallIntegerField()
    device = models.CharField(max_length=64)
    # Slugs of the shop's catalog, as plain strings: the configurator never imports the shop.
    product = models.CharField(max_length=100, blank=True)
    colour = models.CharField(max_length=100, blank=True)
    artworks = models.ManyToManyField(Artwork, related_name="designs")
    content_hash = models.CharField(max_length=64)
    template = models.ForeignKey(
        CaseTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="designs"
    )
    case = models.JSONField(default=dict, blank=True)

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
    """A file rendered from a design, or from a case template (product images); one per
    (design or template, kind, spec hash)."""

    class Kind(models.TextChoices):
        PREVIEW = "preview", "Preview"
        PRINT_PNG = "print_png", "Print PNG"
        PRINT_PDF = "print_pdf", "Print PDF"
        PREFLIGHT = "preflight", "Preflight report"
        STL = "stl", "STL"
        THREEMF = "3mf", "3MF"
        GLB = "glb", "GLB"

    design = models.ForeignKey(
        Design, null=True, blank=True, on_delete=models.CASCADE, related_name="renditions"
    )
    template = models.ForeignKey(
        CaseTemplate, null=True, blank=True, on_delete=models.CASCADE, related_name="renditions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    spec_hash = models.CharField(max_length=64)
    file = models.FileField(upload_to="configurator/renditions/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["design", "kind", "spec_hash"], name="rendition_unique_per_spec"
            ),
            models.UniqueConstraint(
                fields=["template", "kind", "spec_hash"],
                condition=Q(template__isnull=False),
                name="rendition_unique_per_template_spec",
            ),
            models.CheckConstraint(
                condition=Q(design__isnull=False, template__isnull=True)
                | Q(design__isnull=True, template__isnull=False),
                name="rendition_of_design_or_template",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.design or self.template}"


class RenderJob(models.Model):
    """Staff's request to render a design's production files, run on the `render` queue.

    The worker claims the job, renders each kind in `kinds` in turn (each is a
    get-or-create rendition, so a retried job redoes nothing) and counts `done`; the admin
    polls the counts for its progress bar.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Rendering"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="render_jobs")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    kinds = models.JSONField(default=list)
    done = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"render job {self.pk} for {self.design}"

    @property
    def total(self) -> int:
        return len(self.kinds)
