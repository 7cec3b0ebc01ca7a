"""Shopper accounts (django-allauth): the email address is the login, verified by mail;
password reset by mail; sign-in throttled like the admin's; a visitor's designs follow
them into their account."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client

from tests.configurator.conftest import photo_png, post_json, spec_with, upload
from tests.shop.browser import needs_browser

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-shopper-pass-42"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def link_in_last_mail(pattern: str) -> str:
    body = mail.outbox[-1].body
    match = re.search(rf"https?://[^/\s]+({pattern}\S*)", body)
    assert match, body
    return match.group(1)


def sign_up(client: Client, email: str = "alice@example.com"):
    return client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def signed_in_as(client: Client) -> str | None:
    page = client.get("/account/")
    if page.status_code != 200:
        return None
    return re.search(r"Signed in as <strong>([^<]+)</strong>", page.content.decode()).group(1)


def verified_shopper(email: str = "alice@example.com") -> Client:
    client = Client()
    sign_up(client, email)
    confirm = link_in_last_mail("/accounts/confirm-email/")
    client.post(confirm)
    client.post("/accounts/logout/")
    mail.outbox.clear()
    return client


def test_sign_up_verifies_the_address_by_mail_before_the_first_sign_in():
    client = Client()
    response = sign_up(client)
    assert response.status_code == 302
    assert signed_in_as(client) is None  # not before the address is confirmed
    assert mail.outbox[-1].to == ["alice@example.com"]
    confirm = link_in_last_mail("/accounts/confirm-email/")

    assert client.get(confirm).status_code == 200  # a page with a button, not a GET action
    assert signed_in_as(client) is None
    client.post(confirm)
    assert signed_in_as(client) == "alice@example.com"


def test_an_unverified_address_cannot_sign_in():
    sign_up(Client())
    client = Client()
    response = client.post("/accounts/login/", {"login": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    assert "verification" in client.get(response["Location"]).content.decode().lower()
    assert signed_in_as(client) is None


def test_the_email_address_is_the_login_whatever_its_case():
    client = verified_shopper()
    response = client.post("/accounts/login/", {"login": "Alice@Example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_as(client) == "alice@example.com"
    page = client.get("/").content.decode()
    assert 'href="/account/"' in page and "Your account" in page


def test_password_reset_by_mail():
    client = verified_shopper()
    client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    reset = link_in_last_mail("/accounts/password/reset/key/")
    form = client.get(reset, follow=True)
    assert form.status_code == 200
    new = "another-long-pass-77"
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else reset,
        {"password1": new, "password2": new},
    )
    assert done.status_code == 302
    fresh = Client()
    fresh.post("/accounts/login/", {"login": "alice@example.com", "password": PASSWORD})
    assert signed_in_as(fresh) is None
    fresh.post("/accounts/login/", {"login": "alice@example.com", "password": new})
    assert signed_in_as(fresh) == "alice@example.com"


def test_a_reset_for_an_unknown_address_tells_nothing_away():
    response = Client().post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302  # the same answer as for a known address
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)


def test_five_wrong_passwords_lock_the_shopper_out_even_with_the_right_one():
    verified_shopper()

    def attempt(login: str, password: str):
        return Client(REMOTE_ADDR="203.0.113.9").post(
            "/accounts/login/", {"login": login, "password": password}
        )

    statuses = [attempt("alice@example.com", "wrong").status_code for _ in range(4)]
    assert statuses == [200] * 4
    assert attempt("ALICE@example.com", "wrong").status_code == 429  # one counter per address
    locked = attempt("alice@example.com", PASSWORD)
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in locked.wsgi_request.session
    other_address = Client(REMOTE_ADDR="198.51.100.4")
    other_address.post("/accounts/login/", {"login": "alice@example.com", "password": PASSWORD})
    assert signed_in_as(other_address) == "alice@example.com"


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast), counting the passwords it hashes."""

    hashed = 0

    def encode(self, password, salt):
        type(self).hashed += 1
        return super().encode(password, salt)


@pytest.mark.parametrize("registered", [False, True], ids=["new-address", "registered-address"])
def test_sign_up_hashes_the_password_once_whether_or_not_the_address_is_registered(
    settings, registered
):
    """Enumeration prevention answers a registered address like a new one; the work done
    must be the same too, or the time taken (the password hash, most of a sign-up's time)
    tells. Either way the password is hashed exactly once, and a registered address gets
    no second account, only the same redirect and page."""
    if registered:  # signed up and confirmed a while ago (no mail lately)
        user = get_user_model().objects.create_user(
            username="alice", email="alice@example.com", password=PASSWORD
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.hashed = 0
    users_before = get_user_model().objects.count()
    client = Client()

    response = sign_up(client, "Alice@example.com")

    assert CountingHasher.hashed == 1
    assert get_user_model().objects.count() == users_before + (0 if registered else 1)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    page = client.get(response["Location"]).content.decode()
    assert "Confirmation email sent to alice@example.com." in page
    assert mail.outbox[-1].to == ["alice@example.com"]


def test_a_visitors_designs_follow_them_into_their_account():
    client = verified_shopper()
    artwork = upload(client, photo_png()).json()["id"]
    saved = post_json(
        client, "/design/api/designs/", {"device": "iphone-12", "spec": spec_with(artwork)}
    )
    token = saved.json()["token"]
    assert token not in Client().get("/account/", follow=True).content.decode()

    client.post("/accounts/login/", {"login": "alice@example.com", "password": PASSWORD})
    page = client.get("/account/").content.decode()
    assert f"/design/s/{token}/" in page
    user = get_user_model().objects.get(email="alice@example.com")
    assert (
        user.pk == client.session["_auth_user_id"]
        or str(user.pk) == client.session["_auth_user_id"]
    )


def test_the_account_page_needs_a_sign_in():
    response = Client().get("/account/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.browser
@needs_browser
def test_a_new_shopper_signs_up_confirms_and_signs_in_in_a_browser(
    browser, live_server, transactional_db, settings
):
    """In Chromium, with the shop's CSP (the fixture fails on any violation)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    page = browser.new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Sign up").click()
    page.locator("input[name=email]").fill("bea@example.com")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_text("Verify Your Email Address").first.wait_for()

    page.goto(live_server.url + link_in_last_mail("/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_text("Successfully signed in as bea@example.com").wait_for()
    assert "bea@example.com" in page.locator("main").inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in").wait_for()
