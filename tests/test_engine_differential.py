"""The compiled backend gives byte-identical results to durable-rules.

The judge is durable-rules itself: every example, every scenario and 10,000
generated customers (``benchmarks/generated.py``) on today's knowledge, then customers
on generated catalogs of over 1,000 and of 5,000 products (past the limits of one
durable-rules ruleset: it runs them split), go through both backends. Generated
customers are compared at the level of the rule evaluation (every firing with its
inputs, every effect and fact), which is the whole of what a backend decides, and
a sample of them also as the full recommendation's JSON. Skipped where durable-rules
is not installed (Python 3.13+, or the CI pass that uninstalls it).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generated import clone_catalog, customers, loadable_clone
from recommender import Recommender
from recommender.assess import assess, customer_fact
from recommender.evaluation import Evaluation
from recommender.knowledge.base import KnowledgeBase
from recommender.recommender import default_knowledge_dir
from recommender.scenarios import load_scenarios

from .child import run_child
from .conftest import EXAMPLE_CATALOGS, EXAMPLES, edit, requires_durable

GENERATED = 10_000
FULL_EVERY = 100  # every 100th generated customer is also compared as a full recommendation (the search is
# the costly part, and it runs on what the evaluation decided, which is compared for every customer)
BIG_COPIES = 17  # 17 clones of the group catalog's 61 products and 98 rules: 1,037 products, 1,666 rules
HUGE_COPIES = 82  # 5,002 products; about half of each copy's rules: 4,059 rules


def pair(kb: KnowledgeBase) -> tuple[Recommender, Recommender]:
    return Recommender(kb, "durable"), Recommender(kb, "compiled")


def comparable(ev: Evaluation) -> Evaluation:
    """An evaluation without the session ids its facts carry (each engine counts its own sessions)."""
    return dataclasses.replace(ev, facts=tuple({k: v for k, v in f.items() if k != "sid"} for f in ev.facts))


def compare_generated(durable: Recommender, compiled: Recommender, count: int, seed: int,
                      full_every: int) -> tuple[int, int]:
    """Evaluations of ``count`` generated customers compared; every ``full_every``-th also in full.
    Returns how many were compared at each level."""
    kb = durable.knowledge
    evaluated = full = 0
    for i, data in enumerate(customers(kb, count, seed)):
        profile = durable.parse_profile(data)
        fact = customer_fact(profile, assess(profile, kb), kb)
        args = (fact, {n: 1.0 for n in profile.needs}, tuple(p.fact() for p in profile.key_persons),
                tuple(profile.rival_products))
        expected = comparable(durable._state[1].evaluate(*args))
        assert comparable(compiled._state[1].evaluate(*args)) == expected, data
        evaluated += 1
        if i % full_every == 0:
            assert compiled.recommend(profile).model_dump_json() == durable.recommend(profile).model_dump_json(), data
            full += 1
    return evaluated, full


@requires_durable
def test_every_example_gives_the_same_json() -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        durable, compiled = (Recommender.default(EXAMPLE_CATALOGS.get(path.stem), engine=e)
                             for e in ("durable", "compiled"))
        profile = durable.load_profile(path)
        for top_k in (1, 3, 5):
            assert compiled.recommend(profile, top_k).model_dump_json() == \
                durable.recommend(profile, top_k).model_dump_json(), path


@requires_durable
def test_every_scenario_gives_the_same_json() -> None:
    root = default_knowledge_dir()
    engines: dict[str | None, tuple[Recommender, Recommender]] = {}
    scenarios = load_scenarios(root)
    for loaded in scenarios:
        catalog = loaded.scenario.catalog
        if catalog not in engines:
            engines[catalog] = (Recommender.from_path(root, catalog, "durable"),
                                Recommender.from_path(root, catalog, "compiled"))
        durable, compiled = engines[catalog]
        profile = durable.parse_profile(loaded.scenario.profile)
        top_k = loaded.scenario.top_k
        assert compiled.recommend(profile, top_k).model_dump_json() == \
            durable.recommend(profile, top_k).model_dump_json(), loaded.file
    assert len(scenarios) >= 100


@requires_durable
def test_ten_thousand_generated_customers_evaluate_the_same_on_todays_knowledge(rec: Recommender) -> None:
    evaluated, full = compare_generated(*pair(rec.knowledge), GENERATED, seed=12, full_every=FULL_EVERY)
    assert (evaluated, full) == (GENERATED, GENERATED // FULL_EVERY)


@requires_durable
def test_generated_customers_evaluate_the_same_on_the_sme_catalog() -> None:
    kb = Recommender.default("sme").knowledge
    assert compare_generated(*pair(kb), 2_000, seed=13, full_every=FULL_EVERY) == (2_000, 2_000 // FULL_EVERY)


@pytest.fixture(scope="module")
def big_catalog(tmp_path_factory: pytest.TempPathFactory) -> tuple[KnowledgeBase, list[str]]:
    target = tmp_path_factory.mktemp("big") / "knowledge"
    return loadable_clone(default_knowledge_dir(), target, "group", BIG_COPIES)


@requires_durable
def test_customers_evaluate_the_same_on_a_generated_catalog_of_over_a_thousand_products(
        big_catalog: tuple[KnowledgeBase, list[str]]) -> None:
    """Clones of today's products and every rule: the clones repeat conditions, which share durable-rules
    rules (each firing all the rules of its condition), and thresholds."""
    kb, left_out = big_catalog
    assert left_out == [] and len(kb.products) >= 1_000 and len(kb.rules) >= 1_600, (len(kb.products), len(kb.rules))
    durable, compiled = pair(kb)
    plans = durable._state[1].rulesets["customer"]  # type: ignore[attr-defined]
    shared = sum(len(rules) for _, plan in plans for rules in plan.rules.values())
    assert shared > 2 * sum(len(plan.branches) for _, plan in plans)
    assert compare_generated(durable, compiled, 250, seed=14, full_every=50) == (250, 5)


HUGE_CHILD = """
    import json, sys
    sys.path.insert(0, sys.argv[1])
    from pathlib import Path
    from recommender import Recommender, load_knowledge
    from benchmarks.generated import clone_catalog
    from tests.test_engine_differential import compare_generated
    from recommender.recommender import default_knowledge_dir
    target = Path(sys.argv[2])
    copies = int(sys.argv[3])
    clone_catalog(default_knowledge_dir(), target, "group", copies,
                  lambda rule, k: sum(map(ord, rule["id"])) % 2 == k % 2)
    kb = load_knowledge(target, "group")
    durable, compiled = Recommender(kb, "durable"), Recommender(kb, "compiled")
    rulesets = {stage: len(plans) for stage, plans in durable._state[1].rulesets.items()}
    compared = compare_generated(durable, compiled, 40, seed=15, full_every=40)
    print(json.dumps({"products": len(kb.products), "rules": len(kb.rules), "rulesets": rulesets,
                      "compared": compared}))
