"""Benchmark: recommend() on the bundled examples against a bare durable-rules floor.

Prints medians and p95s in one run, so the ratio compares numbers measured on
the same (possibly busy) machine at the same time. Run:

    python benchmarks/bench_recommend.py [--repeat 300]

* load    - Recommender.default(): read, validate and compile the knowledge.
* cold    - recommend() with the engine's result cache cleared before each call,
            so every call runs a real durable-rules session.
* warm    - recommend() repeated on the same profile (rule results cached).
* floor   - the same facts asserted into the same compiled rules with
            do-nothing actions, in a fresh session that is then deleted: the
            least any evaluation can cost.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from recommender import Recommender
from recommender.assess import assess, customer_fact

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CATALOGS = {"small_shop": "sme"}


def timings(func: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        out.append(time.perf_counter() - start)
    return out


def summary(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def measure(path: Path, repeat: int) -> tuple[list[float], list[float], list[float]]:
    """Cold, warm and floor timings for one example profile."""
    rec = Recommender.default(CATALOGS.get(path.stem))
    profile = rec.load_profile(path)
    engine = rec._state[1]

    def cold() -> object:
        engine.clear_cache()
        return rec.recommend(profile)

    cold_times = timings(cold, repeat)
    warm_times = timings(lambda: rec.recommend(profile), repeat)
    kb = rec.knowledge
    assessment = assess(profile, kb)
    evaluation = engine.evaluate(customer_fact(profile, assessment, kb), {n: 1.0 for n in profile.needs},
                                 tuple(p.fact() for p in profile.key_persons))
    facts = [dict(f) for f in evaluation.facts]
    floor = engine.bare_floor()
    return cold_times, warm_times, timings(lambda: floor(facts), repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()

    load_median, load_p95 = summary(timings(Recommender.default, max(5, args.repeat // 20)))
    print(f"{'knowledge load':28s} median {load_median * 1e3:7.2f} ms   p95 {load_p95 * 1e3:7.2f} ms")
    print()
    print(f"{'example':14s} {'cold median':>12s} {'cold p95':>9s} {'warm median':>12s} {'floor median':>13s} "
          f"{'cold/floor':>10s}")
    colds, floors = [], []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        cold_times, warm_times, floor_times = measure(path, args.repeat)
        (cm, cp), (wm, _), (fm, _) = summary(cold_times), summary(warm_times), summary(floor_times)
        colds += cold_times
        floors += floor_times
        print(f"{path.stem:14s} {cm * 1e3:9.3f} ms {cp * 1e3:6.3f} ms {wm * 1e3:9.3f} ms {fm * 1e3:10.3f} ms "
              f"{cm / fm:9.1f}x")
    cm, cp = summary(colds)
    fm, _ = summary(floors)
    print()
    print(f"{'all examples, cold':28s} median {cm * 1e3:7.3f} ms   p95 {cp * 1e3:7.3f} ms   "
          f"floor median {fm * 1e3:.3f} ms   ratio {cm / fm:.1f}x")
    print("targets: median recommend <= 2 ms, <= 5x the floor; load <= 300 ms")


if __name__ == "__main__":
    main()
