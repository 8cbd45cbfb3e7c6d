"""Why-not diagnosis: QuickXPlain / FastDiag on the real search, and on a toy oracle."""

from __future__ import annotations

from recommender import Recommender
from recommender.diagnose import fastdiag, quickxplain


def test_quickxplain_and_fastdiag_find_minimal_sets() -> None:
    # Infeasible exactly when both a and c hold, or when b and d hold.
    def feasible(kept: frozenset[tuple[str, str]]) -> bool:
        names = {n for _, n in kept}
        return not ({"a", "c"} <= names or {"b", "d"} <= names)

    constraints = [("x", n) for n in "abcde"]
    assert sorted(quickxplain(constraints, feasible)) in ([("x", "a"), ("x", "c")], [("x", "b"), ("x", "d")])
    diagnosis = fastdiag(constraints, feasible)
    assert diagnosis is not None and len(diagnosis) == 2
    assert feasible(frozenset(constraints) - set(diagnosis))
    for c in diagnosis:  # minimal: dropping less is not enough
        assert not feasible(frozenset(constraints) - (set(diagnosis) - {c}))
    assert quickxplain(constraints[:2], feasible) == []
    assert fastdiag(constraints[:2], feasible) == []


def test_budget_too_small_names_the_budget_and_the_cheapest_way_out(rec: Recommender) -> None:
    result = rec.recommend({"name": "x", "industry": "manufacturing", "employees": 40,
                            "needs": ["production.monitoring"], "budget_monthly": 100})
    assert result.bundles == []
    d = result.diagnosis
    assert d is not None
    assert d.conflict == ["budget_monthly"]
    (relax,) = d.relaxations
    # cheapest seed covering process monitoring: iot_platform at 1200 (video surveillance 1000 + line 2000)
    assert relax.constraint == "budget_monthly" and "at least CNY 1,200" in relax.text["en"]
    assert "No bundle" in result.rationale_text("en") and "1,200元" in result.rationale_text("zh")


def test_exclusions_and_budget_conflict_together(rec: Recommender) -> None:
    result = rec.recommend({"name": "x", "industry": "manufacturing", "employees": 40,
                            "needs": ["production.monitoring"], "budget_monthly": 1250,
                            "excluded_products": ["iot_platform", "mobile_msn"]})
    d = result.diagnosis
    assert d is not None and result.bundles == []
    # iot_platform (1200) would fit but is excluded; video surveillance needs its 2000 line: over budget
    assert sorted(d.conflict) == ["budget_monthly", "excluded_products:iot_platform"]
    (relax,) = d.relaxations
    assert relax.constraint in ("budget_monthly", "excluded_products:iot_platform")
    if relax.constraint == "budget_monthly":
        assert "at least CNY 3,000" in relax.text["en"]


def test_no_needs_is_explained(rec: Recommender) -> None:
    # the manufacturing rule only proposes a product and notes: it infers no need
    result = rec.recommend({"name": "x", "industry": "manufacturing", "employees": 40})
    assert result.bundles == [] and result.diagnosis is not None
    assert "need" in result.diagnosis.text["en"]
