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
    assert result.coverage == round(4 / 11, 4)
    assert result.customer_class == result.class_by_score == "b"
    assert result.value_type == "economic" and result.value_type_assessed  # scale 3.0 < 3.5


def test_head_count_alone_is_not_class_a_nor_dual(rec: Recommender) -> None:
    """Seed 004 3.1 averages every indicator: a 300-staff plant known by nothing else is no key account."""
    result = assess(CustomerProfile(name="x", industry="manufacturing", employees=300), rec.knowledge)
    assert result.coverage == round(1 / 11, 4)
    assert result.score == round((3.25 + 3 + 3) / 3, 4)
    assert result.class_by_score == "b" and result.customer_class == "c"  # class b needs 2 of 11 indicators
    assert result.value_type == "economic"  # scale (4 + 3 + 3 + 3) / 4 = 3.25 < 3.5


def test_class_a_needs_evidence_in_several_steps(rec: Recommender) -> None:
    kb = rec.knowledge
    top = dict(employees=5000, employee_growth=0.3, company_revenue=5e9, revenue_growth=0.3,
               it_investment=5e7, it_investment_growth=0.3, it_staff=80, it_staff_growth=0.3,
               managed_customers=500_000, partners=900, solution_types=9)
    full = assess(CustomerProfile(name="x", industry="power", **top), kb)  # type: ignore[arg-type]
    assert full.coverage == 1.0 and full.score == 5.0 and full.customer_class == "a"
    scale_only = {k: v for k, v in top.items() if k in ("employees", "employee_growth", "company_revenue",
                                                            "revenue_growth")}
    partial = assess(CustomerProfile(name="x", industry="power", **scale_only), kb)  # type: ignore[arg-type]
    assert partial.customer_class == "b" and partial.value_type == "dual"  # (5 + 3 + 3) / 3 = 3.67


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
