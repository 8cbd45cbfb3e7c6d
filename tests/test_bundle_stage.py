"""Rules on the chosen bundle: the second rule stage (issue 9 item 4).

Bundle-stage rules run on each bundle the search returned, through the real
engine and the shipped knowledge: add-ons enter only with their trigger, offer
tiers follow the bundle's own spend (seed 002 6.1.1), discounts make totals net,
and every guard of the engine holds for the second ruleset too. Tests that could
crash the process if a guard broke run in a child process.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from recommender import KnowledgeError, Recommender, load_knowledge
from recommender.durable_split import RulesetPlan, split
from recommender.errors import Issue
from recommender.evaluation import compile_branches
from recommender.knowledge import limits
from recommender.knowledge.schema import RulesFile
from recommender.knowledge.yamlpos import Document
from recommender.recommender import default_knowledge_dir

from .child import run_child
from .conftest import edit

SME_SHOP = {"name": "长春某临街商铺", "industry": "retail", "segment": "sme", "employees": 5, "budget_monthly": 320,
            "lifecycle_stage": "new", "city": "changchun",
            "needs": ["customer.marketing", "transmission.broadband", "office", "transmission.voice"]}


@pytest.fixture(scope="module")
def sme() -> Recommender:
    return Recommender.default("sme")


@pytest.fixture(scope="module")
def group() -> Recommender:
    return Recommender.default("group")


def bundle_run(rec: Recommender, lines: dict[str, tuple[float, float]], **customer: Any) -> Any:
    engine = rec._state[1]
    return engine.evaluate_bundle({"industry": "retail", "employees": 5, **customer}, lines)


# --- the engine: tiers from the bundle's own spend ----------------------------

@pytest.mark.parametrize(("lines", "tier"), [
    ({"a8_package": (39, 0)}, "a8_39_89"),
    ({"a8_package": (39, 0), "wangpu_assistant": (49.99, 0)}, "a8_39_89"),
    ({"a8_package": (39, 0), "wangpu_assistant": (50, 0)}, "a8_89_129"),  # 89: lower bounds hold
    ({"a8_package": (39, 0), "three_g_data": (50, 0), "broadband_8m": (50, 0)}, "a8_89_129"),
    ({"a8_package": (39, 0), "integrated_office": (89.99, 0), "broadband_8m": (50, 0)}, "a8_89_129"),
    ({"a8_package": (39, 0), "integrated_office": (90, 0)}, "a8_129_plus"),  # 129: the top tier
])
def test_the_a8_tier_is_the_band_of_the_bundle_spend_without_broadband(sme: Recommender, lines: Any,
                                                                       tier: str) -> None:
    """Seed 002 6.1.1: 39-89 / 89-129 (upper bounds exclusive) / 129+, on the combined spend; the 8M
    broadband is billed apart (手机与宽带分开缴费) and does not count towards it."""
    result = bundle_run(sme, lines)
    assert {k: c.value for k, c in result.offers.items()} == {"a8_self_select": tier}


def test_broadband_is_free_from_129_yuan_of_combined_spend(sme: Recommender) -> None:
    """合计消费满129元即可宽带0元赠送: a 100 % discount on the broadband, only in the 129+ tier."""
    top = bundle_run(sme, {"a8_package": (39, 0), "integrated_office": (100, 0), "broadband_8m": (50, 0)})
    assert [(d.product, d.price_type, d.percent, d.rule) for d in top.discounts] == [
        ("broadband_8m", "recurring", 100, "a8_tier_129")]
    middle = bundle_run(sme, {"a8_package": (39, 0), "three_g_data": (50, 0), "broadband_8m": (50, 0)})
    assert middle.discounts == ()


def test_no_a8_no_tier_and_no_a8_notes(sme: Recommender) -> None:
    result = bundle_run(sme, {"switchboard": (100, 0), "integrated_office": (100, 0)}, employees=3)
    assert result.offers == {} and result.discounts == ()
    assert not {"a8_small_team_free_calls", "a8_handset_below_spend"} & {r for r, _ in result.notes}


@pytest.mark.parametrize(("employees", "note"), [(5, "a8_small_team_free_calls"), (6, "a8_handsets_up_to_five")])
def test_the_five_person_terms_of_a8(sme: Recommender, employees: int, note: str) -> None:
    """5人以下本地互打免费; 允许1-5部手机用户捆绑."""
    notes = {r for r, _ in bundle_run(sme, {"a8_package": (39, 0)}, employees=employees).notes}
    assert note in notes
    assert {"a8_small_team_free_calls", "a8_handsets_up_to_five"} - {note} - notes


def test_an_add_on_needs_its_trigger_in_the_bundle(group: Recommender) -> None:
    with_hr = bundle_run(group, {"hr_system": (1000, 30000), "qixintong": (200, 0)})
    assert with_hr.add_ons == {"attendance_machine": ("hr_attendance_devices",)}
    without = bundle_run(group, {"qixintong": (200, 0)})
    assert without.add_ons == {}


# --- the engine guards hold for the second ruleset ----------------------------

def test_bundle_facts_no_condition_matches_are_safe() -> None:
    """The ``_bundle`` catch-all and referenced products only: a spend no tier matches and products no
    bundle-stage rule tests would otherwise make durable-rules refuse the batch (or crash on delete)."""
    run = run_child("""
        from recommender import Recommender
        engine = Recommender.default("sme")._state[1]
        for spend in (0, 20, 38.99, 10**6):
            engine.clear_cache()
            result = engine.evaluate_bundle({"industry": "retail", "employees": 3},
                                            {"wangpu_assistant": (spend, 0), "online_invoice": (0, 5)})
            assert result.offers == {} and result.add_ons == {}, result
        print("ok")
    """)
    assert run.returncode == 0 and "ok" in run.stdout, str(run)


def test_every_bundle_evaluation_deletes_its_session() -> None:
    """A ruleset holds at most 1,024 live sessions: 1,500 bundle evaluations in a row must all work."""
    run = run_child("""
        from recommender import Recommender
        engine = Recommender.default("sme")._state[1]
        for i in range(1500):
            engine.evaluate_bundle({"industry": "retail", "employees": 3}, {"a8_package": (39, 0),
                                                                         "wangpu_assistant": (i / 10, 0)})
        print("ok")
    """, timeout=120)
    assert run.returncode == 0 and "ok" in run.stdout, str(run)


def test_a_catalog_without_bundle_rules_has_no_second_ruleset(kb_copy: Path) -> None:
    rules = kb_copy / "catalogs/group/rules.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("    stage: bundle\n", "    stage: customer\n"), encoding="utf-8")
    with pytest.raises(KnowledgeError):  # their product conditions are refused at the customer stage
        load_knowledge(kb_copy)
    (kb_copy / "catalogs/group/rules.yaml").write_text(
        "rules:\n  - id: only\n    description: {zh: 规则, en: rule}\n    when: {customer: {employees: {gte: 1}}}\n"
        "    then:\n      - note: {zh: 注, en: note}\n", encoding="utf-8")
    rec = Recommender.from_path(kb_copy)
    assert not rec._state[1].has_bundle_stage
    result = rec.recommend({"name": "x", "industry": "finance", "employees": 40, "needs": ["office"]})
    assert all(not b.offers and not b.notes and not b.discounts for b in result.bundles)


# --- the facade: bundles, prices and rationale ---------------------------------

def test_a_bundle_spending_129_gets_the_top_tier_and_pays_nothing_for_broadband(sme: Recommender) -> None:
    bundle = sme.recommend(SME_SHOP).bundles[0]
    ids = [p.id for p in bundle.products]
    assert "a8_package" in ids and "broadband_8m" in ids
    listed = {p.id: p.recurring for p in bundle.products}
    assert sum(v for k, v in listed.items() if k != "broadband_8m") >= 129
    assert [(o.offer, o.tier, o.rule) for o in bundle.offers] == [("a8_self_select", "a8_129_plus", "a8_tier_129")]
    assert [(d.product, d.amount) for d in bundle.discounts] == [("broadband_8m", listed["broadband_8m"])]
    assert bundle.price.recurring_monthly == round(sum(listed.values()) - listed["broadband_8m"], 2)
    assert {n.rule for n in bundle.notes} >= {"a8_tier_129", "a8_small_team_free_calls"}


def test_the_rationale_shows_the_tier_the_discount_and_the_notes(sme: Recommender) -> None:
    result = sme.recommend(SME_SHOP)
    en, zh = result.bundles[0].rationale_text("en"), result.bundles[0].rationale_text("zh")
    assert "Offer tier: A8 self-select package 129 yuan and above tier (rule a8_tier_129)" in en
    assert "Discount: 8M broadband 50 yuan off (100%)/month" in en
    assert "套餐档位: A8自主版套餐 129档及以上 (规则 a8_tier_129)" in zh
    assert "优惠: 8M宽带减50元（100%）/月" in zh
    assert "5人以下可享受本地互打免费 (规则 a8_small_team_free_calls)" in zh
    fired = {r.rule: r for r in result.fired_rules}
    assert fired["a8_tier_129"].bundles and fired["a8_tier_129"].inputs[0][-1].startswith("bundle.spend = ")
    assert fired["sme_base_offer"].bundles == []


def test_an_add_on_enters_with_a_reason_naming_its_trigger(group: Recommender) -> None:
    result = group.recommend({"name": "x", "industry": "manufacturing", "employees": 300, "budget_monthly": 5000,
                              "budget_one_time": 60000, "needs": ["office.daily", "hr.performance", "hr.training"]},
                             top_k=4)  # 004 3.2: messaging means rank first for these HR items
    bundle = next(b for b in result.bundles if any(p.id == "hr_system" for p in b.products))
    machine = next(p for p in bundle.products if p.id == "attendance_machine")
    reason = next(r for r in machine.reasons if r.kind == "add_on")
    assert reason.rule == "hr_attendance_devices" and reason.product == "hr_system"
    assert reason.inputs == ["product = hr_system"]
    assert "rule hr_attendance_devices: A bundle with the HR management system" in bundle.rationale_text("en")


def test_an_add_on_the_budget_cannot_take_is_left_out_with_the_reason(group: Recommender) -> None:
    """The HR system fits a 31,000 yuan one-time budget; its attendance machines (2,000 more) do not."""
    result = group.recommend({"name": "x", "industry": "manufacturing", "employees": 300, "budget_monthly": 5000,
                              "budget_one_time": 31000, "needs": ["office.daily", "hr.performance", "hr.training"]},
                             top_k=4)
    bundle = next(b for b in result.bundles if any(p.id == "hr_system" for p in b.products))
    assert "attendance_machine" not in {p.id for p in bundle.products}
    left = next(x for x in bundle.left_out if x.product == "attendance_machine")
    assert left.reason == "over_budget" and left.text["en"].startswith("add-on not taken: ")
    other = next(b for b in result.bundles if not any(p.id == "hr_system" for p in b.products))
    hint = next(x for x in other.left_out if x.product == "attendance_machine")
    assert "comes as an add-on with HR management system (rule hr_attendance_devices)" in hint.text["en"]


def generated(rec: Recommender, n: int, seed: int) -> list[dict[str, Any]]:
    kb = rec.knowledge
    r = random.Random(seed)
    needs = sorted(x for x in kb.need_module if not x.startswith("key_person"))
    return [{"name": f"c{i}", "industry": r.choice([x.id for x in kb.framework.industries]),
             "employees": int(10 ** r.uniform(0.3, 3.5)) + 1, "needs": r.sample(needs, r.randint(1, 5)),
             "budget_monthly": r.choice([60, 150, 800, 3000, 10000, 50000])} for i in range(n)]


@pytest.mark.parametrize("catalog", ["group", "sme"])
def test_no_product_enters_a_bundle_through_a_rule_whose_trigger_it_lacks(catalog: str) -> None:
    """For generated customers: every add-on's trigger is in its bundle, every bundle with A8 has the
    tier of its own spend, and no product's reason quotes a rule testing a product the bundle lacks."""
    rec = Recommender.default(catalog)
    kb = rec.knowledge
    tiers = ((39, 89, "a8_39_89"), (89, 129, "a8_89_129"), (129, float("inf"), "a8_129_plus"))
    for raw in generated(rec, 60, 11):
        for b in rec.recommend(raw).bundles:
            ids = {p.id for p in b.products}
            for p in b.products:
                for reason in p.reasons:
                    if reason.rule is None or reason.rule not in kb.rule_index:
                        continue
                    rule = kb.rules[kb.rule_index[reason.rule]]
                    triggers = {t for branch in rule.when.branches() for t in branch.products}
                    assert not triggers or triggers & ids, (raw, p.id, reason.rule)
            if "a8_package" in ids:
                spend = sum(p.recurring for p in b.products if p.id != "broadband_8m")
                want = next(t for low, high, t in tiers if low <= spend < high)
                assert [o.tier for o in b.offers] == [want], (raw, spend)


