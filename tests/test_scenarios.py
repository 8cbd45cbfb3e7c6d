"""The shipped scenarios (knowledge/scenarios) pass, and together they cover the knowledge."""

from __future__ import annotations

import pytest

from recommender.coverage import coverage
from recommender.knowledge.schema import LIFECYCLE_STAGES, MODULE_IDS
from recommender.recommender import default_knowledge_dir
from recommender.scenarios import LoadedScenario, load_scenarios, run_all

SCENARIOS = load_scenarios(default_knowledge_dir())


@pytest.fixture(scope="module")
def runs() -> dict:  # type: ignore[type-arg]
    return run_all(default_knowledge_dir())


@pytest.mark.parametrize("loaded", SCENARIOS, ids=lambda s: s.scenario.id)
def test_scenario(loaded: LoadedScenario, runs: dict) -> None:  # type: ignore[type-arg]
    outcome = next(o for _, outcomes in runs.values() for o in outcomes if o.scenario.id == loaded.scenario.id)
    assert outcome.passed, outcome.report()


def test_scenarios_cover_every_module_catalog_stage_and_value_type(runs: dict) -> None:  # type: ignore[type-arg]
    assert len(SCENARIOS) >= 25
    profiles = [s.scenario.profile for s in SCENARIOS]
    assert {p.get("lifecycle_stage") for p in profiles} >= set(LIFECYCLE_STAGES)
    value_types = {o.scenario.expect.value_type for _, outcomes in runs.values() for o in outcomes}
    assert value_types >= {"dual", "economic", "social"}
    assert set(runs) == {"group", "sme"} and all(outcomes for _, outcomes in runs.values())
    for rec, outcomes in runs.values():  # every module's need appears in some scenario of each catalog
        needs = {rec.knowledge.need_module[n] for o in outcomes for n in o.scenario.profile.get("needs", [])}
        needs |= {rec.knowledge.need_module[n] for o in outcomes for n in o.scenario.expect.needs}
        assert needs >= set(MODULE_IDS), (rec.knowledge.catalog.id, set(MODULE_IDS) - needs)


def test_every_scenario_cites_a_seed() -> None:
    for s in SCENARIOS:
        assert s.scenario.source[:3] in {"000", "001", "002", "003", "004"}, s.scenario.id


def test_knowledge_coverage_is_complete(runs: dict) -> None:  # type: ignore[type-arg]
    for rec, outcomes in runs.values():
        report = coverage(rec.knowledge, [o.fired for o in outcomes])
        assert report.complete, report.text()
