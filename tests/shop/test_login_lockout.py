"""Admin login lockout (django-axes): per account and client address, cleared by staff."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "staff-pass-123"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def bob():
    return StaffUserFactory(username="bob-staff", email="bob@caseforge.local")


def attempt(username: str, password: str, address: str = "203.0.113.7", **headers):
    """One login through the admin form from `address`, in a fresh browser session."""
    return Client(REMOTE_ADDR=address).post(
        LOGIN, {"username": username, "password": password}, headers=headers
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def lock_out(username: str, address: str = "203.0.113.7", **headers) -> None:
    """Five wrong passwords: four show the form again, the fifth locks the account."""
    statuses = [attempt(username, "wrong", address, **headers).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(bob):
    """After 5 failures in a row, even the right password is refused with a 429 page."""
    assert logged_in(attempt("bob-staff", PASSWORD))
    lock_out("bob-staff")
    response = attempt("bob-staff", PASSWORD)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_a_lockout_spares_other_accounts_and_other_addresses(bob):
    """The lock is on the (account, address) pair: others still log in."""
    StaffUserFactory(username="carol-staff", email="carol@caseforge.local")
    lock_out("bob-staff", "203.0.113.7")
    assert logged_in(attempt("carol-staff", PASSWORD, "203.0.113.7"))
    assert logged_in(attempt("bob-staff", PASSWORD, "198.51.100.20"))
    assert attempt("bob-staff", PASSWORD, "203.0.113.7").status_code == 429


def test_the_limit_and_cool_off_come_from_settings(bob, settings):
    """LOGIN_FAILURE_LIMIT (AXES_FAILURE_LIMIT) is read when a login is tried."""
    settings.AXES_FAILURE_LIMIT = 2
    assert attempt("bob-staff", "wrong-password").status_code == 200
    assert attempt("bob-staff", "wrong-password").status_code == 429
    assert attempt("bob-staff", PASSWORD).status_code == 429


def test_staff_see_and_clear_a_lockout_in_the_admin(bob, staff_client):
    """A locked-out account is listed in the admin; deleting the attempt unlocks it."""
    from axes.models import AccessAttempt

    lock_out("bob-staff")
    changelist = staff_client.get("/admin/axes/accessattempt/")
    assert changelist.status_code == 200
    assert "bob-staff" in changelist.content.decode()
    locked = AccessAttempt.objects.get(username="bob-staff")
    response = staff_client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [locked.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert logged_in(attempt("bob-staff", PASSWORD))


def test_forged_forwarded_for_does_not_dodge_the_lockout(bob):
    """Without a proxy in front, X-Forwarded-For is ignored: rotating it changes nothing."""
    for n in range(5):
        attempt("bob-staff", "wrong-password", **{"X-Forwarded-For": f"192.0.2.{n}"})
    assert attempt("bob-staff", PASSWORD, **{"X-Forwarded-For": "192.0.2.99"}).status_code == 429


def test_behind_a_proxy_the_forwarded_address_is_the_client(bob, settings):
    """With BEHIND_PROXY the address the proxy appended counts, not the proxy's own."""
    settings.BEHIND_PROXY = True
    proxy = "10.0.0.1"
    lock_out("bob-staff", proxy, **{"X-Forwarded-For": "203.0.113.7"})
    forged_then_real = {"X-Forwarded-For": "198.51.100.20, 203.0.113.7"}
    assert attempt("bob-staff", PASSWORD, proxy, **forged_then_real).status_code == 429
    other = {"X-Forwarded-For": "198.51.100.20"}
    assert logged_in(attempt("bob-staff", PASSWORD, proxy, **other))


def test_an_ipv6_host_cannot_dodge_the_lockout_by_changing_address_within_its_64(bob):
    """Wrong passwords from five addresses of one IPv6 /64 lock the account for the whole
    /64 (a host holds all of it); another /64 is not affected."""
    statuses = [
        attempt("bob-staff", "wrong", f"2001:db8:1:2::{n}").status_code for n in range(1, 6)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    assert attempt("bob-staff", PASSWORD, "2001:db8:1:2::99").status_code == 429
    assert logged_in(attempt("bob-staff", PASSWORD, "2001:db8:1:3::1"))