def test_bundle_stage_results_are_byte_identical(sme: Recommender) -> None:
    first = sme.recommend(SME_SHOP).model_dump_json()
    sme._state[1].clear_cache()
    assert sme.recommend(SME_SHOP).model_dump_json() == first


# --- validation: stages, located ------------------------------------------------

def issues_of(root: Path) -> list[Issue]:
    try:
        kb = load_knowledge(root)
    except KnowledgeError as exc:
        return list(exc.issues)
    return list(kb.warnings)


HR_ADD_ON = ("    stage: bundle\n    when:\n      product: hr_system\n    then:\n"
             "      - add_on: {product: attendance_machine}")


def test_a_customer_stage_rule_may_not_chain_on_a_proposal(kb_copy: Path) -> None:
    rules = kb_copy / "catalogs/group/rules.yaml"
    edit(rules, HR_ADD_ON,
         "    when:\n      product: hr_system\n    then:\n      - propose: {product: attendance_machine, weight: 0.6}")
    found = [i for i in issues_of(kb_copy) if i.code == "wrong-stage"]
    assert len(found) == 1 and found[0].path.endswith("].when.product") and found[0].line
    assert "stage: bundle" in (found[0].hint or "")


@pytest.mark.parametrize(("old", "new", "path"), [
    ("- add_on: {product: attendance_machine}", "- propose: {product: attendance_machine}", "then[0].propose"),
    ("      product: hr_system\n", "      need: hr\n", "when.need"),
])
def test_a_bundle_stage_rule_may_not_use_customer_stage_parts(kb_copy: Path, old: str, new: str, path: str) -> None:
    edit(kb_copy / "catalogs/group/rules.yaml", HR_ADD_ON, HR_ADD_ON.replace(old, new))
    found = [i for i in issues_of(kb_copy) if i.code == "wrong-stage"]
    assert len(found) == 1 and found[0].path.endswith(path), found