"""


@requires_durable
def test_customers_evaluate_the_same_on_a_generated_catalog_of_five_thousand_products(tmp_path: Path) -> None:
    """5,002 products and 4,059 rules, the bundle stage split over several rulesets; in a child, which a hang or
    a crash fails instead of stopping pytest, and whose memory is given back."""
    done = run_child(HUGE_CHILD, str(Path(__file__).resolve().parent.parent), str(tmp_path / "knowledge"),
                     str(HUGE_COPIES), timeout=900)
    assert done.returncode == 0, done
    outcome = json.loads(done.stdout.splitlines()[-1])
    assert outcome["products"] >= 5_000 and outcome["rules"] >= 4_000, outcome
    assert outcome["rulesets"]["bundle"] >= 2, outcome
    assert outcome["compared"] == [40, 1], outcome


# --- durable-rules' own semantics, pinned on purpose-made rules ---------------------

ODD_RULES = """rules:
  - id: odd_ne_on_absent_region
    description: {zh: 地区不是北方, en: Region is not north}
    when: {customer: {region: {ne: north}}}
    then: [{note: {zh: 非北方, en: not north}}]
  - id: odd_not_in_on_absent_city
    description: {zh: 城市不在名单, en: City not listed}
    when: {customer: {city: {not_in: [kunming, beijing]}}}
    then: [{note: {zh: 不在名单, en: not listed}}]
  - id: odd_region_absent
    description: {zh: 未给地区, en: No region given}
    when: {customer: {region: {exists: false}}}
    then: [{note: {zh: 无地区, en: no region}}]
  - id: odd_two_branches
    description: {zh: 两个分支, en: Two branches}
    when:
      any:
        - customer: {employees: {gte: 100}}
        - need: office
    then: [{note: {zh: 两支, en: two branches}}]
  - id: odd_needs_and_persons
    description: {zh: 需求与关键人组合, en: Needs with key persons}
    when: {need: [office, production], key_person: {vip: true}}
    then: [{infer_need: {need: transmission, weight: 0.5}}]
  - id: odd_chained
    description: {zh: 链式, en: Chained}
    when: {need: transmission, customer: {employees: {lt: 100.5}}}
    then: [{propose: {product: dedicated_line}}]
