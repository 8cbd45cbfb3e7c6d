"""Languages are data: a third language is names in the knowledge plus one message file, no code.

Each test adds French to a copy of the shipped knowledge: ``languages: [zh, en, fr]`` in
framework.yaml, ``messages/fr.yaml`` in the knowledge directory and, where the test needs
it, a French entry in every name and text.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from recommender import KnowledgeError, Recommender, load_knowledge
from recommender.messages import messages
from recommender.proposal import render_proposal

from .conftest import EXAMPLES

# A few sentences of the brief in real French; the others keep the English wording, marked.
FRENCH = {
    "brief.title": "Note de synthèse du chargé de clientèle : {customer}",
    "brief.verdict": "Le client : {verdict}",
    "brief.bundle": "Offre recommandée : {price}",
    "brief.next_steps": "Prochaines étapes (ordre de déploiement) :",
    "money.month": "{amount} CNY/mois",
    "money.once": "{amount} CNY",
}
# Real French names for what the bank's bundle holds; every other entry gets «English».
FRENCH_NAMES = {"Dedicated data line": "Ligne de données dédiée"}
PROFILE = {"name": "Banque du Yunnan", "industry": "finance", "employees": 3000, "sites": 12,
           "needs": ["transmission.dedicated_line", "transmission.voice"], "budget_monthly": 30000}
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def french_sentences() -> dict[str, str]:
    return {key: FRENCH.get(key, sentence) for key, sentence in messages("en").items()}


def declare_french(root: Path, sentences: dict[str, str] | None) -> None:
    framework = root / "framework.yaml"
    text = framework.read_text(encoding="utf-8")
    assert text.count("languages: [zh, en]\n") == 1
    framework.write_text(text.replace("languages: [zh, en]\n", "languages: [zh, en, fr]\n"), encoding="utf-8")
    if sentences is not None:
        (root / "messages").mkdir()
        (root / "messages" / "fr.yaml").write_text(yaml.safe_dump(sentences, allow_unicode=True), encoding="utf-8")


def texts(value: Any) -> list[dict[str, str]]:
    """Every name or text mapping ({zh: ..., en: ...}) inside parsed YAML or JSON."""
    if isinstance(value, dict):
        if {"zh", "en"} <= set(value) and all(isinstance(v, str) for v in value.values()):
            return [value]
        return [t for v in value.values() for t in texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in texts(v)]
    return []


def knowledge_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.yaml") if "messages" not in p.parts)


def name_in_french(root: Path) -> None:
    """Give every name and text of every knowledge file a French entry (the translator's work)."""
    for path in knowledge_files(root):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for text in texts(data):
            text["fr"] = FRENCH_NAMES.get(text["en"], f"«{text['en']}»")
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_validate_lists_every_name_and_text_missing_the_new_language(kb_copy: Path) -> None:
    declare_french(kb_copy, french_sentences())
    expected = sum(len(texts(yaml.safe_load(p.read_text(encoding="utf-8"))))
                   for p in knowledge_files(kb_copy) if "scenarios" not in p.parts and (
                       "catalogs" not in p.parts or "group" in p.parts))
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_copy)
    issues = err.value.issues
    assert {i.code for i in issues} == {"missing-language"}
    assert len(issues) == expected
    assert all(i.file and i.line and "'fr'" in i.message and "fr: ..." in (i.hint or "") for i in issues)
    conference = next(i for i in issues if "'conference_call'" in i.message)
    assert conference.path == "products[1].name" and conference.file.endswith("catalogs/group/products.yaml")