def test_add_ons_discounts_and_bundle_conditions_are_checked(kb_copy: Path) -> None:
    rules = kb_copy / "catalogs/sme/rules.yaml"
    edit(rules, "bundle: {spend: {gte: 129}, not_counting: [broadband_8m]}",
         'bundle: {spend: "129", not_counting: [broadband8m]}')
    edit(rules, "      - discount:\n          product: broadband_8m", "      - discount:\n          product: broadband")
    edit(rules, "bundle: {spend: {gte: 89, lt: 129}", "bundle: {spend: {gte: 129, lt: 89}")
    found = {(i.code, i.path) for i in issues_of_catalog(kb_copy, "sme")}
    assert ("wrong-type", "rules[3].when.bundle.spend") in found
    assert ("unknown-reference", "rules[3].when.bundle.not_counting[0]") in found
    assert ("unknown-reference", "rules[3].then[1].discount.product") in found
    assert ("rule-never-fires", "rules[2].when.bundle.spend") in found


def issues_of_catalog(root: Path, catalog: str) -> list[Issue]:
    try:
        kb = load_knowledge(root, catalog)
    except KnowledgeError as exc:
        return list(exc.issues)
    return list(kb.warnings)


def bundle_stage_split(rules: RulesFile) -> tuple[list[Issue], tuple[RulesetPlan, ...]]:
    """What loading says of ``rules``, and the bundle-stage rulesets durable-rules runs them in."""
    found = limits.check_limits(rules, None, {"rules": Document(file="rules.yaml", data=None)})
    return found, split(compile_branches(tuple(rules.rules), "bundle"), "bundle")


