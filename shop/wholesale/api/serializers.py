"""Shapes in and out. Input serializers bound every list and string; output serializers
read what the selectors loaded (no query of their own, so pages cost the same whatever
their size)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from shop.orders.countries import COUNTRIES
from shop.wholesale.callback_addresses import URL_MAX_LENGTH
from shop.wholesale.models import QUANTITY_MAX, QuoteStatus

LINES_MAX = 100
COUNTRY_CHOICES = sorted(COUNTRIES)  # ISO 3166-1 alpha-2 codes and names, by code
# What a callback URL may look like before it is resolved: https://, no spaces (the rest,
# host and addresses, is callback_addresses.callback_url_check's, which the schema cannot say).
CALLBACK_URL_PATTERN = r"^[hH][tT][tT][pP][sS]://[^\s]+$"  # or "" (allow_blank)
SKU_MAX = 64
TOKEN_MAX = 32
REFERENCE_MAX = 80
NOTE_MAX = 2000
MONEY = {"max_digits": 12, "decimal_places": 2}


# --- strict input fields ------------------------------------------------------------------
# DRF's CharField takes 12 for "12" and refuses NUL, its IntegerField takes "12", and
# RegexField checks the trimmed value: these fields take only what their schema says, and
# the schema says what they refuse (the patterns below are written in both).

_NUL = "\\x00"
_CONTROL = "\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029"
# Text with something besides spaces in it and no NUL.
TEXT = f"^[^{_NUL}]*[^\\s{_NUL}][^{_NUL}]*$"
# The same for optional text: may be empty, or spaces only (trimmed to empty).
OPTIONAL_TEXT = f"^[^{_NUL}]*$"
# One line: no control characters, nor line or paragraph separators.
LINE = f"^[^{_CONTROL}]*[^\\s{_CONTROL}][^{_CONTROL}]*$"
OPTIONAL_LINE = f"^[^{_CONTROL}]*$"
PHONE = r"^[0-9+()./ -]*$"  # the checkout's rule (shop.orders.forms.phone_characters)


class Text(serializers.RegexField):
    """A JSON string (not a number) matching `regex`, trimmed of spaces at either end."""

    default_error_messages = {
        "invalid": "Must be text without NUL or control characters.",
        "not_text": "Must be a string.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


def text(max_length: int, *, line: bool = False, required: bool = True, **extra) -> Text:
    """A text input of at most `max_length` characters (one line when `line`); optional
    ones may be blank."""
    if required:
        return Text(LINE if line else TEXT, max_length=max_length, **extra)
    pattern = OPTIONAL_LINE if line else OPTIONAL_TEXT
    return Text(pattern, max_length=max_length, required=False, allow_blank=True, **extra)


class Integer(serializers.IntegerField):
    """A JSON integer (not "12", not true)."""

    default_error_messages = {"not_integer": "Must be an integer."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("not_integer")
        return super().to_internal_value(data)


def _money(**extra):
    return serializers.DecimalField(**MONEY, read_only=True, **extra)


def shop_currency() -> str:
    return getattr(settings, "SHOP_CURRENCY", "USD")


# --- errors (for the schema) -------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="One line for a person.")
    code = serializers.CharField(
        help_text="For programs: invalid, not_authenticated, authentication_failed, "
        "not_found, method_not_allowed, payload_too_large, conflict, quote_state, "
        "idempotency_in_flight, idempotency_mismatch, throttled, auth_throttled, ..."
    )
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text='Validation errors by field path, e.g. {"lines.0.sku": ["No such SKU."]}.',
    )


# --- catalog ------------------------------------------------------------------------------


class PhoneModelSerializer(serializers.Serializer):
    slug = serializers.CharField()
    brand = serializers.CharField()
    name = serializers.CharField()
    release_year = serializers.IntegerField()


class ProductSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    material = serializers.CharField()
    style = serializers.CharField()
    finish = serializers.CharField()
    package_weight_g = serializers.DecimalField(max_digits=7, decimal_places=1)
    package_mm = serializers.SerializerMethodField()

    def get_package_mm(self, product) -> list[str]:
        dims = (product.package_length_mm, product.package_width_mm, product.package_height_mm)
        return [f"{d:.2f}" for d in dims]


class ColourSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    hex = serializers.CharField()


class TierSerializer(serializers.Serializer):
    min_quantity = serializers.IntegerField()
    unit_price = _money()


class VariantSerializer(serializers.Serializer):
    """A variant with the client's terms (`context["terms"]`: variant id -> ItemTerms)."""

    sku = serializers.CharField()
    product = serializers.CharField(source="product.slug")
    product_name = serializers.CharField(source="product.name")
    material = serializers.CharField(source="product.material")
    style = serializers.CharField(source="product.style")
    phone_model = serializers.CharField(source="phone_model.slug")
    colour = ColourSerializer()
    currency = serializers.SerializerMethodField()
    list_price = _money(source="price")
    stock_on_hand = serializers.IntegerField()
    in_stock = serializers.BooleanField()
    min_quantity = serializers.SerializerMethodField()
    increment = serializers.SerializerMethodField()
    tiers = serializers.SerializerMethodField()

    def _terms(self, variant):
        return self.context["terms"][variant.pk]

    def get_currency(self, variant) -> str:
        return shop_currency()

    def get_min_quantity(self, variant) -> int:
        return self._terms(variant).min_quantity

    def get_increment(self, variant) -> int:
        return self._terms(variant).increment

    @staticmethod
    def _tier(tier) -> dict:
        return {"min_quantity": tier.min_quantity, "unit_price": f"{tier.unit_price:.2f}"}

    @extend_schema_field(TierSerializer(many=True))
    def get_tiers(self, variant) -> list[dict]:
        """Your unit price from each quantity up, lowest quantity first."""
        return [self._tier(t) for t in self._terms(variant).tiers]


