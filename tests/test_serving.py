"""Who serves the customer: the managing level and the account-manager level (seed 000 一、(二)(三)), cross-province
groups (seed 004), and key persons by relation and VIP status (seed 004 3.2's matrix, seed 002 6.3.4)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from recommender import KnowledgeError, ProfileError, Recommender
from recommender.detail import render_recommendation
from recommender.evaluation import KeyPersonTest, key_person_facts
from recommender.knowledge.schema import Effect, Expectation, Framework
from recommender.messages import LANGS, messages
from recommender.result import Advice
from recommender.vocabulary import SINGLE_ADVICE

from .child import run_child
from .conftest import edit

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"

BANK = {"name": "某国有商业银行省分行", "industry": "finance", "segment": "finance", "employees": 5000,
        "employee_growth": 0.05, "company_revenue": 2e10, "revenue_growth": 0.12, "annual_spend": 3e6,
        "it_investment": 2e8, "it_investment_growth": 0.2, "it_staff": 300, "it_staff_growth": 0.1,
        "managed_customers": 2_000_000, "partners": 500, "solution_types": 12, "footprint": "national",
        "needs": ["transmission.dedicated_line"], "budget_monthly": 50000}
STORE = {"name": "某医药连锁公司", "industry": "retail", "employees": 400, "annual_spend": 120000,
         "needs": ["customer"], "budget_monthly": 20000}


def _advice(rec: Recommender, profile: dict[str, Any]) -> dict[str, str | None]:
    advice = rec.recommend(profile).advice
    return {kind: c.id if (c := getattr(advice, kind)) else None for kind in SINGLE_ADVICE}


def _fired(rec: Recommender, profile: dict[str, Any]) -> set[str]:
    return {r.rule for r in rec.recommend(profile).fired_rules}


# --- the plumbing: one list entry per advice kind -------------------------------------------------

@pytest.mark.parametrize("kind", list(SINGLE_ADVICE))
def test_each_single_advice_kind_is_a_rule_effect_an_expectation_an_advice_field_and_a_framework_list(
        rec: Recommender, kind: str) -> None:
    assert kind in Effect.model_fields and kind in Expectation.model_fields and kind in Advice.model_fields
    assert SINGLE_ADVICE[kind] in Framework.model_fields  # type: ignore[index]
    assert getattr(rec.knowledge.framework, SINGLE_ADVICE[kind])  # type: ignore[index]
    assert all(f"detail.{kind}" in messages(lang) for lang in LANGS)


def test_every_customer_gets_a_managing_level_and_an_account_manager(rec: Recommender) -> None:
    for profile in (BANK, STORE, {"name": "x", "industry": "manufacturing", "employees": 2}):
        advice = _advice(rec, profile)
        assert advice["managing_level"] and advice["account_manager"], profile["name"]


# --- managing level (seed 000 一、(二)) ----------------------------------------------------------

@pytest.mark.parametrize(("footprint", "industry", "level"), [
    ("national", "finance", "group_hq"),  # 与银行保险等全国性直属企业…的业务推广合作
    ("national", "insurance", "group_hq"),
    ("cross_province", "finance", "province"),  # cross-province but not national: its home province leads
    ("province_wide", "finance", "province"),  # 牵头对属地的全省性和全国性的集团企业进行业务攻关
    ("local", "finance", "city"),  # 积极做好当地集团客户的服务和业务拓展
    (None, "retail", "city"),  # a footprint not given counts as local
])
def test_the_managing_level_follows_the_footprint(rec: Recommender, footprint: str | None, industry: str,
                                                  level: str) -> None:
    profile = {**STORE, "industry": industry, "footprint": footprint}
    assert _advice(rec, {k: v for k, v in profile.items() if v is not None})["managing_level"] == level


def test_cross_province_groups_get_one_point_acceptance_and_revenue_balancing(rec: Recommender) -> None:
    """004: 针对跨省跨国的集团客户需要一点统一受理 … 省公司与其他兄弟省公司的业绩收益平衡(北京移动中石化案例)."""
    for footprint in ("national", "cross_province"):
        notes = {n.rule: n.text for n in rec.recommend({**STORE, "footprint": footprint}).advice.notes}
        assert "一点统一受理" in notes["cross_province_one_point"]["zh"]
        assert "业绩收益" in notes["cross_province_one_point"]["zh"]
    for footprint in ("local", "province_wide"):
        assert "cross_province_one_point" not in _fired(rec, {**STORE, "footprint": footprint})


def test_the_chosen_level_prints_with_its_duties(rec: Recommender) -> None:
    text = render_recommendation(rec.recommend(BANK), "zh")
    assert "主管单位: 集团公司集团客户部" in text
    assert "与银行、保险等全国性直属企业" in text
    assert "客户经理级别: 首席客户经理" in text


# --- account-manager level (seed 000 一、(三)) ------------------------------------------------------

def test_a_class_a_national_bank_gets_a_top_executive_and_without_the_footprint_a_department_head(
        rec: Recommender) -> None:
    assert rec.recommend(BANK).assessment.customer_class == "a"
    assert _advice(rec, BANK)["account_manager"] == "chief"
    local = {**BANK, "footprint": "local"}
    assert _advice(rec, local)["account_manager"] == "principal"
    assert _advice(rec, {**local, "key_persons": [{"rank": "bureau"}]})["account_manager"] == "chief"


def test_a_bureau_level_key_person_brings_a_department_head_whatever_the_class(rec: Recommender) -> None:
    small = {"name": "某市人民政府办公厅", "industry": "government", "employees": 150, "needs": ["office.meeting"]}
    assert _advice(rec, small)["account_manager"] != "principal"
    assert _advice(rec, {**small, "key_persons": [{"rank": "bureau"}]})["account_manager"] == "principal"


def test_small_customers_get_a_service_representative_in_both_catalogs(rec: Recommender) -> None:
    small = {"name": "某装饰设计工作室", "industry": "retail", "employees": 12, "needs": ["office.daily"]}
    assert _advice(rec, small)["account_manager"] == "service_rep"
    sme = Recommender.default("sme")
    assert _advice(sme, small)["account_manager"] == "service_rep"
    assert _advice(sme, {**small, "employees": 45})["account_manager"] == "account_manager"
    assert _advice(sme, small)["managing_level"] == "city"  # 002 4.4 主要依靠地市分公司的政企部


def test_industry_customers_take_the_industry_track(rec: Recommender) -> None:
    kb = rec.knowledge
    rules = {r.id: r for r in kb.rules}
    for plain, industry in (("am_senior", "am_senior_industry"), ("am_major_account", "am_industry")):
        assert rules[industry].priority > rules[plain].priority  # the industry track wins within a class
        assert all(b.customer and b.customer.get("customer_class") for b in rules[industry].when.branches())


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside this checkout")
def test_the_account_manager_levels_are_seed_000s_hierarchy_in_its_order(rec: Recommender) -> None:
    (path,) = SEEDS.glob("000_*.txt")
    text = path.read_text(encoding="utf-8")
    (listed,) = re.findall(r"自上而下形成(.+?)等体系", text)
    seed = [re.sub(r"\(.*?\)", "", name) for name in listed.split("、")]
    assert [a.name["zh"] for a in rec.knowledge.framework.account_manager_levels] == seed
    for level in ("集团公司", "省公司", "地市公司"):
        assert level in text
    assert [m.name["zh"] for m in rec.knowledge.framework.managing_levels] == [
        "集团公司集团客户部", "省公司集团客户部", "地市公司集团客户部"]


# --- key persons: relations and VIP status (seed 004 3.2, seed 002 6.3.4) ----------------------------

@pytest.mark.parametrize(("relation", "means"), [
    ("peers", {"mobile_mailbox", "meeting_sms_mms", "group_sms", "secure_mobile_mailbox"}),
    ("subordinate_leaders", {"mobile_mailbox", "group_mms", "meeting_sms_mms", "secure_mobile_mailbox"}),
    ("staff", {"group_vpmn", "group_sms", "wap_portal", "mobile_mailbox"}),
    ("customers", {"group_vpmn", "data_card", "wap_portal", "secure_sms_mms"}),
])
def test_each_relation_of_the_matrix_proposes_its_column_of_means(rec: Recommender, relation: str,
                                                                 means: set[str]) -> None:
    result = rec.recommend({**STORE, "key_persons": [{"rank": "section", "relations": [relation]}]})
    fired = {r.rule for r in result.fired_rules}
    assert f"key_person_matrix_{relation}" in fired
    assert {f"key_person_matrix_{r}" for r in ("peers", "subordinate_leaders", "staff", "customers")} & fired == {
        f"key_person_matrix_{relation}"}
    proposed = {p.id for b in result.bundles for p in b.products
                for reason in p.reasons if reason.rule == f"key_person_matrix_{relation}"}
    assert proposed and proposed <= means


def test_the_matrix_means_reach_bundle_1(rec: Recommender) -> None:
    """A leader of staff and customers: the enterprise WAP portal (achievement, order) is in bundle 1."""
    profile = {**STORE, "key_persons": [{"rank": "division", "relations": ["staff", "customers"]}]}
    assert "wap_portal" in {p.id for p in rec.recommend(profile).bundles[0].products}
    assert "wap_portal" not in {p.id for p in rec.recommend(STORE).bundles[0].products}


@pytest.mark.parametrize("catalog", ["group", "sme"])
def test_a_key_person_who_is_a_vip_gets_one_contact_and_the_groups_retention_policy(catalog: str) -> None:
    rec = Recommender.default(catalog)
    plain = {**STORE, "key_persons": [{"rank": "division"}]}
    vip = {**STORE, "key_persons": [{"rank": "division", "vip": True}]}
    assert "key_person_vip_coordination" not in _fired(rec, plain)
    notes = {n.rule: n.text["zh"] for n in rec.recommend(vip).advice.notes}
    assert "统一服务人员" in notes["key_person_vip_coordination"]
    assert "保有经理" in notes["key_person_vip_coordination"]
    assert "维系政策" in notes["key_person_vip_coordination"] and "一致" in notes["key_person_vip_coordination"]


@pytest.mark.parametrize("catalog", ["group", "sme"])
def test_key_persons_get_points_and_never_an_improper_benefit(catalog: str) -> None:
    """002 6.3.4 同比例的给予关键人反馈相应的会员积分; seed 004's 灰色利益 need is never served."""
    rec = Recommender.default(catalog)
    result = rec.recommend({**STORE, "key_persons": [{"rank": "section"}]})
    notes = {n.rule: n.text["zh"] for n in result.advice.notes}
    assert "会员积分" in notes["key_person_points"] and "不得提供任何个人不当利益" in notes["key_person_points"]
    assert not [n for n in rec.knowledge.framework.key_person_needs if "灰色" in n.name["zh"] or "gain" in n.id]


