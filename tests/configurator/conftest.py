import pytest
from django.test import Client

from configurator import services
from tests.engine import corpus
from tests.shop.browser import browser  # noqa: F401  (a fixture for the browser tests)

DEVICE = "iphone-12"


@pytest.fixture(autouse=True)
def _fresh_decode_cache():
    services.prepared_cache_clear()
    yield
    services.prepared_cache_clear()


@pytest.fixture
def visitor(db):
    return Client()


@pytest.fixture
def other_visitor(db):
    return Client()


def photo_png(size=(400, 300)) -> bytes:
    return corpus.encode(corpus.photo(size), "PNG")


def upload(client: Client, data: bytes, name: str = "photo.png", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/design/api/artworks/", {"file": SimpleUploadedFile(name, data)}, **extra)


def spec_with(*artwork_ids: str, x_mm: float = 35.0) -> dict:
    layers = [
        {"type": "image", "artwork": a, "x_mm": x_mm, "y_mm": 70.0, "scale": 0.5}
        for a in artwork_ids
    ]
    return {"version": 1, "layers": layers}


def post_json(client: Client, path: str, body: dict, **extra):
    return client.post(path, body, content_type="application/json", **extra)
