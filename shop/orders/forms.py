"""Forms for the checkout, the address book and the guest's order lookup.

Every text field is bounded (the model's length) and single-line: no line breaks or control
characters, since names and addresses go into mails, labels and exports.
"""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

from shop.catalog.pricing import shop_money
from shop.validators import single_line

from .countries import COUNTRIES, COUNTRY_NAMES
from .models import Address, Order
from .shipping import ShippingOption

phone_characters = RegexValidator(
    r"^[0-9+()./ -]*$",
    "Enter a phone number with digits, spaces and + ( ) - . / only.",
    code="phone",
)


def _max(field: str) -> int:
    return Address._meta.get_field(field).max_length


def _text(label: str, field: str, *, required: bool = True, autocomplete: str = ""):
    return forms.CharField(
        label=label,
        max_length=_max(field),
        required=required,
        validators=[single_line],
        widget=forms.TextInput(attrs={"autocomplete": autocomplete} if autocomplete else {}),
    )


class AddressForm(forms.Form):
    """A shipping address: for the address book, and the checkout's address part."""

    name = _text("Full name", "name", autocomplete="name")
    line1 = _text("Address", "line1", autocomplete="address-line1")
    line2 = _text(
        "Address line 2 (optional)", "line2", required=False, autocomplete="address-line2"
    )
    city = _text("City", "city", autocomplete="address-level2")
    postal_code = _text("Postal code", "postal_code", autocomplete="postal-code")
    country = forms.ChoiceField(
        label="Country",
        choices=COUNTRIES,
        error_messages={"invalid_choice": "Choose a country from the list."},
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    phone = forms.CharField(
        label="Phone (optional)",
        max_length=_max("phone"),
        required=False,
        validators=[single_line, phone_characters],
        help_text="Only for the courier, if they need to reach you.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def address(self) -> dict[str, str]:
        """The cleaned address, as `order_place` and the address book take it."""
        return {f: self.cleaned_data.get(f, "") for f in AddressForm.base_fields}


class CheckoutForm(AddressForm):
    """Email, shipping address and method. The methods offered (and their prices) are the
    shipping options for the country the page was priced for, passed in by the view; the
    form refuses a method that is not among them and a country the shown prices were not
    for (the shopper sees the new prices before anything is placed)."""

    email = forms.EmailField(
        label="Email",
        max_length=Order._meta.get_field("email").max_length,
        help_text="For the order confirmation and updates.",
        error_messages={"invalid": "Enter a valid email address, like name@example.com."},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    method = forms.ChoiceField(
        label="Shipping",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a shipping method.",
            "invalid_choice": "Choose one of the shipping methods shown.",
        },
    )
    # The country the shown shipping prices were computed for.
    priced_for = forms.CharField(required=False, max_length=2, widget=forms.HiddenInput)
    save_address = forms.BooleanField(label="Save this address in my address book", required=False)

    field_order = [
        "email",
        "name",
        "line1",
        "line2",
        "city",
        "postal_code",
        "country",
        "phone",
        "save_address",
        "method",
        "priced_for",
    ]

    def __init__(self, *args, options: list[ShippingOption], account: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.options = options
        self.fields["method"].choices = [(o.method, option_label(o)) for o in options]
        if not account:
            del self.fields["save_address"]

    def clean(self):
        data = super().clean()
        country = data.get("country")
        if country and data.get("priced_for") != country:
            raise forms.ValidationError(
                f"Shipping prices are now shown for {COUNTRY_NAMES[country]}: check them, "
                "then place your order.",
                code="priced_for",
            )
        return data


def option_label(option: ShippingOption) -> str:
    price = "Free" if option.free or not option.price else str(shop_money(option.price))
    return f"{option.label}: {price}"


class LookupForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        help_text="The address you gave at checkout.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    number = forms.CharField(
        label="Order number",
        max_length=16,
        validators=[single_line],
        help_text="It is in your confirmation mail, e.g. CF-AB23CD45.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