def test_key_person_facts_split_by_relation_and_keep_only_what_a_condition_tests() -> None:
    tests = (KeyPersonTest(None, frozenset({"staff"}), None), KeyPersonTest(frozenset({"bureau"}), None, None))
    facts = key_person_facts([{"rank": "section", "relations": ["staff", "peers"], "vip": True}, "bureau",
                              {"rank": "division"}], tests)
    assert [(f["rank"], f["relation"], f["vip"]) for f in facts] == [("section", "staff", True),
                                                                    ("bureau", "", False)]


def test_key_persons_no_condition_tests_never_reach_the_engine(kb_copy: Path) -> None:
    """An unmatched fact crashes durable-rules (DESIGN.md): a VIP with relations no rule names must be safe."""
    run = run_child("""
        import sys
        from recommender import Recommender
        rec = Recommender.from_path(sys.argv[1])
        persons = [{"rank": "section", "relations": ["peers"], "vip": True}, {"rank": "bureau", "relations": []}]
        for i in range(200):
            rec._state[1].clear_cache()
            rec.recommend({"name": f"c{i}", "industry": "retail", "employees": 5 + i, "key_persons": persons})
        print("ok")
    """, str(kb_copy))
    assert not run.crashed and run.returncode == 0 and "ok" in run.stdout, run
    # and with the VIP rules gone, only rank conditions remain: still safe
    edit(kb_copy / "catalogs/group/rules.yaml", "      key_person: {vip: true}\n", "      key_person: [bureau]\n")
    run = run_child("""
        import sys
        from recommender import Recommender
        rec = Recommender.from_path(sys.argv[1])
        rec.recommend({"name": "x", "industry": "retail", "employees": 5,
                       "key_persons": [{"rank": "section", "relations": ["staff"], "vip": True}]})
        print("ok")
    """, str(kb_copy))
    assert not run.crashed and run.returncode == 0 and "ok" in run.stdout, run


