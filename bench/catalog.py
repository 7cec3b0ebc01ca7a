"""Throughput of the storefront against a bare Django view, served by gunicorn.

Seeds the demo catalog into a throw-away database (SQLite in a temporary folder unless
--database-url is given), serves the store with gunicorn (2 workers, DEBUG off) on
127.0.0.1, and loads a bare view returning a constant, the catalog page, a product page, a
search (`/?q=`) and a price range (`/?min_price=&max_price=`) for a fixed time each. Prints
requests/s, p50 and p99 latency, and the ratios to bare: catalog (goal >= 0.25), product
(>= 0.30), search and price range (>= 0.10 each). The catalog never caches searches and
price ranges (free input), so those two figures are for the uncached page.

    python bench/catalog.py [--seconds 10] [--connections 4] [--database-url URL]

Load comes from `wrk` when it is installed (Debian package wrk), else from a small
threaded Python client; both run on this machine, so the figures are for comparison
within one run, not absolute capacity.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import SYNC_WORKERS, gunicorn, manage, scratch_folder, store_env  # noqa: E402

GOALS = {"catalog": 0.25, "product": 0.30, "search": 0.10, "price": 0.10}
# Uncached catalog pages: a search that matches most demo cases (by phone model name) and a
# price range in the middle of the demo prices.
SEARCH_QUERY = "?q=iphone"
PRICE_QUERY = "?min_price=15&max_price=20"


def parse_wrk_duration(text: str) -> float:
    """'1.23ms' / '850.00us' / '1.02s' -> milliseconds."""
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def load_with_wrk(url: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url} answered {errors.group(1)} error responses under load")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        # Anchored: "50%" also ends a "+/- Stdev" figure such as "91.50%".
        "p50": parse_wrk_duration(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1)),
        "p99": parse_wrk_duration(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1)),
    }


def load_with_threads(url: str, seconds: int, connections: int) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        local = []
        while time.monotonic() < deadline:
            start = time.perf_counter()
            with urllib.request.urlopen(url, timeout=10) as response:
                response.read()
                if response.status != 200:
                    raise SystemExit(f"{url} answered {response.status}")
            local.append((time.perf_counter() - start) * 1000)
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    q = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / elapsed, "p50": q[49], "p99": q[98]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with scratch_folder() as tmp:
        env = store_env(tmp, args.database_url)
        print("setting up: migrate, seed_demo, collectstatic ...", flush=True)
        for command in (
            ["migrate", "-v0"],
            ["seed_demo", "--quiet", "--force"],
            ["collectstatic", "--no-input", "-v0"],
        ):
            manage(env, *command)

        with gunicorn(env, SYNC_WORKERS, stop_timeout=10) as server:
            base = server.base
            with urllib.request.urlopen(f"{base}/", timeout=10) as response:
                html = response.read().decode()
            slug = re.search(r'href="/products/([\w-]+)/"', html)
            if not slug:
                raise SystemExit("the catalog page lists no product")
            targets = {
                "bare": f"{base}/bench/bare/",
                "catalog": f"{base}/",
                "product": f"{base}/products/{slug.group(1)}/",
                "search": f"{base}/{SEARCH_QUERY}",
                "price": f"{base}/{PRICE_QUERY}",
            }
            load = load_with_wrk if shutil.which("wrk") else load_with_threads
            print(
                f"load: {load.__name__.removeprefix('load_with_')}, {args.connections} "
                f"connections, {args.seconds} s per page, gunicorn 2 workers, database "
                f"{env['DATABASE_URL'].split(':', 1)[0]}"
            )
            results = {}
            for name, url in targets.items():
                load(url, 2, args.connections)  # warm up caches and connections
                results[name] = load(url, args.seconds, args.connections)

    print(f"{'page':<10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, r in results.items():
        print(f"{name:<10}{r['rps']:>10.1f}{r['p50']:>10.2f}{r['p99']:>10.2f}")
    missed = 0
    for name, goal in GOALS.items():
        ratio = results[name]["rps"] / results["bare"]["rps"]
        verdict = "PASS" if ratio >= goal else "MISS"
        missed += verdict == "MISS"
        print(f"ratio {name}/bare: {ratio:.3f} (goal >= {goal:.2f}) {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
