"""Sized prices: quantities per site, user or vehicle, volume tiers, and both budgets (issue 9 item 3).

Everything runs through the real engine on the shipped knowledge.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from recommender import KnowledgeError, Recommender
from recommender.knowledge.loader import load_knowledge
from recommender.pricing import Charge, OneTimeBudget, Pricing, over_budget, unit_amount, within_budget
from recommender.profile import CustomerProfile
from recommender.recommender import default_knowledge_dir

CHAIN = {"name": "某连锁超市集团", "industry": "retail", "employees": 2400, "sites": 120,
         "needs": ["transmission.dedicated_line"], "budget_monthly": 300000}


@pytest.fixture(scope="module")
def rec() -> Recommender:
    return Recommender.default()


def test_a_price_per_site_is_sold_once_per_site_with_unit_price_times_quantity(rec: Recommender) -> None:
    bundle = rec.recommend(CHAIN).bundles[0]
    line = next(p for p in bundle.products if p.id == "dedicated_line")
    assert (line.quantity, line.per, line.quantity_assumed) == (120, "site", False)
    prices = [x for x in bundle.price.lines if x.product == "dedicated_line"]
    assert all(x.quantity == 120 and x.amount == x.unit_amount * 120 for x in prices)
    assert line.recurring == sum(x.amount for x in prices if x.priceType == "recurring")
    assert "× 120 sites" in bundle.rationale_text("en") and "× 120个站点" in bundle.rationale_text("zh")


def test_the_bundle_price_is_the_sum_of_its_sized_lines(rec: Recommender) -> None:
    for bundle in rec.recommend(CHAIN).bundles:
        lines = bundle.price.lines
        assert bundle.price.recurring_monthly == round(sum(x.amount for x in lines if x.priceType == "recurring"), 2)
        assert bundle.price.one_time == round(sum(x.amount for x in lines if x.priceType == "one_time"), 2)
        assert bundle.price.recurring_monthly <= CHAIN["budget_monthly"]


def test_volume_tiers_lower_the_unit_price_from_their_quantity_on() -> None:
    kb = load_knowledge(default_knowledge_dir())
    price = kb.products["data_card"].prices[0]  # 40, from 100 users 30, from 1000 users 25
    assert [unit_amount(price, n) for n in (1, 99, 100, 999, 1000, 30000)] == [40, 40, 30, 30, 25, 25]


def test_mobile_users_default_to_employees_and_a_missing_count_is_one_assumed() -> None:
    kb = load_knowledge(default_knowledge_dir())
    staff = CustomerProfile(name="x", industry="insurance", employees=300)
    pricing = Pricing.for_customer(kb, staff)
    assert pricing.quantity("data_card").count == 300
    line = pricing.quantity("dedicated_line")
    assert (line.count, line.assumed) == (1, True)
    agents = Pricing.for_customer(kb, CustomerProfile(name="x", industry="insurance", employees=300,
                                                      mobile_users=30000))
    assert agents.product("data_card").recurring == 30000 * 25


def test_an_assumed_count_is_said_in_the_rationale(rec: Recommender) -> None:
    result = rec.recommend({"name": "x", "industry": "hospitality", "employees": 200, "needs": ["access.wlan"],
                            "budget_monthly": 20000})
    pwlan = next(p for b in result.bundles for p in b.products if p.id == "pwlan")
    assert pwlan.quantity_assumed
    assert "number of sites (sites) not given; 1 assumed" in result.rationale_text("en", detail=True)


def test_one_time_charges_over_the_default_budget_are_left_out_saying_why(rec: Recommender) -> None:
    profile = {"name": "某县人民政府办公室", "industry": "government", "segment": "party_gov_military",
               "employees": 120, "needs": ["office.information", "infrastructure.integration"],
               "budget_monthly": 800}
    result = rec.recommend(profile)
    assert result.bundles and all("system_integration" not in [p.id for p in b.products] for b in result.bundles)
    out = next(x for x in result.bundles[0].left_out if x.product == "system_integration")
    assert out.reason == "over_budget"
    assert "CNY 9,600" in out.text["en"] and "12 months of the monthly budget" in out.text["en"]
    assert result.bundles[0].price.budget_one_time == 9600 and result.bundles[0].price.one_time_budget_months == 12
    # a one-time budget the customer gives replaces the default
    given = rec.recommend({**profile, "budget_one_time": 250000})
    assert any("system_integration" in [p.id for p in b.products] for b in given.bundles)


def test_a_one_time_budget_too_small_for_any_bundle_is_named_in_the_diagnosis(rec: Recommender) -> None:
    # process monitoring: the IoT platform costs 10000 at once, video surveillance 15000 plus its line
    result = rec.recommend({"name": "x", "industry": "manufacturing", "employees": 40,
                            "needs": ["production.monitoring"], "budget_monthly": 5000, "budget_one_time": 5000})
    assert result.bundles == [] and result.diagnosis is not None
    assert result.diagnosis.conflict == ["budget_one_time"]
    (relax,) = result.diagnosis.relaxations
    assert relax.constraint == "budget_one_time" and "at least CNY 10,000" in relax.text["en"]


def test_no_bundle_exceeds_either_budget(rec: Recommender) -> None:
    kb = rec.knowledge
    needs = [i.id for m in kb.framework.modules for i in m.items]
    industries = [i.id for i in kb.framework.industries]
    r = random.Random(7)
    for _ in range(60):
        profile = {"name": "x", "industry": r.choice(industries), "employees": r.choice([10, 120, 3000]),
                   "needs": r.sample(needs, r.randint(2, 5)), "budget_monthly": r.choice([800, 8000, 30000]),
                   "budget_one_time": r.choice([5000, 15000, 30000])}
        if r.random() < 0.5:
            profile["sites"] = r.choice([2, 45, 120])
        for bundle in rec.recommend(profile).bundles:
            assert bundle.price.recurring_monthly <= profile["budget_monthly"] + 1e-6
            assert bundle.price.one_time <= profile["budget_one_time"] + 1e-6, (profile, bundle.price)


def test_a_rule_may_set_a_quantity(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), root)
    rules = root / "catalogs" / "group" / "rules.yaml"
    with rules.open("a", encoding="utf-8") as f:  # the delivery staff drive the vehicles
        f.write("""\
  - id: fleet_field_force
    description: {zh: 物流企业按车辆配置外勤, en: Logistics field force sized by vehicle}
    when:
      customer: {industry: logistics}
    then:
      - quantity: {product: sfa_ffa, per: vehicle}
      - quantity: {product: data_card, count: 7}