# --- validation --------------------------------------------------------------------------------

def test_an_unknown_relation_or_footprint_in_a_rule_is_a_located_issue(kb_copy: Path) -> None:
    edit(kb_copy / "catalogs/group/rules.yaml", "      key_person: {relation: staff}\n",
         "      key_person: {relation: staf}\n")
    edit(kb_copy / "catalogs/group/rules.yaml", "        - customer: {footprint: local}\n",
         "        - customer: {footprint: locale}\n")
    with pytest.raises(KnowledgeError) as err:
        Recommender.from_path(kb_copy)
    issues = {(i.code, i.path) for i in err.value.issues}
    assert any(code == "unknown-reference" and path.endswith("key_person.relation") for code, path in issues)
    assert any(code == "unknown-reference" and "footprint" in path for code, path in issues)
    assert "did you mean 'staff'" in str(err.value)


def test_an_empty_key_person_mapping_is_refused(kb_copy: Path) -> None:
    edit(kb_copy / "catalogs/group/rules.yaml", "      key_person: {relation: staff}\n", "      key_person: {}\n")
    with pytest.raises(KnowledgeError, match="at least one of: rank, relation, vip"):
        Recommender.from_path(kb_copy)


def test_an_unknown_account_manager_level_in_a_rule_is_a_located_issue(kb_copy: Path) -> None:
    edit(kb_copy / "catalogs/group/rules.yaml", "      - account_manager: chief\n", "      - account_manager: chef\n")
    with pytest.raises(KnowledgeError) as err:
        Recommender.from_path(kb_copy)
    assert [i.code for i in err.value.issues] == ["unknown-reference"]
    assert "did you mean 'chief'" in str(err.value)


