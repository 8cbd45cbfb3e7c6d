"""Rationale structure and text, and byte-identical JSON for equal inputs."""

from __future__ import annotations

import json
from pathlib import Path

from recommender import CustomerProfile, Recommender

from .conftest import EXAMPLES

LOGISTICS = EXAMPLES / "logistics.yaml"


def test_every_product_has_a_reason_and_dependencies_name_their_puller(rec: Recommender) -> None:
    result = rec.recommend(rec.load_profile(LOGISTICS), top_k=3)
    for bundle in result.bundles:
        ids = {p.id for p in bundle.products}
        for product in bundle.products:
            assert product.reasons, product.id
            for reason in product.reasons:
                if reason.kind == "dependency":
                    assert reason.product in ids
                    assert rec.knowledge.graph.requires.has_edge(reason.product, product.id)
                if reason.kind == "rule":
                    assert reason.rule in {r.rule for r in result.fired_rules}
                    assert reason.inputs


def test_rule_reason_names_the_input_it_fired_on(rec: Recommender) -> None:
    result = rec.recommend(rec.load_profile(LOGISTICS), top_k=3)
    fleet = next(p for b in result.bundles for p in b.products if p.id == "che_wu_tong")
    rule = next(r for r in fleet.reasons if r.kind == "rule")
    assert rule.rule == "logistics_fleet" and rule.inputs == ["customer.industry = logistics"]
    fired = next(r for r in result.fired_rules if r.rule == "logistics_fleet")
    assert fired.source and fired.location and fired.location.endswith(".yaml:" + fired.location.split(":")[-1])


def test_phases_deploy_dependencies_first(rec: Recommender) -> None:
    result = rec.recommend(rec.load_profile(LOGISTICS), top_k=3)
    for bundle in result.bundles:
        phase = {p.id: p.phase for p in bundle.products}
        for pid in phase:
            for dep in rec.knowledge.graph.required_by(pid) & phase.keys():
                assert phase[dep] < phase[pid]


def test_text_renders_in_both_languages(rec: Recommender) -> None:
    result = rec.recommend(rec.load_profile(LOGISTICS), top_k=1)
    en, zh = result.rationale_text("en", detail=True), result.rationale_text("zh", detail=True)
    assert "Bundle 1" in en and "Deployment phases" in en and "车务通" not in en
    assert "方案 1" in zh and "部署顺序" in zh and "车务通" in zh
    assert result.bundles[0].rationale_text("zh") in zh


def test_same_input_gives_byte_identical_json(tmp_path: Path) -> None:
    profile = Recommender.default().load_profile(LOGISTICS)
    first = Recommender.default().recommend(profile).model_dump_json(indent=2)
    second = Recommender.default().recommend(CustomerProfile.model_validate(profile.model_dump()))
    assert second.model_dump_json(indent=2) == first
    assert json.loads(first)["bundles"][0]["rank"] == 1


def test_price_breakdown_adds_up(rec: Recommender) -> None:
    for bundle in rec.recommend(rec.load_profile(EXAMPLES / "bank.yaml"), top_k=3).bundles:
        lines = bundle.price.lines
        assert bundle.price.recurring_monthly == sum(x.amount for x in lines if x.priceType == "recurring")
        assert bundle.price.one_time == sum(x.amount for x in lines if x.priceType == "one_time")


def test_profile_built_in_python_reports_every_problem() -> None:
    import pytest
    from pydantic import TypeAdapter, ValidationError

    from recommender import ProfileError, Source, parse_profile

    data = {"name": "", "industry": "finance", "employees": 1, "budget_montly": 5}
    with pytest.raises(ProfileError) as err:
        parse_profile(data)
    assert sorted(i.path for i in err.value.issues) == ["budget_montly", "employees", "name"]
    hint = next(i.hint for i in err.value.issues if i.path == "budget_montly")
    assert hint == "did you mean 'budget_monthly' or 'budget_one_time'?"
    # a table's row: every problem points at the row's line and names the table's column
    with pytest.raises(ProfileError) as err:
        parse_profile(data, source=Source(file="crm.csv", line=7, columns={"employees": "员工数"}))
    assert {(i.file, i.line, i.path) for i in err.value.issues} == {
        ("crm.csv", 7, "budget_montly"), ("crm.csv", 7, "员工数"), ("crm.csv", 7, "name")}
    # a plain pydantic model: inside a list, every row's errors keep their index
    with pytest.raises(ValidationError) as listed:
        TypeAdapter(list[CustomerProfile]).validate_python([{**data, "name": "ok", "employees": 5}, data])
    assert {e["loc"][0] for e in listed.value.errors()} == {0, 1}


def test_a_profile_that_is_not_a_mapping_is_a_profile_error(rec: Recommender) -> None:
    import pytest

    from recommender import ProfileError

    for bad in (["name", "x"], "x", None, 3):
        with pytest.raises(ProfileError) as err:
            rec.recommend(bad)  # type: ignore[arg-type]
        assert err.value.issues[0].code == "wrong-type"


def test_rule_locations_are_relative_to_the_knowledge_root(rec: Recommender) -> None:
    result = rec.recommend(rec.load_profile(LOGISTICS))
    assert all(r.location and r.location.startswith("catalogs/group/rules.yaml:") for r in result.fired_rules)
