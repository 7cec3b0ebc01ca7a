"""Catalog: phone models, case products, their variants, stock and photos."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.core.validators import MinValueValidator
from django.db import models
from django.dispatch import receiver
from django.urls import reverse
from django.utils.functional import LazyObject, empty

from configurator.engine.case import Material as EngineMaterial
from configurator.engine.devices import CAMERA_STYLES
from configurator.engine.spec import Finish as EngineFinish
from shop.validators import single_line

MM = {"max_digits": 6, "decimal_places": 2}
MM_PER_INCH = Decimal("25.4")


def _labelled_choices(name: str, values: type[StrEnum], labels: dict[str, str]):
    """TextChoices with exactly the members of an engine enum, each with its shop label.

    The engine owns the values (it renders and builds every one of them); the shop only
    adds labels, so the two can never disagree. A value without a label fails at import.
    """
    return models.TextChoices(name, [(m.name, (m.value, labels[m.value])) for m in values])


Material = _labelled_choices(
    "Material",
    EngineMaterial,
    {"tpu": "TPU (flexible)", "pc": "PC (hard polycarbonate)", "hybrid": "Hybrid TPU + PC"},
)


class Style(models.TextChoices):
    SLIM = "slim", "Slim"
    CLEAR = "clear", "Clear"
    RUGGED = "rugged", "Rugged"
    BUMPER = "bumper", "Bumper"
    STAND = "stand", "Kickstand"


Finish = _labelled_choices(
    "Finish",
    EngineFinish,
    {"glossy": "Glossy", "matte": "Matte", "frosted": "Frosted", "soft-touch": "Soft-touch"},
)


CameraStyle = models.TextChoices(
    "CameraStyle",
    [
        (style.upper(), (style, label))
        for style, label in zip(
            CAMERA_STYLES,
            (
                "Island: a raised rectangle; the case has a hole around it",
                "Bar: across the whole back; the case rises over it with a window",
            ),
            strict=True,  # a new engine style fails here until it has a label
        )
    ],
)


class PhoneModel(models.Model):
    """A phone body the shop makes cases for; its geometry drives print areas and meshes.

    Every figure is in millimetres. `sources` says where each group of figures comes from
    and how far it can be trusted (keys body, corner_radius, camera; each value either
    {"confidence": drawing | measured | estimate, "source": text} or a plain text, which
    counts as an estimate); each opening carries its own `confidence` and `source`. The
    configurator engine (`configurator.engine.devices`) is the judge of a valid geometry.
    """

    brand = models.CharField(max_length=60, validators=[single_line])
    name = models.CharField(max_length=100, validators=[single_line])
    slug = models.SlugField(max_length=100, unique=True)
    release_year = models.PositiveSmallIntegerField()
    height_mm = models.DecimalField(**MM, validators=[MinValueValidator(20)])
    width_mm = models.DecimalField(**MM, validators=[MinValueValidator(20)])
    depth_mm = models.DecimalField(**MM, validators=[MinValueValidator(3)])
    corner_radius_mm = models.DecimalField("plan-view corner radius (mm)", **MM)
    corner_exponent = models.DecimalField(
        "corner exponent",
        max_digits=4,
        decimal_places=2,
        default=Decimal("2"),
        help_text="2: circular corners. Larger (up to 10): continuous-curvature superellipse "
        "corners reaching the same radius along each side; only where a reference gives one.",
    )
    camera_x_mm = models.DecimalField("camera island x from back top-left (mm)", **MM)
    camera_y_mm = models.DecimalField("camera island y from back top-left (mm)", **MM)
    camera_width_mm = models.DecimalField(**MM)
    camera_height_mm = models.DecimalField(**MM)
    camera_corner_radius_mm = models.DecimalField(**MM)
    camera_style = models.CharField(
        max_length=10, choices=CameraStyle.choices, default=CameraStyle.ISLAND
    )
    camera_protrusion_mm = models.DecimalField(
        "camera protrusion (mm)",
        **MM,
        default=Decimal("0"),
        help_text="How far the island or bar stands proud of the back; the case rises over it.",
    )
    camera_bar_y_mm = models.DecimalField(
        "camera bar y from back top (mm)",
        **MM,
        null=True,
        blank=True,
        help_text="Bar cameras only: where the bar starts. The camera rectangle above is then "
        "the lens window within the bar.",
    )
    camera_bar_height_mm = models.DecimalField(
        "camera bar height (mm)", **MM, null=True, blank=True, help_text="Bar cameras only."
    )
    openings = models.JSONField(
        default=list,
        blank=True,
        help_text="Buttons and ports: list of {kind, name, side, offset_mm, length_mm, "
        "height_mm, confidence, source}; sides as seen from the screen; confidence is "
        "drawing, measured or estimate.",
    )
    sources = models.JSONField(
        default=dict, blank=True, help_text="Where the figures come from, by group."
    )

    class Meta:
        ordering = ["brand", "-release_year", "name"]

    def __str__(self) -> str:
        return f"{self.brand} {self.name}" if not self.name.startswith(self.brand) else self.name

    def body_size_display(self) -> str:
        return f"{self.height_mm} x {self.width_mm} x {self.depth_mm} mm"

    def to_engine_dict(self) -> dict:
        """The phone model in the configurator engine's device format.

        The bar figures are passed whenever they are set, so that the engine refuses them on
        an island camera rather than the shop silently dropping them.
        """
        camera = {
            "x_mm": float(self.camera_x_mm),
            "y_mm": float(self.camera_y_mm),
            "width_mm": float(self.camera_width_mm),
            "height_mm": float(self.camera_height_mm),
            "corner_radius_mm": float(self.camera_corner_radius_mm),
            "style": self.camera_style,
            "protrusion_mm": float(self.camera_protrusion_mm),
        }
        if self.camera_bar_y_mm is not None:
            camera["bar_y_mm"] = float(self.camera_bar_y_mm)
        if self.camera_bar_height_mm is not None:
            camera["bar_height_mm"] = float(self.camera_bar_height_mm)
        return {
            "slug": self.slug,
            "brand": self.brand,
            "name": self.name,
            "release_year": self.release_year,
            "height_mm": float(self.height_mm),
            "width_mm": float(self.width_mm),
            "depth_mm": float(self.depth_mm),
            "corner_radius_mm": float(self.corner_radius_mm),
            "corner_exponent": float(self.corner_exponent),
            "camera": camera,
            "openings": list(self.openings),
            "sources": dict(self.sources),
        }


class Colour(models.Model):
    name = models.CharField(max_length=40, unique=True, validators=[single_line])
    slug = models.SlugField(max_length=40, unique=True)
    hex = models.CharField(max_length=7, help_text="#RRGGBB swatch")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Feature(models.Model):
    name = models.CharField(max_length=60, unique=True, validators=[single_line])
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CaseProduct(models.Model):
    name = models.CharField(max_length=120, validators=[single_line])
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    material = models.CharField(max_length=10, choices=Material.choices, db_index=True)
    style = models.CharField(max_length=10, choices=Style.choices, db_index=True)
    finish = models.CharField(max_length=12, choices=Finish.choices)
    features = models.ManyToManyField(Feature, blank=True, related_name="products")
    product_weight_g = models.DecimalField(max_digits=7, decimal_places=1)
    package_weight_g = models.DecimalField(max_digits=7, decimal_places=1)
    package_length_mm = models.DecimalField(**MM)
    package_width_mm = models.DecimalField(**MM)
    package_height_mm = models.DecimalField(**MM)
    package_contents = models.TextField(
        blank=True, help_text="One item per line, e.g. '1 x phone case'."
    )
    recommended = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="recommended_by",
        help_text="Staff-curated recommendations, shown before automatic ones.",
    )
    is_active = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:product", kwargs={"slug": self.slug})

    @property
    def product_weight_kg(self) -> str:
        return f"{self.product_weight_g / 1000:.4f} kg"

    @property
    def package_weight_kg(self) -> str:
        return f"{self.package_weight_g / 1000:.4f} kg"

    @property
    def package_size_display(self) -> str:
        """Package size in cm and inches with two decimals, e.g. '20.00 x 20.00 x 5.00 cm /
        7.87 x 7.87 x 1.97 in'."""
        dims = (self.package_length_mm, self.package_width_mm, self.package_height_mm)
        cm = " x ".join(f"{d / 10:.2f}" for d in dims)
        inches = " x ".join(f"{d / MM_PER_INCH:.2f}" for d in dims)
        return f"{cm} cm / {inches} in"

    @property
    def package_contents_list(self) -> list[str]:
        return [line.strip() for line in self.package_contents.splitlines() if line.strip()]