""")
    kb = load_knowledge(root)
    rec = Recommender(kb)
    result = rec.recommend({"name": "x", "industry": "logistics", "employees": 350, "fleet_size": 40,
                            "needs": ["production.field_force", "access.mobile_data"], "budget_monthly": 20000})
    sfa = next(p for b in result.bundles for p in b.products if p.id == "sfa_ffa")
    card = next(p for b in result.bundles for p in b.products if p.id == "data_card")
    assert (sfa.quantity, sfa.per, sfa.quantity_rule) == (40, "vehicle", "fleet_field_force")
    assert (card.quantity, card.quantity_rule) == (7, "fleet_field_force")
    assert "quantity set by rule fleet_field_force" in result.rationale_text("en", detail=True)


@pytest.mark.parametrize(("replace", "with_"), [
    ("tiers: [{min_quantity: 100, amount: 30}, {min_quantity: 1000, amount: 25}]",
     "tiers: [{min_quantity: 1000, amount: 30}, {min_quantity: 100, amount: 25}]"),
    ("{priceType: recurring, amount: 100, unit: yuan/month, illustrative: true}\n    source: \"004 3.2 OA/HRM 集团短信",
     "{priceType: recurring, amount: 100, unit: yuan/month, tiers: [{min_quantity: 5, amount: 1}], "
     "illustrative: true}\n    source: \"004 3.2 OA/HRM 集团短信"),
], ids=["out-of-order", "per-customer"])
def test_tiers_out_of_order_or_on_a_price_per_customer_are_located(tmp_path: Path, replace: str, with_: str) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), root)
    products = root / "catalogs" / "group" / "products.yaml"
    text = products.read_text(encoding="utf-8")
    assert text.count(replace) == 1
    products.write_text(text.replace(replace, with_), encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(root)
    issue = next(i for i in err.value.issues if i.code == "bad-tiers")
    assert issue.file is not None and issue.file.endswith("products.yaml") and issue.line is not None
    assert ".tiers" in issue.path


@pytest.mark.parametrize("budget", [None, 0.0, 100.0, 100.1])
@pytest.mark.parametrize("one_time", [None, OneTimeBudget(0.0), OneTimeBudget(500.0, months=5.0)])
@pytest.mark.parametrize(("recurring", "once"), [(0.0, 0.0), (100.0, 0.0), (100.0 + 1e-9, 0.0), (100.0 + 2e-9, 0.0),
                                                  (100.1, 500.0), (0.0, 500.0 + 1e-9), (0.0, 500.01), (1e-10, 1e-10)])
def test_the_search_budget_check_agrees_with_the_explained_one(budget: float | None, one_time: OneTimeBudget | None,
                                                                 recurring: float, once: float) -> None:
    # the search compares numbers only (within_budget); the left-out reasons come from over_budget:
    # on the edges (equal to the budget, within the 1e-9 tolerance, just past it) both must agree
    explained = over_budget(Charge(recurring, once), budget, one_time)
    assert within_budget(recurring, once, budget, one_time) is (explained is None)
    split = over_budget(Charge(recurring / 2, once / 2), budget, one_time, Charge(recurring / 2, once / 2))
    assert within_budget(recurring / 2 + recurring / 2, once / 2 + once / 2, budget, one_time) is (split is None)
