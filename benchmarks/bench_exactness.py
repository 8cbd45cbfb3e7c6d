"""How often bundle 1 is the optimum, against an exhaustive search, and what each costs.

Generates seed-fixed customers on every catalog of the default knowledge, runs
the rules once per customer, then the bundle search twice, interleaved: as
shipped (``bundling.EXACT_SEEDS`` / ``MAX_NODES``) and exhaustive (no shortlist,
no node limit). Bundle 1 counts as optimal when its rank key (stated share,
score) equals the exhaustive one. Run:

    python benchmarks/bench_exactness.py [--customers 1000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from recommender import Recommender, bundling
from recommender.assess import assess, customer_fact
from recommender.bundling import Constraints, classify, search


def customers(rec: Recommender, n: int, seed: int) -> list[dict[str, Any]]:
    kb = rec.knowledge
    r = random.Random(seed)
    needs = sorted(kb.need_module)
    ranks = [k.id for k in kb.framework.key_person_ranks]
    out = []
    for i in range(n):
        out.append({
            "name": f"c{i}", "industry": r.choice([x.id for x in kb.framework.industries]),
            "employees": int(10 ** r.uniform(0.4, 4.5)) + 2,
            "needs": r.sample(needs, r.randint(1, 6)),
            "budget_monthly": r.choice([None, 200, 800, 3000, 10000, 50000]),
            "annual_spend": r.choice([None, r.uniform(0, 5e6)]),
            "lifecycle_stage": r.choice([None, "new", "growth", "mature", "decline", "churned"]),
            "existing_products": r.sample(sorted(kb.products), r.choice([0, 0, 1, 2])),
            "key_persons": [{"rank": r.choice(ranks)} for _ in range(r.choice([0, 0, 1]))],
        })
    return out


def timed(func: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = func()
    return value, time.perf_counter() - start


def exhaustive(run: Callable[[], Any]) -> Any:
    saved = bundling.EXACT_SEEDS, bundling.MAX_NODES
    bundling.EXACT_SEEDS, bundling.MAX_NODES = 10**9, 10**12
    try:
        return run()
    finally:
        bundling.EXACT_SEEDS, bundling.MAX_NODES = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for catalog in ("group", "sme"):
        rec = Recommender.default(catalog)
        kb = rec.knowledge
        engine = rec._state[1]
        optimal = inexact = reported = 0
        gaps: list[float] = []
        shipped_t: list[float] = []
        full_t: list[float] = []
        for raw in customers(rec, args.customers, args.seed):
            profile = rec.parse_profile(raw)
            assessment = assess(profile, kb)
            ev = engine.evaluate(customer_fact(profile, assessment, kb), {n: 1.0 for n in profile.needs},
                                 tuple(p.fact() for p in profile.key_persons))
            cons = Constraints(budget=profile.budget_monthly, excluded=frozenset(profile.excluded_products),
                               owned=frozenset(profile.existing_products))
            strategy = kb.strategy_kind(ev.strategy.value if ev.strategy else None)
            seeds = classify(kb, profile, assessment, ev, cons)[0]
            got, t1 = timed(lambda: search(kb, ev, cons, seeds, 3, strategy))  # noqa: B023
            best, t2 = timed(lambda: exhaustive(lambda: search(kb, ev, cons, seeds, 1, strategy)))  # noqa: B023
            shipped_t.append(t1)
            full_t.append(t2)
            key = (got.bundles[0].stated, got.bundles[0].score) if got.bundles else None
            want = (best.bundles[0].stated, best.bundles[0].score) if best.bundles else None
            optimal += key == want
            inexact += not got.exact
            if key != want:
                reported += not got.exact
                if key and want:
                    gaps.append(want[1] - key[1] if want[0] == key[0] else 1.0)
        n = args.customers
        print(f"{catalog}: bundle 1 optimal for {optimal}/{n} = {optimal / n:.1%}; search not exact for {inexact}; "
              f"of the {n - optimal} misses {reported} were reported as not exact")
        if gaps:
            print(f"  misses: median score gap {statistics.median(gaps):.4f}, max {max(gaps):.4f}")
        for label, times in (("shipped (top 3)", shipped_t), ("exhaustive (top 1)", full_t)):
            q = statistics.quantiles(times, n=20)
            print(f"  {label:18} median {statistics.median(times) * 1000:.2f} ms, p95 {q[18] * 1000:.2f} ms, "
                  f"max {max(times) * 1000:.1f} ms")
        print(f"  ratio of medians shipped/exhaustive: {statistics.median(shipped_t) / statistics.median(full_t):.2f}")


if __name__ == "__main__":
    main()
