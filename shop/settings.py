"""Settings for caseforge, read from the environment (django-environ).

Production is the default: DEBUG is off, SECRET_KEY is required, HTTPS is enforced. Only
an explicit DEBUG=True (in the environment or .env) turns on development mode, with its
published secret key and demo conveniences; `manage.py demo` and `manage.py runserver` set it
for themselves when DEBUG is unset, and the test suite sets it in tests/settings.py. Every
other variable has an embedded default so that a fresh clone runs with SQLite, local media
and eager tasks.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# A server or worker (wsgi, asgi, gunicorn, celery) never runs in development mode unless told.
DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-caseforge-development-only-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Outside development mode (only DEBUG=True turns it on) "
            "caseforge refuses to start without a secret key: set SECRET_KEY to a long random "
            "string (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    SECRET_KEY = _DEV_SECRET_KEY

# A reverse proxy in front (nginx, a load balancer) that sets X-Forwarded-Proto and appends the
# client address to X-Forwarded-For. Without one, clients could forge both headers.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)

# Loopback only unless told. Django's test runner adds "testserver" for the suite itself;
# a production process never answers to it.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "axes",
    "csp",
    "shop",
    "shop.catalog",
    "shop.wholesale",
    "shop.accounts",
    "shop.cart",
    "shop.outbox",
    "shop.orders",
    "shop.payments",
    "shop.checkout",
    "shop.reviews",
    "shop.questions",
    "configurator",
    "allauth",
    "allauth.account",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Turns a RateLimited raised anywhere into a 429 page (shop/ratelimit.py).
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]
RATELIMIT_VIEW = "shop.ratelimit.rate_limited_view"
# The configurator's API limits count per client address too: the shop's proxy-aware key.
CONFIGURATOR_CLIENT_ADDRESS = "shop.ratelimit.client_address"

ROOT_URLCONF = "shop.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "shop.wsgi.application"
ASGI_APPLICATION = "shop.asgi.application"

# The embedded default is a SQLite file under var/; `manage.py demo` creates the folder.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'caseforge.sqlite3'}"),
}
# Persistent connections (checked before reuse): every storefront request reads the catalog
# revision (shop/catalog/cache.py), so opening a connection per request would be a fixed cost
# on every page. CONN_MAX_AGE=0 restores one connection per request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",  # staff sign in to the admin by username
    "allauth.account.auth_backends.AuthenticationBackend",  # shoppers by email address
]

# Shopper accounts (django-allauth): the email address is the login, verified by mail
# before the first sign-in; password reset by mail. Sign-in failures are throttled by
# django-axes like the admin's (AXES_* below); allauth's own rate limits stay on too.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# One address per account (order mail goes there), changed by confirming the new one.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "caseforge: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_PREVENT_ENUMERATION = True
# The sign-up form hashes the password for a registered address too: the same work, so the
# same time, as for a new one (shop/accounts/forms.py).
ACCOUNT_FORMS = {"signup": "shop.accounts.forms.SignupForm"}
ACCOUNT_USER_DISPLAY = "shop.accounts.users.display"
# django-axes decides sign-in lockouts (its page, its admin, LOGIN_FAILURE_LIMIT); allauth's
# own failed-login limit stays on as a looser backstop, so it never answers first.
ACCOUNT_RATE_LIMITS = {"login_failed": "30/m/ip,20/5m/key"}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "catalog:catalog"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Files anyone may see by their URL (staff's product photos); see S3 below.
    "public": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# S3-compatible object storage (django-storages) instead of the local file system, when
# S3_BUCKET is set (see shop/storage.py): "default" private (private ACL, URLs signed for
# S3_URL_EXPIRE seconds; product renders are served by the app's own view), "public"
# public-read for staff's product photos (at S3_CUSTOM_DOMAIN, a CDN, when set). A
# half-configured S3 refuses to start rather than quietly writing files to the local disk.
S3_BUCKET = env.str("S3_BUCKET", default="")
_S3_VARS = {
    name: env.str(name, default="")
    for name in (
        "S3_ENDPOINT_URL",
        "S3_REGION",
        "S3_ACCESS_KEY_ID",
        "S3_SECRET_ACCESS_KEY",
        "S3_CUSTOM_DOMAIN",
        "S3_URL_EXPIRE",
    )
}
if not S3_BUCKET and any(_S3_VARS.values()):
    raise ImproperlyConfigured(
        f"{', '.join(n for n, v in _S3_VARS.items() if v)} set but S3_BUCKET is not: set "
        "S3_BUCKET to store files on S3, or unset the S3_* variables for the local disk."
    )
if S3_BUCKET:
    if bool(_S3_VARS["S3_ACCESS_KEY_ID"]) != bool(_S3_VARS["S3_SECRET_ACCESS_KEY"]):
        raise ImproperlyConfigured(
            "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together (or neither, "
            "for the machine's own AWS credentials)."
        )
    if not (_S3_VARS["S3_REGION"] or _S3_VARS["S3_ENDPOINT_URL"]):
        raise ImproperlyConfigured(
            "S3_BUCKET is set without S3_REGION (AWS) or S3_ENDPOINT_URL (another "
            "S3-compatible service): set the one that says where the bucket is."
        )
    S3_URL_EXPIRE = env.int("S3_URL_EXPIRE", default=300)
    from shop.storage import s3_storages

    STORAGES.update(
        s3_storages(
            bucket=S3_BUCKET,
            endpoint_url=_S3_VARS["S3_ENDPOINT_URL"],
            region=_S3_VARS["S3_REGION"],
            access_key=_S3_VARS["S3_ACCESS_KEY_ID"],
            secret_key=_S3_VARS["S3_SECRET_ACCESS_KEY"],
            custom_domain=_S3_VARS["S3_CUSTOM_DOMAIN"],
            expire=S3_URL_EXPIRE,
        )
    )

# Mail: console by default; EMAIL_URL=smtp://user:pass@host:587 (or smtp+tls://) in production.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="caseforge <shop@caseforge.local>")
STAFF_NOTIFY_EMAILS = env.list("STAFF_NOTIFY_EMAILS", default=["staff@caseforge.local"])
# A mail is sent while its record is locked (wholesale.tasks): never wait on SMTP for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# Payments (shop/payments). Stripe Checkout when STRIPE_SECRET_KEY is set; without it only
# the development gateway exists, which marks orders paid and is refused outside DEBUG.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# A Stripe-compatible server to talk to instead of api.stripe.com (tests, local stand-ins).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
if STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET and not DEBUG:
    # Without it no webhook can be verified, so no payment would ever be seen.
    raise ImproperlyConfigured(
        "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: set it to the signing "
        "secret of the Stripe webhook endpoint (whsec_...), or unset STRIPE_SECRET_KEY."
    )

# Orders (shop/orders): stock is held this long for an unpaid order (longer once payment
# has started); shipping is a flat rate per region and method (shop/orders/shipping.py),
# standard shipping free for retail orders from SHIPPING_FREE_OVER.
ORDER_HOLD_MINUTES = env.int("ORDER_HOLD_MINUTES", default=30)
# However many payment pages are opened, an unpaid order's hold ends this long after it was
# placed (unless staff granted a longer hold: a wholesale client's or a reviewed quote's).
ORDER_HOLD_MAX_MINUTES = env.int("ORDER_HOLD_MAX_MINUTES", default=120)
# At most this many units held at once, in unpaid orders, per buyer email and per client
# address (staff-granted wholesale holds are exempt); 0 turns the cap off.
STOCK_HOLD_MAX_UNITS_PER_BUYER = env.int("STOCK_HOLD_MAX_UNITS_PER_BUYER", default=50)
SHOP_COUNTRY = env.str("SHOP_COUNTRY", default="US")
SHIPPING_FREE_OVER = env.str("SHIPPING_FREE_OVER", default="50.00")
# Where the shop is served from: links in mail (to an order's page) are made absolute with it.
SHOP_BASE_URL = env.str("SHOP_BASE_URL", default="http://127.0.0.1:8000")

# Celery: with no REDIS_URL every task runs eagerly in the web process (said once at start-up).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Two queues: `default` (mail, webhooks, order moves, the outbox relay) and `render` (below).
CELERY_TASK_DEFAULT_QUEUE = "default"
# A task taken by a worker whose machine vanished goes back to the queue after this long
# (Redis); longer than any task's hard time limit plus its longest retry delay.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 1800}
# A worker that loses Redis stops its running tasks (they will be delivered again) rather
# than finishing them alongside their redelivered copies.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Renders are slow and memory-hungry: they get their own queue, and workers of their own
# (`celery -A shop worker -Q render`), so mail and imports never wait behind them.
CELERY_TASK_ROUTES = {
    "configurator.tasks.render_design_job": {"queue": "render"},
    "shop.orders.tasks.order_render_line": {"queue": "render"},
    # Quick database work: pricing a quote takes milliseconds.
    "shop.wholesale.tasks.quote_price_job": {"queue": "default"},
}
# Periodic jobs (`celery -A shop beat`): relay the outbox rows the broker missed, give back
# the stock of unpaid orders whose hold ran out, retry webhook events not yet processed,
# delete expired sessions.
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {"task": "shop.outbox.tasks.outbox_relay", "schedule": 10.0},
    "orders-release-expired": {
        "task": "shop.orders.tasks.orders_release_expired",
        "schedule": 60.0,
    },
    "payments-webhook-retry": {
        "task": "shop.payments.tasks.webhook_events_retry",
        "schedule": 60.0,
    },
    # Wholesale callbacks whose next attempt is due (retries with backoff).
    "wholesale-callbacks-retry-due": {
        "task": "shop.wholesale.callback_tasks.callbacks_retry_due",
        "schedule": 15.0,
    },
    # Sent quotes past their date expire; those nearing it are warned once.
    "wholesale-quotes-expire": {
        "task": "shop.wholesale.tasks.quotes_expire_job",
        "schedule": 300.0,
    },
    # The API's Idempotency-Key rows older than WHOLESALE_IDEMPOTENCY_KEEP_HOURS.
    "wholesale-idempotency-purge": {
        "task": "shop.wholesale.tasks.idempotency_purge",
        "schedule": 3600.0,
    },
    # Expired sessions (database sessions are otherwise kept for ever): clearsessions.
    "sessions-clear-expired": {
        "task": "shop.accounts.tasks.sessions_clear_expired",
        "schedule": 3600.0,
    },
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # Per process; holds the storefront's cached pages (a few KB each).
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    )
}

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

# Security: strict when DEBUG is off, so `manage.py check --deploy` passes.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# JSON {"error": ...} for API clients, Django's page for the rest (shop/csrf.py).
CSRF_FAILURE_VIEW = "shop.csrf.csrf_failure"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
# Preloading is opt-in: once browsers ship the domain in their HSTS list, taking it out takes
# months, and every subdomain must serve HTTPS meanwhile. Without it `check --deploy` would
# warn (security.W021), so that warning is silenced unless preloading is asked for.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): no inline script anywhere. An inline <style> element
# needs the request's nonce, except the 500 page's, which renders without a request and is
# allowed by hash (tests/shop/test_csp.py checks it against the template). Style attributes
# stay allowed (colour swatches set a CSS variable per colour; the admin uses them too):
# they cannot run script.
ERROR_PAGE_STYLE_HASH = "'sha256-iG+hq4Al9DIRj1g+AW5nK0HoTF01GS0Lzk9BupmHOPI='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE, ERROR_PAGE_STYLE_HASH],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if S3_BUCKET:
    # Staff's product photos are shown from the public storage (its CDN, or the bucket).
    from urllib.parse import urlsplit

    if _S3_VARS["S3_CUSTOM_DOMAIN"]:
        _public_origin = f"https://{_S3_VARS['S3_CUSTOM_DOMAIN']}"
    elif _S3_VARS["S3_ENDPOINT_URL"]:
        _parts = urlsplit(_S3_VARS["S3_ENDPOINT_URL"])
        _public_origin = f"{_parts.scheme}://{_parts.netloc}"
    else:
        _public_origin = f"https://{S3_BUCKET}.s3.{_S3_VARS['S3_REGION']}.amazonaws.com"
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(_public_origin)
# Browser features the shop never uses are switched off for it and anything it embeds.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
}
# AR in the case editor's 3D view (<model-viewer ar>, WebXR mode) asks for this; own pages only.
PERMISSIONS_POLICY["xr-spatial-tracking"] = ["self"]

# Admin (and later shopper) logins: django-axes locks out an account at one client address
# after LOGIN_FAILURE_LIMIT wrong passwords in a row, for LOGIN_LOCKOUT_MINUTES. Other
# accounts, and the same account from other addresses, are not affected. Staff see and
# clear lockouts in the admin ("Access attempts").
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# One key per client network, as the rate limits use: an IPv6 host holds a whole /64.
AXES_CLIENT_IP_CALLABLE = "shop.client.client_network"
# The admin's form posts "username"; allauth's posts "login" and authenticates by "email".
AXES_USERNAME_CALLABLE = "shop.accounts.throttle.login_name"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "filters": {"without_traceback": {"()": "shop.log.WithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Bad requests from clients (unknown Host, oversized forms): one line each.
        **{
            f"django.security.{name}": {"filters": ["without_traceback"]}
            for name in (
                "DisallowedHost",
                "RequestDataTooBig",
                "SuspiciousMultipartForm",
                "TooManyFieldsSent",
                "TooManyFilesSent",
            )
        },
    },
}

# Storefront tuning.
SHOP_CURRENCY = env.str("SHOP_CURRENCY", default="USD")
CATALOG_PAGE_SIZE = env.int("CATALOG_PAGE_SIZE", default=24)
RECENTLY_VIEWED_MAX = 20
# Lifetime of cached storefront HTML; a catalog change invalidates it at once (cache.py).
STOREFRONT_CACHE_SECONDS = env.int("STOREFRONT_CACHE_SECONDS", default=600)
LOW_STOCK_THRESHOLD = env.int("LOW_STOCK_THRESHOLD", default=5)
# Printing a shopper's own design adds this to each case (in SHOP_CURRENCY).
SHOP_DESIGN_SURCHARGE = env.str("SHOP_DESIGN_SURCHARGE", default="5.00")
# At most this many of one item, and this many different items, in a cart.
CART_LIMITS = {
    "line_quantity": env.int("CART_MAX_QUANTITY", default=10),
    "lines": env.int("CART_MAX_LINES", default=20),
}

# The catalog as the configurator's editor sees it (products, colours, phone models as engine
# devices): the configurator never imports the shop, so the shop names its provider here.
CONFIGURATOR_CATALOG = "shop.catalog.configurator_catalog.CatalogProvider"
# The editor's "Add to cart" posts the variant's sku and the saved design here.
CONFIGURATOR_CART_ADD_URL = "/cart/add/"

# --- Wholesale (shop/wholesale) ---------------------------------------------------------------
# Pricing rules are in shop/wholesale/pricing.py; these are their inputs.
WHOLESALE_DESIGN_SURCHARGE = env.str("WHOLESALE_DESIGN_SURCHARGE", default="2.50")
# Shipping is always charged for wholesale: base + per started kg of chargeable weight.
WHOLESALE_SHIPPING_RATES = {
    "domestic": {"base": "15.00", "per_kg": "1.20"},
    "europe": {"base": "35.00", "per_kg": "4.50"},
    "world": {"base": "55.00", "per_kg": "7.80"},
}
WHOLESALE_VOLUMETRIC_DIVISOR = 5000
WHOLESALE_LEAD_TIME = {"base_days": 3, "daily_capacity": 500, "designed_factor": 2}
# A priced quote waits for staff when any of these holds; otherwise it is sent at once.
WHOLESALE_REVIEW = {
    "quantity_over": env.int("WHOLESALE_REVIEW_QUANTITY_OVER", default=1000),
    "custom_design": True,
    "discount_over": env.str("WHOLESALE_REVIEW_DISCOUNT_OVER", default="0.40"),
}
WHOLESALE_QUOTE_VALID_DAYS = env.int("WHOLESALE_QUOTE_VALID_DAYS", default=14)
WHOLESALE_REPLY_HOURS = 24
# Warn the client (callback quote.expiring) this long before a sent quote expires.
WHOLESALE_EXPIRY_WARNING_HOURS = 48
WHOLESALE_NET_DAYS = 30
# A prepaid wholesale order holds its stock this long for payment when staff reviewed and
# sent its quote (a client's own `payment_hold_days` when set); any other accepted quote
# holds it as a retail order does (ORDER_HOLD_MINUTES, at most ORDER_HOLD_MAX_MINUTES).
WHOLESALE_PAYMENT_HOLD_DAYS = env.int("WHOLESALE_PAYMENT_HOLD_DAYS", default=7)
# Quotes from product pages (no client) are priced with this price group's prices; it is
# made with no discount (the catalog's list prices and breaks) when first needed.
WHOLESALE_WEB_PRICE_GROUP = env.str("WHOLESALE_WEB_PRICE_GROUP", default="Web inquiries")
# Callbacks (Standard Webhooks): tests set this to reach a receiver on 127.0.0.1; nothing
# else may deliver to loopback, private, link-local or metadata addresses.
WHOLESALE_CALLBACKS_ALLOW_LOOPBACK = False
WHOLESALE_CALLBACK_TIMEOUT = 10
WHOLESALE_CALLBACK_MAX_ATTEMPTS = 8
# API request bodies above this are refused (413) before they are read; uploads have the
# configurator's own limit.
WHOLESALE_API_MAX_BODY = 256 * 1024
# Idempotency-Key: a key whose request never answered (its process died) is free again after
# this many seconds; answers are replayed for this many hours, then purged (hourly job).
WHOLESALE_IDEMPOTENCY_STALE_SECONDS = 120
WHOLESALE_IDEMPOTENCY_KEEP_HOURS = 24

# --- Reviews and points (shop/reviews) ---------------------------------------------------------
# Points an approved review earns, unless staff set them in the admin (Reward settings).
REVIEW_POINTS = env.int("REVIEW_POINTS", default=50)
# Reports (by different accounts, since the last approval) that send an approved review
# back to moderation; 1: at once.
REVIEW_REPORTS_TO_HIDE = env.int("REVIEW_REPORTS_TO_HIDE", default=1)
# All the photos of one review submission together, refused before they are read.
REVIEW_PHOTO_MAX_BYTES = 15 * 1024 * 1024

# --- Questions and answers (shop/questions) ---------------------------------------------------
# How many answered questions each category shows on a product page (newest answered first).
QUESTIONS_SHOWN_PER_CATEGORY = env.int("QUESTIONS_SHOWN_PER_CATEGORY", default=20)
