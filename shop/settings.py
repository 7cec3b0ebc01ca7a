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

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
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
    "configurator",
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
    # Turns a RateLimited raised anywhere into a 429 page (shop/ratelimit.py).
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]
RATELIMIT_VIEW = "shop.ratelimit.rate_limited_view"

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
    "django.contrib.auth.backends.ModelBackend",
]

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
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Mail: console by default; EMAIL_URL=smtp://user:pass@host:587 (or smtp+tls://) in production.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="caseforge <shop@caseforge.local>")
STAFF_NOTIFY_EMAILS = env.list("STAFF_NOTIFY_EMAILS", default=["staff@caseforge.local"])

# Stripe (used by checkout, which is not built yet).
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")

# Celery: with no REDIS_URL every task runs eagerly in the web process (said once at start-up).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

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

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "caseforge API",
    "DESCRIPTION": "Catalog and wholesale quotes for caseforge API clients.",
    "VERSION": "0.1.0",
    # Swagger UI from the installed sidecar package, not a CDN: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Security: strict when DEBUG is off, so `manage.py check --deploy` passes.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
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

# The catalog as the configurator's editor sees it (products, colours, phone models as engine
# devices): the configurator never imports the shop, so the shop names its provider here.
CONFIGURATOR_CATALOG = "shop.catalog.configurator_catalog.CatalogProvider"
