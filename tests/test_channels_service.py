"""Channels, premises, the key-account service standard and marketing by customer class (seed 002 3.4,
6.2, 6.3; seed 003; seed 004 3.1), through the real engine."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest

from recommender import ProfileError, Recommender, load_knowledge
from recommender.knowledge import available_catalogs
from recommender.recommender import default_knowledge_dir
from recommender.result import Recommendation

from .test_knowledge_faithful import SEEDS, seed_text

CATALOGS = available_catalogs(default_knowledge_dir())


@cache
def _rec(catalog: str) -> Recommender:
    return Recommender.default(catalog)


def _advice(catalog: str, **profile: Any) -> Recommendation:
    base: dict[str, Any] = {"name": "某客户", "industry": "retail", "employees": 20, "segment": "sme"}
    return _rec(catalog).recommend(base | profile, top_k=1)


def _notes(result: Recommendation, lang: str = "zh") -> str:
    return "\n".join(n.text.get(lang) for n in result.advice.notes)


def _clauses(text: str) -> list[str]:
    """A text's clauses, with the seed's half-width punctuation, for a word-for-word comparison."""
    text = text.replace("（", "(").replace("）", ")")
    return [c for c in re.split(r"[：；，。:]", text) if c]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside this checkout")
def test_the_key_account_standard_is_seed_002s_fourteen_items_in_order() -> None:
    kb = load_knowledge(default_knowledge_dir())
    (level,) = [s for s in kb.framework.service_levels if s.id == "key_account"]
    assert len(level.details) == 14
    seed = seed_text("002")
    start = seed.index("6.3.3客户差异化服务标准的落实")
    at = start
    for item in level.details:
        assert item["en"] and item["zh"]
        for clause in _clauses(item["zh"]):
            assert clause.lower() in seed, clause
        first = seed.index(_clauses(item["zh"])[0].lower(), start)
        assert first >= at, f"{item['zh']} out of the seed's order"
        at = first


def test_every_channel_and_premises_is_assigned_or_tested_by_a_rule_of_each_catalog() -> None:
    for catalog in CATALOGS:
        kb = load_knowledge(default_knowledge_dir(), catalog)
        set_channels = {e.channel for r in kb.rules for e in r.then if e.channel}
        assert set_channels == {c.id for c in kb.framework.channels}, catalog
        tested = set(re.findall(r"premises: (\w+)", (kb.root / "catalogs" / catalog / "rules.yaml").read_text()))
        assert tested >= {p.id for p in kb.framework.premises}, catalog


@pytest.mark.parametrize("catalog", CATALOGS)
def test_a_micro_low_value_customer_is_served_by_the_electronic_channel(catalog: str) -> None:
    result = _advice(catalog, employees=5, annual_spend=2400)
    assert result.advice.channel is not None and result.advice.channel.id == "electronic"
    assert any("10000号" in d["zh"] for d in result.advice.channel.details)
    assert result.advice.service_level is not None and result.advice.service_level.id == "standard"


@pytest.mark.parametrize("catalog", CATALOGS)
def test_spending_40000_a_year_makes_a_small_customer_a_key_account_under_direct_sales(catalog: str) -> None:
    result = _advice(catalog, employees=5, annual_spend=40000, premises="street_shop")
    assert result.advice.channel is not None and result.advice.channel.id == "direct_sales"
    level = result.advice.service_level
    assert level is not None and level.id == "key_account" and len(level.details) == 14


@pytest.mark.parametrize("catalog", CATALOGS)
def test_a_small_street_shop_goes_to_the_own_hall_a_large_one_to_direct_sales(catalog: str) -> None:
    small = _advice(catalog, employees=8, premises="street_shop")
    assert small.advice.channel is not None and small.advice.channel.id == "own_outlet"
    large = _advice(catalog, employees=40, premises="street_shop", city="四平")
    assert large.advice.channel is not None and large.advice.channel.id == "direct_sales"


@pytest.mark.parametrize("catalog", CATALOGS)
@pytest.mark.parametrize(("premises", "partner"), [("business_building", "物业管理部门"),
                                                    ("industrial_park", "管委会"),
                                                    ("professional_market", "驻地代理商")])
def test_premises_pick_the_regional_partner_and_the_cluster_plan(catalog: str, premises: str, partner: str) -> None:
    result = _advice(catalog, premises=premises)
    assert result.advice.channel is not None and result.advice.channel.id == "partner_channel"
    assert partner in _notes(result)
    assert "一聚类一计划" in _notes(result) or premises == "industrial_park" and catalog == "group"


def test_an_ordinary_firm_is_not_over_served() -> None:
    """Seed 003: avoid over-serving ordinary customers; 60 staff at 219 yuan a month is ordinary (audit p12)."""
    result = _advice("sme", employees=60, annual_spend=2628, company_revenue=30_000_000, city="白山")
    assert result.advice.channel is not None and result.advice.channel.id == "direct_sales"
    level = result.advice.service_level
    assert level is not None and level.id == "standard"
    assert not any("机房巡检" in d["zh"] for d in level.details)


def test_the_service_standard_prints_under_the_service_level() -> None:
    result = _advice("group", industry="government", employees=18)
    assert "· 机房巡检服务：一次/季/客户" in result.rationale_text("zh", detail=True)
    assert "· Machine-room inspection: once a quarter" in result.rationale_text("en", detail=True)


@pytest.mark.parametrize(("catalog", "value_type", "rule"), [
    ("group", "economic", "marketing_mass_market"), ("group", "dual", "marketing_business_and_service"),
    ("group", "social", "marketing_authority"), ("sme", "economic", "marketing_mass_market")])
def test_each_customer_class_gets_its_marketing_approach(catalog: str, value_type: str, rule: str) -> None:
    result = _advice(catalog, value_type=value_type)
    assert rule in {n.rule for n in result.advice.notes}


def test_application_led_for_mid_size_and_value_led_for_micro() -> None:
    assert "应用引领" in _notes(_advice("sme", employees=20))
    assert "价值引领" in _notes(_advice("sme", employees=6))


def test_an_unknown_premises_is_refused_with_a_hint() -> None:
    with pytest.raises(ProfileError) as info:
        _advice("sme", premises="street_shops")
    (issue,) = info.value.issues
    assert issue.code == "unknown-reference" and issue.path == "premises" and "street_shop" in (issue.hint or "")


def test_the_installation_area_makes_an_unsegmented_customer_an_sme_cluster_customer() -> None:
    """Seed 002 6.4: 装机地址明确客户群的属性 — installed in a cluster area, it gets A8, not the home e9."""
    profile = {"name": "某商行", "industry": "retail", "employees": 8, "needs": ["transmission.voice"]}
    installed = _rec("sme").recommend(profile | {"premises": "professional_market"}, top_k=1)
    assert "sme_base_offer" in {r.rule for r in installed.fired_rules}
    assert "sme_base_offer" not in {r.rule for r in _rec("sme").recommend(profile, top_k=1).fired_rules}
