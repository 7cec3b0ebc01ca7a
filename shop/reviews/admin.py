"""Staff admin: the review moderation queue (bulk approve, bulk reject with a reason),
the points ledger (with manual adjustments) and the reward settings.

Every change goes through shop.reviews.services, so the product's rating, the points and
the storefront cache follow; a review's text is never edited by staff.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from shop.admin_parts import ReportedFilter

from . import services
from .models import PointsEntry, Review, RewardSettings


def _user_link(user) -> str:
    opts = get_user_model()._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[user.pk])
    return format_html('<a href="{}">{}</a>', url, user.get_username())


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        initial=services.DEFAULT_REJECT_REASON,
        help_text="Shown to the review's author.",
        widget=forms.TextInput(attrs={"size": 80}),
    )


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "product_link",
        "customer_link",
        "stars",
        "status",
        "verified_purchase",
        "reported_count",
        "helpful_count",
        "created_at",
    )
    list_filter = ("status", "stars", "verified_purchase", ReportedFilter)
    search_fields = ("title", "text", "product__name", "user__username", "user__email")
    list_select_related = ("product", "user")
    ordering = ("status", "-created_at")
    actions = ("approve_selected", "reject_selected")
    readonly_fields = (
        "product_link",
        "customer_link",
        "stars",
        "title",
        "text",
        "status",
        "reject_reason",
        "verified_purchase",
        "helpful_count",
        "reported_count",
        "created_at",
        "updated_at",
        "approved_at",
        "photo_thumbnails",
        "reports_list",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewing the page and the moderation actions need "change"; nothing is edited here.
        return super().has_change_permission(request, obj) and obj is None

    def has_delete_permission(self, request, obj=None):
        # Staff reject a review (with a reason its author sees) instead: a deletion would
        # skip the services (rating, points, storefront cache). An account deleted with its
        # reviews is handled by signals.py.
        return False

    @admin.display(description="product", ordering="product__name")
    def product_link(self, review: Review) -> str:
        url = reverse("admin:catalog_caseproduct_change", args=[review.product_id])
        return format_html(
            '<a href="{}">{}</a> (<a href="{}#reviews">page</a>)',
            url,
            review.product.name,
            review.product.get_absolute_url(),
        )

    @admin.display(description="customer", ordering="user__username")
    def customer_link(self, review: Review) -> str:
        return _user_link(review.user)

    @admin.display(description="photos")
    def photo_thumbnails(self, review: Review) -> str:
        photos = [
            (
                reverse("reviews:photo", kwargs={"name": p.name, "size": "full"}),
                reverse("reviews:photo", kwargs={"name": p.name, "size": "thumb"}),
                n,
            )
            for n, p in enumerate(review.photos.all(), start=1)
        ]
        if not photos:
            return "—"
        return format_html_join(
            " ",
            '<a href="{}"><img src="{}" alt="Review photo {}" class="review-thumb" '
            'width="120" height="120"></a>',
            photos,
        )

    @admin.display(description="reports")
    def reports_list(self, review: Review) -> str:
        reports = review.reports.select_related("user").order_by("-created_at")
        if not reports:
            return "—"
        return format_html_join(
            "",
            "<p>{} · {} · {}</p>",
            (
                (r.created_at.strftime("%Y-%m-%d %H:%M"), r.user.get_username(), r.reason or "—")
                for r in reports
            ),  # fmt: skip
        )

    @admin.action(description="Approve the selected reviews", permissions=("change",))
    def approve_selected(self, request: HttpRequest, queryset) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        changed = services.reviews_approve(review_ids=ids)
        self.message_user(
            request, f"{changed} review(s) approved ({len(ids) - changed} already were)."
        )

    @admin.action(description="Reject the selected reviews…", permissions=("change",))
    def reject_selected(self, request: HttpRequest, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            ids = list(queryset.values_list("pk", flat=True))
            services.reviews_reject(review_ids=ids, reason=form.cleaned_data["reason"])
            self.message_user(request, f"{len(ids)} review(s) rejected.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject reviews",
            "opts": self.model._meta,
            "reviews": queryset.select_related("product"),
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/reviews/review/reject.html", context)


class PointsEntryForm(forms.ModelForm):
    class Meta:
        model = PointsEntry
        fields = ("user", "amount", "note")

    def clean(self):
        data = super().clean()
        if data.get("amount") == 0:
            self.add_error("amount", "An adjustment needs an amount other than 0.")
        if not (data.get("note") or "").strip():
            self.add_error("note", "Say why.")
        return data


@admin.register(PointsEntry)
class PointsEntryAdmin(admin.ModelAdmin):
    """The ledger: entries are never changed or deleted; staff add signed adjustments."""

    form = PointsEntryForm
    list_display = ("created_at", "customer_link", "amount", "reason", "review", "note", "balance")
    list_filter = ("reason",)
    search_fields = ("user__username", "user__email", "note")
    list_select_related = ("user", "review")
    autocomplete_fields = ("user",)

    def get_queryset(self, request):
        totals = (
            PointsEntry.objects.filter(user=OuterRef("user"))
            .order_by()
            .values("user")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return super().get_queryset(request).annotate(user_balance=Coalesce(Subquery(totals), 0))

    @admin.display(description="customer", ordering="user__username")
    def customer_link(self, entry: PointsEntry) -> str:
        return _user_link(entry.user)

    @admin.display(description="customer's balance")
    def balance(self, entry: PointsEntry) -> int:
        return entry.user_balance

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        entry = services.points_adjust(
            user=form.cleaned_data["user"],
            amount=form.cleaned_data["amount"],
            note=form.cleaned_data["note"],
        )
        obj.pk = entry.pk

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "amount", "note")
        return ("user", "amount", "reason", "review", "note", "created_at")


@admin.register(RewardSettings)
class RewardSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "review_points")

    def has_add_permission(self, request):
        return not RewardSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        super().save_model(request, obj, form, change)