# --- designs ------------------------------------------------------------------------------


@extend_schema_serializer(component_name="ApiArtwork")  # not the configurator's Artwork
class ArtworkSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    format = serializers.CharField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()


class ArtworkUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A PNG, JPEG, WebP, HEIC or AVIF picture, ≤ 25 MB.")


# The engine's design spec, described once by the configurator's schema hook
# (configurator/openapi.py adds the component after generation).
@extend_schema_field({"$ref": "#/components/schemas/DesignSpec"})
class DesignSpecField(serializers.DictField):
    pass


class DesignCreateSerializer(serializers.Serializer):
    device = text(64, help_text="A phone model's slug.")
    spec = DesignSpecField(help_text="The configurator's design spec (version 1).")
    product = text(100, required=False)
    colour = text(100, required=False)


class DesignSerializer(serializers.Serializer):
    token = serializers.CharField()
    device = serializers.CharField()
    product = serializers.CharField()
    colour = serializers.CharField()
    spec = DesignSpecField()
    artworks = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    share_url = serializers.SerializerMethodField()

    def get_artworks(self, design) -> list[str]:
        return [a.public_id for a in design.artworks.all()]

    def get_share_url(self, design) -> str:
        return f"{settings.SHOP_BASE_URL.rstrip('/')}/design/s/{design.token}/"


# --- quotes -------------------------------------------------------------------------------


class LineInSerializer(serializers.Serializer):
    sku = text(SKU_MAX)
    quantity = Integer(min_value=1, max_value=QUANTITY_MAX)
    design = text(
        TOKEN_MAX,
        required=False,
        help_text="The token of one of your designs, printed on each case of the line.",
    )


class QuoteRequestSerializer(serializers.Serializer):
    lines = serializers.ListField(
        child=LineInSerializer(), min_length=1, max_length=LINES_MAX, allow_empty=False
    )
    reference = text(REFERENCE_MAX, line=True, required=False)
    note = text(NOTE_MAX, required=False)
    ship_country = serializers.ChoiceField(
        COUNTRY_CHOICES,
        required=False,
        help_text="ISO 3166-1 alpha-2 code of the destination; your account's country when "
        "left out.",
    )


class QuoteLineSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    sku = serializers.CharField(source="variant.sku")
    product_name = serializers.CharField(source="variant.product.name")
    design = serializers.SerializerMethodField()
    quantity = serializers.IntegerField()
    list_price = serializers.SerializerMethodField()
    unit_price = serializers.SerializerMethodField()
    surcharge = serializers.SerializerMethodField()
    line_total = serializers.SerializerMethodField()
    problem = serializers.CharField()

    def _offered(self, line) -> bool:
        return self.context["offered"]

    def get_design(self, line) -> str | None:
        return line.design.token if line.design_id else None

    def _amount(self, value) -> str | None:
        return None if value is None else f"{value:.2f}"

    def get_list_price(self, line) -> str | None:
        return self._amount(line.list_price) if self._offered(line) else None

    def get_unit_price(self, line) -> str | None:
        """The price per case, design surcharge included (staff's price when they set one)."""
        if not self._offered(line):
            return None
        if line.unit_price_override is not None:
            return self._amount(line.unit_price_override)
        if line.unit_price is None:
            return None
        return self._amount(line.unit_price + (line.surcharge or 0))

    def get_surcharge(self, line) -> str | None:
        return self._amount(line.surcharge) if self._offered(line) else None

    def get_line_total(self, line) -> str | None:
        return self._amount(line.line_total) if self._offered(line) else None


class EventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")


OFFERED = frozenset({QuoteStatus.SENT, QuoteStatus.ACCEPTED, QuoteStatus.ORDERED})


