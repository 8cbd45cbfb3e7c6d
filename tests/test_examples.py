"""The bundled example customers, checked against what the seeds say about them."""

from __future__ import annotations

from recommender import Recommendation

from .conftest import EXAMPLES, example_recommender


def recommend(stem: str) -> Recommendation:
    path = EXAMPLES / f"{stem}.yaml"
    rec = example_recommender(path)
    return rec.recommend(rec.load_profile(path), top_k=3)


def notes(result: Recommendation) -> set[str]:
    return {n.rule for n in result.advice.notes}


def test_bank_gets_dedicated_lines_and_key_person_care() -> None:
    result = recommend("bank")
    # seed 003: the ICBC strategy starts from data (DDN dedicated lines) and voice
    assert "dedicated_line" in {p.id for p in result.bundles[0].products}
    assert {"transmission.dedicated_line", "transmission.voice"} <= {n.id for n in result.needs}
    # seed 002 4.4: 30+ staff are covered by direct sales; 6.3.4 bureau-level key person -> diamond card;
    # 6.3.1 40,000+ yuan a year -> retention plan
    assert result.advice.channel is not None and result.advice.channel.id == "direct_sales"
    assert {"vip_diamond", "vip_gold", "retention_plan"} <= notes(result)
    # seed 004 3.1: a large group is of dual (social and economic) value; 3.2 stage C -> retain
    assert result.assessment.value_type == "dual"
    assert result.advice.strategy is not None and result.advice.strategy.id == "retain"
    # the bank already has the V-net: never sold again
    assert all("group_vpmn" not in {p.id for p in b.products} for b in result.bundles)


def test_government_is_social_value_with_key_account_service() -> None:
    result = recommend("government")
    # seed 004 3.1: government bodies are 社会价值型; seed 002 6.3.3 key-customer service standard
    assert result.assessment.value_type == "social" and result.assessment.value_type_assessed
    assert result.advice.service_level is not None and result.advice.service_level.id == "key_account"
    # seed 002 4.4: 100+ staff in the capital city (Changchun) -> direct sales
    assert result.advice.channel is not None and result.advice.channel.id == "direct_sales"
    # seed 004 3.2 stage A (new customer) -> trial
    assert result.advice.strategy is not None and result.advice.strategy.id == "trial"
    assert "office.information" in {n.id for n in result.needs}


def test_logistics_gets_fleet_management() -> None:
    result = recommend("logistics")
    top = {p.id: p for p in result.bundles[0].products}
    # seed 004 3.1 logistics x LBS; seed 001 车务通 (no seed makes it depend on the IoT platform)
    assert "che_wu_tong" in top
    assert result.advice.strategy is not None and result.advice.strategy.id == "cross_sell"  # stage B


def test_small_shop_gets_the_a8_tier_its_bundle_spends() -> None:
    result = recommend("small_shop")
    assert result.catalog == "sme"
    # seed 002 6.1.1: tiers 39-89, 89-129, >=129 of the combined spend, the 8M broadband billed apart; the
    # shop's A8 and Wangpu assistant spend 59 yuan, so the 39-89 tier, whatever its 150 yuan budget
    top = result.bundles[0]
    spend = sum(p.recurring for p in top.products if p.id != "broadband_8m")
    assert 39 <= spend < 89
    assert [o.tier for o in top.offers] == ["a8_39_89"] and not result.advice.offers
    assert not top.discounts  # broadband is free only from 129 yuan
    # seed 002 6.2: small customers go to partner and electronic channels; 3.4.4: a micro, low-value one (6 staff,
    # 3000 yuan a year) to the electronic channel  [C]
    assert result.advice.channel is not None and result.advice.channel.id == "electronic"
    assert "a8_package" in {p.id for p in result.bundles[0].products}
    for bundle in result.bundles:
        assert bundle.price.recurring_monthly <= 150
        assert "e9_package" not in {p.id for p in bundle.products}  # A8 and e9 exclude each other
