"""Key persons' own needs (seed 004 3.2) reach the bundles, and stay apart from the nine modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recommender import KnowledgeError, Recommender, load_knowledge
from recommender.bundling import need_units

from .conftest import edit

BUREAU = {"name": "某省国土资源厅", "industry": "government", "segment": "party_gov_military", "employees": 400,
          "needs": ["office"], "budget_monthly": 10000,
          "key_persons": [{"title": "厅长", "rank": "bureau"}, {"title": "处长", "rank": "division"}]}


def _top(rec: Recommender, profile: dict[str, Any]) -> list[str]:
    result = rec.recommend(profile)
    return sorted(p.id for p in result.bundles[0].products) if result.bundles else []


def test_framework_declares_the_six_needs_of_the_seed_table(rec: Recommender) -> None:
    needs = {n.id for n in rec.knowledge.framework.key_person_needs}
    assert needs == {f"key_person.{n}" for n in ("power", "achievement", "recognition", "belonging", "order",
                                                  "security")}
    assert all(rec.knowledge.products_by_item.get(n) for n in needs)  # each has a means in the group catalog


def test_bureau_head_gets_means_for_the_key_person_in_bundle_1(rec: Recommender) -> None:
    result = rec.recommend(BUREAU)
    top = result.bundles[0]
    assert "secure_mobile_mailbox" in {p.id for p in top.products}
    reasons = [r for p in top.products for r in p.reasons]
    assert any((r.need or "").startswith("key_person.") for r in reasons)
    assert {n.id for n in result.needs} >= {"key_person.security", "key_person.power"}


def test_key_person_needs_respect_the_budget(rec: Recommender) -> None:
    """The key person's means are inferred needs: they never push a bundle over the budget."""
    result = rec.recommend(dict(BUREAU, needs=["customer.notification"], budget_monthly=120))
    for bundle in result.bundles:
        assert bundle.price.recurring_monthly <= 120
        assert "secure_mobile_mailbox" not in {p.id for p in bundle.products}


def test_without_key_persons_nothing_changes(rec: Recommender) -> None:
    profile = {k: v for k, v in BUREAU.items() if k != "key_persons"}
    result = rec.recommend(profile)
    assert not [n for n in result.needs if n.id.startswith("key_person.")]
    assert "secure_mobile_mailbox" not in _top(rec, profile)


def test_a_stated_module_never_expands_to_key_person_needs(rec: Recommender) -> None:
    ev = rec._state[1].evaluate({"industry": "retail", "employees": 50}, {"office": 1.0})
    assert not [item for _, item, _ in need_units(rec.knowledge, ev) if item.startswith("key_person.")]


@pytest.mark.parametrize("rule", ["hr_needs_by_size", "one_stop_oa"])
def test_a_need_condition_on_a_module_does_not_match_key_person_needs(rec: Recommender, rule: str) -> None:
    """hr_needs_by_size and one_stop_oa test `need: office`; a key person's needs are not office needs."""
    profile = {"name": "某省电力公司", "industry": "power", "employees": 3000, "company_revenue": 2e9,
               "needs": ["production.asset_monitoring"], "budget_monthly": 20000, "key_persons": [{"rank": "bureau"}]}
    fired = {f.rule for f in rec.recommend(profile).fired_rules}
    assert "key_person_work_needs" in fired and rule not in fired


def test_section_rank_gets_fewer_needs_than_a_bureau_head(rec: Recommender) -> None:
    section = rec.recommend(dict(BUREAU, key_persons=[{"rank": "section"}]))
    needs = {n.id: n.weight for n in section.needs if n.id.startswith("key_person.")}
    assert needs == {"key_person.power": 0.3, "key_person.belonging": 0.3}


def test_sme_division_head_gets_unified_communication() -> None:
    rec = Recommender.default("sme")
    profile = {"name": "某市税务分局", "industry": "government", "segment": "party_gov_military", "employees": 80,
               "needs": ["office", "customer.notification"], "budget_monthly": 3000,
               "key_persons": [{"rank": "division"}]}
    assert "unified_communication" in _top(rec, profile)


def test_key_person_need_ids_carry_their_prefix(kb_copy: Path) -> None:
    edit(kb_copy / "framework.yaml", "  - {id: key_person.order, ", "  - {id: office.order, ")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kb_copy)
    bad = [i for i in caught.value.issues if i.code == "bad-need-id"]
    assert [i.path for i in bad] == ["key_person_needs[4].id"]
