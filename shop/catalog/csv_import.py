"""CSV imports of products and variants: the one entry point for an uploaded CSV file.

`csv_check` reads an upload before django-import-export does, within bounds, and turns
every problem into one clear sentence (`CsvProblem`): a file too large, not UTF-8, with a
NUL, malformed, without a required column, with an unknown column, with a row longer than
the header, or with an oversized cell (named by row and column). import-export then only
ever sees a well-formed table of bounded size.

Small files are imported in the request, with import-export's preview and confirm steps.
Larger ones (more rows or bytes than the inline limits) become an `ImportJob`, queued by
`import_queue.import_job_start`, that a Celery worker runs (`import_job_run`, through
`tasks.catalog_import_run`), all or nothing, while staff watch its progress in the admin.

Limits are read at call time from `settings.CSV_IMPORT_LIMITS` over `DEFAULT_LIMITS`.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.utils import timezone
from import_export.formats import base_formats

from .models import ImportJob
from .resources import ProductResource, StrictModelResource, VariantResource

logger = logging.getLogger(__name__)

DEFAULT_LIMITS = {
    "max_upload_bytes": 20 * 1024 * 1024,  # refused above this, before it is read
    "max_rows": 200_000,
    "max_cell_chars": 2_000,
    # Above these the import runs as a background job. A preview costs about 10 queries a
    # row: 2,000 rows took 30 s on a busy test machine, 500 rows stay well inside a
    # worker's timeout.
    "inline_max_rows": 500,
    "inline_max_bytes": 1024 * 1024,
}
MAX_ERRORS_SHOWN = 50
PROGRESS_EVERY_ROWS = 100

RESOURCES: dict[str, type[StrictModelResource]] = {
    ImportJob.Kind.PRODUCTS: ProductResource,
    ImportJob.Kind.VARIANTS: VariantResource,
}


def import_limits() -> dict[str, int]:
    return {**DEFAULT_LIMITS, **getattr(settings, "CSV_IMPORT_LIMITS", {})}


class CsvProblem(ValueError):
    """An uploaded file that cannot be imported; the message is for staff, in one sentence."""


@dataclass(frozen=True)
class CsvFile:
    text: str
    headers: list[str]
    rows: int

    def runs_inline(self) -> bool:
        limits = import_limits()
        return (
            self.rows <= limits["inline_max_rows"]
            and len(self.text.encode()) <= limits["inline_max_bytes"]
        )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _ensure_csv_reads_cells_up_to(chars: int) -> None:
    # The csv module refuses cells over 128 KiB with an error that names no column. Raising
    # its (process-wide) ceiling to the upload cap lets csv_check read every cell and name
    # the one that is too long; files are never larger than the cap.
    if csv.field_size_limit() < chars:
        csv.field_size_limit(chars)


def csv_check(
    data: bytes, *, required: Iterable[str], columns: Iterable[str], size: int | None = None
) -> CsvFile:
    """Read an uploaded CSV file within the limits, or raise `CsvProblem` saying what is
    wrong and where. `required` columns must be present, and no column outside `columns`."""
    limits = import_limits()
    size = len(data) if size is None else size
    if size > limits["max_upload_bytes"]:
        raise CsvProblem(
            f"The file is {_mb(size)}; a CSV import takes at most "
            f"{_mb(limits['max_upload_bytes'])}. Split it into smaller files."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvProblem(
            f"The file is not UTF-8 text (unreadable byte at position {exc.start:,}). "
            "Save it as “CSV UTF-8” and upload it again."
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise CsvProblem(f"Line {line:,} holds a NUL character: this is not a CSV text file.")

    _ensure_csv_reads_cells_up_to(limits["max_upload_bytes"])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        raw_headers = next(reader, [])
        headers = [h.strip() for h in raw_headers]
        if not any(headers):
            raise CsvProblem("The file is empty: its first line must name the columns.")
        for raw, header in zip(raw_headers, headers, strict=True):
            if raw != header and header:
                # The import matches column names exactly: say so here, not as an unknown
                # column later.
                raise CsvProblem(
                    f"The column name “{raw[:40]}” has spaces around it; remove them and "
                    "upload the file again."
                )
        _check_headers(headers, set(required), list(columns))
        rows = 0
        for row in reader:
            if not row:
                continue  # a blank line
            rows += 1
            if rows > limits["max_rows"]:
                raise CsvProblem(
                    f"The file has more than {limits['max_rows']:,} rows; split it up."
                )
            if len(row) > len(headers):
                raise CsvProblem(
                    f"Row {rows:,} (line {reader.line_num:,}) has {len(row)} cells but the "
                    f"first line names {len(headers)} columns."
                )
            for header, cell in zip(headers, row, strict=False):
                if len(cell) > limits["max_cell_chars"]:
                    raise CsvProblem(
                        f"Row {rows:,} (line {reader.line_num:,}), column “{header[:40]}”: the "
                        f"cell holds {len(cell):,} characters; at most "
                        f"{limits['max_cell_chars']:,} are allowed."
                    )
    except csv.Error as exc:
        raise CsvProblem(f"Line {reader.line_num:,} is not valid CSV ({exc}).") from None
    if not rows:
        raise CsvProblem("The file has a header line but no rows to import.")
    return CsvFile(text=text, headers=headers, rows=rows)


def _check_headers(headers: list[str], required: set[str], columns: list[str]) -> None:
    expected = ", ".join(columns)
    if "" in headers:
        position = headers.index("") + 1
        raise CsvProblem(f"Column {position} of the first line has no name. Columns: {expected}.")
    seen: set[str] = set()
    for header in headers:
        if header in seen:
            raise CsvProblem(f"The column “{header[:40]}” appears twice in the first line.")
        seen.add(header)
    unknown = [h for h in headers if h not in columns]
    if unknown:
        names = ", ".join(f"“{h[:40]}”" for h in unknown[:5])
        raise CsvProblem(f"Unknown column(s): {names}. The columns this import knows: {expected}.")
    missing = sorted(required - seen)
    if missing:
        names = ", ".join(f"“{m}”" for m in missing)
        raise CsvProblem(
            f"The file has no {names} column: every row is matched by it. "
            f"The columns this import knows: {expected}."
        )


def resource_columns(resource_class: type[StrictModelResource]) -> tuple[list[str], list[str]]:
    """(required, all) column names of a resource's import."""
    resource = resource_class()
    columns = [f.column_name for f in resource.get_import_fields()]
    # Columns a resource reads itself in `import_instance` (e.g. an old export's currency).
    columns += list(getattr(resource_class, "extra_import_columns", ()))
    return list(resource_class._meta.import_id_fields), columns


