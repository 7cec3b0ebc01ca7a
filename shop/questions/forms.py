"""Forms for asking a question and answering one, on the product page."""

from __future__ import annotations

from django import forms

from shop.validators import single_line

from .models import ANSWER_MAX_LENGTH, NAME_MAX_LENGTH, QUESTION_MAX_LENGTH, Category, Question

CATEGORY_FILTER_PARAM = "qa_category"


class QuestionForm(forms.Form):
    """A question about a product. Visitors without an account give an email address (we
    mail them the answer) and, if they like, a name; signed-in shoppers give neither."""

    category = forms.ChoiceField(
        label="Topic",
        choices=[("", "Choose a topic"), *Category.choices],
        error_messages={
            "required": "Choose what your question is about.",
            "invalid_choice": "Choose one of the listed topics.",
        },
    )
    text = forms.CharField(
        label="Your question",
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Write your question.",
            "max_length": f"Keep your question under {QUESTION_MAX_LENGTH} characters "
            "(it has %(show_value)d).",
        },
    )
    email = forms.EmailField(
        label="Email",
        max_length=Question._meta.get_field("asker_email").max_length,
        help_text="We email you when it is answered. Never shown.",
        error_messages={
            "required": "Enter your email address, so we can tell you about the answer.",
            "invalid": "Enter a valid email address, like name@example.com.",
        },
    )
    name = forms.CharField(
        label="Name shown (optional)",
        required=False,
        max_length=NAME_MAX_LENGTH,
        validators=[single_line],
        error_messages={"max_length": f"Keep the name under {NAME_MAX_LENGTH} characters."},
    )
    # A honeypot: hidden from people by CSS, filled in by bots that fill in every field.
    website = forms.CharField(label="Leave this field empty", required=False, max_length=200)

    def __init__(self, *args, signed_in: bool, **kwargs):
        kwargs.setdefault("auto_id", "qa-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.signed_in = signed_in
        if signed_in:
            del self.fields["email"]
        self.fields["text"].widget.attrs["maxlength"] = QUESTION_MAX_LENGTH

    def is_from_a_bot(self) -> bool:
        """Whether the honeypot was filled in (call after `is_valid()`)."""
        return bool(self.cleaned_data.get("website"))


class AnswerForm(forms.Form):
    """A signed-in customer's answer to a question (moderated before it shows)."""

    text = forms.CharField(
        label="Your answer",
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Write your answer.",
            "max_length": f"Keep your answer under {ANSWER_MAX_LENGTH} characters "
            "(it has %(show_value)d).",
        },
    )

    def __init__(self, *args, question_id: int, **kwargs):
        kwargs.setdefault("auto_id", f"qa-answer-{question_id}-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["maxlength"] = ANSWER_MAX_LENGTH