def test_a_profile_with_an_unknown_footprint_or_relation_is_refused_with_hints(rec: Recommender) -> None:
    with pytest.raises(ProfileError) as err:
        rec.recommend({**STORE, "footprint": "nationwide", "key_persons": [{"rank": "bureau", "relations": ["staf"]}]})
    paths = {i.path: i.hint for i in err.value.issues}
    assert set(paths) == {"footprint", "key_persons[0].relations[0]"}
    assert "national" in (paths["footprint"] or "") and "staff" in (paths["key_persons[0].relations[0]"] or "")


def test_the_rationale_names_the_relation_and_the_vip_status_that_fired_a_rule(rec: Recommender) -> None:
    result = rec.recommend({**STORE, "key_persons": [{"rank": "division", "relations": ["staff"], "vip": True}]})
    inputs = {r.rule: r.inputs for r in result.fired_rules}
    assert ["key-person.relation = staff"] in inputs["key_person_matrix_staff"]
    assert ["key-person.vip = True"] in inputs["key_person_vip_coordination"]
    assert ["key-person = division"] in inputs["vip_gold"]


# --- the organisation's needs (seed 004 3.2 财务、绩效、形象) --------------------------------------

ORG_NEEDS = {"org_need_finance": {"group_vpmn", "conference_call", "video_conference"},
             "org_need_performance": {"iot_platform", "video_surveillance", "che_wu_tong"},
             "org_need_image": {"group_ringback", "mobile_switchboard", "mobile_400"}}


@pytest.mark.parametrize("profile", [
    STORE, BANK, {**STORE, "industry": "logistics", "fleet_size": 80, "needs": ["production"]},
    {"name": "某连锁酒店", "industry": "hospitality", "employees": 600, "needs": ["customer", "office.meeting"],
     "budget_monthly": 15000}])
def test_each_bundle_states_the_organisational_needs_its_products_meet(rec: Recommender,
                                                                      profile: dict[str, Any]) -> None:
    for bundle in rec.recommend(profile).bundles:
        held, notes = {p.id for p in bundle.products}, {n.rule for n in bundle.notes}
        for rule, products in ORG_NEEDS.items():
            assert (rule in notes) == bool(held & products), (bundle.rank, rule, sorted(held))


def test_diff_reports_a_changed_account_manager_level_and_the_rule_behind_it(kb_copy: Path) -> None:
    from recommender.diff import knowledge_diff, recommendation_diff

    old = Recommender.from_path(kb_copy)
    rules = kb_copy / "catalogs/group/rules.yaml"
    edit(rules, "      - account_manager: chief\n", "      - account_manager: principal\n")
    new = Recommender.from_path(kb_copy)
    assert [(c.kind, c.changed) for c in knowledge_diff(old.knowledge, new.knowledge)] == [
        ("rule", {"am_chief": ["then"]})]
    (change,) = recommendation_diff(old, new, [("bank", BANK)], set())
    assert change.advice == ["account manager: chief -> principal"]


def test_a_key_person_text_the_engine_cannot_take_is_a_typed_error_not_a_crash() -> None:
    """Profiles check ranks and relations first; a caller that skips the check still gets an EngineError."""
    run = run_child("""
        from recommender import EngineError, Recommender
        engine = Recommender.default()._state[1]
        try:
            engine.evaluate({"industry": "retail", "employees": 5}, {}, [{"rank": "\\ud800", "vip": True}])
        except EngineError as exc:
            print("typed", exc)
    """)
    assert not run.crashed and run.returncode == 0 and "typed" in run.stdout, run
