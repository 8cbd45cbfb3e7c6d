"""Seed 004's measurement system: quintile scores, step means, value type and class."""

from __future__ import annotations

import pytest

from recommender import CustomerProfile, Recommender
from recommender.assess import assess, capital_city, quintile_cuts, quintile_score


def test_quintiles_score_top_fifth_5_and_bottom_fifth_1() -> None:
    population = list(range(1, 101))  # 1..100
    cuts = quintile_cuts(population)
    scores = [quintile_score(v, cuts) for v in population]
    assert [scores.count(s) for s in (1, 2, 3, 4, 5)] == [20, 20, 20, 20, 20]
    assert scores[0] == 1 and scores[-1] == 5
    assert sorted(scores) == scores


def test_steps_are_means_of_all_indicators_missing_ones_at_the_median(rec: Recommender) -> None:
    profile = CustomerProfile(name="x", industry="manufacturing", employees=5000, employee_growth=-0.1,
                              it_staff=0, solution_types=9)
    result = assess(profile, rec.knowledge)
    steps = {s.id: s for s in result.steps}
    # employees 5000 is above the top cut (5), growth -10% below the bottom cut (1); revenue and its
    # growth are unknown and count at the median 3: (5 + 1 + 3 + 3) / 4
    assert steps["scale"].indicators == {"employees": 5, "employee_growth": 1}
    assert steps["scale"].missing == ["company_revenue", "revenue_growth"]
    assert steps["scale"].score == 3.0
    assert steps["it_investment"].score == 2.5  # it_staff 0 scores 1, three unknown at 3
    assert steps["it_complexity"].score == round(11 / 3, 4)  # solution_types 9 scores 5, two unknown at 3
    # seed 000's class criteria: scale 3.0, revenue and influence unknown at 3; 2 of their 8 indicators known
    assert result.class_score == 3.0 and result.coverage == 0.25
    assert result.customer_class == result.class_by_score == "b"
    assert result.value_type == "economic" and result.value_type_assessed  # scale 3.0 < 3.5


def test_head_count_alone_is_not_class_a_nor_dual(rec: Recommender) -> None:
    """Seed 004 3.1 averages every indicator: a 300-staff plant known by nothing else is no key account."""
    result = assess(CustomerProfile(name="x", industry="manufacturing", employees=300), rec.knowledge)
    assert result.coverage == round(1 / 8, 4)
    assert result.score == round((3.25 + 3 + 3) / 3, 4)
    assert result.class_score == round((3.25 + 3 + 3) / 3, 4)
    assert result.class_by_score == "b" and result.customer_class == "c"  # class b needs 2 of 8 indicators
    assert result.value_type == "economic"  # scale (4 + 3 + 3 + 3) / 4 = 3.25 < 3.5


def test_class_a_needs_scale_revenue_and_influence(rec: Recommender) -> None:
    """Seed 000: A/B/C/D 按照客户规模、收入规模、社会影响力; the IT steps of seed 004 do not make a class."""
    kb = rec.knowledge
    top = dict(employees=5000, employee_growth=0.3, company_revenue=5e9, revenue_growth=0.3,
               it_investment=5e7, it_investment_growth=0.3, it_staff=80, it_staff_growth=0.3,
               managed_customers=500_000, partners=900, solution_types=9)
    measured = assess(CustomerProfile(name="x", industry="power", **top), kb)
    assert measured.score == 5.0 and measured.class_score == round((5 + 3 + 3) / 3, 4)
    assert measured.customer_class == "b"  # every measurement indicator top, but revenue and influence unknown
    full = assess(CustomerProfile(name="x", industry="power", annual_spend=900_000,
                                  social_influence=["policy", "resources", "demonstration"], **top), kb)
    assert full.class_score == 5.0 and full.coverage == 1.0 and full.customer_class == "a"
    scale_only = {k: v for k, v in top.items() if k in ("employees", "employee_growth", "company_revenue",
                                                            "revenue_growth")}
    partial = assess(CustomerProfile(name="x", industry="power", **scale_only), kb)
    assert partial.customer_class == "b" and partial.value_type == "dual"  # (5 + 3 + 3) / 3 = 3.67


@pytest.mark.parametrize(("annual_spend", "expected"), [(9600, "c"), (None, "b"), (600_000, "b")])
def test_revenue_to_the_operator_is_a_class_criterion(rec: Recommender, annual_spend: float | None,
                                                      expected: str) -> None:
    """Seed 000's 收入规模 read as what the customer brings the operator (一高: ARPU): 800 a month sinks the class."""
    profile = CustomerProfile(name="x", industry="manufacturing", employees=300, company_revenue=3e7,
                              annual_spend=annual_spend)
    result = assess(profile, rec.knowledge)
    revenue = next(c for c in result.class_criteria if c.id == "operator_revenue")
    assert revenue.score == {9600: 1, None: 3, 600_000: 5}[annual_spend]  # type: ignore[index]
    assert result.customer_class == expected  # (3.25 + 1 + 3) / 3 = 2.42; (3.25 + 3 + 3) / 3; (3.25 + 5 + 3) / 3


