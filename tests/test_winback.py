"""Winning back what a churned customer left (seed 004 3.2, stage E)."""

from __future__ import annotations

from recommender import Recommender

CHURNED = {"name": "某物流运输有限公司", "industry": "logistics", "employees": 300, "lifecycle_stage": "churned",
           "needs": ["production"], "former_products": ["group_vpmn"], "budget_monthly": 8000}


def test_a_former_product_comes_back_with_the_needs_it_served(rec: Recommender) -> None:
    result = rec.recommend(CHURNED)
    assert "group_vpmn" in {p.id for p in result.bundles[0].products}
    won_back = {n.id for n in result.needs if n.sources == ["win_back"]}
    assert "transmission.voice" in won_back


def test_winning_back_a_product_infers_no_key_person_need(rec: Recommender) -> None:
    """The V-net serves key persons' needs too, but this customer names no key person."""
    assert not [n.id for n in rec.recommend(CHURNED).needs if n.id.startswith("key_person.")]
