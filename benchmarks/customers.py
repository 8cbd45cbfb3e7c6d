"""Generated group customers, seed-fixed, over the vocabulary of the knowledge: a customer base for benchmarks.

Sizes, spends and needs are drawn the way a province's base spreads: many small firms,
a few large groups. Every id comes from the knowledge, so every profile is valid.

    from benchmarks.customers import generate
    rows = generate(Recommender.default().knowledge, 20_000, seed=1)
"""

from __future__ import annotations

import random
from typing import Any

from recommender import KnowledgeBase


def generate(kb: KnowledgeBase, n: int, seed: int = 1) -> list[dict[str, Any]]:
    """``n`` customer profiles as plain mappings (what a CRM export holds)."""
    r = random.Random(seed)
    fw = kb.framework
    needs = sorted(kb.need_module)
    products = sorted(kb.products)
    industries = [x.id for x in fw.industries]
    ranks = [k.id for k in fw.key_person_ranks]
    out = []
    for i in range(n):
        employees = int(10 ** r.uniform(0.4, 4.5)) + 2  # log-uniform: many small, few large
        row: dict[str, Any] = {
            "id": f"g{i:07d}", "name": f"客户{i}", "industry": r.choice(industries), "employees": employees,
            "needs": r.sample(needs, r.randint(0, 5)),
            "annual_spend": r.choice([None, round(employees * r.uniform(50, 3000))]),
            "budget_monthly": r.choice([None, 500, 2000, 10000, 50000]),
            "lifecycle_stage": r.choice([None, None, "new", "growth", "mature", "decline"]),
            "existing_products": r.sample(products, r.choice([0, 0, 1, 2])),
            "key_persons": [{"rank": r.choice(ranks)} for _ in range(r.choice([0, 0, 1, 2]))],
        }
        if r.random() < 0.3:
            row["sites"] = r.randint(1, max(1, employees // 20))
        if fw.footprints and r.random() < 0.2:
            row["footprint"] = r.choice([f.id for f in fw.footprints])
        if fw.premises and r.random() < 0.3:
            row["premises"] = r.choice([p.id for p in fw.premises])
        out.append({k: v for k, v in row.items() if v is not None})
    return out
