"""Regression tests for the durable-rules behaviours listed in DESIGN.md.

Each runs the real engine with the shipped knowledge; a failure here usually
shows up as a crashed (segfaulted) test process rather than a failed assert.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from recommender import EngineError, Recommender
from recommender.evaluation import Session

from .conftest import edit


def profile(i: int) -> dict[str, object]:
    industries = ["finance", "logistics", "government", "retail", "agriculture", "hospitality"]
    needs = [["office.meeting"], ["production"], [], ["customer", "hr.training"], ["transmission"]]
    return {"name": f"c{i}", "industry": industries[i % len(industries)], "employees": 2 + i % 700,
            "annual_spend": float(i * 37 % 90000), "lifecycle_stage": ["new", "growth", "mature"][i % 3],
            "needs": needs[i % len(needs)], "budget_monthly": 500 + i % 9000}


def test_facts_no_rule_matches_do_not_crash(rec: Recommender) -> None:
    # the manufacturing rule infers no need, 2 staff fire no size rule, and the need
    # office.admin is tested by no rule: only the catch-all sees these facts.
    result = rec.recommend({"name": "tiny workshop", "industry": "manufacturing", "employees": 2,
                            "needs": ["office.admin"]})
    assert result.bundles
    assert {r.rule for r in result.fired_rules} <= {"channel_partner", "standard_service",
                                                    "manufacturing_reliable_voice",
                                                    "managing_city", "am_service_rep",  # [B] who serves;
                                                    "am_major_account", "am_account_manager",  # the class's, outranked
                                                    "pricing_standard", "unified_billing",  # [D] pricing by size
                                                    "channel_electronic", "marketing_mass_market"}  # [C]


def test_five_thousand_recommendations_in_a_row_stay_under_the_session_cap(kb_copy: Path) -> None:
    rec = Recommender.from_path(kb_copy)
    engine = rec._state[1]
    for i in range(5000):
        engine.clear_cache()  # force a real durable-rules session every time
        assert rec.recommend(profile(i), top_k=1).customer_name == f"c{i}"


def test_exception_in_an_action_is_a_typed_error_and_the_engine_recovers(
        rec: Recommender, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Session, index: int, rule: object) -> list[dict[str, object]]:
        raise RuntimeError("boom in an action")

    rec._state[1].clear_cache()
    with monkeypatch.context() as patch:
        patch.setattr(Session, "apply", broken)
        with pytest.raises(EngineError, match="boom in an action"):
            rec.recommend(profile(1))
    assert rec.recommend(profile(1)).fired_rules  # same engine, next call works


def test_eight_threads_give_the_same_results_as_sequential_calls(kb_copy: Path) -> None:
    rec = Recommender.from_path(kb_copy)
    profiles = [profile(i) for i in range(64)]
    sequential = [rec.recommend(p).model_dump_json() for p in profiles]
    rec._state[1].clear_cache()
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(lambda p: rec.recommend(p).model_dump_json(), profiles))
    assert parallel == sequential


def test_two_recommenders_with_different_knowledge_live_side_by_side(rec: Recommender, kb_copy: Path) -> None:
    edit(kb_copy / "catalogs/group/rules.yaml", "      customer: {industry: logistics}",
         "      customer: {industry: retail}")
    other = Recommender.from_path(kb_copy)
    logistics = {"name": "x", "industry": "logistics", "employees": 50, "needs": ["production"]}
    for _ in range(3):  # interleaved calls, each answered by its own knowledge
        assert "logistics_fleet" in [r.rule for r in rec.recommend(logistics).fired_rules]
        assert "logistics_fleet" not in [r.rule for r in other.recommend(logistics).fired_rules]


def test_engines_start_no_background_threads(kb_copy: Path) -> None:
    before = threading.active_count()
    Recommender.from_path(kb_copy).recommend(profile(3))
    assert threading.active_count() == before


def test_cached_and_uncached_evaluations_agree(kb_copy: Path) -> None:
    rec = Recommender.from_path(kb_copy)
    first = rec.recommend(profile(7)).model_dump_json()
    assert rec.recommend(profile(7)).model_dump_json() == first  # from the cache
    rec._state[1].clear_cache()
    assert rec.recommend(profile(7)).model_dump_json() == first  # evaluated again


def test_every_rule_matching_one_fact_fires(rec: Recommender) -> None:
    # durable-rules' post() would fire only the first matching rule; assert_facts must fire all.
    result = rec.recommend({"name": "bank", "industry": "finance", "employees": 1500, "annual_spend": 50000,
                            "lifecycle_stage": "mature", "value_type": "dual"})
    fired = {r.rule for r in result.fired_rules}
    assert {"finance_dedicated_lines", "finance_mobile_payment", "large_customer_integration", "channel_direct",
            "key_account_service", "lifecycle_mature", "retention_plan"} <= fired
    # the bundle stage: the chosen bundle holds the dedicated line, which fires fixed_mobile_bundle on it
    assert "fixed_mobile_bundle" in fired
