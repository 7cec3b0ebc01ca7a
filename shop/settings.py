"""Settings for caseforge, read from the environment (django-environ).

Production is the default: DEBUG is off, SECRET_KEY is required, HTTPS is enforced. Only
an explicit DEBUG=True (in the environment or .env) turns on development mode, with its
published secret key and demo conveniences; `manage.py demo` and `manage.py runserver` set it
for themselves when DEBUG is unset, and the test suite sets it in tests/settings.py. Every
other variable has an embedded default so that a fresh clone runs with SQLite, local media
and eager tasks.

This module holds the apps, middleware and URLs, and imports the settings of one role each
from shop/conf/: the environment and DEBUG (environment.py), files and S3 (storage.py),
Celery (queues.py), the wholesale API (wholesale_api.py), and HTTPS, CSP and login lockouts
(security.py). Each part is imported where its settings sat, so the checks that refuse to
start run in the same order.
"""

from django.core.exceptions import ImproperlyConfigured

from shop.conf.environment import BASE_DIR, DEBUG, VAR_DIR, env

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

# Static files, media, and S3-compatible object storage when S3_BUCKET is set.
from shop.conf.storage import *  # noqa: E402, F403

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

# Celery: its broker, queues, routes and periodic jobs.
from shop.conf.queues import *  # noqa: E402, F403
from shop.conf.queues import REDIS_URL  # noqa: E402

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

# Security: HTTPS, secure cookies, HSTS, CSP, Permissions-Policy, login lockouts.
from shop.conf.security import *  # noqa: E402, F403

# The wholesale API: Django REST framework and its OpenAPI schema.
from shop.conf.wholesale_api import *  # noqa: E402, F403

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
