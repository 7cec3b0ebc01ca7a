"""Catalog admin, bulk CSV import and export: the checked upload form, the import-export
mixin the product and variant admins share (large files as background jobs), and the
read-only admin of those jobs with their progress."""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from import_export.formats import base_formats
from import_export.forms import ImportForm

from ..csv_import import CsvFile, CsvProblem, csv_check_for, import_job_progress
from ..csv_import import import_limits as csv_import_limits
from ..import_queue import import_job_start
from ..models import CaseProduct, ImportJob, Variant

logger = logging.getLogger(__name__)


# --- bulk import / export ------------------------------------------------------------------


class CsvImportForm(ImportForm):
    """import-export's upload form, with the file read and checked by `csv_check` first:
    any problem is an error on the file field, in one sentence."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.resource_classes = resources
        self.csv_file: CsvFile | None = None

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is None:
            return cleaned
        try:
            index = int(cleaned.get("resource") or 0)
            resource_class = self.resource_classes[index]
        except (ValueError, IndexError):
            self.add_error("resource", "Pick one of the listed imports.")
            return cleaned
        cap = csv_import_limits()["max_upload_bytes"]
        # The size is known before reading: a file over the cap is never read into memory.
        data = upload.read(cap + 1) if upload.size <= cap else b""
        upload.seek(0)
        try:
            self.csv_file = csv_check_for(resource_class, data, size=upload.size)
        except CsvProblem as exc:
            self.add_error("import_file", str(exc))
        return cleaned


def _hide_tracebacks(result) -> None:
    """Log import-export's tracebacks instead of showing them: they hold server paths."""
    if result is None:
        return
    errors = list(result.base_errors)
    for _line, row_errors in result.row_errors():
        errors.extend(row_errors)
    for error in errors:
        logger.error("CSV import error: %s", error.traceback)
        error.traceback = ""


class StaffImportExportMixin:
    """CSV import (checked first, large files as background jobs), CSV, XLSX or JSON export,
    no preview-less imports, and import only for staff who may add and change.

    import-export lets anyone who can open the admin import by default; here importing needs
    the model's add and change permissions and exporting needs its view permission. Imports
    take CSV only: spreadsheets and JSON would each need their own bounded reader.
    """

    import_formats = [base_formats.CSV]
    export_formats = [
        f for f in (base_formats.CSV, base_formats.XLSX, base_formats.JSON) if f.is_available()
    ]
    import_form_class = CsvImportForm
    import_template_name = "admin/catalog/csv_import.html"
    import_job_kind: str
    skip_import_confirm = False

    def import_action(self, request, **kwargs):
        if request.method == "POST" and self.has_import_permission(request):
            form = self.create_import_form(request)
            if form.is_valid() and not form.csv_file.runs_inline():
                job = import_job_start(
                    kind=self.import_job_kind,
                    file_name=form.cleaned_data["import_file"].name,
                    csv_file=form.csv_file,
                    user=request.user,
                )
                return HttpResponseRedirect(
                    reverse("admin:catalog_importjob_change", args=[job.pk])
                )
        response = super().import_action(request, **kwargs)
        _hide_tracebacks((getattr(response, "context_data", None) or {}).get("result"))
        return response

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        context["csv_limits"] = csv_import_limits()
        return context

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_data_kwargs(self, **kwargs):
        data_kwargs = super().get_import_data_kwargs(**kwargs)
        # The confirmed import runs again from the file: should any row have become
        # invalid since the preview, the whole import is rolled back rather than half-saved.
        data_kwargs["rollback_on_validation_errors"] = True
        return data_kwargs

    def process_result(self, result, request):
        _hide_tracebacks(result)
        if result.has_errors() or result.has_validation_errors():
            bad = len(result.invalid_rows) + len(result.row_errors()) or "some"
            self.message_user(
                request,
                f"Import cancelled: {bad} row(s) failed when the confirmed file was imported, "
                "so nothing was saved. Upload the file again to see the errors.",
                level=messages.ERROR,
            )
            return self._changelist_redirect(request)
        return super().process_result(result, request)

    def _changelist_redirect(self, request):
        opts = self.model._meta
        return HttpResponseRedirect(
            reverse(
                f"admin:{opts.app_label}_{opts.model_name}_changelist",
                current_app=self.admin_site.name,
            )
        )


# --- CSV import jobs ----------------------------------------------------------------------


IMPORT_JOB_MODELS = {ImportJob.Kind.PRODUCTS: CaseProduct, ImportJob.Kind.VARIANTS: Variant}


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Large CSV imports, read-only: staff who may import watch them here. The change page
    polls `progress/` (static/js/progress.js) until the job has finished."""

    list_display = ("created_at", "kind", "file_name", "status", "progress", "created_by")
    list_filter = ("status", "kind")
    list_select_related = ("created_by",)
    fields = ("kind", "file_name", "status", "progress", "summary", "error_list", "created_at")
    readonly_fields = fields
    change_form_template = "admin/catalog/importjob/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("source")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Whoever may import products or variants may watch the jobs.
        return any(
            request.user.has_perm(f"catalog.{action}_{model._meta.model_name}")
            for model in IMPORT_JOB_MODELS.values()
            for action in ("add", "change")
        )

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    @admin.display(description="Rows")
    def progress(self, obj: ImportJob) -> str:
        return f"{import_job_progress(obj):,} of {obj.rows_total:,}"

    @admin.display(description="Errors")
    def error_list(self, obj: ImportJob):
        if not obj.errors:
            return "–"
        items = format_html("".join("<li>{}</li>" for _ in obj.errors), *obj.errors)
        return format_html('<ul class="cf-import-errors">{}</ul>', items)

    def get_urls(self):
        return [
            path(
                "<int:job_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="catalog_importjob_progress",
            ),
            *super().get_urls(),
        ]

    def progress_view(self, request, job_id: int):
        if not self.has_view_permission(request):
            return JsonResponse({"error": "Not allowed."}, status=403)
        job = get_object_or_404(ImportJob.objects.defer("source"), pk=job_id)
        return JsonResponse(
            {
                "status": job.status,
                "status_display": job.get_status_display(),
                "rows_done": import_job_progress(job),
                "rows_total": job.rows_total,
                "finished": job.is_finished,
            }
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "progress_url": reverse("admin:catalog_importjob_progress", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra_context)
