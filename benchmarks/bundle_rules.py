"""Rules on the chosen bundle (issue 9 item 4): how often a bundle breaks what its own contents imply.

Runs seed-fixed customers on both catalogs of a knowledge directory and counts, over
every returned bundle:

* ``products justified by a trigger the bundle lacks``: a product in a bundle whose
  reasons quote a rule testing a product (``hr_attendance_devices``: the HR system)
  the bundle does not hold;
* ``attendance machine``: bundles holding 考勤机, and those of them without the HR system;
* ``video conference without terminals``: bundles with video conferencing and no
  room equipment, unless the bundle says why it is left out;
* ``A8 tier != spend``: bundles holding the A8 package whose A8 tier (advice or
  bundle offer) is not the band of the bundle's combined spend (seed 002 6.1.1:
  39-89 / 89-129 / 129+, not counting the 8M broadband billed apart), or that get no tier;
* ``broadband charged at 129+``: bundles with A8 and 8M broadband whose combined spend
  reaches 129 yuan and which still charge for the broadband (seed 002 6.1.1
  合计消费满129元即可宽带0元赠送).

It reads only the recommendation's JSON, so it runs on any version: for a
before/after comparison point PYTHONPATH at an older checkout.

    python benchmarks/bundle_rules.py [--customers 500] [--seed 3] [--knowledge DIR]
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from typing import Any

from recommender import Recommender

TIERS = ((39, 89, "a8_39_89"), (89, 129, "a8_89_129"), (129, None, "a8_129_plus"))
KEYS = {"group": ["bundles", "products justified by a trigger the bundle lacks", "attendance machine",
                  "attendance machine without HR system", "video conference", "video conference without terminals"],
        "sme": ["bundles", "products justified by a trigger the bundle lacks", "A8 bundles", "A8 tier != spend",
                "A8 129+ with broadband", "broadband charged at 129+"]}


def customers(rec: Recommender, n: int, seed: int) -> list[dict[str, Any]]:
    kb = rec.knowledge
    r = random.Random(seed)
    needs = sorted(n for n in kb.need_module if not n.startswith("key_person"))
    sme = kb.catalog.id == "sme"
    out = []
    for i in range(n):
        employees = int(10 ** r.uniform(0.3, 2.2 if sme else 4.0)) + 1
        out.append({
            "name": f"c{i}", "industry": r.choice([x.id for x in kb.framework.industries]),
            "segment": r.choice(["sme", "ordinary_cluster", "high_end_cluster"]) if sme else None,
            "employees": employees,
            "needs": r.sample(needs, r.randint(1, 5)),
            "budget_monthly": r.choice([None, 60, 100, 150, 250, 400] if sme else [None, 800, 3000, 10000, 50000]),
            "lifecycle_stage": r.choice([None, "new", "growth", "mature"]),
        })
    return [{k: v for k, v in c.items() if v is not None} for c in out]


def tier_of(spend: float) -> str | None:
    return next((t for low, high, t in TIERS if spend >= low and (high is None or spend < high)), None)


def audit(kb: Any, result: dict[str, Any], counts: Counter[str]) -> None:
    advice_tiers = {o["offer"]: o["tier"] for o in result["advice"]["offers"]}
    for b in result["bundles"]:
        ids = {p["id"] for p in b["products"]}
        counts["bundles"] += 1
        for p in b["products"]:
            for rid in {r["rule"] for r in p["reasons"] if r["kind"] in ("rule", "add_on")}:
                rule = kb.rules[kb.rule_index[rid]]
                wanted = rule.when.product if isinstance(rule.when.product, list) else \
                    [rule.when.product] if rule.when.product else []
                if wanted and not set(wanted) & ids:
                    counts["products justified by a trigger the bundle lacks"] += 1
        if "attendance_machine" in ids:
            counts["attendance machine"] += 1
            counts["attendance machine without HR system"] += "hr_system" not in ids
        if "video_conference" in ids:
            counts["video conference"] += 1
            explained = any(x["product"] == "video_conf_equipment" for x in b["left_out"])
            counts["video conference without terminals"] += "video_conf_equipment" not in ids and not explained
        if "a8_package" in ids:
            counts["A8 bundles"] += 1
            recurring = {p["id"]: p["recurring"] for p in b["products"]}
            spend = round(sum(v for k, v in recurring.items() if k != "broadband_8m"), 2)
            got = {o["offer"]: o["tier"] for o in b.get("offers", [])}.get("a8_self_select",
                                                                             advice_tiers.get("a8_self_select"))
            counts["A8 tier != spend"] += got != tier_of(spend)
            if "broadband_8m" in ids and spend >= 129:
                counts["A8 129+ with broadband"] += 1
                off = sum(d["amount"] for d in b.get("discounts", []) if d["product"] == "broadband_8m")
                counts["broadband charged at 129+"] += recurring["broadband_8m"] - off > 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--knowledge", default=None, help="knowledge directory (default: the shipped one)")
    args = parser.parse_args()
    for catalog in ("group", "sme"):
        rec = Recommender.from_path(args.knowledge, catalog) if args.knowledge else Recommender.default(catalog)
        counts: Counter[str] = Counter({k: 0 for k in KEYS[catalog]})
        for raw in customers(rec, args.customers, args.seed):
            audit(rec.knowledge, rec.recommend(raw).model_dump(mode="json"), counts)
        print(f"{catalog}: " + ", ".join(f"{k} {counts[k]}" for k in KEYS[catalog]))


if __name__ == "__main__":
    main()