def csv_check_for(resource_class: type[StrictModelResource], data: bytes, **kwargs) -> CsvFile:
    required, columns = resource_columns(resource_class)
    return csv_check(data, required=required, columns=columns, **kwargs)


# --- background jobs ------------------------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"catalog-import-progress:{job_id}"


def import_job_progress(job: ImportJob) -> int:
    """Rows done so far: from the cache while the job runs, from the job once it ended."""
    if job.status == ImportJob.Status.RUNNING:
        return cache.get(_progress_key(job.pk), 0)
    return job.rows_done


def _row_errors(result) -> list[str]:
    messages = []
    for error in result.base_errors:
        messages.append(str(error.error))
    for line, errors in result.row_errors():
        messages.extend(f"Row {line:,}: {error.error}" for error in errors)
    for invalid in result.invalid_rows:
        for field, field_errors in invalid.error_dict.items():
            label = "row" if field == "__all__" else field
            messages.extend(f"Row {invalid.number:,}, {label}: {m}" for m in field_errors)
        if len(messages) > MAX_ERRORS_SHOWN:
            break
    return messages


def _job_resource(kind: str, job_id: int) -> StrictModelResource:
    base = RESOURCES[kind]

    class Meta(base.Meta):
        skip_diff = True  # no preview to show: diffs would cost time and memory per row

    def after_import_row(self, row, row_result, **kwargs):
        number = kwargs.get("row_number") or 0
        if number % PROGRESS_EVERY_ROWS == 0:
            cache.set(_progress_key(job_id), number, 24 * 3600)

    return type(
        f"Job{base.__name__}", (base,), {"Meta": Meta, "after_import_row": after_import_row}
    )()


def import_job_run(*, job_id: int) -> None:
    """Run a queued import once, in one transaction: any error saves nothing and is listed.

    The job's row stays locked for the whole import, and the import and the job's end
    commit together. So a job left "running" by a worker that died (its transaction rolled
    back, its lock went with its connection) is taken over by the next delivery of its
    task (acks_late redelivers it), while a duplicate delivery during a live run finds the
    row locked and leaves it alone. Without SKIP LOCKED (SQLite: no concurrent workers) a
    running job is never taken over.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING
    )
    can_take_over = connections[ImportJob.objects.db].features.has_select_for_update_skip_locked
    if not claimed and not can_take_over:
        return
    with transaction.atomic():
        running = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING)
        if can_take_over:
            running = running.select_for_update(skip_locked=True)
        job = running.first()
        if job is None:  # ended, or being run by a live worker holding the lock
            return
        if not claimed:
            logger.warning("Import job %s: taking over a run that stopped", job_id)
        _import_job_run_locked(job)
    cache.delete(_progress_key(job_id))


def _import_job_run_locked(job: ImportJob) -> None:
    errors: list[str] = []
    summary = ""
    try:
        dataset = base_formats.CSV().create_dataset(job.source)
        result = _job_resource(job.kind, job.pk).import_data(
            dataset,
            dry_run=False,
            raise_errors=False,
            use_transactions=True,
            rollback_on_validation_errors=True,
            file_name=job.file_name,
            user=job.created_by,
        )
        if result.has_errors() or result.has_validation_errors():
            errors = _row_errors(result) or ["Some rows could not be imported."]
            for line, row_errors in result.row_errors():
                for error in row_errors:
                    logger.error("Import job %s, row %s: %s", job.pk, line, error.traceback)
        else:
            totals = result.totals
            summary = (
                f"{totals['new']:,} new, {totals['update']:,} updated, "
                f"{totals['skip']:,} unchanged."
            )
    except Exception:
        logger.exception("Import job %s stopped on an unexpected error", job.pk)
        errors = ["The import stopped on an unexpected error, so nothing was saved."]
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED if errors else ImportJob.Status.DONE,
        errors=errors[:MAX_ERRORS_SHOWN],
        summary=summary,
        rows_done=0 if errors else job.rows_total,
        source="",
        finished_at=timezone.now(),
    )
