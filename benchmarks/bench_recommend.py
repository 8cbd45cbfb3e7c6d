"""Benchmark: recommend() on the bundled examples against two floors, interleaved call by call.

Every round calls each measured function once, the order rotating from round to round, so machine
drift and warm caches move all of them alike; the ratios are taken within a round (a pair of calls made
moments apart) and summarised by their median and middle half, so a busy machine cannot move the ratio
the way comparing two separately measured medians can. Run:

    python benchmarks/bench_recommend.py [--repeat 300]

* load     - Recommender.default(): read, validate and compile the knowledge (from the knowledge cache
             after the first; ``RECOMMENDER_CACHE=0`` to parse each time).
* cold     - recommend() with the engine's result cache cleared before each call, so every call runs a
             real rule evaluation (durable-rules where it is installed, else the compiled engine).
* warm     - recommend() on the same profile with the rule results cached.
* floor    - the same facts asserted into durable-rules' compiled rules with do-nothing actions, in a
             fresh session that is then deleted: the least a durable-rules evaluation can cost.
* python   - the compiled engine's evaluate() of the same customer (cache cleared): the same rules
             evaluated in plain Python, the physical floor of deciding what fires.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from recommender import Recommender
from recommender.assess import assess, customer_fact
from recommender.engine import DURABLE_AVAILABLE

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CATALOGS = {"small_shop": "sme"}
ENGINE = "durable" if DURABLE_AVAILABLE else "compiled"


def timings(func: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        out.append(time.perf_counter() - start)
    return out


def interleaved(calls: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    """``repeat`` rounds of one call each, the order rotating by one every round; times by name, by round."""
    names = list(calls)
    out: dict[str, list[float]] = {name: [] for name in names}
    for i in range(repeat):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            calls[name]()
            out[name].append(time.perf_counter() - start)
    return out


def quantile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def paired(over: list[float], under: list[float]) -> str:
    """The median of the per-round ratios, with their middle half."""
    ratios = [a / b for a, b in zip(over, under, strict=True)]
    return f"{statistics.median(ratios):6.1f}x [{quantile(ratios, 0.25):.1f}-{quantile(ratios, 0.75):.1f}]"


def calls(path: Path) -> dict[str, Callable[[], object]]:
    """The measured functions for one example profile."""
    rec = Recommender.default(CATALOGS.get(path.stem), engine=ENGINE)
    python = Recommender(rec.knowledge, "compiled")
    profile = rec.load_profile(path)
    engine, compiled = rec._state[1], python._state[1]
    kb = rec.knowledge
    args = (customer_fact(profile, assess(profile, kb), kb), {n: 1.0 for n in profile.needs},
            tuple(p.fact() for p in profile.key_persons), tuple(profile.rival_products))

    def cold() -> object:
        engine.clear_cache()
        return rec.recommend(profile)

    def plain() -> object:
        compiled.clear_cache()
        return compiled.evaluate(*args)

    out: dict[str, Callable[[], object]] = {"cold": cold, "warm": lambda: rec.recommend(profile), "python": plain}
    if DURABLE_AVAILABLE:
        facts = [dict(f) for f in engine.evaluate(*args).facts]
        floor = engine.bare_floor()  # type: ignore[attr-defined]
        out["floor"] = lambda: floor(facts)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=300, help="rounds per example")
    args = parser.parse_args()

    loads = timings(Recommender.default, max(5, args.repeat // 20))
    print(f"{'knowledge load':14s} median {statistics.median(loads) * 1e3:7.2f} ms   "
          f"p95 {quantile(loads, 0.95) * 1e3:7.2f} ms")
    print(f"engine: {ENGINE}; ratios are medians of per-round ratios [middle half]\n")
    floors = ("floor", "python") if DURABLE_AVAILABLE else ("python",)
    print(f"{'example':14s} {'cold median':>11s} {'cold p95':>9s} {'warm':>8s} "
          + " ".join(f"{f + ' median':>13s}" for f in floors) + "   "
          + "   ".join(f"{'cold/' + f:>19s}" for f in floors))
    pooled: dict[str, list[float]] = {}
    for path in sorted(EXAMPLES.glob("*.yaml")):
        times = interleaved(calls(path), args.repeat)
        for name, values in times.items():
            pooled.setdefault(name, []).extend(values)
        print(f"{path.stem:14s} {statistics.median(times['cold']) * 1e3:8.3f} ms "
              f"{quantile(times['cold'], 0.95) * 1e3:6.3f} ms {statistics.median(times['warm']) * 1e3:5.3f} ms "
              + " ".join(f"{statistics.median(times[f]) * 1e3:10.3f} ms" for f in floors) + "   "
              + "   ".join(f"{paired(times['cold'], times[f]):>19s}" for f in floors))
    print()
    print(f"{'all examples':14s} cold median {statistics.median(pooled['cold']) * 1e3:.3f} ms, "
          f"p95 {quantile(pooled['cold'], 0.95) * 1e3:.3f} ms; "
          + "; ".join(f"cold/{f} {paired(pooled['cold'], pooled[f]).strip()}" for f in floors))
    if DURABLE_AVAILABLE:
        print(f"{'':14s} durable floor / python evaluation: {paired(pooled['floor'], pooled['python']).strip()}")
    print("targets: median recommend <= 2 ms, <= 5x the floor; load <= 300 ms")


if __name__ == "__main__":
    main()
