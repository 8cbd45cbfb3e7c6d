"""The TM Forum exports validate against the published TMF620 and TMF680 definitions (tests/tmf/)."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from recommender import Recommender
from recommender.tmf import product_offerings, query_product_recommendation

from .conftest import EXAMPLES

SPECS = Path(__file__).parent / "tmf"


@cache
def _validator(spec: str, definition: str) -> jsonschema.Draft4Validator:
    """A validator of one definition of a Swagger 2.0 specification (its schemas are JSON Schema draft 4)."""
    definitions = json.loads((SPECS / spec).read_text(encoding="utf-8"))["definitions"]
    return jsonschema.Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": definitions})


def _errors(spec: str, definition: str, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in _validator(spec, definition).iter_errors(instance)]


@pytest.mark.parametrize("catalog", ["group", "sme"])
def test_catalog_exports_as_tmf620_product_offerings(catalog: str) -> None:
    kb = Recommender.default(catalog).knowledge
    offerings = product_offerings(kb)
    assert len(offerings) == len(kb.products)
    for offering in offerings:
        assert _errors("TMF620-ProductCatalog-v4.1.0.swagger.json", "ProductOffering", offering) == []
        assert offering["@type"] == "ProductOffering"
        for price in offering["productOfferingPrice"]:
            assert price["priceType"] in ("recurring", "oneTime")
    vpmn = next(o for o in offerings if o["id"] == "group_vpmn") if catalog == "group" else None
    if vpmn:
        assert vpmn["name"] == "集团V网" and vpmn["productOfferingPrice"][0]["recurringChargePeriod"] == "month"
    # a relation of the knowledge travels as a productOfferingRelationship
    video = next((o for o in offerings if o["id"] == "video_conference"), None)
    if video:
        assert {"id": "dedicated_line", "relationshipType": "requires"}.items() <= video[
            "productOfferingRelationship"][0].items()


def test_recommendation_exports_as_tmf680(rec: Recommender) -> None:
    result = rec.recommend(rec.load_profile(EXAMPLES / "bank.yaml"))
    doc = query_product_recommendation(result)
    assert _errors("TMF680-Recommendation-v4.0.0.swagger.json", "QueryProductRecommendation", doc) == []
    items = doc["recommendationItem"]
    assert len(items) == sum(len(b.products) for b in result.bundles)
    assert {i["priority"] for i in items} == {b.rank for b in result.bundles}
    first = [i["productOffering"]["id"] for i in items if i["priority"] == 1]
    assert first == [p.id for p in result.bundles[0].products]
    assert doc["@baseType"] == "QueryProductRecommendation" and doc["bundle"][0]["phases"] == result.bundles[0].phases


def test_export_command_writes_the_same() -> None:
    def run(*args: str) -> Any:
        done = subprocess.run([sys.executable, "-m", "recommender", "export", *args], capture_output=True, text=True,
                              timeout=120, check=True)
        return json.loads(done.stdout)

    assert run("--format", "tmf620", "--catalog", "sme") == product_offerings(Recommender.default("sme").knowledge)
    rec = Recommender.default()
    bank = rec.recommend(rec.load_profile(EXAMPLES / "bank.yaml"))
    assert run("--format", "tmf680", "--profile", str(EXAMPLES / "bank.yaml")) == json.loads(
        json.dumps(query_product_recommendation(bank)))
