"""Loading knowledge: the default is clean; broken files give every located issue; all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender import KnowledgeError, Recommender, load_knowledge
from recommender.knowledge import available_catalogs
from recommender.recommender import default_knowledge_dir

from .conftest import edit

PRODUCTS = "catalogs/group/products.yaml"
RULES = "catalogs/group/rules.yaml"
VPMN_NAME = '    name: {zh: 集团V网, en: "Group virtual private mobile network"}'


def codes(exc: KnowledgeError) -> list[str]:
    return [i.code for i in exc.issues if i.severity == "error"]


@pytest.mark.parametrize("catalog", available_catalogs(default_knowledge_dir()))
def test_default_knowledge_has_no_errors_or_warnings(catalog: str) -> None:
    kb = load_knowledge(default_knowledge_dir(), catalog)
    assert kb.warnings == ()
    assert len(kb.framework.modules) == 9
    assert kb.products and kb.rules


def test_default_catalog_is_named_in_the_framework() -> None:
    kb = load_knowledge(default_knowledge_dir())
    assert kb.catalog.id == kb.framework.default_catalog == "group"


def test_yaml_syntax_error_is_located(kb_copy: Path) -> None:
    edit(kb_copy / PRODUCTS, "    modules: [transmission, office]", "    modules: [transmission, office")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_copy)
    issue = err.value.issues[0]
    assert issue.code == "yaml-syntax"
    assert issue.file and issue.file.endswith("products.yaml") and issue.line


def test_duplicate_key_is_an_error(kb_copy: Path) -> None:
    edit(kb_copy / PRODUCTS, VPMN_NAME + "\n", VPMN_NAME + "\n    name: {zh: 集团V网二, en: V-net}\n")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_copy)
    assert codes(err.value) == ["duplicate-key"]
    lines = (kb_copy / PRODUCTS).read_text(encoding="utf-8").splitlines()
    assert err.value.issues[0].line == lines.index("    name: {zh: 集团V网二, en: V-net}") + 1
    assert f"first at line {lines.index(VPMN_NAME) + 1}" in err.value.issues[0].message


def test_every_problem_is_reported_in_one_pass(kb_copy: Path) -> None:
    edit(kb_copy / PRODUCTS, "    portfolio: star\n    prices:\n      - {priceType: recurring, amount: 1500",
         "    portfolo: star\n    prices:\n      - {priceType: recurring, amount: '1500'")
    edit(kb_copy / RULES, "      - propose: {product: che_wu_tong, weight: 0.9}",
         "      - propose: {product: che_wu_tongg, weight: 0.9}")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_copy)
    by_code = {i.code: i for i in err.value.issues}
    assert set(codes(err.value)) == {"unknown-key", "wrong-type"}  # shape errors stop the reference pass
    assert by_code["unknown-key"].path == "products[2].portfolo"
    assert by_code["unknown-key"].hint == "did you mean 'portfolio'?"
    assert by_code["wrong-type"].path == "products[2].prices[0].amount"
    assert all(i.line and i.column for i in err.value.issues)
    assert "products.yaml:" in str(err.value)


def test_unknown_reference_has_did_you_mean(kb_copy: Path) -> None:
    edit(kb_copy / RULES, "      - propose: {product: che_wu_tong, weight: 0.9}",
         "      - propose: {product: che_wu_tongg, weight: 0.9}")
    edit(kb_copy / PRODUCTS, "  - product: dedicated_line\n        reason: {zh: 视频会议",
         "  - product: dedicatedline\n        reason: {zh: 视频会议")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_copy)
    issues = sorted(err.value.issues, key=lambda i: i.path)
    assert [(i.code, i.path, i.hint) for i in issues] == [
        ("unknown-reference", "products[2].requires[0].product", "did you mean 'dedicated_line'?"),
        ("unknown-reference", "rules[2].then[1].propose.product", "did you mean 'che_wu_tong'?"),
    ]


def test_requires_cycle_names_the_whole_cycle_with_locations(kb_copy: Path) -> None:
    # dedicated_line -> video_conference -> dedicated_line
    edit(kb_copy / PRODUCTS, '    need_items: [transmission.dedicated_line]\n',
         '    need_items: [transmission.dedicated_line]\n    requires:\n      - product: video_conference\n'
         '        reason: {zh: 测试, en: test}\n')
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_copy)
    (issue,) = err.value.issues
    assert issue.code == "requires-cycle"
    assert "dedicated_line -> video_conference -> dedicated_line" in issue.message
    assert issue.message.count("products.yaml:") == 2


def test_product_needing_an_excluded_pair_can_never_be_sold(kb_copy: Path) -> None:
    # group_directory requires group_vpmn; make it also require ms_exchange and enterprise_mailbox,
    # which exclude each other
    edit(kb_copy / PRODUCTS, "      - product: group_vpmn\n        reason: {zh: 通讯录",
         "      - product: ms_exchange\n        reason: {zh: 测试, en: test}\n"
         "      - product: enterprise_mailbox\n        reason: {zh: 测试, en: test}\n"
         "      - product: group_vpmn\n        reason: {zh: 通讯录")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_copy)
    assert codes(err.value) == ["requires-conflict"]
    assert "'group_directory' can never be sold" in err.value.issues[0].message


def test_rule_condition_on_unknown_field(kb_copy: Path) -> None:
    edit(kb_copy / RULES, "      customer: {industry: finance, employees: {gte: 1000}}",
         "      customer: {industy: finance, employees: {gte: 1000}}")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_copy)
    assert [(i.code, i.path, i.hint) for i in err.value.issues] == [
        ("unknown-field", "rules[1].when.customer.industy", "did you mean 'industry'?")]


@pytest.mark.parametrize(("value", "path"), [
    ("{gte: many}", "rules[1].when.customer.employees.gte"),
    ("[1000]", "rules[1].when.customer.employees"),
    ("{gte: 1, lte: 5, below: 3}", "rules[1].when.customer.employees.below"),
])
def test_rule_condition_of_wrong_shape_gives_one_error(kb_copy: Path, value: str, path: str) -> None:
    edit(kb_copy / RULES, "employees: {gte: 1000}}", f"employees: {value}}}")
    line = (kb_copy / RULES).read_text(encoding="utf-8").splitlines().index(
        f"      customer: {{industry: finance, employees: {value}}}") + 1
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_copy)
    assert [(i.path, i.line) for i in err.value.issues] == [(path, line)]


def test_yaml11_spellings_warn(kb_copy: Path) -> None:
    edit(kb_copy / "catalogs/group/catalog.yaml", "en: Group customer catalog", "en: yes")
    kb = load_knowledge(kb_copy)
    assert [(w.code, w.severity) for w in kb.warnings] == [("yaml11-boolean", "warning")]


def test_not_a_knowledge_directory(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(tmp_path)
    assert codes(err.value) == ["missing-file"]


def test_unknown_catalog_has_did_you_mean() -> None:
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(default_knowledge_dir(), "grop")
    assert err.value.issues[0].hint == "did you mean 'group'?"


def test_failed_reload_keeps_the_old_knowledge(kb_copy: Path) -> None:
    rec = Recommender.from_path(kb_copy)
    before = rec.knowledge
    edit(kb_copy / PRODUCTS, VPMN_NAME + "\n", VPMN_NAME + "\n    bogus: 1\n")
    with pytest.raises(KnowledgeError):
        rec.reload()
    assert rec.knowledge is before
    assert rec.recommend({"name": "x", "industry": "finance", "employees": 50}).bundles


def test_reload_swaps_in_new_knowledge(kb_copy: Path) -> None:
    rec = Recommender.from_path(kb_copy)
    profile = {"name": "x", "industry": "logistics", "employees": 50, "needs": ["production"]}
    assert "logistics_fleet" in [r.rule for r in rec.recommend(profile).fired_rules]
    edit(kb_copy / RULES, "      customer: {industry: logistics}", "      customer: {industry: retail, employees: 1}")
    new = rec.reload()
    assert rec.knowledge is new
    assert "logistics_fleet" not in [r.rule for r in rec.recommend(profile).fired_rules]


def test_a_shape_error_in_one_file_does_not_hide_reference_errors_in_another(kb_copy: Path) -> None:
    edit(kb_copy / RULES, "      - propose: {product: che_wu_tong, weight: 0.9}",
         "      - propose: {product: che_wu_tong, weight: high}")
    edit(kb_copy / PRODUCTS, "  - product: dedicated_line\n        reason: {zh: 视频会议",
         "  - product: dedicatedline\n        reason: {zh: 视频会议")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_copy)
    assert sorted((i.code, i.path) for i in err.value.issues) == [
        ("unknown-reference", "products[2].requires[0].product"),
        ("wrong-type", "rules[2].then[1].propose.weight"),
    ]
