"""Seed 004 3.1 集团客户价值评估 (value type from its indicators) and 3.2 不同周期划分标准 (a lifecycle stage
derived from tenure, purchase trend and churn), each decision said in the result and the rationale."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from recommender import CustomerProfile, ProfileError, Recommender
from recommender.assess import assess
from recommender.recommender import default_knowledge_dir

from .test_knowledge_faithful import SEEDS, cited, quoted, seed_text

# A mid-sized firm: scale 3.25 alone is short of a large group (3.5).
MID = {"name": "x", "industry": "electronics", "employees": 400, "company_revenue": 8e7}


def value(rec: Recommender, **fields: Any) -> tuple[str, str]:
    result = assess(CustomerProfile(**(MID | fields)), rec.knowledge)
    return result.value_type, result.value.basis


def test_high_economic_and_social_value_is_dual(rec: Recommender) -> None:
    """名利双收: profit, a pioneering IT attitude and two influences lift a mid-sized firm to dual value."""
    result = assess(CustomerProfile(**MID, profit_margin=0.15, it_attitude="pioneer", it_investment=3e6,
                                    social_influence=["policy", "demonstration"]), rec.knowledge)
    assert result.value_type == "dual" and result.value.basis == "indicators"
    parts = {p.id: p.score for p in result.value.economic_parts}
    # scale 3.25, IT investment (4 + 3 + 3 + 3) / 4, profitability (5 + 3) / 2, attitude 5
    assert parts == {"scale": 3.25, "it_investment": 3.25, "profitability": 4.0, "it_attitude": 5.0}
    assert result.value.economic == round((3.25 + 3.25 + 4 + 5) / 4, 4) and result.value.economic_high
    assert [e.id for e in result.value.social or []] == ["policy", "demonstration"] and result.value.social_high
    assert value(rec) == ("economic", "large_group")  # the same firm known by scale alone


@pytest.mark.parametrize(("fields", "expected"), [
    ({"profit_margin": 0.15, "it_attitude": "pioneer", "social_influence": []}, "economic"),
    ({"profit_margin": 0.15, "it_attitude": "pioneer", "social_influence": ["policy"]}, "economic"),  # one of 3
    ({"profit_margin": 0.01, "it_attitude": "follower", "social_influence": ["policy", "resources"]}, "social"),
    ({"profit_margin": 0.15, "it_attitude": "pioneer", "social_influence": ["policy", "resources"]}, "dual"),
    ({"it_attitude": "pioneer"}, "economic"),  # no influence given and not a large group: not dual
])
def test_value_type_by_economic_against_social_value(rec: Recommender, fields: dict[str, Any],
                                                     expected: str) -> None:
    assert value(rec, **fields)[0] == expected


def test_a_large_group_without_economic_potential_is_not_dual(rec: Recommender) -> None:
    """The scale reading (大行业、大集团 -> dual) needs high economic value too: a passive follower loses it."""
    big = {"industry": "power", "employees": 3000, "company_revenue": 2e9}
    assert value(rec, **big) == ("dual", "large_group")
    assert value(rec, **big, it_attitude="follower", profit_margin=-0.02) == ("economic", "large_group")


@pytest.mark.parametrize("industry", ["government", "park_committee", "public_institution"])
def test_a_non_profit_authority_stays_social(rec: Recommender, industry: str) -> None:
    result = assess(CustomerProfile(name="x", industry=industry, employees=5000, company_revenue=5e9,
                                    it_attitude="pioneer", profit_margin=0.3, social_influence=[]), rec.knowledge)
    assert result.value_type == "social" and result.value.basis == "authority"
    assert result.value.authority is not None and result.value.authority.id == industry


def test_an_authority_holds_policy_influence_for_its_class(rec: Recommender) -> None:
    result = assess(CustomerProfile(name="x", industry="government", employees=60), rec.knowledge)
    influence = next(c for c in result.class_criteria if c.id == "social_influence")
    assert influence.indicators == {"policy": 5} and influence.missing == ["resources", "demonstration"]


def test_a_stated_value_type_wins(rec: Recommender) -> None:
    result = assess(CustomerProfile(**MID, value_type="social", it_attitude="pioneer"), rec.knowledge)
    assert result.value_type == "social" and not result.value_type_assessed and result.value.basis == "stated"


@pytest.mark.parametrize(("fields", "stage"), [
    ({"former_products": ["group_vpmn"]}, "churned"),
    ({"former_products": ["group_vpmn"], "existing_products": ["group_sms"], "spend_growth": 0.0}, "mature"),
    ({"tenure_months": 11}, "new"),
    ({"tenure_months": 11, "spend_growth": -0.3}, "new"),  # 从入网到购买开始增长: the first year is stage A
    ({"tenure_months": 12}, None),  # past the first year, no trend: nothing to go by
    ({"spend_growth": 0.1}, "growth"),
    ({"spend_growth": 0.09}, "mature"),
    ({"spend_growth": -0.04}, "mature"),
    ({"spend_growth": -0.05}, "decline"),
    ({"products_change": 1}, "growth"),
    ({"products_change": -1}, "decline"),
    ({"products_change": 0}, "mature"),
    ({"products_change": 2, "spend_growth": -0.02}, "mature"),  # a wider range but spend slipping
    ({"products_change": -2, "spend_growth": 0.3}, "growth"),  # spend and range disagree: spend decides
    ({"products_change": 2, "spend_growth": -0.2}, "decline"),
    ({}, None),
])
def test_lifecycle_stage_derived_from_tenure_trend_and_churn(rec: Recommender, fields: dict[str, Any],
                                                             stage: str | None) -> None:
    lifecycle = assess(CustomerProfile(**MID, **fields), rec.knowledge).lifecycle
    assert lifecycle.stage == stage and lifecycle.derived == (stage is not None)


def test_a_stated_stage_wins_over_the_evidence(rec: Recommender) -> None:
    lifecycle = assess(CustomerProfile(**MID, lifecycle_stage="mature", spend_growth=0.5, tenure_months=2),
                       rec.knowledge).lifecycle
    assert lifecycle.stage == "mature" and not lifecycle.derived


@pytest.mark.parametrize(("trend", "strategy"), [
    ({"spend_growth": -0.2, "products_change": -2}, "upgrade"),  # 购买范围和规模缩小 -> 衰退 (D): new value
    ({"spend_growth": 0.0, "products_change": 0}, "retain"),  # 非常稳定，业务购买完整成熟 -> 成熟 (C): loyalty
])
def test_c_and_d_are_read_by_their_names(rec: Recommender, trend: dict[str, float], strategy: str) -> None:
    """The capture lists the shrinking criterion under C and the stable one under D; the stages' names and
    questions (C 如何培养顾客忠诚度, D 如何延长客户“生命周期”) decide."""
    result = rec.recommend(MID | trend | {"tenure_months": 60, "needs": ["office.daily"], "budget_monthly": 3000})
    assert result.advice.strategy is not None and result.advice.strategy.id == strategy


def test_shrinking_purchases_raise_churn_advice(rec: Recommender) -> None:
    """004 2.4: 有效防止集团客户的转网流失…必须以优惠方案来换取时间; high-value ones: 拼资费、拼关系 …"""
    profile = {"name": "x", "industry": "power", "employees": 4000, "company_revenue": 3e9, "spend_growth": -0.2,
               "needs": ["office.daily"], "budget_monthly": 20000}
    notes = {n.rule for n in rec.recommend(profile).advice.notes}
    assert {"churn_risk_lock_in", "high_value_retention"} <= notes
    small = profile | {"employees": 40, "company_revenue": 5e6}
    notes = {n.rule for n in rec.recommend(small).advice.notes}
    assert "churn_risk_lock_in" in notes and "high_value_retention" not in notes
    steady = {n.rule for n in rec.recommend(profile | {"spend_growth": 0.0}).advice.notes}
    assert not {"churn_risk_lock_in", "high_value_retention"} & steady


def test_the_rationale_says_what_decided(rec: Recommender) -> None:
    result = rec.recommend(MID | {"profit_margin": 0.15, "it_attitude": "pioneer",
                                  "social_influence": ["policy", "demonstration"], "spend_growth": -0.2,
                                  "needs": ["office.daily"], "budget_monthly": 3000})
    zh, en = result.rationale_text("zh", detail=True), result.rationale_text("en", detail=True)
    assert "价值评估：经济价值" in zh and "盈利水平4.00" in zh and "信息化态度(创新型、技术先锋)5.00" in zh
    assert "社会影响力：行业政策/标准影响力、行业示范影响力，属高" in zh
    assert "等级依据：客户规模3.25、收入规模3.00、社会影响力3.67" in zh
    assert "生命周期：衰退客户（由年消费变化-20%推得）" in zh
    assert "Profitability 4.00" in en and "declining customer (D), derived from spend change -20%" in en
    head = zh.splitlines()[1]  # the assessment line names the value type and class, no ids
    assert head.startswith("评估: 价值类型 社会经济双重价值型, 客户等级 ") and "dual" not in head
    assert result.assessment.names[result.assessment.customer_class or ""]["zh"] in head
    stated = rec.recommend(MID | {"lifecycle_stage": "decline", "needs": ["office.daily"]})
    assert "\n  生命周期：" not in stated.rationale_text("zh", detail=True)  # a stated stage needs no explanation
    government = rec.recommend({"name": "x", "industry": "government", "employees": 60, "needs": ["office"]})
    assert "属非盈利权威组织（党政军/政府），为社会价值型" in government.rationale_text("zh", detail=True)


def test_value_ids_are_checked_against_the_assessment(rec: Recommender) -> None:
    with pytest.raises(ProfileError) as err:
        rec.parse_profile(MID | {"it_attitude": "pionier", "social_influence": ["policy", "media"]})
    found = {(i.path, i.code) for i in err.value.issues}
    assert found == {("it_attitude", "unknown-reference"), ("social_influence[1]", "unknown-reference")}
    assert "pioneer" in (err.value.issues[0].hint or "") + (err.value.issues[1].hint or "")


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside this checkout")
def test_value_evaluation_entries_quote_seed_004() -> None:
    data = yaml.safe_load((default_knowledge_dir() / "assessment.yaml").read_text(encoding="utf-8"))
    entries = data["it_attitudes"] + data["social_influences"]
    assert [e["id"] for e in data["social_influences"]] == ["policy", "resources", "demonstration"]
    wrong = [f"{e['id']}: {passage}" for e in entries if not e["source"].startswith("reading:")
             for passage in quoted(e["source"]) if passage not in "".join(seed_text(n) for n in cited(e["source"]))]
    assert not wrong
    # the seven social-value indicators of 004 3.1, each under one of the three influences
    indicators = "".join(e["source"] for e in data["social_influences"])
    for text in ("制定行业政策/标准的参与程度", "在地方经济的总体地位", "与相关行业主管政府部门的关系程度",
                 "对行业内信息资源的参与程度", "对行业内权威媒体的影响程度", "相关行业组织和活动的参与程度",
                 "业内相关排名次序/美誉度"):
        assert text in indicators and text in seed_text("004")


@pytest.mark.parametrize(("focus", "rule", "need"), [
    ("voice", "demand_voice", "transmission.voice"),
    ("industry_solution", "demand_industry_solution", "infrastructure.integration"),
    ("one_stop", "demand_one_stop", "infrastructure.integration"),
])
def test_demand_focus_of_seed_001(rec: Recommender, focus: str, rule: str, need: str) -> None:
    """001 一.1: 有的以语音需求为主，有的需要提供全面的行业解决方案，有的需要提供一站式服务."""
    profile = {"name": "x", "industry": "retail", "employees": 80, "budget_monthly": 3000}
    result = rec.recommend(profile | {"demand_focus": focus})
    assert rule in {r.rule for r in result.fired_rules} and need in {n.id for n in result.needs}
    assert rule not in {r.rule for r in rec.recommend(profile).fired_rules}
    with pytest.raises(ProfileError, match="unknown demand focus 'voices'"):
        rec.parse_profile(profile | {"demand_focus": "voices"})
