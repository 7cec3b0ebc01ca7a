"""The wholesale API's settings: Django REST framework (keys, throttles, one error shape,
cursor pages) and its OpenAPI schema and docs (drf-spectacular)."""

from shop.conf.environment import env

# The wholesale API (shop/wholesale/api): a client's API key on every request, one JSON
# error shape, throttled per key (429 with Retry-After), JSON bodies bounded in size and
# depth, cursor pages.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["shop.wholesale.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "shop.wholesale.api.throttling.ApiKeyThrottle",
        "shop.wholesale.api.throttling.ApiKeyWriteThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "wholesale": env.str("WHOLESALE_API_RATE", default="600/min"),
        "wholesale-write": env.str("WHOLESALE_API_WRITE_RATE", default="60/min"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["shop.wholesale.api.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "shop.wholesale.api.pagination.Cursor",
    "EXCEPTION_HANDLER": "shop.wholesale.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "NUM_PROXIES": None,
    # No `?format=`: the answer's type is negotiated by `Accept` only (JSON, or the PDF
    # where said), so no endpoint takes a parameter its schema does not declare.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "caseforge API",
    "DESCRIPTION": """\
The wholesale API for resellers and shops (`/api/v1/`), and the configurator's endpoints
(`/design/api/`) that the design editor uses.

## Getting started
1. **Get a key from staff.** Keys look like `cfk_1a2b3c4d_…`; staff see the key once, when
   they make it, and can revoke it. Keep it secret: it is your account.
2. **Send it on every request**: `Authorization: Api-Key cfk_…`. No key, or an unknown or
   revoked one, answers `401` with `WWW-Authenticate: Api-Key`.
3. **Read the catalog** with your prices: `GET /api/v1/variants/?phone_model=iphone-15`.
   Lists are cursor-paginated: follow `next` until it is null.
4. **Upload a picture** (`POST /api/v1/artworks/`, multipart field `file`) and **save a
   design** (`POST /api/v1/designs/`) if you want your own print.
5. **Request a quote** (`POST /api/v1/quotes/`). It is priced within minutes and sent
   (some quotes are checked by staff first; we reply within 24 hours). Poll
   `GET /api/v1/quotes/{number}/`, or register a callback.
6. **Accept it** (`POST /api/v1/quotes/{number}/accept/` with a shipping address): the
   answer is your order and how to pay it (a payment page when prepaid, an invoice due
   date on net terms). Follow it at `GET /api/v1/orders/{number}/`.

## Idempotency
Send an `Idempotency-Key` header (up to 255 printable characters, e.g. a UUID) on
`POST /quotes/`, `/quotes/{number}/accept/`, `/quotes/{number}/decline/` and `/designs/`.
Retrying with the same key and body replays the first answer (`Idempotent-Replayed: true`);
the same key with another body answers `422`; while the first is still running, `409`.
Keys are yours alone; a refused request frees its key.

## Errors
Every error is JSON: `{"error": "<one line>", "code": "<machine code>"}`, plus
`"fields": {"lines.0.sku": ["…"]}` for invalid input (`400`). Another client's quote,
order or design is a `404`, like one that does not exist, and so is any method on a path
under `/api/v1/` that is no endpoint. A query parameter an operation does not declare is
a `400`, never ignored. `OPTIONS` answers `204` with `Allow`.

## Limits
Requests are throttled per key (writes more strictly): `429` with `Retry-After` in
seconds. After 30 wrong keys in 10 minutes from one address, every request from it that
sends a key is a `429` (`auth_throttled`) until the period ends, right keys included.
JSON bodies are limited to 256 KB and pictures to 25 MB (`413`).

## Callbacks
`PUT /api/v1/callback/` with an HTTPS URL. Events `quote.ready`, `quote.expiring` and
`order.status` are POSTed there, signed per [Standard Webhooks](https://www.standardwebhooks.com/)
with the secret (`whsec_…`) that `GET /api/v1/callback/` shows: verify `webhook-id`,
`webhook-timestamp` and `webhook-signature` with any Standard Webhooks library. Failed
deliveries are retried with backoff.
""",
    "VERSION": "1.0.0",
    # Swagger UI from the installed sidecar package, not a CDN: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema and the docs are public (no key).
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"CountryEnum": "shop.wholesale.api.serializers.COUNTRY_CHOICES"},
    "TAGS": [
        {"name": "Account", "description": "Your account and callback URL."},
        {"name": "Catalog", "description": "Phone models, products, variants with your prices."},
        {"name": "Designs", "description": "Your pictures and designs (the configurator's)."},
        {"name": "Quotes", "description": "Request, read, accept or decline quotes."},
        {"name": "Orders", "description": "Orders made from your quotes."},
    ],
    # The configurator's plain Django views, described by hand (configurator/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "configurator.openapi.configurator_paths",
        "shop.wholesale.api.openapi.api_schema_finish",
    ],
}
