"""Forms for wholesale inquiries."""

from __future__ import annotations

from django import forms
from django.conf import settings

from shop.catalog.models import PhoneModel, Variant
from shop.orders.countries import COUNTRIES, COUNTRY_NAMES
from shop.orders.forms import AddressForm
from shop.validators import single_line

from .models import QUANTITY_MAX, WHOLESALE_MIN_QUANTITY, Inquiry


def _max_length(field_name: str) -> int:
    return Inquiry._meta.get_field(field_name).max_length


class InquiryForm(forms.Form):
    """A wholesale quote request from a product page.

    The phone model choices are the product's compatible models, passed in by the view (it
    already has them), so the form costs no query to render or validate.
    """

    name = forms.CharField(
        label="Your name", max_length=_max_length("name"), validators=[single_line]
    )
    company = forms.CharField(
        label="Company", max_length=_max_length("company"), validators=[single_line]
    )
    email = forms.EmailField(
        label="Email",
        max_length=_max_length("email"),
        error_messages={"invalid": "Enter a valid email address, like name@example.com."},
    )
    quantity = forms.IntegerField(
        label="Quantity",
        min_value=WHOLESALE_MIN_QUANTITY,
        max_value=QUANTITY_MAX,
        help_text=f"Minimum {WHOLESALE_MIN_QUANTITY} cases.",
        error_messages={
            "min_value": f"Wholesale orders start at {WHOLESALE_MIN_QUANTITY} cases.",
            "max_value": f"For more than {QUANTITY_MAX:,} cases, please write to us directly.",
            "invalid": "Enter a whole number of cases.",
        },
    )
    phone_model = forms.ChoiceField(
        label="Phone model (optional)",
        required=False,
        help_text="Which phone the cases are for.",
        error_messages={"invalid_choice": "Pick one of the listed phone models."},
    )
    # Not required: a form without it (a page cached before the field existed) means the
    # shop's own country, which the form preselects.
    ship_country = forms.ChoiceField(
        label="Ship to",
        choices=COUNTRIES,
        required=False,
        help_text="The country the cases go to: shipping is part of the quote.",
        error_messages={"invalid_choice": "Choose a country from the list."},
    )
    # The variant (phone model and colour) picked on the product page, by SKU; checked
    # against the product's variants.
    sku = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    message = forms.CharField(
        label="Message (optional)",
        required=False,
        max_length=_max_length("message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Colours, print artwork, deadline, delivery country…",
    )
    # A honeypot: hidden from people by CSS, filled in by bots that fill in every field.
    website = forms.CharField(label="Leave this field empty", required=False, max_length=200)

    def __init__(
        self,
        *args,
        phone_models: list[PhoneModel],
        variants: list[Variant] | None = None,
        **kwargs,
    ):
        kwargs.setdefault("auto_id", "inquiry-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self._phone_models = {pm.slug: pm for pm in phone_models}
        self._variants = list(variants or [])
        self.fields["phone_model"].choices = [
            ("", "Not sure yet / several"),
            *((pm.slug, str(pm)) for pm in phone_models),
        ]
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["company"].widget.attrs["autocomplete"] = "organization"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["quantity"].widget.attrs["inputmode"] = "numeric"

    def clean_phone_model(self) -> PhoneModel | None:
        return self._phone_models.get(self.cleaned_data.get("phone_model") or "")

    def clean_ship_country(self) -> str:
        return self.cleaned_data.get("ship_country") or settings.SHOP_COUNTRY

    def clean(self):
        data = super().clean()
        data["variant"] = self._variant(data.get("sku") or "", data.get("phone_model"))
        return data

    def _variant(self, sku: str, phone_model: PhoneModel | None) -> Variant | None:
        """The variant the quote is for: the one picked on the product page, moved to the
        phone model chosen in the form (same colour when it has it); None when the product
        has no variants (staff quote it by hand)."""
        by_sku = {v.sku: v for v in self._variants}
        picked = by_sku.get(sku)
        if phone_model is None:
            return picked or (self._variants[0] if self._variants else None)
        if picked is not None and picked.phone_model_id == phone_model.pk:
            return picked
        for_model = [v for v in self._variants if v.phone_model_id == phone_model.pk]
        if picked is not None:
            same_colour = [v for v in for_model if v.colour_id == picked.colour_id]
            for_model = same_colour or for_model
        return for_model[0] if for_model else None

    def is_from_a_bot(self) -> bool:
        """Whether the honeypot was filled in (call after `is_valid()`)."""
        return bool(self.cleaned_data.get("website"))


class QuoteAcceptForm(AddressForm):
    """The shipping address for an accepted quote. Its shipping was priced for one country,
    so the address must be in it."""

    def __init__(self, *args, ship_country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.ship_country = ship_country
        self.fields["country"].initial = ship_country
        self.fields[
            "country"
        ].help_text = (
            f"This quote's shipping is priced for {COUNTRY_NAMES.get(ship_country, ship_country)}."
        )

    def clean_country(self) -> str:
        country = self.cleaned_data["country"]
        if country != self.ship_country:
            name = COUNTRY_NAMES.get(self.ship_country, self.ship_country)
            raise forms.ValidationError(
                f"This quote's shipping is priced for {name}: ship there, or ask us for a "
                "new quote."
            )
        return country
