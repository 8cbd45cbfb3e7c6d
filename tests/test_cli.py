"""The command line, run as a user would: a real process, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import EXAMPLES


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "recommender", *args], capture_output=True, text=True,
                          timeout=120, check=False)


def test_recommend_text_and_json() -> None:
    text = run("recommend", str(EXAMPLES / "bank.yaml"), "--top-k", "2", "--lang", "zh", "--detail")
    assert text.returncode == 0, text.stderr
    assert "方案 1" in text.stdout and "方案 2" in text.stdout and "方案 3" not in text.stdout
    as_json = run("recommend", str(EXAMPLES / "bank.yaml"), "--format", "json")
    assert as_json.returncode == 0
    data = json.loads(as_json.stdout)
    assert data["customer_id"] == "icbc-yunnan" and len(data["bundles"]) == 3


def test_bad_profile_exits_1_with_located_issues_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nindustry: financ\nemployees: 1\nneeds: [ofice]\n", encoding="utf-8")
    result = run("recommend", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{bad}:2:11: error [unknown-reference] at industry" in result.stderr
    assert f"{bad}:3:12: error [out-of-range] at employees" in result.stderr
    assert f"{bad}:4:9: error [unknown-reference] at needs[0]" in result.stderr
    assert "did you mean 'finance' or 'insurance'?" in result.stderr
    assert "two or more people (seed 004, 3.1)" in result.stderr


def test_missing_file_and_bad_knowledge_exit_1(tmp_path: Path) -> None:
    assert run("recommend", str(tmp_path / "nope.yaml")).returncode == 1
    result = run("recommend", str(EXAMPLES / "bank.yaml"), "--knowledge", str(tmp_path))
    assert result.returncode == 1 and "not a knowledge directory" in result.stderr


def test_usage_errors_exit_2() -> None:
    assert run("recommend").returncode == 2
    assert run("recommend", str(EXAMPLES / "bank.yaml"), "--format", "xml").returncode == 2
    assert run("recommend", str(EXAMPLES / "bank.yaml"), "--top-k", "0").returncode == 2


def test_validate_reports_clean_default_knowledge() -> None:
    result = run("validate")
    assert result.returncode == 0
    assert "0 errors, 0 warnings" in result.stdout


def test_scenario_runner_names_the_scenario_the_product_and_the_rules(kb_copy: Path) -> None:
    (kb_copy / "scenarios" / "wrong.yaml").write_text(
        "id: wrong_expectation\n"
        "description: {zh: 测试, en: a deliberately wrong expectation}\n"
        "source: \"003 test\"\n"
        "profile: {name: bank, industry: finance, employees: 500, needs: [transmission]}\n"
        "expect:\n  top_bundle: {include: [xiao_xun_tong]}\n  channel: partner_channel\n",
        encoding="utf-8")
    result = run("test", str(kb_copy))
    assert result.returncode == 1
    assert "FAIL wrong_expectation" in result.stdout
    assert "expected product 'xiao_xun_tong' in the top bundle" in result.stdout
    assert "expected channel 'partner_channel', got 'direct_sales'" in result.stdout
    assert "rules fired: finance_dedicated_lines" in result.stdout
    assert "1 failed" in result.stdout


def test_scenario_with_unknown_ids_fails_with_did_you_mean(kb_copy: Path) -> None:
    (kb_copy / "scenarios" / "typo.yaml").write_text(
        "id: typo\ndescription: {zh: 测试, en: typo}\nsource: \"003 test\"\n"
        "profile: {name: bank, industry: finance, employees: 500}\n"
        "expect:\n  rules_fired: [finance_dedicated_line]\n", encoding="utf-8")
    result = run("test", str(kb_copy))
    assert result.returncode == 1
    assert "unknown rule 'finance_dedicated_line' in expect (did you mean 'finance_dedicated_lines'?)" in result.stdout


def test_shipped_scenarios_pass_from_the_command_line() -> None:
    result = run("test")
    assert result.returncode == 0, result.stdout
    assert result.stdout.rstrip().endswith(" passed, 0 failed")


def test_explain_says_why_a_product_is_in_or_out() -> None:
    bank = str(EXAMPLES / "bank.yaml")
    inside = run("explain", bank, "--product", "dedicated_line")
    assert inside.returncode == 0, inside.stderr
    assert "In bundle(s) 1" in inside.stdout
    assert "finance_dedicated_lines proposes" in inside.stdout
    assert "fired on customer.industry = finance" in inside.stdout
    assert "Required by: " in inside.stdout and "video_conference" in inside.stdout
    outside = run("explain", bank, "--product", "xiao_xun_tong", "--lang", "zh")
    assert "未被考虑" in outside.stdout and "education_xiaoxuntong" in outside.stdout and "不符合条件" in outside.stdout
    retired = run("explain", bank, "--product", "mobile_msn")
    assert "Not recommended:" in retired.stdout and "no_dogs excludes" in retired.stdout
    typo = run("explain", bank, "--product", "dedicatd_line")
    assert typo.returncode == 1 and "did you mean 'dedicated_line'?" in typo.stderr


def test_graph_in_three_formats() -> None:
    import xml.etree.ElementTree as ET

    mermaid = run("graph", "--module", "production")
    assert mermaid.returncode == 0 and mermaid.stdout.startswith("flowchart LR")
    assert "video_surveillance --> dedicated_line" in mermaid.stdout and 'che_wu_tong["车务通"]' in mermaid.stdout
    assert "xiao_xun_tong" not in mermaid.stdout  # not a production product
    dot = run("graph", "--format", "dot", "--lang", "en")
    assert dot.stdout.startswith("digraph products {")
    assert "ms_exchange -> enterprise_mailbox [style=dashed, color=red, dir=none];" in dot.stdout  # an exclusion
    svg = run("graph", "--format", "svg", "--catalog", "sme")
    root = ET.fromstring(svg.stdout)
    rects = root.findall("{http://www.w3.org/2000/svg}rect")
    assert len(rects) == svg.stdout.count("<rect") > 10
    assert run("graph", "--module", "offce").returncode == 2


def test_diff_names_changed_entities_and_moved_recommendations(kb_copy: Path, tmp_path: Path) -> None:
    import shutil

    old = tmp_path / "old"
    shutil.copytree(kb_copy, old)
    rules = kb_copy / "catalogs" / "group" / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        "      customer: {industry: logistics}\n", "      customer: {industry: retail}\n", 1), encoding="utf-8")
    result = run("diff", str(old), str(kb_copy), "--profiles", str(EXAMPLES / "logistics.yaml"))
    assert result.returncode == 0, result.stderr
    assert "~ rule logistics_fleet: when" in result.stdout
    assert "Recommendations changed: 1 of 1 customers" in result.stdout
    assert "cause: rules no longer firing: logistics_fleet" in result.stdout
    same = run("diff", str(old), str(old))
    assert "Knowledge changes: none" in same.stdout and "Recommendations changed: 0 of" in same.stdout


def test_failing_scenario_names_the_smallest_set_to_blame(kb_copy: Path) -> None:
    (kb_copy / "scenarios" / "zz_blame.yaml").write_text(
        "id: zz_blame\ndescription: {zh: 测试, en: expects no WAP portal}\nsource: \"004 test\"\n"
        "profile: {name: x, industry: government, employees: 260, needs: [office.information]}\n"
        "expect:\n  top_bundle: {exclude: [wap_portal]}\n", encoding="utf-8")
    result = run("test", str(kb_copy))
    assert result.returncode == 1
    # government_information proposes the WAP portal; without that one rule the scenario passes
    assert "to blame (smallest set whose removal makes it pass): rule government_information" in result.stdout


def test_validate_checks_every_catalog_and_the_scenarios(kb_copy: Path) -> None:
    (kb_copy / "scenarios" / "bad.yaml").write_text(
        "id: bad\ndescription: {zh: 测试, en: t}\nsource: \"003 x\"\n"
        "profile: {name: x, industry: finace, employees: 40}\n"
        "expect:\n  rules_fired: [finance_dedicated_line]\n", encoding="utf-8")
    (kb_copy / "scenarios" / "shape.yaml").write_text(
        "id: shape\ndescription: {zh: 测试, en: t}\nsource: \"003 x\"\n"
        "profile: {name: x, industry: finance, employees: many}\nexpect: {}\n", encoding="utf-8")
    sme_rules = kb_copy / "catalogs" / "sme" / "rules.yaml"
    sme_rules.write_text(sme_rules.read_text(encoding="utf-8").replace(
        "propose: {product: tianyi_ptt,", "propose: {product: tianyi_pt,", 1), encoding="utf-8")
    result = run("validate", str(kb_copy))
    assert result.returncode == 1
    out = result.stdout
    assert "scenarios/bad.yaml:4:30: error [unknown-reference] at profile.industry: unknown industry 'finace'" in out
    assert "unknown rule 'finance_dedicated_line' in expect (did you mean 'finance_dedicated_lines'?)" in out
    assert "catalogs/sme/rules.yaml" in out and "unknown product 'tianyi_pt'" in out
    assert "scenarios/shape.yaml:4:50: error [wrong-type] at profile.employees" in out
    assert "4 errors, 0 warnings" in out