def product_photo_path(instance: ProductPhoto, filename: str) -> str:
    return f"products/{instance.product.slug}/{filename}"


class PublicStorage(LazyObject):
    """settings.STORAGES["public"], looked up on first use (like `default_storage`)."""

    def _setup(self):
        self._wrapped = storages["public"]


public_files = PublicStorage()


@receiver(setting_changed)
def _storages_changed(*, setting, **kwargs) -> None:
    # As Django does for default_storage: tests may point STORAGES elsewhere.
    if setting == "STORAGES":
        public_files._wrapped = empty


def public_storage():
    """The storage of files anyone may see at their URL (settings.STORAGES["public"]): on S3
    a public-read prefix, where the private default storage would give URLs that expire
    while cached pages still show them."""
    return public_files


class ProductPhoto(models.Model):
    product = models.ForeignKey(CaseProduct, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=product_photo_path, storage=public_storage)
    alt = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    colour = models.ForeignKey(
        Colour,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The colour this photo shows: the product page opens on it when a shopper "
        "picks that colour. Leave empty for photos of no particular colour.",
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt or self.image.name


def default_currency() -> str:
    # Kept for migration 0001, which gave the former `Variant.currency` this default.
    return settings.SHOP_CURRENCY


class Variant(models.Model):
    """One sellable item: a product made for one phone model in one colour.

    Prices are in the shop's one currency, `SHOP_CURRENCY` (see pricing.shop_money).
    """

    sku = models.CharField("SKU", max_length=64, unique=True)
    product = models.ForeignKey(CaseProduct, on_delete=models.CASCADE, related_name="variants")
    phone_model = models.ForeignKey(PhoneModel, on_delete=models.PROTECT, related_name="variants")
    colour = models.ForeignKey(Colour, on_delete=models.PROTECT, related_name="variants")
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    stock_on_hand = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["product", "phone_model", "colour"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "phone_model", "colour"], name="variant_unique_combination"
            )
        ]
        indexes = [models.Index(fields=["price"])]

    def __str__(self) -> str:
        return f"{self.sku} ({self.product} for {self.phone_model}, {self.colour})"

    @property
    def in_stock(self) -> bool:
        return self.stock_on_hand > 0


