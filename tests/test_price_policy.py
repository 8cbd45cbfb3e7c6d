"""Pricing and subsidy policy: each bundle states its products' policy classes and its handsets' subsidy caps."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender import Recommender, load_knowledge
from recommender.recommender import default_knowledge_dir

SCENARIOS = default_knowledge_dir() / "scenarios"


@pytest.fixture(scope="module")
def sme() -> Recommender:
    return Recommender.default("sme")


def shop(**extra: object) -> dict[str, object]:
    return {"name": "某商铺", "industry": "retail", "segment": "sme", "employees": 8, "mobile_users": 2,
            "budget_monthly": 300, "budget_one_time": 4000, "needs": ["access.mobile_data"], **extra}


def test_a_bundle_with_smartphones_states_the_80_percent_cap_as_yuan(sme: Recommender) -> None:
    bundle = next(b for b in sme.recommend(shop()).bundles if any(p.id == "smartphone_3g" for p in b.products))
    handset = next(p for p in bundle.products if p.id == "smartphone_3g")
    (line,) = [x for x in bundle.pricing_policy if x.kind == "subsidy"]
    assert (line.policy, line.products) == ("smart_3g", ["smartphone_3g"])
    assert line.max_subsidy == pytest.approx(handset.one_time * 0.8)
    assert "不超过80%" in line.text["zh"] and "80%" in line.text["en"]
    assert bundle.price.one_time == handset.one_time + sum(p.one_time for p in bundle.products if p is not handset)


def test_every_product_of_a_bundle_is_listed_under_its_policy_class_once(sme: Recommender) -> None:
    kb = load_knowledge(default_knowledge_dir(), "sme")
    for bundle in sme.recommend(shop(needs=["access.mobile_data", "transmission.broadband"])).bundles:
        listed = [p for x in bundle.pricing_policy if x.kind == "pricing" for p in x.products]
        assert sorted(listed) == sorted(p.id for p in bundle.products)
        for x in bundle.pricing_policy:
            if x.kind == "pricing":
                assert all(kb.policy_classes[p].id == x.policy for p in x.products)


def test_broadband_is_listed_as_strategic_and_charged_below_129(sme: Recommender) -> None:
    rec = sme.recommend(shop(needs=["transmission.broadband"], employees=4, budget_monthly=150))
    bundle = rec.bundles[0]
    strategic = next(x for x in bundle.pricing_policy if x.policy == "strategic_innovation")
    assert "broadband_8m" in strategic.products and "不予优惠" in strategic.text["zh"]
    text = bundle.rationale_text("zh")
    assert "定价与补贴政策" in text and "战略创新类产品（" in text
    assert "Pricing and subsidy policy" in bundle.rationale_text("en")


def test_shipped_knowledge_keeps_its_own_pricing_policy() -> None:
    """The A8 129 tier's free broadband is a package term, so no discount-over-cap warning."""
    for catalog in ("group", "sme"):
        kb = load_knowledge(default_knowledge_dir(), catalog)
        assert not [w for w in kb.warnings if w.code in {"discount-over-cap", "too-many-tiers", "tariff-item"}]


def test_price_scenarios_cite_a_seed() -> None:
    files = sorted(Path(SCENARIOS).glob("price_*.yaml"))
    assert len(files) >= 6
    assert all("source: \"00" in f.read_text(encoding="utf-8") for f in files)


def test_a_scenario_checks_the_pricing_policy_a_bundle_lists(sme: Recommender) -> None:
    from recommender.knowledge.schema import Scenario
    from recommender.scenarios import compare, unknown_ids

    result = sme.recommend(shop())

    def scenario(policy: dict[str, str]) -> Scenario:
        return Scenario.model_validate({"id": "x", "description": {"zh": "测试", "en": "test"}, "source": "002",
                                        "profile": shop(), "expect": {"any_bundle": {"policy": policy}}})
    assert compare(scenario({"smartphone_3g": "smart_3g", "a8_package": "basic_communication"}), result) == []
    (failure,) = compare(scenario({"smartphone_3g": "strategic_innovation"}), result)
    assert "'smartphone_3g' under the 'strategic_innovation' pricing policy" in failure
    assert any("smart_4g" in x for x in unknown_ids(scenario({"smartphone_3g": "smart_4g"}), sme.knowledge))


def test_policy_sources_quote_their_seeds_word_for_word() -> None:
    """Every Chinese passage the policy classes, handset types and pricing policy quote is in a seed they cite."""
    from .test_knowledge_faithful import SEEDS, cited, quoted, seed_text

    if not SEEDS.is_dir():
        pytest.skip("the seed documents are not beside this checkout")
    fw = load_knowledge(default_knowledge_dir()).framework
    sources = [(c.id, c.source) for c in fw.policy_classes] + [(t.id, t.source) for t in fw.handset_types]
    sources.append(("pricing_policy", fw.pricing_policy.source))
    wrong = []
    for name, source in sources:
        assert source and cited(source), name
        text = "".join(seed_text(n) for n in cited(source))
        wrong += [f"{name}: {passage!r}" for passage in quoted(source) if passage not in text]
    assert not wrong, "\n".join(wrong)
