"""Benchmark: the recommender at operator scale, both backends, measured in one run.

Generates catalogs of about 60, 250, 1,000 and 5,000 products (the group catalog cloned, about 0.8 rules
per product: ``benchmarks/generated.py``) and, for each size and each backend, starts two worker
processes: one loads the knowledge into an empty cache and ends; the other starts as a service would,
from that cache, and serves the same customers (``benchmarks/customers.py``). The serving workers of a
size run side by side and are called in turn, customer by customer, so machine drift moves them alike.
Each prints, per backend:

* load cold    - ``load_knowledge`` with an empty cache: read, parse, validate, and write the cache entry;
  its RSS: the peak memory of that process (``ru_maxrss``);
* cached       - ``load_knowledge`` in the serving process, from the cache (``recommender/knowledge/cache.py``);
* engine       - building the rule engine over that knowledge (``Recommender(kb, engine)``);
* recommend median and p95 over the customers, and the garbage collector's share of that time and its
  longest pause;
* peak RSS     - of the serving process: load from the cache, engine, and serving;
* exact        - the share of results whose search was exhaustive (bundle 1 is the optimum);
* n            - the customers served (``--customers``, fewer where ``--budget`` ran out).

A backend that cannot load a size shows ``refused:`` and the reason in its row.

``--baseline REF`` also times today's 61-product knowledge on a git ref (a temporary ``git worktree``), in a
worker of its own interleaved call by call with this tree's, and prints the median of the per-call ratios.
Run (about 10 minutes; ``--quick``: 60 and 250 products, few customers, under a minute):

    python benchmarks/bench_scale.py [--sizes 60,250,1000,5000] [--customers 100] [--baseline main]
                                     [--gc-compare] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("durable", "compiled")
SIZES = (60, 250, 1000, 5000)
CATALOG = "group"
MIN_CUSTOMERS = 10  # customers served at each size whatever the time budget


# ---- the worker: one process per (knowledge, backend), driven over stdin/stdout with one JSON line each way


def worker(knowledge: str, engine: str, customers: int, seed: int, mode: str) -> None:
    """``cold``: load once into the (empty) cache and say how long and how much memory it took. ``serve``:
    load (from that cache), build the engine, then answer ``{"customer": i}`` with that customer's
    recommend time, and ``{"end": 1}`` with the process's peak memory and collector pauses."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # customers.py, whatever tree recommender is from
    from customers import generate

    from recommender import KnowledgeError, Recommender

    try:
        kb, took = _load(Path(knowledge))
        if mode == "cold":
            _send({"cold": took, "rss_mb": _peak_mb()})
            return
        start = time.perf_counter()
        rec = Recommender(kb, engine)  # type: ignore[arg-type]
        build = time.perf_counter() - start
    except KnowledgeError as exc:
        first = exc.issues[0]
        _send({"refused": f"{first.code}: {first.message}", "issues": len(exc.issues)})
        return
    except Exception as exc:  # noqa: BLE001 - a backend that cannot start is a cell of the table, not a crash
        _send({"refused": f"{type(exc).__name__}: {exc}"[:200], "issues": 0})
        return
    profiles = [rec.parse_profile(p) for p in generate(rec.knowledge, customers, seed=seed)]
    pauses = _gc_pauses()
    _send({"cached": took, "build": build, "products": len(kb.products), "rules": len(kb.rules)})
    for line in sys.stdin:
        request = json.loads(line)
        if "end" in request:
            break
        profile = profiles[request["customer"] % len(profiles)]
        start = time.perf_counter()
        result = rec.recommend(profile)
        took = time.perf_counter() - start
        exact = getattr(result, "exact", None)
        _send({"time": took, "exact": bool(result.optimal if exact is None else exact)})
    _send({"rss_mb": _peak_mb(), "gc": sum(pauses),
           "gc_max": max(pauses, default=0.0)})


