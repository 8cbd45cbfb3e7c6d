"""Issues read in Chinese and English: templates in both languages, and what a product team reads.

Every issue's message and hint come from ``issue.*`` templates of the package's message files;
``Issue.message``/``hint`` stay English, ``Issue.text``/``hint_text`` hold both languages.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from recommender import KnowledgeError, load_knowledge
from recommender.errors import CODES, ISSUE_PREFIX, Issue, meaning
from recommender.messages import fields_of, messages


def _templates(lang: str) -> dict[str, str]:
    return {k: v for k, v in messages(lang).items() if k.startswith(ISSUE_PREFIX)}


def test_every_issue_template_exists_in_both_languages_with_the_same_fields() -> None:
    zh, en = _templates("zh"), _templates("en")
    assert sorted(zh) == sorted(en)
    for key in en:
        assert fields_of(zh[key]) == fields_of(en[key]), key
        assert zh[key] != en[key] or not any(c.isalpha() for c in en[key]), f"{key} is not translated"


def test_every_code_has_a_meaning_in_both_languages() -> None:
    assert len(CODES) >= 60
    for code in CODES:
        assert meaning(code, "en") == CODES[code]
        assert any("\u4e00" <= c <= "\u9fff" for c in meaning(code, "zh")), code


def _broken(kb_copy: Path) -> tuple[Issue, ...]:
    """The default knowledge with three mistakes a product team makes editing it by hand; the issues of both
    catalogs (a product file of the wrong shape hides the references into it, so each catalog has its own)."""
    rules = kb_copy / "catalogs" / "group" / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        "propose: {product: che_wu_tong, weight: 0.9}", "propose: {product: chewutong, weight: 0.9}", 1),
        encoding="utf-8")
    products = kb_copy / "catalogs" / "sme" / "products.yaml"
    products.write_text(products.read_text(encoding="utf-8").replace(
        "amount: 20, unit: yuan/month", "amount: 20元, unit: yuan/month", 1), encoding="utf-8")
    framework = kb_copy / "framework.yaml"
    framework.write_text(framework.read_text(encoding="utf-8").replace(
        "default_catalog: group", "default_catalog: groups", 1), encoding="utf-8")
    issues: list[Issue] = []
    for catalog in ("group", "sme"):  # named: the wrong default catalog does not hide the rest
        with pytest.raises(KnowledgeError) as err:
            load_knowledge(kb_copy, catalog)
        issues += [i for i in err.value.issues if i not in issues]
    return tuple(issues)


def _one(issues: tuple[Issue, ...], code: str) -> Issue:
    found = [i for i in issues if i.code == code]
    assert len(found) == 1, [str(i) for i in issues]
    return found[0]


def test_a_bad_knowledge_directory_speaks_chinese_naming_the_place_and_the_value(kb_copy: Path) -> None:
    issues = _broken(kb_copy)
    # the proposed product that does not exist: says it is a product, names it, suggests the real one
    ref = _one(issues, "unknown-reference")
    assert ref.file is not None and ref.file.endswith("rules.yaml") and ref.line is not None
    assert "产品" in ref.text["zh"] and "chewutong" in ref.text["zh"]
    assert ref.hint_text is not None and "che_wu_tong" in ref.hint_text["zh"]
    assert ref.message == "unknown product 'chewutong'"  # English unchanged for logs and scripts
    # the price written with its unit: says a number is wanted and shows what was written
    wrong = _one(issues, "wrong-type")
    assert wrong.file is not None and wrong.file.endswith("products.yaml") and wrong.path.endswith(".amount")
    assert "数字" in wrong.text["zh"] and "20元" in wrong.text["zh"]
    assert wrong.hint_text is not None and "不要加引号" in wrong.hint_text["zh"]
    # the default catalog with a typo: names the value and the directory it looked in, suggests the real one
    catalog = _one(issues, "unknown-catalog")
    assert catalog.file is not None and catalog.file.endswith("framework.yaml") and catalog.line == 7
    assert "groups" in catalog.text["zh"] and "catalogs/" in catalog.text["zh"]
    assert catalog.hint_text is not None and "“group”" in catalog.hint_text["zh"]
    # printed for a person: file:line:column, the severity in Chinese, the hint labelled in Chinese
    shown = ref.render("zh")
    assert shown.startswith(f"{ref.file}:{ref.line}:{ref.column}：错误 [unknown-reference]")
    assert "\n    提示：" in shown and str(ref) == ref.render("en")


def test_issues_serialise_with_both_languages(kb_copy: Path) -> None:
    issue = _one(_broken(kb_copy), "unknown-reference")
    data = json.loads(issue.model_dump_json())
    assert set(data["text"]) == {"zh", "en"} and data["text"]["en"] == data["message"]
    assert Issue.model_validate(data) == issue  # read back as it was sent


def test_profile_type_errors_speak_chinese() -> None:
    from recommender import ProfileError
    from recommender.profile import parse_profile

    with pytest.raises(ProfileError) as err:
        parse_profile({"name": "云南某银行", "industry": "finance", "employees": "三千"})
    issue = _one(err.value.issues, "wrong-type")
    assert issue.path == "employees" and "整数" in issue.text["zh"] and "三千" in issue.text["zh"]
    assert "客户资料共有1处错误" in err.value.render("zh")


def test_validate_prints_chinese_with_lang_zh(kb_copy: Path) -> None:
    _broken(kb_copy)
    framework = kb_copy / "framework.yaml"  # the default catalog right again: validate checks every catalog
    framework.write_text(framework.read_text(encoding="utf-8").replace("groups", "group", 1), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "recommender", "validate", str(kb_copy), "--lang", "zh"],
                         capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert run.returncode == 1
    assert "找不到产品“chewutong”" in run.stdout and "是否应为“che_wu_tong”？" in run.stdout
    assert "20元" in run.stdout and "处错误" in run.stdout.splitlines()[-1]
    english = subprocess.run([sys.executable, "-m", "recommender", "validate", str(kb_copy)],
                             capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert "unknown product 'chewutong'" in english.stdout and "找不到" not in english.stdout
