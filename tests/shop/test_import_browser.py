"""A real Chromium on a background CSV import job's page: progress follows the job, through
a static script (no inline script)."""

import pytest

from tests.shop.browser import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]


def test_import_job_page_follows_progress_until_done(browser, live_server, transactional_db):
    """While a job runs its page shows rows done, then reloads with the summary when done."""
    from django.core.cache import cache
    from playwright.sync_api import expect

    from shop.catalog.csv_import import _progress_key
    from shop.catalog.models import ImportJob
    from tests.factories import StaffUserFactory

    StaffUserFactory(username="alice-staff")
    job = ImportJob.objects.create(
        kind="variants", file_name="bulk.csv", rows_total=15_000, status="running"
    )
    cache.set(_progress_key(job.pk), 4_200)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("alice-staff")
    page.get_by_label("Password").fill("staff-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/catalog/importjob/{job.pk}/change/")

    status = page.locator(".cf-import-job [role=status]")
    expect(status).to_contain_text("Importing")
    expect(page.locator("[data-import-rows-done]")).to_have_text("4,200")  # set by the script
    assert page.locator("[data-import-progress]").evaluate("el => el.value") == 4200

    ImportJob.objects.filter(pk=job.pk).update(
        status="done", rows_done=15_000, summary="15,000 new, 0 updated, 0 unchanged."
    )
    expect(page.locator("[data-import-summary]")).to_have_text(
        "15,000 new, 0 updated, 0 unchanged.", timeout=10_000
    )
    expect(status).to_contain_text("Imported")
    page.close()