def _load(root: Path) -> tuple[Any, float]:
    """The knowledge and the seconds it took."""
    from recommender import load_knowledge

    start = time.perf_counter()
    return load_knowledge(root, CATALOG), time.perf_counter() - start


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _gc_pauses() -> list[float]:
    """Every collection's duration from now on, appended to the returned list."""
    pauses: list[float] = []
    started = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append(time.perf_counter() - started[0])
    gc.callbacks.append(callback)
    return pauses


def _send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


# ---- the driver


class Worker:
    """A worker process on ``knowledge`` with ``engine``, importing ``recommender`` from ``tree``."""

    def __init__(self, tree: Path, knowledge: Path, engine: str, customers: int, seed: int, cache: Path,
                 freeze: bool = True, mode: str = "serve"):
        env = dict(os.environ, PYTHONPATH=str(tree), RECOMMENDER_CACHE_DIR=str(cache), RECOMMENDER_CACHE="1",
                   RECOMMENDER_GC_FREEZE="1" if freeze else "0")
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(knowledge), engine,
             str(customers), str(seed), mode],
            cwd=tree, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.started = self._receive()
        self.times: list[float] = []
        self.exact: list[bool] = []

    @property
    def refused(self) -> str | None:
        return self.started.get("refused")  # type: ignore[no-any-return]

    def call(self, customer: int) -> float:
        self._write({"customer": customer})
        answer = self._receive()
        self.times.append(answer["time"])
        self.exact.append(answer["exact"])
        return float(answer["time"])

    def end(self) -> dict[str, Any]:
        if self.refused:
            self.process.wait()
            return {}
        self._write({"end": 1})
        answer = self._receive()
        self.process.wait()
        return answer

    def _write(self, message: dict[str, Any]) -> None:
        stdin: IO[str] = self.process.stdin  # type: ignore[assignment]
        stdin.write(json.dumps(message) + "\n")
        stdin.flush()

    def _receive(self) -> dict[str, Any]:
        stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        line = stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.process.args} ended (exit {self.process.wait()})")
        return json.loads(line)  # type: ignore[no-any-return]


def interleave(workers: list[Worker], customers: int, budget: float = float("inf")) -> None:
    """Each customer to every worker in turn, the order alternating, so drift and warm caches even out;
    after ``budget`` seconds no new customer is started (past the first ten)."""
    start = time.perf_counter()
    for i in range(customers):
        if i >= MIN_CUSTOMERS and time.perf_counter() - start > budget:
            break
        for w in workers if i % 2 == 0 else workers[::-1]:
            w.call(i)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def row(label: str, backend: str, cold: dict[str, Any], w: Worker, end: dict[str, Any]) -> str:
    if w.refused:
        return f"{label:18s} {backend:22s} refused: {w.refused}"
    s, serving = w.started, sum(w.times)
    return (f"{label:18s} {backend:22s} {cold['cold']:7.2f} s {cold['rss_mb']:5.0f} MB "
            f"{s['cached']:7.3f} s {s['build']:7.2f} s "
            f"{statistics.median(w.times) * 1e3:8.1f} ms {percentile(w.times, 0.95) * 1e3:8.1f} ms "
            f"{100 * end['gc'] / serving:5.1f} % {end['gc_max'] * 1e3:6.1f} ms "
            f"{end['rss_mb']:7.0f} MB {100 * sum(w.exact) / len(w.exact):6.1f} % {len(w.times):5d}")


HEADER = (f"{'knowledge':18s} {'backend':22s} {'load cold':>9s} {'its RSS':>8s} {'cached':>9s} {'engine':>9s} "
          f"{'rec median':>11s} {'rec p95':>11s} {'gc':>7s} {'gc max':>9s} {'peak RSS':>10s} {'exact':>8s} {'n':>5s}")


