"""Seed 004's measurement system: quintile scores, step means, value type and class."""

from __future__ import annotations

from recommender import CustomerProfile, Recommender
from recommender.assess import assess, quintile_cuts, quintile_score


def test_quintiles_score_top_fifth_5_and_bottom_fifth_1() -> None:
    population = list(range(1, 101))  # 1..100
    cuts = quintile_cuts(population)
    scores = [quintile_score(v, cuts) for v in population]
    assert [scores.count(s) for s in (1, 2, 3, 4, 5)] == [20, 20, 20, 20, 20]
    assert scores[0] == 1 and scores[-1] == 5
    assert sorted(scores) == scores


def test_steps_are_means_of_the_indicators_given(rec: Recommender) -> None:
    profile = CustomerProfile(name="x", industry="manufacturing", employees=5000, employee_growth=-0.1,
                              it_staff=0, solution_types=9)
    result = assess(profile, rec.knowledge)
    steps = {s.id: s for s in result.steps}
    # employees 5000 is above the top cut (5), growth -10% below the bottom cut (1): mean 3
    assert steps["scale"].indicators == {"employees": 5, "employee_growth": 1}
    assert steps["scale"].score == 3.0
    assert steps["it_investment"].score == 1.0 and steps["it_complexity"].score == 5.0
    assert result.score == 3.0 and result.customer_class == "b"
    assert result.value_type == "economic" and result.value_type_assessed  # scale 3.0 < 3.5


def test_value_type_from_industry_scale_or_profile(rec: Recommender) -> None:
    kb = rec.knowledge
    assert assess(CustomerProfile(name="x", industry="government", employees=30), kb).value_type == "social"
    big = CustomerProfile(name="x", industry="power", employees=3000, company_revenue=2e9)
    assert assess(big, kb).value_type == "dual"
    given = CustomerProfile(name="x", industry="government", employees=30, value_type="economic")
    result = assess(given, kb)
    assert result.value_type == "economic" and not result.value_type_assessed


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
