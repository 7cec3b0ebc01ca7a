"""Forms for wholesale inquiries."""

from __future__ import annotations

from django import forms

from shop.catalog.models import PhoneModel
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
    message = forms.CharField(
        label="Message (optional)",
        required=False,
        max_length=_max_length("message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Colours, print artwork, deadline, delivery country…",
    )
    # A honeypot: hidden from people by CSS, filled in by bots that fill in every field.
    website = forms.CharField(label="Leave this field empty", required=False, max_length=200)

    def __init__(self, *args, phone_models: list[PhoneModel], **kwargs):
        kwargs.setdefault("auto_id", "inquiry-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self._phone_models = {pm.slug: pm for pm in phone_models}
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

    def is_from_a_bot(self) -> bool:
        """Whether the honeypot was filled in (call after `is_valid()`)."""
        return bool(self.cleaned_data.get("website"))
