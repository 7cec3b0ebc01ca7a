"""A real Chromium on a background CSV import job's page: progress follows the job, through
a static script (no inline script)."""

from pathlib import Path

import pytest

from tests.shop.browser import needs_browser
from tests.shop.test_celery_redis import redis_worker  # noqa: F401  (a fixture)

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


@pytest.mark.usefixtures("redis_worker")
def test_staff_follow_a_large_import_run_by_a_worker_on_redis(browser, live_server, settings):
    """Uploaded in the browser, a file over the inline limit goes through Redis to a Celery
    worker; the job page follows it to "Imported" and the variants exist."""
    from playwright.sync_api import expect

    from shop.catalog.models import Variant
    from tests.factories import (
        CaseProductFactory,
        ColourFactory,
        PhoneModelFactory,
        StaffUserFactory,
    )

    settings.CSV_IMPORT_LIMITS = {"inline_max_rows": 5}
    StaffUserFactory(username="alice-staff")
    CaseProductFactory(slug="ridge-tpu")
    PhoneModelFactory(slug="iphone-15")
    colours = [ColourFactory(slug=f"c-{i}", name=f"C {i}") for i in range(40)]
    lines = ["sku,product,phone_model,colour,price,stock_on_hand"]
    lines += [f"CF-{i},ridge-tpu,iphone-15,{c.slug},9.90,{i}" for i, c in enumerate(colours)]
    path = Path(settings.MEDIA_ROOT).parent / "big.csv"
    path.write_text("\n".join(lines) + "\n")

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("alice-staff")
    page.get_by_label("Password").fill("staff-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/catalog/variant/import/")
    page.locator("input[type=file]").set_input_files(path)
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".cf-import-job [role=status]")).to_contain_text("Imported", timeout=30_000)
    expect(page.locator("[data-import-summary]")).to_have_text("40 new, 0 updated, 0 unchanged.")
    assert Variant.objects.count() == 40
    page.close()