def test_plant_paying_800_a_month_is_no_key_account(rec: Recommender) -> None:
    result = rec.recommend({"name": "x", "industry": "manufacturing", "employees": 300, "annual_spend": 9600,
                            "needs": ["office.daily"], "budget_monthly": 800})
    assert result.assessment.customer_class == result.assessment.class_by_score == "c"
    assert result.advice.service_level is not None and result.advice.service_level.id == "standard"


def test_unknown_customer_is_class_c_not_above_median(rec: Recommender) -> None:
    """Everything unknown scores the median 3.0, the class b threshold; no evidence, so class c."""
    result = assess(CustomerProfile(name="x", industry="retail", employees=2), rec.knowledge)
    assert result.steps[1].score == 3.0 and result.customer_class == "c"


def test_value_type_from_industry_scale_or_profile(rec: Recommender) -> None:
    kb = rec.knowledge
    assert assess(CustomerProfile(name="x", industry="government", employees=30), kb).value_type == "social"
    big = CustomerProfile(name="x", industry="power", employees=3000, company_revenue=2e9)
    assert assess(big, kb).value_type == "dual"
    assert assess(CustomerProfile(name="x", industry="power", employees=3000), kb).value_type == "dual"  # 3.5
    given = CustomerProfile(name="x", industry="government", employees=30, value_type="economic")
    result = assess(given, kb)
    assert result.value_type == "economic" and not result.value_type_assessed


@pytest.mark.parametrize("profile", [
    {"industry": "park_committee"},
    {"industry": "public_institution"},
    {"industry": "industrial_park", "segment": "party_gov_military"},
])
def test_non_profit_authorities_are_of_social_value(rec: Recommender, profile: dict[str, str]) -> None:
    """Seed 004 3.1 社会价值型 (非盈利权威组织), listed as data in assessment.yaml."""
    assert assess(CustomerProfile(name="x", employees=5000, **profile), rec.knowledge).value_type == "social"
    assert assess(CustomerProfile(name="x", industry="industrial_park", employees=80), rec.knowledge).value_type \
        == "economic"


def test_ministerial_rank_is_the_highest(rec: Recommender) -> None:
    profile = rec.parse_profile({"name": "x", "industry": "government", "employees": 800,
                                 "key_persons": [{"rank": "bureau"}, {"rank": "ministerial"}]})
    result = assess(profile, rec.knowledge)
    assert result.key_person_rank == "ministerial"
    levels = {r.id: r.level for r in rec.knowledge.framework.key_person_ranks}
    assert levels["ministerial"] > levels["bureau"]


@pytest.mark.parametrize("city", ["changchun", "Changchun", "长春", "长春市", " 长 春 市 ", "ＣＨＡＮＧＣＨＵＮ",
                                  "Changchun City"])
def test_capital_city_by_name_or_alias(rec: Recommender, city: str) -> None:
    assert capital_city(city, rec.knowledge.framework)


@pytest.mark.parametrize("city", [None, "", "吉林市", "长", "changchunx", "Jilin"])
def test_other_cities_are_not_the_capital(rec: Recommender, city: str | None) -> None:
    assert not capital_city(city, rec.knowledge.framework)


def test_capital_city_may_be_a_plain_name(rec: Recommender) -> None:
    fw = rec.knowledge.framework.model_copy(update={"capital_cities": ["Harbin"]})
    assert capital_city("harbin", fw) and not capital_city("长春", fw)


@pytest.mark.parametrize(("city", "employees", "channel"), [
    (None, 29, "partner_channel"), (None, 30, "direct_sales"), ("吉林市", 60, "direct_sales"),
    ("长春市", 60, "partner_channel"), ("Changchun", 99, "partner_channel"), ("长春", 100, "direct_sales"),
])
@pytest.mark.parametrize("catalog", ["group", "sme"])
def test_channel_threshold_of_seed_002(catalog: str, city: str | None, employees: int, channel: str) -> None:
    """Seed 002 4.4: direct sales from 30 staff, from 100 in the capital (长春)."""
    rec = Recommender.default(catalog)
    profile = {"name": "x", "industry": "electronics", "employees": employees, "needs": ["office.daily"],
               "budget_monthly": 1000} | ({"city": city} if city else {})
    advice = rec.recommend(profile).advice
    assert advice.channel is not None and advice.channel.id == channel


def test_cut_points_recomputed_from_a_customer_base(rec: Recommender) -> None:
    from recommender.assess import recompute_cuts

    base = [CustomerProfile(name=f"c{i}", industry="retail", employees=10 * (i + 1)) for i in range(50)]
    spec = recompute_cuts(rec.knowledge.assessment, base)
    employees = next(i for s in spec.steps for i in s.indicators if i.field == "employees")
    assert employees.cuts == quintile_cuts([10.0 * (i + 1) for i in range(50)])
    scores = [quintile_score(c.employees, employees.cuts) for c in base]
    assert [scores.count(s) for s in (1, 2, 3, 4, 5)] == [10, 10, 10, 10, 10]
    revenue = next(i for s in spec.steps for i in s.indicators if i.field == "company_revenue")
    original = next(i for s in rec.knowledge.assessment.steps for i in s.indicators if i.field == "company_revenue")
    assert revenue.cuts == original.cuts  # nobody in the base gave a revenue: cut points kept
