"""`Authorization: Api-Key <key>`: the client's key, checked against its stored hash.

Failed keys are counted per client address (`shop.ratelimit`, limit
"api-auth-failure-address", 30 in 10 minutes by default). Past the limit the address is
locked until the period ends: every request from it that sends a key, a right one too, is a
429 with `Retry-After`, and no key is looked up. Right keys are refused as well because a
lock that let them through would still tell a guesser which guess was right (200 instead of
429), at full speed; like django-axes for staff logins, the lock is short and per address.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from shop.ratelimit import UNKNOWN_ADDRESS, RateLimited, client_address, rate_limit_hit
from shop.wholesale.services import api_key_check

logger = logging.getLogger(__name__)

KEYWORD = "Api-Key"
KEY_MAX = 100  # longer than any key `api_key_issue` makes
FAILURE_LIMIT = "api-auth-failure-address"
_LOCK_KEY = "wholesale-api:auth-lock:{}"


class TooManyFailures(exceptions.Throttled):
    default_detail = "Too many failed API keys from your address; retry after 'Retry-After'."
    default_code = "auth_throttled"


def _locked_for(address: str) -> int:
    """Seconds the address stays locked (0: not locked). A cache that cannot answer locks
    nothing: the failure count itself fails closed (shop.ratelimit)."""
    try:
        until = cache.get(_LOCK_KEY.format(address))
    except Exception:  # Redis down: degrade, never a 500
        logger.warning("API key lock of %s could not be read", address)
        return 0
    return max(0, int(until - time.time()) + 1) if until else 0


def _count_failure(address: str) -> None:
    """Count a failed key of the address; lock it once the limit is passed. Clients whose
    address cannot be told share one count, and their failures past it are refused, but it
    locks nobody out: one guesser would otherwise lock out every client."""
    try:
        rate_limit_hit(scope=FAILURE_LIMIT, key=f"address:{address}")
    except RateLimited as exc:
        if address == UNKNOWN_ADDRESS:
            raise TooManyFailures(wait=exc.retry_after) from None
        try:
            cache.set(_LOCK_KEY.format(address), time.time() + exc.retry_after, exc.retry_after)
        except Exception:
            logger.warning("API key lock of %s could not be stored", address)
        raise TooManyFailures(wait=exc.retry_after) from None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """request.user is the client (`shop.wholesale.models.Client`), request.auth its key
    row. A missing, unknown, revoked or malformed key, or a suspended client, is a 401 with
    `WWW-Authenticate: Api-Key`."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        address = client_address(request)
        locked = _locked_for(address)
        if locked:
            raise TooManyFailures(wait=locked)
        scheme, _, key = header.partition(" ")
        key = key.strip()
        if scheme.lower() != KEYWORD.lower() or not key or len(key) > KEY_MAX:
            _count_failure(address)
            raise exceptions.AuthenticationFailed(
                "Send your key as 'Authorization: Api-Key <key>'."
            )
        row = api_key_check(key=key)
        if row is None:
            _count_failure(address)
            raise exceptions.AuthenticationFailed("This API key is unknown or revoked.")
        return ApiClientUser(row.client), row

    def authenticate_header(self, request) -> str:
        return KEYWORD


class ApiClientUser:
    """The authenticated principal: a wholesale client, never a Django user (so no session,
    no permissions of staff, no CSRF)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False

    def __init__(self, client):
        self.client = client
        self.pk = None

    def __str__(self) -> str:
        return f"wholesale client {self.client.public_id}"


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Your key from staff, as `Api-Key cfk_…`. A missing, unknown or "
            "revoked key answers 401.",
        }