def test_a_declared_language_needs_its_sentences(kb_copy: Path) -> None:
    declare_french(kb_copy, None)
    name_in_french(kb_copy)
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_copy)
    assert [(i.code, Path(i.file or "").name) for i in err.value.issues] == [("missing-message", "fr.yaml")]
    partial = {k: v for k, v in french_sentences().items() if k not in ("brief.gap", "brief.gaps")}
    (kb_copy / "messages").mkdir()
    (kb_copy / "messages" / "fr.yaml").write_text(yaml.safe_dump(partial, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_copy)
    [issue] = err.value.issues
    assert issue.code == "missing-message" and issue.message.endswith("2 message keys: brief.gaps, brief.gap")


@pytest.fixture
def french(kb_copy: Path) -> Path:
    declare_french(kb_copy, french_sentences())
    name_in_french(kb_copy)
    return kb_copy


def test_a_third_language_validates_with_no_code_change(french: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "recommender", "validate", str(french)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.endswith("0 errors, 0 warnings\n")


def test_the_result_carries_the_third_language_in_every_name_and_text(french: Path) -> None:
    result = Recommender.from_path(french).recommend(PROFILE)
    assert result.languages == ["zh", "en", "fr"]
    data = json.loads(result.model_dump_json())
    names = [p["name"] for b in data["bundles"] for p in b["products"]]
    assert names and all(list(name) == ["zh", "en", "fr"] for name in names)
    assert {"zh": "专线", "en": "Dedicated data line", "fr": "Ligne de données dédiée"} in names
    missing = [t for t in texts(data) if "fr" not in t]
    assert not missing, missing[:3]


def test_the_brief_renders_in_the_third_language(french: Path) -> None:
    result = Recommender.from_path(french).recommend(PROFILE)
    brief = result.rationale_text("fr")
    lines = brief.splitlines()
    assert lines[0] == "Note de synthèse du chargé de clientèle : Banque du Yunnan"
    assert lines[1].startswith("Le client : ")
    assert "Offre recommandée : " in brief and "CNY/mois" in brief
    assert all(p.name.get("fr") in brief for p in result.bundles[0].products)
    assert "Ligne de données dédiée" in brief
    assert not CJK.findall(brief), [line for line in lines if CJK.search(line)]


def test_the_proposal_renders_in_the_third_language(french: Path) -> None:
    result = Recommender.from_path(french).recommend({**PROFILE, "annual_spend": 200000, "telecom_spend": 500000})
    for fmt in ("md", "html"):
        page = render_proposal(result, "fr", fmt)
        assert "Ligne de données dédiée" in page and "CNY/mois" in page
        assert not CJK.findall(page), [line for line in page.splitlines() if CJK.search(line)][:3]


def test_adding_a_language_leaves_the_others_unchanged(french: Path) -> None:
    shipped = Recommender.default().recommend(PROFILE)
    added = Recommender.from_path(french).recommend(PROFILE)
    for lang in ("zh", "en"):
        assert added.rationale_text(lang) == shipped.rationale_text(lang)
        assert added.rationale_text(lang, detail=True) == shipped.rationale_text(lang, detail=True)


def test_cli_lang_takes_the_languages_the_knowledge_declares(french: Path) -> None:
    profile = french.parent / "bank.yaml"
    profile.write_text(yaml.safe_dump(PROFILE, allow_unicode=True), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "recommender", "recommend", str(profile), "--knowledge", str(french),
                          "--lang", "fr"], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Note de synthèse du chargé de clientèle : Banque du Yunnan\n")
    shipped = subprocess.run([sys.executable, "-m", "recommender", "recommend", str(EXAMPLES / "bank.yaml"),
                              "--lang", "fr"], capture_output=True, text=True, check=False)
    assert shipped.returncode == 2
    assert "'fr' is not a language of this knowledge; it declares zh, en" in shipped.stderr


def test_a_result_read_back_from_json_renders_while_its_knowledge_is_loaded(french: Path) -> None:
    rec = Recommender.from_path(french)
    result = rec.recommend(PROFILE)
    again = type(result).model_validate_json(result.model_dump_json())
    assert again == result
    assert again.rationale_text("fr") == result.rationale_text("fr")
    with pytest.raises(ValueError, match="no language 'de' in this result: it is written in zh, en, fr"):
        result.rationale_text("de")


def test_a_knowledge_message_file_rewords_a_shipped_sentence(kb_copy: Path) -> None:
    (kb_copy / "messages").mkdir()
    (kb_copy / "messages" / "zh.yaml").write_text('brief.title: "拜访前必读：{customer}"\n', encoding="utf-8")
    reworded = Recommender.from_path(kb_copy).recommend(PROFILE)
    shipped = Recommender.default().recommend(PROFILE)
    assert reworded.rationale_text("zh").splitlines()[0] == "拜访前必读：Banque du Yunnan"
    assert reworded.rationale_text("zh").splitlines()[1:] == shipped.rationale_text("zh").splitlines()[1:]
    assert reworded.rationale_text("en") == shipped.rationale_text("en")
    assert shipped.rationale_text("zh").splitlines()[0] == "客户经理简报：Banque du Yunnan"


def test_texts_take_the_declared_order_whatever_order_a_file_writes(kb_copy: Path) -> None:
    products = kb_copy / "catalogs" / "group" / "products.yaml"
    text = products.read_text(encoding="utf-8")
    products.write_text(text.replace('name: {zh: 专线, en: "Dedicated data line"}',
                                     'name: {en: "Dedicated data line", zh: 专线}'), encoding="utf-8")
    line = load_knowledge(kb_copy).products["dedicated_line"].name
    assert list(line.root) == ["zh", "en"] and line.get("fr") == "专线"
