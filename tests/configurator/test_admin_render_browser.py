"""A real Chromium through the design admin: press "Render production files", watch the
job run on a real worker of the `render` queue, download the print file."""

from __future__ import annotations

import pytest

from tests.shop.browser import browser, needs_browser  # noqa: F401  (the browser fixture)

from .designs import saved_design
from .test_render_jobs import needs_redis, redis_app, render_worker  # noqa: F401

pytestmark = [pytest.mark.browser, needs_browser, needs_redis]


def test_staff_render_and_download_the_print_file(browser, live_server, redis_app):  # noqa: F811
    """Staff open a design, press the button, see the job's progress until the page shows
    every file, and download the print PDF under the design's name."""
    from playwright.sync_api import expect

    from configurator.models import RenderJob
    from tests.factories import StaffUserFactory

    StaffUserFactory(username="alice-staff")
    design = saved_design()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("alice-staff")
    page.get_by_label("Password").fill("staff-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/configurator/design/")
    thumbnail = page.get_by_role("img", name=f"Preview of design {design.token}")
    expect(thumbnail).to_be_visible()
    # rendered on request: wait until it has arrived and decoded
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    page.get_by_role("link", name=design.token).click()

    files = page.locator(".cf-production-files")
    expect(files).to_contain_text("not rendered")
    page.get_by_role("button", name="Render production files").click()
    # No worker yet: the job waits on the render queue, and the page follows it.
    status = page.locator(".cf-render-job [role=status]")
    expect(status).to_contain_text("Queued")
    expect(status).to_contain_text("0 of 7 files")
    assert RenderJob.objects.get().status == RenderJob.Status.QUEUED

    with render_worker():
        # The page polls the job and reloads itself once it has finished.
        expect(status).to_contain_text("Done", timeout=120_000)
    expect(status).to_contain_text("7 of 7 files")
    expect(files).not_to_contain_text("not rendered")

    link = page.locator('[data-download="print_pdf"]')
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"{design.token}-print_pdf.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
