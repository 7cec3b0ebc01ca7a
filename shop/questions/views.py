"""The product page's Q&A posts: ask a question, answer one, report one.

Plain forms that work without JavaScript: a post that succeeds redirects back to the
product page's Q&A section, which shows a note (kept in the session for that one page); a
form with errors is shown on a page of its own; a rate limit answers 429.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from shop.catalog.models import CaseProduct
from shop.ratelimit import RateLimited, client_address, rate_limited_response

from .forms import CATEGORY_FILTER_PARAM, AnswerForm, QuestionForm
from .models import Answer, AnswerStatus
from .selectors import shown_questions
from .services import QuestionsError, answer_post_customer, qa_report, question_ask
from .templatetags.questions import notice_set

ASKED = "Thank you: your question was sent. We'll email you when it is answered."
ANSWERED = "Thank you: your answer will show once our team has checked it."
REPORTED = "Thank you: our team will look at it again."


def _section_url(product: CaseProduct, anchor: str = "questions", category: str = "") -> str:
    query = f"?{CATEGORY_FILTER_PARAM}={category}" if category else ""
    return f"{product.get_absolute_url()}{query}#{anchor}"


def _form_page(request: HttpRequest, product: CaseProduct, context: dict) -> HttpResponse:
    return render(request, "questions/form_page.html", {"product": product, **context})


@require_POST
def ask(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(CaseProduct, slug=slug, is_active=True)
    form = QuestionForm(request.POST, signed_in=request.user.is_authenticated)
    if form.is_valid():
        data = form.cleaned_data
        try:
            question_ask(
                product=product,
                category=data["category"],
                text=data["text"],
                client_address=client_address(request),
                user=request.user,
                email=data.get("email", ""),
                name=data["name"],
                from_bot=form.is_from_a_bot(),
            )
        except RateLimited as exc:
            return rate_limited_response(request, exc)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            # A bot that filled in the honeypot is thanked like a person.
            notice_set(request, ASKED)
            return redirect(_section_url(product))
    return _form_page(request, product, {"ask_form": form, "title": "Ask a question"})


def _shown_question(question_id: int):
    question = shown_questions().select_related("product").filter(pk=question_id).first()
    if question is None:
        raise Http404("No question at this address.")
    return question


@require_POST
def answer(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _shown_question(question_id)
    product = question.product
    if not request.user.is_authenticated:
        return redirect_to_login(_section_url(product, f"question-{question.pk}"))
    form = AnswerForm(request.POST, question_id=question.pk)
    if form.is_valid():
        try:
            answer_post_customer(
                question=question,
                author=request.user,
                text=form.cleaned_data["text"],
                client_address=client_address(request),
            )
        except RateLimited as exc:
            return rate_limited_response(request, exc)
        except (ValidationError, QuestionsError) as exc:
            form.add_error(None, getattr(exc, "messages", None) or str(exc))
        else:
            notice_set(request, ANSWERED)
            return redirect(_section_url(product, f"question-{question.pk}", question.category))
    context = {"answer_form": form, "question": question, "title": "Answer a question"}
    return _form_page(request, product, context)


@require_POST
def report(request: HttpRequest, question_id: int | None = None, answer_id: int | None = None):
    """A signed-in shopper reports a shown question or a shown answer (services.qa_report:
    a question or a customer's answer goes back to moderation, a staff answer is flagged
    for staff). Visitors without an account get the sign-in page, which brings them back
    to the item."""
    reported = None
    if answer_id is not None:
        reported = (
            Answer.objects.filter(pk=answer_id, status=AnswerStatus.APPROVED)
            .only("pk", "question_id", "is_staff_answer")
            .first()
        )
        if reported is None:
            raise Http404("No answer at this address.")
        question_id = reported.question_id
    question = _shown_question(question_id)
    if not request.user.is_authenticated:
        return redirect_to_login(_section_url(question.product, f"question-{question.pk}"))
    try:
        qa_report(
            question=question,
            answer=reported,
            user=request.user,
            client_address=client_address(request),
        )
    except RateLimited as exc:
        return rate_limited_response(request, exc)
    notice_set(request, REPORTED)
    return redirect(_section_url(question.product, "questions", question.category))