def measure(knowledge: Path, label: str, args: argparse.Namespace, scratch: Path) -> list[str]:
    """Both backends on ``knowledge`` (and the compiled one without gc.freeze, when asked), interleaved:
    one table row each."""
    variants = [(b, True) for b in BACKENDS] + ([("compiled", False)] if args.gc_compare else [])
    colds, workers = [], []
    for backend, freeze in variants:
        cache = Path(tempfile.mkdtemp(dir=scratch, prefix="cache-"))  # empty: the first load is cold
        cold = Worker(ROOT, knowledge, backend, args.customers, args.seed, cache, freeze, "cold")
        cold.process.wait()
        colds.append(cold.started)
        workers.append(cold if cold.refused else
                       Worker(ROOT, knowledge, backend, args.customers, args.seed, cache, freeze))
    serving = [w for w in workers if not w.refused]
    if serving:
        interleave(serving, args.customers, args.budget)
    ends = [w.end() for w in workers]
    return [row(label, b if freeze else f"{b}, no gc.freeze", c, w, e)
            for (b, freeze), c, w, e in zip(variants, colds, workers, ends, strict=True)]


def sizes(args: argparse.Namespace, scratch: Path) -> Iterator[str]:
    sys.path.insert(0, str(ROOT))
    from benchmarks.generated import scaled_catalog
    from recommender.recommender import default_knowledge_dir

    source = default_knowledge_dir()
    for size in args.sizes:
        target = scratch / f"knowledge-{size}"
        copies = scaled_catalog(source, target, CATALOG, size)
        label = f"{size} (x{copies})"
        yield from measure(target, label, args, scratch)
        shutil.rmtree(target)


def baseline(ref: str, customers: int, seed: int, scratch: Path) -> Iterator[str]:
    """This tree against ``ref`` on today's knowledge (each tree's own), call by call, the compiled backend
    and durable-rules where it is installed."""
    tree = scratch / "baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), ref], check=True)
    try:
        for backend in BACKENDS:
            pair = [Worker(t, t / "knowledge", backend, customers, seed, Path(tempfile.mkdtemp(dir=scratch)))
                    for t in (ROOT, tree)]
            if any(w.refused for w in pair):
                yield f"baseline {backend:9s} refused: {pair[0].refused or pair[1].refused}"
                for w in pair:
                    w.end()
                continue
            interleave(pair, customers)
            for w in pair:
                w.end()
            ratios = sorted(a / b for a, b in zip(pair[0].times, pair[1].times, strict=True))
            yield (f"61 products, {backend:9s} this tree {statistics.median(pair[0].times) * 1e3:6.2f} ms, "
                   f"{ref} {statistics.median(pair[1].times) * 1e3:6.2f} ms (medians); paired ratio: median "
                   f"{statistics.median(ratios):.2f}, middle half {percentile(ratios, 0.25):.2f}"
                   f"-{percentile(ratios, 0.75):.2f} (target <= 0.80)")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        knowledge, engine, customers, seed, mode = sys.argv[2:7]
        worker(knowledge, engine, int(customers), int(seed), mode)
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=list(SIZES),
                        help="catalog sizes in products (comma-separated)")
    parser.add_argument("--customers", type=int, default=100, help="customers recommended per size and backend")
    parser.add_argument("--baseline", metavar="REF", help="also time 61 products against this git ref")
    parser.add_argument("--budget", type=float, default=120,
                        help="seconds of recommending per size, past the first 10 customers")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--gc-compare", action="store_true",
                        help="also run the compiled backend without gc.freeze (RECOMMENDER_GC_FREEZE=0)")
    parser.add_argument("--quick", action="store_true", help="a smoke test: 60 and 250 products, 10 customers")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.customers = [60, 250], 10
    with tempfile.TemporaryDirectory(prefix="bench_scale-") as name:
        scratch = Path(name)
        print(HEADER, flush=True)
        for line in sizes(args, scratch):
            print(line, flush=True)
        if args.baseline:
            print()
            for line in baseline(args.baseline, args.customers, args.seed, scratch):
                print(line, flush=True)
    with contextlib.suppress(OSError):
        print(f"\nmachine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
