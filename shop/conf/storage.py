"""Where files live: static files (whitenoise, hashed outside development), media on the
local disk, or both storages on S3-compatible object storage when S3_BUCKET is set."""

from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from shop.conf.environment import BASE_DIR, DEBUG, VAR_DIR, env
from shop.storage import s3_storages

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


def public_files_origin() -> str:
    """The origin staff's product photos are shown from when they are on S3: the CDN, the
    S3-compatible service, or the AWS bucket (the CSP's img-src allows it)."""
    if _S3_VARS["S3_CUSTOM_DOMAIN"]:
        return f"https://{_S3_VARS['S3_CUSTOM_DOMAIN']}"
    if _S3_VARS["S3_ENDPOINT_URL"]:
        parts = urlsplit(_S3_VARS["S3_ENDPOINT_URL"])
        return f"{parts.scheme}://{parts.netloc}"
    return f"https://{S3_BUCKET}.s3.{_S3_VARS['S3_REGION']}.amazonaws.com"
