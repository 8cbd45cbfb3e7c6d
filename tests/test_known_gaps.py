"""Known gaps (catalog.yaml ``known_gaps``): need items the seed names no product for.

Coverage reports them apart from unexplained holes; validation refuses an unknown item
and warns about a gap a product for sale in fact serves.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender import KnowledgeError, load_knowledge
from recommender.coverage import coverage
from recommender.recommender import default_knowledge_dir

from .conftest import edit

SME_CATALOG = "catalogs/sme/catalog.yaml"


def test_sme_catalog_declares_what_seed_002_names_no_product_for() -> None:
    kb = load_knowledge(default_knowledge_dir(), "sme")
    report = coverage(kb, [])
    assert report.items_without_products == []
    assert set(report.known_gaps) == {"access.wlan", "access.m2m", "hr.recruiting", "hr.positions", "hr.planning",
                                      "hr.training", "production.fleet", "production.asset_monitoring"}
    assert all(g.source.startswith("002") and g.reason["zh"] and g.reason["en"] for g in kb.catalog.known_gaps)
    assert "known gaps (the seed names no product): access.wlan" in report.text()


def test_group_catalog_has_a_product_for_every_item() -> None:
    report = coverage(load_knowledge(default_knowledge_dir(), "group"), [])
    assert report.items_without_products == [] and report.known_gaps == []


def test_an_undeclared_item_without_products_is_a_hole(kb_copy: Path) -> None:
    edit(kb_copy / SME_CATALOG, "  - item: production.fleet\n", "  - item: production.fleet-removed\n")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kb_copy, "sme")
    assert [i.code for i in caught.value.issues] == ["unknown-reference"]
    assert caught.value.issues[0].path == "known_gaps[6].item"
    edit(kb_copy / SME_CATALOG, "  - item: production.fleet-removed\n", "  - item: access.wlan\n")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kb_copy, "sme")
    assert [i.code for i in caught.value.issues] == ["duplicate-id"]


def test_removing_a_gap_makes_coverage_incomplete(kb_copy: Path) -> None:
    text = (kb_copy / SME_CATALOG).read_text(encoding="utf-8")
    (kb_copy / SME_CATALOG).write_text(text[:text.index("known_gaps:")], encoding="utf-8")
    report = coverage(load_knowledge(kb_copy, "sme"), [])
    assert "production.fleet" in report.items_without_products and report.known_gaps == []
    assert not report.complete and "need items no product serves: access.wlan" in report.text()


def test_a_gap_on_a_module_covers_its_items_and_a_served_gap_warns(kb_copy: Path) -> None:
    edit(kb_copy / SME_CATALOG, "  - item: access.wlan\n", "  - item: production\n")
    kb = load_knowledge(kb_copy, "sme")
    warnings = [(i.code, i.path) for i in kb.warnings]
    assert warnings == [("known-gap-served", "known_gaps[0].item")]
    assert "production.dispatch" in kb.warnings[0].message
    report = coverage(kb, [])
    assert "access.wlan" in report.items_without_products
    assert "production.fleet" in report.known_gaps and "production.dispatch" not in report.known_gaps
