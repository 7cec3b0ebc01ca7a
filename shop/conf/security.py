"""How the shop guards its answers and its logins: HTTPS (behind a proxy or not), secure
cookies, HSTS, the Content-Security-Policy and Permissions-Policy headers, and login
lockouts (django-axes). Strict when DEBUG is off, so `manage.py check --deploy` passes."""

from datetime import timedelta

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

from shop.conf.environment import DEBUG, env
from shop.conf.storage import S3_BUCKET, public_files_origin

# A reverse proxy in front (nginx, a load balancer) that sets X-Forwarded-Proto and appends the
# client address to X-Forwarded-For. Without one, clients could forge both headers.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)

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
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(public_files_origin())
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