class QuoteSerializer(serializers.Serializer):
    """A quote; its prices once it has been sent (before, staff may still change them)."""

    number = serializers.CharField()
    status = serializers.ChoiceField(choices=QuoteStatus.choices)
    reference = serializers.CharField()
    note = serializers.CharField()
    ship_country = serializers.CharField()
    payment_terms = serializers.CharField()
    currency = serializers.CharField()
    lines = serializers.SerializerMethodField()
    subtotal = serializers.SerializerMethodField()
    shipping = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    lead_time_days = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    reply_due = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    valid_until = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    order = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    events = EventSerializer(many=True, source="timeline")

    @staticmethod
    def offered(quote) -> bool:
        return quote.sent_at is not None

    @extend_schema_field(QuoteLineSerializer(many=True))
    def get_lines(self, quote) -> list[dict]:
        context = {**self.context, "offered": self.offered(quote)}
        return QuoteLineSerializer(quote.lines.all(), many=True, context=context).data

    def _amount(self, quote, value) -> str | None:
        return f"{value:.2f}" if value is not None and self.offered(quote) else None

    def get_subtotal(self, quote) -> str | None:
        return self._amount(quote, quote.subtotal)

    def get_shipping(self, quote) -> str | None:
        shipping = (
            quote.shipping_override if quote.shipping_override is not None else quote.shipping
        )
        return self._amount(quote, shipping)

    def get_total(self, quote) -> str | None:
        return self._amount(quote, quote.total)

    def get_lead_time_days(self, quote) -> int | None:
        return quote.lead_time_days if self.offered(quote) else None

    def get_order(self, quote) -> str | None:
        return quote.order.number if quote.order_id else None

    def get_pdf_url(self, quote) -> str | None:
        if quote.status not in OFFERED:
            return None
        return f"{settings.SHOP_BASE_URL.rstrip('/')}/api/v1/quotes/{quote.number}/pdf"


class AddressSerializer(serializers.Serializer):
    # One line each (no control characters), as the schema's patterns say.
    name = text(100, line=True)
    line1 = text(120, line=True)
    line2 = text(120, line=True, required=False, default="")
    city = text(80, line=True)
    postal_code = text(20, line=True)
    country = serializers.ChoiceField(COUNTRY_CHOICES, help_text="ISO 3166-1 alpha-2 code.")
    phone = Text(
        PHONE,
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text="Digits, spaces and + ( ) - . / only.",
    )


class QuoteAcceptSerializer(serializers.Serializer):
    shipping_address = AddressSerializer()


class QuoteDeclineSerializer(serializers.Serializer):
    reason = text(500, required=False, default="")


# --- orders -------------------------------------------------------------------------------


class OrderLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    design = serializers.CharField(source="design_token")
    quantity = serializers.IntegerField()
    unit_price = _money()
    line_total = _money()


class OrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    quote = serializers.CharField(source="quote.number")
    status = serializers.CharField()
    payment_state = serializers.CharField()
    payment_terms = serializers.CharField()
    invoice_due = serializers.DateField(allow_null=True)
    currency = serializers.CharField()
    subtotal = _money()
    shipping = _money()
    total = _money()
    lines = OrderLineSerializer(many=True)
    shipping_address = serializers.SerializerMethodField()
    tracking_number = serializers.CharField()
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()
    events = EventSerializer(many=True, source="timeline")

    @extend_schema_field(AddressSerializer)
    def get_shipping_address(self, order) -> dict[str, str]:
        return order.shipping_address()

    def get_url(self, order) -> str:
        """The order's page: its status, and the pay button while payment is awaited."""
        return settings.SHOP_BASE_URL.rstrip("/") + order.get_absolute_url()


class PaymentSerializer(serializers.Serializer):
    terms = serializers.CharField()
    pay_url = serializers.CharField(
        allow_null=True, help_text="Prepaid: the order's page, where it is paid."
    )
    invoice_due = serializers.DateField(allow_null=True, help_text="Net terms: the due date.")


class AcceptedSerializer(serializers.Serializer):
    order = OrderSerializer()
    payment = PaymentSerializer()


# --- the client ---------------------------------------------------------------------------


class MeSerializer(serializers.Serializer):
    company = serializers.CharField()
    contact_name = serializers.CharField()
    email = serializers.EmailField()
    country = serializers.CharField()
    price_group = serializers.CharField(source="price_group.name")
    payment_terms = serializers.CharField()
    currency = serializers.SerializerMethodField()

    def get_currency(self, client) -> str:
        return shop_currency()


class CallbackSerializer(serializers.Serializer):
    url = serializers.RegexField(
        CALLBACK_URL_PATTERN,
        max_length=URL_MAX_LENGTH,
        allow_blank=True,
        trim_whitespace=False,
        help_text="HTTPS URL for signed events (its host must resolve to public addresses "
        "only); an empty string stops callbacks.",
    )
    secret = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The Standard Webhooks signing secret (whsec_…): verify each callback.",
    )
