"""Benchmark: the two rule-engine backends side by side, interleaved call by call.

Each evaluation is timed on durable-rules and on the compiled matcher alternately
(cache cleared before each call), so machine drift moves both alike. Prints the
median and p95 of ``evaluate()`` on the examples and on generated customers
(``benchmarks/generated.py``), and the median ``recommend()`` of each backend. Run:

    python benchmarks/bench_engine.py [--customers 2000] [--repeat 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmarks.generated, when run as a script

from benchmarks.generated import customers  # noqa: E402
from recommender import CustomerProfile, Recommender  # noqa: E402
from recommender.assess import assess, customer_fact  # noqa: E402
from recommender.engine import DURABLE_AVAILABLE  # noqa: E402

EXAMPLES = ROOT / "examples"
CATALOGS = {"small_shop": "sme"}
BACKENDS = ("durable", "compiled") if DURABLE_AVAILABLE else ("compiled",)

Args = tuple[dict[str, Any], dict[str, float], tuple[Any, ...], tuple[str, ...]]


def evaluation_args(rec: Recommender, profile: CustomerProfile) -> Args:
    kb = rec.knowledge
    return (customer_fact(profile, assess(profile, kb), kb), {n: 1.0 for n in profile.needs},
            tuple(p.fact() for p in profile.key_persons), tuple(profile.rival_products))


def interleaved(calls: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    """Each call ``repeat`` times, alternating between the backends call by call."""
    out: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            out[name].append(time.perf_counter() - start)
    return out


def summary(values: Iterable[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"median {statistics.median(ordered) * 1e6:8.0f} us   p95 {p95 * 1e6:8.0f} us"


def cold(rec: Recommender, call: Callable[[], object]) -> Callable[[], object]:
    engine = rec._state[1]

    def run() -> object:
        engine.clear_cache()
        return call()
    return run


def evaluations(recs: dict[str, Recommender], call_args: Args) -> dict[str, Callable[[], object]]:
    return {b: cold(r, partial(r._state[1].evaluate, *call_args)) for b, r in recs.items()}


def recommendations(recs: dict[str, Recommender], profile: CustomerProfile) -> dict[str, Callable[[], object]]:
    return {b: cold(r, partial(r.recommend, profile)) for b, r in recs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=2000, help="generated customers (each evaluated once)")
    parser.add_argument("--repeat", type=int, default=200, help="calls per example")
    args = parser.parse_args()
    pairs = {catalog: {b: Recommender.default(catalog, engine=b) for b in BACKENDS} for catalog in (None, "sme")}

    evaluate: dict[str, list[float]] = {b: [] for b in BACKENDS}
    recommend: dict[str, list[float]] = {b: [] for b in BACKENDS}
    for path in sorted(EXAMPLES.glob("*.yaml")):
        recs = pairs[CATALOGS.get(path.stem)]
        profile = recs[BACKENDS[0]].load_profile(path)
        call_args = evaluation_args(recs[BACKENDS[0]], profile)
        times = interleaved(evaluations(recs, call_args), args.repeat)
        print(f"evaluate  {path.stem:22s} " + "   ".join(f"{b}: {summary(t)}" for b, t in times.items()))
        for b, t in times.items():
            evaluate[b] += t
        times = interleaved(recommendations(recs, profile), max(10, args.repeat // 4))
        for b, t in times.items():
            recommend[b] += t
    print()
    generated: dict[str, list[float]] = {b: [] for b in BACKENDS}
    generated_recommend: dict[str, list[float]] = {b: [] for b in BACKENDS}
    recs = pairs[None]
    first = recs[BACKENDS[0]]
    for i, data in enumerate(customers(first.knowledge, args.customers, seed=21)):
        profile = first.parse_profile(data)
        call_args = evaluation_args(first, profile)
        times = interleaved(evaluations(recs, call_args), 1)
        for b, t in times.items():
            generated[b] += t
        if i % 20 == 0:
            times = interleaved(recommendations(recs, profile), 1)
            for b, t in times.items():
                generated_recommend[b] += t
    for b in BACKENDS:
        print(f"evaluate  {'examples, all':22s} {b:9s} {summary(evaluate[b])}")
    for b in BACKENDS:
        print(f"evaluate  {f'{args.customers} generated':22s} {b:9s} {summary(generated[b])}")
    for b in BACKENDS:
        print(f"recommend {'examples, cold':22s} {b:9s} {summary(recommend[b])}")
    for b in BACKENDS:
        print(f"recommend {'generated, cold':22s} {b:9s} {summary(generated_recommend[b])}")
    if len(BACKENDS) == 2:
        for label, data in (("evaluate, examples", evaluate), ("evaluate, generated", generated),
                            ("recommend, examples", recommend)):
            ratio = statistics.median(data["durable"]) / statistics.median(data["compiled"])
            print(f"{label:22s} durable / compiled median: {ratio:.1f}x")


if __name__ == "__main__":
    main()
