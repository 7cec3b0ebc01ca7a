"""The review form: stars, a title, a text, up to three photos, and a honeypot."""

from __future__ import annotations

from django import forms

from .models import MAX_PHOTOS, TEXT_MAX, TITLE_MAX

STAR_CHOICES = [(n, f"{n} star{'s' if n > 1 else ''}") for n in range(5, 0, -1)]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ReviewForm(forms.Form):
    stars = forms.TypedChoiceField(choices=STAR_CHOICES, coerce=int, widget=forms.RadioSelect)
    title = forms.CharField(max_length=TITLE_MAX)
    text = forms.CharField(
        label="Your review", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    # A honeypot: hidden from people by CSS, filled in by bots that fill in every field.
    website = forms.CharField(label="Leave this field empty", required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "review-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["maxlength"] = TITLE_MAX
        self.fields["text"].widget.attrs["maxlength"] = TEXT_MAX
        self.fields["website"].widget.attrs.update(autocomplete="off", tabindex="-1")

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if "\n" in title or "\r" in title:
            raise forms.ValidationError("Keep the title on one line.")
        return title

    def is_from_a_bot(self) -> bool:
        """Whether the honeypot was filled in (call after `is_valid()`)."""
        return bool(self.cleaned_data.get("website"))


def photo_field_help() -> str:
    return f"Up to {MAX_PHOTOS} photos (JPEG, PNG, WebP or HEIC)."
