"""One vocabulary: the ids the code gives a meaning to are declared once, and the knowledge must define them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from recommender import KnowledgeError, load_knowledge, ranking, vocabulary
from recommender.knowledge.schema import Effect, Product, RankingWeights
from recommender.profile import RULE_FIELDS
from recommender.result import Advice, ScoreBreakdown

from .conftest import ROOT, edit

PACKAGE = ROOT / "recommender"


def test_schema_and_results_follow_the_vocabulary() -> None:
    assert set(vocabulary.RELATION_KINDS) <= set(Product.model_fields)
    assert set(vocabulary.ADVICE_KINDS) <= set(Effect.model_fields)
    assert set(vocabulary.SINGLE_ADVICE) <= set(Advice.model_fields)
    assert set(vocabulary.SCORE_COMPONENTS) <= set(RankingWeights.model_fields)
    assert set(vocabulary.SCORE_COMPONENTS) <= set(ScoreBreakdown.model_fields)
    assert tuple(ranking.COMPONENTS) == vocabulary.SCORE_COMPONENTS
    assert set(ranking.STAGE_SCORE) == set(vocabulary.PORTFOLIO_STAGES)
    assert set(vocabulary.STEP_SCORE_FIELDS) <= set(RULE_FIELDS)


def _literals(path: Path) -> set[str]:
    """String constants of a module, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)
                  and isinstance(node.value, ast.Constant)}
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
            and isinstance(node.value, str) and id(node) not in docstrings}


def test_knowledge_ids_the_code_acts_on_are_spelled_only_in_the_vocabulary() -> None:
    """A second spelling of 'scale' or 'dual' is how a renamed id silently changes results."""
    watched = {*vocabulary.VALUE_TYPES, vocabulary.SCALE, *vocabulary.STEP_SCORE_FIELDS}
    offenders = {str(path.relative_to(ROOT)): sorted(_literals(path) & watched)
                 for path in sorted(PACKAGE.rglob("*.py")) if path.name != "vocabulary.py"}
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("assessment.yaml", "  - id: scale\n", "  - id: size\n", "assessment step 'scale' is missing"),
    ("framework.yaml", "  - {id: dual, ", "  - {id: double, ", "value type 'dual' is missing"),
    ("framework.yaml", "\n  fit: ", "\n  # fit: ", "ranking weight 'fit' is missing"),
])
def test_knowledge_lacking_a_vocabulary_id_is_refused(kb_copy: Path, file: str, old: str, new: str,
                                                      message: str) -> None:
    edit(kb_copy / file, old, new)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kb_copy)
    issues = [i for i in caught.value.issues if i.code == "missing-vocabulary"]
    assert [i.message for i in issues] == [message]
    assert issues[0].file == str(kb_copy / file) and issues[0].line is not None and issues[0].hint


def test_a_step_beyond_the_three_is_allowed_and_scored(kb_copy: Path) -> None:
    """Extra steps join the overall score (their <id>_score is no rule field); the three stay required."""
    path = kb_copy / "assessment.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["steps"].append({"id": "attitude", "name": {"zh": "信息化态度", "en": "IT attitude"},
                          "indicators": [{"field": "it_staff", "cuts": [1, 3, 10, 50]}]})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    kb = load_knowledge(kb_copy)
    assert [s.id for s in kb.assessment.steps][-1] == "attitude"
