"""The shopper's side: write or edit a review (with photos), vote, report, and the photos'
images. Each view parses, calls one service, and goes back to the product page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from configurator.uploads import CappedMemoryUploadHandler, UploadTooLarge
from shop.catalog.models import CaseProduct
from shop.ratelimit import RateLimited, client_address, rate_limit_hit, rate_limited_response

from . import services
from .forms import ReviewForm
from .models import MAX_PHOTOS, Review, ReviewPhoto
from .photos import max_upload_bytes

# Approved reviews' photos only. Short: a review that is rejected, reported or deleted
# must leave shared caches (and browsers) soon, not a day later.
PHOTO_CACHE = "public, max-age=600"
PRIVATE_PHOTO_CACHE = "private, no-store"


def _limit(request: HttpRequest, scope: str) -> None:
    """One hit per visitor address and one per account against the named limit."""
    rate_limit_hit(scope=scope, key=f"addr:{client_address(request)}", request=request)
    rate_limit_hit(scope=scope, key=f"user:{request.user.pk}", request=request)


def _product_page(product: CaseProduct) -> str:
    return f"{product.get_absolute_url()}#reviews"


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _form_page(request, product, form, error: str = "", status: int = 400) -> HttpResponse:
    context = {"product": product, "form": form, "error": error, "max_photos": MAX_PHOTOS}
    return render(request, "reviews/form_page.html", context, status=status)


# The capped upload handler must be in place before anything reads the body, and CSRF
# checking reads request.POST: so the view is exempt from the middleware's check and makes
# the same check itself once the capped handler has parsed the body (as the configurator's
# upload view does).
@csrf_exempt
@require_POST
def review_submit(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(CaseProduct, slug=slug, is_active=True)
    if not request.user.is_authenticated:
        return redirect_to_login(product.get_absolute_url())
    too_large = (
        f"The photos are too large together: at most {max_upload_bytes() // (1024 * 1024)} MB."
    )
    if _declared_length(request) > max_upload_bytes():
        return _form_page(request, product, ReviewForm(), too_large, status=413)
    request.upload_handlers = [CappedMemoryUploadHandler(max_upload_bytes(), request)]
    try:
        request.POST  # noqa: B018  (parses the body through the capped handler)
        uploads = request.FILES.getlist("photos")
    except UploadTooLarge:
        return _form_page(request, product, ReviewForm(), too_large, status=413)
    refused = CsrfViewMiddleware(lambda _request: None).process_view(request, None, (), {})
    if refused is not None:
        return refused
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _form_page(request, product, form)
    if form.is_from_a_bot():
        # A bot that filled in the honeypot sees the same thanks as a person; nothing kept.
        messages.success(request, "Thank you: your review will appear once it is checked.")
        return redirect(_product_page(product))
    try:
        _limit(request, "review-submit")
    except RateLimited as exc:
        return rate_limited_response(request, exc)
    if len(uploads) > MAX_PHOTOS:
        return _form_page(request, product, form, f"Add at most {MAX_PHOTOS} photos.")
    data = form.cleaned_data
    try:
        _review, created = services.review_submit(
            user=request.user,
            product=product,
            stars=data["stars"],
            title=data["title"],
            text=data["text"],
            photos=[upload.read() for upload in uploads],
        )
    except services.ReviewError as exc:
        return _form_page(request, product, form, str(exc))
    if created:
        messages.success(request, "Thank you: your review will appear once it is checked.")
    else:
        messages.success(
            request,
            "Your review is updated. It waits for moderation again and will be back on the "
            "page once it is checked.",
        )
    return redirect(_product_page(product))


def _review_action(request: HttpRequest, review_id: int, scope: str, action) -> HttpResponse:
    review = get_object_or_404(Review.objects.select_related("product"), pk=review_id)
    try:
        _limit(request, scope)
    except RateLimited as exc:
        return rate_limited_response(request, exc)
    try:
        message = action(review)
    except services.ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, message)
    return redirect(_product_page(review.product))


@login_required
@require_POST
def review_vote(request: HttpRequest, review_id: int) -> HttpResponse:
    def vote(review: Review) -> str:
        if services.review_vote(review_id=review.pk, user=request.user):
            return "Thank you for your vote."
        return "You have already found this review helpful."

    return _review_action(request, review_id, "review-vote", vote)


@login_required
@require_POST
def review_report(request: HttpRequest, review_id: int) -> HttpResponse:
    def report(review: Review) -> str:
        services.review_report(
            review_id=review.pk, user=request.user, reason=request.POST.get("reason", "")[:300]
        )
        return "Thank you: staff will look at this review."

    return _review_action(request, review_id, "review-report", report)


@require_safe
def review_photo(request: HttpRequest, name: str, size: str) -> HttpResponse:
    """A review photo (size "full" or "thumb"), as the fresh WebP the shop encoded: only
    of an approved review, except to its author and staff."""
    photo = ReviewPhoto.objects.select_related("review").filter(name=name[:40]).first()
    if photo is None or size not in ("full", "thumb"):
        raise Http404("No such photo.")
    review = photo.review
    public = review.status == Review.Status.APPROVED
    if not public and not (request.user.is_staff or request.user.pk == review.user_id):
        raise Http404("No such photo.")
    field = photo.thumbnail if size == "thumb" else photo.image
    response = FileResponse(field.open("rb"), content_type="image/webp")
    response["Cache-Control"] = PHOTO_CACHE if public else PRIVATE_PHOTO_CACHE
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{photo.name}.webp"'
    return response
