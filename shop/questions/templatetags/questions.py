"""The product page's "Questions and answers" section, as a template tag.

The catalog's product page renders it with `{% product_questions body.product_id body.slug %}`
outside the cached product body: it holds per-visitor parts (CSRF tokens, the answer form
for signed-in shoppers, the note after a post). Its data is cached per product apart from
the catalog revision (see ../cache.py): a newly approved answer shows on the next request.
The catalog's Python code never imports this app, which builds on the catalog.
"""

from __future__ import annotations

from django import template
from django.http import QueryDict

from ..cache import cached_product_questions
from ..forms import CATEGORY_FILTER_PARAM, AnswerForm, QuestionForm
from ..selectors import group_questions

register = template.Library()

NOTICE_SESSION_KEY = "questions_notice"


def notice_set(request, text: str) -> None:
    """A note for the visitor's next product page (after a redirect), in their session."""
    request.session[NOTICE_SESSION_KEY] = text


@register.inclusion_tag("questions/_section.html", takes_context=True)
def product_questions(context, product_id: int, product_slug: str) -> dict:
    request = context["request"]
    signed_in = request.user.is_authenticated
    category = request.GET.get(CATEGORY_FILTER_PARAM, "")
    shown = group_questions(cached_product_questions(product_id=product_id), category=category)
    notice = request.session.pop(NOTICE_SESSION_KEY, "") if hasattr(request, "session") else ""
    # Filter links keep the product page's variant selection, and nothing else of the GET.
    base = QueryDict(mutable=True)
    for name in ("model", "colour"):
        if request.GET.get(name):
            base[name] = request.GET[name]
    return {
        "request": request,
        "base_query": base,
        "user": request.user,
        "qa": shown,
        "product_slug": product_slug,
        "ask_form": QuestionForm(signed_in=signed_in),
        "answer_form": AnswerForm(question_id=0) if signed_in else None,
        "signed_in": signed_in,
        "notice": notice,
        "filter_param": CATEGORY_FILTER_PARAM,
    }
