"""JSON Schemas: generated from the models, shipped, referenced and honoured by the shipped files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from recommender.recommender import default_knowledge_dir
from recommender.schemas import FILE_KINDS, schema_text

from .conftest import EXAMPLES

KNOWLEDGE = default_knowledge_dir()
SCHEMAS = KNOWLEDGE / "schemas"


def shipped_files() -> list[tuple[str, Path]]:
    pairs = [("framework", KNOWLEDGE / "framework.yaml"), ("assessment", KNOWLEDGE / "assessment.yaml")]
    for catalog in sorted((KNOWLEDGE / "catalogs").iterdir()):
        pairs += [(kind, catalog / f"{kind}.yaml") for kind in ("catalog", "products", "rules", "offers")]
    pairs += [("scenario", p) for p in sorted((KNOWLEDGE / "scenarios").glob("*.yaml"))]
    pairs += [("profile", p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    return pairs


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_shipped_schema_matches_the_models(kind: str) -> None:
    assert (SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8") == schema_text(kind), (
        "regenerate with: recommender schema knowledge/schemas")


@pytest.mark.parametrize(("kind", "path"), shipped_files(), ids=lambda x: getattr(x, "name", x))
def test_every_shipped_file_names_and_passes_its_schema(kind: str, path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    assert (path.parent / first.split("=", 1)[1]).resolve() == (SCHEMAS / f"{kind}.schema.json").resolve()
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    errors = list(Draft202012Validator(schema).iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert not errors, errors[0].message


def test_schema_rejects_what_the_loader_rejects() -> None:
    schema = json.loads((SCHEMAS / "products.schema.json").read_text(encoding="utf-8"))
    bad = {"products": [{"id": "x", "name": {"zh": "x", "en": "x"}, "category": "c", "modules": ["offce"],
                         "colour": "red"}]}
    messages = " ".join(e.message for e in Draft202012Validator(schema).iter_errors(bad))
    assert "colour" in messages and "offce" in messages


def test_schema_command_writes_every_kind(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "recommender", "schema", str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{k}.schema.json" for k in FILE_KINDS)
