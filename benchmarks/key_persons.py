"""Do key persons reach the bundles? Customers with ranked key persons, drawn from the seeds.

Seed 004 3.2 (集团个人客户工作需求基础模块示范) maps a key person's needs to means of
communication; seed 002 6.3.4 ranks key persons 厅局级 / 处级 / 科级. For each
customer below (government bodies, a bank, a park committee, a hospital, SOEs,
SMEs served by the 天翼领航 catalog) this counts the bundles holding a product
that is there for the key person: proposed by a rule on key persons, or covering
one of the key persons' own needs (``key_person.*``). Run:

    python benchmarks/key_persons.py [--knowledge DIR]
"""

from __future__ import annotations

import argparse
from typing import Any

from recommender import Recommender

KEY_PERSON = "key_person"  # the need-id prefix (recommender.vocabulary.KEY_PERSON; older versions lack it)

GOVERNMENT = [{"title": "厅长", "rank": "bureau"}, {"title": "处长", "rank": "division"}]
CUSTOMERS: list[tuple[str, dict[str, Any]]] = [
    ("group", {"name": "某省国土资源厅", "industry": "government", "segment": "party_gov_military", "employees": 400,
               "needs": ["office"], "budget_monthly": 10000, "key_persons": GOVERNMENT}),
    ("group", {"name": "某国有银行省分行", "industry": "finance", "segment": "finance", "employees": 4200,
               "company_revenue": 3e9, "needs": ["transmission", "office.meeting"], "budget_monthly": 30000,
               "key_persons": [{"title": "行长", "rank": "bureau"}]}),
    ("group", {"name": "某开发区管委会", "industry": "industrial_park", "segment": "party_gov_military",
               "employees": 150, "needs": ["office", "access.wlan"], "budget_monthly": 8000,
               "key_persons": [{"title": "主任", "rank": "bureau"}]}),
    ("group", {"name": "某市人民医院", "industry": "healthcare", "employees": 1200,
               "needs": ["access.wlan", "customer.notification"], "budget_monthly": 6000,
               "key_persons": [{"title": "院长", "rank": "division"}]}),
    ("group", {"name": "某省电力公司", "industry": "power", "employees": 3000, "company_revenue": 2e9,
               "needs": ["production.asset_monitoring"], "budget_monthly": 20000,
               "key_persons": [{"title": "总经理", "rank": "bureau"}]}),
    ("group", {"name": "某县人民政府", "industry": "government", "segment": "party_gov_military", "employees": 200,
               "needs": ["office", "customer.notification", "access.wlan"], "budget_monthly": 8000,
               "key_persons": [{"title": "县长", "rank": "division"}]}),
    ("group", {"name": "某石化分公司", "industry": "petrochemical", "employees": 3000, "company_revenue": 5e9,
               "needs": ["infrastructure.hosting"], "budget_monthly": 40000,
               "key_persons": [{"title": "副总经理", "rank": "division"}]}),
    ("group", {"name": "某大学", "industry": "education", "employees": 2500,
               "needs": ["customer.notification", "office.meeting"], "budget_monthly": 5000,
               "key_persons": [{"title": "校长", "rank": "bureau"}]}),
    ("sme", {"name": "吉林省某厅", "industry": "government", "segment": "party_gov_military", "employees": 150,
             "needs": ["office"], "budget_monthly": 6000, "city": "长春", "key_persons": GOVERNMENT}),
    ("sme", {"name": "长春某区政府办公室", "industry": "government", "segment": "party_gov_military", "employees": 60,
             "needs": ["office.meeting"], "budget_monthly": 1500, "city": "长春市",
             "key_persons": [{"title": "主任", "rank": "division"}]}),
    ("sme", {"name": "某市税务分局", "industry": "government", "segment": "party_gov_military", "employees": 80,
             "needs": ["office", "customer.notification"], "budget_monthly": 3000,
             "key_persons": [{"title": "局长", "rank": "division"}]}),
    ("sme", {"name": "某交通运输集团分公司", "industry": "transport_energy", "segment": "transport_energy",
             "employees": 300, "needs": ["production.dispatch"], "budget_monthly": 2000,
             "key_persons": [{"title": "总经理", "rank": "bureau"}]}),
]


def key_person_rules(rec: Recommender) -> set[str]:
    """Rules with a key-person condition (in any branch)."""
    out = set()
    for rule in rec.knowledge.rules:
        branches = [rule.when] + list(rule.when.any or [])
        if any(b.key_person for b in branches):
            out.add(rule.id)
    return out


def for_key_person(rec: Recommender, profile: dict[str, Any]) -> tuple[list[list[str]], list[list[str]]]:
    """Per bundle: its products, and those there for the key person."""
    result = rec.recommend(profile)
    rules = key_person_rules(rec)
    bundles, serving = [], []
    for bundle in result.bundles:
        bundles.append(sorted(p.id for p in bundle.products))
        serving.append(sorted(p.id for p in bundle.products if any(
            r.rule in rules or (r.need or "").startswith(KEY_PERSON + ".") for r in p.reasons)))
    return bundles, serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", help="knowledge directory (default: the shipped one)")
    args = parser.parse_args()
    recs: dict[str, Recommender] = {}
    first = total = with_kp = 0
    for catalog, profile in CUSTOMERS:
        if catalog not in recs:
            recs[catalog] = (Recommender.from_path(args.knowledge, catalog) if args.knowledge
                             else Recommender.default(catalog))
        bundles, serving = for_key_person(recs[catalog], profile)
        first += bool(serving and serving[0])
        total += len(bundles)
        with_kp += sum(bool(s) for s in serving)
        ranks = "/".join(p["rank"] for p in profile["key_persons"])
        print(f"{catalog:5} {profile['name']} ({ranks}): bundle 1 {bundles[0] if bundles else '-'}; "
              f"for the key person: {serving[0] if serving else '-'}")
    print(f"bundle 1 serves a key person for {first} of {len(CUSTOMERS)} customers; "
          f"{with_kp} of {total} bundles hold a product for the key person")


if __name__ == "__main__":
    main()
