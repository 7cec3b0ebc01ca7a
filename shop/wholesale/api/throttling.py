"""Throttling per API key: every request counts against "wholesale", and writes (quote
requests, acceptances, uploads, designs) against the stricter "wholesale-write" too. Rates
are REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], read at each request; the answer over the rate
is 429 with `Retry-After` (seconds)."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class ApiKeyThrottle(SimpleRateThrottle):
    scope = "wholesale"

    def get_rate(self):
        # Not the class attribute DRF binds at import: tests and operators change the rates.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        if request.auth is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class ApiKeyWriteThrottle(ApiKeyThrottle):
    scope = "wholesale-write"

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS") or not getattr(view, "writes", False):
            return True
        return super().allow_request(request, view)
