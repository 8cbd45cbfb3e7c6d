"""The service under load: requests from concurrent clients on 127.0.0.1, with 1 and 2 worker processes.

Starts ``recommender serve`` with ``--workers 1`` and with ``--workers 2`` (each on its
own port, both up for the whole run) and sends each, in alternating rounds, the same
generated customers (benchmarks/customers.py) from ``--clients`` concurrent clients.
Prints p50, p95 and p99 latency, throughput and errors per configuration, and the same
for ``GET /health`` on the 2-worker server: the HTTP floor, what a request costs with no
recommendation in it. Run (``pip install -e '.[server,bench]'``):

    python benchmarks/bench_server.py [--requests 2000] [--clients 16]

The clients are aiohttp's: the load generator shares the machine's cores with the server, and
httpx's client used about 2 ms of CPU a request, so much that ``GET /health`` measured a p95
of 100 ms; aiohttp's uses about 0.1 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import aiohttp
from customers import generate  # benchmarks/ is the script's directory

from recommender import Recommender


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(workers: int) -> Iterator[str]:
    port = _port()
    proc = subprocess.Popen([sys.executable, "-m", "recommender", "serve", "--port", str(port), "--workers",
                             str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def _load(url: str, profiles: list[dict[str, object]] | int, clients: int) -> tuple[list[float], int, float]:
    """Send each profile to ``POST /recommendations`` (or, given a count, that many ``GET /health``)."""
    todo = iter(range(profiles) if isinstance(profiles, int) else profiles)
    latencies: list[float] = []
    errors = 0

    async def client(http: aiohttp.ClientSession) -> None:
        nonlocal errors
        for profile in todo:  # one iterator shared by the clients: each takes the next request
            start = time.perf_counter()
            try:
                call = http.get(f"{url}/health") if isinstance(profile, int) else \
                    http.post(f"{url}/recommendations", json=profile)
                async with call as response:
                    await response.read()
                    errors += response.status != 200
            except aiohttp.ClientError:
                errors += 1
            latencies.append(time.perf_counter() - start)

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients),
                                     timeout=aiohttp.ClientTimeout(total=60)) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return latencies, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per configuration")
    args = parser.parse_args()
    profiles = generate(Recommender.default().knowledge, args.requests, seed=2)
    per_round = max(1, args.requests // args.rounds)
    results: dict[int | str, tuple[list[float], int, float]] = {name: ([], 0, 0.0) for name in (1, 2, "2 /health")}
    with ExitStack() as stack:
        urls = {w: stack.enter_context(served(w)) for w in (1, 2)}
        for r in range(args.rounds):  # interleaved, so both see the same machine load
            chunk = profiles[r * per_round:(r + 1) * per_round]
            runs: list[tuple[int | str, str, list[dict[str, object]] | int]] = [
                (1, urls[1], chunk), (2, urls[2], chunk), ("2 /health", urls[2], len(chunk))]
            for name, url, load in runs:
                lat, err, secs = asyncio.run(_load(url, load, args.clients))
                old = results[name]
                results[name] = (old[0] + lat, old[1] + err, old[2] + secs)
    print(f"{'workers':>9} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'errors':>7}")
    for workers, (lat, err, secs) in results.items():
        q = statistics.quantiles(lat, n=100)
        print(f"{workers:>9} {len(lat):>9,} {q[49] * 1000:>8.1f} {q[94] * 1000:>8.1f} {q[98] * 1000:>8.1f} "
              f"{len(lat) / secs:>8.1f} {err:>7}")


if __name__ == "__main__":
    main()