def test_bundle_stage_rules_of_one_condition_share_one_engine_rule() -> None:
    """256 bundle-stage rules with one condition would crash one ruleset as 256 rules: they load, as one
    durable-rules rule whose action fires all 256."""
    rules = RulesFile.model_validate({"rules": [
        {"id": f"b{i}", "description": {"zh": "规则", "en": "rule"}, "stage": "bundle",
         "when": {"product": "a8_package"}, "then": [{"note": {"zh": "注", "en": "note"}}]}
        for i in range(limits.MAX_CONDITIONS_AT_NODE + 1)]})
    found, plans = bundle_stage_split(rules)
    assert found == []
    [plan] = plans
    assert limits.fits(plan.definition) and len(plan.branches) == 1
    assert plan.rules[plan.branches[0].name] == tuple(range(limits.MAX_CONDITIONS_AT_NODE + 1))


def test_a_bundle_fact_of_more_spend_fields_than_one_fact_holds_is_split() -> None:
    """Each not_counting set is a spend field of the bundle fact: 300 sets load, and each ruleset tests at
    most the fields one fact can carry (the bundle fact reaches it cut to those)."""
    rules = RulesFile.model_validate({"rules": [
        {"id": f"b{i}", "description": {"zh": "规则", "en": "rule"}, "stage": "bundle",
         "when": {"bundle": {"spend": {"gte": 1}, "not_counting": [f"p{i}"]}},
         "then": [{"note": {"zh": "注", "en": "note"}}]}
        for i in range(300)]})
    found, plans = bundle_stage_split(rules)
    assert found == []
    assert len(plans) >= 2
    assert all(len(p.fields["bundle"]) <= limits.MAX_TESTED_FIELDS for p in plans)
    fact = {"sid": "1", "kind": "bundle", **{f"spend_{i}": 1.0 for i in range(1, 301)}, "spend": 2.0}
    assert all(len(p.cut(fact)) <= limits.MAX_FACT_FIELDS for p in plans)


def test_the_shipped_knowledge_runs_rules_in_both_stages() -> None:
    for catalog in ("group", "sme"):
        kb = load_knowledge(default_knowledge_dir(), catalog)
        assert {r.stage for r in kb.rules} == {"customer", "bundle"}
        assert not any(r.when.products for r in kb.rules if r.stage == "customer")



def test_the_stages_are_declared_once_in_the_vocabulary() -> None:
    from recommender import vocabulary
    from recommender.knowledge.schema import STAGE_CONDITIONS, STAGE_EFFECTS, Effect, Rule, When

    assert tuple(STAGE_EFFECTS) == tuple(STAGE_CONDITIONS) == vocabulary.RULE_STAGES
    assert set(vocabulary.BUNDLE_ONLY_EFFECTS) <= set(Effect.model_fields)
    assert set().union(*STAGE_EFFECTS.values()) == set(Effect.model_fields)
    assert set().union(*STAGE_CONDITIONS.values()) == set(When.model_fields) - {"any"}
    assert Rule.model_fields["stage"].default == vocabulary.CUSTOMER_STAGE
