"""Upload -> design -> rendition against S3 (moto's server on 127.0.0.1, started here),
through HTTP, with the production storage settings (shop/storage.py): every private object
has the private ACL, and none is reachable by an unsigned request to its address."""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from configurator import cases
from configurator.models import Artwork, Rendition
from shop.storage import s3_storages
from tests.tools import needs, tool_missing

from .conftest import DEVICE, photo_png, post_json, spec_with, upload

HAVE_MOTO = importlib.util.find_spec("moto") is not None and (
    importlib.util.find_spec("flask") is not None
)
MOTO_MISSING = "moto[server] is not installed (pip install -e '.[dev]')"
KEYS = {"access_key": "testing-key", "secret_key": "testing-secret"}

pytestmark = [pytest.mark.django_db, needs(HAVE_MOTO, MOTO_MISSING), pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def s3(settings):
    """A moto S3 server on 127.0.0.1, a new bucket (moto's state outlives its server in this
    process), and STORAGES pointed at it."""
    if not HAVE_MOTO:
        tool_missing(MOTO_MISSING)
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=KEYS["access_key"],
            aws_secret_access_key=KEYS["secret_key"],
        )
        bucket = f"caseforge-{secrets.token_hex(6)}"
        client.create_bucket(Bucket=bucket)
        settings.STORAGES = {
            **settings.STORAGES,
            **s3_storages(
                bucket=bucket,
                endpoint_url=endpoint,
                region="us-east-1",
                addressing_style="path",
                **KEYS,
            ),
        }
        yield Bucket(client, endpoint, bucket)
    finally:
        server.stop()


@dataclass
class Bucket:
    client: object
    endpoint: str
    name: str

    def stored(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def is_private(self, key: str) -> bool:
        grants = self.client.get_object_acl(Bucket=self.name, Key=key)["Grants"]
        groups = [g["Grantee"].get("URI", "") for g in grants]
        public = [uri for uri in groups if uri.endswith(("/AllUsers", "/AuthenticatedUsers"))]
        return not public and all(g["Permission"] == "FULL_CONTROL" for g in grants)

    def address(self, key: str) -> str:
        """The object's plain (guessable) address."""
        return f"{self.endpoint}/{self.name}/{key}"


def unsigned_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_upload_design_and_glb_land_in_the_bucket_privately(s3, visitor, settings):
    response = upload(visitor, photo_png())
    assert response.status_code == 201, response.content
    artwork = Artwork.objects.get(public_id=response.json()["id"])
    saved = post_json(
        visitor,
        "/design/api/designs/",
        {"device": DEVICE, "spec": spec_with(artwork.public_id)},
    )
    assert saved.status_code == 201, saved.content
    glb = visitor.get(f"/design/api/designs/{saved.json()['token']}/model.glb")
    assert glb.status_code == 200
    body = b"".join(glb.streaming_content)
    assert body[:4] == b"glTF"
    assert glb["Content-Type"] == "model/gltf-binary"

    rendition = Rendition.objects.get(kind="glb")
    keys = s3.stored()
    assert keys == sorted([f"private/{artwork.file.name}", f"private/{rendition.file.name}"])
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*.*"))
    for key in keys:
        assert s3.is_private(key), key
        # The object's plain address, unsigned, is refused...
        assert unsigned_get(s3.address(key)) == 403, key
    # ...while the storage's own URL for it is signed and short-lived, and works.
    url = artwork.file.url
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["300"] and query["X-Amz-Signature"]
    assert unsigned_get(url) == 200


def test_identical_pictures_share_one_object_until_the_last_row_goes(
    s3, visitor, other_visitor, django_capture_on_commit_callbacks
):
    """Stored by content on S3 too: two owners' identical uploads and a copy name one
    private object, which is deleted with the last row naming it."""
    data = photo_png()
    assert upload(visitor, data).status_code == 201
    assert upload(other_visitor, data).status_code == 201
    one, other = Artwork.objects.order_by("pk")
    assert one.file.name == other.file.name
    assert s3.stored() == [f"private/{one.file.name}"]
    assert s3.is_private(f"private/{one.file.name}")
    with django_capture_on_commit_callbacks(execute=True):
        one.delete()
    assert s3.stored() == [f"private/{other.file.name}"]
    with django_capture_on_commit_callbacks(execute=True):
        other.delete()
    assert s3.stored() == []


def test_product_renders_are_stored_privately_and_served_by_the_app(s3, db):
    """A product render lives in the private prefix and is streamed by the app's view."""
    from django.test import Client

    from tests.configurator.test_cases import sync

    template = sync()
    url = cases.template_render_url(template=template, colour="#1d4ed8")
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content)[:4] == b"RIFF"
    (key,) = s3.stored()
    assert key.startswith("private/configurator/renditions/")
    assert s3.is_private(key)
    assert unsigned_get(s3.address(key)) == 403


def test_staff_photos_are_public_and_a_private_acl_is_really_enforced(s3):
    """The check above can fail: the public storage's objects are readable unsigned."""
    from tests.factories import ProductPhotoFactory

    photo = ProductPhotoFactory()
    key = f"public/{photo.image.name}"
    assert key in s3.stored()
    assert not s3.is_private(key)
    assert unsigned_get(s3.address(key)) == 200
    assert "Signature" not in photo.image.url
    assert unsigned_get(photo.image.url) == 200


# --- settings --------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def settings_in_subprocess(**env: str) -> subprocess.CompletedProcess:
    """Load shop.settings in a new process with `env` (and no S3_* from this one)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("S3_")}
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({k: v.get('OPTIONS', {}) for k, v in settings.STORAGES.items()}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "shop.settings", "DEBUG": "True", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"S3_REGION": "eu-west-1"}, "S3_REGION set but S3_BUCKET is not"),
        (
            {"S3_BUCKET": "b", "S3_REGION": "eu-west-1", "S3_ACCESS_KEY_ID": "k"},
            "must be set together",
        ),
        ({"S3_BUCKET": "b"}, "without S3_REGION (AWS) or S3_ENDPOINT_URL"),
    ],
)
def test_a_half_configured_s3_refuses_to_start_with_one_clear_line(env, message):
    result = settings_in_subprocess(**env)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: ") and message in last


def test_s3_settings_keep_private_files_private():
    result = settings_in_subprocess(
        S3_BUCKET="shop-files",
        S3_REGION="eu-west-1",
        S3_ACCESS_KEY_ID="k",
        S3_SECRET_ACCESS_KEY="s",
        S3_CUSTOM_DOMAIN="cdn.example.com",
    )
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout)
    private, public = options["default"], options["public"]
    assert private["default_acl"] == "private" and private["querystring_auth"] is True
    assert private["querystring_expire"] == 300 and private.get("custom_domain") is None
    assert private["location"] != public["location"]
    assert public["default_acl"] == "public-read" and public["custom_domain"] == "cdn.example.com"
