"""Where files go: `STORAGES` for S3-compatible object storage (django-storages).

Used by shop/conf/storage.py when S3_BUCKET is set (and by the S3 test against moto). Two
aliases share one bucket under different prefixes:

- "default", under private/: artworks, renditions of designs and product renders. Objects
  get the private ACL and their URLs are signed for `expire` seconds, so nothing there is
  reachable at a guessable address. The app serves what is public of it through its own
  views (configurator.render_views), on its own origin.
- "public", under public/: staff's product photos, public-read and unsigned (their URLs sit
  in cached pages, where a signed URL would expire), at `custom_domain` (a CDN) when given.
"""

from __future__ import annotations

BACKEND = "storages.backends.s3.S3Storage"


def s3_storages(
    *,
    bucket: str,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    custom_domain: str | None = None,
    expire: int = 300,
    **extra,
) -> dict[str, dict]:
    """The "default" and "public" entries of STORAGES for `bucket`; `extra` options go to
    both (e.g. addressing_style)."""
    common = {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "region_name": region or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "file_overwrite": False,
        "signature_version": "s3v4",  # signed URLs say their own lifetime (X-Amz-Expires)
        **extra,
    }
    return {
        "default": {
            "BACKEND": BACKEND,
            "OPTIONS": {
                **common,
                "location": "private",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": expire,
            },
        },
        "public": {
            "BACKEND": BACKEND,
            "OPTIONS": {
                **common,
                "location": "public",
                "default_acl": "public-read",
                "querystring_auth": False,
                "custom_domain": custom_domain or None,
            },
        },
    }
