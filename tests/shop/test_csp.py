"""Content-Security-Policy and Permissions-Policy: sent everywhere, and no page breaks them."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shop.browser import needs_browser

ROOT = Path(__file__).resolve().parents[2]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/no-such-page/", "/admin/login/", "/api/docs/"])
def test_pages_send_a_policy_without_inline_script(client, path):
    """Every page has a CSP whose script-src allows only our own files (and a nonce)."""
    response = client.get(path)
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert set(policy["script-src"]) - {"'self'"} <= {
        v for v in policy["script-src"] if v.startswith("'nonce-")
    }
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_pages_send_a_permissions_policy(client):
    """Browser features the shop never uses (camera, microphone, location...) are off."""
    header = client.get("/")["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in header


@pytest.mark.django_db
def test_api_docs_use_no_inline_script(client):
    """The Swagger UI page loads its start-up script as a file; its one <style> has the nonce."""
    response = client.get("/api/docs/")
    html = response.content.decode()
    nonce = next(v for v in directives(response)["style-src"] if v.startswith("'nonce-"))
    assert f'<style nonce="{nonce[7:-1]}">' in html
    assert "<script>" not in html
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.browser
@needs_browser
def test_a_policy_violation_fails_a_browser_test():
    """A browser test whose page runs an inline script fails, though it asserts nothing
    about the policy (tests/shop/csp_selftest.py, run in its own pytest)."""
    # Its own database (SQLite in memory): sharing DATABASE_URL, the inner run would create
    # and drop the very test database this run is using.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST_XDIST") and k != "DATABASE_URL"
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/shop/csp_selftest.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "1 failed" in output
    assert "Content-Security-Policy violated" in output
    assert "script-src" in output


def test_async_unsafe_orm_calls_are_allowed_only_inside_browser_tests():
    """Outside browser tests Django keeps refusing ORM calls from async code: the browser
    fixture sets DJANGO_ALLOW_ASYNC_UNSAFE for its own test only."""
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ


# --- every kind of page in a real browser, checked by the browser fixture ------------------


@pytest.fixture
def staff_in_browser(transactional_db, browser, live_server):
    """A browser page logged in to the admin, over a small catalog."""
    from tests.factories import InquiryFactory, StaffUserFactory, VariantFactory

    StaffUserFactory(username="csp-staff")
    variant = VariantFactory(sku="CSP-1", product__name="Policy Case", product__slug="policy")
    InquiryFactory(product=variant.product)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("csp-staff")
    page.get_by_label("Password").fill("staff-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    return page, variant


def test_the_error_page_style_hash_matches_the_template(settings):
    """The 500 page's <style> is allowed by hash: the hash in settings is that style's."""
    from django.template.loader import get_template

    html = get_template("500.html").render()
    (css,) = re.findall(r"<style>(.*?)</style>", html, re.S)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    expected = f"'sha256-{digest}'"
    assert expected == settings.ERROR_PAGE_STYLE_HASH
    assert (
        settings.ERROR_PAGE_STYLE_HASH
        in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]
    )


@pytest.mark.browser
@needs_browser
@pytest.mark.urls("tests.shop.csp_urls")
def test_storefront_admin_and_api_docs_keep_the_policy(staff_in_browser, live_server):
    """Storefront, 404, 500, admin (lists, forms, import, export, lockouts) and the Swagger
    UI run in Chromium without a single CSP violation."""
    from playwright.sync_api import expect

    page, variant = staff_in_browser
    product = variant.product
    admin_pages = [
        "/admin/",
        "/admin/catalog/caseproduct/",
        f"/admin/catalog/caseproduct/{product.pk}/change/",
        "/admin/catalog/caseproduct/add/",
        "/admin/catalog/variant/",
        f"/admin/catalog/variant/{variant.pk}/change/",
        "/admin/catalog/variant/import/",
        "/admin/catalog/variant/export/",
        "/admin/catalog/caseproduct/export/",
        "/admin/wholesale/inquiry/",
        "/admin/axes/accessattempt/",
        "/admin/axes/accesslog/",
        "/admin/auth/user/",
    ]
    for path in ["/", product.get_absolute_url(), "/no-such-page/", *admin_pages]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")

    # The export page's "select all" toggle works without its inline handler.
    page.goto(f"{live_server.url}/admin/catalog/variant/export/")
    fields = page.locator(".selectable-field-export-row input[type=checkbox]:visible")
    expect(fields.first).to_be_checked()
    page.locator("input.select-toggle").uncheck()
    expect(page.locator(".selectable-field-export-row input:checked")).to_have_count(0)
    page.locator("input.select-toggle").check()
    expect(fields.last).to_be_checked()

    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_role("heading", name="caseforge API")).to_be_visible()

    page.goto(f"{live_server.url}/csp-test/failure/")
    expect(page.get_by_role("heading", name="Something went wrong")).to_be_visible()
    assert page.locator("body").evaluate("b => getComputedStyle(b).marginTop") == "0px"


@pytest.mark.browser
@needs_browser
def test_the_permissions_policy_switches_off_location_in_the_browser(
    browser, live_server, transactional_db
):
    """Even with location permission granted, the shop's pages cannot read it; a page on
    the same origin without the header can (so the header is what stops it)."""
    context = browser.new_context(
        permissions=["geolocation"], geolocation={"latitude": 51.5, "longitude": -0.12}
    )
    page = context.new_page()
    page.route(
        f"{live_server.url}/no-policy/",
        lambda route: route.fulfill(
            body="<!doctype html><title>plain</title>", content_type="text/html"
        ),
    )
    locate = """() => new Promise((done) => navigator.geolocation.getCurrentPosition(
        () => done("located"), (error) => done(`refused (${error.code})`)))"""
    page.goto(f"{live_server.url}/no-policy/")
    assert page.evaluate(locate) == "located"
    page.goto(f"{live_server.url}/")
    assert page.evaluate(locate) == "refused (1)"
