"""The configurator's HTTP API under gunicorn against the engine in this process (a script,
not a test).

    .venv/bin/python bench/configurator_http.py [--moves 40] [--uploads 7] [--same-photo]
        [--database-url URL]

Serves the store as in production (gunicorn with gunicorn.conf.py, DEBUG off, bench
settings) on a free port of 127.0.0.1, with a throw-away SQLite database in a temporary
folder, or the database at --database-url (default: $DATABASE_URL when set; it is migrated).
Generated 12-megapixel photos (4000x3000 JPEG: colour gradients plus grain, as
bench/engine.py makes them) are used throughout:

- upload: POST /design/api/artworks/ of a photo (the median of --uploads requests, each a
  photo of its own unless --same-photo),
  against the engine's intake of the same bytes in this process: `load_master` +
  `stored_master`, what the service runs (bounded by the built-in phones' largest print).
  Goal: at most 1.3x. With --same-photo the server finds the master stored by its pixels'
  hash and neither encodes nor writes it (what a shopper's re-upload costs).
- preview: POST /design/api/preview/ for a series of --moves placement changes of the
  uploaded photo (moves and scales, one keep-alive connection, WebP) after one untimed pass
  over the series (so both sides are warm: the server has the preview-scale decode cached),
  p50 and p95, against the engine's warm preview of the same specs in this process
  (`render_preview` on a built scene + `encode_preview`, the artwork prepared at the size
  the service picks for it). Goal: p50 at most 1.5x.

Requests and engine runs are interleaved round by round, so a burst of load on this shared
machine hits both alike. It prints figures, ratios and PASS/MISS; it asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import string
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine import photo_jpeg  # noqa: E402
from bench.harness import gunicorn, manage, scratch_folder, store_env  # noqa: E402
from configurator.engine import compose  # noqa: E402
from configurator.engine.artwork import (  # noqa: E402
    load_master,
    load_stored_master,
    master_short_side_px,
    pixels_sha256,
    stored_master,
)
from configurator.engine.case import DEFAULTS, Material  # noqa: E402
from configurator.engine.devices import builtin_devices  # noqa: E402
from configurator.engine.geometry import MAX_DPI, MM_PER_INCH, fit_grid, layout_for  # noqa: E402
from configurator.engine.spec import parse_spec  # noqa: E402

DEVICE = "iphone-15"
PREVIEW_SIZE = (600, 1200)  # configurator.services.PREVIEW_SIZE
GOAL_PREVIEW = 1.5
GOAL_UPLOAD = 1.3


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def bucket(side: int, full: int) -> int:
    """The decode size the service picks for a need of `side` px
    (configurator.services._bucket: the next power of two, at most the full size)."""
    return min(full, 1 << max(side - 1, 1).bit_length())


class Client:
    """One keep-alive connection with a cookie jar and a CSRF token, like a browser tab."""

    def __init__(self, port: int):
        self.port = port
        self.last = time.monotonic()
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.cookies = {"csrftoken": token}

    def request(self, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
        if time.monotonic() - self.last > 3.0:
            # gunicorn closes a connection idle for `keepalive` (5 s): reconnect up front,
            # as a browser would after a pause, rather than fail mid-request.
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers = {
            **headers,
            "Cookie": cookie,
            "X-CSRFToken": self.cookies["csrftoken"],
            "Host": "127.0.0.1",
        }
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        self.last = time.monotonic()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, data

    def upload(self, data: bytes) -> tuple[int, bytes]:
        boundary = secrets.token_hex(16)
        body = b"".join(
            [
                f"--{boundary}\r\n".encode(),
                b'Content-Disposition: form-data; name="file"; filename="photo.jpg"\r\n',
                b"Content-Type: image/jpeg\r\n\r\n",
                data,
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.request("POST", "/design/api/artworks/", body, headers)

    def preview(self, document: dict) -> tuple[int, bytes]:
        body = json.dumps({"device": DEVICE, "spec": document}).encode()
        headers = {"Content-Type": "application/json", "Accept": "image/webp,*/*"}
        return self.request("POST", "/design/api/preview/", body, headers)


def stored_master_format(data: bytes) -> str:
    """What the master is stored as, by its signature."""
    if data[:4] == b"RIFF":
        return "WebP"
    return "PNG" if data[:4] == b"\x89PNG" else "JPEG XL"


def timed_ms(run) -> tuple[float, object]:
    start = time.perf_counter()
    result = run()
    return (time.perf_counter() - start) * 1000, result


def placements(artwork_id: str, count: int) -> list[dict]:
    """`count` specs: the photo dragged around the back and scaled a little, as in the editor."""
    specs = []
    for i in range(count):
        layer = {
            "type": "image",
            "artwork": artwork_id,
            "x_mm": 36.0 + 6.0 * ((i * 7) % 11 - 5) / 5,
            "y_mm": 74.0 + 10.0 * ((i * 5) % 9 - 4) / 4,
            "scale": round(0.9 + 0.3 * ((i * 3) % 8) / 7, 3),
        }
        specs.append({"version": 1, "layers": [layer]})
    return specs


class EnginePreview:
    """The engine's warm preview of a spec, with what the service would have prepared."""

    def __init__(self, stored: bytes, width: int, height: int):
        self.stored = stored
        self.size = (width, height)
        self.layout = layout_for(builtin_devices()[DEVICE], DEFAULTS[Material.TPU])
        grid = fit_grid(self.layout, *PREVIEW_SIZE, 0)
        self.dpi = grid.px_per_mm * MM_PER_INCH
        self.scenes = {}
        self.prepared = {}

    def warm(self, document: dict) -> None:
        """Decode the artwork and build the scene for `document` (the cold part, untimed)."""
        self.render(document)

    def render(self, document: dict) -> bytes:
        spec = parse_spec(document)
        name = spec.layers[0].artwork
        width, height = self.size
        need = compose.needed_max_side_px(spec, name, width, height, self.layout, self.dpi)
        side = bucket(need or 1, max(width, height))
        if side not in self.prepared:
            artwork = load_stored_master(self.stored, side)
            self.prepared[side] = compose.prepare(artwork, pyramid=True)
        if spec.case not in self.scenes:
            self.scenes[spec.case] = compose.preview_scene(self.layout, *PREVIEW_SIZE, spec.case)
        image = compose.render_preview(self.scenes[spec.case], spec, {name: self.prepared[side]})
        return compose.encode_preview(image, "WEBP")


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=40, help="placement changes (default 40)")
    parser.add_argument("--rounds", type=int, default=2, help="timed passes over the moves")
    parser.add_argument("--uploads", type=int, default=7, help="timed uploads (default 7)")
    parser.add_argument(
        "--same-photo",
        action="store_true",
        help="time uploads of the one photo again (found stored: not encoded) rather than "
        "of a new photo each",
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()

    with scratch_folder() as tmp:
        env = store_env(tmp, args.database_url)
        (tmp / "static").mkdir()
        print("setting up: photo, migrate ...", flush=True)
        photo = photo_jpeg()
        manage(env, "migrate", "-v0")
        with gunicorn(env, stop_timeout=20) as server:
            port = server.port
            client = Client(port)

            # --- upload ---------------------------------------------------------------------
            layouts = [
                layout_for(d, p) for d in builtin_devices().values() for p in DEFAULTS.values()
            ]
            bound = master_short_side_px((max(x.width_mm, x.height_mm) for x in layouts), MAX_DPI)

            def intake(data: bytes) -> bytes:
                master = load_master(data, bound)
                pixels_sha256(master)  # what names the stored file
                return stored_master(master)[0]

            # Each timed upload is a photo of its own (same size and kind, another seed): the
            # server stores by content, so the same bytes again would be found stored and not
            # encoded. --same-photo times that instead: a shopper uploading the photo again.
            seeds = [12] * args.uploads if args.same_photo else range(13, 13 + args.uploads)
            photos = [photo_jpeg(seed=seed) for seed in seeds]

            status, body = client.upload(photo)  # warm-up of both sides; also the artwork used
            if status != 201:
                raise SystemExit(f"the upload answered {status}: {body[:300]!r}")
            artwork = json.loads(body)
            stored = intake(photo)
            http_ms, engine_ms = [], []
            for each in photos:
                ms, (status, body) = timed_ms(lambda: client.upload(each))  # noqa: B023
                if status != 201:
                    raise SystemExit(f"the upload answered {status}: {body[:300]!r}")
                http_ms.append(ms)
                engine_ms.append(timed_ms(lambda: intake(each))[0])  # noqa: B023

            # --- previews -------------------------------------------------------------------
            specs = placements(artwork["id"], args.moves)
            engine = EnginePreview(stored, artwork["width"], artwork["height"])
            first_ms, (status, body) = timed_ms(lambda: client.preview(specs[0]))
            if status != 200 or body[:4] != b"RIFF":
                raise SystemExit(f"the preview answered {status}: {body[:300]!r}")
            for document in specs:  # untimed pass: decodes and scenes on both sides
                client.preview(document)
                engine.warm(document)
            served, rendered = [], []
            for _ in range(args.rounds):
                for document in specs:
                    ms, (status, body) = timed_ms(lambda d=document: client.preview(d))
                    if status != 200:
                        raise SystemExit(f"the preview answered {status}: {body[:300]!r}")
                    served.append(ms)
                    rendered.append(timed_ms(lambda d=document: engine.render(d))[0])

    database = env["DATABASE_URL"].split(":", 1)[0]
    print(
        f"gunicorn (gunicorn.conf.py) on 127.0.0.1, database {database}, photo 4000x3000 JPEG "
        f"{len(photo) / 1e6:.1f} MB, stored {artwork['width']}x{artwork['height']} "
        f"{stored_master_format(stored)} {len(stored) / 1e6:.1f} MB"
    )
    upload_http, upload_engine = statistics.median(http_ms), statistics.median(engine_ms)
    upload_ratio = upload_http / upload_engine
    print(f"upload, median of {args.uploads}")
    print(f"  HTTP POST /design/api/artworks/ {upload_http:8.1f} ms")
    print(f"  engine load_master+stored_master {upload_engine:7.1f} ms")
    print(
        f"  ratio                           {upload_ratio:8.2f}     goal <= {GOAL_UPLOAD:.2f}  "
        f"{verdict(upload_ratio <= GOAL_UPLOAD)}"
    )
    p50, p95 = statistics.median(served), percentile(served, 95)
    e50, e95 = statistics.median(rendered), percentile(rendered, 95)
    preview_ratio = p50 / e50
    print(f"preview 600x1200 WebP, {args.moves} placements x {args.rounds} rounds, warm")
    print(f"  first request (cold decode)     {first_ms:8.1f} ms")
    print(f"  HTTP POST /design/api/preview/  p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    print(f"  engine render_preview+encode    p50 {e50:7.1f} ms   p95 {e95:7.1f} ms")
    print(
        f"  ratio of p50                    {preview_ratio:8.2f}     goal <= {GOAL_PREVIEW:.2f}  "
        f"{verdict(preview_ratio <= GOAL_PREVIEW)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
