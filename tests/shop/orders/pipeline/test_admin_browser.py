"""A real Chromium through the order admin: staff see a paid order's design, download its
print file and mark it shipped."""

import pytest

from tests.shop.browser import needs_browser

from .conftest import pay, place_designed_order

pytestmark = [pytest.mark.browser, needs_browser]


@pytest.fixture
def order_in_production(transactional_db, cases):
    """Paid, with the pipeline run (eagerly, no broker): in production, files rendered."""
    from tests.factories import StaffUserFactory

    StaffUserFactory(username="alice-staff")
    order = place_designed_order(cases)
    pay(order)
    order.refresh_from_db()
    assert order.status == "in_production"
    return order


def test_staff_download_the_print_file_and_mark_the_order_shipped(
    browser, live_server, order_in_production, tmp_path
):
    from django.core import mail
    from playwright.sync_api import expect

    order = order_in_production
    mail.outbox.clear()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("alice-staff")
    page.get_by_label("Password").fill("staff-pass-123")
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server.url}/admin/orders/order/?status=in_production")
    page.get_by_role("link", name=order.number).click()
    thumbnail = page.locator("img.cf-design-thumb")
    expect(thumbnail).to_be_visible()
    page.wait_for_function("() => document.querySelector('img.cf-design-thumb').naturalWidth > 0")
    expect(page.locator("#content")).to_contain_text("All production files are ready.")

    with page.expect_download() as download:
        page.get_by_role("link", name="Print PDF").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".pdf" and saved.read_bytes().startswith(b"%PDF")
    page.screenshot(path=str(tmp_path / "order.png"), full_page=True)

    page.get_by_role("link", name="Mark shipped").first.click()
    page.get_by_label("Tracking number").fill("1Z999AA10123456784")
    page.get_by_role("button", name="Mark shipped").click()
    expect(page.locator(".messagelist")).to_contain_text("is shipped")
    expect(page.locator("#content")).to_contain_text("1Z999AA10123456784")
    order.refresh_from_db()
    assert order.status == "shipped"
    assert [m.to for m in mail.outbox] == [[order.email]]
    assert "1Z999AA10123456784" in mail.outbox[0].body
