"""What a rival operator supplies the customer today (seed 004 竞争对手的优劣势分析; seed 003 第二步:竞争分析)."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender import KnowledgeError, ProfileError, Recommender, load_knowledge
from tests.conftest import edit

RULES = Path("catalogs") / "group" / "rules.yaml"
PLANT = {"name": "某机械制造公司", "industry": "manufacturing", "employees": 600, "mobile_users": 450,
         "needs": ["office.meeting.arrangement"], "budget_monthly": 15000}


def fired(rec: Recommender, profile: dict[str, object]) -> set[str]:
    return {r.rule for r in rec.recommend(profile).fired_rules}


def test_a_rival_condition_fires_only_for_the_products_the_rival_supplies(rec: Recommender) -> None:
    assert "rival_voice_discounts" not in fired(rec, PLANT)
    assert "rival_voice_discounts" not in fired(rec, {**PLANT, "rival_products": ["pwlan"]})
    assert "rival_voice_discounts" in fired(rec, {**PLANT, "rival_products": ["group_vpmn"]})


def test_voice_held_by_a_rival_becomes_a_need_the_v_net_wins_back(rec: Recommender) -> None:
    """The customer buys group voice elsewhere, so it needs voice: the bundle takes the V-net's member tariffs."""
    result = rec.recommend({**PLANT, "rival_products": ["group_vpmn"]})
    voice = next(n for n in result.needs if n.id == "transmission.voice")
    assert voice.sources == ["rival_voice_discounts"]
    assert "group_vpmn" in {p.id for p in result.bundles[0].products}


def test_an_unknown_rival_product_in_a_profile_is_located_with_a_hint(rec: Recommender) -> None:
    with pytest.raises(ProfileError) as caught:
        rec.recommend({**PLANT, "rival_products": ["group_vpnm"]})
    (issue,) = caught.value.issues
    assert (issue.code, issue.path) == ("unknown-reference", "rival_products[0]")
    assert issue.hint and issue.hint.startswith("did you mean 'group_vpmn'")


def test_an_unknown_rival_product_in_a_rule_is_located(kb_copy: Path) -> None:
    edit(kb_copy / RULES, "      rival: [group_vpmn, group_short", "      rival: [group_vpnm, group_short")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_copy)
    (issue,) = err.value.issues
    assert issue.code == "unknown-reference" and "rival product" in issue.message
    assert issue.file and issue.file.endswith("rules.yaml") and issue.line


def test_a_bundle_stage_rule_can_test_what_the_rival_supplies(kb_copy: Path) -> None:
    """At the bundle stage a rival condition joins a product condition: a note on this bundle only."""
    edit(kb_copy / RULES, "rules:\n", """rules:
  - id: vnet_against_rival_voice
    description: {zh: 以集团V网替换对手语音, en: The V-net replaces the rival's voice}
    source: "reading: test rule"
    stage: bundle
    when:
      product: group_vpmn
      rival: group_short_number
    then:
      - note: {zh: 说明如何迁移对手的集团短号, en: Explain how the rival's short numbers move over}
""")
    rec = Recommender(load_knowledge(kb_copy))
    held = rec.recommend({**PLANT, "rival_products": ["group_vpmn", "group_short_number"]})
    notes = [n.rule for b in held.bundles if "group_vpmn" in {p.id for p in b.products} for n in b.notes]
    assert "vnet_against_rival_voice" in notes
    free = rec.recommend({**PLANT, "rival_products": ["group_vpmn"]})
    assert not [n for b in free.bundles for n in b.notes if n.rule == "vnet_against_rival_voice"]
