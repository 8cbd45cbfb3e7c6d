"""The service under load: requests from concurrent clients on 127.0.0.1, with 1 and 2 worker processes.

Starts ``recommender serve`` with ``--workers 1`` and with ``--workers 2`` (each on its
own port, both up for the whole run) and sends each, in alternating rounds, the same
generated customers (benchmarks/customers.py) from ``--clients`` concurrent clients.
Prints p50, p95 and p99 latency, throughput and errors per configuration. Run:

    python benchmarks/bench_server.py [--requests 2000] [--clients 16]
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
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
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
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def _load(url: str, profiles: list[dict[str, object]], clients: int) -> tuple[list[float], int, float]:
    queue: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    for p in profiles:
        queue.put_nowait(p)
    latencies: list[float] = []
    errors = 0

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            profile = queue.get_nowait()
            start = time.perf_counter()
            try:
                response = await http.post(f"{url}/recommendations", json=profile)
                if response.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - start)

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=clients)) as http:
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
    results: dict[int, tuple[list[float], int, float]] = {1: ([], 0, 0.0), 2: ([], 0, 0.0)}
    with ExitStack() as stack:
        urls = {w: stack.enter_context(served(w)) for w in (1, 2)}
        for r in range(args.rounds):  # interleaved, so both see the same machine load
            chunk = profiles[r * per_round:(r + 1) * per_round]
            for workers, url in urls.items():
                lat, err, secs = asyncio.run(_load(url, chunk, args.clients))
                old = results[workers]
                results[workers] = (old[0] + lat, old[1] + err, old[2] + secs)
    print(f"{'workers':>7} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'errors':>7}")
    for workers, (lat, err, secs) in results.items():
        q = statistics.quantiles(lat, n=100)
        print(f"{workers:>7} {len(lat):>9,} {q[49] * 1000:>8.1f} {q[94] * 1000:>8.1f} {q[98] * 1000:>8.1f} "
              f"{len(lat) / secs:>8.1f} {err:>7}")


if __name__ == "__main__":
    main()
