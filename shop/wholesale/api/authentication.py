"""`Authorization: Api-Key <key>`: the client's key, checked against its stored hash."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from shop.wholesale.services import api_key_check

KEYWORD = "Api-Key"
KEY_MAX = 100  # longer than any key `api_key_issue` makes


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """request.user is the client (`shop.wholesale.models.Client`), request.auth its key
    row. A missing, unknown, revoked or malformed key, or a suspended client, is a 401 with
    `WWW-Authenticate: Api-Key`."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, key = header.partition(" ")
        key = key.strip()
        if scheme.lower() != KEYWORD.lower() or not key or len(key) > KEY_MAX:
            raise exceptions.AuthenticationFailed(
                "Send your key as 'Authorization: Api-Key <key>'."
            )
        row = api_key_check(key=key)
        if row is None:
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
