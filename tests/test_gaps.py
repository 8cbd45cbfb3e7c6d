"""What an open stated need would take, and what sets a bundle apart, through the real recommender."""

from __future__ import annotations

import re

from recommender import Recommender


def test_a_stated_need_over_budget_names_the_budget_that_would_cover_it(rec: Recommender) -> None:
    result = rec.recommend({"name": "县政府", "industry": "government", "employees": 80, "budget_monthly": 1500,
                            "needs": ["office.meeting", "customer.notification", "access.wlan",
                                      "production.monitoring"]})
    first = result.bundles[0]
    gaps = {g.need: g for g in first.stated_gaps}
    assert set(gaps) == {"production.monitoring"} and first.stated_coverage < 1.0
    budget, name, extra = re.fullmatch(r"raise the monthly budget to CNY ([\d,]+) to add (.+) \(CNY ([\d,]+)/month\)",
                                       gaps["production.monitoring"].remedy["en"]).groups()  # type: ignore[union-attr]
    budget, extra = budget.replace(",", ""), extra.replace(",", "")
    kb = rec.knowledge
    pid = next(p for p, product in kb.products.items() if product.name["en"] == name)
    assert "production.monitoring" in kb.products[pid].need_items
    assert float(budget) == first.price.recurring_monthly + float(extra) > 1500

    def with_requirements(p: str) -> float:
        return sum(kb.products[q].recurring for q in {p} | kb.graph.required_by(p))

    # nothing covering the need (and sellable) costs less than the product named
    others = [p for p, product in kb.products.items()
              if "production.monitoring" in product.need_items and product.sellable]
    assert float(extra) == min(with_requirements(p) for p in others)


def test_a_stated_need_the_customer_excluded_names_the_exclusion(rec: Recommender) -> None:
    result = rec.recommend({"name": "x", "industry": "retail", "employees": 40, "needs": ["access.wlan"],
                            "excluded_products": ["pwlan"]})
    gaps = [g for b in result.bundles for g in b.stated_gaps if g.need == "access.wlan"]
    assert gaps and all("excluded" in g.remedy["en"] and "客户要求排除" in g.remedy["zh"] for g in gaps)


def test_each_alternative_says_what_sets_it_apart(rec: Recommender) -> None:
    result = rec.recommend({"name": "x", "industry": "manufacturing", "employees": 800, "company_revenue": 8e8,
                            "needs": ["office.meeting"], "budget_monthly": 10000}, top_k=3)
    first, *others = result.bundles
    assert first.distinction is not None and first.distinction["zh"].startswith("推荐方案")
    for bundle in others:
        assert bundle.distinction is not None and bundle.distinction["zh"].startswith("与方案1相比")
        assert bundle.distinction["en"].startswith("compared with bundle 1")


def test_the_price_difference_a_distinction_states_is_the_difference_of_the_prices_shown() -> None:
    """Measured after the bundle stage, so add-ons and discounts (A8's free broadband) are counted."""
    from recommender.recommender import default_knowledge_dir
    from recommender.scenarios import load_scenarios

    checked = 0
    recs: dict[str | None, Recommender] = {}
    for loaded in load_scenarios(default_knowledge_dir()):
        catalog = loaded.scenario.catalog
        rec = recs.setdefault(catalog, Recommender.default(catalog))
        first, *others = rec.recommend(dict(loaded.scenario.profile), top_k=3).bundles or [None]
        for bundle in others:
            assert first is not None and bundle.distinction is not None
            delta = round(bundle.price.recurring_monthly - first.price.recurring_monthly, 2)
            said = re.search(r"CNY ([\d.,]+) (more|less) a month", bundle.distinction["en"])
            assert (said is None) == (delta == 0), bundle.distinction["en"]
            if said:
                assert float(said[1].replace(",", "")) * (1 if said[2] == "more" else -1) == delta
                checked += 1
    assert checked > 50