"""

ODD_CUSTOMERS: list[dict[str, Any]] = [
    {"name": "no place", "industry": "retail", "employees": 100},
    {"name": "north", "industry": "retail", "employees": 99, "region": "north", "city": "kunming",
     "needs": ["office.meeting", "production"],
     "key_persons": [{"rank": "bureau", "vip": True, "relations": ["peers", "staff"]},
                     {"rank": "division", "vip": True}]},
    {"name": "south", "industry": "finance", "employees": 100, "region": "south", "city": "dali",
     "needs": ["office"], "key_persons": [{"rank": "bureau", "vip": False}]},
]


def odd_customers(root: Path) -> Iterator[tuple[str, str]]:
    durable, compiled = Recommender.from_path(root, engine="durable"), Recommender.from_path(root, engine="compiled")
    for data in ODD_CUSTOMERS:
        yield durable.recommend(data).model_dump_json(), compiled.recommend(data).model_dump_json()


@requires_durable
def test_absent_fields_any_branches_combinations_and_chaining_match_durable_rules(kb_copy: Path) -> None:
    """An absent field fails ne and not_in but passes exists: false; each branch and each combination of
    facts fires; a need inferred from a combination chains into the next rule."""
    edit(kb_copy / "catalogs/group/rules.yaml", "rules:\n", ODD_RULES)
    relations = {r.id for r in Recommender.from_path(kb_copy, engine="compiled").knowledge.framework
                 .key_person_relations}
    assert {"peers", "staff"} <= relations
    results = list(odd_customers(kb_copy))
    for durable, compiled in results:
        assert compiled == durable
    fired = Recommender.from_path(kb_copy, engine="compiled").recommend(ODD_CUSTOMERS[1]).fired_rules
    by_rule = {f.rule: f for f in fired}
    assert "odd_ne_on_absent_region" not in by_rule and "odd_chained" in by_rule
    # one firing per need fact and key-person fact; the two VIPs' inputs (vip = true) are the same, recorded once
    assert [i[0] for i in by_rule["odd_needs_and_persons"].inputs] == [
        "need = office.meeting", "need = production", "need = production.field_force"]


def test_a_generated_catalog_clones_chain_among_themselves(tmp_path: Path) -> None:
    """Each clone's rules name that clone's products, so a clone is a catalog of its own inside the big one."""
    clone_catalog(default_knowledge_dir(), tmp_path / "k", "group", 2)
    text = (tmp_path / "k/catalogs/group/rules.yaml").read_text(encoding="utf-8")
    assert "dedicated_line_c1" in text and "_c2" not in text