class PriceTier(models.Model):
    """Wholesale unit price from a minimum quantity upward."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="price_tiers")
    min_quantity = models.PositiveIntegerField(validators=[MinValueValidator(2)])
    unit_price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )

    class Meta:
        ordering = ["variant", "min_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "min_quantity"], name="tier_unique_min_qty")
        ]

    def __str__(self) -> str:
        return f"{self.variant.sku} from {self.min_quantity}: {self.unit_price}"


class CatalogRevision(models.Model):
    """A single row whose `token` changes whenever storefront data changes.

    Cached storefront HTML is keyed by this token (see `shop.catalog.cache`), so a change
    made in one process invalidates the caches of every process. The token is random, never a
    counter: a rolled-back transaction could otherwise bring an old value back while a cache
    still holds pages rendered for the rolled-back data.
    """

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = "catalog revision"

    def __str__(self) -> str:
        return self.token


class ImportJob(models.Model):
    """A CSV import too large to run inside a web request, run by a Celery worker.

    It holds the uploaded text until it has run; the import is all or nothing, and `errors`
    says why nothing was saved. Rows done while it runs are reported through the cache
    (`shop.catalog.csv_import.import_job_progress`): the import's own transaction hides them
    from the database until the end.
    """

    class Kind(models.TextChoices):
        PRODUCTS = "products", "Products"
        VARIANTS = "variants", "Variants"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed: nothing was saved"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    source = models.TextField(blank=True, help_text="The CSV text, emptied once imported.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    summary = models.CharField(max_length=200, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "CSV import job"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
